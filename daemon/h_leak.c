/* h_leak: tracing a leaked file back to its export (h_leak_trace).
 *
 * Leak tracing collects the file's pieces, then in the pool reads every phone
 * and email out of it (leak.c), looks each up among the canary contacts
 * (export_canaries: strong evidence, a canary is in one export only), and
 * counts for every recorded export, newest first, how many of its
 * cards have a contact in the file (by the hashes kept in export_cards, so no
 * card is read). Exports with canaries found are counted first; the walk
 * stops after LEAK_BUDGET hashes. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "export.h"
#include "handlers.h"
#include "index.h"
#include "leak.h"
#include "log.h"
#include "req.h"
#include "store.h"
#include "util.h"

#define LEAK_PIECES_MAX (256u << 20)    /* all files being uploaded at once */
#define LEAK_IDLE_MS 120000             /* an upload left unfinished this long is dropped */
#define LEAK_BUDGET 400000000ull        /* hashes compared at most in one trace */
#define LEAK_SLICE 16000000ull          /* hashes compared in one read transaction */
#define LEAK_TOP 10                     /* matches in a report */

/* Files arriving in pieces, by connection and request id (loop thread only).
 * A pending upload holds a reference on its connection. */
struct upload {
	struct upload *next;
	struct conn *conn;
	uint64_t id;
	uint8_t *data;
	size_t len, cap;
	int64_t last_ms;
	char name[256];
};

static struct upload *uploads;
static size_t uploads_bytes;

static void upload_drop(struct upload **pp)
{
	struct upload *u = *pp;
	*pp = u->next;
	uploads_bytes -= u->len;
	req_conn_release(u->conn);
	free(u->data);
	free(u);
}

static void uploads_sweep(int64_t now_ms)
{
	for (struct upload **pp = &uploads; *pp;) {
		if (!req_conn_open((*pp)->conn) || now_ms - (*pp)->last_ms > LEAK_IDLE_MS)
			upload_drop(pp);
		else
			pp = &(*pp)->next;
	}
}

struct cand {
	uint64_t export_id;
	uint32_t canaries;
	uint32_t rows[5];           /* canary rows found (their index), the first few */
	uint32_t nrows;
	bool counted;
	struct leak_cards cards;
	uint64_t export_cards;      /* cards in the export */
	int64_t time;
};

struct ljob {
	struct req_job job;         /* first: the pool job (req.h) */
	int64_t now;
	uint8_t *data;
	size_t len;
	char name[256];
	/* results */
	Kart__ErrorCode code;
	char message[200];
	struct arena a;             /* the report */
	Kart__LeakReport *report;
	uint64_t compared;          /* hashes compared */
	int64_t took_ms;
};

static void ljob_free(struct ljob *j)
{
	free(j->data);
	arena_free(&j->a);
	free(j);
}

static struct cand *cand_get(struct cand **v, size_t *n, size_t *cap, uint64_t export_id)
{
	for (size_t i = 0; i < *n; i++)
		if ((*v)[i].export_id == export_id)
			return &(*v)[i];
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		struct cand *nv = realloc(*v, nc * sizeof(*nv));
		if (!nv)
			return NULL;
		*v = nv;
		*cap = nc;
	}
	struct cand *c = &(*v)[(*n)++];
	memset(c, 0, sizeof(*c));
	c->export_id = export_id;
	return c;
}

static int cmp_pair(const void *pa, const void *pb)
{
	const uint64_t *a = pa, *b = pb;
	if (a[0] != b[0])
		return a[0] < b[0] ? -1 : 1;
	return a[1] < b[1] ? -1 : a[1] > b[1];
}

static int cmp_cand(const void *pa, const void *pb)
{
	const struct cand *a = pa, *b = pb;
	if (a->canaries != b->canaries)
		return a->canaries > b->canaries ? -1 : 1;
	if (a->cards.cards != b->cards.cards)
		return a->cards.cards > b->cards.cards ? -1 : 1;
	/* the same cards: the smaller export holds them more tightly */
	if (a->export_cards != b->export_cards)
		return a->export_cards < b->export_cards ? -1 : 1;
	return a->export_id > b->export_id ? -1 : a->export_id < b->export_id;
}

