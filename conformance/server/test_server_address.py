"""server.address() and server.listening in the states around listen() and close()."""
import os

from netspec_harness import needs, peer, req


@needs("pipe")
@req("SERVER.ADDRESS.PIPE.2", "SERVER.ADDRESS.PIPE.1")
def test_a_path_server_reports_its_path_in_every_state(impl, sock_dir):
    path = os.path.join(sock_dir, "state.sock")
    srv = impl.net.createServer()
    assert srv.address() is None
    srv.listen(path)
    assert srv.address() == path                       # straight after listen() returned
    srv.wait("listening")
    assert srv.address() == path
    srv.close()
    assert srv.address() == path                       # after close() ...
    srv.wait("close")
    assert srv.address() == path                       # ... and after 'close'


@needs("pipe")
@req("SERVER.ADDRESS.PIPE.2", "SERVER.LISTEN.EADDRINUSE.3")
def test_a_path_server_reports_its_path_after_a_failed_listen(impl, sock_dir):
    path = os.path.join(sock_dir, "taken.sock")
    with peer.unix_listener(path):
        srv = impl.net.createServer()
        srv.listen(path)
        assert srv.wait("error").args[0].code == "EADDRINUSE"
    assert srv.get("listening") is False
    assert srv.address() == path


@needs("pipe")
@req("SERVER.ADDRESS.PIPE.2", "SERVER.CLASS.2")
def test_a_later_listen_replaces_the_reported_path(impl, sock_dir):
    first, second = os.path.join(sock_dir, "one.sock"), os.path.join(sock_dir, "two.sock")
    srv = impl.net.createServer()
    srv.listen(first)
    srv.wait("listening")
    srv.close()
    srv.wait("close")
    srv.listen(second)
    srv.wait("listening")
    assert srv.address() == second
    srv.close()
    srv.wait("close")
    srv.listen(0, "127.0.0.1")
    srv.wait("listening")
    addr = srv.address()
    assert isinstance(addr, dict) and addr["address"] == "127.0.0.1"


@needs("pipe")
@req("SERVER.LISTENING.2")
def test_a_path_server_is_listening_until_close(impl, sock_dir):
    path = os.path.join(sock_dir, "l.sock")
    srv = impl.net.createServer()
    assert srv.get("listening") is False
    srv.listen(path)
    srv.wait("listening")
    assert srv.get("listening") is True
    with peer.connect_unix(path):
        srv.wait("connection")
    srv.close()
    assert srv.get("listening") is False              # as soon as close() returned
    srv.wait("close")
    assert srv.get("listening") is False
