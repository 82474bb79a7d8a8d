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
import glob
import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from . import impls
from . import report
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


def run_one(label, json_dir, jobs, build_dir, select, env=None):
    """Run the suite on one implementation; (doc or None, error or None, seconds)."""
    out = os.path.join(json_dir, "%s.json" % label)
    log = os.path.join(json_dir, "%s.log" % label)
    if os.path.exists(out):
        os.unlink(out)        # never report an earlier run's results as this one's
    cmd = [NETSPEC, "run", "--impl", label, "-q", "--json", out]
    if jobs and str(jobs) != "1":
        cmd += ["-j", str(jobs)]
    if label == "ref" and build_dir:
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

    def task(label):
        doc, err, seconds = run_one(label, json_dir, jobs, build_dir, list(select))
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
    for label in labels:
        doc, err = done[label]
        if doc is None:
            errors[label] = err
            doc = placeholder(label)
        docs.append(doc)
    return docs, errors


def placeholder(label):
    return {"impl": {"label": label, "name": label, "version": "?"}, "results": [],
            "summary": {o: 0 for o in report.OUTCOMES}, "wall_s": None}


def load_doc(path):
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except OSError as exc:
        raise MatrixError("cannot read %s: %s" % (path, exc.strerror)) from None
    except ValueError as exc:
        raise MatrixError("%s is not JSON: %s" % (path, exc)) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("results"), list) or "impl" not in doc:
        raise MatrixError("%s is not a results file of `netspec run --json` (no impl or results)" % path)
    for rec in doc["results"]:
        if rec.get("outcome") not in report.OUTCOMES:
            raise MatrixError("%s: test %s has unknown outcome %r" % (path, rec.get("test"), rec.get("outcome")))
    doc["impl"].setdefault("label", os.path.splitext(os.path.basename(path))[0])
    return doc


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
    m = report.Matrix(spec, traced, docs, errors)
    text = report.build_html(m, **({"title": title} if title else {}))
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    tmp = out_path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, out_path)
    return m, len(text.encode("utf-8"))


def size_text(n):
    return "%.1f MB" % (n / 1e6) if n >= 1e6 else "%.0f kB" % (n / 1e3)
