/* h_import: kart import on the server — ImportBegin, ImportBatch, ImportEnd
 * (writes), ImportList (read), ImportUndo (write).
 *
 * An import is a record (imports: id -> ImportRecord) and, for each card it
 * created or merged into, an item (import_items: import id, card id -> kind,
 * the version before and the version it left), so that undo knows what to
 * take back and whether the card was edited since. A batch is one writer
 * transaction: its rows, the record's rows_done and totals, and one audit
 * event commit together, so a batch sent again after a lost reply finds its
 * rows at or below rows_done and does not apply them twice.
 *
 * Duplicates are found by exact keys only — a phone's ix_phone key (its
 * E.164 digits), an email folded as ix_email holds it — among the cards the
 * importer sees; a card out of their scope is never matched, merged into or
 * named. Rows of one batch are not in the indexes until card_create_many
 * writes them at its end, so the batch keeps its own table of keys. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "acl.h"
#include "audit.h"
#include "card.h"
#include "handlers.h"
#include "index.h"
#include "log.h"
#include "req.h"
#include "schema.h"
#include "text.h"
#include "user.h"

#define IMPORT_ROWS_MAX 5000
#define IMPORT_FILES_MAX 1000  /* names an import keeps, */
#define IMPORT_NAME_MAX 1024   /* each at most this long (and client_options) */
#define IMPORT_TAGS_MAX 64
#define IMPORT_LIST_MAX 500    /* kart imports: the newest ones */
#define UNDO_SLICE 5000          /* cards taken back per transaction */
#define SIMILAR_MAX 3
#define SIMILAR_SCAN 64          /* cards of the same last name looked at for a suggestion */

enum { ITEM_CREATED = 1, ITEM_MERGED = 2 };
#define ITEM_LEN 17

/* ---- permission, record ---- */

bool may_import(const Kart__User *u)
{
	if (u->role == KART__ROLE__ROLE_AUDITOR)
		return false;
	if (u->import_set)
		return u->can_import;
	return u->role == KART__ROLE__ROLE_ADMIN || u->role == KART__ROLE__ROLE_SUPERVISOR;
}

static int import_allowed(struct req *r)
{
	Kart__UserRecord *u;
	int rc = user_load(r->txn, &r->srv->store, r->who.user, &r->arena->pb, &u);
	if (rc && rc != MDB_NOTFOUND)
		return rc;
	if (rc == 0 && may_import(u->user))
		return H_OK;
	audit_note_later(r, "import.denied", "import", 0, false, "no import permission");
	return req_error(r, KART__ERROR_CODE__PERMISSION_DENIED, "",
			 "permission denied: you may not import cards (an admin can allow it: kart user grant %s import)",
			 r->who.user);
}

static int no_import(struct req *r, uint64_t id)
{
	return req_error(r, KART__ERROR_CODE__NOT_FOUND, "id", "no import %" PRIu64, id);
}

static bool import_mine(const struct req *r, const Kart__ImportRecord *rec)
{
	return r->who.role == KART__ROLE__ROLE_ADMIN || strcmp(rec->user ? rec->user : "", r->who.user) == 0;
}

/* Import id as r's user may see it: another's answers like a missing one. */
static int load_record(struct req *r, uint64_t id, Kart__ImportRecord **out)
{
	MDB_val v;
	int rc = id ? store_get_id(r->txn, r->srv->store.imports, id, &v) : MDB_NOTFOUND;
	if (rc == MDB_NOTFOUND)
		return no_import(r, id);
	if (rc)
		return rc;
	*out = kart__import_record__unpack(&r->arena->pb, v.mv_size, v.mv_data);
	if (!*out)
		return MDB_CORRUPTED;
	if (!import_mine(r, *out))
		return no_import(r, id);
	return H_OK;
}

static int save_record(struct req *r, const Kart__ImportRecord *rec)
{
	uint8_t key[8];
	store_u64_key(rec->id, key);
	MDB_val k = { 8, key }, v = { kart__import_record__get_packed_size(rec), NULL };
	int rc = mdb_put(r->txn, r->srv->store.imports, &k, &v, MDB_RESERVE);
	if (!rc)
		kart__import_record__pack(rec, v.mv_data);
	return rc;
}

static const char *state_word(Kart__ImportState s)
{
	switch (s) {
	case KART__IMPORT_STATE__IMPORT_STATE_RUNNING:
		return "running";
	case KART__IMPORT_STATE__IMPORT_STATE_DONE:
		return "done";
	case KART__IMPORT_STATE__IMPORT_STATE_ABORTED:
		return "aborted";
	case KART__IMPORT_STATE__IMPORT_STATE_UNDONE:
		return "undone";
	default:
		return "unknown";
	}
}

static Kart__ImportStatus *status_of(struct req *r, const Kart__ImportRecord *rec)
{
	Kart__ImportStatus *st = arena_alloc(r->arena, sizeof(*st));
	if (!st)
		return NULL;
	kart__import_status__init(st);
	st->id = rec->id;
	st->state = rec->state;
	st->rows_done = rec->rows_done;
	st->created = rec->created;
	st->merged = rec->merged;
	st->skipped = rec->skipped;
	st->failed = rec->failed;
	st->client_options = rec->client_options;
	st->files = rec->files;
	st->n_files = rec->n_files;
	st->fingerprint = rec->fingerprint;
	r->out.body_case = KART__ENVELOPE__BODY_IMPORT_STATUS;
	r->out.import_status = st;
	return st;
}

