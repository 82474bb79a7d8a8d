"""Randomized schedules of one connection, drawn by hypothesis: writes of 1 B
to 1 MiB, pause()/resume(), setEncoding(), end(), against a real peer that
reads at random rates, sends random chunks, half-closes or resets. After each
schedule both ends' records must satisfy the byte and event invariants
(`_schedules.Run.check`): every byte arrives once and in order, bytesRead and
bytesWritten match what the peer counted, no 'data' after 'end', 'end' at
most once, 'close' exactly once and last, hadError true iff an 'error' was
emitted, no 'data' while paused.

Knobs (environment; see conformance/reliability/README.md):
  NETSPEC_SCHEDULE_EXAMPLES=N   examples per randomized test (default 50)
  NETSPEC_SCHEDULE_SEED=N       explore other schedules (default: derandomized, the same every run)
  NETSPEC_SCHEDULE_SHRINK=1     shrink a failing schedule to a smaller one (slow)

A failing schedule is printed as one line of JSON; saved as
fixtures/schedules/NAME.json it is replayed by test_saved_schedule.
"""
import glob
import json
import os
import sys

import pytest
from hypothesis import HealthCheck, Phase, given, reject, seed, settings

from netspec_harness import req

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _schedules import run_schedule, schedules, validate  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAVED_DIR = os.path.join(ROOT, "fixtures", "schedules")


def _int_env(name, default):
    value = os.environ.get(name, "")
    try:
        return int(value) if value.strip() else default
    except ValueError:
        raise pytest.UsageError("%s must be an integer, not %r" % (name, value)) from None


EXAMPLES = _int_env("NETSPEC_SCHEDULE_EXAMPLES", 50)
SEED = _int_env("NETSPEC_SCHEDULE_SEED", None)
SHRINK = os.environ.get("NETSPEC_SCHEDULE_SHRINK", "") not in ("", "0")


def _settings(test):
    """Bounded by default: a fixed sequence of examples (derandomize), no
    example database, no shrinking; the knobs above widen it."""
    phases = [Phase.explicit, Phase.generate] + ([Phase.shrink] if SHRINK else [])
    test = settings(max_examples=EXAMPLES, deadline=None, derandomize=SEED is None, database=None,
                    phases=phases, print_blob=False,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large, HealthCheck.large_base_example])(test)
    if SEED is not None:
        test = seed(SEED)(test)
    # a few seconds an example at worst, more when shrinking
    return pytest.mark.timeout(max(60, EXAMPLES * (20 if SHRINK else 4)))(test)


def _one(impl, sock_dir, schedule):
    if schedule["transport"] == "unix" and "pipe" not in impl.capabilities:
        reject()
    # The shim is shared by the examples of a test; its log keeps only the
    # current example (the timeline of a failure is the failing example's).
    impl.log.clear()
    impl.note("schedule %s" % json.dumps(schedule))
    run_schedule(impl, sock_dir, schedule)


# The requirement ids each kind of schedule checks, written once; `harness/netspec spec`
# reads module-level tuples like these when a test cites them as @req(*NAME).
# What every schedule checks: the stream's events, counters and half-close.
STREAM = (
    "SOCKET.EVENT.DATA.STREAM.1", "SOCKET.EVENT.DATA.BYTES.1", "SOCKET.EVENT.DATA.AFTER_END.1",
    "SOCKET.EVENT.END.1", "SOCKET.EVENT.END.ONCE.1", "SOCKET.EVENT.END.BEFORE_CLOSE.1",
    "SOCKET.EVENT.END.NOT_ON_ERROR.1", "SOCKET.EVENT.CLOSE.1", "SOCKET.EVENT.CLOSE.HAD_ERROR.1",
    "SOCKET.EVENT.CLOSE.HAD_ERROR.2", "SOCKET.EVENT.ERROR.CLOSE.1", "SOCKET.ECONNRESET.1",
    "SOCKET.BYTESREAD.1", "SOCKET.BYTESREAD.FINAL.1", "SOCKET.BYTESWRITTEN.1", "SOCKET.BYTESWRITTEN.FINAL.1",
    "SOCKET.BYTESWRITTEN.QUEUED.1", "SOCKET.HALFOPEN.FALSE.1", "SOCKET.HALFOPEN.FALSE.3",
    "SOCKET.HALFOPEN.TRUE.2", "SOCKET.HALFOPEN.TRUE.3", "SOCKET.END.RETURNS.1", "SOCKET.END.FIN.1",
    "SOCKET.PAUSE.1", "SOCKET.PAUSE.RETURNS.1", "SOCKET.RESUME.RETURNS.1",
)

# ... when the implementation writes.
WRITING = (
    "SOCKET.WRITE.QUEUE.1", "SOCKET.WRITE.ENCODING.1", "SOCKET.EVENT.DRAIN.1", "SOCKET.HALFOPEN.FALSE.2",
    "SOCKET.HALFOPEN.TRUE.1", "SOCKET.END.DATA.1",
)

# ... when the peer sends and the implementation pauses, resumes, sets an encoding.
READING = (
    "SOCKET.PAUSE.KEEPS.1", "SOCKET.PAUSE.END.1", "SOCKET.RESUME.1", "SOCKET.RESUME.FLOWING.1",
    "SOCKET.EVENT.DATA.STRING.1", "SOCKET.BYTESREAD.BYTES.1", "SOCKET.SET_ENCODING.RETURNS.1",
    "SOCKET.SET_ENCODING.UTF8.1", "SOCKET.SET_ENCODING.SPLIT.1", "SOCKET.SET_ENCODING.INCOMPLETE.1",
    "SOCKET.SET_ENCODING.OTHER.1",
)


@pytest.mark.reliability
@req(*STREAM, *WRITING)
@_settings
@given(schedule=schedules("out"))
def test_schedules_impl_writes(impl, sock_dir, schedule):
    """The implementation writes random chunks (as buffers or encoded
    strings); the peer reads at random rates or not at all (backpressure)."""
    _one(impl, sock_dir, schedule)


@pytest.mark.reliability
@req(*STREAM, *READING)
@_settings
@given(schedule=schedules("in"))
def test_schedules_peer_sends(impl, sock_dir, schedule):
    """The peer sends random chunks while the implementation pauses, resumes
    and sets an encoding."""
    _one(impl, sock_dir, schedule)


@pytest.mark.reliability
@req(*STREAM, *WRITING, *READING)
@_settings
@given(schedule=schedules("both"))
def test_schedules_both_directions(impl, sock_dir, schedule):
    """Both directions at once, every step kind interleaved."""
    _one(impl, sock_dir, schedule)


def _saved():
    paths = sorted(glob.glob(os.path.join(SAVED_DIR, "*.json")))
    return [pytest.param(p, id=os.path.splitext(os.path.basename(p))[0]) for p in paths]


@pytest.mark.reliability
@pytest.mark.parametrize("path", _saved())
@req(*STREAM, *WRITING, *READING)
def test_saved_schedule(impl, sock_dir, path):
    """A schedule saved in fixtures/schedules/ (a past failure or a case
    worth keeping), replayed as is."""
    with open(path, encoding="utf-8") as fh:
        schedule = validate(json.load(fh))
    if schedule["transport"] == "unix" and "pipe" not in impl.capabilities:
        pytest.skip("the implementation does not claim capability pipe (a Unix-domain schedule)")
    run_schedule(impl, sock_dir, schedule)
