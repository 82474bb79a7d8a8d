"""Helpers of the net.Socket tests (conformance/socket/), imported as a sibling
module (`from _socket_util import ...`; pytest puts this folder on sys.path
because it has no __init__.py). The harness has no such helpers; nothing here
sleeps to synchronise: every wait reads the shim's output or the peer's socket
with a deadline.

Connections: `pair()` gives an implementation socket and the real peer's end of
the same connection, in one of three ways (`KINDS`):

    accepted   the implementation's server accepted the peer's connection
               (created with or without allowHalfOpen)
    connect    net.connect({port|path, allowHalfOpen}) to the peer's listener
    new        new net.Socket({allowHalfOpen}), then socket.connect(port|path)

over TCP on 127.0.0.1 or a Unix path under sock_dir (`TRANSPORTS`).

Also: `settle` (two round trips through the shim's loop), `delivered` (the
peer's bytes are in the implementation's kernel, then settle), `fill_impl` /
`fill_peer` (back a connection up from either side), `Received` (megabytes of
'data' without quadratic cost), `peer_send_all` (the peer sends while the shim's
output is read), `pending_target` (a connect() that stays pending until
released), `same_turn` (several requests in one turn of the shim's loop),
`private_resolver_prefix` (a resolver that cannot answer), `impl_socket_copy`
(a copy of the implementation's own socket descriptor, for getsockopt).
"""
import contextlib
import ctypes
import os
import select
import socket
import subprocess
import time

import pytest

from netspec_harness import UNDEFINED, needs, peer
from netspec_harness.shim import Message, timeout_scale
from netspec_harness.values import encode
from netspec_harness.peer import closed_port, full_listener, wait_acknowledged  # noqa: F401 (used by the socket tests)

KINDS = ["accepted", "connect", "new"]
TRANSPORTS = ["tcp", pytest.param("unix", marks=needs("pipe"))]

# A byte stream whose period (251) divides no power of two: a lost, repeated
# or reordered chunk of any power-of-two size changes what the peer reads.
_PERIOD = bytes(range(251))


def stream_bytes(n, offset=0):
    """n bytes of the test stream starting at `offset`."""
    start = offset % 251
    reps = (start + n) // 251 + 1
    return (_PERIOD * reps)[start:start + n]


def settle(impl):
    """Two round trips through the shim's event loop. Everything the
    implementation had to report about input already in its kernel before
    this call has been written (and read by the harness) when it returns: the
    first request may be served in the same loop turn as a readable socket, the
    second one is served in a later turn."""
    impl.net.get("isIP")
    impl.net.get("isIP")


def delivered(impl, sock, conn):
    """The peer's bytes sent so far are in the implementation's kernel, and the
    implementation has had the chance to report them."""
    wait_acknowledged(conn)
    settle(impl)


def fill_peer(conn, chunk=65536, limit=64 << 20, offset=0):
    """Non-blocking sends of the test stream from the peer until the kernel
    refuses more (EAGAIN): the connection is backed up. Returns the bytes sent."""
    conn.setblocking(False)
    sent = bytearray()
    try:
        while len(sent) < limit:
            data = stream_bytes(chunk, offset + len(sent))
            try:
                n = conn.send(data)
            except BlockingIOError:
                return bytes(sent)
            sent += data[:n]
        raise AssertionError("the peer sent %d bytes without ever being held back" % limit)
    finally:
        conn.settimeout(5.0 * timeout_scale())


def peer_has_nothing(conn):
    """True when nothing (no byte, no end-of-file) is waiting to be read by the peer."""
    conn.setblocking(False)
    try:
        conn.recv(1, socket.MSG_PEEK)
    except BlockingIOError:
        return True
    finally:
        conn.settimeout(5.0 * timeout_scale())
    return False


class Received:
    """Incremental view of one handle's 'data' events (bytes or strings),
    cheaper than Handle.received() for megabytes of data."""

    def __init__(self, handle):
        self.handle = handle
        self.shim = handle._shim
        self.pos = 0
        self.chunks = []
        self.size = 0

    def _update(self):
        log = self.shim.log
        while self.pos < len(log):
            kind, _, msg = log[self.pos]
            self.pos += 1
            if (kind == "recv" and isinstance(msg, Message) and msg.type == "event"
                    and msg.target == self.handle.id and msg.name == "data"):
                chunk = self.shim.decode(msg.data["args"][0])
                self.chunks.append(chunk)
                self.size += len(chunk)
        return self.size

    def wait(self, n, timeout=None):
        """Waits until 'data' has carried at least n bytes; returns them all (bytes)."""
        self.shim.wait_until(lambda: self._update() >= n, timeout,
                             "%d bytes of 'data' on %s (have %d)" % (n, self.handle.id, self.size))
        return self.data()

    def data(self):
        self._update()
        return b"".join(c if isinstance(c, bytes) else c.encode("utf-8") for c in self.chunks)


def write_all(sock, data, piece=1 << 20):
    """Writes `data` in pieces of at most 1 MiB (a request line of many
    megabytes is slow to parse in some shims). Returns the write() results."""
    return [sock.write(data[i:i + piece]) for i in range(0, len(data), piece)]