/* The files for an audit record: the first ones, each clipped, then how
 * many more (bounded, whatever the import names). */
static const char *files_text(struct arena *a, const Kart__ImportRecord *rec)
{
	char buf[600];
	size_t used = 0, i = 0;
	buf[0] = 0;
	for (; i < rec->n_files && used < 400; i++)
		used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s", i ? ", " : "",
					 text_clip(a, rec->files[i], 60));
	if (i < rec->n_files)
		snprintf(buf + used, sizeof(buf) - used, " and %zu more", rec->n_files - i);
	const char *s = arena_strdup(a, buf);
	return s ? s : "";
}

/* ---- ImportBegin ---- */

/* The options of a new import, checked: an owner r's user may hand work to,
 * tags as card add takes them, file names and options without what a
 * terminal would act on. */
static int check_begin(struct req *r, const Kart__ImportBegin *m)
{
	int rc;
	if (m->owner && *m->owner && (rc = acl_check_owner(r, m->owner, "owner", NULL)))
		return rc;
	Kart__Card tmp = KART__CARD__INIT;
	uint64_t seen = 0;
	for (size_t i = 0; i < m->n_tags; i++)
		if ((rc = card_set_op(r, &tmp, "tags", m->tags[i], KART__LIST_OP__LIST_OP_ADD, &seen)))
			return rc;
	if (m->n_files > IMPORT_FILES_MAX || m->n_tags > IMPORT_TAGS_MAX)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, m->n_files > IMPORT_FILES_MAX ? "files" : "tags",
				 "an import names at most %d files and %d tags", IMPORT_FILES_MAX, IMPORT_TAGS_MAX);
	for (size_t i = 0; i < m->n_files; i++) {
		if (strlen(m->files[i]) > IMPORT_NAME_MAX)
			return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "files", "a file name is longer than %d bytes",
					 IMPORT_NAME_MAX);
		if ((rc = req_check_text(r, "files", m->files[i], false)))
			return rc;
	}
	if ((m->client_options && strlen(m->client_options) > IMPORT_NAME_MAX) ||
	    (m->fingerprint && strlen(m->fingerprint) > 128))
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "client_options", "client_options or fingerprint too long");
	if ((rc = req_check_text(r, "client_options", m->client_options ? m->client_options : "", false)) ||
	    (rc = req_check_text(r, "fingerprint", m->fingerprint ? m->fingerprint : "", false)))
		return rc;
	if (m->on_duplicate < KART__ON_DUPLICATE__ON_DUPLICATE_UNSPECIFIED ||
	    m->on_duplicate > KART__ON_DUPLICATE__ON_DUPLICATE_CREATE)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "on_duplicate", "on_duplicate: unknown value %d",
				 (int)m->on_duplicate);
	return H_OK;
}

static int resume(struct req *r, const Kart__ImportBegin *m)
{
	Kart__ImportRecord *rec;
	int rc = load_record(r, m->id, &rec);
	if (rc)
		return rc;
	if (m->dry_run)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "dry_run", "a dry run is not resumed: run it again");
	if (rec->state != KART__IMPORT_STATE__IMPORT_STATE_RUNNING)
		return req_error(r, KART__ERROR_CODE__CONFLICT, "id", "import %" PRIu64 " is %s: only a running import resumes",
				 rec->id, state_word(rec->state));
	if (strcmp(rec->fingerprint ? rec->fingerprint : "", m->fingerprint ? m->fingerprint : "") != 0)
		return req_error(r, KART__ERROR_CODE__CONFLICT, "fingerprint",
				 "import %" PRIu64 " was begun with other input (its fingerprint differs): resume it with the same files and options",
				 rec->id);
	return status_of(r, rec) ? H_OK : ENOMEM;
}

int h_import_begin(struct req *r)
{
	Kart__ImportBegin *m = r->in->import_begin;
	int rc = import_allowed(r);
	if (rc)
		return rc;
	if (m->id)
		return resume(r, m);
	if ((rc = check_begin(r, m)))
		return rc;
	Kart__ImportRecord rec = KART__IMPORT_RECORD__INIT;
	rec.user = r->who.user;
	rec.started_at = r->now / 1000000;
	rec.state = KART__IMPORT_STATE__IMPORT_STATE_RUNNING;
	rec.files = m->files;
	rec.n_files = m->n_files;
	rec.owner = m->owner;
	rec.tags = m->tags;
	rec.n_tags = m->n_tags;
	rec.on_duplicate = m->on_duplicate ? m->on_duplicate : KART__ON_DUPLICATE__ON_DUPLICATE_SKIP;
	rec.fingerprint = m->fingerprint;
	rec.client_options = m->client_options;
	if (m->dry_run)
		return status_of(r, &rec) ? H_OK : ENOMEM; /* id 0: nothing is stored */
	if ((rc = store_next_id(r->txn, &r->srv->store, "next_import_id", &rec.id)) || (rc = save_record(r, &rec)))
		return rc;
	if ((rc = audit_append(r, "import.begin", "import", rec.id, files_text(r->arena, &rec),
			       arena_printf(r->arena, "import %" PRIu64 " begun: %s", rec.id, files_text(r->arena, &rec)), true)))
		return rc;
	return status_of(r, &rec) ? H_OK : ENOMEM;
}

/* ---- ImportBatch ---- */

/* A duplicate key as the indexes hold it, with its index: 'p' and the
 * ix_phone key, or 'e' and the folded email. */
struct dkey {
	const char *bytes;           /* after the tag byte */
	size_t len;
	char tag;
	const char *shown;           /* for matched_by: "+7917…", "a@b.ru" */
};

