"""Load: thousands of concurrent echo connections, and nothing left behind.

One cycle: the implementation listens on 127.0.0.1; the peer opens N
connections in batches smaller than the listen backlog (so no SYN is dropped)
and sends a payload unique to each at once; the test echoes every 'data' chunk
back with socket.write() on the socket it arrived on, as soon as the harness
reads it. Once all N are open at the same time and every payload has arrived,
getConnections() must count N and the peer checks every echo. Then the peer
shuts down its sending side of all of them: each socket (allowHalfOpen false)
emits 'end', ends its own side, emits 'close' with hadError false, and the peer
reads end-of-file. getConnections() counts 0; the server closes.

Measured on the implementation's process (/proc/PID), each cycle: open
descriptors before, at the peak and after (exactly the baseline again, the
baseline taken after a first listen, since libuv and the reference keep a
spare descriptor for the EMFILE drain from then on), VmRSS after, VmHWM.

Memory: PROTOCOL.md keeps every handle addressable for the life of the shim, so
each connection's socket object stays allocated after 'close' in any shim (the
Node shim's id map, the reference shim's handle table): resident memory grows
by that much per connection and cycle by design. The tests therefore measure
what a never-connected socket keeps (n `new Socket()`) and compare what a
closed connection keeps with it:
  - test_load_echo_*: VmRSS, on every implementation. The allocator's
    fragmentation makes it coarse (kilobytes per connection), so its bound is
    coarse too: an untouched buffer kept per connection counts only by the
    pages that were written.
  - test_load_heap_*: the heap in use (valgrind massif, snapshots taken through
    vgdb after each cycle), for implementations with a malloc heap (not the
    garbage-collected runtimes): exact to the byte, so a leak of 100 bytes a
    connection fails it; the failure lists the allocation sites that grew.
Leaks proper (memory nothing points to) are for LeakSanitizer (the ASan build
runs these tests; a report makes the shim exit non-zero and fails the test) and
for scripts/memcheck-shim.

N is 10 000 for the reference and 1 000 for the others (Node's shim encodes
every event as JSON in JavaScript, which is the cost) and for a shim run under
valgrind; NETSPEC_LOAD_CONNECTIONS overrides it. The test raises its own
descriptor limit before the shim starts and checks the shim's in
/proc/PID/limits. The figures go to the timeline (impl.note) and to standard
output (pytest -s).
"""
import collections
import os
import re
import resource
import shutil
import socket
import subprocess
import time

import pytest

from netspec_harness import peer, reliability, req
from netspec_harness.shim import Message, timeout_scale

REF_NAME = "netspec-ref"
GC_RUNTIMES = ("node", "bun", "deno")    # hello impl.name of garbage-collected runtimes
REF_CONNECTIONS = 10000
OTHER_CONNECTIONS = 1000
HEAP_CONNECTIONS = 1000     # under massif
CYCLES = 3                  # the first warms up; growth is measured from its end to the last's
BATCH = 250                 # connections opened before the implementation catches up; the backlog is 511
SLACK_FDS = 64              # descriptors beyond the connections: stdio, the shim's loop, the test's own
# What a closed connection may keep beyond a never-connected socket, per connection:
RSS_LEFT = 8192             # bytes of VmRSS: fragmentation alone is up to ~4 KiB, so only gross retention fails
                            # it (a kept buffer counts only by its touched pages); the heap test is the exact one
HEAP_LEFT = 32              # bytes of heap in use (a leak of 100 bytes a connection fails)

pytestmark = [reliability, pytest.mark.timeout(int(120 * timeout_scale()))]


# ------------------------------------------------------------------ set-up
def _forced():
    value = os.environ.get("NETSPEC_LOAD_CONNECTIONS")
    return int(value) if value else None


def connections_for(impl):
    if _forced():
        return _forced()
    if impl.impl.get("name") == REF_NAME and not under_valgrind(impl):
        return REF_CONNECTIONS
    return OTHER_CONNECTIONS


