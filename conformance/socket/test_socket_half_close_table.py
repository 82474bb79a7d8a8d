"""Half-close as a table: what write(), end() and destroy() do in each state of
a connection, with allowHalfOpen on and off, over TCP and Unix sockets, for
the three ways a socket is made: `new Socket({allowHalfOpen})` then connect()
(the test_<state> functions), and, with the same table, a socket accepted by a
server created with `{allowHalfOpen}`, one made by
`net.connect({..., allowHalfOpen})` and one made by
`net.createConnection({..., allowHalfOpen})` (the test_<state>_other_kinds
functions, parametrized by `kind`: `accepted`, `connect`, `createConnection`).

States (rows, one test function and one requirement each): connected; own end
sent (end() called, the peer has read end-of-file); the peer's end received
with allowHalfOpen true (open, 'end' emitted); the peer's end received with
allowHalfOpen false (the socket has closed by itself); both ends (own end()
first, then the peer's; closed by itself); destroyed (destroy(), 'close').

Operations (one test each): two writes in a row (the first and a later write:
return values, callback arguments, 'error' events), end(data, cb), end(cb),
destroy(). For each: the values returned, what each callback got (no error,
an error, or never called), the events that follow in order (with 'finish',
listened to with once('finish') once the state is reached), and the bytes and
end-of-file the peer reads afterwards.
"""
import pytest

from netspec_harness import UNDEFINED, needs, peer, req

from _socket_util import connect_options, is_absent, pair, peer_listener, settle

OK, NEVER = "ok", "never"
AFTER_END = (UNDEFINED, "write after end")
EPIPE = ("EPIPE", "This socket has been ended by the other party")
CLOSED = (UNDEFINED, "This socket is closed")
SOCK = "socket"

OPS = ["write2", "end-data", "end", "destroy"]


def refused(err, allow_half_open=None):
    """The row of a state in which every write is refused with `err`."""
    ret = {AFTER_END: False, EPIPE: UNDEFINED, CLOSED: True}[err]
    return {
        "write2": ([ret, ret], [err, err], ["error", "error"], b""),
        "end-data": ([SOCK], [NEVER], ["error"], b""),
        "end": ([SOCK], [NEVER], [], b""),
        "destroy": ([SOCK], [], [], b""),
    }


# state -> op -> (returned, callbacks, event names after the call, bytes the peer reads after it)
OPEN = {
    "write2": ([True, True], [OK, OK], [], b"AB"),
    "end-data": ([SOCK], [OK], ["finish"], b"A"),
    "end": ([SOCK], [OK], ["finish"], b""),
    "destroy": ([SOCK], [], ["close"], b""),
}
TABLE = {
    "connected": OPEN,
    "own-end": dict(refused(AFTER_END), destroy=([SOCK], [], ["close"], b"")),
    "peer-end-half-open": dict(OPEN, **{"end-data": ([SOCK], [OK], ["finish", "close"], b"A"),
                                        "end": ([SOCK], [OK], ["finish", "close"], b"")}),
    "peer-end-closed": refused(EPIPE),
    "both-half-open": refused(AFTER_END),
    "both-not-half-open": refused(EPIPE),
    "destroyed": dict(refused(CLOSED), **{"end-data": ([SOCK], [OK], ["error", "finish"], b""),
                                          "end": ([SOCK], [OK], ["finish"], b"")}),
}
# the error of each refused write, for the rows that refuse
ERRORS = {"own-end": AFTER_END, "peer-end-closed": EPIPE, "both-half-open": AFTER_END,
          "both-not-half-open": EPIPE, "destroyed": CLOSED}


def reach(impl, sock, conn, state, allow):
    if state == "connected":
        return
    if state in ("own-end", "both"):
        sock.end()
        assert peer.recv_until_eof(conn) == b"", "the peer reads end-of-file"
        settle(impl)
    if state in ("peer-end", "both"):
        peer.half_close(conn)
        sock.wait("end")
        if state == "both" or not allow:
            sock.wait("close")
            if state == "peer-end":
                assert peer.recv_until_eof(conn) == b"", "the socket ended its side by itself"
    if state == "destroyed":
        sock.destroy()
        sock.wait("close")
        assert peer.recv_until_eof(conn) == b""


