"""Randomized schedules of one connection (conformance/reliability/test_schedules.py).

A *schedule* is a plain JSON object: how the connection is made, a list of
steps run one after the other, and how it ends. It is what hypothesis draws
(`schedules()`), what a failing example prints, and what a file in
fixtures/schedules/ holds to be replayed as a regression test:

    {"kind": "accepted",            accepted | connect | new (see pair())
     "transport": "tcp",            tcp | unix
     "allowHalfOpen": false,
     "encoding": "hex",             null | utf8 | latin1 | hex | base64: what a
                                    "setEncoding" step sets; with utf8 the peer
                                    sends valid UTF-8 text
     "steps": [["write", 70000, "buffer"],  the implementation writes N bytes of its
                                    stream, as a buffer or as a string in the
                                    encoding latin1 | hex | base64
               ["read", 1000],      the peer reads up to N of the bytes written so far
               ["send", 5000],      the peer queues N bytes of its stream and sends
                                    what its kernel takes now (the rest follows
                                    whenever the peer waits for something)
               ["pause"], ["resume"],
               ["setEncoding"],     sets "encoding" (once; skipped while paused
                                    with bytes not yet delivered, see below)
               ["settle"]],         two round trips through the shim's loop
     "ending": {"how": "impl_end", "data": 10},        end(N bytes), or end() if 0;
                                                       the peer reads to EOF, then
                                                       half-closes
               {"how": "peer_half_close", "tail": 10}, the peer half-closes; with
                                                       allowHalfOpen the socket
                                                       writes N more after 'end',
                                                       then end()
               {"how": "peer_reset"}}                  SO_LINGER 0 and close (a Unix
                                                       socket has no reset: an abrupt
                                                       close, maybe with unread data)

Then `Run.check()` states the invariants, each naming its requirement ids.

setEncoding mid-stream is only done where Node 8's answer is defined by the
spec: every byte sent so far has been delivered by 'data' (so no chunk waits
inside the socket for a decoder it was not read with) and, for utf8, the
stream is at a character boundary (the peer completes the character first).

Nothing here sleeps: every wait selects on the shim's output and the peer's
socket, with a deadline.
"""
import base64
import json
import os
import select
import socket
import tempfile
import time

from netspec_harness import peer
from netspec_harness.shim import Message, timeout_scale

KINDS = ("accepted", "connect", "new")
TRANSPORTS = ("tcp", "unix")
ENCODINGS = ("utf8", "latin1", "hex", "base64")
WRITE_FORMS = ("buffer", "latin1", "hex", "base64")
ENDINGS = ("impl_end", "peer_half_close", "peer_reset")
WAIT_S = 20.0          # one wait of the runner (scaled by NETSPEC_TIMEOUT_SCALE)


# ------------------------------------------------------------------ streams
def _periodic(unit):
    def stream(n, offset=0):
        start = offset % len(unit)
        reps = (start + n) // len(unit) + 1
        return (unit * reps)[start:start + n]
    return stream


# What the implementation writes: period 251 (divides no power of two, so a
# lost, repeated or reordered chunk of any power-of-two size shows).
out_stream = _periodic(bytes(range(251)))
# What the peer sends, without an encoding or with latin1/hex/base64: period 241.
in_stream_bytes = _periodic(bytes((7 * i + 3) % 256 for i in range(241)))
# What the peer sends for utf8: text of 1- to 4-byte characters, 61 bytes a period.
UTF8_UNIT = "net\u00e9 \u20ac\U0001d11e spec \u00fc\u00df \u2603 \U0001f600 x\u00ff\u0800\n".encode("utf-8")
in_stream_utf8 = _periodic(UTF8_UNIT)


def in_stream(encoding):
    return in_stream_utf8 if encoding == "utf8" else in_stream_bytes


def _is_continuation(byte):
    return byte & 0xC0 == 0x80


