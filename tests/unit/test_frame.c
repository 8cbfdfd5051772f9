/* Unit tests for common/frame.[ch]: the length-prefix assembler. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "frame.h"

/* Appends one frame (header + payload) to a growing byte buffer. */
struct bytes {
	uint8_t *p;
	size_t n, cap;
};

static void bytes_put(struct bytes *b, const void *data, size_t n)
{
	if (b->n + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->n + n)
			cap *= 2;
		b->p = realloc(b->p, cap);
		assert_non_null(b->p);
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->n, data, n);
	b->n += n;
}

static void bytes_frame(struct bytes *b, const void *payload, uint32_t len)
{
	uint8_t h[4];
	frame_put_header(h, len);
	bytes_put(b, h, 4);
	bytes_put(b, payload, len);
}

/* Deterministic PRNG so a failure can be replayed (xorshift32). */
static uint32_t rng_state;
static uint32_t rng(void)
{
	uint32_t x = rng_state;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return rng_state = x;
}

static void test_header_helpers(void **state)
{
	(void)state;
	uint8_t h[4];
	frame_put_header(h, 0x01020304u);
	assert_int_equal(h[0], 0x01);
	assert_int_equal(h[1], 0x02);
	assert_int_equal(h[2], 0x03);
	assert_int_equal(h[3], 0x04);
	assert_int_equal(frame_get_u32(h), 0x01020304u);
	frame_put_header(h, 0xFFFFFFFFu);
	assert_int_equal(frame_get_u32(h), 0xFFFFFFFFu);
	frame_put_header(h, 0);
	assert_memory_equal(h, "\0\0\0\0", 4);
}

static void test_empty_assembler(void **state)
{
	(void)state;
	struct frame_asm fa;
	frame_asm_init(&fa, 1024);
	const uint8_t *p = NULL;
	uint32_t len = 0;
	assert_int_equal(frame_asm_next(&fa, &p, &len), FRAME_NEED_MORE);
	assert_int_equal(frame_asm_push(&fa, "x", 0), FRAME_OK);
	assert_int_equal(frame_asm_pending(&fa), 0);
	assert_int_equal(frame_asm_next(&fa, &p, &len), FRAME_NEED_MORE);
	frame_asm_free(&fa);
}

/* The header arrives one byte at a time, and so does a 258-byte payload
 * (length 0x00000102 checks the byte order of the header). */
static void test_partial_header_bytewise(void **state)
{
	(void)state;
	uint8_t payload[258];
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7 + 1);
	struct bytes b = { 0 };
	bytes_frame(&b, payload, sizeof(payload));
	assert_int_equal(b.p[2], 0x01);
	assert_int_equal(b.p[3], 0x02);

	struct frame_asm fa;
	frame_asm_init(&fa, 1024);
	const uint8_t *p = NULL;
	uint32_t len = 0;
	for (size_t i = 0; i < b.n; i++) {
		assert_int_equal(frame_asm_next(&fa, &p, &len), FRAME_NEED_MORE);
		assert_int_equal(frame_asm_push(&fa, b.p + i, 1), FRAME_OK);
		assert_int_equal(frame_asm_pending(&fa), i + 1);
	}
	assert_int_equal(frame_asm_next(&fa, &p, &len), FRAME_OK);
	assert_int_equal(len, sizeof(payload));
	assert_memory_equal(p, payload, sizeof(payload));
	assert_int_equal(frame_asm_pending(&fa), 0);
	assert_int_equal(frame_asm_next(&fa, &p, &len), FRAME_NEED_MORE);
	frame_asm_free(&fa);
	free(b.p);
}

