"""net.createServer([options][, connectionListener]): what it returns, how it
takes its arguments, and the allowHalfOpen option of accepted sockets."""
import os

import pytest

from netspec_harness import UNDEFINED, Threw, needs, peer, req
from netspec_harness.values import Opaque


def listen_tcp(srv):
    srv.listen(0, "127.0.0.1")
    srv.wait("listening")
    return srv.address()["port"]


def connect_and_accept(srv, port):
    """A peer client and the server's socket for it, matched by port."""
    client = peer.connect_tcp("127.0.0.1", port)
    conn = srv.wait("connection").args[0]
    assert conn.get("remotePort") == client.getsockname()[1]
    return client, conn


# ------------------------------------------------------------------ the result
@req("NET.CREATESERVER.RETURNS.1")
def test_returns_a_server_that_is_not_listening(impl):
    srv = impl.net.createServer()
    other = impl.net.createServer()
    assert srv.id != other.id, "every call makes a new server"
    assert srv.get("listening") is False
    assert srv.address() is None
    assert isinstance(srv.get("listen"), Opaque), "a net.Server has listen()"
    assert srv.names() == []


@needs("pipe")
@req("NET.CREATESERVER.KIND.1")
def test_listen_decides_between_tcp_and_unix(impl, sock_dir):
    path = os.path.join(sock_dir, "kind.sock")
    tcp, unix = impl.net.createServer(), impl.net.createServer()
    port = listen_tcp(tcp)
    unix.listen(path)
    unix.wait("listening")
    assert tcp.address() == {"address": "127.0.0.1", "family": "IPv4", "port": port}
    assert unix.address() == path
    with peer.connect_tcp("127.0.0.1", port):
        tcp.wait("connection")
    with peer.connect_unix(path):
        unix.wait("connection")


@needs("pipe")
@req("NET.CREATESERVER.KIND.1")
def test_the_same_server_can_be_tcp_then_unix(impl, sock_dir):
    path = os.path.join(sock_dir, "kind2.sock")
    srv = impl.net.createServer()
    listen_tcp(srv)
    srv.close()
    srv.wait("close")
    srv.listen(path)
    srv.wait("listening")
    assert srv.address() == path
    with peer.connect_unix(path):
        srv.wait("connection")


# ---------------------------------------------------------------- the listener
@req("NET.CREATESERVER.LISTENER.1")
def test_connection_listener_gets_each_socket(impl):
    cb = impl.callback("connection")
    srv = impl.net.createServer(cb)
    port = listen_tcp(srv)
    clients = [peer.connect_tcp("127.0.0.1", port) for _ in range(2)]
    calls = [cb.wait(), cb.wait()]
    events = [srv.wait("connection"), srv.wait("connection")]
    for call, ev in zip(calls, events):
        assert len(call.args) == 1
        assert call.args[0] is ev.args[0], "the listener gets the 'connection' socket"
    ports = {call.args[0].get("remotePort") for call in calls}
    assert ports == {c.getsockname()[1] for c in clients}
    srv.get("listening")                          # a round trip
    assert len(cb.calls()) == 2
    for c in clients:
        c.close()


@pytest.mark.parametrize("before", [[], [UNDEFINED], [None], [{}]],
                         ids=["alone", "after-undefined", "after-null", "after-options"])
@req("NET.CREATESERVER.LISTENER.2")
def test_listener_alone_or_after_the_options(impl, before):
    cb = impl.callback("connection")
    srv = impl.net.createServer(*before, cb)
    port = listen_tcp(srv)
    with peer.connect_tcp("127.0.0.1", port):
        conn = cb.wait().args[0]
        assert conn is srv.wait("connection").args[0]


@pytest.mark.parametrize("second", [5, "x", None], ids=["number", "string", "null"])
@req("NET.CREATESERVER.LISTENER.2")
def test_a_second_argument_that_is_no_function_is_ignored(impl, second):
    srv = impl.net.createServer({}, second)
    port = listen_tcp(srv)
    with peer.connect_tcp("127.0.0.1", port) as c:
        conn = srv.wait("connection").args[0]
        c.sendall(b"ok")
        assert conn.wait_received(2) == b"ok"


@req("NET.CREATESERVER.OPTIONS.TYPE.1")
def test_options_of_the_wrong_type_throw(impl):
    wrong = []
    for options in (123, "x", True):           # single requests: one shim checks them all
        try:
            impl.net.createServer(options)
            wrong.append("createServer(%r) returned a server" % (options,))
        except Threw as exc:
            err = exc.error
            got = (err.name, err.message, err.code)
            if got != ("TypeError", "options must be an object", UNDEFINED):
                wrong.append("createServer(%r) threw %r" % (options, got))
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("options", [None, UNDEFINED], ids=["null", "undefined"])
@req("NET.CREATESERVER.OPTIONS.TYPE.1", "NET.CREATESERVER.ALLOWHALFOPEN.DEFAULT.1")
def test_null_or_undefined_options_are_the_defaults(impl, options):
    srv = impl.net.createServer(options)
    port = listen_tcp(srv)
    client, conn = connect_and_accept(srv, port)
    with client:
        client.sendall(b"hi")
        assert conn.wait_received(2) == b"hi"       # not paused
        peer.half_close(client)
        conn.wait("end")
        assert peer.recv_until_eof(client) == b""   # not half-open


# ---------------------------------------------------------------- allowHalfOpen
@req("NET.CREATESERVER.ALLOWHALFOPEN.DEFAULT.1")
def test_by_default_the_server_side_ends_with_the_client(impl):
    srv = impl.net.createServer()
    port = listen_tcp(srv)
    client, conn = connect_and_accept(srv, port)
    with client:
        peer.half_close(client)                       # the client's end()
        end = conn.wait("end")
        assert peer.recv_until_eof(client) == b"", "the server side must end by itself"
        close = conn.wait("close")
    assert end.seq < close.seq


@pytest.mark.parametrize("transport", ["tcp", pytest.param("unix", marks=needs("pipe"))])
@req("NET.CREATESERVER.ALLOWHALFOPEN.1")
def test_allow_half_open_keeps_the_server_side_open(impl, sock_dir, transport):
    srv = impl.net.createServer({"allowHalfOpen": True})
    if transport == "tcp":
        port = listen_tcp(srv)
        client = peer.connect_tcp("127.0.0.1", port)
    else:
        path = os.path.join(sock_dir, "half.sock")
        srv.listen(path)
        srv.wait("listening")
        client = peer.connect_unix(path)
    with client:
        conn = srv.wait("connection").args[0]
        peer.half_close(client)
        conn.wait("end")
        assert conn.get("writable") is True
        conn.write(b"after your end")
        assert peer.recv_exactly(client, 14) == b"after your end"
        assert conn.get("writable") is True           # a round trip: a FIN would be out by now
        client.setblocking(False)                     # no EOF yet: nothing to read
        with pytest.raises(BlockingIOError):
            client.recv(1)
        client.setblocking(True)
        assert "close" not in conn.names()
        conn.end()
        assert peer.recv_until_eof(client) == b"", "the peer sees the end once the server ends"
        conn.wait("close")
