/* reads: the record of reads, canaries, bulk reading and alert commands (reads.h). */
#include "reads.h"

#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "audit.h"
#include "bulkread.h"
#include "log.h"
#include "user.h"
#include "util.h"
#include "writer.h"

#define HOUR_US INT64_C(3600000000)
#define THROTTLE_US INT64_C(60000000)
#define PENDING_MAX (1u << 20)      /* entries not yet written past which reads go unrecorded (logged) */
#define PRUNE_SCAN 2048             /* keys examined per flush by the pruning */
#define PRUNE_EVERY 60              /* ticks between flushes that only prune, when nothing is read */
#define SWEEP_EVERY 60              /* ticks between sweeps of idle users' sets */
#define USER_BUCKETS 256
#define HOW_MAX 16

_Static_assert(2 * READS_FLUSH_PIECE <= 65535, "a block's string indexes are 16-bit");
#define CANARY_SUMMARY "canary card %" PRIu64 " read (%s)"

struct ureads {
	struct ureads *hnext;
	struct readdedup dedup;     /* no limit: the last reads recorded */
	int64_t last;               /* the last read, unix us */
	char name[KART_NAME_MAX];
	bool blocked;               /* for bulk reading, until an admin unblocks */
	bool tripped[READ_KINDS];   /* over that kind's limit: alerted for this episode */
	int64_t throttled_until;    /* unix us */
	int64_t window;             /* cards read longer ago than this are forgotten */
	struct readwatch watch;     /* with a limit: the cards opened, and seen in lists, in the window */
};

/* One read waiting for a flush. u lives as long as the daemon: the writer
 * reads u->name, which never changes. */
struct rentry {
	int64_t t;
	uint64_t id;
	const struct ureads *u;
	char how[HOW_MAX];
};

struct fbatch {
	struct reads *rd;
	bool counted;               /* taken off rd->pending (a batch may run twice, or not at all) */
	size_t cap, n;              /* room for (and charged to rd->pending), held */
	struct rentry e[];
};

struct reads {
	struct server *srv;
	struct ureads *users[USER_BUCKETS];
	unsigned nblocked;
	int64_t throttle_horizon;   /* no one is throttled after this */
	struct wreq *cw;            /* the piece being filled: a write request of the daemon's own ... */
	struct fbatch *cb;          /* ... and its reads, written in place (READS_FLUSH_PIECE at most) */
	atomic_size_t pending;      /* room for reads in pieces made and not yet written (bounds their memory) */
	uint64_t dropped;           /* not recorded: the writer was too far behind */
	uint64_t dropped_total;     /* the same since start (kart admin stats) */
	uint64_t backlog;           /* reads in pieces not yet written (kart admin stats; loop thread) */
	unsigned ticks;
	bool stopped;
	size_t ncanaries;           /* entries in `canaries` at the last commit that changed them */
};

/* ---- users ---- */

static unsigned name_hash(const char *s)
{
	unsigned h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h % USER_BUCKETS;
}

static struct ureads *user_find(struct reads *rd, const char *name)
{
	for (struct ureads *u = rd->users[name_hash(name)]; u; u = u->hnext)
		if (strcmp(u->name, name) == 0)
			return u;
	return NULL;
}

static struct ureads *user_get(struct reads *rd, const char *name)
{
	struct ureads *u = user_find(rd, name);
	if (u)
		return u;
	u = calloc(1, sizeof(*u));
	if (!u)
		return NULL;
	snprintf(u->name, sizeof(u->name), "%s", name);
	readwatch_init(&u->watch);
	unsigned b = name_hash(name);
	u->hnext = rd->users[b];
	rd->users[b] = u;
	return u;
}

static uint32_t role_limit(const struct kart_config *cfg, Kart__Role role)
{
	switch (role) {
	case KART__ROLE__ROLE_ADMIN:
		return cfg->bulk_read_admin;
	case KART__ROLE__ROLE_SUPERVISOR:
		return cfg->bulk_read_supervisor;
	case KART__ROLE__ROLE_MANAGER:
		return cfg->bulk_read_manager;
	default:
		return 0;
	}
}

