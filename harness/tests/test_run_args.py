"""`netspec run`'s answers to bad arguments and bad files: one line saying
what to do, exit 2, before the suite starts (so within seconds, not after a
whole run)."""
import os
import subprocess
import sys
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NETSPEC = os.path.join(ROOT, "harness", "netspec")
EXAMPLE = "%s %s" % (sys.executable, os.path.join(ROOT, "harness", "shims", "example", "shim.py"))
THREE = os.path.join(ROOT, "fixtures", "harness", "test_three.py")


def run(*args):
    started = time.monotonic()
    p = subprocess.run([NETSPEC, "run", *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=60)
    return p, time.monotonic() - started


def one_line_usage_error(p, *says):
    assert p.returncode == 2, p.stdout + p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("netspec: "), p.stderr
    assert "Traceback" not in p.stdout + p.stderr
    for text in says:
        assert text in lines[0], lines[0]
    assert "passed" not in p.stdout, "the suite ran: " + p.stdout


def test_json_to_a_directory(tmp_path):
    p, took = run("--shim", EXAMPLE, "--json", str(tmp_path), THREE)
    one_line_usage_error(p, "is a directory; give the name of the file to write, e.g. %s" % (tmp_path / "results.json"))
    assert took < 20


def test_json_under_a_regular_file(tmp_path):
    (tmp_path / "f").write_text("")
    p, _ = run("--shim", EXAMPLE, "--json", str(tmp_path / "f" / "r.json"), THREE)
    one_line_usage_error(p, "is a file, not a directory")


def test_junit_under_a_regular_file(tmp_path):
    (tmp_path / "f").write_text("")
    p, _ = run("--shim", EXAMPLE, "--junit", str(tmp_path / "f" / "x" / "r.xml"), THREE)
    one_line_usage_error(p, "--junit", "is a file, not a directory")


def test_json_into_a_missing_directory_creates_it(tmp_path):
    out = tmp_path / "a" / "b" / "r.json"
    p, _ = run("--shim", EXAMPLE, "--json", str(out), THREE)
    assert p.returncode in (0, 1), p.stderr
    assert out.exists()


def test_an_unbalanced_quote_in_the_shim_command():
    p, _ = run("--shim", '"x', THREE)
    one_line_usage_error(p, "--shim: cannot split", "quote it as in a shell")


@pytest.mark.parametrize("jobs", ["-1", "0", "two"])
def test_a_bad_number_of_jobs(jobs):
    p, _ = run("--shim", EXAMPLE, "-j", jobs, THREE)
    one_line_usage_error(p, "-j %s: give a number of tests in parallel, 1 or more, or 'auto'" % jobs)


ENTRY = '''[[expect]]
test = "fixtures/harness/test_three.py::test_trigger"
requirement = "NET.ISIP.RESULT.1"
observed = "x"
why = "y"
'''


@pytest.mark.parametrize("content, says", [
    (b"[[expect]\ntest = 1\n", "is not valid TOML"),
    (b"expect = 5\n", "expect must be a list of [[expect]] tables"),
    (ENTRY.replace('test = "fixtures/harness/test_three.py::test_trigger"\n', "").encode(),
     "[[expect]] entry 1: missing test"),
    (ENTRY.replace('"fixtures/harness/test_three.py::test_trigger"', "5").encode(),
     "[[expect]] entry 1: test must be a string"),
    (ENTRY.encode() + b'match = "("\n', "[[expect]] entry 1: match is not a regular expression"),
    (ENTRY.encode() + b"wait = 60\n", "wait must be a number of seconds above 0 and under 5"),
    (ENTRY.encode() + b"color = 1\n", "unknown fields color"),
    (ENTRY.encode().replace(b'"y"', b'"\xff\xfe"'), "is not UTF-8 text; save it as UTF-8"),
    (b"[[area]]\ntests = 'conformance/'\nrequirement = 'A.1'\nobserved = 'o'\nwhy = 'w'\nrun = 'no'\n",
     "run must be true"),
    (b"[[nope]]\nx = 1\n", "unknown top-level keys nope"),
], ids=["syntax", "expect-number", "no-test", "test-number", "bad-match", "wait", "unknown-field",
        "not-utf8", "area-run", "top-level"])
def test_a_malformed_expectations_file(tmp_path, content, says):
    path = tmp_path / "e.toml"
    path.write_bytes(content)
    p, took = run("--shim", EXAMPLE, "--expectations", str(path), THREE)
    one_line_usage_error(p, str(path), says)
    assert took < 20


def test_a_missing_expectations_file(tmp_path):
    p, _ = run("--shim", EXAMPLE, "--expectations", str(tmp_path / "none.toml"), THREE)
    one_line_usage_error(p, "no expectations file or directory")
