"""Half-closed connections: what a socket does when the peer ends its sending
side (a TCP FIN, a Unix socket shutdown), with allowHalfOpen false (the socket
ends its own side and closes by itself) and true (it stays writable until the
program calls end()), on accepted sockets (server created with or without the
option) and on connecting sockets (net.connect(), new net.Socket()).

Every test checks both ends: the events the implementation emitted, in order,
with their values, and what the real peer read (data, then end-of-file).
"""
import pytest

from netspec_harness import NetError, needs, peer, req

from _socket_util import (KINDS, after, delivered, fill_impl, pair,
                          peer_has_nothing, same_turn, settle, stream_bytes, write_all)

# allowHalfOpen left out, or given as false: the same behaviour.
UNIX_DEFAULT = pytest.param("unix", None, marks=needs("pipe"))
# every kind over TCP, one over a Unix domain socket
KIND_TRANSPORTS = [("accepted", "tcp"), ("connect", "tcp"), ("new", "tcp"),
                   pytest.param("accepted", "unix", marks=needs("pipe")),
                   pytest.param("new", "unix", marks=needs("pipe"))]
KT_IDS = ["accepted-tcp", "connect-tcp", "new-tcp", "accepted-unix", "new-unix"]


def data_events(sock):
    return sock.events("data")


def assert_only(sock, names):
    """The socket's events, apart from 'data', are exactly `names`, in order."""
    seen = [n for n in sock.names() if n != "data"]
    assert seen == names, "events %r, expected %r (plus 'data')" % (seen, names)


# ----------------------------------------------------------- allowHalfOpen false
@pytest.mark.parametrize("transport,allow", [("tcp", None), ("tcp", False), UNIX_DEFAULT],
                         ids=["tcp-default", "tcp-false", "unix-default"])
@pytest.mark.parametrize("kind", KINDS)
@req("SOCKET.EVENT.END.1", "SOCKET.HALFOPEN.FALSE.1", "SOCKET.HALFOPEN.FALSE.3", "SOCKET.HALFOPEN.FALSE.4",
     "SOCKET.NEW.HALF_OPEN.DEFAULT.1", "SOCKET.EVENT.END.BEFORE_CLOSE.1", "SOCKET.EVENT.CLOSE.HAD_ERROR.1")
def test_not_half_open_ends_its_side_and_closes_after_the_peer_ends(impl, sock_dir, kind, transport, allow):
    sock, conn = pair(impl, kind, transport, sock_dir, allow)
    with conn:
        conn.sendall(b"last words")
        peer.half_close(conn)
        impl.note("peer: 'last words', then FIN")
        end = sock.wait("end")
        assert sock.get("writable") is False, "not writable once 'end' was emitted (allowHalfOpen false)"
        assert sock.get("readable") is False, "not readable after 'end'"
        assert peer.recv_until_eof(conn) == b"", \
            "the socket must end its own side by itself: the peer reads end-of-file"
        close = sock.wait("close")
    assert sock.received() == b"last words"
    assert end.args == [], "'end' has no arguments, got %r" % (end.args,)
    assert all(d.seq < end.seq for d in data_events(sock)), "every byte is delivered before 'end'"
    after(end, close)
    assert close.args == [False]
    settle(impl)
    assert_only(sock, (["connect"] if kind != "accepted" else []) + ["end", "close"])


@pytest.mark.parametrize("kind,transport", KIND_TRANSPORTS[:4], ids=KT_IDS[:4])
@req("SOCKET.HALFOPEN.FALSE.2", "SOCKET.WRITE.QUEUE.1")
def test_the_automatic_end_waits_for_the_queued_data(impl, sock_dir, kind, transport):
    sock, conn = pair(impl, kind, transport, sock_dir)
    with conn:
        written = fill_impl(sock)                  # the peer reads nothing: some stays queued
        written += stream_bytes(65536, len(written))
        sock.write(written[-65536:])
        peer.half_close(conn)
        impl.note("peer: FIN while %d bytes are written and not read" % len(written))
        sock.wait("end")                           # the peer's end is reported at once ...
        assert sock.get("bufferSize") > 0, "data still queued in the socket when 'end' came"
        assert "close" not in sock.names(), "no 'close' while data is still queued"
        got = peer.recv_until_eof(conn, timeout=10)   # ... but the queue goes out before the FIN
        close = sock.wait("close")
    assert len(got) == len(written), "the peer read %d of %d bytes before end-of-file" % (len(got), len(written))
    assert got == written, "the queued data reached the peer out of order or altered"
    assert close.args == [False]


