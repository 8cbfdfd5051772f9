/* handlers: every request's handler (h_*.c), for dispatch.c's route table,
 * and what one handler file offers another. */
#ifndef KART_HANDLERS_H
#define KART_HANDLERS_H

#include "req.h"

int h_hello(struct req *r);
int h_login(struct req *r);
int h_resume(struct req *r);
int h_logout(struct req *r);
int h_whoami(struct req *r);
int h_cancel(struct req *r);
int h_user_add(struct req *r);
int h_user_list(struct req *r);
int h_user_passwd(struct req *r);
int h_user_lock(struct req *r);
int h_user_show(struct req *r);
int h_user_offboard(struct req *r);
int h_user_grant(struct req *r);
int h_user_quota(struct req *r);
/* h_import.c: kart import; may_import is the import permission (a grant or
 * revoke, else admins and supervisors; never an auditor), for user show */
int h_import_begin(struct req *r);
int h_import_batch(struct req *r);
int h_import_end(struct req *r);
int h_import_list(struct req *r);
int h_import_undo(struct req *r);
bool may_import(const Kart__User *u);
int h_card_create(struct req *r);
int h_card_get(struct req *r);
int h_card_update(struct req *r);
int h_card_delete(struct req *r);
int h_card_restore(struct req *r);
int h_card_list(struct req *r);
int h_audit_query(struct req *r);
/* h_verify.c: the audit chain checked in the pool, and its head */
int h_audit_verify(struct req *r);
int h_audit_head(struct req *r);
/* h_timeline.c, h_deal.c, h_remind.c */
int h_log_add(struct req *r);
int h_timeline_query(struct req *r);
int h_deal_add(struct req *r);
int h_deal_move(struct req *r);
int h_deal_list(struct req *r);
int h_deal_get(struct req *r);
int h_deal_edit(struct req *r);
int h_deal_remove(struct req *r);
int h_timeline_edit(struct req *r);
int h_timeline_remove(struct req *r);
int h_reminder_add(struct req *r);
int h_reminder_done(struct req *r);
int h_reminder_list(struct req *r);
int h_reminder_edit(struct req *r);
int h_reminder_snooze(struct req *r);
int h_today(struct req *r);
int h_field_add(struct req *r);
int h_field_list(struct req *r);
int h_field_remove(struct req *r);
int h_relative_add(struct req *r);
int h_relative_remove(struct req *r);
int h_card_history(struct req *r);
int h_card_revert(struct req *r);
/* h_merge.c: merging two cards of one client, and taking it back */
int h_card_merge(struct req *r);
int h_card_unmerge(struct req *r);
int h_find(struct req *r);
int h_card_query(struct req *r);
int h_bulk_move(struct req *r);
int h_segment_save(struct req *r);
int h_segment_list(struct req *r);
int h_segment_show(struct req *r);
int h_segment_remove(struct req *r);
int h_reindex(struct req *r);
int h_backup(struct req *r);          /* h_backup.c */
/* h_query.c: the expression of a saved segment, or NULL after an error reply. */
const char *segment_expr(struct req *r, const char *name);
/* Checks a segment name (1..64 characters, no controls): H_OK, or H_ABORT
 * after a BAD_REQUEST naming field. */
int segment_check_name(struct req *r, const char *field, const char *name);
/* Saves segment name = expr as `segment save` does, with its checks and its
 * audit event (segment.save or segment.update), in r's write transaction;
 * visibility "shared", "private" or "" (a new one private). Replies OK:
 * a caller with its own reply sets it after. H_OK, H_ABORT, or an MDB code. */
int segment_put(struct req *r, const char *name, const char *expr, const char *visibility, bool replace);
int h_card_import(struct req *r);
/* h_export.c: exports */
int h_export(struct req *r);
int h_export_list(struct req *r);
/* An audit record of the daemon's own about an export (object "export"),
 * written later by the writer (audit_note_later), its summary cut at 223
 * bytes; callable from any thread. */
void export_note(struct req *r, const char *action, uint64_t object_id, bool ok, const char *summary);
/* h_leak.c: tracing a leaked file back to its export */
int h_leak_trace(struct req *r);
int h_export_abort(struct req *r);
/* Records export id's end on the writer: "done", or "failed" with why (a
 * stream's end, or a start-up finding it unfinished). Loop thread. */
void export_end_submit(struct server *srv, const struct principal *who, uint64_t id, bool failed,
		       const char *why);
/* reads.c, h_alert.c: canaries, read records, alerts, unblocking bulk readers */
int h_card_canary(struct req *r);
int h_canary_list(struct req *r);
int h_read_query(struct req *r);
int h_alert_query(struct req *r);
int h_user_unblock(struct req *r);
/* h_dup.c: probable duplicates and the base's health */
int h_dup_find(struct req *r);
int h_quality(struct req *r);
/* certs.c: client certificates */
int h_cert_issue(struct req *r);
int h_cert_revoke(struct req *r);
int h_cert_list(struct req *r);
/* h_stats.c */
int h_stats(struct req *r);
/* h_report.c: reports over the caller's cards (report.h) */
int h_report(struct req *r);

#endif
