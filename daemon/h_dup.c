/* h_dup: probable duplicates (DupFind) and the base's health (Quality).
 *
 * Both scan the caller's cards in the libuv pool, as a filtered list does
 * (h_query.c): a read transaction of the pool's own, renewed every
 * CARDQ_SLICE cards (cardq_run), so the scan never holds up the map's growth.
 * The loop gets back only ids and scores; it reads the cards it sends (in
 * brief, masked) at the moment it sends them, and records them as read.
 *
 * Pairs without comparing every card with every other: each card gives a
 * few blocking keys (dupscore.h) — each normalised phone, each folded email,
 * its name key (last and first name, sorted words) and its name with initials
 * ("ivanova m"), and, for a card that names no person, its company (names and
 * companies only when min_score is at most DUP_SCORE_NO_CONTACT_MAX: above it
 * every pair worth finding shares a phone or an email) — kept as
 * 64-bit hashes with the card's number in one array (12 bytes a key). Sorted,
 * cards with the same key sit together; each group gives its pairs, and a
 * pair found by several keys (same phone and same email) is scored once,
 * after the pairs (8 bytes each: both numbers and the kinds of key they
 * share) are sorted. A group of more than DUP_GROUP_MAX cards (a switchboard
 * number, "Иванов А" in a big base) gives no pairs: it would be most of the
 * work and says little; such groups are counted in the log.
 *
 * Memory: 16 bytes a card plus its name and company keys (about 30 bytes),
 * 12 bytes a key (about 4 a card), then 8 bytes a candidate pair, at most
 * DUP_PAIRS_MAX of them (the reply says when the budget ran out): some
 * 100 MB at a million cards, freed when the scan ends. */
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acl.h"
#include "card.h"
#include "cardq.h"
#include "dupscore.h"
#include "handlers.h"
#include "log.h"
#include "reads.h"
#include "req.h"
#include "schema.h"
#include "text.h"

#define DUP_GROUP_MAX 100                 /* cards sharing one key, at most, to be paired */
#define DUP_PAIRS_MAX (8u << 20)          /* candidate pairs, at most (64 MB) */
#define DUP_CARDS_MAX ((1u << 30) - 1)    /* card numbers fit in 30 bits of a pair */
#define DUP_RESULTS_MAX 100000            /* pairs kept for the reply, the best first (2.4 MB) */
#define QUALITY_LIMIT_MAX 1000

/* the kinds of key a pair shares, in its low bits */
enum { PAIR_PHONE = 1, PAIR_EMAIL = 2, PAIR_NAME = 4, PAIR_COMPANY = 8 };

struct dcard {
	uint64_t id;
	uint32_t name;              /* offsets into the key text; 0: none */
	uint32_t company;
};

struct dkey {
	uint64_t h;                 /* dup_key_hash */
	uint32_t card;              /* number in the scan */
} __attribute__((packed));

/* A pair kept: the cards' ids, its score and what counted. */
struct dres {
	uint64_t a, b;
	uint8_t score, why, name, company; /* why: DUP_WHY_*; similarities in percent */
};

struct qlist {                  /* one quality problem */
	uint64_t count;
	uint64_t *ids;              /* the first `limit` */
	size_t n;
};

enum { Q_NO_CONTACT, Q_BAD_EMAIL, Q_BAD_PHONE, Q_STALE, Q_NO_OWNER, Q_N };

struct djob {
	struct req_job job;         /* first: the pool job (req.h) */
	bool quality;
	char *where;
	unsigned min_score;
	int64_t now, today, stale_before;
	struct util_zone zone;
	uint32_t limit;             /* quality: ids listed per problem */
	unsigned months;            /* quality: stale after this many months */
	/* the scan */
	struct dcard *cards;
	size_t ncards, capcards;
	char *text;                 /* key text; offset 0 is "" */
	size_t ntext, captext;
	struct dkey *keys;
	size_t nkeys, capkeys;
	struct qlist q[Q_N];
	bool oom;
	/* results */
	Kart__ErrorCode code;
	char field[32];
	char message[300];
	struct dres *res;
	size_t nres;
	uint64_t pairs;             /* candidate pairs scored */
	uint64_t skipped_groups;
	bool partial;               /* DUP_PAIRS_MAX or DUP_RESULTS_MAX reached */
};

