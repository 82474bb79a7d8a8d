"""socket.connect(): what it returns, when 'connect' or 'error' comes, the
function given to it, the 'connecting' property, writes and end() while
connecting, destroy() while connecting, and connecting a closed socket again.

Where a test needs the socket to be certainly still connecting, it connects
to a listener whose accept queue is full (the SYN is dropped), so the attempt
stays pending until the test makes room.
"""
import os

import pytest

from netspec_harness import UNDEFINED, needs, peer, req

from _socket_util import (accept_client, after, closed_port, is_absent, pending_target, settle,
                          stream_bytes)


def connect_form(impl, sock, form, port, path, cb=None):
    """Calls one form of socket.connect() and returns what it returned."""
    extra = [cb] if cb is not None else []
    if form == "options":
        return sock.connect({"port": port, "host": "127.0.0.1"}, *extra)
    if form == "port-host":
        return sock.connect(port, "127.0.0.1", *extra)
    if form == "path":
        return sock.connect(path, *extra)
    if form == "path-options":
        return sock.connect({"path": path}, *extra)
    raise ValueError(form)


@pytest.mark.parametrize("form,with_listener", [("options", True), ("port-host", False), ("port-host", True),
                                                pytest.param("path", True, marks=needs("pipe")),
                                                pytest.param("path-options", False, marks=needs("pipe"))],
                         ids=["options-listener", "port-host", "port-host-listener", "path-listener",
                              "path-options"])
@req("SOCKET.CONNECT.RETURNS.1", "SOCKET.CONNECT.ASYNC.1", "SOCKET.CONNECT.EVENT.1", "SOCKET.CONNECT.LISTENER.1",
     "SOCKET.CONNECTING.1", "SOCKET.CONNECTING.3", "SOCKET.CONNECT.STATE.1", "SOCKET.NEW.KIND.1",
     "SOCKET.CONNECT.PORT.1", "SOCKET.CONNECT.PATH.1", "SOCKET.CONNECT.OPTIONS.PORT.1")
def test_every_form_returns_the_socket_and_connects_later(impl, sock_dir, form, with_listener):
    path = os.path.join(sock_dir, "form.sock")
    unix = form.startswith("path")
    lst = peer.unix_listener(path) if unix else peer.tcp_listener("127.0.0.1")
    with lst:
        sock = impl.new("Socket")
        assert sock.get("connecting") is False
        cb = impl.callback("connect") if with_listener else None
        assert connect_form(impl, sock, form, None if unix else lst.getsockname()[1], path, cb) is sock
        returned = impl.last_response_seq
        connect = sock.wait("connect")
        assert connect.seq > returned, "'connect' comes after connect() returned"
        assert connect.args == []
        assert sock.get("connecting") is False
        assert (sock.get("readable"), sock.get("writable")) == (True, True)
        conn = peer.accept(lst)
        with conn:
            if not unix:
                assert conn.getpeername() == (sock.get("localAddress"), sock.get("localPort"))
                assert (sock.get("remoteAddress"), sock.get("remotePort"), sock.get("remoteFamily")) == \
                    ("127.0.0.1", lst.getsockname()[1], "IPv4")
            else:
                assert sock.get("remoteAddress") is UNDEFINED, "a Unix domain socket has no IP address"
            sock.write(b"ping")
            assert peer.recv_exactly(conn, 4) == b"ping"
            conn.sendall(b"pong")
            assert sock.wait_received(4) == b"pong"
            settle(impl)
    if with_listener:
        (call,) = cb.calls()
        assert call.args == [] and call.seq > returned
    assert sock.names().count("connect") == 1
    assert "lookup" not in sock.names()


@pytest.mark.parametrize("transport", ["tcp", pytest.param("unix", marks=needs("pipe"))])
@req("SOCKET.CONNECT.BEFORE_DATA.1")
def test_connect_comes_before_the_peers_first_bytes(impl, sock_dir, transport):
    path = os.path.join(sock_dir, "greet.sock")
    lst = peer.unix_listener(path) if transport == "unix" else peer.tcp_listener("127.0.0.1")
    with lst:
        sock = impl.new("Socket")
        sock.connect(path) if transport == "unix" else sock.connect(lst.getsockname()[1], "127.0.0.1")
        with peer.accept(lst) as conn:
            conn.sendall(b"greeting")           # as soon as the connection is accepted
            data = sock.wait("data")
            connect = sock.events("connect")
            assert connect, "'data' came without 'connect'"
            after(connect[0], data)
            assert sock.wait_received(8) == b"greeting"


@req("SOCKET.CONNECTING.2", "SOCKET.BUFFERSIZE.CONNECTING.1", "SOCKET.BYTESWRITTEN.QUEUED.1",
     "SOCKET.CONNECT.WRITE_EARLY.1", "SOCKET.END.CONNECTING.1")
