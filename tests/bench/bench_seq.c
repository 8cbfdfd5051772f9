/* bench_seq: what kart-bench does one request after another on its main
 * connection: finding the range of card ids, defining the generated custom
 * fields before a load, and the timed --op segment and --op move. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "gen.h"
#include "kc.h"

#define ID_SEARCH_LIMIT (UINT64_C(1) << 40)

/* ---- id range discovery ------------------------------------------------ */

int list_cards(struct kc *c, uint32_t limit, int (*fn)(void *ud, const Kart__CardPage *p), void *ud,
	       struct kc_error *err)
{
	Kart__CardList list = KART__CARD_LIST__INIT;
	list.limit = limit;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	req.body_case = KART__ENVELOPE__BODY_CARD_LIST;
	req.card_list = &list;
	uint64_t rid = kc_send(c, &req, err);
	if (!rid)
		return -1;
	for (int rc = 0;;) {
		Kart__Envelope *e = kc_recv(c, err);
		if (!e)
			return -1;
		if (e->request_id != rid) {
			kc_env_free(e);
			continue;
		}
		int more = e->more;
		if (e->body_case == KART__ENVELOPE__BODY_ERROR) {
			kc_error_from(err, e->error);
			rc = -1;
		} else if (rc == 0 && e->body_case == KART__ENVELOPE__BODY_CARD_PAGE && e->card_page &&
			   fn(ud, e->card_page) < 0) {
			snprintf(err->message, sizeof(err->message), "out of memory");
			rc = -1;
		}
		kc_env_free(e);
		if (!more)
			return rc;
	}
}

static int note_lowest(void *ud, const Kart__CardPage *p)
{
	uint64_t *lowest = ud;
	for (size_t i = 0; i < p->n_cards; i++)
		if (!*lowest || p->cards[i]->id < *lowest)
			*lowest = p->cards[i]->id;
	return 0;
}

/* The lowest card id via CardList{limit 1}; 0 if there are no cards, with
 * *failed set on an error. */
static uint64_t lowest_id(struct kc *c, struct kc_error *err, int *failed)
{
	uint64_t lowest = 0;
	*failed = list_cards(c, 1, note_lowest, &lowest, err) < 0;
	return *failed ? 0 : lowest;
}

/* 1 if card id exists, 0 if NOT_FOUND, -1 on any other failure. */
static int card_exists(struct kc *c, uint64_t id, struct kc_error *err)
{
	Kart__CardGet get = KART__CARD_GET__INIT;
	get.id = id;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	req.body_case = KART__ENVELOPE__BODY_CARD_GET;
	req.card_get = &get;
	Kart__Envelope *e = kc_call(c, &req, err);
	if (!e)
		return err->code == KART__ERROR_CODE__NOT_FOUND ? 0 : -1;
	int ok = e->body_case == KART__ENVELOPE__BODY_CARD;
	kc_env_free(e);
	return ok ? 1 : -1;
}

/* Finds [lo, hi] assuming ids are dense from the lowest: gallops up from the
 * lowest id, then bisects between the last id found and the first missing. */
int discover_ids(struct kc *c, uint64_t *lo, uint64_t *hi, struct kc_error *err)
{
	int failed;
	uint64_t low = lowest_id(c, err, &failed);
	if (failed)
		return -1;
	if (!low) {
		snprintf(err->message, sizeof(err->message), "there are no cards: run --load first");
		return -1;
	}
	uint64_t have = low, missing = 0, step = 1;
	while (!missing) {
		uint64_t probe = have + step;
		if (probe > ID_SEARCH_LIMIT) {
			missing = ID_SEARCH_LIMIT + 1;
			break;
		}
		int ex = card_exists(c, probe, err);
		if (ex < 0)
			return -1;
		if (ex) {
			have = probe;
			step *= 2;
		} else {
			missing = probe;
		}
	}
	while (missing - have > 1) {
		uint64_t mid = have + (missing - have) / 2;
		int ex = card_exists(c, mid, err);
		if (ex < 0)
			return -1;
		if (ex)
			have = mid;
		else
			missing = mid;
	}
	*lo = low;
	*hi = have;
	return 0;
}

struct own {
	const char *user;
	uint64_t *ids;
	size_t n, cap;
};

static int note_own(void *ud, const Kart__CardPage *p)
{
	struct own *o = ud;
	for (size_t i = 0; i < p->n_cards; i++) {
		if (!p->cards[i]->owner || strcmp(p->cards[i]->owner, o->user) != 0)
			continue;
		if (o->n == o->cap) {
			size_t cap = o->cap ? o->cap * 2 : 4096;
			uint64_t *g = realloc(o->ids, cap * sizeof(*g));
			if (!g)
				return -1;
			o->ids = g;
			o->cap = cap;
		}
		o->ids[o->n++] = p->cards[i]->id;
	}
	return 0;
}

