"""Unix socket paths longer than sun_path holds: on Linux Node 8 cuts them to
their first 107 bytes (sizeof(sun_path) - 1) for servers and clients alike,
reports the uncut path in address(), and leaves the cut file behind on close.

The real peer looks at the file system (os.listdir, os.stat) and connects with
Python sockets, which pass a path of up to 108 bytes to the kernel unchanged.
"""
import os
import shutil
import stat
import tempfile

import pytest

from netspec_harness import needs, peer, req
from _server_util import fail_to_listen, listening_server

pytestmark = needs("pipe")

LIMIT = 107                     # bytes of a socket name on Linux, for Node 8
LONG = [108, 109, 110, 200, 1000]
ALL = [105, 106, 107] + LONG


def path_of(sock_dir, nbytes, fill="a", tail=""):
    """An absolute path of exactly `nbytes` bytes (ASCII) in sock_dir, ending in `tail`."""
    head = sock_dir + "/"
    filler = nbytes - len(head) - len(tail)
    assert filler > 0, "sock_dir %r too long for a %d-byte path" % (sock_dir, nbytes)
    path = head + (fill * filler)[:filler] + tail
    assert len(path.encode()) == nbytes
    return path


def entries(sock_dir):
    """The names in sock_dir, as bytes (a cut name may not be valid UTF-8)."""
    return sorted(os.listdir(sock_dir.encode()))


def created(sock_dir):
    """The socket files in sock_dir as full paths (bytes)."""
    return [os.path.join(sock_dir.encode(), n) for n in entries(sock_dir)]


def lengths(sock_dir):
    """For messages: the byte length of each full path in sock_dir."""
    return [len(p) for p in created(sock_dir)]


def files_note(path):
    """For the message of a listen() that should have collided."""
    return " (files: %r bytes)" % lengths(os.path.dirname(path))


def is_socket(path):
    return stat.S_ISSOCK(os.stat(path).st_mode)


def client_of(impl, srv, path):
    """An implementation client connecting to `path`, checked to reach `srv`."""
    client = impl.net.connect(path)
    impl.wait_until(lambda: {"connect", "error"} & set(client.names()), None, "'connect' or 'error'")
    errors = client.events("error")
    assert not errors, "connecting with the %d-byte path failed: %s (files: %r bytes)" % (
        len(path.encode()), errors[0].args[0].code, lengths(os.path.dirname(path)))
    conn = srv.wait("connection").args[0]
    client.write(b"hello")
    assert conn.wait_received(5) == b"hello"
    conn.write(b"back")
    assert client.wait_received(4) == b"back"
    return client


def served_by(srv, client):
    """`client` (a peer socket) is a connection of `srv`: bytes cross both ways."""
    conn = srv.wait("connection").args[0]
    client.sendall(b"to-server")
    assert conn.wait_received(9) == b"to-server"
    conn.write(b"to-peer")
    assert peer.recv_exactly(client, 7) == b"to-peer"
    return conn


def peer_connects(name):
    """The real peer connects to the socket file `name` (bytes or str).
    Python refuses names of 108 bytes or more, so such a file (an
    implementation that cuts at 108 makes them) is reached through a short
    symbolic link in a private directory: connect() follows it."""
    name = os.fsencode(name)
    target = name
    link_dir = None
    if len(name) >= 108:
        link_dir = tempfile.mkdtemp(prefix="nsl", dir="/tmp")
        target = os.path.join(link_dir, "s")
        os.symlink(name, target)
    try:
        return peer.connect_unix(target)
    except OSError as exc:
        raise AssertionError("the peer cannot connect to the %d-byte name: %s (files: %r bytes)" % (
            len(name), exc, lengths(os.fsdecode(os.path.dirname(name))))) from None
    finally:
        if link_dir:
            shutil.rmtree(link_dir, ignore_errors=True)


# ----------------------------------------------------------- the file created
@pytest.mark.parametrize("nbytes", [105, 106, 107])
@req("IPC.PATH.TRUNCATE.1")
def test_a_path_of_up_to_107_bytes_names_the_file_exactly(impl, sock_dir, nbytes):
    path = path_of(sock_dir, nbytes)
    srv = listening_server(impl, path)
    assert entries(sock_dir) == [os.path.basename(path).encode()], \
        "files of %r bytes, expected one of %d" % (lengths(sock_dir), nbytes)
    assert is_socket(path)
    with peer_connects(path) as c:
        served_by(srv, c)


