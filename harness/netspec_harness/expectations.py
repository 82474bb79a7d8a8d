"""`netspec expectations`: draft an expectations directory from a run, and
check any expectations directory against the current suite.

    draft RESULTS.json --out DIR [--base DIR]
        One [[expect]] entry per unexpected failure of the run: the test, the
        requirement it cites, the observed value (the failure's first line), a
        `match` that fits the failure message, `wait` when the test waited out
        a deadline, and a `why` marked for a person to fill in. With --base
        (an implementation's files, e.g. node22's for node@26), a base entry is
        kept where the run still fails its tests the way it says, dropped (and
        listed) where they passed; only the rest is new. One file per area of
        the suite (conformance/AREA/ -> DIR/AREA.toml).

    check DIR [--results FILE ...]
        Every entry against the current suite: well-formed, naming a test that
        exists and a requirement that test cites; and, for each results file,
        no entry whose tests passed there (stale). Exit 1 if anything is wrong.
"""
import datetime
import json
import os
import re

from . import spec as specmod
from .impls import ROOT

TODO_WHY = "TODO: say why (drafted by `netspec expectations draft`)"


class DraftError(Exception):
    """The draft cannot be made; the message says why and what to do."""


def load_results(path):
    """The results list of a `run --json` file, each record checked for the fields used here."""
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except OSError as exc:
        raise DraftError("cannot read %s: %s" % (path, exc.strerror)) from None
    except (ValueError, RecursionError) as exc:
        raise DraftError("%s is not a JSON results file: %s" % (path, str(exc)[:200])) from None
    results = doc.get("results") if isinstance(doc, dict) else None
    if not isinstance(results, list):
        raise DraftError("%s is not a results file of `netspec run --json` (no results list)" % path)
    for rec in results:
        if not (isinstance(rec, dict) and isinstance(rec.get("test"), str) and isinstance(rec.get("outcome"), str)
                and isinstance(rec.get("message", ""), str) and isinstance(rec.get("requirements", []), list)):
            raise DraftError("%s: a record without a string test, outcome and message: %s"
                             % (path, json.dumps(rec)[:120]))
    return doc, results


# ------------------------------------------------------------------ the match
_GENERAL = [
    (re.compile(r"\\ within\\ [0-9.\\]+\\ s"), r"\\ within\\ .*\\ s"),   # deadlines scale
    (re.compile(r"h[0-9]+"), "h[0-9]+"),                                   # handle ids
    (re.compile(r"cb:([A-Za-z_]+)\\#[0-9]+"), r"cb:\1\\#[0-9]+"),          # callback labels
    (re.compile(r"/tmp/[^\s'\"),\\]+"), r"[^\\s'\"]+"),                   # temporary paths
    (re.compile(r"(?<![0-9a-z])[0-9]{4,}(?![0-9])"), "[0-9]+"),           # ports, sizes, pids
]


_BARE_COMPARISON = re.compile(r"^assert\\ (?:\\-)?[0-9]+\\ ([<>]=?)\\ (?:\\-)?[0-9]+$")


def _first_line(message):
    """The failure's first line, past an xdist worker header and a file:line prefix."""
    lines = [l for l in message.strip().splitlines() if not re.match(r"^\[gw\d+\] linux -- Python", l)]
    return re.sub(r"^\S+\.py:\d+: ", "", lines[0] if lines else "")


