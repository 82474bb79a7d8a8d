"""socket.setTimeout(timeout[, callback]) and 'timeout': emitted once per idle
stretch, not sooner than asked, restarted by data either way, turned off by 0,
replaced by a later call; it closes nothing.

Durations are compared on the implementation's own clock: "clock" sockets of
the same shim (connected, with their own idle timeouts, set in the same turn
of the shim's loop as the timeout under test) mark moments, and the order of
the 'timeout' events (their seq numbers) tells what came first. Nothing sleeps,
and a slow harness cannot make a timer look early or late.
"""
import math

import pytest

from netspec_harness import Threw, peer, req

from _socket_util import same_turn, settle, tcp_client


def clocks(impl, n):
    """n connected sockets (and their peers) to time other sockets by."""
    return [tcp_client(impl) for _ in range(n)]


@req("SOCKET.SET_TIMEOUT.1", "SOCKET.SET_TIMEOUT.RETURNS.1", "SOCKET.EVENT.TIMEOUT.NO_CLOSE.1")
def test_timeout_after_the_idle_period_and_the_socket_stays_open(impl):
    sock, conn = tcp_client(impl)
    [(early, early_conn)] = clocks(impl, 1)
    with conn, early_conn:
        ret, _ = same_turn(impl, (sock, "setTimeout", 100), (early, "setTimeout", 85))
        assert ret.value is sock
        timeout = sock.wait("timeout")
        mark = early.wait("timeout")
        assert mark.seq < timeout.seq, "'timeout' came before an 85 ms timer set with it: sooner than 100 ms"
        assert timeout.args == []
        assert (sock.get("destroyed"), sock.get("readable"), sock.get("writable")) == (False, True, True)
        sock.write(b"still")
        assert peer.recv_exactly(conn, 5) == b"still"
        conn.sendall(b"open")
        assert sock.wait_received(4) == b"open"
        sock.setTimeout(0)
        settle(impl)
    assert "end" not in sock.names() and "close" not in sock.names(), "'timeout' closes nothing"


@req("SOCKET.SET_TIMEOUT.DEFAULT.1", "SOCKET.SET_TIMEOUT.ZERO.1")
def test_no_timeout_without_set_timeout_or_after_zero(impl):
    idle, idle_conn = tcp_client(impl)
    zero, zero_conn = tcp_client(impl)
    [(tick, tick_conn)] = clocks(impl, 1)
    with idle_conn, zero_conn, tick_conn:
        zero.setTimeout(60)
        assert zero.setTimeout(0) is zero
        tick.setTimeout(250)
        tick.wait("timeout")
        settle(impl)
    assert "timeout" not in idle.names(), "'timeout' without setTimeout()"
    assert "timeout" not in zero.names(), "'timeout' after setTimeout(0)"


@req("SOCKET.SET_TIMEOUT.ONCE_PER_IDLE.1")
def test_one_timeout_per_idle_stretch(impl):
    sock, conn = tcp_client(impl)
    [(tick, tick_conn)] = clocks(impl, 1)
    with conn, tick_conn:
        same_turn(impl, (sock, "setTimeout", 80), (tick, "setTimeout", 350))
        first = sock.wait("timeout")
        mark = tick.wait("timeout")
        settle(impl)
    assert first.seq < mark.seq
    assert len(sock.events("timeout")) == 1, "a second 'timeout' without activity in between"


def restarted_by(impl, act):
    """Idle timeout 300 ms; at 150 ms (a clock) `act(sock, conn)` makes some
    activity. Without a restart 'timeout' would come at 300 ms, before a 375 ms
    clock; restarted, at 450 ms or later, after it. The clock sits 75 ms from
    either outcome: when a loaded machine stalls the runtime past both due
    times, the overdue timers fire in due order, so a stall shorter than that
    cannot turn a restart into a failure (with 30 ms it did, at load 8)."""
    sock, conn = tcp_client(impl)
    [(at150, c1), (at375, c2)] = clocks(impl, 2)
    with conn, c1, c2:
        same_turn(impl, (at150, "setTimeout", 150), (sock, "setTimeout", 300), (at375, "setTimeout", 375))
        at150.wait("timeout")
        activity = act(sock, conn)
        mark = at375.wait("timeout")
        timeout = sock.wait("timeout")
    assert activity < timeout.seq, "the activity reached the socket only after its 'timeout' (the harness was slow)"
    assert mark.seq < timeout.seq, "'timeout' 300 ms after setTimeout(): the activity did not restart the period"