# --------------------------------------------------------------- validation
def validate(schedule):
    """Raises ValueError unless `schedule` is a well-formed schedule."""
    def need(cond, what):
        if not cond:
            raise ValueError("bad schedule: %s in %s" % (what, json.dumps(schedule)[:300]))
    need(isinstance(schedule, dict), "not an object")
    need(schedule.get("kind") in KINDS, "kind")
    need(schedule.get("transport") in TRANSPORTS, "transport")
    need(isinstance(schedule.get("allowHalfOpen"), bool), "allowHalfOpen")
    need(schedule.get("encoding") is None or schedule.get("encoding") in ENCODINGS, "encoding")
    need(isinstance(schedule.get("steps"), list), "steps")
    for step in schedule["steps"]:
        need(isinstance(step, list) and step, "step %r" % (step,))
        op = step[0]
        if op == "write":
            need(len(step) == 3 and isinstance(step[1], int) and step[1] > 0 and step[2] in WRITE_FORMS,
                 "step %r" % (step,))
        elif op in ("read", "send"):
            need(len(step) == 2 and isinstance(step[1], int) and step[1] > 0, "step %r" % (step,))
        else:
            need(op in ("pause", "resume", "setEncoding", "settle") and len(step) == 1, "step %r" % (step,))
    ending = schedule.get("ending")
    need(isinstance(ending, dict) and ending.get("how") in ENDINGS, "ending")
    for key in ("data", "tail"):
        if key in ending:
            need(isinstance(ending[key], int) and ending[key] >= 0, "ending %s" % key)
    return schedule


def dumps(schedule):
    """One line of JSON: what a failure prints and a fixture file holds."""
    return json.dumps(schedule, sort_keys=True, separators=(", ", ": "))


# --------------------------------------------------------------- hypothesis
def schedules(direction):
    """The hypothesis strategy of schedules. `direction`: "out" (the
    implementation writes, the peer reads at random rates), "in" (the peer
    sends while the implementation pauses, resumes, sets an encoding) or
    "both" (everything interleaved)."""
    from hypothesis import strategies as st

    small = st.integers(1, 256)
    medium = st.integers(257, 65536)
    large = st.integers(65537, 1 << 20)
    size = st.one_of(small, medium, large)

    def write_step(args):
        n, form = args
        if form != "buffer":
            n = min(n, 65536)          # a string of 1 MiB is slow to encode in the request line
        return ["write", n, form]
    write = st.tuples(size, st.sampled_from(WRITE_FORMS + ("buffer", "buffer"))).map(write_step)
    read = st.one_of(small, medium, large).map(lambda n: ["read", n])
    send = size.map(lambda n: ["send", n])
    plain = {op: st.just([op]) for op in ("pause", "resume", "setEncoding", "settle")}
    if direction == "out":
        ops = [write, write, write, read, read, plain["pause"], plain["resume"], plain["settle"]]
        encoding = st.none()
    elif direction == "in":
        ops = [send, send, send, plain["pause"], plain["resume"], plain["setEncoding"], plain["settle"]]
        encoding = st.one_of(st.none(), st.sampled_from(ENCODINGS))
    else:
        ops = [write, send, read, plain["pause"], plain["resume"], plain["setEncoding"], plain["settle"]]
        encoding = st.one_of(st.none(), st.sampled_from(ENCODINGS))
    ending = st.one_of(
        st.fixed_dictionaries({"how": st.just("impl_end"), "data": st.one_of(st.just(0), st.integers(1, 70000))}),
        st.fixed_dictionaries({"how": st.just("peer_half_close"),
                               "tail": st.one_of(st.just(0), st.integers(1, 70000))}),
        st.fixed_dictionaries({"how": st.just("peer_reset")}))
    return st.fixed_dictionaries({
        "kind": st.sampled_from(KINDS),
        "transport": st.sampled_from(TRANSPORTS),
        "allowHalfOpen": st.booleans(),
        "encoding": encoding,
        "steps": st.lists(st.one_of(*ops), min_size=3, max_size=12),
        "ending": ending,
    })


