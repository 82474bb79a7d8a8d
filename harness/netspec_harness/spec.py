"""Reading spec/ and tracing requirements to the tests that cite them.

A requirement is a fenced block in a Markdown file under spec/, followed by
its rule in prose (everything up to the next block or heading):

    ```req
    id: SERVER.LISTEN.EADDRINUSE.1
    section: server.listen()
    class: testable
    node8: code 'EADDRINUSE', syscall 'listen'
    ```
    When the address is already in use, ...

Fields: `id`, `section` (a line of spec/sections.txt) and `class` are
required; `class` is testable, untestable (then `reason` is required) or
informative. `decided` says how an ambiguity of the source was settled and
`node8` what Node 8.17 was observed to do. A value may continue on lines
indented by two spaces.

Tests cite requirements with `@req("ID", ...)` (or `@pytest.mark.req`);
the citations are read from the test sources without running them.
"""
import ast
import os
import re
import select
import signal

try:
    import tomllib
except ImportError:  # Python < 3.11
    tomllib = None

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPEC_DIR = os.path.join(ROOT, "spec")
CONFORMANCE_DIR = os.path.join(ROOT, "conformance")
EXPECTATIONS_DIR = os.path.join(ROOT, "harness", "expectations")

ID_RE = re.compile(r"^[A-Z][A-Z0-9]*(\.[A-Z0-9_]+)*\.[0-9]+$")
FIELDS = ("id", "section", "class", "reason", "decided", "node8")
REQUIRED = ("id", "section", "class")
CLASSES = ("testable", "untestable", "informative")
OPEN_FENCE = "```req"