def row_name(state, allow):
    if state == "peer-end":
        return "peer-end-half-open" if allow else "peer-end-closed"
    if state == "both":
        return "both-half-open" if allow else "both-not-half-open"
    return state


def make_pair(impl, kind, transport, sock_dir, allow):
    """(socket, peer's end) of one connection; `createConnection` is the
    factory's other name, called as such (pair() calls net.connect())."""
    if kind != "createConnection":
        return pair(impl, kind, transport, sock_dir, allow)
    with peer_listener(transport, sock_dir) as (lst, target):
        sock = impl.net.createConnection(connect_options(transport, target, allowHalfOpen=allow))
        sock.wait("connect")
        conn = peer.accept(lst)
    return sock, conn


def check(impl, sock_dir, transport, allow, state, op, kind="new"):
    sock, conn = make_pair(impl, kind, transport, sock_dir, allow)
    with conn:
        reach(impl, sock, conn, state, allow)
        row = row_name(state, allow)
        want_ret, want_cbs, want_names, want_peer = TABLE[row][op]
        finish = impl.callback("finish")
        sock.once("finish", finish)
        before = impl.last_response_seq
        cbs = [impl.callback("cb%d" % i) for i in (1, 2)]
        returned, returned_ats = [], []
        if op == "write2":
            for chunk, cb in ((b"A", cbs[0]), (b"B", cbs[1])):
                returned.append(sock.write(chunk, cb))
                returned_ats.append(impl.last_response_seq)
        else:
            returned.append(sock.end(b"A", cbs[0]) if op == "end-data" else
                            sock.end(cbs[0]) if op == "end" else sock.destroy())
            returned_ats.append(impl.last_response_seq)
        returned_at = returned_ats[-1]
        # the peer's view: the bytes of two writes on an open connection;
        # otherwise everything up to end-of-file (nothing, where it was read before)
        if op == "write2" and want_peer:
            got = peer.recv_exactly(conn, len(want_peer))
        else:
            got = peer.recv_until_eof(conn)
        for name in want_names:
            if name == "close":
                sock.wait("close")
        for i, want in enumerate(want_cbs):
            if want != NEVER:
                cbs[i].wait()
        if "finish" in want_names:
            finish.wait()
        settle(impl)
    returned = [SOCK if r is sock else r for r in returned]
    assert returned == want_ret, "returned %r, expected %r" % (returned, want_ret)
    after = sorted([(e.seq, e.name, e) for e in sock.events() if e.seq > before and e.name != "data"] +
                   [(c.seq, "finish", c) for c in finish.calls()], key=lambda t: t[0])
    names = [name for _, name, _ in after]
    assert names == want_names, "events after the call %r, expected %r" % (names, want_names)
    for seq, name, e in after:
        if name == "error":
            err = e.args[0]
            assert (err.code, err.message) == ERRORS[row], "the refusal: %r" % (err,)
            assert seq < returned_at, "'error' is emitted during the call"
    for i, want in enumerate(want_cbs):
        calls = cbs[i].calls()
        if want == NEVER:
            assert calls == [], "callback %d must not be called, got %r" % (i + 1, calls)
            continue
        assert len(calls) == 1, "callback %d called %d times" % (i + 1, len(calls))
        args = calls[0].args
        if want == OK:
            assert all(is_absent(a) for a in args), "callback %d: no error expected, got %r" % (i + 1, args)
        else:
            assert args and (args[0].code, args[0].message) == want, \
                "callback %d got %r, expected %r" % (i + 1, args, want)
            assert calls[0].seq > returned_ats[i], "the callback comes after its call returned"
    closes = sock.events("close")
    assert all(c.args == [False] for c in closes), "no close is an error close"
    assert got == want_peer, "the peer read %r after the call, expected %r" % (got, want_peer)