@pytest.mark.parametrize("nbytes", LONG)
@req("IPC.PATH.TRUNCATE.1")
def test_a_longer_path_listens_on_the_file_named_by_its_first_107_bytes(impl, sock_dir, nbytes):
    path = path_of(sock_dir, nbytes)
    srv = listening_server(impl, path)              # not refused
    name = path.encode()[:LIMIT]
    assert entries(sock_dir) == [os.path.basename(name)], \
        "files of %r bytes, expected one of %d" % (lengths(sock_dir), LIMIT)
    assert is_socket(name)
    assert srv.get("listening") is True
    with peer_connects(name) as c:                  # the file really is the server
        served_by(srv, c)


@req("IPC.PATH.TRUNCATE.2")
def test_the_limit_counts_utf8_bytes_and_can_split_a_character(impl, sock_dir):
    # 106 ASCII bytes, then 'é' (0xC3 0xA9) as bytes 107 and 108, then 'b':
    # 108 characters, 109 bytes.
    head = sock_dir + "/"
    path = head + "a" * (LIMIT - 1 - len(head)) + "\u00e9b"
    assert (len(path), len(path.encode())) == (108, 109)
    srv = listening_server(impl, path)
    name = path.encode()[:LIMIT]
    assert name.endswith(b"a\xc3"), "the cut falls inside the character"
    assert entries(sock_dir) == [os.path.basename(name)], \
        "files %r, expected one ending in the lone byte 0xC3" % [n[-3:] for n in entries(sock_dir)]
    assert srv.address() == path
    with peer_connects(name) as c:
        served_by(srv, c)
    client_of(impl, srv, path)                      # a client cuts the same way


# --------------------------------------------------------------- address()
@pytest.mark.parametrize("nbytes", LONG)
@req("IPC.PATH.TRUNCATE.ADDRESS.1")
def test_address_reports_the_whole_path(impl, sock_dir, nbytes):
    path = path_of(sock_dir, nbytes)
    srv = listening_server(impl, path)
    assert srv.address() == path, "address() must be the uncut path"


# ---------------------------------------------------------------- clients
@pytest.mark.parametrize("nbytes", LONG)
@req("IPC.PATH.TRUNCATE.CONNECT.1")
def test_a_client_with_the_same_long_path_connects(impl, sock_dir, nbytes):
    path = path_of(sock_dir, nbytes)
    srv = listening_server(impl, path)
    client_of(impl, srv, path)


@pytest.mark.parametrize("nbytes", [108, 150, 1000])
@req("IPC.PATH.TRUNCATE.CONNECT.2")
def test_a_client_with_the_107_byte_prefix_connects(impl, sock_dir, nbytes):
    path = path_of(sock_dir, nbytes)
    srv = listening_server(impl, path)
    client_of(impl, srv, path[:LIMIT])


@pytest.mark.parametrize("nbytes", [108, 150, 1000])
@req("IPC.PATH.TRUNCATE.CONNECT.2")
def test_a_client_with_the_prefix_and_another_tail_connects(impl, sock_dir, nbytes):
    path = path_of(sock_dir, nbytes)
    srv = listening_server(impl, path)
    client_of(impl, srv, path[:LIMIT] + "Z" * (nbytes - LIMIT + 5))


@req("IPC.PATH.TRUNCATE.CONNECT.2")
def test_a_peer_with_the_107_byte_prefix_reaches_the_server(impl, sock_dir):
    path = path_of(sock_dir, 150)
    srv = listening_server(impl, path)
    with peer_connects(path[:LIMIT]) as c:
        served_by(srv, c)


