"""createServer({ pauseOnConnect }): accepted sockets that start paused.

A negative check ("no 'data' while paused") needs the peer's bytes to be in
the server's kernel first. Over a Unix socket send() puts them straight into
the receiving socket's queue; over TCP the test waits until the server's
kernel has acknowledged them (the peer's unacknowledged output queue, TIOCOUTQ,
is empty). Then any request to the shim is a round trip through its event
loop, after which a 'data' event would have been written.
"""
import os

import pytest

from netspec_harness import needs, peer, req

TRANSPORTS = ["tcp", pytest.param("unix", marks=needs("pipe"))]


def paused_server(impl, sock_dir, transport, options):
    """A listening server and a connected peer client: (server, client, accepted socket)."""
    srv = impl.net.createServer(options)
    if transport == "tcp":
        srv.listen(0, "127.0.0.1")
        srv.wait("listening")
        client = peer.connect_tcp("127.0.0.1", srv.address()["port"])
    else:
        path = os.path.join(sock_dir, "paused.sock")
        srv.listen(path)
        srv.wait("listening")
        client = peer.connect_unix(path)
    conn = srv.wait("connection").args[0]
    return srv, client, conn


@pytest.mark.parametrize("transport", TRANSPORTS)
@req("NET.CREATESERVER.PAUSEONCONNECT.DEFAULT.1")
def test_by_default_data_flows_without_resume(impl, sock_dir, transport):
    _, client, conn = paused_server(impl, sock_dir, transport, {})
    with client:
        client.sendall(b"flowing")
        assert conn.wait_received(7) == b"flowing"


@pytest.mark.parametrize("transport", TRANSPORTS)
@req("NET.CREATESERVER.PAUSEONCONNECT.1")
def test_paused_socket_reads_nothing(impl, sock_dir, transport):
    srv, client, conn = paused_server(impl, sock_dir, transport, {"pauseOnConnect": True})
    with client:
        client.sendall(b"one")
        peer.wait_acknowledged(client)
        assert conn.get("bytesRead") == 0          # a round trip after the bytes arrived
        client.sendall(b"two")
        peer.wait_acknowledged(client)
        assert conn.get("bytesRead") == 0
        assert conn.events("data") == [], "no 'data' while paused"
        assert [e.name for e in srv.events()] == ["listening", "connection"]
        conn.resume()
        assert conn.wait_received(6) == b"onetwo", "the bytes were there all along"


@pytest.mark.parametrize("transport", TRANSPORTS)
@req("NET.CREATESERVER.PAUSEONCONNECT.2")
def test_resume_delivers_everything_in_order_then_end(impl, sock_dir, transport):
    _, client, conn = paused_server(impl, sock_dir, transport, {"pauseOnConnect": True})
    with client:
        client.sendall(b"one")
        client.sendall(b"two")
        peer.half_close(client)                    # the peer ends before the resume
        peer.wait_acknowledged(client)
        conn.get("bytesRead")                       # a round trip
        assert conn.names() == [], "nothing, not even 'end', before resume()"
        conn.resume()
        end = conn.wait("end")
        data = conn.events("data")
        assert b"".join(e.args[0] for e in data) == b"onetwo"
        assert all(e.seq < end.seq for e in data), "'end' only after the data"
        assert conn.get("bytesRead") == 6


@pytest.mark.parametrize("transport", TRANSPORTS)
@req("NET.CREATESERVER.PAUSEONCONNECT.3")
def test_a_paused_socket_can_still_write(impl, sock_dir, transport):
    _, client, conn = paused_server(impl, sock_dir, transport, {"pauseOnConnect": True})
    with client:
        client.sendall(b"unread")
        conn.write(b"server speaks")
        assert peer.recv_exactly(client, 13) == b"server speaks"
        peer.wait_acknowledged(client)
        assert conn.get("bytesRead") == 0
        assert conn.events("data") == [], "writing does not resume reading"
