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
"""
import fcntl
import json
import os
import select
import signal
import subprocess
import tempfile
import time

from .values import UNDEFINED, DecodeError, NetError, decode, encode

PROTOCOL_VERSION = 1
DEFAULT_WAIT_S = 5.0
HELLO_WAIT_S = 15.0


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
        self.wait_cap = None     # seconds: no wait for an event lasts longer (an expectation's `wait`)
        self._stderr = tempfile.TemporaryFile()
        try:
            self.proc = subprocess.Popen(
                argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=self._stderr, env=env, cwd=cwd, start_new_session=True, pass_fds=tuple(pass_fds))
        except OSError as exc:
            self._stderr.close()
            raise ShimCrashed("cannot start shim %r: %s" % (" ".join(argv), exc)) from None
        os.set_blocking(self.proc.stdin.fileno(), False)   # see _write_all()
        self.net = Handle(self, "net")
        try:
            self._read_hello()
        except ShimError:          # no hello: nobody else holds the process to end it
            if self.proc.poll() is None:
                self.proc.kill()
            self.close()
            self.dispose()
            raise

    # ---------------------------------------------------------------- output
    def stderr_tail(self, lines=30):
        try:
            self._stderr.seek(0)
            data = self._stderr.read()
        except (OSError, ValueError):
            return ""
        return "\n".join(data.decode("utf-8", "replace").splitlines()[-lines:])

    def _fail(self, cls, reason):
        self._dead = self._dead or reason
        tail = self.stderr_tail()
        text = "%s: %s" % (self.name, reason)
        if tail:
            text += "\n--- tail of the shim's stderr ---\n" + tail
        raise cls(text)

    def _now(self):
        return time.monotonic() - self._t0

    def _read_some(self, deadline):
        """Read at least one complete line or fail. Returns False on timeout."""
        if self._dead:
            self._fail(ShimCrashed, self._dead)
        fd = self.proc.stdout.fileno()
        while True:
            left = max(0.0, deadline - time.monotonic())   # 0: look once (poll())
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                return False
            if self._take_output(fd):
                return True

    def _accept(self, line):
        t = self._now()
        try:
            data = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            self.log.append(("garbage", t, line[:500].decode("utf-8", "replace")))
            self._fail(ShimProtocolError, "the shim wrote a line that is not JSON: %r" % line[:200])
        if not isinstance(data, dict) or "type" not in data:
            self._fail(ShimProtocolError, "the shim wrote a line that is not a message: %r" % line[:200])
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
                readable, _, _ = select.select([fd_out], [fd_in], [], left)
                if readable:
                    self._take_output(fd_out)
        except OSError:   # EPIPE: the shim is gone
            self._fail(ShimCrashed, "the shim closed its input (status %s)" % self.proc.poll())

    def _take_output(self, fd):
        """Reads one chunk of the shim's output and accepts its complete
        lines. Returns how many lines that completed."""
        chunk = os.read(fd, 65536)
        if not chunk:
            code = self.proc.wait()
            self._fail(ShimCrashed, "the shim exited (status %s) with no further output" % code)
        self._buf += chunk
        lines = self._buf.split(b"\n")
        self._buf = lines.pop()
        for line in lines:
            self._accept(line)
        return len(lines)

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
            if not self._read_some(deadline):
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
            if not self._read_some(deadline):
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
        try:
            return self.proc.wait(timeout=(timeout or DEFAULT_WAIT_S) * timeout_scale())
        except subprocess.TimeoutExpired:
            return None

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

    def wait_message(self, pred, timeout, what):
        limit = self._wait_limit(timeout)
        deadline = time.monotonic() + limit
        scanned = 0
        while True:
            msgs = self.log_messages()
            for m in msgs[scanned:]:
                if m.seq not in self._consumed and pred(m):
                    self._consumed.add(m.seq)
                    return Event(self, m)
            scanned = len(msgs)
            if not self._read_some(deadline):
                raise ShimTimeout("no %s within %.1f s; seen: %s" % (what, limit, self.summary()))

    def wait_until(self, predicate, timeout, what):
        """Reads messages until predicate() holds, or fails at the deadline."""
        limit = self._wait_limit(timeout)
        deadline = time.monotonic() + limit
        while not predicate():
            if not self._read_some(deadline):
                raise ShimTimeout("no %s within %.1f s; seen: %s" % (what, limit, self.summary()))

    def wait_event(self, target, event, timeout=None):
        return self.wait_message(
            lambda m: m.type == "event" and m.target == target and m.name == event,
            timeout, "'%s' event on %s" % (event, target))

    def poll(self):
        """Read whatever output is already there, without waiting."""
        self._read_some(time.monotonic())

    def summary(self):
        """A one-line list of the events and callbacks seen so far."""
        parts = ["%s:%s" % (m.target or "cb", m.name) for m in self.log_messages() if m.type != "response"]
        return ", ".join(parts) or "(none)"

    def note(self, text):
        """Add a line to the timeline (peer actions, test steps)."""
        self.log.append(("note", self._now(), text))

    def timeline(self):
        """The log as JSON-friendly dicts, for reports. Long strings of
        messages (a 64 KiB write's base64) are cut to their first
        TIMELINE_TEXT characters plus their length, so a results file stays
        small; notes are kept whole."""
        out = []
        for kind, t, payload in self.log:
            if isinstance(payload, Message):
                payload = payload.data
            out.append({"t": round(t, 6), "kind": kind,
                        "data": payload if kind == "note" else _shorten(payload)})
        return out

    # ------------------------------------------------------------------ close
    def close(self, grace=2.0):
        """End the process: close stdin, wait, then kill. Returns its exit status."""
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(timeout=grace * timeout_scale())
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        status = self.proc.returncode
        return status

    def dispose(self):
        self._stderr.close()


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


def _describe(req):
    if req.get("op") == "call":
        return "call %s.%s(%s)" % (req.get("target"), req.get("method"),
                                   json.dumps(req.get("args"))[1:-1][:120])
    return "%s %s" % (req.get("op"), json.dumps({k: v for k, v in req.items() if k not in ("id", "op")})[:120])


__all__ = ["Shim", "Handle", "Callback", "Event", "Threw", "ShimError", "ShimCrashed",
           "ShimTimeout", "ShimProtocolError", "ShimBadRequest", "NetError", "UNDEFINED"]
