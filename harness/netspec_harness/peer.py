"""The real peer: plain Python sockets a test controls.

Everything here binds or connects on loopback (127.0.0.1, ::1) or on Unix
paths the test chose; nothing reaches any other address.
"""
import array
import contextlib
import fcntl
import socket
import struct
import termios
import time

from .shim import timeout_scale

LOOPBACK = {"ipv4": "127.0.0.1", "ipv6": "::1"}


def _family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def tcp_listener(host="127.0.0.1", port=0, backlog=16, v6only=None, reuseaddr=False):
    """A listening TCP socket (a holder of the address). `host` "::" with
    v6only False holds the port on IPv4 too."""
    sock = socket.socket(_family(host), socket.SOCK_STREAM)
    try:
        if reuseaddr:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if v6only is not None and sock.family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1 if v6only else 0)
        sock.bind((host, port))
        sock.listen(backlog)
    except OSError:
        sock.close()
        raise
    return sock


def unix_listener(path, backlog=16):
    """A listening Unix domain socket at `path` (a live holder of the path)."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(path)
        sock.listen(backlog)
    except OSError:
        sock.close()
        raise
    return sock


def connect_tcp(host, port, timeout=5.0):
    """A connected client socket; fails the test if the connection fails."""
    sock = socket.create_connection((host, port), timeout=timeout * timeout_scale())
    return sock


def connect_unix(path, timeout=5.0):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout * timeout_scale())
    sock.connect(path)
    return sock


@contextlib.contextmanager
def closing_all(*socks):
    try:
        yield socks
    finally:
        for s in socks:
            s.close()


def accept(listener, timeout=5.0):
    """The next connection on `listener` (a socket from tcp_listener/unix_listener)."""
    listener.settimeout(timeout * timeout_scale())
    conn, _ = listener.accept()
    conn.settimeout(timeout * timeout_scale())
    return conn


def recv_exactly(sock, n, timeout=5.0):
    """Exactly n bytes from the peer socket, or fail at the deadline or at EOF."""
    sock.settimeout(timeout * timeout_scale())
    chunks, got = [], 0
    while got < n:
        chunk = sock.recv(min(65536, n - got))
        if not chunk:
            raise AssertionError("EOF after %d of %d bytes" % (got, n))
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def recv_until_eof(sock, timeout=5.0, limit=64 << 20):
    """Everything the implementation sends until its FIN (fails at the deadline)."""
    sock.settimeout(timeout * timeout_scale())
    chunks = []
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        if sum(map(len, chunks)) > limit:
            raise AssertionError("more than %d bytes without EOF" % limit)


def half_close(sock):
    """Send our FIN (shutdown(SHUT_WR)) and keep reading."""
    sock.shutdown(socket.SHUT_WR)


def reset(sock):
    """Close with an RST instead of a FIN (SO_LINGER with a zero timeout)."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
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
