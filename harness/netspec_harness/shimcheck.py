"""harness/netspec shim-check: does a shim speak harness/PROTOCOL.md (version 1)?

A sequence of named checks, each run against a fresh shim process so one defect
costs one line. Each prints `ok` or `FAIL` with what is wrong and what the
protocol says (its section), and for a shim that crashed, the tail of its
standard error. Every wait has a deadline (scaled by NETSPEC_TIMEOUT_SCALE):
a hanging shim costs time, never the run.

The checks drive the implementation as little as possible (a server on
127.0.0.1:0, a socket to a Python listener, a few bad requests) and look at
the protocol, not at the behaviour the conformance suite tests.

Exit status: 0 every check ok (or skipped: a capability the shim does not
claim); 1 at least one FAIL.
"""
import base64
import json
import socket
import sys
import time

from . import peer
from .shim import DEFAULT_WAIT_S, Shim, ShimError, ShimTimeout, parse_message, timeout_scale

TAIL_MARK = "\n--- tail of the shim's stderr ---\n"
ERROR_FIELDS = {"name", "message", "code", "errno", "syscall", "address", "port"}
UNDEF = {"$undefined": True}

# Bad requests and the code each must be answered with (PROTOCOL.md section 2).
# `None` in a line stands for the id a check fills in; ENOPROP may also be an
# `ok` undefined (a JavaScript object reads an absent property as undefined).
BAD_REQUESTS = {
    "EBADJSON": ["this is not json", "[1, 2]", '{"op": "get", "target": "net", "prop": "x"}'],
    "EBADOP": ['{"id": %d, "op": "frobnicate"}'],
    "EBADTARGET": ['{"id": %d, "op": "get", "target": "h999", "prop": "listening"}',
                   '{"id": %d, "op": "call", "target": "net", "method": "isIP", "args": [{"$handle": "h998"}]}'],
    "ENOMETHOD": ['{"id": %d, "op": "call", "target": "net", "method": "noSuchFunction", "args": []}',
                  '{"id": %d, "op": "call", "target": "$SERVER", "method": "lisen", "args": []}'],
    "ENOPROP": ['{"id": %d, "op": "get", "target": "$SERVER", "prop": "netspecNoSuchProperty"}'],
    "EBADARGS": ['{"id": %d, "op": "call", "target": "net", "method": "createServer", "args": [{"$nosuchtag": 1}]}',
                 '{"id": %d, "op": "call", "target": "net", "method": "createServer", "args": "notalist"}',
                 '{"id": %d, "op": "call", "target": "net", "method": "isIP", "args": [{"$undefined": true, "x": 1}]}',
                 '{"id": %d, "op": "call", "target": "net", "method": 5, "args": []}',
                 '{"id": %d, "op": "new", "class": "Nope", "args": []}'],
}


class CheckFailed(Exception):
    """What is wrong (first line); `rule` says what the protocol asks for."""

    def __init__(self, what, rule=None, tail=""):
        super().__init__(what)
        self.rule = rule
        self.tail = tail


class Skip(Exception):
    pass


def _split_tail(text):
    head, _, tail = str(text).partition(TAIL_MARK)
    return head, tail


