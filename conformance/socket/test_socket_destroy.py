"""socket.destroy([exception]) and socket.destroyed: the state right after the
call, 'close' (and 'error' with an argument) after it, what the peer sees,
queued data dropped, twice, on a fresh socket; and the 'close' event's
argument, timing and the state it leaves."""
import pytest

from netspec_harness import NetError, peer, req

from _socket_util import fill_impl, fill_peer, pair, settle, stream_bytes, tcp_client

BOOM = {"message": "boom", "code": "EBOOM"}


def error_fields(value):
    """message and code of what 'error' carried: an error object or the plain
    object the test passed (the protocol sends a plain object as the error)."""
    if isinstance(value, NetError):
        return {"message": value.message, "code": value.code}
    assert isinstance(value, dict), "'error' carried %r" % (value,)
    return {"message": value.get("message"), "code": value.get("code")}


def state(sock):
    return {p: sock.get(p) for p in ("destroyed", "readable", "writable", "connecting")}


@pytest.mark.parametrize("kind", ["accepted", "connect"])
@req("SOCKET.DESTROY.RETURNS.1", "SOCKET.DESTROY.STATE.1", "SOCKET.DESTROY.CLOSE.1", "SOCKET.DESTROY.PEER.1",
     "SOCKET.EVENT.CLOSE.ASYNC.1", "SOCKET.EVENT.CLOSE.STATE.1", "SOCKET.EVENT.CLOSE.HAD_ERROR.1",
     "SOCKET.DESTROYED.1", "SOCKET.DESTROYED.2", "SOCKET.EVENT.END.NOT_ON_ERROR.1")
def test_destroy_closes_at_once_and_the_peer_reads_end_of_file(impl, sock_dir, kind):
    sock, conn = pair(impl, kind, "tcp", sock_dir)
    with conn:
        assert sock.get("destroyed") is False
        assert sock.destroy() is sock
        returned = impl.last_response_seq
        assert state(sock) == {"destroyed": True, "readable": False, "writable": False, "connecting": False}
        close = sock.wait("close")
        assert peer.recv_until_eof(conn) == b"", "the peer finds the connection closed"
        settle(impl)
    assert close.seq > returned, "'close' comes after destroy() returned"
    assert close.args == [False]
    assert state(sock) == {"destroyed": True, "readable": False, "writable": False, "connecting": False}
    assert [n for n in sock.names() if n != "connect"] == ["close"], "no 'error', no 'end'"


@req("SOCKET.DESTROY.PEER.1")
def test_destroy_with_unread_data_resets_the_peer(impl, sock_dir):
    sock, conn = pair(impl, "accepted", "tcp", sock_dir)
    with conn:
        sock.pause()
        fill_peer(conn)                            # more than the socket takes while paused
        settle(impl)
        sock.destroy()
        sock.wait("close")
        with pytest.raises(ConnectionResetError):
            peer.recv_until_eof(conn)


@req("SOCKET.DESTROY.NO_IO.1", "SOCKET.DESTROYED.3")
def test_a_destroyed_socket_transfers_nothing(impl, sock_dir):
    sock, conn = pair(impl, "connect", "tcp", sock_dir)
    with conn:
        conn.sendall(b"before")
        assert sock.wait_received(6) == b"before"
        sock.destroy()
        sock.wait("close")
        assert peer.recv_until_eof(conn) == b""
        try:
            conn.sendall(b"after")
        except OSError:
            pass                                   # the kernel may already refuse
        sock.call_raw("write", b"nothing")
        settle(impl)
        try:
            rest = peer.recv_until_eof(conn)
        except ConnectionError:                    # the peer's late bytes may have drawn a reset
            rest = b""
        assert rest == b"", "a destroyed socket sends nothing"
    assert sock.received() == b"before", "no 'data' after destroy()"


