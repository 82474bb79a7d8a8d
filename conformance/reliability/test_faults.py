"""Faults, each with the outcome Node 8.17 shows (the truth): the peer resets
the connection while the implementation is writing; the peer's process is
killed; the process runs out of file descriptors while connections wait to be
accepted; more connections arrive than the listen backlog holds; a name the
name server says does not exist; a connection attempt whose SYNs are dropped,
ended by a timeout. (The shim itself killed with SIGKILL is a harness test:
harness/tests/test_shim_killed.py.)

Where the traffic goes: the peer is on 127.0.0.1. The DNS tests run the shim
in a private mount and network namespace whose /etc/resolv.conf names
127.0.0.1, where fixtures/dns/responder.py answers every question with
NXDOMAIN. The dropped-SYN tests run the shim in a private network namespace
made by fixtures/netns/syn_sink.sh, where 198.18.0.2 sits behind a veth whose
other end is down. Neither namespace has any way out.

Nothing sleeps: every wait reads the shim's output, the peer's socket, a child
process's output or the kernel's view of a socket (TCP_INFO, ss), each with a
deadline. The outcomes, by implementation, are tabled in README.md (## Faults).
"""
import errno
import os
import resource
import signal
import socket
import struct
import subprocess
import sys
import time

import pytest

from netspec_harness import UNDEFINED, NetError, peer, reliability, req
from _server_util import listening_server
from netspec_harness.shim import timeout_scale

pytestmark = [reliability]

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RESPONDER = os.path.join(ROOT, "fixtures", "dns", "responder.py")
SYN_SINK = os.path.join(ROOT, "fixtures", "netns", "syn_sink.sh")
SILENT_HOST = "198.18.0.2"            # inside the syn_sink namespace only: SYNs to it are dropped
MISSING_NAME = "nosuch.netspec.test"  # .test is reserved (RFC 6761); only our responder is asked

TCP_ESTABLISHED, TCP_SYN_SENT = 1, 2


# ------------------------------------------------------------------ helpers
def settle(impl):
    """Two round trips through the shim's loop: whatever the implementation
    had to report about input already in its kernel has been read."""
    impl.net.get("isIP")
    impl.net.get("isIP")


def accepted_pair(impl, srv):
    """(implementation's accepted socket, peer socket) of a new connection."""
    conn = peer.connect_tcp("127.0.0.1", srv.address()["port"])
    sock = srv.wait("connection").args[0]
    assert sock.get("remotePort") == conn.getsockname()[1], "the connection is the peer's"
    return sock, conn


def names_after(handle, first):
    """The names of the handle's events from the first `first` on."""
    names = handle.names()
    return names[names.index(first):]


def wait_for(predicate, what, timeout=5.0):
    """Polls the kernel's view (TCP_INFO, ss, /proc) until predicate() holds."""
    deadline = time.monotonic() + timeout * timeout_scale()
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("not within %.1f s: %s" % (timeout * timeout_scale(), what))
        time.sleep(0.001)       # polling the kernel, not waiting for the implementation


def tcp_state(sock):
    return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)[0]


def listen_queue(port):
    """(connections waiting to be accepted, backlog) of the listener on 127.0.0.1:port, from ss."""
    out = subprocess.run(["ss", "-Hltn", "sport = :%d" % port], stdout=subprocess.PIPE, text=True,
                         check=True).stdout.split()
    assert out and out[0] == "LISTEN", "ss shows the listener: %r" % out
    return int(out[1]), int(out[2])


def proc_state(pid):
    with open("/proc/%d/stat" % pid, encoding="ascii", errors="replace") as fh:
        return fh.read().rsplit(")", 1)[1].split()[0]


def lowest_free_fd(pid):
    used = {int(n) for n in os.listdir("/proc/%d/fd" % pid)}
    n = 0
    while n in used:
        n += 1
    return n


