"""server.listen() on an address that is already in use, and the documented retry.

The holder of the address is a plain socket of the test (the real peer); the
server under test tries to listen on the same address and must fail with
EADDRINUSE through its 'error' event.
"""
import os
import socket
import subprocess

import pytest

from netspec_harness import needs, peer, req
from _server_util import fail_to_listen


@req("SERVER.LISTEN.EADDRINUSE.1", "SERVER.ERROR.FIELDS.1")
def test_ipv4_port_in_use(impl):
    with peer.tcp_listener("127.0.0.1") as holder:
        port = holder.getsockname()[1]
        _, err = fail_to_listen(impl, port, "127.0.0.1")
    assert (err.name, err.code, err.syscall, err.address, err.port) == \
        ("Error", "EADDRINUSE", "listen", "127.0.0.1", port)


@needs("ipv6")
@req("SERVER.LISTEN.EADDRINUSE.1", "SERVER.ERROR.FIELDS.1")
def test_ipv6_loopback_port_in_use(impl):
    with peer.tcp_listener("::1") as holder:
        port = holder.getsockname()[1]
        _, err = fail_to_listen(impl, port, "::1")
    assert (err.code, err.syscall, err.address, err.port) == ("EADDRINUSE", "listen", "::1", port)


@req("SERVER.LISTEN.EADDRINUSE.1", "SERVER.ERROR.FIELDS.1", "SERVER.ERROR.MESSAGE.1")
def test_a_host_name_is_reported_as_the_address_it_resolved_to(impl):
    # 'localhost' resolves to 127.0.0.1 (SERVER.LISTEN.HOST.2): the error names
    # the address that was bound, not the name the program gave.
    with peer.tcp_listener("127.0.0.1") as holder:
        port = holder.getsockname()[1]
        _, err = fail_to_listen(impl, port, "localhost")
    assert (err.code, err.syscall, err.address, err.port) == ("EADDRINUSE", "listen", "127.0.0.1", port)
    assert err.message == "listen EADDRINUSE 127.0.0.1:%d" % port


@needs("ipv6")
@req("SERVER.LISTEN.EADDRINUSE.1", "SERVER.ERROR.FIELDS.1")
def test_an_ip_address_is_reported_as_written(impl):
    with peer.tcp_listener("::1") as holder:
        port = holder.getsockname()[1]
        _, err = fail_to_listen(impl, port, "0:0:0:0:0:0:0:1")
    assert (err.code, err.address, err.port) == ("EADDRINUSE", "0:0:0:0:0:0:0:1", port)


@needs("ipv6")
@req("SERVER.LISTEN.EADDRINUSE.1", "SERVER.ERROR.FIELDS.1", "SERVER.LISTEN.HOST.OMITTED.1")
def test_host_omitted_port_in_use(impl):
    # A dual-stack holder on "::" takes the port for IPv4 and IPv6 alike.
    with peer.tcp_listener("::", v6only=False) as holder:
        port = holder.getsockname()[1]
        _, err = fail_to_listen(impl, port)
    assert (err.code, err.syscall, err.address, err.port) == ("EADDRINUSE", "listen", "::", port)


@needs("pipe")
@req("SERVER.LISTEN.EADDRINUSE.1", "SERVER.ERROR.FIELDS.2")
def test_unix_path_held_by_live_server(impl, sock_dir):
    path = os.path.join(sock_dir, "held.sock")
    with peer.unix_listener(path):
        _, err = fail_to_listen(impl, path)
    assert (err.name, err.code, err.syscall, err.address, err.port) == \
        ("Error", "EADDRINUSE", "listen", path, -1)


@req("SERVER.LISTEN.EADDRINUSE.2", "SERVER.LISTEN.RETURNS.1")
def test_error_is_emitted_after_listen_returns(impl):
    with peer.tcp_listener("127.0.0.1") as holder:
        srv, err = fail_to_listen(impl, holder.getsockname()[1], "127.0.0.1")
    assert err.code == "EADDRINUSE"


@req("SERVER.LISTEN.EADDRINUSE.3", "SERVER.EVENT.ERROR.NO_CLOSE.1", "SERVER.ADDRESS.NOT_LISTENING.1")
def test_not_listening_after_the_error(impl):
    with peer.tcp_listener("127.0.0.1") as holder:
        srv, _ = fail_to_listen(impl, holder.getsockname()[1], "127.0.0.1")
    assert srv.get("listening") is False
    assert srv.address() is None
    # Everything emitted before the last response is in the log: only 'error'.
    assert srv.names() == ["error"], "after a failed listen only 'error' may be emitted"


@req("SERVER.ERROR.MESSAGE.1")
def test_error_message_names_syscall_code_and_address(impl):
    with peer.tcp_listener("127.0.0.1") as holder:
        port = holder.getsockname()[1]
        _, err = fail_to_listen(impl, port, "127.0.0.1")
    assert err.message == "listen EADDRINUSE 127.0.0.1:%d" % port


