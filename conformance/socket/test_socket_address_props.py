"""socket.address() and the address properties (localAddress, localPort,
remoteAddress, remotePort, remoteFamily): on connected and accepted TCP
sockets, IPv4 and IPv6, dual-stack servers, Unix domain sockets, and at every
stage where there is no connection (fresh, connecting, failed, closed)."""
import os

import pytest

from netspec_harness import UNDEFINED, needs, peer, req

from _socket_util import closed_port, pending_target, same_turn, settle, tcp_client

PROPS = ("localAddress", "localPort", "remoteAddress", "remotePort", "remoteFamily")


def props(sock):
    return {p: sock.get(p) for p in PROPS}


UNSET = {p: UNDEFINED for p in PROPS}


@pytest.mark.parametrize("family", ["ipv4", pytest.param("ipv6", marks=needs("ipv6"))])
@req("SOCKET.ADDRESS.1", "SOCKET.ADDRESS.IPV6.1", "SOCKET.LOCAL_ADDRESS.1", "SOCKET.LOCAL_PORT.1",
     "SOCKET.REMOTE_ADDRESS.1", "SOCKET.REMOTE_PORT.1", "SOCKET.REMOTE_FAMILY.1")
def test_a_connected_client_reports_both_ends(impl, family):
    host = peer.LOOPBACK[family]
    name = {"ipv4": "IPv4", "ipv6": "IPv6"}[family]
    with peer.tcp_listener(host) as lst:
        sock = impl.new("Socket")
        sock.connect(lst.getsockname()[1], host)
        sock.wait("connect")
        port = lst.getsockname()[1]
        with peer.accept(lst) as conn:
            seen = props(sock)
            address = sock.address()
            peer_view = conn.getpeername()[:2]
    assert seen == {"localAddress": host, "localPort": peer_view[1], "remoteAddress": host,
                    "remotePort": port, "remoteFamily": name}
    assert peer_view == (host, seen["localPort"]), "the peer sees the same local end"
    assert address == {"address": host, "family": name, "port": seen["localPort"]}
    assert isinstance(seen["localPort"], int) and isinstance(seen["remotePort"], int)


@req("SOCKET.REMOTE_ADDRESS.ACCEPTED.1", "SOCKET.LOCAL_ADDRESS.ACCEPTED.1", "SOCKET.ADDRESS.1")
def test_an_accepted_socket_of_a_server_on_every_address(impl):
    srv = impl.net.createServer()
    srv.listen(0, "0.0.0.0")
    srv.wait("listening")
    port = srv.address()["port"]
    with peer.connect_tcp("127.0.0.1", port) as client:
        conn = srv.wait("connection").args[0]
        seen = props(conn)
        address = conn.address()
        mine = client.getsockname()
    assert seen == {"localAddress": "127.0.0.1", "localPort": port, "remoteAddress": "127.0.0.1",
                    "remotePort": mine[1], "remoteFamily": "IPv4"}
    assert address == {"address": "127.0.0.1", "family": "IPv4", "port": port}


@needs("ipv6")
@req("SOCKET.LOCAL_ADDRESS.MAPPED.1")
def test_an_ipv4_client_of_a_dual_stack_server_is_shown_mapped(impl):
    srv = impl.net.createServer()
    srv.listen(0, "::")
    srv.wait("listening")
    port = srv.address()["port"]
    with peer.connect_tcp("127.0.0.1", port) as client:
        conn = srv.wait("connection").args[0]
        seen = props(conn)
        mine = client.getsockname()
    assert seen == {"localAddress": "::ffff:127.0.0.1", "localPort": port, "remoteAddress": "::ffff:127.0.0.1",
                    "remotePort": mine[1], "remoteFamily": "IPv6"}


@req("SOCKET.ADDRESS.UNSET.1", "SOCKET.LOCAL_ADDRESS.UNSET.1", "SOCKET.LOCAL_PORT.UNSET.1",
     "SOCKET.REMOTE_ADDRESS.UNSET.1", "SOCKET.REMOTE_FAMILY.UNSET.1", "SOCKET.REMOTE_PORT.UNSET.1")
def test_nothing_to_report_while_fresh_connecting_or_failed(impl):
    fresh = impl.new("Socket")
    assert props(fresh) == UNSET and fresh.address() == {}
    with pending_target() as (port, _):
        connecting = impl.new("Socket")
        # read in the same turn of the shim's loop as connect(): certainly still connecting.
        # (Later, once its SYN is out, Node 8 does report the local end of a pending attempt.)
        replies = same_turn(impl, (connecting, "connect", port, "127.0.0.1"), (connecting, "get", "connecting"),
                            *[(connecting, "get", p) for p in PROPS], (connecting, "address"))
        assert replies[1].value is True
        assert dict(zip(PROPS, [r.value for r in replies[2:-1]])) == UNSET
        assert replies[-1].value == {}
        assert connecting.get("connecting") is True
        assert {p: connecting.get(p) for p in ("remoteAddress", "remotePort", "remoteFamily")} == \
            {p: UNDEFINED for p in ("remoteAddress", "remotePort", "remoteFamily")}, "no remote end while connecting"
        connecting.destroy()
    failed = impl.new("Socket")
    failed.connect(closed_port(), "127.0.0.1")
    failed.wait("close")
    assert props(failed) == UNSET and failed.address() == {}


@pytest.mark.parametrize("read_before", [True, False], ids=["read-while-connected", "never-read"])
@req("SOCKET.REMOTE_ADDRESS.CLOSED.1", "SOCKET.LOCAL_ADDRESS.UNSET.1", "SOCKET.LOCAL_PORT.UNSET.1",
     "SOCKET.ADDRESS.UNSET.1")
def test_after_close_the_remote_end_is_undefined_or_unchanged(impl, read_before):
    sock, conn = tcp_client(impl)
    with conn:
        before = {"remoteAddress": "127.0.0.1", "remotePort": conn.getsockname()[1], "remoteFamily": "IPv4"}
        if read_before:
            assert {p: sock.get(p) for p in before} == before
            assert sock.get("localAddress") == "127.0.0.1"
        sock.destroy()
        sock.wait("close")
    for prop, value in before.items():
        assert sock.get(prop) in (UNDEFINED, value), "%s after close: %r" % (prop, sock.get(prop))
    assert (sock.get("localAddress"), sock.get("localPort")) == (UNDEFINED, UNDEFINED)
    assert sock.address() == {}


@needs("pipe")
@req("SOCKET.REMOTE.PIPE.1", "SOCKET.ADDRESS.PIPE.1")
def test_a_unix_connection_has_no_addresses(impl, sock_dir):
    path = os.path.join(sock_dir, "noaddr.sock")
    srv = impl.net.createServer()
    srv.listen(path)
    srv.wait("listening")
    client = impl.new("Socket")
    client.connect(path)
    client.wait("connect")
    accepted = srv.wait("connection").args[0]
    settle(impl)
    for sock in (client, accepted):
        assert props(sock) == UNSET
        assert sock.address() == {}