/* The batch's own keys: rows not written yet, key -> index into `cards`. */
struct keytab {
	struct dkey *k;
	size_t *card;
	size_t cap, n;
};

static uint64_t key_hash(const struct dkey *k)
{
	uint64_t h = 1469598103934665603ull ^ (uint8_t)k->tag;
	for (size_t i = 0; i < k->len; i++)
		h = (h ^ (uint8_t)k->bytes[i]) * 1099511628211ull;
	return h;
}

static bool key_eq(const struct dkey *a, const struct dkey *b)
{
	return a->tag == b->tag && a->len == b->len && memcmp(a->bytes, b->bytes, a->len) == 0;
}

static int keytab_init(struct keytab *t, struct arena *a, size_t rows)
{
	t->cap = 64;
	while (t->cap < rows * 8)
		t->cap <<= 1;
	t->n = 0;
	t->k = arena_alloc(a, t->cap * sizeof(*t->k));
	t->card = arena_alloc(a, t->cap * sizeof(*t->card));
	if (!t->k || !t->card)
		return ENOMEM;
	memset(t->k, 0, t->cap * sizeof(*t->k));
	return 0;
}

/* The slot of k: where it is, or the empty one where it would go. */
static size_t keytab_slot(const struct keytab *t, const struct dkey *k)
{
	size_t i = key_hash(k) & (t->cap - 1);
	while (t->k[i].tag && !key_eq(&t->k[i], k))
		i = (i + 1) & (t->cap - 1);
	return i;
}

static void keytab_put(struct keytab *t, const struct dkey *k, size_t card)
{
	if (t->n * 2 >= t->cap)
		return; /* full enough: later rows are matched through the indexes only */
	size_t i = keytab_slot(t, k);
	if (!t->k[i].tag) {
		t->k[i] = *k;
		t->card[i] = card;
		t->n++;
	}
}

/* The row's keys (its card normalised), in the arena. */
static size_t row_keys(struct req *r, const Kart__Card *c, struct dkey **out)
{
	size_t n = 0;
	*out = arena_alloc(r->arena, (c->n_phones + c->n_emails + 1) * sizeof(**out));
	if (!*out)
		return 0;
	for (size_t i = 0; i < c->n_phones; i++) {
		const char *src = i < c->n_phones_e164 && c->phones_e164[i][0] ? c->phones_e164[i] : c->phones[i];
		char key[32];
		size_t len = index_phone_key(src, key, sizeof(key));
		char *b = len ? arena_alloc(r->arena, len) : NULL;
		if (!b)
			continue;
		memcpy(b, key, len);
		(*out)[n++] = (struct dkey){ b, len, 'p', src };
	}
	for (size_t i = 0; i < c->n_emails; i++) {
		char *f = text_fold(r->arena, c->emails[i]);
		if (f && *f)
			(*out)[n++] = (struct dkey){ f, strlen(f), 'e', c->emails[i] };
	}
	return n;
}

/* The first card under key k in its index that r's user sees (0: none). */
static int find_visible(struct req *r, const struct dkey *k, Kart__Card **out)
{
	struct store *st = &r->srv->store;
	*out = NULL;
	MDB_cursor *cur;
	int rc = mdb_cursor_open(r->txn, k->tag == 'p' ? st->ix_phone : st->ix_email, &cur);
	if (rc)
		return rc;
	MDB_val key = { k->len, (void *)k->bytes }, v;
	for (rc = mdb_cursor_get(cur, &key, &v, MDB_SET_KEY); rc == 0; rc = mdb_cursor_get(cur, &key, &v, MDB_NEXT_DUP)) {
		Kart__Card *c;
		int lrc = card_load(r->txn, st->cards, store_key_u64(v.mv_data), r->arena, &c);
		if (lrc == MDB_NOTFOUND)
			continue;
		if (lrc) {
			rc = lrc;
			break;
		}
		if (acl_visible(r, c)) {
			*out = c;
			break;
		}
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Up to SIMILAR_MAX visible cards with the row's folded last and first
 * name: suggestions only, from ix_name, looking at a few cards at most. */
static int find_similar(struct req *r, const Kart__Card *c, uint64_t **out, size_t *n)
{
	*n = 0;
	if (!c->last_name || !*c->last_name || !c->first_name || !*c->first_name)
		return 0;
	char *last = text_fold(r->arena, c->last_name), *first = text_fold(r->arena, c->first_name);
	char **lw, **fw;
	if (!last || !first || !text_words(r->arena, last, &lw) || !text_words(r->arena, first, &fw))
		return 0;
	*out = arena_alloc(r->arena, SIMILAR_MAX * sizeof(**out));
	if (!*out)
		return ENOMEM;
	struct store *st = &r->srv->store;
	MDB_cursor *cur, *cur2;
	int rc = mdb_cursor_open(r->txn, st->ix_name, &cur);
	if (rc)
		return rc;
	if ((rc = mdb_cursor_open(r->txn, st->ix_name, &cur2))) {
		mdb_cursor_close(cur);
		return rc;
	}
	MDB_val k = { strlen(lw[0]), lw[0] }, v;
	int looked = 0;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY); rc == 0 && *n < SIMILAR_MAX && looked++ < SIMILAR_SCAN;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP)) {
		MDB_val k2 = { strlen(fw[0]), fw[0] }, v2 = v;
		if (mdb_cursor_get(cur2, &k2, &v2, MDB_GET_BOTH) != 0)
			continue;
		Kart__Card *s;
		uint64_t id = store_key_u64(v.mv_data);
		if (card_load_brief(r->txn, st->cards, id, r->arena, &s) == 0 && acl_visible(r, s))
			(*out)[(*n)++] = id;
	}
	mdb_cursor_close(cur2);
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND || rc == 0 ? 0 : rc;
}

