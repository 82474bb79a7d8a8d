/*
 * test_decoder.c - setEncoding()'s incremental decoder against what Node
 * 8.17.0's StringDecoder returns for the same chunks (the expected strings
 * were taken from node 8.17.0: write() of each chunk, then end()).
 */
#include <string.h>

#include <criterion/criterion.h>

#include "decoder.h"

/* Decodes the chunks and joins every write()/end() result with '|'. */
static void run(ns__encoding enc, const char *const *chunks,
                const size_t *lens, size_t n, char *out, size_t size) {
  ns__decoder d;
  char buf[256];
  size_t i, o = 0, k;

  ns__decoder_init(&d, enc);
  for (i = 0; i <= n; i++) {
    cr_assert_lt(ns__decoder_max_out(i < n ? lens[i] : 0), sizeof buf);
    if (i < n)
      k = ns__decoder_write(&d, (const unsigned char *)chunks[i], lens[i], buf);
    else
      k = ns__decoder_end(&d, buf);
    cr_assert_lt(o + k + 1, size);
    memcpy(out + o, buf, k);
    o += k;
    out[o++] = i < n ? '|' : '\0';
  }
}

#define CHECK(enc, expected, ...)                                          \
  do {                                                                     \
    const char *const c_[] = {__VA_ARGS__};                                \
    size_t l_[sizeof c_ / sizeof c_[0]];                                   \
    char o_[512];                                                          \
    for (size_t i_ = 0; i_ < sizeof c_ / sizeof c_[0]; i_++)               \
      l_[i_] = strlen(c_[i_]);                                             \
    run(enc, c_, l_, sizeof c_ / sizeof c_[0], o_, sizeof o_);             \
    cr_expect_str_eq(o_, expected);                                        \
  } while (0)

#define FFFD "\xef\xbf\xbd"

Test(decoder, encoding_names) {
  cr_expect_eq(ns__encoding_parse(NULL), NS_ENC_UTF8);
  cr_expect_eq(ns__encoding_parse(""), NS_ENC_UTF8);
  cr_expect_eq(ns__encoding_parse("UTF-8"), NS_ENC_UTF8);
  cr_expect_eq(ns__encoding_parse("Hex"), NS_ENC_HEX);
  cr_expect_eq(ns__encoding_parse("binary"), NS_ENC_LATIN1);
  cr_expect_eq(ns__encoding_parse("UCS-2"), NS_ENC_UTF16LE);
  cr_expect_eq(ns__encoding_parse("utf16le"), NS_ENC_UTF16LE);
  cr_expect_eq(ns__encoding_parse("ascii"), NS_ENC_ASCII);
  cr_expect_eq(ns__encoding_parse("base64"), NS_ENC_BASE64);
  cr_expect_eq(ns__encoding_parse("utf-16"), NS_ENC_NONE);
  cr_expect_eq(ns__encoding_parse("bogus"), NS_ENC_NONE);
  cr_expect_eq(ns__encoding_parse("a-very-long-encoding-name"), NS_ENC_NONE);
}

Test(decoder, utf8_character_split_across_chunks) {
  CHECK(NS_ENC_UTF8, "h|\xc3\xa9l|", "h\xc3", "\xa9l");
  CHECK(NS_ENC_UTF8, "|\xe2\x82\xac|", "\xe2\x82", "\xac");
  CHECK(NS_ENC_UTF8, "||\xe2\x82\xac|", "\xe2", "\x82", "\xac");
  CHECK(NS_ENC_UTF8, "|\xf0\x9f\x98\x80|", "\xf0\x9f\x98", "\x80");
}

Test(decoder, utf8_cut_character_at_end_is_one_replacement) {
  CHECK(NS_ENC_UTF8, "|" FFFD, "\xe2\x82");
}

Test(decoder, utf8_held_bytes_not_continued) {
  CHECK(NS_ENC_UTF8, "|" FFFD "A|", "\xc3", "A");
  CHECK(NS_ENC_UTF8, "|" FFFD "A|", "\xe2\x82", "A");
  CHECK(NS_ENC_UTF8, "|" FFFD "A|", "\xf0\x9f", "\x98" "A");
}

Test(decoder, utf8_ill_formed_sequences_as_v8_replaces_them) {
  CHECK(NS_ENC_UTF8, FFFD "AB|", "\xe2" "AB");
  CHECK(NS_ENC_UTF8, FFFD "|", "\xed\xa0\x80");     /* surrogate */
  CHECK(NS_ENC_UTF8, FFFD "|", "\xf0\x80\x80\x80"); /* overlong */
  CHECK(NS_ENC_UTF8, FFFD "|", "\xf4\x90\x80\x80"); /* > U+10FFFF */
  CHECK(NS_ENC_UTF8, FFFD "|", "\xe0\x80\xaf");
  CHECK(NS_ENC_UTF8, FFFD FFFD "A|", "\xff\xfe" "A");
  CHECK(NS_ENC_UTF8, FFFD FFFD "|", "\x80\x80");
}

Test(decoder, utf16le_explicit_lengths) {
  const char *const c1[] = {"A\0\x3d", "\xd8\0\xde"};
  const size_t l1[] = {3, 3};
  const char *const c2[] = {"\x3d\xd8"};
  const size_t l2[] = {2};
  const char *const c3[] = {"A"};
  const size_t l3[] = {1};
  char o[64];

  run(NS_ENC_UTF16LE, c1, l1, 2, o, sizeof o);
  cr_expect_str_eq(o, "A|\xf0\x9f\x98\x80|");
  run(NS_ENC_UTF16LE, c2, l2, 1, o, sizeof o);
  cr_expect_str_eq(o, "|" FFFD); /* a lone surrogate flushed at end */
  run(NS_ENC_UTF16LE, c3, l3, 1, o, sizeof o);
  cr_expect_str_eq(o, "|"); /* an odd byte is dropped */
}

Test(decoder, base64_groups_of_three) {
  const char *const c1[] = {"\x01", "\x02\x03\x04"};
  const size_t l1[] = {1, 3};
  char o[64];

  run(NS_ENC_BASE64, c1, l1, 2, o, sizeof o);
  cr_expect_str_eq(o, "|AQID|BA==");
  CHECK(NS_ENC_BASE64, "|AQI=", "\x01\x02");
}

Test(decoder, single_byte_encodings) {
  const char *const c1[] = {"\x00\xff\x10"};
  const size_t l1[] = {3};
  char o[64];

  run(NS_ENC_HEX, c1, l1, 1, o, sizeof o);
  cr_expect_str_eq(o, "00ff10|");
  CHECK(NS_ENC_LATIN1, "\xc3\xa9" "A|", "\xe9" "A");
  CHECK(NS_ENC_ASCII, "iA|", "\xe9" "A");
}
