/* acl: who sees which card, and which of its fields.
 *
 * Visibility by role (kartd.conf): an admin sees every card; a supervisor the
 * cards whose owner is in their team (visibility_supervisor = team | all); a
 * manager their own (visibility_manager = own | team | all); an auditor none
 * (the request table already keeps auditors away from cards). A card out of
 * scope is NOT_FOUND, never a hint that it exists.
 *
 * Sensitive fields — custom fields marked sensitive, the birthday, the
 * relatives and the address — are shown only to the card's owner, to a
 * supervisor of the owner's team and to admins; anyone else who may see the
 * card gets them masked. */
#ifndef KART_ACL_H
#define KART_ACL_H

#include "req.h"

/* Whether r's user may see card c (live or in the trash). */
bool acl_visible(struct req *r, const Kart__Card *c);
/* The same from a stored card's bytes, decoding only its owner. */
bool acl_visible_bytes(struct req *r, const void *bytes, size_t len);
/* Readies a card to leave the server for r's user, in place: marks each
 * custom value with its field's type (CustomValue.type) and masks the
 * sensitive fields if the user may not see them (loop and writer threads:
 * uses their schema cache). Every card sent goes through here. */
void acl_mask(struct req *r, Kart__Card *c);
/* The same with a given schema, for pool threads. */
struct schema;
void acl_mask_with(struct req *r, Kart__Card *c, const struct schema *sc);
/* Whether r's user gets card c's sensitive fields masked. */
bool acl_masks(struct req *r, const Kart__Card *c);
/* From a stored card's bytes, decoding only its owner: r's user sees the
 * card, sensitive fields and all (false: hidden, masked, or the owner could
 * not be read; the caller decodes the card to tell which). */
bool acl_whole_bytes(struct req *r, const void *bytes, size_t len);
/* Both at once, the owner read once: hidden, seen masked, or seen whole
 * (a stored card whose owner cannot be read: masked for a user who sees
 * every card, else hidden). */
enum acl_view { ACL_HIDDEN, ACL_MASKED, ACL_WHOLE };
enum acl_view acl_view_bytes(struct req *r, const void *bytes, size_t len);
/* Whether a field (by name) is sensitive: birthday, address, relatives, or
 * a custom field defined --sensitive. */
bool acl_field_sensitive(const struct schema *sc, const char *field);
/* Every card is visible to r's user: checks can be skipped. */
bool acl_sees_all(const struct req *r);
/* The owners whose cards r's user sees, when they do not see all: themselves
 * and, by team visibility, their team's members (users with the same team).
 * *out and its names are in a. Returns 0, ENOMEM or an MDB code. */
int acl_scope_owners(struct req *r, struct arena *a, char ***out, size_t *n);

/* Checks a user that r's user names as the owner of work (a card's owner, a
 * deal's, whoever takes over an offboarded user's share): a user who can own
 * cards (admin, supervisor or manager, not an auditor) and whom r's user may
 * hand work to: an admin anyone; a supervisor themselves or a member of their
 * team; a manager themselves, or a member of their team when
 * visibility_manager is team or all. A user who does not exist and one who may
 * not be named get the same BAD_REQUEST ("FIELD: no user NAME that you may
 * hand work to"), so the answer tells no names. Returns H_OK, H_ABORT after that
 * reply, or an MDB code. *out (if not NULL) gets the record. */
int acl_check_owner(struct req *r, const char *name, const char *field, Kart__UserRecord **out);
/* That one answer, for a caller with a narrower rule of its own. Returns H_ABORT. */
int acl_owner_refused(struct req *r, const char *name, const char *field);
/* Whether r's user may see the card `card_id` (live or in the trash): what is
 * attached to a card (deals, reminders) is seen with it. A card in neither
 * table only admins see. Returns 0, MDB_NOTFOUND (not visible) or an MDB code. */
int acl_card_id_visible(struct req *r, uint64_t card_id);

/* Records, from any thread, that r's user asked for cards out of their scope
 * (the reply says NOT_FOUND). The record is written by the writer: the first
 * three of a user's minute one by one, the rest as one record with their
 * count once the minute is over. */
void acl_note_denied(struct req *r, uint64_t card_id, const char *what);
/* Writes the counts of refused looks held for minutes that are over (all:
 * every count, at stop). Loop thread, every sweep. */
void acl_denied_flush(struct server *srv, bool all);

#endif
