"""socket.bytesRead and socket.bytesWritten: 0 on a fresh socket, bytes (not
characters) in each direction, and their final values after 'close' however
the connection ended."""
import pytest

from netspec_harness import peer, req

from _socket_util import pair, settle


@req("SOCKET.BYTESREAD.1", "SOCKET.BYTESWRITTEN.1")
def test_a_fresh_socket_has_counted_nothing(impl):
    sock = impl.new("Socket")
    assert (sock.get("bytesRead"), sock.get("bytesWritten")) == (0, 0)


@req("SOCKET.BYTESWRITTEN.1")
def test_bytes_written_counts_encoded_bytes(impl, sock_dir):
    sock, conn = pair(impl, "connect", "tcp", sock_dir)
    with conn:
        assert sock.get("bytesWritten") == 0
        sock.write("")
        sock.write("414243", "hex")
        sock.write("REVG", "base64")
        sock.write("\u00e9")
        assert peer.recv_exactly(conn, 8) == b"ABCDEF\xc3\xa9"
        assert sock.get("bytesWritten") == 8


@pytest.mark.parametrize("kind,ending", [("accepted", "both-end"), ("connect", "destroy"), ("new", "peer-closes")])
@req("SOCKET.BYTESREAD.FINAL.1", "SOCKET.BYTESWRITTEN.FINAL.1", "SOCKET.BYTESREAD.1")
def test_counters_keep_their_final_values_after_close(impl, sock_dir, kind, ending):
    sock, conn = pair(impl, kind, "tcp", sock_dir)
    with conn:
        conn.sendall(b"12345")
        assert sock.wait_received(5) == b"12345"
        sock.write(b"abcdefg")
        assert peer.recv_exactly(conn, 7) == b"abcdefg"
        assert (sock.get("bytesRead"), sock.get("bytesWritten")) == (5, 7)
        if ending == "both-end":
            sock.end(b"!")
            peer.half_close(conn)
        elif ending == "destroy":
            sock.destroy()
        else:
            conn.sendall(b"xyz")
            peer.half_close(conn)
        close = sock.wait("close")
        settle(impl)
    final = (5, 8) if ending == "both-end" else (8, 7) if ending == "peer-closes" else (5, 7)
    assert (sock.get("bytesRead"), sock.get("bytesWritten")) == final
    assert close.args == [False]