/* Records what import did to card. A card created by this batch (fresh) has
 * no item yet; another may have one from an earlier batch of the import. */
static int item_put(struct req *r, uint64_t import, uint64_t card, int kind, uint64_t before, uint64_t after, bool fresh)
{
	uint8_t key[16], val[ITEM_LEN];
	store_u64_key(import, key);
	store_u64_key(card, key + 8);
	MDB_val k = { 16, key }, v;
	int rc = fresh ? MDB_NOTFOUND : mdb_get(r->txn, r->srv->store.import_items, &k, &v);
	if (rc == 0 && v.mv_size == ITEM_LEN) {
		/* this import touched the card before: it keeps how it began */
		kind = ((const uint8_t *)v.mv_data)[0];
		before = store_key_u64((const uint8_t *)v.mv_data + 1);
	} else if (rc && rc != MDB_NOTFOUND) {
		return rc;
	}
	val[0] = (uint8_t)kind;
	store_u64_key(before, val + 1);
	store_u64_key(after, val + 9);
	v.mv_size = ITEM_LEN;
	v.mv_data = val;
	return mdb_put(r->txn, r->srv->store.import_items, &k, &v, 0);
}

struct batch {
	Kart__ImportRecord *rec;
	bool dry;
	Kart__Card **cards;          /* to create */
	size_t ncards;
	size_t *pending;             /* per result: index into cards it names, or SIZE_MAX */
	Kart__ImportRowResult **res;
	size_t nres;
	struct keytab keys;
	uint64_t created, merged, skipped, failed;
	const char *merged_ids;
};

static Kart__ImportRowResult *result(struct req *r, struct batch *b, uint64_t row, Kart__ImportOutcome o)
{
	Kart__ImportRowResult *x = arena_alloc(r->arena, sizeof(*x));
	if (!x)
		return NULL;
	kart__import_row_result__init(x);
	x->row = row;
	x->outcome = o;
	b->pending[b->nres] = SIZE_MAX;
	b->res[b->nres++] = x;
	return x;
}

/* The row's fields with the import's owner (when the row names none) and tags. */
static Kart__FieldValue **row_fields(struct req *r, const Kart__ImportRecord *rec, const Kart__ImportRow *row, size_t *n)
{
	Kart__FieldValue **fv = arena_alloc(r->arena, (row->n_fields + rec->n_tags + 1) * sizeof(*fv));
	if (!fv)
		return NULL;
	bool owner = false;
	*n = 0;
	for (size_t i = 0; i < row->n_fields; i++) {
		owner |= row->fields[i]->field && strcmp(row->fields[i]->field, "owner") == 0;
		fv[(*n)++] = row->fields[i];
	}
	Kart__FieldValue *extra = arena_alloc(r->arena, (rec->n_tags + 1) * sizeof(*extra));
	if (!extra)
		return NULL;
	if (!owner && rec->owner && *rec->owner) {
		kart__field_value__init(extra);
		extra->field = (char *)"owner";
		extra->value = rec->owner;
		fv[(*n)++] = extra++;
	}
	for (size_t i = 0; i < rec->n_tags; i++, extra++) {
		kart__field_value__init(extra);
		extra->field = (char *)"tags";
		extra->value = rec->tags[i];
		extra->op = KART__LIST_OP__LIST_OP_ADD;
		fv[(*n)++] = extra;
	}
	return fv;
}

static void failed_row(struct req *r, struct batch *b, uint64_t row, const struct req *sub)
{
	Kart__ImportRowResult *x = result(r, b, row, KART__IMPORT_OUTCOME__IMPORT_OUTCOME_FAILED);
	Kart__Error *e = arena_alloc(r->arena, sizeof(*e));
	b->failed++;
	if (!x || !e)
		return;
	kart__error__init(e);
	if (sub->out.error) {
		e->code = sub->out.error->code;
		e->message = sub->out.error->message;
		e->field = sub->out.error->field;
	}
	x->error = e;
}

/* Merges row card c into the stored card d (a duplicate r's user sees). */
static int merge_stored(struct req *r, struct batch *b, Kart__Card *d, const Kart__Card *c, const char **conf)
{
	Kart__Card *before = card_copy(r->arena, d);
	if (!before)
		return ENOMEM;
	int rc = card_merge(r, d, c, conf);
	if (rc)
		return rc;
	if (!*card_diff(r->arena, before, d))
		return H_OK; /* it had it all: no new version */
	d->version++;
	d->updated_at = r->now / 1000000;
	d->updated_by = r->who.user;
	if ((rc = card_commit(r, before, d, CARD_LIVE)))
		return rc;
	if (!b->dry && (rc = item_put(r, b->rec->id, d->id, ITEM_MERGED, before->version, d->version, false)))
		return rc;
	if (!b->merged_ids || strlen(b->merged_ids) < 160)
		b->merged_ids = arena_printf(r->arena, "%s%s%" PRIu64, b->merged_ids ? b->merged_ids : "",
					     b->merged_ids ? "," : "", d->id);
	return H_OK;
}

