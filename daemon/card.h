/* card: the card's fields by name — setting them from text, validating, and
 * describing changes. One table drives the CLI's `--set FIELD=VALUE`, the
 * create request and the audit summary, so they cannot disagree. */
#ifndef KART_CARD_H
#define KART_CARD_H

#include "kartd.h"

/* Sets field `name` of card from text. A list field appends (append) or is
 * replaced. Errors are written into r (BAD_REQUEST naming the field); returns
 * H_OK or H_ABORT. `seen` (one bit per field) lets the first set of a list
 * field in an update replace the old list and later ones append. */
int card_set(struct req *r, Kart__Card *card, const char *name, const char *value, uint64_t *seen);
/* Whole-card checks after all fields are set. */
int card_validate(struct req *r, const Kart__Card *card);
/* "last_name: 'Old' -> 'New'; city: '' -> 'Самара'" for every field that differs. */
char *card_diff(struct arena *a, const Kart__Card *before, const Kart__Card *after);
/* "Иванов Иван" or the company, for audit summaries. */
const char *card_title(struct arena *a, const Kart__Card *card);

/* Storage: load (unpacked into the arena) and save. Returns 0 or an MDB code. */
int card_load(MDB_txn *txn, MDB_dbi dbi, uint64_t id, struct arena *a, Kart__Card **out);
int card_save(MDB_txn *txn, MDB_dbi dbi, const Kart__Card *card, struct arena *a);
/* A deep copy sharing nothing mutable with the original, for diffs. */
Kart__Card *card_copy(struct arena *a, const Kart__Card *card);

#endif