@pytest.fixture(autouse=True)
def nofile_limit():
    """Raises RLIMIT_NOFILE of the test process (soft to hard; with
    CAP_SYS_RESOURCE the hard one too, if too low) before the `impl` fixture
    starts the shim, which inherits it: autouse fixtures are set up before the
    test's own. Yields the soft limit; restores it afterwards."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = max(_forced() or 0, REF_CONNECTIONS) + 2 * SLACK_FDS
    if hard == resource.RLIM_INFINITY:
        raised = (max(soft, need) if soft != resource.RLIM_INFINITY else soft, hard)
    elif hard >= need:
        raised = (hard, hard)
    else:
        raised = (need, need)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, raised)
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    yield resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def require_descriptors(shim, test_limit, n):
    """Skips (naming the platform's limit) when either process cannot hold n
    connections."""
    with open("/proc/%d/limits" % shim.proc.pid, encoding="ascii") as fh:
        soft = next(line.split()[3] for line in fh if line.startswith("Max open files"))
    for who, limit in (("shim", None if soft == "unlimited" else int(soft)),
                       ("test", None if test_limit == resource.RLIM_INFINITY else test_limit)):
        if limit is not None and limit < n + SLACK_FDS:
            pytest.skip("platform: RLIMIT_NOFILE of the %s is %d and cannot be raised to the %d that %d "
                        "connections need" % (who, limit, n + SLACK_FDS, n))


# --------------------------------------------------------- the process seen
def proc_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def proc_fd_targets(pid):
    """{descriptor: what it refers to}, for messages."""
    out = {}
    for name in os.listdir("/proc/%d/fd" % pid):
        try:
            out[int(name)] = os.readlink("/proc/%d/fd/%s" % (pid, name))
        except OSError:
            pass
    return out


def proc_memory(pid):
    """(VmRSS, VmHWM) of the process, in bytes."""
    out = {}
    with open("/proc/%d/status" % pid, encoding="ascii", errors="replace") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0]) * 1024
    return out["VmRSS"], out["VmHWM"]


def uses_asan(pid):
    with open("/proc/%d/maps" % pid, encoding="ascii", errors="replace") as fh:
        return any("libasan" in line or "libclang_rt.asan" in line for line in fh)


def under_valgrind(shim):
    return any(os.path.basename(a).startswith("valgrind") for a in shim.argv[:1])


# ------------------------------------------------------------- the echoes
class Echo:
    """Reads the shim's events incrementally (the log grows by tens of
    thousands of messages: no rescans) and echoes every 'data' chunk of the
    server's connections with a write() of the same bytes on the same socket."""

    def __init__(self, impl, server):
        self.impl = impl
        self.server = server.id
        self.pos = len(impl.log)
        self.order = []          # handle ids, in 'connection' order
        self.sockets = {}        # handle id -> {"received": n, "events": [(name, seq, args)]}
        self.closed = 0
        self.pending = collections.deque()   # (handle id, encoded chunk) to echo, in order
        self.writes = collections.Counter()  # repr of write()'s return values
        self.bad = []            # anomalies, for the test's assertions

    def update(self):
        log = self.impl.log
        while self.pos < len(log):
            kind, _, msg = log[self.pos]
            self.pos += 1
            if kind != "recv" or not isinstance(msg, Message) or msg.type != "event":
                continue
            args = msg.data.get("args", [])
            if msg.target == self.server:
                if msg.name == "connection":
                    hid = args[0].get("$handle") if len(args) == 1 and isinstance(args[0], dict) else None
                    if hid is None or hid in self.sockets:
                        self.bad.append("'connection' with %r" % (args,))
                        continue
                    self.order.append(hid)
                    self.sockets[hid] = {"received": 0, "events": []}
                elif msg.name != "close":
                    self.bad.append("server event %s %r" % (msg.name, args))
                continue
            st = self.sockets.get(msg.target)
            if st is None:
                continue
            st["events"].append((msg.name, msg.seq, args))
            if msg.name == "data":
                chunk = args[0] if len(args) == 1 and isinstance(args[0], dict) else {}
                if not isinstance(chunk.get("$bytes"), str):
                    self.bad.append("%s: 'data' with %r" % (msg.target, args))
                    continue
                st["received"] += decoded_size(chunk["$bytes"])
                self.pending.append((msg.target, chunk))
            elif msg.name == "close":
                self.closed += 1

    def step(self):
        """Handles what has been read, and echoes the pending chunks (each
        write is a request, which reads more output)."""
        self.update()
        while self.pending:
            hid, chunk = self.pending.popleft()
            resp = self.impl.request("call", target=hid, method="write", args=[chunk])
            if resp.data.get("status") != "ok":
                self.bad.append("%s.write() threw %r" % (hid, resp.data.get("error")))
            else:
                self.writes[repr(resp.data.get("value"))] += 1
            self.update()

    def until(self, done, what, timeout):
        """Echoes until done() holds, reading the shim's output with a deadline."""
        def ready():
            self.step()
            return done()
        self.impl.wait_until(ready, timeout, what)


