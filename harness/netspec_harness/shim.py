"""The harness side of the shim protocol (PROTOCOL.md): one shim process.

A `Shim` starts the adapter process, reads its hello, sends requests and
collects every message it writes, in order, into `Shim.log`. Tests use the
friendlier `Handle` and `Callback` objects:

    srv = shim.net.createServer()          # call on the module -> Handle
    srv.listen(0, "127.0.0.1")             # call on a handle
    srv.wait("listening")                  # next unconsumed 'listening' event
    srv.get("listening")                   # property read

Nothing here sleeps: every wait reads the shim's output until what it waits
for arrives or its deadline passes. A shim that exits, stays silent past a
deadline or writes something that is not protocol raises a `ShimError`
subclass whose message ends with the tail of the shim's standard error.

The shim is untrusted: whatever it writes, a wait ends by its deadline, the
harness keeps bounded memory (the limits below, PROTOCOL.md section 9), and
the shim's whole process group is killed when it is closed or the run is
interrupted (`kill_all()`).
"""
import atexit
import fcntl
import json
import math
import os
import select
import signal
import subprocess
import time
import weakref

from .values import UNDEFINED, DecodeError, NetError, decode, encode

PROTOCOL_VERSION = 1
DEFAULT_WAIT_S = 5.0
HELLO_WAIT_S = 15.0

# Bounds on what a shim may send (PROTOCOL.md section 9). The suite's largest
# honest figures, measured on the reference and Node 8.17 with -m reliability:
# lines of 135 KB, 200 057 log entries and 59 MB of output in one shim.
MAX_LINE = 16 << 20            # bytes in one message line
MAX_MESSAGES = 1000000         # messages one shim may send
MAX_OUTPUT = 512 << 20         # bytes one shim may send on standard output
MAX_DEPTH = 32                 # nesting of arrays and objects in one message
STDERR_KEEP = 64 << 10         # the tail of standard error kept (the rest is read and dropped)
STDERR_LINE = 200              # characters of one stderr line shown in a failure
TIMELINE_KEEP = 2000           # timeline entries kept in the results: the first and last half
EXIT_WAIT_S = 2.0              # after closing its output, the time the shim has to exit


def timeout_scale():
    """Deadlines are multiplied by NETSPEC_TIMEOUT_SCALE (e.g. 3 under sanitizers)."""
    try:
        return max(0.1, float(os.environ.get("NETSPEC_TIMEOUT_SCALE", "1")))
    except ValueError:
        return 1.0


def _proc_state(pid):
    """The state letter of a process in /proc/PID/stat ('T' once stopped)."""
    with open("/proc/%d/stat" % pid, encoding="ascii", errors="replace") as fh:
        return fh.read().rsplit(")", 1)[1].split()[0]


class ShimError(Exception):
    """The shim itself failed: crashed, hung, or broke the protocol."""


class ShimCrashed(ShimError):
    pass


class ShimTimeout(ShimError):
    pass


class ShimProtocolError(ShimError):
    pass


class ShimWaitHopeless(ShimTimeout):
    """A wait ended before its deadline: what it waited for can no longer come."""


# Once a wait looks hopeless it goes on this long at most: some runtimes deliver an
# earlier operation's 'close' or 'error' late (Deno's failed listen), then the awaited event.
HOPELESS_GRACE_S = 1.0

# Events that an 'error' of the same handle rules out (the operation failed).
FAILED_BY_ERROR = ("listening", "connect", "ready")


class ShimBadRequest(ShimError):
    """The shim answered `bad_request` to a request the harness made."""

    def __init__(self, message, code):
        super().__init__(message)
        self.code = code


class Threw(Exception):
    """The implementation threw: `error` is the decoded error (a NetError)."""

    def __init__(self, error, request):
        self.error = error
        self.request = request
        super().__init__("%s threw %r" % (request, error))


class Message:
    """One message from the shim: response, event or callback."""

    __slots__ = ("type", "seq", "data", "t")

    def __init__(self, data, t):
        self.type = data.get("type")
        self.seq = data.get("seq")
        self.data = data
        self.t = t

    @property
    def target(self):
        return self.data.get("target")

    @property
    def name(self):
        """The event name, or the callback label."""
        return self.data.get("event") if self.type == "event" else self.data.get("callback")

    def __repr__(self):
        return "<%s #%s %s>" % (self.type, self.seq, json.dumps(self.data)[:200])


class Event:
    """A decoded event or callback invocation."""

    def __init__(self, shim, message):
        self.seq = message.seq
        self.name = message.name
        self.target = message.target
        self.args = shim.decode(message.data.get("args", []))

    def __repr__(self):
        return "Event(#%s %s %s %r)" % (self.seq, self.target, self.name, self.args)


