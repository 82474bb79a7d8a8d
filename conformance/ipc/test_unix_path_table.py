"""Unix paths as a table: one test per path, each going through the whole
life of a server on it: listen, the file created (its name in bytes), address(),
a client of the implementation connecting with the same path, close() and what
it leaves behind, and a second listen() on the same path after that.

Paths: every byte length from 100 to 110 in ASCII, two far longer (150 and 1000
bytes), and paths with multi-byte characters ('é', 2 bytes; '€', 3 bytes) whose
byte length ends below, at, or across the 107-byte limit, so that a character
may be cut in two.
"""
import os
import stat

import pytest

from netspec_harness import needs, req

pytestmark = needs("pipe")

LIMIT = 107


def make_path(sock_dir, nbytes, char):
    """An absolute path of exactly `nbytes` UTF-8 bytes in sock_dir made of
    ASCII filler and then as many `char` as fit at its end (at least one)."""
    head = sock_dir + "/"
    if char == "a":
        path = head + "a" * (nbytes - len(head.encode()))
    else:
        width = len(char.encode())
        count = max(1, min(4, (nbytes - len(head.encode()) - 1) // width))
        filler = nbytes - len(head.encode()) - count * width
        path = head + "a" * filler + char * count
    assert len(path.encode()) == nbytes
    return path


CASES = [pytest.param(n, "a", id="%d-ascii" % n) for n in list(range(100, 111)) + [150, 1000]] + \
    [pytest.param(n, c, id="%d-%s" % (n, name)) for c, name in (("é", "e-acute"), ("€", "euro"))
     for n in (105, 106, 107, 108, 109, 110)]


@pytest.mark.parametrize("nbytes,char", CASES)
@req("IPC.PATH.TABLE.1", "IPC.PATH.TRUNCATE.1", "IPC.PATH.TRUNCATE.2", "IPC.PATH.TRUNCATE.ADDRESS.1",
     "IPC.PATH.TRUNCATE.CONNECT.1", "IPC.PATH.UNLINK.1", "IPC.PATH.UNLINK.2")
def test_the_life_of_a_server_on_a_path(impl, sock_dir, nbytes, char):
    path = make_path(sock_dir, nbytes, char)
    raw = path.encode()
    name = raw[:LIMIT]                       # the file Node 8 creates
    srv = impl.net.createServer()
    srv.listen(path)
    impl.wait_until(lambda: {"error", "listening"} & set(srv.names()), None, "'error' or 'listening'")
    errors = srv.events("error")
    assert not errors, "listen() on the %d-byte path failed: %r" % (nbytes, errors[0].args[0])
    files = sorted(os.listdir(sock_dir.encode()))
    assert files == [os.path.basename(name)], "files of %r bytes, expected one of %d: the first %d bytes of the path" % (
        [len(os.path.join(sock_dir.encode(), f)) for f in files], len(name), LIMIT)
    assert stat.S_ISSOCK(os.stat(name).st_mode)
    assert srv.address() == path, "address() is the path as given"
    client = impl.net.connect(path)
    client.wait("connect")
    conn = srv.wait("connection").args[0]
    client.write(b"ping")
    assert conn.wait_received(4) == b"ping"
    client.destroy()
    conn.destroy()
    client.wait("close")
    srv.close()
    srv.wait("close")
    left = os.path.exists(name)
    assert left == (nbytes > LIMIT), \
        "after close() the file is %s" % ("still there" if left else "gone")
    again = impl.net.createServer()
    again.listen(path)
    impl.wait_until(lambda: {"error", "listening"} & set(again.names()), None, "'error' or 'listening'")
    if nbytes > LIMIT:
        err = again.wait("error").args[0]
        assert (err.code, err.address) == ("EADDRINUSE", path), "the cut file left behind blocks the path"
        os.unlink(name)
    else:
        again.wait("listening")
        again.close()
        again.wait("close")
