/* h_find: `find` by phone, email or name — the lookup of a client while the
 * phone rings. Ranked matches come from the indexes (a whole number or its
 * last 7+ digits by ix_phone, an email, name words by ix_name); a number's
 * start (4+ digits) walks ix_phone_fwd after them. A page is filled in that
 * order, each card once, only cards the user may see, from Find.offset on,
 * with FindPage.more when a visible match is left after it. Rows are
 * briefs (card_brief_bytes: the stored bytes without notes, relatives and
 * custom values, put in the reply undecoded) and count as listed reads. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "card.h"
#include "handlers.h"
#include "index.h"
#include "pbwire.h"
#include "reads.h"
#include "req.h"
#include "text.h"

#define FIND_DEFAULT 20
#define FIND_MAX 500
#define FIND_SCAN 5000          /* candidates examined for a name search */
#define FIND_OFFSET_MAX 10000   /* how far a find pages */
#define FIND_PREFIX_SCAN 50000  /* index entries read for a number's start */
#define FIND_SCOPE_IDS 100000   /* a scope of at most this many cards is matched by id */
#define FIND_UNSEEN_SCOPE 64     /* out-of-scope cards read before the scope's ids are taken */

/* ---- find ---- */

struct hit {
	uint64_t id;
	int rank;                   /* 0 exact, 1 prefix/suffix */
};

static int cmp_hit(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;
	if (x->rank != y->rank)
		return x->rank - y->rank;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Walks keys starting with prefix in an index, calling back with each id. */
static int prefix_walk(MDB_txn *txn, MDB_dbi dbi, const char *prefix, size_t plen, size_t budget,
		       int (*fn)(void *ud, const MDB_val *key, uint64_t id), void *ud)
{
	MDB_cursor *cur;
	int rc = mdb_cursor_open(txn, dbi, &cur);
	if (rc)
		return rc;
	MDB_val k = { plen, (void *)prefix }, v;
	size_t seen = 0;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0 && seen < budget;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size < plen || memcmp(k.mv_data, prefix, plen) != 0)
			break;
		seen++;
		if (fn(ud, &k, store_key_u64(v.mv_data)))
			break;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

struct find_ctx {
	struct req *r;
	struct hit *hits;
	size_t n, cap;
	size_t exact_len;           /* a key this long is an exact match */
	char **words;               /* name search: every query word */
	size_t nwords;
};

static int add_hit(struct find_ctx *f, uint64_t id, int rank)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->hits[i].id == id) {
			if (rank < f->hits[i].rank)
				f->hits[i].rank = rank;
			return 0;
		}
	if (f->n == f->cap)
		return 1;
	f->hits[f->n++] = (struct hit){ id, rank };
	return 0;
}

static int on_key(void *ud, const MDB_val *k, uint64_t id)
{
	struct find_ctx *f = ud;
	return add_hit(f, id, k->mv_size == f->exact_len ? 0 : 1);
}

/* One owner's part of a scoped name walk: a cursor on ix_name_owner at
 * owner \0 word, and its current entry. */
struct owner_walk {
	MDB_cursor *cur;
	MDB_val k, v;
	size_t olen;                /* the owner and its \0: the key's word follows */
	bool live;                  /* k, v hold an entry of the prefix */
};