def note(impl, *lines):
    """Lines for the report: the timeline of `impl` (one note each, short
    enough for the results file to keep whole), and standard output (pytest -s).
    Returns them joined, for an assertion's message."""
    for line in lines:
        impl.note(line)
        print(line)
    return "; ".join(lines)


def ended(shim):
    """Ends a shim started with start_impl, which does not check the exit
    status as the `impl` fixture does: a sanitizer report at exit fails the test."""
    status = shim.close()
    tail = shim.stderr_tail()
    assert status == 0, "the load shim exited with status %s (a sanitizer report?)%s" % (
        status, "\n--- tail of the shim's stderr ---\n" + tail if tail else "")


def decoded_size(b64):
    return len(b64) // 4 * 3 - (2 if b64.endswith("==") else 1 if b64.endswith("=") else 0)


def payload(cycle, i):
    """Bytes unique to connection i of the cycle."""
    return b"netspec load %d %05d|" % (cycle, i) + bytes((i * 7 + k) % 256 for k in range(24))


def count_connections(impl, srv):
    cb = impl.callback("count")
    assert srv.getConnections(cb) is srv
    call = cb.wait()
    assert len(call.args) == 2 and call.args[0] is None, "getConnections callback(null, n), got %r" % (call.args,)
    return call.args[1]


def warm_up(impl):
    """One listen and close: what an implementation opens once per process at
    its first listen is then in every baseline."""
    srv = impl.net.createServer()
    srv.listen(0, "127.0.0.1")
    srv.wait("listening")
    srv.close()
    srv.wait("close")


def new_sockets(impl, n):
    """n new, never-connected sockets: what the shim keeps for any handle."""
    for _ in range(n):
        impl.new("Socket")


def run_cycle(impl, n, cycle, note):
    """One cycle (module docstring) on the shim `impl`; returns its figures.
    note(text) records a line for the report."""
    pid = impl.proc.pid
    scale = timeout_scale()
    fds_before = proc_fds(pid)
    targets_before = proc_fd_targets(pid)
    t0 = time.monotonic()
    srv = impl.net.createServer()
    srv.listen(0, "127.0.0.1")
    srv.wait("listening")
    port = srv.address()["port"]
    echo = Echo(impl, srv)
    socks = []
    size = len(payload(cycle, 0))
    try:
        for start in range(0, n, BATCH):
            for i in range(start, min(n, start + BATCH)):
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                socks.append(s)
                s.settimeout(5 * scale)
                s.connect(("127.0.0.1", port))
                s.sendall(payload(cycle, i))
            echo.until(lambda: len(echo.sockets) >= len(socks), "'connection' for %d peers" % len(socks), 10)
        echo.until(lambda: not echo.pending and all(st["received"] >= size for st in echo.sockets.values()),
                   "every payload in 'data' on %d sockets" % n, 20)
        assert not echo.bad, echo.bad[:5]
        assert len(echo.sockets) == n, "%d 'connection' events for %d peers" % (len(echo.sockets), n)
        assert all(st["received"] == size for st in echo.sockets.values()), \
            "some socket's 'data' carried more than its peer sent"
        assert set(echo.writes) == {"True"}, "write() of a small chunk returned %r" % dict(echo.writes)
        fds_peak = proc_fds(pid)
        live = count_connections(impl, srv)
        assert live == n, "getConnections() counts %d with %d connections open" % (live, n)
        # Every echo on every connection; the payloads are unique, so a mixed-up socket shows.
        for i, s in enumerate(socks):
            got = peer.recv_exactly(s, size)
            assert got == payload(cycle, i), "peer %d read %r back" % (i, got)
        t_echo = time.monotonic() - t0

        for s in socks:
            s.shutdown(socket.SHUT_WR)
        echo.until(lambda: echo.closed >= n, "'close' on %d sockets" % n, 20)
        assert not echo.bad, echo.bad[:5]
        for hid in echo.order:
            events = echo.sockets[hid]["events"]
            names = [e[0] for e in events]
            assert names[-2:] == ["end", "close"] and set(names[:-2]) == {"data"}, "%s emitted %s" % (hid, names)
            assert events[-1][2] == [False], "%s: 'close' with %r, not hadError false" % (hid, events[-1][2])
        for i, s in enumerate(socks):
            s.settimeout(5 * scale)
            rest = s.recv(64)
            assert rest == b"", "peer %d read %r instead of end-of-file" % (i, rest)
    finally:
        for s in socks:
            s.close()
    left = count_connections(impl, srv)
    assert left == 0, "getConnections() counts %d after every 'close'" % left
    srv.close()
    srv.wait("close")
    elapsed = time.monotonic() - t0
    fds_after = proc_fds(pid)
    rss, hwm = proc_memory(pid)
    note("cycle %d: %d connections, %.2f s (echoes verified at %.2f s); fds %d/%d/%d (before/peak/after); "
         "VmRSS %.1f MiB, VmHWM %.1f MiB"
         % (cycle, n, elapsed, t_echo, fds_before, fds_peak, fds_after, rss / 2**20, hwm / 2**20))
    assert fds_peak >= fds_before + n, \
        "only %d descriptors at the peak: %d before, %d connections" % (fds_peak, fds_before, n)
    if fds_after != fds_before:
        now = proc_fd_targets(pid)
        new = sorted((fd, t) for fd, t in now.items() if targets_before.get(fd) != t)
        gone = sorted((fd, t) for fd, t in targets_before.items() if now.get(fd) != t)
        raise AssertionError("cycle %d: %d descriptors before, %d after every connection and the server "
                             "closed; new or changed: %s; gone: %s" % (cycle, fds_before, fds_after,
                                                                       new[:10], gone[:10]))
    return {"fds_before": fds_before, "fds_peak": fds_peak, "fds_after": fds_after,
            "rss": rss, "hwm": hwm, "elapsed": elapsed}


