/* A user's recent reads (daemon/bulkread.c): the set counts distinct cards in
 * the window, drops the oldest past its size, dedups the same read within a
 * minute; the limitless table dedups alone and keeps what it knew as it grows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "bulkread.h"

#define S INT64_C(1000000)

static void test_set_counts_distinct(void **state)
{
	(void)state;
	struct readset s;
	readset_init(&s);
	bool fresh;
	assert_true(readset_note(&s, 1, 10 * S, 7, 100, &fresh));
	assert_true(fresh);
	/* the same card, the same way, within a minute: not recorded, not new */
	assert_false(readset_note(&s, 1, 20 * S, 7, 100, &fresh));
	assert_false(fresh);
	/* another way of reading it is recorded, still not a new card */
	assert_true(readset_note(&s, 1, 21 * S, 8, 100, &fresh));
	assert_false(fresh);
	/* a minute after it was last recorded: recorded again */
	assert_true(readset_note(&s, 1, 21 * S + READS_DEDUP_US, 8, 100, &fresh));
	for (uint64_t id = 2; id <= 1000; id++)
		readset_note(&s, id, 30 * S, 7, 5000, &fresh);
	assert_int_equal(s.n, 1000);
	readset_clear(&s);
	assert_int_equal(s.n, 0);
}

static void test_set_window_and_max(void **state)
{
	(void)state;
	struct readset s;
	readset_init(&s);
	bool fresh;
	for (uint64_t id = 1; id <= 10; id++)
		readset_note(&s, id, (int64_t)id * S, 1, 100, &fresh);
	/* card 3 read again: it moves to the end of the window */
	readset_note(&s, 3, 20 * S, 1, 100, &fresh);
	readset_prune(&s, 6 * S); /* forgets 1, 2, 4, 5 */
	assert_int_equal(s.n, 6);
	assert_true(readset_note(&s, 1, 21 * S, 1, 100, &fresh));
	assert_true(fresh);
	assert_false(readset_note(&s, 3, 22 * S, 1, 100, &fresh)); /* still known */
	assert_false(fresh);
	/* past max the oldest goes and the count stays at max */
	for (uint64_t id = 100; id < 200; id++)
		readset_note(&s, id, 30 * S, 1, 50, &fresh);
	assert_int_equal(s.n, 50);
	readset_prune(&s, 40 * S); /* everyone: the memory goes back */
	assert_int_equal(s.n, 0);
	assert_int_equal(s.cap, 0);
	assert_null(s.nodes);
}

/* Ids that share hash slots (multiples of a large power of two) still live apart. */
static void test_set_collisions(void **state)
{
	(void)state;
	struct readset s;
	readset_init(&s);
	bool fresh;
	for (uint64_t i = 1; i <= 300; i++)
		readset_note(&s, i << 40, S, 1, 1000, &fresh);
	assert_int_equal(s.n, 300);
	for (uint64_t i = 1; i <= 300; i += 2)
		readset_note(&s, i << 40, 2 * S, 1, 1000, &fresh);
	readset_prune(&s, 2 * S); /* the even ones go, from the middle of probe runs */
	assert_int_equal(s.n, 150);
	for (uint64_t i = 1; i <= 300; i++) {
		readset_note(&s, i << 40, 3 * S, 2, 1000, &fresh);
		assert_int_equal(fresh, i % 2 == 0);
	}
	readset_clear(&s);
}

static void test_dedup(void **state)
{
	(void)state;
	struct readdedup d = { 0 };
	assert_true(readdedup_note(&d, 5, S, 1));
	assert_false(readdedup_note(&d, 5, 2 * S, 1));
	assert_true(readdedup_note(&d, 5, 3 * S, 2));
	assert_true(readdedup_note(&d, 5, 3 * S + READS_DEDUP_US, 2));
	/* many cards: the table grows and still knows the recent ones */
	for (uint64_t id = 1000; id < 3000; id++)
		assert_true(readdedup_note(&d, id, 100 * S, 1));
	assert_true(d.nslots > 1024);
	unsigned known = 0;
	for (uint64_t id = 1000; id < 3000; id++)
		known += !readdedup_note(&d, id, 101 * S, 1);
	assert_true(known > 1900); /* a two-way table may forget a few: they are recorded again */
	readdedup_free(&d);
	assert_null(d.tab);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_counts_distinct),
		cmocka_unit_test(test_set_window_and_max),
		cmocka_unit_test(test_set_collisions),
		cmocka_unit_test(test_dedup),
	};
	return cmocka_run_group_tests_name("bulkread", tests, NULL, NULL);
}