/* Moves w to its next entry of the prefix (op: MDB_SET_RANGE first). */
static int owner_step(struct owner_walk *w, const char *prefix, size_t plen, MDB_cursor_op op)
{
	int rc = mdb_cursor_get(w->cur, &w->k, &w->v, op);
	w->live = rc == 0 && w->k.mv_size >= plen && memcmp(w->k.mv_data, prefix, plen) == 0;
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Whether a's entry comes before b's in ix_name's order: by word, then id. */
static bool owner_before(const struct owner_walk *a, const struct owner_walk *b)
{
	size_t al = a->k.mv_size - a->olen, bl = b->k.mv_size - b->olen;
	int c = memcmp((const char *)a->k.mv_data + a->olen, (const char *)b->k.mv_data + b->olen, al < bl ? al : bl);
	if (c || al != bl)
		return c ? c < 0 : al < bl;
	return memcmp(a->v.mv_data, b->v.mv_data, 8) < 0; /* big-endian ids */
}

/* A name search's walk for a user who does not see every card: the words
 * of each owner in their scope (ix_name_owner, owner \0 word), the owners'
 * walks merged in ix_name's order (word, then id), so the hits are an
 * admin's with other owners' cards left out, and the walk stops when fn
 * says f is full. A card without an owner is seen only by those who see
 * every card (acl.c): it is in no owner's part. */
static int owners_walk(struct req *r, struct find_ctx *f, const char *word, size_t wl,
		       int (*fn)(void *ud, const MDB_val *key, uint64_t id))
{
	char **owners;
	size_t n;
	int rc = acl_scope_owners(r, r->arena, &owners, &n);
	if (rc)
		return rc;
	struct owner_walk *w = arena_alloc(r->arena, n * sizeof(*w));
	char **prefix = arena_alloc(r->arena, n * sizeof(*prefix));
	if (!w || !prefix)
		return ENOMEM;
	memset(w, 0, n * sizeof(*w));
	for (size_t i = 0; rc == 0 && i < n; i++) {
		w[i].olen = strlen(owners[i]) + 1;
		if (!(prefix[i] = arena_alloc(r->arena, w[i].olen + wl))) {
			rc = ENOMEM;
			break;
		}
		memcpy(prefix[i], owners[i], w[i].olen); /* with its \0 */
		memcpy(prefix[i] + w[i].olen, word, wl);
		w[i].k = (MDB_val){ w[i].olen + wl, prefix[i] };
		if (!(rc = mdb_cursor_open(r->txn, r->srv->store.ix_name_owner, &w[i].cur)))
			rc = owner_step(&w[i], prefix[i], w[i].olen + wl, MDB_SET_RANGE);
	}
	for (size_t seen = 0; rc == 0 && seen < FIND_SCAN; seen++) {
		struct owner_walk *next = NULL;
		for (size_t i = 0; i < n; i++)
			if (w[i].live && (!next || owner_before(&w[i], next)))
				next = &w[i];
		if (!next)
			break;
		MDB_val key = { next->k.mv_size - next->olen, (char *)next->k.mv_data + next->olen };
		if (fn(f, &key, store_key_u64(next->v.mv_data)))
			break;
		rc = owner_step(next, prefix[next - w], next->olen + wl, MDB_NEXT);
	}
	for (size_t i = 0; i < n; i++)
		if (w[i].cur)
			mdb_cursor_close(w[i].cur);
	return rc;
}

/* Name search: the card must have, for every query word, a word starting
 * with it; it ranks first when every query word is a whole word of it. */
static int on_name(void *ud, const MDB_val *k, uint64_t id)
{
	(void)k;
	struct find_ctx *f = ud;
	struct req *r = f->r;
	Kart__Card *c;
	if (card_load_brief(r->txn, r->srv->store.cards, id, r->arena, &c))
		return 0;
	const char *all = arena_printf(r->arena, "%s %s %s %s", c->last_name ? c->last_name : "",
				       c->first_name ? c->first_name : "", c->middle_name ? c->middle_name : "",
				       c->company ? c->company : "");
	char *folded = all ? text_fold(r->arena, all) : NULL;
	char **cw;
	size_t ncw = folded ? text_words(r->arena, folded, &cw) : 0;
	int rank = 0;
	for (size_t i = 0; i < f->nwords; i++) {
		int best = 2;
		size_t ql = strlen(f->words[i]);
		for (size_t j = 0; j < ncw && best; j++)
			if (strncmp(cw[j], f->words[i], ql) == 0)
				best = cw[j][ql] == '\0' ? 0 : 1;
		if (best == 2)
			return 0;
		if (best > rank)
			rank = best;
	}
	return add_hit(f, id, rank);
}

/* ---- a page of matches ---- */

/* Card ids already placed on or passed over for a page (open addressing;
 * 0 is never an id). Allocated, since a phone's start may pass thousands. */
struct idset {
	uint64_t *slot;
	size_t mask, n;
};

static size_t id_hash(uint64_t id)
{
	return (size_t)((id * UINT64_C(0x9E3779B97F4A7C15)) >> 32);
}

static void idset_put(uint64_t *slot, size_t mask, uint64_t id)
{
	size_t j = id_hash(id) & mask;
	while (slot[j])
		j = (j + 1) & mask;
	slot[j] = id;
}

static bool idset_has(const struct idset *s, uint64_t id)
{
	for (size_t j = id_hash(id) & s->mask; s->slot && s->slot[j]; j = (j + 1) & s->mask)
		if (s->slot[j] == id)
			return true;
	return false;
}

/* Adds id: 1 if it is new, 0 if it was there, -1 if memory is out. */
static int idset_add(struct idset *s, uint64_t id)
{
	if (!s->slot || (s->n + 1) * 2 > s->mask + 1) {
		size_t cap = s->slot ? (s->mask + 1) * 2 : 1024;
		uint64_t *ns = calloc(cap, sizeof(*ns));
		if (!ns)
			return -1;
		for (size_t i = 0; s->slot && i <= s->mask; i++)
			if (s->slot[i])
				idset_put(ns, cap - 1, s->slot[i]);
		free(s->slot);
		s->slot = ns;
		s->mask = cap - 1;
	}
	for (size_t j = id_hash(id) & s->mask; s->slot[j]; j = (j + 1) & s->mask)
		if (s->slot[j] == id)
			return 0;
	idset_put(s->slot, s->mask, id);
	s->n++;
	return 1;
}

/* A row of the page: a card's brief as bytes, ready for the reply. */
struct row {
	const uint8_t *bytes;
	size_t len;
};

struct fill {
	struct req *r;
	struct row *rows;
	uint64_t *ids;
	size_t n, limit;
	size_t skip;                /* visible matches still to pass over: the offset */
	bool more;                  /* a visible match after the page: it is done */
	size_t hidden;              /* out-of-scope cards a whole number or email named */
	uint64_t first_hidden;
	size_t unseen;              /* cards read and found out of scope */
	struct idset scope;         /* the ids the user sees, once taken (scope_ids) */
	bool by_scope, scope_tried; /* scope taken; tried (it may be too big) */
};

/* The ids of the live cards r's user sees (ix_owner, by the owners in their
 * scope), when they do not see every card and those are at most
 * FIND_SCOPE_IDS; *by_ids says whether they were taken. A number's start
 * shared by thousands of numbers then passes over other users' cards without
 * reading them: a manager who sees few of a million cards would otherwise
 * read every card of the start to find theirs. */
static int scope_ids(struct req *r, struct idset *in, bool *by_ids)
{
	char **owners;
	size_t n, total = 0;
	MDB_cursor *cur;
	*by_ids = false;
	int rc = acl_scope_owners(r, r->arena, &owners, &n);
	if (rc || (rc = mdb_cursor_open(r->txn, r->srv->store.ix_owner, &cur)))
		return rc;
	MDB_val k, v;
	for (size_t i = 0; rc == 0 && i < n && total <= FIND_SCOPE_IDS; i++) {
		size_t c = 0;
		k = (MDB_val){ strlen(owners[i]), owners[i] };
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY);
		if (rc == 0)
			rc = mdb_cursor_count(cur, &c);
		else if (rc == MDB_NOTFOUND)
			rc = 0;
		total += c;
	}
	for (size_t i = 0; rc == 0 && total <= FIND_SCOPE_IDS && i < n; i++) {
		k = (MDB_val){ strlen(owners[i]), owners[i] };
		for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP))
			if (idset_add(in, store_key_u64(v.mv_data)) < 0) {
				rc = ENOMEM;
				break;
			}
		if (rc == MDB_NOTFOUND)
			rc = 0;
	}
	mdb_cursor_close(cur);
	*by_ids = rc == 0 && total <= FIND_SCOPE_IDS;
	return rc;
}

