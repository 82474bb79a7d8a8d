"""server.ref() and server.unref(): return values, harmlessness, and whether a listening
server keeps the process alive.

Process lifetime is observed with the `detach` op: after it the shim stops
reading its input, so its process exits once the implementation holds nothing
ref'd. `exited(timeout)` says whether it did. That a detached process is still
alive is shown by a peer connecting and the server emitting 'connection' (a
process that has exited accepts nothing); such a process is ended by the test
afterwards, since it no longer reads the request that would end it.
"""
import os

import pytest

from netspec_harness import needs, peer, req
from _server_util import listening


def kill(impl):
    """Ends a detached shim that is still alive (it no longer reads its input)."""
    impl.proc.kill()
    impl.proc.wait()


def still_alive(impl, srv, port):
    """A detached process reads no requests, but its events still come: the
    server accepting a peer's connection shows the process is alive."""
    with peer.connect_tcp("127.0.0.1", port):
        srv.wait("connection")
    assert impl.proc.poll() is None


# ------------------------------------------------------------ return values
def _state(impl, state):
    srv = impl.net.createServer()
    if state in ("listening", "closed"):
        listening(srv, 0, "127.0.0.1")
    if state == "closed":
        srv.close()
        srv.wait("close")
    return srv


@req("SERVER.REF.1", "SERVER.UNREF.1", "SERVER.REF.4")
@pytest.mark.parametrize("state", ["new", "listening", "closed"])
@pytest.mark.parametrize("method", ["ref", "unref"])
def test_ref_and_unref_return_the_server(impl, state, method):
    srv = _state(impl, state)
    before = srv.names()
    assert srv.call(method) is srv
    assert srv.call(method) is srv                # again, in the state it just set
    srv.get("listening")                          # a round trip: nothing emitted
    assert srv.names() == before


@req("SERVER.REF.4")
@pytest.mark.parametrize("state", ["new", "closed"])
def test_ref_and_unref_leave_a_server_that_is_not_listening_alone(impl, state):
    srv = _state(impl, state)
    before = srv.names()
    srv.unref()
    srv.ref()
    srv.unref()
    assert srv.get("listening") is False and srv.address() is None
    assert srv.names() == before, "no event"
    addr = listening(srv, 0, "127.0.0.1")         # and it can still listen
    with peer.connect_tcp("127.0.0.1", addr["port"]):
        srv.wait("connection")


@req("SERVER.UNREF.4")
def test_an_unreferenced_server_works_as_any_other(impl):
    srv = impl.net.createServer()
    assert srv.unref() is srv
    port = listening(srv, 0, "127.0.0.1")["port"]
    with peer.connect_tcp("127.0.0.1", port) as client:
        conn = srv.wait("connection").args[0]
        client.sendall(b"ping")
        assert conn.wait_received(4) == b"ping"
        conn.write("pong")
        assert peer.recv_exactly(client, 4) == b"pong"
        conn.destroy()
    cb = impl.callback("close")
    srv.close(cb)
    srv.wait("close")
    cb.wait()
    assert srv.names() == ["listening", "connection", "close"]


# ------------------------------------------------------------ process lifetime
@needs("detach")
@req("SERVER.UNREF.2")
@pytest.mark.parametrize("args", [[0, "127.0.0.1"], [0]], ids=["host", "no-host"])
def test_an_unreferenced_listening_server_lets_the_process_exit(start_impl, args):
    impl = start_impl()
    srv = impl.net.createServer()
    listening(srv, *args)
    srv.unref()
    impl.detach()
    assert impl.exited() == 0, "only an unref'd server was left: the process exits"


@needs("detach", "pipe")
@req("SERVER.UNREF.2")
def test_an_unreferenced_path_server_lets_the_process_exit(start_impl, sock_dir):
    impl = start_impl()
    srv = impl.net.createServer()
    listening(srv, os.path.join(sock_dir, "unref.sock"))
    srv.unref()
    impl.detach()
    assert impl.exited() == 0


@needs("detach")
@req("SERVER.UNREF.3")
@pytest.mark.parametrize("args", [[0, "127.0.0.1"], [0]], ids=["host", "no-host"])
def test_unref_before_listen_takes_effect_once_listening(start_impl, args):
    impl = start_impl()
    srv = impl.net.createServer()
    srv.unref()
    srv.listen(*args)
    impl.detach()
    srv.wait("listening")                         # events still arrive after detach
    assert impl.exited() == 0, "the server listens unref'd: the process exits"


@needs("detach")
@req("SERVER.REF.2")
def test_a_listening_server_keeps_the_process_alive_by_default(start_impl):
    impl = start_impl()
    srv = impl.net.createServer()
    port = listening(srv, 0, "127.0.0.1")["port"]
    impl.detach()
    still_alive(impl, srv, port)
    kill(impl)


@needs("detach")
@req("SERVER.REF.2")
def test_ref_undoes_unref(start_impl):
    impl = start_impl()
    srv = impl.net.createServer()
    port = listening(srv, 0, "127.0.0.1")["port"]
    srv.unref()
    srv.ref()
    impl.detach()
    still_alive(impl, srv, port)
    kill(impl)


@needs("detach")
@req("SERVER.REF.3", "SERVER.UNREF.3")
@pytest.mark.parametrize("calls,alive", [
    (["unref", "unref", "ref"], True),
    (["ref", "ref", "unref"], False),
    (["unref", "ref", "ref", "unref"], False),
], ids=["unref-unref-ref", "ref-ref-unref", "unref-ref-ref-unref"])
def test_ref_and_unref_are_not_counted(start_impl, calls, alive):
    impl = start_impl()
    srv = impl.net.createServer()
    for method in calls:                          # all before listen()
        srv.call(method)
    port = listening(srv, 0, "127.0.0.1")["port"]
    impl.detach()
    if alive:
        still_alive(impl, srv, port)
        kill(impl)
    else:
        assert impl.exited() == 0, "the last call, unref(), decides"