class Handle:
    """A server or socket inside the shim. Attribute calls become `call` ops."""

    def __init__(self, shim, hid):
        self._shim = shim
        self.id = hid

    def __protocol__(self):
        return {"$handle": self.id}

    def __repr__(self):
        return "Handle(%s)" % self.id

    def __getattr__(self, method):
        if method.startswith("_"):
            raise AttributeError(method)
        return lambda *args: self.call(method, *args)

    def call(self, method, *args):
        return self._shim.call(self.id, method, *args)

    def call_raw(self, method, *args):
        """Like call, but returns the response message instead of raising on 'threw'."""
        return self._shim.request("call", target=self.id, method=method, args=encode(list(args)))

    def get(self, prop):
        return self._shim.get(self.id, prop)

    def set(self, prop, value):
        return self._shim.set(self.id, prop, value)

    def wait(self, event, timeout=None):
        """The next event `event` on this handle not returned by an earlier wait."""
        return self._shim.wait_event(self.id, event, timeout)

    def events(self, name=None):
        """Every event of this handle seen so far, in order (optionally one name only)."""
        return self._shim.events(self.id, name)

    def names(self):
        """The names of the events of this handle seen so far, in order."""
        return [e.name for e in self.events()]

    def received(self):
        """Everything its 'data' events carried so far, joined (bytes, or str
        after setEncoding; mixed chunks are joined as bytes of their UTF-8)."""
        chunks = [e.args[0] for e in self.events("data")]
        if chunks and all(isinstance(c, str) for c in chunks):
            return "".join(chunks)
        return b"".join(c.encode("utf-8") if isinstance(c, str) else c for c in chunks)

    def wait_received(self, n, timeout=None):
        """Waits until its 'data' events have carried at least n bytes/characters."""
        self._shim.wait_until(lambda: len(self.received()) >= n, timeout,
                              "%d bytes of 'data' on %s" % (n, self.id))
        return self.received()


class Callback:
    """A function argument: each invocation becomes a callback message."""

    def __init__(self, shim, label):
        self._shim = shim
        self.label = label

    def __protocol__(self):
        return {"$callback": self.label}

    def __repr__(self):
        return "Callback(%s)" % self.label

    def wait(self, timeout=None):
        """The next invocation not returned by an earlier wait."""
        return self._shim.wait_message(
            lambda m: m.type == "callback" and m.name == self.label,
            timeout, "callback %s" % self.label)

    def calls(self):
        return [Event(self._shim, m) for m in self._shim.log_messages()
                if m.type == "callback" and m.name == self.label]


