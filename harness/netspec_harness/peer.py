"""The real peer: plain Python sockets a test controls.

Everything here binds or connects on loopback (127.0.0.1, ::1) or on Unix
paths the test chose; nothing reaches any other address.

What the peer does and sees goes into the test's timeline: the `impl`
fixture installs a recorder (`set_recorder`), and every socket made here is a
`PeerSocket` (a plain socket.socket that also reports its connect, accept,
send, recv, shutdown and close). Helpers that loop (`recv_exactly`,
`recv_until_eof`) report once, with the total. Without a recorder nothing is
recorded and the sockets behave exactly like plain ones.
"""
import array
import errno
import fcntl
import socket
import struct
import termios
import time

from .shim import timeout_scale

LOOPBACK = {"ipv4": "127.0.0.1", "ipv6": "::1"}

# ------------------------------------------------------------------ recording
MAX_RECORDS = 400        # per test; a loop of send() must not bloat the timeline
PREVIEW = 48             # bytes of data shown in a record

_recorder = None         # callable(dict) or None
_names = {}              # kind -> count, for socket names (client1, conn2, ...)


def set_recorder(recorder):
    """Install `recorder(entry)` (None: stop recording); returns the previous
    one. Each entry is a dict {"sock": name, "act": action, "detail": text},
    with "bytes" for data moved by send and recv. Socket names restart with
    every recorder."""
    global _recorder
    previous, _recorder = _recorder, recorder
    _names.clear()
    return previous


class TimelineRecorder:
    """Records into a shim's timeline (kind "peer", the shim's clock), so the
    peer's actions interleave with the implementation's messages. Consecutive
    sends (or recvs) of one socket merge into one entry; after MAX_RECORDS
    entries one last entry says the rest was not recorded."""

    def __init__(self, shim):
        self.shim = shim
        self.count = 0

    def __call__(self, entry):
        log = self.shim.log
        last = log[-1] if log else None
        if (last and last[0] == "peer" and entry["act"] in ("send", "recv") and "bytes" in entry
                and last[2].get("sock") == entry["sock"] and last[2].get("act") == entry["act"]
                and "bytes" in last[2]):
            prev = last[2]
            prev["calls"] = prev.get("calls", 1) + 1
            prev["bytes"] += entry["bytes"]
            prev.setdefault("first", prev["detail"])
            prev["detail"] = "%d bytes in %d calls; first: %s; last: %s" % (
                prev["bytes"], prev["calls"], prev["first"], entry["detail"])
            return
        self.count += 1
        if self.count > MAX_RECORDS:
            if self.count == MAX_RECORDS + 1:
                log.append(("peer", self.shim.now(), {"sock": "peer", "act": "note",
                                                       "detail": "further peer actions not recorded"}))
            return
        log.append(("peer", self.shim.now(), entry))


def _record(sock, act, detail="", nbytes=None):
    if _recorder is None:
        return
    entry = {"sock": getattr(sock, "peer_name", None) or "peer", "act": act, "detail": detail}
    if nbytes is not None:
        entry["bytes"] = nbytes
    _recorder(entry)


def _name(kind):
    _names[kind] = _names.get(kind, 0) + 1
    return "%s%d" % (kind, _names[kind])


def _preview(data, n=None):
    """The first PREVIEW bytes of data[:n] as a bytes literal (without copying the rest)."""
    n = len(data) if n is None else n
    shown = repr(bytes(memoryview(data)[:min(n, PREVIEW)]))
    return shown + ("..." if n > PREVIEW else "")


def _addr(addr):
    if isinstance(addr, tuple) and len(addr) >= 2:
        return ("[%s]:%s" if ":" in str(addr[0]) else "%s:%s") % (addr[0], addr[1])
    if isinstance(addr, bytes):
        addr = addr.decode("utf-8", "replace")
    return addr or "(unnamed)"


def _err(exc):
    if isinstance(exc, socket.timeout):
        return "nothing before the deadline"
    return "%s%s" % (type(exc).__name__, (" [%s]" % errno.errorcode.get(exc.errno, exc.errno))
                     if getattr(exc, "errno", None) else "")


