"""server.close([callback]): the event, the callback, and closing what is not running."""
import socket

import pytest

from netspec_harness import UNDEFINED, NetError, peer, req


def listening_server(impl):
    srv = impl.net.createServer()
    srv.listen(0, "127.0.0.1")
    srv.wait("listening")
    return srv, srv.address()["port"]


@req("SERVER.CLOSE.EVENT.1", "SERVER.CLOSE.CALLBACK.1", "SERVER.CLOSE.RETURNS.1")
def test_close_emits_close_then_calls_back_without_error(impl):
    srv, port = listening_server(impl)
    cb = impl.callback("close")
    assert srv.close(cb) is srv
    returned_at = impl.last_response_seq
    closed = srv.wait("close")
    call = cb.wait()
    assert returned_at < closed.seq < call.seq
    assert all(a is None or a is UNDEFINED for a in call.args), "no error expected, got %r" % (call.args,)
    with pytest.raises(ConnectionRefusedError):
        peer.connect_tcp("127.0.0.1", port).close()


@req("SERVER.CLOSE.NOT_RUNNING.1")
def test_close_before_listen_passes_not_running_to_the_callback(impl):
    srv = impl.net.createServer()
    cb = impl.callback("close")
    srv.close(cb)
    srv.wait("close")
    (err,) = cb.wait().args
    assert isinstance(err, NetError)
    assert (err.name, err.message, err.code) == ("Error", "Not running", UNDEFINED)


@req("SERVER.CLOSE.NOT_RUNNING.1")
def test_close_twice_the_second_callback_gets_an_error(impl):
    srv, _ = listening_server(impl)
    first, second = impl.callback("first"), impl.callback("second")
    srv.close(first)
    srv.close(second)
    assert isinstance(second.wait().args[0], NetError)
    assert all(a is None or a is UNDEFINED for a in first.wait().args)


@req("SERVER.CLOSE.KEEPS_CONNECTIONS.1", "SERVER.CLOSE.EVENT.1")
def test_close_waits_for_open_connections(impl):
    srv, port = listening_server(impl)
    client = peer.connect_tcp("127.0.0.1", port)
    conn = srv.wait("connection").args[0]
    srv.close()
    with pytest.raises(ConnectionRefusedError):       # no longer accepting ...
        peer.connect_tcp("127.0.0.1", port).close()
    assert conn.get("remotePort") == client.getsockname()[1]   # ... but the old one lives
    assert "close" not in srv.names(), "'close' must wait for the open connection"
    conn.destroy()
    srv.wait("close")
    client.settimeout(5)
    assert client.recv(16) == b"", "the peer sees the connection end"
    client.close()


@req("SERVER.ADDRESS.NOT_LISTENING.1")
def test_address_is_null_before_listen_and_after_close(impl):
    srv = impl.net.createServer()
    assert srv.address() is None
    srv.listen(0, "127.0.0.1")
    srv.wait("listening")
    srv.close()
    assert srv.address() is None
    srv.wait("close")
    assert srv.address() is None
