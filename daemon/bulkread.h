/* bulkread: what the loop remembers of one user's reads (reads.c), pure
 * data structures without I/O:
 *   readset    the distinct cards read in a sliding window (the hour of the
 *              bulk-read limit), oldest first, with when each was last read and
 *              last recorded: to count them and to dedup repeated reads;
 *   readwatch  a user with a limit: two readsets, the cards opened and the
 *              cards seen as rows of lists, each counted against its own limit;
 *   readdedup  for users without a limit, only the last read recorded per slot
 *              of a two-way table: the dedup alone, a cache line a read. */
#ifndef KART_BULKREAD_H
#define KART_BULKREAD_H

#include <stdbool.h>
#include <stdint.h>

/* A user's same read (same how) of a card again within this is not recorded again. */
#define READS_DEDUP_US INT64_C(60000000)
/* Cards per user and kind remembered for that dedup (more when the limit is higher). */
#define READS_DEDUP_CAP 65536u

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

/* What a read showed of a card. Opening it (card show, timeline, history) is
 * the read that counts; a row of a list (find, ls, card ls, a move's sample)
 * is a summary seen among others, and a manager who searches all day sees
 * many: rows are counted apart, against a limit bulk_list_factor times higher. */
enum read_kind {
	READ_OPENED,
	READ_LISTED,
	READ_KINDS
};

struct readwatch {
	struct readset seen[READ_KINDS];    /* the distinct cards of each kind in the window */
};

void readwatch_init(struct readwatch *w);
void readwatch_clear(struct readwatch *w);
void readwatch_prune(struct readwatch *w, int64_t before);
/* The limit of rows seen in lists for a limit of cards opened: factor times
 * it, at most UINT32_MAX - 1 (0 stays 0: no limit). */
uint32_t readwatch_list_limit(uint32_t opened_limit, uint32_t factor);
/* Notes a read of id of a kind at t (how: its hash), counted against limit
 * (that kind's, not 0). Returns whether to record it (readset_note); *over
 * tells whether the card was new to its kind's set and took it past limit. */
bool readwatch_note(struct readwatch *w, enum read_kind kind, uint64_t id, int64_t t, uint32_t how, uint32_t limit,
		    bool *over);

struct readdedup {
	struct dslot *tab;          /* allocated on the first read */
	uint32_t nslots, fill;      /* its size; slots in use */
};

/* Whether to record this read (not the same read of the same card recorded
 * within READS_DEDUP_US; a collision only records a read again). */
bool readdedup_note(struct readdedup *u, uint64_t id, int64_t t, uint32_t how);
void readdedup_free(struct readdedup *u);

#endif
