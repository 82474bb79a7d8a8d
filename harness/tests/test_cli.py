"""The runner's and the spec checker's answers to bad input: one line saying
what to do, and a non-zero exit."""
import json
import os
import subprocess
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NETSPEC = os.path.join(ROOT, "harness", "netspec")

GOOD_BLOCK = """\
```req
id: SERVER.X.1
section: server.listen()
class: testable
```
A rule.
"""


def netspec(*args):
    return subprocess.run([NETSPEC, *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=120)


def make_spec(tmp_path, body, test_source=None):
    spec = tmp_path / "spec"
    spec.mkdir()
    (spec / "sections.txt").write_text("server.listen()\n")
    (spec / "a.md").write_text(textwrap.dedent(body))
    tests = tmp_path / "conformance"
    tests.mkdir()
    if test_source:
        (tests / "test_a.py").write_text(textwrap.dedent(test_source))
    return ["spec", "--spec-dir", str(spec), "--tests-dir", str(tests), "--expectations-dir", str(tmp_path)]


def test_unknown_impl():
    p = netspec("run", "--impl", "nosuch")
    assert p.returncode == 2
    assert p.stderr.count("\n") == 1 and "unknown implementation 'nosuch'" in p.stderr and "--shim" in p.stderr


def test_missing_shim_command():
    p = netspec("run", "--shim", "/nonexistent/shim --flag")
    assert p.returncode == 2
    assert p.stderr == "netspec: the shim command '/nonexistent/shim' does not exist\n"


def test_no_impl_given():
    p = netspec("run")
    assert p.returncode == 2 and "--impl NAME" in p.stderr


def test_good_spec_passes(tmp_path):
    p = netspec(*make_spec(tmp_path, GOOD_BLOCK, "@req('SERVER.X.1')\ndef test_x(): pass\n"))
    assert p.returncode == 0, p.stdout
    assert "1 requirements (1 testable, 0 untestable, 0 informative); 1 tests cite 1 of them; OK" in p.stdout


def test_malformed_id(tmp_path):
    p = netspec(*make_spec(tmp_path, GOOD_BLOCK.replace("SERVER.X.1", "server.x")))
    assert p.returncode == 1
    assert "a.md:1: malformed id 'server.x'" in p.stdout


def test_duplicate_id(tmp_path):
    p = netspec(*make_spec(tmp_path, GOOD_BLOCK + "\n" + GOOD_BLOCK))
    assert p.returncode == 1 and "a.md:8: duplicate id SERVER.X.1 (first at" in p.stdout


def test_malformed_block(tmp_path):
    bad = GOOD_BLOCK.replace("class: testable", "class testable").replace("section:", "sektion:")
    p = netspec(*make_spec(tmp_path, bad))
    assert p.returncode == 1
    assert "expected 'field: value', got 'class testable'" in p.stdout and "unknown field 'sektion'" in p.stdout


def test_untestable_needs_reason_and_section_must_exist(tmp_path):
    bad = GOOD_BLOCK.replace("testable", "untestable").replace("server.listen()", "server.nosuch()")
    p = netspec(*make_spec(tmp_path, bad))
    assert p.returncode == 1
    assert "needs a reason" in p.stdout and "section 'server.nosuch()' is not in spec/sections.txt" in p.stdout


def test_test_citing_unknown_id(tmp_path):
    p = netspec(*make_spec(tmp_path, GOOD_BLOCK, "@req('SERVER.X.2')\ndef test_x(): pass\n"))
    assert p.returncode == 1 and "test_x cites unknown requirement SERVER.X.2" in p.stdout


def test_spec_json_shape(tmp_path):
    p = netspec(*(make_spec(tmp_path, GOOD_BLOCK, "@req('SERVER.X.1')\ndef test_x(): pass\n") + ["--json"]))
    doc = json.loads(p.stdout)
    (r,) = doc["requirements"]
    assert (r["id"], r["section"], r["class"]) == ("SERVER.X.1", "server.listen()", "testable")
    assert r["tests"] == [os.path.relpath(str(tmp_path / "conformance" / "test_a.py"), ROOT) + "::test_x"]


def test_pending_lists_uncited_testable(tmp_path):
    p = netspec(*(make_spec(tmp_path, GOOD_BLOCK) + ["--pending"]))
    assert p.returncode == 0 and p.stdout.startswith("SERVER.X.1") and "1 of 1 testable" in p.stdout


def test_real_spec_is_consistent():
    p = netspec("spec", "--check")
    assert p.returncode == 0, p.stdout


def test_copycheck_catches_a_degarbled_copy(tmp_path):
    source = tmp_path / "source.txt"
    source.write_text("Stopsss Da $eRVuh Frm AcCeptiNN cRISpayy conNecSHuNss AN' Keeps exiSTiNG\n"
                      "connecsHUnS. DiS Funcshun izzz asyNChronouS, Da $erVuh IZ FInalLy cloSedd\n")
    copied = GOOD_BLOCK.replace("A rule.", "Stops the server from accepting new connections and keeps "
                                           "existing connections. This function is asynchronous.")
    p = netspec(*(make_spec(tmp_path, copied) + ["--copycheck", "--source", str(source)]))
    assert p.returncode == 1 and "also occur in the source" in p.stdout, p.stdout
    own = GOOD_BLOCK.replace("A rule.", "Once closed, the server takes no further connections; "
                                        "those it already has stay open until they end.")
    (tmp_path / "spec" / "a.md").write_text(own)
    p = netspec("spec", "--spec-dir", str(tmp_path / "spec"), "--copycheck", "--source", str(source))
    assert p.returncode == 0 and "(0.00%, limit 1%)" in p.stdout, p.stdout


def test_render_has_an_anchor_per_requirement(tmp_path):
    page = tmp_path / "spec.html"
    p = netspec(*(make_spec(tmp_path, GOOD_BLOCK, "@req('SERVER.X.1')\ndef test_x(): pass\n")
                  + ["--render", str(page)]))
    assert p.returncode == 0, p.stdout + p.stderr
    text = page.read_text()
    assert 'id="SERVER.X.1"' in text and "test_a.py::test_x" in text and 'id="sec-server-listen"' in text


def one_line(p):
    """A usage error: exit 2, one `netspec: ...; what to do` line, no traceback."""
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and p.stderr.startswith("netspec: "), \
        (p.returncode, p.stdout, p.stderr)
    return p.stderr.strip()


def test_matrix_out_must_be_a_file_it_can_write(tmp_path):
    """--out a directory, or under a regular file: one line before anything
    runs (no suite, no --json-dir made), and no stray temporary file."""
    folder = tmp_path / "reports"
    folder.mkdir()
    plain = tmp_path / "plain"
    plain.write_text("x")
    runs = tmp_path / "runs"
    line = one_line(netspec("matrix", "--impls", "ref", "--out", str(folder), "--json-dir", str(runs)))
    assert line == "netspec: --out %s is a directory; give the name of the HTML file to write, e.g. %s" % (
        folder, folder / "matrix.html")
    line = one_line(netspec("matrix", "--impls", "ref", "--out", str(plain / "m.html"), "--json-dir", str(runs)))
    assert line == "netspec: --out %s: %s is a file, not a directory; choose a path outside it" % (
        plain / "m.html", plain)
    fixture = os.path.join(ROOT, "fixtures", "report", "alpha.json")
    one_line(netspec("matrix", "--from", fixture, "--out", str(folder)))
    assert not runs.exists() and sorted(os.listdir(tmp_path)) == ["plain", "reports"]
    assert os.listdir(folder) == []


def test_matrix_json_dir_and_counts_are_checked_before_any_run(tmp_path):
    plain = tmp_path / "plain"
    plain.write_text("x")
    out = str(tmp_path / "m.html")
    assert one_line(netspec("matrix", "--impls", "ref", "--json-dir", str(plain), "--out", out)) == \
        "netspec: --json-dir %s is a file, not a directory; give a directory (made if missing)" % plain
    assert "%s is a file, not a directory" % plain in one_line(
        netspec("matrix", "--impls", "ref", "--json-dir", str(plain / "runs"), "--out", out))
    assert "-j 0: give a number of tests in parallel" in one_line(
        netspec("matrix", "--impls", "ref", "-j", "0", "--out", out))
    assert "--parallel 0: give how many implementations run at once" in one_line(
        netspec("matrix", "--impls", "ref", "--parallel", "0", "--out", out))
    assert sorted(os.listdir(tmp_path)) == ["plain"]


def test_spec_render_must_be_a_file_it_can_write(tmp_path):
    plain = tmp_path / "plain"
    plain.write_text("x")
    assert one_line(netspec("spec", "--render", str(tmp_path))) == \
        "netspec: --render %s is a directory; give the name of the HTML file to write, e.g. %s" % (
            tmp_path, tmp_path / "spec.html")
    assert one_line(netspec("spec", "--render", str(plain / "spec.html"))) == \
        "netspec: --render %s: %s is a file, not a directory; choose a path outside it" % (
            plain / "spec.html", plain)
    assert sorted(os.listdir(tmp_path)) == ["plain"]


def test_every_help_page_renders():
    for args in ([], ["run"], ["spec"], ["mutants"], ["fetch"]):
        p = netspec(*args, "--help")
        assert p.returncode == 0 and "usage: netspec" in p.stdout, (args, p.stderr)


def test_every_section_needs_a_requirement(tmp_path):
    args = make_spec(tmp_path, GOOD_BLOCK)
    (tmp_path / "spec" / "sections.txt").write_text("server.listen()\nserver.close([callback])\n")
    p = netspec(*args)
    assert p.returncode == 1 and "no requirement comes from section 'server.close([callback])'" in p.stdout


def test_a_reader_that_goes_away_ends_the_command_quietly():
    # `harness/netspec history --show | head -1`: the story is far longer than one line.
    p = subprocess.Popen([NETSPEC, "history", "--show"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert p.stdout.readline().strip()
    p.stdout.close()
    err = p.stderr.read().decode()
    assert p.wait(timeout=60) == 141 and err == "", err
