"""socket.write(data[, encoding][, callback]): what reaches the peer (bytes,
strings in each encoding, in order), the callback (when, in which order, in
either position), empty and invalid data, a write on a socket with no
connection; and 'data' as the peer's bytes, in order."""
import pytest

from netspec_harness import NetError, Threw, peer, req

from _socket_util import (Received, fill_impl, is_absent, peer_send_all, pending_target, settle, stream_bytes,
                          tcp_client)


@req("SOCKET.WRITE.SEND.1", "SOCKET.WRITE.RETURNS.TRUE.1")
def test_writes_arrive_in_order(impl):
    sock, conn = tcp_client(impl)
    with conn:
        pieces = [b"first,", b"second,", b"third", "-fourth"]
        results = [sock.write(p) for p in pieces]
        assert peer.recv_exactly(conn, 25) == b"first,second,third-fourth"
    assert results == [True] * 4, "small writes on an idle connection return true"


ENCODED = [
    (("\u00e9",), b"\xc3\xa9"),
    (("\u00e9", "utf8"), b"\xc3\xa9"),
    (("\u00e9", "latin1"), b"\xe9"),
    (("\u00e9", "utf16le"), b"\xe9\x00"),
    (("414243", "hex"), b"ABC"),
    (("REVG", "base64"), b"DEF"),
    ((b"\x01\x02", "hex"), b"\x01\x02"),
    ((b"\xff\x00\xfe",), b"\xff\x00\xfe"),
]


@req("SOCKET.WRITE.UTF8.1", "SOCKET.WRITE.ENCODING.1", "SOCKET.WRITE.BUFFER.1")
def test_strings_are_encoded_and_buffers_sent_unchanged(impl):
    sock, conn = tcp_client(impl)
    with conn:
        for args, wire in ENCODED:
            sock.write(*args)
            sock.write(b"|")
            got = peer.recv_exactly(conn, len(wire) + 1)
            assert got == wire + b"|", "write%r sent %r, not %r" % (args, got[:-1], wire)
    assert sock.get("bytesWritten") == sum(len(w) + 1 for _, w in ENCODED)


@req("SOCKET.WRITE.CALLBACK.1", "SOCKET.WRITE.CALLBACK.ASYNC.1", "SOCKET.WRITE.CALLBACK.FORM.1")
def test_the_callback_is_called_once_after_write_returned(impl):
    sock, conn = tcp_client(impl)
    with conn:
        for form in ("data-callback", "data-encoding-callback"):
            cb = impl.callback(form)
            if form == "data-callback":
                sock.write(b"tiny", cb)
            else:
                sock.write("74696e79", "hex", cb)
            returned = impl.last_response_seq
            call = cb.wait()
            assert peer.recv_exactly(conn, 4) == b"tiny"
            settle(impl)
            assert call.seq > returned, "never called during write(), even when the system took the data at once"
            assert all(is_absent(a) for a in call.args), "no error: got %r" % (call.args,)
            assert len(cb.calls()) == 1


@req("SOCKET.WRITE.CALLBACK.1", "SOCKET.CONNECT.WRITE_EARLY.1")
def test_the_callback_of_a_write_made_while_connecting_gets_no_error(impl):
    with pending_target() as (port, release):
        sock = impl.new("Socket")
        sock.connect(port, "127.0.0.1")
        cb = impl.callback("early")
        sock.write(b"early", cb)
        assert sock.get("connecting") is True, "the write was queued while connecting"
        with release() as conn:
            call = cb.wait()
            assert peer.recv_exactly(conn, 5) == b"early"
    assert call.seq > sock.events("connect")[0].seq
    assert all(is_absent(a) for a in call.args), "no error: got %r" % (call.args,)
    assert len(cb.calls()) == 1


