"""Name lookups of socket.connect(): the default host ('localhost', from
/etc/hosts), the 'lookup' event (its arguments, order and timing), no lookup
for IP addresses and Unix paths, the options handed to a custom lookup
function (family, hints), their validation, a destroy() during the lookup, and
a lookup that fails.

A custom lookup is a function of the shim: it records its arguments and never
calls back, so the socket stays in its lookup. A failing lookup is arranged in
a private namespace whose resolver (127.0.0.1) cannot answer; no test sends a
packet beyond loopback.
"""
import os

import pytest

from netspec_harness import UNDEFINED, NetError, Threw, needs, peer, req
from netspec_harness.values import Opaque

from _socket_util import (accept_client, closed_port, not_in_hosts, private_resolver_prefix,
                          same_turn, settle)

LOCALHOST = [None, "127.0.0.1", 4, "localhost"]


def connect_via(sock, port, host_form):
    if host_form == "omitted":
        return sock.connect({"port": port})
    if host_form == "empty":
        return sock.connect({"port": port, "host": ""})
    if host_form == "port-only":
        return sock.connect(port)
    if host_form == "name":
        return sock.connect(port, "localhost")
    raise ValueError(host_form)


@pytest.mark.parametrize("host_form", ["omitted", "empty", "port-only", "name"])
@req("SOCKET.CONNECT.OPTIONS.HOST.DEFAULT.1", "SOCKET.CONNECT.PORT.HOST_OMITTED.1", "SOCKET.CONNECT.OPTIONS.HOST.NAME.1",
     "SOCKET.EVENT.LOOKUP.1", "SOCKET.EVENT.LOOKUP.FAMILY.1", "SOCKET.EVENT.LOOKUP.ORDER.1",
     "SOCKET.EVENT.LOOKUP.ASYNC.1")
def test_a_name_is_looked_up_then_connected_to(impl, host_form):
    with peer.tcp_listener("127.0.0.1") as lst:
        port = lst.getsockname()[1]
        sock = impl.new("Socket")
        connect_via(sock, port, host_form)
        returned = impl.last_response_seq
        connect = sock.wait("connect")
        with accept_client(lst, sock):
            assert sock.get("remoteAddress") == "127.0.0.1"
    (lookup,) = sock.events("lookup")
    assert lookup.args == LOCALHOST
    assert isinstance(lookup.args[2], int), "the family is the number 4"
    assert returned < lookup.seq < connect.seq, "'lookup' after connect() returned, before 'connect'"


@req("SOCKET.CONNECT.PORT.HOST_OMITTED.1", "SOCKET.CONNECT.LISTENER.1")
def test_port_and_listener_without_host_connect_to_localhost(impl):
    with peer.tcp_listener("127.0.0.1") as lst:
        sock = impl.new("Socket")
        cb = impl.callback("connect")
        assert sock.connect(lst.getsockname()[1], cb) is sock
        call = cb.wait()
        with accept_client(lst, sock):
            pass
    assert call.args == []
    assert [e.args for e in sock.events("lookup")] == [LOCALHOST]


@req("SOCKET.EVENT.LOOKUP.ASYNC.1", "SOCKET.CONNECTING.2", "SOCKET.REMOTE_ADDRESS.UNSET.1")
def test_the_socket_is_connecting_during_the_default_lookup(impl):
    with peer.tcp_listener("127.0.0.1") as lst:
        sock = impl.new("Socket")
        # connect() and the reads run in one turn of the shim's loop: the lookup cannot be over yet
        ret, connecting, remote = same_turn(impl, (sock, "connect", lst.getsockname()[1], "localhost"),
                                           (sock, "get", "connecting"), (sock, "get", "remoteAddress"))
        assert ret.value is sock
        assert connecting.value is True
        assert remote.value is UNDEFINED, "no remote address while connecting"
        lookup = sock.wait("lookup")
        assert lookup.seq > ret.seq
        sock.wait("connect")
        accept_client(lst, sock).close()


