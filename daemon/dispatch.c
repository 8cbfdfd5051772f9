/* dispatch: the request table. Unpacks a frame, checks what the request needs
 * (Hello first, a session, a role) and runs its handler: reads here on the
 * loop thread in a short read transaction, writes on the writer thread. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certs.h"
#include "conn.h"
#include "dispatch.h"
#include "handlers.h"
#include "writer.h"
#include "log.h"
#include "pbwire.h"
#include "pbjson.h"
#include "reads.h"
#include "stats.h"
#include "text.h"
#include "util.h"

enum {
	F_BEFORE_HELLO = 1,   /* allowed before Hello */
	F_PUBLIC = 2,         /* allowed without a session */
	F_WRITE = 4,          /* runs on the writer thread */
};

#define ROLE(r) (1u << KART__ROLE__ROLE_##r)
#define STAFF (ROLE(ADMIN) | ROLE(SUPERVISOR) | ROLE(MANAGER))
#define ANY 0u

struct route {
	const char *name;
	handler_fn fn;
	unsigned flags;
	unsigned roles;       /* allowed roles; ANY: every signed-in user */
};

static const struct route routes[] = {
	[KART__ENVELOPE__BODY_HELLO] = { "hello", h_hello, F_BEFORE_HELLO | F_PUBLIC, ANY },
	[KART__ENVELOPE__BODY_LOGIN] = { "login", h_login, F_PUBLIC, ANY },
	[KART__ENVELOPE__BODY_RESUME] = { "resume", h_resume, F_PUBLIC, ANY },
	[KART__ENVELOPE__BODY_LOGOUT] = { "logout", h_logout, F_WRITE, ANY },
	[KART__ENVELOPE__BODY_WHOAMI] = { "whoami", h_whoami, 0, ANY },
	[KART__ENVELOPE__BODY_CANCEL] = { "cancel", h_cancel, F_PUBLIC, ANY },
	[KART__ENVELOPE__BODY_USER_ADD] = { "add users", h_user_add, 0, ROLE(ADMIN) },
	[KART__ENVELOPE__BODY_USER_LIST] = { "list users", h_user_list, 0, ROLE(ADMIN) },
	[KART__ENVELOPE__BODY_USER_PASSWD] = { "change passwords", h_user_passwd, 0, ANY },
	[KART__ENVELOPE__BODY_USER_LOCK] = { "lock users", h_user_lock, F_WRITE, ROLE(ADMIN) },
	/* user show: the handler scopes it (admin: anyone; supervisor: their team; others: themselves) */
	[KART__ENVELOPE__BODY_USER_SHOW] = { "see users", h_user_show, 0, ANY },
	[KART__ENVELOPE__BODY_USER_OFFBOARD] = { "offboard users", h_user_offboard, F_WRITE, ROLE(ADMIN) | ROLE(SUPERVISOR) },
	[KART__ENVELOPE__BODY_CARD_CREATE] = { "create cards", h_card_create, F_WRITE, STAFF },
	[KART__ENVELOPE__BODY_CARD_GET] = { "read cards", h_card_get, 0, STAFF },
	[KART__ENVELOPE__BODY_CARD_UPDATE] = { "edit cards", h_card_update, F_WRITE, STAFF },
	[KART__ENVELOPE__BODY_CARD_DELETE] = { "delete cards", h_card_delete, F_WRITE, STAFF },
	[KART__ENVELOPE__BODY_CARD_RESTORE] = { "restore cards", h_card_restore, F_WRITE, STAFF },
	[KART__ENVELOPE__BODY_CARD_LIST] = { "list cards", h_card_list, 0, STAFF },
	[KART__ENVELOPE__BODY_AUDIT_QUERY] = { "read the audit trail", h_audit_query, 0, ROLE(ADMIN) | ROLE(AUDITOR) },
	[KART__ENVELOPE__BODY_AUDIT_VERIFY] = { "verify the audit trail", h_audit_verify, 0, ROLE(ADMIN) | ROLE(AUDITOR) },
	[KART__ENVELOPE__BODY_AUDIT_HEAD] = { "read the audit trail", h_audit_head, 0, ROLE(ADMIN) | ROLE(AUDITOR) },
	[KART__ENVELOPE__BODY_LOG_ADD] = { "write the timeline", h_log_add, F_WRITE, STAFF },
	[KART__ENVELOPE__BODY_TIMELINE_QUERY] = { "read the timeline", h_timeline_query, 0, STAFF },
	[KART__ENVELOPE__BODY_DEAL_ADD] = { "add deals", h_deal_add, F_WRITE, STAFF },
	[KART__ENVELOPE__BODY_DEAL_MOVE] = { "move deals", h_deal_move, F_WRITE, STAFF },
	[KART__ENVELOPE__BODY_DEAL_LIST] = { "list deals", h_deal_list, 0, STAFF },
	[KART__ENVELOPE__BODY_DEAL_GET] = { "read deals", h_deal_get, 0, STAFF },
	[KART__ENVELOPE__BODY_DEAL_EDIT] = { "edit deals", h_deal_edit, F_WRITE, STAFF },
	[KART__ENVELOPE__BODY_DEAL_REMOVE] = { "remove deals", h_deal_remove, F_WRITE, STAFF },
	[KART__ENVELOPE__BODY_TIMELINE_EDIT] = { "correct the timeline", h_timeline_edit, F_WRITE, STAFF },
	[KART__ENVELOPE__BODY_TIMELINE_REMOVE] = { "correct the timeline", h_timeline_remove, F_WRITE, STAFF },
	[KART__ENVELOPE__BODY_REMINDER_ADD] = { "add reminders", h_reminder_add, F_WRITE, STAFF },
	[KART__ENVELOPE__BODY_REMINDER_DONE] = { "close reminders", h_reminder_done, F_WRITE, STAFF },
	[KART__ENVELOPE__BODY_REMINDER_LIST] = { "list reminders", h_reminder_list, 0, STAFF },
	[KART__ENVELOPE__BODY_REMINDER_EDIT] = { "edit reminders", h_reminder_edit, F_WRITE, STAFF },
	[KART__ENVELOPE__BODY_REMINDER_SNOOZE] = { "edit reminders", h_reminder_snooze, F_WRITE, STAFF },
	[KART__ENVELOPE__BODY_TODAY_QUERY] = { "see today's reminders and birthdays", h_today, 0, STAFF },
	[KART__ENVELOPE__BODY_FIELD_ADD] = { "define custom fields", h_field_add, F_WRITE, ROLE(ADMIN) },
	[KART__ENVELOPE__BODY_FIELD_LIST] = { "list custom fields", h_field_list, 0, ANY },
	[KART__ENVELOPE__BODY_FIELD_REMOVE] = { "remove custom fields", h_field_remove, F_WRITE, ROLE(ADMIN) },
	[KART__ENVELOPE__BODY_RELATIVE_ADD] = { "edit cards", h_relative_add, F_WRITE, STAFF },
	[KART__ENVELOPE__BODY_RELATIVE_REMOVE] = { "edit cards", h_relative_remove, F_WRITE, STAFF },
	[KART__ENVELOPE__BODY_CARD_HISTORY] = { "read card history", h_card_history, 0, STAFF },
	[KART__ENVELOPE__BODY_CARD_REVERT] = { "revert cards", h_card_revert, F_WRITE, STAFF },
	[KART__ENVELOPE__BODY_CARD_MERGE] = { "merge cards", h_card_merge, F_WRITE, STAFF },
	[KART__ENVELOPE__BODY_CARD_UNMERGE] = { "merge cards", h_card_unmerge, F_WRITE, STAFF },
	[KART__ENVELOPE__BODY_FIND] = { "find cards", h_find, 0, STAFF },
	[KART__ENVELOPE__BODY_CARD_QUERY] = { "list cards", h_card_query, 0, STAFF },
	[KART__ENVELOPE__BODY_BULK_MOVE] = { "move cards in bulk", h_bulk_move, F_WRITE, ROLE(ADMIN) | ROLE(SUPERVISOR) },
	[KART__ENVELOPE__BODY_SEGMENT_SAVE] = { "save segments", h_segment_save, F_WRITE, STAFF },
	[KART__ENVELOPE__BODY_SEGMENT_LIST] = { "list segments", h_segment_list, 0, STAFF },
	[KART__ENVELOPE__BODY_SEGMENT_SHOW] = { "read segments", h_segment_show, 0, STAFF },
	[KART__ENVELOPE__BODY_SEGMENT_REMOVE] = { "remove segments", h_segment_remove, F_WRITE, STAFF },
	[KART__ENVELOPE__BODY_REINDEX] = { "rebuild indexes", h_reindex, F_WRITE, ROLE(ADMIN) },
	[KART__ENVELOPE__BODY_BACKUP] = { "back up the database", h_backup, 0, ROLE(ADMIN) },
	/* import: the import permission is checked in the handlers; a user sees their own imports, an admin all */
	[KART__ENVELOPE__BODY_IMPORT_BEGIN] = { "import cards", h_import_begin, F_WRITE, STAFF },
	[KART__ENVELOPE__BODY_IMPORT_BATCH] = { "import cards", h_import_batch, F_WRITE, STAFF },
	[KART__ENVELOPE__BODY_IMPORT_END] = { "import cards", h_import_end, F_WRITE, STAFF },
	[KART__ENVELOPE__BODY_IMPORT_LIST] = { "list imports", h_import_list, 0, STAFF },
	[KART__ENVELOPE__BODY_IMPORT_UNDO] = { "undo imports", h_import_undo, F_WRITE, STAFF },
	[KART__ENVELOPE__BODY_CARD_IMPORT] = { "import cards", h_card_import, F_WRITE, ROLE(ADMIN) | ROLE(SUPERVISOR) },
	/* export: a pool job; the export permission and the quota are checked in the handler */
	[KART__ENVELOPE__BODY_EXPORT] = { "export cards", h_export, 0, STAFF },
	[KART__ENVELOPE__BODY_EXPORT_ABORT] = { "export cards", h_export_abort, F_WRITE, STAFF },
	[KART__ENVELOPE__BODY_EXPORT_LIST] = { "list exports", h_export_list, 0, ROLE(ADMIN) | ROLE(AUDITOR) },
	[KART__ENVELOPE__BODY_LEAK_TRACE] = { "trace leaked files", h_leak_trace, 0, ROLE(ADMIN) | ROLE(AUDITOR) },
	[KART__ENVELOPE__BODY_USER_GRANT] = { "grant permissions", h_user_grant, F_WRITE, ROLE(ADMIN) },
	[KART__ENVELOPE__BODY_USER_QUOTA] = { "set quotas", h_user_quota, F_WRITE, ROLE(ADMIN) },
	[KART__ENVELOPE__BODY_CARD_CANARY] = { "mark canary cards", h_card_canary, F_WRITE, ROLE(ADMIN) },
	[KART__ENVELOPE__BODY_CANARY_LIST] = { "list canary cards", h_canary_list, 0, ROLE(ADMIN) },
	[KART__ENVELOPE__BODY_READ_QUERY] = { "read the record of reads", h_read_query, 0, ROLE(ADMIN) | ROLE(AUDITOR) },
	[KART__ENVELOPE__BODY_ALERT_QUERY] = { "read alerts", h_alert_query, 0, ROLE(ADMIN) },
	[KART__ENVELOPE__BODY_USER_UNBLOCK] = { "unblock users", h_user_unblock, F_WRITE, ROLE(ADMIN) },
	/* scans in the pool; what the caller sees only */
	[KART__ENVELOPE__BODY_DUP_FIND] = { "find duplicates", h_dup_find, 0, STAFF },
	[KART__ENVELOPE__BODY_QUALITY] = { "check the base's quality", h_quality, 0, STAFF },
	[KART__ENVELOPE__BODY_REPORT_QUERY] = { "run reports", h_report, 0, STAFF },
	[KART__ENVELOPE__BODY_CERT_ISSUE] = { "issue certificates", h_cert_issue, F_WRITE, ROLE(ADMIN) },
	[KART__ENVELOPE__BODY_CERT_REVOKE] = { "revoke certificates", h_cert_revoke, F_WRITE, ROLE(ADMIN) },
	[KART__ENVELOPE__BODY_CERT_LIST] = { "list certificates", h_cert_list, 0, ROLE(ADMIN) },
	[KART__ENVELOPE__BODY_STATS_QUERY] = { "read the server's counters", h_stats, 0, ROLE(ADMIN) },
};

