"""The netspec pytest plugin: runs conformance tests against one implementation.

What it adds to pytest:
  options    --impl NAME | --shim "COMMAND", --build-dir, --expectations FILE,
             --req PREFIX (repeatable), --netspec-json FILE, --rerun-prefix
  markers    @req("ID", ...)     requirement ids a test checks (every
                                 conformance test has at least one)
             @needs("pipe", ...) capabilities from the shim's hello; the test
                                 is skipped, with the reason, without them
             @reliability        fuzz, load and fault tests
  fixtures   impl                a fresh shim for the test (shim.Shim)
             sock_dir            a short directory for Unix socket paths
  reports    the JSON results file, the expected differences applied, and
             for every unexpected outcome the command that re-runs it

Each test gets its own shim process, so a shim that crashes, hangs or writes
garbage fails exactly that test (with the tail of its stderr) and the next
test starts a fresh one. A shim that exits non-zero at the end of a test
(e.g. a sanitizer report) fails that test too.
"""
import json
import math
import os
import re
import resource
import shlex
import shutil
import subprocess
import tempfile
import time

import pytest

from . import impls
from . import peer
from . import spec as specmod
from .shim import Shim, ShimError, kill_all_on_signals, printable

CONFORMANCE = os.path.join(impls.ROOT, "conformance") + os.sep
OUTCOMES = ("passed", "failed", "skipped", "xfailed", "xpassed")
SAYS = {"failed": " (unexpected)", "xfailed": " (expected differences)", "xpassed": " (unexpected passes)"}


def pytest_addoption(parser):
    g = parser.getgroup("netspec", "netspec conformance")
    g.addoption("--impl", default=os.environ.get("NETSPEC_IMPL"),
                help="implementation under test: %s" % ", ".join(impls.NAMED))
    g.addoption("--shim", default=os.environ.get("NETSPEC_SHIM"),
                help="shim command of any other implementation")
    g.addoption("--build-dir", default=os.environ.get("NETSPEC_BUILD_DIR"),
                help="CMake build directory holding the reference shim (default: build)")
    g.addoption("--expectations", default=None,
                help="expectations file (default: harness/expectations/IMPL.toml)")
    g.addoption("--req", action="append", default=[],
                help="run only tests citing a requirement id starting with this prefix")
    g.addoption("--netspec-json", default=None, help="write machine-readable results here")
    g.addoption("--netspec-status", default=None,
                help="write {complete, broken} here at the end (harness/netspec reads it: no file, no verdict)")
    g.addoption("--rerun-prefix", default=None,
                help="how the summary spells the command that re-runs one test")
    g.addoption("--shard", default=None, metavar="K/N",
                help="run only shard K of N of the selected tests (deterministic by test id)")
    g.addoption("--shard-durations", default=None, metavar="RESULTS.json",
                help="with --shard: balance the shards by the durations in this results file")
    g.addoption("--netspec-label", default=None,
                help="the implementation's name in the results (default: --impl, or custom)")