# ------------------------------------------------------------------- tests
@req("SERVER.EVENT.CONNECTION.1", "SOCKET.EVENT.DATA.BYTES.1", "SOCKET.WRITE.SEND.1", "SERVER.GETCONNECTIONS.3",
     "SOCKET.EVENT.END.1", "SOCKET.HALFOPEN.FALSE.1", "SOCKET.HALFOPEN.FALSE.3", "SOCKET.EVENT.CLOSE.1",
     "SOCKET.EVENT.CLOSE.HAD_ERROR.1", "SERVER.CLOSE.EVENT.1")
def test_load_echo_connections_leave_no_descriptor_behind(nofile_limit, impl, start_impl):
    n = connections_for(impl)
    # The load runs in a shim of its own, so that its 200 000 messages stay out
    # of the results' timeline; the figures go to the timeline of `impl`.
    shim = start_impl()
    pid = shim.proc.pid
    require_descriptors(shim, nofile_limit, n)
    warm_up(shim)
    before = proc_memory(pid)[0]
    new_sockets(shim, n)
    per_handle = (proc_memory(pid)[0] - before) / n
    t0 = time.monotonic()
    figures = [run_cycle(shim, n, cycle, lambda line: note(impl, line)) for cycle in range(1, CYCLES + 1)]
    total = time.monotonic() - t0
    per_connection = (figures[-1]["rss"] - figures[0]["rss"]) / ((CYCLES - 1) * n)
    left = per_connection - per_handle
    if uses_asan(pid):
        unbounded = "AddressSanitizer's quarantine keeps freed memory resident"
    elif under_valgrind(shim):
        unbounded = "valgrind keeps freed blocks and its own memory resident"
    else:
        unbounded = None
    summary = note(
        impl,
        "load: %d connections x %d cycles in %.2f s; shim fds %d before, %d at the peak, %d after"
        % (n, CYCLES, total, figures[0]["fds_before"], max(f["fds_peak"] for f in figures),
           figures[-1]["fds_after"]),
        "load: peak RSS (VmHWM) %.1f MiB; VmRSS after each cycle %s MiB"
        % (max(f["hwm"] for f in figures) / 2**20, "/".join("%.1f" % (f["rss"] / 2**20) for f in figures)),
        "load: VmRSS %+.0f B a connection and cycle, %.0f B a never-connected socket: %+.0f B kept by "
        "each closed connection" % (per_connection, per_handle, left),
        "load: bound not applied: %s" % unbounded if unbounded else "load: bound %d B" % RSS_LEFT)
    ended(shim)
    if not unbounded:
        assert left <= RSS_LEFT, "each closed connection keeps %.0f bytes of VmRSS more than a " \
            "never-connected socket (bound %d): %s" % (left, RSS_LEFT, summary)


