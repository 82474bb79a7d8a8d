"""Constructor options through net.createConnection(): the options object also
configures the socket (allowHalfOpen), while the path and port forms leave
every option at its default (the client ends its side when the server does)."""
import os

from netspec_harness import needs, peer, req


def assert_not_half_open(sock, conn):
    """The peer ends its side: the client reports 'end', ends its own side by
    itself (the peer reads EOF), and closes."""
    peer.half_close(conn)
    end = sock.wait("end")
    assert peer.recv_until_eof(conn) == b"", "the client must end its side by itself"
    close = sock.wait("close")
    assert end.seq < close.seq
    assert close.args == [False]


@req("NET.CREATECONNECTION.OPTIONS.SOCKET.1")
def test_allow_half_open_option_keeps_the_client_writable(impl):
    with peer.tcp_listener("127.0.0.1") as lst:
        sock = impl.net.createConnection({"port": lst.getsockname()[1], "host": "127.0.0.1",
                                          "allowHalfOpen": True})
        sock.wait("connect")
        with peer.accept(lst) as conn:
            peer.half_close(conn)                # the server's end()
            sock.wait("end")
            assert sock.get("writable") is True
            sock.write(b"after end")
            assert peer.recv_exactly(conn, 9) == b"after end"
            assert "close" not in sock.names()
            sock.end()
            assert peer.recv_until_eof(conn) == b"", "the client's FIN comes only with its end()"
            sock.wait("close")


@req("NET.CREATECONNECTION.OPTIONS.SOCKET.1", "NET.CREATECONNECTION.PORT.DEFAULTS.1")
def test_options_without_allow_half_open_end_with_the_server(impl):
    with peer.tcp_listener("127.0.0.1") as lst:
        sock = impl.net.createConnection({"port": lst.getsockname()[1], "host": "127.0.0.1"})
        sock.wait("connect")
        with peer.accept(lst) as conn:
            assert_not_half_open(sock, conn)


@req("NET.CREATECONNECTION.PORT.DEFAULTS.1")
def test_port_form_client_ends_when_the_server_ends(impl):
    with peer.tcp_listener("127.0.0.1") as lst:
        sock = impl.net.createConnection(lst.getsockname()[1], "127.0.0.1")
        sock.wait("connect")
        with peer.accept(lst) as conn:
            assert_not_half_open(sock, conn)


@needs("pipe")
@req("NET.CREATECONNECTION.PATH.DEFAULTS.1")
def test_path_form_client_ends_when_the_server_ends(impl, sock_dir):
    path = os.path.join(sock_dir, "defaults.sock")
    with peer.unix_listener(path) as lst:
        sock = impl.net.createConnection(path)
        sock.wait("connect")
        with peer.accept(lst) as conn:
            assert_not_half_open(sock, conn)


@needs("pipe")
@req("NET.CREATECONNECTION.OPTIONS.SOCKET.1")
def test_allow_half_open_option_with_a_path(impl, sock_dir):
    path = os.path.join(sock_dir, "halfopen.sock")
    with peer.unix_listener(path) as lst:
        sock = impl.net.createConnection({"path": path, "allowHalfOpen": True})
        sock.wait("connect")
        with peer.accept(lst) as conn:
            peer.half_close(conn)
            sock.wait("end")
            sock.write(b"more")
            assert peer.recv_exactly(conn, 4) == b"more"
            sock.end()
            assert peer.recv_until_eof(conn) == b""