static void reply_now(struct conn *c, struct req *r)
{
	if (r->packed.bytes && r->out.body_case == KART__ENVELOPE__BODY__NOT_SET) {
		conn_send_packed(c, r->id, r->packed.body, r->packed.bytes, r->packed.len);
		return;
	}
	r->out.request_id = r->id;
	if (r->out.body_case == KART__ENVELOPE__BODY__NOT_SET)
		req_error(r, KART__ERROR_CODE__INTERNAL, "", "internal error: empty reply");
	conn_send(c, &r->out);
}

/* The arena's allocator, noting whether it ever said no. */
struct budget_probe {
	ProtobufCAllocator pb;
	struct arena *arena;
	bool refused;
};

static void *probe_alloc(void *ud, size_t n)
{
	struct budget_probe *p = ud;
	void *m = p->arena->pb.alloc(p->arena->pb.allocator_data, n);
	if (!m)
		p->refused = true;
	return m;
}

static void probe_free(void *ud, void *m)
{
	struct budget_probe *p = ud;
	p->arena->pb.free(p->arena->pb.allocator_data, m);
}

/* After a failed decode: was it the budget (a well-formed message too big to
 * decode) rather than malformed bytes? Decodes once more with an allocator
 * that tells, on this rare path only, so the common one stays as it is. */
