/* importscript: an import driven row by row over one connection, for the
 * import tests: a real client of ImportBegin, ImportBatch, ImportEnd and
 * ImportUndo that lets a test say exactly which rows go in which batch.
 *
 *   kart-importscript HOST:PORT CA_FILE USER PASSWORD_FILE <script
 *
 * Script lines:
 *   begin [skip|merge|create] [owner=U] [tag=T]... [fp=F] [dry]
 *                        a new import: "import ID rows_done N"
 *   resume ID [fp=F]     "import ID rows_done N"
 *   row N F=V|F=V...     a row numbered N, held for the next send
 *   send                 the rows held, as one ImportBatch: a line per row
 *                        result ("row N OUTCOME card=ID [similar=A,B]
 *                        [by=...] [error=...]"), then "batch rows_done N
 *                        created C merged M skipped S failed F"
 *   end [abort]          "end ID STATE"
 *   undo ID [force]      "undo removed R reverted V kept A,B gone C"
 * A refused request prints "err STATUS message" (STATUS a kc_status, kart's
 * exit code). Exits 0 at the end of the script; 1 if it cannot connect or
 * log in, or the connection fails; 2 on a line it does not know. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kc.h"

#define ROWS_MAX 5000
#define TAGS_MAX 8

static uint64_t import_id;
static bool dry;
static Kart__ImportBegin begun = KART__IMPORT_BEGIN__INIT;
static Kart__ImportRow *rows[ROWS_MAX];
static size_t nrows;

static void rows_free(void)
{
	for (size_t i = 0; i < nrows; i++) {
		for (size_t k = 0; k < rows[i]->n_fields; k++) {
			free(rows[i]->fields[k]->field);
			free(rows[i]->fields[k]->value);
			free(rows[i]->fields[k]);
		}
		free(rows[i]->fields);
		free(rows[i]);
	}
	nrows = 0;
}

/* begun's strings that begin() allocated (the others are protobuf-c's empty string) */
static char *begun_owner, *begun_fp;

static void begun_free(void)
{
	free(begun_owner);
	free(begun_fp);
	begun_owner = begun_fp = NULL;
	for (size_t i = 0; i < begun.n_tags; i++)
		free(begun.tags[i]);
	begun.n_tags = 0;
}

static void refused(const struct kc_error *err)
{
	if (err->status == KC_ERR_CONNECT) {
		fprintf(stderr, "kart-importscript: %s\n", err->message);
		exit(1);
	}
	printf("err %d %s\n", err->status, err->message);
}

static Kart__Envelope *call(struct kc *c, Kart__Envelope *req)
{
	struct kc_error err;
	Kart__Envelope *e = kc_call(c, req, &err);
	if (!e)
		refused(&err);
	return e;
}

static const char *outcome(Kart__ImportOutcome o)
{
	static const char *const names[] = { "?", "created", "merged", "skipped", "failed", "done_before" };
	return (unsigned)o < sizeof(names) / sizeof(names[0]) ? names[o] : "?";
}

static void status_line(const Kart__ImportStatus *st)
{
	printf("import %" PRIu64 " rows_done %" PRIu64 "\n", st->id, st->rows_done);
}