class Probe(Shim):
    """A Shim that keeps going where the strict client would stop: it records
    seq problems (the `seq` check reports them), checks each message's shape,
    and pairs every request with the next response, checking its id."""

    def __init__(self, argv, name):
        self.seq_problems = []
        self.shape_problems = []
        self.expected_exit = True        # False once a check ended it another way
        self._taken = set()
        super().__init__(argv, name=name)   # without a hello it ends the process and raises
        self._next_id = 100              # ids the harness chooses; not the shim's own count

    def _accept(self, line):
        if self.hello is not None:
            data, _ = parse_message(line)   # a bad line: the strict client below says what is wrong
            if isinstance(data, dict):
                self._check_shape(data)
                seq = data.get("seq")
                if isinstance(seq, int) and not isinstance(seq, bool) and seq != self._last_seq + 1:
                    self.seq_problems.append("seq %s follows seq %s, in %s" % (
                        seq, self._last_seq, json.dumps(data)[:120]))
                    self._last_seq = seq - 1
        super()._accept(line)

    def _check_shape(self, data):
        kind = data.get("type")
        need = {"response": {"id": None, "status": str}, "event": {"target": str, "event": str, "args": list},
                "callback": {"callback": str, "args": list}}.get(kind, {})
        for key, typ in need.items():
            if key not in data or (typ and not isinstance(data[key], typ)):
                self.shape_problems.append("a %s message without %s %r: %s" % (
                    kind, "a string" if typ is str else "a list" if typ is list else "a field", key,
                    json.dumps(data)[:160]))
        if kind == "response" and data.get("status") == "bad_request" and not (
                isinstance(data.get("code"), str) and isinstance(data.get("message"), str)):
            self.shape_problems.append("a bad_request response needs a string code and message: %s"
                                       % json.dumps(data)[:160])

    def responses(self):
        return [m for m in self.log_messages() if m.type == "response"]

    def exchange_msg(self, line, timeout=None):
        """Send one raw line; return the next response (requests run in order)."""
        before = len(self.responses())
        self.send_line(line)
        self.wait_until(lambda: len(self.responses()) > before, timeout, "response to %s" % line[:100])
        return self.responses()[before]

    def exchange(self, line, timeout=None):
        return self.exchange_msg(line, timeout).data

    def request(self, op, timeout=None, **fields):
        rid = self._next_id
        self._next_id += 3
        line = json.dumps(dict(id=rid, op=op, **fields))
        msg = self.exchange_msg(line, timeout)
        data = msg.data
        self._responses.pop(data.get("id"), None)
        if data.get("id") != rid:
            raise CheckFailed("the response to request id %d carried id %s: %s" % (
                rid, json.dumps(data.get("id")), json.dumps(data)[:160]),
                "§2: the shim answers every request with exactly one response carrying the same id")
        self.last_response_seq = msg.seq
        if data.get("status") == "bad_request":
            raise CheckFailed("%s was answered bad_request %s: %s" % (line[:120], data.get("code"), data.get("message")),
                              "§2: bad_request is only for requests the shim cannot carry out")
        if data.get("status") not in ("ok", "threw"):
            raise CheckFailed("response with status %r: %s" % (data.get("status"), json.dumps(data)[:160]),
                              "§2: a response's status is ok, threw or bad_request")
        return msg

    def call_ok(self, target, method, *args):
        """A call that must return: its raw protocol value."""
        msg = self.request("call", target=target, method=method, args=list(args))
        if msg.data["status"] != "ok":
            raise CheckFailed("%s.%s(%s) threw %s" % (target, method, json.dumps(list(args))[1:-1],
                                                      json.dumps(msg.data.get("error"))[:200]))
        return msg.data.get("value", UNDEF)

    def handle(self, value, what):
        if not (isinstance(value, dict) and list(value) == ["$handle"] and isinstance(value["$handle"], str)):
            raise CheckFailed("%s returned %s, not a {\"$handle\": ID}" % (what, json.dumps(value)[:120]),
                              "§4: a Server or Socket crosses the protocol as {\"$handle\":\"hN\"}")
        return value["$handle"]

    def wait_msg(self, pred, what, timeout=None):
        """The raw data of the first message matching pred not returned before."""
        limit = (timeout or DEFAULT_WAIT_S) * timeout_scale()
        deadline = time.monotonic() + limit
        expired = False
        while True:
            for m in self.log_messages():
                if id(m) not in self._taken and pred(m):
                    self._taken.add(id(m))
                    return m.data
            if expired:
                raise ShimTimeout("no %s within %.1f s; seen: %s" % (what, limit, self.summary()))
            expired = not self._read_some(deadline) or time.monotonic() > deadline

    def event(self, target, name, timeout=None):
        return self.wait_msg(lambda m: m.type == "event" and m.target == target and m.name == name,
                             "'%s' event on %s" % (name, target), timeout)

    def callback_msg(self, label, timeout=None):
        return self.wait_msg(lambda m: m.type == "callback" and m.name == label, "callback %s" % label, timeout)

    def listen_loopback(self, callback=None):
        srv = self.handle(self.call_ok("net", "createServer"), "net.createServer()")
        args = [0, "127.0.0.1"] + ([{"$callback": callback}] if callback else [])
        self.call_ok(srv, "listen", *args)
        self.event(srv, "listening")
        addr = self.call_ok(srv, "address")
        if not (isinstance(addr, dict) and isinstance(addr.get("port"), int) and addr["port"] > 0):
            raise CheckFailed("server.address() after 'listening' returned %s" % json.dumps(addr),
                              "§5: plain JSON values stand for themselves ({address, family, port})")
        return srv, addr["port"]

    def end_input(self, grace):
        """Close stdin; the exit status, or None if it was still running at the deadline (then killed)."""
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        status = self.wait_exit(grace * timeout_scale(), drop_output=True)
        if status is None:
            self.kill()
        return status


