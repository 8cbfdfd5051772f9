/* h_export: exports (audited, within a daily quota, each fingerprinted with
 * canary rows of its own). Their end (done, failed, a client's abort) and the
 * list of exports are h_export_end.c's. The permission and quota are export_policy.c's, the
 * canary rows canary.c's, tracing a leaked file back to its export h_leak.c's,
 * granting the permission and setting the quota h_user.c's.
 *
 * An export in four hops:
 *   1. loop (h_export): the filter and format are checked, then the user's
 *      permission and quota in the loop's snapshot; a refusal is audited.
 *   2. pool (xjob_run): the filter is run with the user's scope in a read
 *      transaction of its own, collecting the card ids and a 64-bit hash of
 *      each of their phones and emails.
 *   3. writer (w_export): permission and quota again (the authoritative
 *      check: two exports cannot both pass the last of a quota), the export id,
 *      the canary rows (deterministic per export id and row from a key derived
 *      from audit.key, each phone checked against ix_phone and earlier
 *      canaries, retried if taken), the record, the card ids and hashes, the
 *      audit event; the reply is the file's first chunk (BOM and header).
 *   4. pool and loop (xenc_run, export_page: a stream): a job in the pool
 *      loads the next cards (a cursor walk of the ascending ids), checks
 *      their scope and masks them as for any list, and writes them as CSV or
 *      vCard, whole rows, the canaries at their positions, into a chunk of
 *      about 256 KiB; the loop sends that chunk as one ExportChunk frame as
 *      the connection drains, while the next job writes the next chunk into
 *      the other of two buffers. The loop never encodes a row, so other
 *      clients are not held up behind the file; the last frame is the
 *      ExportRecord.
 * Memory: the ids (8 bytes a card) stay with the stream; the hashes (12 bytes
 * a contact) are held from the scan, in mappings of their own (big_grow),
 * until they are copied into LMDB's dirty copy of the record, which gives
 * their pages back as it goes (put_blob): they are held once, never twice;
 * the ids are kept packed meanwhile (pack_ids), and the stream has them as
 * an array again. A 1M-card export holds about 8 MiB, plus 32 MiB until the
 * commit, and two chunks, never the file. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "acl.h"
#include "audit.h"
#include "card.h"
#include "canary.h"
#include "cardq.h"
#include "conf.h"
#include "export.h"
#include "export_policy.h"
#include "frame.h"
#include "handlers.h"
#include "reads.h"
#include "log.h"
#include "pbwire.h"
#include "req.h"
#include "schema.h"
#include "text.h"
#include "user.h"
#include "util.h"
#include "writer.h"

void export_note(struct req *r, const char *action, uint64_t object_id, bool ok, const char *summary)
{
	char cut[224]; /* where an export's note has always been cut */
	snprintf(cut, sizeof(cut), "%s", summary);
	audit_note_later(r, action, "export", object_id, ok, cut);
}

/* ---- the export: checks on the loop ---- */

struct xjob {
	struct req_job job;         /* first: the pool job (req.h) */
	bool handed;                /* the writer has it now (w_export, export_done) */
	int64_t now;
	int64_t today;              /* the client's date, days since the epoch */
	struct util_zone zone;      /* the client's zone (cardq_client_zone) */
	char *where;                /* the filter run */
	char *filter;               /* as recorded: the filter, or "segment NAME: filter" */
	enum export_format fmt;
	char delim;
	/* pool results */
	Kart__ErrorCode code;
	char field[32];
	char message[300];
	uint64_t *ids;
	size_t nids, cap;
	uint64_t *hashes;           /* a phone's or email's hash ... */
	uint32_t *owners;           /* ... and the index into ids of its card */
	size_t nhash, hcap;
	bool contacts_gone;         /* hashes and owners given up into a batch that was rerun */
	uint8_t *packed;            /* the ids, while given up into the record (pack_ids) */
	size_t packed_len;
	uint64_t *canaries;         /* canary cards among ids (reads.h) */
	size_t ncanaries;
	/* writer results */
	uint8_t *record;            /* the packed ExportRecord, with canary rows */
	size_t record_len;
	uint8_t *fields;            /* the packed FieldPage of the custom fields in the file */
	size_t fields_len;
};

/* The scan's arrays (tens of MiB at a million cards) are mappings of their
 * own: they grow without a copy (mremap), cost only the pages written, and
 * go back to the system as they are freed. From malloc they came from the
 * heap of whichever pool thread scanned, and a freed one stayed there: the
 * daemon's memory grew by tens of MiB with each large export. */
static void *big_grow(void *p, size_t old, size_t want)
{
	void *n = p ? mremap(p, old, want, MREMAP_MAYMOVE)
		    : mmap(NULL, want, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return n == MAP_FAILED ? NULL : n;
}

static void big_free(void *p, size_t len)
{
	if (p)
		munmap(p, len);
}

static void free_xjob(struct xjob *j)
{
	if (!j)
		return;
	free(j->where);
	free(j->filter);
	big_free(j->ids, j->cap * sizeof(*j->ids));
	big_free(j->packed, j->packed_len);
	big_free(j->hashes, j->hcap * sizeof(*j->hashes));
	big_free(j->owners, j->hcap * sizeof(*j->owners));
	free(j->canaries);
	free(j->record);
	free(j->fields);
	free(j);
}

static void xjob_run(struct req_job *job);
static void xjob_reply(struct req_job *job, struct req *r, int status);
static void xjob_free(struct req_job *job);

int h_export(struct req *r)
{
	Kart__Export *m = r->in->export;
	struct store *st = &r->srv->store;
	const struct kart_config *cfg = r->cfg;
	enum export_format fmt;
	char delim;
	if (export_format_parse(m->format, &fmt) < 0)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "format", "format must be csv or vcard");
	if (export_delimiter_parse(m->delimiter, &delim) < 0)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "delimiter", "delimiter must be one of , ; | or tab");
	struct util_zone zone;
	if (cardq_client_zone(m->client_day, m->client_utc_offset, &zone) < 0)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "client_utc_offset",
				 "client_utc_offset: at most 18 hours either way");
	const char *where = m->where ? m->where : "", *filter = where;
	if (m->segment && *m->segment) {
		if (*where)
			return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "segment", "give a filter or a segment, not both");
		if (!(where = segment_expr(r, m->segment)))
			return H_ABORT;
		filter = arena_printf(r->arena, "segment %s: %s", m->segment, where);
	}
	if (strlen(where) > 64 * 1024)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "where", "the filter is longer than 64 KiB");

	Kart__UserRecord *u;
	int rc = user_load(r->txn, st, r->who.user, &r->arena->pb, &u);
	if (rc && rc != MDB_NOTFOUND)
		return rc;
	if (rc || !may_export(cfg, u->user)) {
		log_notice("%s: %s may not export (filter '%.80s')", r->who.peer, r->who.user, filter);
		export_note(r, "export.denied", 0, false,
		     arena_printf(r->arena, "no export permission; %s: %.180s", fmt == EXPORT_CSV ? "csv" : "vcard",
				  *filter ? filter : "(every card in scope)"));
		return req_error(r, KART__ERROR_CODE__PERMISSION_DENIED, "",
				 "permission denied: you may not export cards (an admin can allow it: kart user grant %s export)",
				 r->who.user);
	}
	uint64_t quota = quota_of(cfg, u->user), used = 0;
	if (quota) {
		if ((rc = exported_since(r->txn, st, r->who.user, local_midnight(r->now), &used)))
			return rc;
		if (used >= quota) {
			export_note(r, "export.quota", 0, false,
			     arena_printf(r->arena, "quota of %" PRIu64 " cards a day used up (%" PRIu64 "); %.160s", quota,
					  used, filter));
			return req_error(r, KART__ERROR_CODE__QUOTA_EXCEEDED, "", "%s", quota_words(r->arena, 0, used, quota));
		}
	}

	struct xjob *j = calloc(1, sizeof(*j));
	if (!j || !(j->where = strdup(where)) || !(j->filter = strdup(filter))) {
		free_xjob(j);
		return req_no_memory(r);
	}
	j->now = r->now;
	j->today = cardq_client_today(m->client_day, r->now);
	j->zone = zone;
	j->fmt = fmt;
	j->delim = delim;
	j->job.run = xjob_run;
	j->job.reply = xjob_reply;
	j->job.free = xjob_free;
	if (req_pool(r, &j->job) != 0) {
		free_xjob(j);
		return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "the server is busy; try again");
	}
	return H_DEFER;
}

