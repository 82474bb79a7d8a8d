"""socket.connect(options) and its shorthands: port (as a number or a string,
validated), host (type), localAddress and localPort (bound before connecting,
validated, failing to bind), path (Unix domain: connecting, missing file,
nothing listening), and how a string first argument is read."""
import math
import os
import socket

import pytest

from netspec_harness import UNDEFINED, Threw, needs, peer, req

from _socket_util import accept_client, closed_port, settle


def thrown(impl, *args):
    """new Socket().connect(*args) must throw; returns the error. The socket
    emits nothing afterwards (checked after a round trip)."""
    sock = impl.new("Socket")
    with pytest.raises(Threw) as info:
        sock.connect(*args)
    settle(impl)
    assert sock.names() == [], "a connect() that threw starts nothing"
    return info.value.error


def failed(sock):
    """The 'error' of a failed attempt, after checking that 'close' (true)
    follows it with nothing in between."""
    error = sock.wait("error")
    close = sock.wait("close")
    assert close.args == [True]
    names = sock.names()
    assert names[names.index("error") + 1] == "close", "nothing between 'error' and 'close'"
    assert "connect" not in names
    return error.args[0]


# ------------------------------------------------------------------- port
@req("SOCKET.CONNECT.OPTIONS.PORT.STRING.1", "SOCKET.CONNECT.OPTIONS.PORT.1")
def test_a_port_string_of_digits_is_that_port(impl):
    with peer.tcp_listener("127.0.0.1") as lst:
        port = lst.getsockname()[1]
        sock = impl.new("Socket")
        sock.connect({"port": str(port), "host": "127.0.0.1"})
        sock.wait("connect")
        with accept_client(lst, sock):
            assert sock.get("remotePort") == port


@req("SOCKET.CONNECT.OPTIONS.PORT.STRING.1", "SOCKET.CONNECT.OPTIONS.PORT.1")
@pytest.mark.parametrize("form", ["blanks", "hex", "exponent"])
def test_a_port_string_is_read_as_a_number(impl, form):
    with peer.tcp_listener("127.0.0.1") as lst:
        port = lst.getsockname()[1]
        digits = str(port)
        text = {"blanks": " %d " % port, "hex": "0x%x" % port,
                "exponent": "%s.%se%d" % (digits[0], digits[1:], len(digits) - 1)}[form]
        sock = impl.new("Socket")
        sock.connect({"port": text, "host": "127.0.0.1"})
        sock.wait("connect")
        with accept_client(lst, sock):
            assert sock.get("remotePort") == port, "port %r" % text


@req("SOCKET.CONNECT.OPTIONS.PORT.RANGE.1")
def test_a_port_out_of_range_throws_range_error(impl):
    table = [(65536, "65536"), (-1, "-1"), (1.5, "1.5"), (math.nan, "NaN"), (math.inf, "Infinity"),
             ("abc", "abc"), ("", ""), (" ", " "), ("65536", "65536"), ("-1", "-1")]
    for port, shown in table:
        err = thrown(impl, {"port": port, "host": "127.0.0.1"})
        assert (err.name, err.message) == ("RangeError", '"port" option should be >= 0 and < 65536: ' + shown), \
            "port %r" % (port,)


@req("SOCKET.CONNECT.OPTIONS.PORT.TYPE.1")
def test_a_port_that_is_no_number_or_string_throws_type_error(impl):
    for port, shown in [(True, "true"), (False, "false"), (None, "null"), ({}, "[object Object]"), ([], "")]:
        err = thrown(impl, {"port": port, "host": "127.0.0.1"})
        assert (err.name, err.message) == ("TypeError", '"port" option should be a number or string: ' + shown), \
            "port %r" % (port,)


@req("SOCKET.CONNECT.OPTIONS.PORT.TYPE.1", "SOCKET.CONNECT.OPTIONS.PORT.MISSING.1")
def test_an_undefined_port_counts_as_none(impl):
    sock = impl.new("Socket")
    assert sock.connect({"port": UNDEFINED, "host": "127.0.0.1"}) is sock, "no throw"
    err = failed(sock)
    assert (err.code, err.syscall, err.address) == ("ECONNREFUSED", "connect", "127.0.0.1")
    assert not err.has("port")


@req("SOCKET.CONNECT.OPTIONS.PORT.MISSING.1", "SOCKET.ERROR.MESSAGE.CONNECT.1")
def test_no_port_fails_as_refused_without_a_port_field(impl):
    sock = impl.new("Socket")
    assert sock.connect({"host": "127.0.0.1"}) is sock
    returned = impl.last_response_seq
    err = failed(sock)
    assert sock.events("error")[0].seq > returned
    assert (err.code, err.syscall, err.address) == ("ECONNREFUSED", "connect", "127.0.0.1")
    assert not err.has("port"), "no port field, got %r" % (err.port,)
    assert err.message == "connect ECONNREFUSED 127.0.0.1"


