"""SO_REUSEADDR: a TCP server listens again on a port whose old connection is in TIME_WAIT.

The server's own end closes first (destroy()), so the TIME_WAIT is on the
server's side of the port, which is what a bind without SO_REUSEADDR trips on.
"""
import subprocess
import time

from netspec_harness import peer, req
from netspec_harness.shim import timeout_scale


def time_waits():
    """Every TIME_WAIT connection of the machine (`ss -tan state time-wait`:
    Recv-Q, Send-Q, local address, peer address), one line each."""
    return subprocess.run(["ss", "-Htan", "state", "time-wait"], stdout=subprocess.PIPE, text=True,
                          check=True).stdout.splitlines()


def time_wait_on(port):
    """The TIME_WAIT connections whose local end is 127.0.0.1:port."""
    return [line for line in time_waits() if line.split()[2:3] == ["127.0.0.1:%d" % port]]


def wait_time_wait(port, timeout=2.0):
    """time_wait_on(port) once it is non-empty, or [] at the deadline: under
    load the kernel may finish the peer's FIN after close() returned."""
    deadline = time.monotonic() + timeout * timeout_scale()
    while True:
        found = time_wait_on(port)
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.01)   # polls kernel state (no event tells), within the deadline


def tw_table_note():
    """Why TIME_WAIT may be missing: the kernel's table is full (other load
    on this machine, e.g. repeated 10 000-connection runs, within a minute)."""
    try:
        with open("/proc/sys/net/ipv4/tcp_max_tw_buckets") as fh:
            limit = int(fh.read())
    except OSError:
        return ""
    count = len(time_waits())
    if count < limit * 0.9:
        return ""
    return (" (the kernel's TIME_WAIT table holds %d of net.ipv4.tcp_max_tw_buckets=%d: new "
            "TIME_WAITs are not kept; wait a minute and re-run)" % (count, limit))


@req("SERVER.LISTEN.REUSEADDR.1", "SERVER.LISTEN.RELISTEN.1")
def test_listen_again_beside_a_connection_in_time_wait(impl):
    srv = impl.net.createServer()
    srv.listen(0, "127.0.0.1")
    srv.wait("listening")
    port = srv.address()["port"]
    client = peer.connect_tcp("127.0.0.1", port)
    conn = srv.wait("connection").args[0]
    conn.destroy()                                # the server's end closes first ...
    assert peer.recv_until_eof(client) == b""
    client.close()                                # ... and the peer answers with its FIN (on loopback
    conn.wait("close")                            # the kernel handles it within close())
    srv.close()
    srv.wait("close")
    assert wait_time_wait(port), "the server's end of the connection is in TIME_WAIT%s" % tw_table_note()
    again = impl.net.createServer()
    again.listen(port, "127.0.0.1")
    ev = impl.wait_message(lambda m: m.type == "event" and m.target == again.id, None, "'listening' or 'error'")
    assert ev.name == "listening", "bind failed beside TIME_WAIT: %r" % (ev.args,)
    assert time_wait_on(port), "the TIME_WAIT was still there while binding"
    assert again.address()["port"] == port
    with peer.connect_tcp("127.0.0.1", port):
        again.wait("connection")