def test_data_written_while_connecting_is_sent_once_connected(impl):
    big = stream_bytes(20000)
    with pending_target() as (port, release):
        sock = impl.new("Socket")
        sock.connect(port, "127.0.0.1")
        assert sock.get("connecting") is True
        assert sock.get("bufferSize") == 0
        first, second = impl.callback("first"), impl.callback("second")
        sock.write(b"early1", first)
        assert (sock.get("bufferSize"), sock.get("bytesWritten")) == (6, 6)
        sock.write(big, second)
        assert (sock.get("bufferSize"), sock.get("bytesWritten")) == (20006, 20006)
        assert sock.end("414243", "hex") is sock
        assert sock.get("bytesWritten") == 20009
        assert sock.get("connecting") is True, "still connecting (the listener dropped the SYN)"
        settle(impl)
        assert sock.names() == [] and first.calls() == [] and second.calls() == []
        with release() as conn:
            got = peer.recv_until_eof(conn)
            assert got == b"early1" + big + b"ABC", "everything written while connecting, in order, then the FIN"
            connect = sock.wait("connect")
            calls = [first.wait(), second.wait()]
            conn.close()
            end = sock.wait("end")
            close = sock.wait("close")
    assert all(c.seq > connect.seq for c in calls), "the write callbacks run after 'connect'"
    assert all(is_absent(a) for c in calls for a in c.args)
    assert connect.seq < end.seq < close.seq and close.args == [False]
    assert sock.get("bytesWritten") == 20009


@req("SOCKET.CONNECT.DESTROY_EARLY.1", "SOCKET.CONNECTING.4", "SOCKET.DESTROY.STATE.1")
def test_destroy_while_connecting_abandons_the_attempt(impl):
    with pending_target() as (port, release):
        sock = impl.new("Socket")
        cb = impl.callback("connect")
        sock.connect(port, "127.0.0.1", cb)
        assert sock.get("connecting") is True
        assert sock.destroy() is sock
        returned = impl.last_response_seq
        assert (sock.get("connecting"), sock.get("destroyed")) == (False, True)
        close = sock.wait("close")
        settle(impl)
    assert close.seq > returned and close.args == [False]
    assert sock.names() == ["close"], "no 'connect', no 'error'"
    assert cb.calls() == []


@req("SOCKET.CONNECT.FAIL.1", "SOCKET.CONNECT.FAIL.ONCE.1", "SOCKET.CONNECT.FAIL.STATE.1",
     "SOCKET.CONNECT.LISTENER.2", "SOCKET.CONNECTING.4", "SOCKET.CONNECT.ASYNC.1", "SOCKET.DESTROYED.2")
def test_a_refused_attempt_emits_one_error_then_close(impl):
    port = closed_port()
    sock = impl.new("Socket")
    cb = impl.callback("connect")
    assert sock.connect(port, "127.0.0.1", cb) is sock
    returned = impl.last_response_seq
    error = sock.wait("error")
    assert error.seq > returned, "the failure is reported after connect() returned"
    # read as soon as 'error' has been seen: the state it left
    assert (sock.get("connecting"), sock.get("destroyed"), sock.get("remoteAddress")) == (False, True, UNDEFINED)
    close = sock.wait("close")
    settle(impl)
    assert close.args == [True]
    assert sock.names() == ["error", "close"], "exactly one 'error', then 'close'; no 'connect'"
    assert error.args[0].code == "ECONNREFUSED"
    assert cb.calls() == [], "the connect listener is not called for a failed attempt"


@req("SOCKET.CONNECT.RECONNECT.1", "SOCKET.CONNECT.LISTENER.ONCE.1")
def test_a_closed_socket_connects_again_as_a_new_connection(impl):
    with peer.tcp_listener("127.0.0.1") as lst:
        port = lst.getsockname()[1]
        sock = impl.new("Socket")
        first = impl.callback("first")
        sock.connect(port, "127.0.0.1", first)
        sock.wait("connect")
        with accept_client(lst, sock) as conn:
            sock.write(b"one")
            conn.sendall(b"uno")
            assert sock.wait_received(3) == b"uno"
            assert peer.recv_exactly(conn, 3) == b"one"
            peer.half_close(conn)
            sock.wait("end")
            sock.wait("close")
        first.wait()
        assert sock.connect(port, "127.0.0.1") is sock
        assert sock.get("destroyed") is False
        assert sock.get("connecting") is True or sock.names().count("connect") == 2, \
            "connecting again from connect() until the new 'connect'"
        second = sock.wait("connect")
        assert (sock.get("bytesRead"), sock.get("bytesWritten")) == (0, 0), "the counters start again"
        with accept_client(lst, sock) as conn:
            sock.write(b"two!")
            assert peer.recv_exactly(conn, 4) == b"two!"
            conn.sendall(b"dos")
            sock.wait_received(6)
            assert (sock.get("bytesRead"), sock.get("bytesWritten")) == (3, 4)
            peer.half_close(conn)
            assert peer.recv_until_eof(conn) == b""
            close2 = sock.wait("close")
        settle(impl)
    assert close2.seq > second.seq and close2.args == [False]
    assert [n for n in sock.names() if n != "data"] == ["connect", "end", "close", "connect", "end", "close"]
    assert sock.received() == b"unodos"
    assert len(first.calls()) == 1, "the first connect()'s listener is not called for the second connection"
