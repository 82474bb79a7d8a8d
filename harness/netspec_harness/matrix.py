"""`netspec matrix`: the suite on several implementations, one HTML report.

    harness/netspec matrix --impls ref,node8,node20,node22,bun,deno
    harness/netspec matrix --from out/matrix/*.json          # rebuild the report only

Each implementation runs as its own `harness/netspec run --impl NAME -q
--json DIR/NAME.json` (output in DIR/NAME.log), at most --parallel of them at
a time, each with pytest-xdist's -j; a line is printed as each one finishes.
The report (report.py) is built from the JSON files only, so `--from` gives
the same page without running anything.

Exit status: 0 no implementation had an unexpected outcome; 1 some failed,
passed unexpectedly or gave no results; 2 bad arguments, or no
implementation gave results.
"""
import gc
import glob
import json
import math
import os
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from . import impls
from . import report
from .report import OUTCOMES
from . import spec as specmod

ROOT = impls.ROOT
NETSPEC = os.path.join(ROOT, "harness", "netspec")


class MatrixError(Exception):
    """Bad arguments or unreadable input; the message says what to do."""


def progress_line(label, doc, seconds):
    s = doc.get("summary", {})
    extra = [("%d %s" % (s[k], w)) for k, w in (("xfailed", "expected differences"),
                                               ("xpassed", "unexpected passes"), ("skipped", "skipped"))
             if s.get(k)]
    return "%s: %d passed, %d failed%s (%.1f s)" % (
        label, s.get("passed", 0), s.get("failed", 0), "".join(", " + e for e in extra), seconds)


def _tail(path, lines=3):
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            text = [l.rstrip() for l in fh if l.strip()]
    except OSError:
        return ""
    return " | ".join(text[-lines:])


def _show(path):
    rel = os.path.relpath(path, ROOT)
    return path if rel.startswith("..") else rel


def run_one(entry, json_dir, jobs, build_dir, select, env=None):
    """Run the suite on one implementation, entry = (label, "impl" | "shim",
    name or command); (doc or None, error or None, seconds)."""
    label, kind, value = entry if isinstance(entry, tuple) else (entry, "impl", entry)
    name = re.sub(r"[^A-Za-z0-9_.@+-]", "_", label)
    out = os.path.join(json_dir, "%s.json" % name)
    log = os.path.join(json_dir, "%s.log" % name)
    if os.path.exists(out):
        os.unlink(out)        # never report an earlier run's results as this one's
    cmd = [NETSPEC, "run", "--%s" % kind, value, "--label", label, "-q", "--json", out]
    if jobs and str(jobs) != "1":
        cmd += ["-j", str(jobs)]
    if value == "ref" and build_dir:
        cmd += ["--build-dir", build_dir]
    cmd += select
    t0 = time.monotonic()
    with open(log, "w", encoding="utf-8") as fh:
        fh.write("$ %s\n" % " ".join(cmd))
        fh.flush()
        code = subprocess.run(cmd, cwd=ROOT, stdout=fh, stderr=subprocess.STDOUT, env=env,
                              stdin=subprocess.DEVNULL).returncode
    seconds = time.monotonic() - t0
    if code not in (0, 1) or not os.path.exists(out):
        return None, "the run exited with status %d and wrote no results: %s (log: %s)" % (
            code, _tail(log) or "no output", _show(log)), seconds
    try:
        doc = load_doc(out)
    except MatrixError as exc:
        return None, str(exc), seconds
    return doc, None, seconds