static bool decode_exceeds_budget(struct arena *a, const uint8_t *payload, uint32_t len)
{
	arena_reset(a);
	struct budget_probe p = { { probe_alloc, probe_free, NULL }, a, false };
	p.pb.allocator_data = &p;
	Kart__Envelope *e = kart__envelope__unpack(&p.pb, len, payload);
	return !e && p.refused;
}

/* What a request got wrong in itself, found as it was read: it did not
 * decode (malformed, or too big to decode within its budget), names no known
 * request, or comes before Hello. Fills r's error; false if there is none. */
static bool request_fault(struct conn *c, struct req *r, const struct route *rt, const uint8_t *payload,
			  uint32_t len)
{
	if (!r->in) {
		/* the failed decode may have spent the arena: the reply needs it */
		bool too_big = decode_exceeds_budget(&c->arena, payload, len);
		arena_reset(&c->arena);
		if (too_big) {
			log_notice("%s: request %" PRIu64 " refused: decoding its %u bytes needs more than the %zu KiB a request may use",
				   c->who.peer, r->id, len, c->arena.budget >> 10);
			req_error(r, KART__ERROR_CODE__BAD_REQUEST, "",
				  "request too large: decoding it needs more than the %zu KiB a request may use; send less at once",
				  c->arena.budget >> 10);
		} else {
			log_notice("%s: malformed request (%u bytes)", c->who.peer, len);
			req_error(r, KART__ERROR_CODE__BAD_REQUEST, "", "malformed request: not a valid message");
		}
		return true;
	}
	if (!rt) {
		req_error(r, KART__ERROR_CODE__BAD_REQUEST, "body", "unknown or missing request");
		return true;
	}
	if (!c->hello && !(rt->flags & F_BEFORE_HELLO)) {
		req_error(r, KART__ERROR_CODE__BAD_REQUEST, "", "send Hello first");
		return true;
	}
	return false;
}