class Requirement:
    def __init__(self, fields, text, path, line):
        self.id = fields.get("id", "")
        self.section = fields.get("section", "")
        self.cls = fields.get("class", "")
        self.reason = fields.get("reason")
        self.decided = fields.get("decided")
        self.node8 = fields.get("node8")
        self.text = text
        self.path = path
        self.line = line

    @property
    def where(self):
        return "%s:%d" % (os.path.relpath(self.path, ROOT), self.line)

    def as_json(self, tests):
        out = {"id": self.id, "section": self.section, "class": self.cls, "tests": tests,
               "text": self.text, "where": self.where}
        for key in ("reason", "decided", "node8"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        return out


class Spec:
    def __init__(self):
        self.requirements = []   # in file order
        self.by_id = {}
        self.sections = []
        self.errors = []         # "file:line: message"

    def error(self, path, line, message):
        self.errors.append("%s:%d: %s" % (os.path.relpath(path, ROOT), line, message))


def spec_files(spec_dir=SPEC_DIR):
    out = []
    for dirpath, dirnames, filenames in os.walk(spec_dir):
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith(".md") and name != "README.md":
                out.append(os.path.join(dirpath, name))
    return out


def load(spec_dir=SPEC_DIR):
    """Parse every spec file; problems are collected in Spec.errors."""
    spec = Spec()
    sections_path = os.path.join(spec_dir, "sections.txt")
    try:
        with open(sections_path, encoding="utf-8") as fh:
            spec.sections = [l.rstrip("\n") for l in fh if l.strip() and not l.startswith("#")]
    except OSError as exc:
        spec.error(sections_path, 0, "cannot read the section list: %s" % exc)
    for path in spec_files(spec_dir):
        with open(path, encoding="utf-8") as fh:
            _parse_file(spec, path, fh.read().split("\n"))
    return spec


def _parse_file(spec, path, lines):
    i = 0
    while i < len(lines):
        if lines[i].strip() != OPEN_FENCE:
            if lines[i].strip().startswith("```req"):
                spec.error(path, i + 1, "a requirement block opens with exactly ```req")
            i += 1
            continue
        start = i + 1
        i += 1
        body = []
        while i < len(lines) and lines[i].strip() != "```":
            body.append((i + 1, lines[i]))
            i += 1
        if i >= len(lines):
            spec.error(path, start, "requirement block is not closed with ```")
            return
        i += 1
        text_lines = []
        while i < len(lines) and not lines[i].strip().startswith(OPEN_FENCE) \
                and not lines[i].startswith("#"):
            text_lines.append(lines[i])
            i += 1
        fields = _parse_fields(spec, path, body)
        if fields is None:
            continue
        _add(spec, Requirement(fields, "\n".join(text_lines).strip(), path, start))


def _parse_fields(spec, path, body):
    fields, key, ok = {}, None, True
    for lineno, line in body:
        if not line.strip():
            continue
        if line.startswith("  ") and key:
            fields[key] += " " + line.strip()
            continue
        m = re.match(r"^([a-z0-9]+):\s*(.*)$", line)
        if not m:
            spec.error(path, lineno, "expected 'field: value', got %r" % line)
            ok = False
            continue
        key, value = m.group(1), m.group(2).strip()
        if key not in FIELDS:
            spec.error(path, lineno, "unknown field %r (fields: %s)" % (key, ", ".join(FIELDS)))
            ok = False
        if key in fields:
            spec.error(path, lineno, "field %r given twice" % key)
            ok = False
        fields[key] = value
    return fields if ok else None


def _add(spec, req):
    path, line = req.path, req.line
    for key in REQUIRED:
        if not getattr(req, "cls" if key == "class" else key):
            spec.error(path, line, "missing field %r" % key)
            return
    if not ID_RE.match(req.id):
        spec.error(path, line, "malformed id %r: dotted upper-case words ending in a number, "
                               "e.g. SERVER.LISTEN.EADDRINUSE.1" % req.id)
        return
    if req.id in spec.by_id:
        spec.error(path, line, "duplicate id %s (first at %s)" % (req.id, spec.by_id[req.id].where))
        return
    if req.cls not in CLASSES:
        spec.error(path, line, "%s: class %r is not one of %s" % (req.id, req.cls, ", ".join(CLASSES)))
    if req.cls == "untestable" and not req.reason:
        spec.error(path, line, "%s: an untestable requirement needs a reason" % req.id)
    if spec.sections and req.section not in spec.sections:
        spec.error(path, line, "%s: section %r is not in spec/sections.txt" % (req.id, req.section))
    if not req.text:
        spec.error(path, line, "%s: the rule text after the block is empty" % req.id)
    spec.requirements.append(req)
    spec.by_id[req.id] = req


# ------------------------------------------------------------ test citations
def scan_tests(conformance_dir=CONFORMANCE_DIR):
    """{nodeid: (ids, path, line)} for every test function, from the sources."""
    tests = {}
    for dirpath, dirnames, filenames in os.walk(conformance_dir):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "__")))
        for name in sorted(filenames):
            if name.startswith("test_") and name.endswith(".py"):
                _scan_file(os.path.join(dirpath, name), tests)
    return tests


def _req_ids(decorators, names=None):
    """The ids of @req(...) among `decorators`: string literals, and `*NAME`
    of a module-level tuple of them (`names`: {NAME: [ids]})."""
    ids = []
    for dec in decorators:
        if isinstance(dec, ast.Call):
            func = dec.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name == "req":
                for a in dec.args:
                    ids += _literal_ids(a.value if isinstance(a, ast.Starred) else a, names or {})
    return ids


