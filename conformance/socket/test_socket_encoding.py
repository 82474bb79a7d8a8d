"""socket.setEncoding([encoding]): 'data' carries strings decoded with it;
multi-byte characters split across chunks, a partial character at the end,
other encodings, the default, an unknown name; bytesRead still counts bytes."""
import pytest

from netspec_harness import Threw, peer, req

from _socket_util import delivered, settle, tcp_client


def strings(sock):
    """The non-empty strings 'data' carried, in order."""
    chunks = [e.args[0] for e in sock.events("data")]
    assert all(isinstance(c, str) for c in chunks), "after setEncoding() 'data' carries strings: %r" % chunks
    return [c for c in chunks if c]


@req("SOCKET.SET_ENCODING.RETURNS.1", "SOCKET.SET_ENCODING.UTF8.1", "SOCKET.EVENT.DATA.STRING.1",
     "SOCKET.BYTESREAD.BYTES.1")
def test_utf8_data_arrives_as_strings_and_bytes_read_counts_bytes(impl):
    sock, conn = tcp_client(impl)
    with conn:
        assert sock.setEncoding("utf8") is sock
        conn.sendall("h\u00e9llo \u20ac".encode("utf-8"))
        assert sock.wait_received(7) == "h\u00e9llo \u20ac"
        assert sock.get("bytesRead") == 10, "bytesRead counts bytes, not characters"
    strings(sock)


@req("SOCKET.SET_ENCODING.RETURNS.1", "SOCKET.SET_ENCODING.DEFAULT.1")
def test_set_encoding_before_connect_and_without_a_name_is_utf8(impl):
    with peer.tcp_listener("127.0.0.1") as lst:
        sock = impl.new("Socket")
        assert sock.setEncoding() is sock
        sock.connect(lst.getsockname()[1], "127.0.0.1")
        with peer.accept(lst) as conn:
            conn.sendall(b"\xc3\xa9")
            assert sock.wait_received(1) == "\u00e9"
    assert strings(sock) == ["\u00e9"]


@req("SOCKET.SET_ENCODING.SPLIT.1")
def test_a_character_split_across_chunks_is_never_cut(impl):
    sock, conn = tcp_client(impl)
    with conn:
        sock.setEncoding("utf8")
        conn.sendall(b"h\xe2")
        assert sock.wait_received(1) == "h"
        conn.sendall(b"\x82")
        delivered(impl, sock, conn)
        assert strings(sock) == ["h"], "no part of the character before its last byte"
        conn.sendall(b"\xacllo")
        assert sock.wait_received(5) == "h\u20acllo"
    assert strings(sock) == ["h", "\u20acllo"]
    assert all("\ufffd" not in s for s in strings(sock))


@req("SOCKET.SET_ENCODING.INCOMPLETE.1")
def test_a_partial_character_at_the_end_becomes_a_replacement_character(impl):
    sock, conn = tcp_client(impl, allowHalfOpen=True)
    with conn:
        sock.setEncoding("utf8")
        conn.sendall(b"a\xe2\x82")
        peer.half_close(conn)
        end = sock.wait("end")
        sock.end()
    assert "".join(strings(sock)) == "a\ufffd"
    assert all(e.seq < end.seq for e in sock.events("data"))


@pytest.mark.parametrize("encoding,pieces,text", [
    ("hex", [b"\x01\x02\xff"], "0102ff"),
    ("base64", [b"ab", b"c"], "YWJj"),
    ("latin1", [b"A\xe9\xff"], "A\u00e9\u00ff"),
], ids=["hex", "base64", "latin1"])
@req("SOCKET.SET_ENCODING.OTHER.1")
def test_other_encodings(impl, encoding, pieces, text):
    sock, conn = tcp_client(impl, allowHalfOpen=True)
    with conn:
        sock.setEncoding(encoding)
        for piece in pieces:
            conn.sendall(piece)
            delivered(impl, sock, conn)
        peer.half_close(conn)
        sock.wait("end")
        sock.end()
    assert "".join(strings(sock)) == text


@req("SOCKET.SET_ENCODING.INVALID.1")
def test_an_unknown_encoding_throws_naming_it(impl):
    sock = impl.new("Socket")
    with pytest.raises(Threw) as info:
        sock.setEncoding("bogus")
    assert "bogus" in info.value.error.message
    assert info.value.error.message == "Unknown encoding: bogus"
    settle(impl)
    assert sock.names() == []
