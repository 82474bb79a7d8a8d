/*
 * test_wqueue.c - the write queue's accounting, against Node 8's Writable
 * state: write() returns length < 16 KiB, bufferSize is writeQueueSize +
 * length, writes made while a group is in flight form the next group.
 */
#include <string.h>

#include <criterion/criterion.h>
#include <event2/buffer.h>

#include "wqueue.h"

static char bytes[70000];

Test(wqueue, return_value_is_below_the_high_water_mark) {
  ns__wqueue wq;

  cr_assert_eq(ns__wq_init(&wq), 0);
  cr_expect_eq(ns__wq_push(&wq, bytes, 16383, 16383, NULL, NULL), 1);
  cr_expect_eq(wq.need_drain, 0);
  cr_expect_eq(ns__wq_push(&wq, bytes, 1, 1, NULL, NULL), 0, "16384 is not below");
  cr_expect_eq(wq.need_drain, 1);
  cr_expect_eq(wq.length, 16384);
  cr_expect_eq(wq.total, 16384);
  ns__wq_free(&wq);
}

Test(wqueue, one_big_write_returns_false_even_if_it_all_goes_out) {
  ns__wqueue wq;
  ns__wreq *done;

  cr_assert_eq(ns__wq_init(&wq), 0);
  cr_expect_eq(ns__wq_push(&wq, bytes, 16384, 16384, NULL, NULL), 0);
  cr_expect_eq(ns__wq_dispatch(&wq, 0), 16384);
  evbuffer_drain(wq.buf, 16384);
  cr_expect_eq(ns__wq_sent(&wq, 16384), 1);
  done = ns__wq_complete(&wq);
  cr_assert_not_null(done);
  cr_expect_null(done->next);
  cr_expect_eq(wq.length, 0);
  cr_expect_eq(ns__wq_buffer_size(&wq), 0);
  cr_expect(ns__wq_idle(&wq));
  ns__wq_free_list(done);
  ns__wq_free(&wq);
}

Test(wqueue, buffer_size_counts_the_unsent_part_of_the_group_twice) {
  ns__wqueue wq;

  cr_assert_eq(ns__wq_init(&wq), 0);
  ns__wq_push(&wq, bytes, 1000, 1000, NULL, NULL);
  cr_expect_eq(ns__wq_dispatch(&wq, 0), 1000);
  evbuffer_drain(wq.buf, 400);
  cr_expect_eq(ns__wq_sent(&wq, 400), 0);
  /* libuv's writeQueueSize (600) + the stream's length (1000) */
  cr_expect_eq(ns__wq_buffer_size(&wq), 1600);
  ns__wq_push(&wq, bytes, 10, 10, NULL, NULL);
  cr_expect_eq(ns__wq_buffer_size(&wq), 1610);
  ns__wq_free(&wq);
}

Test(wqueue, writes_buffered_during_a_group_form_the_next_group) {
  ns__wqueue wq;
  ns__wreq *done;
  int tags[3];

  cr_assert_eq(ns__wq_init(&wq), 0);
  ns__wq_push(&wq, bytes, 10, 10, NULL, &tags[0]);
  cr_expect_eq(ns__wq_dispatch(&wq, 0), 10);
  ns__wq_push(&wq, bytes, 20, 20, NULL, &tags[1]);
  ns__wq_push(&wq, bytes, 30, 30, NULL, &tags[2]);
  cr_expect_eq(ns__wq_dispatch(&wq, 0), 10, "a group is in flight");
  evbuffer_drain(wq.buf, 10);
  cr_expect_eq(ns__wq_sent(&wq, 10), 1);
  done = ns__wq_complete(&wq);
  cr_expect_eq(done->arg, &tags[0]);
  cr_expect_null(done->next);
  ns__wq_free_list(done);
  cr_expect_eq(wq.length, 50);
  cr_expect_eq(ns__wq_dispatch(&wq, 0), 50, "both buffered writes together");
  evbuffer_drain(wq.buf, 50);
  cr_expect_eq(ns__wq_sent(&wq, 50), 1);
  done = ns__wq_complete(&wq);
  cr_expect_eq(done->arg, &tags[1]);
  cr_expect_eq(done->next->arg, &tags[2]);
  ns__wq_free_list(done);
  cr_expect(ns__wq_idle(&wq));
  ns__wq_free(&wq);
}

