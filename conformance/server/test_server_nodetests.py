"""Server behaviours that Node's own test-net-*.js files assert and the older
tests here did not check (the pass is conformance/NODE-TESTS.md): listen()
right after close(), and listen options that fail before any path is used."""
import os

import pytest

from netspec_harness import UNDEFINED, Threw, needs, peer, req
from netspec_harness.values import encode


def in_one_turn(impl, *calls):
    """Calls made in one turn of the shim's event loop (Shim.same_turn), so that
    nothing the first one schedules can happen before the last one. Each call is
    (handle, method, *args) or (handle, "get", prop); returns the decoded values."""
    fields = []
    for handle, method, *args in calls:
        if method == "get":
            fields.append({"op": "get", "target": handle.id, "prop": args[0]})
        else:
            fields.append({"op": "call", "target": handle.id, "method": method, "args": encode(list(args))})
    out = []
    for m in impl.same_turn(fields):
        assert m.data["status"] == "ok", "nothing throws: %r" % (m.data,)
        out.append(impl.decode(m.data.get("value", {"$undefined": True})))
    return out


# ------------------------------------------------ listen() right after close()
@req("SERVER.LISTEN.RELISTEN.2", "SERVER.CLOSE.CALLBACK.1", "SERVER.LISTENING.1")
@pytest.mark.parametrize("host", ["127.0.0.1", None], ids=["with-host", "host-omitted"])
def test_listen_right_after_close_closes_then_listens(impl, host):
    srv = impl.net.createServer()
    srv.listen(0, "127.0.0.1")
    srv.wait("listening")
    cb = impl.callback("close")
    args = [0, host] if host else [0]
    closed, relisten, listening = in_one_turn(impl, (srv, "close", cb), (srv, "listen", *args),
                                              (srv, "get", "listening"))
    assert closed is srv and relisten is srv
    if host:
        assert listening is False, "the host is still being resolved: not listening before the new 'listening'"
    close = srv.wait("close")
    call = cb.wait()
    again = srv.wait("listening")
    assert call.args in ([], [None], [UNDEFINED]), "close's callback gets no error: %r" % (call.args,)
    assert close.seq < again.seq, "the pending 'close' first, then 'listening'"
    assert srv.names() == ["listening", "close", "listening"]
    assert srv.get("listening") is True
    port = srv.address()["port"]
    with peer.connect_tcp("127.0.0.1", port):
        srv.wait("connection")


# ------------------------------------------------ options that fail before the path is used
@needs("pipe")
@req("SERVER.LISTEN.OPTIONS.PATH_IGNORED.1", "SERVER.LISTEN.PORT.RANGE.1", "SERVER.LISTEN.PORT.RANGE.2")
def test_a_bad_port_beside_a_path_throws_the_port_error(impl, sock_dir):
    path = os.path.join(sock_dir, "beside.sock")
    srv = impl.net.createServer()
    cb = impl.callback("listen")
    with pytest.raises(Threw) as caught:
        srv.listen({"port": -1, "path": path}, cb)
    assert caught.value.error.name == "RangeError", "the port is checked; the path is not used"
    srv.get("listening")
    assert srv.names() == [] and cb.calls() == []
    assert not os.path.exists(path)


@req("SERVER.LISTEN.OPTIONS.NONE.1")
@pytest.mark.parametrize("options", [{"path": -1}, {"path": True}, {"host": "localhost"}, {"path": "80"},
                                     {"path": "0x50"}, {"port": True}],
                         ids=["number-path", "boolean-path", "host-only", "numeric-string-path",
                              "hex-string-path", "boolean-port"])
def test_a_path_that_is_not_a_string_names_nothing(impl, options):
    srv = impl.net.createServer()
    cb = impl.callback("listen")
    with pytest.raises(Threw) as caught:
        srv.listen(options, cb)
    err = caught.value.error
    assert err.name == "Error"
    assert err.message.startswith("Invalid listen argument:"), err.message
    srv.get("listening")
    assert srv.names() == [] and cb.calls() == []
    assert srv.get("listening") is False