def fill_impl(sock, chunk=65536, offset=0, limit=64 << 20, hold=1 << 20):
    """Writes the test stream through the implementation's socket until its
    own queue holds at least `hold` bytes while the peer reads nothing.
    Returns the bytes written.

    The kernels keep taking some data for a while after they first refuse:
    the receiver's delayed window updates let about 370 KiB more into a
    loopback connection over the next quarter second (default Linux
    settings; a Unix socket takes nothing more). A queue of `hold` = 1 MiB
    therefore never empties while the peer reads nothing, which is what the
    callers rely on (no 'drain', data still queued at 'end', ...)."""
    written = 0
    while written < limit:
        sock.write(stream_bytes(chunk, offset + written))
        written += chunk
        if sock.get("bufferSize") >= hold:
            return stream_bytes(written, offset)
    raise AssertionError("%d bytes written and bufferSize still under %d" % (limit, hold))


# ------------------------------------------------------------------ pairs
def _listen_impl_server(impl, transport, sock_dir, options):
    srv = impl.net.createServer(options) if options is not None else impl.net.createServer()
    if transport == "tcp":
        srv.listen(0, "127.0.0.1")
    else:
        srv.listen(os.path.join(sock_dir, "srv.sock"))
    srv.wait("listening")
    return srv


def _peer_connect(srv, transport, sock_dir):
    if transport == "tcp":
        return peer.connect_tcp("127.0.0.1", srv.address()["port"])
    return peer.connect_unix(os.path.join(sock_dir, "srv.sock"))


@contextlib.contextmanager
def peer_listener(transport, sock_dir):
    """The peer's listener: (listening socket, connect target: port or path)."""
    if transport == "tcp":
        lst = peer.tcp_listener("127.0.0.1")
        target = lst.getsockname()[1]
    else:
        target = os.path.join(sock_dir, "peer.sock")
        lst = peer.unix_listener(target)
    try:
        yield lst, target
    finally:
        lst.close()


def connect_options(transport, target, **extra):
    opts = {"port": target, "host": "127.0.0.1"} if transport == "tcp" else {"path": target}
    opts.update(extra)
    return opts


def pair(impl, kind, transport, sock_dir, allow_half_open=None):
    """(implementation socket, peer socket) of one established connection.
    allow_half_open None leaves the option out entirely. For 'connect' and
    'new', 'connect' has been emitted (and consumed by a wait)."""
    if kind == "accepted":
        opts = None if allow_half_open is None else {"allowHalfOpen": allow_half_open}
        srv = _listen_impl_server(impl, transport, sock_dir, opts)
        conn = _peer_connect(srv, transport, sock_dir)
        sock = srv.wait("connection").args[0]
        return sock, conn
    with peer_listener(transport, sock_dir) as (lst, target):
        if kind == "connect":
            extra = {} if allow_half_open is None else {"allowHalfOpen": allow_half_open}
            sock = impl.net.connect(connect_options(transport, target, **extra))
        elif kind == "new":
            sock = (impl.new("Socket") if allow_half_open is None
                    else impl.new("Socket", {"allowHalfOpen": allow_half_open}))
            if transport == "tcp":
                sock.connect(target, "127.0.0.1")
            else:
                sock.connect(target)
        else:
            raise ValueError(kind)
        sock.wait("connect")
        conn = peer.accept(lst)
    return sock, conn


def tcp_client(impl, **extra):
    """A connected TCP client of the implementation and the peer's end."""
    with peer.tcp_listener("127.0.0.1") as lst:
        sock = impl.net.connect(dict({"port": lst.getsockname()[1], "host": "127.0.0.1"}, **extra))
        sock.wait("connect")
        conn = peer.accept(lst)
    return sock, conn


def after(first, second):
    """Asserts that event `first` came before event `second` (by seq)."""
    assert first.seq < second.seq, "%r must come before %r" % (first, second)


def is_absent(value):
    """undefined or null: what a callback gets as 'no error'."""
    return value is None or value is UNDEFINED


# ------------------------------------------------ a resolver that answers nothing
RESOLV_CONF = "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n"


