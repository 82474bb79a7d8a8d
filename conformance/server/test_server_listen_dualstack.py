"""Host omitted: dual-stack '::' where IPv6 exists, '0.0.0.0' where it does not."""
from netspec_harness import needs, peer, req


@req("SERVER.LISTEN.HOST.OMITTED.2")
def test_host_omitted_falls_back_to_ipv4_without_ipv6(start_impl, noipv6):
    # noipv6 runs the shim as on a kernel without IPv6: socket(AF_INET6) fails
    # with EAFNOSUPPORT (a sysctl-disabled IPv6 in a namespace is not enough:
    # AF_INET6 sockets can still bind '::' there).
    impl = start_impl(prefix=[noipv6])
    srv = impl.net.createServer()
    srv.listen(0)
    srv.wait("listening")
    addr = srv.address()
    assert (addr["address"], addr["family"]) == ("0.0.0.0", "IPv4")
    with peer.connect_tcp("127.0.0.1", addr["port"]):
        srv.wait("connection")


@needs("ipv6")
@req("SERVER.LISTEN.HOST.OMITTED.1")
def test_host_omitted_accepts_ipv4_and_ipv6_clients(impl):
    srv = impl.net.createServer()
    srv.listen(0)
    srv.wait("listening")
    port = srv.address()["port"]
    with peer.connect_tcp("127.0.0.1", port), peer.connect_tcp("::1", port):
        first = srv.wait("connection").args[0]
        second = srv.wait("connection").args[0]
        remotes = {first.get("remoteAddress"), second.get("remoteAddress")}
    assert remotes == {"::ffff:127.0.0.1", "::1"}