/* Counts the card matches of one export. */
static int count_cards(struct ljob *j, MDB_txn *txn, const struct leak_file *f, struct cand *c, const MDB_val *blob)
{
	MDB_val v;
	if (!blob) {
		uint8_t key[8];
		store_u64_key(c->export_id, key);
		MDB_val k = { 8, key };
		int rc = mdb_get(txn, j->job.srv->store.export_cards, &k, &v);
		if (rc)
			return rc == MDB_NOTFOUND ? 0 : rc;
		blob = &v;
	}
	struct export_blob b;
	if (export_blob_view(blob->mv_data, blob->mv_size, &b) < 0)
		return 0;
	/* a blob not in memory is read in one go rather than page by page (the
	 * environment is opened with MDB_NORDAHEAD) */
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), start = (uintptr_t)blob->mv_data & ~(page - 1);
	posix_madvise((void *)start, (uintptr_t)blob->mv_data + blob->mv_size - start, POSIX_MADV_WILLNEED);
	leak_match_blob(f, blob->mv_data, blob->mv_size, &c->cards);
	c->export_cards = b.ncards;
	c->counted = true;
	j->compared += b.nentries;
	return 0;
}

static char *when(struct arena *a, int64_t t)
{
	char buf[32];
	util_format_time(t, buf, sizeof(buf));
	return arena_strdup(a, buf);
}

/* The canaries in the file: each contact looked up among the canary contacts,
 * as (export id, canary row) pairs, sorted; a row found by its phone and by
 * its email is there twice. *out is malloc'ed, also on an error. */
