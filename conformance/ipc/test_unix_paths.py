"""How a path names a local endpoint on Linux: Unix domain stream sockets,
one path understood by every entry point, an ordinary file system name
(relative names included), a NUL that ends it, and Windows pipe names that
mean nothing special."""
import os
import posixpath
import socket
import stat

import pytest

from netspec_harness import needs, peer, req
from _server_util import listening_server

pytestmark = needs("pipe")


@req("IPC.SUPPORT.1")
def test_a_peer_client_and_the_server_exchange_bytes_in_order(impl, sock_dir):
    path = os.path.join(sock_dir, "support.sock")
    srv = listening_server(impl, path)
    payload = bytes(range(256)) * 512                 # 128 KiB
    with peer.connect_unix(path) as c:
        conn = srv.wait("connection").args[0]
        c.sendall(payload)
        assert conn.wait_received(len(payload)) == payload
        conn.write(payload[::-1])
        assert peer.recv_exactly(c, len(payload)) == payload[::-1]


@req("IPC.SUPPORT.1")
def test_a_server_accepts_a_unix_peer(impl, sock_dir):
    path = os.path.join(sock_dir, "stream.sock")
    with peer.unix_listener(path) as lst:
        client = impl.net.connect(path)
        client.wait("connect")
        conn = peer.accept(lst)
        assert conn.type == socket.SOCK_STREAM
        client.write(b"abc")
        client.write(b"def")
        assert peer.recv_exactly(conn, 6) == b"abcdef"
        conn.close()


CLIENT_FORMS = {
    "net.connect(path)": lambda impl, p: impl.net.connect(p),
    "net.createConnection(path)": lambda impl, p: impl.net.createConnection(p),
    "net.connect({path})": lambda impl, p: impl.net.connect({"path": p}),
    "net.createConnection({path})": lambda impl, p: impl.net.createConnection({"path": p}),
    "socket.connect(path)": lambda impl, p: _socket_connect(impl, p),
    "socket.connect({path})": lambda impl, p: _socket_connect(impl, {"path": p}),
}


def _socket_connect(impl, target):
    sock = impl.new("Socket")
    sock.connect(target)
    return sock


@pytest.mark.parametrize("listen_form,form", [("listen(path)", f) for f in CLIENT_FORMS] + [
    ("listen({path})", "net.connect(path)"), ("listen({path})", "socket.connect({path})")])
@req("IPC.PATH.PARAM.1")
def test_every_entry_point_takes_the_same_path(impl, sock_dir, listen_form, form):
    path = os.path.join(sock_dir, "param.sock")
    srv = listening_server(impl, path if listen_form == "listen(path)" else {"path": path})
    assert srv.address() == path
    client = CLIENT_FORMS[form](impl, path)
    client.wait("connect")
    conn = srv.wait("connection").args[0]
    client.write(b"same")
    assert conn.wait_received(4) == b"same"


@req("IPC.PATH.FILESYSTEM.1")
def test_listening_creates_a_socket_file_at_the_path(impl, sock_dir):
    path = os.path.join(sock_dir, "fs.sock")
    assert os.listdir(sock_dir) == []
    srv = impl.net.createServer()
    srv.listen(path)
    srv.wait("listening")
    assert os.listdir(sock_dir) == ["fs.sock"]
    assert stat.S_ISSOCK(os.stat(path).st_mode)
    with peer.connect_unix(path):
        srv.wait("connection")


@req("IPC.PATH.RELATIVE.1")
def test_a_relative_path_is_resolved_against_the_working_directory(impl, sock_dir):
    # The shim runs in our working directory; this name leads from it to sock_dir.
    path = os.path.join(sock_dir, "rel.sock")
    rel = os.path.relpath(path)
    assert not os.path.isabs(rel) and len(rel.encode()) < 100
    srv = listening_server(impl, rel)
    assert srv.address() == rel, "address() returns the path as given, not made absolute"
    assert stat.S_ISSOCK(os.stat(path).st_mode)
    with peer.connect_unix(path) as c:
        srv.wait("connection")
        c.sendall(b"x")
    client = impl.net.connect(rel)                    # a relative client name, same directory
    client.wait("connect")
    srv.wait("connection")
    assert len(srv.events("connection")) == 2


@req("IPC.PATH.NUL.1")
def test_a_nul_ends_the_path(impl, sock_dir):
    path = os.path.join(sock_dir, "nulA") + "\0tail"
    srv = listening_server(impl, path)
    assert os.listdir(sock_dir) == ["nulA"]
    assert srv.address() == path, "address() keeps the NUL and what follows"
    with peer.connect_unix(os.path.join(sock_dir, "nulA")):
        srv.wait("connection")
    client = impl.net.connect(os.path.join(sock_dir, "nulA"))
    client.wait("connect")
    srv.wait("connection")


@req("IPC.WINDOWS.LINUX.1")
def test_a_windows_pipe_name_is_an_ordinary_relative_file_name(impl, sock_dir):
    name = "\\\\.\\pipe\\netspec"                     # \\.\pipe\netspec
    rel = os.path.join(os.path.relpath(sock_dir), name)
    srv = listening_server(impl, rel)
    assert os.listdir(sock_dir) == [name], "a file of that literal name in the directory"
    assert srv.address() == rel
    with peer.connect_unix(os.path.join(sock_dir, name)):
        srv.wait("connection")
    srv.close()
    srv.wait("close")
    assert os.listdir(sock_dir) == [], "removed on close like any socket file"


@req("IPC.WINDOWS.LINUX.1")
def test_the_documented_pipe_path_fails_for_want_of_its_directory(impl):
    # path.join('\\\\?\\pipe', process.cwd(), 'myctl'): a relative name whose
    # directory '\\?\pipe/CWD' does not exist.
    path = posixpath.normpath("\\\\?\\pipe/" + os.getcwd() + "/myctl")
    assert path.startswith("\\\\?\\pipe/") and not os.path.lexists("\\\\?\\pipe")
    srv = impl.net.createServer()
    srv.listen(path)
    err = srv.wait("error").args[0]
    assert (err.code, err.syscall, err.address) == ("EACCES", "listen", path)
    assert not os.path.lexists("\\\\?\\pipe")
