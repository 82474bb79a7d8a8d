"""The shipped shims follow harness/PROTOCOL.md: hello, each op, the value
encodings, every bad_request code, seq numbering, and exit at end of input.

Runs against every shim that can be started here (the reference shim needs a
build; node8/node20 are fetched into the cache). The bad requests and the
protocol checks are those of `harness/netspec shim-check`
(netspec_harness/shimcheck.py), one pytest case per check and shim, so the
command and these tests cannot drift apart."""
import json
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from netspec_harness import impls  # noqa: E402
from netspec_harness import shimcheck  # noqa: E402
from netspec_harness.shim import Shim, ShimBadRequest  # noqa: E402
from netspec_harness.values import UNDEFINED  # noqa: E402

SHIMS = ["ref", "node8", "node20"]
EXAMPLE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "shims", "example", "shim.py")


def shim_argv(name):
    if name == "example":
        return [sys.executable, EXAMPLE]
    try:
        return impls.shim_command(name, os.environ.get("NETSPEC_BUILD_DIR"))
    except impls.ImplError as exc:
        pytest.fail("cannot start the %s shim: %s" % (name, exc))


@pytest.fixture(params=SHIMS)
def shim(request):
    s = Shim(shim_argv(request.param), name=request.param)
    yield s
    assert s.close() == 0, "a shim exits 0 at end of input"
    s.dispose()


def raw(shim, line):
    """Send one raw line; return the response message's data."""
    before = len(shim.log_messages())
    shim.send_line(line)
    return shim.wait_message(lambda m: m.type == "response", 5, "response to %r" % line).seq, \
        shim.log_messages()[before:]


def last_response(shim):
    return [m for m in shim.log_messages() if m.type == "response"][-1].data


def test_hello(shim):
    assert shim.hello["protocol"] == 1
    assert shim.hello["impl"]["name"] and shim.hello["impl"]["version"]
    assert {"tcp", "ipv6", "pipe"} <= set(shim.hello["capabilities"])


def test_ops_and_values(shim):
    srv = shim.net.createServer()
    assert srv.__class__.__name__ == "Handle" and srv.id.startswith("h")
    assert srv.get("listening") is False
    assert srv.address() is None
    other = shim.new("Server")
    assert other.id != srv.id
    cb = shim.callback()
    assert srv.listen(0, "127.0.0.1", cb) is srv
    srv.wait("listening")
    assert cb.wait().args == []


def test_seq_counts_every_message_with_no_gap(shim):
    srv = shim.net.createServer()
    srv.listen(0, "127.0.0.1")
    srv.wait("listening")
    srv.close()
    srv.wait("close")
    seqs = [m.seq for m in shim.log_messages()]
    assert seqs == list(range(1, len(seqs) + 1))


def _bad_lines():
    for code, lines in shimcheck.BAD_REQUESTS.items():
        for n, line in enumerate(lines):
            if "$SERVER" not in line:
                yield pytest.param(line % 40 if "%d" in line else line, code, id="%s-%d" % (code, n))


@pytest.mark.parametrize("line, code", list(_bad_lines()))
def test_bad_requests_get_a_coded_answer_and_the_shim_goes_on(shim, line, code):
    _, msgs = raw(shim, line)
    resp = [m for m in msgs if m.type == "response"][-1].data
    assert (resp["status"], resp["code"]) == ("bad_request", code), resp
    expected_id = json.loads(line).get("id") if line.startswith("{") else None
    assert resp["id"] == expected_id
    assert shim.net.createServer().get("listening") is False, "the shim still answers after a bad request"


@pytest.mark.parametrize("name", [name for name, _ in shimcheck.CHECKS])
@pytest.mark.parametrize("which", SHIMS + ["example"])
def test_shim_check(which, name):
    ctx = shimcheck.Context(shim_argv(which), which)
    hello = shimcheck.run_one(ctx, "hello", shimcheck.check_hello)
    assert hello.status == "ok", "\n".join(hello.lines())
    result = shimcheck.run_one(ctx, name, dict(shimcheck.CHECKS)[name])
    assert result.status == "ok", "\n".join(result.lines(verbose=True))


def test_thrown_error_is_a_threw_response(shim):
    srv = shim.net.createServer()
    msg = srv.call_raw("listen", {"port": 70000})
    assert msg.data["status"] == "threw"
    err = shim.decode(msg.data["error"])
    assert err.name == "RangeError"


def test_bad_request_raises_in_the_client(shim):
    with pytest.raises(ShimBadRequest) as info:
        shim.call("net", "noSuchFunction")
    assert info.value.code == "ENOMETHOD"


def test_special_values_round_trip(shim):
    srv = shim.net.createServer()
    try:
        srv.set("netspecProbe", 1)
    except ShimBadRequest as exc:   # a C object has no free-form properties: ENOPROP is the answer
        assert exc.code == "ENOPROP"
        return
    for value in (UNDEFINED, None, -0.0, float("inf"), "x", [1, "a"], {"k": [True, None]}):
        srv.set("netspecProbe", value)
        got = srv.get("netspecProbe")
        assert got == value or (got is UNDEFINED and value is UNDEFINED), value