@req("SOCKET.SET_TIMEOUT.ACTIVITY.1")
def test_receiving_data_restarts_the_idle_period(impl):
    def receive(sock, conn):
        conn.sendall(b"activity")
        return sock.wait("data").seq
    restarted_by(impl, receive)


@req("SOCKET.SET_TIMEOUT.ACTIVITY.2")
def test_sending_data_restarts_the_idle_period(impl):
    def send(sock, conn):
        sock.write(b"activity")
        written = impl.last_response_seq
        assert peer.recv_exactly(conn, 8) == b"activity"
        return written
    restarted_by(impl, send)


@req("SOCKET.SET_TIMEOUT.REPLACE.1")
def test_a_second_call_replaces_the_period(impl):
    sock, conn = tcp_client(impl)
    [(mid, mid_conn)] = clocks(impl, 1)
    with conn, mid_conn:
        same_turn(impl, (sock, "setTimeout", 50), (sock, "setTimeout", 300), (mid, "setTimeout", 150))
        timeout = sock.wait("timeout")
        mark = mid.wait("timeout")
        settle(impl)
    assert mark.seq < timeout.seq, "'timeout' before 150 ms: the 50 ms period was not replaced"
    assert len(sock.events("timeout")) == 1


@req("SOCKET.SET_TIMEOUT.CALLBACK.1")
def test_the_callback_runs_at_the_next_timeout_only(impl):
    sock, conn = tcp_client(impl)
    with conn:
        cb = impl.callback("timeout")
        sock.setTimeout(60, cb)
        first = sock.wait("timeout")
        call = cb.wait()
        conn.sendall(b"wake")                      # a new idle stretch
        sock.wait("data")
        second = sock.wait("timeout")
        settle(impl)
    assert call.args == []
    assert call.seq < second.seq and abs(call.seq - first.seq) == 1, "called with the first 'timeout'"
    assert len(cb.calls()) == 1, "not called again at the second 'timeout'"


@req("SOCKET.SET_TIMEOUT.INVALID.1")
def test_an_invalid_timeout_throws(impl):
    sock = impl.new("Socket")
    for value, name, message in [
            (-1, "RangeError", '"msecs" argument must be a non-negative finite number'),
            (math.nan, "RangeError", '"msecs" argument must be a non-negative finite number'),
            (math.inf, "RangeError", '"msecs" argument must be a non-negative finite number'),
            ("100", "TypeError", '"msecs" argument must be a number')]:
        with pytest.raises(Threw) as info:
            sock.setTimeout(value)
        assert (info.value.error.name, info.value.error.message) == (name, message)


@req("SOCKET.SET_TIMEOUT.UNCONNECTED.1")
def test_the_period_starts_before_connecting(impl):
    sock = impl.new("Socket")
    [(late, late_conn)] = clocks(impl, 1)
    with late_conn:
        same_turn(impl, (sock, "setTimeout", 50), (late, "setTimeout", 300))
        timeout = sock.wait("timeout")
        mark = late.wait("timeout")
    assert timeout.seq < mark.seq, "a fresh socket's period runs from setTimeout() on"
    assert sock.names() == ["timeout"]


@req("SOCKET.SET_TIMEOUT.DESTROYED.1")
def test_a_destroyed_socket_emits_no_timeout(impl):
    # (a setTimeout() called after destroy() is another matter: the next test)
    sock, conn = tcp_client(impl)
    with conn:
        sock.setTimeout(50)
        sock.destroy()
        sock.wait("close")
        [(tick, tick_conn)] = clocks(impl, 1)
        with tick_conn:
            tick.setTimeout(200)
            tick.wait("timeout")
            settle(impl)
    assert "timeout" not in sock.names()


@req("SOCKET.SET_TIMEOUT.DESTROYED.2", "SOCKET.SET_TIMEOUT.RETURNS.1")
def test_a_period_set_after_destroy_still_ends_in_timeout(impl):
    sock, conn = tcp_client(impl)
    with conn:
        sock.destroy()
        close = sock.wait("close")
        assert sock.setTimeout(50) is sock
        timeout = sock.wait("timeout")
        settle(impl)
    assert timeout.seq > close.seq and timeout.args == []
    assert sock.names().count("timeout") == 1


@pytest.mark.parametrize("how", ["end", "destroy"])
@req("SOCKET.EVENT.TIMEOUT.USER_CLOSES.1")
def test_closing_on_timeout_is_up_to_the_program(impl, how):
    sock, conn = tcp_client(impl)
    with conn:
        sock.setTimeout(50)
        sock.wait("timeout")
        sock.call(how)
        assert peer.recv_until_eof(conn) == b""
        if how == "end":
            conn.close()
        close = sock.wait("close")
    assert close.args == [False]
