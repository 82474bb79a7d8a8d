"""server.close([callback]): the event, the callback, and closing what is not running."""

import pytest

from netspec_harness import UNDEFINED, NetError, peer, req
from _server_util import listening_server


@req("SERVER.CLOSE.EVENT.1", "SERVER.CLOSE.CALLBACK.1", "SERVER.CLOSE.RETURNS.1")
def test_close_emits_close_then_calls_back_without_error(impl):
    srv = listening_server(impl)
    port = srv.address()["port"]
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
    srv = listening_server(impl)
    first, second = impl.callback("first"), impl.callback("second")
    srv.close(first)
    srv.close(second)
    assert isinstance(second.wait().args[0], NetError)
    assert all(a is None or a is UNDEFINED for a in first.wait().args)


@pytest.mark.parametrize("state", ["already-closed", "failed-to-listen"])
@req("SERVER.CLOSE.NOT_RUNNING.1")
def test_close_when_not_listening_passes_not_running_to_the_callback(impl, state):
    if state == "already-closed":
        srv = listening_server(impl)
        srv.close()
        srv.wait("close")
    else:
        holder = peer.tcp_listener("127.0.0.1")
        srv = impl.net.createServer()
        srv.listen(holder.getsockname()[1], "127.0.0.1")
        assert srv.wait("error").args[0].code == "EADDRINUSE"
        holder.close()
    cb = impl.callback("close")
    assert srv.close(cb) is srv
    srv.wait("close")
    (err,) = cb.wait().args
    assert isinstance(err, NetError)
    assert (err.name, err.message, err.code) == ("Error", "Not running", UNDEFINED)


@req("SERVER.CLOSE.KEEPS_CONNECTIONS.1", "SERVER.CLOSE.EVENT.1")
def test_close_waits_for_open_connections(impl):
    srv = listening_server(impl)
    port = srv.address()["port"]
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


@req("SERVER.CLOSE.STOPS_ACCEPTING.1", "SERVER.CLOSE.KEEPS_CONNECTIONS.1")
def test_no_connection_is_taken_once_close_returned(impl):
    srv = listening_server(impl)
    port = srv.address()["port"]
    first = peer.connect_tcp("127.0.0.1", port)
    conn = srv.wait("connection").args[0]
    assert srv.close() is srv
    with pytest.raises(ConnectionRefusedError):      # refused straight after close() returned
        peer.connect_tcp("127.0.0.1", port).close()
    first.sendall(b"still")                           # the accepted connection stays usable
    assert conn.wait_received(5) == b"still"
    conn.write("yes")
    assert peer.recv_exactly(first, 3) == b"yes"
    assert srv.names() == ["listening", "connection"], "no 'connection' and no 'close' yet"
    conn.destroy()
    srv.wait("close")
    first.close()
    assert srv.names() == ["listening", "connection", "close"]


@req("SERVER.CLOSE.EVENT.2", "SERVER.CLOSE.CALLBACK.1")
def test_close_listeners_get_no_arguments(impl):
    srv = listening_server(impl)
    cb = impl.callback("close")
    srv.close(cb)
    assert srv.wait("close").args == []
    assert cb.wait().args == []


@req("SERVER.CLOSE.EVENT.3", "SERVER.CLOSE.KEEPS_CONNECTIONS.1", "SERVER.CLOSE.CALLBACK.1")
@pytest.mark.parametrize("ender", ["peer", "program"])
def test_close_comes_after_the_last_connection_ends_before_its_socket_closes(impl, ender):
    srv = listening_server(impl)
    port = srv.address()["port"]
    client = peer.connect_tcp("127.0.0.1", port)
    conn = srv.wait("connection").args[0]
    cb = impl.callback("close")
    srv.close(cb)
    conn.get("readable")                              # a round trip: nothing closes yet
    assert "close" not in srv.names()
    if ender == "peer":
        client.close()                                # the peer ends the last connection
        end = conn.wait("end")
    else:
        conn.destroy()
    server_closed = srv.wait("close")
    called = cb.wait()
    socket_closed = conn.wait("close")
    if ender == "peer":
        assert end.seq < server_closed.seq
    assert server_closed.seq < called.seq
    assert server_closed.seq < socket_closed.seq, "the server's 'close' precedes the socket's own"
    assert all(a is None or a is UNDEFINED for a in called.args)
    client.close()


@req("SERVER.CLOSE.CALLBACK.2", "SERVER.CLOSE.RETURNS.1")
@pytest.mark.parametrize("arg", ["x", 5, {"not": "a function"}], ids=["string", "number", "object"])
def test_a_close_argument_that_is_no_function_is_ignored(impl, arg):
    srv = listening_server(impl)
    port = srv.address()["port"]
    assert srv.close(arg) is srv
    assert srv.wait("close").args == []
    with pytest.raises(ConnectionRefusedError):
        peer.connect_tcp("127.0.0.1", port).close()
    assert srv.get("listening") is False
    assert srv.names() == ["listening", "close"]