# -------------------------------------------------------------------- run
class Run:
    """Runs one schedule on a shim (`impl`, reused between examples) and a
    real peer socket, recording what both ends saw; `check()` asserts the
    invariants."""

    def __init__(self, impl, sock_dir, schedule):
        self.impl = impl
        self.schedule = validate(schedule)
        self.dir = tempfile.mkdtemp(prefix="s", dir=sock_dir)
        self.encoding = schedule["encoding"]
        self.in_stream = in_stream(self.encoding)
        self.sock = self.conn = self.srv = None
        self.trace = []                  # what the runner did, for failure messages
        # implementation -> peer
        self.out_written = 0             # bytes the implementation was asked to write
        self.peer_got = bytearray()
        self.peer_eof = False
        self.false_since_drain = None    # response seq of a write that returned false, not yet drained
        # peer -> implementation
        self.in_queued = 0               # bytes of the peer's stream queued for sending
        self.in_sent = 0                 # ... of which its kernel took this many
        self.in_pending = b""
        self.reset_done = False
        # the implementation's socket
        self.paused = False
        self.flow = []                   # (seq, paused, mark): pause()/resume() returned at seq;
                                         # mark: a response surely before resume() began
        self.enc_seq = None              # response seq of setEncoding()
        self.events = []                 # (Message, decoded args) of the socket, in order
        self._pos = 0
        self.delivered = 0               # bytes delivered by 'data' (strings: the bytes they stand for)

    # --------------------------------------------------------------- events
    def _update(self):
        log = self.impl.log
        while self._pos < len(log):
            kind, _, msg = log[self._pos]
            self._pos += 1
            if (kind == "recv" and isinstance(msg, Message) and msg.type == "event"
                    and self.sock is not None and msg.target == self.sock.id):
                args = self.impl.decode(msg.data.get("args", []))
                self.events.append((msg, args))
                if msg.name == "data":
                    self.delivered += _byte_length(args[0], self.encoding)

    def names(self):
        self._update()
        return [m.name for m, _ in self.events]

    def of(self, name):
        self._update()
        return [(m, a) for m, a in self.events if m.name == name]

    # ----------------------------------------------------------------- pump
    def _shim_fd(self):
        return self.impl.proc.stdout.fileno()

    def _read_shim(self):
        state = []

        def once():
            state.append(None)
            return len(state) > 1
        self.impl.wait_until(once, None, "output of the shim")

    def pump(self, done, what, read_limit=None, eof_ok=True, timeout=WAIT_S):
        """Serves both ends until done() holds: reads the shim's output, sends
        the peer's pending bytes, and reads from the peer's socket while
        read_limit() (bytes still wanted; None: do not read) is positive. An
        end-of-file read before done() fails at once unless eof_ok."""
        deadline = time.monotonic() + timeout * timeout_scale()
        self._update()
        while not done():
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("timed out waiting for %s; runner state: %s; socket events: %s"
                                     % (what, self.state(), self.summary()))
            rlist = [self._shim_fd()]
            want = read_limit() if (read_limit and self.conn is not None and not self.peer_eof) else 0
            if want > 0:
                rlist.append(self.conn)
            wlist = [self.conn] if (self.in_pending and self.conn is not None) else []
            readable, writable, _ = select.select(rlist, wlist, [], min(left, 1.0))
            if writable:
                self._push()
            if self.conn is not None and self.conn in readable:
                chunk = self.conn.recv(min(want, 1 << 18))
                if chunk:
                    self.peer_got += chunk
                else:
                    self.peer_eof = True
                    if not eof_ok and not done():
                        raise AssertionError("the peer read end-of-file after %d bytes while waiting for %s "
                                             "[SOCKET.WRITE.QUEUE.1]; events: %s" % (len(self.peer_got), what,
                                                                                   self.summary()))
            if self._shim_fd() in readable:
                self._read_shim()
            self._update()

    def _push(self):
        """Non-blocking sends of the peer's pending bytes until its kernel refuses."""
        while self.in_pending:
            try:
                n = self.conn.send(self.in_pending[:1 << 18], socket.MSG_DONTWAIT)
            except BlockingIOError:
                return
            self.in_sent += n
            self.in_pending = self.in_pending[n:]

    def state(self):
        return ("written %d, peer read %d%s, queued %d, sent %d, delivered %d, paused %s"
                % (self.out_written, len(self.peer_got), " +EOF" if self.peer_eof else "",
                   self.in_queued, self.in_sent, self.delivered, self.paused))

    def summary(self):
        self._update()
        out, last = [], None
        for m, a in self.events:
            label = m.name if m.name != "data" else "data(%d)" % len(a[0])
            if m.name == "data" and last and last.startswith("data"):
                out[-1] = "data..."
            else:
                out.append(label)
            last = label
        return ", ".join(out) or "(none)"

    # ---------------------------------------------------------------- setup
    def connect(self):
        s, impl = self.schedule, self.impl
        opts = {"allowHalfOpen": s["allowHalfOpen"]}
        if s["transport"] == "tcp":
            target, host = 0, "127.0.0.1"
        else:
            target, host = os.path.join(self.dir, "x.sock"), None
        if s["kind"] == "accepted":
            self.srv = impl.net.createServer(opts)
            if host:
                self.srv.listen(target, host)
            else:
                self.srv.listen(target)
            self.srv.wait("listening")
            if host:
                self.conn = peer.connect_tcp(host, self.srv.address()["port"])
            else:
                self.conn = peer.connect_unix(target)
            self.sock = self.srv.wait("connection").args[0]
        else:
            lst = peer.tcp_listener(host) if host else peer.unix_listener(target)
            try:
                where = {"port": lst.getsockname()[1], "host": host} if host else {"path": target}
                if s["kind"] == "connect":
                    self.sock = impl.net.connect(dict(where, **opts))
                else:
                    self.sock = impl.new("Socket", opts)
                    if host:
                        self.sock.connect(where["port"], host)
                    else:
                        self.sock.connect(target)
                self.sock.wait("connect")
                self.conn = peer.accept(lst)
            finally:
                lst.close()
        self.conn.setblocking(False)
        self._update()

    # ---------------------------------------------------------------- steps
    def _note(self, text):
        self.trace.append(text)
        self.impl.note("schedule: " + text)

    def _quiesce(self):
        """Before a long request line: the shim has no 'data' left to write.
        (The harness writes a request whole before it reads the shim's output,
        so a shim blocked on a full output pipe would never read the end of
        the request.) A paused socket emits nothing; a flowing one has emitted
        all the peer sent, but for the few bytes of a character a decoder holds."""
        if not self.paused:
            self.pump(lambda: self.delivered >= self.in_sent - 3,
                      "'data' for the %d bytes sent before a long request" % self.in_sent)

    def _write(self, n, form, method="write", track=True):
        if n > 4096:
            self._quiesce()
        data = out_stream(n, self.out_written)
        if form == "buffer":
            args = [data]
        elif form == "latin1":
            args = [data.decode("latin-1"), "latin1"]
        elif form == "hex":
            args = [data.hex(), "hex"]
        else:
            args = [base64.b64encode(data).decode("ascii"), "base64"]
        result = self.sock.call(method, *args)
        self.out_written += n
        if method == "write":
            assert isinstance(result, bool), "write() returns a boolean, got %r" % (result,)
            mark = self.false_since_drain
            if result is False and track and (mark is None or any(m.seq > mark for m, _ in self.of("drain"))):
                self.false_since_drain = self.impl.last_response_seq
        return result

    def _queue_send(self, n):
        self.in_pending += self.in_stream(n, self.in_queued)
        self.in_queued += n

    def _pause(self):
        assert self.sock.pause() is self.sock, "pause() returns the socket [SOCKET.PAUSE.RETURNS.1]"
        self.paused = True
        self.flow.append((self.impl.last_response_seq, True, None))

    def _resume(self):
        self.sock.get("bytesRead")               # a response surely before resume() began
        mark = self.impl.last_response_seq
        assert self.sock.resume() is self.sock, "resume() returns the socket [SOCKET.RESUME.RETURNS.1]"
        self.paused = False
        self.flow.append((self.impl.last_response_seq, False, mark))

    def _flush_sends(self):
        """Everything queued by the peer goes out (resuming a paused socket when
        its kernel is full)."""
        self._push()
        if self.in_pending and self.paused:
            self._note("resume (the peer has %d bytes left to send)" % len(self.in_pending))
            self._resume()
        self.pump(lambda: not self.in_pending, "the peer's last %d bytes to be taken" % len(self.in_pending))

    def _set_encoding(self):
        if self.encoding is None or self.enc_seq is not None:
            self._note("setEncoding skipped (%s)" % ("no encoding" if self.encoding is None else "already set"))
            return
        extra = 0               # utf8: the peer completes its last character first
        while self.encoding == "utf8" and _is_continuation(self.in_stream(1, self.in_queued + extra)[0]):
            extra += 1
        if self.paused and (self.in_pending or self.delivered < self.in_sent or extra):
            self._note("setEncoding skipped (paused with bytes to deliver)")
            return
        if extra:
            self._queue_send(extra)
        self._flush_sends()
        self.pump(lambda: self.delivered >= self.in_sent, "'data' for all %d bytes sent" % self.in_sent)
        self._note("setEncoding(%r) after %d bytes" % (self.encoding, self.in_sent))
        assert self.sock.setEncoding(self.encoding) is self.sock, \
            "setEncoding() returns the socket [SOCKET.SET_ENCODING.RETURNS.1]"
        self.enc_seq = self.impl.last_response_seq
        self.enc_at = self.in_sent

    def step(self, step):
        op = step[0]
        self._note(json.dumps(step))
        if op == "write":
            self._write(step[1], step[2])
        elif op == "read":
            goal = min(len(self.peer_got) + step[1], self.out_written)
            self.pump(lambda: len(self.peer_got) >= goal, "the peer to read %d bytes" % goal,
                      read_limit=lambda: goal - len(self.peer_got), eof_ok=False)
        elif op == "send":
            self._queue_send(step[1])
            self._push()
        elif op == "pause":
            self._pause()
        elif op == "resume":
            self._resume()
        elif op == "setEncoding":
            self._set_encoding()
        elif op == "settle":
            self.impl.net.get("isIP")
            self.impl.net.get("isIP")
        self._update()

    def _wait_drain(self):
        """All written data was read by the peer: a write that returned false
        since the last 'drain' is followed by one now [SOCKET.EVENT.DRAIN.1]."""
        mark = self.false_since_drain
        if mark is None:
            return
        self.pump(lambda: any(m.seq > mark for m, _ in self.of("drain")),
                  "'drain' after a write() that returned false (seq %d) [SOCKET.EVENT.DRAIN.1]" % mark)
        self.false_since_drain = None

    def _read_all_written(self):
        self.pump(lambda: len(self.peer_got) >= self.out_written, "the peer to read all %d bytes" % self.out_written,
                  read_limit=lambda: self.out_written - len(self.peer_got), eof_ok=False)

    def _closed(self):
        return bool(self.of("close"))

    def ending(self):
        e = self.schedule["ending"]
        how = e["how"]
        self._note("ending " + json.dumps(e))
        if how == "impl_end":
            if self.out_written:
                self._read_all_written()
                self._wait_drain()
            if e.get("data"):
                ret = self._write(e["data"], "buffer", method="end")
            else:
                ret = self.sock.end()
            assert ret is self.sock, "end() returns the socket [SOCKET.END.RETURNS.1]"
            self.pump(lambda: self.peer_eof, "the peer to read end-of-file after end() [SOCKET.END.FIN.1]",
                      read_limit=lambda: 1 << 18)
            self._flush_sends()
            self.conn.shutdown(socket.SHUT_WR)
            self._note("peer: FIN")
            if self.paused:
                self._resume()
            self.pump(lambda: self._closed() and self.of("end"), "'end' and 'close'")
        elif how == "peer_half_close":
            self._flush_sends()
            self.conn.shutdown(socket.SHUT_WR)
            self._note("peer: FIN")
            if self.paused:
                self._resume()
            self.pump(lambda: self.of("end"), "'end' after the peer's FIN [SOCKET.EVENT.END.1]",
                      read_limit=lambda: 1 << 18)
            if self.schedule["allowHalfOpen"]:
                assert not self._closed(), "no 'close' before end() with allowHalfOpen [SOCKET.HALFOPEN.TRUE.2]"
                if e.get("tail"):
                    self._write(e["tail"], "buffer", track=False)
                assert self.sock.end() is self.sock, "end() returns the socket [SOCKET.END.RETURNS.1]"
            self.pump(lambda: self.peer_eof and self._closed(), "the peer's EOF and 'close'",
                      read_limit=lambda: 1 << 18)
            # No 'drain' is checked here: a queue that empties only once the
            # socket is ending (its automatic end, or end() with allowHalfOpen)
            # emits none, in Node 8 as in the reference.
        else:
            peer.reset(self.conn)
            self.conn = None
            self.reset_done = True
            self._note("peer: RST, %d queued bytes never sent" % len(self.in_pending))
            self.in_pending = b""
            if self.paused:
                self._resume()
            # A Unix socket has no reset: the peer's close reads as an orderly
            # end-of-file unless it left data unread (then ECONNRESET).
            half_open = self.schedule["allowHalfOpen"]
            self.pump(lambda: self._closed() or (half_open and self.of("end")), "'close' after the peer's reset")
            if not self._closed():
                self._note("'end' after the peer's close: end()")
                assert self.sock.end() is self.sock, "end() returns the socket [SOCKET.END.RETURNS.1]"
                self.pump(self._closed, "'close' after end()")
        # what may still come after 'close' (data kept by a paused socket) has come
        self.impl.net.get("isIP")
        self.impl.net.get("isIP")
        self.bytes_read = self.sock.get("bytesRead")
        self.bytes_written = self.sock.get("bytesWritten")
        self._update()

    def run(self):
        self.connect()
        for step in self.schedule["steps"]:
            self.step(step)
        self.ending()

    def close(self):
        if self.conn is not None:
            self.conn.close()
        try:
            if self.impl.proc.poll() is None and not self.impl.dead:
                if self.sock is not None and not self._closed():
                    self.sock.destroy()
                if self.srv is not None:
                    self.srv.close()
        finally:
            for name in os.listdir(self.dir):
                os.unlink(os.path.join(self.dir, name))
            os.rmdir(self.dir)

    # -------------------------------------------------------------- checks
    def paused_at(self, seq):
        state = False
        for s, p, _ in self.flow:
            if s < seq:
                state = p
        return state

    def check(self):
        self._update()
        reset = self.reset_done
        events = self.events
        names = [m.name for m, _ in events]
        closes = [(m, a) for m, a in events if m.name == "close"]
        ends = [m for m, _ in events if m.name == "end"]
        errors = [(m, a) for m, a in events if m.name == "error"]
        datas = [(m, a[0]) for m, a in events if m.name == "data"]

        # -- 'close' exactly once, last, hadError iff an error was emitted
        assert len(closes) == 1, "'close' exactly once [SOCKET.EVENT.CLOSE.1], events: %s" % self.summary()
        close, close_args = closes[0]
        after_close = [m.name for m, _ in events if m.seq > close.seq]
        if self.paused_at(close.seq):
            assert set(after_close) <= {"data", "end"}, \
                "after 'close' a paused socket only delivers what it kept [SOCKET.HALFOPEN.PAUSED.1]: %s" % after_close
        else:
            assert not after_close, "no event after 'close' [SOCKET.EVENT.CLOSE.1]: %s" % self.summary()
        assert close_args == [bool(errors)], \
            "'close' hadError %r with %d 'error' events [SOCKET.EVENT.CLOSE.HAD_ERROR.1, .2]: %s" % (
                close_args, len(errors), [a for _, a in errors])

        # -- 'end' at most once, after every 'data'
        assert len(ends) <= 1, "'end' at most once [SOCKET.EVENT.END.ONCE.1]: %s" % self.summary()
        if ends:
            late = [m.seq for m, _ in datas if m.seq > ends[0].seq]
            assert not late, "no 'data' after 'end' [SOCKET.EVENT.DATA.AFTER_END.1]: %s" % self.summary()
            if not self.paused_at(close.seq):
                assert ends[0].seq < close.seq, "'end' before 'close' [SOCKET.EVENT.END.BEFORE_CLOSE.1]"
        if reset:
            # Either the reset is reported ('error' ECONNRESET, or EPIPE from a
            # write, then 'close' true, no 'end' after it), or it reads as an
            # orderly end: Node 8 (libuv) takes a hang-up seen after a short
            # read for end-of-file, so a socket that had unread data in its
            # kernel when the reset came (paused, say) emits 'end' and 'close'
            # false (fixtures/schedules/reset-while-paused-with-unread-data.json).
            for _, a in errors:
                assert getattr(a[0], "code", None) in ("ECONNRESET", "EPIPE"), \
                    "a reset is reported as ECONNRESET (or EPIPE on a write) [SOCKET.ECONNRESET.1]: %r" % (a,)
            assert len(errors) <= 1, "one 'error' [SOCKET.EVENT.ERROR.CLOSE.1]: %s" % self.summary()
            if errors:
                between = names[names.index("error") + 1:names.index("close")]
                assert not between, "'close' follows 'error' with nothing between [SOCKET.EVENT.ERROR.CLOSE.1]: %s" \
                    % self.summary()
                assert "end" not in names[names.index("error"):], \
                    "no 'end' after the reset's 'error' [SOCKET.EVENT.END.NOT_ON_ERROR.1]: %s" % self.summary()
            else:
                assert len(ends) == 1, "a reset that is not an 'error' reads as the peer's end: 'end' " \
                    "[SOCKET.EVENT.END.1]: %s" % self.summary()
        else:
            assert not errors, "no 'error' on an orderly schedule [SOCKET.EVENT.CLOSE.HAD_ERROR.1]: %r" % (
                [a for _, a in errors],)
            assert len(ends) == 1, "'end' once the peer ended [SOCKET.EVENT.END.1]: %s" % self.summary()

        # -- no 'data' while paused (from pause() returning to just before resume())
        start = None
        for seq, paused, mark in self.flow + [(float("inf"), False, float("inf"))]:
            if paused and start is None:
                start = seq
            elif not paused and start is not None:
                bad = [m.seq for m, _ in datas if start < m.seq < mark]
                assert not bad, "'data' (seq %s) while paused, from seq %d to %s [SOCKET.PAUSE.1]" % (bad, start, mark)
                start = None

        # -- the peer's bytes: once each, in order
        raw = bytearray()
        text = []
        for m, chunk in datas:
            if self.enc_seq is not None and m.seq > self.enc_seq:
                assert isinstance(chunk, str), \
                    "'data' carries strings after setEncoding() [SOCKET.EVENT.DATA.STRING.1], got %r" % (chunk[:20],)
                text.append(chunk)
            else:
                assert isinstance(chunk, bytes), \
                    "'data' carries bytes without an encoding [SOCKET.EVENT.DATA.BYTES.1], got %r" % (chunk[:20],)
                assert not text
                raw += chunk
        sent = self.in_stream(self.in_sent, 0)
        n = len(raw)
        assert raw == sent[:n], "the bytes delivered by 'data' are not the peer's stream: first difference at %d " \
            "[SOCKET.EVENT.DATA.STREAM.1]" % _diff(raw, sent)
        if self.enc_seq is not None:
            assert n == self.enc_at, "bytes before setEncoding: %d delivered, %d sent" % (n, self.enc_at)
            rest = sent[n:]
            got = "".join(text)
            enc = self.encoding
            if enc == "utf8":
                want = rest.decode("utf-8", "replace")
                if reset:
                    if ends and got.endswith("\ufffd"):
                        got = got[:-1]   # a reset read as 'end': the partial character flushed [INCOMPLETE.1]
                    assert want.startswith(got), "utf8 text is not a prefix of the peer's stream, first difference " \
                        "at %d of %d [SOCKET.SET_ENCODING.UTF8.1, SOCKET.SET_ENCODING.SPLIT.1]" % (_diff(got, want),
                                                                                                len(got))
                else:
                    assert got == want, "utf8 text differs from the peer's stream, first difference at %d of %d " \
                        "[SOCKET.SET_ENCODING.UTF8.1, SOCKET.SET_ENCODING.SPLIT.1, SOCKET.SET_ENCODING.INCOMPLETE.1]" \
                        % (_diff(got, want), len(want))
                # the whole text (a trailing partial character included) stands for what was sent
                decoded_len = len(got.encode("utf-8")) if reset else len(rest)
            else:
                if enc == "latin1":
                    decoded = got.encode("latin-1")
                elif enc == "hex":
                    assert got == got.lower(), "hex is lower-case [SOCKET.SET_ENCODING.OTHER.1]"
                    decoded = bytes.fromhex(got)
                else:
                    decoded = base64.b64decode(got, validate=True)
                assert decoded == rest[:len(decoded)], "%s text decodes to other bytes than the peer sent, first " \
                    "difference at %d [SOCKET.SET_ENCODING.OTHER.1]" % (enc, _diff(decoded, rest))
                decoded_len = len(decoded)
            total = n + decoded_len
        else:
            total = n
        if not reset:
            assert total == self.in_sent, "'data' delivered %d of the %d bytes the peer sent [SOCKET.EVENT.DATA.STREAM.1]" \
                % (total, self.in_sent)
            assert self.bytes_read == self.in_sent, "bytesRead %r, the peer sent %d [SOCKET.BYTESREAD.1, " \
                "SOCKET.BYTESREAD.BYTES.1, SOCKET.BYTESREAD.FINAL.1]" % (self.bytes_read, self.in_sent)
        else:
            assert self.bytes_read <= self.in_sent, "bytesRead %r, the peer sent only %d [SOCKET.BYTESREAD.1]" % (
                self.bytes_read, self.in_sent)
            assert self.bytes_read >= total, "bytesRead %r, 'data' delivered %d [SOCKET.BYTESREAD.1]" % (
                self.bytes_read, total)

        # -- the implementation's bytes: once each, in order
        got = bytes(self.peer_got)
        assert got == out_stream(len(got)), "the peer read other bytes than written, first difference at %d " \
            "[SOCKET.WRITE.QUEUE.1]" % _diff(got, out_stream(len(got)))
        if not reset:
            assert len(got) == self.out_written, "the peer read %d of %d bytes written before end-of-file " \
                "[SOCKET.END.FIN.1, SOCKET.WRITE.QUEUE.1]" % (len(got), self.out_written)
            assert self.bytes_written == self.out_written, "bytesWritten %r, the peer read %d " \
                "[SOCKET.BYTESWRITTEN.1, SOCKET.BYTESWRITTEN.FINAL.1]" % (self.bytes_written, self.out_written)
        else:
            assert len(got) <= self.bytes_written <= self.out_written, \
                "bytesWritten %r: the peer read %d, %d were written [SOCKET.BYTESWRITTEN.QUEUED.1]" % (
                    self.bytes_written, len(got), self.out_written)


def _byte_length(chunk, encoding):
    if isinstance(chunk, bytes):
        return len(chunk)
    if encoding == "hex":
        return len(chunk) // 2
    if encoding == "base64":
        return len(chunk) * 3 // 4 - chunk[-2:].count("=")
    if encoding == "latin1":
        return len(chunk)
    return len(chunk.encode("utf-8"))


def _diff(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))


def run_schedule(impl, sock_dir, schedule):
    """Runs and checks one schedule; on failure, the AssertionError ends with
    the schedule as one line of JSON (ready for fixtures/schedules/)."""
    run = Run(impl, sock_dir, schedule)
    try:
        run.run()
        run.check()
    except Exception as exc:
        line = dumps(schedule)
        print("NETSPEC-SCHEDULE " + line)
        raise AssertionError("%s: %s\nsteps done: %s\nschedule (save as fixtures/schedules/NAME.json to replay):\n%s"
                             % (type(exc).__name__, exc, "; ".join(run.trace), line)) from exc
    finally:
        try:
            run.close()
        except Exception:       # the shim may be gone; the failure above says why
            pass
    return run
