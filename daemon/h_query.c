/* h_query: filtered lists, counts and plans; bulk moves; saved segments
 * (`find` by phone, email or name is h_find.c).
 *
 * A filtered list can read every card, so it runs in the libuv pool with a
 * read transaction of its own and hands the loop only the matching ids; the
 * loop then streams those cards page by page like any list. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "audit.h"
#include "card.h"
#include "cardq.h"
#include "handlers.h"
#include "log.h"
#include "pbjson.h"
#include "reads.h"
#include "req.h"
#include "schema.h"
#include "text.h"

/* ---- filtered lists: a job in the pool ---- */

struct qjob {
	struct req_job job;         /* first: the pool job (req.h) */
	char *where, *sort;
	uint64_t limit;
	bool count, explain;
	int64_t now;
	int64_t today;              /* the client's date, days since the epoch */
	struct util_zone zone;      /* the client's zone (cardq_client_zone) */
	/* a dry-run move: cards already in move_to do not count; the first
	 * MOVE_SAMPLE ids are kept to be shown */
	bool dry_move;
	Kart__Sector move_to;
	/* results */
	Kart__ErrorCode code;
	char field[32];
	char message[300];
	uint64_t count_out;
	char *plan;
	uint64_t *ids;
	size_t nids, cap;
};

#define MOVE_SAMPLE 10

static int job_collect(void *ud, Kart__Card *card)
{
	struct qjob *j = ud;
	if (j->dry_move && card->sector == j->move_to)
		return 0;
	j->count_out++;
	if (j->count || (j->dry_move && j->nids >= MOVE_SAMPLE))
		return 0;
	if (j->nids == j->cap) {
		size_t cap = j->cap ? j->cap * 2 : 1024;
		uint64_t *n = realloc(j->ids, cap * sizeof(*n));
		if (!n)
			return 1;
		j->ids = n;
		j->cap = cap;
	}
	j->ids[j->nids++] = card->id;
	return 0;
}

static void job_run(struct req_job *job)
{
	struct qjob *j = (struct qjob *)job;
	struct store *st = &j->job.srv->store;
	struct arena a;
	arena_init(&a, 0);
	struct schema sc = { 0 };
	MDB_txn *txn = NULL;
	int rc = store_pool_begin(st, &txn);
	if (rc == 0)
		rc = schema_sync(&sc, txn, st);
	if (rc) {
		j->code = KART__ERROR_CODE__UNAVAILABLE;
		snprintf(j->message, sizeof(j->message), "the database is busy; try again");
		log_err("query: %s", mdb_strerror(rc));
		goto done;
	}
	struct req scope = { .srv = j->job.srv, .cfg = j->job.cfg, .who = j->job.who, .txn = txn, .arena = &a, .now = j->now };
	struct cardq q = { .txn = txn, .st = st, .sc = &sc, .a = &a, .today = j->today, .zone = j->zone,
			   .scope = &scope, .pool_txn = &txn };
	if (cardq_parse(&q, j->where) < 0 || cardq_sort_field(&q, j->sort) < 0) {
		j->code = KART__ERROR_CODE__BAD_REQUEST;
		snprintf(j->field, sizeof(j->field), "%s", q.sort || !j->sort || !*j->sort ? "where" : "sort");
		cardq_err_text(&q, j->message, sizeof(j->message));
		goto done;
	}
	rc = cardq_run(&q, j->count ? 0 : j->limit, job_collect, j);
	if (rc) {
		j->code = KART__ERROR_CODE__INTERNAL;
		snprintf(j->message, sizeof(j->message), "internal error; the server log has details");
		log_err("query: %s", mdb_strerror(rc));
		goto done;
	}
	j->plan = strdup(q.plan ? q.plan : "");
	if (q.slices)
		log_info("%s: %s: %llu cards read in %u read transactions", j->job.who.peer, j->job.who.user,
			 (unsigned long long)q.read, q.slices + 1);
done:
	store_pool_end(st, &txn);
	schema_free(&sc);
	arena_free(&a);
}

