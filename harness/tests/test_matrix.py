"""`netspec matrix` and its report, without a browser: the grid's model, the
timeline rows, the peer's recording, the command's output and exit status,
the spec page's links into the report, and one real run of two
implementations on one test. (The page in a browser: test_report_browser.py.)"""
import json
import os
import re
import socket
import subprocess
import sys

import pytest

from netspec_harness import peer, report
from netspec_harness import spec as specmod
from netspec_harness.render import render_html

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NETSPEC = os.path.join(ROOT, "harness", "netspec")
FIXTURES = os.path.join(ROOT, "fixtures", "report")
FIXTURE_SPEC = os.path.join(FIXTURES, "spec")
FIXTURE_TESTS = os.path.join(FIXTURES, "tests")
LABELS = ("alpha", "beta", "gamma")


def netspec(*args, timeout=300):
    return subprocess.run([NETSPEC, *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=timeout)


def load(label):
    with open(os.path.join(FIXTURES, "%s.json" % label)) as fh:
        return json.load(fh)


def fixture_matrix(labels=LABELS):
    spec = specmod.load(FIXTURE_SPEC)
    return report.Matrix(spec, {}, [load(l) for l in labels])


def from_fixtures(tmp_path, *labels, extra=()):
    out = tmp_path / "m.html"
    p = netspec("matrix", "--from", *[os.path.join(FIXTURES, "%s.json" % l) for l in labels],
                "--out", str(out), "--spec-dir", FIXTURE_SPEC, "--tests-dir", FIXTURE_TESTS, *extra)
    return p, out


def embedded(html_text, name):
    m = re.search(r"<script type='application/json' id='%s'>(.*?)</script>" % name, html_text, re.S)
    assert m, name
    return json.loads(m.group(1).replace("<\\/", "</"))


# ------------------------------------------------------------------ the model
def test_a_cell_is_the_worst_outcome_of_the_tests_that_ran():
    assert report.cell_outcome(["passed", "skipped", "passed"]) == "passed", \
        "a test that does not apply does not hide the ones that ran"
    assert report.cell_outcome(["skipped", "skipped"]) == "skipped"
    assert report.cell_outcome(["xfailed", "skipped"]) == "xfailed"
    assert report.cell_outcome(["passed", "xfailed"]) == "xfailed"
    assert report.cell_outcome(["xfailed", "xpassed"]) == "xpassed"
    assert report.cell_outcome(["xpassed", "failed", "passed"]) == "failed"
    assert report.cell_outcome([]) == "notrun"


def test_the_fixture_grid():
    m = fixture_matrix()
    assert m.labels == list(LABELS)
    rows = m.row_ids()
    assert rows == ["DEMO.A.1", "DEMO.B.1", "DEMO.D.1", "DEMO.C.1", "DEMO.E.1"]
    grid = {lab: "".join(report.LETTER[m.cell(r, c)] for r in rows) for c, lab in enumerate(m.labels)}
    assert grid == {"alpha": "PP-PP", "beta": "FF-ES", "gamma": "PP-U."}
    assert m.summary(1) == {"passed": 2, "failed": 1, "skipped": 1, "xfailed": 1, "xpassed": 0, "notrun": 0}
    assert m.summary(2)["notrun"] == 1 and m.summary(2)["xpassed"] == 1
    assert m.cell_counts(1)["failed"] == 2 and m.cell_counts(2)["notrun"] == 1
    assert m.unexpected() == ["beta", "gamma"]
    assert fixture_matrix(("alpha",)).unexpected() == []
    assert report.observed_of(load("beta")["results"][2]["message"]) == "errno -98 instead of 'EADDRINUSE'"


def test_a_parametrized_test_is_known_by_its_variants():
    """The spec's tracing names test functions; the results name their
    variants. A function whose variants ran is not also 'not run'."""
    spec = specmod.load(FIXTURE_SPEC)
    traced = {"DEMO.C.1": ["fixtures/report/tests/demo/test_demo.py::test_c"],
              "DEMO.E.1": ["fixtures/report/tests/demo/test_demo.py::test_e", "fixtures/report/tests/demo/test_other.py::test_never_ran"]}
    m = report.Matrix(spec, traced, [load("alpha")])
    assert sorted(m.cites["DEMO.C.1"]) == ["fixtures/report/tests/demo/test_demo.py::test_c[x]",
                                           "fixtures/report/tests/demo/test_demo.py::test_c[y]"]
    assert "fixtures/report/tests/demo/test_other.py::test_never_ran" in m.cites["DEMO.E.1"]
    assert m.summary(0)["notrun"] == 1
    assert m.cell("DEMO.E.1", 0) == "passed"          # the test that ran decides; the other is listed


# ---------------------------------------------------------------- timelines
def test_timeline_rows():
    tl = [r for r in load("beta")["results"] if r["test"].endswith("test_a_second")][0]["timeline"]
    rows = report.compact_timeline(tl)
    assert [r[1] for r in rows] == list("qqepeppeenqerep")                  # no hello row
    assert rows[0] == [20.1, "q", 1, "net.createServer({allowHalfOpen: true})  \u2192 returned h1"]
    assert rows[10] == [29.0, "q", 0, '#3 h2.write("bye", fn cb#1)']     # answered later: its own row
    assert rows[12] == [30.2, "r", 8, "#3 returned false"]
    assert rows[3] == [24.0, "p", 0, "client1 connect to 127.0.0.1:40001 from 127.0.0.1:50002"]


def test_timeline_rows_are_bounded():
    big = {"$bytes": "QUJD" * 30000}
    tl = [{"t": i / 1000, "kind": "send", "data": {"id": i, "op": "call", "target": "h1", "method": "write",
                                                   "args": [big]}} for i in range(1000)]
    tl.append({"t": 2.0, "kind": "recv", "data": {"type": "event", "seq": 1, "target": "h1", "event": "data",
                                                  "args": ["x" * 5000]}})
    rows = report.compact_timeline(tl)
    assert len(rows) == report.ROWS_HEAD + report.ROWS_TAIL + 1
    assert rows[report.ROWS_HEAD][3] == "... %d rows left out ..." % (1001 - report.ROWS_HEAD - report.ROWS_TAIL)
    assert rows[0][3] == "#0 h1.write(<90000 bytes 'ABCABCABCABCABCABCABCABC'...>)"
    assert rows[-1][3].startswith("h1 emits 'data' (\"xxx") and "(5000 chars)" in rows[-1][3]
    assert max(len(r[3]) for r in rows) <= report.TEXT_LIMIT + 20
    raw = json.dumps({"id": 7, "op": "call", "target": "h1", "method": "end", "args": []})
    rows = report.compact_timeline([{"t": 0.001, "kind": "send", "data": raw},
                                    {"t": 0.002, "kind": "send", "data": "not json"},
                                    {"t": 0.003, "kind": "recv", "data": {"type": "response", "seq": 4, "id": 7,
                                                                          "status": "threw", "error": {"$error": {
                                                                              "name": "TypeError", "message": "m"}}}}])
    assert [r[3] for r in rows] == ["#7 h1.end() (written as a raw line)", 'raw line "not json"',
                                    '#7 threw {TypeError "m"}']


# --------------------------------------------------------------------- peer
class FakeShim:
    def __init__(self):
        self.log = []
        self.t = 0.0

    def now(self):
        self.t += 0.001
        return self.t


def test_the_peer_records_what_it_does_and_sees(tmp_path):
    shim = FakeShim()
    previous = peer.set_recorder(peer.TimelineRecorder(shim))
    try:
        with peer.tcp_listener("127.0.0.1") as lst:
            port = lst.getsockname()[1]
            client = peer.connect_tcp("127.0.0.1", port)
            conn = peer.accept(lst)
            client.sendall(b"hello")
            client.sendall(b" world")                  # merged with the previous send
            assert peer.recv_exactly(conn, 11) == b"hello world"
            peer.half_close(client)
            conn.sendall(b"bye")
            conn.close()
            assert peer.recv_until_eof(client) == b"bye"
            peer.reset(client)
        with pytest.raises(ConnectionRefusedError):
            peer.connect_tcp("127.0.0.1", peer.closed_port())
        path = str(tmp_path / "s")
        with peer.unix_listener(path) as ulst:
            u = peer.connect_unix(path)
            peer.accept(ulst).close()
            u.close()
    finally:
        peer.set_recorder(previous)
    entries = [(d["sock"], d["act"], d["detail"]) for kind, _, d in shim.log]
    assert all(kind == "peer" for kind, _, _ in shim.log)
    assert [t for _, t, _ in shim.log] == sorted(t for _, t, _ in shim.log)
    assert entries[0] == ("listener1", "listen", "on 127.0.0.1:%d" % port)
    assert entries[1][:2] == ("client1", "connect") and entries[1][2].startswith("to 127.0.0.1:%d from " % port)
    assert entries[2][:2] == ("listener1", "accept") and entries[2][2].startswith("conn1 from 127.0.0.1:")
    assert entries[3] == ("client1", "send", "11 bytes in 2 calls; first: 5 bytes b'hello'; last: 6 bytes b' world'")
    assert entries[4:] == [
        ("conn1", "recv", "11 bytes b'hello world'"),
        ("client1", "shutdown", "write side: FIN sent"),
        ("conn1", "send", "3 bytes b'bye'"),
        ("conn1", "close", ""),
        ("client1", "recv", "3 bytes b'bye' then end of stream (FIN)"),
        ("client1", "reset", "close with SO_LINGER 0: RST sent"),
        ("listener1", "close", ""),
        ("peer", "connect", entries[11][2]),
        ("listener2", "listen", "on %s" % path),
        ("client2", "connect", "to %s" % path),
        ("listener2", "accept", "conn2 from (unnamed)"),
        ("conn2", "close", ""),
        ("client2", "close", ""),
        ("listener2", "close", ""),
    ]
    assert re.match(r"to 127\.0\.0\.1:\d+ failed: ConnectionRefusedError \[ECONNREFUSED\]$", entries[11][2])


def test_without_a_recorder_the_peer_is_a_plain_socket():
    assert peer.set_recorder(None) is None
    with peer.tcp_listener("127.0.0.1") as lst:
        client = peer.connect_tcp("127.0.0.1", lst.getsockname()[1])
        conn = peer.accept(lst)
        assert isinstance(conn, socket.socket) and conn.gettimeout() == client.gettimeout() > 0
        client.sendall(b"x")
        assert conn.recv(1) == b"x"
        client.close()
        conn.close()


def test_the_peer_record_of_a_test_is_bounded():
    shim = FakeShim()
    rec = peer.TimelineRecorder(shim)
    for i in range(peer.MAX_RECORDS + 50):
        rec({"sock": "c%d" % (i % 2), "act": "send", "detail": "1 bytes", "bytes": 1})
    assert len(shim.log) == peer.MAX_RECORDS + 1
    assert shim.log[-1][2]["detail"] == "further peer actions not recorded"


# ---------------------------------------------------------------------- CLI
def test_matrix_from_files_prints_the_summary_and_exits_1_on_unexpected_outcomes(tmp_path):
    p, out = from_fixtures(tmp_path, *LABELS)
    assert p.returncode == 1, p.stderr
    lines = p.stdout.splitlines()
    assert re.match(r"impl +passed +expected +unexp-fail +unexp-pass +skipped +not run +cells P/E/F/U/S/\./-$",
                    lines[0])
    assert lines[1].split() == ["alpha", "5", "0", "0", "0", "0", "0", "4/0/0/0/0/0/1"]
    assert lines[2].split() == ["beta", "2", "1", "1", "0", "1", "0", "0/1/2/0/1/0/1"]
    assert lines[3].split() == ["gamma", "3", "0", "0", "1", "0", "1", "2/0/0/1/0/1/1"]
    assert lines[4].startswith("(expected: failures an expectations file lists; unexp-fail: failures none lists")
    assert re.match(r"matrix: wrote .*m\.html \(\d+ kB; 5 requirements x 3 implementations, 5 tests\)$", lines[5])
    assert lines[6] == "matrix: unexpected outcomes or no results: beta, gamma"
    text = out.read_text()
    data = embedded(text, "matrix-data")
    assert [i["label"] for i in data["impls"]] == list(LABELS)
    assert data["reqs"]["DEMO.A.1"]["n8"] == "'end' once, then the socket stays writable"
    tls = embedded(text, "matrix-timelines")
    assert len(tls) == 13                   # one per test and implementation with a timeline
    assert text.count("</script>") == 3      # the data, the timelines, the code: nothing ends a block early
    p, _ = from_fixtures(tmp_path, "alpha")
    assert p.returncode == 0 and "unexpected" not in p.stdout.splitlines()[-1]


def test_matrix_bad_input(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{\"results\": 3}")
    p = netspec("matrix", "--from", str(bad), "--out", str(tmp_path / "x.html"))
    assert p.returncode == 2 and "is not a results file" in p.stderr
    p = netspec("matrix", "--from", str(tmp_path / "nothing*.json"))
    assert p.returncode == 2 and "no file matches" in p.stderr
    p = netspec("matrix", "--impls", "ref,nosuch")
    assert p.returncode == 2 and "unknown nosuch" in p.stderr and "node8" in p.stderr
    dup = tmp_path / "alpha2.json"
    dup.write_text(open(os.path.join(FIXTURES, "alpha.json")).read())
    p = netspec("matrix", "--from", os.path.join(FIXTURES, "alpha.json"), str(dup), "--out", str(tmp_path / "y.html"),
                "--spec-dir", FIXTURE_SPEC, "--tests-dir", FIXTURE_TESTS)
    assert p.returncode == 2 and "two results files for alpha both hold" in p.stderr \
        and "re-run one with `run --label NAME`" in p.stderr


def test_an_implementation_that_cannot_run_is_a_column_without_results(tmp_path):
    p = netspec("matrix", "--impls", "ref", "--build-dir", str(tmp_path / "no-build"),
                "--json-dir", str(tmp_path / "runs"), "--out", str(tmp_path / "m.html"))
    assert p.returncode == 2, p.stdout + p.stderr
    assert re.search(r"^ref: no results \(\d+\.\d s\): the run exited with status 2 and wrote no results: "
                     r".*the reference shim is not built", p.stdout, re.M), p.stdout
    assert "matrix: no implementation gave results" in p.stderr
    data = embedded((tmp_path / "m.html").read_text(), "matrix-data")
    assert data["impls"][0]["label"] == "ref" and "not built" in data["impls"][0]["error"]
    assert data["res"] == [{}]


def test_the_spec_page_links_each_requirement_to_its_row():
    spec = specmod.load(FIXTURE_SPEC)
    page = render_html(spec, {"DEMO.A.1": ["fixtures/report/tests/demo/test_demo.py::test_a_first"]},
                       report_href="../out/matrix.html")
    assert page.count("class=results href=") == 5
    assert '<a class=results href="../out/matrix.html#DEMO.A.1"' in page
    assert '<a href="../out/matrix.html#fixtures/report/tests/demo/test_demo.py::test_a_first">' in page
    assert "class=results" not in render_html(spec, {})


def test_spec_render_report_link_is_relative_to_the_page(tmp_path):
    page = tmp_path / "docs" / "spec.html"
    p = netspec("spec", "--render", str(page), "--report-link", str(tmp_path / "out" / "matrix.html"))
    assert p.returncode in (0, 1), p.stderr       # 1: others' spec work in progress may have problems
    assert 'href="../out/matrix.html#' in page.read_text()


# ------------------------------------------------------------ a real run
def test_matrix_runs_two_implementations_and_reports_both_sides(tmp_path):
    """ref and node8 on one half-close test: a progress line per
    implementation, their JSON files, and a timeline with the peer's actions."""
    ref_shim = os.path.join(ROOT, "build", "harness", "shims", "ref", "netspec-shim-ref")
    if not os.access(ref_shim, os.X_OK):
        pytest.skip("the reference shim is not built (scripts/build build); needed to run ref in the matrix")
    test = ("conformance/socket/test_socket_half_close.py::"
            "test_not_half_open_ends_its_side_and_closes_after_the_peer_ends")
    out = tmp_path / "matrix.html"
    p = netspec("matrix", "--impls", "ref,node8", "--json-dir", str(tmp_path / "runs"), "--out", str(out),
                "-k", "accepted-tcp-default", os.path.join(ROOT, test.split("::")[0]), timeout=600)
    assert p.returncode == 0, p.stdout + p.stderr
    progress = {l.split(":")[0]: l for l in p.stdout.splitlines() if re.match(r"(ref|node8): ", l)}
    assert set(progress) == {"ref", "node8"}
    for line in progress.values():
        assert re.match(r"\w+: 1 passed, 0 failed \(\d+\.\d s\)$", line), line
    for label in ("ref", "node8"):
        doc = json.loads((tmp_path / "runs" / ("%s.json" % label)).read_text())
        (rec,) = doc["results"]
        kinds = [e["kind"] for e in rec["timeline"]]
        assert "peer" in kinds and "recv" in kinds
    text = out.read_text()
    tls = embedded(text, "matrix-timelines")
    data = embedded(text, "matrix-data")
    ti = data["tests"].index(test + "[accepted-tcp-default]")
    rows = tls["1:%d" % ti]                                  # node8's timeline of the test
    peer_rows = [r[3] for r in rows if r[1] == "p"]
    assert any(r.startswith("client1 connect to 127.0.0.1:") for r in peer_rows), peer_rows
    assert any("shutdown write side: FIN sent" in r for r in peer_rows), peer_rows
    assert any(r[1] == "e" and "emits 'end'" in r[3] for r in rows)
    seqs = [r[2] for r in rows if r[2]]
    assert seqs == sorted(seqs)


# ------------------------------------------------- results files are input
# Results files travel between machines and CI jobs: `matrix --from` checks
# each against the format (harness/README.md, "The JSON results") and says in
# one line per bad file what is wrong; the page escapes whatever it shows.
RESULTS = os.path.join(ROOT, "fixtures", "results")


def test_the_page_of_a_hostile_file_escapes_everything(tmp_path):
    """xss.json is a valid results file full of markup; the page built from it
    holds no markup outside its script blocks, and no block ends early.
    (In a browser: test_report_browser.py.)"""
    out = tmp_path / "xss.html"
    p = netspec("matrix", "--from", os.path.join(RESULTS, "xss.json"), "--out", str(out),
                "--spec-dir", FIXTURE_SPEC, "--tests-dir", FIXTURE_TESTS)
    assert p.returncode == 1 and p.stderr == "", p.stderr     # valid: it only has a failure
    text = out.read_text()
    assert text.count("</script>") == 3          # the data, the timelines, the code: nothing ends a block early
    outside = re.sub(r"<script[^>]*>.*?</script>", "", text, flags=re.S)
    assert not re.search(r"<(img|svg)", outside, re.I), re.search(r".{80}<(img|svg).{80}", outside).group(0)
    assert "&#x27;requirement id&#x27;]);" in outside          # the markup id is a row, escaped
    data = embedded(text, "matrix-data")
    rows = [r for tl in embedded(text, "matrix-timelines").values() for r in tl]
    seqs = [r[2] for r in rows if isinstance(r[2], str)]
    assert any(s.startswith('"<img src=x onerror') for s in seqs), seqs    # shown as text, cut short
    assert all(isinstance(r[0], float) for r in rows)
    assert data["impls"][0]["name"].startswith("<img src=x onerror")


def test_a_page_built_past_the_check_still_has_only_finite_numbers():
    """Not everything goes through load_doc (a doc built in code, a later
    format): NaN or a string where a number belongs must not reach the page's
    JSON, where one NaN stops JSON.parse and blanks the whole page."""
    doc = load("alpha")
    doc["wall_s"] = float("inf")
    doc["impl"]["name"] = 123
    doc["results"][0]["duration_s"] = "NaN"
    doc["results"][1]["duration_s"] = float("nan")
    doc["results"][0]["timeline"][1]["t"] = float("nan")
    doc["results"][0]["timeline"][2]["t"] = "soon"
    doc["results"][0]["timeline"].append(["not", "an", "entry"])
    doc["results"][1]["requirements"] = "DEMO.A.1"
    page = report.build_html(report.Matrix(specmod.load(FIXTURE_SPEC), {}, [doc]))

    def refuse(token):
        raise AssertionError("%s in the page's JSON" % token)
    for name in ("matrix-data", "matrix-timelines"):
        block = re.search(r"<script type='application/json' id='%s'>(.*?)</script>" % name, page, re.S).group(1)
        json.loads(block.replace("<\\/", "</"), parse_constant=refuse)
    data = embedded(page, "matrix-data")
    assert data["impls"][0]["name"] == "?" and data["impls"][0]["wall_s"] is None
    assert sorted(r[1] for r in data["res"][0].values())[:2] == [0.0, 0.0]


BAD_FILES = {
    "impl-string.json": "impl is a string, not an object",
    "impl-name-int.json": "impl.name is a number, not a string",
    "results-int.json": "results[0] is a number, not a test record (an object)",
    "requirements-string.json": "results[0].requirements is a string, not an array of requirement ids",
    "nan-duration.json": "results[0].duration_s is a string, not a number of seconds >= 0",
    "nan-token.json": "it holds NaN, which is not a JSON number",
    "infinity-token.json": "it holds Infinity, which is not a JSON number",
    "number-overflow.json": "the number '1e999' is out of range",
    "timeline-entry.json": "results[0].timeline[1] is not an entry",
    "outcome-unknown.json": "has unknown outcome 'green'",
}


def one_line_per_file(p, paths):
    """exit 2, and stderr is exactly one `netspec: FILE: ...; what to do` line per path, in order."""
    lines = p.stderr.splitlines()
    assert p.returncode == 2 and p.stdout == "", (p.returncode, p.stdout, p.stderr)
    assert len(lines) == len(paths) and "Traceback" not in p.stderr, p.stderr
    for line, path in zip(lines, paths):
        assert line.startswith("netspec: %s" % os.path.relpath(path, ROOT)) or \
            line.startswith("netspec: %s" % path), (line, path)
        assert "harness/netspec run --json" in line or "limit" in line or "cannot read" in line, line
    return lines


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_matrix_from_refuses_a_bad_results_file_in_one_line(tmp_path, name):
    path = os.path.join(RESULTS, name)
    out = tmp_path / "m.html"
    p = netspec("matrix", "--from", path, "--out", str(out), "--spec-dir", FIXTURE_SPEC, "--tests-dir", FIXTURE_TESTS)
    (line,) = one_line_per_file(p, [path])
    assert BAD_FILES[name] in line, line
    assert not out.exists() and os.listdir(tmp_path) == [], "no page, no temporary file"


def test_matrix_from_says_one_line_for_each_bad_file_and_nothing_of_the_good_ones(tmp_path):
    bad = [os.path.join(RESULTS, n) for n in sorted(BAD_FILES)]
    good = os.path.join(FIXTURES, "alpha.json")
    p = netspec("matrix", "--from", good, *bad, "--out", str(tmp_path / "m.html"))
    lines = one_line_per_file(p, bad)
    for line, name in zip(lines, sorted(BAD_FILES)):
        assert BAD_FILES[name] in line, line


def test_a_requirements_string_would_have_added_a_row_per_letter():
    """What the check prevents: the report's model, given the string, cites nothing."""
    with open(os.path.join(RESULTS, "requirements-string.json")) as fh:
        doc = json.load(fh)
    m = report.Matrix(specmod.load(FIXTURE_SPEC), {}, [doc])
    assert m.unknown == []


def write_json_text(path, text):
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    return str(path)


def minimal(results=(), **impl):
    return {"impl": dict({"name": "n", "version": "1", "label": "m"}, **impl), "results": list(results)}


def test_deep_nesting_is_one_line_not_a_recursion_error(tmp_path):
    deep = write_json_text(tmp_path / "deep.json", "[" * 100000 + "]" * 100000)
    shallow_enough_for_json = write_json_text(
        tmp_path / "deep500.json", '{"impl": {}, "results": [], "x": %s}' % ("[" * 500 + "]" * 500))
    p = netspec("matrix", "--from", deep, shallow_enough_for_json, "--out", str(tmp_path / "m.html"))
    lines = one_line_per_file(p, [deep, shallow_enough_for_json])
    assert all("nest more than 200 levels deep" in l for l in lines), lines
    at_limit = {"impl": {"label": "ok"}, "results": [], "x": json.loads("[" * 199 + "]" * 199)}
    from netspec_harness import matrix as mx
    mx.check_doc(at_limit, "ok")                               # 200 levels with the document: fine
    at_limit["x"] = [at_limit["x"]]
    with pytest.raises(mx.BadResults, match="more than 200 levels"):
        mx.check_doc(at_limit, "ok")


def test_the_limits_on_size_and_timeline_length(tmp_path):
    from netspec_harness import matrix as mx
    huge = tmp_path / "huge.json"
    with open(huge, "wb") as fh:                          # sparse: no disk and no time spent
        fh.truncate(mx.MAX_FILE_BYTES + 1)
    rec = {"test": "t", "requirements": [], "outcome": "passed", "duration_s": 0.1, "message": "",
           "timeline": [{"t": 0.0, "kind": "note", "data": ""}] * (mx.MAX_TIMELINE + 1)}
    long_tl = write_json_text(tmp_path / "long.json", json.dumps(minimal([rec])))
    p = netspec("matrix", "--from", str(huge), long_tl, "--out", str(tmp_path / "m.html"))
    lines = one_line_per_file(p, [str(huge), long_tl])
    assert "more than the limit of 256 MiB" in lines[0], lines
    assert "results[0].timeline has 100001 entries, more than the limit of 100000" in lines[1], lines


@pytest.mark.parametrize("doc, says", [
    ([], "the document is an array"),
    ({"results": []}, "no 'impl' field"),
    (minimal([{"test": "t"}]), "results[0] has no 'requirements' field"),
    (minimal([{"test": "", "requirements": [], "outcome": "passed", "duration_s": 0, "message": ""}]),
     "results[0].test is empty"),
    (minimal([{"test": "t\x1b]0;title\x07", "requirements": [], "outcome": "passed", "duration_s": 0,
               "message": ""}]), "results[0].test 't\\x1b]0;title\\x07' holds a control character"),
    (minimal([{"test": "t", "requirements": [5], "outcome": "passed", "duration_s": 0, "message": ""}]),
     "results[0].requirements[0] is a number, not a string"),
    (minimal([{"test": "t", "requirements": [], "outcome": "passed", "duration_s": -1, "message": ""}]),
     "results[0].duration_s is -1, not a number of seconds >= 0"),
    (minimal([{"test": "t", "requirements": [], "outcome": "passed", "duration_s": 10 ** 400, "message": ""}]),
     "results[0].duration_s is"),
    (minimal([{"test": "t", "requirements": [], "outcome": "passed", "duration_s": True, "message": ""}]),
     "results[0].duration_s is a boolean"),
    (minimal([{"test": "t", "requirements": [], "outcome": "passed", "duration_s": 0, "message": None}]),
     "results[0].message is null, not a string"),
    (minimal([{"test": "t", "requirements": [], "outcome": "passed", "duration_s": 0, "message": ""}] * 2),
     "results[1]: test 't' appears twice"),
    (minimal([{"test": "t", "requirements": [], "outcome": "passed", "duration_s": 0, "message": "",
               "timeline": [{"t": "0.1", "kind": "note", "data": ""}]}]), "results[0].timeline[0] is not an entry"),
    (minimal([{"test": "t", "requirements": [], "outcome": "passed", "duration_s": 0, "message": "",
               "timeline": {"t": 0}}]), "results[0].timeline is an object, not an array of entries"),
    (minimal(label="x'><img src=x>"), "impl.label \"x'><img src=x>\" is not a name"),
    (minimal(label="node8; rm -rf ~"), "impl.label 'node8; rm -rf ~' is not a name"),
    (minimal(capabilities="tcp"), "impl.capabilities is a string, not an array of strings"),
    (minimal(protocol="1"), "impl.protocol is a string, not an integer"),
    (dict(minimal(), summary={"passed": -1}), "summary.passed is -1, not a count"),
    (dict(minimal(), wall_s="1.5"), "wall_s is '1.5', not a number of seconds >= 0 or null"),
    (dict(minimal(), run={"complete": "yes"}), "run.complete is a string, not true or false"),
])
def test_load_doc_names_the_first_bad_field(tmp_path, doc, says):
    from netspec_harness import matrix as mx
    path = write_json_text(tmp_path / "f.json", json.dumps(doc))
    with pytest.raises(mx.MatrixError) as info:
        mx.load_doc(path)
    text = str(info.value)
    assert says in text and "\n" not in text, text
    assert text.startswith(path + ": ") and text.endswith('(format: harness/README.md, "The JSON results")')


def test_load_doc_accepts_what_run_writes_and_fields_it_does_not_know(tmp_path):
    from netspec_harness import matrix as mx
    doc = load("beta")
    doc["impl"]["homepage"] = "https://example.invalid"         # the rest of the hello's impl
    doc["impl"]["name"] = "beta\x1b]0;net\x07"                  # a hostile shim's name: shown as text only
    doc["results"][0]["extra"] = {"a": [1, 2]}
    doc["broken"] = "something a later harness writes"
    doc["impl"]["label"] = "node@26.10.0+patch=1"                # any label `run --label` takes
    assert mx.load_doc(write_json_text(tmp_path / "x.json", json.dumps(doc)))["impl"]["label"] == doc["impl"]["label"]
    del doc["impl"]["label"]
    path = write_json_text(tmp_path / "beta2.json", json.dumps(doc))
    got = mx.load_doc(path)
    assert got["impl"]["label"] == "beta2" and len(got["results"]) == len(doc["results"])
    assert got["impl"]["name"] == "beta\x1b]0;net\x07"
    bad_name = write_json_text(tmp_path / "my results.json", json.dumps(doc))
    with pytest.raises(mx.MatrixError, match="no impl.label and its name 'my results' is no label"):
        mx.load_doc(bad_name)


def test_matrix_mixes_a_shim_command_a_runtime_form_and_results_files(tmp_path):
    """--impls takes LABEL=COMMAND beside names; --from files join the live runs;
    each column's re-run command is the one its run recorded."""
    example = "%s %s" % (sys.executable, os.path.join(ROOT, "harness", "shims", "example", "shim.py"))
    first = tmp_path / "toy.json"
    p = subprocess.run([os.path.join(ROOT, "harness", "netspec"), "run", "--shim", example, "--label", "toy-a",
                        "-q", "--json", str(first), "--req", "NET.ISIP"], cwd=ROOT, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=120)
    assert first.exists(), p.stdout + p.stderr
    p = netspec("matrix", "--impls", "toy-b=%s" % example, "--from", str(first), "--req", "NET.ISIP",
                "--json-dir", str(tmp_path / "runs"), "--out", str(tmp_path / "m.html"))
    assert p.returncode == 1, p.stdout + p.stderr          # the toy differs from Node 8
    rows = [line.split()[0] for line in p.stdout.splitlines() if line.startswith("toy-") and ":" not in line]
    assert rows == ["toy-b", "toy-a"], p.stdout
    html = (tmp_path / "m.html").read_text()
    for label in ("toy-b", "toy-a"):
        assert "harness/netspec run --shim '%s' --label %s" % (example, label) in html
    p = netspec("matrix", "--impls", "toy-a=%s" % example, "--from", str(first), "--out", str(tmp_path / "n.html"))
    assert p.returncode == 2 and "two columns would have the label toy-a" in p.stderr
