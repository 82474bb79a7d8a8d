"""new net.Socket({ fd }): taking over a connected socket the shim inherited
from the test (same descriptor number); the readable/writable options, which
matter only with fd."""
import pytest

from netspec_harness import peer, req

from _socket_util import settle


@pytest.fixture
def inherited(start_impl):
    """(shim, descriptor number, the peer's end): a connected TCP socket of the
    test, inherited by a new shim; the test's own copy is closed, so the shim's
    is the only one."""
    lst = peer.tcp_listener("127.0.0.1")
    mine = peer.connect_tcp("127.0.0.1", lst.getsockname()[1])
    other = peer.accept(lst)
    lst.close()
    impl = start_impl(pass_fds=[mine.fileno()])
    fd = mine.fileno()
    ends = (mine.getsockname(), mine.getpeername())
    mine.close()
    yield impl, fd, other, ends
    other.close()


@req("SOCKET.NEW.FD.1", "SOCKET.NEW.FD.READABLE.1")
def test_a_wrapped_descriptor_is_usable_at_once(inherited):
    impl, fd, other, (local, remote) = inherited
    sock = impl.new("Socket", {"fd": fd})
    assert (sock.get("readable"), sock.get("writable"), sock.get("connecting")) == (True, True, False)
    assert (sock.get("localAddress"), sock.get("localPort")) == local
    assert (sock.get("remoteAddress"), sock.get("remotePort"), sock.get("remoteFamily")) == remote + ("IPv4",)
    other.sendall(b"to the wrapped socket")
    assert sock.wait_received(21) == b"to the wrapped socket"
    assert sock.write(b"from it") is True
    assert peer.recv_exactly(other, 7) == b"from it"
    peer.half_close(other)
    sock.wait("end")
    assert peer.recv_until_eof(other) == b""
    close = sock.wait("close")
    assert close.args == [False]
    assert [n for n in sock.names() if n != "data"] == ["end", "close"], "no 'connect' for a wrapped descriptor"


@req("SOCKET.NEW.FD.READABLE.1")
def test_readable_and_writable_false_with_a_descriptor(inherited):
    impl, fd, other, _ = inherited
    sock = impl.new("Socket", {"fd": fd, "readable": False, "writable": False})
    assert (sock.get("readable"), sock.get("writable")) == (False, False)
    settle(impl)
    assert sock.names() == []
    sock.destroy()


@req("SOCKET.NEW.FD.IGNORED.1")
def test_readable_and_writable_mean_nothing_without_a_descriptor(impl):
    sock = impl.new("Socket", {"readable": True, "writable": True})
    seen = (sock.get("readable"), sock.get("writable"))
    assert seen == (False, False), "readable, writable before connect(): %r" % (seen,)
    with peer.tcp_listener("127.0.0.1") as lst:
        sock.connect(lst.getsockname()[1], "127.0.0.1")
        sock.wait("connect")
        peer.accept(lst).close()