def private_resolver_prefix(directory, isolated=False):
    """The command prefix that runs a shim in a private mount namespace whose
    /etc/resolv.conf names only 127.0.0.1, where nothing answers: a name that
    is not in /etc/hosts then fails to resolve without a packet leaving
    loopback. With `isolated`, also a private network namespace (only a
    loopback interface, down): nothing can answer and nothing can leave, but
    the shim cannot reach the test's sockets either. Skips the test when the
    namespaces cannot be made."""
    path = os.path.join(directory, "resolv.conf")
    with open(path, "w", encoding="ascii") as fh:
        fh.write(RESOLV_CONF)
    script = 'mount --bind "$0" /etc/resolv.conf && exec "$@"'
    unshare = ["unshare", "-mn" if isolated else "-m"]
    probe = unshare + ["sh", "-c", script + " 2>/dev/null", path, "cat", "/etc/resolv.conf"]
    try:
        out = subprocess.run(probe, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        out = None
    if out is None or out.returncode != 0 or out.stdout.decode() != RESOLV_CONF:
        pytest.skip("cannot make a private mount namespace (unshare -m, mount --bind) for a private resolver")
    return unshare + ["sh", "-c", script, path]


def not_in_hosts(name):
    """Asserts that `name` is not in /etc/hosts (so only the resolver is asked)."""
    with open("/etc/hosts", encoding="utf-8", errors="replace") as fh:
        for line in fh:
            fields = line.split("#", 1)[0].split()
            assert name not in fields[1:], "%s is in /etc/hosts" % name
    return name


def accept_client(listener, sock):
    """The peer's end of `sock` (a TCP client of the implementation), checked
    to be that very connection by its port."""
    conn = peer.accept(listener)
    assert conn.getpeername()[1] == sock.get("localPort"), \
        "the peer accepted some other connection than the socket's"
    return conn


@contextlib.contextmanager
def pending_target():
    """A TCP port where a connect() stays pending: the listener's accept queue
    is full, so the implementation's SYN is dropped. Yields (port, release):
    release() makes room and returns the peer's end of the implementation's
    connection, made when its SYN is retransmitted (about 1 s later)."""
    lst, filler = full_listener()
    others = []

    def release():
        held, _ = lst.accept()           # the filler's connection leaves the queue
        others.append(held)
        return peer.accept(lst)

    try:
        yield lst.getsockname()[1], release
    finally:
        for s in [filler, lst] + others:
            s.close()


def same_turn(impl, *requests):
    """Runs several requests in one turn of the shim's event loop
    (Shim.same_turn). Each request is (handle, method, *args) for a call or
    (handle, "get", prop). Returns the responses in order, as Reply objects
    (.seq, .value, .threw)."""
    fields = []
    for handle, method, *args in requests:
        target = handle if isinstance(handle, str) else handle.id
        if method == "get":
            fields.append({"op": "get", "target": target, "prop": args[0]})
        else:
            fields.append({"op": "call", "target": target, "method": method, "args": encode(list(args))})
    out = []
    for m in impl.same_turn(fields):
        ok = m.data["status"] == "ok"
        out.append(Reply(m.seq, impl.decode(m.data.get("value", {"$undefined": True})) if ok else None,
                         None if ok else impl.decode(m.data.get("error"))))
    return out


class Reply:
    """A response to a batched request: its seq, the value, or the error thrown."""

    def __init__(self, seq, value, threw):
        self.seq, self.value, self.threw = seq, value, threw

    def __repr__(self):
        return "Reply(#%s %r%s)" % (self.seq, self.value, " threw %r" % self.threw if self.threw else "")


def peer_send_all(impl, conn, data, timeout=10.0):
    """The peer sends `data` without blocking while it also keeps reading the
    shim's output, so neither side can stall the other (a shim blocked on a
    full output pipe stops reading its sockets)."""
    conn.setblocking(False)
    view = memoryview(data)
    sent = 0
    deadline = time.monotonic() + timeout * timeout_scale()
    try:
        while sent < len(data):
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("the peer could send only %d of %d bytes" % (sent, len(data)))
            readable, writable, _ = select.select([impl.proc.stdout], [conn], [], left)
            if writable:
                try:
                    sent += conn.send(view[sent:sent + 65536])
                except BlockingIOError:
                    pass
            if readable:
                read_one(impl)
    finally:
        conn.settimeout(5.0 * timeout_scale())


def read_one(impl):
    """Reads at least one more message of the shim (it has output pending)."""
    state = []

    def once():
        state.append(None)
        return len(state) > 1
    impl.wait_until(once, None, "output of the shim")


def impl_socket_copy(impl, local_port):
    """A copy (a duplicate descriptor, taken with pidfd_getfd) of the shim's
    TCP socket whose local port is `local_port`: options set on it by the
    implementation can be read with getsockopt. Skips the test where the
    system does not allow taking a descriptor of a child process."""
    libc = ctypes.CDLL(None, use_errno=True)
    pid = impl.proc.pid
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError) as exc:
        pytest.skip("cannot open a pidfd of the shim: %s" % exc)
    try:
        for name in os.listdir("/proc/%d/fd" % pid):
            try:
                if not os.readlink("/proc/%d/fd/%s" % (pid, name)).startswith("socket:"):
                    continue
            except OSError:
                continue
            fd = libc.syscall(438, pidfd, int(name), 0)          # pidfd_getfd
            if fd < 0:
                pytest.skip("pidfd_getfd on the shim failed: %s" % os.strerror(ctypes.get_errno()))
            copy = socket.socket(fileno=fd)
            if copy.family in (socket.AF_INET, socket.AF_INET6) and copy.type == socket.SOCK_STREAM:
                try:
                    if copy.getsockname()[1] == local_port:
                        return copy
                except OSError:
                    pass
            copy.close()
    finally:
        os.close(pidfd)
    raise AssertionError("the shim holds no TCP socket with local port %d" % local_port)
