"""server.listen(options[, callback]): port, host, path, exclusive, and options that name nothing."""
import os

import pytest

from netspec_harness import UNDEFINED, Threw, needs, peer, req
from _server_util import listening


@req("SERVER.LISTEN.OPTIONS.PORT.1", "SERVER.LISTEN.CALLBACK.1")
def test_port_and_host_options_listen_like_the_port_form(impl):
    srv = impl.net.createServer()
    cb = impl.callback("listen")
    addr = listening(srv, {"port": 0, "host": "127.0.0.1"}, cb)
    port = addr["port"]
    assert (addr["address"], addr["family"]) == ("127.0.0.1", "IPv4") and port > 0
    assert cb.wait().args == []
    srv.close()
    srv.wait("close")
    # the same port given as an option is listened on exactly
    assert listening(srv, {"port": port, "host": "127.0.0.1"}) == addr
    with peer.connect_tcp("127.0.0.1", port):
        srv.wait("connection")


@needs("ipv6")
@req("SERVER.LISTEN.OPTIONS.PORT.1", "SERVER.LISTEN.HOST.OMITTED.1")
def test_a_port_option_without_host_listens_on_the_ipv6_wildcard(impl):
    srv = impl.net.createServer()
    addr = listening(srv, {"port": 0})
    assert (addr["address"], addr["family"]) == ("::", "IPv6")
    with peer.connect_tcp("::1", addr["port"]):
        srv.wait("connection")


@needs("pipe")
@req("SERVER.LISTEN.OPTIONS.PATH.1", "SERVER.ADDRESS.PIPE.1")
def test_a_path_option_listens_on_the_path(impl, sock_dir):
    path = os.path.join(sock_dir, "opt.sock")
    srv = impl.net.createServer()
    cb = impl.callback("listen")
    assert listening(srv, {"path": path}, cb) == path
    cb.wait()
    with peer.connect_unix(path):
        srv.wait("connection")


@needs("pipe")
@req("SERVER.LISTEN.OPTIONS.PATH_IGNORED.1")
def test_with_port_and_path_the_path_is_ignored(impl, sock_dir):
    path = os.path.join(sock_dir, "ignored.sock")
    srv = impl.net.createServer()
    addr = listening(srv, {"port": 0, "host": "127.0.0.1", "path": path})
    assert isinstance(addr, dict) and addr["address"] == "127.0.0.1"
    assert not os.path.exists(path), "nothing is created at the path"
    with peer.connect_tcp("127.0.0.1", addr["port"]):
        srv.wait("connection")


@needs("pipe")
@req("SERVER.LISTEN.OPTIONS.HOST_IGNORED.1")
def test_with_host_and_path_the_host_is_ignored(impl, sock_dir):
    path = os.path.join(sock_dir, "hosted.sock")
    srv = impl.net.createServer()
    assert listening(srv, {"host": "127.0.0.1", "path": path}) == path
    with peer.connect_unix(path):
        srv.wait("connection")


@req("SERVER.LISTEN.OPTIONS.PORT_NULL.1")
@pytest.mark.parametrize("options", [{"port": UNDEFINED}, {"port": None}, {"port": UNDEFINED, "host": "127.0.0.1"},
                                     {"port": None, "host": "127.0.0.1"}],
                         ids=["undefined", "null", "undefined-host", "null-host"])
def test_a_null_or_undefined_port_option_means_any_port(impl, options):
    srv = impl.net.createServer()
    addr = listening(srv, options)
    assert addr["port"] > 0
    if "host" in options:
        assert addr["address"] == "127.0.0.1"
    with peer.connect_tcp("127.0.0.1", addr["port"]):
        srv.wait("connection")


@req("SERVER.LISTEN.OPTIONS.NONE.1")
@pytest.mark.parametrize("options", [{}, {"host": "127.0.0.1"}, {"backlog": 5}, {"path": ""},
                                     {"exclusive": True}],
                         ids=["empty", "host", "backlog", "empty-path", "exclusive"])
def test_options_naming_no_port_and_no_path_throw(impl, options):
    srv = impl.net.createServer()
    cb = impl.callback("listen")
    with pytest.raises(Threw) as caught:
        srv.listen(options, cb)
    err = caught.value.error
    srv.get("listening")                         # a round trip: nothing may follow the throw
    assert srv.names() == [] and cb.calls() == []
    assert srv.get("listening") is False and srv.address() is None
    assert err.name == "Error"
    assert err.message.startswith("Invalid listen argument:"), err.message


@req("SERVER.LISTEN.OPTIONS.PORT_STRING.1", "SERVER.LISTEN.PORT.RANGE.1")
@pytest.mark.parametrize("port", ["abc", "80a", "path"])
def test_a_string_port_option_that_is_no_number_fails_the_port_check(impl, sock_dir, port):
    if port == "path":
        port = os.path.join(sock_dir, "port.sock")   # never read as a path
    srv = impl.net.createServer()
    with pytest.raises(Threw) as caught:
        srv.listen({"port": port})
    err = caught.value.error
    assert not os.listdir(sock_dir)
    assert (err.name, err.message) == ("RangeError", '"port" argument must be >= 0 and < 65536')


@req("SERVER.LISTEN.OPTIONS.PORT_STRING.1")
def test_a_zero_string_port_option_is_any_port(impl):
    srv = impl.net.createServer()
    addr = listening(srv, {"port": "0", "host": "127.0.0.1"})
    assert addr["port"] > 0
    with peer.connect_tcp("127.0.0.1", addr["port"]):
        srv.wait("connection")


@req("SERVER.LISTEN.OPTIONS.EXCLUSIVE.3")
@pytest.mark.parametrize("exclusive", [True, False])
def test_exclusive_changes_nothing_outside_a_cluster(impl, exclusive):
    srv = impl.net.createServer()
    addr = listening(srv, {"port": 0, "host": "127.0.0.1", "exclusive": exclusive})
    assert (addr["address"], addr["family"]) == ("127.0.0.1", "IPv4")
    with peer.connect_tcp("127.0.0.1", addr["port"]):
        srv.wait("connection")