/* The ids of the cards `user` owns, read with one CardList (as that user: a
 * manager lists their own cards), into *ids (malloc'd). Returns how many, or
 * -1 after filling err. */
long own_ids(struct kc *c, const char *user, uint64_t **ids, struct kc_error *err)
{
	struct own o = { .user = user };
	int rc = list_cards(c, 0, note_own, &o, err);
	*ids = o.ids;
	return rc < 0 ? -1 : (long)o.n;
}

/* ---- custom fields ------------------------------------------------------ */

/* Defines the first n generated custom fields (FieldAdd; one that already
 * exists is fine), then checks with FieldList that each has the type the
 * generator's values need. Returns 0, or -1 after a message. */
int define_custom(struct kc *c, int n)
{
	struct kc_error err;
	int added = 0, existed = 0;
	for (int i = 0; i < n; i++) {
		struct gen_field_def d;
		gen_custom_def(i, &d);
		Kart__FieldDef def = KART__FIELD_DEF__INIT;
		def.name = d.name;
		def.type = d.type;
		def.n_values = d.nvalues;
		def.values = (char **)d.values;
		Kart__FieldAdd add = KART__FIELD_ADD__INIT;
		add.field = &def;
		Kart__Envelope req = KART__ENVELOPE__INIT;
		req.body_case = KART__ENVELOPE__BODY_FIELD_ADD;
		req.field_add = &add;
		Kart__Envelope *e = kc_call(c, &req, &err);
		if (e) {
			added++;
			kc_env_free(e);
		} else if (err.code == KART__ERROR_CODE__CONFLICT) {
			existed++;
		} else {
			fprintf(stderr, "kart-bench: defining custom field %s: %s\n", d.name, err.message);
			return -1;
		}
	}
	Kart__FieldList fl = KART__FIELD_LIST__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	req.body_case = KART__ENVELOPE__BODY_FIELD_LIST;
	req.field_list = &fl;
	Kart__Envelope *e = kc_call(c, &req, &err);
	if (!e || e->body_case != KART__ENVELOPE__BODY_FIELD_PAGE || !e->field_page) {
		fprintf(stderr, "kart-bench: listing the custom fields: %s\n", e ? "unexpected reply" : err.message);
		kc_env_free(e);
		return -1;
	}
	int bad = 0;
	for (int i = 0; i < n; i++) {
		struct gen_field_def d;
		gen_custom_def(i, &d);
		const Kart__FieldDef *have = NULL;
		for (size_t j = 0; j < e->field_page->n_fields && !have; j++)
			if (e->field_page->fields[j]->name && strcmp(e->field_page->fields[j]->name, d.name) == 0)
				have = e->field_page->fields[j];
		if (!have) {
			fprintf(stderr, "kart-bench: custom field %s is not listed after it was added\n", d.name);
			bad = 1;
		} else if (have->type != d.type) {
			fprintf(stderr, "kart-bench: custom field %s exists with another type (%d, want %d); "
				"remove it first\n", d.name, (int)have->type, (int)d.type);
			bad = 1;
		}
	}
	kc_env_free(e);
	if (bad)
		return -1;
	fprintf(stderr, "kart-bench: custom fields: %d (%d added, %d there already)\n", n, added, existed);
	return 0;
}

/* ---- segment and move ----------------------------------------------------- */

/* Sends one CardQuery and reads its replies to the end. The time until the
 * last frame goes to *ns; rows to *rows; a QueryResult's count to *count.
 * Returns 0, or -1 with err filled (a server error or a lost connection). */