Test(wqueue, the_write_held_while_connecting_goes_alone) {
  ns__wqueue wq;

  cr_assert_eq(ns__wq_init(&wq), 0);
  ns__wq_push(&wq, bytes, 3, 3, NULL, NULL);
  ns__wq_push(&wq, bytes, 4, 4, NULL, NULL);
  cr_expect_eq(ns__wq_buffer_size(&wq), 7, "nothing dispatched yet");
  cr_expect_eq(ns__wq_dispatch(&wq, 1), 3);
  cr_expect_eq(wq.group_count, 1);
  ns__wq_free(&wq);
}

Test(wqueue, zero_length_write_completes_at_once) {
  ns__wqueue wq;

  cr_assert_eq(ns__wq_init(&wq), 0);
  cr_expect_eq(ns__wq_push(&wq, NULL, 0, 0, NULL, NULL), 1);
  cr_expect_eq(ns__wq_dispatch(&wq, 0), 0);
  cr_expect_eq(wq.group_count, 1);
  cr_expect_eq(ns__wq_sent(&wq, 0), 1);
  ns__wq_free_list(ns__wq_complete(&wq));
  cr_expect(ns__wq_idle(&wq));
  ns__wq_free(&wq);
}

Test(wqueue, clear_drops_everything) {
  ns__wqueue wq;

  cr_assert_eq(ns__wq_init(&wq), 0);
  ns__wq_push(&wq, bytes, sizeof bytes, sizeof bytes, NULL, NULL);
  ns__wq_dispatch(&wq, 0);
  ns__wq_clear(&wq);
  cr_expect(ns__wq_idle(&wq));
  cr_expect_eq(ns__wq_buffer_size(&wq), 0);
  cr_expect_eq(evbuffer_get_length(wq.buf), 0);
  cr_expect_eq(wq.total, sizeof bytes, "bytesWritten keeps counting");
  ns__wq_free(&wq);
}

Test(wqueue, strings_count_their_units_not_their_bytes) {
  ns__wqueue wq;

  cr_assert_eq(ns__wq_init(&wq), 0);
  ns__wq_push(&wq, "\xc3\xa9\xc3\xa9\xe2\x82\xac", 7, 3, NULL, NULL);
  cr_expect_eq(ns__wq_buffer_size(&wq), 3);
  ns__wq_push(&wq, bytes, 7, 7, NULL, NULL);
  cr_expect_eq(ns__wq_buffer_size(&wq), 10);
  cr_expect_eq(wq.total, 14, "bytesWritten counts bytes");
  cr_expect_eq(ns__wq_dispatch(&wq, 0), 14, "the kernel gets bytes");
  evbuffer_drain(wq.buf, 14);
  ns__wq_sent(&wq, 14);
  ns__wq_free_list(ns__wq_complete(&wq));
  cr_expect_eq(wq.length, 0);
  ns__wq_free(&wq);
}

Test(wqueue, a_write_partly_sent_at_once_is_the_group_in_flight) {
  ns__wqueue wq;

  cr_assert_eq(ns__wq_init(&wq), 0);
  cr_expect_eq(ns__wq_push_sent(&wq, bytes, 20000, 20000, 5000, NULL, NULL), 0);
  cr_expect_eq(wq.group_count, 1);
  cr_expect_eq(wq.group_unsent, 15000);
  cr_expect_eq(evbuffer_get_length(wq.buf), 15000, "only the rest is copied");
  cr_expect_eq(ns__wq_buffer_size(&wq), 35000);
  cr_expect_eq(wq.total, 20000);
  evbuffer_drain(wq.buf, 15000);
  cr_expect_eq(ns__wq_sent(&wq, 15000), 1);
  ns__wq_free_list(ns__wq_complete(&wq));
  cr_expect(ns__wq_idle(&wq));
  cr_expect_eq(wq.length, 0);
  ns__wq_free(&wq);
}