static void test_several_frames_one_push(void **state)
{
	(void)state;
	struct bytes b = { 0 };
	bytes_frame(&b, "abc", 3);
	bytes_frame(&b, "", 0);
	bytes_frame(&b, "0123456789", 10);
	bytes_put(&b, "\0\0", 2); /* half of a fourth header */

	struct frame_asm fa;
	frame_asm_init(&fa, 64);
	assert_int_equal(frame_asm_push(&fa, b.p, b.n), FRAME_OK);
	assert_int_equal(frame_asm_pending(&fa), b.n);

	const uint8_t *p;
	uint32_t len;
	assert_int_equal(frame_asm_next(&fa, &p, &len), FRAME_OK);
	assert_int_equal(len, 3);
	assert_memory_equal(p, "abc", 3);
	assert_int_equal(frame_asm_next(&fa, &p, &len), FRAME_OK);
	assert_int_equal(len, 0);
	assert_int_equal(frame_asm_next(&fa, &p, &len), FRAME_OK);
	assert_int_equal(len, 10);
	assert_memory_equal(p, "0123456789", 10);
	assert_int_equal(frame_asm_next(&fa, &p, &len), FRAME_NEED_MORE);
	assert_int_equal(frame_asm_pending(&fa), 2);

	/* complete the fourth frame */
	assert_int_equal(frame_asm_push(&fa, "\0\x02hi", 4), FRAME_OK);
	assert_int_equal(frame_asm_next(&fa, &p, &len), FRAME_OK);
	assert_int_equal(len, 2);
	assert_memory_equal(p, "hi", 2);
	assert_int_equal(frame_asm_pending(&fa), 0);
	frame_asm_free(&fa);
	free(b.p);
}

/* Many frames of random sizes (some far larger than the initial buffer), cut
 * at random points; every frame must come out whole and in order. */
static void run_random_splits(uint32_t seed)
{
	enum { NFRAMES = 60, MAX = 70000 };
	rng_state = seed;
	struct bytes stream = { 0 };
	uint32_t lens[NFRAMES];
	size_t offs[NFRAMES];
	uint8_t *payload = malloc(MAX);
	assert_non_null(payload);
	for (int i = 0; i < NFRAMES; i++) {
		uint32_t r = rng();
		lens[i] = (r % 8 == 0) ? rng() % (MAX + 1) : (r % 5 == 0 ? 0 : rng() % 300);
		if (i == 7)
			lens[i] = MAX; /* at least one frame of exactly the maximum */
		for (uint32_t k = 0; k < lens[i]; k++)
			payload[k] = (uint8_t)rng();
		offs[i] = stream.n + 4;
		bytes_frame(&stream, payload, lens[i]);
	}
	free(payload);

	struct frame_asm fa;
	frame_asm_init(&fa, MAX);
	size_t pos = 0;
	int got = 0;
	while (pos < stream.n) {
		uint32_t r = rng();
		size_t chunk = r % 4 == 0 ? 1 + rng() % 3 : 1 + rng() % 9000;
		if (chunk > stream.n - pos)
			chunk = stream.n - pos;
		assert_int_equal(frame_asm_push(&fa, stream.p + pos, chunk), FRAME_OK);
		pos += chunk;
		for (;;) {
			const uint8_t *p;
			uint32_t len;
			int rc = frame_asm_next(&fa, &p, &len);
			if (rc == FRAME_NEED_MORE)
				break;
			assert_int_equal(rc, FRAME_OK);
			assert_true(got < NFRAMES);
			assert_int_equal(len, lens[got]);
			if (len)
				assert_memory_equal(p, stream.p + offs[got], len);
			got++;
		}
		/* everything not yet returned is still pending */
		size_t consumed = got == 0 ? 0 : offs[got - 1] + lens[got - 1];
		assert_int_equal(frame_asm_pending(&fa), pos - consumed);
	}
	assert_int_equal(got, NFRAMES);
	assert_int_equal(frame_asm_pending(&fa), 0);
	frame_asm_free(&fa);
	free(stream.p);
}

static void test_random_splits(void **state)
{
	(void)state;
	static const uint32_t seeds[] = { 1, 2, 3, 0xC0FFEE, 0xDEADBEEF, 12345, 777, 4242 };
	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++)
		run_random_splits(seeds[i]);
}

static void test_zero_length_frame(void **state)
{
	(void)state;
	struct frame_asm fa;
	frame_asm_init(&fa, 16);
	const uint8_t *p = NULL;
	uint32_t len = 12345;
	assert_int_equal(frame_asm_push(&fa, "\0\0\0", 3), FRAME_OK);
	assert_int_equal(frame_asm_next(&fa, &p, &len), FRAME_NEED_MORE);
	assert_int_equal(frame_asm_push(&fa, "\0", 1), FRAME_OK);
	assert_int_equal(frame_asm_next(&fa, &p, &len), FRAME_OK);
	assert_int_equal(len, 0);
	assert_non_null(p);
	assert_int_equal(frame_asm_pending(&fa), 0);
	assert_int_equal(frame_asm_next(&fa, &p, &len), FRAME_NEED_MORE);
	frame_asm_free(&fa);
}