static bool grow(void **p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return true;
	size_t cap2 = *cap ? *cap : 1024;
	while (cap2 < need)
		cap2 *= 2;
	void *n = realloc(*p, cap2 * size);
	if (!n)
		return false;
	*p = n;
	*cap = cap2;
	return true;
}

/* Keeps s (n bytes) in the key text; its offset, or 0 for "" (or no memory). */
static uint32_t keep_text(struct djob *j, const char *s, size_t n)
{
	if (!n)
		return 0;
	if (j->ntext + n + 1 > UINT32_MAX || !grow((void **)&j->text, &j->captext, j->ntext + n + 1, 1)) {
		j->oom = true;
		return 0;
	}
	uint32_t at = (uint32_t)j->ntext;
	memcpy(j->text + at, s, n);
	j->text[at + n] = 0;
	j->ntext += n + 1;
	return at;
}

static void add_key(struct djob *j, enum dup_key_kind kind, const char *s, size_t n)
{
	if (!n)
		return;
	if (!grow((void **)&j->keys, &j->capkeys, j->nkeys + 1, sizeof(*j->keys))) {
		j->oom = true;
		return;
	}
	j->keys[j->nkeys].h = dup_key_hash(kind, s, n);
	j->keys[j->nkeys].card = (uint32_t)j->ncards;
	j->nkeys++;
}

/* The match key of what a person typed, into out. */
static size_t latin(struct arena *a, const char *typed, char *out, size_t outlen)
{
	char *f = typed && *typed ? text_fold(a, typed) : NULL;
	if (!f) {
		out[0] = 0;
		return 0;
	}
	return dup_latin(f, out, outlen);
}

/* "ivanova m": the longest word of a name key, then the other words' initials. */
static size_t initials_key(const char *name, char *out, size_t outlen)
{
	const char *best = NULL;
	size_t bestn = 0;
	for (const char *p = name; *p;) {
		size_t n = strcspn(p, " ");
		if (n > bestn) {
			best = p;
			bestn = n;
		}
		p += n;
		p += strspn(p, " ");
	}
	if (!best || bestn + 1 >= outlen)
		return 0;
	memcpy(out, best, bestn);
	size_t o = bestn;
	for (const char *p = name; *p && o + 2 < outlen;) {
		size_t n = strcspn(p, " ");
		if (p != best) {
			out[o++] = ' ';
			out[o++] = *p;
		}
		p += n;
		p += strspn(p, " ");
	}
	out[o] = 0;
	return o;
}

static void quality_note(struct djob *j, int problem, uint64_t id)
{
	struct qlist *l = &j->q[problem];
	l->count++;
	if (l->n < j->limit) {
		if (!l->ids && !(l->ids = malloc(j->limit * sizeof(*l->ids)))) {
			j->oom = true;
			return;
		}
		l->ids[l->n++] = id;
	}
}

static void quality_check(struct djob *j, const Kart__Card *c)
{
	if (!c->n_phones && !c->n_emails)
		quality_note(j, Q_NO_CONTACT, c->id);
	for (size_t i = 0; i < c->n_emails; i++)
		if (!card_email_valid(c->emails[i])) {
			quality_note(j, Q_BAD_EMAIL, c->id);
			break;
		}
	for (size_t i = 0; i < c->n_phones; i++)
		if (i >= c->n_phones_e164 || !c->phones_e164[i] || !*c->phones_e164[i]) {
			quality_note(j, Q_BAD_PHONE, c->id);
			break;
		}
	int64_t last = c->created_at;
	if (c->updated_at > last)
		last = c->updated_at;
	if (c->last_touch_at > last)
		last = c->last_touch_at;
	if (last < j->stale_before)
		quality_note(j, Q_STALE, c->id);
	if (!c->owner || !*c->owner)
		quality_note(j, Q_NO_OWNER, c->id);
}

