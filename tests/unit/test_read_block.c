/* The read_blocks value layout (daemon/read_block.c): what is written reads
 * back entry by entry, strings are kept once, and a damaged block is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arena.h"
#include "read_block.h"

static struct read_entry ent(uint64_t card, int64_t t, const char *user, const char *how)
{
	return (struct read_entry){ .card = card, .t = t, .user = user, .user_len = strlen(user), .how = how,
				    .how_len = strlen(how) };
}

/* Encodes e[0..n) into a fresh buffer (freed by the caller); *len its size. */
static uint8_t *encode(struct arena *a, const struct read_entry *e, size_t n, size_t *len)
{
	struct read_block_strings t;
	*len = read_block_prepare(&t, a, e, n);
	assert_true(*len > 0);
	uint8_t *buf = malloc(*len);
	assert_non_null(buf);
	read_block_write(&t, e, n, buf);
	return buf;
}

static void test_round_trip(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 0);
	/* the strings come from different buffers: kept once by content */
	char masha2[] = "masha";
	struct read_entry e[] = {
		ent(3, 100, "masha", "get"), ent(3, 200, "petya", "find"), ent(7, 150, masha2, "get"),
		ent(9, 50, "", "ls"),        ent(UINT64_MAX, INT64_MAX, "petya", "history"),
	};
	size_t n = sizeof(e) / sizeof(e[0]), len;
	uint8_t *buf = encode(&a, e, n, &len);
	struct read_block b;
	assert_int_equal(read_block_view(buf, len, &b), 0);
	assert_int_equal(b.n, n);
	assert_int_equal(b.nstr, 7); /* masha petya "" get find ls history */
	for (size_t i = 0; i < n; i++) {
		struct read_entry got;
		read_block_entry(&b, (uint32_t)i, &got);
		assert_true(got.card == e[i].card);
		assert_true(got.t == e[i].t);
		assert_int_equal(got.user_len, e[i].user_len);
		assert_memory_equal(got.user, e[i].user, got.user_len);
		assert_int_equal(got.how_len, e[i].how_len);
		assert_memory_equal(got.how, e[i].how, got.how_len);
		assert_true(read_block_card(&b, (uint32_t)i) == e[i].card);
	}
	free(buf);
	arena_free(&a);
}

static void test_lower(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 0);
	struct read_entry e[] = { ent(2, 1, "u", "get"), ent(4, 1, "u", "get"), ent(4, 2, "u", "get"),
				  ent(9, 1, "u", "get") };
	size_t len;
	uint8_t *buf = encode(&a, e, 4, &len);
	struct read_block b;
	assert_int_equal(read_block_view(buf, len, &b), 0);
	assert_int_equal(read_block_lower(&b, 0), 0);
	assert_int_equal(read_block_lower(&b, 2), 0);
	assert_int_equal(read_block_lower(&b, 3), 1);
	assert_int_equal(read_block_lower(&b, 4), 1);
	assert_int_equal(read_block_lower(&b, 5), 3);
	assert_int_equal(read_block_lower(&b, 10), 4);
	free(buf);
	arena_free(&a);
}

static void test_empty(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 0);
	size_t len;
	struct read_block_strings t;
	len = read_block_prepare(&t, &a, NULL, 0);
	assert_true(len > 0);
	uint8_t *buf = malloc(len);
	read_block_write(&t, NULL, 0, buf);
	struct read_block b;
	assert_int_equal(read_block_view(buf, len, &b), 0);
	assert_int_equal(b.n, 0);
	assert_int_equal(read_block_lower(&b, 5), 0);
	free(buf);
	arena_free(&a);
}

/* Every truncation, a byte more, a wrong magic: refused, never read past. */
static void test_damaged(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 0);
	struct read_entry e[] = { ent(1, 1, "masha", "get"), ent(2, 2, "petya", "find") };
	size_t len;
	uint8_t *buf = encode(&a, e, 2, &len);
	struct read_block b;
	for (size_t cut = 0; cut < len; cut++) {
		uint8_t *part = malloc(cut ? cut : 1);
		memcpy(part, buf, cut);
		assert_int_equal(read_block_view(part, cut, &b), -1);
		free(part);
	}
	uint8_t *more = calloc(1, len + 1);
	memcpy(more, buf, len);
	assert_int_equal(read_block_view(more, len + 1, &b), -1);
	free(more);
	buf[0] ^= 1;
	assert_int_equal(read_block_view(buf, len, &b), -1);
	free(buf);
	arena_free(&a);
}

static void test_too_many(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 0);
	struct read_block_strings t;
	assert_int_equal(read_block_prepare(&t, &a, NULL, READ_BLOCK_MAX + 1), 0);
	arena_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip), cmocka_unit_test(test_lower), cmocka_unit_test(test_empty),
		cmocka_unit_test(test_damaged),    cmocka_unit_test(test_too_many),
	};
	return cmocka_run_group_tests_name("read_block", tests, NULL, NULL);
}
