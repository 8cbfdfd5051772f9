/* read_block: the read_blocks value layout (read_block.h). */
#include "read_block.h"

#include <string.h>

#define RB_MAGIC 0x3142524bu    /* "KRB1" */
#define RB_ENTRY 20             /* card u64, time i64, user u16, how u16 */

struct rb_head {
	uint32_t magic, n, nstr, strbytes;
};

/* ---- reading ---- */

int read_block_view(const void *p, size_t len, struct read_block *b)
{
	struct rb_head h;
	if (len < sizeof(h))
		return -1;
	memcpy(&h, p, sizeof(h));
	size_t offs = sizeof(h), strs = offs + ((size_t)h.nstr + 1) * 4, ents = strs + h.strbytes;
	if (h.magic != RB_MAGIC || h.nstr > 65536 || h.strbytes > len || h.n > len / RB_ENTRY ||
	    ents + (size_t)h.n * RB_ENTRY != len)
		return -1;
	b->n = h.n;
	b->nstr = h.nstr;
	b->strbytes = h.strbytes;
	b->offs = (const uint8_t *)p + offs;
	b->strs = (const uint8_t *)p + strs;
	b->ents = (const uint8_t *)p + ents;
	return 0;
}

uint64_t read_block_card(const struct read_block *b, uint32_t i)
{
	uint64_t v;
	memcpy(&v, b->ents + (size_t)i * RB_ENTRY, 8);
	return v;
}

uint32_t read_block_lower(const struct read_block *b, uint64_t card)
{
	uint32_t lo = 0, hi = b->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (read_block_card(b, mid) < card)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void block_string(const struct read_block *b, uint16_t i, const char **s, size_t *len)
{
	uint32_t o0 = 0, o1 = 0;
	if (i < b->nstr) {
		memcpy(&o0, b->offs + (size_t)i * 4, 4);
		memcpy(&o1, b->offs + (size_t)i * 4 + 4, 4);
	}
	if (o0 > o1 || o1 > b->strbytes)
		o0 = o1 = 0;
	*s = (const char *)b->strs + o0;
	*len = o1 - o0;
}

void read_block_entry(const struct read_block *b, uint32_t i, struct read_entry *e)
{
	const uint8_t *p = b->ents + (size_t)i * RB_ENTRY;
	uint16_t user, how;
	memcpy(&e->card, p, 8);
	memcpy(&e->t, p + 8, 8);
	memcpy(&user, p + 16, 2);
	memcpy(&how, p + 18, 2);
	block_string(b, user, &e->user, &e->user_len);
	block_string(b, how, &e->how, &e->how_len);
}

/* ---- writing ---- */

/* The index of (s, len) among t's strings, added if new. A block's users and
 * hows are few: a walk from the newest is shorter than a hash. */
static uint16_t string_index(struct read_block_strings *t, const char *s, size_t len)
{
	for (uint16_t i = t->n; i-- > 0;)
		if (t->str[i].len == len && (t->str[i].s == s || memcmp(t->str[i].s, s, len) == 0))
			return i;
	t->str[t->n].s = s;
	t->str[t->n].len = len;
	t->bytes += len;
	return t->n++;
}

size_t read_block_prepare(struct read_block_strings *t, struct arena *a, const struct read_entry *e, size_t n)
{
	memset(t, 0, sizeof(*t));
	if (n > READ_BLOCK_MAX)
		return 0;
	t->str = arena_alloc(a, (2 * n + 1) * sizeof(*t->str));
	t->idx = arena_alloc(a, (2 * n + 1) * sizeof(*t->idx));
	if (!t->str || !t->idx)
		return 0;
	for (size_t i = 0; i < n; i++) {
		t->idx[2 * i] = string_index(t, e[i].user, e[i].user_len);
		t->idx[2 * i + 1] = string_index(t, e[i].how, e[i].how_len);
	}
	return sizeof(struct rb_head) + ((size_t)t->n + 1) * 4 + t->bytes + n * RB_ENTRY;
}

void read_block_write(const struct read_block_strings *t, const struct read_entry *e, size_t n, void *out)
{
	struct rb_head h = { RB_MAGIC, (uint32_t)n, t->n, (uint32_t)t->bytes };
	uint8_t *p = out;
	memcpy(p, &h, sizeof(h));
	p += sizeof(h);
	uint32_t off = 0;
	for (uint16_t i = 0; i < t->n; i++) {
		memcpy(p, &off, 4);
		p += 4;
		off += (uint32_t)t->str[i].len;
	}
	memcpy(p, &off, 4);
	p += 4;
	for (uint16_t i = 0; i < t->n; i++) {
		memcpy(p, t->str[i].s, t->str[i].len);
		p += t->str[i].len;
	}
	for (size_t i = 0; i < n; i++) {
		memcpy(p, &e[i].card, 8);
		memcpy(p + 8, &e[i].t, 8);
		memcpy(p + 16, &t->idx[2 * i], 2);
		memcpy(p + 18, &t->idx[2 * i + 1], 2);
		p += RB_ENTRY;
	}
}