@req("SERVER.ERROR.ERRNO.1")
def test_errno_is_the_code_string(impl):
    with peer.tcp_listener("127.0.0.1") as holder:
        _, err = fail_to_listen(impl, holder.getsockname()[1], "127.0.0.1")
    assert err.errno == "EADDRINUSE"


@req("SERVER.LISTEN.EADDRINUSE.RETRY.1", "SERVER.CLOSE.NOT_RUNNING.1")
def test_documented_retry_succeeds_once_the_holder_lets_go(impl):
    holder = peer.tcp_listener("127.0.0.1")
    port = holder.getsockname()[1]
    srv, err = fail_to_listen(impl, port, "127.0.0.1")
    assert err.code == "EADDRINUSE"
    holder.close()                       # the other process gives the port up
    srv.close()                          # the documented recovery: close ...
    srv.listen(port, "127.0.0.1")        # ... and listen again on the same address
    srv.wait("listening")
    assert srv.names() == ["error", "close", "listening"]
    assert srv.address() == {"address": "127.0.0.1", "family": "IPv4", "port": port}
    with peer.connect_tcp("127.0.0.1", port):
        srv.wait("connection")


@req("SERVER.LISTEN.EADDRINUSE.RETRY.1")
def test_retry_while_still_held_fails_again(impl):
    with peer.tcp_listener("127.0.0.1") as holder:
        port = holder.getsockname()[1]
        srv, _ = fail_to_listen(impl, port, "127.0.0.1")
        srv.close()
        srv.listen(port, "127.0.0.1")
        second = srv.wait("error").args[0]
    assert (second.code, second.port) == ("EADDRINUSE", port)
    assert srv.get("listening") is False


@req("SERVER.LISTEN.EADDRINUSE.RETRY.2")
def test_listen_again_without_close_after_the_error(impl):
    holder = peer.tcp_listener("127.0.0.1")
    port = holder.getsockname()[1]
    srv, err = fail_to_listen(impl, port, "127.0.0.1")
    assert err.code == "EADDRINUSE"
    srv.listen(port, "127.0.0.1")              # no close(): still held, fails again
    again = srv.wait("error").args[0]
    assert (again.code, again.port) == ("EADDRINUSE", port)
    assert srv.get("listening") is False
    holder.close()
    srv.listen(port, "127.0.0.1")              # no close(): now free
    srv.wait("listening")
    assert srv.names() == ["error", "error", "listening"], "no 'close' on the way"
    assert srv.address() == {"address": "127.0.0.1", "family": "IPv4", "port": port}
    with peer.connect_tcp("127.0.0.1", port):
        srv.wait("connection")


# ------------------------------------------------------- holders of other kinds
@needs("ipv6")
@req("SERVER.LISTEN.EADDRINUSE.1")
def test_host_omitted_conflicts_with_an_ipv4_wildcard_holder(impl):
    # The dual-stack '::' covers IPv4 too, so an IPv4-only holder blocks it.
    with peer.tcp_listener("0.0.0.0") as holder:
        port = holder.getsockname()[1]
        _, err = fail_to_listen(impl, port)
    assert (err.code, err.address, err.port) == ("EADDRINUSE", "::", port)


@needs("ipv6")
@req("SERVER.LISTEN.EADDRINUSE.1")
def test_host_omitted_conflicts_with_an_ipv4_loopback_holder(impl):
    with peer.tcp_listener("127.0.0.1") as holder:
        port = holder.getsockname()[1]
        _, err = fail_to_listen(impl, port)
    assert (err.code, err.address, err.port) == ("EADDRINUSE", "::", port)


@needs("ipv6")
@req("SERVER.LISTEN.EADDRINUSE.1")
def test_ipv4_host_conflicts_with_a_dual_stack_holder(impl):
    with peer.tcp_listener("::", v6only=False) as holder:
        port = holder.getsockname()[1]
        _, err = fail_to_listen(impl, port, "127.0.0.1")
    assert (err.code, err.address, err.port) == ("EADDRINUSE", "127.0.0.1", port)


def ipv6_only_holder_of_a_port_free_on_ipv4():
    """An IPv6-only holder of a port whose IPv4 side nothing else uses right now.
    (The IPv6 port is chosen without regard to IPv4: there, another test's
    client may hold it, or its connection linger in TIME_WAIT, and a bind to
    127.0.0.1 would fail for that reason, not because of the holder.)"""
    for _ in range(50):
        holder = peer.tcp_listener("::", v6only=True)
        probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(("127.0.0.1", holder.getsockname()[1]))
            return holder
        except OSError:
            holder.close()
        finally:
            probe.close()
    raise AssertionError("no port whose IPv4 side is free")


