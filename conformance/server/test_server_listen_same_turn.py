"""What a server looks like between listen() and 'listening', and calls made in one turn.

Several requirements are about calls made one right after the other, before
the event loop turns (Node runs them in the same tick): listen() then close(),
close() twice, listen() twice, listen() then a property read. One request per
round trip cannot express that: by the time the next request is read, the
events of the first have been delivered. `same_turn()` below hands the shim
several requests at once (the harness stops the shim while it writes them),
so the shim runs them back to back; the responses and the events then tell
what happened in between.
"""
import os
import subprocess

import pytest

from netspec_harness import UNDEFINED, NetError, needs, peer, req
from netspec_harness.values import encode


# ---------------------------------------------------------------- helpers
def call(target, method, *args):
    return {"op": "call", "target": target.id, "method": method, "args": encode(list(args))}


def get(target, prop):
    return {"op": "get", "target": target.id, "prop": prop}


def same_turn(impl, *requests):
    """Runs `requests` (made with call()/get()) in one turn of the shim's
    event loop (Shim.same_turn) and returns their results in order:
    ("ok", value) or ("threw", error)."""
    results = []
    for msg in impl.same_turn(requests):
        if msg.data.get("status") == "threw":
            results.append(("threw", impl.decode(msg.data.get("error"))))
        else:
            results.append(("ok", impl.decode(msg.data.get("value", {"$undefined": True}))))
    return results


def values(results):
    """The values of results that must all be 'ok'."""
    for status, value in results:
        assert status == "ok", "unexpected throw: %r" % (value,)
    return [value for _, value in results]


def no_error(call_event):
    return all(a is None or a is UNDEFINED for a in call_event.args)


def listening_tcp_sockets(impl):
    """The number of listening TCP sockets the shim's processes hold (ss -ltnp);
    the shim is the leader of its own session."""
    session = impl.proc.pid
    pids = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[3]) == session:      # state ppid pgrp session: session is the 4th after ')'
                pids.add(int(entry))
    out = subprocess.run(["ss", "-Hltnp"], stdout=subprocess.PIPE, text=True, check=True).stdout
    return sum(1 for line in out.splitlines() if any("pid=%d," % p in line for p in pids))


def new_server(impl):
    return impl.net.createServer()


# ------------------------------------------------ bound before 'listening'
@req("SERVER.LISTEN.BIND.SYNC.1", "SERVER.LISTEN.ASYNC.1", "SERVER.LISTENING.1")
@pytest.mark.parametrize("args", [[0], [{"port": 0}]], ids=["port", "options"])
def test_without_host_the_socket_is_bound_when_listen_returns(impl, args):
    srv = new_server(impl)
    returned, listening, addr = values(same_turn(
        impl, call(srv, "listen", *args), get(srv, "listening"), call(srv, "address")))
    answered = impl.last_response_seq
    assert returned is srv
    assert listening is True, "bound and listening as listen() returns"
    assert isinstance(addr, dict) and addr["port"] > 0
    # the wildcard of SERVER.LISTEN.HOST.OMITTED.1 / .2: '::', or '0.0.0.0' without IPv6
    assert addr["address"] == ("::" if "ipv6" in impl.capabilities else "0.0.0.0")
    assert srv.wait("listening").seq > answered, "'listening' still comes later"
    assert srv.address() == addr
    with peer.connect_tcp("127.0.0.1", addr["port"]):
        srv.wait("connection")


@needs("pipe")
@req("SERVER.LISTEN.BIND.SYNC.1", "SERVER.LISTEN.ASYNC.1")
def test_a_path_is_bound_when_listen_returns(impl, sock_dir):
    path = os.path.join(sock_dir, "sync.sock")
    srv = new_server(impl)
    returned, listening, addr = values(same_turn(
        impl, call(srv, "listen", path), get(srv, "listening"), call(srv, "address")))
    answered = impl.last_response_seq
    assert (returned, listening, addr) == (srv, True, path)
    assert os.path.exists(path), "the socket file exists as listen() returns"
    assert srv.wait("listening").seq > answered


@req("SERVER.LISTEN.BIND.SYNC.1", "SERVER.LISTEN.HANDLE.SERVER.1")
def test_a_handle_is_listening_when_listen_returns(impl):
    first = new_server(impl)
    first.listen(0, "127.0.0.1")
    first.wait("listening")
    second = new_server(impl)
    returned, listening, addr = values(same_turn(
        impl, call(second, "listen", first), get(second, "listening"), call(second, "address")))
    answered = impl.last_response_seq
    assert (returned, listening, addr) == (second, True, first.address())
    assert second.wait("listening").seq > answered


@req("SERVER.LISTEN.BIND.LOOKUP.1", "SERVER.LISTEN.ASYNC.1", "SERVER.ADDRESS.NOT_LISTENING.1",
     "SERVER.LISTENING.1")
