/* bulkread: a user's recent reads, counted and deduplicated (bulkread.h). */
#include "bulkread.h"

#include <stdlib.h>

#define NIL UINT32_MAX

struct rnode {
	uint64_t id;
	int64_t t;                  /* last read, unix us */
	int64_t rec_t;              /* last recorded */
	uint32_t how;               /* hash of how it was last recorded */
	uint32_t prev, next;        /* oldest first; next also links the free list */
};

/* For users without a bulk-read limit, whose cards need not be counted: the
 * last read recorded per slot of a two-way table (a pair of neighbouring
 * slots per hash, the older replaced), which is all the dedup needs (a
 * collision only records a read again). One cache line a read, where the
 * exact set costs a hash probe and list moves. */
struct dslot {
	uint64_t id;
	int64_t t;                  /* recorded, unix us */
	uint32_t how;
};
#define DEDUP_SLOTS_MIN 1024u
#define DEDUP_SLOTS_MAX 65536u   /* grown to, four times at a time, by a user who reads many cards */

void readset_init(struct readset *u)
{
	*u = (struct readset){ .head = NIL, .tail = NIL, .free = NIL };
}

/* Fibonacci hashing: the top bits of the product, which every bit of the id
 * reaches (the low bits of the product see only the id's low bits, so
 * sequential ids crowded into a fraction of the slots). Consecutive ids land
 * about 0.618 of the table apart: n < slots of them hardly ever collide.
 * mask is 2^k - 1. */
static uint32_t slot_hash(uint64_t id, uint32_t mask)
{
	unsigned bits = (unsigned)__builtin_popcount(mask);
	return bits ? (uint32_t)((id * UINT64_C(0x9E3779B97F4A7C15)) >> (64 - bits)) : 0;
}

static uint32_t set_find(const struct readset *u, uint64_t id, uint32_t *slot)
{
	if (!u->nslots)
		return NIL;
	uint32_t mask = u->nslots - 1;
	for (uint32_t s = slot_hash(id, mask);; s = (s + 1) & mask) {
		uint32_t v = u->slots[s];
		if (!v || u->nodes[v - 1].id == id) {
			if (slot)
				*slot = s;
			return v ? v - 1 : NIL;
		}
	}
}

static void set_slot_put(struct readset *u, uint32_t i)
{
	uint32_t mask = u->nslots - 1;
	uint32_t s = slot_hash(u->nodes[i].id, mask);
	while (u->slots[s])
		s = (s + 1) & mask;
	u->slots[s] = i + 1;
}

/* Backward-shift deletion keeps probe runs unbroken without tombstones. */
static void set_slot_del(struct readset *u, uint32_t s)
{
	uint32_t mask = u->nslots - 1, i = s, j = s;
	for (;;) {
		j = (j + 1) & mask;
		if (!u->slots[j])
			break;
		uint32_t k = slot_hash(u->nodes[u->slots[j] - 1].id, mask);
		if ((j > i && (k <= i || k > j)) || (j < i && k <= i && k > j)) {
			u->slots[i] = u->slots[j];
			i = j;
		}
	}
	u->slots[i] = 0;
}

void readset_clear(struct readset *u)
{
	free(u->nodes);
	free(u->slots);
	u->nodes = NULL;
	u->slots = NULL;
	u->cap = u->used = u->n = u->nslots = 0;
	u->head = u->tail = u->free = NIL;
}

static void list_unlink(struct readset *u, uint32_t i)
{
	struct rnode *x = &u->nodes[i];
	if (x->prev != NIL)
		u->nodes[x->prev].next = x->next;
	else
		u->head = x->next;
	if (x->next != NIL)
		u->nodes[x->next].prev = x->prev;
	else
		u->tail = x->prev;
}

static void list_push(struct readset *u, uint32_t i)
{
	struct rnode *x = &u->nodes[i];
	x->prev = u->tail;
	x->next = NIL;
	if (u->tail != NIL)
		u->nodes[u->tail].next = i;
	else
		u->head = i;
	u->tail = i;
}

static void set_remove(struct readset *u, uint32_t i)
{
	uint32_t s = 0;
	set_find(u, u->nodes[i].id, &s);
	set_slot_del(u, s);
	list_unlink(u, i);
	u->nodes[i].next = u->free;
	u->free = i;
	u->n--;
}

/* Room for one more node, growing up to max nodes. Returns false when out of memory. */
static bool set_reserve(struct readset *u, uint32_t max)
{
	if (u->free != NIL || u->used < u->cap)
		return true;
	uint32_t cap = u->cap ? u->cap * 2 : 64;
	if (cap > max)
		cap = max;
	if (cap <= u->cap)
		return false;
	struct rnode *nodes = realloc(u->nodes, cap * sizeof(*nodes));
	if (!nodes)
		return false;
	u->nodes = nodes;
	uint32_t nslots = 16;
	while (nslots < 2 * cap)
		nslots *= 2;
	uint32_t *slots = calloc(nslots, sizeof(*slots));
	if (!slots)
		return false; /* the nodes grew, the table did not: stay at the old size */
	free(u->slots);
	u->slots = slots;
	u->nslots = nslots;
	u->cap = cap;
	for (uint32_t i = u->head; i != NIL; i = u->nodes[i].next)
		set_slot_put(u, i);
	return true;
}