def expect_error(value, what):
    """value must be {"$error": {name, message, optional known fields}}; returns the inner dict."""
    inner = value.get("$error") if isinstance(value, dict) and len(value) == 1 else None
    if not isinstance(inner, dict):
        raise CheckFailed("%s is %s, not an {\"$error\": {...}}" % (what, json.dumps(value)[:160]),
                          "§5: an error object is encoded as {\"$error\":{name, message, ...}}")
    if not (isinstance(inner.get("name"), str) and isinstance(inner.get("message"), str)):
        raise CheckFailed("%s has no string name and message: %s" % (what, json.dumps(value)[:160]),
                          "§5: an $error always has name and message")
    extra = set(inner) - ERROR_FIELDS
    if extra:
        raise CheckFailed("%s has fields %s: %s" % (what, ", ".join(sorted(extra)), json.dumps(value)[:160]),
                          "§5: an $error has name, message and whichever of code, errno, syscall, "
                          "address, port it has")
    return inner


def decode_bytes(value, what):
    if isinstance(value, dict) and list(value) == ["$bytes"] and isinstance(value["$bytes"], str):
        try:
            return base64.b64decode(value["$bytes"], validate=True)
        except ValueError:
            pass
    raise CheckFailed("%s carried %s, not {\"$bytes\": BASE64}" % (what, json.dumps(value)[:120]),
                      "§5: a byte buffer is {\"$bytes\":\"BASE64\"}, standard base64 with padding")


# ---------------------------------------------------------------------- the checks
class Context:
    def __init__(self, argv, label):
        self.argv, self.label = argv, label
        self.hello = None
        self.probes = []
        self.exit_ok = True          # False once exit-at-eof failed: later checks do not repeat it

    def start(self):
        p = Probe(self.argv, self.label)
        self.probes.append(p)
        return p

    def needs(self, cap):
        if cap not in self.hello.get("capabilities", []):
            raise Skip("the shim does not claim the %r capability" % cap)


def check_hello(ctx):
    """§1: the shim writes hello first, before reading anything, with protocol 1."""
    p = ctx.start()
    h = p.hello
    impl, caps = h.get("impl"), h.get("capabilities")
    if not (isinstance(impl, dict) and isinstance(impl.get("name"), str) and impl.get("name")
            and isinstance(impl.get("version"), str) and impl.get("version")):
        raise CheckFailed("hello has no impl.name and impl.version strings: %s" % json.dumps(h)[:200],
                          "§1: impl.name and impl.version say what is under test")
    if not (isinstance(caps, list) and all(isinstance(c, str) for c in caps)):
        raise CheckFailed("hello's capabilities is not a list of strings: %s" % json.dumps(caps),
                          "§1: capabilities lists what the implementation claims")
    ctx.hello = h
    known = {"tcp", "ipv6", "pipe", "detach"}
    extra = [c for c in caps if c not in known]
    return "%s %s, protocol 1, capabilities: %s%s" % (
        impl["name"], impl["version"], " ".join(caps) or "(none)",
        " (not used by this harness: %s)" % " ".join(extra) if extra else "")


