/* The counters of kart admin stats (daemon/stats.c): latency buckets cover
 * every value with bounds that grow by halves of a power of two; the window
 * counts only the last minute's seconds, its quantiles are the bucket bounds
 * (never past the largest latency seen); kinds are kept apart; the writer's
 * batches add up. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "stats.h"

#define S INT64_C(1000000)

static void test_buckets(void **state)
{
	(void)state;
	assert_int_equal(stats_bucket(0), 0);
	assert_int_equal(stats_bucket(1), 1);
	/* each value is below its bucket's upper bound and at or above the one before */
	for (uint64_t us = 0; us < (UINT64_C(1) << 20); us += 1 + us / 7) {
		unsigned b = stats_bucket(us);
		assert_true(us < stats_bucket_upper(b));
		if (b > 0)
			assert_true(us >= stats_bucket_upper(b - 1));
	}
	/* bounds by halves: 2, 3, 4, 6, 8, 12, 16 ... */
	assert_int_equal(stats_bucket_upper(stats_bucket(5)), 6);
	assert_int_equal(stats_bucket_upper(stats_bucket(1000)), 1024);
	assert_int_equal(stats_bucket_upper(stats_bucket(1100)), 1536);
	/* past the last bound: the last bucket */
	assert_int_equal(stats_bucket(UINT64_C(1) << 40), STATS_BUCKETS - 1);
}

static void test_window(void **state)
{
	(void)state;
	struct stats *s = stats_new(100 * S);
	assert_non_null(s);
	/* 98 fast gets and 2 slow ones in one second; one create later */
	for (int i = 0; i < 98; i++)
		stats_request(s, 11, 100 * S, 100 * S + 100);
	stats_request(s, 11, 100 * S, 100 * S + 5000);
	stats_request(s, 11, 100 * S, 100 * S + 7000);
	stats_request(s, 8, 110 * S, 110 * S + 2000);
	struct stats_kind k[4];
	assert_int_equal(stats_kinds(s, 120 * S, k, 4), 2);
	assert_int_equal(k[0].kind, 8);
	assert_int_equal(k[1].kind, 11);
	assert_int_equal(k[1].total, 100);
	assert_int_equal(k[1].total_us, 98 * 100 + 5000 + 7000);
	assert_int_equal(k[1].minute.count, 100);
	assert_int_equal(k[1].minute.p50_us, 128);     /* 100 us: bucket [96, 128) */
	assert_int_equal(k[1].minute.p99_us, 6144);    /* the 99th of 100: 5000 us, bucket [4096, 6144) */
	assert_int_equal(k[1].minute.max_us, 7000);
	assert_int_equal(k[0].minute.p50_us, 2000);    /* one value: its bucket's bound passes it, the max does not */
	/* a minute later the gets have left the window, their totals stay */
	assert_int_equal(stats_kinds(s, 161 * S, k, 4), 2);
	assert_int_equal(k[1].minute.count, 0);
	assert_int_equal(k[1].minute.p99_us, 0);
	assert_int_equal(k[1].total, 100);
	assert_int_equal(k[0].minute.count, 1);
	/* and a second that comes round again in the ring starts empty */
	stats_request(s, 11, 220 * S, 220 * S + 10);
	assert_int_equal(stats_kinds(s, 220 * S, k, 4), 2);
	assert_int_equal(k[1].minute.count, 1);
	assert_int_equal(k[1].total, 101);
	stats_free(s);
}

static void test_writer(void **state)
{
	(void)state;
	struct stats *s = stats_new(0);
	stats_batch(s, 3, 1000, 10 * S);
	stats_batch(s, 40, 3000, 10 * S + 1);
	stats_batch(s, 1, 500, 11 * S);
	struct stats_writer w;
	stats_writer(s, 12 * S, &w);
	assert_int_equal(w.batches, 3);
	assert_int_equal(w.requests, 44);
	assert_int_equal(w.commit_us, 4500);
	assert_int_equal(w.minute.count, 3);
	assert_int_equal(w.minute_requests, 44);
	assert_int_equal(w.minute_max_batch, 40);
	assert_int_equal(w.minute.max_us, 3000);
	stats_writer(s, 71 * S, &w);
	assert_int_equal(w.minute.count, 0);
	assert_int_equal(w.minute_max_batch, 0);
	assert_int_equal(w.batches, 3);
	/* the pool's gauges, as jobs.c sets them */
	stats_pool(s, 2, 5);
	unsigned running, waiting;
	stats_pool_get(s, &running, &waiting);
	assert_int_equal(running, 2);
	assert_int_equal(waiting, 5);
	stats_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buckets),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_writer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
