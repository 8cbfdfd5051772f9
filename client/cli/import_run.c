/* import_run: `kart import FILE…` — reads other programs' contact files
 * (client/lib/imp.h) and sends their rows to kartd as one import: an
 * ImportBegin, batches of rows (ImportBatch), an ImportEnd.
 *
 * Rows are numbered over all the files in order, so the server can tell a
 * batch it has committed from a new one: a batch resent after a lost reply is
 * not applied twice, and `--resume ID` (or a reconnect after the connection
 * broke) reads the files again and sends only the rows after the server's
 * rows_done. A few batches are in flight at once; each keeps what it needs
 * to report its rows (file, line, the column of each field, the record's
 * text for --rejects) until its reply comes. Memory stays bounded by the
 * window, whatever the size of the files. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "arena.h"
#include "cli.h"
#include "i18n.h"
#include "imp.h"
#include "out.h"
#include "text.h"
#include "cmd.h"
#include "util.h"

#define BATCH_ROWS 2000
#define BATCH_BYTES (1u << 20) /* well under the server's smallest sensible max_frame */
#define WINDOW 4
#define SHOWN_MAX 100          /* problems printed; the rest are counted */
#define RECONNECTS 5

struct row_meta {
	const char *file;
	unsigned long line;
	struct imp_field *fields; /* names and positions, for the column of a refused field */
	size_t nfields;
	const char *raw;
	size_t raw_len;
	const char *header;       /* the file's header record (CSV), for --rejects */
	bool bad;                 /* refused by the reader: reported already */
};

struct batch {
	struct arena a;
	uint64_t req_id;
	uint64_t first;           /* row number of rows[0] */
	Kart__ImportRow **rows;
	struct row_meta *meta;
	size_t n, bytes;
};

struct run {
	struct cli *cli;
	struct kc *c;
	Kart__ImportBegin begin;
	bool dry, strict, tty;
	uint64_t id, rows_done, next_row;
	struct batch win[WINDOW]; /* [0, count) in flight, oldest first */
	size_t count;
	struct batch fill;        /* the batch being filled */
	struct { uint64_t created, merged, skipped, failed; } dry_total; /* --dry-run: the batches' counts */
	Kart__ImportStatus dry_total_msg;
	Kart__ImportStatus *last; /* the newest status from the server */
	Kart__Envelope *last_env;
	size_t shown, unshown, similar_shown, similar;
	uint64_t client_failed;
	bool strict_hit;          /* --strict: a row failed */
	FILE *rejects;
	const char *rejects_path;
	const char *rejects_header; /* the header last written to the rejects */
	/* progress */
	int64_t started_us, drawn_us;
	uint64_t bytes_total, bytes_before; /* all files; the files already read */
	struct imp_reader *rd;
};

/* ---- reporting ---- */

/* "kart: FILE:LINE[:COL]: text" on stderr, the file's name and the text made
 * visible (either may hold what a file or a user put there). */
static void say(struct run *r, const char *file, unsigned long line, unsigned long col, const char *why)
{
	if (r->tty)
		fputs("\r\033[K", stderr);
	char buf[256], *heap = NULL;
	const char *f = out_visible(file, 0, buf, sizeof(buf), &heap);
	if (col)
		fprintf(stderr, "kart: %s:%lu:%lu: ", f, line, col);
	else
		fprintf(stderr, "kart: %s:%lu: ", f, line);
	free(heap);
	heap = NULL;
	char wbuf[512];
	fprintf(stderr, "%s\n", out_visible(why, 0, wbuf, sizeof(wbuf), &heap));
	free(heap);
}

/* A row or a column that did not go in; past SHOWN_MAX only counted. */
static void problem(struct run *r, const char *file, unsigned long line, unsigned long col, const char *why)
{
	if (r->shown >= SHOWN_MAX) {
		r->unshown++;
		return;
	}
	r->shown++;
	say(r, file, line, col, why);
}