def _literal_ids(node, names):
    """The requirement ids a module-level expression stands for: a string, a
    tuple or list of them, a NAME bound to one, or a + of those; else []."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, (ast.Tuple, ast.List)):
        return [i for e in node.elts for i in _literal_ids(e, names)]
    if isinstance(node, ast.Name):
        return list(names.get(node.id, []))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _literal_ids(node.left, names) + _literal_ids(node.right, names)
    return []


def _scan_file(path, tests):
    rel = os.path.relpath(path, ROOT)
    with open(path, encoding="utf-8") as fh:
        tree = ast.parse(fh.read(), path)
    module_ids = []
    names = {}       # module-level NAME = (ids...): a list of ids written once, cited as @req(*NAME)
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "pytestmark" for t in node.targets):
            values = node.value.elts if isinstance(node.value, (ast.List, ast.Tuple)) else [node.value]
            module_ids += _req_ids(values, names)
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            found = _literal_ids(node.value, names)
            if found:
                names[node.targets[0].id] = found

    def visit(body, prefix, inherited):
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
                ids = inherited + _req_ids(node.decorator_list, names)
                tests["%s::%s%s" % (rel, prefix, node.name)] = (ids, rel, node.lineno)
            elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
                visit(node.body, prefix + node.name + "::", inherited + _req_ids(node.decorator_list, names))

    visit(tree.body, "", module_ids)


def trace(spec, tests):
    """{requirement id: [nodeids citing it]}"""
    cited = {r.id: [] for r in spec.requirements}
    for nodeid, (ids, _, _) in sorted(tests.items()):
        for rid in ids:
            if rid in cited and nodeid not in cited[rid]:
                cited[rid].append(nodeid)
    return cited


# -------------------------------------------------------------- expectations
# An expectations file holds two kinds of entries:
#   [[expect]]  one test (or one parametrized case) that fails on the implementation;
#   [[area]]    every test below a folder, file or test function (`tests`, minus `except`) that the
#               implementation cannot run: with `run = true` each still runs and must fail (an
#               expected failure, `match` optional); with `run = false` none is run (reported as
#               skipped, with the entry's reason), for an area that hangs or crashes the runtime.
# An [[expect]] entry for a test wins over an [[area]] that covers it.
# `wait = SECONDS` (either kind): the tests fail by waiting out a deadline for an event that never
# comes; each wait for the implementation's output lasts at most SECONDS (x NETSPEC_TIMEOUT_SCALE)
# instead of 5 s, so that an expected failure does not cost 5 s of the run.
EXPECT_FIELDS = {"test", "requirement", "observed", "why", "match", "wait"}
AREA_FIELDS = {"tests", "requirement", "observed", "why", "run", "match", "except", "wait"}
MAX_EXPECT_WAIT_S = 5.0


def expectation_files(path):
    """`path` itself, or the .toml files below it when it is a directory."""
    if not os.path.isdir(path):
        return [path]
    return sorted(os.path.join(d, n) for d, _, names in os.walk(path) for n in names if n.endswith(".toml"))


class ExpectationsError(Exception):
    """An expectations file that cannot be used; the message names the file and what to fix."""


def read_expectations(path):
    """([expect entries], [area entries]) of a file, or of every file in a directory.
    A file that cannot be read, is not UTF-8 TOML, or whose `expect`/`area` are
    not lists of tables raises ExpectationsError."""
    if tomllib is None:
        raise ExpectationsError("reading expectations needs Python 3.11 (tomllib)")
    expects, areas = [], []
    for name in expectation_files(path):
        try:
            with open(name, "rb") as fh:
                doc = tomllib.loads(fh.read().decode("utf-8"))
        except OSError as exc:
            raise ExpectationsError("cannot read %s: %s" % (name, exc.strerror)) from None
        except UnicodeDecodeError:
            raise ExpectationsError("%s is not UTF-8 text; save it as UTF-8" % name) from None
        except tomllib.TOMLDecodeError as exc:
            raise ExpectationsError("%s is not valid TOML: %s" % (name, exc)) from None
        extra = sorted(set(doc) - {"expect", "area"})
        if extra:
            raise ExpectationsError("%s: unknown top-level keys %s; entries are [[expect]] and [[area]] "
                                    "tables (harness/README.md)" % (name, ", ".join(extra)))
        for key, into in (("expect", expects), ("area", areas)):
            entries = doc.get(key, [])
            if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
                raise ExpectationsError("%s: %s must be a list of [[%s]] tables, not %s"
                                        % (name, key, key, type(entries).__name__))
            into += [dict(e, _file=name) for e in entries]
    return expects, areas


def entry_problems(entry, area=False):
    """What is wrong with one entry on its own (fields and their types), not
    yet against the suite; [] if nothing."""
    key, allowed = ("tests", AREA_FIELDS) if area else ("test", EXPECT_FIELDS)
    problems = []
    missing = [k for k in (key, "requirement", "observed", "why") if not entry.get(k)]
    if missing:
        return ["missing %s" % ", ".join(missing)]
    extra = set(entry) - allowed - {"_file"}
    if extra:
        problems.append("unknown fields %s" % ", ".join(sorted(extra)))
    wrong = [k for k in (key, "requirement", "observed", "why", "match") if k in entry and not isinstance(entry[k], str)]
    if wrong:
        problems.append("%s must be a string" % ", ".join(wrong))
    errors = []
    if "match" in entry and isinstance(entry["match"], str):
        _check_match("", entry, errors)
    _check_wait("", entry, errors)
    problems += [e[2:] for e in errors]
    if area:
        if not isinstance(entry.get("run", True), bool):
            problems.append("run must be true (each test runs and must fail) or false (none runs)")
        excepted = entry.get("except", [])
        if not isinstance(excepted, list) or not all(isinstance(e, str) for e in excepted):
            problems.append("except must be a list of test ids")
    return problems


def validate_expectations(path):
    """Both lists of read_expectations(), after checking every entry on its
    own; the first bad entry raises ExpectationsError naming its file and number."""
    expects, areas = read_expectations(path)
    for kind, entries in (("expect", expects), ("area", areas)):
        counts = {}
        for entry in entries:
            name = entry["_file"]
            counts[name] = counts.get(name, 0) + 1
            problems = entry_problems(entry, area=(kind == "area"))
            if problems:
                raise ExpectationsError("%s: [[%s]] entry %d: %s (format: harness/README.md)"
                                        % (name, kind, counts[name], "; ".join(problems)))
    return expects, areas


MATCH_LIMIT_S = 2.0


def search_bounded(pattern, text, limit=MATCH_LIMIT_S):
    """re.search(pattern, text) in a child process that gets `limit` seconds:
    True or False, or None when the pattern took longer (catastrophic
    backtracking in an expectation's `match` must not hang the run)."""
    rd, wr = os.pipe()
    pid = os.fork()
    if pid == 0:    # the child: answer one byte, never return into the caller
        try:
            os.close(rd)
            os.write(wr, b"1" if re.search(pattern, text) else b"0")
        finally:
            os._exit(0)
    os.close(wr)
    try:
        ready, _, _ = select.select([rd], [], [], limit)
        answer = os.read(rd, 1) if ready else b""
    finally:
        os.close(rd)
        if not answer:
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    return {b"1": True, b"0": False}.get(answer)


def in_area(nodeid, tests):
    """Whether test `nodeid` (a function's id, or a parametrized case's) lies in area `tests`:
    a folder (ending in /), a test file, or a test function."""
    if tests.endswith("/"):
        return nodeid.startswith(tests)
    if tests.endswith(".py"):
        return nodeid.startswith(tests + "::")
    return nodeid == tests or nodeid.startswith(tests + "[")


def area_functions(area, tests):
    """The test functions an [[area]] entry covers (except the ones it leaves out whole)."""
    excepted = set(area.get("except", []))
    return [t for t in sorted(tests) if in_area(t, area["tests"]) and t not in excepted]


def load_expectations(path, tests=None, strict=False):
    """Every expectation of a file or directory, one per test: the [[expect]] entries as they
    are, then each [[area]] expanded to an entry per test function it covers (with the keys
    `area`, `run` and `except` added) unless an [[expect]] entry names that function.
    `tests`: {nodeid: ...} of the suite (default: scanned from conformance/).
    strict: every entry is checked first (validate_expectations())."""
    expects, areas = validate_expectations(path) if strict else read_expectations(path)
    if not areas:
        return expects
    if tests is None:
        tests = scan_tests()
    named = {e.get("test") for e in expects}
    out = list(expects)
    for area in areas:
        for func in area_functions(area, tests):
            if func in named:
                continue
            entry = {k: v for k, v in area.items() if k != "tests"}
            entry.update(test=func, area=area["tests"], run=area.get("run", True), **{"except": area.get("except", [])})
            out.append(entry)
            named.add(func)
    return out


def _check_wait(where, entry, errors):
    wait = entry.get("wait")
    if wait is not None and (isinstance(wait, bool) or not isinstance(wait, (int, float))
                             or not 0 < wait < MAX_EXPECT_WAIT_S):
        errors.append("%s: wait must be a number of seconds above 0 and under %g" % (where, MAX_EXPECT_WAIT_S))


def _check_match(where, entry, errors):
    if "match" in entry:
        try:
            re.compile(entry["match"])
        except (re.error, TypeError) as exc:
            errors.append("%s: match is not a regular expression: %s" % (where, exc))


def check_expectations(spec, tests, exp_dir=EXPECTATIONS_DIR):
    errors = []
    if not os.path.exists(exp_dir):
        return errors
    for path in expectation_files(exp_dir):
        rel = os.path.relpath(path, ROOT) if os.path.abspath(path).startswith(ROOT + os.sep) else path
        try:
            entries, areas = read_expectations(path)
        except ExpectationsError as exc:  # a malformed file is an error to report, not a crash
            errors.append("%s: cannot read: %s" % (rel, exc))
            continue
        for n, entry in enumerate(entries, 1):
            where = "%s: entry %d" % (rel, n)
            problems = entry_problems(entry)
            errors += ["%s: %s" % (where, p) for p in problems]
            if problems:
                continue
            test = entry["test"].split("[", 1)[0]
            if test not in tests:
                errors.append("%s: no test %s" % (where, entry["test"]))
            elif entry["requirement"] not in tests[test][0]:
                errors.append("%s: %s does not cite %s" % (where, test, entry["requirement"]))
            if entry["requirement"] not in spec.by_id:
                errors.append("%s: unknown requirement %s" % (where, entry["requirement"]))
        for n, area in enumerate(areas, 1):
            errors += _check_area("%s: area %d" % (rel, n), area, spec, tests)
    return errors


def _check_area(where, area, spec, tests):
    problems = entry_problems(area, area=True)
    errors = ["%s: %s" % (where, p) for p in problems]
    if problems:
        return errors
    if area.get("run", True) is False and "match" in area:
        errors.append("%s: match needs run = true (tests that are not run cannot match)" % where)
    excepted = area.get("except", [])
    inside = [t for t in tests if in_area(t, area["tests"])]
    if not inside:
        errors.append("%s: no test in %s (a folder ending in /, a test file or a test function)"
                      % (where, area["tests"]))
        return errors
    for e in excepted:
        if e.split("[", 1)[0] not in inside:
            errors.append("%s: except names %s, which is no test in %s" % (where, e, area["tests"]))
    covered = area_functions(area, tests)
    if not covered:
        errors.append("%s: except leaves no test of %s" % (where, area["tests"]))
    if area["requirement"] not in spec.by_id:
        errors.append("%s: unknown requirement %s" % (where, area["requirement"]))
    elif not any(area["requirement"] in tests[t][0] for t in covered):
        errors.append("%s: no test of %s cites %s" % (where, area["tests"], area["requirement"]))
    return errors


def check(spec, tests, exp_dir=EXPECTATIONS_DIR):
    """Every problem of the spec, the citations and the expectation files."""
    errors = list(spec.errors)
    if spec.requirements:
        errors += ["spec/sections.txt: no requirement comes from section %r" % s for s in uncovered_sections(spec)]
    for nodeid, (ids, path, line) in sorted(tests.items()):
        if not ids:
            errors.append("%s:%d: %s cites no requirement; add @req(\"ID\")" % (path, line, nodeid))
        for rid in ids:
            if rid not in spec.by_id:
                errors.append("%s:%d: %s cites unknown requirement %s" % (path, line, nodeid, rid))
    errors += check_expectations(spec, tests, exp_dir)
    errors += quoted_value_problems(spec, tests)
    return errors


# ------------------------------------------------- values quoted in node8: lines
# A value written in backticks in a `node8:` line is a claim that the tests
# citing the requirement assert it (spec/README.md, "Quoted values"). Three
# forms: a string in quotes ('...' or "..."; {NAME} inside stands for a part
# the test computes, e.g. 'connect ECONNREFUSED 127.0.0.1:{PORT}'), a number,
# or a word (an identifier: an error code, a property, true/false/null/
# undefined). A claim is found when the source of a citing test contains it:
# the test function (decorators included) and, transitively, every module-level
# function, class or constant of its file that it names, and those it imports
# from a sibling module (`from _socket_util import ...`) or from the suite's
# shared helpers (conformance/_server_util.py). Comments never count.
QUOTED_RE = re.compile(r"`([^`]*)`")
_PLACEHOLDER_RE = re.compile(r"\{[A-Z][A-Z0-9_]*\}")
_NUMBER_RE = re.compile(r"^-?(0x[0-9a-fA-F]+|[0-9]+(\.[0-9]+)?)$")
_WORD_RE = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
_NUMBER_IN_TEXT_RE = re.compile(r"(?<![\w.])-?[0-9]+(?:\.[0-9]+)?(?![\w])")
# JavaScript's words as the tests write them in Python
_JS_WORDS = {"true": "True", "false": "False", "null": "None", "undefined": "UNDEFINED"}


def quoted_values(text):
    """The values in backticks of a node8: line, in order."""
    return QUOTED_RE.findall(text or "")


def parse_claim(value):
    """(kind, data) of one quoted value: ("string", [literal pieces between
    {NAME} placeholders]), ("number", number) or ("word", word); None when the
    value is none of these."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return "string", [_unescape(p) for p in _PLACEHOLDER_RE.split(value[1:-1])]
    if _NUMBER_RE.match(value):
        return "number", (int(value, 0) if "." not in value else float(value))
    if _WORD_RE.match(value):
        return "word", value
    return None


_ESCAPE_RE = re.compile(r"\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|[ntr0\\'\"])")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", "'": "'", '"': '"'}


def _unescape(text):
    """A quoted value's escapes, as JavaScript and Python read them: \\n \\t \\r \\0
    \\\\ \\' \\" \\xHH \\uHHHH; any other backslash stands for itself."""
    return _ESCAPE_RE.sub(lambda m: _ESCAPES.get(m.group(1)) or chr(int(m.group(1)[1:], 16)), text)


class _Literals:
    """What a piece of test source contains: its string literals (f-strings
    with each replacement field as NUL), numbers and words."""

    def __init__(self):
        self.strings, self.numbers, self.words = [], set(), set()

    def add_node(self, node):
        for sub in ast.walk(node):
            if isinstance(sub, ast.JoinedStr):
                self._add_string("".join(v.value if isinstance(v, ast.Constant) and isinstance(v.value, str)
                                         else "\0" for v in sub.values))
            elif isinstance(sub, ast.Constant):
                v = sub.value
                if isinstance(v, str):
                    self._add_string(v)
                elif isinstance(v, bytes):
                    self._add_string(v.decode("latin-1"))
                elif isinstance(v, (int, float)) and not isinstance(v, bool):
                    self.numbers.add(v)
                else:   # True, False, None
                    self.words.add(repr(v))
            elif isinstance(sub, ast.UnaryOp) and isinstance(sub.op, ast.USub) and \
                    isinstance(sub.operand, ast.Constant) and isinstance(sub.operand.value, (int, float)):
                self.numbers.add(-sub.operand.value)
            elif isinstance(sub, ast.Name):
                self.words.add(sub.id)
            elif isinstance(sub, ast.Attribute):
                self.words.add(sub.attr)
            elif isinstance(sub, ast.keyword) and sub.arg:
                self.words.add(sub.arg)

    def _add_string(self, text):
        self.strings.append(text)
        self.words.update(re.findall(r"[A-Za-z_$][A-Za-z0-9_$]*", text))
        for n in _NUMBER_IN_TEXT_RE.findall(text):
            self.numbers.add(float(n) if "." in n else int(n))

    def contains(self, claim):
        kind, data = claim
        if kind == "string":
            if data == [""]:
                return "" in self.strings
            pattern = re.compile(".*?".join(re.escape(p) for p in data), re.S)
            return any(pattern.search(s) for s in self.strings)
        if kind == "number":
            return data in self.numbers
        return data in self.words or _JS_WORDS.get(data) in self.words


def helper_module(importer, module):
    """The file `import MODULE` in the suite file `importer` reads when MODULE
    is one of the suite's own: a sibling module (socket/_socket_util.py), else
    a shared helper one folder up (conformance/_server_util.py, on sys.path by
    the root conftest.py); None for anything else."""
    for folder in (os.path.dirname(importer), os.path.dirname(os.path.dirname(importer))):
        path = os.path.join(folder, module + ".py")
        if os.path.exists(path):
            return path
    return None


class _Module:
    """One test file: its module-level definitions by name, and the names it
    imports from sibling modules or the suite's shared helpers."""

    def __init__(self, path):
        with open(path, encoding="utf-8") as fh:
            self.tree = ast.parse(fh.read(), path)
        self.path = path
        self.defs, self.imports, self.functions = {}, {}, {}
        for node in self.tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.defs.setdefault(node.name, []).append(node)
                if isinstance(node, ast.ClassDef):
                    for sub in node.body:
                        if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)):
                            self.functions["%s::%s" % (node.name, sub.name)] = [node, sub]
                else:
                    self.functions[node.name] = [node]
            elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for t in targets:
                    for n in ast.walk(t):
                        if isinstance(n, ast.Name):
                            self.defs.setdefault(n.id, []).append(node)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                helper = helper_module(path, node.module)
                if helper is not None:
                    for alias in node.names:
                        self.imports[alias.asname or alias.name] = (helper, alias.name)


