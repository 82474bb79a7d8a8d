"""The harness against hostile shims (fixtures/shims/hostile_shim.py, one
attack per mode): the run goes on, exactly the attacked test fails with one
line naming the shim's fault, within its deadline plus the stated margin, and
no process of the shim survives. Attacks in the hello stop the run before the
suite, in one line, exit 2.

The table of every mode (the closing figures of issue 13):

    /usr/bin/python3 harness/tests/test_hostile_shims.py
"""
import json
import os
import signal
import subprocess
import sys
import time
import uuid

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NETSPEC = os.path.join(ROOT, "harness", "netspec")
HOSTILE = os.path.join(ROOT, "fixtures", "shims", "hostile_shim.py")
THREE = os.path.join(ROOT, "fixtures", "harness", "test_three.py")
EXPECTATIONS = os.path.join(ROOT, "fixtures", "expectations")
SCALE = 0.3                      # NETSPEC_TIMEOUT_SCALE of these runs: a 5 s wait lasts 1.5 s
# What a test may take beyond its deadline: the close (2 s x SCALE for the
# shim to exit once its input ends) and the reading of what is in the pipes.
MARGIN_S = 2.0 * SCALE + 0.5

# mode -> (what the attacked test's message or the run's one line says, extra arguments)
MODES = {
    "close-output": ("closed its output but kept running", ()),
    "stderr-flood": ("no response to call net.isIP(\"trigger\") within 1.5 s", ()),
    "stderr-line": ("exited (status 4)", ()),
    "endless-line": ("a line longer than 16 MiB", ()),
    "events": ("no response to call net.isIP(\"trigger\") within 1.5 s", ()),
    "fork": ("left 3 processes of its group running", ()),
    "fork-hang": ("no response to call net.isIP(\"trigger\") within 1.5 s", ()),
    "nan": ("non-finite number (NaN)", ()),
    "infinity": ("non-finite number (Infinity)", ()),
    "huge-number": ("non-finite number (1e999)", ()),
    "list-id": ("whose id is [1]", ()),
    "deep": ("nested deeper than 32 levels", ()),
    "deep-700": ("nested deeper than 32 levels", ()),
    "escapes": ("\\x1b]0;owned title\\x07", ()),
    "aaa": ("took over 2 s against the failure message",
            ("--expectations", os.path.join(EXPECTATIONS, "catastrophic-match.toml"))),
}
HELLO_MODES = {
    "close-output-hello": "closed its output but kept running",
    "endless-hello": "a line longer than 16 MiB",
    "impl-string": "bad hello: impl must be an object",
    "caps-number": "bad hello: capabilities must be a list of strings",
    "name-number": "bad hello: impl.name must be a string",
}


def shim_processes(token):
    """PIDs of the processes running the hostile shim with `token` (its
    children too: they share its command line); not the harness's own."""
    pids = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open("/proc/%s/cmdline" % name, "rb") as fh:
                    argv = fh.read().split(b"\0")
            except OSError:
                continue
            if len(argv) > 2 and argv[1].endswith(b"hostile_shim.py") and token.encode() in argv:
                pids.append(int(name))
    return pids


def run_mode(mode, out_dir, extra=(), jobs=None):
    """Runs test_three.py on the hostile shim in `mode`; returns what happened."""
    token = uuid.uuid4().hex
    results = os.path.join(out_dir, "%s.json" % mode)
    cmd = [NETSPEC, "run", "--shim", "/usr/bin/python3 %s %s %s" % (HOSTILE, mode, token),
           "--json", results, *extra, THREE] + (["-j", str(jobs)] if jobs else [])
    env = dict(os.environ, NETSPEC_TIMEOUT_SCALE=str(SCALE))
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdout, stderr = proc.communicate(timeout=120)
    elapsed = time.monotonic() - started
    got = {"rc": proc.returncode, "elapsed": elapsed, "left": shim_processes(token),
           "stdout": stdout.decode("utf-8", "replace"), "stderr": stderr.decode("utf-8", "replace")}
    if os.path.exists(results):
        with open(results, encoding="utf-8") as fh:
            doc = json.load(fh)
        got["results"] = {r["test"].split("::")[-1]: r for r in doc["results"]}
        got["run"] = doc["run"]
    return got


@pytest.mark.parametrize("mode", sorted(MODES))
def test_a_hostile_shim_costs_exactly_the_attacked_test(mode, tmp_path):
    says, extra = MODES[mode]
    got = run_mode(mode, str(tmp_path), extra)
    assert got["left"] == [], "processes of the shim outlived the run: %s" % got["left"]
    assert got["rc"] == 1, got["stdout"] + got["stderr"]
    outcomes = {name: r["outcome"] for name, r in got["results"].items()}
    assert outcomes == {"test_before": "passed", "test_trigger": "failed", "test_after": "passed"}
    assert got["run"]["complete"] is True
    message = got["results"]["test_trigger"]["message"]
    assert says in message, message
    assert "\x1b" not in got["stdout"] + message, "a terminal escape of the shim reached the output"
    assert got["results"]["test_trigger"]["duration_s"] < 1.5 + MARGIN_S
    assert got["run"]["peak_rss_kib"] < 200 * 1024, "the harness grew to %d KiB" % got["run"]["peak_rss_kib"]


