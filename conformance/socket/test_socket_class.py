"""net.Socket as a class: a duplex stream and an event emitter; a fresh socket
(with or without options) is unconnected and silent; the object a server hands
to 'connection' is an already connected socket."""
import pytest

from netspec_harness import peer, req
from netspec_harness.values import Opaque

from _socket_util import TRANSPORTS, pair, settle

STREAM_METHODS = ("pipe", "read", "write", "end", "isPaused", "pause", "resume", "setEncoding",
                  "on", "once", "emit", "removeListener", "listenerCount")


def methods(sock):
    return {m: sock.get(m) for m in STREAM_METHODS}


def all_functions(found):
    return {m: isinstance(v, Opaque) and v.type_name == "Function" for m, v in found.items()}


@req("SOCKET.CLASS.STREAM.1")
def test_a_socket_is_a_duplex_stream_and_an_event_emitter(impl):
    sock = impl.new("Socket")
    assert all_functions(methods(sock)) == {m: True for m in STREAM_METHODS}
    assert sock.isPaused() is False
    assert sock.listenerCount("close") >= 1, "the shim listens to every event"


@pytest.mark.parametrize("args", [[], [{}]], ids=["no-options", "empty-options"])
@req("SOCKET.NEW.STATE.1", "SOCKET.NEW.NO_OPTIONS.1", "SOCKET.NEW.SILENT.1", "SOCKET.CONNECTING.1",
     "SOCKET.DESTROYED.1")
def test_a_fresh_socket_is_unconnected_and_silent(impl, args):
    sock = impl.new("Socket", *args)
    state = {p: sock.get(p) for p in ("connecting", "destroyed", "readable", "writable")}
    assert state == {"connecting": False, "destroyed": False, "readable": False, "writable": False}, \
        "a fresh socket: %r" % state
    settle(impl)
    assert sock.names() == [], "constructing a socket emits nothing"
    with peer.tcp_listener("127.0.0.1") as lst:
        sock.connect(lst.getsockname()[1], "127.0.0.1")
        sock.wait("connect")
        with peer.accept(lst) as conn:
            peer.half_close(conn)
            sock.wait("end")
            assert peer.recv_until_eof(conn) == b"", "allowHalfOpen is false, as with new Socket({})"
            sock.wait("close")


@pytest.mark.parametrize("transport", TRANSPORTS)
@req("SOCKET.CLASS.ACCEPTED.1")
def test_the_connection_argument_is_a_connected_socket(impl, sock_dir, transport):
    sock, conn = pair(impl, "accepted", transport, sock_dir)
    with conn:
        assert all_functions(methods(sock)) == {m: True for m in STREAM_METHODS}
        state = {p: sock.get(p) for p in ("connecting", "readable", "writable", "destroyed")}
        assert state == {"connecting": False, "readable": True, "writable": True, "destroyed": False}
        if transport == "tcp":
            assert sock.get("remoteAddress") == "127.0.0.1"
            assert sock.get("remotePort") == conn.getsockname()[1]
        sock.write(b"hello")
        assert peer.recv_exactly(conn, 5) == b"hello"
    assert "connect" not in sock.names(), "an accepted socket emits no 'connect'"
