/* h_audit: the audit trail, newest first, filtered, streamed in pages. */
#include <stdint.h>
#include <string.h>

#include "audit.h"
#include "handlers.h"
#include "req.h"

#define SCAN_PER_PAGE 5000    /* records examined before a page is sent, even if short */

struct audit_state {
	uint64_t before;          /* next record to examine is before this seq; 0: from the newest */
	uint32_t remaining;       /* 0: no limit */
	char *user, *action;
	int64_t since_us, until_us;
};

static bool action_matches(const char *want, const char *action)
{
	if (!want || !*want)
		return true;
	size_t n = strlen(want);
	/* "card" matches card.create, card.update, ... */
	return strcmp(want, action) == 0 || (strncmp(want, action, n) == 0 && action[n] == '.');
}

static bool audit_page(struct stream *s, struct req *r)
{
	struct audit_state *st = s->state;
	uint32_t want = r->cfg->page_size;
	if (st->remaining && st->remaining < want)
		want = st->remaining;
	Kart__AuditPage *page = arena_alloc(r->arena, sizeof(*page));
	Kart__AuditEvent **events = arena_alloc(r->arena, want * sizeof(*events));
	MDB_cursor *cur = NULL;
	if (!page || !events || mdb_cursor_open(r->txn, r->srv->store.audit, &cur)) {
		req_no_memory(r);
		return true;
	}
	kart__audit_page__init(page);
	page->events = events;
	MDB_val k, v;
	int rc;
	if (st->before == 0) {
		rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	} else {
		uint8_t key[8];
		store_u64_key(st->before, key);
		k.mv_size = 8;
		k.mv_data = key;
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
		rc = rc == 0 ? mdb_cursor_get(cur, &k, &v, MDB_PREV) : mdb_cursor_get(cur, &k, &v, MDB_LAST);
	}
	bool last = false;
	int scanned = 0;
	for (; rc == 0 && page->n_events < want && scanned < SCAN_PER_PAGE;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_PREV), scanned++) {
		if (page->n_events && r->arena->used > PAGE_BYTES)
			break; /* this record starts the next page */
		st->before = store_key_u64(k.mv_data);
		Kart__AuditEvent *e = audit_decode(&v, &r->arena->pb);
		if (!e)
			continue;
		if (st->since_us && e->time < st->since_us) {
			last = true; /* older from here on */
			break;
		}
		if (st->until_us && e->time >= st->until_us)
			continue;
		if (st->user && *st->user && strcmp(st->user, e->user) != 0)
			continue;
		if (!action_matches(st->action, e->action))
			continue;
		events[page->n_events++] = e;
	}
	if (rc != 0 || st->before <= 1)
		last = true;
	mdb_cursor_close(cur);
	if (stream_limit_reached(&st->remaining, page->n_events))
		last = true;
	r->out.body_case = KART__ENVELOPE__BODY_AUDIT_PAGE;
	r->out.audit_page = page;
	return last;
}

int h_audit_query(struct req *r)
{
	Kart__AuditQuery *m = r->in->audit_query;
	if (m->since < 0 || m->until < 0 || m->since > INT64_MAX / 1000000 || m->until > INT64_MAX / 1000000)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, m->since < 0 || m->since > INT64_MAX / 1000000 ? "since" : "until",
				 "time out of range");
	if (m->until && m->since && m->until <= m->since)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "until", "the time range is empty");
	struct stream *s = stream_new(r, audit_page);
	struct audit_state *st = s ? arena_alloc(&s->arena, sizeof(*st)) : NULL;
	if (!st) {
		if (s)
			stream_free(s);
		return req_no_memory(r);
	}
	memset(st, 0, sizeof(*st));
	st->before = m->before_seq;
	st->remaining = m->limit;
	st->user = arena_strdup(&s->arena, m->user ? m->user : "");
	st->action = arena_strdup(&s->arena, m->action ? m->action : "");
	st->since_us = m->since * 1000000;
	st->until_us = m->until * 1000000;
	s->state = st;
	return req_stream(r, s);
}