/* ---- the scan, in the pool ---- */

struct scan {
	struct xjob *j;
	struct arena scratch;
	MDB_txn **txn;              /* the scan's, renewed by its slices */
	MDB_dbi canaries;
	bool any_canary;            /* `canaries` is not empty */
	bool oom;
};

/* Notes the card if it is a canary: its alert goes with the export's record. */
static bool note_canary(struct scan *s, uint64_t id)
{
	uint8_t key[8];
	store_u64_key(id, key);
	MDB_val k = { 8, key }, v;
	if (mdb_get(*s->txn, s->canaries, &k, &v) != 0)
		return true;
	struct xjob *j = s->j;
	uint64_t *n = realloc(j->canaries, (j->ncanaries + 1) * sizeof(*n));
	if (!n)
		return false;
	j->canaries = n;
	j->canaries[j->ncanaries++] = id;
	return true;
}

static bool add_hash(struct xjob *j, uint64_t h, uint32_t owner)
{
	if (j->nhash == j->hcap) {
		size_t cap = j->hcap ? j->hcap * 2 : 65536;
		uint64_t *nh = big_grow(j->hashes, j->hcap * sizeof(*nh), cap * sizeof(*nh));
		if (!nh)
			return false;
		uint32_t *no = big_grow(j->owners, j->hcap * sizeof(*no), cap * sizeof(*no));
		if (!no) {
			/* the hashes back to the size free_xjob knows */
			if (j->hcap)
				nh = big_grow(nh, cap * sizeof(*nh), j->hcap * sizeof(*nh));
			else
				big_free(nh, cap * sizeof(*nh));
			j->hashes = j->hcap ? nh : NULL;
			return false;
		}
		j->hashes = nh;
		j->owners = no;
		j->hcap = cap;
	}
	j->hashes[j->nhash] = h;
	j->owners[j->nhash++] = owner;
	return true;
}

/* The card `id` joins the export: its index into ids in *at. False when out of memory. */
static bool scan_id(struct scan *s, uint64_t id, uint32_t *at)
{
	struct xjob *j = s->j;
	if (j->nids == j->cap) {
		size_t cap = j->cap ? j->cap * 2 : 65536;
		uint64_t *n = big_grow(j->ids, j->cap * sizeof(*n), cap * sizeof(*n));
		if (!n)
			return false;
		j->ids = n;
		j->cap = cap;
	}
	*at = (uint32_t)j->nids;
	j->ids[j->nids++] = id;
	arena_reset(&s->scratch);
	return !s->any_canary || note_canary(s, id);
}

/* A phone's (E.164) or an email's hash, of the card at `at`. False when out of memory. */
static bool scan_phone(struct scan *s, const char *e164, uint32_t at)
{
	return !e164 || !*e164 || add_hash(s->j, export_contact_hash('p', e164), at);
}

static bool scan_email(struct scan *s, const char *email, uint32_t at)
{
	const char *e = email ? text_fold(&s->scratch, email) : NULL;
	return !e || !*e || add_hash(s->j, export_contact_hash('e', e), at);
}

static int scan_card(void *ud, Kart__Card *card)
{
	struct scan *s = ud;
	uint32_t at;
	bool ok = scan_id(s, card->id, &at);
	for (size_t i = 0; ok && i < card->n_phones_e164; i++)
		ok = scan_phone(s, card->phones_e164[i], at);
	for (size_t i = 0; ok && i < card->n_emails; i++)
		ok = scan_email(s, card->emails[i], at);
	if (!ok)
		s->oom = true;
	return !ok;
}

/* ---- every card in scope, read from the stored bytes ---- */

/* The next top-level field of a stored message at *p: its number, wire type
 * and, for a length-delimited one, its bytes; a varint's value in *num.
 * False at the end or on a malformed byte. */
static bool wire_next(const uint8_t **p, const uint8_t *end, uint32_t *field, const uint8_t **data, size_t *len,
		      uint64_t *num)
{
	uint64_t key = 0, v = 0;
	int shift = 0;
	bool done = false;
	if (end - *p >= 2 && !(**p & 0x80) && ((**p & 7) == 2) && !((*p)[1] & 0x80)) {
		/* the common case, a short string of a field below 16: one byte each */
		*field = **p >> 3;
		*len = *num = (*p)[1];
		*p += 2;
		if (*len > (size_t)(end - *p) || *field == 0)
			return false;
		*data = *p;
		*p += *len;
		return true;
	}
	while (*p < end && shift < 64 && !done) {
		key |= (uint64_t)(**p & 0x7f) << shift;
		done = !(*(*p)++ & 0x80);
		shift += 7;
	}
	if (!done || key >> 3 == 0 || key >> 3 > UINT32_MAX)
		return false;
	*field = (uint32_t)(key >> 3);
	switch (key & 7) {
	case 0:
	case 2:
		shift = 0;
		done = false;
		while (*p < end && shift < 64 && !done) {
			v |= (uint64_t)(**p & 0x7f) << shift;
			done = !(*(*p)++ & 0x80);
			shift += 7;
		}
		if (!done)
			return false;
		*num = v;
		if ((key & 7) == 0) {
			*data = NULL;
			return true;
		}
		if (v > (uint64_t)(end - *p))
			return false;
		*data = *p;
		*len = (size_t)v;
		*p += v;
		return true;
	case 1:
	case 5: {
		size_t n = (key & 7) == 1 ? 8 : 4;
		if ((size_t)(end - *p) < n)
			return false;
		*data = NULL;
		*num = 0;
		*p += n;
		return true;
	}
	default:
		return false;
	}
}