/* ---- alerts ---- */

struct alert_args {
	const char *action, *object, *name, *summary;
	uint64_t id;
	bool block;                 /* also set the user's read_blocked */
};

/* Writer: the alert's audit event (and the block it reports). */
static int w_alert(struct req *r)
{
	const struct alert_args *a = wreq_of(r)->ud;
	if (a->block) {
		Kart__UserRecord *u;
		int rc = user_load(r->txn, &r->srv->store, r->who.user, &r->arena->pb, &u);
		if (rc == 0 && !u->user->read_blocked) {
			u->user->read_blocked = true;
			rc = user_save(r->txn, &r->srv->store, u);
		}
		if (rc && rc != MDB_NOTFOUND)
			return rc;
	}
	return audit_append_severity(r, "alert", a->action, a->object, a->id, a->name, a->summary, true);
}

static void raise_alert(struct req *r, const char *action, const char *object, uint64_t object_id,
			const char *object_name, const char *summary, bool block)
{
	log_fields(LOG_WARN, &(struct log_kv){ .peer = r->who.peer, .user = r->who.user, .action = action },
		   "ALERT %s: %s (%s): %s", action, r->who.user, r->who.peer, summary);
	struct wreq *w = wreq_detached(r, w_alert);
	if (!w) {
		log_err("out of memory: the alert was not recorded");
		return;
	}
	struct alert_args *a = arena_alloc(&w->in_arena, sizeof(*a));
	if (a) {
		a->action = arena_strdup(&w->in_arena, action);
		a->object = arena_strdup(&w->in_arena, object ? object : "");
		a->name = arena_strdup(&w->in_arena, object_name ? object_name : "");
		a->summary = arena_strdup(&w->in_arena, summary ? summary : "");
		a->id = object_id;
		a->block = block;
	}
	if (!a || !a->action || !a->object || !a->name || !a->summary) {
		log_err("out of memory: the alert was not recorded");
		wreq_free(w);
		return;
	}
	w->ud = a;
	writer_submit(r->srv, w);
}

void reads_alert(struct req *r, const char *action, const char *object, uint64_t object_id, const char *object_name,
		 const char *summary)
{
	raise_alert(r, action, object, object_id, object_name, summary, false);
}

/* ---- recording ---- */

static int w_flush(struct req *r);

/* The piece is over (written, failed, or never run): its room is given back. */
static void piece_done(struct wreq *w)
{
	struct fbatch *b = w->ud;
	b->rd->backlog -= b->n; /* done is called once, on the loop */
	if (!b->counted) {
		b->counted = true;
		atomic_fetch_sub(&b->rd->pending, b->cap);
	}
}

/* Starts a piece with room for cap reads: a write request whose batch the
 * loop fills in place, so handing it over copies nothing. Its room counts
 * toward PENDING_MAX until it is written: a writer stalled behind a long
 * transaction cannot make the pieces waiting for it grow without bound. */
static bool piece_start(struct reads *rd, size_t cap)
{
	if (atomic_load(&rd->pending) + cap > PENDING_MAX) {
		if (!rd->dropped)
			log_err("reads: the writer is behind by %u reads; reads go unrecorded until it catches up",
				PENDING_MAX);
		return false;
	}
	struct req base = { .srv = rd->srv, .cfg = rd->srv->cfg, .now = util_now_us() };
	snprintf(base.who.user, sizeof(base.who.user), "kartd");
	snprintf(base.who.peer, sizeof(base.who.peer), "kartd");
	struct wreq *w = wreq_detached(&base, w_flush);
	struct fbatch *b = w ? arena_alloc(&w->in_arena, sizeof(*b) + cap * sizeof(b->e[0])) : NULL;
	if (!b) {
		wreq_free(w);
		return false;
	}
	b->rd = rd;
	b->counted = false;
	b->cap = cap;
	b->n = 0;
	w->ud = b;
	w->done = piece_done;
	atomic_fetch_add(&rd->pending, cap);
	rd->cw = w;
	rd->cb = b;
	return true;
}