static int reject(struct run *r, const struct row_meta *m)
{
	if (!r->rejects)
		return 0;
	if (m->header && m->header != r->rejects_header) {
		fwrite(m->header, 1, strlen(m->header), r->rejects);
		fputc('\n', r->rejects);
		r->rejects_header = m->header;
	}
	fwrite(m->raw, 1, m->raw_len, r->rejects);
	if (m->raw_len && m->raw[m->raw_len - 1] != '\n')
		fputc('\n', r->rejects);
	if (ferror(r->rejects))
		return out_error(KC_ERR_OTHER, _("cannot write %s: %s"), r->rejects_path, strerror(errno));
	return 0;
}

/* The column of the field the server refused, from the row's fields. */
static unsigned long field_col(const struct row_meta *m, const char *field, unsigned long *line)
{
	for (size_t i = 0; field && *field && i < m->nfields; i++)
		if (strcmp(m->fields[i].name, field) == 0) {
			*line = m->fields[i].pos.line;
			return m->fields[i].pos.col;
		}
	*line = m->line;
	return 0;
}

static void progress(struct run *r, bool last)
{
	if (!r->tty)
		return;
	int64_t now = util_now_us();
	if (!last && now - r->drawn_us < 200000)
		return;
	r->drawn_us = now;
	double secs = (double)(now - r->started_us) / 1e6;
	uint64_t rows = r->next_row;
	double rate = secs > 0.2 ? (double)rows / secs : 0;
	long long done = 0, total = 0;
	if (r->rd)
		imp_progress(r->rd, &done, &total);
	uint64_t bytes = r->bytes_before + (uint64_t)done;
	fprintf(stderr, "\r\033[K");
	if (r->bytes_total && bytes <= r->bytes_total) {
		int pct = (int)(bytes * 100 / r->bytes_total);
		int fill = pct / 5;
		fprintf(stderr, "[%.*s%*s] %3d%% ", fill, "####################", 20 - fill, "", pct);
		if (bytes && rate > 0 && !last) {
			double eta = secs * (double)(r->bytes_total - bytes) / (double)bytes;
			fprintf(stderr, _("· ETA %d:%02d "), (int)eta / 60, (int)eta % 60);
		}
	}
	fprintf(stderr, _("· %" PRIu64 " rows · %.0f rows/s"), rows, rate);
	if (last)
		fputc('\n', stderr);
}

/* ---- the connection ---- */

static int begin(struct run *r, uint64_t id)
{
	Kart__Envelope req = KART__ENVELOPE__INIT, *resp = NULL;
	r->begin.id = id;
	req.body_case = KART__ENVELOPE__BODY_IMPORT_BEGIN;
	req.import_begin = &r->begin;
	int rc = call(r->c, &req, KART__ENVELOPE__BODY_IMPORT_STATUS, &resp);
	if (rc)
		return rc;
	Kart__ImportStatus *st = resp->import_status;
	if (id && st->fingerprint && r->begin.fingerprint && strcmp(st->fingerprint, r->begin.fingerprint) != 0) {
		kc_env_free(resp);
		return out_error(KC_ERR_CONFLICT, _("import %" PRIu64 " was made from other files: give the same files in the same order"), id);
	}
	r->id = st->id;
	r->rows_done = st->rows_done;
	kc_env_free(r->last_env);
	r->last_env = resp;
	r->last = st;
	return 0;
}

static int send_batch(struct run *r, struct batch *b)
{
	Kart__ImportBatch ib = KART__IMPORT_BATCH__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	struct kc_error err;
	ib.id = r->id;
	ib.rows = b->rows;
	ib.n_rows = b->n;
	ib.dry_run = r->dry;
	if (r->dry)
		ib.begin = &r->begin; /* nothing is stored: the options come along */
	req.body_case = KART__ENVELOPE__BODY_IMPORT_BATCH;
	req.import_batch = &ib;
	b->req_id = kc_send(r->c, &req, &err);
	return b->req_id ? 0 : -1;
}

/* The connection broke: open a new one, ask where the import stands, drop
 * the batches that were committed and send the others again. */