@pytest.mark.parametrize("mode", sorted(HELLO_MODES))
def test_a_hostile_hello_stops_the_run_in_one_line(mode, tmp_path):
    got = run_mode(mode, str(tmp_path))
    assert got["left"] == []
    assert got["rc"] == 2, got["stdout"] + got["stderr"]
    lines = got["stderr"].strip().splitlines()
    assert lines[0].startswith("netspec: the shim for custom does not start: ") and HELLO_MODES[mode] in lines[0]
    assert "Traceback" not in got["stderr"]
    assert got["elapsed"] < 15


def test_shim_check_on_a_shim_that_closes_its_output_ends(tmp_path):
    token = uuid.uuid4().hex
    proc = subprocess.run([NETSPEC, "shim-check", "--shim", "/usr/bin/python3 %s close-output-hello %s"
                           % (HOSTILE, token)], cwd=ROOT, env=dict(os.environ, NETSPEC_TIMEOUT_SCALE=str(SCALE)),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
    assert proc.returncode == 1 and "closed its output but kept running" in proc.stdout, proc.stdout
    assert shim_processes(token) == []


def test_a_match_that_is_not_a_regex_stops_the_run_before_it_starts(tmp_path):
    got = run_mode("aaa", str(tmp_path), ("--expectations", os.path.join(EXPECTATIONS, "bad-regex.toml")))
    assert got["rc"] == 2 and "results" not in got
    assert got["stderr"].strip() == ("netspec: %s: [[expect]] entry 1: match is not a regular expression: "
                                     "missing ), unterminated subpattern at position 0 (format: harness/README.md)"
                                     % os.path.join(EXPECTATIONS, "bad-regex.toml"))


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_cancelled_run_leaves_no_shim_behind(sig, tmp_path):
    """A CI job cancelled while a forking shim hangs: the run ends, exit 2, and
    neither the shim nor its children survive (they are in their own session,
    out of reach of the signal itself)."""
    token = uuid.uuid4().hex
    ready = tmp_path / "ready"
    env = dict(os.environ, NETSPEC_TIMEOUT_SCALE="10", HOSTILE_READY=str(ready))
    proc = subprocess.Popen([NETSPEC, "run", "--shim", "/usr/bin/python3 %s fork-hang %s" % (HOSTILE, token),
                             "-j", "2", THREE], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while not (ready.exists() and len(shim_processes(token)) == 4):   # the shim and its 3 children
        assert time.monotonic() < deadline and proc.poll() is None, "the attack never started"
        time.sleep(0.02)   # polling for the shim to exist, not waiting for an outcome
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 2
    assert "interrupted by signal %d" % sig in stderr.decode()
    assert shim_processes(token) == []


CRASH_PLUGIN = '''
import pytest

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    if item.name == "test_trigger" and call.when == "call":
        raise RuntimeError("the harness breaks on purpose")
'''


def test_a_crash_of_the_harness_is_a_broken_run_not_a_pass(tmp_path):
    """INTERNALERROR in the middle of a run (and then a failing teardown while
    pytest winds down): the results file says the run is broken, the test
    being reported is not recorded as passed, and the command exits 2."""
    (tmp_path / "crash_plugin.py").write_text(CRASH_PLUGIN)
    out = tmp_path / "r.json"
    env = dict(os.environ, PYTHONPATH=str(tmp_path), PYTEST_ADDOPTS="-p crash_plugin")
    proc = subprocess.run([NETSPEC, "run", "--shim", "/usr/bin/python3 %s fork" % HOSTILE, "--json", str(out), THREE],
                          cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "netspec: the harness crashed: the harness breaks on purpose" in proc.stderr
    doc = json.loads(out.read_text())
    assert doc["run"]["complete"] is False and "the harness crashed" in doc["run"]["broken"]
    outcomes = {r["test"].split("::")[-1]: r["outcome"] for r in doc["results"]}
    assert outcomes == {"test_before": "passed", "test_trigger": "failed"}, outcomes
    assert "did not finish" in [r for r in doc["results"] if "test_trigger" in r["test"]][0]["message"]


def table():
    """Prints mode | outcome line | time | processes left | harness peak RSS."""
    import tempfile
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for mode in list(MODES) + list(HELLO_MODES):
            got = run_mode(mode, tmp, MODES.get(mode, ("", ()))[1])
            if "results" in got:
                rec = got["results"]["test_trigger"]
                line = rec["message"].splitlines()[0]
                took = "%.2f s" % rec["duration_s"]
                rss = "%d MiB" % (got["run"]["peak_rss_kib"] // 1024)
                outcome = ",".join(got["results"][t]["outcome"] for t in ("test_before", "test_trigger", "test_after"))
            else:
                line = (got["stderr"].strip().splitlines() or ["?"])[0]
                took, rss, outcome = "%.2f s (run)" % got["elapsed"], "-", "exit %d" % got["rc"]
            rows.append((mode, outcome, line[:110], took, str(len(got["left"])), rss))
    widths = [max(len(r[i]) for r in rows + [("mode", "outcomes", "line", "time", "left", "RSS")]) for i in range(6)]
    for r in [("mode", "outcomes", "line", "time", "left", "RSS")] + rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())


if __name__ == "__main__":
    table()