class TestSources:
    """The literals of each test's source (see above), cached per file."""

    def __init__(self):
        self._modules, self._cache = {}, {}

    def module(self, path):
        path = os.path.normpath(path)
        if path not in self._modules:
            self._modules[path] = _Module(path)
        return self._modules[path]

    def literals(self, nodeid, rel):
        if nodeid in self._cache:
            return self._cache[nodeid]
        path = os.path.normpath(os.path.join(ROOT, rel))
        mod = self.module(path)
        func = nodeid.split("::", 1)[1]
        lits = _Literals()
        seen = set()
        todo = [(mod, node) for node in mod.functions.get(func, [])]
        while todo:
            m, node = todo.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            lits.add_node(node)
            for sub in ast.walk(node):
                if isinstance(sub, ast.Name):
                    todo += [(m, d) for d in m.defs.get(sub.id, [])]
                    if sub.id in m.imports:
                        other_path, name = m.imports[sub.id]
                        other = self.module(other_path)
                        todo += [(other, d) for d in other.defs.get(name, [])]
        self._cache[nodeid] = lits
        return lits


def quoted_value_problems(spec, tests, sources=None):
    """One line per value quoted in backticks in a node8: line that no test
    citing the requirement contains, or that is not a quotable value."""
    sources = sources or TestSources()
    cited = trace(spec, tests)
    problems = []
    for r in spec.requirements:
        values = quoted_values(r.node8)
        if not values:
            continue
        where = "%s: %s" % (r.where, r.id)
        if r.cls != "testable":
            problems.append("%s: node8 quotes %s in backticks, but an %s requirement has no tests to assert "
                            "them; write them without backticks" % (where, ", ".join("`%s`" % v for v in values), r.cls))
            continue
        if not cited[r.id]:
            problems.append("%s: node8 quotes %s, but no test cites %s" % (
                where, ", ".join("`%s`" % v for v in values), r.id))
            continue
        lits = [sources.literals(t, tests[t][1]) for t in cited[r.id]]
        for v in values:
            claim = parse_claim(v)
            if claim is None:
                problems.append("%s: node8 quotes `%s`, which is not a value: backticks in node8 lines hold a "
                                "string in quotes, a number or a word (spec/README.md)" % (where, v))
            elif not any(l.contains(claim) for l in lits):
                problems.append("%s: node8 quotes `%s`, which the source of no test citing it contains (%s)" % (
                    where, v, ", ".join(t.split("::", 1)[1] for t in cited[r.id][:3])
                    + (", ..." if len(cited[r.id]) > 3 else "")))
    return problems