/* The strings of field `want` of a stored card, in order, to fn; false if
 * fn says so (out of memory) or the bytes are malformed (*bad). */
static bool wire_strings(struct scan *s, const MDB_val *v, uint32_t want, uint32_t at, bool *bad,
			 bool (*fn)(struct scan *s, const char *text, uint32_t at))
{
	const uint8_t *p = v->mv_data, *end = p + v->mv_size, *data;
	size_t len = 0;
	uint32_t field;
	uint64_t num;
	while (p < end) {
		if (!wire_next(&p, end, &field, &data, &len, &num)) {
			*bad = true;
			return true;
		}
		if (field != want || !data)
			continue;
		char *t = arena_alloc(&s->scratch, len + 1);
		if (!t)
			return false;
		memcpy(t, data, len);
		t[len] = '\0';
		if (!fn(s, t, at))
			return false;
	}
	return true;
}

/* What the scan needs of a stored card, in one pass over its bytes: its id
 * (field 1, as a decoder keeps it: the last, 0 if none) and where its phones
 * in E.164 (31) and emails (9) are. */
#define WIRE_CONTACTS 32        /* more (a card has at most 20 of each): read again */
struct wire_card {
	uint64_t id;
	const uint8_t *phone[WIRE_CONTACTS], *email[WIRE_CONTACTS];
	size_t phone_len[WIRE_CONTACTS], email_len[WIRE_CONTACTS];
	size_t nphones, nemails;
	bool more;                  /* past WIRE_CONTACTS */
};

/* False if the bytes are malformed. */
static bool wire_card_read(const MDB_val *v, struct wire_card *wc)
{
	const uint8_t *p = v->mv_data, *end = p + v->mv_size, *data;
	size_t len = 0;
	uint32_t field;
	uint64_t num;
	wc->id = 0;
	wc->nphones = wc->nemails = 0;
	wc->more = false;
	while (p < end) {
		if (!wire_next(&p, end, &field, &data, &len, &num))
			return false;
		if (field == 1 && !data) {
			wc->id = num;
		} else if (field == 31 && data) {
			if (wc->nphones < WIRE_CONTACTS) {
				wc->phone[wc->nphones] = data;
				wc->phone_len[wc->nphones++] = len;
			} else {
				wc->more = true;
			}
		} else if (field == 9 && data) {
			if (wc->nemails < WIRE_CONTACTS) {
				wc->email[wc->nemails] = data;
				wc->email_len[wc->nemails++] = len;
			} else {
				wc->more = true;
			}
		}
	}
	return true;
}

/* The n strings at p[i] (len[i] bytes) to fn, each NUL-terminated in the
 * scratch arena; false when out of memory. */
static bool wire_each(struct scan *s, const uint8_t *const *p, const size_t *len, size_t n, uint32_t at,
		      bool (*fn)(struct scan *s, const char *text, uint32_t at))
{
	for (size_t i = 0; i < n; i++) {
		char buf[64], *t = len[i] < sizeof(buf) ? buf : arena_alloc(&s->scratch, len[i] + 1);
		if (!t)
			return false;
		memcpy(t, p[i], len[i]);
		t[len[i]] = '\0';
		if (!fn(s, t, at))
			return false;
	}
	return true;
}

/* The hashes of a stored card's phones and emails (wc read from v), of the
 * card at `at`, as the scan adds them. False when out of memory. */
static bool wire_contacts(struct scan *s, const MDB_val *v, const struct wire_card *wc, uint32_t at)
{
	bool bad = false;
	if (!wc->more)
		return wire_each(s, wc->phone, wc->phone_len, wc->nphones, at, scan_phone) &&
		       wire_each(s, wc->email, wc->email_len, wc->nemails, at, scan_email);
	return wire_strings(s, v, 31, at, &bad, scan_phone) && wire_strings(s, v, 9, at, &bad, scan_email);
}

/* An export of every card in scope (no filter, the common case) needs of
 * each card only its id, owner (the scope), phones in E.164 and emails:
 * they are read from the stored bytes, not decoded (decoding every card,
 * custom values, notes and all, was most of the scan's time). The same
 * cards in the same order, the same hashes as cardq_run's walk of every
 * card gives, in read transactions renewed every CARDQ_SLICE cards as its
 * are. 0 or an MDB code; s->oom when out of memory. */
static int scan_all(struct scan *s, struct req *scope, struct store *st, uint64_t *read, unsigned *slices)
{
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	uint64_t last = 0;
	bool sees_all = acl_sees_all(scope);
	struct wire_card wc;
	int rc = mdb_cursor_open(*s->txn, st->cards, &cur);
	for (uint64_t pos = 0; rc == 0; pos++) {
		if (pos && pos % CARDQ_SLICE == 0) {
			/* a fresh snapshot: the map may grow meanwhile */
			mdb_cursor_close(cur);
			cur = NULL;
			(*slices)++;
			store_pool_end(st, s->txn);
			if ((rc = store_pool_begin(st, s->txn)) || (rc = mdb_cursor_open(*s->txn, st->cards, &cur)))
				break;
			scope->txn = *s->txn;
			rc = store_cursor_after(cur, last, &k, &v);
		} else {
			rc = mdb_cursor_get(cur, &k, &v, pos ? MDB_NEXT : MDB_FIRST);
		}
		if (rc == MDB_NOTFOUND) {
			rc = 0;
			break;
		}
		if (rc)
			break;
		if (k.mv_size == 8)
			last = store_key_u64(k.mv_data);
		(*read)++;
		uint32_t at;
		/* a card that would not decode is no row of the walk's either */
		if (!wire_card_read(&v, &wc) || (!sees_all && !acl_visible_bytes(scope, v.mv_data, v.mv_size)))
			continue;
		if (!scan_id(s, wc.id, &at) || !wire_contacts(s, &v, &wc, at)) {
			s->oom = true;
			break;
		}
	}
	if (cur)
		mdb_cursor_close(cur);
	return rc;
}

