"""The harness survives broken shims: each misbehaviour costs exactly the test
during which it happens, is reported with the shim's stderr, and the run goes on."""
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NETSPEC = os.path.join(ROOT, "harness", "netspec")
BROKEN = os.path.join(ROOT, "fixtures", "shims", "broken_shim.py")
THREE = os.path.join(ROOT, "fixtures", "harness", "test_three.py")


def run_three(mode, tmp_path):
    out = tmp_path / "results.json"
    env = dict(os.environ, NETSPEC_TIMEOUT_SCALE="0.3")
    proc = subprocess.run(
        [NETSPEC, "run", "--shim", "%s %s %s" % (sys.executable, BROKEN, mode), "--json", str(out), THREE],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
    results = {r["test"].split("::")[-1]: r for r in json.loads(out.read_text())["results"]}
    return proc, results


@pytest.mark.parametrize("mode, says, stderr", [
    ("crash", "exited (status 3)", "crashing on purpose"),
    ("hang", "no response to call net.isIP", "hanging on purpose"),
    ("garbage", "not JSON", None),
    ("badexit", "exited with status 9 at the end of the test", None),
])
def test_broken_shim_costs_one_test(mode, says, stderr, tmp_path):
    proc, results = run_three(mode, tmp_path)
    assert proc.returncode == 1, proc.stdout
    outcomes = {name: r["outcome"] for name, r in results.items()}
    if mode == "badexit":   # every test ends the shim, so every test sees the bad exit
        assert set(outcomes.values()) == {"failed"}, outcomes
    else:
        assert outcomes == {"test_before": "passed", "test_trigger": "failed", "test_after": "passed"}
    message = results["test_trigger"]["message"]
    assert says in message, message
    if stderr:
        assert stderr in message, "the failure shows the shim's stderr: " + message
    assert "harness/netspec run --shim" in proc.stdout and "test_three.py::test_trigger" in proc.stdout, \
        "the summary gives the command that re-runs the failed case"


def test_shim_without_hello_is_a_one_line_usage_error(tmp_path):
    env = dict(os.environ, NETSPEC_TIMEOUT_SCALE="0.1")
    proc = subprocess.run([NETSPEC, "run", "--shim", "%s %s nohello" % (sys.executable, BROKEN), THREE],
                          cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.startswith("netspec: the shim for custom does not start: ") and "no hello" in proc.stderr