/* Hands the piece being filled to the writer: a transaction of its own (its
 * weight fills a batch). Without one, an empty piece: it still prunes. */
static void piece_submit(struct reads *rd)
{
	if (!rd->srv->writer || (!rd->cw && !piece_start(rd, 0)))
		return;
	struct wreq *w = rd->cw;
	w->weight = rd->cb->n;
	rd->cw = NULL;
	rd->cb = NULL;
	writer_submit(rd->srv, w);
}

/* A slot for one more read in the piece being filled; NULL (and counted as
 * dropped) if the writer is too far behind or memory is out. */
static struct rentry *entry_new(struct reads *rd)
{
	if (rd->cb && rd->cb->n == rd->cb->cap)
		piece_submit(rd); /* (full, as it is handed over at once, unless there is no writer) */
	if ((!rd->cb && !piece_start(rd, READS_FLUSH_PIECE)) || rd->cb->n == rd->cb->cap) {
		rd->dropped++;
		rd->dropped_total++;
		return NULL;
	}
	rd->backlog++;
	return &rd->cb->e[rd->cb->n++];
}

static void check_canaries(struct req *r, const uint64_t *ids, size_t n, const char *how)
{
	struct store *st = &r->srv->store;
	if (!r->srv->reads->ncanaries)
		return;
	MDB_txn *txn = r->txn;
	if (!txn && !(txn = store_read_begin(st)))
		return;
	for (size_t i = 0; i < n; i++) {
		uint8_t key[8];
		store_u64_key(ids[i], key);
		MDB_val k = { 8, key }, v;
		if (mdb_get(txn, st->canaries, &k, &v) != 0)
			continue;
		char summary[160];
		snprintf(summary, sizeof(summary), CANARY_SUMMARY, ids[i], how);
		raise_alert(r, "read.canary", "card", ids[i], "", summary, false);
	}
	if (txn != r->txn)
		store_read_end(st);
}

int reads_canary_alert_w(struct req *r, uint64_t id, const char *how)
{
	char summary[160];
	snprintf(summary, sizeof(summary), CANARY_SUMMARY, id, how);
	log_fields(LOG_WARN, &(struct log_kv){ .peer = r->who.peer, .user = r->who.user, .action = "read.canary" },
		   "ALERT read.canary: %s (%s): %s", r->who.user, r->who.peer, summary);
	return audit_append_severity(r, "alert", "read.canary", "card", id, "", summary, true);
}

int reads_put_export(struct req *r, uint64_t export_id)
{
	return reads_put_export_how(r, export_id, "export");
}

int reads_put_export_how(struct req *r, uint64_t export_id, const char *how)
{
	size_t ulen = strlen(r->who.user);
	uint8_t key[KART_NAME_MAX + 1 + 17];
	memcpy(key, r->who.user, ulen);
	key[ulen] = 0;
	store_u64_key((uint64_t)r->now, key + ulen + 1);
	store_u64_key(export_id, key + ulen + 9);
	key[ulen + 17] = READS_EXPORT_MARK;
	MDB_val k = { ulen + 18, key }, v = { strlen(how), (void *)how };
	return mdb_put(r->txn, r->srv->store.reads_by_user, &k, &v, 0);
}

static const char *role_word(Kart__Role role)
{
	switch (role) {
	case KART__ROLE__ROLE_ADMIN:
		return "an admin";
	case KART__ROLE__ROLE_SUPERVISOR:
		return "a supervisor";
	default:
		return "a manager";
	}
}

