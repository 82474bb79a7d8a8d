"""socket.pause() and socket.resume(): no 'data' while paused, nothing lost,
'end' after the kept data, the peer held back by flow control, a pause before
connecting; resume() on a flowing socket.

Negative checks ("no 'data' while paused") are made once the peer's bytes are
in the implementation's kernel (acknowledged; a Unix socket queues them at
send()) and two round trips through the shim have passed.
"""
import os

import pytest

from netspec_harness import needs, peer, req

from _socket_util import (TRANSPORTS, Received, delivered, fill_peer, pair,
                          peer_send_all, settle, stream_bytes)


@pytest.mark.parametrize("kind,transport", [("accepted", "tcp"), ("connect", "tcp"), ("new", "tcp"),
                                            pytest.param("accepted", "unix", marks=needs("pipe"))],
                         ids=["accepted-tcp", "connect-tcp", "new-tcp", "accepted-unix"])
@req("SOCKET.PAUSE.RETURNS.1", "SOCKET.PAUSE.1", "SOCKET.PAUSE.KEEPS.1", "SOCKET.RESUME.RETURNS.1",
     "SOCKET.RESUME.1")
def test_no_data_while_paused_and_nothing_lost(impl, sock_dir, kind, transport):
    sock, conn = pair(impl, kind, transport, sock_dir)
    with conn:
        assert sock.pause() is sock
        for word in (b"one", b"two", b"three"):
            conn.sendall(word)
            delivered(impl, sock, conn)
            assert sock.events("data") == [], "'data' while paused"
        assert sock.resume() is sock
        assert sock.wait_received(11) == b"onetwothree", "the kept data, in order"
        conn.sendall(b"four")
        assert sock.wait_received(15) == b"onetwothreefour", "and data flows again"


@pytest.mark.parametrize("transport,allow", [("tcp", False), ("tcp", True), pytest.param("unix", False, marks=needs("pipe"))],
                         ids=["tcp-not-half-open", "tcp-half-open", "unix-not-half-open"])
@req("SOCKET.PAUSE.END.1", "SOCKET.EVENT.END.1")
def test_end_comes_after_the_kept_data(impl, sock_dir, transport, allow):
    sock, conn = pair(impl, "accepted", transport, sock_dir, allow)
    with conn:
        sock.pause()
        conn.sendall(b"kept data")
        peer.half_close(conn)
        delivered(impl, sock, conn)
        assert "data" not in sock.names() and "end" not in sock.names(), \
            "neither 'data' nor 'end' while paused with unread data"
        sock.resume()
        end = sock.wait("end")
        if allow:
            sock.end()
        assert peer.recv_until_eof(conn) == b""
        sock.wait("close")
    assert sock.received() == b"kept data"
    assert all(d.seq < end.seq for d in sock.events("data")), "'end' only after the kept data"


@req("SOCKET.PAUSE.BACKPRESSURE.1", "SOCKET.EVENT.DATA.STREAM.1")
def test_a_paused_socket_holds_the_peer_back(impl, sock_dir):
    sock, conn = pair(impl, "accepted", "tcp", sock_dir)
    with conn:
        sock.pause()
        rec = Received(sock)
        sent = fill_peer(conn)              # until the peer's kernel refuses more
        impl.note("peer: %d bytes sent, then EAGAIN" % len(sent))
        settle(impl)
        taken = sock.get("bytesRead")
        assert taken < len(sent), "the socket took everything; nothing held the peer back"
        settle(impl)
        assert sock.get("bytesRead") == taken, "a paused socket stops taking data from the system"
        assert rec.data() == b""
        sock.resume()
        got = rec.wait(len(sent), timeout=10)
    assert got == sent, "everything the peer sent, in order, once resumed"


@pytest.mark.parametrize("transport", TRANSPORTS)
@req("SOCKET.PAUSE.BEFORE_CONNECT.1")
def test_a_socket_paused_before_connecting_stays_paused(impl, sock_dir, transport):
    path = os.path.join(sock_dir, "early.sock")
    lst = peer.unix_listener(path) if transport == "unix" else peer.tcp_listener("127.0.0.1")
    with lst:
        sock = impl.new("Socket")
        assert sock.pause() is sock
        sock.connect(path) if transport == "unix" else sock.connect(lst.getsockname()[1], "127.0.0.1")
        with peer.accept(lst) as conn:
            conn.sendall(b"greeting")
            sock.wait("connect")
            delivered(impl, sock, conn)
            assert sock.events("data") == [], "'data' before resume()"
            sock.resume()
            assert sock.wait_received(8) == b"greeting"


@req("SOCKET.RESUME.FLOWING.1", "SOCKET.RESUME.RETURNS.1")
def test_resume_on_a_flowing_socket_changes_nothing(impl, sock_dir):
    sock, conn = pair(impl, "connect", "tcp", sock_dir)
    with conn:
        assert sock.resume() is sock
        conn.sendall(b"abc")
        assert sock.wait_received(3) == b"abc"
        assert sock.resume() is sock
        data = stream_bytes(100000)
        peer_send_all(impl, conn, data)
        assert sock.wait_received(100003) == b"abc" + data