/* The next match in order: passed over (out of scope, or before the
 * offset), put on the page, or, once the page is full, the sign that there
 * are more. Returns 0 or an MDB code. */
static int fill_offer(struct fill *p, uint64_t id, bool names_it)
{
	struct req *r = p->r;
	MDB_val v;
	int rc = store_get_id(r->txn, r->srv->store.cards, id, &v);
	if (rc == MDB_NOTFOUND)
		return 0; /* an entry its card has left: reindex repairs such drift */
	if (rc)
		return rc;
	enum acl_view view = acl_view_bytes(r, v.mv_data, v.mv_size);
	if (view == ACL_HIDDEN) {
		p->unseen++;
		if (names_it && !p->hidden++)
			p->first_hidden = id;
		return 0;
	}
	if (p->skip) {
		p->skip--;
		return 0;
	}
	if (p->n == p->limit) {
		p->more = true;
		return 0;
	}
	/* a find answers "who is it": the contact fields, not the whole card
	 * (its custom fields, relatives and notes come with card show), copied
	 * as they are stored — decoded only when some must be masked */
	uint8_t *row = arena_alloc(r->arena, v.mv_size ? v.mv_size : 1);
	if (!row)
		return ENOMEM;
	size_t len = card_brief_bytes(v.mv_data, v.mv_size, row);
	if (len == SIZE_MAX)
		return 0;
	if (view == ACL_MASKED) {
		Kart__Card *c = kart__card__unpack(&r->arena->pb, len, row);
		if (!c)
			return 0;
		acl_mask(r, c);
		len = kart__card__get_packed_size(c);
		if (!(row = arena_alloc(r->arena, len ? len : 1)))
			return ENOMEM;
		kart__card__pack(c, row);
	}
	p->rows[p->n] = (struct row){ row, len };
	p->ids[p->n++] = id;
	return 0;
}

