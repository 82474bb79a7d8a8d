"""`run --shard K/N` and `netspec merge`: the shards of a selection are
disjoint, cover it, are the same on every machine, are balanced by earlier
durations, and merge back into the results of one unsharded run."""
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NETSPEC = os.path.join(ROOT, "harness", "netspec")
sys.path.insert(0, os.path.join(ROOT, "harness"))
from netspec_harness.plugin import shard_of  # noqa: E402

EXAMPLE = "%s %s" % (sys.executable, os.path.join(ROOT, "harness", "shims", "example", "shim.py"))
SELECT = ["--req", "NET.ISIP", "--req", "SERVER.ADDRESS"]


def netspec(*args):
    return subprocess.run([NETSPEC, *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=300)


def test_shards_are_disjoint_cover_the_selection_and_deal_ids_in_turn():
    ids = ["t%02d" % i for i in range(10)]
    shards = shard_of(list(reversed(ids)), 3)
    assert shards == [["t00", "t03", "t06", "t09"], ["t01", "t04", "t07"], ["t02", "t05", "t08"]]


def test_durations_balance_the_shards():
    durations = {"a": 10.0, "b": 6.0, "c": 5.0, "d": 4.0, "e": 1.0}
    shards = shard_of(sorted(durations), 2, durations)
    loads = [sum(durations[t] for t in s) for s in shards]
    assert shards == [["a", "d"], ["b", "c", "e"]] and loads == [14.0, 12.0]   # longest first, to the lighter


@pytest.mark.timeout(240)   # six runs of the suite's CLI: ~20 s on a quiet machine, ~60 s at load 10
def test_four_shards_merged_are_one_unsharded_run(tmp_path):
    whole = tmp_path / "whole.json"
    netspec("run", "--shim", EXAMPLE, "--label", "toy", "-q", "--json", str(whole), *SELECT)
    parts = []
    for k in range(1, 5):
        part = tmp_path / ("s%d.json" % k)
        p = netspec("run", "--shim", EXAMPLE, "--label", "toy", "-q", "--shard", "%d/4" % k,
                    "--durations", str(whole), "--json", str(part), *SELECT)
        assert part.exists(), p.stdout + p.stderr
        parts.append(part)
    merged = tmp_path / "merged.json"
    p = netspec("merge", *map(str, parts), "--out", str(merged))
    assert p.returncode == 0, p.stderr

    def outcomes(path):
        return {r["test"]: (r["outcome"], r["requirements"]) for r in json.loads(path.read_text())["results"]}
    assert outcomes(merged) == outcomes(whole)
    assert json.loads(merged.read_text())["summary"] == json.loads(whole.read_text())["summary"]
    shards = [set(outcomes(p)) for p in parts]
    assert all(s for s in shards) and sum(len(s) for s in shards) == len(set().union(*shards))
    p = netspec("matrix", "--from", *map(str, parts), "--out", str(tmp_path / "m.html"))
    assert [line.split()[0] for line in p.stdout.splitlines() if line.startswith("toy ")] == ["toy"], p.stdout


def test_merge_refuses_overlapping_files(tmp_path):
    whole = tmp_path / "whole.json"
    netspec("run", "--shim", EXAMPLE, "-q", "--json", str(whole), "--req", "NET.ISIP")
    again = tmp_path / "again.json"
    again.write_text(whole.read_text())
    p = netspec("merge", str(whole), str(again), "--out", str(tmp_path / "m.json"))
    assert p.returncode == 2 and "both hold" in p.stderr


def test_a_bad_shard_is_a_usage_error():
    for bad in ("0/4", "5/4", "x"):
        p = netspec("run", "--shim", EXAMPLE, "--shard", bad, "--req", "NET.ISIP")
        assert p.returncode == 2 and "--shard %s: give K/N" % bad in p.stderr