def check_exit_at_eof(ctx):
    """§1: the shim exits with status 0 soon after its standard input reaches end of file."""
    p = ctx.start()
    status = p.end_input(DEFAULT_WAIT_S)
    p.expected_exit = False
    if status != 0:
        ctx.exit_ok = False
        raise CheckFailed("at end of input (nothing requested) the shim %s" % (
            "was still running %.0f s later" % (DEFAULT_WAIT_S * timeout_scale()) if status is None
            else "exited with status %s" % status), None, p.stderr_tail())
    return "exit status 0"


def check_request_ids(ctx):
    """§2: every request gets exactly one response, carrying the request's id."""
    p = ctx.start()
    lines = [(0, '{"id": 0, "op": "call", "target": "net", "method": "isIP", "args": ["127.0.0.1"]}'),
             (7, '{"id": 7, "op": "new", "class": "Server", "args": []}'),
             (1 << 40, '{"id": %d, "op": "call", "target": "net", "method": "noSuchFunction", "args": []}' % (1 << 40)),
             (3, '{"id": 3, "op": "call", "target": "net", "method": "isIP", "args": ["::1"]}')]
    for rid, line in lines:
        data = p.exchange(line)
        if data.get("id") != rid or isinstance(data.get("id"), bool):
            raise CheckFailed("the response to %s carried id %s" % (line, json.dumps(data.get("id"))))
    n = len(p.responses())
    if n != len(lines):
        raise CheckFailed("%d requests got %d responses" % (len(lines), n))
    return "ids 0, 7, 2^40, 3 echoed, one response each"


def check_seq(ctx):
    """§3: seq numbers every message after hello (responses, events, callbacks) 1, 2, 3, ... with no gap."""
    ctx.needs("tcp")
    p = ctx.start()
    srv, port = p.listen_loopback("cb-listen")
    p.callback_msg("cb-listen")
    with peer.connect_tcp("127.0.0.1", port) as c:
        conn = p.event(srv, "connection")
        sock = p.handle((conn.get("args") or [None])[0], "the 'connection' event's argument")
        c.shutdown(socket.SHUT_WR)
        p.event(sock, "end")
    p.call_ok(srv, "close", {"$callback": "cb-close"})
    p.event(sock, "close")
    p.event(srv, "close")
    p.callback_msg("cb-close")
    if p.seq_problems:
        raise CheckFailed(p.seq_problems[0] + (" (and %d more)" % (len(p.seq_problems) - 1)
                                               if len(p.seq_problems) > 1 else ""))
    seqs = [m.seq for m in p.log_messages()]
    return "%d messages numbered 1..%d" % (len(seqs), seqs[-1])


def check_new(ctx):
    """§2, §4: `new` Server and Socket answer a fresh handle; a missing args means []."""
    p = ctx.start()
    a = p.handle(p.request("new", **{"class": "Server"}).data.get("value"), "new Server (no args)")
    b = p.handle(p.request("new", args=[], **{"class": "Socket"}).data.get("value"), "new Socket()")
    c = p.handle(p.call_ok("net", "createServer"), "net.createServer()")
    if len({a, b, c}) != 3:
        raise CheckFailed("three new objects got handles %s, %s, %s" % (a, b, c),
                          "§4: handle ids are never reused within a process")
    for h in (a, b, c):   # each handle is a usable target
        data = p.exchange(json.dumps({"id": 77, "op": "get", "target": h,
                                      "prop": "remoteAddress" if h == b else "listening"}))
        if data.get("code") == "EBADTARGET":
            raise CheckFailed("the handle %s it answered is an unknown target: %s" % (h, json.dumps(data)[:160]),
                              "§4: an object gets its id the first time it crosses the protocol")
    return "handles %s %s %s" % (a, b, c)


