"""server.listen() that succeeds: ports, hosts, the callback, 'listening'."""
import os

from netspec_harness import needs, peer, req


@req("SERVER.LISTEN.PORT.EPHEMERAL.1", "SERVER.ADDRESS.INET.1", "SERVER.EVENT.LISTENING.1")
def test_port_zero_gets_an_ephemeral_port(impl):
    srv = impl.net.createServer()
    srv.listen(0, "127.0.0.1")
    srv.wait("listening")
    addr = srv.address()
    assert addr["address"] == "127.0.0.1" and addr["family"] == "IPv4"
    assert isinstance(addr["port"], int) and 0 < addr["port"] < 65536
    with peer.connect_tcp("127.0.0.1", addr["port"]):   # the port is really ours
        srv.wait("connection")


@needs("ipv6")
@req("SERVER.LISTEN.HOST.OMITTED.1", "SERVER.LISTEN.PORT.EPHEMERAL.1")
def test_no_arguments_listens_on_the_ipv6_unspecified_address(impl):
    srv = impl.net.createServer()
    srv.listen()
    srv.wait("listening")
    addr = srv.address()
    assert (addr["address"], addr["family"]) == ("::", "IPv6")
    assert addr["port"] > 0


@needs("ipv6")
@req("SERVER.ADDRESS.INET.1")
def test_ipv6_loopback_address(impl):
    srv = impl.net.createServer()
    srv.listen(0, "::1")
    srv.wait("listening")
    addr = srv.address()
    assert (addr["address"], addr["family"]) == ("::1", "IPv6")
    with peer.connect_tcp("::1", addr["port"]):
        srv.wait("connection")


@req("SERVER.LISTEN.ASYNC.1", "SERVER.LISTEN.RETURNS.1", "SERVER.EVENT.LISTENING.1")
def test_listening_is_emitted_after_listen_returns(impl):
    srv = impl.net.createServer()
    assert srv.listen(0, "127.0.0.1") is srv
    returned_at = impl.last_response_seq
    assert srv.wait("listening").seq > returned_at


@req("SERVER.LISTEN.CALLBACK.1")
def test_callback_runs_once_listening(impl):
    srv = impl.net.createServer()
    cb = impl.callback("listen")
    srv.listen(0, "127.0.0.1", cb)
    listening = srv.wait("listening")
    call = cb.wait()
    assert call.seq > listening.seq, "the callback is a listener added after the existing ones"
    assert len(cb.calls()) == 1


@req("SERVER.LISTENING.1")
def test_listening_property_through_the_lifecycle(impl):
    srv = impl.net.createServer()
    assert srv.get("listening") is False
    srv.listen(0, "127.0.0.1")
    srv.wait("listening")
    assert srv.get("listening") is True
    srv.close()
    assert srv.get("listening") is False
    srv.wait("close")
    assert srv.get("listening") is False


@req("SERVER.LISTEN.RELISTEN.1", "SERVER.CLOSE.EVENT.1")
def test_close_then_listen_again_on_the_same_port(impl):
    srv = impl.net.createServer()
    srv.listen(0, "127.0.0.1")
    srv.wait("listening")
    port = srv.address()["port"]
    srv.close()
    srv.wait("close")
    srv.listen(port, "127.0.0.1")
    srv.wait("listening")
    assert srv.address()["port"] == port
    with peer.connect_tcp("127.0.0.1", port):
        srv.wait("connection")


@needs("pipe")
@req("SERVER.ADDRESS.PIPE.1", "SERVER.EVENT.LISTENING.1")
def test_unix_server_address_is_its_path(impl, sock_dir):
    path = os.path.join(sock_dir, "srv.sock")
    srv = impl.net.createServer()
    srv.listen(path)
    srv.wait("listening")
    assert srv.address() == path
    with peer.connect_unix(path):
        srv.wait("connection")