TRANSPORTS = ["tcp", pytest.param("unix", marks=needs("pipe"))]
# the sockets not made by new Socket(): accepted by a server created with
# {allowHalfOpen}, and made by net.connect() or net.createConnection() with
# {..., allowHalfOpen}
OTHER_KINDS = ["accepted", "connect", "createConnection"]


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("allow", [False, True], ids=["not-half-open", "half-open"])
@pytest.mark.parametrize("transport", TRANSPORTS)
@req("SOCKET.HALFCLOSE.CONNECTED.1")
def test_connected(impl, sock_dir, transport, allow, op):
    check(impl, sock_dir, transport, allow, "connected", op)


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("allow", [False, True], ids=["not-half-open", "half-open"])
@pytest.mark.parametrize("transport", TRANSPORTS)
@req("SOCKET.HALFCLOSE.OWN_END.1", "SOCKET.WRITE.AFTER_END.1")
def test_own_end_sent(impl, sock_dir, transport, allow, op):
    check(impl, sock_dir, transport, allow, "own-end", op)


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("transport", TRANSPORTS)
@req("SOCKET.HALFCLOSE.PEER_END.HALF_OPEN.1", "SOCKET.HALFOPEN.TRUE.1")
def test_peer_end_received_half_open(impl, sock_dir, transport, op):
    check(impl, sock_dir, transport, True, "peer-end", op)


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("transport", TRANSPORTS)
@req("SOCKET.HALFCLOSE.PEER_END.CLOSED.1", "SOCKET.HALFOPEN.FALSE.WRITE.1")
def test_peer_end_received_closed_by_itself(impl, sock_dir, transport, op):
    check(impl, sock_dir, transport, False, "peer-end", op)


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("allow", [False, True], ids=["not-half-open", "half-open"])
@pytest.mark.parametrize("transport", TRANSPORTS)
@req("SOCKET.HALFCLOSE.BOTH.1")
def test_both_ends(impl, sock_dir, transport, allow, op):
    check(impl, sock_dir, transport, allow, "both", op)


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("allow", [False, True], ids=["not-half-open", "half-open"])
@pytest.mark.parametrize("transport", TRANSPORTS)
@req("SOCKET.HALFCLOSE.DESTROYED.1", "SOCKET.WRITE.CLOSED.1")
def test_destroyed(impl, sock_dir, transport, allow, op):
    check(impl, sock_dir, transport, allow, "destroyed", op)


# ---- the same table for accepted sockets and net.connect() sockets
@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("allow", [False, True], ids=["not-half-open", "half-open"])
@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("kind", OTHER_KINDS)
@req("SOCKET.HALFCLOSE.CONNECTED.1")
def test_connected_other_kinds(impl, sock_dir, kind, transport, allow, op):
    check(impl, sock_dir, transport, allow, "connected", op, kind)


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("allow", [False, True], ids=["not-half-open", "half-open"])
@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("kind", OTHER_KINDS)
@req("SOCKET.HALFCLOSE.OWN_END.1", "SOCKET.WRITE.AFTER_END.1")
def test_own_end_sent_other_kinds(impl, sock_dir, kind, transport, allow, op):
    check(impl, sock_dir, transport, allow, "own-end", op, kind)


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("kind", OTHER_KINDS)
@req("SOCKET.HALFCLOSE.PEER_END.HALF_OPEN.1", "SOCKET.HALFOPEN.TRUE.1")
def test_peer_end_received_half_open_other_kinds(impl, sock_dir, kind, transport, op):
    check(impl, sock_dir, transport, True, "peer-end", op, kind)


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("kind", OTHER_KINDS)
@req("SOCKET.HALFCLOSE.PEER_END.CLOSED.1", "SOCKET.HALFOPEN.FALSE.WRITE.1")
def test_peer_end_received_closed_by_itself_other_kinds(impl, sock_dir, kind, transport, op):
    check(impl, sock_dir, transport, False, "peer-end", op, kind)


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("allow", [False, True], ids=["not-half-open", "half-open"])
@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("kind", OTHER_KINDS)
@req("SOCKET.HALFCLOSE.BOTH.1")
def test_both_ends_other_kinds(impl, sock_dir, kind, transport, allow, op):
    check(impl, sock_dir, transport, allow, "both", op, kind)


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("allow", [False, True], ids=["not-half-open", "half-open"])
@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("kind", OTHER_KINDS)
@req("SOCKET.HALFCLOSE.DESTROYED.1", "SOCKET.WRITE.CLOSED.1")
def test_destroyed_other_kinds(impl, sock_dir, kind, transport, allow, op):
    check(impl, sock_dir, transport, allow, "destroyed", op, kind)