/* One row: refused, a duplicate skipped or merged, or a card to create. */
static int one_row(struct req *r, struct batch *b, const Kart__ImportRow *row)
{
	struct req sub = *r;
	kart__envelope__init(&sub.out);
	if (row->client_error && *row->client_error) {
		/* the client could not read it: counted, reported by the client */
		req_error(&sub, KART__ERROR_CODE__BAD_REQUEST, "", "%.200s", row->client_error);
		failed_row(r, b, row->row, &sub);
		return 0;
	}
	size_t nf;
	Kart__FieldValue **fv = row_fields(r, b->rec, row, &nf);
	if (!fv)
		return ENOMEM;
	Kart__Card *c;
	int rc = card_build(&sub, fv, nf, &c);
	if (rc == H_ABORT) {
		failed_row(r, b, row->row, &sub);
		return 0;
	}
	if (rc)
		return rc;
	/* CREATE looks nothing up: a load stays a load */
	Kart__OnDuplicate od = b->rec->on_duplicate;
	struct dkey *keys = NULL;
	size_t nk = 0;
	if (od != KART__ON_DUPLICATE__ON_DUPLICATE_CREATE) {
		if ((rc = card_normalize(r, c)))
			return rc;
		nk = row_keys(r, c, &keys);
		for (size_t i = 0; i < nk; i++) {
			size_t slot = keytab_slot(&b->keys, &keys[i]), pend = SIZE_MAX;
			Kart__Card *d = NULL;
			if (b->keys.k[slot].tag)
				pend = b->keys.card[slot];
			else if ((rc = find_visible(r, &keys[i], &d)))
				return rc;
			if (pend == SIZE_MAX && !d)
				continue;
			const char *by = arena_printf(r->arena, "%s %s", keys[i].tag == 'p' ? "phone" : "email",
						      keys[i].shown);
			const char *conf = "";
			bool merge = od == KART__ON_DUPLICATE__ON_DUPLICATE_MERGE;
			if (merge && d && acl_masks(r, d)) {
				/* what a user sees masked they may not change (as kart dup
				 * merge): a merge would tell its values by its conflicts */
				merge = false;
				by = arena_printf(r->arena, "%s; not merged: some of its fields are masked for you", by);
			}
			if (merge) {
				kart__envelope__init(&sub.out);
				/* into a copy: a row refused halfway leaves the card as it was */
				Kart__Card *into = pend != SIZE_MAX ? card_copy(r->arena, b->cards[pend]) : NULL;
				if (pend != SIZE_MAX && !into)
					return ENOMEM;
				rc = into ? card_merge(&sub, into, c, &conf) : merge_stored(&sub, b, d, c, &conf);
				if (rc == H_OK && into)
					b->cards[pend] = into;
				if (rc == H_ABORT) {
					failed_row(r, b, row->row, &sub);
					return 0;
				}
				if (rc)
					return rc;
				if (pend != SIZE_MAX && (rc = card_normalize(r, b->cards[pend])))
					return rc;
				/* what the row brought now leads to the card too */
				for (size_t j = 0; j < nk && pend != SIZE_MAX; j++)
					keytab_put(&b->keys, &keys[j], pend);
			}
			Kart__ImportRowResult *x = result(r, b, row->row,
							  merge ? KART__IMPORT_OUTCOME__IMPORT_OUTCOME_MERGED
								: KART__IMPORT_OUTCOME__IMPORT_OUTCOME_SKIPPED);
			if (!x)
				return ENOMEM;
			b->pending[b->nres - 1] = pend;
			x->card_id = d ? d->id : 0;
			x->matched_by = (char *)(*conf ? arena_printf(r->arena, "%s; %s", by, conf) : by);
			if (merge)
				b->merged++;
			else
				b->skipped++;
			return 0;
		}
	}
	uint64_t *sim = NULL;
	size_t nsim = 0;
	if (od != KART__ON_DUPLICATE__ON_DUPLICATE_CREATE && (rc = find_similar(r, c, &sim, &nsim)))
		return rc;
	size_t at = b->ncards++;
	b->cards[at] = c;
	for (size_t i = 0; i < nk && od != KART__ON_DUPLICATE__ON_DUPLICATE_CREATE; i++)
		keytab_put(&b->keys, &keys[i], at);
	b->created++;
	if (nsim) {
		Kart__ImportRowResult *x = result(r, b, row->row, KART__IMPORT_OUTCOME__IMPORT_OUTCOME_CREATED);
		if (!x)
			return ENOMEM;
		b->pending[b->nres - 1] = at;
		x->similar = sim;
		x->n_similar = nsim;
	}
	return 0;
}

/* The rows of a batch as numbered: 1 to IMPORT_ROWS_MAX, consecutive,
 * starting at or before the import's next row. */
static int check_rows(struct req *r, const Kart__ImportBatch *m, const Kart__ImportRecord *rec)
{
	if (m->n_rows == 0 || m->n_rows > IMPORT_ROWS_MAX)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "rows", "a batch carries 1 to %d rows, not %zu",
				 IMPORT_ROWS_MAX, m->n_rows);
	uint64_t first = m->rows[0]->row;
	for (size_t i = 0; i < m->n_rows; i++)
		if (m->rows[i]->row != first + i)
			return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "rows",
					 "rows are numbered one after another: row %" PRIu64 " follows row %" PRIu64,
					 m->rows[i]->row, i ? m->rows[i - 1]->row : 0);
	if (first == 0 || first > rec->rows_done + 1)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "rows",
				 "import %" PRIu64 " goes on from row %" PRIu64 ", not row %" PRIu64
				 " (rows 1-%" PRIu64 " are in)",
				 rec->id, rec->rows_done + 1, first, rec->rows_done);
	return H_OK;
}