static int reconnect(struct run *r, const struct kc_error *why)
{
	if (r->dry || !r->id)
		return out_kc_error(why);
	for (int attempt = 0; attempt < RECONNECTS; attempt++) {
		kc_close(r->c);
		r->c = NULL;
		sleep(1u << attempt);
		struct kc_profile p;
		struct kc_error err;
		session_profile(r->cli, &p);
		if (kc_session_open(&p, &r->c, &err))
			continue;
		int rc = begin(r, r->id);
		if (rc)
			return rc;
		size_t keep = 0;
		for (size_t i = 0; i < r->count; i++) {
			struct batch *b = &r->win[i];
			if (b->first + b->n - 1 <= r->rows_done) {
				arena_free(&b->a);
				continue;
			}
			r->win[keep++] = *b;
		}
		for (size_t i = keep; i < r->count; i++)
			memset(&r->win[i], 0, sizeof(r->win[i]));
		r->count = keep;
		bool sent = true;
		for (size_t i = 0; i < r->count && sent; i++)
			sent = send_batch(r, &r->win[i]) == 0;
		if (sent)
			return 0;
	}
	return out_kc_error(why);
}

/* ---- replies ---- */

static int batch_results(struct run *r, struct batch *b, Kart__ImportStatus *st)
{
	int rc = 0;
	for (size_t i = 0; i < st->n_rows && !rc; i++) {
		Kart__ImportRowResult *res = st->rows[i];
		if (res->row < b->first || res->row >= b->first + b->n)
			continue;
		const struct row_meta *m = &b->meta[res->row - b->first];
		switch (res->outcome) {
		case KART__IMPORT_OUTCOME__IMPORT_OUTCOME_FAILED:
			if (!m->bad) {
				unsigned long line;
				unsigned long col = field_col(m, res->error ? res->error->field : NULL, &line);
				const char *msg = res->error && res->error->message ? res->error->message : _("refused");
				problem(r, m->file, line, col, msg);
				rc = reject(r, m);
			}
			r->strict_hit |= r->strict;
			break;
		case KART__IMPORT_OUTCOME__IMPORT_OUTCOME_CREATED:
			if (res->n_similar) {
				r->similar++;
				if (r->similar_shown < 20) {
					char ids[96] = "";
					size_t used = 0;
					for (size_t k = 0; k < res->n_similar && used < sizeof(ids) - 24; k++)
						used += (size_t)snprintf(ids + used, sizeof(ids) - used, "%s%" PRIu64,
									 k ? ", " : "", res->similar[k]);
					char why[256];
					snprintf(why, sizeof(why), _("created card %" PRIu64 "; it looks like card %s (see kart dup find)"),
						 res->card_id, ids);
					r->similar_shown++;
					say(r, m->file, m->line, 0, why);
				}
			}
			break;
		default:
			break;
		}
	}
	return rc;
}

/* Waits for the reply to the oldest batch in flight. */
static int wait_one(struct run *r)
{
	struct kc_error err;
	while (r->count) {
		Kart__Envelope *e = kc_recv(r->c, &err);
		if (!e) {
			if (err.status != KC_ERR_CONNECT)
				return out_kc_error(&err);
			int rc = reconnect(r, &err);
			if (rc)
				return rc;
			if (!r->count)
				return 0;
			continue;
		}
		size_t i = 0;
		while (i < r->count && r->win[i].req_id != e->request_id)
			i++;
		bool unasked = e->request_id == 0 && e->body_case == KART__ENVELOPE__BODY_ERROR;
		if (i == r->count && !unasked) {
			kc_env_free(e); /* a reply to nothing in flight */
			continue;
		}
		if (e->body_case == KART__ENVELOPE__BODY_ERROR) {
			struct kc_error se;
			kc_error_from(&se, e->error);
			kc_env_free(e);
			return out_kc_error(&se);
		}
		if (e->body_case != KART__ENVELOPE__BODY_IMPORT_STATUS) {
			kc_env_free(e);
			return out_error(KC_ERR_OTHER, _("the server answered an import batch with something else"));
		}
		struct batch b = r->win[i];
		memmove(&r->win[i], &r->win[i + 1], (r->count - i - 1) * sizeof(r->win[0]));
		r->count--;
		memset(&r->win[r->count], 0, sizeof(r->win[0]));
		int rc = batch_results(r, &b, e->import_status);
		arena_free(&b.a);
		if (r->dry) {
			r->dry_total.created += e->import_status->created;
			r->dry_total.merged += e->import_status->merged;
			r->dry_total.skipped += e->import_status->skipped;
			r->dry_total.failed += e->import_status->failed;
		}
		kc_env_free(r->last_env);
		r->last_env = e;
		r->last = e->import_status;
		r->rows_done = r->last->rows_done;
		return rc;
	}
	return 0;
}

