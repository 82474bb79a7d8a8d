"""A shim killed with SIGKILL in the middle of a test costs exactly that test:
it fails with a message saying the shim exited (status -9) and the tail of the
shim's stderr, the summary counts it and gives the command that re-runs it,
and the next test gets a fresh shim and passes. Runs fixtures/harness/test_killed.py
through `harness/netspec run --shim ...` with each real shim available here
(the reference, Node 8.17, Node 20).

The shim command is wrapped so that it first writes a known line to stderr,
then replaces itself with the real shim (same process id): that line must
appear in the failure message as the tail of the shim's stderr."""
import json
import os
import shlex
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "harness"))
from netspec_harness import impls  # noqa: E402

NETSPEC = os.path.join(ROOT, "harness", "netspec")
KILLED = os.path.join(ROOT, "fixtures", "harness", "test_killed.py")
MARK = "netspec-shim-killed-test: the shim starts"


def real_shim(name):
    try:
        if name == "ref":
            return impls.shim_command("ref")
        impls.runtime_path(name, fetch=False)
        return impls.shim_command(name, fetch=False)
    except impls.ImplError as exc:
        pytest.skip("the %s shim is not available here: %s" % (name, exc))


@pytest.mark.parametrize("name", ["ref", "node8", "node20"])
def test_a_shim_killed_mid_test_costs_that_test_only(name, tmp_path):
    argv = real_shim(name)
    wrapper = "sh -c %s sh %s" % (shlex.quote('echo "%s" >&2; exec "$@"' % MARK),
                                  " ".join(shlex.quote(a) for a in argv))
    out = tmp_path / "results.json"
    proc = subprocess.run([NETSPEC, "run", "--shim", wrapper, "--json", str(out), KILLED],
                          cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
    assert proc.returncode == 1, "one unexpected failure: exit status 1\n" + proc.stdout
    doc = json.loads(out.read_text())
    results = {r["test"].split("::")[-1]: r for r in doc["results"]}
    outcomes = {n: r["outcome"] for n, r in results.items()}
    assert outcomes == {"test_before": "passed", "test_killed": "failed", "test_after": "passed"}, outcomes
    assert doc["summary"] == {"passed": 2, "failed": 1, "skipped": 0, "xfailed": 0, "xpassed": 0}
    message = results["test_killed"]["message"]
    assert "exited (status -9)" in message, "the failure says the shim died of SIGKILL: " + message
    assert "tail of the shim's stderr" in message and MARK in message, \
        "the failure shows the tail of the shim's stderr: " + message
    assert ("netspec summary: 2 passed, 1 failed (unexpected), 0 skipped, 0 xfailed (expected differences), "
            "0 xpassed (unexpected passes)") in proc.stdout, proc.stdout
    lines = proc.stdout.splitlines()
    start = lines.index("unexpected outcomes, the requirements each breaks, and the command that re-runs it alone:")
    assert lines[start + 1].startswith("  FAILED [no requirement] ShimCrashed: custom: the shim exited (status -9)")
    rerun = [line.strip() for line in lines[start:] if line.startswith("    harness/netspec run")]
    assert len(rerun) == 1 and rerun[0].startswith("harness/netspec run --shim ") \
        and rerun[0].endswith("test_killed.py::test_killed"), \
        "the summary gives the one command that re-runs the killed test:\n" + proc.stdout