static int canary_pairs(struct store *st, MDB_txn *txn, const struct leak_file *f, uint64_t (**out)[2],
			size_t *count)
{
	uint64_t(*pairs)[2] = NULL;
	size_t npairs = 0, pcap = 0;
	int rc = 0;
	for (size_t kind = 0; rc == 0 && kind < 2; kind++) {
		char **list = kind ? f->emails : f->phones;
		size_t n = kind ? f->nemails : f->nphones;
		for (size_t i = 0; rc == 0 && i < n; i++) {
			char key[340];
			size_t kl = (size_t)snprintf(key, sizeof(key), "%c%s", kind ? 'e' : 'p', list[i]);
			MDB_val k = { kl < sizeof(key) ? kl : sizeof(key) - 1, key }, v;
			int g = mdb_get(txn, st->export_canaries, &k, &v);
			if (g == MDB_NOTFOUND || (g == 0 && v.mv_size != 12))
				continue;
			if (g) {
				rc = g;
				break;
			}
			/* a client who has since been given a canary's number is a client:
			 * the canary is checked against the cards as they are now */
			char ixkey[32];
			MDB_val ik = { 0, ixkey }, iv;
			if (kind) {
				ik.mv_size = strlen(list[i]);
				ik.mv_data = list[i];
			} else {
				ik.mv_size = index_phone_key(list[i], ixkey, sizeof(ixkey));
			}
			g = mdb_get(txn, kind ? st->ix_email : st->ix_phone, &ik, &iv);
			if (g == 0)
				continue;
			if (g != MDB_NOTFOUND) {
				rc = g;
				break;
			}
			if (npairs == pcap) {
				size_t ncap = pcap ? pcap * 2 : 64;
				void *np = realloc(pairs, ncap * sizeof(*pairs));
				if (!np) {
					rc = ENOMEM;
					break;
				}
				pairs = np;
				pcap = ncap;
			}
			const uint8_t *p = v.mv_data;
			pairs[npairs][0] = store_key_u64(p);
			pairs[npairs++][1] = (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 | (uint32_t)p[10] << 8 | p[11];
		}
	}
	if (npairs)
		qsort(pairs, npairs, sizeof(*pairs), cmp_pair);
	*out = pairs;
	*count = npairs;
	return rc;
}

/* The exports the canary pairs are of, each with its canaries counted once
 * and the first few rows found. 0 or ENOMEM. */
static int cands_of_pairs(uint64_t (*pairs)[2], size_t npairs, struct cand **cv, size_t *nc, size_t *ccap)
{
	for (size_t i = 0; i < npairs; i++) {
		if (i && pairs[i][0] == pairs[i - 1][0] && pairs[i][1] == pairs[i - 1][1])
			continue;
		struct cand *c = cand_get(cv, nc, ccap, pairs[i][0]);
		if (!c)
			return ENOMEM;
		if (c->nrows < 5)
			c->rows[c->nrows++] = (uint32_t)pairs[i][1];
		c->canaries++;
	}
	return 0;
}

/* Counts the card matches of every export not in cv yet, newest first; those
 * with a match join cv. Stops after LEAK_BUDGET hashes compared (*budget_hit);
 * the read transaction is renewed every LEAK_SLICE hashes. */
static int count_exports(struct ljob *j, MDB_txn **txn, const struct leak_file *f, struct cand **cv, size_t *nc,
			 size_t *ccap, bool *budget_hit)
{
	struct store *st = &j->job.srv->store;
	MDB_cursor *cur = NULL;
	int rc = mdb_cursor_open(*txn, st->export_cards, &cur);
	MDB_val k, v;
	uint64_t sliced = j->compared;
	for (int g = rc ? rc : mdb_cursor_get(cur, &k, &v, MDB_LAST); rc == 0 && g == 0;
	     g = mdb_cursor_get(cur, &k, &v, MDB_PREV)) {
		if (k.mv_size != 8)
			continue;
		if (j->compared > LEAK_BUDGET) {
			*budget_hit = true;
			break;
		}
		uint64_t eid = store_key_u64(k.mv_data);
		if (j->compared - sliced >= LEAK_SLICE) {
			/* a fresh transaction now and then: the map lock is not held long */
			sliced = j->compared;
			uint8_t kb[8];
			store_u64_key(eid, kb);
			mdb_cursor_close(cur);
			cur = NULL;
			store_pool_end(st, txn);
			if ((rc = store_pool_begin(st, txn)) || (rc = mdb_cursor_open(*txn, st->export_cards, &cur)))
				break;
			k.mv_size = 8;
			k.mv_data = kb;
			if (mdb_cursor_get(cur, &k, &v, MDB_SET_KEY) != 0) {
				*budget_hit = true; /* cannot go on from there: the report says it is partial */
				break;
			}
		}
		bool known = false;
		for (size_t i = 0; i < *nc && !known; i++)
			known = (*cv)[i].export_id == eid;
		if (known)
			continue;
		struct cand probe = { .export_id = eid };
		if ((rc = count_cards(j, *txn, f, &probe, &v)))
			break;
		if (probe.cards.cards == 0)
			continue;
		struct cand *c = cand_get(cv, nc, ccap, eid);
		if (!c) {
			rc = ENOMEM;
			break;
		}
		*c = probe;
	}
	if (cur)
		mdb_cursor_close(cur);
	return rc;
}

/* What the file holds of export e (candidate c): the canary rows found and
 * the cards matched, with the export as shown. NULL when out of memory. */
static Kart__LeakMatch *leak_match(struct arena *a, const struct cand *c, const Kart__ExportRecord *e)
{
	Kart__LeakMatch *lm = arena_alloc(a, sizeof(*lm));
	char **evd = arena_alloc(a, 8 * sizeof(char *));
	if (!lm || !evd)
		return NULL;
	kart__leak_match__init(lm);
	lm->canaries_found = c->canaries;
	lm->cards_matched = c->cards.cards;
	lm->share = e->cards ? (double)c->cards.cards / (double)e->cards : 0;
	lm->evidence = evd;
	for (uint32_t q = 0; q < c->nrows && lm->n_evidence < 5; q++) {
		if (c->rows[q] >= e->n_canary_rows)
			continue;
		Kart__CanaryRow *cr = e->canary_rows[c->rows[q]];
		evd[lm->n_evidence++] = arena_printf(
			a, "canary row %u of %u: %s %s %s, %s, %s (in no other export)", c->rows[q] + 1,
			e->canaries, cr->last_name, cr->first_name, cr->middle_name, cr->phone, cr->email);
	}
	if (c->cards.cards) {
		char ids[128] = "";
		size_t used = 0;
		for (size_t q = 0; q < c->cards.nsampled && used < sizeof(ids); q++)
			used += (size_t)snprintf(ids + used, sizeof(ids) - used, "%s%" PRIu64, q ? ", " : "",
						 c->cards.sample[q]);
		evd[lm->n_evidence++] = arena_printf(
			a, "%" PRIu64 " of its %" PRIu64 " cards have a phone or email in the file (%" PRIu64
			   " phones, %" PRIu64 " emails matched), e.g. cards %s%s",
			c->cards.cards, e->cards, c->cards.by_phone, c->cards.by_email, ids,
			c->cards.cards > c->cards.nsampled ? ", …" : "");
	}
	Kart__ExportRecord *shown = export_record_copy(a, e);
	if (!shown)
		return NULL;
	lm->export = shown;
	return lm;
}

/* The report's one sentence, from its best match; with_canaries: exports with
 * canary rows in the file. */
static char *leak_verdict(struct arena *a, const Kart__LeakReport *rep, size_t with_canaries, bool budget_hit)
{
	char *verdict;
	if (rep->n_matches == 0) {
		verdict = (char *)"no export matches this file";
	} else {
		Kart__ExportRecord *e = rep->matches[0]->export;
		Kart__LeakMatch *m0 = rep->matches[0];
		if (m0->canaries_found && with_canaries == 1)
			verdict = arena_printf(
				a, "the file comes from export %" PRIu64 " by %s on %s: %u of its %u canary rows are in it, and a canary row is in no other export",
				e->id, e->user, when(a, e->time), m0->canaries_found, e->canaries);
		else if (m0->canaries_found)
			verdict = arena_printf(
				a, "the file holds canary rows of %zu exports; the most (%u) are of export %" PRIu64 " by %s on %s",
				with_canaries, m0->canaries_found, e->id, e->user, when(a, e->time));
		else
			verdict = arena_printf(
				a, "no canary rows in the file; export %" PRIu64 " by %s on %s holds the most of its contacts (%" PRIu64
				   " cards, %.0f%% of the export): weak evidence, the same cards may be in other exports",
				e->id, e->user, when(a, e->time), m0->cards_matched, m0->share * 100);
	}
	if (budget_hit && verdict)
		verdict = arena_printf(a, "%s (older exports were not compared: too much to compare at once)", verdict);
	return verdict;
}

/* The report, in j's arena: the exports with a canary or a card in the file,
 * best first, LEAK_TOP of them at most. cv is reordered. NULL when out of memory. */
static Kart__LeakReport *leak_report(struct ljob *j, MDB_txn *txn, const struct leak_file *f, struct cand *cv,
				     size_t nc, bool budget_hit)
{
	struct arena *a = &j->a;
	Kart__LeakReport *rep = arena_alloc(a, sizeof(*rep));
	if (!rep)
		return NULL;
	kart__leak_report__init(rep);
	rep->rows = f->rows;
	rep->phones = f->nphones;
	rep->emails = f->nemails;
	size_t keep = 0;
	for (size_t i = 0; i < nc; i++)
		if (cv[i].canaries || cv[i].cards.cards)
			cv[keep++] = cv[i];
	nc = keep;
	if (nc)
		qsort(cv, nc, sizeof(*cv), cmp_cand);
	size_t top = nc < LEAK_TOP ? nc : LEAK_TOP;
	rep->matches = arena_alloc(a, (top ? top : 1) * sizeof(*rep->matches));
	size_t with_canaries = 0;
	for (size_t i = 0; i < nc; i++)
		with_canaries += cv[i].canaries > 0;
	for (size_t i = 0; rep->matches && i < top; i++) {
		struct cand *c = &cv[i];
		uint8_t key[8];
		store_u64_key(c->export_id, key);
		MDB_val ek = { 8, key }, ev;
		Kart__ExportRecord *e = NULL;
		if (mdb_get(txn, j->job.srv->store.exports, &ek, &ev) == 0)
			e = kart__export_record__unpack(&a->pb, ev.mv_size, ev.mv_data);
		if (!e)
			continue;
		Kart__LeakMatch *lm = leak_match(a, c, e);
		if (!lm)
			break;
		rep->matches[rep->n_matches++] = lm;
	}
	rep->verdict = leak_verdict(a, rep, with_canaries, budget_hit);
	return rep;
}

static void ljob_run(struct req_job *job)
{
	struct ljob *j = (struct ljob *)job;
	struct store *st = &j->job.srv->store;
	int64_t t0 = util_mono_ms();
	struct leak_file f;
	struct cand *cv = NULL;
	size_t nc = 0, ccap = 0;
	MDB_txn *txn = NULL;
	bool budget_hit = false;
	if (leak_parse(&f, &j->a, (const char *)j->data, j->len, j->job.cfg->phone_country) < 0) {
		j->code = KART__ERROR_CODE__UNAVAILABLE;
		snprintf(j->message, sizeof(j->message), "out of memory reading the file");
		leak_file_free(&f);
		return;
	}
	free(j->data);
	j->data = NULL;
	int rc = store_pool_begin(st, &txn);
	/* canaries: each is in one export; a row found by its phone and by its email counts once */
	uint64_t(*pairs)[2] = NULL;
	size_t npairs = 0;
	if (rc == 0)
		rc = canary_pairs(st, txn, &f, &pairs, &npairs);
	if (rc == 0)
		rc = cands_of_pairs(pairs, npairs, &cv, &nc, &ccap);
	free(pairs);
	/* cards: the exports with canaries first, then all, newest first */
	for (size_t i = 0; rc == 0 && i < nc; i++)
		rc = count_cards(j, txn, &f, &cv[i], NULL);
	if (rc == 0)
		rc = count_exports(j, &txn, &f, &cv, &nc, &ccap, &budget_hit);
	if (rc == 0)
		j->report = leak_report(j, txn, &f, cv, nc, budget_hit);
	store_pool_end(st, &txn);
	if (rc || !j->report) {
		j->code = rc == ENOMEM ? KART__ERROR_CODE__UNAVAILABLE : KART__ERROR_CODE__INTERNAL;
		snprintf(j->message, sizeof(j->message), "%s",
			 rc == ENOMEM ? REQ_NO_MEMORY : "internal error; the server log has details");
		if (rc && rc != ENOMEM)
			log_err("leak trace: %s", mdb_strerror(rc));
	}
	free(cv);
	leak_file_free(&f);
	j->took_ms = util_mono_ms() - t0;
}

/* Runs also when the connection has closed (reply_closed): the trace is audited all the same. */
static void ljob_reply(struct req_job *job, struct req *r, int status)
{
	struct ljob *j = (struct ljob *)job;
	r->now = j->now;
	if (status != 0) {
		req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "the trace was cancelled");
	} else if (j->code) {
		req_error(r, j->code, "", "%s", j->message);
	} else {
		log_info("leak trace of '%s' (%zu bytes, %" PRIu64 " rows) by %s: %" PRIu64 " hashes compared in %lld ms",
			 j->name, j->len, j->report->rows, j->job.who.user, j->compared, (long long)j->took_ms);
		r->out.body_case = KART__ENVELOPE__BODY_LEAK_REPORT;
		r->out.leak_report = j->report;
		export_note(r, "leak.trace", j->report->n_matches ? j->report->matches[0]->export->id : 0, true,
		     arena_printf(r->arena, "'%.60s' (%zu bytes, %" PRIu64 " rows): %.140s", j->name, j->len, j->report->rows,
				  j->report->verdict));
	}
}

