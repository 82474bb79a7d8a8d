"""toynet: the implementation the example shim (shim.py) drives; a toy `net` on Python's socket
and selectors modules, standing in for your library.

TCP over IPv4 and IPv6: Server (listen, close, address, maxConnections, ref/unref) and Socket
(connect, write, end, destroy, setEncoding, ref/unref) with their documented events, all emitted
from one event loop (`loop`). Positional arguments only; anything else raises TypeError, which the
shim reports as a request it cannot carry out. Far from complete, and honest about it.
"""
import errno
import ipaddress
import selectors
import socket

UNDEFINED = object()                       # JavaScript's undefined (None is null)


class NetError(Exception):
    """An error object: name, message and the optional code/errno/syscall/address/port."""

    def __init__(self, name, message, **fields):
        super().__init__(message)
        self.fields = dict(name=name, message=message, **fields)


def os_error(exc, syscall, host=None, port=None):
    code = errno.errorcode.get(exc.errno, "EUNKNOWN")
    if host is None:
        return NetError("Error", "%s %s" % (syscall, code), code=code, errno=code, syscall=syscall)
    return NetError("Error", "%s %s %s:%s" % (syscall, code, host, port), code=code, errno=code,
                    syscall=syscall, address=host, port=port)


class Loop:
    """select() over sockets plus a queue of things to do 'on the next tick'."""

    def __init__(self):
        self.sel, self.ticks, self.open = selectors.DefaultSelector(), [], set()

    def soon(self, fn, *args):
        self.ticks.append((fn, args))

    def watch(self, fileobj, mask, fn):
        if fileobj in self.sel.get_map():
            self.sel.unregister(fileobj)
        if mask:
            self.sel.register(fileobj, mask, fn)

    def refed(self):                       # anything keeping the process alive after detach
        return bool(self.ticks) or any(h.refed for h in self.open)

    def run_once(self):
        ticks, self.ticks = self.ticks, []
        for fn, args in ticks:
            fn(*args)
        for key, mask in self.sel.select(0 if self.ticks else None):
            key.data(mask)


loop = Loop()


class Emitter:
    def __init__(self):
        self.listeners, self.refed = [], True

    def on(self, event, fn):               # event "*" receives every emission as (event, *args)
        self.listeners.append((event, fn))

    def emit(self, event, *args):
        for name, fn in list(self.listeners):
            if name == "*":
                fn(event, *args)
            elif name == event:
                fn(*args)

    def ref(self):
        self.refed = True
        return self

    def unref(self):
        self.refed = False
        return self


def check_port(port):                      # TypeError: the shim answers EBADARGS (not supported)
    if isinstance(port, bool) or not isinstance(port, int):
        raise TypeError("this example takes (port, host[, callback]) only")
    if not 0 <= port < 65536:
        raise NetError("RangeError", '"port" argument must be >= 0 and < 65536')


class Server(Emitter):
    def __init__(self, *args):
        super().__init__()
        self.sock, self.connections, self.maxConnections = None, 0, UNDEFINED
        for arg in args:
            if callable(arg):
                self.on("connection", arg)
            elif arg not in ({}, None, UNDEFINED):
                raise TypeError("server options are not supported by this example")

    @property
    def listening(self):
        return self.sock is not None

    def listen(self, port, host, cb=None):
        check_port(port)
        if cb:
            self.on("listening", cb)
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        try:
            sock.bind((host, port))
            sock.listen(511)
        except OSError as exc:
            sock.close()
            loop.soon(self.emit, "error", os_error(exc, "listen", host, port))
            return self
        sock.setblocking(False)
        self.sock = sock
        loop.open.add(self)
        loop.watch(sock, selectors.EVENT_READ, self._accept)
        loop.soon(self.emit, "listening")
        return self

    def _accept(self, _mask):
        conn, _ = self.sock.accept()
        if self.maxConnections is not UNDEFINED and self.connections >= self.maxConnections:
            return conn.close()
        self.connections += 1
        client = Socket.accepted(conn)
        client.on("close", self._gone)
        self.emit("connection", client)

    def _gone(self, _had_error):
        self.connections -= 1
        self._maybe_closed()

    def _maybe_closed(self):
        if self.sock is None and self.connections == 0 and self in loop.open:
            loop.open.discard(self)
            loop.soon(self.emit, "close")

    def address(self):
        if not self.sock:
            return None
        host, port = self.sock.getsockname()[:2]
        return {"address": host, "family": "IPv6" if ":" in host else "IPv4", "port": port}

    def close(self, cb=None):
        if not self.sock:
            if cb:
                loop.soon(cb, NetError("Error", "Not running", code="ERR_SERVER_NOT_RUNNING"))
            return self
        if cb:
            self.on("close", cb)
        loop.watch(self.sock, 0, None)
        self.sock.close()
        self.sock = None
        self._maybe_closed()               # 'close' once the last connection is gone
        return self


