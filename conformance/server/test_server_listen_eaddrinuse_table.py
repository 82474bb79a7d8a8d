"""EADDRINUSE as a table: which holder of a port (or path) blocks which listen().

Rows: the holder of the port, a real socket of the test (127.0.0.1, 0.0.0.0,
::1, :: dual-stack, :: IPv6-only) or a server of the implementation with the
host omitted. Columns: the server under test listening on the same port with
host 127.0.0.1, 0.0.0.0, ::1, :: or none. One test function per row (citing
that row's requirement), one test per cell: either 'error' EADDRINUSE (with the
address and port the listen asked for) or 'listening' at once. A second test per
blocked cell runs the documented retry once the holder lets go (close(), listen()
again: 'close', then 'listening' on that very port).

Unix paths: a live server or a stale socket file at the path, and the same
retry (which, for a path, also needs the file removed).

A port is chosen by binding the holder to port 0; where the holder leaves the
other address family free, the test first makes sure that family's side of
the port is free too (another test's client may hold it, or a connection of
it linger), so that a bind there could only fail because of the holder.
"""
import os
import socket

import pytest

from netspec_harness import needs, peer, req

V4_LOOPBACK, V4_ANY, V6_LOOPBACK, V6_DUAL, V6_ONLY, OMITTED = (
    "127.0.0.1", "0.0.0.0", "::1", "::dual", "::v6only", "omitted")

# listener (the host given to listen(); None: omitted) -> what the error and address() report
LISTENERS = {"127.0.0.1": "127.0.0.1", "0.0.0.0": "0.0.0.0", "::1": "::1", "::": "::", None: "::"}

# (holder, listener host) pairs that fail with EADDRINUSE; every other pair listens.
BLOCKED = {
    V4_LOOPBACK: {"127.0.0.1", "0.0.0.0", "::", None},
    V4_ANY: {"127.0.0.1", "0.0.0.0", "::", None},
    V6_LOOPBACK: {"::1", "::", None},
    V6_DUAL: {"127.0.0.1", "0.0.0.0", "::1", "::", None},
    V6_ONLY: {"::1", "::", None},
    OMITTED: {"127.0.0.1", "0.0.0.0", "::1", "::", None},
}
REQ = {
    V4_LOOPBACK: "SERVER.LISTEN.EADDRINUSE.BY.V4_LOOPBACK.1",
    V4_ANY: "SERVER.LISTEN.EADDRINUSE.BY.V4_ANY.1",
    V6_LOOPBACK: "SERVER.LISTEN.EADDRINUSE.BY.V6_LOOPBACK.1",
    V6_DUAL: "SERVER.LISTEN.EADDRINUSE.BY.V6_DUAL.1",
    V6_ONLY: "SERVER.LISTEN.EADDRINUSE.BY.V6_ONLY.1",
    OMITTED: "SERVER.LISTEN.EADDRINUSE.BY.HOST_OMITTED.1",
}


def _free_on(family, host, port):
    """True if a listener with SO_REUSEADDR (as Node's) could bind host:port."""
    probe = socket.socket(family, socket.SOCK_STREAM)
    try:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        probe.bind((host, port))
        return True
    except OSError:
        return False
    finally:
        probe.close()


class PeerHolder:
    def __init__(self, holder):
        self.sock = None
        for _ in range(50):
            if holder in (V6_DUAL, V6_ONLY):
                sock = peer.tcp_listener("::", v6only=(holder == V6_ONLY))
            else:
                sock = peer.tcp_listener(holder)
            port = sock.getsockname()[1]
            # the family the holder leaves alone must be free as well
            if holder in (V4_LOOPBACK, V4_ANY):
                ok = _free_on(socket.AF_INET6, "::", port)
            elif holder in (V6_LOOPBACK, V6_ONLY):
                ok = _free_on(socket.AF_INET, "0.0.0.0", port)
            else:
                ok = True
            if ok:
                self.sock, self.port = sock, port
                return
            sock.close()
        raise AssertionError("no port whose other family's side is free")

    def release(self):
        self.sock.close()


class ImplHolder:
    """A server of the implementation itself, listening with the host omitted."""

    def __init__(self, impl):
        self.srv = impl.net.createServer()
        self.srv.listen(0)
        self.srv.wait("listening")
        self.port = self.srv.address()["port"]

    def release(self):
        self.srv.close()
        self.srv.wait("close")


def holder_of(impl, holder):
    return ImplHolder(impl) if holder == OMITTED else PeerHolder(holder)


def listen_args(host, port):
    return [port] if host is None else [port, host]


def hosts(holder, blocked_only=False):
    """The listeners of one row, as parameters (the IPv6 ones need IPv6)."""
    out = []
    for host in LISTENERS:
        if blocked_only and host not in BLOCKED[holder]:
            continue
        v6 = ":" in holder or holder == OMITTED or host is None or ":" in host
        out.append(pytest.param(host, marks=[needs("ipv6")] if v6 else [],
                                id="omitted" if host is None else host))
    return out


def want_address(host, port):
    shown = LISTENERS[host]
    return {"address": shown, "family": "IPv6" if ":" in shown else "IPv4", "port": port}


