/* A user's recent reads (daemon/bulkread.c): the set counts distinct cards in
 * the window, drops the oldest past its size, dedups the same read within a
 * minute; the watch counts cards opened and rows seen in lists apart, so a
 * day of searching trips nothing while enumerating the base does; the
 * limitless table dedups alone and keeps what it knew as it grows. */
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

/* The defaults: a manager may open 300 cards an hour and see 10 times as
 * many in lists. */
#define OPENED_LIMIT 300u
#define LIST_FACTOR 10u
#define FIND 11                 /* hows (hashes in the daemon) */
#define SHOW 12
#define LS 13

/* Rows of one search or page: n ids from first (wrapping within [base,
 * base + span)). Returns how many of them took the list count past limit. */
static int rows(struct readwatch *w, uint64_t base, uint64_t span, uint64_t first, unsigned n, int64_t t, uint32_t how,
		uint32_t limit)
{
	int over = 0;
	for (unsigned i = 0; i < n; i++) {
		bool past;
		readwatch_note(w, READ_LISTED, base + (first - base + i) % span, t, how, limit, &past);
		over += past;
	}
	return over;
}

/* A manager's hour over their 1000 clients: 300 searches of a screenful (20
 * rows) each, overlapping as searching does (the same clients come back as
 * a name is typed letter by letter, now and then other ones), and 60 cards
 * opened. Nothing is past a limit, though the rows show more distinct
 * cards than the 300 a manager may open: they are counted apart. */
static void test_watch_manager_hour(void **state)
{
	(void)state;
	struct readwatch w;
	readwatch_init(&w);
	uint32_t list_limit = readwatch_list_limit(OPENED_LIMIT, LIST_FACTOR);
	assert_int_equal(list_limit, 3000);
	int over = 0;
	for (unsigned i = 0; i < 300; i++) {
		int64_t t = (int64_t)i * 12 * S; /* one every 12 s: the whole hour */
		/* five keystrokes a client: the rows of a letter narrow to the client's */
		uint64_t client = 1000 + (i / 5 * 37) % 1000;
		over += rows(&w, 1000, 1000, client - (i % 5 == 0 ? 10 : 0), 20 - (i % 5) * 4, t, FIND, list_limit);
		if (i % 5 == 4) {
			bool past;
			readwatch_note(&w, READ_OPENED, client, t, SHOW, OPENED_LIMIT, &past);
			over += past;
		}
	}
	assert_int_equal(over, 0);
	assert_int_equal(w.seen[READ_OPENED].n, 60);
	assert_true(w.seen[READ_LISTED].n > OPENED_LIMIT && w.seen[READ_LISTED].n <= 1000);
	/* the cards opened are not rows: opening a listed card adds to the opened count only */
	uint32_t listed = w.seen[READ_LISTED].n;
	bool past;
	readwatch_note(&w, READ_OPENED, 1001, 3600 * S, SHOW, OPENED_LIMIT, &past);
	assert_int_equal(w.seen[READ_LISTED].n, listed);
	readwatch_clear(&w);
}

/* Enumerating the base: many searches that each show different rows, or
 * the pages of a list, or cards opened one by one. Each trips once its
 * count of distinct cards passes its limit, and not a card before. */
static void test_watch_enumeration(void **state)
{
	(void)state;
	uint32_t list_limit = readwatch_list_limit(OPENED_LIMIT, LIST_FACTOR);
	struct readwatch w;
	readwatch_init(&w);
	/* 150 distinct searches of 20 new rows each: 3000 cards, at the limit */
	int over = 0;
	for (unsigned i = 0; i < 150; i++)
		over += rows(&w, 1, 1000000, 1 + (uint64_t)i * 20, 20, (int64_t)i * S, FIND, list_limit);
	assert_int_equal(over, 0);
	/* searching them again shows nothing new */
	for (unsigned i = 0; i < 150; i++)
		over += rows(&w, 1, 1000000, 1 + (uint64_t)i * 20, 20, 200 * S, FIND, list_limit);
	assert_int_equal(over, 0);
	/* the next search that shows new cards is past it, with each of them */
	assert_int_equal(rows(&w, 1, 1000000, 2990, 20, 201 * S, FIND, list_limit), 9);
	readwatch_clear(&w);

	/* the pages of a list (200 rows each) through 3000 cards and on */
	readwatch_init(&w);
	over = 0;
	int first_over = -1;
	for (unsigned p = 0; p < 20; p++) {
		int o = rows(&w, 1, 1000000, 1 + (uint64_t)p * 200, 200, S, LS, list_limit);
		if (o && first_over < 0)
			first_over = (int)p;
		over += o;
	}
	assert_int_equal(first_over, 15); /* rows 3001..3200 */
	assert_int_equal(over, 4000 - 3000);
	assert_int_equal(w.seen[READ_OPENED].n, 0);
	readwatch_clear(&w);

	/* cards opened one by one: past 300 */
	readwatch_init(&w);
	for (uint64_t id = 1; id <= 301; id++) {
		bool past;
		readwatch_note(&w, READ_OPENED, id, S, SHOW, OPENED_LIMIT, &past);
		assert_int_equal(past, id == 301);
	}
	assert_int_equal(w.seen[READ_LISTED].n, 0);
	/* an hour later they are forgotten */
	readwatch_prune(&w, S + 3600 * S);
	assert_int_equal(w.seen[READ_OPENED].n, 0);
	readwatch_clear(&w);
}

static void test_watch_list_limit(void **state)
{
	(void)state;
	assert_int_equal(readwatch_list_limit(0, 10), 0); /* no limit stays none */
	assert_int_equal(readwatch_list_limit(5, 10), 50);
	assert_int_equal(readwatch_list_limit(1000000, 1000), 1000000000u);
	assert_int_equal(readwatch_list_limit(UINT32_MAX / 2, 1000), UINT32_MAX - 1);
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
		cmocka_unit_test(test_watch_manager_hour),
		cmocka_unit_test(test_watch_enumeration),
		cmocka_unit_test(test_watch_list_limit),
		cmocka_unit_test(test_dedup),
	};
	return cmocka_run_group_tests_name("bulkread", tests, NULL, NULL);
}
