"""socket.setKeepAlive([enable][, initialDelay]) and socket.setNoDelay([noDelay]):
the options the system socket ends up with, calls before connecting, and what
the calls return.

The options are read with getsockopt on the test's own copy of the
implementation's socket, which shares them: either the test hands a connected
socket to the shim as an inherited descriptor (new net.Socket({ fd })) and
keeps its copy, or, for a socket the implementation connected itself, the test
takes a copy of its descriptor (pidfd_getfd).
"""
import socket

import pytest

from netspec_harness import peer, req

from _socket_util import impl_socket_copy, settle, tcp_client


@pytest.fixture
def wrapped(start_impl):
    """(shim, net.Socket wrapping a connected socket of the test, the test's
    copy of that socket, the peer's end)."""
    lst = peer.tcp_listener("127.0.0.1")
    mine = peer.connect_tcp("127.0.0.1", lst.getsockname()[1])
    other = peer.accept(lst)
    lst.close()
    impl = start_impl(pass_fds=[mine.fileno()])
    sock = impl.new("Socket", {"fd": mine.fileno()})
    yield impl, sock, mine, other
    mine.close()
    other.close()


def opt(sock, level, name):
    return sock.getsockopt(level, name)


@req("SOCKET.SET_KEEPALIVE.1", "SOCKET.SET_KEEPALIVE.RETURNS.1")
def test_set_keep_alive_switches_so_keepalive(wrapped):
    impl, sock, mine, _ = wrapped
    assert opt(mine, socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 0
    assert sock.setKeepAlive(True) is sock
    assert opt(mine, socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
    assert sock.setKeepAlive(False) is sock
    assert opt(mine, socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 0
    sock.setKeepAlive(True)
    assert sock.setKeepAlive() is sock
    assert opt(mine, socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 0, "enable defaults to false"


@req("SOCKET.SET_KEEPALIVE.DELAY.1")
def test_the_initial_delay_is_set_in_whole_seconds_and_zero_keeps_it(wrapped):
    impl, sock, mine, _ = wrapped
    system = opt(mine, socket.IPPROTO_TCP, socket.TCP_KEEPIDLE)
    steps = [((True,), system), ((True, 5000), 5), ((True,), 5), ((True, 7000), 7), ((True, 0), 7),
             ((True, 500), 7), ((True, 2999), 2)]
    seen = []
    for args, _ in steps:
        sock.setKeepAlive(*args)
        seen.append(opt(mine, socket.IPPROTO_TCP, socket.TCP_KEEPIDLE))
    assert seen == [want for _, want in steps], \
        "TCP_KEEPIDLE after %r: %r" % ([a for a, _ in steps], seen)
    assert opt(mine, socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1


@req("SOCKET.SET_NODELAY.1", "SOCKET.SET_NODELAY.RETURNS.1")
def test_set_no_delay_switches_tcp_nodelay(wrapped):
    impl, sock, mine, _ = wrapped
    assert opt(mine, socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
    assert sock.setNoDelay() is sock
    assert opt(mine, socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1, "noDelay defaults to true"
    assert sock.setNoDelay(False) is sock
    assert opt(mine, socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
    assert sock.setNoDelay(True) is sock
    assert opt(mine, socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1


@req("SOCKET.SET_KEEPALIVE.DEFERRED.1", "SOCKET.SET_NODELAY.DEFERRED.1", "SOCKET.SET_KEEPALIVE.RETURNS.1",
     "SOCKET.SET_NODELAY.RETURNS.1")
def test_options_set_before_connecting_apply_once_connected(impl):
    with peer.tcp_listener("127.0.0.1") as lst:
        sock = impl.new("Socket")
        assert sock.setNoDelay(True) is sock
        assert sock.setKeepAlive(True, 3000) is sock
        sock.connect(lst.getsockname()[1], "127.0.0.1")
        sock.wait("connect")
        with peer.accept(lst) as conn:
            sock.write(b"fine")
            assert peer.recv_exactly(conn, 4) == b"fine"
            with impl_socket_copy(impl, sock.get("localPort")) as copy:
                assert opt(copy, socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
                assert opt(copy, socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
                assert opt(copy, socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == 3
    assert "error" not in sock.names()


@req("SOCKET.SET_KEEPALIVE.RETURNS.1", "SOCKET.SET_NODELAY.RETURNS.1")
def test_both_return_the_socket_after_close(impl):
    sock, conn = tcp_client(impl)
    conn.close()
    sock.wait("close")
    assert sock.setKeepAlive(True, 1000) is sock
    assert sock.setNoDelay(False) is sock
    settle(impl)
    assert "error" not in sock.names()
