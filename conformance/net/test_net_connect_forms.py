"""net.connect() / net.createConnection(): the three forms, how the form is
chosen, the defaults of host and port, and what the call returns.

The far end is always the real peer (a Python listener on 127.0.0.1 or on a
Unix path under sock_dir): a form is right when the peer accepts exactly the
connection the implementation's socket reports, and bytes cross it.
"""
import os

import pytest

from netspec_harness import UNDEFINED, needs, peer, req

FACTORIES = ["connect", "createConnection"]


def accept_client(listener, sock):
    """The peer's end of `sock` (a TCP client of the implementation), checked
    to be that very connection by its port."""
    conn = peer.accept(listener)
    assert conn.getpeername() == ("127.0.0.1", sock.get("localPort")), \
        "the peer accepted some other connection than the socket's"
    return conn


def exchange(sock, conn):
    """Bytes cross the connection both ways."""
    sock.write(b"ping")
    assert peer.recv_exactly(conn, 4) == b"ping"
    conn.sendall(b"pong")
    assert sock.wait_received(4) == b"pong"


def nothing_accepted(listener):
    """True when no connection is waiting on the peer's listener (no wait:
    a connect() on loopback is queued on the listener before it returns)."""
    listener.setblocking(False)
    try:
        conn, _ = listener.accept()
    except BlockingIOError:
        return True
    conn.close()
    return False


# ------------------------------------------------------------ the three forms
@pytest.mark.parametrize("factory", FACTORIES)
@req("NET.CREATECONNECTION.PORT.1", "NET.CONNECT.PORT.ALIAS.1", "NET.CONNECT.ALIAS.1")
def test_port_and_host_form_connects_over_tcp(impl, factory):
    with peer.tcp_listener("127.0.0.1") as lst:
        port = lst.getsockname()[1]
        sock = impl.net.call(factory, port, "127.0.0.1")
        sock.wait("connect")
        with accept_client(lst, sock) as conn:
            assert (sock.get("remoteAddress"), sock.get("remotePort")) == ("127.0.0.1", port)
            exchange(sock, conn)


@needs("pipe")
@pytest.mark.parametrize("factory", FACTORIES)
@req("NET.CREATECONNECTION.PATH.1", "NET.CONNECT.PATH.ALIAS.1", "NET.CONNECT.ALIAS.1")
def test_path_form_connects_to_the_unix_socket(impl, sock_dir, factory):
    path = os.path.join(sock_dir, "form.sock")
    with peer.unix_listener(path) as lst:
        sock = impl.net.call(factory, path)
        sock.wait("connect")
        with peer.accept(lst) as conn:
            exchange(sock, conn)
    assert sock.names()[:1] == ["connect"], "a path is not looked up: no 'lookup' before 'connect'"


@pytest.mark.parametrize("factory", FACTORIES)
@req("NET.CREATECONNECTION.OPTIONS.CONNECT.1", "NET.CONNECT.OPTIONS.ALIAS.1", "NET.CONNECT.ALIAS.1")
def test_options_form_with_port_and_host(impl, factory):
    with peer.tcp_listener("127.0.0.1") as lst:
        port = lst.getsockname()[1]
        sock = impl.net.call(factory, {"port": port, "host": "127.0.0.1"})
        sock.wait("connect")
        with accept_client(lst, sock) as conn:
            exchange(sock, conn)


@needs("pipe")
@pytest.mark.parametrize("factory", FACTORIES)
@req("NET.CREATECONNECTION.OPTIONS.CONNECT.1", "NET.CONNECT.OPTIONS.ALIAS.1", "NET.CONNECT.ALIAS.1")
def test_options_form_with_path(impl, sock_dir, factory):
    path = os.path.join(sock_dir, "opts.sock")
    with peer.unix_listener(path) as lst:
        sock = impl.net.call(factory, {"path": path})
        sock.wait("connect")
        with peer.accept(lst) as conn:
            exchange(sock, conn)


# ------------------------------------------------- which form the first argument picks
@pytest.mark.parametrize("spell", [str, lambda p: " %d " % p, lambda p: "0x%x" % p],
                         ids=["digits", "blanks-around", "hex"])
@req("NET.CONNECT.FORMS.1")
def test_a_string_that_is_a_number_is_a_port(impl, spell):
    with peer.tcp_listener("127.0.0.1") as lst:
        port = lst.getsockname()[1]
        sock = impl.net.connect(spell(port))
        sock.wait("connect")
        with accept_client(lst, sock) as conn:
            assert sock.get("remotePort") == port
            exchange(sock, conn)


