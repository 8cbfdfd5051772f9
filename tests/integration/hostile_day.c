/* hostile_day: the request kinds of a working day as no client would send them:
 * an import with bad cards, reminders in the past, a client's UTC offset out of
 * range, texts and times past any limit, an export aborted once done, and
 * requests without a session. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostile.h"
#include "kc.h"
#include "util.h"

/* An import where some cards are bad: those are refused by position with the
 * reason, the others created. (Not a hostile case, but one only the protocol reaches.) */
void s_import(void)
{
	struct kc *c = admin();
	Kart__FieldValue f[5][2];
	Kart__FieldValue *fp[5][2];
	Kart__CardCreate cc[5];
	Kart__CardCreate *ccp[5];
	const char *names[5] = { "Импорт1", "Импорт2", "Импорт3", "Импорт4", "Импорт5" };
	for (int i = 0; i < 5; i++) {
		kart__card_create__init(&cc[i]);
		for (int j = 0; j < 2; j++) {
			kart__field_value__init(&f[i][j]);
			fp[i][j] = &f[i][j];
		}
		f[i][0].field = (char *)"last_name";
		f[i][0].value = (char *)names[i];
		f[i][1].field = (char *)"gender";
		f[i][1].value = (char *)(i == 1 ? "x" : "f");
		cc[i].n_fields = 2;
		cc[i].fields = fp[i];
		ccp[i] = &cc[i];
	}
	f[3][0].value = (char *)""; /* an empty card */
	Kart__CardImport imp = KART__CARD_IMPORT__INIT;
	imp.n_cards = 5;
	imp.cards = ccp;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	req.body_case = KART__ENVELOPE__BODY_CARD_IMPORT;
	req.card_import = &imp;
	struct kc_error err;
	Kart__Envelope *e = kc_call(c, &req, &err);
	if (!e || e->body_case != KART__ENVELOPE__BODY_IMPORT_RESULT)
		fail("import: %s", e ? "unexpected reply" : err.message);
	Kart__ImportResult *r = e->import_result;
	if (r->n_ids != 5 || !r->ids[0] || r->ids[1] || !r->ids[2] || r->ids[3] || !r->ids[4])
		fail("import ids wrong");
	if (r->n_errors != 2 || r->errors[0]->index != 1 || strcmp(r->errors[0]->error->field, "gender") != 0 ||
	    r->errors[1]->index != 3)
		fail("import errors wrong");
	printf("  refused: #1 %s; #3 %s\n", r->errors[0]->error->message, r->errors[1]->error->message);
	kc_env_free(e);
	kc_close(c);
}

/* past-reminder: the server itself refuses a reminder's time in the past
 * (more than a minute ago) unless the request sets past, for a new reminder
 * and for an edit; kart checks too, so only a raw request shows it. */
void s_past_reminder(void)
{
	struct kc *c = admin();
	struct kc_error err;
	int64_t now = util_now_us() / 1000000;
	Kart__ReminderAdd add = KART__REMINDER_ADD__INIT;
	add.card_id = 1;
	add.at = now - 3600;
	add.text = (char *)"call back";
	Kart__Envelope req = KART__ENVELOPE__INIT;
	req.body_case = KART__ENVELOPE__BODY_REMINDER_ADD;
	req.reminder_add = &add;
	if (!kc_send(c, &req, &err))
		fail("send: %s", err.message);
	Kart__Envelope *e = expect_error(c, KART__ERROR_CODE__BAD_REQUEST, "in the past");
	if (strcmp(e->error->field, "at") != 0)
		fail("the error names '%s', not at", e->error->field);
	kc_env_free(e);
	/* within the minute of grace: taken */
	add.at = now - 20;
	e = kc_call(c, &req, &err);
	if (!e || e->body_case != KART__ENVELOPE__BODY_REMINDER)
		fail("a reminder 20 s back was refused: %s", err.message);
	uint64_t id = e->reminder->id;
	kc_env_free(e);
	/* with past: taken */
	add.at = now - 3600;
	add.past = true;
	e = kc_call(c, &req, &err);
	if (!e || e->body_case != KART__ENVELOPE__BODY_REMINDER)
		fail("past = true was refused: %s", err.message);
	kc_env_free(e);
	/* an edit to a past time */
	Kart__ReminderEdit ed = KART__REMINDER_EDIT__INIT;
	ed.id = id;
	ed.at = now - 7200;
	req.body_case = KART__ENVELOPE__BODY_REMINDER_EDIT;
	req.reminder_edit = &ed;
	if (!kc_send(c, &req, &err))
		fail("send: %s", err.message);
	e = expect_error(c, KART__ERROR_CODE__BAD_REQUEST, "in the past");
	if (strcmp(e->error->field, "at") != 0)
		fail("the edit's error names '%s', not at", e->error->field);
	kc_env_free(e);
	ed.past = true;
	e = kc_call(c, &req, &err);
	if (!e || e->body_case != KART__ENVELOPE__BODY_REMINDER || e->reminder->at != now - 7200)
		fail("an edit with past = true was refused: %s", e ? "another time" : err.message);
	kc_env_free(e);
	printf("  past reminders refused without past, taken with it\n");
	kc_close(c);
}