def check_get_set(ctx):
    """§2: `get` answers the property's value, `set` answers {"$undefined": true}."""
    p = ctx.start()
    srv = p.handle(p.call_ok("net", "createServer"), "net.createServer()")
    got = p.request("get", target=srv, prop="listening").data
    if got.get("status") != "ok" or got.get("value") is not False:
        raise CheckFailed("get listening of a new server answered %s (false expected)" % json.dumps(got)[:160],
                          "§2: get answers the property's value; §5: booleans stand for themselves")
    line = json.dumps({"id": 901, "op": "set", "target": srv, "prop": "maxConnections", "value": 3})
    data = p.exchange(line)
    if data.get("status") == "bad_request" and data.get("code") == "ENOPROP":
        return "get ok; maxConnections not settable here (ENOPROP)"
    if data.get("status") != "ok" or data.get("value") != UNDEF:
        raise CheckFailed("set maxConnections = 3 answered %s" % json.dumps(data)[:160])
    got = p.request("get", target=srv, prop="maxConnections").data
    if got.get("value") != 3:
        raise CheckFailed("after set maxConnections = 3, get answered %s" % json.dumps(got)[:160])
    return "get listening = false; set then get maxConnections = 3"


def check_callbacks(ctx):
    """§3: a {"$callback": LABEL} argument becomes callback messages with that label."""
    ctx.needs("tcp")
    p = ctx.start()
    srv = p.handle(p.call_ok("net", "createServer"), "net.createServer()")
    back = p.call_ok(srv, "listen", 0, "127.0.0.1", {"$callback": "cb-listen"})
    if back != {"$handle": srv}:
        raise CheckFailed("listen() returned %s, not its server %s" % (json.dumps(back), srv),
                          "§4: a returned Server is its handle")
    ev = p.event(srv, "listening")
    cb = p.callback_msg("cb-listen")
    if ev.get("args") != [] or cb.get("args") != []:
        raise CheckFailed("'listening' carried %s and its callback %s; both have no arguments"
                          % (json.dumps(ev.get("args")), json.dumps(cb.get("args"))))
    p.call_ok(srv, "close", {"$callback": "cb-close"})
    p.event(srv, "close")
    p.callback_msg("cb-close")
    return "listen and close callbacks delivered with their labels"


def check_echo(ctx):
    """§3, §4, §5: events of an accepted socket, with $handle and $bytes, in order."""
    ctx.needs("tcp")
    p = ctx.start()
    srv, port = p.listen_loopback()
    sent, back = b"netspec\x00\xff\n", b"\x01echo\xfe"
    with peer.connect_tcp("127.0.0.1", port) as c:
        conn = p.event(srv, "connection")
        sock = p.handle((conn.get("args") or [None])[0], "the 'connection' event's argument")
        if sock == srv:
            raise CheckFailed("the accepted socket got its server's handle id")
        c.sendall(sent)
        p.wait_until(lambda: len(_joined(p, sock)) >= len(sent), None, "%d bytes of 'data' on %s" % (len(sent), sock))
        if _joined(p, sock) != sent:
            raise CheckFailed("the 'data' events carried %r; the peer sent %r" % (_joined(p, sock), sent))
        p.call_ok(sock, "write", {"$bytes": "AWVjaG/+"})
        got = peer.recv_exactly(c, len(back))
        if got != back:
            raise CheckFailed("the peer received %r after write({$bytes}) of %r" % (got, back))
        c.shutdown(socket.SHUT_WR)
        p.event(sock, "end")
        p.call_ok(sock, "end")
        rest = peer.recv_until_eof(c)
        if rest:
            raise CheckFailed("the peer received %r more before EOF" % rest)
        close = p.event(sock, "close")
    names = [m.name for m in p.log_messages() if m.type == "event" and m.target == sock]
    if names[-1:] != ["close"] or names.index("end") < max(i for i, n in enumerate(names) if n == "data"):
        raise CheckFailed("the accepted socket's events came in the order %s" % ", ".join(names),
                          "§3: messages are written in the order things happened")
    if close.get("args") not in ([False], [UNDEF], []):
        raise CheckFailed("'close' after a clean end carried %s" % json.dumps(close.get("args")))
    return "connection -> data ($bytes) -> write -> end -> close"


