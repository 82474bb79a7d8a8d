#!/usr/bin/env python3
"""A minimal netspec shim: harness/PROTOCOL.md (version 1) in one readable file.

It drives toynet.py (next to it), a toy `net` on Python's socket and selectors, standing in for
the implementation you want to test. This file is all a shim is: the hello, requests turned into
calls, return values and thrown errors turned into responses, events and callbacks turned into
messages, and every request it cannot carry out answered with a bad_request code, never a crash.
`harness/netspec shim-check --shim "python3 harness/shims/example/shim.py"` passes on it; the
conformance suite does not (the toy is far from complete). Walkthrough: harness/SHIMS.md.
"""
import base64
import json
import os
import selectors
import sys

from toynet import UNDEFINED, NetError, Server, Socket, create_connection, is_ip, loop

MODULE = {"createServer": Server, "connect": create_connection,
          "createConnection": create_connection, "isIP": is_ip}
METHODS = {Server: {"listen", "close", "address", "ref", "unref"},
           Socket: {"connect", "write", "end", "destroy", "setEncoding", "ref", "unref"}}
GETTABLE = {Server: {"listening", "maxConnections"}, Socket: {"remoteAddress", "remotePort"}}
SETTABLE = {Server: {"maxConnections"}, Socket: set()}
EVENTS = {Server: {"listening", "connection", "error", "close"},
          Socket: {"connect", "data", "end", "drain", "error", "close"}}


class BadRequest(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


class Shim:
    def __init__(self, out=sys.stdout):
        self.out, self.seq, self.ids, self.objs, self.detached = out, 0, {}, {}, False

    def send(self, type_, **fields):       # fields are encoded before seq is taken
        self.seq += 1
        self.out.write(json.dumps(dict(type=type_, seq=self.seq, **fields)) + "\n")
        self.out.flush()

    def hello(self):
        caps = ["tcp", "ipv6", "detach"]
        self.out.write(json.dumps({"type": "hello", "protocol": 1, "capabilities": caps,
                                   "impl": {"name": "python-example", "version": "0.1"}}) + "\n")
        self.out.flush()

    def register(self, obj):
        if obj not in self.ids:
            hid = self.ids[obj] = "h%d" % (len(self.ids) + 1)
            self.objs[hid] = obj
            obj.on("*", lambda event, *args: event in EVENTS[type(obj)] and self.send(
                "event", target=hid, event=event, args=self.encode(list(args))))
        return self.ids[obj]

    def encode(self, v):
        if v is UNDEFINED:
            return {"$undefined": True}
        if isinstance(v, (bytes, bytearray)):
            return {"$bytes": base64.b64encode(v).decode("ascii")}
        if isinstance(v, NetError):
            return {"$error": self.encode(v.fields)}
        if isinstance(v, (Server, Socket)):
            return {"$handle": self.register(v)}
        if isinstance(v, list):
            return [self.encode(x) for x in v]
        if isinstance(v, dict):
            return {k: self.encode(x) for k, x in v.items()}
        return v                           # null, booleans, finite numbers, strings

    def decode(self, v):
        if isinstance(v, list):
            return [self.decode(x) for x in v]
        if not isinstance(v, dict):
            return v
        if not any(k.startswith("$") for k in v):
            return {k: self.decode(x) for k, x in v.items()}
        if len(v) != 1:
            raise BadRequest("EBADARGS", "a $-tagged value has one key: %s" % json.dumps(v))
        (tag, x), = v.items()
        if tag == "$undefined" and x is True:
            return UNDEFINED
        if tag == "$bytes" and isinstance(x, str):
            return base64.b64decode(x)
        if tag == "$callback" and isinstance(x, str):
            return lambda *args: self.send("callback", callback=x, args=self.encode(list(args)))
        if tag == "$handle" and isinstance(x, str):
            return self.target(x)
        raise BadRequest("EBADARGS", "cannot decode %s" % json.dumps(v))

    def target(self, name):
        if name == "net":
            return None
        if not isinstance(name, str) or name not in self.objs:
            raise BadRequest("EBADTARGET", "unknown target %s" % json.dumps(name))
        return self.objs[name]

    def field(self, req, key, known):
        if not isinstance(req.get(key), str):
            raise BadRequest("EBADARGS", '"%s" must be a string' % key)
        if req[key] not in known:
            code = "ENOMETHOD" if key == "method" else "ENOPROP"
            raise BadRequest(code, "no %s %r in this shim" % (key, req[key]))
        return req[key]

    def args(self, req):
        if not isinstance(req.get("args", []), list):
            raise BadRequest("EBADARGS", '"args" must be an array')
        return self.decode(req.get("args", []))

    def prepare(self, req):
        """Checks and decodes a request (-> bad_request); returns the call on the implementation."""
        op = req.get("op")
        if op == "new":
            cls = {"Server": Server, "Socket": Socket}.get(req.get("class"))
            if not cls:
                raise BadRequest("EBADARGS", "unknown class %s" % json.dumps(req.get("class")))
            args = self.args(req)
            return lambda: cls(*args)
        if op == "detach":
            return lambda: setattr(self, "detached", True) or UNDEFINED
        if op not in ("call", "get", "set"):
            raise BadRequest("EBADOP", "unknown op %s" % json.dumps(op))
        obj = self.target(req.get("target"))
        if op == "call":
            method = self.field(req, "method", MODULE if obj is None else METHODS[type(obj)])
            fn = MODULE[method] if obj is None else getattr(obj, method)
            args = self.args(req)
            return lambda: fn(*args)
        prop = self.field(req, "prop", set() if obj is None else (GETTABLE if op == "get" else SETTABLE)[type(obj)])
        if op == "get":
            return lambda: getattr(obj, prop)
        value = self.decode(req.get("value"))
        return lambda: setattr(obj, prop, value) or UNDEFINED

    def handle_line(self, line):
        try:
            req = json.loads(line)
        except ValueError as exc:
            return self.send("response", id=None, status="bad_request", code="EBADJSON", message=str(exc))
        if not isinstance(req, dict) or not isinstance(req.get("id"), int):
            return self.send("response", id=None, status="bad_request", code="EBADJSON",
                             message="a request is an object with an integer id")
        try:
            run = self.prepare(req)
            try:
                fields = dict(status="ok", value=self.encode(run()))
            except NetError as exc:            # thrown by the implementation: an observation
                fields = dict(status="threw", error=self.encode(exc))
            except TypeError as exc:           # wrong argument count for this small API
                raise BadRequest("EBADARGS", "this shim cannot call that: %s" % exc) from None
        except BadRequest as exc:
            fields = dict(status="bad_request", code=exc.code, message=str(exc))
        except Exception as exc:               # the shim's own bug: say so, never die
            fields = dict(status="bad_request", code="EINTERNAL", message=repr(exc))
        self.send("response", id=req["id"], **fields)

    def main(self):
        self.hello()
        pending = b""

        def on_input(_mask):
            nonlocal pending
            chunk = os.read(0, 65536)
            if not chunk:
                sys.exit(0)                    # end of input: exit 0, whatever is still open
            pending += chunk
            while b"\n" in pending and not self.detached:
                line, pending = pending.split(b"\n", 1)
                if line.strip():
                    self.handle_line(line.decode("utf-8", "replace"))
            if self.detached:                  # stop reading; live until nothing ref'd is left
                loop.watch(0, 0, None)

        loop.watch(0, selectors.EVENT_READ, on_input)
        while not self.detached or loop.refed():
            loop.run_once()


if __name__ == "__main__":
    Shim().main()