# ------------------------------------------------------- heap, under massif
def heap_snapshot(pid, vgdb_prefix, path):
    """The heap in use of a process running under massif: (bytes, {allocation
    site: bytes}) from a detailed snapshot taken through vgdb."""
    res = subprocess.run(["vgdb", "--vgdb-prefix=%s" % vgdb_prefix, "--pid=%d" % pid, "detailed_snapshot", path],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=30 * timeout_scale())
    assert res.returncode == 0 and os.path.exists(path), "vgdb detailed_snapshot failed: %s" % res.stdout[-500:]
    total, sites = None, collections.Counter()
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if line.startswith("mem_heap_B="):
                total = int(line.split("=", 1)[1])
            m = re.match(r"^ n\d+: (\d+) (?:0x[0-9A-Fa-f]+: )?(.*)$", line.rstrip("\n"))
            if m:               # the allocation sites right below the root
                sites[m.group(2)] += int(m.group(1))
    assert total is not None, "no mem_heap_B in the massif snapshot %s" % path
    return total, sites


@req("SERVER.EVENT.CONNECTION.1", "SOCKET.EVENT.DATA.BYTES.1", "SOCKET.WRITE.SEND.1", "SERVER.GETCONNECTIONS.3",
     "SOCKET.EVENT.END.1", "SOCKET.HALFOPEN.FALSE.1", "SOCKET.HALFOPEN.FALSE.3", "SOCKET.EVENT.CLOSE.1",
     "SOCKET.EVENT.CLOSE.HAD_ERROR.1", "SERVER.CLOSE.EVENT.1")
def test_load_heap_in_use_after_closed_connections_is_what_any_socket_keeps(nofile_limit, impl, start_impl,
                                                                            tmp_path):
    name = impl.impl.get("name")
    if name in GC_RUNTIMES:
        pytest.skip("platform: %s keeps its objects in a garbage-collected heap, which massif does not "
                    "measure; the VmRSS test covers it" % name)
    if under_valgrind(impl):
        pytest.skip("platform: the shim command already runs under valgrind")
    if uses_asan(impl.proc.pid):
        pytest.skip("platform: an AddressSanitizer build cannot run under valgrind; its LeakSanitizer "
                    "checks at exit instead")
    if not (shutil.which("valgrind") and shutil.which("vgdb")):
        pytest.skip("platform: valgrind (massif, vgdb) is not installed: apt-get install valgrind")
    n = _forced() or HEAP_CONNECTIONS
    prefix = str(tmp_path / "vgdb")
    shim = start_impl(prefix=["valgrind", "--tool=massif", "--vgdb=yes", "--vgdb-prefix=%s" % prefix,
                              "--massif-out-file=%s" % (tmp_path / "massif.out")])
    require_descriptors(shim, nofile_limit, n)
    pid = shim.proc.pid
    warm_up(shim)
    h0, _ = heap_snapshot(pid, prefix, str(tmp_path / "handles.0"))
    new_sockets(shim, n)
    h1, _ = heap_snapshot(pid, prefix, str(tmp_path / "handles.1"))
    per_handle = (h1 - h0) / n
    heaps = []
    for cycle in range(1, CYCLES + 1):
        run_cycle(shim, n, cycle, lambda line: note(impl, line))
        heaps.append(heap_snapshot(pid, prefix, str(tmp_path / ("cycle.%d" % cycle))))
    per_connection = (heaps[-1][0] - heaps[0][0]) / ((CYCLES - 1) * n)
    left = per_connection - per_handle
    grew = sorted(((heaps[-1][1][k] - heaps[0][1].get(k, 0), k) for k in heaps[-1][1]), reverse=True)
    summary = note(
        impl,
        "heap (massif): %d connections x %d cycles; heap in use after each cycle %s KiB"
        % (n, CYCLES, "/".join("%.0f" % (h[0] / 1024) for h in heaps)),
        "heap: %+.1f B a connection and cycle, %.1f B a never-connected socket: %+.1f B kept by each closed "
        "connection (bound %d B)" % (per_connection, per_handle, left, HEAP_LEFT),
        *["heap grew %+d B at %s" % (d, k) for d, k in grew[:3] if d > 0])
    ended(shim)
    assert left <= HEAP_LEFT, summary
