"""socket.end([data][, encoding]): the end of the sending side (the peer reads
the data, then end-of-file), end() while connecting, twice, on a fresh socket,
and the refusal of a write() after end()."""
import pytest

from netspec_harness import NetError, peer, req

from _socket_util import TRANSPORTS, fill_impl, pair, settle, tcp_client


@pytest.mark.parametrize("transport", TRANSPORTS)
@req("SOCKET.END.FIN.1", "SOCKET.WRITE.QUEUE.1")
def test_end_sends_the_queued_data_then_end_of_file(impl, sock_dir, transport):
    sock, conn = pair(impl, "connect", transport, sock_dir)
    with conn:
        written = fill_impl(sock)
        assert sock.get("bufferSize") > 0
        sock.end()
        got = peer.recv_until_eof(conn, timeout=10)
        assert got == written, "the peer reads everything written before end(), then end-of-file"
        conn.close()
        sock.wait("close")


DATA_FORMS = [
    ((b"\x00bytes\xff",), b"\x00bytes\xff"),
    (("\u00e9",), b"\xc3\xa9"),
    (("414243", "hex"), b"ABC"),
]


@pytest.mark.parametrize("args,wire", DATA_FORMS, ids=["bytes", "utf8", "hex"])
@req("SOCKET.END.DATA.1", "SOCKET.END.DATA.ENCODING.1", "SOCKET.END.RETURNS.1")
def test_end_with_data_sends_it_then_end_of_file(impl, args, wire):
    sock, conn = tcp_client(impl)
    with conn:
        sock.write(b"<")
        assert sock.end(*args) is sock
        assert peer.recv_until_eof(conn) == b"<" + wire
        conn.close()
        sock.wait("close")
    assert sock.get("bytesWritten") == 1 + len(wire)


@pytest.mark.parametrize("kind", ["accepted", "connect"])
@req("SOCKET.END.TWICE.1", "SOCKET.END.RETURNS.1")
def test_end_twice_is_harmless(impl, sock_dir, kind):
    sock, conn = pair(impl, kind, "tcp", sock_dir)
    with conn:
        assert sock.end(b"once") is sock
        assert sock.end() is sock
        assert peer.recv_until_eof(conn) == b"once"
        settle(impl)
        assert sock.end() is sock
        conn.sendall(b"reply")
        assert sock.wait_received(5) == b"reply"
        peer.half_close(conn)
        close = sock.wait("close")
        settle(impl)
    assert close.args == [False]
    assert "error" not in sock.names()
    assert [n for n in sock.names() if n != "data"] == (["connect"] if kind != "accepted" else []) + ["end", "close"]


@req("SOCKET.END.FRESH.1", "SOCKET.END.RETURNS.1")
def test_end_on_a_fresh_socket(impl):
    sock = impl.new("Socket")
    assert sock.end() is sock
    assert sock.get("writable") is False
    for _ in range(200):                        # "shortly after": a few turns of its event loop
        if sock.get("destroyed") is True:
            break
    assert sock.get("destroyed") is True, "end() on a fresh socket leaves it destroyed"
    settle(impl)
    assert sock.names() == [], "no event at all (no 'error', no 'close')"


@pytest.mark.parametrize("kind", ["accepted", "connect"])
@req("SOCKET.WRITE.AFTER_END.1", "SOCKET.EVENT.ERROR.NO_CLOSE.1", "SOCKET.EVENT.CLOSE.HAD_ERROR.3",
     "SOCKET.EVENT.ERROR.1")
def test_write_after_end_is_refused_and_the_connection_lives_on(impl, sock_dir, kind):
    sock, conn = pair(impl, kind, "tcp", sock_dir)
    with conn:
        sock.end(b"done")
        cb = impl.callback("write")
        sock.call_raw("write", b"refused", cb)
        returned = impl.last_response_seq
        call = cb.wait()
        error = sock.wait("error")
        err = error.args[0]
        assert isinstance(err, NetError)
        assert (err.name, err.message) == ("Error", "write after end")
        assert call.seq > returned, "the callback is called after write() returned"
        assert call.args[0] == err, "the callback receives the same error"
        assert peer.recv_until_eof(conn) == b"done", "nothing of the refused write is sent"
        settle(impl)
        assert "close" not in sock.names(), "the refused write does not close the socket"
        conn.sendall(b"still here")
        assert sock.wait_received(10) == b"still here", "the socket still receives"
        peer.half_close(conn)
        sock.wait("end")
        close = sock.wait("close")
    assert close.args == [False], "'close' after a refused write and a normal end: hadError false"
    assert len(sock.events("error")) == 1