# ------------------------------------------------------------------ coverage
def uncovered_sections(spec):
    """Sections of the source text that no requirement comes from."""
    used = {r.section for r in spec.requirements}
    return [s for s in spec.sections if s not in used]


# ---------------------------------------------------------------- copy check
SOURCE_NAME = "000_a07fbc0f118b2fde.txt"
NGRAM = 8
COPY_LIMIT = 0.01   # at most 1 % of spec/'s word 8-grams may also occur in the source


def default_source():
    return os.environ.get("NETSPEC_SOURCE") or os.path.join(os.path.dirname(ROOT), "shared", SOURCE_NAME)


# The source text is written in a playful dialect; these undo its commonest
# spellings so that a de-garbled copy is still recognised as a copy.
_DIALECT = {
    "da": "the", "tha": "the", "uh": "a", "iz": "is", "2": "to", "b": "be", "o": "of", "wil": "will",
    "fawr": "for", "fo": "for", "awn": "on", "an": "and", "wen": "when", "dis": "this", "cayn": "can",
    "wit": "with", "yn": "in", "dat": "that", "nwt": "not", "bi": "by", "c": "see", "clint": "client",
    "crispay": "new", "tymeout": "timeout", "lokup": "lookup", "nah": "no", "frm": "from", "onli": "only",
    "us": "use", "ben": "been", "aftr": "after", "wich": "which", "agen": "again", "hv": "have",
    "wud": "would", "hola": "call", "alreaday": "already", "alo": "allow", "befo": "before", "mo": "more",
    "cal": "call", "eror": "error", "erors": "errors", "clas": "class", "dem": "them", "dey": "they",
    "thru": "through", "evnt": "event", "evnts": "events", "numbr": "number", "tym": "time", "tymes": "times", "iff": "if", "ova": "over",
}