/* cardq_fn: one card of the scan, its keys and (Quality) its problems. */
static int scan_card(void *ud, Kart__Card *c)
{
	struct djob *j = ud;
	if (j->ncards >= DUP_CARDS_MAX || !grow((void **)&j->cards, &j->capcards, j->ncards + 1, sizeof(*j->cards))) {
		j->oom = true;
		return 1;
	}
	if (j->quality)
		quality_check(j, c);
	struct arena a;
	arena_init(&a, 0);
	char last[256], first[256], name[512], ini[512], company[256];
	latin(&a, c->last_name, last, sizeof(last));
	latin(&a, c->first_name, first, sizeof(first));
	size_t nn = dup_name_key(last, first, name, sizeof(name));
	latin(&a, c->company, company, sizeof(company));
	size_t nc = dup_company_strip(company);
	for (size_t i = 0; i < c->n_phones_e164; i++)
		if (c->phones_e164[i])
			add_key(j, DUP_KEY_PHONE, c->phones_e164[i], strlen(c->phones_e164[i]));
	for (size_t i = 0; i < c->n_emails; i++) {
		char *f = text_fold(&a, c->emails[i]);
		if (f)
			add_key(j, DUP_KEY_EMAIL, f, strlen(f));
	}
	if (j->min_score > DUP_SCORE_NO_CONTACT_MAX) {
		/* every pair worth finding shares a phone or an email */
	} else if (nn) {
		add_key(j, DUP_KEY_NAME, name, nn);
		size_t ni = initials_key(name, ini, sizeof(ini));
		if (ni && (ni != nn || memcmp(ini, name, nn) != 0))
			add_key(j, DUP_KEY_NAME, ini, ni);
	} else if (nc) {
		add_key(j, DUP_KEY_COMPANY, company, nc);
	}
	struct dcard *d = &j->cards[j->ncards++];
	d->id = c->id;
	d->name = keep_text(j, name, nn);
	d->company = keep_text(j, company, nc);
	arena_free(&a);
	return j->oom;
}