/* ---- rows ---- */

static struct batch *filling(struct run *r)
{
	struct batch *b = &r->fill;
	if (!b->rows) {
		arena_init(&b->a, 0);
		b->rows = arena_alloc(&b->a, BATCH_ROWS * sizeof(*b->rows));
		b->meta = arena_alloc(&b->a, BATCH_ROWS * sizeof(*b->meta));
		if (!b->rows || !b->meta)
			return NULL;
	}
	return b;
}

/* Sends the batch being filled, once the window has room for it. */
static int flush(struct run *r)
{
	if (!r->fill.n)
		return 0;
	while (r->count == WINDOW) {
		int rc = wait_one(r);
		if (rc)
			return rc;
	}
	struct batch *b = &r->win[r->count++];
	*b = r->fill;
	memset(&r->fill, 0, sizeof(r->fill));
	if (send_batch(r, b)) {
		struct kc_error err = { .status = KC_ERR_CONNECT };
		snprintf(err.message, sizeof(err.message), "%s", _("the connection was lost"));
		return reconnect(r, &err);
	}
	return 0;
}

static char *dupn(struct arena *a, const char *s, size_t n)
{
	char *d = arena_alloc(a, n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = 0;
	}
	return d;
}

/* Copies one row the reader gave into the batch being filled. */
static int add_row(struct run *r, const struct imp_row *row, const char *file, const char *header)
{
	struct batch *b = filling(r);
	if (!b)
		return out_error(KC_ERR_OTHER, _("out of memory"));
	Kart__ImportRow *ir = arena_alloc(&b->a, sizeof(*ir));
	struct row_meta *m = &b->meta[b->n];
	if (!ir)
		return out_error(KC_ERR_OTHER, _("out of memory"));
	kart__import_row__init(ir);
	ir->row = r->next_row;
	memset(m, 0, sizeof(*m));
	m->file = file;
	m->line = row->pos.line;
	m->header = header;
	m->raw = dupn(&b->a, row->raw ? row->raw : "", row->raw ? row->raw_len : 0);
	m->raw_len = row->raw ? row->raw_len : 0;
	size_t bytes = m->raw_len + 32;
	if (row->bad) {
		m->bad = true;
		ir->client_error = arena_strdup(&b->a, row->bad);
		problem(r, file, row->bad_pos.line ? row->bad_pos.line : row->pos.line, row->bad_pos.col, row->bad);
		r->client_failed++;
		r->strict_hit |= r->strict;
		int rc = reject(r, m);
		if (rc)
			return rc;
	} else if (row->n) {
		ir->fields = arena_alloc(&b->a, row->n * sizeof(*ir->fields));
		Kart__FieldValue *fv = arena_alloc(&b->a, row->n * sizeof(*fv));
		m->fields = arena_alloc(&b->a, row->n * sizeof(*m->fields));
		if (!ir->fields || !fv || !m->fields)
			return out_error(KC_ERR_OTHER, _("out of memory"));
		for (size_t i = 0; i < row->n; i++) {
			kart__field_value__init(&fv[i]);
			fv[i].field = arena_strdup(&b->a, row->fields[i].name);
			fv[i].value = arena_strdup(&b->a, row->fields[i].value);
			ir->fields[i] = &fv[i];
			m->fields[i] = row->fields[i];
			m->fields[i].name = fv[i].field;
			m->fields[i].value = NULL;
			bytes += strlen(fv[i].field) + strlen(fv[i].value) + 8;
		}
		ir->n_fields = m->nfields = row->n;
	}
	if (!b->n)
		b->first = r->next_row;
	b->rows[b->n++] = ir;
	b->bytes += bytes;
	if (b->n == BATCH_ROWS || b->bytes >= BATCH_BYTES)
		return flush(r);
	return 0;
}