# ------------------------------------------------- the peer resets mid-write
def reset_while_writing(impl):
    """An accepted socket with data queued in the implementation (bufferSize
    > 0, the last write with a callback), then reset by the peer, which never
    read. Returns (socket, callback of a write that completed, callback of the
    queued write)."""
    srv = listening_server(impl)
    sock, conn = accepted_pair(impl, srv)
    sent = impl.callback("sent")
    sock.write(b"head", sent)
    sent.wait()
    chunk = b"\xa5" * 65536
    for _ in range(1024):
        sock.write(chunk)
        if sock.get("bufferSize") > 0:
            break
    else:
        raise AssertionError("64 MiB written and nothing queued")
    queued = impl.callback("queued")
    sock.write(chunk, queued)
    assert sock.get("bufferSize") > 0
    peer.reset(conn)
    impl.note("peer: reset (RST) with the implementation's data unread")
    sock.wait("error")
    sock.wait("close")
    settle(impl)
    return sock, sent, queued


@req("SOCKET.ECONNRESET.1", "SOCKET.EVENT.ERROR.CLOSE.1", "SOCKET.EVENT.END.NOT_ON_ERROR.1",
     "SOCKET.EVENT.CLOSE.HAD_ERROR.2")
def test_a_reset_while_data_is_queued_is_a_read_econnreset(impl):
    sock, _, _ = reset_while_writing(impl)
    (error,) = sock.events("error")
    err = error.args[0]
    assert isinstance(err, NetError)
    assert (err.code, err.syscall, err.message) == ("ECONNRESET", "read", "read ECONNRESET"), \
        "the reset is reported by the read side, as Node 8 does: %r" % (err,)
    assert not err.has("address") and not err.has("port")
    assert names_after(sock, "error") == ["error", "close"]
    assert sock.events("close")[0].args == [True]
    assert "end" not in sock.names()
    assert sock.get("destroyed") is True


@req("SOCKET.WRITE.LOST.1", "SOCKET.WRITE.CALLBACK.1")
def test_writes_still_queued_at_a_reset_never_call_back(impl):
    sock, sent, queued = reset_while_writing(impl)
    assert sent.calls()[0].args in ([], [UNDEFINED], [None]), "the completed write called back without error"
    assert queued.calls() == [], \
        "the callback of data the reset left unsent is not called: %r" % (queued.calls(),)
    assert sock.names().count("error") == 1


# ------------------------------------------------------- the peer is killed
PEER_CHILD = r"""
import select, socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b"hello")
print("connected %d" % s.getsockname()[1], flush=True)
if sys.argv[2] == "unread":
    select.select([s], [], [], 10)        # the implementation's bytes arrived; leave them unread
    print("holding unread data", flush=True)
sys.stdin.read()
"""


@pytest.mark.parametrize("held", ["idle", "unread"])
@req("SOCKET.EVENT.END.1", "SOCKET.HALFOPEN.FALSE.3", "SOCKET.EVENT.CLOSE.HAD_ERROR.1", "SOCKET.ECONNRESET.1",
     "SOCKET.EVENT.ERROR.CLOSE.1", "SERVER.EVENT.CONNECTION.1")