@req("SOCKET.CONNECT.OPTIONS.HOST.TYPE.1")
def test_a_host_that_is_no_string_throws_type_error(impl):
    for host in (5, True):
        err = thrown(impl, {"port": closed_port(), "host": host})
        assert err.name == "TypeError"
        assert err.message == "Invalid arguments: hostname must be a string or falsey"


@pytest.mark.parametrize("host", [0, False, None, ""], ids=["zero", "false", "null", "empty"])
@req("SOCKET.CONNECT.OPTIONS.HOST.TYPE.1", "SOCKET.CONNECT.OPTIONS.HOST.DEFAULT.1")
def test_a_falsy_host_is_no_host(impl, host):
    # Falsy values of any type are not checked: they mean 'localhost'.
    with peer.tcp_listener("127.0.0.1") as lst:
        sock = impl.new("Socket")
        assert sock.connect({"port": lst.getsockname()[1], "host": host}) is sock
        sock.wait("connect")
        with accept_client(lst, sock):
            assert sock.get("remoteAddress") == "127.0.0.1"
    assert [e.args[3] for e in sock.events("lookup")] == ["localhost"]


# ------------------------------------------------------- local address and port
@pytest.mark.parametrize("family", ["ipv4", pytest.param("ipv6", marks=needs("ipv6"))])
@req("SOCKET.CONNECT.OPTIONS.LOCAL_ADDRESS.1")
def test_local_address_is_bound_before_connecting(impl, family):
    host = peer.LOOPBACK[family]
    with peer.tcp_listener(host) as lst:
        sock = impl.new("Socket")
        sock.connect({"port": lst.getsockname()[1], "host": host, "localAddress": host})
        sock.wait("connect")
        assert sock.get("localAddress") == host
        with peer.accept(lst) as conn:
            assert conn.getpeername()[0] == host
            assert conn.getpeername()[1] == sock.get("localPort")


@req("SOCKET.CONNECT.OPTIONS.LOCAL_PORT.1")
def test_local_port_is_bound_before_connecting(impl):
    with peer.tcp_listener("127.0.0.1") as lst:
        local = closed_port()
        sock = impl.new("Socket")
        sock.connect({"port": lst.getsockname()[1], "host": "127.0.0.1",
                      "localAddress": "127.0.0.1", "localPort": local})
        sock.wait("connect")
        assert sock.get("localPort") == local
        with peer.accept(lst) as conn:
            assert conn.getpeername() == ("127.0.0.1", local), "the peer sees the connection come from that port"


@req("SOCKET.CONNECT.OPTIONS.LOCAL_ADDRESS.INVALID.1")
def test_a_local_address_that_is_no_ip_throws_type_error(impl):
    err = thrown(impl, {"port": closed_port(), "host": "127.0.0.1", "localAddress": "nope"})
    assert err.name == "TypeError"
    assert err.message == '"localAddress" option must be a valid IP: nope'


@req("SOCKET.CONNECT.OPTIONS.LOCAL_PORT.TYPE.1")
def test_a_local_port_that_is_no_number_throws_type_error(impl):
    err = thrown(impl, {"port": closed_port(), "host": "127.0.0.1", "localAddress": "127.0.0.1",
                        "localPort": "x"})
    assert err.name == "TypeError"
    assert err.message == '"localPort" option should be a number: x'


@needs("ipv6")
@req("SOCKET.CONNECT.OPTIONS.LOCAL_ADDRESS.FAMILY.1", "SOCKET.EVENT.ERROR.CLOSE.1")
def test_a_local_address_of_the_other_family_fails_to_bind(impl):
    with peer.tcp_listener("127.0.0.1") as lst:
        sock = impl.new("Socket")
        sock.connect({"port": lst.getsockname()[1], "host": "127.0.0.1", "localAddress": "::1"})
        returned = impl.last_response_seq
        err = failed(sock)
        assert sock.events("error")[0].seq > returned, "reported after connect() returned, not thrown"
    assert (err.code, err.syscall, err.address) == ("EINVAL", "bind", "::1")
    assert err.message == "bind EINVAL ::1"