@req("SOCKET.ERROR.RESOLVED.1", "SOCKET.EVENT.LOOKUP.ORDER.1", "SOCKET.ERROR.FIELDS.CONNECT.1")
def test_a_refused_name_reports_the_resolved_address(impl):
    port = closed_port()
    sock = impl.new("Socket")
    sock.connect(port, "localhost")
    error = sock.wait("error")
    sock.wait("close")
    (lookup,) = sock.events("lookup")
    assert lookup.args == LOCALHOST
    assert lookup.seq < error.seq
    err = error.args[0]
    assert (err.code, err.syscall, err.address, err.port) == ("ECONNREFUSED", "connect", "127.0.0.1", port)
    assert sock.names() == ["lookup", "error", "close"]


@pytest.mark.parametrize("target", ["ipv4", pytest.param("ipv6", marks=needs("ipv6")),
                                    pytest.param("path", marks=needs("pipe"))])
@req("SOCKET.CONNECT.OPTIONS.HOST.IP.1", "SOCKET.EVENT.LOOKUP.NONE.1")
def test_no_lookup_for_an_ip_address_or_a_path(impl, sock_dir, target):
    path = os.path.join(sock_dir, "nolookup.sock")
    lst = peer.unix_listener(path) if target == "path" else peer.tcp_listener(peer.LOOPBACK[target])
    with lst:
        sock = impl.new("Socket")
        fn = impl.callback("lookup")
        if target == "path":
            sock.connect({"path": path, "lookup": fn})
        else:
            sock.connect({"port": lst.getsockname()[1], "host": peer.LOOPBACK[target], "lookup": fn})
        sock.wait("connect")
        peer.accept(lst).close()
        settle(impl)
    assert fn.calls() == [], "the lookup function is not called"
    assert "lookup" not in sock.names()


# ------------------------------------------------------------- a custom lookup
def custom_lookup(impl, **options):
    """Connects a new socket to 'localhost' through a recording lookup
    function; returns (socket, the lookup's arguments)."""
    sock = impl.new("Socket")
    fn = impl.callback("lookup")
    sock.connect(dict({"port": closed_port(), "host": "localhost", "lookup": fn}, **options))
    args = fn.wait().args
    return sock, args


@req("SOCKET.CONNECT.OPTIONS.LOOKUP.1", "SOCKET.CONNECT.OPTIONS.FAMILY.DEFAULT.1",
     "SOCKET.CONNECT.OPTIONS.HINTS.DEFAULT.1", "SOCKET.CONNECTING.2")
def test_a_custom_lookup_gets_host_options_and_a_callback(impl):
    sock, args = custom_lookup(impl)
    assert len(args) == 3
    host, options, callback = args
    assert host == "localhost"
    assert options == {"family": UNDEFINED, "hints": 32}, \
        "the options: no family, hints dns.ADDRCONFIG, nothing else; got %r" % (options,)
    assert isinstance(callback, Opaque) and callback.type_name == "Function"
    assert sock.get("connecting") is True, "connecting while the lookup is under way"
    settle(impl)
    assert sock.names() == [], "no event while the lookup has not called back"
    sock.destroy()


@pytest.mark.parametrize("family", [4, 6])
@req("SOCKET.CONNECT.OPTIONS.FAMILY.1", "SOCKET.CONNECT.OPTIONS.HINTS.DEFAULT.1")
def test_family_reaches_the_lookup_with_hints_zero(start_impl, sock_dir, family):
    # in a namespace where no resolver answers: an implementation that ignored
    # the lookup option could not send an IPv6 query for localhost anywhere
    impl = start_impl(prefix=private_resolver_prefix(sock_dir, isolated=True))
    sock, args = custom_lookup(impl, family=family)
    assert args[1] == {"family": family, "hints": 0}
    sock.destroy()


