"""Errors that end a connection: a reset by the peer (ECONNRESET, no 'end') and
a refused connection (its fields, errno, message), each an 'error' with one
Error argument followed directly by 'close' with hadError true."""

import pytest

from netspec_harness import UNDEFINED, NetError, needs, peer, req

from _socket_util import KINDS, pair, settle


def error_then_close(impl, sock):
    error = sock.wait("error")
    close = sock.wait("close")
    settle(impl)
    names = sock.names()
    i = names.index("error")
    assert names[i:] == ["error", "close"], "'error', then 'close' with nothing in between: %r" % names
    assert close.args == [True]
    assert len(error.args) == 1 and isinstance(error.args[0], NetError), "one argument, an Error"
    return error.args[0]


@pytest.mark.parametrize("kind", KINDS)
@req("SOCKET.ECONNRESET.1", "SOCKET.EVENT.END.NOT_ON_ERROR.1", "SOCKET.EVENT.ERROR.CLOSE.1",
     "SOCKET.EVENT.CLOSE.HAD_ERROR.2", "SOCKET.ERROR.ERRNO.1", "SOCKET.EVENT.ERROR.1", "SOCKET.BYTESREAD.FINAL.1",
     "SOCKET.BYTESWRITTEN.FINAL.1", "SOCKET.DESTROYED.2")
def test_a_reset_by_the_peer_is_econnreset_then_close(impl, sock_dir, kind):
    sock, conn = pair(impl, kind, "tcp", sock_dir)
    conn.sendall(b"data")
    assert sock.wait_received(4) == b"data"
    sock.write(b"sent")
    assert peer.recv_exactly(conn, 4) == b"sent"
    peer.reset(conn)
    impl.note("peer: reset (RST)")
    err = error_then_close(impl, sock)
    assert (err.name, err.code, err.syscall) == ("Error", "ECONNRESET", "read")
    assert err.errno == err.code, "errno %r, not the code %r" % (err.errno, err.code)
    assert err.message == "read ECONNRESET"
    assert not err.has("address") and not err.has("port")
    assert "end" not in sock.names(), "a reset is no orderly end: no 'end'"
    assert sock.get("destroyed") is True
    assert (sock.get("bytesRead"), sock.get("bytesWritten")) == (4, 4), "the counters keep their final values"


@pytest.mark.parametrize("family", ["ipv4", pytest.param("ipv6", marks=needs("ipv6"))])
@req("SOCKET.ERROR.FIELDS.CONNECT.1", "SOCKET.ERROR.ERRNO.1", "SOCKET.ERROR.MESSAGE.CONNECT.1",
     "SOCKET.CONNECT.FAIL.1", "SOCKET.CONNECT.FAIL.ONCE.1", "SOCKET.EVENT.ERROR.CLOSE.1", "SOCKET.EVENT.ERROR.1")
def test_a_refused_connection_reports_where_it_tried(impl, family):
    host = peer.LOOPBACK[family]
    port = peer.closed_port(host)
    sock = impl.new("Socket")
    sock.connect(port, host)
    err = error_then_close(impl, sock)
    assert (err.name, err.code, err.syscall, err.address, err.port) == \
        ("Error", "ECONNREFUSED", "connect", host, port)
    assert err.errno == err.code, "errno %r, not the code %r" % (err.errno, err.code)
    assert err.message == "connect ECONNREFUSED %s:%d" % (host, port)
    assert sock.names() == ["error", "close"]
    assert sock.get("remoteAddress") is UNDEFINED