static void test_exactly_max_accepted(void **state)
{
	(void)state;
	enum { MAX = 1000 };
	uint8_t payload[MAX];
	memset(payload, 0xA5, sizeof(payload));
	payload[0] = 1;
	payload[MAX - 1] = 2;
	struct bytes b = { 0 };
	bytes_frame(&b, payload, MAX);

	struct frame_asm fa;
	frame_asm_init(&fa, MAX);
	const uint8_t *p;
	uint32_t len;
	/* header alone: the length is acceptable, so wait for the payload */
	assert_int_equal(frame_asm_push(&fa, b.p, 4), FRAME_OK);
	assert_int_equal(frame_asm_next(&fa, &p, &len), FRAME_NEED_MORE);
	assert_int_equal(frame_asm_push(&fa, b.p + 4, MAX - 1), FRAME_OK);
	assert_int_equal(frame_asm_next(&fa, &p, &len), FRAME_NEED_MORE);
	assert_int_equal(frame_asm_push(&fa, b.p + 4 + MAX - 1, 1), FRAME_OK);
	assert_int_equal(frame_asm_next(&fa, &p, &len), FRAME_OK);
	assert_int_equal(len, MAX);
	assert_memory_equal(p, payload, MAX);
	frame_asm_free(&fa);
	free(b.p);
}

/* A length of max+1 is refused as soon as the header is complete: the
 * assembler does not wait for (or need) any of the payload. */
static void test_max_plus_one_refused_before_buffering(void **state)
{
	(void)state;
	enum { MAX = 1000 };
	struct frame_asm fa;
	frame_asm_init(&fa, MAX);
	uint8_t h[4];
	frame_put_header(h, MAX + 1);
	const uint8_t *p;
	uint32_t len;
	assert_int_equal(frame_asm_push(&fa, h, 3), FRAME_OK);
	assert_int_equal(frame_asm_next(&fa, &p, &len), FRAME_NEED_MORE);
	assert_int_equal(frame_asm_push(&fa, h + 3, 1), FRAME_OK);
	assert_int_equal(frame_asm_next(&fa, &p, &len), FRAME_TOO_LARGE);
	/* nothing was consumed and no payload had to arrive */
	assert_int_equal(frame_asm_pending(&fa), 4);
	frame_asm_free(&fa);

	/* same with some payload already there: still TOO_LARGE, not NEED_MORE */
	frame_asm_init(&fa, MAX);
	uint8_t buf[4 + 10] = { 0 };
	memcpy(buf, h, 4);
	assert_int_equal(frame_asm_push(&fa, buf, sizeof(buf)), FRAME_OK);
	assert_int_equal(frame_asm_next(&fa, &p, &len), FRAME_TOO_LARGE);
	frame_asm_free(&fa);
}

static void test_ffffffff_refused(void **state)
{
	(void)state;
	struct frame_asm fa;
	frame_asm_init(&fa, 4u << 20);
	const uint8_t *p;
	uint32_t len;
	assert_int_equal(frame_asm_push(&fa, "\xff\xff\xff\xff", 4), FRAME_OK);
	assert_int_equal(frame_asm_next(&fa, &p, &len), FRAME_TOO_LARGE);
	frame_asm_free(&fa);

	/* even an assembler allowing all but the very largest length */
	frame_asm_init(&fa, 0xFFFFFFFEu);
	assert_int_equal(frame_asm_push(&fa, "\xff\xff\xff\xff", 4), FRAME_OK);
	assert_int_equal(frame_asm_next(&fa, &p, &len), FRAME_TOO_LARGE);
	frame_asm_free(&fa);
}

/* Good frames, then an oversized header: the good ones come out, then
 * TOO_LARGE for good, whatever arrives afterwards. */
