/* reads: who received which cards, canary cards, bulk reading, alerts.
 *
 * Recording. Every card sent to a user (card show, find, ls, card ls,
 * timeline, history; exports below) is recorded as (user, card, time, how), apart
 * from the audit chain and at no transaction of the read's own: reads_record
 * appends to an in-memory buffer on the loop thread, and a write request of
 * the daemon's own flushes it every read_flush_ms (reads_timer, server.c) or as soon
 * as it holds READS_FLUSH_PIECE entries, each piece its own transaction, into
 *   reads_by_user  user || 0 || time (u64 BE) || card id (u64 BE)  -> how
 *   read_blocks    time of the newest read (u64 BE, unix us) || seq (u32 BE)
 *                  -> the piece as one block, sorted by card then time
 * A user's keys grow at the end of that user's range, and a block is one
 * value written in one go: a flush writes few pages. A key per read sorted
 * by card (the first layout) put every read on a random page of a tree as
 * big as the base, and cost a third of the get throughput at a million cards.
 * "Who received this card" binary-searches each block, newest first.
 * The block layout is read_block.h's.
 * The same flush prunes what is older than read_retention_days: whole blocks
 * from the oldest, and each user's oldest keys, a bounded number each time
 * (a walk of reads_by_user that resumes where it stopped).
 *
 * Exports. An export is one record, written in the export's own transaction
 * (reads_put_export), not a record per card: a million-card export would
 * otherwise be two million keys and their pages held in memory until written.
 *   reads_by_user  user || 0 || time (u64 BE) || export id (u64 BE) || 'x'  -> "export"
 * Its cards are the ids kept in export_cards (sorted), so "who received this
 * card" (h_alert.c) merges in, by time, the exports whose ids hold the card,
 * found by binary search from the newest export down. These records are kept
 * as long as the exports themselves: read_retention_days does not prune them.
 * A user's same read (same how) of a card again within a minute is not
 * recorded again: the loop remembers each user's recent cards (below), and
 * a record per get of a card opened over and over would cost the writer a
 * page per read and tell nothing new.
 *
 * Canaries. Admins mark cards as canaries (`canaries`: id -> "", nothing on
 * the card tells). reads_record looks every card it is given up there (while
 * there are any: the loop keeps their count): any read or export of a
 * canary, by anyone, raises an alert.
 *
 * Bulk reading. Per user the loop keeps the distinct cards read in a sliding
 * hour (card ids with the time of their last read, oldest first, pruned as the
 * hour slides; at most max(limit + 1, 65536) of them), in two sets counted
 * apart (bulkread.h, readwatch): the cards opened (card show, timeline,
 * history: the audited read) and the cards seen as rows of lists (find, ls,
 * card ls, a move's sample: summaries, many of them in a day of searching).
 * Users without a limit (admins, by default) have only a two-way table of
 * the last read recorded per slot, for the dedup above: one cache line a
 * read. The role's limit (bulk_read_manager, bulk_read_supervisor,
 * bulk_read_admin; 0: none) bounds the cards opened; bulk_list_factor times
 * it the cards seen in lists. Past either bulk_read_policy applies:
 *   alert     an alert, once per episode (until the count is back under the limit);
 *   throttle  the alert, and the user's card reads are answered UNAVAILABLE
 *             ("slow down") for a minute; every new distinct card read while
 *             still over the limit throttles them for another minute;
 *   block     the alert, and the user's card reads are PERMISSION_DENIED
 *             until an admin runs `kart user unblock` (User.read_blocked,
 *             kept in the user record, loaded again at start).
 * Admins have no limit by default. Throttles are kept in memory only.
 * Exports do not count toward the bulk-read limit: they have a permission and
 * a daily quota of their own. They are refused to a blocked or throttled user
 * like any card read, and a canary among their cards (found by the export's
 * scan) raises its alert in the export's transaction.
 *
 * Alerts. An audit event of severity "alert" (indexed in `alerts`, read by
 * `kart alerts`) and a warning in the log; alert.c runs alert_command for it. */
#ifndef KART_READS_H
#define KART_READS_H

#include "req.h"
#include "bulkread.h"
#include "read_block.h"

/* Read records wait in memory read_flush_ms (kartd.conf, default 10 s), or
 * until a piece of READS_FLUSH_PIECE is full: they are evidence, not
 * acknowledged data, so a crash may lose the last seconds of them, and bigger
 * flushes cost the writer fewer page writes per read. The loop writes them
 * straight into the write request that will carry them (no copy at the
 * hand-over). */