struct idpos {
	uint64_t id;
	uint32_t at;
};

static int cmp_idpos(const void *a, const void *b)
{
	const struct idpos *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* The ids in ascending order, and the file in that order too: "who received
 * card X" then finds X in an export by binary search (reads.c). The contacts
 * stay where they are; their index into ids follows their card. */
static bool sort_ids(struct xjob *j)
{
	size_t n = j->nids, i = 1;
	while (i < n && j->ids[i - 1] < j->ids[i])
		i++;
	if (i >= n)
		return true;
	struct idpos *p = malloc(n * sizeof(*p));
	uint32_t *inv = malloc(n * sizeof(*inv));
	if (!p || !inv) {
		free(p);
		free(inv);
		return false;
	}
	for (i = 0; i < n; i++)
		p[i] = (struct idpos){ j->ids[i], (uint32_t)i };
	qsort(p, n, sizeof(*p), cmp_idpos);
	for (i = 0; i < n; i++) {
		inv[p[i].at] = (uint32_t)i;
		j->ids[i] = p[i].id;
	}
	for (i = 0; i < j->nhash; i++)
		j->owners[i] = inv[j->owners[i]];
	free(p);
	free(inv);
	return true;
}

static void xjob_run(struct req_job *job)
{
	struct xjob *j = (struct xjob *)job;
	struct store *st = &j->job.srv->store;
	struct arena a;
	arena_init(&a, 0);
	struct schema sc = { 0 };
	struct scan s = { .j = j };
	arena_init(&s.scratch, 0);
	MDB_txn *txn = NULL;
	int rc = store_pool_begin(st, &txn);
	if (rc == 0)
		rc = schema_sync(&sc, txn, st);
	if (rc) {
		j->code = KART__ERROR_CODE__UNAVAILABLE;
		snprintf(j->message, sizeof(j->message), "the database is busy; try again");
		log_err("export: %s", mdb_strerror(rc));
		goto done;
	}
	MDB_stat ms;
	s.txn = &txn;
	s.canaries = st->canaries;
	s.any_canary = mdb_stat(txn, st->canaries, &ms) != 0 || ms.ms_entries > 0;
	struct req scope = { .srv = j->job.srv, .cfg = j->job.cfg, .who = j->job.who, .txn = txn, .arena = &a, .now = j->now };
	struct cardq q = { .txn = txn, .st = st, .sc = &sc, .a = &a, .today = j->today, .zone = j->zone,
			   .scope = &scope, .pool_txn = &txn };
	if (cardq_parse(&q, j->where) < 0) {
		j->code = KART__ERROR_CODE__BAD_REQUEST;
		snprintf(j->field, sizeof(j->field), "where");
		cardq_err_text(&q, j->message, sizeof(j->message));
		goto done;
	}
	if (!q.q && !q.sort)
		rc = scan_all(&s, &scope, st, &q.read, &q.slices);
	else
		rc = cardq_run(&q, 0, scan_card, &s);
	if (rc == 0 && !s.oom && j->nids <= UINT32_MAX && !sort_ids(j))
		s.oom = true;
	if (s.oom || j->nids > UINT32_MAX) {
		j->code = KART__ERROR_CODE__UNAVAILABLE;
		snprintf(j->message, sizeof(j->message), "out of memory; try again with a narrower filter");
		goto done;
	}
	if (rc) {
		j->code = KART__ERROR_CODE__INTERNAL;
		snprintf(j->message, sizeof(j->message), "internal error; the server log has details");
		log_err("export: %s", mdb_strerror(rc));
		goto done;
	}
	if (q.slices)
		log_info("%s: %s: export scan: %llu cards read in %u read transactions", j->job.who.peer, j->job.who.user,
			 (unsigned long long)q.read, q.slices + 1);
done:
	store_pool_end(st, &txn);
	schema_free(&sc);
	arena_free(&s.scratch);
	arena_free(&a);
}

static int w_export(struct req *r);
static void export_done(struct wreq *w);

static void xjob_reply(struct req_job *job, struct req *r, int status)
{
	struct xjob *j = (struct xjob *)job;
	r->now = j->now;
	if (status != 0) {
		req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "the export was cancelled");
	} else if (j->code) {
		req_error(r, j->code, j->field, "%s", j->message);
	} else {
		/* on to the writer, with the request the writer will see */
		Kart__Export ex = KART__EXPORT__INIT;
		ex.where = j->where;
		ex.format = (char *)(j->fmt == EXPORT_CSV ? "csv" : "vcard");
		char d[2] = { j->delim, 0 };
		ex.delimiter = d;
		Kart__Envelope env = KART__ENVELOPE__INIT;
		env.request_id = r->id;
		env.body_case = KART__ENVELOPE__BODY_EXPORT;
		env.export = &ex;
		r->in = &env;
		struct wreq *wq = req_to_wreq_copy(r, w_export);
		r->in = NULL;
		if (!wq) {
			req_no_memory(r);
		} else {
			wq->ud = j;
			wq->done = export_done;
			j->handed = true;
			writer_submit(r->srv, wq);
		}
	}
}

static void xjob_free(struct req_job *job)
{
	struct xjob *j = (struct xjob *)job;
	if (!j->handed)
		free_xjob(j);
}

/* ---- the record, on the writer ---- */

/* n bytes of a scan's mapping into dst, the pages copied given back to the
 * system as it goes: the copy grows while the source shrinks. */
static void copy_giving_back(uint8_t *dst, void *src, size_t n)
{
	const size_t step = 1u << 20; /* a multiple of the page size */
	for (size_t off = 0; off < n; off += step) {
		size_t len = n - off < step ? n - off : step;
		memcpy(dst + off, (uint8_t *)src + off, len);
		if (len == step)
			madvise((uint8_t *)src + off, step, MADV_DONTNEED);
	}
}

/* The ids as each one's difference from the one before, a varint each:
 * ascending and mostly close together, about a byte an id instead of eight. */
static size_t packed_size(const uint64_t *ids, size_t n)
{
	size_t len = 0;
	for (size_t i = 0; i < n; i++)
		len += pbwire_varint_len(ids[i] - (i ? ids[i - 1] : 0));
	return len;
}

/* While the record is written the ids are kept packed (a rerun and the
 * stream need them again, after the commit frees LMDB's copy), their array
 * given back as it is copied into the record; an array that would not pack
 * to half its size is kept as it is. */