struct ids_state {
	uint64_t *ids;
	size_t n, pos;
};

static bool ids_page(struct stream *s, struct req *r)
{
	struct ids_state *st = s->state;
	uint32_t want = r->cfg->page_size;
	if (reads_check(r) != H_OK)
		return true; /* blocked or throttled for bulk reading since the last page */
	Kart__CardPage *page = arena_alloc(r->arena, sizeof(*page));
	Kart__Card **cards = arena_alloc(r->arena, want * sizeof(*cards));
	if (!page || !cards) {
		req_no_memory(r);
		return true;
	}
	kart__card_page__init(page);
	page->cards = cards;
	while (st->pos < st->n && page->n_cards < want && !(page->n_cards && r->arena->used > PAGE_BYTES)) {
		Kart__Card *c;
		if (card_load(r->txn, r->srv->store.cards, st->ids[st->pos++], r->arena, &c) == 0 && acl_visible(r, c)) {
			acl_mask(r, c);
			cards[page->n_cards++] = c;
		}
	}
	reads_record_cards(r, cards, page->n_cards, "ls", READ_LISTED);
	r->out.body_case = KART__ENVELOPE__BODY_CARD_PAGE;
	r->out.card_page = page;
	return st->pos >= st->n;
}

static void free_job(struct qjob *j)
{
	free(j->where);
	free(j->sort);
	free(j->plan);
	free(j->ids);
	free(j);
}

/* The reply to a dry-run move: the count and the first cards that would
 * move, read now (a card changed since the scan is shown as it is now, or
 * left out once out of scope). They are recorded as read, like a list. */
static void move_sample(struct req *r, struct qjob *j)
{
	Kart__QueryResult *qr = arena_alloc(r->arena, sizeof(*qr));
	Kart__Card **cards = j->nids ? arena_alloc(r->arena, j->nids * sizeof(*cards)) : NULL;
	if (!qr || (j->nids && !cards)) {
		req_no_memory(r);
		return;
	}
	kart__query_result__init(qr);
	qr->count = j->count_out;
	qr->plan = (char *)"";
	qr->cards = cards;
	if (j->nids) {
		if (!(r->txn = store_read_begin(&r->srv->store))) {
			req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "the database is busy; try again");
			return;
		}
		for (size_t i = 0; i < j->nids; i++) {
			Kart__Card *c;
			if (card_load(r->txn, r->srv->store.cards, j->ids[i], r->arena, &c) == 0 && acl_visible(r, c)) {
				acl_mask(r, c);
				cards[qr->n_cards++] = c;
			}
		}
		reads_record_cards(r, cards, qr->n_cards, "move", READ_LISTED);
	}
	r->out.body_case = KART__ENVELOPE__BODY_QUERY_RESULT;
	r->out.query_result = qr;
}

static void job_reply(struct req_job *job, struct req *r, int status)
{
	struct qjob *j = (struct qjob *)job;
	if (status != 0) {
		req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "the query was cancelled");
	} else if (j->code) {
		req_error(r, j->code, j->field, "%s", j->message);
	} else if (j->dry_move) {
		move_sample(r, j);
	} else if (j->count || j->explain) {
		Kart__QueryResult *qr = arena_alloc(r->arena, sizeof(*qr));
		if (qr) {
			kart__query_result__init(qr);
			qr->count = j->count_out;
			qr->plan = j->explain ? j->plan : (char *)"";
			r->out.body_case = KART__ENVELOPE__BODY_QUERY_RESULT;
			r->out.query_result = qr;
		}
	} else {
		struct stream *s = stream_new(r, ids_page);
		struct ids_state *st = s ? arena_alloc(&s->arena, sizeof(*st)) : NULL;
		if (!st) {
			if (s)
				stream_free(s);
			req_no_memory(r);
		} else {
			st->ids = j->ids;
			st->n = j->nids;
			st->pos = 0;
			j->ids = NULL;
			/* the stream owns the id list now */
			uint64_t *copy = st->n ? arena_alloc(&s->arena, st->n * sizeof(*copy)) : NULL;
			if (st->n && copy)
				memcpy(copy, st->ids, st->n * sizeof(*copy));
			free(st->ids);
			st->ids = copy;
			if (st->n && !copy)
				st->n = 0;
			s->state = st;
			req_stream(r, s);
		}
	}
}

