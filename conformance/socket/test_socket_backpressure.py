"""Backpressure on the writing side: what write() returns (the 16 KiB limit),
'drain', and socket.bufferSize, against a peer that reads slowly or not at
all. Data written is always accepted and reaches the peer whole and in order.

A test "backs up" a connection by writing while the peer reads nothing, until
the implementation itself holds 1 MiB (bufferSize): more than the kernels can
still take later (fill_impl explains). Data written while connecting is all
held by the socket, which is how the exact 16 KiB limit is observed.
"""
import pytest

from netspec_harness import UNDEFINED, peer, req

from _socket_util import (fill_impl, pending_target, same_turn, settle, stream_bytes, tcp_client)

LIMIT = 16384


@pytest.mark.parametrize("size", [LIMIT, 65536])
@req("SOCKET.WRITE.RETURNS.FALSE.1", "SOCKET.EVENT.DRAIN.1")
def test_one_chunk_of_16k_or_more_returns_false_then_drain(impl, size):
    sock, conn = tcp_client(impl)
    with conn:
        data = stream_bytes(size)
        assert sock.write(data) is False, "a chunk of %d bytes reaches the limit by itself" % size
        returned = impl.last_response_seq
        drain = sock.wait("drain")
        assert peer.recv_exactly(conn, size) == data
    assert drain.seq > returned and drain.args == []


@req("SOCKET.WRITE.RETURNS.TRUE.1", "SOCKET.EVENT.DRAIN.ONLY_AFTER_FALSE.1")
def test_no_drain_while_every_write_returns_true(impl):
    sock, conn = tcp_client(impl)
    with conn:
        results = [sock.write(stream_bytes(100, 100 * i)) for i in range(100)]
        assert sock.write(stream_bytes(LIMIT - 1, 10000)) is True, "one byte under the limit"
        assert peer.recv_exactly(conn, 10000 + LIMIT - 1) == stream_bytes(10000 + LIMIT - 1)
        settle(impl)
    assert results == [True] * 100
    assert "drain" not in sock.names()


@req("SOCKET.WRITE.RETURNS.FALSE.1", "SOCKET.WRITE.RETURNS.TRUE.1", "SOCKET.BUFFERSIZE.CONNECTING.1")
def test_write_returns_false_once_16k_are_held(impl):
    with pending_target() as (port, _):
        sock = impl.new("Socket")
        sock.connect(port, "127.0.0.1")
        results, sizes = [], []
        for i in range(18):
            results.append(sock.write(stream_bytes(1000, 1000 * i)))
            sizes.append(sock.get("bufferSize"))
        assert sock.get("connecting") is True
        sock.destroy()
    assert sizes == [1000 * (i + 1) for i in range(18)], "everything written while connecting is held"
    assert results == [True] * 16 + [False] * 2, \
        "true while under 16384 bytes are held (this chunk included), false from 17000 on"


@req("SOCKET.BUFFERSIZE.UNITS.1", "SOCKET.BUFFERSIZE.CONNECTING.1")
def test_buffer_size_counts_characters_of_strings_and_bytes_of_buffers(impl):
    with pending_target() as (port, _):
        sock = impl.new("Socket")
        sock.connect(port, "127.0.0.1")
        assert sock.get("bufferSize") == 0
        sock.write("\u00e9\u00e9\u20ac")                       # 3 characters, 7 bytes in UTF-8
        assert sock.get("bufferSize") == 3
        sock.write("\u00e9\u00e9\u20ac".encode("utf-8"))       # 7 bytes
        assert sock.get("bufferSize") == 10
        sock.destroy()


@req("SOCKET.BUFFERSIZE.IDLE.1", "SOCKET.BUFFERSIZE.UNSET.1")
def test_buffer_size_is_zero_when_idle_and_undefined_without_a_connection(impl):
    fresh = impl.new("Socket")
    assert fresh.get("bufferSize") is UNDEFINED
    sock, conn = tcp_client(impl)
    with conn:
        assert sock.get("bufferSize") == 0
        sock.write(b"x" * 100)
        assert peer.recv_exactly(conn, 100) == b"x" * 100
        settle(impl)
        assert sock.get("bufferSize") == 0
        sock.destroy()
        assert sock.get("bufferSize") is UNDEFINED
        sock.wait("close")
        assert sock.get("bufferSize") is UNDEFINED


@req("SOCKET.BUFFERSIZE.GROWTH.1", "SOCKET.EVENT.DRAIN.ONCE.1", "SOCKET.EVENT.DRAIN.1",
     "SOCKET.BUFFERSIZE.DRAINED.1", "SOCKET.WRITE.QUEUE.1", "SOCKET.BYTESWRITTEN.QUEUED.1")
def test_a_slow_reader_backs_the_writer_up_without_loss(impl):
    sock, conn = tcp_client(impl)
    with conn:
        written = fill_impl(sock)
        settle(impl)
        drains = len(sock.events("drain"))        # those of the writes the kernel took while filling
        results, growth = [], []
        for i in range(8):
            # Read before and after the write in one turn of the loop: between
            # turns the system may take more of the queue at any time.
            chunk = stream_bytes(65536, len(written))
            before, ret, after = same_turn(impl, (sock, "get", "bufferSize"), (sock, "write", chunk),
                                           (sock, "get", "bufferSize"))
            results.append(ret.value)
            growth.append((before.value, after.value - before.value))
            written += chunk
        assert sock.get("bytesWritten") == len(written), "bytesWritten counts queued data too"
        settle(impl)
        assert len(sock.events("drain")) == drains, "no 'drain' while the peer reads nothing"
        assert results == [False] * 8
        assert [g for _, g in growth] == [65536] * 8, \
            "bufferSize grows by each queued write's size: (before, growth) %r" % growth
        impl.note("peer: reads everything")
        got = peer.recv_exactly(conn, len(written), timeout=10)
        sock.wait("drain")
        settle(impl)
        assert sock.get("bufferSize") == 0, "back to 0 once the peer has everything"
        assert got == written, "lost, repeated or reordered bytes"
        assert len(sock.events("drain")) == drains + 1, "one 'drain' for many writes that returned false"


@req("SOCKET.EVENT.DRAIN.AFTER_END.1", "SOCKET.EVENT.DRAIN.ONCE.1", "SOCKET.END.FIN.1")
def test_a_drain_owed_at_end_is_still_emitted(impl):
    sock, conn = tcp_client(impl)
    with conn:
        written = fill_impl(sock)                 # its last write returned false: a 'drain' is owed
        sock.end()
        ended = impl.last_response_seq
        impl.note("peer: reads everything")
        got = peer.recv_until_eof(conn, timeout=10)
        impl.wait_until(lambda: [e for e in sock.events("drain") if e.seq > ended], None, "'drain' after end()")
        settle(impl)
        late = [e for e in sock.events("drain") if e.seq > ended]
    assert got == written, "the queued data, then end-of-file"
    assert len(late) == 1 and late[0].args == [], "one 'drain' after end(), no arguments: %r" % late
