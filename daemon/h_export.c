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
 *   4. loop (export_page, a stream): the cards are loaded, scope-checked and
 *      masked as for any list, written as CSV or vCard with the canaries at
 *      their positions, and sent in ExportChunk frames of about 256 KiB as the
 *      connection drains; the last frame is the ExportRecord.
 * Memory: the ids (8 bytes a card) stay with the stream; the hashes (12 bytes
 * a contact) are held from the scan to the commit. A 1M-card export holds
 * about 8 MiB plus 25 MiB for a moment, never the file. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "audit.h"
#include "card.h"
#include "canary.h"
#include "cardq.h"
#include "export.h"
#include "export_policy.h"
#include "frame.h"
#include "handlers.h"
#include "reads.h"
#include "log.h"
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
	uint64_t *canaries;         /* canary cards among ids (reads.h) */
	size_t ncanaries;
	/* writer results */
	uint8_t *record;            /* the packed ExportRecord, with canary rows */
	size_t record_len;
	uint8_t *fields;            /* the packed FieldPage of the custom fields in the file */
	size_t fields_len;
};

static void free_xjob(struct xjob *j)
{
	if (!j)
		return;
	free(j->where);
	free(j->filter);
	free(j->ids);
	free(j->hashes);
	free(j->owners);
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
		size_t cap = j->hcap ? j->hcap * 2 : 2048;
		uint64_t *nh = realloc(j->hashes, cap * sizeof(*nh));
		if (nh)
			j->hashes = nh;
		uint32_t *no = nh ? realloc(j->owners, cap * sizeof(*no)) : NULL;
		if (!no)
			return false;
		j->owners = no;
		j->hcap = cap;
	}
	j->hashes[j->nhash] = h;
	j->owners[j->nhash++] = owner;
	return true;
}

static int scan_card(void *ud, Kart__Card *card)
{
	struct scan *s = ud;
	struct xjob *j = s->j;
	if (j->nids == j->cap) {
		size_t cap = j->cap ? j->cap * 2 : 1024;
		uint64_t *n = realloc(j->ids, cap * sizeof(*n));
		if (!n) {
			s->oom = true;
			return 1;
		}
		j->ids = n;
		j->cap = cap;
	}
	uint32_t at = (uint32_t)j->nids;
	j->ids[j->nids++] = card->id;
	if (s->any_canary && !note_canary(s, card->id)) {
		s->oom = true;
		return 1;
	}
	arena_reset(&s->scratch);
	for (size_t i = 0; i < card->n_phones_e164; i++)
		if (card->phones_e164[i] && *card->phones_e164[i] &&
		    !add_hash(j, export_contact_hash('p', card->phones_e164[i]), at)) {
			s->oom = true;
			return 1;
		}
	for (size_t i = 0; i < card->n_emails; i++) {
		const char *e = card->emails[i] ? text_fold(&s->scratch, card->emails[i]) : NULL;
		if (e && *e && !add_hash(j, export_contact_hash('e', e), at)) {
			s->oom = true;
			return 1;
		}
	}
	return 0;
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

static int put_blob(struct req *r, uint64_t export_id, const struct xjob *j)
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
		memcpy(p, j->ids, j->nids * 8);
	p += j->nids * 8;
	if (j->nhash) {
		memcpy(p, j->hashes, j->nhash * 8);
		memcpy(p + j->nhash * 8, j->owners, j->nhash * 4);
	}
	return 0;
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
	/* what the writers need of them: name, type, when defined (not an enum's values) */
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

/* ---- the file, streamed from the loop ---- */

struct xstate {
	uint64_t *ids;
	size_t n, pos;
	Kart__ExportRecord *rec;
	size_t ci;                  /* the next canary row */
	uint64_t row;               /* data rows written */
	enum export_format fmt;
	char delim;
	bool body_done;
	struct export_fields fields; /* the custom columns, fixed at the start */
};

/* Loads a card for the stream: visible to the exporter, masked for them. */
static Kart__Card *stream_card(struct req *r, uint64_t id, struct arena *a)
{
	Kart__Card *c;
	if (card_load(r->txn, r->srv->store.cards, id, a, &c) != 0 || !acl_visible(r, c))
		return NULL;
	acl_mask(r, c);
	return c;
}

static void put_row(struct xstate *st, struct xbuf *b, const Kart__Card *c)
{
	if (st->fmt == EXPORT_CSV)
		export_csv_row(b, c, st->delim, &st->fields);
	else
		export_vcard(b, c, &st->fields);
}

static bool export_page(struct stream *s, struct req *r)
{
	struct xstate *st = s->state;
	if (st->body_done) {
		Kart__ExportRecord *o = arena_alloc(r->arena, sizeof(*o));
		if (!o) {
			req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "out of memory");
			return true;
		}
		*o = *st->rec;
		o->canary_rows = NULL; /* the exporter never learns which rows they are */
		o->n_canary_rows = 0;
		o->state = (char *)"done";
		r->out.body_case = KART__ENVELOPE__BODY_EXPORT_RECORD;
		r->out.export_record = o;
		return true;
	}
	struct arena ar[2];
	arena_init(&ar[0], 0);
	arena_init(&ar[1], 0);
	int cur = 0;
	Kart__Card *nb = NULL;      /* the last real row, for the canaries' other columns */
	struct xbuf b = { 0 };
	size_t loads = 0;
	while (b.len < EXPORT_CHUNK && loads < 20000 && !b.oom) {
		Kart__CanaryRow *cr = st->ci < st->rec->n_canary_rows ? st->rec->canary_rows[st->ci] : NULL;
		if (cr && (cr->position <= st->row || st->pos >= st->n)) {
			if (!nb) {
				/* the real row before it, else the one after */
				arena_reset(&ar[cur]);
				if (st->pos > 0)
					nb = stream_card(r, st->ids[st->pos - 1], &ar[cur]);
				if (!nb && st->pos < st->n)
					nb = stream_card(r, st->ids[st->pos], &ar[cur]);
				if (nb)
					cur ^= 1;
				loads++;
			}
			Kart__Card cc;
			export_canary_card(cr, nb, &st->fields, r->arena, &cc);
			put_row(st, &b, &cc);
			st->ci++;
			st->row++;
			continue;
		}
		if (st->pos >= st->n)
			break;
		arena_reset(&ar[cur]);
		Kart__Card *c = stream_card(r, st->ids[st->pos++], &ar[cur]);
		loads++;
		if (!c)
			continue; /* deleted since the scan, or out of scope now */
		put_row(st, &b, c);
		nb = c;
		cur ^= 1;
		st->row++;
	}
	arena_free(&ar[0]);
	arena_free(&ar[1]);
	if (b.oom) {
		xbuf_free(&b);
		req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "out of memory");
		return true;
	}
	if (st->pos >= st->n && st->ci >= st->rec->n_canary_rows)
		st->body_done = true;
	Kart__ExportChunk *ch = arena_alloc(r->arena, sizeof(*ch));
	uint8_t *data = b.len ? arena_alloc(r->arena, b.len) : NULL;
	if (!ch || (b.len && !data)) {
		xbuf_free(&b);
		req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "out of memory");
		return true;
	}
	kart__export_chunk__init(ch);
	if (b.len)
		memcpy(data, b.p, b.len);
	ch->data.data = data;
	ch->data.len = b.len;
	xbuf_free(&b);
	r->out.body_case = KART__ENVELOPE__BODY_EXPORT_CHUNK;
	r->out.export_chunk = ch;
	return false;
}