static void job_free(struct req_job *job)
{
	free_job((struct qjob *)job);
}

/* ---- segments: who sees and changes them ----
 *
 * segments: name -> Segment, one namespace for everyone. A segment has an
 * owner and is shared (every staff user sees and uses it) or private (only
 * its owner and admins do); only its owner and admins change or remove it.
 * One saved before segments had owners has none: it counts as the admins'
 * (only an admin changes or removes it) and as shared; an admin who saves it
 * again becomes its owner. A private segment of another user answers like a
 * segment that does not exist, except to a save under its name, which is
 * refused like a save over another user's shared one (the name is taken). */

static bool segment_shared(const Kart__Segment *s)
{
	return s->shared || !s->owner || !*s->owner;
}

/* r's user may change or remove s. */
static bool segment_mine(const struct req *r, const Kart__Segment *s)
{
	return r->who.role == KART__ROLE__ROLE_ADMIN || (s->owner && *s->owner && strcmp(s->owner, r->who.user) == 0);
}

/* Segment `name` if r's user may see it. Returns 0, MDB_NOTFOUND (none, or
 * another user's private one), MDB_CORRUPTED or an MDB code. */
static int segment_load(struct req *r, const char *name, Kart__Segment **out)
{
	MDB_val k = { strlen(name), (void *)name }, v;
	if (k.mv_size == 0)
		return MDB_NOTFOUND;
	int rc = mdb_get(r->txn, r->srv->store.segments, &k, &v);
	if (rc)
		return rc;
	Kart__Segment *s = kart__segment__unpack(&r->arena->pb, v.mv_size, v.mv_data);
	if (!s)
		return MDB_CORRUPTED;
	if (!segment_shared(s) && !segment_mine(r, s))
		return MDB_NOTFOUND;
	s->shared = segment_shared(s); /* replies say what an owner-less one is */
	*out = s;
	return 0;
}

/* The expression of a saved segment, or NULL after an error reply. */
const char *segment_expr(struct req *r, const char *name)
{
	Kart__Segment *s;
	int rc = segment_load(r, name, &s);
	if (rc) {
		if (rc == MDB_NOTFOUND)
			req_error(r, KART__ERROR_CODE__NOT_FOUND, "segment", "no segment %.64s", name);
		else
			req_store_error(r, rc, "segment");
		return NULL;
	}
	return s->expr;
}

/* A filter given directly or by a segment's name. */
static const char *filter_of(struct req *r, const char *where, const char *segment)
{
	if (segment && *segment) {
		if (where && *where) {
			req_error(r, KART__ERROR_CODE__BAD_REQUEST, "segment", "give a filter or a segment, not both");
			return NULL;
		}
		return segment_expr(r, segment);
	}
	return where ? where : "";
}

/* Hands the job to the pool; it replies when done. */
static int queue_job(struct req *r, struct qjob *j)
{
	j->job.run = job_run;
	j->job.reply = job_reply;
	j->job.free = job_free;
	if (req_pool(r, &j->job) != 0) {
		free_job(j);
		return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "the server is busy; try again");
	}
	return H_DEFER;
}

int h_card_query(struct req *r)
{
	Kart__CardQuery *m = r->in->card_query;
	struct util_zone zone;
	if (cardq_client_zone(m->client_day, m->client_utc_offset, &zone) < 0)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "client_utc_offset",
				 "client_utc_offset: at most 18 hours either way");
	const char *where = filter_of(r, m->where, m->segment);
	if (!where)
		return H_ABORT;
	if (strlen(where) > 64 * 1024)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "where", "the filter is longer than 64 KiB");
	struct qjob *j = calloc(1, sizeof(*j));
	if (!j || !(j->where = strdup(where)) || !(j->sort = strdup(m->sort ? m->sort : ""))) {
		if (j)
			free_job(j);
		return req_no_memory(r);
	}
	j->limit = m->limit;
	j->count = m->count || m->explain;
	j->explain = m->explain;
	j->now = r->now;
	j->today = cardq_client_today(m->client_day, r->now);
	j->zone = zone;
	return queue_job(r, j);
}

