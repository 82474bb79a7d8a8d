"""net.isIP(), net.isIPv4(), net.isIPv6(): which strings are addresses.

Each test checks one rule on a table of inputs, all in one shim (each input is
a single request, with nothing to wait for), and reports every input that
breaks the rule at once. Every input checks the three functions together:
isIP() gives the number, and isIPv4() / isIPv6() must be the booleans
isIP() === 4 / isIP() === 6 (NET.ISIPV4.1, NET.ISIPV6.1).
"""
import math

from netspec_harness import UNDEFINED, req

MISSING = object()      # no argument at all


def check(impl, table):
    wrong = []
    for value, expected in table:
        args = [] if value is MISSING else [value]
        got = (impl.net.isIP(*args), impl.net.isIPv4(*args), impl.net.isIPv6(*args))
        want = (expected, expected == 4, expected == 6)
        types_ok = type(got[0]) is int and type(got[1]) is bool and type(got[2]) is bool
        if got != want or not types_ok:
            wrong.append("%s: isIP/isIPv4/isIPv6 gave %r, expected %r"
                         % ("(no argument)" if value is MISSING else ascii(value), got, want))
    assert not wrong, "%d of %d inputs wrong:\n  %s" % (len(wrong), len(table), "\n  ".join(wrong))


@req("NET.ISIP.RESULT.1", "NET.ISIPV4.1", "NET.ISIPV6.1")
def test_result_is_4_6_or_0(impl):
    check(impl, [("1.2.3.4", 4), ("::1", 6), ("x", 0)])


@req("NET.ISIP.V4.1", "NET.ISIPV4.1", "NET.ISIPV6.1")
def test_ipv4_is_four_decimal_parts(impl):
    check(impl, [
        ("1.2.3.4", 4), ("0.0.0.0", 4), ("255.255.255.255", 4), ("127.0.0.1", 4), ("10.20.30.40", 4),
        ("256.1.1.1", 0), ("1.2.3.256", 0), ("1.2.3.4.", 0), (".1.2.3.4", 0), ("1.2.3.4.5", 0),
        ("-1.2.3.4", 0), ("1.2.3.4/24", 0), ("1.2.3.4:80", 0), ("1..2.3", 0), ("+1.2.3.4", 0)])


@req("NET.ISIP.V4.LEADINGZERO.1", "NET.ISIPV4.1", "NET.ISIPV6.1")
def test_ipv4_parts_have_no_leading_zero(impl):
    check(impl, [
        ("01.2.3.4", 0), ("1.2.3.04", 0), ("001.2.3.4", 0), ("00.0.0.0", 0), ("0.0.0.00", 0),
        ("1.02.3.4", 0), ("10.0.0.0", 4), ("0.10.100.0", 4)])


@req("NET.ISIP.V4.SHORTHAND.1", "NET.ISIPV4.1", "NET.ISIPV6.1")
def test_ipv4_shorthand_and_hex_are_not_addresses(impl):
    check(impl, [("1.2.3", 0), ("1.2", 0), ("1", 0), ("127.1", 0), ("0x7f.0.0.1", 0), ("0x7f000001", 0)])


@req("NET.ISIP.V6.1", "NET.ISIPV4.1", "NET.ISIPV6.1")
def test_ipv6_groups_and_compression(impl):
    check(impl, [
        ("::", 6), ("::1", 6), ("1::", 6), ("1:2:3:4:5:6:7:8", 6), ("FE80::1", 6), ("fe80::ABcd:1", 6),
        ("fe80:0000:0000:0000:0000:0000:0000:0001", 6), ("1:2:3:4:5:6:1.2.3.4", 6), ("::1.2.3.4", 6),
        ("1:2:3:4:5:6:7:8:9", 0), ("1::2::3", 0), (":::", 0), ("fe80:00000::1", 0), ("::g", 0),
        ("1:2:3:4:5:6:7:1.2.3.4", 0), ("1:2:3:4:5:6:7", 0), (":1:2:3:4:5:6:7", 0)])


@req("NET.ISIP.V6.MAPPED.1", "NET.ISIPV4.1", "NET.ISIPV6.1")
def test_ipv4_mapped_is_ipv6(impl):
    check(impl, [
        ("::ffff:1.2.3.4", 6), ("::FFFF:1.2.3.4", 6), ("::ffff:127.0.0.1", 6),
        ("::ffff:01.2.3.4", 0), ("::ffff:256.1.1.1", 0), ("::ffff:1.2.3", 0)])


@req("NET.ISIP.V6.BRACKETS.1", "NET.ISIPV4.1", "NET.ISIPV6.1")
def test_bracketed_addresses_are_not_recognised(impl):
    check(impl, [("[::1]", 0), ("[fe80::1]", 0), ("[1.2.3.4]", 0)])


@req("NET.ISIP.ZONE.1", "NET.ISIPV4.1", "NET.ISIPV6.1")
def test_zone_id_is_allowed(impl):
    check(impl, [("fe80::1%eth0", 6), ("::1%1", 6), ("::1%lo", 6), ("::ffff:1.2.3.4%eth0", 6)])


@req("NET.ISIP.ZONE.1", "NET.ISIPV4.1", "NET.ISIPV6.1")
def test_zone_id_itself_is_not_checked(impl):
    check(impl, [("::1%", 6), ("::1% x", 6), ("fe80::1%eth0 ", 6), ("fe80::1%eth0%x", 6)])


@req("NET.ISIP.ZONE.1", "NET.ISIPV4.1", "NET.ISIPV6.1")
def test_zone_after_no_ipv6_address(impl):
    check(impl, [("%eth0", 0), ("1.2.3.4%eth0", 0), ("1:2:3:4:5:6:7:8:9%1", 0)])


@req("NET.ISIP.WHITESPACE.1", "NET.ISIPV4.1", "NET.ISIPV6.1")
def test_white_space_is_not_trimmed(impl):
    check(impl, [(" 1.2.3.4", 0), ("1.2.3.4 ", 0), ("1.2.3.4\n", 0), ("\t1.2.3.4", 0), (" ::1", 0),
                 ("::1 ", 0), ("\r\n::1", 0)])


@req("NET.ISIP.NUL.1", "NET.ISIPV4.1", "NET.ISIPV6.1")
def test_a_nul_ends_the_input(impl):
    check(impl, [("1.2.3.4\0", 4), ("1.2.3.4\x001", 4), ("::1\x00zz", 6), ("\x001.2.3.4", 0)])


@req("NET.ISIP.INVALID.1", "NET.ISIPV4.1", "NET.ISIPV6.1")
def test_other_text_is_no_address(impl):
    check(impl, [("", 0), ("localhost", 0), ("a", 0), ("  ", 0), ("\u0661.\u0662.\u0663.\u0664", 0),
                 ("example", 0), ("1.2.3.x", 0)])


@req("NET.ISIP.COERCE.1", "NET.ISIPV4.1", "NET.ISIPV6.1")
def test_non_strings_give_0(impl):
    check(impl, [(UNDEFINED, 0), (None, 0), (0, 0), (1, 0), (16909060, 0), (math.nan, 0),
                 (math.inf, 0), (True, 0), ({}, 0), ([], 0), (MISSING, 0)])


@req("NET.ISIP.COERCE.1", "NET.ISIPV4.1", "NET.ISIPV6.1")
def test_an_array_of_one_address_is_that_address(impl):
    check(impl, [(["1.2.3.4"], 4), (["::1"], 6), (["1.2.3.4", "5.6.7.8"], 0)])
