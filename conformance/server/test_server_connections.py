"""The 'connection' event: one per accepted connection, its socket, and its order."""
import os
import socket

import pytest

from netspec_harness import needs, peer, req
from _server_util import listening
from netspec_harness.shim import Handle


@req("SERVER.EVENT.CONNECTION.1")
def test_one_connection_event_per_accepted_connection(impl):
    srv = impl.net.createServer()
    port = listening(srv, 0, "127.0.0.1")["port"]
    clients = [peer.connect_tcp("127.0.0.1", port) for _ in range(3)]
    try:
        events = [srv.wait("connection") for _ in clients]
        srv.get("listening")                          # a round trip: no extra event
        assert len(srv.events("connection")) == 3
        assert all(len(ev.args) == 1 and isinstance(ev.args[0], Handle) for ev in events)
        assert len({ev.args[0].id for ev in events}) == 3, "a distinct socket for each connection"
        remote = sorted(ev.args[0].get("remotePort") for ev in events)
        assert remote == sorted(c.getsockname()[1] for c in clients)
    finally:
        for c in clients:
            c.close()


@req("SERVER.EVENT.CONNECTION.2")
@pytest.mark.parametrize("host", ["127.0.0.1", pytest.param("::1", marks=needs("ipv6"))])
def test_the_socket_is_the_servers_end_of_the_peers_connection(impl, host):
    srv = impl.net.createServer()
    port = listening(srv, 0, host)["port"]
    with peer.connect_tcp(host, port) as client:
        conn = srv.wait("connection").args[0]
        assert conn.get("remoteAddress") == host
        assert conn.get("remotePort") == client.getsockname()[1]
        assert conn.get("localAddress") == host
        assert conn.get("localPort") == port
        assert conn.get("remoteFamily") == ("IPv6" if ":" in host else "IPv4")


@req("SERVER.EVENT.CONNECTION.3")
def test_the_socket_is_open_both_ways(impl):
    srv = impl.net.createServer()
    port = listening(srv, 0, "127.0.0.1")["port"]
    with peer.connect_tcp("127.0.0.1", port) as client:
        conn = srv.wait("connection").args[0]
        assert conn.get("readable") is True and conn.get("writable") is True
        client.sendall(b"from the peer")
        assert conn.wait_received(13) == b"from the peer"
        conn.write("from the server")
        assert peer.recv_exactly(client, 15) == b"from the server"


@needs("pipe")
@req("SERVER.EVENT.CONNECTION.4", "SERVER.EVENT.CONNECTION.1")
def test_a_path_server_emits_connection_per_peer(impl, sock_dir):
    path = os.path.join(sock_dir, "conn.sock")
    srv = impl.net.createServer()
    listening(srv, path)
    with peer.connect_unix(path) as one, peer.connect_unix(path) as two:
        first = srv.wait("connection").args[0]
        second = srv.wait("connection").args[0]
        assert first.id != second.id
        one.sendall(b"1")
        two.sendall(b"2")
        got_first, got_second = first.wait_received(1), second.wait_received(1)
        assert {got_first, got_second} == {b"1", b"2"}
        first.write("A")
        second.write("B")
        sender = {b"1": one, b"2": two}
        assert peer.recv_exactly(sender[got_first], 1) == b"A", "each socket is its own peer's"
        assert peer.recv_exactly(sender[got_second], 1) == b"B"


@req("SERVER.EVENT.CONNECTION.5", "SERVER.LISTEN.HANDLE.FD.1")
def test_a_waiting_connection_is_reported_after_listening(start_impl):
    # The peer's connection is already in the kernel's queue when listen() is called:
    # the socket is listening before the implementation ever sees it.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", 0))
        sock.listen(4)
        port = sock.getsockname()[1]
        client = peer.connect_tcp("127.0.0.1", port)
        impl = start_impl(pass_fds=[sock.fileno()])
        fd = sock.fileno()
    finally:
        sock.close()
    with client:
        srv = impl.net.createServer()
        srv.listen({"fd": fd})
        listening_ev = srv.wait("listening")
        conn_ev = srv.wait("connection")
        assert listening_ev.seq < conn_ev.seq, "no 'connection' before 'listening'"
        assert conn_ev.args[0].get("remotePort") == client.getsockname()[1]


@req("SERVER.EVENT.CONNECTION.5")
def test_connection_follows_listening_for_each_listen(impl):
    srv = impl.net.createServer()
    for _ in range(2):
        port = listening(srv, 0, "127.0.0.1")["port"]
        with peer.connect_tcp("127.0.0.1", port):
            conn = srv.wait("connection").args[0]
            conn.destroy()
        srv.close()
        srv.wait("close")
    assert srv.names() == ["listening", "connection", "close"] * 2


FACTORIES = {
    "createServer": lambda impl, f: impl.net.createServer(f),
    "new": lambda impl, f: impl.new("Server", f),
}


@req("SERVER.EVENT.CONNECTION.6", "SERVER.NEW.2")
@pytest.mark.parametrize("factory", sorted(FACTORIES))
def test_a_listener_given_at_creation_gets_each_socket_in_the_same_emission(impl, factory):
    listener = impl.callback("connection")
    srv = FACTORIES[factory](impl, listener)
    port = listening(srv, 0, "127.0.0.1")["port"]
    with peer.connect_tcp("127.0.0.1", port), peer.connect_tcp("127.0.0.1", port):
        events = [srv.wait("connection"), srv.wait("connection")]
        calls = [listener.wait(), listener.wait()]
    for ev, call in zip(events, calls):
        assert call.args == ev.args
        assert abs(call.seq - ev.seq) == 1, "the listener runs in the same emission as the event"
