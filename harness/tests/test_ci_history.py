"""examples/ci/history.yml, checked: its jobs chain plan -> measure -> history,
and its commands, run in order on a copy of the checkout with the job matrix
cut to two Node lines and two shards and the selection to one requirement (--req)
(the only changes; `sudo scripts/install-deps` is left out, as this machine
has what it installs), give a history whose merged results are those of
unsharded runs and which finds the change of that requirement."""
import json
import os
import re
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORKFLOW = os.path.join(ROOT, "examples", "ci", "history.yml")
REQ = "IPC.PATH.TRUNCATE.1"


def steps(text):
    """{job: [run command, ...]} of the workflow, from its `jobs:` block (the
    YAML subset it is written in: two-space indents, one-line run commands)."""
    jobs, job = {}, None
    for line in text.splitlines():
        m = re.match(r"^  ([a-z][a-z0-9_-]*):\s*$", line)
        if m:
            job = m.group(1)
            jobs[job] = {"run": [], "needs": None}
        m = re.match(r"^    needs: (\S+)$", line)
        if m and job:
            jobs[job]["needs"] = m.group(1)
        m = re.match(r"^\s+(?:- )?run: (.+)$", line)
        if m and job:
            jobs[job]["run"].append(m.group(1))
    return jobs


def test_the_jobs_chain_and_each_has_its_commands():
    jobs = steps(open(WORKFLOW, encoding="utf-8").read())
    assert list(jobs) == ["plan", "measure", "history"]
    assert [jobs[j]["needs"] for j in jobs] == [None, "plan", "measure"]
    assert any("history --plan" in c for c in jobs["plan"]["run"])
    assert any("--shard" in c and "node@${{ matrix.version }}" in c for c in jobs["measure"]["run"])
    assert any("history --from out/history/*.json --write" in c for c in jobs["history"]["run"])


@pytest.mark.timeout(600)
def test_the_commands_run_in_order_on_two_lines(tmp_path):
    copy = tmp_path / "netspec"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(".git", "build*", "out", "__pycache__"))
    jobs = steps(open(WORKFLOW, encoding="utf-8").read())
    env = dict(os.environ, NETSPEC_HISTORY_CACHE=str(tmp_path / "history-cache"), GITHUB_OUTPUT=str(tmp_path / "o"))

    def sh(cmd):
        p = subprocess.run(["bash", "-c", cmd], cwd=copy, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=600)
        assert p.returncode == 0, "%s\n%s%s" % (cmd, p.stdout, p.stderr)
        return p.stdout

    (plan,) = jobs["plan"]["run"]
    sh(plan.replace("history --plan", "history --plan --lines 19-20"))
    versions = json.loads(open(env["GITHUB_OUTPUT"]).read().split("=", 1)[1])
    assert versions == json.loads(subprocess.run([os.path.join(ROOT, "harness", "netspec"), "history", "--plan",
                                                  "--lines", "19-20"], stdout=subprocess.PIPE, text=True).stdout)
    for version in versions:
        for shard in (1, 2):
            for cmd in jobs["measure"]["run"]:
                if cmd.startswith("sudo "):
                    continue
                cmd = cmd.replace("${{ matrix.version }}", version).replace("${{ matrix.shard }}/4", "%d/2" % shard)
                cmd = cmd.replace("${{ matrix.shard }}", str(shard))
                sh(cmd.replace(" -q ", " -q --req %s " % REQ))
    for cmd in jobs["history"]["run"]:
        if not cmd.startswith("sudo "):
            out = sh(cmd + " --lines 19-20 --req %s" % REQ)
    doc = json.loads((copy / "spec" / "history.json").read_text())
    assert doc["measured"] == versions
    # what this build ran and fetched depends on its cache: printed, not kept in the file
    assert "runs" not in doc and "fetched" not in doc and " runs, " in out
    (change,) = [c for c in doc["changes"] if c["requirement"] == REQ]
    assert [(p["last_old"], p["first_new"]) for p in change["points"]] == [("20.3.1", "20.4.0")], out
    assert (copy / "out" / "history.html").exists()