/* Past a limit (kind's): the policy. */
static void over_limit(struct req *r, struct reads *rd, struct ureads *u, int64_t now, enum read_kind kind,
		       uint32_t limit)
{
	const char *policy = r->cfg->bulk_read_policy;
	char summary[240];
	snprintf(summary, sizeof(summary), "more than %" PRIu32 " distinct cards %s within an hour (the limit for %s); %s",
		 limit, kind == READ_LISTED ? "seen in lists (find, ls, card ls)" : "opened", role_word(r->who.role),
		 strcmp(policy, "block") == 0      ? "card reads blocked until an admin unblocks"
		 : strcmp(policy, "throttle") == 0 ? "card reads refused for a minute"
						   : "alert only");
	if (strcmp(policy, "block") == 0) {
		if (u->blocked)
			return;
		u->blocked = true;
		rd->nblocked++;
		raise_alert(r, "read.bulk", "user", 0, u->name, summary, true);
		return;
	}
	if (strcmp(policy, "throttle") == 0) {
		u->throttled_until = now + THROTTLE_US;
		if (u->throttled_until > rd->throttle_horizon)
			rd->throttle_horizon = u->throttled_until;
		if (u->tripped[kind])
			log_notice("%s: %s still reading in bulk: throttled for another minute", r->who.peer, u->name);
	}
	if (!u->tripped[kind]) {
		u->tripped[kind] = true;
		raise_alert(r, "read.bulk", "user", 0, u->name, summary, false);
	}
}

static uint32_t how_hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static void note_reads(struct req *r, const uint64_t *ids, size_t n, const char *how, enum read_kind kind, bool keep);

void reads_record(struct req *r, const uint64_t *ids, size_t n, const char *how, enum read_kind kind)
{
	note_reads(r, ids, n, how, kind, true);
}

void reads_count(struct req *r, const uint64_t *ids, size_t n, enum read_kind kind)
{
	note_reads(r, ids, n, "", kind, false);
}

/* keep: each read recorded (the piece to be written) and canaries checked;
 * else only counted toward the user's limit. */
static void note_reads(struct req *r, const uint64_t *ids, size_t n, const char *how, enum read_kind kind, bool keep)
{
	struct reads *rd = r->srv->reads;
	if (!rd || rd->stopped || n == 0 || !r->who.user[0] || !r->cfg->read_recording)
		return;
	struct ureads *u = user_get(rd, r->who.user);
	if (!u)
		return;
	int64_t now = r->now ? r->now : util_now_us();
	how = how ? how : "";
	uint32_t hh = how_hash(how);
	size_t hl = strnlen(how, HOW_MAX - 1);
	u->last = now;
	/* with a bulk limit the watch remembers the cards opened and the cards
	 * seen in lists in the last hour (to count them, each kind against its
	 * own limit, and to dedup repeated reads); without one, the
	 * direct-mapped table dedups alone */
	uint32_t limit = role_limit(r->cfg, r->who.role);
	if (kind == READ_LISTED)
		limit = readwatch_list_limit(limit, r->cfg->bulk_list_factor);
	if (!keep && !limit)
		return; /* nothing to count against */
	u->window = limit ? HOUR_US : 0;
	if (limit) {
		readwatch_prune(&u->watch, now - u->window);
		if (u->watch.seen[kind].n <= limit)
			u->tripped[kind] = false;
	} else if (u->watch.seen[READ_OPENED].cap || u->watch.seen[READ_LISTED].cap) {
		readwatch_clear(&u->watch); /* the role lost its limit */
	}
	bool over = false;
	for (size_t i = 0; i < n; i++) {
		bool past = false;
		bool record = limit ? readwatch_note(&u->watch, kind, ids[i], now, hh, limit, &past)
			      : readdedup_note(&u->dedup, ids[i], now, hh);
		struct rentry *e = record && keep ? entry_new(rd) : NULL;
		if (e) {
			e->t = now;
			e->id = ids[i];
			e->u = u;
			memcpy(e->how, how, hl);
			e->how[hl] = '\0';
			if (rd->cb->n == rd->cb->cap)
				piece_submit(rd);
		}
		over |= past;
	}
	if (keep)
		check_canaries(r, ids, n, how);
	if (over)
		over_limit(r, rd, u, now, kind, limit);
}

void reads_record_cards(struct req *r, Kart__Card *const *cards, size_t n, const char *how, enum read_kind kind)
{
	if (n == 0)
		return;
	uint64_t small[256], *ids = n <= 256 ? small : malloc(n * sizeof(*ids));
	if (!ids)
		return;
	for (size_t i = 0; i < n; i++)
		ids[i] = cards[i]->id;
	reads_record(r, ids, n, how, kind);
	if (ids != small)
		free(ids);
}