def _word(w):
    w = re.sub(r"(.)\1+", r"\1", w)
    w = _DIALECT.get(w, w)
    w = w.replace("8", "ate") if re.search(r"[a-z]8", w) else w
    if w.endswith("uh") and len(w) > 3:
        w = w[:-2] + "er"
    elif w.endswith("shun") or w.endswith("shuns"):
        w = w.replace("shun", "tion")
    elif w.endswith("in") and len(w) > 4:
        w += "g"
    elif w.endswith("le") and len(w) > 4:
        w = w[:-1] + "y"
    return re.sub(r"(.)\1+", r"\1", w)


def _words(text):
    """Words normalised so that spelling games do not hide a copy: lower case,
    '$' read as 's', punctuation dropped, doubled letters folded, the
    dialect's spellings mapped back."""
    text = text.lower().replace("$", "s").replace("'", "")
    return [_word(w) for w in re.sub(r"[^a-z0-9]+", " ", text).split()]


def ngrams(words, n=NGRAM):
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def copy_check(source_path, spec_dir=SPEC_DIR):
    """(shared, total, examples): how many of the word 8-grams of spec/'s
    files occur in the source text too."""
    with open(source_path, encoding="utf-8", errors="replace") as fh:
        source = ngrams(_words(fh.read()))
    ours = set()
    for path in spec_files(spec_dir):
        with open(path, encoding="utf-8") as fh:
            ours |= ngrams(_words(fh.read()))
    shared = ours & source
    return len(shared), len(ours), sorted(" ".join(g) for g in shared)[:10]