class Shim:
    """One running shim process."""

    def __init__(self, argv, env=None, cwd=None, name="shim", pass_fds=()):
        self.argv = argv
        self.name = name
        self.hello = None
        self.log = []            # ("send"|"recv"|"note", t, payload), in order
        self._t0 = time.monotonic()
        self._buf = b""
        self._next_id = 1
        self._next_cb = 1
        self._last_seq = 0
        self._consumed = set()   # seqs already returned by a wait
        self._responses = {}
        self._handles = {}
        self._dead = None        # reason once the process is unusable
        self.last_response_seq = 0  # seq of the latest response: orders events against returns
        self._asked = {}         # handle id -> seq of the response to the latest request on it
        self.wait_cap = None     # seconds: no wait for an event lasts longer (an expectation's `wait`)
        self._pending = []       # chunks of the line being read (no newline yet)
        self._pending_len = 0
        self._out_bytes = 0
        self._msg_count = 0
        self._err = bytearray()  # the tail of standard error (at most STDERR_KEEP bytes)
        self._err_dropped = 0
        self._pidfd = None
        self._killed = False
        self.left_behind = 0     # processes of its group still running when the shim had exited (close())
        try:
            self.proc = subprocess.Popen(
                argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, env=env, cwd=cwd, start_new_session=True, pass_fds=tuple(pass_fds))
        except (OSError, ValueError) as exc:
            raise ShimCrashed("cannot start shim %r: %s" % (" ".join(argv), exc)) from None
        _LIVE.add(self)
        # Output is read as it comes (non-blocking); the input is non-blocking too (_write_all()).
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            os.set_blocking(stream.fileno(), False)
        try:   # room for a burst of stderr (a sanitizer report) while the harness is busy elsewhere
            fcntl.fcntl(self.proc.stderr.fileno(), fcntl.F_SETPIPE_SZ, 1 << 20)
        except OSError:
            pass
        try:   # readable once the process has exited, even if a child keeps its output open
            self._pidfd = os.pidfd_open(self.proc.pid)
        except (AttributeError, OSError):
            self._pidfd = None
        self.net = Handle(self, "net")
        try:
            self._read_hello()
        except ShimError:          # no hello: nobody else holds the process to end it
            self.kill()
            self.close()
            self.dispose()
            raise

    # ---------------------------------------------------------------- output
    def stderr_tail(self, lines=30, width=STDERR_LINE):
        """The last `lines` lines of the shim's standard error read so far (what
        is waiting in the pipe is read first), each cut to `width` characters,
        with control characters shown as escapes so that nothing the shim
        wrote acts on a terminal."""
        self._drain_stderr()
        text = self._err.decode("utf-8", "replace")
        tail = printable("\n".join(line if len(line) <= width else "%s... (%d characters)" % (line[:width], len(line))
                                   for line in text.splitlines()[-lines:]))
        if self._err_dropped and tail:
            tail = "[%d earlier bytes of stderr not kept]\n%s" % (self._err_dropped, tail)
        return tail

    def _drain_stderr(self):
        """Reads what the stderr pipe holds now, keeping the last STDERR_KEEP bytes."""
        err = self.proc.stderr
        if err is None or err.closed:
            return False
        for _ in range(64):                       # at most 4 MiB per call: output waits too
            try:
                chunk = os.read(err.fileno(), 65536)
            except BlockingIOError:
                return True
            except OSError:
                chunk = b""
            if not chunk:
                err.close()
                return False
            self._err += chunk
            if len(self._err) > STDERR_KEEP:
                cut = len(self._err) - STDERR_KEEP
                del self._err[:cut]
                self._err_dropped += cut
        return True

    def _fail(self, cls, reason):
        self._dead = self._dead or reason
        tail = self.stderr_tail()
        text = "%s: %s" % (self.name, printable(reason))
        if tail:
            text += "\n--- tail of the shim's stderr ---\n" + tail
        raise cls(text)

    def now(self):
        """Seconds since the shim was started: the clock of the timeline."""
        return time.monotonic() - self._t0

    _now = now

    @property
    def dead(self):
        """Why the shim is unusable (a protocol error, a crash, a missed deadline), or None."""
        return self._dead

    def _read_some(self, deadline):
        """Reads until at least one complete line was accepted (True) or the
        deadline passes (False). Output that never completes a line, and
        standard error, do not extend the deadline."""
        if self._dead:
            self._fail(ShimCrashed, self._dead)
        fd = self.proc.stdout.fileno()
        while True:
            left = max(0.0, deadline - time.monotonic())   # 0: look once (poll())
            fds = [fd]
            if not self.proc.stderr.closed:
                fds.append(self.proc.stderr.fileno())
            if self._pidfd is not None:
                fds.append(self._pidfd)
            ready, _, _ = select.select(fds, [], [], left)
            if not ready:
                return False
            if fd in ready:
                if self._take_output(fd):
                    return True
            elif self._pidfd in ready:
                self._exited_with_output_open(fd)
            if len(ready) > 1 or fd not in ready:
                self._drain_stderr()
            if time.monotonic() >= deadline:
                return False

    def _exited_with_output_open(self, fd):
        """The process ended, but its output is not at end of file (a child of
        it holds the pipe): what is left is read, then it counts as exited."""
        ready, _, _ = select.select([fd], [], [], 0)
        if ready and self._take_output(fd):
            return
        self._fail(ShimCrashed, "the shim exited (status %s) with no further output" % self.exit_status())

    def _accept(self, line):
        t = self._now()
        self._msg_count += 1
        if self._msg_count > MAX_MESSAGES:
            self._fail(ShimProtocolError, "the shim sent more than %d messages (PROTOCOL.md section 9)"
                       % MAX_MESSAGES)
        data, problem = parse_message(line)
        if problem:
            self.log.append(("garbage", t, line[:500].decode("utf-8", "replace")))
            self._fail(ShimProtocolError, "the shim wrote %s: %r" % (problem, line[:200]))
        if self.hello is None:
            if data.get("type") != "hello":
                self._fail(ShimProtocolError, "the first message must be hello, got %r" % line[:200])
            self.log.append(("recv", t, data))
            self.hello = data
            return
        if data["type"] not in ("response", "event", "callback"):
            self._fail(ShimProtocolError, "unknown message type %r" % data["type"])
        if data.get("seq") != self._last_seq + 1:
            self._fail(ShimProtocolError, "seq %r follows %r (must count up by one)"
                       % (data.get("seq"), self._last_seq))
        problem = message_problem(data)
        if problem:
            self._fail(ShimProtocolError, "the shim wrote a %s message %s: %r" % (data["type"], problem, line[:200]))
        self._last_seq = data["seq"]
        msg = Message(data, t)
        self.log.append(("recv", t, msg))
        if msg.type == "response":
            self._responses[data.get("id")] = msg

    def _read_hello(self):
        deadline = time.monotonic() + HELLO_WAIT_S * timeout_scale()
        while self.hello is None:
            if not self._read_some(deadline):
                self._fail(ShimTimeout, "no hello within %.0f s" % (HELLO_WAIT_S * timeout_scale()))
        if self.hello.get("protocol") != PROTOCOL_VERSION:
            self._fail(ShimProtocolError, "the shim speaks protocol %r, this harness %d"
                       % (self.hello.get("protocol"), PROTOCOL_VERSION))
        problem = hello_problem(self.hello)
        if problem:
            self._fail(ShimProtocolError, "bad hello: %s (PROTOCOL.md section 1)" % problem)

    @property
    def impl(self):
        return self.hello.get("impl", {})

    @property
    def capabilities(self):
        return set(self.hello.get("capabilities", []))

    # --------------------------------------------------------------- requests
    def send_line(self, line):
        """Write one raw line (tests of the shim itself send malformed ones)."""
        self.log.append(("send", self._now(), line))
        self._write_all(line.encode("utf-8") + b"\n", DEFAULT_WAIT_S * timeout_scale())

    def _write_all(self, data, limit):
        """Writes data to the shim's input while reading its output: a large
        request must not wait for a shim that is itself blocked writing a
        large answer the harness is not reading yet (both pipes full)."""
        fd_in, fd_out = self.proc.stdin.fileno(), self.proc.stdout.fileno()
        deadline = time.monotonic() + limit
        view = memoryview(data)
        try:
            while view:
                try:                                  # the input is non-blocking
                    view = view[os.write(fd_in, view):]
                    continue
                except BlockingIOError:
                    pass
                left = deadline - time.monotonic()
                if left <= 0:
                    self._fail(ShimTimeout, "the shim did not read its input within %.1f s" % limit)
                watch = [fd_out] + ([] if self.proc.stderr.closed else [self.proc.stderr.fileno()])
                readable, _, _ = select.select(watch, [fd_in], [], left)
                if fd_out in readable:
                    self._take_output(fd_out)
                elif readable:
                    self._drain_stderr()
        except OSError:   # EPIPE: the shim is gone
            self._fail(ShimCrashed, "the shim closed its input (status %s)"
                       % self.wait_exit(EXIT_WAIT_S * timeout_scale()))

    def _take_output(self, fd):
        """Reads one chunk of the shim's output and accepts its complete
        lines. Returns how many lines that completed. A line is joined from
        its chunks once, when its newline arrives (linear in its length)."""
        try:
            chunk = os.read(fd, 1 << 20)
        except BlockingIOError:
            return 0
        if not chunk:
            self._output_closed()
        self._out_bytes += len(chunk)
        if self._out_bytes > MAX_OUTPUT:
            self._fail(ShimProtocolError, "the shim wrote more than %d MiB of output (PROTOCOL.md section 9)"
                       % (MAX_OUTPUT >> 20))
        count = 0
        start = 0
        while True:
            end = chunk.find(b"\n", start)
            if end < 0:
                break
            piece = chunk[start:end]
            if self._pending:
                piece = b"".join(self._pending) + piece
                self._pending, self._pending_len = [], 0
            if len(piece) > MAX_LINE:
                self._line_too_long()
            start = end + 1
            count += 1
            self._accept(piece)
        if start < len(chunk):
            self._pending.append(chunk[start:])
            self._pending_len += len(chunk) - start
            if self._pending_len > MAX_LINE:
                self._line_too_long()
        return count

    def _line_too_long(self):
        self._fail(ShimProtocolError, "the shim wrote a line longer than %d MiB (PROTOCOL.md section 9)"
                   % (MAX_LINE >> 20))

    def _output_closed(self):
        """End of the shim's output: it has exited, or must within EXIT_WAIT_S;
        one that keeps running without output is killed."""
        status = self.wait_exit(EXIT_WAIT_S * timeout_scale())
        if status is None:
            self.kill()
            self._fail(ShimCrashed, "the shim closed its output but kept running (killed after %.1f s)"
                       % (EXIT_WAIT_S * timeout_scale()))
        self._fail(ShimCrashed, "the shim exited (status %s) with no further output" % status)

    def _prepare(self, fields):
        """A request with the next id, entered in the timeline; returns it."""
        req = dict(id=self._next_id, **fields)
        self._next_id += 1
        self.log.append(("send", self._now(), req))
        return req

    def _answer(self, req):
        """Takes the response to `req` (already read): bad_request raises
        ShimBadRequest, an unknown status is a protocol error."""
        msg = self._responses.pop(req["id"])
        self.last_response_seq = msg.seq
        if isinstance(req.get("target"), str):
            self._asked[req["target"]] = msg.seq
        status = msg.data.get("status")
        if status == "bad_request":
            raise ShimBadRequest("%s: the shim answered bad_request %s: %s" % (
                _describe(req), msg.data.get("code"), msg.data.get("message")), msg.data.get("code"))
        if status not in ("ok", "threw"):
            self._fail(ShimProtocolError, "response with unknown status %r" % (status,))
        return msg

    def request(self, op, timeout=None, **fields):
        """Send one request and return its response message."""
        req = self._prepare(dict(op=op, **fields))
        limit = (timeout or DEFAULT_WAIT_S) * timeout_scale()
        self._write_all(json.dumps(req).encode("utf-8") + b"\n", limit)
        deadline = time.monotonic() + limit
        while req["id"] not in self._responses:
            if not self._read_some(deadline) or (
                    time.monotonic() > deadline and req["id"] not in self._responses):
                self._fail(ShimTimeout, "no response to %s within %.1f s" % (_describe(req), limit))
        return self._answer(req)

    def same_turn(self, requests):
        """Sends several requests so that the shim carries them out in one
        turn of its event loop, and returns their response messages in order.

        Each request is a dict of its fields without "id" ({"op": "get",
        "target": "h1", "prop": "bufferSize"}, ...). The shim is stopped
        (SIGSTOP) while the whole batch is written to its input, then
        continued, so it finds every line there at once; a shim runs every
        complete line it has read before it returns to its loop (PROTOCOL.md).
        Answers with status bad_request raise ShimBadRequest like request()."""
        reqs = [self._prepare(fields) for fields in requests]
        data = b"".join(json.dumps(req).encode("utf-8") + b"\n" for req in reqs)
        limit = DEFAULT_WAIT_S * timeout_scale()
        self._make_room(len(data))
        pid = self.proc.pid
        os.kill(pid, signal.SIGSTOP)
        try:
            deadline = time.monotonic() + limit
            while _proc_state(pid) not in ("T", "t"):
                if time.monotonic() > deadline:
                    self._fail(ShimTimeout, "the shim did not stop (SIGSTOP) within %.1f s" % limit)
                time.sleep(0.0005)   # polling the kernel's view of the process, not the shim
            self._write_all(data, limit)
        finally:
            os.kill(pid, signal.SIGCONT)
        deadline = time.monotonic() + limit
        while not all(req["id"] in self._responses for req in reqs):
            if not self._read_some(deadline) or time.monotonic() > deadline:
                self._fail(ShimTimeout, "no responses to %d requests sent in one turn within %.1f s" % (
                    len(reqs), limit))
        return [self._answer(req) for req in reqs]

    def _make_room(self, size):
        """Grows the input pipe so that `size` bytes fit while the shim is
        stopped (64 KiB by default; Linux allows /proc/sys/fs/pipe-max-size)."""
        fd = self.proc.stdin.fileno()
        if size > fcntl.fcntl(fd, fcntl.F_GETPIPE_SZ):
            try:
                fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, size)
            except OSError as exc:
                raise ValueError("a batch of %d bytes does not fit the shim's input pipe: %s" % (size, exc))

    def _value(self, msg, what):
        if msg.data["status"] == "threw":
            raise Threw(self.decode(msg.data.get("error")), what)
        return self.decode(msg.data.get("value", {"$undefined": True}))

    def call(self, target, method, *args):
        msg = self.request("call", target=target, method=method, args=encode(list(args)))
        return self._value(msg, "%s.%s()" % (target, method))

    def new(self, cls, *args):
        msg = self.request("new", args=encode(list(args)), **{"class": cls})
        return self._value(msg, "new %s()" % cls)

    def get(self, target, prop):
        return self._value(self.request("get", target=target, prop=prop), "%s.%s" % (target, prop))

    def set(self, target, prop, value):
        msg = self.request("set", target=target, prop=prop, value=encode(value))
        return self._value(msg, "%s.%s = %r" % (target, prop, value))

    def detach(self):
        """Let the process exit once nothing ref'd is left (op `detach`);
        `exited(timeout)` then tells whether it did."""
        self.request("detach")

    def exited(self, timeout=None):
        """The exit status once the process has exited, None if still alive at the deadline."""
        return self.wait_exit((timeout or DEFAULT_WAIT_S) * timeout_scale())

    def callback(self, label=None):
        name = "%s#%d" % (label or "cb", self._next_cb)
        self._next_cb += 1
        return Callback(self, name)

    # ----------------------------------------------------------------- events
    def decode(self, value):
        try:
            return decode(value, self._handle)
        except DecodeError as exc:
            self._fail(ShimProtocolError, "undecodable value %r: %s" % (value, exc))

    def _handle(self, hid):
        if hid not in self._handles:
            self._handles[hid] = Handle(self, hid)
        return self._handles[hid]

    def log_messages(self):
        return [m for kind, _, m in self.log if kind == "recv" and isinstance(m, Message)]

    def _messages_from(self, pos):
        """(messages of the log from entry `pos` on, the new position); the log
        may have been cleared in between (test_schedules), then from 0."""
        log = self.log
        if pos > len(log):
            pos = 0
        return [m for kind, _, m in log[pos:] if kind == "recv" and isinstance(m, Message)], len(log)

    def events(self, target=None, name=None):
        return [Event(self, m) for m in self.log_messages()
                if m.type == "event" and (target is None or m.target == target)
                and (name is None or m.name == name)]

    def _wait_limit(self, timeout):
        """How long a wait for output may last: `timeout` (default 5 s), at
        most `wait_cap`, times NETSPEC_TIMEOUT_SCALE."""
        limit = timeout or DEFAULT_WAIT_S
        if self.wait_cap:
            limit = min(limit, self.wait_cap)
        return limit * timeout_scale()

    def wait_message(self, pred, timeout, what, target=None, hopeless=None):
        """The next message matching pred not returned by an earlier wait.
        With `target`, a failure says what that handle emitted instead; with
        `hopeless(message)` (a reason or None), the wait ends as soon as a
        message shows that what it waits for can no longer come."""
        limit = self._wait_limit(timeout)
        started = time.monotonic()
        deadline = started + limit
        pos = 0
        expired = False
        why = None
        while True:
            msgs, pos = self._messages_from(pos)
            for m in msgs:
                if m.seq not in self._consumed and pred(m):
                    self._consumed.add(m.seq)
                    return Event(self, m)
                if hopeless and why is None:
                    why = hopeless(m)
                    if why:   # a late event of an earlier operation may still come: a short grace
                        deadline = min(deadline, time.monotonic() + HOPELESS_GRACE_S * timeout_scale())
            if expired:
                text = "no %s within %.1f s; seen: %s" % (what, limit, self.summary())
                if target is not None:
                    text += self._instead(target)
                if why:
                    raise ShimWaitHopeless("%s; gave up after %.2f s: %s" % (
                        text, time.monotonic() - started, printable(why)))
                raise ShimTimeout(text)
            expired = not self._read_some(deadline) or time.monotonic() > deadline

    def _instead(self, target, count=4):
        """'; instead on hN: ...': the last events of `target` since the latest
        request on it, errors with their code and message ('' if none)."""
        since = self._asked.get(target, 0)
        parts = []
        for m in self.log_messages():
            if m.type == "event" and m.target == target and m.seq > since:
                parts.append("'%s'%s" % (m.name, _error_text(m) if m.name == "error" else ""))
        if not parts:
            return ""
        more = "%d earlier, ... " % (len(parts) - count) if len(parts) > count else ""
        return printable("; instead on %s: %s%s" % (target, more, ", ".join(parts[-count:])))

    def wait_until(self, predicate, timeout, what):
        """Reads messages until predicate() holds, or fails at the deadline."""
        limit = self._wait_limit(timeout)
        deadline = time.monotonic() + limit
        while not predicate():
            if (not self._read_some(deadline) or time.monotonic() > deadline) and not predicate():
                raise ShimTimeout("no %s within %.1f s; seen: %s" % (what, limit, self.summary()))

    def wait_event(self, target, event, timeout=None):
        """The next '`event`' of handle `target`. The wait ends early (after
        HOPELESS_GRACE_S), with ShimWaitHopeless, when the handle emits what
        rules the event out with no request on it since: 'close' (a closed handle emits
        nothing more; but Node 8 still emits 'listening' after a close()
        that came during the host lookup of listen()), or 'error' while
        waiting for 'listening' or 'connect' (the operation failed)."""
        def hopeless(m):
            if m.type != "event" or m.target != target or m.seq <= self._asked.get(target, 0):
                return None
            if m.name == "close" and event not in ("close", "listening"):
                return "'close' came, and nothing was asked of %s since" % target
            if m.name == "error" and event in FAILED_BY_ERROR:
                return "'error' came, and nothing was asked of %s since" % target
            return None
        return self.wait_message(
            lambda m: m.type == "event" and m.target == target and m.name == event,
            timeout, "'%s' event on %s" % (event, target), target=target, hopeless=hopeless)

    def poll(self):
        """Read whatever output is already there, without waiting."""
        self._read_some(time.monotonic())

    def summary(self, limit=40):
        """A one-line list of the events and callbacks seen so far (the last
        `limit` of them when there are more)."""
        parts = ["%s:%s" % (m.target or "cb", m.name) for m in self.log_messages() if m.type != "response"]
        more = len(parts) - limit
        text = ", ".join(parts[-limit:]) if more > 0 else ", ".join(parts)
        if more > 0:
            text = "(%d earlier) ... %s" % (more, text)
        return printable(text) or "(none)"

    def note(self, text):
        """Add a line to the timeline (peer actions, test steps)."""
        self.log.append(("note", self._now(), text))

    def timeline(self):
        """The log as JSON-friendly dicts, for reports. Long strings of
        messages (a 64 KiB write's base64) are cut to their first
        TIMELINE_TEXT characters plus their length, so a results file stays
        small; notes are kept whole."""
        out = []
        entries = self.log
        left_out = len(entries) - TIMELINE_KEEP
        if left_out > 0:
            half = TIMELINE_KEEP // 2
            entries = entries[:half] + [("note", entries[half][1], "%d timeline entries left out "
                                         "(the results keep the first and last %d)" % (left_out, half))
                                        ] + entries[-half:]
        for kind, t, payload in entries:
            if isinstance(payload, Message):
                payload = payload.data
            out.append({"t": round(t, 6), "kind": kind,
                        "data": payload if kind == "note" else _shorten(payload)})
        return out

    # ------------------------------------------------------------------ close
    def exit_status(self):
        """The exit status if the process has ended, else None. The process is
        not reaped here, so its process group id stays reserved until kill()."""
        if self.proc.returncode is not None:
            return self.proc.returncode
        try:
            info = os.waitid(os.P_PID, self.proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:      # reaped elsewhere (a test called proc.poll())
            return self.proc.poll()
        if info is None:
            return None
        return info.si_status if info.si_code == os.CLD_EXITED else -info.si_status

    def wait_exit(self, limit, drop_output=False):
        """Waits up to `limit` seconds for the process to end, reading its
        standard error meanwhile (and, with drop_output, dropping its output)
        so that it cannot block on a full pipe. Returns the exit status, or
        None if it is still running."""
        deadline = time.monotonic() + limit
        while True:
            status = self.exit_status()
            if status is not None:
                return status
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            fds = [] if self._pidfd is None else [self._pidfd]
            for stream in (self.proc.stdout if drop_output else None, self.proc.stderr):
                if stream is not None and not stream.closed:
                    fds.append(stream.fileno())
            ready, _, _ = select.select(fds, [], [], min(left, 0.05) if self._pidfd is None else left)
            if drop_output and not self.proc.stdout.closed and self.proc.stdout.fileno() in ready:
                try:
                    if not os.read(self.proc.stdout.fileno(), 1 << 20):
                        self.proc.stdout.close()
                except BlockingIOError:
                    pass
            if self.proc.stderr is not None and not self.proc.stderr.closed and self.proc.stderr.fileno() in ready:
                self._drain_stderr()

    def kill(self):
        """Kills the shim and every process of its process group (children it
        forked) at once, and reaps it. Safe to call more than once."""
        if not self._killed:
            self._killed = True
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            if self.proc.returncode is None:
                try:
                    self.proc.kill()
                except OSError:
                    pass
        try:
            self.proc.wait()
        except ChildProcessError:
            pass
        _LIVE.discard(self)

    def close(self, grace=2.0):
        """Ends the process: closes its input and gives it `grace` seconds to
        exit (reading its output meanwhile), then kills what is left of its
        process group; one already found broken (a missed deadline, a protocol
        error) is killed at once. Returns its exit status (negative: killed by
        a signal)."""
        if self.exit_status() is None and not self._dead:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            self.wait_exit(grace * timeout_scale(), drop_output=True)
        status = self.exit_status()
        self.left_behind = self._count_left_behind() if status is not None else 0
        self.kill()                      # the group: children the shim left behind
        self._drain_stderr_to_end()
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                stream.close()
            except OSError:
                pass
        return status if status is not None else self.proc.returncode

    def _count_left_behind(self):
        """How many processes of the shim's process group are still running
        now that the shim itself has exited (children it forked and left)."""
        pgid = self.proc.pid
        self.proc.wait()            # reaped, the shim no longer counts; its group id stays
        try:                        # reserved while any member lives, so this asks about them
            os.killpg(pgid, 0)
        except (ProcessLookupError, PermissionError):
            return 0
        count = 0
        for name in os.listdir("/proc"):
            if name.isdigit() and int(name) != pgid:
                try:
                    with open("/proc/%s/stat" % name, "rb") as fh:
                        fields = fh.read().rsplit(b")", 1)[1].split()
                except OSError:
                    continue
                count += int(fields[2]) == pgid and fields[0] not in (b"Z", b"X")
        return count

    def _drain_stderr_to_end(self, limit=1.0):
        """After kill(): the rest of standard error (a sanitizer report), until
        end of file or `limit` seconds (a process outside the group may hold it)."""
        deadline = time.monotonic() + limit
        while self._drain_stderr():
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.proc.stderr.fileno()], [], [], left)[0]:
                return

    def dispose(self):
        """Releases what close() left (the process-exit descriptor)."""
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None
        _LIVE.discard(self)


