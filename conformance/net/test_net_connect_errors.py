"""Errors of net.connect() / net.createConnection(): what is thrown at once
(bad port, host, path) and what arrives later as 'error' (a refused connection)."""
import math

from netspec_harness import UNDEFINED, Threw, peer, req


def refused(impl):
    port = peer.closed_port()
    sock = impl.net.createConnection(port, "127.0.0.1")
    returned_at = impl.last_response_seq
    ev = sock.wait("error")
    assert ev.seq > returned_at, "'error' must come after the factory returned"
    return sock, ev.args[0], port


def throws(impl, *args):
    """Calls net.connect(*args), which must throw; returns the error, or a
    description of what happened instead."""
    try:
        sock = impl.net.connect(*args)
    except Threw as exc:
        return exc.error
    sock.destroy()
    return "returned a socket"


def check_thrown(impl, table, name, prefix):
    """Each entry (args, shown) must throw `name` without a code, with the
    message prefix + shown; nothing may be emitted afterwards (a round trip).
    The calls are single requests with nothing to wait for, so one shim
    checks the whole table and the failure lists every wrong entry."""
    wrong = []
    for args, shown in table:
        err = throws(impl, *args)
        got = err if isinstance(err, str) else (err.name, err.code, err.message)
        want = (name, UNDEFINED, prefix + shown)
        if got != want:
            wrong.append("connect(%s): got %r, expected %r" % (", ".join(map(repr, args)), got, want))
    impl.net.get("isIP")                         # a round trip
    assert impl.events() == [], "a thrown call leaves no socket behind that emits"
    assert not wrong, "%d of %d calls wrong:\n  %s" % (len(wrong), len(table), "\n  ".join(wrong))


@req("NET.CREATECONNECTION.ERROR.ASYNC.1")
def test_refused_connection_is_an_error_event_then_close(impl):
    sock, err, port = refused(impl)
    close = sock.wait("close")
    assert (err.name, err.code, err.syscall, err.address, err.port) == \
        ("Error", "ECONNREFUSED", "connect", "127.0.0.1", port)
    assert err.message == "connect ECONNREFUSED 127.0.0.1:%d" % port
    assert close.args == [True], "'close' must say hadError"
    assert sock.names() == ["error", "close"]


@req("NET.CREATECONNECTION.ERROR.ASYNC.1")
def test_refused_error_errno_is_the_code_string(impl):
    _, err, _ = refused(impl)
    assert err.errno == "ECONNREFUSED"


# ------------------------------------------------------------------ bad ports
BAD_PORTS = [
    (70000, "70000"), (65536, "65536"), (-1, "-1"), (1.5, "1.5"), (math.nan, "NaN"),
    ("", ""), (" ", " "), ("1.5", "1.5"), ("Infinity", "Infinity"),
]
RANGE = '"port" option should be >= 0 and < 65536: '
TYPE = '"port" option should be a number or string: '


@req("NET.CREATECONNECTION.BADPORT.1")
def test_positional_port_out_of_range_throws_range_error(impl):
    check_thrown(impl, [([port, "127.0.0.1"], shown) for port, shown in BAD_PORTS], "RangeError", RANGE)


@req("NET.CREATECONNECTION.BADPORT.1")
def test_options_port_out_of_range_throws_range_error(impl):
    table = [([{"port": port, "host": "127.0.0.1"}], shown) for port, shown in BAD_PORTS + [("abc", "abc")]]
    check_thrown(impl, table, "RangeError", RANGE)


@req("NET.CREATECONNECTION.BADPORT.2")
def test_port_of_the_wrong_type_throws_type_error(impl):
    check_thrown(impl, [([None], "null"), ([True], "true"), ([{"port": None}], "null"),
                        ([{"port": True}], "true"), ([{"port": {}}], "[object Object]")], "TypeError", TYPE)


@req("NET.CREATECONNECTION.BADHOST.1")
def test_options_host_of_the_wrong_type_throws(impl):
    check_thrown(impl, [([{"port": 1, "host": 123}], ""), ([{"port": 1, "host": {}}], "")],
                 "TypeError", "Invalid arguments: hostname must be a string or falsey")


@req("NET.CREATECONNECTION.BADPATH.1")
def test_options_path_of_the_wrong_type_throws(impl):
    err = throws(impl, {"path": 123})
    assert not isinstance(err, str), "connect({path: 123}) " + err
    impl.net.get("isIP")                         # a round trip
    assert impl.events() == []
    assert err.code == "ERR_INVALID_ARG_TYPE"
    assert err.name == "TypeError [ERR_INVALID_ARG_TYPE]"
    assert err.message == 'The "options.path" argument must be of type string. Received type number'