/* client-offset: a client that sends its day and UTC offset but no end of
 * day gets `today` up to its own midnight; an offset beyond 18 hours is
 * refused by name. */
void s_client_offset(void)
{
	struct kc *c = admin();
	struct kc_error err;
	int64_t now = util_now_us() / 1000000, off = 14 * 3600;
	int64_t day = (now + off) / 86400, end = (day + 1) * 86400 - off;
	uint64_t ids[2];
	for (int i = 0; i < 2; i++) {
		Kart__ReminderAdd add = KART__REMINDER_ADD__INIT;
		add.card_id = 1;
		add.at = i == 0 ? end - 60 : end + 60; /* a minute before the client's midnight, and after */
		add.text = (char *)(i == 0 ? "before midnight" : "after midnight");
		add.past = true;
		Kart__Envelope req = KART__ENVELOPE__INIT;
		req.body_case = KART__ENVELOPE__BODY_REMINDER_ADD;
		req.reminder_add = &add;
		Kart__Envelope *e = kc_call(c, &req, &err);
		if (!e || e->body_case != KART__ENVELOPE__BODY_REMINDER)
			fail("reminder add: %s", err.message);
		ids[i] = e->reminder->id;
		kc_env_free(e);
	}
	Kart__TodayQuery tq = KART__TODAY_QUERY__INIT;
	tq.client_day = day;
	tq.client_utc_offset = off;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	req.body_case = KART__ENVELOPE__BODY_TODAY_QUERY;
	req.today_query = &tq;
	Kart__Envelope *e = kc_call(c, &req, &err);
	if (!e || e->body_case != KART__ENVELOPE__BODY_TODAY_PAGE)
		fail("today: %s", err.message);
	bool before = false, after = false;
	for (size_t i = 0; i < e->today_page->n_reminders; i++) {
		before |= e->today_page->reminders[i]->id == ids[0];
		after |= e->today_page->reminders[i]->id == ids[1];
	}
	if (!before || after)
		fail("today by the client's offset: the one before its midnight %s, the one after %s",
		     before ? "listed" : "missing", after ? "listed" : "left out");
	kc_env_free(e);
	/* an offset no zone has */
	tq.client_utc_offset = 19 * 3600;
	if (!kc_send(c, &req, &err))
		fail("send: %s", err.message);
	e = expect_error(c, KART__ERROR_CODE__BAD_REQUEST, "client_utc_offset");
	kc_env_free(e);
	Kart__CardQuery q = KART__CARD_QUERY__INIT;
	q.where = (char *)"created_at = today";
	q.count = true;
	q.client_day = day;
	q.client_utc_offset = -19 * 3600;
	req.body_case = KART__ENVELOPE__BODY_CARD_QUERY;
	req.card_query = &q;
	if (!kc_send(c, &req, &err))
		fail("send: %s", err.message);
	e = expect_error(c, KART__ERROR_CODE__BAD_REQUEST, "client_utc_offset");
	if (strcmp(e->error->field, "client_utc_offset") != 0)
		fail("the error names '%s'", e->error->field);
	kc_env_free(e);
	/* a report's calendar from a day no clock shows: refused by name, for
	 * days far back (months before 1 AD) as far ahead */
	static const int64_t far[] = { -1000150, -5, 5, 36500000 };
	for (size_t i = 0; i < sizeof(far) / sizeof(far[0]); i++) {
		Kart__ReportQuery rq = KART__REPORT_QUERY__INIT;
		rq.kind = KART__REPORT_KIND__REPORT_KIND_ABC;
		rq.period = (char *)"12m";
		rq.client_day = (now / 86400) + far[i];
		req.body_case = KART__ENVELOPE__BODY_REPORT_QUERY;
		req.report_query = &rq;
		if (!kc_send(c, &req, &err))
			fail("send: %s", err.message);
		e = expect_error(c, KART__ERROR_CODE__BAD_REQUEST, "client_day");
		kc_env_free(e);
	}
	printf("  today follows the client's offset; offsets beyond 18 h refused; a report's day far from the server's refused\n");
	kc_close(c);
}