def run_all(labels, json_dir, parallel=2, jobs="1", build_dir=None, select=(), log=print):
    """Run every implementation, at most `parallel` at a time. Returns
    (docs in the order of labels, {label: error})."""
    json_dir = os.path.abspath(json_dir)
    os.makedirs(json_dir, exist_ok=True)
    lock = threading.Lock()
    done = {}

    def task(entry):
        label = entry[0] if isinstance(entry, tuple) else entry
        doc, err, seconds = run_one(entry, json_dir, jobs, build_dir, list(select))
        with lock:
            done[label] = (doc, err)
            if doc is not None:
                log(progress_line(label, doc, seconds))
            else:
                log("%s: no results (%.1f s): %s" % (label, seconds, err))
            sys.stdout.flush()

    with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        list(pool.map(task, labels))
    docs, errors = [], {}
    for entry in labels:
        label = entry[0] if isinstance(entry, tuple) else entry
        doc, err = done[label]
        if doc is None:
            errors[label] = err
            doc = placeholder(label)
        docs.append(doc)
    return docs, errors


def placeholder(label):
    return {"impl": {"label": label, "name": label, "version": "?"}, "results": [],
            "summary": {o: 0 for o in report.OUTCOMES}, "wall_s": None}


# What `matrix --from` accepts (harness/README.md, "The JSON results"). Results
# files travel between machines and CI jobs, so they are checked like any input.
MAX_FILE_BYTES = 256 * 1024 * 1024        # one results file
MAX_RESULTS = 100_000                     # test records in one file
MAX_TIMELINE = 100_000                    # timeline entries of one test
MAX_DEPTH = 200                           # nesting of arrays and objects, the document itself being 1
MAX_NAME = 4096                           # characters of a test name (requirement ids and impl texts: 200)
LABEL_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@+=-]{0,63}\Z")     # what `run --label` accepts
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_FORMAT = "write it with `harness/netspec run --json FILE` (format: harness/README.md, \"The JSON results\")"


class BadResults(ValueError):
    """A results file that breaks the format; the message names the field."""


def _shown(value, limit=40):
    """An untrusted value in an error line: ASCII, one line, short."""
    if isinstance(value, (dict, list)):
        return _kind(value)
    text = ascii(value[:limit] if isinstance(value, str) else value)
    return text if len(text) <= limit else text[:limit] + "..."


def _kind(value):
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean", int: "a number",
            float: "a number", type(None): "null"}.get(type(value), type(value).__name__)


def _finite_float(text):
    value = float(text)
    if value in (math.inf, -math.inf):
        raise BadResults("the number %s is out of range (larger than a double); numbers must be finite"
                         % _shown(text, 24))
    return value


def _non_finite(name):
    raise BadResults("it holds %s, which is not a JSON number (numbers must be finite)" % name)


def _too_deep(value):
    """Whether arrays and objects nest deeper than MAX_DEPTH; level by level, no recursion."""
    level, depth = [value], 1
    while level:
        if depth > MAX_DEPTH:
            return True
        deeper = []
        add = deeper.append
        for v in level:
            for child in (v.values() if type(v) is dict else v):
                kind = type(child)
                if kind is dict or kind is list:
                    add(child)
        level, depth = deeper, depth + 1
    return False


def _number(value):
    """A JSON number that is also a finite double (floats were checked while parsing)."""
    kind = type(value)
    return kind is float or (kind is int and -2 ** 1023 < value < 2 ** 1023)


def _text(value, where, empty=True, controls=True, limit=MAX_NAME):
    if not isinstance(value, str):
        raise BadResults("%s is %s, not a string" % (where, _kind(value)))
    if not value and not empty:
        raise BadResults("%s is empty" % where)
    if len(value) > limit:
        raise BadResults("%s is longer than %d characters" % (where, limit))
    if not controls and _CONTROL_RE.search(value):
        raise BadResults("%s %s holds a control character" % (where, _shown(value)))