# Every shim not yet killed, so that an interrupted run leaves none behind.
_LIVE = weakref.WeakSet()


def kill_all():
    """Kills every live shim's process group (at exit, or on SIGTERM/SIGINT/SIGHUP)."""
    for shim in list(_LIVE):
        try:
            os.killpg(shim.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError, AttributeError):
            pass


atexit.register(kill_all)


def kill_all_on_signals(signals=(signal.SIGTERM, signal.SIGHUP, signal.SIGINT)):
    """Installs handlers that kill every live shim, then let the signal do
    what it did before (SIGINT still raises KeyboardInterrupt)."""
    for sig in signals:
        previous = signal.getsignal(sig)

        def handler(signum, frame, previous=previous):
            kill_all()
            if callable(previous):
                return previous(signum, frame)
            signal.signal(signum, signal.SIG_DFL if previous in (None, signal.SIG_DFL) else previous)
            os.kill(os.getpid(), signum)

        try:
            signal.signal(sig, handler)
        except ValueError:       # not the main thread
            return


# ------------------------------------------------------------- what a shim sends
_CONTROL = {c: "\\x%02x" % c for c in list(range(0x00, 0x20)) + [0x7f] + list(range(0x80, 0xa0))
            if c not in (0x09, 0x0a)}
_CONTROL.update({c: "\\u%04x" % c for c in (0x200e, 0x200f, 0x2028, 0x2029, 0x202a, 0x202b, 0x202c,
                                            0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069)})