/* The record a dry run's batch works with: nothing was stored, so the
 * ImportBegin it follows, if the client sends it along, gives the options. */
static Kart__ImportRecord *dry_record(struct req *r, const Kart__ImportBatch *m)
{
	Kart__ImportRecord *rec = arena_alloc(r->arena, sizeof(*rec));
	if (!rec)
		return NULL;
	kart__import_record__init(rec);
	rec->user = r->who.user;
	rec->state = KART__IMPORT_STATE__IMPORT_STATE_RUNNING;
	rec->on_duplicate = KART__ON_DUPLICATE__ON_DUPLICATE_SKIP;
	rec->rows_done = m->n_rows ? m->rows[0]->row - 1 : 0;
	const Kart__ImportBegin *o = m->begin;
	if (o) {
		rec->owner = o->owner;
		rec->tags = o->tags;
		rec->n_tags = o->n_tags;
		if (o->on_duplicate)
			rec->on_duplicate = o->on_duplicate;
	}
	return rec;
}

int h_import_batch(struct req *r)
{
	Kart__ImportBatch *m = r->in->import_batch;
	int rc = import_allowed(r);
	if (rc)
		return rc;
	struct batch b = { .dry = m->dry_run };
	if (m->dry_run && m->id)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "dry_run", "import %" PRIu64 " is not a dry run", m->id);
	if (m->dry_run) {
		if (!(b.rec = dry_record(r, m)))
			return ENOMEM;
		if (m->begin && (rc = check_begin(r, m->begin)))
			return rc;
	} else if ((rc = load_record(r, m->id, &b.rec))) {
		return rc;
	}
	if (b.rec->state != KART__IMPORT_STATE__IMPORT_STATE_RUNNING)
		return req_error(r, KART__ERROR_CODE__CONFLICT, "id", "import %" PRIu64 " is %s: it takes no more rows",
				 b.rec->id, state_word(b.rec->state));
	if ((rc = check_rows(r, m, b.rec)))
		return rc;
	if ((rc = schema_sync(schema_for(r), r->txn, &r->srv->store)))
		return rc;
	b.cards = arena_alloc(r->arena, m->n_rows * sizeof(*b.cards));
	b.res = arena_alloc(r->arena, m->n_rows * sizeof(*b.res));
	b.pending = arena_alloc(r->arena, m->n_rows * sizeof(*b.pending));
	if (!b.cards || !b.res || !b.pending || keytab_init(&b.keys, r->arena, m->n_rows))
		return ENOMEM;
	uint64_t done_before = 0;
	for (size_t i = 0; i < m->n_rows; i++) {
		const Kart__ImportRow *row = m->rows[i];
		if (row->row <= b.rec->rows_done) {
			if (!result(r, &b, row->row, KART__IMPORT_OUTCOME__IMPORT_OUTCOME_DONE_BEFORE))
				return ENOMEM;
			done_before++;
			continue;
		}
		if ((rc = one_row(r, &b, row)))
			return rc;
	}
	if (b.ncards && (rc = card_create_many(r, b.cards, b.ncards)))
		return rc;
	for (size_t i = 0; i < b.nres; i++)
		if (b.pending[i] != SIZE_MAX)
			b.res[i]->card_id = b.cards[b.pending[i]]->id;
	Kart__ImportRecord *rec = b.rec;
	uint64_t last = m->rows[m->n_rows - 1]->row;
	if (!b.dry && last > rec->rows_done) {
		for (size_t i = 0; i < b.ncards; i++)
			if ((rc = item_put(r, rec->id, b.cards[i]->id, ITEM_CREATED, 0, b.cards[i]->version, true)))
				return rc;
		uint64_t first = rec->rows_done + 1;
		rec->rows_done = last;
		rec->created += b.created;
		rec->merged += b.merged;
		rec->skipped += b.skipped;
		rec->failed += b.failed;
		if ((rc = save_record(r, rec)))
			return rc;
		const char *sum = arena_printf(r->arena,
					       "import %" PRIu64 " rows %" PRIu64 "-%" PRIu64 ": %" PRIu64 " created, %" PRIu64
					       " merged, %" PRIu64 " skipped, %" PRIu64 " failed%s%s",
					       rec->id, first, last, b.created, b.merged, b.skipped, b.failed,
					       b.merged_ids ? "; merged into " : "", b.merged_ids ? b.merged_ids : "");
		if ((rc = audit_append(r, "import.batch", "import", rec->id, files_text(r->arena, rec), sum, true)))
			return rc;
	}
	Kart__ImportStatus *st = status_of(r, rec);
	if (!st)
		return ENOMEM;
	st->rows = b.res;
	st->n_rows = b.nres;
	if (b.ncards) {
		st->first_created = b.cards[0]->id;
		st->last_created = b.cards[b.ncards - 1]->id;
	}
	if (b.dry) {
		/* what would happen, told; nothing of it kept */
		st->rows_done = last;
		st->created = b.created;
		st->merged = b.merged;
		st->skipped = b.skipped;
		st->failed = b.failed;
		return H_ABORT;
	}
	return H_OK;
}

/* ---- ImportEnd ---- */

