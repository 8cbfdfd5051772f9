/* card: the card's fields by name — setting them from text, validating, and
 * describing changes. One table drives the CLI's `--set FIELD=VALUE`, the
 * create request and the audit summary, so they cannot disagree. */
#ifndef KART_CARD_H
#define KART_CARD_H

#include "req.h"

/* Sets field `name` of card from text. A list field appends (append) or is
 * replaced. Errors are written into r (BAD_REQUEST naming the field); returns
 * H_OK or H_ABORT. `seen` (one bit per field) lets the first set of a list
 * field in an update replace the old list and later ones append. */
int card_set(struct req *r, Kart__Card *card, const char *name, const char *value, uint64_t *seen);
/* card_set, or for a list field (phones, emails, tags, messengers) with op
 * ADD: append the items it does not hold yet (one already there is no error
 * and no duplicate), REMOVE: take the items out, an item not there being a
 * BAD_REQUEST naming it. Other fields refuse ADD and REMOVE. */
int card_set_op(struct req *r, Kart__Card *card, const char *name, const char *value, Kart__ListOp op, uint64_t *seen);
/* Whether v passes the check every email on a card passes: one '@' with
 * text on both sides, no blanks, commas, semicolons or angle brackets. */
bool card_email_valid(const char *v);
/* Whole-card checks after all fields are set. */
int card_validate(struct req *r, const Kart__Card *card);
/* "last_name: 'Old' -> 'New'; city: '' -> 'Самара'" for every field that differs. */
char *card_diff(struct arena *a, const Kart__Card *before, const Kart__Card *after);
/* "Иванов Иван" or the company, for audit summaries. */
const char *card_title(struct arena *a, const Kart__Card *card);

/* Storage (card_store.c): load (unpacked into the arena) and save. Returns 0 or an MDB code. */
int card_load(MDB_txn *txn, MDB_dbi dbi, uint64_t id, struct arena *a, Kart__Card **out);
int card_save(MDB_txn *txn, MDB_dbi dbi, const Kart__Card *card);
/* card_load for a request: a card outside the user's scope is MDB_NOTFOUND,
 * and the attempt is recorded (acl.h). `what` says what was tried. */
int card_load_visible(struct req *r, MDB_dbi dbi, uint64_t id, Kart__Card **out, const char *what);
/* card_load without the notes, relatives and custom values (not even decoded):
 * for answers that show who a card is, not all of it (find). */
int card_load_brief(MDB_txn *txn, MDB_dbi dbi, uint64_t id, struct arena *a, Kart__Card **out);
/* The brief's bytes: a stored card's n bytes copied to out (room for n)
 * without its notes, relatives and custom values, still a Card on the wire.
 * Returns the length, or SIZE_MAX if the bytes are not well formed. */
size_t card_brief_bytes(const void *stored, size_t n, uint8_t *out);

enum card_where {
	CARD_LIVE,        /* before and after live (create: before NULL) */
	CARD_TRASHED,     /* moved from the live table to the trash */
	CARD_RESTORED,    /* moved from the trash back */
	CARD_IN_TRASH,    /* before and after in the trash (not indexed) */
};
/* Writes a change of one card: derived fields, the replaced version into
 * history, the secondary indexes, the card itself. The caller has bumped the
 * version and appends the audit record. Returns 0 or an MDB code. */
int card_commit(struct req *r, Kart__Card *before, Kart__Card *after, enum card_where where);
/* Creates n new cards, each already set and validated with its owner
 * decided: numbers them in order, stamps version 1 and the times, normalises
 * them and writes them with their index entries (what card_commit does for a
 * create, for many at once: card_bulk.c appends the cards and puts the
 * batch's index keys sorted). Returns 0 or an MDB code. */
int card_create_many(struct req *r, Kart__Card **cards, size_t n);
/* A new card from its fields (CardCreate's, an imported row's), set and
 * checked, its owner decided (r's user if none is named, else one they may
 * hand work to); not yet stored. H_ABORT leaves the reason in r->out. */
int card_build(struct req *r, Kart__FieldValue *const *fv, size_t n, Kart__Card **out);
/* An import's merge of src (a row) into dst (a card it duplicates): empty
 * fields of dst are filled from src, the phones, emails, tags and messengers
 * it lacks are added; a field that holds another value keeps it, and is
 * named in *conflicts ("city: kept 'A', not 'B'; ..."; "" if none). The
 * owner and the relatives are left alone. Returns H_OK, or H_ABORT with the
 * reason in r->out (a list over its limit). */
int card_merge(struct req *r, Kart__Card *dst, const Kart__Card *src, const char **conflicts);
/* Takes back from cur what a merge changed from `before` to `after`: a list
 * loses the items the merge added; another field gets before's value back
 * where it still holds after's (or always, with force); one changed since is
 * left and named in *kept ("" if none). The schema must be in step (schema_sync). */
int card_unmerge(struct req *r, Kart__Card *cur, const Kart__Card *before, const Kart__Card *after, bool force,
		 const char **kept);
/* Fills the fields the server derives from what was typed (phones_e164,
 * phones_ext). card_commit calls it; exposed for matching before a write.
 * Returns 0 or ENOMEM. */
int card_normalize(struct req *r, Kart__Card *c);
int card_history_key(uint64_t id, uint64_t version, uint8_t out[16]);
/* Field-level differences (core, relatives, custom), in the arena. */
size_t card_changes(struct arena *a, const Kart__Card *before, const Kart__Card *after, Kart__Change ***out);
bool card_is_core_field(const char *name);
const char *card_custom_value(const Kart__Card *c, const char *name);
/* A deep copy sharing nothing mutable with the original, for diffs. */
Kart__Card *card_copy(struct arena *a, const Kart__Card *card);

#endif
