/* card_merge: two cards made one (kart dup merge) and taken apart again
 * (kart dup unmerge) — the fields, and where a merged card's id now leads.
 *
 * The field functions read no database and change only the card they are
 * given; what they allocate is in the arena they are given. The handlers
 * (h_merge.c) move what hangs on a card (timeline, deals, reminders) and
 * keep the record of each merge in `merged` (store.h). */
#ifndef KART_CARD_MERGE_H
#define KART_CARD_MERGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lmdb.h>

#include "arena.h"
#include "kart.pb-c.h"
#include "store.h"

#define MERGE_LIST_MAX 20        /* phones, emails, tags, messengers: card.c's limit */
#define MERGE_RELATIVES_MAX 50   /* h_card.c's limit */

struct merge_fields {
	Kart__MergeConflict **conflicts;   /* in the arena */
	size_t nconflicts;
	const char *too_many;   /* E2BIG: the list the union would overfill */
	size_t count;           /* E2BIG: how many it would hold */
	size_t max;             /* E2BIG: how many it may */
};

/* Merges from's fields into `into`, in place: phones (however formatted),
 * emails and tags (without regard to case), messengers, relatives and custom
 * values are united, into's first; a field into leaves empty takes from's
 * value; a field both hold with different values (folded text compared) is a
 * conflict, listed in out, keeping into's value or, with prefer_from, taking
 * from's. The server's own fields (id, version, times, derived counters) are
 * not touched. country: the default country of phones (cfg.phone_country).
 * Returns 0, ENOMEM, or E2BIG when a list would pass its limit (out names it;
 * into is then half merged and must be dropped). */
int card_merge_fields(struct arena *a, const char *country, Kart__Card *into, const Kart__Card *from,
		      bool prefer_from, struct merge_fields *out);

/* Takes a merge back from cur, in place: every field the merge changed
 * (`before` to `after`) that cur still holds as `after` left it gets
 * before's value again; one changed since is left and its name listed in
 * *kept (in the arena). Returns 0 or ENOMEM. */
int card_unmerge_fields(struct arena *a, Kart__Card *cur, const Kart__Card *before, const Kart__Card *after,
			char ***kept, size_t *nkept);

/* The merge record of card id (unpacked into a), if it was merged: 0,
 * MDB_NOTFOUND or an MDB code. */
int card_merge_record(MDB_txn *txn, struct store *st, uint64_t id, struct arena *a, Kart__MergeRecord **out);
/* The live card a merged card's id leads to, through merges of merges:
 * 0 with *into (and *first: the record of id itself), MDB_NOTFOUND when id
 * was not merged or its chain ends in no live card, or an MDB code. */
int card_merged_into(MDB_txn *txn, struct store *st, uint64_t id, struct arena *a, uint64_t *into,
		     Kart__MergeRecord **first);

#endif