def _listener_on_a_round_port():
    """A listener on a free port that is a multiple of 1000 (so '<k>e3' names it)."""
    for k in range(10, 65):
        try:
            return peer.tcp_listener("127.0.0.1", port=k * 1000), k
        except OSError:
            continue
    pytest.fail("no free port among 10000, 11000, ... 64000")


@req("NET.CONNECT.FORMS.1")
def test_an_exponent_string_is_a_port(impl):
    lst, k = _listener_on_a_round_port()
    with lst:
        sock = impl.net.connect("%de3" % k)
        sock.wait("connect")
        with accept_client(lst, sock) as conn:
            assert sock.get("remotePort") == k * 1000
            exchange(sock, conn)


@pytest.mark.parametrize("name", ["abc", "-1"])
@req("NET.CONNECT.FORMS.1")
def test_a_string_that_is_no_number_of_at_least_zero_is_a_path(impl, name):
    # Relative to the shim's working directory, which is ours; nothing is there.
    assert not os.path.lexists(name), "precondition: no file %r in %s" % (name, os.getcwd())
    sock = impl.net.connect(name)          # not thrown as a bad port: it is a path
    err = sock.wait("error").args[0]
    assert (err.code, err.syscall, err.address, err.message) == \
        ("ENOENT", "connect", name, "connect ENOENT " + name)
    assert not err.has("port")


@needs("pipe")
@req("NET.CONNECT.FORMS.1")
def test_a_relative_path_string_reaches_a_unix_server(impl, sock_dir):
    path = os.path.join(sock_dir, "rel.sock")
    rel = os.path.relpath(path)            # '../..' style: still not a number
    with peer.unix_listener(path) as lst:
        sock = impl.net.connect(rel)
        sock.wait("connect")
        with peer.accept(lst) as conn:
            exchange(sock, conn)


# ---------------------------------------------------------------- what is returned
@req("NET.CREATECONNECTION.RETURNS.1")
def test_every_call_returns_a_new_socket(impl):
    with peer.tcp_listener("127.0.0.1") as lst:
        port = lst.getsockname()[1]
        first = impl.net.createConnection(port, "127.0.0.1")
        second = impl.net.createConnection(port, "127.0.0.1")
        assert first.id != second.id
        first.wait("connect")
        second.wait("connect")
        ports = {first.get("localPort"), second.get("localPort")}
        conns = [peer.accept(lst), peer.accept(lst)]
        assert {c.getpeername()[1] for c in conns} == ports and len(ports) == 2
        for c in conns:
            c.close()


@req("NET.CREATECONNECTION.CONNECTING.1")
def test_connecting_is_true_when_the_call_returns(impl):
    # To a listener whose accept queue is full the attempt cannot finish, so
    # 'connecting' is read while the connection is certainly still under way.
    lst, filler = peer.full_listener()
    with lst, filler:
        sock = impl.net.createConnection(lst.getsockname()[1], "127.0.0.1")
        assert sock.get("connecting") is True
        assert "connect" not in sock.names()
        sock.destroy()


@req("NET.CREATECONNECTION.ASYNC.1")
def test_connect_is_emitted_after_the_call_returns(impl):
    with peer.tcp_listener("127.0.0.1") as lst:
        sock = impl.net.createConnection(lst.getsockname()[1], "127.0.0.1")
        returned_at = impl.last_response_seq
        ev = sock.wait("connect")
        assert ev.seq > returned_at, "'connect' must come after the factory returned"
        assert ev.args == []
        assert sock.get("connecting") is False
        accept_client(lst, sock).close()


@needs("pipe")
@req("NET.CREATECONNECTION.ASYNC.1")
def test_connect_to_a_local_path_is_still_asynchronous(impl, sock_dir):
    path = os.path.join(sock_dir, "async.sock")
    with peer.unix_listener(path) as lst:
        sock = impl.net.createConnection(path)
        returned_at = impl.last_response_seq
        ev = sock.wait("connect")
        assert ev.seq > returned_at, "'connect' must come after the factory returned, even for a path"
        peer.accept(lst).close()


# ------------------------------------------------------------------ defaults
@pytest.mark.parametrize("args", [[], [UNDEFINED], [{}]], ids=["no-args", "undefined", "empty-options"])
@req("NET.CREATECONNECTION.NOARGS.1")
def test_no_arguments_try_port_zero_of_localhost(impl, args):
    sock = impl.net.connect(*args)
    err = sock.wait("error").args[0]
    sock.wait("close")
    assert sock.names() == ["lookup", "error", "close"]
    assert sock.events("lookup")[0].args == [None, "127.0.0.1", 4, "localhost"]
    assert (err.code, err.syscall, err.address, err.message) == \
        ("ECONNREFUSED", "connect", "127.0.0.1", "connect ECONNREFUSED 127.0.0.1")
    assert not err.has("port"), "port 0 is left out of the error, got %r" % (err.port,)