/* ---- the request kinds of a working day, sent as no client would ---- */

/* Sends req and expects an error with code and field, on one line. */
static void expect_refused(struct kc *c, Kart__Envelope *req, Kart__ErrorCode code, const char *field, const char *what)
{
	struct kc_error err;
	Kart__Envelope *e = kc_call(c, req, &err);
	if (e)
		fail("%s: answered %d, not refused", what, e->body_case);
	if (err.code != code || strcmp(err.field, field) != 0 || strchr(err.message, '\n') || !err.message[0])
		fail("%s: got code %d field '%s' message '%s', expected code %d field '%s'", what, err.code, err.field,
		     err.message, code, field);
	printf("  %s: %s\n", what, err.message);
}

static uint64_t env_id(const char *name)
{
	const char *v = getenv(name);
	if (!v || !*v)
		fail("%s is not set", name);
	return strtoull(v, NULL, 10);
}

/* day-texts: a 1 MB text, an empty change, times and durations past any
 * calendar, for the deal HOSTILE_DEAL, the purchase HOSTILE_ENTRY and the
 * reminder HOSTILE_REMINDER; each refused naming its field. */
void s_day_texts(void)
{
	struct kc *c = admin();
	size_t n = 1u << 20;
	char *big = malloc(n + 1);
	if (!big)
		fail("out of memory");
	memset(big, 'a', n);
	big[n] = '\0';
	uint64_t deal = env_id("HOSTILE_DEAL"), entry = env_id("HOSTILE_ENTRY"), rem = env_id("HOSTILE_REMINDER");
	Kart__Envelope req = KART__ENVELOPE__INIT;

	Kart__DealEdit de = KART__DEAL_EDIT__INIT;
	de.deal_id = deal;
	req.body_case = KART__ENVELOPE__BODY_DEAL_EDIT;
	req.deal_edit = &de;
	expect_refused(c, &req, KART__ERROR_CODE__BAD_REQUEST, "", "deal edit of nothing");
	de.set_title = true;
	de.title = big;
	expect_refused(c, &req, KART__ERROR_CODE__BAD_REQUEST, "title", "deal title of 1 MB");
	de.set_title = false;
	de.set_amount = true;
	de.amount = "-0.01";
	expect_refused(c, &req, KART__ERROR_CODE__BAD_REQUEST, "amount", "deal amount below zero");
	de.amount = "9223372036854775808";
	expect_refused(c, &req, KART__ERROR_CODE__BAD_REQUEST, "amount", "deal amount past int64");

	Kart__TimelineEdit te = KART__TIMELINE_EDIT__INIT;
	te.entry_id = entry;
	te.set_text = true;
	te.text = big;
	req.body_case = KART__ENVELOPE__BODY_TIMELINE_EDIT;
	req.timeline_edit = &te;
	expect_refused(c, &req, KART__ERROR_CODE__BAD_REQUEST, "text", "timeline text of 1 MB");
	te.set_text = false;
	te.set_amount = true;
	te.amount = "";
	expect_refused(c, &req, KART__ERROR_CODE__BAD_REQUEST, "amount", "purchase amount empty");

	Kart__ReminderEdit re = KART__REMINDER_EDIT__INIT;
	re.id = rem;
	re.text = big;
	req.body_case = KART__ENVELOPE__BODY_REMINDER_EDIT;
	req.reminder_edit = &re;
	expect_refused(c, &req, KART__ERROR_CODE__BAD_REQUEST, "text", "reminder text of 1 MB");
	re.text = "";
	re.at = INT64_MAX;
	expect_refused(c, &req, KART__ERROR_CODE__BAD_REQUEST, "at", "reminder at the end of int64");
	re.at = INT64_MIN;
	expect_refused(c, &req, KART__ERROR_CODE__BAD_REQUEST, "at", "reminder at the start of int64");

	Kart__ReminderSnooze sn = KART__REMINDER_SNOOZE__INIT;
	sn.id = rem;
	sn.seconds = INT64_MAX;
	req.body_case = KART__ENVELOPE__BODY_REMINDER_SNOOZE;
	req.reminder_snooze = &sn;
	expect_refused(c, &req, KART__ERROR_CODE__BAD_REQUEST, "seconds", "snooze by int64");
	sn.seconds = -3600;
	expect_refused(c, &req, KART__ERROR_CODE__BAD_REQUEST, "seconds", "snooze backwards");

	Kart__UserShow us = KART__USER_SHOW__INIT;
	us.name = big;
	req.body_case = KART__ENVELOPE__BODY_USER_SHOW;
	req.user_show = &us;
	expect_refused(c, &req, KART__ERROR_CODE__NOT_FOUND, "name", "user show of a 1 MB name");

	Kart__ExportAbort ab = KART__EXPORT_ABORT__INIT;
	req.body_case = KART__ENVELOPE__BODY_EXPORT_ABORT;
	req.export_abort = &ab;
	expect_refused(c, &req, KART__ERROR_CODE__BAD_REQUEST, "export_id", "export abort of no id");
	ab.export_id = UINT64_MAX;
	ab.reason = big;
	expect_refused(c, &req, KART__ERROR_CODE__NOT_FOUND, "export_id", "export abort of a missing export");
	free(big);
	kc_close(c);
}

