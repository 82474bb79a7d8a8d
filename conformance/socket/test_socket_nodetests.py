"""Socket behaviours that Node's own test-net-*.js files assert and the older
tests here did not check (the pass is conformance/NODE-TESTS.md): the local end
named in a failed attempt's message, the stream state while connecting, the
idle timer and the program's lifetime, end()'s callback, and pause()/resume()
sequences before the socket connects."""
import math
import os

import pytest

from netspec_harness import UNDEFINED, Threw, needs, peer, req

from _socket_util import TRANSPORTS, delivered, is_absent, pending_target, same_turn, settle, tcp_client


def exits(impl, what):
    status = impl.exited(timeout=5)
    assert status is not None, "the process did not exit: %s keeps it running" % what
    assert status == 0


def two_ports():
    """Two different loopback ports nothing listens on: a remote one and a local one
    (the same port for both would make the kernel connect the socket to itself)."""
    port = peer.closed_port("127.0.0.1")
    local = peer.closed_port("127.0.0.1")
    while local == port:
        local = peer.closed_port("127.0.0.1")
    return port, local


# ------------------------------------------------ the local end in the message
@req("SOCKET.ERROR.LOCAL.1", "SOCKET.ERROR.FIELDS.CONNECT.1", "SOCKET.ERROR.MESSAGE.CONNECT.1")
@pytest.mark.parametrize("local", ["address-and-port", "port-only", "address-only"])
def test_a_failed_attempt_from_a_chosen_local_port_names_it(impl, local):
    port, local_port = two_ports()
    options = {"host": "127.0.0.1", "port": port}
    if local != "port-only":
        options["localAddress"] = "127.0.0.1"
    if local != "address-only":
        options["localPort"] = local_port
    sock = impl.net.connect(options)
    err = sock.wait("error").args[0]
    assert sock.wait("close").args == [True]
    assert (err.code, err.syscall, err.address, err.port) == ("ECONNREFUSED", "connect", "127.0.0.1", port)
    plain = "connect ECONNREFUSED 127.0.0.1:%d" % port
    expected = {"address-and-port": "%s - Local (127.0.0.1:%d)" % (plain, local_port),
                "port-only": "%s - Local (0.0.0.0:%d)" % (plain, local_port),
                "address-only": plain}[local]
    assert err.message == expected


# ------------------------------------------------ writable, not readable, while connecting
@req("SOCKET.CONNECTING.WRITABLE.1", "SOCKET.CONNECTING.2", "SOCKET.CONNECT.STATE.1")
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_connecting_socket_is_writable_but_not_readable(impl, sock_dir, transport):
    path = os.path.join(sock_dir, "connecting.sock")
    lst = peer.unix_listener(path) if transport == "unix" else peer.tcp_listener("127.0.0.1")
    with lst:
        sock = impl.new("Socket")
        target = [path] if transport == "unix" else [lst.getsockname()[1], "127.0.0.1"]
        _, connecting, writable, readable = same_turn(
            impl, (sock, "connect", *target), (sock, "get", "connecting"), (sock, "get", "writable"),
            (sock, "get", "readable"))
        assert connecting.value is True, "read in the turn of connect(): still connecting"
        assert (writable.value, readable.value) == (True, False)
        sock.wait("connect")
        with peer.accept(lst):
            assert (sock.get("writable"), sock.get("readable")) == (True, True)


@req("SOCKET.CONNECTING.WRITABLE.1", "SOCKET.CONNECTING.2")
def test_a_socket_from_the_factory_is_writable_but_not_readable_while_connecting(impl):
    with pending_target() as (port, release):
        sock = impl.net.connect(port, "127.0.0.1")
        assert sock.get("connecting") is True, "the attempt is held pending by the full accept queue"
        assert (sock.get("writable"), sock.get("readable")) == (True, False)
        with release():
            sock.wait("connect")
            assert (sock.get("writable"), sock.get("readable")) == (True, True)


# ------------------------------------------------ the idle timer keeps nothing alive
@needs("detach")
@req("SOCKET.SET_TIMEOUT.NO_REF.1", "SOCKET.SET_TIMEOUT.UNCONNECTED.1")
def test_the_idle_timer_of_a_fresh_socket_lets_the_program_exit(start_impl):
    impl = start_impl()
    sock = impl.new("Socket")
    assert sock.setTimeout(60000) is sock
    impl.detach()
    exits(impl, "the 60 s idle timer of a socket that never connected")
    assert "timeout" not in sock.names()


@needs("detach")
@req("SOCKET.SET_TIMEOUT.NO_REF.1", "SOCKET.UNREF.1")
def test_the_idle_timer_of_an_unrefd_socket_lets_the_program_exit(start_impl):
    impl = start_impl()
    sock, conn = tcp_client(impl)
    with conn:
        sock.setTimeout(60000)
        sock.unref()
        impl.detach()
        exits(impl, "the 60 s idle timer of an unref'd socket")
        assert "timeout" not in sock.names()
        assert peer.recv_until_eof(conn) == b""


# ------------------------------------------------ end()'s callback in each form
@req("SOCKET.END.CALLBACK.1", "SOCKET.END.FIN.1", "SOCKET.END.DATA.ENCODING.1")
@pytest.mark.parametrize("form", ["callback", "data-callback", "data-encoding-callback"])
def test_end_calls_a_callback_given_last_once_finished(impl, form):
    sock, conn = tcp_client(impl)
    with conn:
        finished = impl.callback("finish")
        assert sock.once("finish", finished) is sock
        cb = impl.callback("end")
        args = {"callback": [cb], "data-callback": ["foo", cb], "data-encoding-callback": ["foo", "utf8", cb]}[form]
        assert sock.end(*args) is sock
        call = cb.wait()
        assert len(call.args) == 0 or (len(call.args) == 1 and is_absent(call.args[0])), \
            "no error: %r" % (call.args,)
        finish = finished.wait()
        assert finish.seq < call.seq, "the callback runs once the writable side has finished"
        assert peer.recv_until_eof(conn) == (b"" if form == "callback" else b"foo")
        settle(impl)
        assert len(cb.calls()) == 1


