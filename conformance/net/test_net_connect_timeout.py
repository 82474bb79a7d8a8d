"""The `timeout` option of net.createConnection(options): an idle timeout set
by the factory, armed before connecting, that only notifies."""
import time

from netspec_harness import peer, req
from netspec_harness.shim import timeout_scale


@req("NET.CREATECONNECTION.TIMEOUT.1")
def test_timeout_option_emits_timeout_on_an_idle_connection(impl):
    with peer.tcp_listener("127.0.0.1") as lst:
        t0 = time.monotonic()
        sock = impl.net.createConnection({"port": lst.getsockname()[1], "host": "127.0.0.1", "timeout": 200})
        sock.wait("connect")
        with peer.accept(lst):                   # a silent server
            ev = sock.wait("timeout", timeout=3)
            elapsed = time.monotonic() - t0
    assert ev.args == []
    assert elapsed >= 0.19, "'timeout' after %.3f s, before the 200 ms were up" % elapsed
    assert elapsed < 2.0 * timeout_scale(), "'timeout' only after %.3f s" % elapsed
    assert len(sock.events("timeout")) == 1


@req("NET.CREATECONNECTION.TIMEOUT.1")
def test_activity_postpones_the_timeout(impl):
    with peer.tcp_listener("127.0.0.1") as lst:
        sock = impl.net.createConnection({"port": lst.getsockname()[1], "host": "127.0.0.1", "timeout": 300})
        sock.wait("connect")
        with peer.accept(lst) as conn:
            t0 = time.monotonic()
            conn.sendall(b"x")                   # activity restarts the idle clock
            sock.wait_received(1)
            sock.wait("timeout", timeout=3)
            elapsed = time.monotonic() - t0
    assert elapsed >= 0.29, "'timeout' %.3f s after the last data, before 300 ms of idleness" % elapsed


@req("NET.CREATECONNECTION.TIMEOUT.2")
def test_timeout_covers_a_connection_attempt_that_hangs(impl):
    lst, filler = peer.full_listener()
    with lst, filler:
        t0 = time.monotonic()
        sock = impl.net.createConnection({"port": lst.getsockname()[1], "host": "127.0.0.1", "timeout": 300})
        sock.wait("timeout", timeout=3)
        elapsed = time.monotonic() - t0
        assert sock.get("connecting") is True, "'timeout' must fire while still connecting"
        sock.destroy()
    assert "connect" not in sock.names()
    assert elapsed >= 0.29, "'timeout' after %.3f s" % elapsed


@req("NET.CREATECONNECTION.TIMEOUT.3")
def test_timeout_leaves_the_socket_open(impl):
    with peer.tcp_listener("127.0.0.1") as lst:
        sock = impl.net.createConnection({"port": lst.getsockname()[1], "host": "127.0.0.1", "timeout": 100})
        sock.wait("connect")
        with peer.accept(lst) as conn:
            sock.wait("timeout", timeout=3)
            assert sock.get("destroyed") is False
            assert sock.get("writable") is True
            sock.write(b"still here")
            assert peer.recv_exactly(conn, 10) == b"still here"
            conn.sendall(b"and back")
            assert sock.wait_received(8) == b"and back"
            assert not {"end", "close", "error"} & set(sock.names())


@req("NET.CREATECONNECTION.TIMEOUT.4")
def test_timeout_zero_sets_no_timeout(impl):
    with peer.tcp_listener("127.0.0.1") as lst:
        port = lst.getsockname()[1]
        sock = impl.net.createConnection({"port": port, "host": "127.0.0.1", "timeout": 0})
        sock.wait("connect")
        with peer.accept(lst):
            # A witness made after it, with a 300 ms timeout: once the witness
            # has timed out, the first socket has been idle at least as long.
            witness = impl.net.createConnection({"port": port, "host": "127.0.0.1", "timeout": 300})
            witness.wait("connect")
            with peer.accept(lst):
                witness.wait("timeout", timeout=3)
                sock.get("connecting")          # a round trip after the witness's 'timeout'
                assert sock.events("timeout") == [], "timeout 0 must set no timeout"