int h_import_end(struct req *r)
{
	Kart__ImportEnd *m = r->in->import_end;
	int rc = import_allowed(r);
	if (rc)
		return rc;
	Kart__ImportRecord *rec;
	if (!m->id) {
		/* a dry run's end: nothing to close */
		Kart__ImportRecord dry = KART__IMPORT_RECORD__INIT;
		dry.state = m->abort ? KART__IMPORT_STATE__IMPORT_STATE_ABORTED : KART__IMPORT_STATE__IMPORT_STATE_DONE;
		return status_of(r, &dry) ? H_OK : ENOMEM;
	}
	if ((rc = load_record(r, m->id, &rec)))
		return rc;
	if (rec->state != KART__IMPORT_STATE__IMPORT_STATE_RUNNING)
		return req_error(r, KART__ERROR_CODE__CONFLICT, "id", "import %" PRIu64 " is %s already", rec->id,
				 state_word(rec->state));
	rec->state = m->abort ? KART__IMPORT_STATE__IMPORT_STATE_ABORTED : KART__IMPORT_STATE__IMPORT_STATE_DONE;
	rec->ended_at = r->now / 1000000;
	if ((rc = save_record(r, rec)))
		return rc;
	const char *sum = arena_printf(r->arena,
				       "import %" PRIu64 " %s: %" PRIu64 " rows, %" PRIu64 " created, %" PRIu64
				       " merged, %" PRIu64 " skipped, %" PRIu64 " failed; files: %s",
				       rec->id, m->abort ? "aborted" : "done", rec->rows_done, rec->created, rec->merged,
				       rec->skipped, rec->failed, files_text(r->arena, rec));
	if ((rc = audit_append(r, "import", "import", rec->id, files_text(r->arena, rec), sum, true)))
		return rc;
	return status_of(r, rec) ? H_OK : ENOMEM;
}

/* ---- ImportList (read) ---- */

int h_import_list(struct req *r)
{
	Kart__ImportPage *page = arena_alloc(r->arena, sizeof(*page));
	if (!page)
		return req_no_memory(r);
	kart__import_page__init(page);
	MDB_cursor *cur;
	int rc = mdb_cursor_open(r->txn, r->srv->store.imports, &cur);
	if (rc)
		return req_store_error(r, rc, "list imports");
	size_t cap = 0;
	MDB_val k, v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_LAST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_PREV)) {
		Kart__ImportRecord *rec = kart__import_record__unpack(&r->arena->pb, v.mv_size, v.mv_data);
		if (!rec || !import_mine(r, rec))
			continue;
		if (page->n_imports == IMPORT_LIST_MAX)
			break; /* the newest ones */
		if (page->n_imports == cap) {
			cap = cap ? cap * 2 : 32;
			Kart__ImportRecord **na = arena_alloc(r->arena, cap * sizeof(*na));
			if (!na) {
				mdb_cursor_close(cur);
				return req_no_memory(r);
			}
			if (page->n_imports)
				memcpy(na, page->imports, page->n_imports * sizeof(*na));
			page->imports = na;
		}
		page->imports[page->n_imports++] = rec;
	}
	mdb_cursor_close(cur);
	if (rc != MDB_NOTFOUND)
		return req_store_error(r, rc, "list imports");
	r->out.body_case = KART__ENVELOPE__BODY_IMPORT_PAGE;
	r->out.import_page = page;
	return H_OK;
}

/* ---- ImportUndo ---- */

struct undo {
	Kart__ImportUndoResult *res;
	size_t kept_cap, gone_cap;
	bool force;
	const char *notes;           /* what was kept and why, for the audit */
};

static int push_id(struct arena *a, uint64_t **arr, size_t *n, size_t *cap, uint64_t id)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		uint64_t *na = arena_alloc(a, *cap * sizeof(*na));
		if (!na)
			return ENOMEM;
		if (*n)
			memcpy(na, *arr, *n * sizeof(*na));
		*arr = na;
	}
	(*arr)[(*n)++] = id;
	return 0;
}

static int kept(struct req *r, struct undo *u, uint64_t id, const char *why)
{
	if (u->notes && strlen(u->notes) < 200)
		u->notes = arena_printf(r->arena, "%s%s%" PRIu64 " (%s)", u->notes, *u->notes ? "; " : "", id,
					text_clip(r->arena, why, 60));
	return push_id(r->arena, &u->res->kept, &u->res->n_kept, &u->kept_cap, id);
}

static int history_load(struct req *r, uint64_t id, uint64_t version, Kart__Card **out)
{
	uint8_t hk[16];
	card_history_key(id, version, hk);
	MDB_val k = { 16, hk }, v;
	int rc = mdb_get(r->txn, r->srv->store.history, &k, &v);
	if (rc)
		return rc;
	*out = kart__card__unpack(&r->arena->pb, v.mv_size, v.mv_data);
	return *out ? 0 : MDB_CORRUPTED;
}

static void touch(struct req *r, Kart__Card *c)
{
	c->version++;
	c->updated_at = r->now / 1000000;
	c->updated_by = r->who.user;
}

/* A card the import created goes to the trash, as card delete moves it. */
static int undo_created(struct req *r, struct undo *u, Kart__Card *c, uint64_t left)
{
	if (c->version > left && !u->force)
		return kept(r, u, c->id, arena_printf(r->arena, "edited since: version %" PRIu64 ", the import left %" PRIu64,
						      c->version, left));
	Kart__Card *before = card_copy(r->arena, c);
	if (!before)
		return ENOMEM;
	touch(r, c);
	c->deleted_at = r->now / 1000000;
	c->deleted_by = r->who.user;
	int rc = card_commit(r, before, c, CARD_TRASHED);
	if (!rc)
		u->res->removed++;
	return rc;
}