static void pack_ids(struct xjob *j, uint8_t *dst)
{
	size_t len = packed_size(j->ids, j->nids);
	uint8_t *p = len && len <= j->nids * 4 ? big_grow(NULL, 0, len) : NULL;
	if (!p) {
		memcpy(dst, j->ids, j->nids * 8);
		return;
	}
	uint8_t *q = p;
	for (size_t i = 0; i < j->nids; i++)
		q = pbwire_varint_put(q, j->ids[i] - (i ? j->ids[i - 1] : 0));
	copy_giving_back(dst, j->ids, j->nids * 8);
	big_free(j->ids, j->cap * sizeof(*j->ids));
	j->ids = NULL;
	j->cap = 0;
	j->packed = p;
	j->packed_len = len;
}

/* The ids packed by pack_ids as an array again. 0, or ENOMEM. */
static int unpack_ids(struct xjob *j)
{
	if (!j->packed)
		return 0;
	uint64_t *ids = big_grow(NULL, 0, j->nids * sizeof(*ids)), id = 0;
	if (!ids)
		return ENOMEM;
	size_t off = 0;
	for (size_t i = 0; i < j->nids; i++) {
		uint64_t d = 0;
		off += pbwire_varint_get(j->packed + off, j->packed_len - off, &d);
		ids[i] = id += d;
	}
	big_free(j->packed, j->packed_len);
	j->packed = NULL;
	j->packed_len = 0;
	j->ids = ids;
	j->cap = j->nids;
	return 0;
}

/* The record's ids and hashes, as the value of export_cards. The hashes
 * and owners (12 bytes a contact) are given up as they are copied: LMDB
 * holds the value in dirty pages of its own until the commit, and keeping
 * both copies was the peak of a large export's memory (64 MB at a million
 * cards). The ids are kept packed: the canaries were placed among them,
 * the stream reads them. A batch rerun after this finds the hashes gone
 * (rederive_contacts) and the ids packed (unpack_ids). */
static int put_blob(struct req *r, uint64_t export_id, struct xjob *j)
{
	struct export_blob_head h = { EXPORT_BLOB_MAGIC, EXPORT_BLOB_SORTED, j->nids, j->nhash };
	size_t len = sizeof(h) + j->nids * 8 + j->nhash * 12;
	uint8_t key[8];
	store_u64_key(export_id, key);
	MDB_val k = { 8, key }, v = { len, NULL };
	int rc = mdb_put(r->txn, r->srv->store.export_cards, &k, &v, MDB_RESERVE);
	if (rc)
		return rc;
	uint8_t *p = v.mv_data;
	memcpy(p, &h, sizeof(h));
	p += sizeof(h);
	if (j->nids)
		pack_ids(j, p);
	p += j->nids * 8;
	if (j->nhash) {
		copy_giving_back(p, j->hashes, j->nhash * 8);
		copy_giving_back(p + j->nhash * 8, j->owners, j->nhash * 4);
	}
	big_free(j->hashes, j->hcap * sizeof(*j->hashes));
	big_free(j->owners, j->hcap * sizeof(*j->owners));
	j->hashes = NULL;
	j->owners = NULL;
	j->hcap = 0;
	j->contacts_gone = j->nhash > 0;
	return 0;
}

/* A batch rerun (MDB_MAP_FULL, MDB_TXN_FULL) after put_blob: the hashes are
 * read again from the cards, by id, in the writer's transaction. The same
 * as the scan's unless a card changed since (a deleted one has none now);
 * the file, written later still, is of the cards as they are then. 0, ENOMEM
 * or an MDB code. */
static int rederive_contacts(struct req *r, struct xjob *j)
{
	struct scan s = { .j = j };
	struct wire_card wc;
	int rc = 0;
	arena_init(&s.scratch, 0);
	j->nhash = 0;
	for (size_t i = 0; i < j->nids && rc == 0; i++) {
		uint8_t key[8];
		store_u64_key(j->ids[i], key);
		MDB_val k = { 8, key }, v;
		arena_reset(&s.scratch);
		if (i % 65536 == 65535)
			writer_progress(r->srv); /* a long request, not a stuck writer */
		rc = mdb_get(r->txn, r->srv->store.cards, &k, &v);
		if (rc == MDB_NOTFOUND) {
			rc = 0;
			continue;
		}
		if (rc == 0 && wire_card_read(&v, &wc) && !wire_contacts(&s, &v, &wc, (uint32_t)i))
			rc = ENOMEM;
	}
	arena_free(&s.scratch);
	if (rc == 0) {
		j->contacts_gone = false;
		log_notice("%s: %s: export of %zu cards: their %zu phones and emails read again (the write was rerun)",
			   r->who.peer, r->who.user, j->nids, j->nhash);
	}
	return rc;
}

/* Permission and quota again, in the writer's transaction: the check that
 * counts, so two exports at once cannot both take the last of a quota. A
 * refusal is audited and replied to (*refused). 0 or an MDB code. */
static int export_allowed(struct req *r, const struct xjob *j, bool *refused)
{
	struct store *st = &r->srv->store;
	const struct kart_config *cfg = r->cfg;
	*refused = false;
	Kart__UserRecord *u;
	int rc = user_load(r->txn, st, r->who.user, &r->arena->pb, &u);
	if (rc && rc != MDB_NOTFOUND)
		return rc;
	if (rc || !may_export(cfg, u->user)) {
		if ((rc = audit_append(r, "export.denied", "export", 0, "",
				       arena_printf(r->arena, "no export permission; %.200s", j->filter), false)))
			return rc;
		req_error(r, KART__ERROR_CODE__PERMISSION_DENIED, "", "permission denied: you may not export cards");
		*refused = true;
		return 0;
	}
	uint64_t quota = quota_of(cfg, u->user), used = 0, n = j->nids;
	if (quota) {
		if ((rc = exported_since(r->txn, st, r->who.user, local_midnight(r->now), &used)))
			return rc;
		if (used + n > quota) {
			if ((rc = audit_append(r, "export.quota", "export", 0, "",
					       arena_printf(r->arena,
							    "refused: %" PRIu64 " cards asked, %" PRIu64 " of %" PRIu64
							    " a day exported; %.160s",
							    n, used, quota, j->filter),
					       false)))
				return rc;
			req_error(r, KART__ERROR_CODE__QUOTA_EXCEEDED, "", "%s", quota_words(r->arena, n, used, quota));
			*refused = true;
			return 0;
		}
	}
	return 0;
}

/* The custom fields of the file, as they are now, packed into j for the
 * stream and made ready for the writers in xf: the header is written with
 * them and the stream keeps to them, whatever is defined meanwhile. 0, ENOMEM
 * or an MDB code. */
