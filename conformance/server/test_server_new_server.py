"""new net.Server([options][, connectionListener]), net.Server() and createServer():
the state of a new server, which arguments become the connection listener, bad options."""
import pytest

from netspec_harness import UNDEFINED, Threw, peer, req


def listen_local(srv):
    srv.listen(0, "127.0.0.1")
    srv.wait("listening")
    return srv.address()["port"]


@req("SERVER.NEW.1")
def test_a_new_server_is_idle(impl):
    srv = impl.new("Server")
    assert srv.get("listening") is False
    assert srv.address() is None
    assert srv.get("maxConnections") is UNDEFINED
    srv.get("listening")                         # a round trip after the constructor's turn
    assert srv.names() == [], "nothing is emitted until the program acts"


@req("SERVER.NEW.2", "SERVER.EVENT.CONNECTION.6")
def test_a_function_first_is_the_connection_listener(impl):
    listener = impl.callback("connection")
    srv = impl.new("Server", listener)
    port = listen_local(srv)
    with peer.connect_tcp("127.0.0.1", port) as one, peer.connect_tcp("127.0.0.1", port) as two:
        sockets = [srv.wait("connection").args[0], srv.wait("connection").args[0]]
        calls = [listener.wait(), listener.wait()]
        assert [c.args for c in calls] == [[s] for s in sockets], "the listener gets each accepted socket"
        ports = sorted(s.get("remotePort") for s in sockets)
        assert ports == sorted([one.getsockname()[1], two.getsockname()[1]])


@req("SERVER.NEW.3")
@pytest.mark.parametrize("options", [{}, None, UNDEFINED], ids=["object", "null", "undefined"])
def test_a_function_after_options_is_the_connection_listener(impl, options):
    listener = impl.callback("connection")
    srv = impl.new("Server", options, listener)
    port = listen_local(srv)
    with peer.connect_tcp("127.0.0.1", port):
        sock = srv.wait("connection").args[0]
        assert listener.wait().args == [sock]
    srv.get("listening")
    assert len(listener.calls()) == 1


@req("SERVER.NEW.4")
@pytest.mark.parametrize("options", [5, "x", True], ids=["number", "string", "boolean"])
def test_options_of_another_type_throw_a_type_error(impl, options):
    with pytest.raises(Threw) as caught:
        impl.new("Server", options)
    err = caught.value.error
    assert (err.name, err.message) == ("TypeError", "options must be an object")


@req("SERVER.NEW.5")
@pytest.mark.parametrize("args", [[{}, "x"], [UNDEFINED, 5]], ids=["object-string", "undefined-number"])
def test_a_second_argument_that_is_no_function_is_ignored(impl, args):
    srv = impl.new("Server", *args)              # must not throw
    port = listen_local(srv)
    with peer.connect_tcp("127.0.0.1", port) as client:
        conn = srv.wait("connection").args[0]
        conn.write("still here")                 # the server works: nothing broke at 'connection'
        assert peer.recv_exactly(client, 10) == b"still here"
    assert srv.names() == ["listening", "connection"]


@req("SERVER.NEW.6")
def test_calling_the_class_without_new_makes_a_server(impl):
    srv = impl.net.Server()
    assert srv.get("listening") is False and srv.address() is None
    port = listen_local(srv)
    with peer.connect_tcp("127.0.0.1", port):
        srv.wait("connection")


FACTORIES = {
    "new": lambda impl, *args: impl.new("Server", *args),
    "createServer": lambda impl, *args: impl.net.createServer(*args),
}


@req("SERVER.NEW.7", "SERVER.NEW.3")
@pytest.mark.parametrize("factory", sorted(FACTORIES))
def test_allow_half_open_keeps_the_servers_side_open(impl, factory):
    listener = impl.callback("connection")
    srv = FACTORIES[factory](impl, {"allowHalfOpen": True}, listener)
    port = listen_local(srv)
    with peer.connect_tcp("127.0.0.1", port) as client:
        conn = listener.wait().args[0]
        peer.half_close(client)
        conn.wait("end")
        conn.write("after your end")             # our side is still open for writing
        assert peer.recv_exactly(client, 14) == b"after your end"
        conn.end()
        assert peer.recv_until_eof(client) == b""
    assert "error" not in conn.names()


@req("SERVER.NEW.7")
@pytest.mark.parametrize("factory", sorted(FACTORIES))
def test_without_allow_half_open_the_server_ends_when_the_peer_does(impl, factory):
    listener = impl.callback("connection")
    srv = FACTORIES[factory](impl, {}, listener)
    port = listen_local(srv)
    with peer.connect_tcp("127.0.0.1", port) as client:
        conn = listener.wait().args[0]
        peer.half_close(client)
        assert peer.recv_until_eof(client) == b"", "the server's side ends by itself"
        conn.wait("close")
    assert conn.names()[0] == "end"


@req("SERVER.NEW.7")
@pytest.mark.parametrize("factory", sorted(FACTORIES))
def test_pause_on_connect_hands_over_a_paused_socket(impl, factory):
    listener = impl.callback("connection")
    srv = FACTORIES[factory](impl, {"pauseOnConnect": True}, listener)
    port = listen_local(srv)
    with peer.connect_tcp("127.0.0.1", port) as client:
        conn = listener.wait().args[0]
        client.sendall(b"early")
        conn.get("readable")                     # a round trip after the bytes are in its receive queue
        assert conn.events("data") == [], "a paused socket reads nothing"
        conn.resume()
        assert conn.wait_received(5) == b"early"