static int timed_query(struct kc *c, const char *where, bool count, uint32_t limit, bool explain, int64_t *ns,
		       uint64_t *rows, uint64_t *count_out, char **plan, struct kc_error *err)
{
	Kart__CardQuery q = KART__CARD_QUERY__INIT;
	q.where = (char *)where;
	q.count = count;
	q.limit = limit;
	q.explain = explain;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	req.body_case = KART__ENVELOPE__BODY_CARD_QUERY;
	req.card_query = &q;
	int64_t t0 = mono_ns();
	uint64_t rid = kc_send(c, &req, err);
	if (!rid)
		return -1;
	int failed = 0;
	*rows = 0;
	for (;;) {
		Kart__Envelope *e = kc_recv(c, err);
		if (!e)
			return -1;
		if (e->request_id != rid) {
			kc_env_free(e);
			continue;
		}
		bool more = e->more;
		if (e->body_case == KART__ENVELOPE__BODY_ERROR) {
			kc_error_from(err, e->error);
			failed = 1;
		} else if (e->body_case == KART__ENVELOPE__BODY_CARD_PAGE && e->card_page) {
			*rows += e->card_page->n_cards;
		} else if (e->body_case == KART__ENVELOPE__BODY_QUERY_RESULT && e->query_result) {
			*count_out = e->query_result->count;
			if (plan && e->query_result->plan)
				*plan = strdup(e->query_result->plan);
		}
		kc_env_free(e);
		if (!more)
			break;
	}
	*ns = mono_ns() - t0;
	return failed ? -1 : 0;
}

/* --op segment: the filter's count, then its first 100 rows, run after run
 * on one connection, for --seconds if given, and at least --runs times. */
int run_segment(struct kc *c, const struct opts *o)
{
	static struct hist hc, hr;
	struct kc_error err;
	uint64_t count = 0, rows = 0, n = 0;
	int64_t ns;
	char *plan = NULL;
	memset(&hc, 0, sizeof(hc));
	memset(&hr, 0, sizeof(hr));
	/* once untimed, with the plan: it also warms the caches */
	if (timed_query(c, o->where, true, 0, true, &ns, &rows, &count, &plan, &err) < 0) {
		fprintf(stderr, "kart-bench: segment '%s': %s\n", o->where, err.message);
		return -1;
	}
	fprintf(stderr, "kart-bench: plan: %s\n", plan ? plan : "");
	free(plan);
	int runs = 0;
	int64_t end = mono_ns() + (int64_t)(o->seconds * 1e9);
	bool warned = false;
	while (runs < o->runs || (o->seconds_given && mono_ns() < end)) {
		if (timed_query(c, o->where, true, 0, false, &ns, &rows, &n, NULL, &err) < 0) {
			fprintf(stderr, "kart-bench: segment count: %s\n", err.message);
			return -1;
		}
		hist_add(&hc, (uint64_t)ns);
		count = n;
		if (timed_query(c, o->where, false, 100, false, &ns, &rows, &n, NULL, &err) < 0) {
			fprintf(stderr, "kart-bench: segment rows: %s\n", err.message);
			return -1;
		}
		hist_add(&hr, (uint64_t)ns);
		uint64_t want = count < 100 ? count : 100;
		if (rows != want && !warned) {
			fprintf(stderr, "kart-bench: segment: %" PRIu64 " rows came back, the count says %" PRIu64 "\n",
				rows, want);
			warned = true;
		}
		runs++;
	}
	char c50[32], c99[32], r50[32], r99[32];
	fmt_ms(hist_quantile(&hc, 0.50), c50, sizeof(c50));
	fmt_ms(hist_quantile(&hc, 0.99), c99, sizeof(c99));
	fmt_ms(hist_quantile(&hr, 0.50), r50, sizeof(r50));
	fmt_ms(hist_quantile(&hr, 0.99), r99, sizeof(r99));
	printf("op=segment where='%s': count=%" PRIu64 "  count p50=%s p99=%s ms  first100 p50=%s p99=%s ms  runs=%d\n",
	       o->where, count, c50, c99, r50, r99, runs);
	return 0;
}

/* --op move: one BulkMove, timed. */
int run_move(struct kc *c, const struct opts *o)
{
	struct kc_error err;
	Kart__BulkMove m = KART__BULK_MOVE__INIT;
	m.where = (char *)o->where;
	m.sector = (char *)o->sector;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	req.body_case = KART__ENVELOPE__BODY_BULK_MOVE;
	req.bulk_move = &m;
	int64_t t0 = mono_ns();
	Kart__Envelope *e = kc_call(c, &req, &err);
	double secs = (double)(mono_ns() - t0) / 1e9;
	if (!e) {
		fprintf(stderr, "kart-bench: move '%s' to %s: %s\n", o->where, o->sector, err.message);
		return -1;
	}
	if (e->body_case != KART__ENVELOPE__BODY_QUERY_RESULT || !e->query_result) {
		fprintf(stderr, "kart-bench: move: unexpected reply\n");
		kc_env_free(e);
		return -1;
	}
	printf(secs < 1.0 ? "op=move: moved %" PRIu64 " cards in %.3f s\n" : "op=move: moved %" PRIu64 " cards in %.1f s\n",
	       e->query_result->count, secs);
	kc_env_free(e);
	return 0;
}
