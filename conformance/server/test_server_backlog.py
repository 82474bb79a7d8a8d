"""The backlog of listen(), in every form, as the kernel reports it.

A listening socket's backlog is the Send-Q column of `ss -ltn` (TCP) or
`ss -lx` (Unix domain); on Linux it is min(requested, net.core.somaxconn).
"""
import os
import subprocess

import pytest

from netspec_harness import needs, peer, req
from _server_util import listening


# ---------------------------------------------------------------- helpers
def somaxconn():
    with open("/proc/sys/net/core/somaxconn") as fh:
        return int(fh.read())


def _listening(kind):
    out = subprocess.run(["ss", "-Hln" + kind], stdout=subprocess.PIPE, text=True, check=True).stdout
    for line in out.splitlines():
        fields = line.split()
        if "LISTEN" in fields:
            i = fields.index("LISTEN")
            yield int(fields[i + 2]), fields[i + 3]      # Send-Q, local address


def backlog_of(addr):
    """The backlog of the one listening socket at `addr` (a server's address():
    a dict for TCP, a path for a Unix socket)."""
    if isinstance(addr, str):
        found = [q for q, local in _listening("x") if local == addr]
    else:
        host = addr["address"]
        local_forms = {"%s:%d" % (host, addr["port"]), "[%s]:%d" % (host, addr["port"])}
        if host == "::":
            local_forms |= {"*:%d" % addr["port"], "[::]:%d" % addr["port"]}
        if host == "0.0.0.0":
            local_forms |= {"*:%d" % addr["port"]}
        found = [q for q, local in _listening("t") if local in local_forms]
    assert len(found) == 1, "expected one listening socket at %r in ss, found %r" % (addr, found)
    return found[0]


def reachable(srv, addr):
    if isinstance(addr, str):
        with peer.connect_unix(addr):
            srv.wait("connection")
    else:
        host = "127.0.0.1" if addr["address"] in ("::", "0.0.0.0") else addr["address"]
        with peer.connect_tcp(host, addr["port"]):
            srv.wait("connection")


def args_for(shape, sock_dir):
    path = os.path.join(sock_dir, "b.sock")
    return {
        "port": [0],
        "port-host": [0, "127.0.0.1"],
        "options": [{"port": 0}],
        "options-host": [{"port": 0, "host": "127.0.0.1"}],
        "path": [path],
        "path-options": [{"path": path}],
    }[shape]


PIPE_SHAPES = ("path", "path-options")


def shape_param(shape):
    return pytest.param(shape, marks=needs("pipe")) if shape in PIPE_SHAPES else shape


# ------------------------------------------------------------------ tests
@req("SERVER.LISTEN.BACKLOG.DEFAULT.1")
@pytest.mark.parametrize("shape", [shape_param(s) for s in
                                   ("port", "port-host", "options", "options-host", "path", "path-options")])
def test_the_default_backlog_is_511(impl, sock_dir, shape):
    srv = impl.net.createServer()
    addr = listening(srv, *args_for(shape, sock_dir))
    assert backlog_of(addr) == 511
    reachable(srv, addr)


def _given(shape, sock_dir):
    path = os.path.join(sock_dir, "b.sock")
    return {
        "port-host-backlog": ([0, "127.0.0.1", 5], 5),
        "port-backlog": ([0, 7], 7),
        "path-backlog": ([path, 6], 6),
        "options-backlog": ([{"port": 0, "host": "127.0.0.1", "backlog": 3}], 3),
        "path-options-backlog": ([{"path": path, "backlog": 8}], 8),
    }[shape]


@req("SERVER.LISTEN.BACKLOG.1", "SERVER.LISTEN.PATH.2", "SERVER.LISTEN.OPTIONS.PORT.1",
     "SERVER.LISTEN.OPTIONS.PATH.1")
@pytest.mark.parametrize("shape", [shape_param(s) for s in ("port-host-backlog", "port-backlog", "path-backlog",
                                                            "options-backlog", "path-options-backlog")])
def test_a_given_backlog_reaches_the_socket(impl, sock_dir, shape):
    args, expected = _given(shape, sock_dir)
    srv = impl.net.createServer()
    cb = impl.callback("listen")
    addr = listening(srv, *args, cb)
    cb.wait()
    assert backlog_of(addr) == expected
    reachable(srv, addr)


@req("SERVER.LISTEN.BACKLOG.1", "SERVER.LISTEN.HANDLE.SERVER.1")
def test_a_backlog_after_a_handle_reaches_the_shared_socket(impl):
    first = impl.net.createServer()
    addr = listening(first, 0, "127.0.0.1")
    assert backlog_of(addr) == 511
    second = impl.net.createServer()
    assert listening(second, first, 9) == addr
    assert backlog_of(addr) == 9
    reachable(second, addr)


@needs("ipv6")
@req("SERVER.LISTEN.BACKLOG.2", "SERVER.LISTEN.HOST.OMITTED.1")
def test_a_number_after_the_port_is_a_backlog_not_a_host(impl):
    srv = impl.net.createServer()
    addr = listening(srv, 0, 7)
    assert (addr["address"], addr["family"]) == ("::", "IPv6")
    assert backlog_of(addr) == 7
    reachable(srv, addr)


@req("SERVER.LISTEN.BACKLOG.3")
@pytest.mark.parametrize("backlog,expected", [(0, 511), (-3, 511), ("x", 511), ("9", 9)],
                         ids=["zero", "negative", "not-a-number", "numeric-string"])
def test_unusable_backlogs_become_the_default(impl, backlog, expected):
    srv = impl.net.createServer()
    addr = listening(srv, 0, "127.0.0.1", backlog)
    assert backlog_of(addr) == expected
    reachable(srv, addr)


@req("SERVER.LISTEN.BACKLOG.4")
def test_a_backlog_above_the_system_limit_is_cut_to_it(impl):
    srv = impl.net.createServer()
    addr = listening(srv, 0, "127.0.0.1", 100000)
    assert backlog_of(addr) == min(100000, somaxconn())
    reachable(srv, addr)


@req("SERVER.LISTEN.AGAIN.3", "SERVER.LISTEN.AGAIN.1")
def test_listen_again_applies_its_backlog(impl):
    srv = impl.net.createServer()
    addr = listening(srv, 0, "127.0.0.1")
    assert backlog_of(addr) == 511
    assert listening(srv, 0, "127.0.0.1", 7) == addr
    assert backlog_of(addr) == 7
    assert listening(srv, 0, "127.0.0.1") == addr
    assert backlog_of(addr) == 511, "a call without a backlog applies the default"
    reachable(srv, addr)