/* ---- bulk moves (writer) ---- */

struct move_ctx {
	struct req *r;
	Kart__Sector sector;
	uint64_t moved, matched;
	uint64_t *ids;
	size_t n, cap;
	int err;
};

static int move_collect(void *ud, Kart__Card *card)
{
	struct move_ctx *m = ud;
	m->matched++;
	if (card->sector == m->sector)
		return 0;
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 1024;
		uint64_t *n = realloc(m->ids, cap * sizeof(*n));
		if (!n) {
			m->err = ENOMEM;
			return 1;
		}
		m->ids = n;
		m->cap = cap;
	}
	m->ids[m->n++] = card->id;
	return 0;
}

/* A dry run (on the loop thread, dispatch.c): the scan is a pool job like a
 * filtered list's; nothing is written or audited. */
static int move_dry_run(struct req *r, const char *where, Kart__Sector to, int64_t today,
			const struct util_zone *zone)
{
	if (strlen(where) > 64 * 1024)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "where", "the filter is longer than 64 KiB");
	struct qjob *j = calloc(1, sizeof(*j));
	if (!j || !(j->where = strdup(where)) || !(j->sort = strdup(""))) {
		if (j)
			free_job(j);
		return req_no_memory(r);
	}
	j->now = r->now;
	j->today = today;
	j->zone = *zone;
	j->dry_move = true;
	j->move_to = to;
	return queue_job(r, j);
}

int h_bulk_move(struct req *r)
{
	Kart__BulkMove *m = r->in->bulk_move;
	int e = 0;
	struct util_zone zone;
	if (cardq_client_zone(m->client_day, m->client_utc_offset, &zone) < 0)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "client_utc_offset",
				 "client_utc_offset: at most 18 hours either way");
	if (!m->sector || pbjson_enum_parse(&kart__sector__descriptor, m->sector, &e) < 0 || e == 0)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "sector", "sector must be cold, warm or hot");
	const char *where = filter_of(r, m->where, m->segment);
	if (!where)
		return H_ABORT;
	if (!*where)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "where",
				 "give a filter: moving every card needs an explicit one (e.g. id > 0)");
	if (m->dry_run)
		return move_dry_run(r, where, (Kart__Sector)e, cardq_client_today(m->client_day, r->now), &zone);
	struct schema *sc = schema_for(r);
	int rc = schema_sync(sc, r->txn, &r->srv->store);
	if (rc)
		return rc;
	struct cardq q = { .txn = r->txn, .st = &r->srv->store, .sc = sc, .a = r->arena,
			   .today = cardq_client_today(m->client_day, r->now), .zone = zone };
	if (cardq_parse(&q, where) < 0) {
		if (q.err.col)
			return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "where", "%s (column %d)", q.err.message, q.err.col);
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "where", "%s", q.err.message);
	}
	q.scope = r;
	struct move_ctx mc = { .r = r, .sector = (Kart__Sector)e };
	rc = cardq_run(&q, 0, move_collect, &mc);
	if (!rc)
		rc = mc.err;
	/* change the cards after the walk, never under a cursor */
	struct arena scratch;
	arena_init(&scratch, 0);
	for (size_t i = 0; rc == 0 && i < mc.n; i++) {
		arena_reset(&scratch);
		struct req sub = *r;
		sub.arena = &scratch;
		Kart__Card *c;
		if ((rc = card_load(r->txn, r->srv->store.cards, mc.ids[i], &scratch, &c)))
			break;
		Kart__Card *before = card_copy(&scratch, c);
		if (!before) {
			rc = ENOMEM;
			break;
		}
		c->sector = mc.sector;
		c->version++;
		c->updated_at = r->now / 1000000;
		c->updated_by = r->who.user;
		if ((rc = card_commit(&sub, before, c, CARD_LIVE)))
			break;
		mc.moved++;
	}
	arena_free(&scratch);
	free(mc.ids);
	if (rc)
		return rc;
	char sector[16];
	pbjson_enum_name(&kart__sector__descriptor, e, sector, sizeof(sector));
	if ((rc = audit_append(r, "card.move", "card", 0, "",
			       arena_printf(r->arena, "%" PRIu64 " cards to %s (%" PRIu64 " matched): %s", mc.moved, sector,
					    mc.matched, where),
			       true)))
		return rc;
	Kart__QueryResult *qr = arena_alloc(r->arena, sizeof(*qr));
	if (!qr)
		return ENOMEM;
	kart__query_result__init(qr);
	qr->count = mc.moved;
	qr->plan = (char *)(q.plan ? q.plan : "");
	r->out.body_case = KART__ENVELOPE__BODY_QUERY_RESULT;
	r->out.query_result = qr;
	return H_OK;
}