def check_doc(doc, default_label):
    """Raise BadResults unless doc has the types of the results format."""
    if not isinstance(doc, dict):
        raise BadResults("the document is %s, not an object with impl and results" % _kind(doc))
    if _too_deep(doc):
        raise BadResults("arrays and objects nest more than %d levels deep" % MAX_DEPTH)
    for key in ("impl", "results"):
        if key not in doc:
            raise BadResults("no %r field, so it is not a results file" % key)
    impl = doc["impl"]
    if not isinstance(impl, dict):
        raise BadResults("impl is %s, not an object" % _kind(impl))
    for key in ("name", "version", "runtime"):
        if key in impl:
            _text(impl[key], "impl.%s" % key, limit=200)
    if "capabilities" in impl:
        caps = impl["capabilities"]
        if not isinstance(caps, list):
            raise BadResults("impl.capabilities is %s, not an array of strings" % _kind(caps))
        for i, cap in enumerate(caps):
            _text(cap, "impl.capabilities[%d]" % i, limit=200)
    if impl.get("protocol") is not None and (not isinstance(impl["protocol"], int) or isinstance(impl["protocol"], bool)):
        raise BadResults("impl.protocol is %s, not an integer" % _kind(impl["protocol"]))
    if "label" in impl:
        _text(impl["label"], "impl.label")
        if not LABEL_RE.match(impl["label"]):
            raise BadResults("impl.label %s is not a name of 1 to 64 letters, digits and _.@+=- "
                             "(as `run --label` takes)" % _shown(impl["label"]))
    elif not LABEL_RE.match(default_label):
        raise BadResults("the file has no impl.label and its name %s is no label (letters, digits and "
                         "_.@+=-); rename the file to LABEL.json" % _shown(default_label))
    results = doc["results"]
    if not isinstance(results, list):
        raise BadResults("results is %s, not an array of test records" % _kind(results))
    if len(results) > MAX_RESULTS:
        raise BadResults("results has %d records, more than the limit of %d" % (len(results), MAX_RESULTS))
    seen = set()
    for i, rec in enumerate(results):
        where = "results[%d]" % i
        if not isinstance(rec, dict):
            raise BadResults("%s is %s, not a test record (an object)" % (where, _kind(rec)))
        for key in ("test", "requirements", "outcome", "duration_s", "message"):
            if key not in rec:
                raise BadResults("%s has no %r field" % (where, key))
        _text(rec["test"], where + ".test", empty=False, controls=False)
        if rec["test"] in seen:
            raise BadResults("%s: test %s appears twice" % (where, _shown(rec["test"], 80)))
        seen.add(rec["test"])
        reqs = rec["requirements"]
        if not isinstance(reqs, list):
            raise BadResults("%s.requirements is %s, not an array of requirement ids" % (where, _kind(reqs)))
        for j, rid in enumerate(reqs):
            _text(rid, "%s.requirements[%d]" % (where, j), empty=False, controls=False, limit=200)
        if rec["outcome"] not in OUTCOMES:
            raise BadResults("%s: test %s has unknown outcome %s (one of %s)" % (
                where, _shown(rec["test"], 80), _shown(rec["outcome"]), ", ".join(OUTCOMES)))
        if not _number(rec["duration_s"]) or rec["duration_s"] < 0:
            raise BadResults("%s.duration_s is %s, not a number of seconds >= 0" % (
                where, _shown(rec["duration_s"]) if _number(rec["duration_s"]) else _kind(rec["duration_s"])))
        _text(rec["message"], where + ".message", limit=MAX_FILE_BYTES)
        if "timeline" in rec:
            tl = rec["timeline"]
            if not isinstance(tl, list):
                raise BadResults("%s.timeline is %s, not an array of entries" % (where, _kind(tl)))
            if len(tl) > MAX_TIMELINE:
                raise BadResults("%s.timeline has %d entries, more than the limit of %d" % (
                    where, len(tl), MAX_TIMELINE))
            for j, entry in enumerate(tl):
                if type(entry) is dict:
                    t, kind = entry.get("t"), entry.get("kind")
                    if (type(t) is float or _number(t)) and type(kind) is str and kind:
                        continue
                raise BadResults("%s.timeline[%d] is not an entry {\"t\": seconds, \"kind\": \"...\", "
                                 "\"data\": ...}: %s" % (where, j, _shown(entry, 60)))
    summary = doc.get("summary", {})
    if not isinstance(summary, dict):
        raise BadResults("summary is %s, not an object of counts" % _kind(summary))
    for key in OUTCOMES:
        n = summary.get(key, 0)
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise BadResults("summary.%s is %s, not a count" % (key, _shown(n)))
    run = doc.get("run", {})
    if not isinstance(run, dict):
        raise BadResults("run is %s, not an object" % _kind(run))
    if "complete" in run and not isinstance(run["complete"], bool):
        raise BadResults("run.complete is %s, not true or false" % _kind(run["complete"]))
    if run.get("broken") is not None:
        _text(run["broken"], "run.broken", limit=MAX_FILE_BYTES)
    wall = doc.get("wall_s")
    if wall is not None and (not _number(wall) or wall < 0):
        raise BadResults("wall_s is %s, not a number of seconds >= 0 or null" % _shown(wall))