def draft_match(message):
    """A regular expression fitting the failure: its first line (past the
    file:line prefix), escaped, with handle ids, ports, sizes, temporary paths,
    deadlines and the numbers of a bare `assert N < M` (or >, <=, >=) made
    general; at most 200 characters of it."""
    # The match is searched in str() of the exception, which has no class name in front.
    first = re.sub(r"^(?:[a-z_]\w*\.)*[A-Z]\w*(Error|Threw|Timeout|Hopeless|Crashed|Failed|Exception|Request): ", "",
                   _first_line(message))
    # pytest elides the middle of long values ('abc...xyz'), where temporary names show: stop there.
    if "..." in first[20:]:
        first = first[:first.index("...", 20)]
    # A wait's "seen: ..." lists everything that came, which varies from run to run;
    # what came on the handle instead ("; instead on h1: 'error' (CODE...") does not.
    head, seen, rest = first.partition("; seen: ")
    parts = [head[:200]]
    if seen and "; instead on " in rest:
        parts.append(rest[rest.index("; instead on "):][:160])
    pattern = ".*".join(re.escape(p) for p in parts)
    # A bare comparison of numbers ("assert 7 > 8") is mostly of event sequence
    # numbers, which move whenever an event more or less comes first: keep the
    # comparison, not the numbers.
    pattern = _BARE_COMPARISON.sub(r"assert\\ -?[0-9]+\\ \1\\ -?[0-9]+", pattern)
    for rx, repl in _GENERAL:
        pattern = rx.sub(repl, pattern)
    if specmod.search_bounded(pattern, message) is not True:      # a guard: the draft must fit
        pattern = re.escape(first[:60])
    return pattern


def observed_text(message):
    return _first_line(message)[:240] or "?"


def waited(message):
    """Whether the failure is a wait that ran out its deadline (not one that gave up early)."""
    return "ShimTimeout: no " in message or ("ShimWaitHopeless" not in message
                                            and re.search(r"\bno .* within [0-9.]+ s", message) is not None)


# ------------------------------------------------------------------- drafting
def _area_file(test):
    """conformance/AREA/... -> AREA (the file its entry goes to)."""
    parts = test.split("/")
    return parts[1] if len(parts) > 2 and parts[0] == "conformance" else "other"


def _covers(entry, nodeid, area):
    if area:
        return specmod.in_area(nodeid, entry["tests"]) and nodeid not in entry.get("except", []) \
            and nodeid.split("[")[0] not in entry.get("except", [])
    return entry["test"] == nodeid or entry["test"] == nodeid.split("[")[0]


def _fits(entry, rec):
    """Whether a base entry still describes this record of the run."""
    if rec["outcome"] == "xfailed":
        return True
    if rec["outcome"] != "failed":
        return False
    if entry.get("run", True) is False:
        return False
    return not entry.get("match") or specmod.search_bounded(entry["match"], rec["message"]) is True


def draft(results_path, out_dir, base=None, log=print):
    """Writes the drafted files; returns (kept, new, dropped) entry counts."""
    doc, results = load_results(results_path)
    by_test = {r["test"]: r for r in results}
    base_expects, base_areas = specmod.validate_expectations(base) if base else ([], [])
    kept, dropped, covered = [], [], set()
    for area, entries in ((False, base_expects), (True, base_areas)):
        for entry in entries:
            recs = [r for t, r in by_test.items() if _covers(entry, t, area)]
            if not recs:
                kept.append((area, entry, "not run here"))
                continue
            if all(_fits(entry, r) for r in recs):
                kept.append((area, entry, None))
                covered.update(r["test"] for r in recs)
            else:
                passing = [r["test"] for r in recs if r["outcome"] in ("passed", "xpassed")]
                dropped.append((area, entry, passing))   # its tests that still fail are drafted anew
    new = []
    for rec in results:
        if rec["outcome"] == "failed" and rec["test"] not in covered:
            new.append({"test": rec["test"], "requirement": (rec["requirements"] or ["?"])[0],
                        "others": rec["requirements"][1:], "observed": observed_text(rec["message"]),
                        "why": TODO_WHY, "match": draft_match(rec["message"]),
                        "wait": 1.0 if waited(rec["message"]) else None})
    _write(out_dir, kept, new, results_path, base, doc)
    for area, entry, passing in dropped:
        log("dropped: %s %s (%s): %s" % ("[[area]]" if area else "[[expect]]", entry.get("tests") or entry.get("test"),
                                          entry["requirement"], "now passes" if passing else "fails otherwise"))
    return len(kept), len(new), len(dropped)


