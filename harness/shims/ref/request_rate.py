#!/usr/bin/python3
"""Request rate of the ref shim: sends N requests through it and times them.

    /usr/bin/python3 harness/shims/ref/request_rate.py [--shim PATH] [-n N] [--repeat R]

The requests go in windows of 64 (written at once, then their 64 responses
read) and mix what the JSON reader and writer see: strings with escapes and
non-ASCII text, numbers that need JavaScript's shortest formatting, a thrown
error with its message, property reads and writes. Prints the best of R runs:
requests per second of wall time, and the shim's own CPU time (user + system,
from wait4) per request, which a busy shared machine disturbs far less. Stdlib
only; the shim is the one scripts/build makes.
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SHIM = os.path.join(HERE, "..", "..", "..", "build", "harness", "shims", "ref",
                            "netspec-shim-ref")
WINDOW = 64

MIX = [
    {"op": "call", "target": "net", "method": "isIP", "args": ["127.0.0.1"]},
    {"op": "call", "target": "net", "method": "isIPv6",
     "args": ["fe80::1%\u00e9th0 \"quoted\" \\ tab\t \u2028 \U0001F600"]},
    {"op": "set", "target": "h1", "prop": "maxConnections", "value": 1.2345678901234567e300},
    {"op": "get", "target": "h1", "prop": "maxConnections"},
    {"op": "set", "target": "h1", "prop": "maxConnections", "value": 0.1},
    {"op": "get", "target": "h1", "prop": "maxConnections"},
    {"op": "call", "target": "h1", "method": "listen", "args": [{"port": -1, "host": "\u00fcn\u00ef"}]},
    {"op": "get", "target": "h2", "prop": "bytesWritten"},
    {"op": "call", "target": "h2", "method": "setEncoding", "args": ["utf8"]},
    {"op": "get", "target": "h1", "prop": "listening"},
]


def run(shim, n):
    proc = subprocess.Popen([shim], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    out, inp = proc.stdout, proc.stdin
    hello = json.loads(out.readline())
    assert hello["type"] == "hello", hello
    setup = [{"id": 1, "op": "call", "target": "net", "method": "createServer", "args": []},
             {"id": 2, "op": "new", "class": "Socket", "args": []}]
    for req in setup:
        inp.write((json.dumps(req) + "\n").encode())
    inp.flush()
    for _ in setup:
        json.loads(out.readline())
    lines = []
    for i in range(n):
        req = dict(MIX[i % len(MIX)])
        req["id"] = 3 + i
        lines.append((json.dumps(req, ensure_ascii=False) + "\n").encode())
    statuses = {}
    start = time.perf_counter()
    for w in range(0, n, WINDOW):
        chunk = lines[w:w + WINDOW]
        inp.write(b"".join(chunk))
        inp.flush()
        got = 0
        while got < len(chunk):
            msg = json.loads(out.readline())
            if msg["type"] == "response":
                got += 1
                statuses[msg["status"]] = statuses.get(msg["status"], 0) + 1
    elapsed = time.perf_counter() - start
    inp.close()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = status
    return elapsed, usage.ru_utime + usage.ru_stime, statuses


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shim", default=DEFAULT_SHIM)
    ap.add_argument("-n", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    best = best_cpu = None
    for _ in range(args.repeat):
        elapsed, cpu, statuses = run(args.shim, args.n)
        best = elapsed if best is None else min(best, elapsed)
        best_cpu = cpu if best_cpu is None else min(best_cpu, cpu)
    print("%d requests, best of %d: %.3f s, %.0f requests/s; shim CPU %.2f us/request "
          "(statuses %s)"
          % (args.n, args.repeat, best, args.n / best, best_cpu * 1e6 / args.n,
             ", ".join("%s %d" % kv for kv in sorted(statuses.items()))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