@req("SOCKET.WRITE.CALLBACK.ORDER.1", "SOCKET.WRITE.QUEUE.1")
def test_callbacks_run_in_the_order_of_the_writes(impl):
    sock, conn = tcp_client(impl)
    with conn:
        written = fill_impl(sock)                   # the peer reads nothing yet: the rest queues
        cbs = [impl.callback("w%d" % i) for i in range(30)]
        for i, cb in enumerate(cbs[:-1]):
            sock.write(stream_bytes(32768, len(written) + i * 32768), cb)
        sock.write(b"", cbs[-1])
        total = len(written) + 29 * 32768
        got = peer.recv_exactly(conn, total, timeout=10)
        calls = [cb.wait() for cb in cbs]
    assert got == stream_bytes(total), "queued data delivered in full and in order"
    seqs = [c.seq for c in calls]
    assert seqs == sorted(seqs), "callbacks out of order: %r" % ([c.name for c in sorted(calls, key=lambda c: c.seq)],)


@req("SOCKET.WRITE.EMPTY.1")
def test_an_empty_write_sends_nothing_and_calls_back(impl):
    sock, conn = tcp_client(impl)
    with conn:
        for empty in ("", b""):
            cb = impl.callback("empty")
            assert sock.write(empty, cb) is True
            call = cb.wait()
            assert all(is_absent(a) for a in call.args)
        assert sock.get("bytesWritten") == 0
        sock.end(b"after")
        assert peer.recv_until_eof(conn) == b"after", "the empty writes put nothing on the wire"
    assert "error" not in sock.names()


@req("SOCKET.WRITE.INVALID.1")
def test_data_that_is_no_string_or_buffer_throws_type_error(impl):
    sock, conn = tcp_client(impl)
    with conn:
        for data, shown in [(5, "number"), ({}, "object"), (True, "boolean")]:
            with pytest.raises(Threw) as info:
                sock.write(data)
            err = info.value.error
            assert err.name == "TypeError"
            assert err.message == "Invalid data, chunk must be a string or buffer, not " + shown
        sock.end(b"end")
        assert peer.recv_until_eof(conn) == b"end", "nothing of the invalid writes was sent"
    assert sock.names() == ["connect"], "no event from the refused writes"


@pytest.mark.parametrize("state", ["fresh", "destroyed", "refused"])
@req("SOCKET.WRITE.CLOSED.1", "SOCKET.EVENT.ERROR.1")
def test_a_write_without_a_connection_is_refused(impl, state):
    if state == "fresh":
        sock = impl.new("Socket")
    elif state == "refused":
        sock = impl.new("Socket")
        sock.connect(peer.closed_port(), "127.0.0.1")
        assert sock.wait("error").args[0].code == "ECONNREFUSED"
        sock.wait("close")
    else:
        sock, conn = tcp_client(impl)
        sock.destroy()
        sock.wait("close")
        assert peer.recv_until_eof(conn) == b""
        conn.close()
    cb = impl.callback("write")
    sock.call_raw("write", b"nowhere", cb)
    returned = impl.last_response_seq
    call = cb.wait()
    settle(impl)
    errors = sock.events("error")[1 if state == "refused" else 0:]
    assert len(errors) == 1, "one 'error' reports the refused write (its callback got %r)" % (call.args,)
    err = errors[0].args[0]
    assert isinstance(err, NetError)
    assert (err.name, err.message) == ("Error", "This socket is closed"), "the refusal: %r" % (err,)
    assert call.seq > returned, "the callback is called after write() returned"
    assert call.args[0] == err
    settle(impl)
    assert sock.names().count("close") == (0 if state == "fresh" else 1), "the refused write closes nothing"


@req("SOCKET.EVENT.DATA.BYTES.1", "SOCKET.EVENT.DATA.STREAM.1", "SOCKET.BYTESREAD.1")
def test_data_events_carry_the_peers_bytes_in_order(impl):
    sock, conn = tcp_client(impl)
    data = stream_bytes(1 << 20)
    rec = Received(sock)
    with conn:
        peer_send_all(impl, conn, data)
        got = rec.wait(len(data), timeout=10)
        assert sock.get("bytesRead") == len(data)
    assert all(isinstance(c, bytes) for c in rec.chunks), "without an encoding 'data' carries bytes"
    assert len(got) == len(data) and got == data, "lost, repeated or reordered bytes"