def _joined(p, sock):
    out = b""
    for m in p.log_messages():
        if m.type == "event" and m.target == sock and m.name == "data":
            out += decode_bytes((m.data.get("args") or [None])[0], "a 'data' event")
    return out


def check_client(ctx):
    """§3: a Socket the shim connects: connect, a string write, data, end, close."""
    ctx.needs("tcp")
    p = ctx.start()
    with peer.tcp_listener("127.0.0.1") as lst:
        port = lst.getsockname()[1]
        sock = p.handle(p.call_ok("net", "connect", port, "127.0.0.1"), "net.connect(port, host)")
        p.event(sock, "connect")
        with peer.accept(lst) as c:
            p.call_ok(sock, "write", "ping")
            if peer.recv_exactly(c, 4) != b"ping":
                raise CheckFailed("write(\"ping\") did not reach the peer as b'ping'")
            c.sendall(b"pong")
            p.wait_until(lambda: len(_joined(p, sock)) >= 4, None, "4 bytes of 'data' on %s" % sock)
        p.event(sock, "end")
        p.event(sock, "close")
    return "connect -> write(string) -> data ($bytes) -> end -> close"


def check_errors(ctx):
    """§3, §5: an error event carries one {"$error": ...} with its code."""
    ctx.needs("tcp")
    p = ctx.start()
    with peer.tcp_listener("127.0.0.1") as holder:
        port = holder.getsockname()[1]
        srv = p.handle(p.call_ok("net", "createServer"), "net.createServer()")
        p.call_ok(srv, "listen", port, "127.0.0.1")
        args = p.event(srv, "error").get("args")
    err = expect_error((args or [None])[0], "the 'error' event's argument (listen on a port in use)")
    if err.get("code") != "EADDRINUSE":
        raise CheckFailed("listen on a port in use: error code %s" % json.dumps(err.get("code")))
    sock = p.handle(p.call_ok("net", "connect", peer.closed_port(), "127.0.0.1"), "net.connect()")
    err2 = expect_error((p.event(sock, "error").get("args") or [None])[0], "the 'error' event (connection refused)")
    p.event(sock, "close")
    return "error events: %s, %s" % (err.get("code"), err2.get("code"))


def check_threw(ctx):
    """§2: an exception of the implementation is a `threw` response with an $error."""
    p = ctx.start()
    srv = p.handle(p.call_ok("net", "createServer"), "net.createServer()")
    msg = p.request("call", target=srv, method="listen", args=[70000, "127.0.0.1"])
    if msg.data["status"] != "threw":
        raise CheckFailed("listen(70000, \"127.0.0.1\") answered %s; Node 8 throws a RangeError"
                          % json.dumps(msg.data)[:160], "§2: threw is the implementation's exception")
    err = expect_error(msg.data.get("error"), "the threw response's error")
    return "listen(70000) threw %s" % err["name"]


def make_bad_request_check(code):
    def check(ctx):
        p = ctx.start()
        srv = p.handle(p.call_ok("net", "createServer"), "net.createServer()") if any(
            "$SERVER" in line for line in BAD_REQUESTS[code]) else None
        rid, undefined = 500, 0
        for line in BAD_REQUESTS[code]:
            rid += 1
            line = line.replace("$SERVER", srv or "") % rid if "%d" in line else line
            expected_id = rid if line.startswith("{") and '"id"' in line else None
            data = p.exchange(line)
            if code == "ENOPROP" and data.get("status") == "ok" and data.get("value") == UNDEF:
                undefined += 1      # an absent property reads as undefined in JavaScript: allowed
            elif (data.get("status"), data.get("code")) != ("bad_request", code):
                raise CheckFailed("%s was answered %s" % (line, json.dumps(data)[:200]))
            if data.get("id") != expected_id:
                raise CheckFailed("%s was answered with id %s" % (line, json.dumps(data.get("id"))),
                                  "§2: EBADJSON answers with id null, every other response with the request's id")
            if p.exchange('{"id": 999, "op": "call", "target": "net", "method": "isIP", "args": ["::1"]}').get("value") != 6:
                raise CheckFailed("after %s, net.isIP(\"::1\") was not answered 6" % line)
        n = len(BAD_REQUESTS[code])
        return "%d request%s answered %s%s, the shim goes on" % (
            n, "s" if n > 1 else "", code, " (or ok undefined: %d)" % undefined if undefined else "")
    check.__doc__ = ("§2: a request the shim cannot carry out is answered bad_request %s, "
                     "and a shim never crashes on a bad request" % code)
    return check