#define SESSION_GONE "session expired or revoked; log in again"
#define DB_BUSY "the database is busy; try again"

/* The session step of the gate: NULL, or why the request (or the page) may
 * not go on. A stream whose session ended on its own connection (a logout)
 * ends as one revoked elsewhere (a logout there, a password change, a lock):
 * one lookup in the snapshot. */
static const char *session_refused(struct conn *c, const struct req *r, bool page)
{
	if (!c->authed)
		return page ? SESSION_GONE : "not logged in";
	if (c->session_expires <= r->now)
		return "session expired; log in again";
	if (r->txn && !conn_session_live(c, r->txn))
		return SESSION_GONE;
	return NULL;
}

enum gate {
	GATE_OPEN,  /* serve it */
	GATE_SHUT,  /* refused: r holds the error */
	GATE_END,   /* refused, and the connection ends after the error in r */
};

/* The frame a request came in. */
struct frame_in {
	const uint8_t *payload;
	uint32_t len;
};

/* The gate every request and every stream page passes, in the read snapshot
 * r->txn that its handler or page then reads, in order: the client
 * certificate (missing where required, expired or revoked since: whatever
 * was asked, the connection ends); what a request got wrong in itself (f:
 * the frame it came in; NULL for a page); the session; the role; the
 * bulk-read standing (reads.h). A page's request passed the role and
 * bulk-read steps when it was made, so a page (rt NULL) skips them. Without
 * a snapshot (r->txn NULL) the certificate and session steps refuse. */