static int export_fields_fix(struct req *r, struct xjob *j, struct export_fields *xf)
{
	struct schema *sc = schema_for(r);
	int rc;
	if ((rc = schema_sync(sc, r->txn, &r->srv->store)))
		return rc;
	/* what the writers need of them: name, type, when defined and in what order (not an enum's values) */
	Kart__FieldDef *defs = arena_alloc(r->arena, (sc->n + 1) * sizeof(*defs));
	Kart__FieldDef **defp = arena_alloc(r->arena, (sc->n + 1) * sizeof(*defp));
	if (!defs || !defp)
		return ENOMEM;
	for (size_t i = 0; i < sc->n; i++) {
		kart__field_def__init(&defs[i]);
		defs[i].name = sc->defs[i]->name;
		defs[i].type = sc->defs[i]->type;
		defs[i].sensitive = sc->defs[i]->sensitive;
		defs[i].created_at = sc->defs[i]->created_at;
		defs[i].seq = sc->defs[i]->seq;
		defp[i] = &defs[i];
	}
	Kart__FieldPage page = KART__FIELD_PAGE__INIT;
	page.fields = defp;
	page.n_fields = sc->n;
	j->fields_len = kart__field_page__get_packed_size(&page);
	if (!(j->fields = malloc(j->fields_len + 1)))
		return ENOMEM;
	kart__field_page__pack(&page, j->fields);
	if (export_fields_init(xf, r->arena, defp, sc->n) < 0)
		return ENOMEM;
	return 0;
}

/* The reply: the first piece of the file (a CSV's BOM and header); the
 * stream sends the rest. */
static int export_first_chunk(struct req *r, const struct xjob *j, const struct export_fields *xf, uint64_t export_id)
{
	struct xbuf head = { 0 };
	if (j->fmt == EXPORT_CSV)
		export_csv_header(&head, j->delim, xf);
	Kart__ExportChunk *ch = arena_alloc(r->arena, sizeof(*ch));
	uint8_t *data = head.len ? arena_alloc(r->arena, head.len) : NULL;
	if (!ch || head.oom || (head.len && !data)) {
		xbuf_free(&head);
		return ENOMEM;
	}
	kart__export_chunk__init(ch);
	ch->export_id = export_id; /* for an ExportAbort if the client cannot write the file */
	if (head.len)
		memcpy(data, head.p, head.len);
	ch->data.data = data;
	ch->data.len = head.len;
	xbuf_free(&head);
	r->out.body_case = KART__ENVELOPE__BODY_EXPORT_CHUNK;
	r->out.export_chunk = ch;
	r->out.more = true;
	return H_OK;
}

static int w_export(struct req *r)
{
	struct wreq *w = wreq_of(r);
	struct xjob *j = w->ud;
	struct store *st = &r->srv->store;
	/* a batch retried after the map grew runs this again */
	free(j->record);
	j->record = NULL;
	free(j->fields);
	j->fields = NULL;

	bool refused;
	int rc = export_allowed(r, j, &refused);
	if (rc || refused)
		return rc;
	if ((rc = unpack_ids(j)) || (j->contacts_gone && (rc = rederive_contacts(r, j))))
		return rc;
	uint64_t n = j->nids;

	uint64_t export_id;
	if ((rc = store_next_id(r->txn, st, "next_export_id", &export_id)))
		return rc;
	/* an export of no cards gets no canary: a file of nothing but one would
	 * show the exporter what a canary row looks like */
	uint32_t k = n ? (uint32_t)(1 + n / EXPORT_CANARY_EVERY) : 0;
	Kart__CanaryRow **rowp;
	rc = canary_rows_make(r, export_id, j->ids, n, k, &rowp);
	if (rc == MDB_KEYEXIST) {
		log_err("export: no free canary phone or email after %d tries", CANARY_TRIES);
		return req_error(r, KART__ERROR_CODE__INTERNAL, "", "internal error: no free canary number; the server log has details");
	}
	if (rc)
		return rc;
	char fp[65];
	if (canary_fingerprint(rowp, k, fp) < 0)
		return EIO;

	Kart__ExportRecord rec = KART__EXPORT_RECORD__INIT;
	rec.id = export_id;
	rec.user = r->who.user;
	rec.time = r->now / 1000000;
	rec.client = r->who.peer;
	rec.filter = j->filter;
	rec.format = (char *)(j->fmt == EXPORT_CSV ? "csv" : "vcard");
	rec.cards = n;
	rec.canaries = k;
	rec.fingerprint = fp;
	rec.canary_rows = rowp;
	rec.n_canary_rows = k;
	char d[2] = { j->delim, 0 };
	rec.delimiter = j->fmt == EXPORT_CSV ? d : (char *)"";
	rec.state = (char *)"sending"; /* done or failed as the stream ends */
	size_t len = kart__export_record__get_packed_size(&rec);
	uint8_t key[8];
	store_u64_key(export_id, key);
	MDB_val kk = { 8, key }, v = { len, NULL };
	if ((rc = mdb_put(r->txn, st->exports, &kk, &v, MDB_RESERVE)))
		return rc;
	kart__export_record__pack(&rec, v.mv_data);
	if ((rc = put_blob(r, export_id, j)))
		return rc;
	char n1[32], n2[32];
	if ((rc = audit_append(r, "export", "export", export_id, rec.format,
			       arena_printf(r->arena, "%s + %s, %s, fingerprint %.16s: %.150s",
					    TEXT_COUNT(n1, n, "card"), TEXT_COUNT(n2, k, "canary row"), rec.format, fp, *j->filter ? j->filter : "(every card in scope)"),
			       true)))
		return rc;
	/* the exporter's read record of these cards, and the alarm for canaries among them */
	if ((rc = reads_put_export(r, export_id)))
		return rc;
	for (size_t i = 0; i < j->ncanaries; i++)
		if ((rc = reads_canary_alert_w(r, j->canaries[i], "export")))
			return rc;
	if (!(j->record = malloc(len)))
		return ENOMEM;
	kart__export_record__pack(&rec, j->record);
	j->record_len = len;

	struct export_fields xf;
	if ((rc = export_fields_fix(r, j, &xf)))
		return rc;
	return export_first_chunk(r, j, &xf, export_id);
}

/* ---- the file, encoded in the pool, sent from the loop ---- */

/* The file's encoder, shared by the stream (loop thread) and the pool job
 * that writes its next chunk: while a job runs (`running`), only the job
 * touches the encoding state and buf[fill]; the loop sends buf[!fill]. The
 * stream freed while a job runs leaves the encoder to the job's end. */
