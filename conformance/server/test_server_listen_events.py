"""The arguments of 'listening', 'error' and the listen callback; failures other than EADDRINUSE."""
import os

import pytest

from netspec_harness import NetError, needs, peer, req


@req("SERVER.EVENT.LISTENING.2", "SERVER.LISTEN.CALLBACK.2")
@pytest.mark.parametrize("args", [[0, "127.0.0.1"], [0], [{"port": 0, "host": "127.0.0.1"}]],
                         ids=["host", "no-host", "options"])
def test_listening_and_the_callback_get_no_arguments(impl, args):
    srv = impl.net.createServer()
    cb = impl.callback("listen")
    srv.listen(*args, cb)
    assert srv.wait("listening").args == []
    assert cb.wait().args == []


@req("SERVER.LISTEN.CALLBACK.3")
@pytest.mark.parametrize("last", ["x", {"not": "a function"}, None], ids=["string", "object", "null"])
def test_a_last_argument_that_is_no_function_is_ignored(impl, last):
    srv = impl.net.createServer()
    assert srv.listen(0, "127.0.0.1", last) is srv      # throws nothing
    srv.wait("listening")
    addr = srv.address()
    assert addr["address"] == "127.0.0.1"
    with peer.connect_tcp("127.0.0.1", addr["port"]):
        srv.wait("connection")
    assert srv.names() == ["listening", "connection"]


@req("SERVER.EVENT.ERROR.1", "SERVER.LISTEN.EADDRINUSE.1")
def test_error_listeners_get_exactly_one_error(impl):
    with peer.tcp_listener("127.0.0.1") as holder:
        srv = impl.net.createServer()
        srv.listen(holder.getsockname()[1], "127.0.0.1")
        ev = srv.wait("error")
    assert len(ev.args) == 1
    assert isinstance(ev.args[0], NetError) and ev.args[0].code == "EADDRINUSE"


@needs("pipe")
@req("SERVER.EVENT.ERROR.2", "SERVER.EVENT.ERROR.1", "SERVER.ERROR.FIELDS.2", "SERVER.LISTEN.RETURNS.1")
@pytest.mark.parametrize("where,code", [("missing-dir", "EACCES"), ("file-as-dir", "ENOTDIR")])
def test_other_bind_failures_are_emitted_as_error(impl, sock_dir, where, code):
    if where == "missing-dir":
        path = os.path.join(sock_dir, "missing", "s.sock")
    else:
        with open(os.path.join(sock_dir, "file"), "w"):
            pass
        path = os.path.join(sock_dir, "file", "s.sock")
    srv = impl.net.createServer()
    cb = impl.callback("listen")
    assert srv.listen(path, cb) is srv, "returned, not thrown"
    returned_at = impl.last_response_seq
    ev = srv.wait("error")
    assert ev.seq > returned_at
    (err,) = ev.args
    assert (err.name, err.code, err.syscall, err.address, err.port) == ("Error", code, "listen", path, -1)
    assert srv.get("listening") is False
    assert srv.names() == ["error"] and cb.calls() == []