/* export-abort-done: an export received whole, then an abort that says the
 * file was not written (reason HOSTILE_REASON, or one that would forge a
 * log line): answered, and the export's id printed for the test to check
 * that it stays done and charged. */
void s_export_abort_done(void)
{
	struct kc *c = admin();
	struct kc_error err;
	Kart__Export ex = KART__EXPORT__INIT;
	ex.where = "id > 0";
	ex.format = "csv";
	Kart__Envelope req = KART__ENVELOPE__INIT;
	req.body_case = KART__ENVELOPE__BODY_EXPORT;
	req.export = &ex;
	uint64_t id = kc_send(c, &req, &err), xid = 0;
	if (!id)
		fail("export: %s", err.message);
	for (;;) {
		Kart__Envelope *e = kc_recv(c, &err);
		if (!e)
			fail("export: %s", err.message);
		if (e->request_id != id) {
			kc_env_free(e);
			continue;
		}
		if (e->body_case == KART__ENVELOPE__BODY_EXPORT_RECORD) {
			xid = e->export_record->id;
			kc_env_free(e);
			break;
		}
		if (e->body_case != KART__ENVELOPE__BODY_EXPORT_CHUNK)
			fail("export: unexpected reply %d (%s)", e->body_case,
			     e->body_case == KART__ENVELOPE__BODY_ERROR ? e->error->message : "");
		kc_env_free(e);
	}
	Kart__ExportAbort ab = KART__EXPORT_ABORT__INIT;
	ab.export_id = xid;
	ab.reason = "disk full\nkartd: forged line \xe2\x80\xae";
	req.body_case = KART__ENVELOPE__BODY_EXPORT_ABORT;
	req.export_abort = &ab;
	Kart__Envelope *e = kc_call(c, &req, &err);
	if (!e || e->body_case != KART__ENVELOPE__BODY_OK)
		fail("export abort: %s", e ? "unexpected reply" : err.message);
	kc_env_free(e);
	printf("export %" PRIu64 "\n", xid);
	kc_close(c);
}

/* no-session: before any login, the new request kinds are refused with one
 * answer, whether the object exists (HOSTILE_DEAL, ...) or not. */
void s_no_session(void)
{
	struct kc *c = connect_opt(0);
	uint64_t ids[2] = { env_id("HOSTILE_DEAL"), 999999 };
	char first[1024] = "";
	for (int i = 0; i < 2; i++) {
		Kart__Envelope req = KART__ENVELOPE__INIT;
		Kart__DealGet dg = KART__DEAL_GET__INIT;
		Kart__TimelineRemove tr = KART__TIMELINE_REMOVE__INIT;
		Kart__ReminderSnooze sn = KART__REMINDER_SNOOZE__INIT;
		Kart__UserShow us = KART__USER_SHOW__INIT;
		dg.deal_id = tr.entry_id = sn.id = ids[i];
		sn.seconds = 3600;
		us.name = i ? "nobody" : "admin";
		for (int k = 0; k < 4; k++) {
			if (k == 0) {
				req.body_case = KART__ENVELOPE__BODY_DEAL_GET;
				req.deal_get = &dg;
			} else if (k == 1) {
				req.body_case = KART__ENVELOPE__BODY_TIMELINE_REMOVE;
				req.timeline_remove = &tr;
			} else if (k == 2) {
				req.body_case = KART__ENVELOPE__BODY_REMINDER_SNOOZE;
				req.reminder_snooze = &sn;
			} else {
				req.body_case = KART__ENVELOPE__BODY_USER_SHOW;
				req.user_show = &us;
			}
			struct kc_error err;
			Kart__Envelope *e = kc_call(c, &req, &err);
			if (e)
				fail("request %d without a session answered %d", k, e->body_case);
			if (err.code != KART__ERROR_CODE__UNAUTHENTICATED)
				fail("request %d without a session: code %d (%s)", k, err.code, err.message);
			if (!first[0])
				snprintf(first, sizeof(first), "%s", err.message);
			else if (strcmp(first, err.message) != 0)
				fail("without a session, two answers: '%s' and '%s'", first, err.message);
		}
	}
	printf("  server said: %s\n", first);
	kc_close(c);
}