static enum gate gate(struct conn *c, struct req *r, const struct route *rt, const struct frame_in *f)
{
	const char *refused = certs_check(c, r->txn, r->now);
	if (refused) {
		log_notice("%s: refused%s: %s", c->who.peer, f ? "" : " mid-stream", refused);
		if (f && !r->in)
			arena_reset(&c->arena); /* a failed decode may have spent it */
		req_error(r, KART__ERROR_CODE__UNAUTHENTICATED, "", "%s", refused);
		return GATE_END;
	}
	if (f && request_fault(c, r, rt, f->payload, f->len))
		return GATE_SHUT;
	if (!f || !(rt->flags & F_PUBLIC)) {
		const char *gone = session_refused(c, r, !f);
		if (gone) {
			if (c->authed)
				conn_clear_session(c);
			req_error(r, KART__ERROR_CODE__UNAUTHENTICATED, "", "%s", gone);
			return GATE_SHUT;
		}
		if (!r->txn) { /* the session could not be looked up: refused, kept */
			req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", DB_BUSY);
			return GATE_SHUT;
		}
	}
	if (!f)
		return GATE_OPEN;
	if (rt->roles && !(rt->roles & (1u << c->who.role))) {
		char role[32];
		pbjson_enum_name(&kart__role__descriptor, (int)c->who.role, role, sizeof(role));
		req_error(r, KART__ERROR_CODE__PERMISSION_DENIED, "", "permission denied: a user with role %s may not %s",
			  role, rt->name);
		return GATE_SHUT;
	}
	/* a user blocked or throttled for bulk reading reads no cards */
	return reads_gate(r) == H_OK ? GATE_OPEN : GATE_SHUT;
}

static const struct route *route_of(const Kart__Envelope *in)
{
	if (in && (size_t)in->body_case < sizeof(routes) / sizeof(routes[0]) && routes[in->body_case].fn)
		return &routes[in->body_case];
	return NULL;
}

/* Runs a request that passed the gate: a write goes to the writer with the
 * request's arena, a read runs here in the gate's snapshot. Tells whether
 * the reply is to be sent now. */
static bool serve(struct conn *c, struct req *r, const struct route *rt)
{
	/* a dry-run move changes nothing: a read, run like a filtered list */
	bool write = (rt->flags & F_WRITE) &&
		     !(r->in->body_case == KART__ENVELOPE__BODY_BULK_MOVE && r->in->bulk_move->dry_run);
	if (write) {
		struct wreq *w = req_to_wreq(r, rt->fn);
		if (!w) {
			req_no_memory(r);
			return true;
		}
		writer_submit(c->srv, w);
		return false;
	}
	if (!r->txn) {
		req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", DB_BUSY);
		return true;
	}
	int rc = rt->fn(r);
	/* a stream is counted as it begins; a pool job's reply as it leaves (jobs.c) */
	if (rc == H_DEFER && r->fx.stream)
		stats_request(c->srv->stats, (unsigned)r->in->body_case, r->now, util_now_us());
	conn_apply(c, &r->fx); /* what the handler asked of the connection */
	if (rc == H_DEFER)
		return false;
	if (rc != H_OK && rc != H_ABORT)
		req_store_error(r, rc, rt->name);
	return true;
}

void dispatch_frame(struct conn *c, const uint8_t *payload, uint32_t len)
{
	struct server *srv = c->srv;
	struct req r = { .srv = srv, .cfg = srv->cfg, .conn = c, .arena = &c->arena, .now = util_now_us(), .who = c->who,
			 .authed = c->authed, .session_expires = c->session_expires };
	kart__envelope__init(&r.out);

	r.in = kart__envelope__unpack(&c->arena.pb, len, payload);
	if (r.in)
		r.id = r.in->request_id;
	else /* answered with its own id all the same: read from the raw bytes */
		pbwire_find_varint(payload, len, 1, &r.id);
	const struct route *rt = route_of(r.in);
	/* the one snapshot of the request: the gate's checks and a read's handler
	 * (without it, what needs it is refused as busy) */
	r.txn = store_read_begin(&srv->store);
	bool send = true;
	enum gate g = gate(c, &r, rt, &(struct frame_in){ payload, len });
	if (g == GATE_OPEN)
		send = serve(c, &r, rt);
	if (send) {
		reply_now(c, &r); /* a packed reply points into the snapshot */
		if (rt && r.in)
			stats_request(srv->stats, (unsigned)r.in->body_case, r.now, util_now_us());
	}
	if (r.txn)
		store_read_end(&srv->store);
	arena_reset(&c->arena);
	if (g == GATE_END)
		conn_end(c);
}

enum page_turn dispatch_page(struct conn *c, struct stream *s, struct req *r)
{
	struct store *st = &c->srv->store;
	r->txn = store_read_begin(st);
	enum gate g = gate(c, r, NULL, NULL);
	bool last = g != GATE_OPEN || s->page(s, r);
	if (r->txn)
		store_read_end(st);
	return g == GATE_END ? PAGE_END : last ? PAGE_LAST : PAGE_MORE;
}