/* ---- options ---- */

static int parse_options(const struct cmd_args *a, struct imp_opts *o, Kart__OnDuplicate *dup)
{
	const char *f = args_value(a, "format"), *d = args_value(a, "delimiter"), *od = args_value(a, "on-duplicate");
	memset(o, 0, sizeof(*o));
	if (!f || strcmp(f, "auto") == 0)
		o->format = IMP_AUTO;
	else if (strcmp(f, "csv") == 0)
		o->format = IMP_CSV;
	else if (strcmp(f, "vcard") == 0 || strcmp(f, "vcf") == 0)
		o->format = IMP_VCARD;
	else
		return out_error(KC_ERR_USAGE, _("--format: '%s' is not one of auto, csv, vcard"), f);
	if (!d || strcmp(d, "auto") == 0)
		o->delimiter = 0;
	else if (strcmp(d, "tab") == 0 || strcmp(d, "\\t") == 0 || strcmp(d, "\t") == 0)
		o->delimiter = '\t';
	else if (strlen(d) == 1 && strchr(",;|", d[0]))
		o->delimiter = d[0];
	else
		return out_error(KC_ERR_USAGE, _("--delimiter: '%s' is not one of auto, ',', ';', '|', tab"), d);
	o->encoding = args_value(a, "encoding");
	o->map = args_value(a, "map");
	if (!od || strcmp(od, "skip") == 0)
		*dup = KART__ON_DUPLICATE__ON_DUPLICATE_SKIP;
	else if (strcmp(od, "merge") == 0)
		*dup = KART__ON_DUPLICATE__ON_DUPLICATE_MERGE;
	else if (strcmp(od, "create") == 0)
		*dup = KART__ON_DUPLICATE__ON_DUPLICATE_CREATE;
	else
		return out_error(KC_ERR_USAGE, _("--on-duplicate: '%s' is not one of skip, merge, create"), od);
	return 0;
}

/* How the files are read, as text the server keeps with the import (one
 * line of JSON), so a resume reads them the same way. */
static char *reading_options(const struct imp_opts *o)
{
	char delim[2] = { (char)o->delimiter, 0 };
	json_t *j = json_pack("{s:s, s:s, s:s, s:s}", "format",
			      o->format == IMP_CSV ? "csv" : o->format == IMP_VCARD ? "vcard" : "auto", "encoding",
			      o->encoding ? o->encoding : "auto", "delimiter",
			      o->delimiter == '\t' ? "tab" : o->delimiter ? delim : "auto", "map", o->map ? o->map : "");
	char *s = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(j);
	return s;
}

/* A digest of what is being imported: each file's size and first MiB, so a
 * resume with other files is refused before anything is sent. */
static int fingerprint(const struct cmd_args *a, char out[65], uint64_t *bytes_total)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned hl = 0;
	char *buf = malloc(1u << 20);
	*bytes_total = 0;
	if (!md || !buf || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(md);
		free(buf);
		return out_error(KC_ERR_OTHER, _("out of memory"));
	}
	for (size_t i = 0; i < a->npos; i++) {
		const char *path = a->pos[i];
		char head[40];
		if (strcmp(path, "-") == 0) {
			EVP_DigestUpdate(md, "-", 2);
			continue;
		}
		FILE *f = fopen(path, "rb");
		struct stat st;
		if (!f || fstat(fileno(f), &st) != 0) {
			int e = errno;
			if (f)
				fclose(f);
			EVP_MD_CTX_free(md);
			free(buf);
			return out_error(KC_ERR_USAGE, "%s: %s", path, strerror(e));
		}
		size_t got = S_ISREG(st.st_mode) ? fread(buf, 1, 1u << 20, f) : 0;
		fclose(f);
		if (S_ISREG(st.st_mode))
			*bytes_total += (uint64_t)st.st_size;
		snprintf(head, sizeof(head), "%lld:", S_ISREG(st.st_mode) ? (long long)st.st_size : -1LL);
		EVP_DigestUpdate(md, head, strlen(head));
		EVP_DigestUpdate(md, buf, got);
	}
	EVP_DigestFinal_ex(md, h, &hl);
	EVP_MD_CTX_free(md);
	free(buf);
	for (unsigned i = 0; i < 32 && i < hl; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
	return 0;
}