@req("SOCKET.DESTROY.DISCARDS.1")
def test_destroy_drops_queued_data_and_its_callbacks(impl):
    sock, conn = tcp_client(impl)
    with conn:
        written = fill_impl(sock)
        cbs = [impl.callback("queued%d" % i) for i in range(3)]
        for i, cb in enumerate(cbs):
            sock.write(stream_bytes(65536, len(written) + i * 65536), cb)
        total = len(written) + 3 * 65536
        sock.destroy()
        sock.wait("close")
        got = peer.recv_until_eof(conn, timeout=10)
        settle(impl)
    assert got == stream_bytes(len(got)), "what the peer got is a prefix of what was written"
    assert len(got) < total, "the data queued in the socket must be dropped, not sent"
    called = [c.args for cb in cbs for c in cb.calls()]
    assert called == [], "callbacks of dropped writes are never called; got %r" % (called,)


@pytest.mark.parametrize("kind", ["fresh", "connected", "closed"])
@req("SOCKET.DESTROY.TWICE.1", "SOCKET.DESTROY.RETURNS.1", "SOCKET.EVENT.CLOSE.FRESH.1")
def test_destroy_twice_does_nothing_more(impl, kind):
    if kind == "fresh":
        sock = impl.new("Socket")
    else:
        sock, conn = tcp_client(impl)
        conn.close()
        if kind == "closed":
            sock.wait("close")
    assert sock.destroy() is sock
    assert sock.destroy() is sock
    assert sock.get("destroyed") is True
    if kind == "connected":
        sock.wait("close")
    settle(impl)
    assert sock.names().count("close") == (0 if kind == "fresh" else 1), "events: %r" % sock.names()
    assert "error" not in sock.names()


@pytest.mark.parametrize("kind", ["accepted", "connect"])
@req("SOCKET.DESTROY.ERROR.1", "SOCKET.EVENT.ERROR.CLOSE.1", "SOCKET.EVENT.CLOSE.HAD_ERROR.2",
     "SOCKET.DESTROY.RETURNS.1")
def test_destroy_with_an_error_emits_it_then_close_true(impl, sock_dir, kind):
    sock, conn = pair(impl, kind, "tcp", sock_dir)
    with conn:
        assert sock.destroy(BOOM) is sock
        returned = impl.last_response_seq
        error = sock.wait("error")
        close = sock.wait("close")
        assert peer.recv_until_eof(conn) == b""
    assert error.seq > returned, "'error' comes after destroy() returned"
    assert error_fields(error.args[0]) == BOOM, "the very error given, unchanged"
    assert close.args == [True]
    names = [n for n in sock.names() if n != "connect"]
    assert names == ["error", "close"], "'error' then 'close', nothing in between"


@req("SOCKET.DESTROY.ERROR.FRESH.1", "SOCKET.EVENT.CLOSE.FRESH.1")
def test_destroy_with_an_error_on_a_fresh_socket(impl):
    sock = impl.new("Socket")
    assert sock.destroy({"message": "fresh boom"}) is sock
    returned = impl.last_response_seq
    error = sock.wait("error")
    settle(impl)
    assert error.seq > returned
    assert error_fields(error.args[0])["message"] == "fresh boom"
    assert sock.names() == ["error"], "no 'close' for a socket that never connected"


@req("SOCKET.EVENT.CLOSE.FRESH.1", "SOCKET.DESTROY.STATE.1", "SOCKET.DESTROYED.1")
def test_destroying_a_fresh_socket_emits_nothing(impl):
    sock = impl.new("Socket")
    assert sock.get("destroyed") is False
    sock.destroy()
    assert state(sock) == {"destroyed": True, "readable": False, "writable": False, "connecting": False}
    settle(impl)
    assert sock.names() == [], "destroy() on a fresh socket emits nothing; got %r" % sock.names()


@pytest.mark.parametrize("kind", ["accepted", "connect"])
@req("SOCKET.EVENT.CLOSE.ASYNC.1", "SOCKET.EVENT.CLOSE.STATE.1", "SOCKET.DESTROYED.2")
def test_close_after_both_sides_ended(impl, sock_dir, kind):
    sock, conn = pair(impl, kind, "tcp", sock_dir, True)
    with conn:
        peer.half_close(conn)
        sock.wait("end")
        settle(impl)
        assert sock.get("destroyed") is False
        sock.end()
        returned = impl.last_response_seq
        close = sock.wait("close")
        assert peer.recv_until_eof(conn) == b""
    assert close.seq > returned, "'close' comes after end() returned"
    assert state(sock) == {"destroyed": True, "readable": False, "writable": False, "connecting": False}