static void begin(struct kc *c, char *args)
{
	static char *tags[TAGS_MAX];
	Kart__ImportBegin *b = &begun;
	begun_free();
	kart__import_begin__init(b);
	b->tags = tags;
	dry = false;
	for (char *save = NULL, *w = strtok_r(args, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		if (strcmp(w, "skip") == 0)
			b->on_duplicate = KART__ON_DUPLICATE__ON_DUPLICATE_SKIP;
		else if (strcmp(w, "merge") == 0)
			b->on_duplicate = KART__ON_DUPLICATE__ON_DUPLICATE_MERGE;
		else if (strcmp(w, "create") == 0)
			b->on_duplicate = KART__ON_DUPLICATE__ON_DUPLICATE_CREATE;
		else if (strcmp(w, "dry") == 0)
			b->dry_run = dry = true;
		else if (strncmp(w, "owner=", 6) == 0)
			b->owner = begun_owner = strdup(w + 6);
		else if (strncmp(w, "fp=", 3) == 0)
			b->fingerprint = begun_fp = strdup(w + 3);
		else if (strncmp(w, "tag=", 4) == 0 && b->n_tags < TAGS_MAX)
			tags[b->n_tags++] = strdup(w + 4);
	}
	static char *files[1] = { "script" };
	b->files = files;
	b->n_files = 1;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	req.body_case = KART__ENVELOPE__BODY_IMPORT_BEGIN;
	req.import_begin = b;
	Kart__Envelope *e = call(c, &req);
	if (!e)
		return;
	import_id = e->import_status->id;
	status_line(e->import_status);
	kc_env_free(e);
}

static void resume(struct kc *c, char *args)
{
	Kart__ImportBegin b = KART__IMPORT_BEGIN__INIT;
	char *fp = strstr(args, " fp=");
	if (fp) {
		*fp = '\0';
		b.fingerprint = fp + 4;
	}
	b.id = strtoull(args, NULL, 10);
	Kart__Envelope req = KART__ENVELOPE__INIT;
	req.body_case = KART__ENVELOPE__BODY_IMPORT_BEGIN;
	req.import_begin = &b;
	dry = false;
	Kart__Envelope *e = call(c, &req);
	if (!e)
		return;
	import_id = e->import_status->id;
	status_line(e->import_status);
	kc_env_free(e);
}

/* "row N F=V|F=V": a row held until the next send. */
static int row(char *args)
{
	char *sp = strchr(args, ' ');
	if (!sp || nrows == ROWS_MAX)
		return -1;
	*sp = '\0';
	Kart__ImportRow *r = calloc(1, sizeof(*r));
	if (!r)
		return -1;
	kart__import_row__init(r);
	rows[nrows++] = r;
	r->row = strtoull(args, NULL, 10);
	size_t cap = 1;
	for (const char *p = sp + 1; *p; p++)
		cap += *p == '|';
	r->fields = calloc(cap, sizeof(*r->fields));
	if (!r->fields)
		return -1;
	for (char *save = NULL, *f = strtok_r(sp + 1, "|", &save); f; f = strtok_r(NULL, "|", &save)) {
		char *eq = strchr(f, '=');
		Kart__FieldValue *fv = eq ? calloc(1, sizeof(*fv)) : NULL;
		if (!fv)
			return -1;
		*eq = '\0';
		kart__field_value__init(fv);
		fv->field = strdup(f);
		fv->value = strdup(eq + 1);
		r->fields[r->n_fields++] = fv;
	}
	return 0;
}

static void send_rows(struct kc *c)
{
	Kart__ImportBatch b = KART__IMPORT_BATCH__INIT;
	b.id = import_id;
	b.rows = rows;
	b.n_rows = nrows;
	b.dry_run = dry;
	if (dry)
		b.begin = &begun;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	req.body_case = KART__ENVELOPE__BODY_IMPORT_BATCH;
	req.import_batch = &b;
	Kart__Envelope *e = call(c, &req);
	rows_free();
	if (!e)
		return;
	const Kart__ImportStatus *st = e->import_status;
	for (size_t i = 0; i < st->n_rows; i++) {
		const Kart__ImportRowResult *x = st->rows[i];
		printf("row %" PRIu64 " %s card=%" PRIu64, x->row, outcome(x->outcome), x->card_id);
		for (size_t k = 0; k < x->n_similar; k++)
			printf("%s%" PRIu64, k ? "," : " similar=", x->similar[k]);
		if (x->matched_by && *x->matched_by)
			printf(" by=%s", x->matched_by);
		if (x->error)
			printf(" error=%s: %s", x->error->field ? x->error->field : "", x->error->message ? x->error->message : "");
		printf("\n");
	}
	printf("batch rows_done %" PRIu64 " created %" PRIu64 " merged %" PRIu64 " skipped %" PRIu64 " failed %" PRIu64
	       " first %" PRIu64 " last %" PRIu64 "\n",
	       st->rows_done, st->created, st->merged, st->skipped, st->failed, st->first_created, st->last_created);
	kc_env_free(e);
}

static void end(struct kc *c, const char *args)
{
	Kart__ImportEnd m = KART__IMPORT_END__INIT;
	m.id = import_id;
	m.abort = strcmp(args, "abort") == 0;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	req.body_case = KART__ENVELOPE__BODY_IMPORT_END;
	req.import_end = &m;
	Kart__Envelope *e = call(c, &req);
	if (!e)
		return;
	printf("end %" PRIu64 " %d\n", e->import_status->id, (int)e->import_status->state);
	kc_env_free(e);
}

static void undo(struct kc *c, char *args)
{
	Kart__ImportUndo m = KART__IMPORT_UNDO__INIT;
	char *end;
	m.id = strtoull(args, &end, 10);
	m.force = strstr(end, "force") != NULL;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	req.body_case = KART__ENVELOPE__BODY_IMPORT_UNDO;
	req.import_undo = &m;
	Kart__Envelope *e = call(c, &req);
	if (!e)
		return;
	const Kart__ImportUndoResult *u = e->import_undo_result;
	printf("undo removed %" PRIu64 " reverted %" PRIu64 " kept ", u->removed, u->reverted);
	for (size_t i = 0; i < u->n_kept; i++)
		printf("%s%" PRIu64, i ? "," : "", u->kept[i]);
	printf(" gone ");
	for (size_t i = 0; i < u->n_gone; i++)
		printf("%s%" PRIu64, i ? "," : "", u->gone[i]);
	printf("\n");
	kc_env_free(e);
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: kart-importscript HOST:PORT CA_FILE USER PASSWORD_FILE <script\n");
		return 2;
	}
	char password[256] = "";
	FILE *f = fopen(argv[4], "r");
	if (!f || !fgets(password, sizeof(password), f)) {
		fprintf(stderr, "kart-importscript: cannot read %s\n", argv[4]);
		return 1;
	}
	fclose(f);
	password[strcspn(password, "\r\n")] = '\0';
	struct kc_options o = { .server = argv[1], .ca_file = argv[2], .client_name = "kart-importscript" };
	struct kc_error err;
	struct kc *c = kc_connect(&o, &err);
	Kart__Envelope *s = c ? kc_login(c, argv[3], password, &err) : NULL;
	if (!s) {
		fprintf(stderr, "kart-importscript: %s\n", err.message);
		kc_close(c);
		return 1;
	}
	kc_env_free(s);
	static char buf[65536];
	for (int line = 1; fgets(buf, sizeof(buf), stdin); line++) {
		buf[strcspn(buf, "\n")] = '\0';
		if (strncmp(buf, "begin", 5) == 0) {
			begin(c, buf + 5);
		} else if (strncmp(buf, "resume ", 7) == 0) {
			resume(c, buf + 7);
		} else if (strncmp(buf, "row ", 4) == 0) {
			if (row(buf + 4) < 0) {
				fprintf(stderr, "kart-importscript: line %d: row N FIELD=VALUE|...\n", line);
				return 2;
			}
		} else if (strcmp(buf, "send") == 0) {
			send_rows(c);
		} else if (strncmp(buf, "end", 3) == 0) {
			end(c, buf[3] ? buf + 4 : "");
		} else if (strncmp(buf, "undo ", 5) == 0) {
			undo(c, buf + 5);
		} else if (*buf && *buf != '#') {
			fprintf(stderr, "kart-importscript: line %d: unknown '%.40s'\n", line, buf);
			return 2;
		}
		fflush(stdout);
	}
	rows_free();
	begun_free();
	kc_close(c);
	return 0;
}
