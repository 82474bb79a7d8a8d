"""server.listen(handle[, backlog][, callback]): another server, a connected socket, { fd }.

Descriptors: `start_impl(pass_fds=[n])` starts a shim that inherits the
test's descriptor n under the same number, so listen({ fd: n }) has a real,
bound socket to take.
"""
import os
import socket

import pytest

from netspec_harness import UNDEFINED, Threw, needs, peer, req
from _server_util import listening


def no_error(call):
    return all(a is None or a is UNDEFINED for a in call.args)


def refused(port):
    with pytest.raises(ConnectionRefusedError):
        peer.connect_tcp("127.0.0.1", port).close()


# ------------------------------------------------------------ another server
@req("SERVER.LISTEN.HANDLE.SERVER.1", "SERVER.LISTEN.RETURNS.1", "SERVER.LISTEN.CALLBACK.1")
def test_a_listening_server_lends_its_socket(impl):
    first = impl.net.createServer()
    addr = listening(first, 0, "127.0.0.1")
    second = impl.net.createServer()
    cb = impl.callback("listen")
    assert second.listen(first, cb) is second
    returned_at = impl.last_response_seq
    ev = second.wait("listening")
    assert ev.seq > returned_at and ev.args == []
    assert cb.wait().seq > ev.seq
    assert second.get("listening") is True
    assert second.address() == addr


@req("SERVER.LISTEN.HANDLE.SERVER.2")
def test_connections_on_a_lent_socket_go_to_the_borrower(impl):
    first = impl.net.createServer()
    addr = listening(first, 0, "127.0.0.1")
    second = impl.net.createServer()
    listening(second, first)
    with peer.connect_tcp("127.0.0.1", addr["port"]) as one, peer.connect_tcp("127.0.0.1", addr["port"]) as two:
        conns = [second.wait("connection").args[0], second.wait("connection").args[0]]
        assert sorted(c.get("remotePort") for c in conns) == sorted([one.getsockname()[1], two.getsockname()[1]])
    assert first.names() == ["listening"], "the lender reports no connection"


@req("SERVER.LISTEN.HANDLE.SERVER.3", "SERVER.CLOSE.CALLBACK.1")
def test_closing_the_borrower_closes_the_shared_socket(impl):
    first = impl.net.createServer()
    addr = listening(first, 0, "127.0.0.1")
    second = impl.net.createServer()
    listening(second, first)
    closed = impl.callback("close")
    second.close(closed)
    second.wait("close")
    assert no_error(closed.wait())
    refused(addr["port"])
    assert first.get("listening") is True, "the lender still reports itself listening"
    last = impl.callback("close")
    first.close(last)
    first.wait("close")
    assert no_error(last.wait()), "closing the lender afterwards succeeds"
    assert first.names() == ["listening", "close"]


@req("SERVER.LISTEN.HANDLE.NOT_LISTENING.1")
def test_a_server_that_is_not_listening_is_no_handle(impl):
    idle = impl.net.createServer()
    srv = impl.net.createServer()
    with pytest.raises(Threw) as caught:
        srv.listen(idle)
    err = caught.value.error
    srv.get("listening")
    assert srv.names() == [] and idle.names() == []
    assert err.name == "Error"
    assert err.message.startswith("Invalid listen argument:"), err.message


# ------------------------------------------------------------- a socket
@req("SERVER.LISTEN.HANDLE.SOCKET.1", "SERVER.EVENT.ERROR.1", "SERVER.EVENT.ERROR.2", "SERVER.ERROR.MESSAGE.1")
def test_a_connected_socket_cannot_listen(impl):
    with peer.tcp_listener("127.0.0.1") as holder:
        sock = impl.net.createConnection(holder.getsockname()[1], "127.0.0.1")
        sock.wait("connect")
        accepted = peer.accept(holder)
        srv = impl.net.createServer()
        assert srv.listen(sock) is srv
        returned_at = impl.last_response_seq
        ev = srv.wait("error")
        accepted.close()
    assert ev.seq > returned_at
    (err,) = ev.args
    assert (err.name, err.code, err.syscall, err.port) == ("Error", "EINVAL", "listen", -1)
    assert srv.get("listening") is False
    assert "listening" not in srv.names()
    assert err.message == "listen EINVAL"


