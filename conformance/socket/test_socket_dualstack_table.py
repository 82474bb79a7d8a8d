"""Dual-stack as a table: a server of the implementation listening on one
address, a client of the implementation connecting to another, and what each
side reports (server address(), and remoteAddress, remoteFamily, localAddress
of the accepted and of the connecting socket), with IPv6 on the host and
without it (the shim run under fixtures/noipv6, where socket(AF_INET6) fails
with EAFNOSUPPORT).

Rows (one test function and one requirement each): the listener's host,
127.0.0.1 or 0.0.0.0; ::1; :: or omitted; the IPv4-mapped ::ffff:127.0.0.1;
and every listener without IPv6. Columns: the client's host 127.0.0.1, ::1 and
::ffff:127.0.0.1. The rule behind every cell: a socket reports addresses in
its own family, so an IPv6 socket shows an IPv4 peer as ::ffff:a.b.c.d.
"""
import pytest

from netspec_harness import needs, req

MAPPED = "::ffff:127.0.0.1"
CLIENTS = ["127.0.0.1", "::1", MAPPED]
V4 = ("127.0.0.1", "IPv4", "127.0.0.1")          # (remoteAddress, remoteFamily, localAddress)
V6 = ("::1", "IPv6", "::1")
M6 = (MAPPED, "IPv6", MAPPED)

# listener -> client -> ((accepted socket), (connecting socket)), or an error code of the client
TABLE = {
    "127.0.0.1": {"127.0.0.1": (V4, V4), "::1": "ECONNREFUSED", MAPPED: (V4, M6)},
    "0.0.0.0": {"127.0.0.1": (V4, V4), "::1": "ECONNREFUSED", MAPPED: (V4, M6)},
    "::1": {"127.0.0.1": "ECONNREFUSED", "::1": (V6, V6), MAPPED: "ECONNREFUSED"},
    "::": {"127.0.0.1": (M6, V4), "::1": (V6, V6), MAPPED: (M6, M6)},
    None: {"127.0.0.1": (M6, V4), "::1": (V6, V6), MAPPED: (M6, M6)},
    MAPPED: {"127.0.0.1": (M6, V4), "::1": "ECONNREFUSED", MAPPED: (M6, M6)},
}
SHOWN = {"127.0.0.1": "127.0.0.1", "0.0.0.0": "0.0.0.0", "::1": "::1", "::": "::", None: "::", MAPPED: MAPPED}

NO_IPV6 = {  # without IPv6: listener -> its address() or the listen error; clients on IPv6 fail
    "127.0.0.1": "127.0.0.1", "0.0.0.0": "0.0.0.0", None: "0.0.0.0",
    "::1": "EAFNOSUPPORT", "::": "EAFNOSUPPORT", MAPPED: "EAFNOSUPPORT",
}


def props(sock):
    return tuple(sock.get(p) for p in ("remoteAddress", "remoteFamily", "localAddress"))


def server_on(impl, host):
    """A new server asked to listen on port 0 of `host` (None: no host); no wait."""
    srv = impl.net.createServer()
    srv.listen(*([0] if host is None else [0, host]))
    return srv


def check(impl, host, client, want, shown):
    srv = server_on(impl, host)
    srv.wait("listening")
    assert srv.address()["address"] == shown
    port = srv.address()["port"]
    sock = impl.net.connect(port, client)
    if isinstance(want, str):
        err = sock.wait("error").args[0]
        assert (err.code, err.address, err.port) == (want, client, port)
        sock.wait("close")
        assert srv.events("connection") == []
        return
    sock.wait("connect")
    conn = srv.wait("connection").args[0]
    got = (props(conn), props(sock))
    assert got == want, "(accepted, connecting) reported %r, expected %r" % (got, want)
    assert conn.get("localPort") == port and sock.get("remotePort") == port
    assert conn.get("remotePort") == sock.get("localPort")
    sock.destroy()
    conn.destroy()


@needs("ipv6")
@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("host", ["127.0.0.1", "0.0.0.0"])
@req("SOCKET.DUALSTACK.LISTEN_V4.1", "SOCKET.DUALSTACK.FAMILY.1")
def test_listener_on_ipv4(impl, host, client):
    check(impl, host, client, TABLE[host][client], SHOWN[host])


@needs("ipv6")
@pytest.mark.parametrize("client", CLIENTS)
@req("SOCKET.DUALSTACK.LISTEN_V6_LOOPBACK.1", "SOCKET.DUALSTACK.FAMILY.1")
def test_listener_on_ipv6_loopback(impl, client):
    check(impl, "::1", client, TABLE["::1"][client], "::1")


@needs("ipv6")
@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("host", ["::", None], ids=["any", "omitted"])
@req("SOCKET.DUALSTACK.LISTEN_V6_ANY.1", "SOCKET.DUALSTACK.FAMILY.1", "SOCKET.LOCAL_ADDRESS.MAPPED.1")
def test_listener_on_ipv6_any(impl, host, client):
    check(impl, host, client, TABLE[host][client], SHOWN[host])


@needs("ipv6")
@pytest.mark.parametrize("client", CLIENTS)
@req("SOCKET.DUALSTACK.LISTEN_MAPPED.1", "SOCKET.DUALSTACK.FAMILY.1")
def test_listener_on_an_ipv4_mapped_address(impl, client):
    check(impl, MAPPED, client, TABLE[MAPPED][client], MAPPED)


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("host", list(NO_IPV6), ids=["127.0.0.1", "0.0.0.0", "omitted", "::1", "::", "mapped"])
@req("SOCKET.DUALSTACK.NO_IPV6.1")
def test_without_ipv6(start_impl, noipv6, host, client):
    impl = start_impl(prefix=[noipv6])
    outcome = NO_IPV6[host]
    srv = server_on(impl, host)
    if outcome == "EAFNOSUPPORT":
        err = srv.wait("error").args[0]
        assert (err.code, err.syscall) == ("EAFNOSUPPORT", "listen")
        assert srv.names() == ["error"]
        return
    srv.wait("listening")
    assert srv.address()["address"] == outcome
    port = srv.address()["port"]
    sock = impl.net.connect(port, client)
    if client != "127.0.0.1":
        err = sock.wait("error").args[0]
        assert (err.code, err.address) == ("EAFNOSUPPORT", client)
        sock.wait("close")
        return
    sock.wait("connect")
    conn = srv.wait("connection").args[0]
    assert (props(conn), props(sock)) == (V4, V4)
    sock.destroy()
    conn.destroy()