/* A card the import merged into gets back, field by field, what it had. */
static int undo_merged(struct req *r, struct undo *u, Kart__Card *c, uint64_t vbefore, uint64_t vafter)
{
	if (acl_masks(r, c))
		return kept(r, u, c->id, "some of its fields are masked for you");
	Kart__Card *before, *after = c;
	int rc = history_load(r, c->id, vbefore, &before);
	if (!rc && c->version != vafter)
		rc = history_load(r, c->id, vafter, &after);
	if (rc == MDB_NOTFOUND)
		return kept(r, u, c->id, "its history is gone");
	if (rc)
		return rc;
	Kart__Card *now = card_copy(r->arena, c);
	const char *k = "";
	if (!now)
		return ENOMEM;
	struct req sub = *r;
	kart__envelope__init(&sub.out);
	rc = card_unmerge(&sub, c, before, after, u->force, &k);
	if (rc == H_ABORT)
		return kept(r, u, c->id, sub.out.error && sub.out.error->message ? sub.out.error->message : "refused");
	if (rc)
		return rc;
	if (*card_diff(r->arena, now, c)) {
		touch(r, c);
		if ((rc = card_commit(r, now, c, CARD_LIVE)))
			return rc;
		u->res->reverted++;
	}
	return *k ? kept(r, u, c->id, arena_printf(r->arena, "changed since: %s", k)) : 0;
}

/* One slice of the import's items, from card id *next on; *next is 0 after the last. */
static int undo_slice(struct req *r, struct undo *u, uint64_t import, uint64_t *next)
{
	struct store *st = &r->srv->store;
	MDB_cursor *cur;
	int rc = mdb_cursor_open(r->txn, st->import_items, &cur);
	if (rc)
		return rc;
	uint8_t key[16];
	store_u64_key(import, key);
	store_u64_key(*next, key + 8);
	MDB_val k = { 16, key }, v;
	size_t n = 0;
	*next = 0;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 16 || store_key_u64(k.mv_data) != import || v.mv_size != ITEM_LEN)
			break;
		uint64_t id = store_key_u64((const uint8_t *)k.mv_data + 8);
		if (n++ == UNDO_SLICE) {
			*next = id;
			break;
		}
		uint8_t kind = ((const uint8_t *)v.mv_data)[0];
		uint64_t vb = store_key_u64((const uint8_t *)v.mv_data + 1), va = store_key_u64((const uint8_t *)v.mv_data + 9);
		Kart__Card *c;
		int lrc = card_load(r->txn, st->cards, id, r->arena, &c);
		if (lrc == 0 && !acl_visible(r, c))
			lrc = MDB_NOTFOUND; /* handed out of the user's sight since: not theirs to take back */
		if (lrc == MDB_NOTFOUND)
			lrc = push_id(r->arena, &u->res->gone, &u->res->n_gone, &u->gone_cap, id);
		else if (!lrc)
			lrc = kind == ITEM_CREATED ? undo_created(r, u, c, va) : undo_merged(r, u, c, vb, va);
		if (lrc) {
			rc = lrc;
			break;
		}
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

int h_import_undo(struct req *r)
{
	Kart__ImportUndo *m = r->in->import_undo;
	int rc = import_allowed(r);
	if (rc)
		return rc;
	Kart__ImportRecord *rec;
	if ((rc = load_record(r, m->id, &rec)))
		return rc;
	if (rec->state == KART__IMPORT_STATE__IMPORT_STATE_UNDONE)
		return req_error(r, KART__ERROR_CODE__CONFLICT, "id", "import %" PRIu64 " was undone already, by %s",
				 rec->id, rec->undone_by ? rec->undone_by : "");
	if ((rc = schema_sync(schema_for(r), r->txn, &r->srv->store)))
		return rc;
	struct undo u = { .force = m->force, .notes = "" };
	u.res = arena_alloc(r->arena, sizeof(*u.res));
	if (!u.res)
		return ENOMEM;
	kart__import_undo_result__init(u.res);
	u.res->id = rec->id;
	uint64_t next = rec->undo_next;
	if ((rc = undo_slice(r, &u, rec->id, &next)))
		return rc;
	/* a running import whose client is gone is ended by its undo; a client
	 * still sending is refused its next batch */
	if (rec->state == KART__IMPORT_STATE__IMPORT_STATE_RUNNING) {
		rec->state = KART__IMPORT_STATE__IMPORT_STATE_ABORTED;
		rec->ended_at = r->now / 1000000;
	}
	rec->undo_next = next;
	u.res->more = next != 0;
	if (!next) {
		rec->state = KART__IMPORT_STATE__IMPORT_STATE_UNDONE;
		rec->undone_at = r->now / 1000000;
		rec->undone_by = r->who.user;
	}
	if ((rc = save_record(r, rec)))
		return rc;
	const char *sum = arena_printf(r->arena,
				       "import %" PRIu64 " undone%s%s: %" PRIu64 " cards to the trash, %" PRIu64
				       " merges taken back, %zu kept, %zu gone%s%s",
				       rec->id, next ? " in part" : "", m->force ? " (forced)" : "", u.res->removed,
				       u.res->reverted, u.res->n_kept, u.res->n_gone, *u.notes ? "; kept: " : "", u.notes);
	if ((rc = audit_append(r, "import.undo", "import", rec->id, files_text(r->arena, rec), sum, true)))
		return rc;
	r->out.body_case = KART__ENVELOPE__BODY_IMPORT_UNDO_RESULT;
	r->out.import_undo_result = u.res;
	return H_OK;
}