def refused_write(impl, sock, how):
    """write(b'too late', cb) or end(b'too late'); returns (error event, callback call or None)."""
    cb = impl.callback("write")
    call = None
    if how == "write":
        sock.call_raw("write", b"too late", cb)
        call = cb.wait()
        settle(impl)
        errors = sock.events("error")
        assert errors, "no 'error' event reported the refused write (its callback got %r)" % (call.args,)
        error = errors[0]
    else:
        sock.call_raw("end", b"too late")
        error = sock.wait("error")
    err = error.args[0]
    assert isinstance(err, NetError)
    assert (err.name, err.message, err.code) == ("Error", "This socket has been ended by the other party", "EPIPE"), \
        "the refusal: %r" % (err,)
    assert not err.has("errno") and not err.has("syscall"), "no system call failed: no errno, no syscall: %r" % (err,)
    if call is not None:
        assert call.args[0] == err, "the write callback receives the same error"
    return error, call


@pytest.mark.parametrize("kind,how", [("accepted", "write"), ("connect", "write"), ("new", "write"),
                                      ("accepted", "end")], ids=["accepted-write", "connect-write", "new-write",
                                                                 "accepted-end"])
@req("SOCKET.HALFOPEN.FALSE.WRITE.1", "SOCKET.EVENT.ERROR.1", "SOCKET.EVENT.ERROR.NO_CLOSE.1",
     "SOCKET.EVENT.CLOSE.HAD_ERROR.3")
def test_write_after_the_peers_end_is_refused_with_epipe(impl, sock_dir, kind, how):
    sock, conn = pair(impl, kind, "tcp", sock_dir)
    with conn:
        written = fill_impl(sock)                  # queued data keeps the socket open after 'end'
        peer.half_close(conn)
        sock.wait("end")
        refused_write(impl, sock, how)
        got = peer.recv_until_eof(conn, timeout=10)
        close = sock.wait("close")
    assert len(got) == len(written), \
        "the refused write must not cost the queued data: the peer read %d of %d bytes" % (len(got), len(written))
    assert got == written, "nothing of the refused data reaches the peer"
    assert close.args == [False], "the refusal does not make the later 'close' an error close"
    settle(impl)
    assert len(sock.events("error")) == 1


@pytest.mark.parametrize("kind,transport", [("accepted", "tcp"), ("new", "tcp"),
                                            pytest.param("accepted", "unix", marks=needs("pipe")),
                                            pytest.param("new", "unix", marks=needs("pipe"))],
                         ids=["accepted-tcp", "new-tcp", "accepted-unix", "new-unix"])
@req("SOCKET.HALFOPEN.FALSE.WRITE.1", "SOCKET.WRITE.CLOSED.1")
def test_write_after_the_automatic_close_is_refused_with_epipe(impl, sock_dir, kind, transport):
    # Closed by itself, yet not 'This socket is closed' (SOCKET.WRITE.CLOSED.1).
    sock, conn = pair(impl, kind, transport, sock_dir)
    with conn:
        peer.half_close(conn)
        sock.wait("end")
        sock.wait("close")
        impl.note("closed after the peer's end; now write()")
        refused_write(impl, sock, "write")
        assert peer.recv_until_eof(conn) == b""