@req("NET.CREATECONNECTION.PORT.HOST.DEFAULT.1")
def test_port_alone_connects_to_localhost(impl):
    with peer.tcp_listener("127.0.0.1") as lst:
        port = lst.getsockname()[1]
        sock = impl.net.createConnection(port)
        sock.wait("connect")
        with accept_client(lst, sock) as conn:
            assert sock.get("remoteAddress") == "127.0.0.1"
            exchange(sock, conn)
    lookup = sock.events("lookup")
    assert [e.args for e in lookup] == [[None, "127.0.0.1", 4, "localhost"]]
    assert lookup[0].seq < sock.events("connect")[0].seq


@pytest.mark.parametrize("form", ["positional-empty", "positional-null", "positional-undefined",
                                  "option-empty", "option-null", "option-undefined"])
@req("NET.CREATECONNECTION.PORT.HOST.FALSY.1")
def test_a_falsy_host_means_localhost(impl, form):
    value = {"empty": "", "null": None, "undefined": UNDEFINED}[form.split("-")[1]]
    with peer.tcp_listener("127.0.0.1") as lst:
        port = lst.getsockname()[1]
        if form.startswith("positional"):
            sock = impl.net.createConnection(port, value)
        else:
            sock = impl.net.createConnection({"port": port, "host": value})
        sock.wait("connect")
        accept_client(lst, sock).close()
    assert [e.args[3] for e in sock.events("lookup")] == ["localhost"]


@pytest.mark.parametrize("host", [123, True, {}], ids=["number", "boolean", "object"])
@req("NET.CREATECONNECTION.PORT.HOST.TYPE.1")
def test_a_second_argument_that_is_no_string_is_ignored(impl, host):
    with peer.tcp_listener("127.0.0.1") as lst:
        port = lst.getsockname()[1]
        sock = impl.net.createConnection(port, host)
        sock.wait("connect")
        accept_client(lst, sock).close()
    assert [e.args for e in sock.events("lookup")] == [[None, "127.0.0.1", 4, "localhost"]]


@pytest.mark.parametrize("factory", FACTORIES)
@req("NET.CREATECONNECTION.PORT.CALLBACK.1")
def test_port_then_listener_without_host(impl, factory):
    with peer.tcp_listener("127.0.0.1") as lst:
        port = lst.getsockname()[1]
        cb = impl.callback("connect")
        sock = impl.net.call(factory, port, cb)
        assert cb.wait().args == []
        sock.wait("connect")
        accept_client(lst, sock).close()
    assert [e.args[3] for e in sock.events("lookup")] == ["localhost"]


# ------------------------------------------------------------- path and port together
@req("NET.CREATECONNECTION.PATH.EMPTY.1")
def test_an_empty_path_leaves_a_tcp_endpoint(impl):
    with peer.tcp_listener("127.0.0.1") as lst:
        port = lst.getsockname()[1]
        sock = impl.net.createConnection({"path": "", "port": port, "host": "127.0.0.1"})
        sock.wait("connect")
        with accept_client(lst, sock) as conn:
            exchange(sock, conn)


@req("NET.CREATECONNECTION.PATH.EMPTY.1")
def test_an_empty_path_alone_is_port_zero_of_localhost(impl):
    sock = impl.net.createConnection({"path": ""})
    err = sock.wait("error").args[0]
    assert (err.code, err.syscall, err.address) == ("ECONNREFUSED", "connect", "127.0.0.1")
    assert [e.args[3] for e in sock.events("lookup")] == ["localhost"]


@needs("pipe")
@req("NET.CREATECONNECTION.PATH.PRECEDENCE.1")
def test_a_path_wins_over_a_port(impl, sock_dir):
    path = os.path.join(sock_dir, "wins.sock")
    with peer.tcp_listener("127.0.0.1") as tcp, peer.unix_listener(path) as unix:
        port = tcp.getsockname()[1]
        sock = impl.net.createConnection({"path": path, "port": port, "host": "127.0.0.1"})
        sock.wait("connect")
        with peer.accept(unix) as conn:
            exchange(sock, conn)
        assert nothing_accepted(tcp), "the TCP listener must not be reached"
    assert "lookup" not in sock.names()
