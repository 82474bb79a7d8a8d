"""Counting and limiting accepted connections: maxConnections, getConnections(), connections.

A connection turned away by maxConnections is still established by the
kernel; the peer then sees the server end it: EOF, no reset, no data.
"""
import pytest

from netspec_harness import UNDEFINED, Threw, peer, req
from _server_util import listening_server


# ---------------------------------------------------------------- helpers
def count(impl, srv):
    """What getConnections() reports (checks the shape of its callback's arguments)."""
    cb = impl.callback("count")
    assert srv.getConnections(cb) is srv
    call = cb.wait()
    assert len(call.args) == 2 and call.args[0] is None, "callback(null, n), got %r" % (call.args,)
    return call.args[1]


class Peers:
    """The test's client sockets, closed at the end."""

    def __init__(self, port):
        self.port = port
        self.socks = []

    def connect(self):
        sock = peer.connect_tcp("127.0.0.1", self.port)
        self.socks.append(sock)
        return sock

    def close(self):
        for s in self.socks:
            s.close()


@pytest.fixture
def peers():
    made = []

    def make(port):
        p = Peers(port)
        made.append(p)
        return p
    yield make
    for p in made:
        p.close()


def accepted(srv, peers, n):
    """n peers connect; returns their sockets and the server's sockets, paired."""
    pairs = []
    for _ in range(n):
        client = peers.connect()
        conn = srv.wait("connection").args[0]
        assert conn.get("remotePort") == client.getsockname()[1]
        pairs.append((client, conn))
    return pairs


def turned_away(client):
    """The peer's connection was established and then ended by the server without data."""
    try:
        data = peer.recv_until_eof(client)
    except ConnectionResetError:
        raise AssertionError("the server reset the connection instead of ending it") from None
    assert data == b"", "a turned-away peer gets no data"


def still_open(client, conn, token):
    client.sendall(token)
    got = conn.wait_received(len(token))
    assert got.endswith(token)
    conn.write(token.decode())
    assert peer.recv_exactly(client, len(token)) == token


# ------------------------------------------------------------ maxConnections
@req("SERVER.MAXCONNECTIONS.1")
def test_no_limit_by_default(impl, peers):
    srv = listening_server(impl)
    port = srv.address()["port"]
    assert srv.get("maxConnections") is UNDEFINED
    pairs = accepted(srv, peers(port), 5)
    assert count(impl, srv) == 5
    for i, (client, conn) in enumerate(pairs):
        still_open(client, conn, b"c%d" % i)


@req("SERVER.MAXCONNECTIONS.2", "SERVER.GETCONNECTIONS.3")
def test_connections_above_the_limit_are_ended_at_once(impl, peers):
    srv = listening_server(impl)
    port = srv.address()["port"]
    srv.set("maxConnections", 2)
    p = peers(port)
    pairs = accepted(srv, p, 2)
    extra = [p.connect(), p.connect()]            # the kernel establishes both ...
    for client in extra:
        turned_away(client)                       # ... and the server ends them
    assert count(impl, srv) == 2, "turned-away connections are not counted"
    assert srv.names() == ["listening", "connection", "connection"], "no 'connection', no 'error'"
    for i, (client, conn) in enumerate(pairs):
        still_open(client, conn, b"k%d" % i)


@req("SERVER.MAXCONNECTIONS.3", "SERVER.GETCONNECTIONS.3")
def test_a_closed_connection_frees_its_place(impl, peers):
    srv = listening_server(impl)
    port = srv.address()["port"]
    srv.set("maxConnections", 2)
    p = peers(port)
    (first, first_conn), _ = accepted(srv, p, 2)
    turned_away(p.connect())                      # the limit is in force
    first_conn.destroy()
    first_conn.wait("close")
    assert peer.recv_until_eof(first) == b""
    assert count(impl, srv) == 1
    (client, conn), = accepted(srv, p, 1)         # the next peer gets the free place
    assert count(impl, srv) == 2
    still_open(client, conn, b"next")
    assert srv.names().count("connection") == 3


@req("SERVER.MAXCONNECTIONS.4")
def test_a_zero_limit_is_no_limit(impl, peers):
    srv = listening_server(impl)
    port = srv.address()["port"]
    srv.set("maxConnections", 0)
    pairs = accepted(srv, peers(port), 4)
    assert count(impl, srv) == 4
    still_open(*pairs[-1], b"fourth")