void readset_prune(struct readset *u, int64_t before)
{
	while (u->head != NIL && u->nodes[u->head].t < before)
		set_remove(u, u->head);
	if (u->n == 0 && u->cap)
		readset_clear(u); /* an idle user gives the memory back */
}

/* Notes a read of id at t (how: its hash). *fresh tells whether the card was
 * not in the set; returns whether to record the read (not the same read of
 * the same card within READS_DEDUP_US). */
bool readset_note(struct readset *u, uint64_t id, int64_t t, uint32_t how, uint32_t max, bool *fresh)
{
	uint32_t i = set_find(u, id, NULL);
	if (i != NIL) {
		struct rnode *x = &u->nodes[i];
		*fresh = false;
		x->t = t;
		list_unlink(u, i);
		list_push(u, i);
		if (x->how == how && t - x->rec_t < READS_DEDUP_US)
			return false;
		x->rec_t = t;
		x->how = how;
		return true;
	}
	*fresh = true;
	if (u->n >= max)
		set_remove(u, u->head); /* the count stays at max: "more than the limit" */
	if (!set_reserve(u, max))
		return true;
	if (u->free != NIL) {
		i = u->free;
		u->free = u->nodes[i].next;
	} else {
		i = u->used++;
	}
	u->nodes[i].id = id;
	u->nodes[i].t = u->nodes[i].rec_t = t;
	u->nodes[i].how = how;
	list_push(u, i);
	set_slot_put(u, i);
	u->n++;
	return true;
}

void readwatch_init(struct readwatch *w)
{
	for (int k = 0; k < READ_KINDS; k++)
		readset_init(&w->seen[k]);
}

void readwatch_clear(struct readwatch *w)
{
	for (int k = 0; k < READ_KINDS; k++)
		readset_clear(&w->seen[k]);
}

void readwatch_prune(struct readwatch *w, int64_t before)
{
	for (int k = 0; k < READ_KINDS; k++)
		readset_prune(&w->seen[k], before);
}

uint32_t readwatch_list_limit(uint32_t opened_limit, uint32_t factor)
{
	uint64_t l = (uint64_t)opened_limit * factor;
	return l < UINT32_MAX ? (uint32_t)l : UINT32_MAX - 1; /* the set holds limit + 1 */
}

bool readwatch_note(struct readwatch *w, enum read_kind kind, uint64_t id, int64_t t, uint32_t how, uint32_t limit,
		    bool *over)
{
	struct readset *s = &w->seen[kind];
	uint32_t max = limit + 1 > READS_DEDUP_CAP ? limit + 1 : READS_DEDUP_CAP;
	bool fresh = false;
	bool record = readset_note(s, id, t, how, max, &fresh);
	*over = fresh && s->n > limit;
	return record;
}

/* The pair of slots an id may be in. */
static struct dslot *dedup_pair(struct dslot *tab, uint32_t nslots, uint64_t id)
{
	return &tab[slot_hash(id, nslots - 1) & ~1u];
}

bool readdedup_note(struct readdedup *u, uint64_t id, int64_t t, uint32_t how)
{
	if (!u->tab || (u->fill > u->nslots / 2 && u->nslots < DEDUP_SLOTS_MAX)) {
		/* first use, or too small for how much this user reads: bigger, with
		 * what it remembers moved over (a table started afresh would record
		 * every card it forgot again) */
		uint32_t n = !u->tab ? DEDUP_SLOTS_MIN : u->nslots * 4 < DEDUP_SLOTS_MAX ? u->nslots * 4 : DEDUP_SLOTS_MAX;
		struct dslot *d = calloc(n, sizeof(*d));
		if (!d)
			return true;
		uint32_t fill = 0;
		for (uint32_t i = 0; u->tab && i < u->nslots; i++) {
			struct dslot *p = dedup_pair(d, n, u->tab[i].id);
			if (!u->tab[i].t || t - u->tab[i].t >= READS_DEDUP_US || (p[0].t && p[1].t))
				continue;
			p[p[0].t ? 1 : 0] = u->tab[i];
			fill++;
		}
		free(u->tab);
		u->tab = d;
		u->nslots = n;
		u->fill = fill;
	}
	/* two ways: a slot and its neighbour; the older of the two is replaced */
	struct dslot *d = dedup_pair(u->tab, u->nslots, id);
	for (int i = 0; i < 2; i++)
		if (d[i].id == id && d[i].how == how && t - d[i].t < READS_DEDUP_US)
			return false;
	if (d[1].t < d[0].t)
		d++;
	if (!d->t)
		u->fill++;
	d->id = id;
	d->t = t;
	d->how = how;
	return true;
}

void readdedup_free(struct readdedup *u)
{
	free(u->tab);
	*u = (struct readdedup){ 0 };
}