/* import-shared: one CardImport whose cards share phones, e-mails, names,
 * tags and custom values with each other (the keys the bulk path groups),
 * needing the custom fields segment (enum Опт,Розница) and score (number).
 * Prints the ids created, one line. */
void s_import_shared(void)
{
	enum { N = 60, NF = 9 };
	static const char *lasts[] = { "Иванов", "Петрова", "Smith" }, *firsts[] = { "Анна", "Пётр" },
			  *tags[] = { "опт", "VIP, опт", "Новый" };
	struct kc *c = admin();
	static Kart__FieldValue f[N][NF];
	static Kart__FieldValue *fp[N][NF];
	static Kart__CardCreate cc[N];
	static Kart__CardCreate *ccp[N];
	static char phones[N][64], emails[N][64], scores[N][8];
	for (int i = 0; i < N; i++) {
		kart__card_create__init(&cc[i]);
		for (int j = 0; j < NF; j++) {
			kart__field_value__init(&f[i][j]);
			fp[i][j] = &f[i][j];
		}
		/* seven numbers and five addresses among sixty cards; every third
		 * card has a number of its own too */
		if (i % 3 == 0)
			snprintf(phones[i], sizeof(phones[i]), "+7 927 000-00-%02d, 8 (846) 200-%02d-%02d", i % 7, i / 10, i % 10);
		else
			snprintf(phones[i], sizeof(phones[i]), "+7 927 000-00-%02d", i % 7);
		snprintf(emails[i], sizeof(emails[i]), "Shared%d@Example.RU", i % 5);
		snprintf(scores[i], sizeof(scores[i]), "%d", i % 4);
		const char *v[NF][2] = {
			{ "last_name", lasts[i % 3] }, { "first_name", firsts[i % 2] }, { "phones", phones[i] },
			{ "emails", emails[i] },       { "tags", tags[i % 3] },          { "city", i % 2 ? "Самара" : "Казань" },
			{ "segment", i % 2 ? "Опт" : "Розница" }, { "score", scores[i] }, { "birthday", "1980-05-17" },
		};
		for (int j = 0; j < NF; j++) {
			f[i][j].field = (char *)v[j][0];
			f[i][j].value = (char *)v[j][1];
		}
		cc[i].n_fields = NF;
		cc[i].fields = fp[i];
		ccp[i] = &cc[i];
	}
	Kart__CardImport imp = KART__CARD_IMPORT__INIT;
	imp.n_cards = N;
	imp.cards = ccp;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	req.body_case = KART__ENVELOPE__BODY_CARD_IMPORT;
	req.card_import = &imp;
	struct kc_error err;
	Kart__Envelope *e = kc_call(c, &req, &err);
	if (!e || e->body_case != KART__ENVELOPE__BODY_IMPORT_RESULT)
		fail("import: %s", e ? (e->body_case == KART__ENVELOPE__BODY_ERROR ? e->error->message : "unexpected reply")
				    : err.message);
	Kart__ImportResult *r = e->import_result;
	if (r->n_errors)
		fail("import refused card #%u: %s", r->errors[0]->index, r->errors[0]->error->message);
	if (r->n_ids != N)
		fail("import gave %zu ids for %d cards", r->n_ids, N);
	for (size_t i = 0; i < r->n_ids; i++) {
		if (i && r->ids[i] != r->ids[i - 1] + 1)
			fail("import ids not in turn: %" PRIu64 " then %" PRIu64, r->ids[i - 1], r->ids[i]);
		printf("%s%" PRIu64, i ? " " : "", r->ids[i]);
	}
	printf("\n");
	kc_env_free(e);
	kc_close(c);
}