def check_blank_lines(ctx):
    """§2: blank lines are ignored (no response)."""
    p = ctx.start()
    p.send_line("")
    p.send_line("   ")
    data = p.exchange('{"id": 41, "op": "call", "target": "net", "method": "isIP", "args": ["127.0.0.1"]}')
    if data.get("id") != 41 or data.get("value") != 4:
        raise CheckFailed("after two blank lines, the next response was %s" % json.dumps(data)[:160])
    return "no response to blank lines"


def check_detach(ctx):
    """§2: after `detach` the shim stops reading input; events are still written, and the
    process exits by itself once nothing ref'd is left."""
    ctx.needs("detach")
    p = ctx.start()
    if p.request("detach").data.get("value") != UNDEF:
        raise CheckFailed("detach answered %s" % json.dumps(p.responses()[-1].data))
    status = p.exited()
    p.expected_exit = False
    if status != 0:
        raise CheckFailed("with nothing open, the shim did not exit by itself after detach (%s)"
                          % ("still running" if status is None else "status %s" % status), None, p.stderr_tail())
    if ctx.hello and "tcp" in ctx.hello.get("capabilities", []):
        q = ctx.start()
        srv, port = q.listen_loopback()
        q.request("detach")
        with peer.connect_tcp("127.0.0.1", port):
            q.event(srv, "connection")      # still alive, and still writing events
        q.expected_exit = False             # a listening server holds it: killed at cleanup
        return "exits 0 by itself when idle; a listening server keeps it alive and its events flow"
    return "exits 0 by itself when idle"


def check_exit_with_handles(ctx):
    """§1: the shim exits with status 0 at end of input, whatever handles are still open."""
    ctx.needs("tcp")
    p = ctx.start()
    srv, port = p.listen_loopback()
    with peer.tcp_listener("127.0.0.1") as lst, peer.connect_tcp("127.0.0.1", port):
        p.event(srv, "connection")
        sock = p.handle(p.call_ok("net", "connect", lst.getsockname()[1], "127.0.0.1"), "net.connect()")
        p.event(sock, "connect")
        status = p.end_input(DEFAULT_WAIT_S)
        p.expected_exit = False
    if status != 0:
        raise CheckFailed("with a server, an accepted and a connected socket open, the shim %s at end of input"
                          % ("was still running" if status is None else "exited with status %s" % status),
                          None, p.stderr_tail())
    return "exit status 0 with 3 handles open"


CHECKS = [("hello", check_hello), ("exit-at-eof", check_exit_at_eof), ("request-ids", check_request_ids),
          ("blank-lines", check_blank_lines), ("new", check_new), ("get-set", check_get_set),
          ("threw", check_threw)] + \
         [("bad-request-" + code, make_bad_request_check(code)) for code in BAD_REQUESTS] + \
         [("callbacks", check_callbacks), ("seq", check_seq), ("echo", check_echo), ("client", check_client),
          ("error-events", check_errors), ("detach", check_detach), ("exit-with-handles", check_exit_with_handles)]


