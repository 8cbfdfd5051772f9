/* read_block: the layout of one value of read_blocks — a flush's reads as
 * one block, sorted by card then time (reads.h says why blocks). Pure: bytes
 * in, bytes out; written and read by this daemon only (host byte order).
 *   u32 magic "KRB1", n, nstr, strbytes; u32 offset[nstr + 1] into the
 *   strings (users and hows, not terminated); the strings; then n entries
 *   of 20 bytes: card u64, time i64, user u16, how u16 (string indexes). */
#ifndef KART_READ_BLOCK_H
#define KART_READ_BLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

struct read_block {
	uint32_t n, nstr, strbytes;
	const uint8_t *offs, *strs, *ents;  /* unaligned: read with read_block_* */
};
struct read_entry {
	uint64_t card;
	int64_t t;                          /* unix us */
	const char *user, *how;             /* not terminated */
	size_t user_len, how_len;
};

/* ---- reading ---- */

/* Returns 0, or -1 for a malformed block. */
int read_block_view(const void *p, size_t len, struct read_block *b);
uint64_t read_block_card(const struct read_block *b, uint32_t i);
/* The first entry whose card is >= card (b->n if none). */
uint32_t read_block_lower(const struct read_block *b, uint64_t card);
void read_block_entry(const struct read_block *b, uint32_t i, struct read_entry *e);

/* ---- writing ---- */

#define READ_BLOCK_MAX 32767            /* entries: their strings fit u16 indexes */

/* The strings of a block to be written, each once. */
struct read_block_str {
	const char *s;
	size_t len;
};
struct read_block_strings {
	struct read_block_str *str;
	uint16_t *idx;                      /* per entry: user index, how index */
	uint16_t n;
	size_t bytes;
};

/* Collects the strings of n entries (sorted by card then time; at most
 * READ_BLOCK_MAX) into t, from arena a. Returns the block's size in bytes, or 0 when
 * out of memory. */
size_t read_block_prepare(struct read_block_strings *t, struct arena *a, const struct read_entry *e, size_t n);
/* Writes the block (read_block_prepare's size) to out. */
void read_block_write(const struct read_block_strings *t, const struct read_entry *e, size_t n, void *out);

#endif
