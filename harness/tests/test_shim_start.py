"""A shim that never says hello fails to start with a clear error, and the
harness does not leave its process behind."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "harness"))
from netspec_harness.shim import Shim, ShimTimeout  # noqa: E402


def test_a_shim_without_hello_is_ended(monkeypatch):
    monkeypatch.setenv("NETSPEC_TIMEOUT_SCALE", "0.1")     # hello deadline 1.5 s
    marker = "netspec-no-hello-%d" % os.getpid()
    argv = [sys.executable, "-c", "import sys, time; time.sleep(60)", marker]
    with pytest.raises(ShimTimeout, match="no hello within"):
        Shim(argv, name="silent")
    left = subprocess.run(["pgrep", "-f", marker], stdout=subprocess.PIPE, text=True).stdout.split()
    assert left == [], "the silent shim is still running: pids %s" % left