class Socket(Emitter):
    def __init__(self, *args):
        super().__init__()
        if [a for a in args if a not in ({}, None, UNDEFINED)]:
            raise TypeError("socket options are not supported by this example")
        self.sock, self.out, self.encoding = None, b"", None
        self.connecting = self.ended = self.we_ended = self.shut = False

    @classmethod
    def accepted(cls, conn):
        self = cls()
        self.sock = conn
        conn.setblocking(False)
        loop.open.add(self)
        self._rewatch()
        return self

    def connect(self, port, host, cb=None):
        check_port(port)
        if cb:
            self.on("connect", cb)
        self.sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        self.sock.setblocking(False)
        self.connecting, self.target = True, (host, port)
        loop.open.add(self)
        self.sock.connect_ex((host, port))
        self._rewatch()
        return self

    def _rewatch(self):
        if self.connecting:
            mask = selectors.EVENT_WRITE
        else:
            mask = (0 if self.ended else selectors.EVENT_READ) | (selectors.EVENT_WRITE if self.out else 0)
        loop.watch(self.sock, mask, self._ready)

    def _ready(self, mask):
        if self.connecting:
            err = self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            self.connecting = False
            if err:
                self.emit("error", os_error(OSError(err, ""), "connect", *self.target))
                return self.destroy(True)
            self.emit("connect")
        elif mask & selectors.EVENT_READ:
            try:
                data = self.sock.recv(65536)
            except ConnectionError as exc:
                self.emit("error", os_error(exc, "read"))
                return self.destroy(True)
            if data:
                self.emit("data", data.decode(self.encoding) if self.encoding else data)
            else:
                self.ended = True
                self.emit("end")
                self.end()                 # allowHalfOpen is false: end our side too
        if self.sock and mask & selectors.EVENT_WRITE and self.out:
            self.out = self.out[self.sock.send(self.out):]
        if self.sock:
            self._finish()

    def _finish(self):                     # our FIN once the output is flushed; close when both ended
        if self.we_ended and not self.out and not self.connecting and not self.shut:
            self.shut = True
            self.sock.shutdown(socket.SHUT_WR)
        if self.shut and self.ended:
            return self.destroy()
        self._rewatch()

    def write(self, data, cb=None):
        if not self.sock or self.we_ended:
            loop.soon(self.emit, "error", NetError("Error", "This socket is closed", code="ERR_SOCKET_CLOSED"))
            return False
        self.out += data.encode("utf-8") if isinstance(data, str) else bytes(data)
        if cb:
            loop.soon(cb)
        self._rewatch()
        return True

    def end(self, data=None):
        if data is not None:
            self.write(data)
        if self.sock and not self.we_ended:
            self.we_ended = True
            self._finish()
        return self

    def destroy(self, had_error=False):
        if self.sock:
            loop.watch(self.sock, 0, None)
            self.sock.close()
            self.sock = None
            loop.open.discard(self)
            loop.soon(self.emit, "close", had_error)
        return self

    def setEncoding(self, encoding):
        self.encoding = encoding
        return self

    remoteAddress = property(lambda self: self.sock.getpeername()[0] if self.sock else UNDEFINED)
    remotePort = property(lambda self: self.sock.getpeername()[1] if self.sock else UNDEFINED)


def create_connection(port, host, cb=None):
    return Socket().connect(port, host, cb)


def is_ip(text):
    try:
        return ipaddress.ip_address(text).version
    except ValueError:
        return 0