static int cmp_key(const void *a, const void *b)
{
	const struct dkey *x = a, *y = b;
	if (x->h != y->h)
		return x->h < y->h ? -1 : 1;
	return (x->card > y->card) - (x->card < y->card);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static int cmp_res(const void *a, const void *b)
{
	const struct dres *x = a, *y = b;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (x->a != y->a)
		return x->a < y->a ? -1 : 1;
	return (x->b > y->b) - (x->b < y->b);
}

/* LSD radix sorts by 16-bit digits (qsort of 12-byte elements was most of
 * a scan's time at a million cards): stable, four passes, a scratch copy;
 * without memory for it, qsort. The value sorted on: */
static uint64_t key_of(const void *e)
{
	uint64_t v;
	memcpy(&v, e, sizeof(v)); /* dkey's h and a pair's word are both first */
	return v;
}

static void radix_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	uint8_t *tmp = n > 1 ? malloc(n * size) : NULL;
	size_t *count = tmp ? calloc(65536, sizeof(*count)) : NULL;
	if (!count) {
		free(tmp);
		if (n > 1)
			qsort(base, n, size, cmp);
		return;
	}
	uint8_t *from = base, *to = tmp;
	for (int pass = 0; pass < 4; pass++) {
		int shift = 16 * pass;
		memset(count, 0, 65536 * sizeof(*count));
		for (size_t i = 0; i < n; i++)
			count[(key_of(from + i * size) >> shift) & 0xffff]++;
		size_t sum = 0;
		for (size_t d = 0; d < 65536; d++) {
			size_t c = count[d];
			count[d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++) {
			size_t d = (key_of(from + i * size) >> shift) & 0xffff;
			memcpy(to + count[d]++ * size, from + i * size, size);
		}
		uint8_t *t = from;
		from = to;
		to = t;
	}
	/* four passes: the result is back in base */
	free(count);
	free(tmp);
}

static unsigned key_bit(uint64_t h)
{
	static const unsigned bit[4] = { PAIR_PHONE, PAIR_EMAIL, PAIR_NAME, PAIR_COMPANY };
	return bit[h & 3];
}

/* The candidate pairs of the sorted keys: (i << 34) | (j << 4) | kinds. */
static uint64_t *group_pairs(struct djob *j, size_t *np)
{
	uint64_t *p = NULL;
	size_t n = 0, cap = 0;
	for (size_t g = 0; g < j->nkeys && !j->partial;) {
		size_t e = g + 1;
		while (e < j->nkeys && j->keys[e].h == j->keys[g].h)
			e++;
		if (e - g > DUP_GROUP_MAX) {
			j->skipped_groups++;
		} else {
			unsigned kind = key_bit(j->keys[g].h);
			for (size_t x = g; x < e && !j->partial; x++)
				for (size_t y = x + 1; y < e; y++) {
					uint64_t a = j->keys[x].card, b = j->keys[y].card;
					if (a == b)
						continue; /* one card's key twice */
					if (a > b) {
						uint64_t t = a;
						a = b;
						b = t;
					}
					if (n >= DUP_PAIRS_MAX) {
						j->partial = true;
						break;
					}
					if (!grow((void **)&p, &cap, n + 1, sizeof(*p))) {
						j->oom = true;
						j->partial = true;
						break;
					}
					p[n++] = (a << 34) | (b << 4) | kind;
				}
		}
		g = e;
	}
	*np = n;
	return p;
}

static double similarity(const struct djob *j, uint32_t x, uint32_t y)
{
	const char *a = j->text + x, *b = j->text + y;
	return strcmp(a, b) == 0 ? 1.0 : dup_jaro_winkler(a, b);
}

/* Scores each candidate pair once and keeps those at min_score or above. */
static void score_pairs(struct djob *j, uint64_t *p, size_t n)
{
	radix_sort(p, n, sizeof(*p), cmp_u64);
	size_t cap = 0;
	for (size_t k = 0; k < n;) {
		uint64_t ij = p[k] >> 4;
		unsigned kinds = 0;
		for (; k < n && p[k] >> 4 == ij; k++)
			kinds |= (unsigned)(p[k] & 15);
		const struct dcard *a = &j->cards[ij >> 30], *b = &j->cards[ij & ((1u << 30) - 1)];
		struct dup_evidence ev = { .phone = kinds & PAIR_PHONE, .email = kinds & PAIR_EMAIL };
		ev.names_both = a->name && b->name;
		ev.companies_both = a->company && b->company;
		if (ev.names_both)
			ev.name = similarity(j, a->name, b->name);
		if (ev.companies_both)
			ev.company = similarity(j, a->company, b->company);
		unsigned why, score = dup_score(&ev, &why);
		j->pairs++;
		if (score < j->min_score)
			continue;
		if (!grow((void **)&j->res, &cap, j->nres + 1, sizeof(*j->res))) {
			j->oom = true;
			return;
		}
		struct dres *r = &j->res[j->nres++];
		r->a = a->id < b->id ? a->id : b->id;
		r->b = a->id < b->id ? b->id : a->id;
		r->score = (uint8_t)score;
		r->why = (uint8_t)why;
		r->name = (uint8_t)(ev.name * 100.0 + 0.5);
		r->company = (uint8_t)(ev.company * 100.0 + 0.5);
	}
	if (j->nres)
		qsort(j->res, j->nres, sizeof(*j->res), cmp_res);
	if (j->nres > DUP_RESULTS_MAX) {
		/* the best ones: what a connection holds until it is read stays small */
		j->nres = DUP_RESULTS_MAX;
		j->partial = true;
		struct dres *fit = realloc(j->res, j->nres * sizeof(*j->res));
		if (fit)
			j->res = fit;
	}
}

static void job_fail(struct djob *j, Kart__ErrorCode code, const char *field, const char *msg)
{
	j->code = code;
	snprintf(j->field, sizeof(j->field), "%s", field);
	snprintf(j->message, sizeof(j->message), "%s", msg);
}

static void job_run(struct req_job *job)
{
	struct djob *j = (struct djob *)job;
	struct store *st = &j->job.srv->store;
	struct arena a;
	arena_init(&a, 0);
	struct schema sc = { 0 };
	MDB_txn *txn = NULL;
	const char *what = j->quality ? "quality" : "dup find";
	int rc = store_pool_begin(st, &txn);
	if (rc == 0)
		rc = schema_sync(&sc, txn, st);
	if (rc) {
		job_fail(j, KART__ERROR_CODE__UNAVAILABLE, "", "the database is busy; try again");
		log_err("%s: %s", what, mdb_strerror(rc));
		goto done;
	}
	struct req scope = { .srv = j->job.srv, .cfg = j->job.cfg, .who = j->job.who, .txn = txn, .arena = &a, .now = j->now };
	struct cardq q = { .txn = txn, .st = st, .sc = &sc, .a = &a, .today = j->today, .zone = j->zone,
			   .scope = &scope, .pool_txn = &txn };
	if (cardq_parse(&q, j->where) < 0) {
		j->code = KART__ERROR_CODE__BAD_REQUEST;
		snprintf(j->field, sizeof(j->field), "where");
		cardq_err_text(&q, j->message, sizeof(j->message));
		goto done;
	}
	/* offset 0 is "no text" */
	if (!grow((void **)&j->text, &j->captext, 1, 1)) {
		job_fail(j, KART__ERROR_CODE__UNAVAILABLE, "", "out of memory; try again");
		goto done;
	}
	j->text[0] = 0;
	j->ntext = 1;
	rc = cardq_run(&q, 0, scan_card, j);
	store_pool_end(st, &txn);
	if (rc || j->oom) {
		job_fail(j, rc ? KART__ERROR_CODE__INTERNAL : KART__ERROR_CODE__UNAVAILABLE, "",
			 rc ? "internal error; the server log has details" : "out of memory; try again");
		log_err("%s: %s", what, rc ? mdb_strerror(rc) : "out of memory");
		goto done;
	}
	/* the keys grouped, the pairs found; the keys go before the pairs are sorted */
	radix_sort(j->keys, j->nkeys, sizeof(*j->keys), cmp_key);
	size_t np;
	uint64_t *pairs = group_pairs(j, &np);
	free(j->keys);
	j->keys = NULL;
	score_pairs(j, pairs, np);
	free(pairs);
	if (j->oom) {
		job_fail(j, KART__ERROR_CODE__UNAVAILABLE, "", "out of memory; try again");
		goto done;
	}
	log_info("%s: %s: %s: %zu cards, %" PRIu64 " candidate pairs, %zu at %u or more%s; %" PRIu64
		 " keys shared by more than %d cards not paired",
		 j->job.who.peer, j->job.who.user, what, j->ncards, j->pairs, j->nres, j->min_score,
		 j->partial ? " (pair budget reached)" : "", j->skipped_groups, DUP_GROUP_MAX);
done:
	if (txn)
		store_pool_end(st, &txn);
	free(j->keys);
	j->keys = NULL;
	free(j->text);
	j->text = NULL;
	schema_free(&sc);
	arena_free(&a);
}

static void free_job(struct djob *j)
{
	free(j->where);
	free(j->cards);
	free(j->text);
	free(j->keys);
	free(j->res);
	for (int i = 0; i < Q_N; i++)
		free(j->q[i].ids);
	free(j);
}

static void job_free(struct req_job *job)
{
	free_job((struct djob *)job);
	/* the scan's arrays (100 MB at a million cards) came from a pool
	 * thread's malloc arena, which keeps freed memory for its next use:
	 * give it back to the system now */
	malloc_trim(0);
}

/* ---- replies: the cards read at the moment they are sent ---- */

/* A card as a pair shows it: who it is and how to reach them, masked as any card sent. */
static Kart__Card *brief_card(struct req *r, uint64_t id)
{
	Kart__Card *c, *b;
	if (card_load_brief(r->txn, r->srv->store.cards, id, r->arena, &c) || !acl_visible(r, c))
		return NULL;
	acl_mask(r, c);
	if (!(b = arena_alloc(r->arena, sizeof(*b))))
		return NULL;
	kart__card__init(b);
	b->id = c->id;
	b->first_name = c->first_name;
	b->middle_name = c->middle_name;
	b->last_name = c->last_name;
	b->company = c->company;
	b->phones = c->phones;
	b->n_phones = c->n_phones;
	b->emails = c->emails;
	b->n_emails = c->n_emails;
	b->owner = c->owner;
	b->phones_e164 = c->phones_e164;
	b->n_phones_e164 = c->n_phones_e164;
	b->version = c->version;
	return b;
}

static Kart__DupReason *reason(struct req *r, Kart__DupReasonKind kind, const char *value, unsigned similarity)
{
	Kart__DupReason *x = arena_alloc(r->arena, sizeof(*x));
	if (!x)
		return NULL;
	kart__dup_reason__init(x);
	x->kind = kind;
	x->value = (char *)(value ? value : "");
	x->similarity = similarity;
	return x;
}

/* The phone two cards share, as the first typed it; "" if none now. */
static const char *shared_phone(const Kart__Card *a, const Kart__Card *b)
{
	for (size_t i = 0; i < a->n_phones_e164; i++)
		for (size_t k = 0; k < b->n_phones_e164; k++)
			if (*a->phones_e164[i] && strcmp(a->phones_e164[i], b->phones_e164[k]) == 0)
				return a->phones_e164[i];
	return "";
}

static const char *shared_email(struct req *r, const Kart__Card *a, const Kart__Card *b)
{
	for (size_t i = 0; i < a->n_emails; i++) {
		const char *fa = text_fold(r->arena, a->emails[i]);
		for (size_t k = 0; fa && k < b->n_emails; k++) {
			const char *fb = text_fold(r->arena, b->emails[k]);
			if (fb && strcmp(fa, fb) == 0)
				return a->emails[i];
		}
	}
	return "";
}

/* The pair x as sent, or NULL when either card is gone from the user's sight. */
static Kart__DupPair *pair_of(struct req *r, const struct dres *x)
{
	Kart__Card *a = brief_card(r, x->a), *b = a ? brief_card(r, x->b) : NULL;
	Kart__DupPair *p = b ? arena_alloc(r->arena, sizeof(*p)) : NULL;
	Kart__DupReason **rs = p ? arena_alloc(r->arena, 4 * sizeof(*rs)) : NULL;
	if (!rs)
		return NULL;
	kart__dup_pair__init(p);
	p->a = x->a;
	p->b = x->b;
	p->score = x->score;
	p->card_a = a;
	p->card_b = b;
	p->reasons = rs;
	if (x->why & DUP_WHY_PHONE)
		rs[p->n_reasons++] = reason(r, KART__DUP_REASON_KIND__DUP_REASON_PHONE, shared_phone(a, b), 0);
	if (x->why & DUP_WHY_EMAIL)
		rs[p->n_reasons++] = reason(r, KART__DUP_REASON_KIND__DUP_REASON_EMAIL, shared_email(r, a, b), 0);
	if (x->why & DUP_WHY_NAME)
		rs[p->n_reasons++] = reason(r, KART__DUP_REASON_KIND__DUP_REASON_NAME, "", x->name);
	if (x->why & DUP_WHY_NAME_DIFFERS)
		rs[p->n_reasons++] = reason(r, KART__DUP_REASON_KIND__DUP_REASON_NAME_DIFFERS, "", x->name);
	if (x->why & DUP_WHY_COMPANY)
		rs[p->n_reasons++] = reason(r, KART__DUP_REASON_KIND__DUP_REASON_COMPANY, b->company, x->company);
	for (size_t i = 0; i < p->n_reasons; i++)
		if (!rs[i])
			return NULL;
	return p;
}

/* Records the cards of pairs[0..n) as listed (both of each). */
static void record_pairs(struct req *r, Kart__DupPair **pairs, size_t n, const char *how)
{
	Kart__Card **cards = n ? arena_alloc(r->arena, 2 * n * sizeof(*cards)) : NULL;
	if (!cards)
		return;
	for (size_t i = 0; i < n; i++) {
		cards[2 * i] = pairs[i]->card_a;
		cards[2 * i + 1] = pairs[i]->card_b;
	}
	reads_record_cards(r, cards, 2 * n, how, READ_LISTED);
}

struct dstream {
	struct dres *res;
	size_t n, pos;
	uint64_t cards;
	bool partial, first;
};

static bool dup_page(struct stream *s, struct req *r)
{
	struct dstream *st = s->state;
	uint32_t want = r->cfg->page_size;
	if (reads_check(r) != H_OK)
		return true; /* blocked or throttled for bulk reading since the last page */
	Kart__DupPage *page = arena_alloc(r->arena, sizeof(*page));
	Kart__DupPair **pairs = arena_alloc(r->arena, want * sizeof(*pairs));
	if (!page || !pairs) {
		req_no_memory(r);
		return true;
	}
	kart__dup_page__init(page);
	page->pairs = pairs;
	if (st->first) {
		page->cards = st->cards;
		page->partial = st->partial;
		st->first = false;
	}
	while (st->pos < st->n && page->n_pairs < want && !(page->n_pairs && r->arena->used > PAGE_BYTES)) {
		Kart__DupPair *p = pair_of(r, &st->res[st->pos++]);
		if (p)
			pairs[page->n_pairs++] = p;
	}
	record_pairs(r, pairs, page->n_pairs, "dup");
	r->out.body_case = KART__ENVELOPE__BODY_DUP_PAGE;
	r->out.dup_page = page;
	return st->pos >= st->n;
}

static void dup_release(struct stream *s, bool finished)
{
	(void)finished;
	struct dstream *st = s->state;
	if (st)
		free(st->res);
}

static void reply_pairs(struct req *r, struct djob *j)
{
	struct stream *s = stream_new(r, dup_page);
	struct dstream *st = s ? arena_alloc(&s->arena, sizeof(*st)) : NULL;
	if (!st) {
		if (s)
			stream_free(s);
		req_no_memory(r);
		return;
	}
	*st = (struct dstream){ .res = j->res, .n = j->nres, .cards = j->ncards, .partial = j->partial, .first = true };
	j->res = NULL; /* the stream's now */
	s->state = st;
	s->release = dup_release;
	req_stream(r, s);
}

static Kart__QualityItem *quality_item(struct req *r, struct djob *j, Kart__QualityProblem problem)
{
	Kart__QualityItem *it = arena_alloc(r->arena, sizeof(*it));
	if (!it)
		return NULL;
	kart__quality_item__init(it);
	it->problem = problem;
	if (problem == KART__QUALITY_PROBLEM__QUALITY_DUPLICATES) {
		it->count = j->nres;
		size_t n = j->nres < j->limit ? j->nres : j->limit;
		if (n && !(it->pairs = arena_alloc(r->arena, n * sizeof(*it->pairs))))
			return NULL;
		for (size_t i = 0; i < n; i++) {
			Kart__DupPair *p = pair_of(r, &j->res[i]);
			if (p)
				it->pairs[it->n_pairs++] = p;
		}
		record_pairs(r, it->pairs, it->n_pairs, "quality");
		return it;
	}
	struct qlist *l = &j->q[problem - 1];
	it->count = l->count;
	if (l->n && !(it->cards = arena_alloc(r->arena, l->n * sizeof(*it->cards))))
		return NULL;
	for (size_t i = 0; i < l->n; i++) {
		Kart__Card *c = brief_card(r, l->ids[i]);
		if (c)
			it->cards[it->n_cards++] = c;
	}
	reads_record_cards(r, it->cards, it->n_cards, "quality", READ_LISTED);
	return it;
}

static void reply_quality(struct req *r, struct djob *j)
{
	Kart__QualityReport *rep = arena_alloc(r->arena, sizeof(*rep));
	Kart__QualityItem **items = arena_alloc(r->arena, (Q_N + 1) * sizeof(*items));
	if (!rep || !items) {
		req_no_memory(r);
		return;
	}
	kart__quality_report__init(rep);
	rep->cards = j->ncards;
	rep->stale_months = j->months;
	rep->items = items;
	if (!(r->txn = store_read_begin(&r->srv->store))) {
		req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "the database is busy; try again");
		return;
	}
	for (int p = KART__QUALITY_PROBLEM__QUALITY_NO_CONTACT; p <= KART__QUALITY_PROBLEM__QUALITY_DUPLICATES; p++) {
		Kart__QualityItem *it = quality_item(r, j, (Kart__QualityProblem)p);
		if (!it) {
			req_no_memory(r);
			return;
		}
		items[rep->n_items++] = it;
	}
	r->out.body_case = KART__ENVELOPE__BODY_QUALITY_REPORT;
	r->out.quality_report = rep;
}