@needs("ipv6")
@req("SERVER.LISTEN.EADDRINUSE.1", "SERVER.ADDRESS.INET.1")
def test_ipv4_host_is_free_beside_an_ipv6_only_holder(impl):
    # Not in use: an IPv6-only socket leaves the IPv4 side of the port free.
    with ipv6_only_holder_of_a_port_free_on_ipv4() as holder:
        port = holder.getsockname()[1]
        srv = impl.net.createServer()
        srv.listen(port, "127.0.0.1")
        srv.wait("listening")
    assert srv.address() == {"address": "127.0.0.1", "family": "IPv4", "port": port}


@req("SERVER.LISTEN.EADDRINUSE.1", "SERVER.ERROR.FIELDS.1")
def test_two_servers_of_the_implementation(impl):
    first = impl.net.createServer()
    first.listen(0, "127.0.0.1")
    first.wait("listening")
    port = first.address()["port"]
    _, err = fail_to_listen(impl, port, "127.0.0.1")
    assert (err.code, err.syscall, err.address, err.port) == ("EADDRINUSE", "listen", "127.0.0.1", port)
    assert first.get("listening") is True, "the holder is not disturbed"
    with peer.connect_tcp("127.0.0.1", port):
        first.wait("connection")


@req("SERVER.LISTEN.EADDRINUSE.1")
def test_options_form_with_exclusive_fails_the_same_way(impl):
    with peer.tcp_listener("127.0.0.1") as holder:
        port = holder.getsockname()[1]
        _, err = fail_to_listen(impl, {"port": port, "host": "127.0.0.1", "exclusive": True})
    assert (err.code, err.syscall, err.address, err.port) == ("EADDRINUSE", "listen", "127.0.0.1", port)


# ----------------------------------------------------------------- Unix paths
@needs("pipe")
@req("SERVER.LISTEN.EADDRINUSE.1", "SERVER.ERROR.FIELDS.2")
def test_unix_path_held_by_a_stale_socket_file(impl, sock_dir):
    # A socket file whose server is gone still occupies the name.
    path = os.path.join(sock_dir, "stale.sock")
    peer.unix_listener(path).close()
    assert os.path.exists(path)
    _, err = fail_to_listen(impl, path)
    assert (err.code, err.syscall, err.address) == ("EADDRINUSE", "listen", path)


@needs("pipe")
@req("SERVER.LISTEN.EADDRINUSE.RETRY.1")
def test_unix_retry_succeeds_once_the_stale_file_is_removed(impl, sock_dir):
    path = os.path.join(sock_dir, "retry.sock")
    peer.unix_listener(path).close()
    srv, err = fail_to_listen(impl, path)
    assert err.code == "EADDRINUSE"
    os.unlink(path)                       # what a program does about a stale socket file
    srv.close()
    srv.listen(path)
    srv.wait("listening")
    assert srv.address() == path
    with peer.connect_unix(path):
        srv.wait("connection")


@needs("pipe")
@req("SERVER.LISTEN.EADDRINUSE.1", "SERVER.ERROR.MESSAGE.1")
def test_unix_error_message(impl, sock_dir):
    path = os.path.join(sock_dir, "msg.sock")
    with peer.unix_listener(path):
        _, err = fail_to_listen(impl, path)
    assert err.message == "listen EADDRINUSE " + path


# ------------------------------------------- an address the host does not have
@pytest.fixture
def loopback_only_net():
    """A prefix running the shim in a network namespace of its own with only
    `lo` up: no interface there holds any address outside 127.0.0.0/8 and ::1,
    and nothing it binds can reach a network."""
    setup = 'ip link set lo up && exec "$@"'
    prefix = ["unshare", "--user", "--map-root-user", "--net", "sh", "-c", setup, "sh"]
    try:
        ok = subprocess.run(prefix + ["true"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL).returncode == 0
    except OSError:
        ok = False
    if not ok:
        pytest.skip("SERVER.LISTEN.EADDRNOTAVAIL.1 needs a network namespace (unshare -rn, ip) here")
    return prefix


@req("SERVER.LISTEN.EADDRNOTAVAIL.1", "SERVER.EVENT.ERROR.2", "SERVER.ERROR.MESSAGE.1")
@pytest.mark.parametrize("host", ["192.0.2.1", pytest.param("2001:db8::1", marks=needs("ipv6"))],
                         ids=["ipv4", "ipv6"])
def test_an_address_the_host_lacks_is_eaddrnotavail(start_impl, loopback_only_net, host):
    impl = start_impl(prefix=loopback_only_net)
    port = 4242                                # nothing else lives in this namespace
    srv, err = fail_to_listen(impl, port, host)
    assert (err.name, err.code, err.syscall, err.address, err.port) == \
        ("Error", "EADDRNOTAVAIL", "listen", host, port)
    assert err.message == "listen EADDRNOTAVAIL %s:%d" % (host, port)
    assert srv.get("listening") is False and srv.address() is None
    assert srv.names() == ["error"]