class PeerSocket(socket.socket):
    """A socket.socket that reports what it does to the recorder."""

    peer_name = None
    _reported_close = False

    @classmethod
    def adopt(cls, sock, kind):
        """The same connection as `sock` (which is detached) as a PeerSocket."""
        timeout = sock.gettimeout()
        new = cls(sock.family, sock.type, sock.proto, fileno=sock.detach())
        new.settimeout(timeout)
        new.peer_name = _name(kind)
        return new

    def accept(self):
        try:
            fd, addr = self._accept()
        except OSError as exc:
            _record(self, "accept", "failed: %s" % _err(exc))
            raise
        sock = PeerSocket(self.family, self.type, self.proto, fileno=fd)
        if socket.getdefaulttimeout() is None and self.gettimeout():
            sock.setblocking(True)
        sock.peer_name = _name("conn")
        _record(self, "accept", "%s from %s" % (sock.peer_name, _addr(addr)))
        return sock, addr

    def connect(self, address):
        try:
            super().connect(address)
        except OSError as exc:
            _record(self, "connect", "to %s failed: %s" % (_addr(address), _err(exc)))
            raise
        _record(self, "connect", "to %s" % _addr(address))

    def send(self, data, *flags):
        try:
            n = super().send(data, *flags)
        except OSError as exc:
            _record(self, "send", "%d bytes failed: %s" % (len(data), _err(exc)))
            raise
        if _recorder is not None:
            _record(self, "send", "%d of %d bytes %s" % (n, len(data), _preview(data, n)), n)
        return n

    def sendall(self, data, *flags):
        try:
            super().sendall(data, *flags)
        except OSError as exc:
            _record(self, "send", "%d bytes failed: %s" % (len(data), _err(exc)))
            raise
        if _recorder is not None:
            _record(self, "send", "%d bytes %s" % (len(data), _preview(data)), len(data))

    def recv(self, n, *flags):
        try:
            data = super().recv(n, *flags)
        except OSError as exc:
            if not isinstance(exc, BlockingIOError):
                _record(self, "recv", _err(exc))
            raise
        if _recorder is None:
            return data
        peek = " (peek)" if flags and flags[0] & socket.MSG_PEEK else ""
        if data:
            _record(self, "recv", "%d bytes%s %s" % (len(data), peek, _preview(data)), None if peek else len(data))
        else:
            _record(self, "recv", "end of stream (FIN)%s" % peek)
        return data

    def shutdown(self, how):
        super().shutdown(how)
        _record(self, "shutdown", {socket.SHUT_WR: "write side: FIN sent", socket.SHUT_RD: "read side",
                                   socket.SHUT_RDWR: "both sides: FIN sent"}.get(how, str(how)))

    def close(self):
        if not self._closed and not self._reported_close and self.peer_name:
            self._reported_close = True
            _record(self, "close", "")
        super().close()


def _family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def tcp_listener(host="127.0.0.1", port=0, backlog=16, v6only=None, reuseaddr=False):
    """A listening TCP socket (a holder of the address). `host` "::" with
    v6only False holds the port on IPv4 too."""
    sock = PeerSocket(_family(host), socket.SOCK_STREAM)
    try:
        if reuseaddr:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if v6only is not None and sock.family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1 if v6only else 0)
        sock.bind((host, port))
        sock.listen(backlog)
    except OSError as exc:
        sock.close()
        _record(None, "listen", "on %s failed: %s" % (_addr((host, port)), _err(exc)))
        raise
    sock.peer_name = _name("listener")
    _record(sock, "listen", "on %s" % _addr(sock.getsockname()))
    return sock


def unix_listener(path, backlog=16):
    """A listening Unix domain socket at `path` (a live holder of the path)."""
    sock = PeerSocket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(path)
        sock.listen(backlog)
    except OSError as exc:
        sock.close()
        _record(None, "listen", "on %s failed: %s" % (_addr(path), _err(exc)))
        raise
    sock.peer_name = _name("listener")
    _record(sock, "listen", "on %s" % _addr(path))
    return sock


def connect_tcp(host, port, timeout=5.0):
    """A connected client socket; fails the test if the connection fails."""
    try:
        plain = socket.create_connection((host, port), timeout=timeout * timeout_scale())
    except OSError as exc:
        _record(None, "connect", "to %s failed: %s" % (_addr((host, port)), _err(exc)))
        raise
    sock = PeerSocket.adopt(plain, "client")
    _record(sock, "connect", "to %s from %s" % (_addr((host, port)), _addr(sock.getsockname())))
    return sock


