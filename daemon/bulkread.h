/* bulkread: what the loop remembers of one user's reads (reads.c), pure
 * data structures without I/O:
 *   readset    the distinct cards read in a sliding window (the hour of the
 *              bulk-read limit), oldest first, with when each was last read and
 *              last recorded: to count them and to dedup repeated reads;
 *   readdedup  for users without a limit, only the last read recorded per slot
 *              of a two-way table: the dedup alone, a cache line a read. */
#ifndef KART_BULKREAD_H
#define KART_BULKREAD_H

#include <stdbool.h>
#include <stdint.h>

/* A user's same read (same how) of a card again within this is not recorded again. */
#define READS_DEDUP_US INT64_C(60000000)

struct rnode;
struct dslot;

struct readset {
	struct rnode *nodes;
	uint32_t cap, used, n;      /* nodes allocated, ever handed out, live */
	uint32_t head, tail, free;
	uint32_t *slots;            /* open addressing: node index + 1, 0 empty */
	uint32_t nslots;            /* a power of two, at least 2 * cap */
};

void readset_init(struct readset *u);
/* Forgets everything and gives the memory back. */
void readset_clear(struct readset *u);
/* Forgets the cards last read before `before` (unix us); empty, the memory goes back. */
void readset_prune(struct readset *u, int64_t before);
/* Notes a read of id at t (how: its hash), keeping at most max cards (the
 * oldest goes). *fresh tells whether the card was not in the set; returns
 * whether to record the read (not the same read of the same card within
 * READS_DEDUP_US; out of memory: record it). */
bool readset_note(struct readset *u, uint64_t id, int64_t t, uint32_t how, uint32_t max, bool *fresh);

struct readdedup {
	struct dslot *tab;          /* allocated on the first read */
	uint32_t nslots, fill;      /* its size; slots in use */
};

/* Whether to record this read (not the same read of the same card recorded
 * within READS_DEDUP_US; a collision only records a read again). */
bool readdedup_note(struct readdedup *u, uint64_t id, int64_t t, uint32_t how);
void readdedup_free(struct readdedup *u);

#endif