# ------------------------------------------------------------ allowHalfOpen true
@pytest.mark.parametrize("kind,transport", KIND_TRANSPORTS, ids=KT_IDS)
@req("SOCKET.HALFOPEN.TRUE.1", "SOCKET.HALFOPEN.TRUE.2", "SOCKET.HALFOPEN.TRUE.3", "SOCKET.NEW.HALF_OPEN.DEFAULT.1",
     "SOCKET.END.DATA.1", "SOCKET.BYTESREAD.1", "SOCKET.BYTESWRITTEN.1", "SOCKET.EVENT.END.1")
def test_half_open_writes_after_the_peers_end_until_end(impl, sock_dir, kind, transport):
    sock, conn = pair(impl, kind, transport, sock_dir, True)
    with conn:
        conn.sendall(b"request")
        peer.half_close(conn)
        impl.note("peer: 'request', then FIN")
        end = sock.wait("end")
        assert sock.get("writable") is True, "still writable after 'end' (allowHalfOpen true)"
        assert sock.get("readable") is False
        settle(impl)
        assert peer_has_nothing(conn), "no end-of-file before the program calls end()"
        reply = stream_bytes(200000)
        write_all(sock, reply[:100000])
        assert peer.recv_exactly(conn, 100000) == reply[:100000]
        write_all(sock, reply[100000:])
        assert peer.recv_exactly(conn, 100000) == reply[100000:]
        settle(impl)
        assert "close" not in sock.names(), "no 'close' before end()"
        assert sock.end(b"final") is sock
        got = peer.recv_until_eof(conn)
        assert got == b"final", "end(data) delivers the data, then end-of-file"
        close = sock.wait("close")
    assert sock.received() == b"request"
    after(end, close)
    assert close.args == [False]
    assert sock.get("bytesWritten") == len(reply) + 5
    assert sock.get("bytesRead") == 7


@pytest.mark.parametrize("kind", KINDS)
@req("SOCKET.HALFOPEN.TRUE.2", "SOCKET.HALFOPEN.TRUE.3")
def test_half_open_destroy_closes_without_error(impl, sock_dir, kind):
    sock, conn = pair(impl, kind, "tcp", sock_dir, True)
    with conn:
        peer.half_close(conn)
        sock.wait("end")
        delivered(impl, sock, conn)
        assert peer_has_nothing(conn)
        assert "close" not in sock.names()
        sock.destroy()
        close = sock.wait("close")
        assert peer.recv_until_eof(conn) == b""
    assert close.args == [False]
    assert_only(sock, (["connect"] if kind != "accepted" else []) + ["end", "close"])


@pytest.mark.parametrize("allow", [False, True])
@pytest.mark.parametrize("kind,transport", [KIND_TRANSPORTS[i] for i in (0, 1, 2, 4)],
                         ids=[KT_IDS[i] for i in (0, 1, 2, 4)])
@req("SOCKET.END.HALF.1", "SOCKET.END.FIN.1", "SOCKET.END.WRITABLE.1")
def test_own_end_first_still_receives_until_the_peer_ends(impl, sock_dir, kind, transport, allow):
    sock, conn = pair(impl, kind, transport, sock_dir, allow)
    with conn:
        sock.write(b"question")
        assert sock.end() is sock
        assert (sock.get("writable"), sock.get("readable")) == (False, True)
        assert peer.recv_until_eof(conn) == b"question", "the peer reads the data, then end-of-file"
        conn.sendall(b"late data")
        assert sock.wait_received(9) == b"late data", "data after our end() still arrives"
        assert "close" not in sock.names() and "end" not in sock.names()
        conn.sendall(b" and more")
        assert sock.wait_received(18) == b"late data and more"
        peer.half_close(conn)
        end = sock.wait("end")
        close = sock.wait("close")
    after(end, close)
    assert close.args == [False]
    assert all(d.seq < end.seq for d in data_events(sock))