# ------------------------------------------------ pause() and resume() before connecting
@req("SOCKET.PAUSE.BEFORE_CONNECT.1", "SOCKET.RESUME.1", "SOCKET.PAUSE.KEEPS.1")
@pytest.mark.parametrize("calls", [["pause", "resume"], ["resume", "pause", "resume"], ["resume", "resume", "pause"],
                                   ["pause"]],
                         ids=["pause-resume", "resume-pause-resume", "resume-resume-pause", "pause"])
def test_the_last_of_pause_and_resume_before_connecting_decides(impl, calls):
    with peer.tcp_listener("127.0.0.1") as lst:
        sock = impl.new("Socket")
        for call in calls:
            assert sock.call(call) is sock
        sock.connect(lst.getsockname()[1], "127.0.0.1")
        sock.wait("connect")
        with peer.accept(lst) as conn:
            conn.sendall(b"greeting")
            if calls[-1] == "resume":
                assert sock.wait_received(8) == b"greeting"
            else:
                delivered(impl, sock, conn)
                assert sock.events("data") == [], "paused by the last call: no 'data' before resume()"
                sock.resume()
                assert sock.wait_received(8) == b"greeting"


# ------------------------------------------------ a refused socket connects again
@req("SOCKET.CONNECT.RECONNECT.1", "SOCKET.CONNECT.FAIL.ONCE.1")
def test_a_socket_refused_twice_then_connects(impl):
    sock = impl.new("Socket")
    for attempt in (1, 2):
        assert sock.connect(peer.closed_port("127.0.0.1"), "127.0.0.1") is sock
        assert sock.wait("error").args[0].code == "ECONNREFUSED"
        assert sock.wait("close").args == [True]
        assert sock.names() == ["error", "close"] * attempt, "one 'error' and one 'close' per attempt"
    with peer.tcp_listener("127.0.0.1") as lst:
        assert sock.connect(lst.getsockname()[1], "127.0.0.1") is sock
        sock.wait("connect")
        with peer.accept(lst) as conn:
            sock.write(b"third time")
            assert peer.recv_exactly(conn, 10) == b"third time"


# ------------------------------------------------ the methods of a closed socket
@req("SOCKET.PAUSE.RETURNS.1", "SOCKET.RESUME.RETURNS.1", "SOCKET.SET_NODELAY.RETURNS.1",
     "SOCKET.SET_KEEPALIVE.RETURNS.1", "SOCKET.BUFFERSIZE.UNSET.1", "SOCKET.ADDRESS.UNSET.1",
     "SOCKET.REMOTE_ADDRESS.CLOSED.1")
def test_a_closed_socket_still_answers_its_methods(impl):
    sock, conn = tcp_client(impl)
    with conn:
        peer.half_close(conn)
        sock.wait("close")
        for method in ("setNoDelay", "setKeepAlive", "pause", "resume"):
            assert sock.call(method) is sock, "%s() after 'close' returns the socket" % method
        assert sock.address() == {}
        assert is_absent(sock.get("bufferSize"))
        assert sock.get("remoteAddress") in ("127.0.0.1", UNDEFINED)
        assert sock.get("remotePort") in (conn.getsockname()[1], UNDEFINED)
        settle(impl)
        assert sock.names() == ["connect", "end", "close"], "nothing emitted by these calls"


# ------------------------------------------------ the values write() and setTimeout() refuse
@req("SOCKET.WRITE.INVALID.1")
def test_write_refuses_every_value_that_is_no_string_or_buffer(impl):
    sock, conn = tcp_client(impl)
    with conn:
        for data, shown in [(None, "object"), (UNDEFINED, "undefined"), (False, "boolean"), (1.5, "number"),
                            (math.inf, "number"), (-math.inf, "number"), ([], "object")]:
            with pytest.raises(Threw) as info:
                sock.write(data)
            err = info.value.error
            assert (err.name, err.message) == ("TypeError", "Invalid data, chunk must be a string or buffer, not " + shown), \
                "write(%r)" % (data,)
        sock.end(b"end")
        assert peer.recv_until_eof(conn) == b"end", "nothing of the refused writes was sent"
    assert sock.names() == ["connect"], "no event from the refused writes"


@req("SOCKET.SET_TIMEOUT.INVALID.1", "SOCKET.SET_TIMEOUT.RETURNS.1")
def test_set_timeout_refuses_every_non_number_and_takes_fractions(impl):
    sock = impl.new("Socket")
    for value in ["100", UNDEFINED, None, "", {}, [], True, impl.callback("as-timeout")]:
        with pytest.raises(Threw) as info:
            sock.setTimeout(value, impl.callback("listener"))
        assert (info.value.error.name, info.value.error.message) == ("TypeError", '"msecs" argument must be a number'), \
            "setTimeout(%r)" % (value,)
    # in one turn of the shim's loop, so that the 1 us period cannot run out before setTimeout(0)
    replies = same_turn(impl, (sock, "setTimeout", 0.001), (sock, "setTimeout", 1e6), (sock, "setTimeout", 0))
    assert [(r.threw, r.value) for r in replies] == [(None, sock)] * 3, "fractions and large values are accepted"
    settle(impl)
    assert sock.names() == []