class State:
    """Per-run configuration and, on the controller, the collected results."""

    def __init__(self, config):
        self.config = config
        self.impl = config.getoption("impl")
        self.shim_cmd = config.getoption("shim")
        self.build_dir = config.getoption("build_dir")
        self.argv_cache = None
        self.hello = None
        self.expectations = {}
        self.results = {}
        self.t0 = time.monotonic()
        exp = config.getoption("expectations")
        if exp is None and self.impl and not self.shim_cmd:
            exp = impls.default_expectations(self.impl)
        self.expectations_path = exp
        if exp:
            try:
                entries = specmod.load_expectations(exp, strict=True)
            except specmod.ExpectationsError as exc:
                raise pytest.UsageError("netspec: %s" % exc) from None
            for entry in entries:
                self.expectations[entry["test"]] = entry
        self.broken = None       # why the run itself broke (the harness, not a test), if it did

    @property
    def name(self):
        return self.config.getoption("netspec_label") or self.impl or "custom"

    def expectation_files(self):
        """The expectation files applied, relative to the checkout when inside it."""
        if not self.expectations_path:
            return []
        return [os.path.relpath(f, impls.ROOT) if os.path.abspath(f).startswith(impls.ROOT + os.sep)
                else os.path.abspath(f) for f in specmod.expectation_files(self.expectations_path)]

    def argv(self):
        if self.argv_cache is None:
            try:
                if self.shim_cmd:
                    self.argv_cache = impls.split_shim(self.shim_cmd)
                elif self.impl:
                    self.argv_cache = impls.shim_command(self.impl, self.build_dir)
                else:
                    raise impls.ImplError("no implementation chosen: pass --impl NAME or --shim \"COMMAND\" "
                                          "(harness/netspec run --help)")
            except impls.ImplError as exc:
                pytest.exit("netspec: %s" % exc, returncode=2)
        return self.argv_cache

    def get_hello(self):
        if self.hello is None:
            shim = None
            try:
                shim = Shim(self.argv(), name=self.name)
                self.hello = shim.hello
            except ShimError as exc:
                pytest.exit("netspec: the shim did not start: %s" % str(exc).replace("\n", "\n  "), returncode=2)
            finally:
                if shim is not None:
                    shim.close()
                    shim.dispose()
        return self.hello

    def rerun_prefix(self):
        """The command that re-runs one test of this run, without the test id."""
        return self.config.getoption("rerun_prefix") or "harness/netspec run " + (
            "--shim %s" % shlex.quote(self.shim_cmd) if self.shim_cmd else "--impl %s" % self.impl)

    def rerun(self, nodeid):
        return "%s %s" % (self.rerun_prefix(), shlex.quote(nodeid))


def _is_worker(config):
    return hasattr(config, "workerinput")


def _in_suite(item):
    return _in_suite_path(str(item.fspath))


def _in_suite_path(path):
    return path.startswith(CONFORMANCE)


# -------------------------------------------------------------------- set-up
_CONFIG = None   # the run's config: pytest_runtest_logreport receives only the report


def pytest_configure(config):
    global _CONFIG
    _CONFIG = config
    config.addinivalue_line("markers", "req(*ids): the spec requirement ids this test checks")
    config.addinivalue_line("markers", "needs(*capabilities): capabilities the shim must claim")
    config.addinivalue_line("markers", "reliability: fuzz, load and fault tests")
    config._netspec = State(config)
    if config.getoption("shard"):
        parse_shard(config.getoption("shard"))
        config.pluginmanager.register(Sharder(), "netspec-shard")
    kill_all_on_signals()     # a cancelled run (SIGTERM, SIGHUP, SIGINT) leaves no shim behind


def pytest_sessionstart(session):
    state = session.config._netspec
    if not _is_worker(session.config) and (state.impl or state.shim_cmd):
        state.get_hello()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session, config, items):
    state = config._netspec
    suite = [i for i in items if _in_suite(i)]
    spec = specmod.load() if suite else None
    problems = []
    for item in items:           # expectations apply to any test (the harness's own fixtures too)
        if item in suite:
            ids = [rid for m in item.iter_markers("req") for rid in m.args]
            if not ids:
                problems.append("%s cites no requirement; add @req(\"ID\")" % item.nodeid)
            problems += ["%s cites unknown requirement %s" % (item.nodeid, r) for r in ids if r not in spec.by_id]
            item.user_properties.append(("netspec_requirements", ids))
        entry = state.expectations.get(item.nodeid) or state.expectations.get(item.nodeid.split("[")[0])
        if entry and item.nodeid in entry.get("except", ()):
            entry = None                  # a case that its [[area]] leaves out: runs as usual
        area = " (whole area %s)" % entry["area"] if entry and entry.get("area") else ""
        if entry and entry.get("run", True) is False:
            item.add_marker(pytest.mark.skip(reason="not run on this implementation%s: %s; observed: %s; %s" % (
                area, entry["requirement"], entry["observed"], entry["why"])))
        elif entry:
            item.add_marker(pytest.mark.xfail(strict=True, reason="expected difference%s: %s; observed: %s; %s" % (
                area, entry["requirement"], entry["observed"], entry["why"])))
            item._netspec_expect = entry
    if problems:
        raise pytest.UsageError("netspec: the suite is inconsistent with spec/:\n  " + "\n  ".join(problems))
    prefixes = config.getoption("req")
    if prefixes:
        keep, drop = [], []
        for item in items:
            ids = dict(item.user_properties).get("netspec_requirements", [])
            (keep if any(r.startswith(p) for r in ids for p in prefixes) else drop).append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep


class Sharder:
    """--shard K/N: after every other selection (-k, -m, --req), keep shard K.
    (A plugin object of its own: this module's collection hook runs first.)"""

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, session, config, items):
        k, n = parse_shard(config.getoption("shard"))
        durations = load_durations(config.getoption("shard_durations"))
        keep = set(shard_of([i.nodeid for i in items], n, durations)[k - 1])
        drop = [i for i in items if i.nodeid not in keep]
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = [i for i in items if i.nodeid in keep]


def shard_numbers(text):
    """(K, N) of 'K/N' with 1 <= K <= N, or None (harness/netspec checks with it too)."""
    k, _, n = str(text).partition("/")
    return (int(k), int(n)) if k.isdigit() and n.isdigit() and 1 <= int(k) <= int(n) else None


def parse_shard(text):
    """(K, N) of --shard, or a usage error."""
    numbers = shard_numbers(text)
    if numbers is None:
        raise pytest.UsageError("netspec: --shard %s: give K/N with 1 <= K <= N, e.g. --shard 2/4" % text)
    return numbers


def load_durations(path):
    """{test id: seconds} of a results file (for balancing shards), {} without one."""
    if not path:
        return {}
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
        return {r["test"]: float(r["duration_s"]) for r in doc["results"]
                if isinstance(r.get("duration_s"), (int, float)) and math.isfinite(r["duration_s"])}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise pytest.UsageError("netspec: --shard-durations %s: not a results file of `netspec run --json` (%s)"
                                % (path, exc)) from None