def printable(text):
    """`text` with control characters (terminal escapes, carriage returns,
    bidirectional overrides) shown as \\xNN / \\uNNNN; newlines and tabs kept."""
    return str(text).translate(_CONTROL)


class _NotFinite(ValueError):
    pass


def _no_constant(name):
    raise _NotFinite(name)


def _finite_float(text):
    value = float(text)
    if not math.isfinite(value):
        raise _NotFinite(text)
    return value


def parse_message(line):
    """(the message object, None) or (None, what is wrong with the line)."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return None, "a line that is not UTF-8"
    try:
        data = json.loads(text, parse_constant=_no_constant, parse_float=_finite_float)
    except _NotFinite as exc:
        return None, ("a non-finite number (%s): the protocol encodes it as {\"$number\": ...}" % exc)
    except RecursionError:
        return None, "a line nested deeper than %d levels" % MAX_DEPTH
    except ValueError:
        return None, "a line that is not JSON"
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        return None, "a line that is not a message (an object with a string type)"
    if _depth_over(data, MAX_DEPTH):
        return None, "a line nested deeper than %d levels" % MAX_DEPTH
    return data, None


def _depth_over(value, limit):
    """Whether arrays and objects nest deeper than `limit` in `value` (no recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        for child in children:
            if isinstance(child, (dict, list)):
                if depth + 1 > limit:
                    return True
                stack.append((child, depth + 1))
    return False


# The fields of each message type that the harness relies on, with their types.
_FIELDS = {"response": (("id", (int, type(None))), ("status", str)),
           "event": (("target", str), ("event", str), ("args", list)),
           "callback": (("callback", str), ("args", list))}


def message_problem(data):
    """What is wrong with the fields of a response, event or callback, or None."""
    if not isinstance(data.get("seq"), int) or isinstance(data.get("seq"), bool):
        return "without an integer seq"
    for key, types in _FIELDS[data["type"]]:
        value = data.get(key)
        if key == "args" and key not in data:
            continue
        if not isinstance(value, types) or isinstance(value, bool):
            return "whose %s is %s" % (key, json.dumps(value)[:60])
    return None


def hello_problem(hello):
    """What is wrong with a hello (beyond its protocol number), or None."""
    impl = hello.get("impl", {})
    if not isinstance(impl, dict):
        return "impl must be an object {\"name\": ..., \"version\": ...}, not %s" % json.dumps(impl)[:60]
    for key in ("name", "version"):
        if key in impl and not isinstance(impl[key], str):
            return "impl.%s must be a string, not %s" % (key, json.dumps(impl[key])[:60])
    caps = hello.get("capabilities", [])
    if not isinstance(caps, list) or not all(isinstance(c, str) for c in caps):
        return "capabilities must be a list of strings, not %s" % json.dumps(caps)[:60]
    return None


TIMELINE_TEXT = 120


def _shorten(value):
    """A copy of a JSON value with every long string cut (see timeline())."""
    if isinstance(value, str):
        if len(value) <= TIMELINE_TEXT + 40:
            return value
        return "%s... (%d characters)" % (value[:TIMELINE_TEXT], len(value))
    if isinstance(value, dict):
        return {k: _shorten(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shorten(v) for v in value]
    return value


def _error_text(message):
    """ (CODE: message) of an 'error' event's first argument, as the shim sent it."""
    args = message.data.get("args") or [None]
    err = args[0].get("$error") if isinstance(args[0], dict) else None
    if not isinstance(err, dict):
        return ""
    code, text = err.get("code"), str(err.get("message", ""))[:160]
    return " (%s%s)" % ("%s: " % code if code else "", text)


def _describe(req):
    if req.get("op") == "call":
        return "call %s.%s(%s)" % (req.get("target"), req.get("method"),
                                   json.dumps(req.get("args"))[1:-1][:120])
    return "%s %s" % (req.get("op"), json.dumps({k: v for k, v in req.items() if k not in ("id", "op")})[:120])


__all__ = ["Shim", "Handle", "Callback", "Event", "Threw", "ShimError", "ShimCrashed",
           "ShimTimeout", "ShimWaitHopeless", "ShimProtocolError", "ShimBadRequest", "NetError", "UNDEFINED"]