/* ---- the command ---- */

/* Opens one file; a file that cannot be read ends the import (fatal). */
static struct imp_reader *open_file(struct run *r, const char *path, const struct imp_opts *o, bool *fatal)
{
	char err[512];
	struct imp_reader *rd = imp_open(path, o, err, sizeof(err));
	if (!rd) {
		if (r->tty)
			fputs("\r\033[K", stderr);
		char buf[600], *heap = NULL;
		fprintf(stderr, "kart: %s\n", out_visible(err, 0, buf, sizeof(buf), &heap));
		free(heap);
		*fatal = true;
	}
	return rd;
}

/* The columns (or properties) no field takes, in one line. */
static void tell_unknown(struct run *r, struct imp_reader *rd, const char *path)
{
	const char *const *names;
	size_t n = imp_unknown(rd, &names);
	if (!n)
		return;
	char list[1024];
	size_t used = 0;
	for (size_t i = 0; i < n && used < sizeof(list) - 8; i++)
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s'%s'", i ? ", " : "", names[i]);
	char buf[1200];
	snprintf(buf, sizeof(buf), P_("not imported: %s (send it to a field with --map)",
				     "not imported: %s (send them to fields with --map)", n),
		 list);
	problem(r, path, 1, 0, buf);
}

/* Reads the rows of one opened file into batches, and closes it. */
static int read_file(struct run *r, struct imp_reader *rd, const char *path, bool *fatal)
{
	char err[512];
	struct imp_row row;
	r->rd = rd;
	int k, rc = 0;
	bool told = false;
	while (!rc && !r->strict_hit && (k = imp_next(rd, &row, err, sizeof(err))) == 1) {
		if (!told)
			tell_unknown(r, rd, path);
		told = true;
		r->next_row++;
		if (r->next_row <= r->rows_done)
			continue; /* in already: a resumed import */
		rc = add_row(r, &row, path, imp_header_of(rd));
		progress(r, false);
	}
	if (!rc && !r->strict_hit && k < 0) {
		if (r->tty)
			fputs("\r\033[K", stderr);
		char buf[600], *heap = NULL;
		fprintf(stderr, "kart: %s\n", out_visible(err, 0, buf, sizeof(buf), &heap));
		free(heap);
		*fatal = true;
	}
	long long done = 0, total = 0;
	imp_progress(rd, &done, &total);
	r->bytes_before += (uint64_t)total;
	r->rd = NULL;
	/* the rows of this file still in the batch keep their own copies */
	imp_close(rd);
	return rc;
}

static int end(struct run *r, bool abort)
{
	if (r->dry)
		return 0;
	Kart__ImportEnd ie = KART__IMPORT_END__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT, *resp = NULL;
	ie.id = r->id;
	ie.abort = abort;
	req.body_case = KART__ENVELOPE__BODY_IMPORT_END;
	req.import_end = &ie;
	int rc = call(r->c, &req, KART__ENVELOPE__BODY_IMPORT_STATUS, &resp);
	if (rc)
		return rc;
	kc_env_free(r->last_env);
	r->last_env = resp;
	r->last = resp->import_status;
	return 0;
}

static int undo_strict(struct run *r)
{
	Kart__ImportUndo u = KART__IMPORT_UNDO__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT, *resp = NULL;
	uint64_t removed = 0, reverted = 0;
	bool more = true;
	int rc = 0;
	u.id = r->id;
	u.force = true;
	req.body_case = KART__ENVELOPE__BODY_IMPORT_UNDO;
	req.import_undo = &u;
	/* a large undo goes in slices: asked again until it says it is done */
	while (!rc && more) {
		rc = call(r->c, &req, KART__ENVELOPE__BODY_IMPORT_UNDO_RESULT, &resp);
		if (rc)
			break;
		removed += resp->import_undo_result->removed;
		reverted += resp->import_undo_result->reverted;
		more = resp->import_undo_result->more;
		kc_env_free(resp);
		resp = NULL;
	}
	if (!rc)
		fprintf(stderr, _("kart: --strict: a row was refused, so import %" PRIu64 " was undone (%" PRIu64 " cards taken out, %" PRIu64 " merges reverted)\n"),
			r->id, removed, reverted);
	return rc;
}

