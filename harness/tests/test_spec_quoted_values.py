"""`spec --check` and the values quoted in backticks in node8: lines
(spec/README.md, "Quoted values in node8: lines"): each must occur in the
source of a test citing the requirement, or it is reported and the check
exits 1. Fixture specs and test folders in tmp_path; one subprocess each."""
import os
import subprocess
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NETSPEC = os.path.join(ROOT, "harness", "netspec")


def block(node8, cls="testable"):
    return textwrap.dedent("""\
        ```req
        id: SERVER.X.1
        section: server.listen()
        class: %s
        node8: %s
        ```
        A rule.
        """) % (cls, node8)


def check(tmp_path, node8, test_source, helper=None, cls="testable"):
    spec = tmp_path / "spec"
    spec.mkdir()
    (spec / "sections.txt").write_text("server.listen()\n")
    (spec / "a.md").write_text(block(node8, cls))
    tests = tmp_path / "conformance"
    tests.mkdir()
    (tests / "test_a.py").write_text(textwrap.dedent(test_source))
    if helper is not None:
        (tests / "_helper.py").write_text(textwrap.dedent(helper))
    return subprocess.run([NETSPEC, "spec", "--spec-dir", str(spec), "--tests-dir", str(tests),
                           "--expectations-dir", str(tmp_path), "--check"], cwd=ROOT,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)


def flagged(p):
    """The values reported as not found, in order."""
    return [line.split("node8 quotes `", 1)[1].split("`", 1)[0] for line in p.stdout.splitlines()
            if "node8 quotes `" in line]


ASSERTING = """\
    from netspec_harness import UNDEFINED, req

    @req("SERVER.X.1")
    def test_x(impl):
        err = impl.wait("error").args[0]
        assert (err.code, err.port, err.errno) == ("EADDRINUSE", -1, UNDEFINED)
        assert err.message == f"listen EADDRINUSE 127.0.0.1:{err.port}"
    """


def test_values_the_test_asserts_are_not_flagged(tmp_path):
    p = check(tmp_path, "code `'EADDRINUSE'`, port `-1`, errno `undefined`, message "
                        "`'listen EADDRINUSE 127.0.0.1:{PORT}'`, the code `EADDRINUSE`", ASSERTING)
    assert p.returncode == 0, p.stdout
    assert flagged(p) == [] and p.stdout.endswith("OK\n")


def test_a_value_no_test_contains_is_flagged(tmp_path):
    p = check(tmp_path, "code `'EADDRINUSE'`, port `8080`, syscall `'bind'`, errno `null`, "
                        "message `'listen EADDRINUSE ::1:{PORT}'`", ASSERTING)
    assert p.returncode == 1, p.stdout
    assert flagged(p) == ["8080", "'bind'", "null", "'listen EADDRINUSE ::1:{PORT}'"]
    assert "a.md:1: SERVER.X.1: node8 quotes `8080`, which the source of no test citing it contains (test_x)" \
        in p.stdout
    assert p.stdout.endswith("4 problems\n")


def test_values_without_backticks_are_not_claims(tmp_path):
    p = check(tmp_path, "code 'EADDRINUSE', port 8080, syscall 'listen'", ASSERTING)
    assert p.returncode == 0 and flagged(p) == [], p.stdout


def test_the_source_followed_through_constants_helpers_and_imports(tmp_path):
    source = """\
        from netspec_harness import req
        from _helper import EXPECTED

        ROW = ("This socket is closed", 7)

        def unused():
            return "write after end"

        def compare(got):
            # 'EPIPE' only in a comment does not count
            assert got == ROW

        @req("SERVER.X.1")
        def test_x(impl):
            compare(impl.wait("error").args[0])
            assert EXPECTED
        """
    helper = """\
        EXPECTED = "ERR_STREAM_DESTROYED"
        OTHER = "ECONNRESET"
        """
    p = check(tmp_path, "`'This socket is closed'` `7` `ERR_STREAM_DESTROYED` `'write after end'` `EPIPE` "
                        "`ECONNRESET`", source, helper)
    assert flagged(p) == ["'write after end'", "EPIPE", "ECONNRESET"], p.stdout
    assert p.returncode == 1


def test_what_is_not_a_value_and_untested_claims_are_flagged(tmp_path):
    p = check(tmp_path, "`ss -tan` and `{ port: 1 }`", ASSERTING)
    assert p.returncode == 1
    assert flagged(p) == ["ss -tan", "{ port: 1 }"] and "which is not a value" in p.stdout
    other = tmp_path / "uncited"
    other.mkdir()
    p = check(other, "`'EADDRINUSE'`", 'from netspec_harness import req\n@req("SERVER.X.2")\ndef test_y(): pass\n')
    assert p.returncode == 1 and "but no test cites SERVER.X.1" in p.stdout, p.stdout


def test_backticks_in_an_informative_requirement_are_flagged(tmp_path):
    p = check(tmp_path, "`'EADDRINUSE'`", ASSERTING, cls="informative")
    assert p.returncode == 1 and "an informative requirement has no tests" in p.stdout, p.stdout


def test_a_value_asserted_in_the_suites_shared_helper_counts(tmp_path):
    # conformance/AREA/test_a.py imports conformance/_shared.py (as tests import _server_util)
    spec = tmp_path / "spec"
    spec.mkdir()
    (spec / "sections.txt").write_text("server.listen()\n")
    (spec / "a.md").write_text(block("the event `'error'`, code `EADDRINUSE`"))
    tests = tmp_path / "conformance"
    (tests / "area").mkdir(parents=True)
    (tests / "_shared.py").write_text("def fail(srv):\n    return srv.wait('error').args[0]\n")
    (tests / "area" / "test_a.py").write_text(textwrap.dedent("""\
        from netspec_harness import req
        from _shared import fail

        @req("SERVER.X.1")
        def test_x(impl):
            assert fail(impl).code == "EADDRINUSE"
        """))
    args = [NETSPEC, "spec", "--spec-dir", str(spec), "--tests-dir", str(tests), "--expectations-dir", str(tmp_path),
            "--check"]
    p = subprocess.run(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
    assert p.returncode == 0 and flagged(p) == [], p.stdout
    (tests / "_shared.py").write_text("def fail(srv):\n    return srv.wait('close').args[0]\n")
    p = subprocess.run(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
    assert p.returncode == 1 and flagged(p) == ["'error'"], p.stdout