int reads_check(struct req *r)
{
	struct reads *rd = r->srv->reads;
	if (!rd)
		return H_OK;
	int64_t now = r->now ? r->now : util_now_us();
	if (!rd->nblocked && now >= rd->throttle_horizon)
		return H_OK;
	struct ureads *u = user_find(rd, r->who.user);
	if (!u)
		return H_OK;
	if (u->blocked)
		return req_error(r, KART__ERROR_CODE__PERMISSION_DENIED, "", "blocked for bulk reading; ask an admin");
	if (now < u->throttled_until)
		return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "",
				 "slow down: too many cards read in the last hour; try again in a minute");
	return H_OK;
}

int reads_gate(struct req *r)
{
	switch (r->in->body_case) {
	case KART__ENVELOPE__BODY_CARD_GET:
	case KART__ENVELOPE__BODY_CARD_LIST:
	case KART__ENVELOPE__BODY_FIND:
	case KART__ENVELOPE__BODY_CARD_QUERY:
	case KART__ENVELOPE__BODY_TIMELINE_QUERY:
	case KART__ENVELOPE__BODY_CARD_HISTORY:
	case KART__ENVELOPE__BODY_EXPORT:
	case KART__ENVELOPE__BODY_DUP_FIND:
	case KART__ENVELOPE__BODY_QUALITY:
	case KART__ENVELOPE__BODY_REPORT_QUERY:
	case KART__ENVELOPE__BODY_BACKUP: /* the whole base: never for a reader blocked or slowed */
		return reads_check(r);
	default:
		return H_OK;
	}
}

static size_t count_canaries(struct store *st)
{
	MDB_txn *txn = store_read_begin(st);
	MDB_stat ms;
	size_t n = txn && mdb_stat(txn, st->canaries, &ms) == 0 ? ms.ms_entries : 1;
	if (txn)
		store_read_end(st);
	return n;
}

void reads_canaries_changed(struct server *srv)
{
	if (srv->reads)
		srv->reads->ncanaries = count_canaries(&srv->store);
}

void reads_unblocked(struct server *srv, const char *user)
{
	struct reads *rd = srv->reads;
	struct ureads *u = rd ? user_find(rd, user) : NULL;
	if (!u)
		return;
	if (u->blocked)
		rd->nblocked--;
	u->blocked = false;
	u->tripped[READ_OPENED] = u->tripped[READ_LISTED] = false;
	u->throttled_until = 0;
	readwatch_clear(&u->watch);
}

/* ---- the flush (writer) ---- */

static int cmp_entry(const void *a, const void *b)
{
	const struct rentry *x = a, *y = b;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->t < y->t ? -1 : x->t > y->t;
}

/* Where the pruning walk of reads_by_user goes on (the last key it looked
 * at), and the last block key's time and sequence: writer thread only. */
static uint8_t prune_key[KART_NAME_MAX + 1 + 17];
static size_t prune_klen;
static uint64_t block_t;
static uint32_t block_seq;

/* Deletes records older than read_retention_days: blocks from the oldest,
 * and in reads_by_user each user's oldest records (an export's record stays
 * as long as the export), at most PRUNE_SCAN keys a flush. After a delete
 * the cursor is placed again by key: deleting the last key of a table
 * leaves an LMDB cursor with no current position. */