static void ljob_free_job(struct req_job *job)
{
	ljob_free((struct ljob *)job);
}

int h_leak_trace(struct req *r)
{
	Kart__LeakTrace *m = r->in->leak_trace;
	int64_t now_ms = util_mono_ms();
	uploads_sweep(now_ms);
	struct upload **pp = &uploads;
	while (*pp && !((*pp)->conn == r->conn && (*pp)->id == r->id))
		pp = &(*pp)->next;
	struct upload *u = *pp;
	size_t have = u ? u->len : 0, piece = m->data.len;
	if (req_check_text(r, "name", m->name, false) != H_OK) {
		if (u)
			upload_drop(pp);
		return H_ABORT;
	}
	if (have + piece > LEAK_MAX_FILE) {
		if (u)
			upload_drop(pp);
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "data", "the file is larger than %u MiB",
				 LEAK_MAX_FILE >> 20);
	}
	if (uploads_bytes + piece > LEAK_PIECES_MAX) {
		if (u)
			upload_drop(pp);
		return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "too many files are being traced at once; try again");
	}
	if (!u) {
		u = calloc(1, sizeof(*u));
		if (!u)
			return req_no_memory(r);
		u->conn = req_conn_hold(r);
		u->id = r->id;
		u->next = uploads;
		uploads = u;
		pp = &uploads;
	}
	if (m->name && *m->name && !u->name[0])
		snprintf(u->name, sizeof(u->name), "%s", m->name);
	u->last_ms = now_ms;
	if (piece) {
		if (u->cap - u->len < piece) {
			size_t cap = u->cap ? u->cap : 65536;
			while (cap - u->len < piece)
				cap *= 2;
			uint8_t *nd = realloc(u->data, cap);
			if (!nd) {
				upload_drop(pp);
				return req_no_memory(r);
			}
			u->data = nd;
			u->cap = cap;
		}
		memcpy(u->data + u->len, m->data.data, piece);
		u->len += piece;
		uploads_bytes += piece;
	}
	if (m->more)
		return H_DEFER; /* no reply until the last piece */

	struct ljob *j = calloc(1, sizeof(*j));
	if (!j) {
		upload_drop(pp);
		return req_no_memory(r);
	}
	arena_init(&j->a, 0);
	j->now = r->now;
	snprintf(j->name, sizeof(j->name), "%s", u->name[0] ? u->name : "(unnamed)");
	/* the job takes the bytes */
	j->data = u->data;
	j->len = u->len;
	u->data = NULL;
	upload_drop(pp);
	j->job.run = ljob_run;
	j->job.reply = ljob_reply;
	j->job.free = ljob_free_job;
	j->job.reply_closed = true;
	if (req_pool(r, &j->job) != 0) {
		ljob_free(j);
		return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "the server is busy; try again");
	}
	return H_DEFER;
}
