"""The connectListener of net.connect() / net.createConnection(): when it runs,
with what, how often, and which argument it is taken from."""

import pytest

from netspec_harness import peer, req


@pytest.mark.parametrize("factory", ["connect", "createConnection"])
@req("NET.CREATECONNECTION.LISTENER.1")
def test_listener_runs_once_connected_with_no_arguments(impl, factory):
    with peer.tcp_listener("127.0.0.1") as lst:
        cb = impl.callback("connect")
        sock = impl.net.call(factory, lst.getsockname()[1], "127.0.0.1", cb)
        returned_at = impl.last_response_seq
        call = cb.wait()
        connect = sock.wait("connect")
        peer.accept(lst).close()
    assert call.args == []
    assert returned_at < call.seq
    # The shim subscribes when the factory returns, so a listener registered
    # during the call runs ahead of it.
    assert call.seq < connect.seq, "the listener must run ahead of listeners added after the call"
    assert len(cb.calls()) == 1


@req("NET.CREATECONNECTION.LISTENER.1")
def test_listener_with_options_form(impl):
    with peer.tcp_listener("127.0.0.1") as lst:
        cb = impl.callback("connect")
        sock = impl.net.createConnection({"port": lst.getsockname()[1], "host": "127.0.0.1"}, cb)
        assert cb.wait().args == []
        sock.wait("connect")
        peer.accept(lst).close()


@req("NET.CREATECONNECTION.LISTENER.1", "NET.CREATECONNECTION.ERROR.ASYNC.1")
def test_listener_is_never_called_when_the_connection_fails(impl):
    cb = impl.callback("connect")
    sock = impl.net.createConnection(peer.closed_port(), "127.0.0.1", cb)
    sock.wait("error")
    sock.wait("close")
    sock.get("destroyed")                  # a round trip after 'close'
    assert cb.calls() == []
    assert "connect" not in sock.names()


@req("NET.CREATECONNECTION.LISTENER.ONCE.1")
def test_listener_is_not_called_for_a_second_connect(impl):
    with peer.tcp_listener("127.0.0.1") as lst:
        port = lst.getsockname()[1]
        cb = impl.callback("connect")
        sock = impl.net.createConnection(port, "127.0.0.1", cb)
        cb.wait()
        sock.wait("connect")
        peer.accept(lst).close()
        sock.destroy()
        sock.wait("close")
        sock.connect(port, "127.0.0.1")          # the same socket, connected again
        sock.wait("connect")
        peer.accept(lst).close()
        sock.get("connecting")                   # a round trip after the second 'connect'
    assert len(sock.events("connect")) == 2
    assert len(cb.calls()) == 1, "a one-time listener runs for the first 'connect' only"


@pytest.mark.parametrize("last", [5, "x", None, {}], ids=["number", "string", "null", "object"])
@req("NET.CREATECONNECTION.LISTENER.LAST.1")
def test_a_last_argument_that_is_no_function_is_ignored(impl, last):
    with peer.tcp_listener("127.0.0.1") as lst:
        port = lst.getsockname()[1]
        first = impl.net.createConnection(port, "127.0.0.1", last)
        second = impl.net.createConnection({"port": port, "host": "127.0.0.1"}, last)
        first.wait("connect")
        second.wait("connect")
        peer.accept(lst).close()
        peer.accept(lst).close()
    assert "error" not in first.names() + second.names()


@req("NET.CREATECONNECTION.LISTENER.LAST.1")
def test_a_function_followed_by_more_arguments_is_not_the_listener(impl):
    with peer.tcp_listener("127.0.0.1") as lst:
        cb = impl.callback("not-last")
        sock = impl.net.createConnection(lst.getsockname()[1], "127.0.0.1", cb, 7)
        sock.wait("connect")
        peer.accept(lst).close()
        sock.get("connecting")                   # a round trip after 'connect'
    assert cb.calls() == [], "only the last argument can be the connectListener"
