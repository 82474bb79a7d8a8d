"""harness/netspec: the command line of netspec.

    netspec run           run the conformance suite against one implementation
    netspec spec          check the spec and its traceability, list or export it
    netspec matrix        run several implementations, write one HTML report
    netspec expectations  draft expectations from a run, check an expectations directory
    netspec fetch         fetch a runtime (node8, ..., node@VERSION) into the cache
    netspec shim-check    check that a shim speaks the protocol (harness/SHIMS.md)

Exit status: 0 nothing unexpected; 1 unexpected outcomes (failures, unexpected
passes) or spec problems; 2 the command could not run (bad arguments, no such
implementation, shim does not start).
"""
import argparse
import json
import os
import re
import shlex
import subprocess
import sys

from . import impls
from . import spec as specmod
from .shim import Shim, ShimError

ROOT = impls.ROOT
EXIT_OK, EXIT_UNEXPECTED, EXIT_USAGE = 0, 1, 2
EXIT_PIPE = 128 + 13        # its output's reader went away: what a shell shows for SIGPIPE


class UsageError(Exception):
    pass


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.func(args)
    except (UsageError, impls.ImplError) as exc:
        print("netspec: %s" % exc, file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_USAGE
    except BrokenPipeError:
        # The reader went away (`netspec history --show | head`): stop quietly with the
        # status of a Unix tool that SIGPIPE ended (nothing it would have printed is
        # claimed as done), and write nothing more to the closed pipe at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_PIPE


def add_impl_args(parser):
    """--impl / --node / --shim, and --label: how run and shim-check name what they test."""
    who = parser.add_mutually_exclusive_group()
    who.add_argument("--impl", metavar="NAME",
                     help="a named implementation: %s (runtimes are fetched from the npm registry on "
                          "first use; node@VERSION, bun@VERSION, deno@VERSION: any published version; "
                          "node=PATH: a local Node binary)" % ", ".join(impls.NAMED))
    who.add_argument("--node", metavar="PATH", help="a local Node binary (the same as --impl node=PATH)")
    who.add_argument("--shim", metavar="COMMAND", help="the shim command of any other implementation")
    parser.add_argument("--label", metavar="NAME",
                        help="the name of this implementation in results and reports (default: the "
                             "--impl name, node-local for --node, custom for --shim)")


def build_parser():
    p = argparse.ArgumentParser(
        prog="netspec", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="netspec: the spec, conformance suite and reference of the Node.js 8 net API.",
        epilog="exit status: 0 nothing unexpected, 1 unexpected outcomes or spec problems, "
               "2 the command could not run.\nsee README.md and harness/PROTOCOL.md")
    sub = p.add_subparsers(title="commands", metavar="COMMAND")

    r = sub.add_parser("run", help="run the conformance suite against an implementation",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Run the conformance suite against one implementation, through its shim.",
                       epilog="examples:\n"
                              "  harness/netspec run --impl node8\n"
                              "  harness/netspec run --impl ref -k eaddrinuse -j 2\n"
                              "  harness/netspec run --impl node20 --req SERVER.LISTEN --json out.json\n"
                              "  harness/netspec run --impl node@26.10.0 --json out/node26.json\n"
                              "  harness/netspec run --node ~/node/out/Release/node --label mybuild\n"
                              "  harness/netspec run --shim \"mynet-shim --flag\" --label mynet --expectations ci/mynet/\n"
                              "  harness/netspec run --impl ref 'conformance/server/test_server_listen_eaddrinuse.py::test_ipv4'")
    add_impl_args(r)
    r.add_argument("-k", metavar="EXPR", help="only tests whose name matches (pytest -k)")
    r.add_argument("-m", metavar="MARKEXPR", help="only tests with these markers (pytest -m), e.g. reliability")
    r.add_argument("--req", metavar="ID-PREFIX", action="append", default=[],
                   help="only tests citing a requirement id with this prefix (repeatable)")
    r.add_argument("-j", metavar="N", help="run N tests in parallel (pytest-xdist; 'auto' = one per core)")
    r.add_argument("--json", metavar="FILE", help="write results as JSON (format: harness/README.md)")
    r.add_argument("--junit", metavar="FILE", help="write results as JUnit XML")
    r.add_argument("--build-dir", metavar="DIR", default="build",
                   help="CMake build directory of the reference shim (default: build)")
    r.add_argument("--expectations", metavar="PATH",
                   help="expected differences: a .toml file or a directory of them (default for a pinned "
                        "NAME: harness/expectations/NAME/ or NAME.toml; none otherwise)")
    r.add_argument("--shard", metavar="K/N",
                   help="run shard K of N of the selected tests (deterministic by test id; merge the "
                        "shards' --json files with `netspec merge` or `matrix --from`)")
    r.add_argument("--durations", metavar="RESULTS.json",
                   help="with --shard: balance the shards by the test durations of an earlier run")
    r.add_argument("-x", action="store_true", help="stop at the first failure")
    r.add_argument("--repeat", metavar="N", type=int, default=1,
                   help="run the selection N times in a row (a flake hunt); stops at the first "
                        "run with an unexpected outcome and prints the tally")
    r.add_argument("-v", action="count", default=0, help="list each test")
    r.add_argument("-q", action="store_true", help="print less")
    r.add_argument("tests", nargs="*", metavar="TEST",
                   help="test files or node ids (default: the whole suite in conformance/)")
    r.set_defaults(func=cmd_run)

    s = sub.add_parser("spec", help="check, list or export the requirements in spec/",
                       description="Read spec/ and the tests' @req citations.")
    s.add_argument("--check", action="store_true",
                   help="fail on malformed or duplicate ids, unknown sections or fields, tests citing "
                        "unknown ids, and stale expectations (the default action)")
    s.add_argument("--json", action="store_true", help="print {\"requirements\": [{id, section, class, tests}]}")
    s.add_argument("--pending", action="store_true", help="list testable requirements no test cites")
    s.add_argument("--stats", action="store_true", help="count the requirements per section and per class")
    s.add_argument("--render", metavar="FILE", help="write the spec as one HTML page, an anchor per id")
    s.add_argument("--report-link", metavar="REPORT",
                   help="with --render: link each requirement and test to its row in this matrix report")
    s.add_argument("--results", metavar="JSON",
                   help="with --render: show beside each requirement what this results file observed for its "
                        "tests (outcome, failure, the values the tests noted), e.g. out/node8.json")
    s.add_argument("--copycheck", action="store_true",
                   help="fail if more than %d%%%% of spec/'s word 8-grams occur in the source text"
                        % round(specmod.COPY_LIMIT * 100))
    s.add_argument("--source", metavar="PATH", default=None,
                   help="the source text for --copycheck (default: $NETSPEC_SOURCE, else a copy beside the "
                        "checkout as CI has it, ../shared/%s; without one the check is skipped, saying so)"
                        % specmod.SOURCE_NAME)
    s.add_argument("--spec-dir", default=specmod.SPEC_DIR, help=argparse.SUPPRESS)
    s.add_argument("--tests-dir", default=specmod.CONFORMANCE_DIR, help=argparse.SUPPRESS)
    s.add_argument("--expectations-dir", default=specmod.EXPECTATIONS_DIR, help=argparse.SUPPRESS)
    s.set_defaults(func=cmd_spec)

    c = sub.add_parser("shim-check", help="check that a shim speaks the protocol (harness/PROTOCOL.md)",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Check that a shim speaks the shim protocol: hello, request ids, seq, "
                                   "new/get/set/call, callbacks and events on a loopback echo, errors, "
                                   "every bad_request code, detach, exit at end of input. One line per "
                                   "check; exit 0 if none fails, 1 otherwise. See harness/SHIMS.md.",
                       epilog="examples:\n"
                              "  harness/netspec shim-check --impl node8\n"
                              "  harness/netspec shim-check --shim \"python3 harness/shims/example/shim.py\"\n"
                              "  harness/netspec shim-check --impl ref -k bad-request -v")
    add_impl_args(c)
    c.add_argument("--build-dir", metavar="DIR", default="build",
                   help="CMake build directory of the reference shim (default: build)")
    c.add_argument("-k", metavar="NAME", action="append", default=[],
                   help="only checks whose name contains NAME (repeatable; hello always runs)")
    c.add_argument("-v", action="store_true", help="show the last lines of the exchange of each failed check")
    c.set_defaults(func=cmd_shim_check)

    m = sub.add_parser("mutants", help="run the suite against deliberately wrong implementations",
                       description="Run the suite against each mutant in fixtures/mutants/ (a small "
                                   "preload patch of Node's net module) and print which tests kill it. "
                                   "Exit 1 if any mutant survives.")
    m.add_argument("names", nargs="*", metavar="MUTANT", help="mutant file names (default: all)")
    m.add_argument("--impl", default="node8", choices=impls.NODE_RUNTIMES,
                   help="the Node runtime to patch (default: node8)")
    m.add_argument("-j", metavar="N", default="2", help="run N tests in parallel within each mutant run (default 2)")
    m.add_argument("--whole-suite", action="store_true",
                   help="run the whole suite on each mutant, not only the tests of its behaviour's area")
    m.set_defaults(func=cmd_mutants)

    x = sub.add_parser("matrix", help="run several implementations and write one HTML report",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Run the suite on each implementation (at most --parallel at a time, "
                                   "each with -j), keep each one's JSON results in --json-dir, and write "
                                   "one static HTML page: requirements x implementations, each cell opening "
                                   "its tests' records and timelines. Exit 1 if any implementation had an "
                                   "unexpected outcome or gave no results.",
                       epilog="examples:\n"
                              "  harness/netspec matrix --impls ref,node8,node20\n"
                              "  harness/netspec matrix --impls ref,node8,node20,node22,bun,deno --out out/matrix.html\n"
                              "  harness/netspec matrix --from out/matrix/*.json     # rebuild the page only\n"
                              "  harness/netspec spec --render out/spec.html --report-link out/matrix.html")
    x.add_argument("--impls", metavar="A,B,...", default=None,
                   help="implementations to run, comma-separated, each a name run takes with --impl "
                        "(ref, node8, node@26.10.0, node=PATH, ...) or LABEL=COMMAND for a shim command "
                        "(default without --from: %s)" % ",".join(("ref",) + tuple(impls.RUNTIMES)))
    x.add_argument("--from", dest="from_files", metavar="JSON", nargs="+",
                   help="results files of `run --json` (from any machine) to add to the report; with "
                        "--impls, beside the live runs, otherwise alone")
    x.add_argument("--out", metavar="FILE", default=os.path.join("out", "matrix.html"),
                   help="the HTML report (default: %(default)s)")
    x.add_argument("--json-dir", metavar="DIR", default=os.path.join("out", "matrix"),
                   help="where each run's NAME.json and NAME.log go (default: %(default)s)")
    x.add_argument("--parallel", metavar="N", type=int, default=2,
                   help="implementations run at the same time (default: 2)")
    x.add_argument("-j", metavar="N", default="1", help="tests in parallel within each run (default: 1)")
    x.add_argument("--build-dir", metavar="DIR",
                   help="CMake build directory of the reference shim (default: build, in the checkout)")
    x.add_argument("-k", metavar="EXPR", help="only tests whose name matches (pytest -k), in every run")
    x.add_argument("--req", metavar="ID-PREFIX", action="append", default=[],
                   help="only tests citing requirement ids with this prefix (repeatable)")
    x.add_argument("--spec-dir", default=specmod.SPEC_DIR, help=argparse.SUPPRESS)
    x.add_argument("--tests-dir", default=specmod.CONFORMANCE_DIR, help=argparse.SUPPRESS)
    x.add_argument("tests", nargs="*", metavar="TEST",
                   help="test files, folders or node ids, in every run (default: the whole suite)")
    x.set_defaults(func=cmd_matrix)

    h = sub.add_parser("history", help="since which Node release does each behaviour hold: measured and bisected",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Run the suite on the newest release of every Node major line, compare "
                                   "neighbouring lines test by test, and bisect every difference over the "
                                   "releases in between down to the first release that shows it. Results are "
                                   "cached per (Node version, test file): a second run costs nothing.",
                       epilog="examples:\n"
                              "  harness/netspec history --write                  # all lines from 8; spec/history.json\n"
                              "  harness/netspec history --req SERVER.LISTEN.EADDRINUSE   # measure one area, print its story\n"
                              "  harness/netspec history --show --req IPC.PATH    # the story from spec/history.json\n"
                              "  harness/netspec history --from out/shards/*.json --write   # results from CI jobs")
    h.add_argument("--req", metavar="ID-PREFIX", action="append", default=[],
                   help="only requirements (and their tests) with this id prefix (repeatable)")
    h.add_argument("--lines", metavar="FIRST-LAST", default="8-",
                   help="the major lines to measure (default 8-: from 8 to the newest published)")
    h.add_argument("-j", metavar="N", default="2", help="tests in parallel within each run (default 2)")
    h.add_argument("--from", dest="from_files", metavar="JSON", nargs="+", default=[],
                   help="results files of `run --impl node@VERSION --json` (any machine, shards too) "
                        "to use instead of running those tests here")
    h.add_argument("--no-bisect", action="store_true", help="compare the lines only, without bisecting")
    h.add_argument("--keep-runtimes", action="store_true",
                   help="keep the runtimes it fetches (~100 MB each; by default each is removed once measured)")
    h.add_argument("--write", action="store_true", help="write the result to spec/history.json")
    h.add_argument("--show", action="store_true", help="print the story from spec/history.json; run nothing")
    h.add_argument("--html", metavar="FILE", help="also write the version-axis page (requirements x versions)")
    h.add_argument("--plan", action="store_true",
                   help="print the versions --lines would measure, as a JSON list (a CI job matrix), and stop")
    h.set_defaults(func=cmd_history)

    k = sub.add_parser("cache", help="list or prune the runtimes and history results in the cache",
                       description="The cache (%s) keeps fetched runtimes and `history` results. `list` "
                                   "shows what is there and how big; `prune` removes the runtimes that are "
                                   "not pinned and the history results of test files that changed since "
                                   "(--all: everything but the pinned runtimes)." % impls.cache_dir())
    k.add_argument("action", choices=("list", "prune"))
    k.add_argument("--all", action="store_true", help="with prune: also every history result")
    k.set_defaults(func=cmd_cache)

    g = sub.add_parser("merge", help="join results files (the shards of a run) into one",
                       description="Join results files of `run --json` with one label and disjoint tests (the "
                                   "shards of a run, from any number of machines) into one results file.",
                       epilog="example:\n  for k in 1 2 3 4; do harness/netspec run --impl node8 --shard $k/4 "
                              "--json out/s$k.json; done\n  harness/netspec merge out/s*.json --out out/node8.json",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    g.add_argument("files", nargs="+", metavar="JSON")
    g.add_argument("--out", metavar="FILE", required=True, help="the merged results file")
    g.set_defaults(func=cmd_merge)

    e = sub.add_parser("expectations", help="draft expectations from a run, or check an expectations directory",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Expected differences of an implementation (format: harness/README.md).",
                       epilog="examples:\n"
                              "  harness/netspec run --impl node@26.10.0 --json out/node26.json\n"
                              "  harness/netspec expectations draft out/node26.json --out my-exp/node26 "
                              "--base harness/expectations/node22\n"
                              "  harness/netspec run --impl node@26.10.0 --expectations my-exp/node26   # exit 0\n"
                              "  harness/netspec expectations check my-exp/node26 --results out/node26.json")
    esub = e.add_subparsers(title="actions", metavar="ACTION")
    ed = esub.add_parser("draft", help="write an expectations directory from a results file",
                         description="One entry per unexpected failure of the run (test, requirement, observed, "
                                     "match, wait; why marked TODO). With --base, the base's entries that still "
                                     "apply are kept, those whose tests now pass are dropped and listed.")
    ed.add_argument("results", metavar="RESULTS.json", help="a results file of `netspec run --json`")
    ed.add_argument("--out", metavar="DIR", required=True, help="the directory to write (one .toml per area)")
    ed.add_argument("--base", metavar="DIR", help="expectations to start from, e.g. harness/expectations/node22")
    ed.set_defaults(func=cmd_expectations_draft)
    ec = esub.add_parser("check", help="check an expectations file or directory against the current suite",
                         description="Every entry well-formed, naming a test of the suite and a requirement that "
                                     "test cites; with --results, no entry whose tests passed there. Exit 1 if "
                                     "anything is wrong.")
    ec.add_argument("path", metavar="DIR", help="an expectations directory or .toml file, anywhere")
    ec.add_argument("--results", metavar="FILE", nargs="+", default=[],
                    help="results files of `netspec run --json`: entries whose tests passed there are stale")
    ec.set_defaults(func=cmd_expectations_check)
    e.set_defaults(func=lambda args: (e.print_help(), EXIT_USAGE)[1])

    f = sub.add_parser("fetch", help="fetch runtimes into the cache",
                       description="Fetch runtimes from the npm registry into %s: the pinned ones (%s) or "
                                   "any published node@VERSION, bun@VERSION, deno@VERSION."
                                   % (impls.cache_dir(), ", ".join(impls.RUNTIMES)))
    f.add_argument("names", nargs="*", metavar="NAME", help="default: all the pinned ones")
    f.set_defaults(func=cmd_fetch)
    return p


# ----------------------------------------------------------------------- run
def pick_python():
    """An interpreter that can import pytest (the one on PATH may not)."""
    candidates = [os.environ.get("NETSPEC_PYTHON"), sys.executable, "/usr/bin/python3"]
    for py in candidates:
        if py and os.path.exists(py) and subprocess.run(
                [py, "-c", "import pytest"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0:
            return py
    raise UsageError("no Python with pytest found; install it: apt-get install python3-pytest "
                     "python3-pytest-xdist python3-pytest-timeout python3-hypothesis")


def check_shim(argv, label):
    """Start the shim once and read its hello, so a broken command fails in one line."""
    try:
        shim = Shim(argv, name=label)
    except ShimError as exc:
        first = str(exc).splitlines()
        raise UsageError("the shim for %s does not start: %s%s" % (
            label, first[0], ("\n" + "\n".join(first[1:])) if len(first) > 1 else "")) from None
    hello = shim.hello
    shim.close()
    shim.dispose()
    return hello


def check_label(label):
    if not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.@+=-]{0,63}$", label):
        raise UsageError("--label %r: use 1 to 64 letters, digits and _.@+=- (starting with a letter or digit)"
                         % label)
    return label


def which_impl(args):
    """(argv of the shim, label) of run's or shim-check's --impl/--node/--shim/--label."""
    if getattr(args, "node", None):
        args.impl = "node=" + args.node
    if args.shim:
        argv, label = impls.split_shim(args.shim), "custom"
    elif args.impl:
        argv, label = impls.shim_command(args.impl, args.build_dir), args.impl
        if args.impl.startswith("node="):
            label = "node-local"
    else:
        raise UsageError("say what to test: --impl NAME (%s), --node PATH or --shim \"COMMAND\"" % impls.FORMS)
    return argv, check_label(args.label) if getattr(args, "label", None) else label


def rerun_prefix(args, label):
    """The command that re-runs this run's selection (a test id is appended)."""
    if args.shim:
        rerun = "harness/netspec run --shim %s" % shlex.quote(args.shim)
    else:
        rerun = "harness/netspec run --impl %s" % shlex.quote(args.impl)
    if args.impl == "ref" and args.build_dir != "build":
        rerun += " --build-dir %s" % shlex.quote(args.build_dir)
    if args.expectations:
        rerun += " --expectations %s" % shlex.quote(args.expectations)
    default = "custom" if args.shim else "node-local" if args.impl.startswith("node=") else args.impl
    if label != default:
        rerun += " --label %s" % shlex.quote(label)
    return rerun


def cmd_run(args):
    check_run_args(args)
    argv, label = which_impl(args)
    warn_stale_expectations(args.expectations or (impls.default_expectations(args.impl)
                                                  if args.impl and not args.shim else None))
    py = pick_python()
    hello = check_shim(argv, label)
    impl = hello.get("impl", {})
    print("netspec: testing %s %s (%s) through %s" % (
        impl.get("name", "?"), impl.get("version", "?"), label, " ".join(argv)), flush=True)

    cmd = [py, "-m", "pytest", "--rootdir", ROOT, "-c", os.path.join(ROOT, "pytest.ini")]
    cmd += ["--shim", " ".join(shlex.quote(a) for a in argv)] if args.shim else ["--impl", args.impl]
    if args.impl:
        cmd += ["--build-dir", os.path.abspath(args.build_dir)]
    if args.expectations:
        cmd += ["--expectations", os.path.abspath(args.expectations)]
    cmd += ["--rerun-prefix", rerun_prefix(args, label), "--netspec-label", label]
    for prefix in args.req:
        cmd += ["--req", prefix]
    if args.k:
        cmd += ["-k", args.k]
    if args.m:
        cmd += ["-m", args.m]
    if args.j:
        cmd += ["-n", args.j]
    if args.x:
        cmd += ["-x"]
    if args.shard:
        cmd += ["--shard", args.shard]
    if args.durations:
        cmd += ["--shard-durations", os.path.abspath(args.durations)]
    if args.v:
        cmd += ["-" + "v" * args.v]
    if args.q:
        cmd += ["-q"]
    if args.json:
        cmd += ["--netspec-json", os.path.abspath(args.json)]
    if args.junit:
        cmd += ["--junitxml", os.path.abspath(args.junit)]
    cmd += [os.path.abspath(t) if os.path.exists(t.split("::")[0]) else t for t in args.tests] or \
        [os.path.join(ROOT, "conformance")]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.path.join(ROOT, "harness") + os.pathsep + env.get("PYTHONPATH", "")
    for n in range(1, args.repeat + 1):
        code = run_child_checked(cmd, cwd=ROOT, env=env)
        if args.repeat > 1:
            print("netspec: run %d of %d: %s" % (n, args.repeat, "clean" if code == 0 else "UNEXPECTED OUTCOMES"),
                  flush=True)
        if code != 0:
            break
    if args.repeat > 1:
        print("netspec: %d of %d runs clean" % (n if code == 0 else n - 1, args.repeat))
    if code == 5:
        print("netspec: no test matched the selection (-k, -m, --req or TEST); "
              "see harness/netspec spec --json for the requirement ids", file=sys.stderr)
        return EXIT_USAGE
    if code in (0, 1):
        return code
    print("netspec: the run did not complete (pytest exit status %s)%s; its outcomes are not a verdict"
          % (code, "; the results file says so" if args.json else ""), file=sys.stderr)
    return EXIT_USAGE


def check_run_args(args):
    """Everything about `run`'s arguments that can be wrong, before the suite starts."""
    if args.repeat < 1:
        raise UsageError("--repeat needs a count of at least 1")
    if args.shard:
        from .plugin import shard_numbers
        if shard_numbers(args.shard) is None:
            raise UsageError("--shard %s: give K/N with 1 <= K <= N, e.g. --shard 2/4" % args.shard)
    if args.durations and not os.path.isfile(args.durations):
        raise UsageError("--durations %s: no such results file; give a --json file of an earlier run" % args.durations)
    if args.durations and not args.shard:
        raise UsageError("--durations balances shards: give --shard K/N too")
    check_jobs(args.j)
    for flag, path in (("--json", args.json), ("--junit", args.junit)):
        if path:
            check_output_file(flag, path, "results.json" if flag == "--json" else "results.junit.xml")
    if args.expectations:
        if not os.path.exists(args.expectations):
            raise UsageError("no expectations file or directory %s" % args.expectations)
        try:
            specmod.validate_expectations(args.expectations)
        except specmod.ExpectationsError as exc:
            raise UsageError(str(exc)) from None


def check_output_file(flag, path, example):
    """A results file the command will write must be writable where it is
    named (matrix.check_out_path); a missing directory is created."""
    from . import matrix as mx
    try:
        mx.check_out_path(path, flag, example, kind="file")
    except mx.MatrixError as exc:
        raise UsageError(_one_line(exc)) from None
    try:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    except OSError as exc:
        raise UsageError("%s %s: cannot create its directory: %s" % (flag, path, exc.strerror)) from None


def check_jobs(value, flag="-j"):
    """-j takes a number of tests in parallel, 1 or more, or 'auto'/'logical' (pytest-xdist)."""
    if value is not None and value not in ("auto", "logical") and not (value.isdigit() and int(value) >= 1):
        raise UsageError("%s %s: give a number of tests in parallel, 1 or more, or 'auto'" % (flag, value))


def run_child(cmd, **kwargs):
    """Runs pytest in its own process group and returns its exit status.
    SIGINT, SIGTERM and SIGHUP sent to this command go to that whole group
    (the xdist workers too), whose members then end their shims: a cancelled
    CI job leaves no process behind."""
    import signal
    proc = subprocess.Popen(cmd, start_new_session=True, **kwargs)
    forwarded = []

    def forward(signum, frame):
        forwarded.append(signum)
        try:
            os.killpg(proc.pid, signum)
        except ProcessLookupError:
            pass

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        code = proc.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if forwarded:
        raise UsageError("interrupted by signal %d; the run was stopped and its shims ended" % forwarded[0])
    return code


def run_child_checked(cmd, **kwargs):
    """run_child() of a pytest run that writes --netspec-status: a run that
    did not say it completed (no status, or a broken one) gives exit status 3
    whatever pytest returned, with the reason printed."""
    import tempfile
    with tempfile.TemporaryDirectory(prefix="netspec-status") as tmp:
        path = os.path.join(tmp, "status.json")
        code = run_child(cmd + ["--netspec-status", path], **kwargs)
        if code in (0, 1):
            try:
                with open(path, encoding="utf-8") as fh:
                    status = json.load(fh)
            except (OSError, ValueError):
                status = {"complete": False, "broken": "the run ended without saying it completed"}
            if not status.get("complete"):
                print("netspec: %s" % status.get("broken"), file=sys.stderr)
                return 3
    return code


def cmd_shim_check(args):
    from . import shimcheck
    argv, label = which_impl(args)
    return shimcheck.run(argv, label, select=args.k, verbose=args.v)


def warn_stale_expectations(path):
    """One warning line for each expectation naming a suite test that does not exist."""
    if not path or not os.path.exists(path):
        return
    try:
        expects, _ = specmod.read_expectations(path)
    except specmod.ExpectationsError:
        return                      # check_run_args() has said what is wrong
    tests = specmod.scan_tests()
    for entry in expects:
        test = entry.get("test")
        if isinstance(test, str) and test.startswith("conformance/") and test.split("[", 1)[0] not in tests:
            print("netspec: warning: %s: an expectation names %s, which is no test of the suite "
                  "(remove it; harness/netspec expectations check %s)"
                  % (os.path.relpath(entry["_file"]), test, os.path.relpath(path)), file=sys.stderr)


# ---------------------------------------------------------------------- spec
def cmd_spec(args):
    if args.render:
        from . import matrix as mx
        try:
            mx.check_out_path(args.render, "--render", "spec.html")      # before reading the spec
        except mx.MatrixError as exc:
            raise UsageError(str(exc)) from None
    spec = specmod.load(args.spec_dir)
    tests = specmod.scan_tests(args.tests_dir)
    traced = specmod.trace(spec, tests)
    if args.json:
        print(json.dumps({"requirements": [r.as_json(traced[r.id]) for r in spec.requirements]}, indent=1))
        return EXIT_OK if not spec.errors else EXIT_UNEXPECTED
    if args.render:
        from . import matrix as mx
        from .render import render_html
        report_href = None
        if args.report_link:
            report_href = os.path.relpath(os.path.abspath(args.report_link),
                                          os.path.dirname(os.path.abspath(args.render)))
        try:
            from . import history as hist
            history = hist.load() if os.path.abspath(args.spec_dir) == os.path.abspath(specmod.SPEC_DIR) else None
            observed = mx.load_doc(args.results) if args.results else None
            mx.write_atomically(args.render, render_html(spec, traced, report_href=report_href,
                                                         history=history, results=observed).encode("utf-8"))
        except mx.MatrixError as exc:
            raise UsageError(str(exc).replace("choose another --out", "choose another --render")) from None
        print("spec: wrote %s (%d requirements)" % (args.render, len(spec.requirements)))
        return EXIT_OK if not spec.errors else EXIT_UNEXPECTED
    if args.stats:
        print("%-52s %5s %5s %5s %5s" % ("section", "all", "test", "untst", "info"))
        for section in spec.sections:
            reqs = [r for r in spec.requirements if r.section == section]
            print("%-52s %5d %5d %5d %5d" % (section[:52], len(reqs), *(
                sum(1 for r in reqs if r.cls == c) for c in specmod.CLASSES)))
        print("%-52s %5d %5d %5d %5d" % ("total", len(spec.requirements), *(
            sum(1 for r in spec.requirements if r.cls == c) for c in specmod.CLASSES)))
        return EXIT_OK
    if args.copycheck:
        given = args.source or os.environ.get("NETSPEC_SOURCE")
        args.source = given or specmod.default_source()
        if not os.path.exists(args.source):
            if given:
                raise UsageError("the source text is not at %s; pass --source PATH or set NETSPEC_SOURCE" % given)
            print("copy check: skipped: no source text was given (--source PATH or NETSPEC_SOURCE) and there "
                  "is no copy beside the checkout (%s); the spec's wording was not compared" % args.source)
            return EXIT_OK
        shared, total, examples = specmod.copy_check(args.source, args.spec_dir)
        share = shared / total if total else 0.0
        print("copy check: %d of %d word 8-grams of spec/ also occur in the source (%.2f%%, limit %.0f%%)" % (
            shared, total, share * 100, specmod.COPY_LIMIT * 100))
        for ex in examples:
            print("  shared: " + ex)
        return EXIT_UNEXPECTED if share > specmod.COPY_LIMIT else EXIT_OK
    if args.pending:
        pending = [r for r in spec.requirements if r.cls == "testable" and not traced[r.id]]
        for r in pending:
            print("%-44s %s" % (r.id, r.section))
        print("%d of %d testable requirements are cited by no test" % (
            len(pending), sum(1 for r in spec.requirements if r.cls == "testable")))
        return EXIT_OK
    errors = specmod.check(spec, tests, args.expectations_dir)
    if os.path.abspath(args.spec_dir) == os.path.abspath(specmod.SPEC_DIR):
        from . import history as hist
        try:
            doc = hist.load()
        except ValueError as exc:
            doc, errors = None, errors + ["spec/history.json is not JSON: %s" % exc]
        if doc is not None:
            errors += hist.check(doc, spec)
    for e in errors:
        print(e)
    by_class = {c: sum(1 for r in spec.requirements if r.cls == c) for c in specmod.CLASSES}
    cited = sum(1 for ids in traced.values() if ids)
    print("spec: %d requirements (%s); %d tests cite %d of them; %s" % (
        len(spec.requirements), ", ".join("%d %s" % (n, c) for c, n in by_class.items()),
        len(tests), cited, "%d problems" % len(errors) if errors else "OK"))
    return EXIT_UNEXPECTED if errors else EXIT_OK


# ------------------------------------------------------------------- mutants
MUTANTS_DIR = os.path.join(ROOT, "fixtures", "mutants")
# The deep tests of each behaviour a mutant breaks: a mutant must be killed by
# its own area's tests (`--whole-suite` runs everything instead).
MUTANT_AREAS = {
    "eaddrinuse": ["server/test_server_listen_eaddrinuse.py", "server/test_server_listen_again.py",
                   "server/test_server_reuseaddr.py"],
    "dualstack": ["server/test_server_listen_dualstack.py"],
    "halfclose": ["socket/test_socket_half_close.py", "socket/test_socket_half_close_table.py",
                  "socket/test_socket_end.py", "net/test_net_connect_half_open.py"],
    "unixpath": ["ipc"],
    "nodetests": ["socket/test_socket_nodetests.py", "server/test_server_nodetests.py"],
}


def _behaviour(path):
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("// behaviour:"):
                return line.split(":", 1)[1].strip()
    return "?"


def cmd_mutants(args):
    import tempfile
    names = args.names or sorted(n for n in os.listdir(MUTANTS_DIR) if n.endswith(".js"))
    node = impls.runtime_path(args.impl)
    py = pick_python()
    survivors = 0
    print("%-36s %-11s %s" % ("mutant", "behaviour", "killed by"))
    for name in names:
        path = os.path.join(MUTANTS_DIR, name)
        if not os.path.exists(path):
            raise UsageError("no mutant %s in fixtures/mutants/" % name)
        shim = " ".join(shlex.quote(a) for a in (node, "-r", path, impls.NODE_SHIM))
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "r.json")
            area = MUTANT_AREAS.get(_behaviour(path))
            targets = ([os.path.join(ROOT, "conformance", t) for t in area] if area and not args.whole_suite
                       else [os.path.join(ROOT, "conformance")])
            cmd = [py, "-m", "pytest", "--rootdir", ROOT, "-c", os.path.join(ROOT, "pytest.ini"), "-q",
                   "--shim", shim, "--netspec-json", out] + targets
            if args.j:
                cmd += ["-n", args.j]
            # A mutant mostly fails by never emitting what a test waits for: short deadlines
            # (still ample on loopback) keep the whole run to seconds.
            env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "harness"), NETSPEC_TIMEOUT_SCALE="0.3")
            subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if not os.path.exists(out):
                raise UsageError("the shim did not start with mutant %s; try: %s" % (name, shim))
            with open(out, encoding="utf-8") as fh:
                results = json.load(fh)["results"]
        killers = [r["test"].split("::")[-1] for r in results if r["outcome"] == "failed"]
        survivors += not killers
        print("%-36s %-11s %s" % (name, _behaviour(path), (
            "%d: %s" % (len(killers), ", ".join(killers[:4]) + (", ..." if len(killers) > 4 else ""))
            if killers else "NOTHING - the mutant survives")))
    print("mutants: %d killed, %d survived" % (len(names) - survivors, survivors))
    return EXIT_UNEXPECTED if survivors else EXIT_OK


# -------------------------------------------------------------------- matrix
def _one_line(text):
    return " ".join(str(text).split("\n"))


def cmd_matrix(args):
    from . import matrix as mx
    try:
        # What can be wrong with the arguments is found before any suite runs.
        mx.check_out_path(args.out, "--out")
        from_docs, errors = [], {}
        if args.from_files:
            bad = []
            for path in mx.expand_from(args.from_files):
                try:
                    from_docs.append(mx.load_doc(path))
                except mx.MatrixError as exc:
                    bad.append(exc)
            for exc in bad:                              # one line per file that is not a results file
                print("netspec: %s" % _one_line(exc), file=sys.stderr)
            if bad:
                return EXIT_USAGE
            from_docs = mx.merge_docs(from_docs)          # the shards of one run become one column
        docs = []
        if args.impls is not None or not args.from_files:
            entries = matrix_entries(args.impls if args.impls is not None
                                     else ",".join(("ref",) + tuple(impls.RUNTIMES)))
            labels = [label for label, _, _ in entries]
            clash = _clashes(labels + [d["impl"].get("label") for d in from_docs])
            if clash:
                raise UsageError("two columns would have the label %s (in --impls or --from); give a shim "
                                 "command its own label as LABEL=COMMAND" % ", ".join(clash))
            if args.parallel < 1:
                raise UsageError("--parallel %d: give how many implementations run at once, 1 or more"
                                 % args.parallel)
            check_jobs(args.j)
            mx.check_dir_path(args.json_dir, "--json-dir")
            select = (["-k", args.k] if args.k else []) + [a for p in args.req for a in ("--req", p)]
            select += [os.path.abspath(t) if os.path.exists(t.split("::")[0]) else t for t in args.tests]
            print("matrix: %s, %d at a time, -j %s each; results in %s" % (
                ", ".join(labels), args.parallel, args.j, args.json_dir), flush=True)
            docs, errors = mx.run_all(entries, args.json_dir, parallel=args.parallel, jobs=args.j,
                                      build_dir=args.build_dir and os.path.abspath(args.build_dir),
                                      select=select)
        docs += from_docs
        labels = [d["impl"].get("label") for d in docs]
        clash = _clashes(labels)
        if clash:
            raise UsageError("two results files are for the same implementation label %s; re-run one with "
                             "`run --label NAME`" % ", ".join(clash))
        m, size = mx.write_report(docs, errors, args.out, spec_dir=args.spec_dir, tests_dir=args.tests_dir)
    except mx.MatrixError as exc:
        raise UsageError(_one_line(exc)) from None
    width = max([14] + [len(label) for label in m.labels])
    print("%-*s %7s %9s %10s %10s %8s %8s   %s" % (width, "impl", "passed", "expected", "unexp-fail", "unexp-pass",
                                                  "skipped", "not run", "cells P/E/F/U/S/./-"))
    for col, label in enumerate(m.labels):
        s, c = m.summary(col), m.cell_counts(col)
        print("%-*s %7d %9d %10d %10d %8d %8d   %s" % (
            width, label, s["passed"], s["xfailed"], s["failed"], s["xpassed"], s["skipped"], s["notrun"],
            "/".join(str(c[k]) for k in ("passed", "xfailed", "failed", "xpassed", "skipped", "notrun", "none"))))
    print("(expected: failures an expectations file lists; unexp-fail: failures none lists; unexp-pass: "
          "listed failures that passed; cells: requirements by their worst outcome)")
    print("matrix: wrote %s (%s; %d requirements x %d implementations, %d tests)" % (
        args.out, mx.size_text(size), len(m.row_ids()), len(m.labels), len(m.tests)))
    bad = m.unexpected()
    if errors and len(errors) == len(docs):
        print("matrix: no implementation gave results", file=sys.stderr)
        return EXIT_USAGE
    if bad:
        print("matrix: unexpected outcomes or no results: %s" % ", ".join(bad))
        return EXIT_UNEXPECTED
    return EXIT_OK


def _clashes(labels):
    return sorted({label for label in labels if labels.count(label) > 1})


def matrix_entries(text):
    """[(label, "impl" | "shim", value)] of --impls: NAME as run --impl takes it,
    or LABEL=COMMAND (a shim command; it may not hold a comma)."""
    entries = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        label, eq, command = part.partition("=")
        if eq and label != "node":
            check_label(label)
            impls.split_shim(command)
            entries.append((label, "shim", command))
            continue
        if part not in impls.NAMED and not impls.family_of(part) and not part.startswith("node="):
            raise UsageError("--impls: unknown %s; each entry is a name (%s) or LABEL=COMMAND" % (part, impls.FORMS))
        entries.append((part if not part.startswith("node=") else "node-local", "impl", part))
    if not entries:
        raise UsageError("--impls is empty; name implementations, e.g. --impls ref,node8")
    return entries


# ------------------------------------------------------------------- history
def cmd_history(args):
    from . import history as hist
    from . import matrix as mx
    m = re.match(r"^(\d+)-(\d*)$", args.lines)
    if not m:
        raise UsageError("--lines %s: give FIRST-LAST major lines, e.g. 8-26, or 8- for all from 8" % args.lines)
    lines = (int(m.group(1)), int(m.group(2)) if m.group(2) else None)
    if args.plan:
        print(json.dumps(hist.newest_per_line(hist.releases(), *lines)))
        return EXIT_OK
    if args.show:
        doc = hist.load()
        if doc is None:
            raise UsageError("there is no spec/history.json yet; make it: harness/netspec history --write")
    else:
        if args.html:
            check_output_file("--html", args.html, "history.html")
        try:
            docs = mx.merge_docs([mx.load_doc(p) for p in mx.expand_from(args.from_files)]) if args.from_files else []
        except mx.MatrixError as exc:
            raise UsageError(_one_line(exc)) from None
        import time
        t0 = time.monotonic()
        try:
            doc = hist.build(lines=lines, prefixes=args.req, jobs=args.j, from_docs=docs,
                             bisecting=not args.no_bisect, keep_runtimes=args.keep_runtimes)
        except hist.HistoryError as exc:
            raise UsageError(str(exc)) from None
        print("history: %d Node versions measured (%d lines, %d bisection probes; %d runs, %d fetched), "
              "%d requirements changed at least once, %.0f s" % (
                  len(doc["probed"]), len(doc["measured"]), len(doc["probed"]) - len(doc["measured"]), doc["runs"],
                  len(doc["fetched"]), len(doc["changes"]), time.monotonic() - t0))
        if args.write:
            from .plugin import write_json_atomic
            write_json_atomic(hist.HISTORY_FILE, hist.for_file(doc))
            print("history: wrote %s" % os.path.relpath(hist.HISTORY_FILE))
    if args.html:
        from .render import history_html
        with open(args.html, "w", encoding="utf-8") as fh:
            fh.write(history_html(doc))
        print("history: wrote %s" % args.html)
    hist.story(doc, args.req)
    return EXIT_OK


# --------------------------------------------------------------------- cache
def _size(path):
    total = 0
    for d, _, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(d, f)).st_size
            except OSError:
                pass
    return total


