"""`harness/netspec shim-check`: passes on every shipped shim (and the example
shim), and on a shim with one defect fails exactly the check about it, saying
what is wrong, which PROTOCOL.md section it breaks, and the shim's stderr; a
hanging shim costs deadlines, not the run."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NETSPEC = os.path.join(ROOT, "harness", "netspec")
BROKEN = os.path.join(ROOT, "fixtures", "shims", "broken_shim.py")
EXAMPLE = os.path.join(ROOT, "harness", "shims", "example", "shim.py")
sys.path.insert(0, os.path.join(ROOT, "harness"))
from netspec_harness.shimcheck import CHECKS  # noqa: E402


def shim_check(*args, scale="1"):
    env = dict(os.environ, NETSPEC_TIMEOUT_SCALE=scale)
    proc = subprocess.run([NETSPEC, "shim-check", *args], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=300)
    lines = proc.stdout.splitlines()
    status = {line.split()[1]: line.split()[0] for line in lines if line.split()[:1] in (["ok"], ["FAIL"], ["skipped"])}
    return proc, status


@pytest.mark.parametrize("who", [["--impl", "ref"], ["--impl", "node8"], ["--impl", "node20"],
                                 ["--shim", "%s %s" % (sys.executable, EXAMPLE)]],
                         ids=["ref", "node8", "node20", "example"])
def test_every_check_passes_on_the_shipped_shims(who):
    if who[1] == "ref":
        build = os.environ.get("NETSPEC_BUILD_DIR")
        who = who + (["--build-dir", build] if build else [])
    proc, status = shim_check(*who)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert status == {name: "ok" for name, _ in CHECKS}, proc.stdout
    assert proc.stdout.splitlines()[-1].startswith("shim-check: %d ok, 0 FAIL, 0 skipped" % len(CHECKS))


# mode of fixtures/shims/broken_shim.py -> {failing check: what its FAIL line says}
ONE_DEFECT = {
    "badseq": {"seq": "seq 6 follows seq 4"},
    "badid": {"request-ids": "carried id null", "bad-request-EBADOP": "answered with id null",
              "bad-request-EBADTARGET": "answered with id null", "bad-request-ENOMETHOD": "answered with id null",
              "bad-request-ENOPROP": "answered with id null", "bad-request-EBADARGS": "answered with id null"},
    "diesonbad": {"bad-request-EBADOP": "the shim exited (status 1) with no further output"},
    "hangonbad": {"bad-request-EBADTARGET": "no response to {\"id\": 501, \"op\": \"get\", \"target\": \"h999\""},
}
STDERR = {"diesonbad": "| broken shim: dying on unknown op 'frobnicate' on purpose",
          "hangonbad": "| broken shim: hanging on an unknown target on purpose"}


@pytest.mark.parametrize("mode", sorted(ONE_DEFECT))
def test_one_defect_fails_exactly_its_check(mode):
    proc, status = shim_check("--shim", "%s %s %s" % (sys.executable, BROKEN, mode), scale="0.3")
    assert proc.returncode == 1, proc.stdout
    failed = {name for name, s in status.items() if s == "FAIL"}
    assert failed == set(ONE_DEFECT[mode]), proc.stdout
    assert set(status) == {name for name, _ in CHECKS}, "every check ran: " + proc.stdout
    lines = proc.stdout.splitlines()
    for name, says in ONE_DEFECT[mode].items():
        i = next(i for i, line in enumerate(lines) if line.split()[:2] == ["FAIL", name])
        assert says in lines[i], lines[i]
        assert lines[i + 1].strip().startswith("PROTOCOL.md §"), "the FAIL names the protocol's section: " + lines[i + 1]
    if mode in STDERR:
        assert STDERR[mode] in proc.stdout, "the FAIL shows the shim's stderr: " + proc.stdout
    assert "shim-check: %d ok, %d FAIL, 0 skipped" % (len(CHECKS) - len(failed), len(failed)) in lines[-1]


def test_a_crash_is_reported_with_the_stderr_tail():
    # the `crash` shim of the harness tests only knows isIP and dies on a line that is not JSON
    proc, status = shim_check("--shim", "%s %s crash" % (sys.executable, BROKEN), scale="0.3")
    assert proc.returncode == 1
    assert status["hello"] == "ok" and status["bad-request-EBADJSON"] == "FAIL" and status["new"] == "FAIL"
    text = proc.stdout[proc.stdout.index("FAIL    bad-request-EBADJSON"):]
    assert "the shim exited (status 1)" in text.splitlines()[0]
    assert "| json.decoder.JSONDecodeError" in text, text
    assert 'new Server (no args) returned 0, not a {"$handle": ID}' in proc.stdout


def test_no_hello_fails_hello_and_runs_nothing_else():
    proc, status = shim_check("--shim", "%s %s nohello" % (sys.executable, BROKEN), scale="0.1")
    assert proc.returncode == 1
    assert status.pop("hello") == "FAIL" and set(status.values()) == {"skipped"}, proc.stdout
    assert "no hello within" in proc.stdout and "PROTOCOL.md §1" in proc.stdout


def test_selection_and_the_exchange_of_a_failed_check():
    proc, status = shim_check("--shim", "%s %s badid" % (sys.executable, BROKEN), "-k", "EBADOP", "-v", scale="0.3")
    assert status == {"hello": "ok", "bad-request-EBADOP": "FAIL"}, proc.stdout
    assert '-> {"id": 501, "op": "frobnicate"}' in proc.stdout
    assert '<- {"type": "response", "seq": 1, "id": null, "status": "bad_request", "code": "EBADOP"' in proc.stdout


@pytest.mark.parametrize("args, says", [
    ([], "say what to test: --impl NAME"),
    (["--shim", "/nonexistent/shim"], "does not exist"),
    (["--impl", "nosuch"], "unknown implementation 'nosuch'"),
])
def test_usage_errors_exit_2(args, says):
    proc, _ = shim_check(*args)
    assert proc.returncode == 2 and says in proc.stderr, proc.stderr