def test_a_killed_peer_process_ends_or_resets_the_connection(impl, held):
    srv = listening_server(impl)
    child = subprocess.Popen([sys.executable, "-c", PEER_CHILD, str(srv.address()["port"]), held],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline()
        assert line.startswith("connected "), "the peer process connected: %r" % line
        sock = srv.wait("connection").args[0]
        assert sock.get("remotePort") == int(line.split()[1])
        assert sock.wait_received(5) == b"hello"
        if held == "unread":
            sock.write(b"never read")
            assert child.stdout.readline() == "holding unread data\n"
        child.kill()
        impl.note("peer: process killed (SIGKILL), %s" % held)
        assert child.wait(timeout=5 * timeout_scale()) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
        child.stdin.close()
    close = sock.wait("close")
    settle(impl)
    if held == "idle":
        # the kernel closes the dead process's socket with a FIN: an orderly end
        assert names_after(sock, "data") == ["data", "end", "close"]
        assert close.args == [False]
    else:
        # it had unread data: the kernel resets the connection instead
        assert names_after(sock, "data") == ["data", "error", "close"]
        err = sock.events("error")[0].args[0]
        assert (err.code, err.syscall) == ("ECONNRESET", "read")
        assert close.args == [True]
    with peer.connect_tcp("127.0.0.1", srv.address()["port"]):
        srv.wait("connection")          # the server is not affected
    assert "error" not in srv.names() and "close" not in srv.names()


# ---------------------------------------- out of file descriptors while accepting
@req("SERVER.EVENT.CONNECTION.NO_FD.1", "SERVER.GETCONNECTIONS.1", "SERVER.EVENT.CONNECTION.1")
def test_out_of_descriptors_waiting_connections_are_closed_and_the_others_served(impl):
    srv = listening_server(impl)
    port = srv.address()["port"]
    sock_a, conn_a = accepted_pair(impl, srv)
    sock_b, conn_b = accepted_pair(impl, srv)
    pid = impl.proc.pid
    soft, hard = resource.prlimit(pid, resource.RLIMIT_NOFILE)
    resource.prlimit(pid, resource.RLIMIT_NOFILE, (lowest_free_fd(pid), hard))
    impl.note("RLIMIT_NOFILE of the shim lowered to its lowest free descriptor")
    try:
        dropped = [peer.connect_tcp("127.0.0.1", port) for _ in range(3)]
        for n, conn in enumerate(dropped):
            # the kernel completed the handshake; the implementation cannot keep the connection
            assert peer.recv_until_eof(conn) == b"", "waiting connection %d is closed without data" % n
            conn.close()
        sock_a.write(b"to a")                       # the accepted connections still work both ways
        assert peer.recv_exactly(conn_a, 4) == b"to a"
        conn_b.sendall(b"from b")
        assert sock_b.wait_received(6) == b"from b"
        counted = impl.callback("getConnections")
        srv.getConnections(counted)
        assert counted.wait().args[1] == 2, "only the two accepted connections count"
    finally:
        resource.prlimit(pid, resource.RLIMIT_NOFILE, (soft, hard))
    impl.note("RLIMIT_NOFILE restored")
    assert srv.names().count("connection") == 2, "no 'connection' for a connection that was dropped"
    assert "error" not in srv.names(), "running out of descriptors is not reported: %r" % srv.events("error")
    with peer.connect_tcp("127.0.0.1", port) as client:
        sock_d = srv.wait("connection").args[0]
        assert sock_d.get("remotePort") == client.getsockname()[1]
        client.sendall(b"d")
        assert sock_d.wait_received(1) == b"d"
    assert srv.get("listening") is True
    conn_a.close()
    conn_b.close()


# ---------------------------------------------------------- backlog overflow
@req("SERVER.LISTEN.BACKLOG.OVERFLOW.1", "SERVER.LISTEN.BACKLOG.1", "SERVER.EVENT.CONNECTION.2")
def test_connections_beyond_the_backlog_wait_and_are_all_served(impl):
    with open("/proc/sys/net/ipv4/tcp_abort_on_overflow") as fh:
        if fh.read().strip() != "0":
            pytest.skip("net.ipv4.tcp_abort_on_overflow is set: Linux resets instead of dropping SYNs "
                        "(SERVER.LISTEN.BACKLOG.OVERFLOW.1 is observed with the default, 0)")
    backlog, clients = 1, 4
    srv = listening_server(impl, 0, "127.0.0.1", backlog)
    port = srv.address()["port"]
    pid = impl.proc.pid
    os.kill(pid, signal.SIGSTOP)            # the implementation accepts nothing while stopped
    socks = []
    try:
        wait_for(lambda: proc_state(pid) in ("T", "t"), "the shim stopped")
        impl.note("shim stopped (SIGSTOP); %d clients connect" % clients)
        for _ in range(clients):
            s = socket.socket()
            s.setblocking(False)
            socks.append(s)
            assert s.connect_ex(("127.0.0.1", port)) in (0, errno.EINPROGRESS)
        queue = backlog + 1                 # Linux holds backlog + 1 completed connections
        wait_for(lambda: listen_queue(port)[0] >= queue, "%d connections queued on the listener" % queue)
        states = [tcp_state(s) for s in socks]
        assert listen_queue(port) == (queue, backlog), "queued connections and backlog (ss Recv-Q, Send-Q)"
        assert states == [TCP_ESTABLISHED] * queue + [TCP_SYN_SENT] * (clients - queue), \
            "the first %d complete, the others wait (their SYNs are dropped): states %r" % (queue, states)
    finally:
        os.kill(pid, signal.SIGCONT)
    impl.note("shim continued (SIGCONT)")
    # the waiting clients retransmit their SYN (after about 1 s) and are accepted then
    ports = {srv.wait("connection", timeout=10).args[0].get("remotePort") for _ in range(clients)}
    assert ports == {s.getsockname()[1] for s in socks}, "every client is served, none lost"
    wait_for(lambda: all(tcp_state(s) == TCP_ESTABLISHED for s in socks), "every client connected")
    for s in socks:
        s.close()
    assert "error" not in srv.names()


# ------------------------------------------------ DNS: the name does not exist
def _namespaces_usable(flags, script, *args):
    try:
        out = subprocess.run(["unshare", flags, "sh", "-c", script] + list(args), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, timeout=10 * timeout_scale())
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    return None if out.returncode == 0 else (out.stderr.decode(errors="replace").strip() or "status %d"
                                             % out.returncode)


@pytest.fixture
def nxdomain(tmp_path):
    """(prefix, query log): the prefix runs a shim in a private mount and
    network namespace (only `lo`) whose /etc/resolv.conf names 127.0.0.1,
    where fixtures/dns/responder.py answers every question NXDOMAIN and logs it."""
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("nameserver 127.0.0.1\noptions timeout:1 attempts:1\n")
    log = tmp_path / "queries.log"
    log.write_text("")
    setup = 'ip link set lo up && mount --bind "$0" /etc/resolv.conf && exec "$@"'
    problem = _namespaces_usable("-mn", setup + " 2>&1", str(resolv), "true")
    if problem:
        pytest.skip("cannot make a private mount and network namespace (unshare -mn, mount --bind, ip) for "
                    "the loopback DNS responder (SOCKET.LOOKUP.ENOTFOUND.1): %s" % problem)
    prefix = ["unshare", "-mn", "sh", "-c", setup, str(resolv),
              sys.executable, RESPONDER, "--rcode", "NXDOMAIN", "--log", str(log), "--"]
    return prefix, log


def asked(log, name):
    """The query types the responder was asked for `name` (DNS names ignore
    case; some resolvers randomise it)."""
    return [line.split()[1] for line in log.read_text().splitlines() if line.split()[0].lower() == name.lower()]


@req("SOCKET.LOOKUP.ENOTFOUND.1", "SOCKET.EVENT.LOOKUP.ERROR.1", "SOCKET.CONNECT.FAIL.ONCE.1",
     "SOCKET.EVENT.ERROR.CLOSE.1", "SOCKET.EVENT.LOOKUP.ORDER.1")
def test_a_name_the_server_says_does_not_exist_is_enotfound(start_impl, nxdomain):
    prefix, log = nxdomain
    impl = start_impl(prefix=prefix)
    sock = impl.new("Socket")
    assert sock.connect(80, MISSING_NAME) is sock
    returned = impl.last_response_seq
    close = sock.wait("close")
    settle(impl)
    assert sock.names() == ["lookup", "error", "close"]
    lookup, error = sock.events("lookup")[0], sock.events("error")[0]
    assert returned < lookup.seq, "the lookup fails after connect() returned"
    lerr, address, family, host = lookup.args
    assert (address, family, host) == (UNDEFINED, UNDEFINED, MISSING_NAME)
    assert (lerr.code, lerr.syscall, lerr.message) == \
        ("ENOTFOUND", "getaddrinfo", "getaddrinfo ENOTFOUND %s" % MISSING_NAME)
    err = error.args[0]
    assert (err.code, err.syscall) == ("ENOTFOUND", "getaddrinfo")
    assert (err.port, err.message) == (80, "getaddrinfo ENOTFOUND %s %s:80" % (MISSING_NAME, MISSING_NAME)), \
        "the attempt's 'error' adds the port, and ' NAME:PORT' to the message: %r" % (err,)
    assert close.args == [True]
    assert sock.get("connecting") is False
    assert asked(log, MISSING_NAME), "the name reached the loopback responder: %r" % log.read_text()


@req("SERVER.LISTEN.HOST.4", "SERVER.EVENT.ERROR.2", "SERVER.ERROR.FIELDS.2")
def test_listening_on_a_name_that_does_not_exist_is_enotfound(start_impl, nxdomain):
    prefix, log = nxdomain
    impl = start_impl(prefix=prefix)
    srv = impl.net.createServer()
    assert srv.listen(0, MISSING_NAME) is srv
    returned = impl.last_response_seq
    error = srv.wait("error")
    settle(impl)
    assert error.seq > returned
    err = error.args[0]
    assert (err.code, err.syscall, err.message) == \
        ("ENOTFOUND", "getaddrinfo", "getaddrinfo ENOTFOUND %s" % MISSING_NAME)
    assert srv.names() == ["error"]
    assert srv.get("listening") is False and srv.address() is None
    assert asked(log, MISSING_NAME), "the name reached the loopback responder: %r" % log.read_text()


# ------------------------------------- a connection attempt that never completes
@pytest.fixture
def syn_sink():
    """The prefix that runs a shim in a private network namespace where
    connecting to SILENT_HOST never completes (fixtures/netns/syn_sink.sh)."""
    problem = _namespaces_usable("-n", '"$0" true 2>&1', SYN_SINK)
    if problem:
        pytest.skip("cannot make a network namespace with a veth pair (unshare -n, ip link add type veth) "
                    "where SYNs are dropped (SOCKET.SET_TIMEOUT.UNCONNECTED.1): %s" % problem)
    return ["unshare", "-n", SYN_SINK]


@pytest.mark.parametrize("form", ["setTimeout", "timeout-option"])
@req("SOCKET.SET_TIMEOUT.UNCONNECTED.1", "SOCKET.SET_TIMEOUT.1", "SOCKET.CONNECTING.2",
     "SOCKET.EVENT.TIMEOUT.NO_CLOSE.1", "SOCKET.EVENT.TIMEOUT.USER_CLOSES.1", "SOCKET.REMOTE_ADDRESS.UNSET.1",
     "NET.CREATECONNECTION.TIMEOUT.2")
def test_a_connect_whose_syns_are_dropped_is_ended_by_its_timeout(start_impl, syn_sink, form):
    impl = start_impl(prefix=syn_sink)
    ms = 150
    started = time.monotonic()
    if form == "setTimeout":
        sock = impl.net.connect({"port": 9, "host": SILENT_HOST})
        assert sock.setTimeout(ms) is sock
    else:
        sock = impl.net.connect({"port": 9, "host": SILENT_HOST, "timeout": ms})
    returned = impl.last_response_seq
    timeout = sock.wait("timeout")
    elapsed = time.monotonic() - started
    assert timeout.seq > returned and timeout.args == []
    assert elapsed >= (ms - 10) / 1000.0, "'timeout' after %.3f s, sooner than %d ms" % (elapsed, ms)
    assert sock.get("connecting") is True, "the attempt is still pending"
    assert sock.get("destroyed") is False
    assert sock.get("remoteAddress") is UNDEFINED
    settle(impl)
    assert sock.names() == ["timeout"], "'timeout' alone neither connects, fails nor closes"
    assert sock.destroy() is sock
    close = sock.wait("close")
    settle(impl)
    assert close.args == [False]
    assert sock.names() == ["timeout", "close"]
    assert sock.get("connecting") is False