@req("SERVER.MAXCONNECTIONS.5")
def test_the_limit_can_change_while_listening(impl, peers):
    srv = listening_server(impl)
    port = srv.address()["port"]
    p = peers(port)
    pairs = accepted(srv, p, 3)
    srv.set("maxConnections", 2)                  # below the number already open
    turned_away(p.connect())
    for i, (client, conn) in enumerate(pairs):    # the three stay open
        still_open(client, conn, b"o%d" % i)
    assert count(impl, srv) == 3
    srv.set("maxConnections", 5)
    (client, conn), = accepted(srv, p, 1)
    still_open(client, conn, b"in")
    assert count(impl, srv) == 4
    assert all("end" not in c.names() and "close" not in c.names() for _, c in pairs)


@req("SERVER.MAXCONNECTIONS.6")
def test_a_negative_limit_refuses_everything(impl, peers):
    srv = listening_server(impl)
    port = srv.address()["port"]
    srv.set("maxConnections", -1)
    p = peers(port)
    turned_away(p.connect())
    turned_away(p.connect())
    assert count(impl, srv) == 0
    assert srv.names() == ["listening"]


# ------------------------------------------------------------ getConnections
@req("SERVER.GETCONNECTIONS.1", "SERVER.GETCONNECTIONS.2")
def test_get_connections_returns_the_server_and_calls_back_later_once(impl, peers):
    srv = listening_server(impl)
    port = srv.address()["port"]
    accepted(srv, peers(port), 1)
    cb = impl.callback("count")
    assert srv.getConnections(cb) is srv
    returned_at = impl.last_response_seq
    call = cb.wait()
    assert call.seq > returned_at, "the callback runs after getConnections() returned"
    assert call.args == [None, 1]
    assert type(call.args[1]) is int
    srv.get("listening")                          # a round trip: no second call
    assert len(cb.calls()) == 1


@req("SERVER.GETCONNECTIONS.3")
@pytest.mark.parametrize("ender", ["program", "peer"])
def test_the_count_follows_connections_as_they_open_and_close(impl, peers, ender):
    srv = listening_server(impl)
    port = srv.address()["port"]
    assert count(impl, srv) == 0
    p = peers(port)
    (first, first_conn), = accepted(srv, p, 1)
    assert count(impl, srv) == 1
    accepted(srv, p, 1)
    assert count(impl, srv) == 2
    if ender == "program":
        first_conn.destroy()
    else:
        first.close()
    first_conn.wait("close")
    assert count(impl, srv) == 1


@req("SERVER.GETCONNECTIONS.4")
def test_get_connections_works_before_listen_and_after_close(impl, peers):
    srv = impl.net.createServer()
    assert count(impl, srv) == 0                  # never listened
    srv.listen(0, "127.0.0.1")
    srv.wait("listening")
    (client, conn), = accepted(srv, peers(srv.address()["port"]), 1)
    srv.close()
    assert count(impl, srv) == 1                  # closed, one connection still open
    conn.destroy()
    srv.wait("close")
    assert count(impl, srv) == 0


@req("SERVER.GETCONNECTIONS.5")
@pytest.mark.parametrize("args", [[], [5], ["x"]], ids=["none", "number", "string"])
def test_get_connections_without_a_function_throws(impl, args):
    srv = listening_server(impl)
    with pytest.raises(Threw) as caught:
        srv.getConnections(*args)
    err = caught.value.error
    assert (err.name, err.message, err.code) == ("TypeError", "callback is not a function", UNDEFINED)


# ------------------------------------------------------- connections (deprecated)
@req("SERVER.CONNECTIONS.1")
def test_the_connections_property_is_the_count(impl, peers):
    srv = listening_server(impl)
    port = srv.address()["port"]
    assert srv.get("connections") == 0
    p = peers(port)
    (_, conn), _ = accepted(srv, p, 2)
    assert srv.get("connections") == 2 == count(impl, srv)
    conn.destroy()
    conn.wait("close")
    assert srv.get("connections") == 1 == count(impl, srv)


@req("SERVER.CONNECTIONS.4")
def test_assigning_connections_sets_the_count(impl):
    srv = listening_server(impl)
    srv.set("connections", 5)                     # throws nothing
    assert srv.get("connections") == 5
    assert count(impl, srv) == 5


@req("SERVER.CONNECTIONS.2")
def test_reading_connections_warns_once_on_stderr(impl):
    # Process warnings go to the implementation's stderr, which the harness keeps.
    srv = impl.net.createServer()
    srv.get("connections")
    srv.get("connections")
    srv.get("listening")                          # a round trip after the warning's tick
    warnings = [line for line in impl.stderr_tail(200).splitlines() if "DEP0020" in line]
    assert len(warnings) == 1, "one deprecation warning per process, got %r" % (warnings,)
    assert "DeprecationWarning" in warnings[0] and "getConnections" in warnings[0]
