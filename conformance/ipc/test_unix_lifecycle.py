"""The socket file's lifetime: created by listen(), removed by close() (for a
path that fits), left behind by a process that exits, and in the way of the
next listen() when left behind (or when anything else is at the path)."""
import os
import stat

import pytest

from netspec_harness import needs, peer, req
from _server_util import fail_to_listen

pytestmark = needs("pipe")


def path_of(sock_dir, nbytes):
    head = sock_dir + "/"
    return head + "u" * (nbytes - len(head))


@pytest.mark.parametrize("nbytes", [30, 107])
@req("IPC.PATH.UNLINK.1")
def test_close_removes_the_socket_file(impl, sock_dir, nbytes):
    path = path_of(sock_dir, nbytes)
    srv = impl.net.createServer()
    srv.listen(path)
    srv.wait("listening")
    assert stat.S_ISSOCK(os.stat(path).st_mode)
    srv.close()
    srv.wait("close")
    assert not os.path.lexists(path), "close() must remove the socket file"
    assert os.listdir(sock_dir) == []
    srv.listen(path)                                  # at once, on the same path
    srv.wait("listening")
    with peer.connect_unix(path):
        srv.wait("connection")


@req("IPC.PATH.UNLINK.1")
def test_close_with_a_connection_open_removes_the_file_when_closed(impl, sock_dir):
    path = os.path.join(sock_dir, "busy.sock")
    srv = impl.net.createServer()
    srv.listen(path)
    srv.wait("listening")
    with peer.connect_unix(path):
        conn = srv.wait("connection").args[0]
        srv.close()
        conn.destroy()
        srv.wait("close")
    assert not os.path.lexists(path)


@req("IPC.PATH.PERSIST.1")
def test_a_process_that_exits_while_listening_leaves_the_file(start_impl, sock_dir):
    path = os.path.join(sock_dir, "orphan.sock")
    other = start_impl()
    srv = other.net.createServer()
    srv.listen(path)
    srv.wait("listening")
    inode = os.stat(path).st_ino
    assert other.close() == 0                       # the process ends; no server.close()
    assert stat.S_ISSOCK(os.stat(path).st_mode), "the socket file outlives its process"
    assert os.stat(path).st_ino == inode
    with pytest.raises(ConnectionRefusedError):     # nobody behind it any more
        peer.connect_unix(path).close()


@req("IPC.PATH.STALE.1", "IPC.PATH.PERSIST.1")
def test_a_file_left_by_an_exited_process_blocks_listen(impl, start_impl, sock_dir):
    path = os.path.join(sock_dir, "left.sock")
    other = start_impl()
    first = other.net.createServer()
    first.listen(path)
    first.wait("listening")
    other.close()
    srv, err = fail_to_listen(impl, path)
    assert (err.code, err.syscall, err.address) == ("EADDRINUSE", "listen", path)
    assert os.path.exists(path)


@req("IPC.PATH.STALE.1")
def test_a_stale_socket_file_blocks_listen_until_unlinked(impl, sock_dir):
    path = os.path.join(sock_dir, "stale.sock")
    peer.unix_listener(path).close()                # a socket file nobody serves
    inode = os.stat(path).st_ino
    srv, err = fail_to_listen(impl, path)
    assert (err.code, err.syscall, err.address) == ("EADDRINUSE", "listen", path)
    assert srv.get("listening") is False
    assert os.stat(path).st_ino == inode, "the failed listen leaves the file where it was"
    os.unlink(path)
    srv.listen(path)
    srv.wait("listening")
    with peer.connect_unix(path):
        srv.wait("connection")


@req("IPC.PATH.EXISTING.1")
def test_a_regular_file_at_the_path_blocks_listen(impl, sock_dir):
    path = os.path.join(sock_dir, "regular")
    with open(path, "wb") as fh:
        fh.write(b"keep me")
    _, err = fail_to_listen(impl, path)
    assert (err.code, err.syscall, err.address) == ("EADDRINUSE", "listen", path)
    assert stat.S_ISREG(os.stat(path).st_mode)
    with open(path, "rb") as fh:
        assert fh.read() == b"keep me", "the file must be untouched"


@req("IPC.PATH.EXISTING.1")
def test_a_directory_at_the_path_blocks_listen(impl, sock_dir):
    path = os.path.join(sock_dir, "adir")
    os.mkdir(path)
    open(os.path.join(path, "inside"), "w").close()
    _, err = fail_to_listen(impl, path)
    assert (err.code, err.syscall, err.address) == ("EADDRINUSE", "listen", path)
    assert os.listdir(path) == ["inside"], "the directory must be untouched"


@req("IPC.PATH.EXISTING.1")
def test_a_live_foreign_socket_at_the_path_blocks_listen(impl, sock_dir):
    path = os.path.join(sock_dir, "live.sock")
    with peer.unix_listener(path) as holder:
        _, err = fail_to_listen(impl, path)
        assert (err.code, err.syscall) == ("EADDRINUSE", "listen")
        with peer.connect_unix(path):                # still the holder's
            holder.settimeout(5)
            holder.accept()[0].close()