/* The FindPage of the rows, packed as protobuf-c would pack it (fields in
 * number order: cards, matched_as, more): the rows go in as they are. */
static int page_pack(struct req *r, const struct fill *p, const char *as)
{
	size_t n = pbwire_bytes_len(2, strlen(as)) + (p->more ? 2 : 0);
	for (size_t i = 0; i < p->n; i++)
		n += pbwire_bytes_len(1, p->rows[i].len);
	uint8_t *buf = arena_alloc(r->arena, n), *q = buf;
	if (!buf)
		return ENOMEM;
	for (size_t i = 0; i < p->n; i++)
		q = pbwire_bytes_put(q, 1, p->rows[i].bytes, p->rows[i].len);
	q = pbwire_bytes_put(q, 2, as, strlen(as));
	if (p->more) {
		*q++ = 3 << 3;
		*q++ = 1;
	}
	return req_reply_packed(r, KART__ENVELOPE__BODY_FIND_PAGE, buf, (size_t)(q - buf));
}

/* Numbers starting with the digits of prefix, in the order of the numbers,
 * after the ranked matches (a card already met is passed over). At most
 * FIND_PREFIX_SCAN index entries are read: a start that many numbers share
 * pages through the first of them, and more digits narrow it. Once
 * FIND_UNSEEN_SCOPE cards read were out of a scoped user's scope, the ids
 * of their scope are taken (scope_ids) and the rest passed over unread: a
 * whole number, or a start few share, reads a card or two and never pays
 * for the scope. */
static int fill_prefix(struct fill *p, struct idset *met, const char *prefix, size_t plen)
{
	MDB_cursor *cur;
	int rc = mdb_cursor_open(p->r->txn, p->r->srv->store.ix_phone_fwd, &cur);
	if (rc)
		return rc;
	MDB_val k = { plen, (void *)prefix }, v;
	size_t read = 0;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0 && !p->more && read < FIND_PREFIX_SCAN;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT), read++) {
		if (k.mv_size < plen || memcmp(k.mv_data, prefix, plen) != 0)
			break;
		uint64_t id = store_key_u64(v.mv_data);
		if (p->by_scope && !idset_has(&p->scope, id))
			continue; /* out of scope, silently: a start names no card */
		int added = idset_add(met, id);
		if (added < 0) {
			rc = ENOMEM;
			break;
		}
		if (added && (rc = fill_offer(p, id, false)))
			break;
		if (p->unseen >= FIND_UNSEEN_SCOPE && !p->scope_tried) {
			p->scope_tried = true;
			if ((rc = scope_ids(p->r, &p->scope, &p->by_scope)))
				break;
		}
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* A phone: its whole number or last 7+ digits (ranked hits, by ix_phone),
 * and the start of a number (prefix, by ix_phone_fwd, walked as the page
 * fills). *plen is the length of the start, 0 when there is none. */
static int find_phone(struct req *r, struct find_ctx *f, const char *text, char *prefix, size_t prefix_size,
		      size_t *plen)
{
	const char *country = r->cfg->phone_country;
	char e164[24], key[32];
	bool whole = text_phone_e164(text, country, e164, sizeof(e164)) == 0;
	/* reversed digits: the number itself, or any number ending with them */
	size_t klen = index_phone_key(whole ? e164 : text, key, sizeof(key));
	int pl = text_phone_prefix(text, country, prefix, prefix_size);
	*plen = pl > 0 ? (size_t)pl : 0;
	if (!whole && klen < 7 && !*plen)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "text",
				 "give the start of a phone number (a '+' only before its first digit) or its last 7 digits");
	if (!whole && klen < 7)
		return H_OK; /* a short suffix would match too many: the start only */
	f->exact_len = klen;
	return prefix_walk(r->txn, r->srv->store.ix_phone, key, klen, FIND_SCAN, on_key, f);
}