@req("SOCKET.EVENT.END.ONCE.1", "SOCKET.EVENT.DATA.AFTER_END.1", "SOCKET.EVENT.CLOSE.1")
def test_nothing_after_end_and_close(impl, sock_dir):
    sock, conn = pair(impl, "connect", "tcp", sock_dir, True)
    with conn:
        conn.sendall(b"abc")
        peer.half_close(conn)
        sock.wait("end")
        sock.write(b"xyz")
        assert peer.recv_exactly(conn, 3) == b"xyz"
        sock.end()
        assert peer.recv_until_eof(conn) == b""
        close = sock.wait("close")
        settle(impl)
    names = sock.names()
    assert names.count("end") == 1 and names.count("close") == 1
    assert names[-1] == "close", "no event after 'close'"
    end = sock.events("end")[0]
    assert all(d.seq < end.seq for d in data_events(sock)), "no 'data' after 'end'"
    assert close.args == [False]


@pytest.mark.parametrize("kind", KINDS)
@req("SOCKET.WRITE.AFTER_END.1", "SOCKET.HALFOPEN.TRUE.3", "SOCKET.EVENT.CLOSE.HAD_ERROR.3")
def test_half_open_write_after_own_end_is_refused(impl, sock_dir, kind):
    sock, conn = pair(impl, kind, "tcp", sock_dir, True)
    with conn:
        peer.half_close(conn)
        sock.wait("end")
        sock.write(b"reply")
        cb = impl.callback("write")
        # end() and the write in one turn of the shim's loop: certainly before any 'close'
        _, written = same_turn(impl, (sock, "end", b" done"), (sock, "write", b"refused", cb))
        returned = written.seq
        call = cb.wait()
        settle(impl)
        errors = sock.events("error")
        assert len(errors) == 1, "one 'error' reports the write after end() (its callback got %r)" % (call.args,)
        err = errors[0].args[0]
        assert isinstance(err, NetError) and err.message == "write after end"
        assert call.seq > returned and call.args[0] == err
        assert peer.recv_until_eof(conn) == b"reply done", "the data, then end-of-file; nothing after it"
        close = sock.wait("close")
    assert close.args == [False], "the refused write must not make the close an error close"


# ------------------------------------------------- a paused socket, allowHalfOpen false
@pytest.mark.parametrize("kind,transport", KIND_TRANSPORTS, ids=KT_IDS)
@req("SOCKET.HALFOPEN.PAUSED.1", "SOCKET.HALFOPEN.FALSE.1")
def test_paused_with_unread_data_closes_before_end(impl, sock_dir, kind, transport):
    sock, conn = pair(impl, kind, transport, sock_dir)
    with conn:
        conn.sendall(b"first")
        assert sock.wait_received(5) == b"first"
        sock.pause()
        conn.sendall(b"hello world")
        peer.half_close(conn)
        impl.note("peer: 'hello world', then FIN, while the socket is paused")
        close = sock.wait("close")
        assert peer.recv_until_eof(conn) == b"", "the socket ended its side by itself"
    assert close.args == [False]
    settle(impl)
    assert "end" not in sock.names(), "no 'end' while the data is unread"
    assert sock.received() == b"first", "no 'data' while paused"
    sock.resume()
    end = sock.wait("end")
    assert sock.received() == b"firsthello world", "the unread data is still delivered after 'close'"
    after(close, end)
    assert all(d.seq < end.seq for d in data_events(sock))
    assert_only(sock, (["connect"] if kind != "accepted" else []) + ["close", "end"])


# ----------------------------------------------------- 'finish' of a socket that ends itself
@pytest.mark.parametrize("kind,transport", KIND_TRANSPORTS, ids=KT_IDS)
@req("SOCKET.HALFOPEN.FALSE.FINISH.1")
def test_a_socket_that_ends_itself_finishes_before_close(impl, sock_dir, kind, transport):
    sock, conn = pair(impl, kind, transport, sock_dir)
    finish = impl.callback("finish")
    assert sock.once("finish", finish) is sock
    with conn:
        peer.half_close(conn)
        end = sock.wait("end")
        fin = finish.wait()
        assert peer.recv_until_eof(conn) == b""
        close = sock.wait("close")
    settle(impl)
    assert fin.args == [], "'finish' has no arguments, got %r" % (fin.args,)
    after(end, fin)
    after(fin, close)
    assert len(finish.calls()) == 1
