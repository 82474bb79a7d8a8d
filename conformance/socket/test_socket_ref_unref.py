"""socket.ref() and socket.unref(): whether a socket keeps the program running.

Observed with the protocol's `detach` op: afterwards the shim no longer holds
its process open, so the process exits by itself once nothing ref'd is left.
That it stays alive is shown by an event the peer causes after the detach
('data'), never by waiting; that it exits, by its exit within a deadline.
"""
from netspec_harness import needs, peer, req

from _socket_util import same_turn, settle, tcp_client


def exits(impl, what):
    status = impl.exited(timeout=5)
    assert status is not None, "the process did not exit: %s keeps it running" % what
    assert status == 0


def stays_alive(impl, sock, conn):
    """After detach: the peer's data still arrives (the process lives), then the
    peer ends the connection and the process exits by itself."""
    conn.sendall(b"still there?")
    assert sock.wait_received(12) == b"still there?", "the process must keep running for the socket"
    peer.half_close(conn)
    sock.wait("close")
    exits(impl, "nothing (the socket closed)")


@needs("detach")
@req("SOCKET.UNREF.1", "SOCKET.UNREF.RETURNS.1")
def test_an_unrefd_socket_lets_the_program_exit(start_impl):
    impl = start_impl()
    sock, conn = tcp_client(impl)
    with conn:
        assert sock.unref() is sock
        assert sock.unref() is sock, "unref() twice is the same as once"
        impl.detach()
        exits(impl, "an unref'd socket")
        assert peer.recv_until_eof(conn) == b"", "the connection was open until the process ended"


@needs("detach")
@req("SOCKET.REF.1", "SOCKET.REF.RETURNS.1")
def test_ref_undoes_unref(start_impl):
    impl = start_impl()
    sock, conn = tcp_client(impl)
    with conn:
        sock.unref()
        assert sock.ref() is sock
        impl.detach()
        stays_alive(impl, sock, conn)


@needs("detach")
@req("SOCKET.REF.1")
def test_a_socket_keeps_the_program_running_by_default(start_impl):
    impl = start_impl()
    sock, conn = tcp_client(impl)
    with conn:
        assert sock.ref() is sock, "ref() on a socket that is not unref'd changes nothing"
        impl.detach()
        stays_alive(impl, sock, conn)


@needs("detach")
@req("SOCKET.REF.NOT_COUNTED.1")
def test_one_ref_undoes_several_unrefs(start_impl):
    impl = start_impl()
    sock, conn = tcp_client(impl)
    with conn:
        sock.unref()
        sock.unref()
        sock.unref()
        sock.ref()
        impl.detach()
        stays_alive(impl, sock, conn)


@needs("detach")
@req("SOCKET.REF.NOT_COUNTED.1", "SOCKET.REF.RETURNS.1", "SOCKET.UNREF.RETURNS.1")
def test_unref_then_ref_before_connecting(start_impl):
    impl = start_impl()
    with peer.tcp_listener("127.0.0.1") as lst:
        sock = impl.new("Socket")
        assert sock.unref() is sock
        assert sock.ref() is sock
        sock.connect(lst.getsockname()[1], "127.0.0.1")
        sock.wait("connect")
        with peer.accept(lst) as conn:
            impl.detach()
            stays_alive(impl, sock, conn)


@needs("detach")
@req("SOCKET.UNREF.BEFORE_CONNECT.1")
def test_unref_before_connect_applies_to_the_connection(start_impl):
    impl = start_impl()
    with peer.tcp_listener("127.0.0.1") as lst:
        sock = impl.new("Socket")
        sock.unref()
        sock.connect(lst.getsockname()[1], "127.0.0.1")
        sock.wait("connect")
        with peer.accept(lst) as conn:
            impl.detach()
            exits(impl, "a socket unref'd before connect()")
            assert peer.recv_until_eof(conn) == b""


@needs("detach")
@req("SOCKET.UNREF.BEFORE_CONNECT.1")
def test_unref_while_connecting_applies_to_the_connection(start_impl):
    impl = start_impl()
    with peer.tcp_listener("127.0.0.1") as lst:
        sock = impl.new("Socket")
        # unref() in the same turn of the shim's loop as connect(): certainly while connecting
        same_turn(impl, (sock, "connect", lst.getsockname()[1], "127.0.0.1"), (sock, "unref"))
        sock.wait("connect")
        with peer.accept(lst) as conn:
            impl.detach()
            exits(impl, "a socket unref'd while connecting")
            assert peer.recv_until_eof(conn) == b""


@req("SOCKET.UNREF.NO_IO_EFFECT.1", "SOCKET.UNREF.RETURNS.1", "SOCKET.REF.RETURNS.1")
def test_an_unrefd_socket_works_as_usual(impl):
    with peer.tcp_listener("127.0.0.1") as lst:
        sock = impl.new("Socket")
        sock.unref()
        sock.connect(lst.getsockname()[1], "127.0.0.1")
        sock.wait("connect")
        with peer.accept(lst) as conn:
            sock.write(b"out")
            assert peer.recv_exactly(conn, 3) == b"out"
            conn.sendall(b"in")
            assert sock.wait_received(2) == b"in"
            peer.half_close(conn)
            sock.wait("end")
            assert peer.recv_until_eof(conn) == b""
            close = sock.wait("close")
    assert close.args == [False]
    assert sock.unref() is sock and sock.ref() is sock, "after close too"
    settle(impl)
    assert [n for n in sock.names() if n != "data"] == ["connect", "end", "close"]
