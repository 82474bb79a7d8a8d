"""The documented echo server and client (net.createServer() and
net.createConnection() examples), over TCP and over a Unix path.

The documented server writes a greeting from its connection listener and pipes
each socket into itself; the documented client writes from its connect
listener. Through the shim those steps are requests made right after the
event is seen, each before the far side sends anything, so the order of bytes
is the documented one.
"""
import os

from netspec_harness import needs, peer, req


def echo_server(impl, *listen_args):
    srv = impl.net.createServer()
    srv.listen(*listen_args)
    srv.wait("listening")
    return srv


def serve(srv):
    """What the documented connection listener does, for the next connection."""
    conn = srv.wait("connection").args[0]
    conn.write("hello\r\n")
    assert conn.pipe(conn) is conn
    return conn


def peer_session(conn_sock, srv):
    """A real client: greeting, echo, then its end and the server's."""
    served = serve(srv)
    assert peer.recv_exactly(conn_sock, 7) == b"hello\r\n"
    conn_sock.sendall(b"world!\r\n")
    assert peer.recv_exactly(conn_sock, 8) == b"world!\r\n"
    conn_sock.sendall(b"more")
    assert peer.recv_exactly(conn_sock, 4) == b"more"
    peer.half_close(conn_sock)
    assert peer.recv_until_eof(conn_sock) == b"", "the server's side ends after the client's"
    served.wait("end")
    assert served.received() == b"world!\r\nmore"


def impl_client_session(impl, client, srv):
    """The documented client: writes once connected, ends on data, gets 'end'."""
    served = serve(srv)
    client.wait("connect")
    client.write("world!\r\n")
    data = client.wait_received(15)
    assert data == b"hello\r\nworld!\r\n"
    client.end()
    client.wait("end")
    served.wait("end")
    client.wait("close")


@needs("ipv6")
@req("NET.CREATESERVER.ECHO.1")
def test_echo_server_over_tcp(impl):
    srv = echo_server(impl, 0)                    # as documented: no host
    with peer.connect_tcp("127.0.0.1", srv.address()["port"]) as c:
        peer_session(c, srv)


@needs("pipe")
@req("NET.CREATESERVER.ECHO.2")
def test_echo_server_over_a_unix_path(impl, sock_dir):
    path = os.path.join(sock_dir, "echo.sock")
    srv = echo_server(impl, path)
    with peer.connect_unix(path) as c:
        peer_session(c, srv)


@needs("ipv6")
@req("NET.CREATECONNECTION.EXAMPLE.1", "NET.CREATESERVER.ECHO.1")
def test_documented_client_with_port_against_the_echo_server(impl):
    srv = echo_server(impl, 0)
    assert srv.address()["address"] == "::"
    client = impl.net.createConnection({"port": srv.address()["port"]})
    impl_client_session(impl, client, srv)


@needs("pipe")
@req("NET.CREATECONNECTION.EXAMPLE.2", "NET.CREATESERVER.ECHO.2")
def test_documented_client_with_path_against_the_echo_server(impl, sock_dir):
    path = os.path.join(sock_dir, "echo.sock")
    srv = echo_server(impl, path)
    client = impl.net.createConnection({"path": path})
    impl_client_session(impl, client, srv)
