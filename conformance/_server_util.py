"""The suite's words for servers, shared by every area (server/, ipc/, socket/,
net/, reliability/): imported as `from _server_util import ...` (the root
conftest.py puts conformance/ on sys.path). Each helper asserts the rules that
hold on its way, so they are checked the same way everywhere:

    listening(srv, *args)            srv.listen(*args) returns srv, then
                                     'listening' comes; gives srv.address()
    listening_server(impl, *args)    a new server listening on args
                                     (default: port 0 on 127.0.0.1)
    fail_to_listen(impl, *args)      a new server whose listen(*args) returns
                                     it and then emits 'error' (not
                                     'listening'), after the return; gives
                                     (server, error)

listen() returning its server is SERVER.LISTEN.RETURNS.1; 'error' coming after
listen() returned is SERVER.LISTEN.EADDRINUSE.2 (and, for every listen error,
the asynchronous delivery the spec states per error). Tests that are about
those rules cite them; the others get them checked for free.
"""


def _shown(args):
    """The arguments for a message; a path as its length (temporary paths are long
    and differ from run to run): listen(108-byte path)."""
    return ", ".join("%d-byte path" % len(a.encode()) if isinstance(a, str) and "/" in a else repr(a)
                     for a in args)


def listening(srv, *args):
    """Listen on `args` and wait for 'listening' (a wait that ends early, with
    the error, when 'error' comes instead); the server's address()."""
    assert srv.listen(*args) is srv, "listen(%s) must return its server" % _shown(args)
    srv.wait("listening")
    return srv.address()


def listening_server(impl, *args):
    """A new server listening on `args` (port 0 on 127.0.0.1 when none)."""
    srv = impl.net.createServer()
    listening(srv, *(args or (0, "127.0.0.1")))
    return srv


def fail_to_listen(impl, *args, context=lambda: ""):
    """A new server whose listen(*args) fails: (server, error). `context()`
    adds to the message when it succeeds instead (e.g. the files present)."""
    srv = impl.net.createServer()
    assert srv.listen(*args) is srv, "listen(%s) must return its server, even when it will fail" % _shown(args)
    returned_at = impl.last_response_seq
    impl.wait_until(lambda: {"error", "listening"} & set(srv.names()), None,
                    "'error' or 'listening' after listen(%s)" % _shown(args))
    assert "listening" not in srv.names(), "listen(%s) succeeded: it must fail%s" % (_shown(args), context())
    ev = srv.wait("error")
    assert ev.seq > returned_at, "'error' must come after listen() returned"
    return srv, ev.args[0]