def connect_unix(path, timeout=5.0):
    sock = PeerSocket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.peer_name = _name("client")
    sock.settimeout(timeout * timeout_scale())
    try:
        sock.connect(path)
    except OSError:
        sock.close()
        raise
    return sock


def accept(listener, timeout=5.0):
    """The next connection on `listener` (a socket from tcp_listener/unix_listener)."""
    listener.settimeout(timeout * timeout_scale())
    conn, _ = listener.accept()
    if not isinstance(conn, PeerSocket):
        conn = PeerSocket.adopt(conn, "conn")
    conn.settimeout(timeout * timeout_scale())
    return conn


def recv_exactly(sock, n, timeout=5.0):
    """Exactly n bytes from the peer socket, or fail at the deadline or at EOF."""
    sock.settimeout(timeout * timeout_scale())
    chunks, got = [], 0
    while got < n:
        try:
            chunk = socket.socket.recv(sock, min(65536, n - got))
        except OSError as exc:
            _record(sock, "recv", "%s after %d of %d bytes" % (_err(exc), got, n))
            raise
        if not chunk:
            _record(sock, "recv", "end of stream (FIN) after %d of %d bytes" % (got, n))
            raise AssertionError("EOF after %d of %d bytes" % (got, n))
        chunks.append(chunk)
        got += len(chunk)
    data = b"".join(chunks)
    _record(sock, "recv", "%d bytes %s" % (n, _preview(data)))
    return data


def recv_until_eof(sock, timeout=5.0, limit=64 << 20):
    """Everything the implementation sends until its FIN (fails at the deadline)."""
    sock.settimeout(timeout * timeout_scale())
    chunks, got = [], 0
    while True:
        try:
            chunk = socket.socket.recv(sock, 65536)
        except OSError as exc:
            _record(sock, "recv", "%s after %d bytes, before the end of stream" % (_err(exc), got))
            raise
        if not chunk:
            data = b"".join(chunks)
            _record(sock, "recv", "%d bytes %sthen end of stream (FIN)" % (
                got, (_preview(data) + " ") if data else ""))
            return data
        chunks.append(chunk)
        got += len(chunk)
        if got > limit:
            _record(sock, "recv", "more than %d bytes without end of stream" % limit)
            raise AssertionError("more than %d bytes without EOF" % limit)


def half_close(sock):
    """Send our FIN (shutdown(SHUT_WR)) and keep reading."""
    sock.shutdown(socket.SHUT_WR)
    if not isinstance(sock, PeerSocket):
        _record(sock, "shutdown", "write side: FIN sent")


def reset(sock):
    """Close with an RST instead of a FIN (SO_LINGER with a zero timeout)."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    _record(sock, "reset", "close with SO_LINGER 0: RST sent")
    if isinstance(sock, PeerSocket):
        sock._reported_close = True
    sock.close()


def closed_port(host="127.0.0.1"):
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(_family(host)) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def full_listener():
    """A TCP listener whose accept queue is full, so a further connect() to it
    stays pending (its SYN is dropped): (listener, filler client)."""
    lst = tcp_listener("127.0.0.1", backlog=0)
    filler = connect_tcp("127.0.0.1", lst.getsockname()[1])
    _record(lst, "note", "accept queue full (%s queued, not accepted)" % filler.peer_name)
    # tcp_info of a listener: tcpi_unacked is the accept queue's length.
    info = lst.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    assert struct.unpack_from("I", info, 24)[0] >= 1, "the filler is not queued on the listener"
    return lst, filler


def wait_acknowledged(sock, timeout=5.0):
    """Waits until the implementation's kernel has taken everything the peer
    socket `sock` sent (TCP: its unacknowledged output queue, TIOCOUTQ, is
    empty; Unix sockets queue on the receiver at send(), so nothing to wait)."""
    if sock.family == socket.AF_UNIX:
        return
    deadline = time.monotonic() + timeout * timeout_scale()
    buf = array.array("i", [0])
    while True:
        fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, buf, True)
        if buf[0] == 0:
            return
        if time.monotonic() > deadline:
            raise AssertionError("%d bytes still unacknowledged by the implementation's kernel" % buf[0])
        time.sleep(0.001)      # polling the kernel's queue, not waiting for the implementation