@pytest.mark.parametrize("args", [[0, "127.0.0.1"], [0, "localhost"], [{"port": 0, "host": "127.0.0.1"}]],
                         ids=["ip", "localhost", "options"])
def test_with_a_host_nothing_is_bound_when_listen_returns(impl, args):
    srv = new_server(impl)
    returned, listening, addr = values(same_turn(
        impl, call(srv, "listen", *args), get(srv, "listening"), call(srv, "address")))
    answered = impl.last_response_seq
    assert (returned, listening, addr) == (srv, False, None), "the host is resolved first"
    assert srv.wait("listening").seq > answered
    assert srv.get("listening") is True
    assert srv.address()["address"] == "127.0.0.1"


# -------------------------------------------------- close() overtakes listen()
@req("SERVER.EVENT.LISTENING.3", "SERVER.CLOSE.CALLBACK.1")
def test_close_in_the_same_turn_as_a_bound_listen_suppresses_listening(impl):
    srv = new_server(impl)
    cb = impl.callback("close")
    returned, addr, closed = values(same_turn(
        impl, call(srv, "listen", 0), call(srv, "address"), call(srv, "close", cb)))
    assert returned is srv and closed is srv
    srv.wait("close")
    assert no_error(cb.wait()), "the server was open when it was closed: %r" % (cb.calls(),)
    srv.get("listening")                         # one more round trip
    assert srv.names() == ["close"], "no 'listening' for a listen() that close() overtook"
    with pytest.raises(ConnectionRefusedError):
        peer.connect_tcp("127.0.0.1", addr["port"]).close()


@needs("pipe")
@req("SERVER.EVENT.LISTENING.3")
def test_close_in_the_same_turn_as_a_path_listen_suppresses_listening(impl, sock_dir):
    path = os.path.join(sock_dir, "overtaken.sock")
    srv = new_server(impl)
    cb = impl.callback("close")
    values(same_turn(impl, call(srv, "listen", path), call(srv, "close", cb)))
    srv.wait("close")
    assert no_error(cb.wait())
    srv.get("listening")
    assert srv.names() == ["close"]
    with pytest.raises(OSError):
        peer.connect_unix(path).close()


@req("SERVER.EVENT.LISTENING.4", "SERVER.CLOSE.NOT_RUNNING.1")
def test_close_during_the_host_lookup_does_not_cancel_the_listen(impl):
    srv = new_server(impl)
    cb = impl.callback("close")
    values(same_turn(impl, call(srv, "listen", 0, "127.0.0.1"), call(srv, "close", cb)))
    closed = srv.wait("close")
    (err,) = cb.wait().args
    assert isinstance(err, NetError), "nothing was open yet: the callback gets an error, not %r" % (err,)
    listening = srv.wait("listening")
    assert closed.seq < listening.seq
    assert srv.get("listening") is True
    port = srv.address()["port"]
    with peer.connect_tcp("127.0.0.1", port):
        srv.wait("connection")
    assert srv.names() == ["close", "listening", "connection"]
    assert err.message == "Not running"


# ------------------------------------------------------------ close() twice
@req("SERVER.CLOSE.TWICE.1", "SERVER.CLOSE.NOT_RUNNING.1")
def test_two_closes_in_one_turn_share_the_first_close_event(impl):
    srv = new_server(impl)
    srv.listen(0, "127.0.0.1")
    srv.wait("listening")
    first, second = impl.callback("first"), impl.callback("second")
    values(same_turn(impl, call(srv, "close", first), call(srv, "close", second)))
    close1 = srv.wait("close")
    call1, call2 = first.wait(), second.wait()
    close2 = srv.wait("close")
    assert close1.seq < call1.seq < call2.seq < close2.seq, \
        "both callbacks run at the first 'close', then 'close' again: %s" % impl.summary()
    assert no_error(call1)
    (err,) = call2.args
    assert isinstance(err, NetError)
    srv.get("listening")
    assert srv.names() == ["listening", "close", "close"]
    assert (len(first.calls()), len(second.calls())) == (1, 1)
    assert err.message == "Not running"


# ------------------------------------------------------------ listen() twice
@req("SERVER.LISTEN.AGAIN.4", "SERVER.LISTEN.AGAIN.1")
@pytest.mark.parametrize("args", [[0, "127.0.0.1"], [0]], ids=["host", "no-host"])
def test_two_listens_in_one_turn_bind_one_socket(impl, args):
    srv = new_server(impl)
    first, second = values(same_turn(impl, call(srv, "listen", *args), call(srv, "listen", *args)))
    assert first is srv and second is srv
    srv.wait("listening")
    srv.wait("listening")
    port = srv.address()["port"]
    srv.get("listening")
    assert srv.names() == ["listening", "listening"]
    assert listening_tcp_sockets(impl) == 1, "one socket for both calls"
    with peer.connect_tcp("127.0.0.1", port):
        srv.wait("connection")
