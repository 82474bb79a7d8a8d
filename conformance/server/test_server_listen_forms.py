"""The port/host and path forms of listen(): which form a first argument selects, ports
(given, omitted, as strings, out of range, of other types), hosts, and Unix paths."""
import math
import os
import socket
import stat
import subprocess

import pytest

from netspec_harness import UNDEFINED, Threw, needs, peer, req
from _server_util import listening

PORT_RANGE_MESSAGE = '"port" argument must be >= 0 and < 65536'


def free_port(host="127.0.0.1", step=1):
    """A port that nothing listens on right now (a multiple of `step`)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    if step == 1:
        with socket.socket(family) as s:
            s.bind((host, 0))
            return s.getsockname()[1]
    start = (os.getpid() * 7919) % (60000 // step)
    for k in range(60000 // step):
        port = ((start + k) % (60000 // step) + 1) * step
        if port < 10000:
            continue
        with socket.socket(family) as s:
            try:
                s.bind((host, port))
            except OSError:
                continue
            return port
    raise AssertionError("no free port that is a multiple of %d" % step)


def connect_host(addr):
    """Where a peer connects to reach a server at `addr`."""
    return {"::": "127.0.0.1", "0.0.0.0": "127.0.0.1"}.get(addr["address"], addr["address"])


def throws(srv, *args):
    with pytest.raises(Threw) as caught:
        srv.listen(*args)
    return caught.value.error


# ------------------------------------------------------------ string or path
@req("SERVER.LISTEN.FORMS.2", "SERVER.LISTEN.PORT.STRING.1")
@pytest.mark.parametrize("args", [["0"], ["0", "127.0.0.1"]], ids=["alone", "with-host"])
def test_a_numeric_string_is_a_port(impl, args):
    srv = impl.net.createServer()
    addr = listening(srv, *args)
    assert isinstance(addr, dict) and addr["port"] > 0
    with peer.connect_tcp(connect_host(addr), addr["port"]):
        srv.wait("connection")


@needs("pipe")
@req("SERVER.LISTEN.FORMS.2", "SERVER.LISTEN.PATH.1")
def test_a_string_that_is_no_number_is_a_path(impl, sock_dir):
    path = os.path.join(sock_dir, "form.sock")
    srv = impl.net.createServer()
    assert listening(srv, path) == path
    assert stat.S_ISSOCK(os.stat(path).st_mode), "a socket file appears at the path"
    with peer.connect_unix(path):
        srv.wait("connection")


# --------------------------------------------------------------------- ports
@req("SERVER.LISTEN.PORT.1", "SERVER.ADDRESS.INET.2")
@pytest.mark.parametrize("host", ["127.0.0.1", pytest.param("::1", marks=needs("ipv6"))])
def test_a_given_port_is_the_port_listened_on(impl, host):
    port = free_port(host)
    srv = impl.net.createServer()
    addr = listening(srv, port, host)
    assert type(addr["port"]) is int and addr["port"] == port
    assert addr["family"] == ("IPv6" if ":" in host else "IPv4")
    with peer.connect_tcp(host, port) as client:
        conn = srv.wait("connection").args[0]
        assert conn.get("remotePort") == client.getsockname()[1]


@req("SERVER.LISTEN.PORT.NULL.1", "SERVER.LISTEN.PORT.EPHEMERAL.1")
@pytest.mark.parametrize("shape", ["null", "null-callback", "undefined-host", "callback"])
def test_null_undefined_or_a_callback_first_means_any_port(impl, shape):
    srv = impl.net.createServer()
    cb = impl.callback("listen")
    args = {"null": [None], "null-callback": [None, cb], "undefined-host": [UNDEFINED, "127.0.0.1"],
            "callback": [cb]}[shape]
    addr = listening(srv, *args)
    assert addr["port"] > 0
    if shape == "undefined-host":
        assert addr["address"] == "127.0.0.1"
    if cb in args:
        cb.wait()
    with peer.connect_tcp(connect_host(addr), addr["port"]):
        srv.wait("connection")


@req("SERVER.LISTEN.PORT.STRING.1", "SERVER.LISTEN.FORMS.2", "SERVER.LISTEN.OPTIONS.PORT_STRING.1")
@pytest.mark.parametrize("spelling", ["decimal", "hex", "exponent", "padded"])
@pytest.mark.parametrize("form", ["positional", "options"])
def test_a_numeric_string_port_is_its_number(impl, spelling, form):
    port = free_port("127.0.0.1", step=1000)
    text = {"decimal": str(port), "hex": hex(port), "exponent": "%de3" % (port // 1000),
            "padded": " %d " % port}[spelling]
    srv = impl.net.createServer()
    args = [text, "127.0.0.1"] if form == "positional" else [{"port": text, "host": "127.0.0.1"}]
    addr = listening(srv, *args)
    assert addr["port"] == port
    with peer.connect_tcp("127.0.0.1", port):
        srv.wait("connection")


BAD_PORTS = [-1, 65536, 1.5, math.nan, math.inf, "", "  "]


@req("SERVER.LISTEN.PORT.RANGE.1", "SERVER.LISTEN.FORMS.2")
@pytest.mark.parametrize("form", ["positional", "options"])
@pytest.mark.parametrize("port", BAD_PORTS, ids=["-1", "65536", "1.5", "NaN", "Infinity", "empty", "blank"])
def test_a_port_out_of_range_throws_a_range_error(impl, port, form):
    srv = impl.net.createServer()
    err = throws(srv, *([port, "127.0.0.1"] if form == "positional" else [{"port": port, "host": "127.0.0.1"}]))
    assert (err.name, err.message, err.code) == ("RangeError", PORT_RANGE_MESSAGE, UNDEFINED)


@req("SERVER.LISTEN.PORT.RANGE.2")
def test_a_port_error_leaves_the_server_usable(impl):
    srv = impl.net.createServer()
    cb = impl.callback("listen")
    throws(srv, 65536, "127.0.0.1", cb)
    assert srv.get("listening") is False
    assert srv.address() is None
    assert srv.names() == [] and cb.calls() == [], "no event after the throw"
    addr = listening(srv, 0, "127.0.0.1")
    assert srv.names() == ["listening"]
    with peer.connect_tcp("127.0.0.1", addr["port"]):
        srv.wait("connection")


@req("SERVER.LISTEN.PORT.RANGE.3")
def test_port_65535_is_accepted(impl):
    srv = impl.net.createServer()
    assert srv.listen(65535, "127.0.0.1") is srv, "no throw for the highest port"
    outcome = impl.wait_message(lambda m: m.type == "event" and m.target == srv.id, None, "an event")
    if outcome.name == "error":
        # Only when another program holds the port: the port itself was taken as valid.
        (err,) = outcome.args
        assert (err.code, err.port) == ("EADDRINUSE", 65535), "unexpected error %r" % (err,)
    else:
        assert outcome.name == "listening"
        assert srv.address()["port"] == 65535


@req("SERVER.LISTEN.PORT.TYPE.1")
@pytest.mark.parametrize("args", [[True], [False], [{"port": {}}], [{"port": True, "host": "127.0.0.1"}]],
                         ids=["true", "false", "object-option", "boolean-option"])
def test_a_port_of_another_type_throws(impl, args):
    srv = impl.net.createServer()
    err = throws(srv, *args)
    assert err.name == "Error"
    assert err.message.startswith("Invalid listen argument:"), err.message
    srv.get("listening")
    assert srv.names() == []


# --------------------------------------------------------------------- hosts
@req("SERVER.LISTEN.HOST.1", "SERVER.ADDRESS.INET.1", "SERVER.ADDRESS.INET.2")
@pytest.mark.parametrize("host,family,reach", [
    ("127.0.0.1", "IPv4", "127.0.0.1"),
    ("0.0.0.0", "IPv4", "127.0.0.1"),
    pytest.param("::1", "IPv6", "::1", marks=needs("ipv6")),
    pytest.param("::", "IPv6", "::1", marks=needs("ipv6")),
])
def test_an_ip_host_is_bound_as_given(impl, host, family, reach):
    srv = impl.net.createServer()
    addr = listening(srv, 0, host)
    assert (addr["address"], addr["family"]) == (host, family)
    assert type(addr["port"]) is int and addr["port"] > 0
    with peer.connect_tcp(reach, addr["port"]):
        srv.wait("connection")


@req("SERVER.LISTEN.HOST.2")
def test_localhost_is_resolved_to_ipv4_loopback(impl):
    srv = impl.net.createServer()
    addr = listening(srv, 0, "localhost")
    assert (addr["address"], addr["family"]) == ("127.0.0.1", "IPv4")
    with peer.connect_tcp("127.0.0.1", addr["port"]):
        srv.wait("connection")


@needs("ipv6")
@req("SERVER.LISTEN.HOST.3")
def test_an_empty_host_is_no_host(impl):
    srv = impl.net.createServer()
    addr = listening(srv, 0, "")
    assert (addr["address"], addr["family"]) == ("::", "IPv6")
    with peer.connect_tcp("127.0.0.1", addr["port"]), peer.connect_tcp("::1", addr["port"]):
        srv.wait("connection")
        srv.wait("connection")


@needs("ipv6")
@req("SERVER.LISTEN.HOST.IPV4.1")
def test_the_ipv4_wildcard_refuses_ipv6_clients(impl):
    srv = impl.net.createServer()
    addr = listening(srv, 0, "0.0.0.0")
    with pytest.raises(ConnectionRefusedError):
        peer.connect_tcp("::1", addr["port"]).close()
    with peer.connect_tcp("127.0.0.1", addr["port"]):
        conn = srv.wait("connection").args[0]
        assert conn.get("remoteAddress") == "127.0.0.1"
    assert srv.names() == ["listening", "connection"], "the IPv6 attempt never reached the server"


@needs("ipv6")
@req("SERVER.LISTEN.HOST.DUALSTACK.2", "SERVER.LISTEN.HOST.OMITTED.1")
@pytest.mark.parametrize("args", [[0, "::"], [0]], ids=["explicit", "omitted"])
def test_the_ipv6_wildcard_takes_ipv4_clients_as_mapped_addresses(impl, args):
    srv = impl.net.createServer()
    addr = listening(srv, *args)
    assert addr["address"] == "::"
    with peer.connect_tcp("127.0.0.1", addr["port"]) as client:
        conn = srv.wait("connection").args[0]
        assert conn.get("remoteAddress") == "::ffff:127.0.0.1"
        assert conn.get("remoteFamily") == "IPv6"
        assert conn.get("remotePort") == client.getsockname()[1]


# --------------------------------------------------------------------- paths
@needs("pipe")
@req("SERVER.LISTEN.PATH.1", "SERVER.EVENT.CONNECTION.4")
def test_a_path_server_accepts_peers_of_that_path(impl, sock_dir):
    path = os.path.join(sock_dir, "path.sock")
    srv = impl.net.createServer()
    assert not os.path.exists(path)
    listening(srv, path)
    assert stat.S_ISSOCK(os.stat(path).st_mode)
    with peer.connect_unix(path) as client:
        conn = srv.wait("connection").args[0]
        client.sendall(b"ping")
        assert conn.wait_received(4) == b"ping"
        conn.write("pong")
        assert peer.recv_exactly(client, 4) == b"pong"


@needs("pipe")
@req("SERVER.LISTEN.PATH.2", "SERVER.LISTEN.CALLBACK.1")
@pytest.mark.parametrize("with_backlog", [False, True], ids=["path-callback", "path-backlog-callback"])
def test_the_path_form_takes_a_backlog_and_a_callback(impl, sock_dir, with_backlog):
    path = os.path.join(sock_dir, "cb.sock")
    srv = impl.net.createServer()
    cb = impl.callback("listen")
    srv.listen(*([path, 6, cb] if with_backlog else [path, cb]))
    listening = srv.wait("listening")
    assert cb.wait().seq > listening.seq
    assert srv.address() == path
    srv.get("listening")
    assert len(cb.calls()) == 1
    with peer.connect_unix(path):
        srv.wait("connection")


@pytest.fixture
def no_network():
    """A prefix that runs the shim in a network namespace of its own (`unshare -rn`): only a
    loopback interface that is down, so no name lookup can send a packet anywhere."""
    prefix = ["unshare", "--user", "--map-root-user", "--net"]
    try:
        ok = subprocess.run(prefix + ["true"], stderr=subprocess.PIPE).returncode == 0
    except OSError:
        ok = False
    if not ok:
        pytest.skip("cannot create a network namespace (unshare -rn) here")
    return prefix


@req("SERVER.LISTEN.HOST.4", "SERVER.EVENT.ERROR.2")
def test_a_host_that_does_not_resolve_is_an_error(start_impl, no_network):
    # An empty label makes the name invalid: the resolver fails at once, and in
    # its own network namespace the shim could not reach a name server anyway.
    impl = start_impl(prefix=no_network)
    name = "netspec..invalid"
    srv = impl.net.createServer()
    cb = impl.callback("listen")
    assert srv.listen(0, name, cb) is srv, "returned, not thrown"
    returned_at = impl.last_response_seq
    ev = srv.wait("error")
    assert ev.seq > returned_at
    (err,) = ev.args
    assert (err.code, err.syscall) == ("ENOTFOUND", "getaddrinfo")
    srv.get("listening")
    assert srv.get("listening") is False and srv.address() is None
    assert srv.names() == ["error"] and cb.calls() == []