/* The stream is over: whole, or not (the connection closed, a cancel, an error). */
static void export_release(struct stream *s, bool finished)
{
	struct xstate *st = s->state;
	if (!st || !st->rec)
		return;
	export_end_submit(s->srv, &s->who, st->rec->id, !finished,
			  s->end[0] ? s->end : "the file was not sent to its end");
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
	struct xstate *st = s ? arena_alloc(&s->arena, sizeof(*st)) : NULL;
	if (st) {
		memset(st, 0, sizeof(*st));
		st->rec = kart__export_record__unpack(&s->arena.pb, j->record_len, j->record);
		st->ids = j->nids ? arena_alloc(&s->arena, j->nids * sizeof(*st->ids)) : NULL;
		st->n = j->nids;
		st->fmt = j->fmt;
		st->delim = j->delim;
		if (st->n && st->ids)
			memcpy(st->ids, j->ids, st->n * sizeof(*st->ids));
		Kart__FieldPage *fp = j->fields ? kart__field_page__unpack(&s->arena.pb, j->fields_len, j->fields) : NULL;
		if (!fp || export_fields_init(&st->fields, &s->arena, fp->fields, fp->n_fields) < 0)
			st->rec = NULL;
	}
	if (!st || !st->rec || (st->n && !st->ids)) {
		Kart__ExportRecord *rec = kart__export_record__unpack(NULL, j->record_len, j->record);
		if (rec)
			export_end_submit(w->r.srv, &w->r.who, rec->id, true, "out of memory starting the file");
		kart__export_record__free_unpacked(rec, NULL);
		if (s)
			stream_free(s);
		log_err("export %s: out of memory starting the file", w->r.who.user);
		wreq_repack_error(w, "out of memory; the export is recorded but its file could not be sent");
	} else {
		s->state = st;
		s->release = export_release;
		req_stream(&w->r, s); /* added to the connection after this */
	}
	free_xjob(j);
}