# ---------------------------------------------------------------------- running
class Result:
    def __init__(self, name, status, detail="", rule=None, tail="", timeline=()):
        self.name, self.status, self.detail, self.rule, self.tail = name, status, detail, rule, tail
        self.timeline = list(timeline)

    def lines(self, verbose=False):
        out = ["%-7s %-22s %s" % (self.status, self.name, self.detail.splitlines()[0] if self.detail else "")]
        if self.status != "FAIL":
            return out
        out.append("        PROTOCOL.md %s" % self.rule)
        out += ["        " + line for line in self.detail.splitlines()[1:]]
        if self.tail:
            out.append("        the shim's stderr (tail):")
            out += ["        | " + line for line in self.tail.splitlines()[-12:]]
        if verbose and self.timeline:
            out.append("        the exchange (last %d lines):" % len(self.timeline))
            for t in self.timeline:
                data = t["data"] if isinstance(t["data"], str) else json.dumps(t["data"])
                out.append("        %s %s" % ({"send": "->", "recv": "<-"}.get(t["kind"], "  "), data[:160]))
        return out


def run_one(ctx, name, fn):
    """Runs one check with fresh shims; ends them all; returns a Result."""
    status, detail, rule, tail, timeline = "ok", "", None, "", []
    try:
        detail = fn(ctx) or ""
        problems = [q for p in ctx.probes for q in p.shape_problems]
        if problems:
            raise CheckFailed(problems[0], "§2, §3: the fields each message type carries")
    except Skip as exc:
        status, detail = "skipped", str(exc)
    except CheckFailed as exc:
        status, detail, rule, tail = "FAIL", str(exc), exc.rule, exc.tail
    except ShimError as exc:
        status = "FAIL"
        detail, tail = _split_tail(exc)
        detail = detail[len(ctx.label) + 2:] if detail.startswith(ctx.label + ": ") else detail
        if not tail and ctx.probes:
            tail = ctx.probes[-1].stderr_tail()
    except (AssertionError, OSError) as exc:   # the peer's side: recv deadline, refused connect
        status, detail = "FAIL", "the peer: %s: %s" % (type(exc).__name__, exc)
    finally:
        for p in ctx.probes:      # end each shim; a check that passed also needs exit status 0
            timeline = p.timeline()[-12:] or timeline
            if p.expected_exit and status == "ok" and ctx.exit_ok:
                code = p.end_input(2.0)
                if code != 0:
                    status, detail = "FAIL", "the shim %s at end of input" % (
                        "exited with status %s" % code if code is not None else "did not exit")
                    rule, tail = "§1: the shim exits with status 0 soon after its input ends", p.stderr_tail()
            else:
                p.end_input(0.2)
            p.close(grace=0)
            p.dispose()
        ctx.probes = []
    if status == "FAIL" and not rule:
        rule = fn.__doc__.split("\n\n")[0].replace("\n   ", "")
    return Result(name, status, detail, rule, tail, timeline)


def run(argv, label, select=None, verbose=False, out=sys.stdout):
    """Runs the checks; prints one line each and a summary. Returns 0 (none failed) or 1."""
    ctx = Context(argv, label)
    counts = {"ok": 0, "FAIL": 0, "skipped": 0}
    t0 = time.monotonic()

    def say(text):
        print(text, file=out, flush=True)

    say("shim-check: %s (%s)" % (" ".join(argv), label))
    for name, fn in CHECKS:
        if select and name != "hello" and not any(s in name for s in select):
            continue
        if ctx.hello is None and name != "hello":
            result = Result(name, "skipped", "not run: the shim did not say a valid hello")
        else:
            result = run_one(ctx, name, fn)
        counts[result.status] += 1
        for line in result.lines(verbose):
            say(line)
    impl = (ctx.hello or {}).get("impl") or {}
    say("shim-check: %d ok, %d FAIL, %d skipped (%s %s, %.1f s)%s" % (
        counts["ok"], counts["FAIL"], counts["skipped"], impl.get("name", "?"), impl.get("version", "?"),
        time.monotonic() - t0, "" if counts["FAIL"] else ": the shim speaks the protocol"))
    return 1 if counts["FAIL"] else 0


__all__ = ["run", "run_one", "Context", "Result", "CHECKS", "BAD_REQUESTS", "Probe", "CheckFailed"]