int h_find(struct req *r)
{
	Kart__Find *m = r->in->find;
	struct store *st = &r->srv->store;
	const char *text = m->text ? m->text : "";
	size_t limit = m->limit ? m->limit : FIND_DEFAULT;
	if (limit > FIND_MAX)
		limit = FIND_MAX;
	if (req_check_text(r, "text", text, false) != H_OK)
		return H_ABORT; /* a control character is named, not taken for bad UTF-8 */
	if (*text && !text_utf8_valid(text, strlen(text)))
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "text", "text: not valid UTF-8 text");
	if (!*text || strlen(text) > 200)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "text", "give a phone, an email or a name to find");
	if (m->offset > FIND_OFFSET_MAX)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "offset", "offset: at most %d matches are paged through",
				 FIND_OFFSET_MAX);
	struct find_ctx f = { .r = r, .cap = FIND_SCAN };
	f.hits = arena_alloc(r->arena, f.cap * sizeof(*f.hits));
	if (!f.hits)
		return ENOMEM;
	const char *as;
	char prefix[32];
	size_t plen = 0;
	int rc;
	switch (text_classify(text)) {
	case TEXT_PHONE:
		as = "phone";
		rc = find_phone(r, &f, text, prefix, sizeof(prefix), &plen);
		if (rc == H_ABORT)
			return H_ABORT;
		break;
	case TEXT_EMAIL: {
		as = "email";
		const char *e = text_fold(r->arena, text);
		if (!e)
			return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "text", "not valid text");
		f.exact_len = strlen(e);
		rc = prefix_walk(r->txn, st->ix_email, e, strlen(e), FIND_SCAN, on_key, &f);
		break;
	}
	default: {
		as = "name";
		const char *folded = text_fold(r->arena, text);
		f.nwords = folded ? text_words(r->arena, folded, &f.words) : 0;
		if (f.nwords == 0)
			return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "text", "give a phone, an email or a name to find");
		if (f.nwords == 1) {
			/* keys come in order: the exact word (if any) first, then longer
			 * words with that prefix, so the first offset + limit ids and
			 * one more (is there more?) are the answer */
			f.exact_len = strlen(f.words[0]);
			f.cap = m->offset + limit + 1 < FIND_SCAN ? m->offset + limit + 1 : FIND_SCAN;
			/* a user who sees part of the cards walks only their owners' */
			if (acl_sees_all(r))
				rc = prefix_walk(r->txn, st->ix_name, f.words[0], f.exact_len, FIND_SCAN, on_key, &f);
			else
				rc = owners_walk(r, &f, f.words[0], f.exact_len, on_key);
			/* the walk's order is the answer's (ix_name's: by word, then
			 * id), kept through the sort below: sorted by id instead, a
			 * longer offset's first offset + limit hits would take in
			 * cards of a later word with smaller ids, and pages would
			 * repeat some cards and skip others */
			for (size_t i = 0; i < f.n; i++)
				f.hits[i].rank = (int)i;
			break;
		}
		/* several words: walk the longest (a scoped user: their owners'
		 * cards only, so FIND_SCAN candidates are all theirs), check the
		 * others on the card */
		size_t w = 0;
		for (size_t i = 1; i < f.nwords; i++)
			if (strlen(f.words[i]) > strlen(f.words[w]))
				w = i;
		if (acl_sees_all(r))
			rc = prefix_walk(r->txn, st->ix_name, f.words[w], strlen(f.words[w]), FIND_SCAN, on_name, &f);
		else
			rc = owners_walk(r, &f, f.words[w], strlen(f.words[w]), on_name);
		break;
	}
	}
	if (rc)
		return rc;
	qsort(f.hits, f.n, sizeof(*f.hits), cmp_hit);
	struct fill p = { .r = r, .limit = limit, .skip = m->offset };
	p.rows = arena_alloc(r->arena, limit * sizeof(*p.rows));
	p.ids = arena_alloc(r->arena, limit * sizeof(*p.ids));
	if (!p.rows || !p.ids)
		return ENOMEM;
	/* ranked matches first (exact, then a suffix or a longer word), then
	 * numbers by their start; each card once */
	bool names_card = strcmp(as, "name") != 0;
	struct idset met = { 0 };
	for (size_t i = 0; rc == 0 && i < f.n && !p.more; i++)
		rc = idset_add(&met, f.hits[i].id) < 0 ? ENOMEM : fill_offer(&p, f.hits[i].id, names_card);
	if (rc == 0 && plen && !p.more)
		rc = fill_prefix(&p, &met, prefix, plen);
	free(met.slot);
	free(p.scope.slot);
	if (rc)
		return rc;
	/* a phone or an email names a card: looking one up outside the scope is
	 * a refused look; a name, or a number's start, is a search, which keeps
	 * to the scope silently */
	char nc[32];
	if (p.hidden)
		acl_note_denied(r, p.first_hidden,
				arena_printf(r->arena, "find %s '%.60s': %s outside scope", as, text,
					     TEXT_COUNT(nc, p.hidden, "card")));
	reads_record(r, p.ids, p.n, "find", READ_LISTED);
	return page_pack(r, &p, as);
}