# ---------------------------------------------------------------- { fd }
@req("SERVER.LISTEN.HANDLE.FD.2")
@pytest.mark.parametrize("fd", [-1, -5])
def test_a_negative_fd_is_no_handle(impl, fd):
    srv = impl.net.createServer()
    with pytest.raises(Threw) as caught:
        srv.listen({"fd": fd})
    err = caught.value.error
    srv.get("listening")
    assert srv.names() == []
    assert err.name == "Error"
    assert err.message.startswith("Invalid listen argument:"), err.message


@req("SERVER.LISTEN.HANDLE.FD.1")
@pytest.mark.parametrize("already_listening", [False, True], ids=["bound", "listening"])
def test_an_inherited_tcp_descriptor_is_listened_on(start_impl, already_listening):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", 0))
        if already_listening:
            sock.listen(4)
        port = sock.getsockname()[1]
        impl = start_impl(pass_fds=[sock.fileno()])
        fd = sock.fileno()
    finally:
        sock.close()                             # the shim holds its own copy
    srv = impl.net.createServer()
    cb = impl.callback("listen")
    assert srv.listen({"fd": fd}, cb) is srv
    srv.wait("listening")
    cb.wait()
    assert srv.get("listening") is True
    assert srv.address() == {"address": "127.0.0.1", "family": "IPv4", "port": port}
    with peer.connect_tcp("127.0.0.1", port) as client:
        conn = srv.wait("connection").args[0]
        assert conn.get("remotePort") == client.getsockname()[1]
        conn.write("via fd")
        assert peer.recv_exactly(client, 6) == b"via fd"


def listen_on_no_socket(start_impl, tmp_path, kind):
    """listen({fd}) on an inherited regular file or pipe: (server, listen callback,
    the seq of listen()'s response, the 'error' event)."""
    if kind == "file":
        fd = os.open(str(tmp_path / "plain"), os.O_RDWR | os.O_CREAT)
        other = None
    else:
        fd, other = os.pipe()
    try:
        impl = start_impl(pass_fds=[fd])
    finally:
        os.close(fd)
        if other is not None:
            os.close(other)
    srv = impl.net.createServer()
    cb = impl.callback("listen")
    assert srv.listen({"fd": fd}, cb) is srv, "returned, not thrown"
    returned_at = impl.last_response_seq
    return srv, cb, returned_at, srv.wait("error")


@req("SERVER.LISTEN.HANDLE.FD.3", "SERVER.EVENT.ERROR.2", "SERVER.ERROR.MESSAGE.1")
@pytest.mark.parametrize("kind,code", [("file", "EINVAL"), ("pipe", "ENOTSOCK")])
def test_a_descriptor_that_is_no_socket_is_an_error(start_impl, tmp_path, kind, code):
    srv, cb, returned_at, ev = listen_on_no_socket(start_impl, tmp_path, kind)
    assert ev.seq > returned_at
    (err,) = ev.args
    assert (err.name, err.code, err.syscall) == ("Error", code, "listen")
    assert not err.has("port")
    assert err.message == "listen " + code
    assert srv.get("listening") is False
    assert srv.names() == ["error"] and cb.calls() == []


@req("SERVER.LISTEN.HANDLE.FD.3", "SERVER.ERROR.ERRNO.1")
@pytest.mark.parametrize("kind,code", [("file", "EINVAL"), ("pipe", "ENOTSOCK")])
def test_a_descriptor_that_is_no_socket_errno(start_impl, tmp_path, kind, code):
    _, _, _, ev = listen_on_no_socket(start_impl, tmp_path, kind)
    assert ev.args[0].errno == code, "errno %r, not the code %r" % (ev.args[0].errno, code)


@needs("pipe")
@req("SERVER.LISTEN.HANDLE.FD.1", "SERVER.EVENT.CONNECTION.4")
def test_an_inherited_unix_descriptor_is_listened_on(start_impl, sock_dir):
    path = os.path.join(sock_dir, "fd.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(path)
        impl = start_impl(pass_fds=[sock.fileno()])
        fd = sock.fileno()
    finally:
        sock.close()
    srv = impl.net.createServer()
    srv.listen({"fd": fd})
    srv.wait("listening")
    with peer.connect_unix(path) as client:
        conn = srv.wait("connection").args[0]
        client.sendall(b"hello")
        assert conn.wait_received(5) == b"hello"