@req("SOCKET.CONNECT.OPTIONS.HINTS.1")
def test_hints_reach_the_lookup_unchanged(impl):
    for options, seen in [({"hints": 8}, {"family": UNDEFINED, "hints": 8}),
                          ({"family": 4, "hints": 32}, {"family": 4, "hints": 32})]:
        sock, args = custom_lookup(impl, **options)
        got = {k: args[1].get(k) for k in ("family", "hints")}
        assert got == seen, "lookup options for %r" % (options,)
        sock.destroy()


@req("SOCKET.CONNECT.OPTIONS.LOOKUP.TYPE.1", "SOCKET.CONNECT.OPTIONS.FAMILY.INVALID.1",
     "SOCKET.CONNECT.OPTIONS.HINTS.INVALID.1")
def test_invalid_lookup_options_throw(impl):
    for options, name, message in [
            ({"lookup": 5}, "TypeError", '"lookup" option should be a function'),
            ({"family": 5}, "TypeError", "Invalid argument: family must be 4 or 6"),
            ({"hints": 12345}, "TypeError", "Invalid argument: hints must use valid flags")]:
        sock = impl.new("Socket")
        with pytest.raises(Threw) as info:
            sock.connect(dict({"port": closed_port(), "host": "localhost"}, **options))
        err = info.value.error
        assert (err.name, err.message) == (name, message)
        settle(impl)
        assert sock.names() == []


@req("SOCKET.EVENT.LOOKUP.DESTROYED.1", "SOCKET.DESTROY.CLOSE.1")
def test_destroy_during_the_lookup_does_not_connect(impl):
    with peer.tcp_listener("127.0.0.1") as lst:
        port = lst.getsockname()[1]
        sock, later = impl.new("Socket"), impl.new("Socket")
        # destroy() in the same turn of the shim's loop as connect(): the lookup is under way.
        # A second socket looking up the same name just after is the clock: once it has
        # connected, the first lookup has long ended.
        ret, destroyed, _ = same_turn(impl, (sock, "connect", port, "localhost"), (sock, "destroy"),
                                      (later, "connect", port, "localhost"))
        assert destroyed.value is sock
        close = sock.wait("close")
        later.wait("connect")
        accept_client(lst, later).close()
        settle(impl)
        lst.setblocking(False)
        with pytest.raises(BlockingIOError):
            lst.accept()                        # no connection was made for the destroyed socket
    assert close.args == [False]
    assert "connect" not in sock.names() and "error" not in sock.names()
    assert all(e.args == LOCALHOST for e in sock.events("lookup")), "if reported, the lookup's own result"


@req("SOCKET.EVENT.LOOKUP.ERROR.1", "SOCKET.ERROR.ERRNO.1", "SOCKET.EVENT.ERROR.CLOSE.1")
def test_a_failed_lookup_is_reported_then_fails_the_attempt(start_impl, sock_dir):
    impl = start_impl(prefix=private_resolver_prefix(sock_dir, isolated=True))
    name = not_in_hosts("netspec-no-such-host.invalid")
    port = closed_port()
    sock = impl.new("Socket")
    sock.connect(port, name)
    returned = impl.last_response_seq
    lookup = sock.wait("lookup", timeout=10)
    error = sock.wait("error")
    close = sock.wait("close")
    assert returned < lookup.seq < error.seq < close.seq
    assert sock.names() == ["lookup", "error", "close"]
    err, address, family, host = lookup.args
    assert isinstance(err, NetError)
    assert (address, family, host) == (UNDEFINED, UNDEFINED, name)
    assert (err.code, err.syscall) == ("EAI_AGAIN", "getaddrinfo")
    assert err.errno == err.code, "errno %r, not the code %r" % (err.errno, err.code)
    assert err.message == "getaddrinfo EAI_AGAIN"
    failure = error.args[0]
    assert (failure.code, failure.syscall, failure.port) == ("EAI_AGAIN", "getaddrinfo", port)
    assert failure.message == "getaddrinfo EAI_AGAIN %s:%d" % (name, port)
    assert close.args == [True]