def cmd_cache(args):
    import shutil
    from . import history as hist
    root = impls.cache_dir()
    pinned = {"%s-%s" % (pkg.lstrip("@").replace("/", "+"), ver) for pkg, ver, _ in impls.RUNTIMES.values()}
    runtimes = sorted(n for n in (os.listdir(root) if os.path.isdir(root) else [])
                      if re.match(r"^.+-\d+\.\d+\.\d+.*$", n) and os.path.isdir(os.path.join(root, n)))
    results = hist.Cache().entries()
    if args.action == "list":
        for n in runtimes:
            print("runtime  %-40s %8.1f MB%s" % (n, _size(os.path.join(root, n)) / 1e6, "  (pinned)" if n in pinned else ""))
        by_version = {}
        for version, path, fresh in results:
            by_version.setdefault(version, [0, 0])[0 if fresh else 1] += 1
        for version, (fresh, stale) in sorted(by_version.items(), key=lambda kv: impls._version_key(kv[0])):
            print("history  node@%-35s %4d test files%s" % (version, fresh, ", %d stale" % stale if stale else ""))
        print("cache: %s, %.1f MB" % (root, _size(root) / 1e6))
        return EXIT_OK
    removed = 0
    for n in runtimes:
        if n not in pinned:
            shutil.rmtree(os.path.join(root, n), ignore_errors=True)
            removed += 1
    for version, path, fresh in results:
        if args.all or not fresh:
            os.unlink(path)
            removed += 1
    print("cache: removed %d entries; %s now holds %.1f MB" % (removed, root, _size(root) / 1e6))
    return EXIT_OK