struct xenc {
	uv_work_t work;
	struct server *srv;
	struct conn *conn;          /* the file's: the jobs are scheduled as its user's scans */
	struct principal who;
	const struct kart_config *cfg; /* the stream's: held while a job runs */
	struct stream *s;           /* NULL once the stream is freed */
	bool running;               /* a job in the pool */
	bool body_done;             /* every row encoded */
	int err;                    /* a job failed: ENOMEM or an MDB code */
	int fill;                   /* the buffer the next job writes */
	struct xbuf buf[2];
	/* the encoding state */
	uint64_t *ids;              /* the scan's mapping (big_grow), ids_cap long */
	size_t n, pos, ids_cap;
	Kart__ExportRecord *rec;
	size_t ci;                  /* the next canary row */
	uint64_t row;               /* data rows written */
	enum export_format fmt;
	char delim;
	struct export_fields fields; /* the custom columns, fixed at the start */
	struct arena a;             /* rec, ids and fields */
	struct arena job;           /* a job's scope memo, masked values and canaries */
	struct arena card[2];       /* a row's card and the last real one */
	struct schema sc;           /* the pool's view of the field types, for masking */
};

static void xenc_free(struct xenc *x)
{
	xbuf_free(&x->buf[0]);
	xbuf_free(&x->buf[1]);
	export_fields_free(&x->fields);
	big_free(x->ids, x->ids_cap * sizeof(*x->ids));
	schema_free(&x->sc);
	arena_free(&x->job);
	arena_free(&x->card[0]);
	arena_free(&x->card[1]);
	arena_free(&x->a);
	free(x);
}

/* A job's walk of the cards: the file's ids ascend, as the cards' keys do,
 * so the next card is most often the cursor's next entry, not a new descent
 * of the tree from its root (a lookup per card cost more than decoding it). */
struct walk {
	MDB_cursor *cur;
	bool at_valid;
	uint64_t at;                /* the id the cursor is on */
};

static int walk_get(struct walk *wk, uint64_t id, MDB_val *v)
{
	MDB_val k;
	int rc;
	if (wk->at_valid && wk->at == id)
		return mdb_cursor_get(wk->cur, &k, v, MDB_GET_CURRENT);
	if (wk->at_valid && wk->at < id) {
		rc = mdb_cursor_get(wk->cur, &k, v, MDB_NEXT);
		wk->at_valid = rc == 0 && k.mv_size == 8;
		if (rc && rc != MDB_NOTFOUND)
			return rc;
		if (wk->at_valid) {
			wk->at = store_key_u64(k.mv_data);
			if (wk->at == id)
				return 0;
			if (wk->at > id)
				return MDB_NOTFOUND; /* deleted since the scan */
		} else if (rc == MDB_NOTFOUND) {
			return MDB_NOTFOUND;
		}
	}
	uint8_t key[8];
	store_u64_key(id, key);
	k.mv_size = 8;
	k.mv_data = key;
	rc = mdb_cursor_get(wk->cur, &k, v, MDB_SET_KEY);
	wk->at_valid = rc == 0;
	wk->at = id;
	return rc;
}

/* Loads a card for the file: visible to the exporter, masked for them, as
 * acl_mask does on the loop (with the pool's schema). */
static Kart__Card *stream_card(struct req *r, struct xenc *x, struct walk *wk, uint64_t id, struct arena *a)
{
	MDB_val v;
	if (walk_get(wk, id, &v) != 0)
		return NULL;
	Kart__Card *c = kart__card__unpack(&a->pb, v.mv_size, v.mv_data);
	if (!c || !acl_visible(r, c))
		return NULL;
	schema_mark_types(&x->sc, c);
	if (acl_masks(r, c))
		acl_mask_with(r, c, &x->sc);
	return c;
}

static void put_row(struct xenc *x, struct xbuf *b, const Kart__Card *c)
{
	if (x->fmt == EXPORT_CSV)
		export_csv_row(b, c, x->delim, &x->fields);
	else
		export_vcard(b, c, &x->fields);
}

/* Pool thread: the next chunk of the file into buf[fill], whole rows until
 * it holds EXPORT_CHUNK, canaries at their positions, in a read transaction
 * of its own (a card deleted or moved out of scope since the scan is left
 * out, as a page on the loop left it out). */
static void xenc_run(uv_work_t *w)
{
	struct xenc *x = w->data;
	struct xbuf *b = &x->buf[x->fill];
	MDB_txn *txn = NULL;
	int rc = store_pool_begin(&x->srv->store, &txn);
	if (rc == 0)
		rc = schema_sync(&x->sc, txn, &x->srv->store);
	struct walk wk = { 0 };
	if (rc == 0)
		rc = mdb_cursor_open(txn, x->srv->store.cards, &wk.cur);
	if (rc) {
		x->err = rc;
		store_pool_end(&x->srv->store, &txn);
		return;
	}
	arena_reset(&x->job);
	struct req r = { .srv = x->srv, .cfg = x->cfg, .who = x->who, .txn = txn, .arena = &x->job,
			 .now = util_now_us() };
	int cur = 0;
	Kart__Card *nb = NULL;      /* the last real row, for the canaries' other columns */
	size_t loads = 0;
	while (b->len < EXPORT_CHUNK && loads < 20000 && !b->oom) {
		Kart__CanaryRow *cr = x->ci < x->rec->n_canary_rows ? x->rec->canary_rows[x->ci] : NULL;
		if (cr && (cr->position <= x->row || x->pos >= x->n)) {
			if (!nb) {
				/* the real row before it, else the one after */
				arena_reset(&x->card[cur]);
				if (x->pos > 0)
					nb = stream_card(&r, x, &wk, x->ids[x->pos - 1], &x->card[cur]);
				if (!nb && x->pos < x->n)
					nb = stream_card(&r, x, &wk, x->ids[x->pos], &x->card[cur]);
				if (nb)
					cur ^= 1;
				loads++;
			}
			Kart__Card cc;
			export_canary_card(cr, nb, &x->fields, &x->job, &cc);
			put_row(x, b, &cc);
			x->ci++;
			x->row++;
			continue;
		}
		if (x->pos >= x->n)
			break;
		arena_reset(&x->card[cur]);
		Kart__Card *c = stream_card(&r, x, &wk, x->ids[x->pos++], &x->card[cur]);
		loads++;
		if (!c)
			continue; /* deleted since the scan, or out of scope now */
		put_row(x, b, c);
		nb = c;
		cur ^= 1;
		x->row++;
	}
	mdb_cursor_close(wk.cur);
	store_pool_end(&x->srv->store, &txn);
	if (b->oom)
		x->err = ENOMEM;
	else if (x->pos >= x->n && x->ci >= x->rec->n_canary_rows)
		x->body_done = true;
}

static void xenc_start(struct xenc *x);

