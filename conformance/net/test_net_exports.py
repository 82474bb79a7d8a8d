"""What require('net') provides: the factories, the address tests and the two classes."""
from netspec_harness import peer, req
from netspec_harness.values import Opaque

EXPORTS = ["createServer", "createConnection", "connect", "isIP", "isIPv4", "isIPv6", "Server", "Socket"]


@req("NET.MODULE.EXPORTS.1")
def test_the_module_has_its_functions_and_classes(impl):
    got = {n: impl.net.get(n) for n in EXPORTS}
    missing = [n for n, v in got.items() if not (isinstance(v, Opaque) and v.type_name == "Function")]
    assert not missing, "not functions on the module: %r" % {n: got[n] for n in missing}


@req("NET.MODULE.EXPORTS.1")
def test_the_classes_make_servers_and_sockets(impl):
    srv = impl.new("Server")
    assert srv.get("listening") is False
    srv.listen(0, "127.0.0.1")
    srv.wait("listening")
    sock = impl.new("Socket")
    assert sock.get("connecting") is False
    with peer.tcp_listener("127.0.0.1") as lst:
        sock.connect(lst.getsockname()[1], "127.0.0.1")
        sock.wait("connect")
        peer.accept(lst).close()