# --------------------------------------------------------------------- merge
def cmd_merge(args):
    from . import matrix as mx
    from .plugin import write_json_atomic
    check_output_file("--out", args.out, "merged.json")
    try:
        docs = [mx.load_doc(p) for p in mx.expand_from(args.files)]
        merged = mx.merge_docs(docs)
    except mx.MatrixError as exc:
        raise UsageError(_one_line(exc)) from None
    if len(merged) != 1:
        raise UsageError("the files are of %d implementations (%s); merge the shards of one run at a time"
                         % (len(merged), ", ".join(str(d["impl"].get("label")) for d in merged)))
    write_json_atomic(args.out, merged[0])
    s = merged[0]["summary"]
    print("merge: wrote %s: %d files, %d tests (%s)" % (args.out, len(docs), len(merged[0]["results"]),
                                                       ", ".join("%d %s" % (v, k) for k, v in s.items())))
    return EXIT_OK


# -------------------------------------------------------------- expectations
def cmd_expectations_draft(args):
    from . import expectations as ex
    if args.base and not os.path.exists(args.base):
        raise UsageError("--base %s does not exist; name an expectations directory, e.g. harness/expectations/node22"
                         % args.base)
    if os.path.exists(args.out) and not os.path.isdir(args.out):
        raise UsageError("--out %s is a file; name a directory to write the drafted .toml files into" % args.out)
    try:
        kept, new, dropped = ex.draft(args.results, args.out, base=args.base)
    except (ex.DraftError, specmod.ExpectationsError) as exc:
        raise UsageError(str(exc)) from None
    print("expectations: wrote %s: %d entries kept from %s, %d new (their `why` is marked TODO), %d dropped"
          % (args.out, kept, args.base or "no base", new, dropped))
    return EXIT_OK


def cmd_expectations_check(args):
    from . import expectations as ex
    if not os.path.exists(args.path):
        raise UsageError("no expectations file or directory %s" % args.path)
    try:
        return EXIT_UNEXPECTED if ex.check(args.path, args.results) else EXIT_OK
    except ex.DraftError as exc:
        raise UsageError(str(exc)) from None


# --------------------------------------------------------------------- fetch
def cmd_fetch(args):
    names = args.names or list(impls.RUNTIMES)
    for name in names:
        if name not in impls.RUNTIMES and not impls.family_of(name):
            raise UsageError("unknown runtime %r: one of %s, or node@VERSION, bun@VERSION, deno@VERSION"
                             % (name, ", ".join(impls.RUNTIMES)))
        print("%s: %s" % (name, impls.runtime_path(name)))
    return EXIT_OK


if __name__ == "__main__":
    # Run the package's copy of this module, not this __main__ one: a module that imports
    # netspec_harness.cli (history runs through run_child) then raises the UsageError main() catches.
    from netspec_harness.cli import main as package_main
    sys.exit(package_main())
