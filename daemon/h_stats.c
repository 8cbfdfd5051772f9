/* h_stats: kart admin stats — the daemon's counters (stats.h), its
 * connections and pool, the database's map and reader slots, the audit
 * chain's length and the record of reads' backlog, in one reply. */
#include <string.h>

#include "handlers.h"
#include "reads.h"
#include "req.h"
#include "stats.h"

/* mdb_reader_list's lines: a header, then one per slot held ("pid thread
 * txnid", the txnid "-" for a slot whose transaction is reset). */
struct reader_count {
	unsigned used, active;
};

static int count_reader(const char *msg, void *ud)
{
	struct reader_count *n = ud;
	size_t len = strlen(msg);
	if (strncmp(msg, "    pid", 7) == 0 || msg[0] == '(')
		return 0;
	n->used++;
	/* the last field: "-" when idle */
	while (len && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
		len--;
	if (len && msg[len - 1] != '-')
		n->active++;
	return 0;
}

static int storage(struct req *r, Kart__Stats *st)
{
	struct store *s = &r->srv->store;
	MDB_envinfo info;
	MDB_stat est;
	int rc = mdb_env_info(s->env, &info);
	if (!rc)
		rc = mdb_env_stat(s->env, &est);
	if (rc)
		return rc;
	st->map_size = info.me_mapsize;
	st->page_size = est.ms_psize;
	st->map_used = ((uint64_t)info.me_last_pgno + 1) * est.ms_psize;
	st->readers_max = info.me_maxreaders;
	struct reader_count rn = { 0, 0 };
	mdb_reader_list(s->env, count_reader, &rn);
	st->readers_used = rn.used;
	st->readers_active = rn.active;
	MDB_cursor *cur;
	if ((rc = mdb_cursor_open(r->txn, s->audit, &cur)))
		return rc;
	MDB_val k, v;
	rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	if (rc == 0 && k.mv_size == 8)
		st->audit_seq = store_key_u64(k.mv_data);
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* The kinds of request answered since start, named by their Envelope field. */
static int requests(struct req *r, Kart__Stats *st)
{
	enum { KINDS = 128 };
	struct stats_kind *k = arena_alloc(r->arena, KINDS * sizeof(*k));
	if (!k)
		return req_no_memory(r);
	size_t n = stats_kinds(r->srv->stats, r->now, k, KINDS);
	st->requests = arena_alloc(r->arena, (n ? n : 1) * sizeof(*st->requests));
	if (!st->requests)
		return req_no_memory(r);
	for (size_t i = 0; i < n; i++) {
		const ProtobufCFieldDescriptor *f =
			protobuf_c_message_descriptor_get_field(&kart__envelope__descriptor, k[i].kind);
		Kart__RequestStats *q = arena_alloc(r->arena, sizeof(*q));
		if (!q)
			return req_no_memory(r);
		kart__request_stats__init(q);
		q->kind = (char *)(f ? f->name : "unknown");
		q->total = k[i].total;
		q->total_us = k[i].total_us;
		q->minute = k[i].minute.count;
		q->p50_us = k[i].minute.p50_us;
		q->p99_us = k[i].minute.p99_us;
		q->max_us = k[i].minute.max_us;
		st->requests[st->n_requests++] = q;
	}
	return H_OK;
}

static void writer(struct req *r, Kart__Stats *st)
{
	struct stats_writer w;
	stats_writer(r->srv->stats, r->now, &w);
	st->batches = w.batches;
	st->batch_requests = w.requests;
	st->commit_us = w.commit_us;
	st->minute_batches = w.minute.count;
	st->minute_batch_requests = w.minute_requests;
	st->minute_batch_max = w.minute_max_batch;
	st->commit_p50_us = w.minute.p50_us;
	st->commit_p99_us = w.minute.p99_us;
	st->commit_max_us = w.minute.max_us;
}

int h_stats(struct req *r)
{
	struct server *srv = r->srv;
	Kart__Stats *st = arena_alloc(r->arena, sizeof(*st));
	if (!st || !srv->stats)
		return req_no_memory(r);
	kart__stats__init(st);
	st->version = (char *)KART_SERVER_NAME;
	st->format = STORE_FORMAT;
	int64_t started = stats_started(srv->stats);
	st->started_at = started / 1000000;
	st->uptime_seconds = r->now > started ? (uint64_t)(r->now - started) / 1000000 : 0;
	st->window_seconds = st->uptime_seconds < STATS_WINDOW ? (uint32_t)st->uptime_seconds + 1 : STATS_WINDOW;
	st->connections = srv->nconns;
	st->not_logged_in = srv->nunauth;
	st->logged_in = srv->nconns - srv->nunauth;
	st->streaming = srv->nstreams;
	st->in_flight = srv->inflight;
	if (requests(r, st) != H_OK)
		return H_ABORT;
	writer(r, st);
	int rc = storage(r, st);
	if (rc)
		return rc;
	reads_backlog(srv, &st->reads_pending, &st->reads_pending_max, &st->reads_dropped);
	stats_pool_get(srv->stats, &st->pool_running, &st->pool_waiting);
	st->pool_max = r->cfg->max_scans;
	r->out.body_case = KART__ENVELOPE__BODY_STATS;
	r->out.stats = st;
	return H_OK;
}