static void test_too_large_is_sticky(void **state)
{
	(void)state;
	struct bytes b = { 0 };
	bytes_frame(&b, "ok", 2);
	uint8_t h[4];
	frame_put_header(h, 100);
	bytes_put(&b, h, 4);
	bytes_put(&b, "junk", 4);

	struct frame_asm fa;
	frame_asm_init(&fa, 50);
	const uint8_t *p;
	uint32_t len;
	assert_int_equal(frame_asm_push(&fa, b.p, b.n), FRAME_OK);
	assert_int_equal(frame_asm_next(&fa, &p, &len), FRAME_OK);
	assert_int_equal(len, 2);
	assert_memory_equal(p, "ok", 2);
	assert_int_equal(frame_asm_next(&fa, &p, &len), FRAME_TOO_LARGE);
	assert_int_equal(frame_asm_next(&fa, &p, &len), FRAME_TOO_LARGE);

	/* a perfectly valid frame afterwards does not resynchronize the stream */
	struct bytes good = { 0 };
	bytes_frame(&good, "fine", 4);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(frame_asm_push(&fa, good.p, good.n), FRAME_OK);
		assert_int_equal(frame_asm_next(&fa, &p, &len), FRAME_TOO_LARGE);
	}
	frame_asm_free(&fa);
	free(b.p);
	free(good.p);
}

/* frame_asm_free leaves a reusable, empty assembler. */
static void test_free_and_reinit(void **state)
{
	(void)state;
	struct frame_asm fa;
	frame_asm_init(&fa, 10);
	assert_int_equal(frame_asm_push(&fa, "\0\0\0\x05" "ab", 6), FRAME_OK);
	frame_asm_free(&fa);
	assert_null(fa.buf);
	assert_int_equal(frame_asm_pending(&fa), 0);
	frame_asm_init(&fa, 10);
	const uint8_t *p;
	uint32_t len;
	assert_int_equal(frame_asm_push(&fa, "\0\0\0\x01z", 5), FRAME_OK);
	assert_int_equal(frame_asm_next(&fa, &p, &len), FRAME_OK);
	assert_int_equal(len, 1);
	assert_int_equal(p[0], 'z');
	frame_asm_free(&fa);
}

/* A 4 MiB frame trickled in costs its own size, not the next power of two
 * above it, and the buffer is let go once the frame is taken. */
static void test_trickled_frame_memory(void **state)
{
	(void)state;
	struct frame_asm fa;
	const uint32_t n = 4u << 20;
	frame_asm_init(&fa, n);
	uint8_t hdr[4];
	frame_put_header(hdr, n);
	assert_int_equal(frame_asm_push(&fa, hdr, 4), FRAME_OK);
	static uint8_t chunk[1000];
	size_t sent = 0;
	while (sent < n) {
		size_t k = n - sent < sizeof(chunk) ? n - sent : sizeof(chunk);
		assert_int_equal(frame_asm_push(&fa, chunk, k), FRAME_OK);
		sent += k;
	}
	assert_true(fa.cap <= (size_t)n + 4);
	const uint8_t *p;
	uint32_t len;
	assert_int_equal(frame_asm_next(&fa, &p, &len), FRAME_OK);
	assert_int_equal(len, n);
	frame_put_header(hdr, 1);
	assert_int_equal(frame_asm_push(&fa, hdr, 4), FRAME_OK);
	assert_true(fa.cap <= 16384);
	frame_asm_free(&fa);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_helpers),
		cmocka_unit_test(test_empty_assembler),
		cmocka_unit_test(test_partial_header_bytewise),
		cmocka_unit_test(test_several_frames_one_push),
		cmocka_unit_test(test_random_splits),
		cmocka_unit_test(test_zero_length_frame),
		cmocka_unit_test(test_exactly_max_accepted),
		cmocka_unit_test(test_max_plus_one_refused_before_buffering),
		cmocka_unit_test(test_ffffffff_refused),
		cmocka_unit_test(test_too_large_is_sticky),
		cmocka_unit_test(test_free_and_reinit),
		cmocka_unit_test(test_trickled_frame_memory),
	};
	return cmocka_run_group_tests_name("frame", tests, NULL, NULL);
}