def load_doc(path):
    """A results file, checked (check_doc); MatrixError with one line if it is not one."""
    shown = _show(path)
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > MAX_FILE_BYTES:
                raise MatrixError("%s: %d bytes, more than the limit of %d MiB for a results file; "
                                  "run fewer tests per file" % (shown, size, MAX_FILE_BYTES >> 20))
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise MatrixError("cannot read %s: %s; give a results file of `harness/netspec run --json`"
                          % (shown, exc.strerror or exc)) from None
    if len(raw) > MAX_FILE_BYTES:
        raise MatrixError("%s: more than the limit of %d MiB for a results file; run fewer tests per file"
                          % (shown, MAX_FILE_BYTES >> 20))
    try:
        text = raw.decode("utf-8")
        del raw
        # A parsed document has no reference cycles: the collector, which would walk
        # the growing tree again and again while it is built, has nothing to find in it.
        collecting = gc.isenabled()
        gc.disable()
        try:
            doc = json.loads(text, parse_float=_finite_float, parse_constant=_non_finite)
            del text
            check_doc(doc, os.path.splitext(os.path.basename(path))[0])
        finally:
            if collecting:
                gc.enable()
    except UnicodeDecodeError as exc:
        raise MatrixError("%s is not UTF-8 (byte %d); %s" % (shown, exc.start, _FORMAT)) from None
    except BadResults as exc:
        raise MatrixError("%s: %s; %s" % (shown, exc, _FORMAT)) from None
    except RecursionError:
        raise MatrixError("%s: arrays and objects nest more than %d levels deep; %s"
                          % (shown, MAX_DEPTH, _FORMAT)) from None
    except MemoryError:
        raise MatrixError("%s: not enough memory to read it; %s" % (shown, _FORMAT)) from None
    except ValueError as exc:
        raise MatrixError("%s is not JSON: %s; %s" % (shown, str(exc).splitlines()[0], _FORMAT)) from None
    doc["impl"].setdefault("label", os.path.splitext(os.path.basename(path))[0])
    return doc


def merge_docs(docs):
    """One results document per label: the documents of one label (the shards
    of a run, from any machines) joined when their tests are disjoint, in
    test id order, with the summary recounted. MatrixError when two of one
    label hold the same test."""
    groups = {}
    for doc in docs:
        groups.setdefault(doc["impl"].get("label"), []).append(doc)
    out = []
    for label, group in groups.items():
        if len(group) == 1:
            out.append(group[0])
            continue
        seen, results = {}, []
        for doc in group:
            for rec in doc["results"]:
                if rec["test"] in seen:
                    raise MatrixError("two results files for %s both hold %s (shards of one run hold "
                                      "disjoint tests); re-run one with `run --label NAME`" % (label, rec["test"]))
                seen[rec["test"]] = True
                results.append(rec)
        results.sort(key=lambda r: r["test"])
        merged = dict(group[0])
        merged["results"] = results
        merged["summary"] = {o: sum(1 for r in results if r["outcome"] == o) for o in report.OUTCOMES}
        walls = [d.get("wall_s") for d in group]
        merged["wall_s"] = max(walls) if all(isinstance(w, (int, float)) for w in walls) else None
        merged["shard"] = None
        merged["merged_from"] = len(group)
        runs = [d.get("run") for d in group if isinstance(d.get("run"), dict)]
        if runs:
            broken = [r.get("broken") for r in runs if r.get("complete") is False]
            merged["run"] = {"complete": not broken and len(runs) == len(group), "broken": "; ".join(
                str(b) for b in broken) or None}
        out.append(merged)
    return out