# -------------------------------------------------------------- collisions
def one_connection_each(impl, sock_dir, servers):
    """The peer connects once to every socket file in sock_dir; each server
    must get exactly one of those connections (distinct files, distinct servers)."""
    names = created(sock_dir)
    assert len(names) == len(servers), "files of %r bytes for %d servers" % (lengths(sock_dir), len(servers))
    for n, name in enumerate(names, 1):
        with peer_connects(name):
            impl.wait_until(lambda: sum(len(s.events("connection")) for s in servers) >= n,
                            None, "connection %d" % n)
    impl.net.get("isIP")                            # a round trip
    assert [len(s.events("connection")) for s in servers] == [1] * len(servers)


@pytest.mark.parametrize("nbytes", [108, 109, 200, 1000])
@req("IPC.PATH.TRUNCATE.COLLIDE.1", "IPC.PATH.TRUNCATE.COLLIDE.2")
def test_long_paths_differing_only_in_byte_108_collide(impl, sock_dir, nbytes):
    first = path_of(sock_dir, 108, tail="x") + "t" * (nbytes - 108)
    second = path_of(sock_dir, 108, tail="y") + "t" * (nbytes - 108)
    holder = listening_server(impl, first)
    srv, err = fail_to_listen(impl, second, context=lambda: files_note(second))
    assert (err.code, err.syscall, err.address) == ("EADDRINUSE", "listen", second)
    assert srv.get("listening") is False
    assert len(entries(sock_dir)) == 1
    client_of(impl, holder, first)                  # the holder is undisturbed


@pytest.mark.parametrize("nbytes", [109, 110, 200, 1000])
@req("IPC.PATH.TRUNCATE.COLLIDE.1")
def test_long_paths_differing_only_in_their_last_byte_collide(impl, sock_dir, nbytes):
    first = path_of(sock_dir, nbytes, tail="x")
    second = path_of(sock_dir, nbytes, tail="y")
    holder = listening_server(impl, first)
    srv, err = fail_to_listen(impl, second, context=lambda: files_note(second))
    assert (err.code, err.syscall, err.address) == ("EADDRINUSE", "listen", second)
    assert srv.get("listening") is False
    assert len(entries(sock_dir)) == 1
    client_of(impl, holder, first)


@pytest.mark.parametrize("nbytes", [107, 108, 200])
@req("IPC.PATH.TRUNCATE.COLLIDE.2")
def test_paths_differing_in_byte_107_do_not_collide(impl, sock_dir, nbytes):
    one = path_of(sock_dir, 107, tail="1") + "z" * (nbytes - 107)
    two = path_of(sock_dir, 107, tail="2") + "z" * (nbytes - 107)
    first, second = listening_server(impl, one), listening_server(impl, two)
    one_connection_each(impl, sock_dir, [first, second])


@req("IPC.PATH.TRUNCATE.COLLIDE.2")
def test_paths_differing_early_but_sharing_the_tail_do_not_collide(impl, sock_dir):
    one = path_of(sock_dir, 200, fill="a")
    two = one[:len(sock_dir) + 1] + "b" + one[len(sock_dir) + 2:]
    first, second = listening_server(impl, one), listening_server(impl, two)
    one_connection_each(impl, sock_dir, [first, second])


# ---------------------------------------------------------------- close
@pytest.mark.parametrize("nbytes", LONG)
@req("IPC.PATH.UNLINK.2")
def test_close_leaves_the_cut_file_behind(impl, sock_dir, nbytes):
    path = path_of(sock_dir, nbytes)
    srv = listening_server(impl, path)
    made = created(sock_dir)
    assert len(made) == 1
    srv.close()
    srv.wait("close")
    srv.get("listening")                            # a round trip: every 'close' listener has run
    assert created(sock_dir) == made, "the socket file (of %d bytes) must outlive close()" % len(made[0])
    assert is_socket(made[0])


@pytest.mark.parametrize("nbytes", [108, 200])
@req("IPC.PATH.UNLINK.2")
def test_the_left_file_blocks_the_next_listen_until_deleted(impl, sock_dir, nbytes):
    path = path_of(sock_dir, nbytes)
    srv = listening_server(impl, path)
    (made,) = created(sock_dir)
    srv.close()
    srv.wait("close")
    again, err = fail_to_listen(impl, path, context=lambda: files_note(path))
    assert (err.code, err.syscall) == ("EADDRINUSE", "listen")
    os.unlink(made)
    again.listen(path)
    again.wait("listening")
    client_of(impl, again, path)