/* ---- segments ---- */

/* A C0 or C1 control character or DEL in s (UTF-8): a name shows on a line of its own. */
static bool has_control(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f || (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
					      (unsigned char)s[i + 1] <= 0x9f))
			return true;
	}
	return false;
}

int segment_check_name(struct req *r, const char *field, const char *name)
{
	size_t nl = name ? strlen(name) : 0;
	if (req_check_text(r, field, name, false) != H_OK)
		return H_ABORT;
	if (nl == 0 || nl > 64 || !text_utf8_valid(name, nl) || has_control(name, nl))
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, field,
				 "segment name: 1 to 64 characters, no control characters");
	return H_OK;
}

int h_segment_save(struct req *r)
{
	Kart__SegmentSave *m = r->in->segment_save;
	return segment_put(r, m->name, m->expr, m->visibility, m->replace);
}

int segment_put(struct req *r, const char *name, const char *expr, const char *visibility, bool replace)
{
	if (segment_check_name(r, "name", name) != H_OK)
		return H_ABORT;
	size_t nl = strlen(name);
	if (!expr || !*expr)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "expr", "a segment needs a filter");
	const char *vis = visibility ? visibility : "";
	if (*vis && strcmp(vis, "shared") != 0 && strcmp(vis, "private") != 0)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "visibility", "visibility: shared or private, not '%.20s'",
				 vis);
	struct schema *sc = schema_for(r);
	int rc = schema_sync(sc, r->txn, &r->srv->store);
	if (rc)
		return rc;
	/* the parser refuses control characters, so what `segment show` prints is what runs */
	struct cardq q = { .txn = r->txn, .st = &r->srv->store, .sc = sc, .a = r->arena, .today = cardq_today(r->now) };
	if (cardq_parse(&q, expr) < 0) {
		if (q.err.col)
			return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "expr", "%s (column %d)", q.err.message, q.err.col);
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "expr", "%s", q.err.message);
	}
	Kart__Segment seg = KART__SEGMENT__INIT;
	seg.name = (char *)name;
	seg.expr = (char *)expr;
	seg.created_at = r->now / 1000000;
	seg.created_by = r->who.user;
	seg.owner = r->who.user;
	seg.shared = strcmp(vis, "shared") == 0;
	MDB_val k = { nl, (void *)name }, old;
	rc = mdb_get(r->txn, r->srv->store.segments, &k, &old);
	if (rc && rc != MDB_NOTFOUND)
		return rc;
	bool existed = rc == 0;
	if (existed) {
		Kart__Segment *was = kart__segment__unpack(&r->arena->pb, old.mv_size, old.mv_data);
		if (!was)
			return MDB_CORRUPTED;
		/* another user's segment, shared or private: the same answer, so a
		 * private one shows no more than that its name is taken */
		if (!segment_mine(r, was))
			return req_error(r, KART__ERROR_CODE__PERMISSION_DENIED, "name",
					 "permission denied: segment %.64s belongs to another user; only they or an admin may change it",
					 name);
		if (!replace)
			return req_error(r, KART__ERROR_CODE__CONFLICT, "name",
					 "segment %.64s already exists; replace it with --replace (see: kart segment show %.64s)",
					 name, name);
		seg.created_at = was->created_at;
		seg.created_by = was->created_by;
		if (was->owner && *was->owner)
			seg.owner = was->owner; /* an admin's change leaves it its owner's */
		if (!*vis)
			seg.shared = segment_shared(was);
	}
	MDB_val v = { kart__segment__get_packed_size(&seg), NULL };
	if ((rc = mdb_put(r->txn, r->srv->store.segments, &k, &v, MDB_RESERVE)))
		return rc;
	kart__segment__pack(&seg, v.mv_data);
	const char *summary = arena_printf(r->arena, "%s, owner %s: %s", seg.shared ? "shared" : "private", seg.owner,
					   expr);
	if ((rc = audit_append(r, existed ? "segment.update" : "segment.save", "segment", 0, name,
			       summary ? summary : expr, true)))
		return rc;
	req_ok(r);
	return H_OK;
}