def expand_from(patterns):
    paths = []
    for pat in patterns:
        found = sorted(glob.glob(pat)) if any(c in pat for c in "*?[") else [pat]
        if not found:
            raise MatrixError("no file matches %s" % pat)
        paths += [p for p in found if p not in paths]
    return paths


def write_report(docs, errors, out_path, spec_dir=specmod.SPEC_DIR, tests_dir=specmod.CONFORMANCE_DIR,
                 title=None):
    spec = specmod.load(spec_dir)
    traced = specmod.trace(spec, specmod.scan_tests(tests_dir)) if tests_dir else {}
    # The results are a large tree of objects without cycles that nothing changes
    # from here on: frozen, the collector stops walking it again each time the
    # page's many small objects trigger a collection (a third of the build time).
    gc.freeze()
    try:
        m = report.Matrix(spec, traced, docs, errors)
        text = report.build_html(m, **({"title": title} if title else {}))
    finally:
        gc.unfreeze()
    # "replace": a lone surrogate (a JSON escape like "\\ud800" in some string) is no UTF-8
    data = text.encode("utf-8", "replace")
    write_atomically(out_path, data)
    return m, len(data)


def check_out_path(path, what="--out", example="matrix.html", kind="HTML file"):
    """Raise MatrixError unless a file can be written at path (checked before any run)."""
    shown = _show(path)
    if os.path.isdir(path):
        raise MatrixError("%s %s is a directory; give the name of the %s to write, e.g. %s" % (
            what, shown, kind, os.path.join(shown, example)))
    if os.path.lexists(path) and not os.path.isfile(path):
        raise MatrixError("%s %s exists and is not a regular file; give another file name" % (what, shown))
    _check_parent(os.path.dirname(os.path.abspath(path)), what, shown)


def check_dir_path(path, what="--json-dir"):
    """Raise MatrixError unless path is a directory or one can be made there."""
    shown = _show(path)
    if os.path.lexists(path) and not os.path.isdir(path):
        raise MatrixError("%s %s is a file, not a directory; give a directory (made if missing)" % (what, shown))
    if os.path.isdir(path):
        if not os.access(path, os.W_OK | os.X_OK):
            raise MatrixError("%s %s is not writable; give a directory you can write to" % (what, shown))
        return
    _check_parent(os.path.dirname(os.path.abspath(path)), what, shown)


def _check_parent(parent, what, shown):
    """The nearest existing folder above a path to be made must be a writable directory."""
    while not os.path.lexists(parent):
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent):
        raise MatrixError("%s %s: %s is a file, not a directory; choose a path outside it" % (
            what, shown, _show(parent)))
    if not os.access(parent, os.W_OK | os.X_OK):
        raise MatrixError("%s %s: cannot write in %s; choose a directory you can write to" % (
            what, shown, _show(parent)))


def write_atomically(path, data):
    """Write bytes to path through a temporary file in the same directory, renamed
    over it: a reader sees the old file or the new one, and no temporary file stays."""
    tmp = os.path.join(os.path.dirname(os.path.abspath(path)), ".%s.%d.tmp" % (os.path.basename(path), os.getpid()))
    try:
        os.makedirs(os.path.dirname(tmp), exist_ok=True)
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise MatrixError("cannot write %s: %s; choose another --out" % (_show(path), exc.strerror or exc)) from None


def size_text(n):
    return "%.1f MB" % (n / 1e6) if n >= 1e6 else "%.0f kB" % (n / 1e3)