def _toml_str(value):
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def _write(out_dir, kept, new, results_path, base, doc):
    files = {}
    for area, entry, note in kept:
        name = _area_file(entry.get("tests") or entry.get("test"))
        files.setdefault(name, []).append(_entry_text(entry, area, note))
    for entry in new:
        files.setdefault(_area_file(entry["test"]), []).append(_new_text(entry))
    os.makedirs(out_dir, exist_ok=True)
    impl = doc.get("impl") if isinstance(doc.get("impl"), dict) else {}
    head = ("# Expected differences of %s %s from the spec (which follows Node 8.17).\n"
            "# Drafted on %s by `netspec expectations draft %s%s`: fill in every `why` marked TODO.\n" % (
                impl.get("name", "?"), impl.get("version", "?"), datetime.date.today().isoformat(),
                os.path.basename(results_path), " --base %s" % os.path.relpath(base, ROOT) if base else ""))
    for name, chunks in sorted(files.items()):
        path = os.path.join(out_dir, "%s.toml" % name)
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(head + "\n" + "\n".join(chunks))
        os.replace(tmp, path)


def _entry_text(entry, area, note):
    lines = ["[[area]]" if area else "[[expect]]"]
    if note:
        lines.append("# kept from the base: %s" % note)
    for key in ("tests", "test", "except", "requirement", "observed", "why", "run", "match", "wait"):
        if key not in entry:
            continue
        value = entry[key]
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, (int, float)):
            text = repr(value)
        elif isinstance(value, list):
            text = "[%s]" % ", ".join(_toml_str(v) for v in value)
        else:
            text = _toml_str(value)
        lines.append("%s = %s" % (key, text))
    return "\n".join(lines) + "\n"


def _new_text(entry):
    lines = ["[[expect]]"]
    if entry["others"]:
        lines.append("# the test also cites %s" % ", ".join(entry["others"]))
    lines += ["test = %s" % _toml_str(entry["test"]), "requirement = %s" % _toml_str(entry["requirement"]),
              "observed = %s" % _toml_str(entry["observed"]), "why = %s" % _toml_str(entry["why"]),
              "match = %s" % _toml_str(entry["match"])]
    if entry["wait"]:
        lines.append("wait = %s" % entry["wait"])
    return "\n".join(lines) + "\n"


# -------------------------------------------------------------------- checking
def check(path, results_files=(), log=print):
    """Problems of an expectations file or directory against the current suite; returns their number."""
    spec = specmod.load()
    tests = specmod.scan_tests()
    problems = []
    problems += specmod.check_expectations(spec, tests, path)
    try:
        expects, areas = specmod.read_expectations(path)
    except specmod.ExpectationsError:
        expects, areas = [], []
    todo = sum(1 for e in expects + areas if isinstance(e.get("why"), str) and e["why"].startswith("TODO"))
    for rpath in results_files:
        _, results = load_results(rpath)
        outcome = {r["test"]: r["outcome"] for r in results}
        for area, entries in ((False, expects), (True, areas)):
            for entry in entries:
                if specmod.entry_problems(entry, area=area):
                    continue
                ran = [t for t in outcome if _covers(entry, t, area)]
                passed = [t for t in ran if outcome[t] in ("passed", "xpassed")]
                if ran and len(passed) == len(ran):
                    problems.append("%s: %s %s passed in %s: the entry is stale, remove it" % (
                        os.path.relpath(entry["_file"]), "[[area]]" if area else "[[expect]]",
                        entry.get("tests") or entry.get("test"), rpath))
    for p in problems:
        log(p)
    log("expectations: %d entries in %s; %d problems%s" % (
        len(expects) + len(areas), path, len(problems),
        "; %d `why` still marked TODO" % todo if todo else ""))
    return len(problems)
