/* unit tests for common/backup_fmt.c: a backup file written and read back in
 * pieces of every size; a flipped byte anywhere, a cut anywhere, a wrong
 * magic or version refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "backup_fmt.h"

#define IMAGE 5000

struct sunk {
	uint8_t buf[IMAGE];
	size_t n;
};

static int sink(void *ud, const uint8_t *p, size_t n)
{
	struct sunk *s = ud;
	if (s->n + n > sizeof(s->buf))
		return -1;
	memcpy(s->buf + s->n, p, n);
	s->n += n;
	return 0;
}

/* A whole file: header, IMAGE bytes, trailer. */
static uint8_t *make(size_t *len)
{
	size_t n = BACKUP_HEADER_LEN + IMAGE + BACKUP_TRAILER_LEN;
	uint8_t *f = malloc(n);
	assert_non_null(f);
	struct backup_head h = { .created = 1765000000000000, .audit_seq = 42, .schema = 1 };
	memset(h.audit_hash, 0xab, 32);
	memset(h.chain_id, 0xcd, 32);
	backup_head_encode(&h, f);
	for (size_t i = 0; i < IMAGE; i++)
		f[BACKUP_HEADER_LEN + i] = (uint8_t)(i * 7 + 3);
	struct backup_writer w;
	assert_int_equal(backup_writer_init(&w), 0);
	backup_writer_add(&w, f, BACKUP_HEADER_LEN, false);
	backup_writer_add(&w, f + BACKUP_HEADER_LEN, IMAGE, true);
	backup_writer_trailer(&w, f + BACKUP_HEADER_LEN + IMAGE);
	backup_writer_free(&w);
	*len = n;
	return f;
}

/* Reads f in pieces of `step` bytes: 0 when whole, else -1. */
static int read_back(const uint8_t *f, size_t n, size_t step, struct sunk *s, struct backup_reader *rd)
{
	memset(s, 0, sizeof(*s));
	assert_int_equal(backup_reader_init(rd, sink, s), 0);
	int rc = 0;
	for (size_t at = 0; rc == 0 && at < n; at += step)
		rc = backup_reader_feed(rd, f + at, n - at < step ? n - at : step);
	if (rc == 0)
		rc = backup_reader_end(rd);
	backup_reader_free(rd);
	return rc;
}

static void test_whole_in_any_pieces(void **state)
{
	(void)state;
	size_t n;
	uint8_t *f = make(&n);
	size_t steps[] = { 1, 2, 7, 47, 48, 49, 120, 121, 1000, n };
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		struct sunk s;
		struct backup_reader rd;
		assert_int_equal(read_back(f, n, steps[i], &s, &rd), 0);
		assert_int_equal(s.n, IMAGE);
		assert_memory_equal(s.buf, f + BACKUP_HEADER_LEN, IMAGE);
		assert_true(rd.have_head);
		assert_int_equal(rd.head.audit_seq, 42);
		assert_int_equal(rd.head.version, BACKUP_VERSION);
		assert_int_equal(rd.head.audit_hash[31], 0xab);
		assert_int_equal(rd.head.chain_id[0], 0xcd);
	}
	free(f);
}

static void test_flipped_byte_refused(void **state)
{
	(void)state;
	size_t n;
	uint8_t *f = make(&n);
	for (size_t at = 0; at < n; at += 13) {
		f[at] ^= 0x01;
		struct sunk s;
		struct backup_reader rd;
		assert_int_equal(read_back(f, n, 100, &s, &rd), -1);
		assert_true(rd.err[0] != '\0');
		f[at] ^= 0x01;
	}
	free(f);
}

static void test_cut_refused(void **state)
{
	(void)state;
	size_t n;
	uint8_t *f = make(&n);
	for (size_t len = 0; len < n; len += 11) {
		struct sunk s;
		struct backup_reader rd;
		assert_int_equal(read_back(f, len, 64, &s, &rd), -1);
		assert_true(strstr(rd.err, "truncated") || strstr(rd.err, "damaged") || strstr(rd.err, "not a"));
	}
	struct sunk s;
	struct backup_reader rd;
	assert_int_equal(read_back(f, n - 1, 64, &s, &rd), -1);
	assert_non_null(strstr(rd.err, "truncated"));
	free(f);
}

static void test_not_a_backup(void **state)
{
	(void)state;
	size_t n;
	uint8_t *f = make(&n);
	struct sunk s;
	struct backup_reader rd;
	f[0] = 'X';
	assert_int_equal(read_back(f, n, 4096, &s, &rd), -1);
	assert_non_null(strstr(rd.err, "not a Kartoteka backup"));
	f[0] = 'K';
	f[11] = 9; /* version 9 */
	assert_int_equal(read_back(f, n, 4096, &s, &rd), -1);
	assert_non_null(strstr(rd.err, "version 9"));
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole_in_any_pieces),
		cmocka_unit_test(test_flipped_byte_refused),
		cmocka_unit_test(test_cut_refused),
		cmocka_unit_test(test_not_a_backup),
	};
	return cmocka_run_group_tests_name("backup_fmt", tests, NULL, NULL);
}
