"""Errors creating a socket file (listen) or reaching one (connect).

The permission tests need a shim that is subject to permission checks. When
the suite runs as root, that shim is started under `setpriv` with
CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH removed from its bounding set: it is
still uid 0, but owner/group/other bits now apply to it like to anyone else.
"""
import os
import shutil
import socket
import stat

import pytest

from netspec_harness import needs, peer, req
from _server_util import fail_to_listen

pytestmark = needs("pipe")


def unprivileged(start_impl):
    """A shim of the implementation that permission bits apply to (helper of
    this module; the harness has none)."""
    if os.geteuid() != 0:
        return start_impl()
    setpriv = shutil.which("setpriv")
    if not setpriv:
        pytest.skip("running as root and setpriv (util-linux) is missing: cannot drop CAP_DAC_OVERRIDE")
    return start_impl([setpriv, "--bounding-set=-dac_override,-dac_read_search", "--"])


def fail_to_connect(impl, path):
    sock = impl.net.createConnection(path)
    returned_at = impl.last_response_seq
    ev = sock.wait("error")
    assert ev.seq > returned_at, "'error' must come after the call returned"
    close = sock.wait("close")
    assert close.args == [True]
    assert sock.names() == ["error", "close"]
    return ev.args[0]


# ---------------------------------------------------------------- listen
@req("IPC.PATH.ENOENT.1")
def test_listen_in_a_missing_directory_is_eacces(impl, sock_dir):
    path = os.path.join(sock_dir, "nodir", "s.sock")
    srv, err = fail_to_listen(impl, path)
    assert (err.name, err.code, err.syscall, err.address, err.port) == \
        ("Error", "EACCES", "listen", path, -1)
    assert srv.get("listening") is False
    assert os.listdir(sock_dir) == []


@req("IPC.PATH.ENOENT.1")
def test_listen_in_a_missing_directory_message(impl, sock_dir):
    path = os.path.join(sock_dir, "nodir", "s.sock")
    _, err = fail_to_listen(impl, path)
    assert err.message == "listen EACCES " + path


@req("IPC.PATH.ENOENT.1")
def test_listen_in_a_missing_directory_errno(impl, sock_dir):
    _, err = fail_to_listen(impl, os.path.join(sock_dir, "nodir", "s.sock"))
    assert err.errno == "EACCES"


@req("IPC.PATH.ENOTDIR.1")
def test_listen_below_a_regular_file_is_enotdir(impl, sock_dir):
    regular = os.path.join(sock_dir, "regular")
    open(regular, "w").close()
    path = os.path.join(regular, "s.sock")
    _, err = fail_to_listen(impl, path)
    assert (err.code, err.syscall, err.address) == ("ENOTDIR", "listen", path)
    assert err.message == "listen ENOTDIR " + path
    assert stat.S_ISREG(os.stat(regular).st_mode)


@req("IPC.PATH.EACCES.1")
def test_listen_in_a_directory_without_write_permission(start_impl, sock_dir):
    shim = unprivileged(start_impl)
    ok_path = os.path.join(sock_dir, "ok.sock")       # control: where it may create files
    srv = shim.net.createServer()
    srv.listen(ok_path)
    srv.wait("listening")
    ro = os.path.join(sock_dir, "ro")
    os.mkdir(ro, 0o555)
    os.chmod(ro, 0o555)
    try:
        path = os.path.join(ro, "s.sock")
        _, err = fail_to_listen(shim, path)
        assert os.listdir(ro) == []
    finally:
        os.chmod(ro, 0o755)
    assert (err.code, err.syscall, err.address) == ("EACCES", "listen", path)


# ---------------------------------------------------------------- connect
@req("IPC.PATH.EACCES.2")
def test_connect_without_write_permission_on_the_socket_file(start_impl, sock_dir):
    shim = unprivileged(start_impl)
    path = os.path.join(sock_dir, "guarded.sock")
    with peer.unix_listener(path) as lst:
        os.chmod(path, 0o700)                          # control: writable for its owner
        ok = shim.net.createConnection(path)
        ok.wait("connect")
        peer.accept(lst).close()
        os.chmod(path, 0o500)                          # no write permission for anyone
        err = fail_to_connect(shim, path)
        lst.setblocking(False)
        with pytest.raises(BlockingIOError):           # nothing reached the listener
            lst.accept()
    assert (err.code, err.syscall, err.address) == ("EACCES", "connect", path)
    assert err.message == "connect EACCES " + path


@pytest.mark.parametrize("where", ["missing-file", "missing-directory"])
@req("IPC.CONNECT.ENOENT.1")
def test_connect_to_nothing_is_enoent(impl, sock_dir, where):
    path = os.path.join(sock_dir, "nothing.sock") if where == "missing-file" \
        else os.path.join(sock_dir, "nodir", "nothing.sock")
    err = fail_to_connect(impl, path)
    assert (err.name, err.code, err.syscall, err.address) == ("Error", "ENOENT", "connect", path)
    assert not err.has("port"), "a path error has no port, got %r" % (err.port,)
    assert err.message == "connect ENOENT " + path


@req("IPC.CONNECT.ENOENT.1")
def test_connect_to_nothing_errno(impl, sock_dir):
    err = fail_to_connect(impl, os.path.join(sock_dir, "nothing.sock"))
    assert err.errno == "ENOENT"


@pytest.mark.parametrize("what", ["stale-socket", "regular-file"])
@req("IPC.CONNECT.REFUSED.1")
def test_connect_to_a_path_nobody_serves_is_refused(impl, sock_dir, what):
    path = os.path.join(sock_dir, "dead.sock")
    if what == "stale-socket":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(path)                                   # bound, never listening, closed
        s.close()
    else:
        open(path, "w").close()
    err = fail_to_connect(impl, path)
    assert (err.code, err.syscall, err.address) == ("ECONNREFUSED", "connect", path)
    assert err.message == "connect ECONNREFUSED " + path
    assert os.path.lexists(path), "the entry is left alone"