int h_segment_list(struct req *r)
{
	MDB_cursor *cur;
	int rc = mdb_cursor_open(r->txn, r->srv->store.segments, &cur);
	if (rc)
		return rc;
	Kart__SegmentPage *page = arena_alloc(r->arena, sizeof(*page));
	if (!page) {
		mdb_cursor_close(cur);
		return ENOMEM;
	}
	kart__segment_page__init(page);
	size_t cap = 0;
	MDB_val k, v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		Kart__Segment *s = kart__segment__unpack(&r->arena->pb, v.mv_size, v.mv_data);
		if (!s || (!segment_shared(s) && !segment_mine(r, s)))
			continue;
		s->shared = segment_shared(s);
		if (page->n_segments == cap) {
			cap = cap ? cap * 2 : 16;
			Kart__Segment **na = arena_alloc(r->arena, cap * sizeof(*na));
			if (!na) {
				rc = ENOMEM;
				break;
			}
			if (page->n_segments)
				memcpy(na, page->segments, page->n_segments * sizeof(*na));
			page->segments = na;
		}
		page->segments[page->n_segments++] = s;
	}
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND)
		return rc;
	r->out.body_case = KART__ENVELOPE__BODY_SEGMENT_PAGE;
	r->out.segment_page = page;
	return H_OK;
}

int h_segment_show(struct req *r)
{
	const char *name = r->in->segment_show->name ? r->in->segment_show->name : "";
	Kart__Segment *s;
	int rc = segment_load(r, name, &s);
	if (rc == MDB_NOTFOUND)
		return req_error(r, KART__ERROR_CODE__NOT_FOUND, "name", "no segment %.64s", name);
	if (rc)
		return rc;
	r->out.body_case = KART__ENVELOPE__BODY_SEGMENT;
	r->out.segment = s;
	return H_OK;
}

int h_segment_remove(struct req *r)
{
	const char *name = r->in->segment_remove->name ? r->in->segment_remove->name : "";
	Kart__Segment *s;
	int rc = segment_load(r, name, &s);
	if (rc == MDB_NOTFOUND)
		return req_error(r, KART__ERROR_CODE__NOT_FOUND, "name", "no segment %.64s", name);
	if (rc)
		return rc;
	if (!segment_mine(r, s))
		return req_error(r, KART__ERROR_CODE__PERMISSION_DENIED, "name",
				 "permission denied: segment %.64s is not yours; only its owner (%.64s) or an admin may remove it",
				 name, s->owner && *s->owner ? s->owner : "an admin");
	MDB_val k = { strlen(name), (void *)name };
	if ((rc = mdb_del(r->txn, r->srv->store.segments, &k, NULL)) ||
	    (rc = audit_append(r, "segment.remove", "segment", 0, name, "", true)))
		return rc;
	req_ok(r);
	return H_OK;
}
