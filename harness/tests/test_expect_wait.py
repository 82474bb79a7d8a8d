"""An expectation's `wait`: `spec --check` accepts 0 < wait < 5 seconds and
nothing else, and a shim whose wait_cap is set gives up on an event that never
comes after that long instead of after 5 s."""
import os
import sys
import time

import pytest

from test_cli import GOOD_BLOCK, make_spec, netspec

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "harness"))
from netspec_harness.shim import Shim, ShimTimeout  # noqa: E402

EXAMPLE = [sys.executable, os.path.join(ROOT, "harness", "shims", "example", "shim.py")]

ENTRY = """\
[[expect]]
test = "%s::test_x"
requirement = "SERVER.X.1"
observed = "no 'end' event within 1.0 s"
why = "a reason"
wait = %s
"""


@pytest.mark.parametrize("wait,ok", [("1.0", True), ("0.25", True), ("0", False), ("5", False),
                                     ("-1", False), ('"1"', False), ("true", False)])
def test_check_accepts_only_a_wait_between_0_and_5_seconds(tmp_path, wait, ok):
    args = make_spec(tmp_path, GOOD_BLOCK, "@req('SERVER.X.1')\ndef test_x(): pass\n")
    test_file = os.path.relpath(str(tmp_path / "conformance" / "test_a.py"), ROOT)
    (tmp_path / "e.toml").write_text(ENTRY % (test_file, wait))
    p = netspec(*args)
    if ok:
        assert p.returncode == 0, p.stdout + p.stderr
    else:
        assert p.returncode != 0 and "wait must be a number of seconds above 0 and under 5" in p.stdout + p.stderr


def test_wait_cap_shortens_a_wait_for_an_event_that_never_comes():
    shim = Shim(EXAMPLE, name="example")
    try:
        shim.wait_cap = 0.3
        started = time.monotonic()
        with pytest.raises(ShimTimeout) as info:
            shim.wait_event("h1", "end")
        took = time.monotonic() - started
    finally:
        shim.close()
        shim.dispose()
    assert "no 'end' event on h1 within" in str(info.value)
    assert took < 2.5, "waited %.1f s with a cap of 0.3 s" % took


def test_a_wait_that_can_no_longer_succeed_gives_up_after_the_grace():
    """'error' during listen rules 'listening' out: the wait says what came
    instead and ends after HOPELESS_GRACE_S, not at its 5 s deadline."""
    import socket
    from netspec_harness.shim import HOPELESS_GRACE_S, ShimWaitHopeless
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen(1)
    shim = Shim(EXAMPLE, name="example")
    try:
        srv = shim.net.createServer()
        srv.listen(holder.getsockname()[1], "127.0.0.1")
        started = time.monotonic()
        with pytest.raises(ShimWaitHopeless) as info:
            srv.wait("listening")
        took = time.monotonic() - started
    finally:
        shim.close()
        shim.dispose()
        holder.close()
    assert "instead on %s: 'error' (EADDRINUSE" % srv.id in str(info.value), str(info.value)
    assert "gave up after" in str(info.value)
    assert HOPELESS_GRACE_S * 0.9 < took < HOPELESS_GRACE_S + 1.0, took