def check_cell(impl, holder, host):
    """listen() on the port of `holder` with `host`: blocked or not, as the table says."""
    held = holder_of(impl, holder)
    port = held.port
    srv = impl.net.createServer()
    try:
        assert srv.listen(*listen_args(host, port)) is srv
        returned = impl.last_response_seq
        blocked = host in BLOCKED[holder]
        first = srv.wait("error" if blocked else "listening")
        if not blocked:
            assert srv.names() == ["listening"]
            assert srv.address() == want_address(host, port)
            return
    finally:
        held.release()
    assert first.seq > returned
    err = first.args[0]
    assert (err.code, err.syscall, err.address, err.port) == ("EADDRINUSE", "listen", LISTENERS[host], port)
    assert srv.get("listening") is False
    assert srv.names() == ["error"]


@pytest.mark.parametrize("host", hosts(V4_LOOPBACK))
@req("SERVER.LISTEN.EADDRINUSE.BY.V4_LOOPBACK.1", "SERVER.LISTEN.EADDRINUSE.1")
def test_held_by_ipv4_loopback(impl, host):
    check_cell(impl, V4_LOOPBACK, host)


@pytest.mark.parametrize("host", hosts(V4_ANY))
@req("SERVER.LISTEN.EADDRINUSE.BY.V4_ANY.1", "SERVER.LISTEN.EADDRINUSE.1")
def test_held_by_ipv4_any(impl, host):
    check_cell(impl, V4_ANY, host)


@pytest.mark.parametrize("host", hosts(V6_LOOPBACK))
@req("SERVER.LISTEN.EADDRINUSE.BY.V6_LOOPBACK.1", "SERVER.LISTEN.EADDRINUSE.1")
def test_held_by_ipv6_loopback(impl, host):
    check_cell(impl, V6_LOOPBACK, host)


@pytest.mark.parametrize("host", hosts(V6_DUAL))
@req("SERVER.LISTEN.EADDRINUSE.BY.V6_DUAL.1", "SERVER.LISTEN.EADDRINUSE.1")
def test_held_by_ipv6_any_dual_stack(impl, host):
    check_cell(impl, V6_DUAL, host)


@pytest.mark.parametrize("host", hosts(V6_ONLY))
@req("SERVER.LISTEN.EADDRINUSE.BY.V6_ONLY.1", "SERVER.LISTEN.EADDRINUSE.1")
def test_held_by_ipv6_any_ipv6_only(impl, host):
    check_cell(impl, V6_ONLY, host)


@pytest.mark.parametrize("host", hosts(OMITTED))
@req("SERVER.LISTEN.EADDRINUSE.BY.HOST_OMITTED.1", "SERVER.LISTEN.EADDRINUSE.1")
def test_held_by_a_server_with_the_host_omitted(impl, host):
    check_cell(impl, OMITTED, host)


@pytest.mark.parametrize("holder,host", [
    pytest.param(holder, p.values[0], marks=p.marks, id="%s-by-%s" % (p.id, holder))
    for holder in BLOCKED for p in hosts(holder, blocked_only=True)])
@req("SERVER.LISTEN.EADDRINUSE.RETRY.ORDER.1", "SERVER.LISTEN.EADDRINUSE.RETRY.1")
def test_retry_in_every_blocked_cell(impl, holder, host):
    held = holder_of(impl, holder)
    port = held.port
    srv = impl.net.createServer()
    try:
        srv.listen(*listen_args(host, port))
        assert srv.wait("error").args[0].code == "EADDRINUSE"
    finally:
        held.release()                      # the holder lets go
    srv.close()                             # the documented retry
    srv.listen(*listen_args(host, port))
    srv.wait("listening")
    assert srv.names() == ["error", "close", "listening"]
    assert srv.address() == want_address(host, port)


# ----------------------------------------------------------------- Unix paths
def unix_holder(path, state):
    holder = peer.unix_listener(path)
    if state == "stale":
        holder.close()
    return holder


@needs("pipe")
@pytest.mark.parametrize("state", ["live", "stale"])
@req("SERVER.LISTEN.EADDRINUSE.BY.PATH_LIVE.1", "SERVER.LISTEN.EADDRINUSE.BY.PATH_STALE.1",
     "SERVER.LISTEN.EADDRINUSE.1")
def test_held_unix_path(impl, sock_dir, state):
    path = os.path.join(sock_dir, "held.sock")
    with unix_holder(path, state):
        srv = impl.net.createServer()
        assert srv.listen(path) is srv
        err = srv.wait("error").args[0]
    assert (err.code, err.syscall, err.address) == ("EADDRINUSE", "listen", path)
    assert err.port == -1
    assert os.path.exists(path), "the failed listen leaves the file alone"


@needs("pipe")
@pytest.mark.parametrize("state", ["live", "stale"])
@req("SERVER.LISTEN.EADDRINUSE.RETRY.ORDER.1", "SERVER.LISTEN.EADDRINUSE.BY.PATH_LIVE.1",
     "SERVER.LISTEN.EADDRINUSE.BY.PATH_STALE.1")
def test_retry_on_a_held_unix_path(impl, sock_dir, state):
    path = os.path.join(sock_dir, "held.sock")
    holder = unix_holder(path, state)
    srv = impl.net.createServer()
    srv.listen(path)
    assert srv.wait("error").args[0].code == "EADDRINUSE"
    holder.close()                         # the other server goes away (if it had not) ...
    assert os.path.exists(path), "closing a socket leaves its file behind"
    srv.close()
    srv.listen(path)
    again = srv.wait("error").args[0]
    assert again.code == "EADDRINUSE", "the file left behind still blocks the path"
    os.unlink(path)                        # ... and only removing its file frees the path
    srv.close()
    srv.listen(path)
    srv.wait("listening")
    assert srv.names() == ["error", "close", "error", "close", "listening"]
    assert srv.address() == path
    with peer.connect_unix(path):
        srv.wait("connection")