static int prune(struct req *r)
{
	struct store *st = &r->srv->store;
	int64_t keep_us = (int64_t)r->cfg->read_retention_days * 86400 * 1000000;
	if (r->now <= keep_us)
		return 0;
	uint64_t cutoff = (uint64_t)(r->now - keep_us);
	MDB_cursor *cur;
	int rc = mdb_cursor_open(r->txn, st->read_blocks, &cur);
	if (rc)
		return rc;
	MDB_val k, v;
	int examined = 0;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && examined < PRUNE_SCAN; examined++) {
		if (k.mv_size == 12 && store_key_u64(k.mv_data) >= cutoff)
			break;
		if ((rc = mdb_cursor_del(cur, 0)))
			break;
		rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	}
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND)
		return rc;
	if ((rc = mdb_cursor_open(r->txn, st->reads_by_user, &cur)))
		return rc;
	uint8_t kb[sizeof(prune_key)];
	k.mv_size = prune_klen;
	k.mv_data = prune_key;
	for (rc = mdb_cursor_get(cur, &k, &v, prune_klen ? MDB_SET_RANGE : MDB_FIRST); rc == 0 && examined < PRUNE_SCAN;
	     examined++) {
		const uint8_t *p = k.mv_data;
		const uint8_t *z = memchr(p, 0, k.mv_size);
		size_t ulen = z ? (size_t)(z - p) : k.mv_size;
		if (ulen >= KART_NAME_MAX || k.mv_size > sizeof(prune_key)) {
			rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT); /* not a record of ours */
			continue;
		}
		memcpy(prune_key, p, k.mv_size);
		prune_klen = k.mv_size;
		bool old = z && k.mv_size >= ulen + 9 && store_key_u64(p + ulen + 1) < cutoff;
		if (old && k.mv_size == ulen + 17) {
			if ((rc = mdb_cursor_del(cur, 0)))
				break;
			k.mv_size = prune_klen;
			k.mv_data = prune_key; /* the key after the one deleted */
			rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
			continue;
		}
		if (old) {
			rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT); /* an export's record, kept */
			continue;
		}
		/* this user's later records are newer still: on to the next user */
		memcpy(kb, p, ulen);
		kb[ulen] = 1;
		k.mv_size = ulen + 1;
		k.mv_data = kb;
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	}
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND) {
		prune_klen = 0; /* from the start again next time */
		rc = 0;
	}
	return rc;
}

/* Writes the batch's reads: reads_by_user in the order they came (each
 * user's keys grow at the end of their range), then one block sorted by card. */
static int w_flush(struct req *r)
{
	struct fbatch *b = wreq_of(r)->ud;
	if (!b->counted) {
		b->counted = true;
		atomic_fetch_sub(&b->rd->pending, b->cap);
	}
	struct store *st = &r->srv->store;
	int rc = 0;
	for (size_t i = 0; i < b->n && rc == 0; i++) {
		const struct rentry *e = &b->e[i];
		size_t ulen = strlen(e->u->name), hlen = strnlen(e->how, HOW_MAX);
		uint8_t uk[KART_NAME_MAX + 1 + 16];
		memcpy(uk, e->u->name, ulen);
		uk[ulen] = 0;
		store_u64_key((uint64_t)e->t, uk + ulen + 1);
		store_u64_key(e->id, uk + ulen + 9);
		MDB_val k = { ulen + 17, uk }, v = { hlen, (void *)e->how };
		rc = mdb_put(r->txn, st->reads_by_user, &k, &v, 0);
	}
	if (rc == 0 && b->n) {
		/* the block's key is its newest read (a rerun finds the entries sorted) */
		int64_t newest = 0;
		for (size_t i = 0; i < b->n; i++)
			if (b->e[i].t > newest)
				newest = b->e[i].t;
		qsort(b->e, b->n, sizeof(b->e[0]), cmp_entry);
		struct read_entry *ents = arena_alloc(r->arena, b->n * sizeof(*ents));
		if (!ents)
			return ENOMEM;
		for (size_t i = 0; i < b->n; i++)
			ents[i] = (struct read_entry){ .card = b->e[i].id, .t = b->e[i].t,
						       .user = b->e[i].u->name, .user_len = strlen(b->e[i].u->name),
						       .how = b->e[i].how, .how_len = strnlen(b->e[i].how, HOW_MAX) };
		struct read_block_strings strs;
		size_t len = read_block_prepare(&strs, r->arena, ents, b->n);
		if (!len)
			return ENOMEM;
		uint8_t key[12];
		if ((uint64_t)newest != block_t) {
			block_t = (uint64_t)newest;
			block_seq = 0;
		}
		store_u64_key(block_t, key);
		MDB_val k = { 12, key }, v;
		/* never over an older block: after the clock stepped back, the next sequence */
		do {
			uint32_t seq = block_seq++;
			key[8] = (uint8_t)(seq >> 24);
			key[9] = (uint8_t)(seq >> 16);
			key[10] = (uint8_t)(seq >> 8);
			key[11] = (uint8_t)seq;
			v.mv_size = len;
			v.mv_data = NULL;
		} while ((rc = mdb_put(r->txn, st->read_blocks, &k, &v, MDB_RESERVE | MDB_NOOVERWRITE)) == MDB_KEYEXIST);
		if (rc)
			return rc;
		read_block_write(&strs, ents, b->n, v.mv_data);
	}
	if (!rc)
		rc = prune(r);
	return rc;
}