@req("SOCKET.CONNECT.OPTIONS.LOCAL_PORT.INUSE.1", "SOCKET.ERROR.ERRNO.1", "SOCKET.EVENT.ERROR.CLOSE.1")
def test_a_local_port_in_use_fails_to_bind(impl):
    with peer.tcp_listener("127.0.0.1") as holder, peer.tcp_listener("127.0.0.1") as lst:
        taken = holder.getsockname()[1]
        sock = impl.new("Socket")
        sock.connect({"port": lst.getsockname()[1], "host": "127.0.0.1",
                      "localAddress": "127.0.0.1", "localPort": taken})
        err = failed(sock)
    assert (err.code, err.syscall, err.address, err.port) == ("EADDRINUSE", "bind", "127.0.0.1", taken)
    assert err.errno == err.code, "errno %r, not the code %r" % (err.errno, err.code)
    assert err.message == "bind EADDRINUSE 127.0.0.1:%d" % taken


# ------------------------------------------------------------------- path
@needs("pipe")
@req("SOCKET.CONNECT.OPTIONS.PATH.1")
def test_a_path_makes_a_unix_connection_whatever_port_and_host_say(impl, sock_dir):
    path = os.path.join(sock_dir, "p.sock")
    with peer.unix_listener(path) as lst, peer.tcp_listener("127.0.0.1") as tcp:
        sock = impl.new("Socket")
        sock.connect({"path": path, "port": tcp.getsockname()[1], "host": "127.0.0.1"})
        sock.wait("connect")
        with peer.accept(lst) as conn:
            sock.write(b"unix")
            assert peer.recv_exactly(conn, 4) == b"unix"
        tcp.setblocking(False)
        with pytest.raises(BlockingIOError):
            tcp.accept()
    assert "lookup" not in sock.names()


@needs("pipe")
@pytest.mark.parametrize("form", ["options", "path"])
@req("SOCKET.CONNECT.OPTIONS.PATH.ENOENT.1", "SOCKET.ERROR.ERRNO.1", "SOCKET.ERROR.MESSAGE.CONNECT.1",
     "SOCKET.EVENT.ERROR.CLOSE.1")
def test_a_missing_path_fails_with_enoent(impl, sock_dir, form):
    path = os.path.join(sock_dir, "missing.sock")
    sock = impl.new("Socket")
    sock.connect({"path": path} if form == "options" else path)
    returned = impl.last_response_seq
    err = failed(sock)
    assert sock.events("error")[0].seq > returned
    assert (err.code, err.syscall, err.address) == ("ENOENT", "connect", path)
    assert err.errno == err.code, "errno %r, not the code %r" % (err.errno, err.code)
    assert not err.has("port")
    assert err.message == "connect ENOENT " + path


@needs("pipe")
@req("SOCKET.CONNECT.OPTIONS.PATH.REFUSED.1", "SOCKET.ERROR.ERRNO.1", "SOCKET.ERROR.MESSAGE.CONNECT.1")
def test_a_path_without_a_listener_is_refused(impl, sock_dir):
    path = os.path.join(sock_dir, "plain-file")
    with open(path, "w", encoding="ascii") as fh:
        fh.write("not a socket")
    sock = impl.new("Socket")
    sock.connect({"path": path})
    err = failed(sock)
    assert (err.code, err.syscall, err.address) == ("ECONNREFUSED", "connect", path)
    assert err.errno == err.code, "errno %r, not the code %r" % (err.errno, err.code)
    assert not err.has("port")
    assert err.message == "connect ECONNREFUSED " + path


@needs("pipe")
@req("SOCKET.CONNECT.OPTIONS.PATH.REFUSED.1")
def test_a_unix_socket_nobody_listens_on_is_refused(impl, sock_dir):
    path = os.path.join(sock_dir, "bound.sock")
    holder = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    holder.bind(path)                            # the socket file exists, nothing listens
    with holder:
        sock = impl.new("Socket")
        sock.connect(path)
        err = failed(sock)
    assert (err.code, err.syscall, err.address) == ("ECONNREFUSED", "connect", path)


@needs("pipe")
@req("SOCKET.CONNECT.PATH.NUMERIC.1")
def test_a_string_first_argument_is_a_path_unless_it_is_a_number(impl):
    with peer.tcp_listener("127.0.0.1") as lst:
        port = lst.getsockname()[1]
        tcp = impl.new("Socket")
        tcp.connect(str(port), "127.0.0.1")
        tcp.wait("connect")
        with accept_client(lst, tcp):
            assert tcp.get("remotePort") == port
    name = "netspec-no-such-socket-%d" % os.getpid()
    assert not os.path.exists(name)
    unix = impl.new("Socket")
    unix.connect(name)
    err = failed(unix)
    assert (err.code, err.syscall, err.address) == ("ENOENT", "connect", name)
    assert unix.get("remotePort") is UNDEFINED