#define READS_FLUSH_PIECE 16384   /* read records per write transaction (and block) */

/* Records that r's user received the cards ids[0..n): how is "show", "find",
 * "ls", "card ls", "timeline", "history", ... (copied; at most 15
 * bytes kept); kind says whether they were opened (show, timeline, history)
 * or sent as rows of a list (find, ls, card ls, move). Canaries among them
 * raise alerts, and they count toward the user's bulk-read limit of their
 * kind (which may block or throttle the user for their next reads: see
 * reads_check).
 *
 * Loop thread only. Call it where cards are actually sent: in a handler, a
 * stream page, or a pool job's after-callback. r needs srv,
 * who and now (0: the current time); r->txn may be NULL, then a snapshot is
 * taken here for the canary lookup. The cost is an append to an array, one
 * lookup in `canaries` (skipped while there are none) and, for users with a
 * limit, an update of their set of cards. */
void reads_record(struct req *r, const uint64_t *ids, size_t n, const char *how, enum read_kind kind);
/* Counts cards sent toward the user's bulk-read limit of that kind (which
 * may alert, throttle or block as reads_record's do) without a record of
 * each: for cards whose sending is recorded once otherwise (a report's rows:
 * its one record, h_report.c). Loop thread. */
void reads_count(struct req *r, const uint64_t *ids, size_t n, enum read_kind kind);
/* The same for cards about to be sent. */
void reads_record_cards(struct req *r, Kart__Card *const *cards, size_t n, const char *how, enum read_kind kind);

/* Marks an export's record in reads_by_user (the byte after the export id). */
#define READS_EXPORT_MARK 'x'

/* Writer, in the export's transaction: the export's one read record for r's
 * user (export_cards holds its cards). Returns 0 or an LMDB error. */
int reads_put_export(struct req *r, uint64_t export_id);
/* The same for another record kept as an export is (a report's: how "report"). */
int reads_put_export_how(struct req *r, uint64_t export_id, const char *how);
/* Writer: the alert for canary card id sent to r's user (how: "export"),
 * an audit event of severity alert in r's transaction and a log warning. */
int reads_canary_alert_w(struct req *r, uint64_t id, const char *how);

/* Whether r's user may read cards now: H_OK, or an error reply in r->out and
 * H_ABORT for a user blocked (PERMISSION_DENIED) or throttled (UNAVAILABLE)
 * for bulk reading. Loop thread. Stream pages call it before each page. */
int reads_check(struct req *r);
/* dispatch.c: reads_check for the requests that read cards (CardGet,
 * CardList, Find, CardQuery, TimelineQuery, CardHistory, Export, DupFind,
 * Quality, ReportQuery; a new request that reads cards goes into the list in reads.c);
 * H_OK for any other. */
int reads_gate(struct req *r);

/* Raises an alert about r's user: a warning in the log and an audit event of
 * severity alert written by a write request of its own (alert_command then
 * runs once it is committed). Any thread; on the writer thread, inside a
 * handler, call audit_append_severity(r, "alert", ...) instead. */
void reads_alert(struct req *r, const char *action, const char *object, uint64_t object_id, const char *object_name,
		 const char *summary);

/* h_alert.c, after an unblock committed: the user may read again, their
 * throttle and their count of cards start afresh. Loop thread. */
void reads_unblocked(struct server *srv, const char *user);

/* h_alert.c, after a change to the canaries committed: the loop looks cards
 * up in `canaries` only while there are any. Loop thread. */
void reads_canaries_changed(struct server *srv);

/* server.c: loads the users blocked for bulk reading and the last alert. */
int reads_start(struct server *srv);
/* server.c: the reads_timer callback (every second): flush, prune, alert commands. */
void reads_tick(uv_timer_t *t);
/* Loop thread (kart admin stats): the reads waiting to be written, the bound
 * on the room their pieces take (past it reads go unrecorded) and the reads
 * unrecorded since start. */
void reads_backlog(const struct server *srv, uint64_t *pending, uint64_t *max, uint64_t *dropped);
/* server.c: the last flush, before the writer stops. */
void reads_stop(struct server *srv);
/* server.c: after the loop has ended. */
void reads_free(struct server *srv);

#endif