/* The tick's flush: the reads so far, or (with none) a pruning pass. */
static void flush(struct reads *rd)
{
	piece_submit(rd);
}

/* ---- the daemon's life ---- */

int reads_start(struct server *srv)
{
	struct reads *rd = calloc(1, sizeof(*rd));
	if (!rd)
		return -1;
	rd->srv = srv;
	atomic_init(&rd->pending, 0);
	srv->reads = rd;
	struct store *st = &srv->store;
	MDB_txn *txn = store_read_begin(st);
	if (!txn)
		return -1;
	MDB_cursor *cur;
	int rc = mdb_cursor_open(txn, st->users, &cur);
	if (rc == 0) {
		MDB_val k, v;
		struct arena a;
		arena_init(&a, 0);
		for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
			arena_reset(&a);
			Kart__UserRecord *u = kart__user_record__unpack(&a.pb, v.mv_size, v.mv_data);
			if (!u || !u->user || !u->user->read_blocked || !u->user->name)
				continue;
			struct ureads *ur = user_get(rd, u->user->name);
			if (ur && !ur->blocked) {
				ur->blocked = true;
				rd->nblocked++;
			}
		}
		arena_free(&a);
		mdb_cursor_close(cur);
	}
	if (rc == MDB_NOTFOUND)
		rc = 0;
	store_read_end(st);
	rd->ncanaries = count_canaries(st);
	if (rd->nblocked)
		log_notice("%u users blocked for bulk reading", rd->nblocked);
	return rc ? -1 : 0;
}

void reads_backlog(const struct server *srv, uint64_t *pending, uint64_t *max, uint64_t *dropped)
{
	const struct reads *rd = srv->reads;
	*pending = rd ? rd->backlog : 0;
	*max = PENDING_MAX;
	*dropped = rd ? rd->dropped_total : 0;
}

void reads_tick(uv_timer_t *t)
{
	struct server *srv = t->data;
	struct reads *rd = srv->reads;
	if (!rd || rd->stopped)
		return;
	rd->ticks++;
	if (rd->dropped) {
		log_err("reads: %" PRIu64 " reads went unrecorded (the writer was behind)", rd->dropped);
		rd->dropped = 0;
	}
	if ((rd->cb && rd->cb->n) || rd->ticks % PRUNE_EVERY == 0)
		flush(rd);
	if (rd->ticks % SWEEP_EVERY == 0) {
		int64_t now = util_now_us();
		for (size_t b = 0; b < USER_BUCKETS; b++)
			for (struct ureads *u = rd->users[b]; u; u = u->hnext) {
				readwatch_prune(&u->watch, now - (u->window ? u->window : HOUR_US));
				if (now - u->last > READS_DEDUP_US)
					readdedup_free(&u->dedup); /* idle: the memory back */
			}
	}
}

void reads_stop(struct server *srv)
{
	struct reads *rd = srv->reads;
	if (!rd || rd->stopped)
		return;
	if (rd->cb && rd->cb->n)
		flush(rd);
	rd->stopped = true;
}

void reads_free(struct server *srv)
{
	struct reads *rd = srv->reads;
	if (!rd)
		return;
	for (size_t b = 0; b < USER_BUCKETS; b++)
		for (struct ureads *u = rd->users[b], *next; u; u = next) {
			next = u->hnext;
			readwatch_clear(&u->watch);
			readdedup_free(&u->dedup);
			free(u);
		}
	wreq_free(rd->cw); /* a piece started, never handed over */
	free(rd);
	srv->reads = NULL;
}