/* Loop thread: the chunk is ready (or the stream is gone). */
static void xenc_after(uv_work_t *w, int status)
{
	struct xenc *x = w->data;
	struct server *srv = x->srv;
	req_pool_work_done(srv, x->conn, w);
	x->running = false;
	conf_drop(x->cfg);
	x->cfg = NULL;
	if (status)
		x->err = ECANCELED; /* the server is stopping, or the connection closed while it waited */
	if (!x->s)
		xenc_free(x);
	else
		req_stream_wake(x->s);
	srv->inflight--;
	srv->hooks.settled(srv);
}

/* Loop thread: the next chunk, in the pool, as one of the exporter's scans
 * (an export's chunks take no more of the pool than their user's share;
 * the server waits for them before it stops). */
static void xenc_start(struct xenc *x)
{
	x->cfg = conf_hold(x->srv->cfg);
	x->work.data = x;
	x->running = true;
	if (req_pool_work(x->srv, x->conn, x->who.user, &x->work, xenc_run, xenc_after) != 0) {
		x->running = false;
		conf_drop(x->cfg);
		x->cfg = NULL;
		x->err = ENOMEM;
		return;
	}
	x->srv->inflight++;
}

/* A page: the chunk the pool has written, sent as it is while the pool writes
 * the next; the stream waits while there is none yet; the last frame is the
 * ExportRecord. */
static bool export_page(struct stream *s, struct req *r)
{
	struct xenc *x = s->state;
	s->waiting = false;
	if (!x->running && !x->err && !x->buf[x->fill].len && !x->body_done)
		xenc_start(x); /* nothing written yet: the next chunk, if it could start */
	if (x->running) {
		s->waiting = true;
		return false;
	}
	if (x->err) {
		const char *why = x->err == ENOMEM	? "out of memory"
				  : x->err == ECANCELED ? "the server is stopping"
							: "the database is busy";
		bool own = x->err == ENOMEM || x->err == ECANCELED;
		log_err("export %" PRIu64 ": %s", x->rec->id, own ? why : mdb_strerror(x->err));
		req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "%s", why);
		return true;
	}
	struct xbuf *out = &x->buf[x->fill];
	if (!out->len) {
		Kart__ExportRecord *o = arena_alloc(r->arena, sizeof(*o));
		if (!o) {
			req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "out of memory");
			return true;
		}
		*o = *x->rec;
		o->canary_rows = NULL; /* the exporter never learns which rows they are */
		o->n_canary_rows = 0;
		o->state = (char *)"done";
		r->out.body_case = KART__ENVELOPE__BODY_EXPORT_RECORD;
		r->out.export_record = o;
		return true;
	}
	/* out is sent as it is (the frame is packed once this returns); the
	 * next job writes the other buffer, emptied (it was sent last time) */
	x->fill ^= 1;
	x->buf[x->fill].len = 0;
	if (!x->body_done)
		xenc_start(x);
	Kart__ExportChunk *ch = arena_alloc(r->arena, sizeof(*ch));
	if (!ch) {
		req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "out of memory");
		return true;
	}
	kart__export_chunk__init(ch);
	ch->data.data = (uint8_t *)out->p;
	ch->data.len = out->len;
	r->out.body_case = KART__ENVELOPE__BODY_EXPORT_CHUNK;
	r->out.export_chunk = ch;
	return false;
}

/* The stream is over: whole, or not (the connection closed, a cancel, an error). */
static void export_release(struct stream *s, bool finished)
{
	struct xenc *x = s->state;
	if (!x)
		return;
	s->state = NULL;
	export_end_submit(s->srv, &s->who, x->rec->id, !finished,
			  s->end[0] ? s->end : "the file was not sent to its end");
	x->s = NULL;
	if (!x->running)
		xenc_free(x); /* else the job's end frees it */
}

/* The encoder of j's file, its first chunk already on its way in the pool;
 * NULL when out of memory. */
static struct xenc *xenc_new(struct wreq *w, struct xjob *j)
{
	struct xenc *x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	x->srv = w->r.srv;
	x->conn = w->r.conn;
	x->who = w->r.who;
	x->fmt = j->fmt;
	x->delim = j->delim;
	arena_init(&x->a, 0);
	arena_init(&x->job, 0);
	arena_init(&x->card[0], 0);
	arena_init(&x->card[1], 0);
	x->rec = kart__export_record__unpack(&x->a.pb, j->record_len, j->record);
	x->n = j->nids;
	if (unpack_ids(j)) {
		xenc_free(x);
		return NULL;
	}
	/* the scan's ids are the stream's now */
	x->ids = j->ids;
	x->ids_cap = j->cap;
	j->ids = NULL;
	j->cap = 0;
	Kart__FieldPage *fp = j->fields ? kart__field_page__unpack(&x->a.pb, j->fields_len, j->fields) : NULL;
	if (!x->rec || !fp || export_fields_init(&x->fields, &x->a, fp->fields, fp->n_fields) < 0) {
		xenc_free(x);
		return NULL;
	}
	return x;
}

static void export_done(struct wreq *w)
{
	struct xjob *j = w->ud;
	w->ud = NULL;
	if (!j)
		return;
	if (w->r.out.body_case != KART__ENVELOPE__BODY_EXPORT_CHUNK || !j->record) {
		free_xjob(j);
		return;
	}
	if (!req_conn_open(w->r.conn)) {
		Kart__ExportRecord *rec = kart__export_record__unpack(NULL, j->record_len, j->record);
		if (rec)
			export_end_submit(w->r.srv, &w->r.who, rec->id, true, "the connection closed before the file began");
		kart__export_record__free_unpacked(rec, NULL);
		free_xjob(j);
		return;
	}
	struct req r = { .srv = w->r.srv, .cfg = w->r.cfg, .conn = w->r.conn, .id = w->r.id, .who = w->r.who };
	struct stream *s = stream_new(&r, export_page);
	struct xenc *x = s ? xenc_new(w, j) : NULL;
	if (!x) {
		Kart__ExportRecord *rec = kart__export_record__unpack(NULL, j->record_len, j->record);
		if (rec)
			export_end_submit(w->r.srv, &w->r.who, rec->id, true, "out of memory starting the file");
		kart__export_record__free_unpacked(rec, NULL);
		if (s)
			stream_free(s);
		log_err("export %s: out of memory starting the file", w->r.who.user);
		wreq_repack_error(w, "out of memory; the export is recorded but its file could not be sent");
	} else {
		x->s = s;
		s->state = x;
		s->release = export_release;
		if (x->n || x->rec->n_canary_rows)
			xenc_start(x); /* the first rows while the header goes out */
		else
			x->body_done = true;
		req_stream(&w->r, s); /* added to the connection after this */
	}
	free_xjob(j);
}