/* The counts of the import (of the dry run: its batches added up). */
static const Kart__ImportStatus *totals(struct run *r)
{
	if (!r->dry)
		return r->last;
	kart__import_status__init(&r->dry_total_msg);
	r->dry_total_msg.created = r->dry_total.created;
	r->dry_total_msg.merged = r->dry_total.merged;
	r->dry_total_msg.skipped = r->dry_total.skipped;
	r->dry_total_msg.failed = r->dry_total.failed;
	r->dry_total_msg.rows_done = r->next_row;
	return &r->dry_total_msg;
}

static void summary(struct run *r)
{
	const Kart__ImportStatus *st = totals(r);
	if (r->dry)
		printf(_("dry run: %" PRIu64 " would be created, %" PRIu64 " merged, %" PRIu64 " skipped, %" PRIu64 " failed, of %" PRIu64 " rows; nothing was stored\n"),
		       st->created, st->merged, st->skipped, st->failed, r->next_row);
	else
		printf(_("import %" PRIu64 ": %" PRIu64 " created, %" PRIu64 " merged, %" PRIu64 " skipped, %" PRIu64 " failed, of %" PRIu64 " rows\n"),
		       r->id, st->created, st->merged, st->skipped, st->failed, r->next_row);
}

int cmd_import(struct cli *cli, const struct cmd_args *a)
{
	struct imp_opts o;
	struct run r = { .cli = cli, .tty = isatty(2) && !cli->json };
	const char *resume = args_value(a, "resume"), *rej = args_value(a, "rejects");
	char fp[65] = "";
	char *ropts = NULL;
	bool fatal = false;
	struct imp_reader *first = NULL;
	char **files = NULL;
	uint64_t resume_id = 0;
	int rc;

	kart__import_begin__init(&r.begin);
	rc = parse_options(a, &o, &r.begin.on_duplicate);
	if (!rc && resume)
		rc = parse_id(resume, "--resume", &resume_id);
	if (rc)
		return rc;
	r.dry = args_flag(a, "dry-run");
	r.strict = args_flag(a, "strict");
	if (r.dry && resume_id)
		return out_error(KC_ERR_USAGE, _("--dry-run and --resume do not go together"));
	size_t nstdin = 0;
	for (size_t i = 0; i < a->npos; i++)
		nstdin += strcmp(a->pos[i], "-") == 0;
	if (nstdin > 1)
		return out_error(KC_ERR_USAGE, _("standard input (-) can be read only once"));
	if ((rc = fingerprint(a, fp, &r.bytes_total)))
		return rc;
	if (!(ropts = reading_options(&o)))
		return out_error(KC_ERR_OTHER, _("out of memory"));
	r.begin.fingerprint = fp;
	r.begin.client_options = ropts;
	r.begin.owner = (char *)(args_value(a, "owner") ? args_value(a, "owner") : "");
	r.begin.dry_run = r.dry;
	const char **tags = NULL;
	for (size_t i = 0; i < a->nopts; i++)
		if (strcmp(a->opts[i].spec->name, "tag") == 0) {
			const char **t = realloc(tags, (r.begin.n_tags + 1) * sizeof(*t));
			if (!t) {
				rc = out_error(KC_ERR_OTHER, _("out of memory"));
				goto cleanup;
			}
			tags = t;
			tags[r.begin.n_tags++] = a->opts[i].value;
		}
	r.begin.tags = (char **)tags;
	/* the names as the server keeps and shows them: a file may be named
	 * anything, the record holds no control and no broken UTF-8 */
	if (!(files = calloc(a->npos, sizeof(*files)))) {
		rc = out_error(KC_ERR_OTHER, _("out of memory"));
		goto cleanup;
	}
	for (size_t i = 0; i < a->npos; i++) {
		char tmp[1];
		size_t len = text_visible(tmp, sizeof(tmp), a->pos[i], 0);
		if (!(files[i] = malloc(len + 1))) {
			rc = out_error(KC_ERR_OTHER, _("out of memory"));
			goto cleanup;
		}
		text_visible(files[i], len + 1, a->pos[i], 0);
	}
	r.begin.files = files;
	r.begin.n_files = a->npos;
	if (rej) {
		r.rejects_path = rej;
		r.rejects = fopen(rej, resume_id ? "a" : "w");
		if (!r.rejects) {
			rc = out_error(KC_ERR_USAGE, _("cannot write %s: %s"), rej, strerror(errno));
			goto cleanup;
		}
	}
	/* the first file is opened before anything is asked of the server, so
	 * one that cannot be read leaves no import behind */
	if (!(first = open_file(&r, a->pos[0], &o, &fatal))) {
		rc = KC_ERR_OTHER;
		goto cleanup;
	}
	if ((rc = open_session(cli, &r.c)) || (rc = begin(&r, resume_id)))
		goto cleanup;
	if (resume_id && r.last->client_options && *r.last->client_options &&
	    strcmp(r.last->client_options, ropts) != 0) {
		rc = out_error(KC_ERR_CONFLICT, _("import %" PRIu64 " was read with other options (--format, --encoding, --delimiter, --map): give the same ones"),
			       resume_id);
		goto cleanup;
	}
	if (resume_id && r.last->state != KART__IMPORT_STATE__IMPORT_STATE_RUNNING) {
		rc = out_error(KC_ERR_CONFLICT, _("import %" PRIu64 " has ended: there is nothing to resume"), resume_id);
		goto cleanup;
	}
	if (r.tty && !r.dry)
		fprintf(stderr, _("import %" PRIu64 " (if it stops, go on with: kart import --resume %" PRIu64 " and the same files)\n"),
			r.id, r.id);
	r.started_us = util_now_us();
	for (size_t i = 0; i < a->npos && !rc && !fatal && !r.strict_hit; i++) {
		struct imp_reader *rd = i ? open_file(&r, a->pos[i], &o, &fatal) : first;
		first = NULL;
		if (rd)
			rc = read_file(&r, rd, a->pos[i], &fatal);
	}
	if (!rc && !r.strict_hit)
		rc = flush(&r);
	while (!rc && r.count)
		rc = wait_one(&r);
	if (rc)
		goto cleanup;
	progress(&r, true);
	if ((rc = end(&r, fatal || r.strict_hit)))
		goto cleanup;
	if (r.strict_hit && !r.dry && (rc = undo_strict(&r)))
		goto cleanup;
	if (cli->json)
		rc = out_json_message(&totals(&r)->base, "rows");
	else
		summary(&r);
	if (r.unshown)
		fprintf(stderr, _("kart: %zu more problems not shown%s\n"), r.unshown,
			r.rejects ? _(" (the rows are in the rejects file)") : "");
	if (r.similar > r.similar_shown)
		fprintf(stderr, _("kart: %zu more created cards look like cards already there: kart dup find lists them\n"),
			r.similar - r.similar_shown);
	if (!rc && (fatal || r.strict_hit))
		rc = KC_ERR_OTHER;
	else if (!rc && totals(&r)->failed)
		rc = CLI_EXIT_PARTIAL;
cleanup:
	imp_close(first);
	for (size_t i = 0; i < r.count; i++)
		arena_free(&r.win[i].a);
	if (r.fill.rows)
		arena_free(&r.fill.a);
	if (r.rejects && fclose(r.rejects) != 0 && !rc)
		rc = out_error(KC_ERR_OTHER, _("cannot write %s: %s"), r.rejects_path, strerror(errno));
	kc_env_free(r.last_env);
	kc_close(r.c);
	free(tags);
	for (size_t i = 0; files && i < a->npos; i++)
		free(files[i]);
	free(files);
	free(ropts);
	return rc;
}