static void job_reply(struct req_job *job, struct req *r, int status)
{
	struct djob *j = (struct djob *)job;
	if (status != 0)
		req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "the scan was cancelled");
	else if (j->code)
		req_error(r, j->code, j->field, "%s", j->message);
	else if (j->quality)
		reply_quality(r, j);
	else
		reply_pairs(r, j);
}

static int queue_job(struct req *r, struct djob *j)
{
	j->job.run = job_run;
	j->job.reply = job_reply;
	j->job.free = job_free;
	j->now = r->now;
	if (req_pool(r, &j->job) != 0) {
		free_job(j);
		return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "the server is busy; try again");
	}
	return H_DEFER;
}

int h_dup_find(struct req *r)
{
	Kart__DupFind *m = r->in->dup_find;
	struct util_zone zone;
	if (m->min_score > 100)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "min_score", "min_score: 0 to 100, not %u", m->min_score);
	if (cardq_client_zone(m->client_day, m->client_utc_offset, &zone) < 0)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "client_utc_offset",
				 "client_utc_offset: at most 18 hours either way");
	const char *where = m->where ? m->where : "";
	if (strlen(where) > 64 * 1024)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "where", "the filter is longer than 64 KiB");
	struct djob *j = calloc(1, sizeof(*j));
	if (!j || !(j->where = strdup(where))) {
		free(j);
		return req_no_memory(r);
	}
	j->min_score = m->min_score ? m->min_score : DUP_SCORE_DEFAULT;
	j->today = cardq_client_today(m->client_day, r->now);
	j->zone = zone;
	return queue_job(r, j);
}

/* The instant `months` calendar months before now (unix seconds, UTC). */
static int64_t months_before(int64_t now, unsigned months)
{
	time_t t = (time_t)now;
	struct tm tm;
	gmtime_r(&t, &tm);
	tm.tm_mon -= (int)months;
	return (int64_t)timegm(&tm);
}

int h_quality(struct req *r)
{
	Kart__Quality *m = r->in->quality;
	unsigned months = m->stale_months ? m->stale_months : 12;
	if (months > 1200)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "stale_months", "stale_months: 1 to 1200, not %u", months);
	if (m->list_limit > QUALITY_LIMIT_MAX)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "list_limit", "list_limit: 0 to %d, not %u",
				 QUALITY_LIMIT_MAX, m->list_limit);
	struct djob *j = calloc(1, sizeof(*j));
	if (!j || !(j->where = strdup(""))) {
		free(j);
		return req_no_memory(r);
	}
	j->quality = true;
	j->min_score = DUP_SCORE_DEFAULT;
	j->limit = m->list_limit ? m->list_limit : 20;
	j->months = months;
	j->stale_before = months_before(r->now / 1000000, months);
	j->today = cardq_today(r->now);
	return queue_job(r, j);
}