def shard_of(nodeids, n, durations=None):
    """The tests of each of n shards: the longest first, each to the shard
    with the least time so far (ties: the lower shard), by the durations of
    a previous run (a test it lacks counts as the median; without any, as
    1 s each, which deals sorted ids out in turn). Deterministic: the same
    ids and durations give the same shards on every machine."""
    durations = durations or {}
    known = sorted(durations[t] for t in nodeids if t in durations)
    default = known[len(known) // 2] if known else 1.0
    order = sorted(nodeids, key=lambda t: (-round(durations.get(t, default), 6), t))
    shards, loads = [[] for _ in range(n)], [0.0] * n
    for t in order:
        i = min(range(n), key=lambda j: (round(loads[j], 6), j))
        shards[i].append(t)
        loads[i] += durations.get(t, default)
    return shards


def pytest_runtest_setup(item):
    needs = [c for m in item.iter_markers("needs") for c in m.args]
    if needs and _in_suite(item):
        caps = set(item.config._netspec.get_hello().get("capabilities", []))
        missing = [c for c in needs if c not in caps]
        if missing:
            ids = dict(item.user_properties).get("netspec_requirements", [])
            pytest.skip("the implementation does not claim capability %s (needed by %s)"
                        % (", ".join(missing), ", ".join(ids)))


# ------------------------------------------------------------------ fixtures
@pytest.fixture
def impl(request):
    """A fresh shim of the implementation under test, ended after the test."""
    state = request.config._netspec
    try:
        shim = Shim(state.argv(), name=state.name)
    except ShimError as exc:
        pytest.fail(str(exc), pytrace=False)
    shim.wait_cap = _expected_wait(request.node)
    previous = peer.set_recorder(peer.TimelineRecorder(shim))   # the peer's actions join the timeline
    try:
        yield shim
    finally:
        peer.set_recorder(previous)
    died = shim.exit_status()
    status = shim.close()
    request.node.user_properties.append(("netspec_timeline", shim.timeline()))
    tail = shim.stderr_tail()
    shim.dispose()
    if shim.dead:
        return   # already reported by the failing call
    tail = ("\n--- tail of the shim's stderr ---\n" + tail) if tail else ""
    if died is not None:
        pytest.fail("the shim exited (status %s) during the test%s" % (died, tail), pytrace=False)
    if status != 0:
        pytest.fail("the shim exited with status %s at the end of the test "
                    "(a sanitizer report or an uncaught error)%s" % (status, tail), pytrace=False)
    if shim.left_behind:
        pytest.fail("the shim left %d process%s of its group running after it exited (all killed)%s"
                    % (shim.left_behind, "" if shim.left_behind == 1 else "es", tail), pytrace=False)


def _expected_wait(item):
    """The `wait` of the test's expectation (seconds), or None."""
    entry = getattr(item, "_netspec_expect", None)
    return entry.get("wait") if entry else None


@pytest.fixture
def start_impl(request):
    """Starts extra shims of the implementation under test, optionally behind
    a wrapper command (e.g. the `noipv6` fixture) or inheriting descriptors of
    the test (`pass_fds`, same numbers in the shim, e.g. for listen({fd}));
    all are ended after the test."""
    state = request.config._netspec
    started = []

    def start(prefix=(), pass_fds=()):
        try:
            shim = Shim(list(prefix) + state.argv(), name=state.name, pass_fds=pass_fds)
        except ShimError as exc:
            pytest.fail(str(exc), pytrace=False)
        shim.wait_cap = _expected_wait(request.node)
        started.append(shim)
        return shim

    yield start
    for shim in started:
        shim.close()
        shim.dispose()


@pytest.fixture(scope="session")
def noipv6():
    """The command that runs a program as if the kernel had no IPv6
    (fixtures/noipv6), compiled into the cache on first use."""
    src = os.path.join(impls.ROOT, "fixtures", "noipv6", "noipv6.c")
    exe = os.path.join(impls.cache_dir(), "bin", "noipv6")
    if not os.path.exists(exe) or os.path.getmtime(exe) < os.path.getmtime(src):
        os.makedirs(os.path.dirname(exe), exist_ok=True)
        tmp = "%s.%d" % (exe, os.getpid())
        res = subprocess.run(["cc", "-std=c11", "-O1", "-o", tmp, src], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
        if res.returncode != 0:
            pytest.fail("cannot build fixtures/noipv6: %s" % res.stdout, pytrace=False)
        os.replace(tmp, exe)
    return exe


@pytest.fixture
def sock_dir():
    """A short, private directory for Unix socket paths (sun_path is ~107 bytes)."""
    path = tempfile.mkdtemp(prefix="ns", dir="/tmp")
    yield path
    shutil.rmtree(path, ignore_errors=True)


# ------------------------------------------------------------------- results
@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed and call.excinfo is not None and call.excinfo.errisinstance(ShimError):
        # The shim failed, not an assertion: say so plainly, without the harness's traceback.
        where = call.excinfo.traceback.filter(lambda e: _in_suite_path(str(e.path)))
        line = "%s:%d: " % (where[-1].path, where[-1].lineno + 1) if where else ""
        rep.longrepr = "%s%s: %s" % (line, call.excinfo.typename, call.excinfo.value)
    entry = getattr(item, "_netspec_expect", None)
    if entry and entry.get("match") and rep.when == "call" and hasattr(rep, "wasxfail") and rep.skipped:
        text = str(call.excinfo.value) if call.excinfo else ""
        found = specmod.search_bounded(entry["match"], text)
        if found is not True:
            rep.outcome = "failed"
            del rep.wasxfail
            if found is None:
                rep.longrepr = ("the expectation's match %r (%s) took over %g s against the failure "
                                "message (catastrophic backtracking?); simplify the pattern. The message:\n%s"
                                % (entry["match"], entry["requirement"], specmod.MATCH_LIMIT_S, text[:2000]))
            else:
                rep.longrepr = ("expected to fail matching %r (%s), but failed otherwise:\n%s"
                                % (entry["match"], entry["requirement"], text))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_logreport(report):
    state = getattr(_CONFIG, "_netspec", None) if _CONFIG else None
    if state is None or _is_worker(_CONFIG) or not (state.impl or state.shim_cmd):
        return
    props = dict(report.user_properties)
    # Before the JUnit writer sees them (it writes str() of each property):
    # the timeline belongs in the JSON results only, the ids as "A,B".
    report.user_properties = [
        (k, ",".join(v) if k == "netspec_requirements" else v)
        for k, v in report.user_properties if k != "netspec_timeline"]
    # A record's outcome comes only from what its reports said: "passed"
    # needs a passing call; a test whose reports stop short (the run broke)
    # is recorded as failed by pytest_sessionfinish, never as passed.
    rec = state.results.setdefault(report.nodeid, {
        "test": report.nodeid, "requirements": props.get("netspec_requirements", []),
        "outcome": None, "duration_s": 0.0, "message": ""})
    rec["duration_s"] = round(rec["duration_s"] + report.duration, 6)
    if "netspec_timeline" in props:
        rec["timeline"] = props["netspec_timeline"]
    xfail = hasattr(report, "wasxfail")
    if report.skipped:
        if rec["outcome"] in (None, "passed"):
            rec["outcome"] = "xfailed" if xfail else "skipped"
            rec["message"] = report.wasxfail if xfail else _skip_reason(report)
    elif report.failed:
        strict_xpass = report.when == "call" and "[XPASS(strict)]" in report.longreprtext
        if rec["outcome"] != "failed":
            rec["outcome"] = "xpassed" if strict_xpass else "failed"
        rec["message"] = (rec["message"] + "\n" if rec["message"] else "") + _failure_text(report)
    elif report.when == "call":
        rec["outcome"] = "xpassed" if xfail else "passed"
    if report.when == "teardown" or (report.when == "setup" and not report.passed):
        rec["finished"] = True


def _skip_reason(report):
    if isinstance(report.longrepr, tuple) and len(report.longrepr) == 3:
        return report.longrepr[2].replace("Skipped: ", "", 1)
    return str(report.longrepr)


def _failure_text(report, limit=4000):
    """The failure's message for the results: its start (the reason) and its
    end (the stderr tail), at most `limit` characters."""
    crash = getattr(getattr(report.longrepr, "reprcrash", None), "message", None)
    text = re.sub(r"^\[gw\d+\] linux -- Python \S+ \S+\n", "", crash or report.longreprtext)
    if len(text) > limit:
        text = "%s\n... (%d characters left out) ...\n%s" % (text[:limit // 2], len(text) - limit,
                                                             text[-limit // 2:])
    return printable(text)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    state = config._netspec
    if _is_worker(config) or not state.results:
        return
    tr = terminalreporter
    hello = state.hello or {}
    impl = hello.get("impl", {})
    tr.section("netspec")
    tr.write_line("implementation: %s %s (%s), protocol %s" % (
        impl.get("name", "?"), impl.get("version", "?"), state.name, hello.get("protocol", "?")))
    expected = [r for r in state.results.values() if r["outcome"] == "xfailed"]
    if expected:
        tr.write_line("expected differences (%s):" % os.path.relpath(state.expectations_path, impls.ROOT))
        for r in expected:
            e = state.expectations.get(r["test"]) or state.expectations.get(r["test"].split("[")[0]) or {}
            tr.write_line("  %s  %s: observed %s" % (r["test"], e.get("requirement", "?"), e.get("observed", "?")))
    skipped = {}
    for r in state.results.values():
        if r["outcome"] == "skipped":
            skipped.setdefault(r["message"], []).append(r["test"])
    if skipped:
        tr.write_line("not run:")
        for reason, tests in sorted(skipped.items()):
            tr.write_line("  %d test%s: %s" % (len(tests), "" if len(tests) == 1 else "s", reason))
    bad = [r for r in state.results.values() if r["outcome"] in ("failed", "xpassed")]
    if bad:
        tr.write_line("unexpected outcomes, the requirements each breaks, and the command that re-runs it alone:")
        for r in bad:
            what = "unexpected pass: remove its expectation" if r["outcome"] == "xpassed" else "failed"
            first = re.sub(r"^\S+:\d+: ", "", (r["message"].strip().splitlines() or [""])[0])
            tr.write_line("  %s [%s] %s" % (what.upper() if what == "failed" else what,
                                           ", ".join(r["requirements"]) or "no requirement", first[:240]))
            tr.write_line("    " + state.rerun(r["test"]))
    counts = {o: 0 for o in OUTCOMES}
    for r in state.results.values():
        counts[r["outcome"]] += 1
    tr.write_line("netspec summary: " + ", ".join("%d %s%s" % (counts[o], o, SAYS.get(o, "")) for o in OUTCOMES))


def pytest_internalerror(excrepr, excinfo):
    """A crash of the harness itself: the run is broken, whatever ran before."""
    state = getattr(_CONFIG, "_netspec", None) if _CONFIG else None
    if state is not None:
        state.broken = "the harness crashed: %s" % printable(str(excinfo.value))[:500]


def _close_records(state, exitstatus):
    """Every record gets an outcome: one whose reports stopped short (a crash
    of the harness, an interrupted run) is a failure that says so. Returns
    why the run broke, or None."""
    broken = state.broken
    if broken is None and exitstatus not in (0, 1, 5):
        broken = {2: "the run was interrupted", 3: "the harness crashed (pytest internal error)",
                  4: "pytest was used wrongly"}.get(int(exitstatus), "pytest ended with status %s" % exitstatus)
    for rec in state.results.values():
        if rec["outcome"] is None or not rec.pop("finished", False):
            if rec["outcome"] is None or rec["outcome"] == "passed":
                rec["outcome"] = "failed"
                rec["message"] = ((rec["message"] + "\n") if rec["message"] else "") + (
                    "the test did not finish: %s" % (broken or "its last report never came"))
    return broken


@pytest.hookimpl(hookwrapper=True)
def pytest_sessionfinish(session, exitstatus):
    """After every other sessionfinish (the last teardowns run there when a
    run is cut short), even if one of them raised: the results are written."""
    outcome = yield
    config = session.config
    state = config._netspec
    if _is_worker(config):
        return
    if outcome.excinfo is not None and state.broken is None:
        state.broken = "the harness crashed at the end of the run: %s" % printable(outcome.excinfo[1])[:500]
    broken = _close_records(state, session.exitstatus)
    if broken:
        session.exitstatus = 3     # harness/netspec reports exit 2: the run could not be completed
    status_path = config.getoption("netspec_status")
    if status_path:
        write_json_atomic(status_path, {"complete": broken is None, "broken": broken})
    path = config.getoption("netspec_json")
    if not path:
        return
    counts = {o: 0 for o in OUTCOMES}
    for r in state.results.values():
        counts[r["outcome"]] += 1
    impl = dict((state.hello or {}).get("impl", {}))
    impl["capabilities"] = (state.hello or {}).get("capabilities", [])
    impl["protocol"] = (state.hello or {}).get("protocol")
    impl["label"] = state.name
    doc = {"impl": impl, "shim": state.argv() if (state.impl or state.shim_cmd) else None,
           "expectations": state.expectation_files(), "rerun": state.rerun_prefix(),
           "shard": config.getoption("shard"),
           "results": list(state.results.values()), "summary": counts,
           "wall_s": round(time.monotonic() - state.t0, 3),
           "run": {"complete": broken is None, "broken": broken,
                   "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}}
    write_json_atomic(path, doc)


def _finite(value):
    """A copy of a JSON value with NaN and the infinities as {"$number": ...}."""
    if isinstance(value, float) and not math.isfinite(value):
        return {"$number": "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")}
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def write_json_atomic(path, doc):
    """Writes strict JSON (no NaN or Infinity) to a temporary file beside
    `path`, then renames it over `path`: a reader sees the old file or the
    whole new one, never a truncated one."""
    tmp = "%s.tmp.%d" % (path, os.getpid())
    try:
        try:
            text = json.dumps(doc, indent=1, allow_nan=False)
        except ValueError:        # a non-finite number got in: written as the protocol spells it
            text = json.dumps(_finite(doc), indent=1, allow_nan=False)
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
