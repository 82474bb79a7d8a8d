"""listen() more than once: on a listening server, after close(), after a failure; the kind
of server (TCP or Unix) decided anew; what becomes of the listen callback."""
import os
import socket

import pytest

from netspec_harness import needs, peer, req
from _server_util import listening


def free_port(host):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def close(srv):
    srv.close()
    srv.wait("close")


# ------------------------------------------------- on a listening server
@req("SERVER.LISTEN.AGAIN.1")
def test_listen_on_a_listening_server_emits_listening_again(impl):
    srv = impl.net.createServer()
    addr = listening(srv, 0, "127.0.0.1")
    assert srv.listen(0, "127.0.0.1") is srv, "no throw"
    returned_at = impl.last_response_seq
    assert srv.wait("listening").seq > returned_at
    assert srv.names() == ["listening", "listening"], "no 'error'"
    assert srv.get("listening") is True and srv.address() == addr


@req("SERVER.LISTEN.AGAIN.2", "SERVER.LISTEN.AGAIN.1")
@pytest.mark.parametrize("target", ["ipv4-port", pytest.param("ipv6-options", marks=needs("ipv6")),
                                    pytest.param("path", marks=needs("pipe"))])
def test_listen_again_keeps_the_socket_it_has(impl, sock_dir, target):
    srv = impl.net.createServer()
    addr = listening(srv, 0, "127.0.0.1")
    path = os.path.join(sock_dir, "again.sock")
    other = None
    if target == "ipv4-port":
        other = ("127.0.0.1", free_port("127.0.0.1"))
        args = [other[1], "127.0.0.1"]
    elif target == "ipv6-options":
        other = ("::1", free_port("::1"))
        args = [{"port": other[1], "host": "::1"}]
    else:
        args = [path]
    assert listening(srv, *args) == addr, "address() is unchanged"
    assert not os.path.exists(path), "no socket file is created"
    if other:
        with pytest.raises(ConnectionRefusedError):
            peer.connect_tcp(*other).close()
    with peer.connect_tcp("127.0.0.1", addr["port"]) as client:
        conn = srv.wait("connection").args[0]
        assert conn.get("remotePort") == client.getsockname()[1]
    assert srv.names() == ["listening", "listening", "connection"]


# ------------------------------------------------------ after close()
@needs("pipe")
@req("SERVER.CLASS.2", "SERVER.LISTEN.RELISTEN.1")
@pytest.mark.parametrize("order", ["tcp-then-path", "path-then-tcp"])
def test_one_server_serves_tcp_and_a_path_in_turn(impl, sock_dir, order):
    path = os.path.join(sock_dir, "turn.sock")
    srv = impl.net.createServer()
    steps = [[0, "127.0.0.1"], [path]]
    if order == "path-then-tcp":
        steps.reverse()
    for args in steps:
        addr = listening(srv, *args)
        if args == [path]:
            assert addr == path
            with peer.connect_unix(path):
                srv.wait("connection")
        else:
            assert addr["address"] == "127.0.0.1" and addr["family"] == "IPv4"
            with peer.connect_tcp("127.0.0.1", addr["port"]):
                srv.wait("connection")
        close(srv)
    assert srv.names() == ["listening", "connection", "close"] * 2


# ------------------------------------------------------ the callback
@req("SERVER.LISTEN.CALLBACK.4", "SERVER.LISTEN.CALLBACK.1")
def test_the_callback_runs_once_though_listening_comes_again(impl):
    srv = impl.net.createServer()
    cb = impl.callback("listen")
    srv.listen(0, "127.0.0.1", cb)
    srv.wait("listening")
    cb.wait()
    close(srv)
    listening(srv, 0, "127.0.0.1")
    srv.get("listening")                         # a round trip after the second 'listening'
    assert srv.names() == ["listening", "close", "listening"]
    assert len(cb.calls()) == 1


@req("SERVER.LISTEN.CALLBACK.5", "SERVER.LISTEN.EADDRINUSE.RETRY.1")
def test_a_callback_of_a_failed_listen_runs_at_the_next_listening(impl):
    holder = peer.tcp_listener("127.0.0.1")
    port = holder.getsockname()[1]
    srv = impl.net.createServer()
    cb = impl.callback("listen")
    srv.listen(port, "127.0.0.1", cb)
    assert srv.wait("error").args[0].code == "EADDRINUSE"
    srv.get("listening")
    assert cb.calls() == [], "not called when listening fails"
    holder.close()
    close(srv)
    srv.listen(port, "127.0.0.1")                # no callback of its own
    ev = srv.wait("listening")
    call = cb.wait()
    assert call.seq > ev.seq and call.args == []
    assert len(cb.calls()) == 1
