/* call: one request and its reply, or its stream of pages. See call.h. */
#include "call.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static int unexpected(struct kc_error *err)
{
	memset(err, 0, sizeof(*err));
	err->status = KC_ERR_OTHER;
	snprintf(err->message, sizeof(err->message), "unexpected reply from the server");
	return err->status;
}

static int fail_oom(struct kc_error *err)
{
	memset(err, 0, sizeof(*err));
	err->status = KC_ERR_OTHER;
	snprintf(err->message, sizeof(err->message), "out of memory");
	return err->status;
}

static int status_of(const struct kc_error *err)
{
	return err->status ? err->status : KC_ERR_OTHER;
}

int kc_call_body(struct kc *c, Kart__Envelope *req, Kart__Envelope__BodyCase want, Kart__Envelope **out,
		 struct kc_error *err)
{
	Kart__Envelope *resp = kc_call(c, req, err);

	*out = NULL;
	if (!resp)
		return status_of(err);
	if (want != KART__ENVELOPE__BODY__NOT_SET && resp->body_case != want) {
		kc_env_free(resp);
		return unexpected(err);
	}
	*out = resp;
	return 0;
}

int kc_call_pages(struct kc *c, Kart__Envelope *req, Kart__Envelope__BodyCase page_case, kc_page_fn fn,
		  void *ud, struct kc_error *err)
{
	Kart__Envelope *e = NULL;
	bool more = true;
	int rc = 0;
	uint64_t id = kc_send(c, req, err);

	if (!id)
		return status_of(err);
	while (more) {
		e = kc_recv(c, err);
		if (!e) {
			rc = status_of(err);
			goto cleanup;
		}
		/* an error with id 0 is about the connection itself (a frame too large) */
		if (e->request_id != id && !(e->request_id == 0 && e->body_case == KART__ENVELOPE__BODY_ERROR)) {
			kc_env_free(e);
			e = NULL;
			continue;
		}
		if (e->body_case == KART__ENVELOPE__BODY_ERROR) {
			kc_error_from(err, e->error);
			rc = status_of(err);
			goto cleanup;
		}
		if (e->body_case != page_case) {
			rc = unexpected(err);
			goto cleanup;
		}
		rc = fn(e, ud, err);
		if (rc)
			goto cleanup;
		more = e->more;
		kc_env_free(e);
		e = NULL;
	}
cleanup:
	kc_env_free(e);
	return rc;
}

int kc_session_request(struct kc_profile *p, Kart__Envelope *req, Kart__Envelope__BodyCase want, struct kc **c,
		       Kart__Envelope **out, struct kc_error *err)
{
	int rc = kc_session_open(p, c, err);

	*out = NULL;
	return rc ? rc : kc_call_body(*c, req, want, out, err);
}

/* ---- typed requests ---- */

int kc_whoami(struct kc *c, Kart__Envelope **out, struct kc_error *err)
{
	Kart__WhoAmI whoami = KART__WHO_AM_I__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;

	req.body_case = KART__ENVELOPE__BODY_WHOAMI;
	req.whoami = &whoami;
	return kc_call_body(c, &req, KART__ENVELOPE__BODY_SESSION, out, err);
}

int kc_find(struct kc *c, const char *text, uint32_t limit, Kart__Envelope **out, struct kc_error *err)
{
	return kc_find_from(c, text, limit, 0, out, err);
}

int kc_find_from(struct kc *c, const char *text, uint32_t limit, uint32_t offset, Kart__Envelope **out,
		 struct kc_error *err)
{
	Kart__Find find = KART__FIND__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;

	find.text = (char *)text;
	find.limit = limit;
	find.offset = offset;
	req.body_case = KART__ENVELOPE__BODY_FIND;
	req.find = &find;
	return kc_call_body(c, &req, KART__ENVELOPE__BODY_FIND_PAGE, out, err);
}

uint64_t kc_find_send(struct kc *c, const char *text, uint32_t limit, struct kc_error *err)
{
	return kc_find_send_from(c, text, limit, 0, err);
}

uint64_t kc_find_send_from(struct kc *c, const char *text, uint32_t limit, uint32_t offset, struct kc_error *err)
{
	Kart__Find find = KART__FIND__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;

	find.text = (char *)text;
	find.limit = limit;
	find.offset = offset;
	req.body_case = KART__ENVELOPE__BODY_FIND;
	req.find = &find;
	return kc_send(c, &req, err);
}

int kc_find_reply(const Kart__Envelope *e, struct kc_error *err)
{
	if (e->body_case == KART__ENVELOPE__BODY_FIND_PAGE)
		return 0;
	if (e->body_case == KART__ENVELOPE__BODY_ERROR) {
		kc_error_from(err, e->error);
		return status_of(err);
	}
	return unexpected(err);
}

int kc_card_get(struct kc *c, uint64_t id, bool trash, Kart__Envelope **out, struct kc_error *err)
{
	Kart__CardGet get = KART__CARD_GET__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;

	get.id = id;
	get.trash = trash;
	req.body_case = KART__ENVELOPE__BODY_CARD_GET;
	req.card_get = &get;
	return kc_call_body(c, &req, KART__ENVELOPE__BODY_CARD, out, err);
}

void kc_field_defs_free(struct kc_field_defs *fd)
{
	for (size_t i = 0; i < fd->npages; i++)
		kc_env_free(fd->pages[i]);
	free(fd->pages);
	free(fd->defs);
	memset(fd, 0, sizeof(*fd));
}

static int field_defs_add_page(struct kc_field_defs *fd, Kart__Envelope *e)
{
	Kart__Envelope **pages = realloc(fd->pages, (fd->npages + 1) * sizeof(*pages));
	Kart__FieldDef **defs;

	if (!pages)
		return -1;
	fd->pages = pages;
	defs = realloc(fd->defs, (fd->ndefs + e->field_page->n_fields + 1) * sizeof(*defs));
	if (!defs)
		return -1;
	fd->defs = defs;
	fd->pages[fd->npages++] = e;
	for (size_t i = 0; i < e->field_page->n_fields; i++)
		fd->defs[fd->ndefs++] = e->field_page->fields[i];
	return 0;
}

int kc_card_get_with_fields(struct kc *c, uint64_t id, bool trash, Kart__Envelope **card_out,
			    struct kc_field_defs *fd, struct kc_error *err)
{
	Kart__CardGet get = KART__CARD_GET__INIT;
	Kart__FieldList list = KART__FIELD_LIST__INIT;
	Kart__Envelope card_req = KART__ENVELOPE__INIT, list_req = KART__ENVELOPE__INIT;
	Kart__Envelope *e = NULL, *card = NULL;
	bool fields_done = false;
	uint64_t card_id, list_id;
	int rc = 0;

	*card_out = NULL;
	get.id = id;
	get.trash = trash;
	card_req.body_case = KART__ENVELOPE__BODY_CARD_GET;
	card_req.card_get = &get;
	list_req.body_case = KART__ENVELOPE__BODY_FIELD_LIST;
	list_req.field_list = &list;
	card_id = kc_queue(c, &card_req, err);
	list_id = card_id ? kc_queue(c, &list_req, err) : 0;
	if (!card_id || !list_id || kc_flush(c, err) < 0)
		return status_of(err);
	while (!card || !fields_done) {
		e = kc_recv(c, err);
		if (!e) {
			if (card)
				break;
			rc = status_of(err);
			goto cleanup;
		}
		if (e->request_id == card_id || (e->request_id == 0 && !card)) {
			if (e->body_case == KART__ENVELOPE__BODY_ERROR) {
				kc_error_from(err, e->error);
				rc = status_of(err);
				goto cleanup;
			}
			if (e->body_case != KART__ENVELOPE__BODY_CARD || card) {
				rc = unexpected(err);
				goto cleanup;
			}
			card = e;
		} else if (e->request_id == list_id && e->body_case == KART__ENVELOPE__BODY_FIELD_PAGE) {
			fields_done = !e->more;
			if (field_defs_add_page(fd, e) < 0) {
				rc = fail_oom(err);
				goto cleanup;
			}
		} else {
			if (e->request_id == list_id || e->request_id == 0)
				fields_done = true;
			kc_env_free(e);
		}
		e = NULL;
	}
	*card_out = card;
	card = NULL;
cleanup:
	kc_env_free(e);
	kc_env_free(card);
	return rc;
}

int kc_card_update(struct kc *c, uint64_t id, uint64_t expected_version, Kart__FieldValue **set, size_t nset,
		   Kart__Envelope **out, struct kc_error *err)
{
	Kart__CardUpdate update = KART__CARD_UPDATE__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;

	update.id = id;
	update.expected_version = expected_version;
	update.n_set = nset;
	update.set = set;
	req.body_case = KART__ENVELOPE__BODY_CARD_UPDATE;
	req.card_update = &update;
	return kc_call_body(c, &req, KART__ENVELOPE__BODY_CARD_CHANGED, out, err);
}

int kc_card_create(struct kc *c, Kart__FieldValue **fields, size_t nfields, Kart__Envelope **out,
		   struct kc_error *err)
{
	Kart__CardCreate create = KART__CARD_CREATE__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;

	create.n_fields = nfields;
	create.fields = fields;
	req.body_case = KART__ENVELOPE__BODY_CARD_CREATE;
	req.card_create = &create;
	return kc_call_body(c, &req, KART__ENVELOPE__BODY_CARD, out, err);
}

int kc_card_history(struct kc *c, uint64_t id, kc_page_fn fn, void *ud, struct kc_error *err)
{
	Kart__CardHistory history = KART__CARD_HISTORY__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;

	history.id = id;
	req.body_case = KART__ENVELOPE__BODY_CARD_HISTORY;
	req.card_history = &history;
	return kc_call_pages(c, &req, KART__ENVELOPE__BODY_HISTORY_PAGE, fn, ud, err);
}

int kc_timeline_add(struct kc *c, uint64_t card_id, Kart__EntryKind kind, const char *text, const char *amount,
		    int64_t at, Kart__Envelope **out, struct kc_error *err)
{
	Kart__LogAdd add = KART__LOG_ADD__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;

	add.card_id = card_id;
	add.kind = kind;
	add.text = (char *)text;
	add.amount = (char *)amount;
	add.at = at;
	req.body_case = KART__ENVELOPE__BODY_LOG_ADD;
	req.log_add = &add;
	return kc_call_body(c, &req, KART__ENVELOPE__BODY_TIMELINE_ENTRY, out, err);
}

int kc_timeline_list(struct kc *c, uint64_t card_id, uint32_t limit, kc_page_fn fn, void *ud,
		     struct kc_error *err)
{
	Kart__TimelineQuery query = KART__TIMELINE_QUERY__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;

	query.card_id = card_id;
	query.limit = limit;
	req.body_case = KART__ENVELOPE__BODY_TIMELINE_QUERY;
	req.timeline_query = &query;
	return kc_call_pages(c, &req, KART__ENVELOPE__BODY_TIMELINE_PAGE, fn, ud, err);
}

int kc_reminder_add(struct kc *c, uint64_t card_id, int64_t at, const char *text, bool past,
		    Kart__Envelope **out, struct kc_error *err)
{
	Kart__ReminderAdd add = KART__REMINDER_ADD__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;

	add.card_id = card_id;
	add.at = at;
	add.text = (char *)text;
	add.past = past;
	req.body_case = KART__ENVELOPE__BODY_REMINDER_ADD;
	req.reminder_add = &add;
	return kc_call_body(c, &req, KART__ENVELOPE__BODY_REMINDER, out, err);
}

int kc_reminder_list(struct kc *c, uint64_t card_id, bool all, bool due, Kart__Envelope **out,
		     struct kc_error *err)
{
	Kart__ReminderList list = KART__REMINDER_LIST__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;

	list.card_id = card_id;
	list.all = all;
	list.due = due;
	req.body_case = KART__ENVELOPE__BODY_REMINDER_LIST;
	req.reminder_list = &list;
	return kc_call_body(c, &req, KART__ENVELOPE__BODY_REMINDER_PAGE, out, err);
}

int kc_reminder_done(struct kc *c, uint64_t id, Kart__Envelope **out, struct kc_error *err)
{
	Kart__ReminderDone done = KART__REMINDER_DONE__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;

	done.id = id;
	req.body_case = KART__ENVELOPE__BODY_REMINDER_DONE;
	req.reminder_done = &done;
	return kc_call_body(c, &req, KART__ENVELOPE__BODY__NOT_SET, out, err);
}

int kc_deal_list(struct kc *c, uint64_t card_id, const char *stage, const char *owner, Kart__Envelope **out,
		 struct kc_error *err)
{
	Kart__DealList list = KART__DEAL_LIST__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;

	list.card_id = card_id;
	list.stage = (char *)stage;
	list.owner = (char *)owner;
	req.body_case = KART__ENVELOPE__BODY_DEAL_LIST;
	req.deal_list = &list;
	return kc_call_body(c, &req, KART__ENVELOPE__BODY_DEAL_PAGE, out, err);
}

int kc_deal_add(struct kc *c, uint64_t card_id, const char *title, const char *amount, const char *stage,
		Kart__Envelope **out, struct kc_error *err)
{
	Kart__DealAdd add = KART__DEAL_ADD__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;

	add.card_id = card_id;
	add.title = (char *)title;
	add.amount = (char *)amount;
	add.stage = (char *)stage;
	req.body_case = KART__ENVELOPE__BODY_DEAL_ADD;
	req.deal_add = &add;
	return kc_call_body(c, &req, KART__ENVELOPE__BODY_DEAL, out, err);
}

int kc_deal_move(struct kc *c, uint64_t deal_id, const char *stage, Kart__Envelope **out, struct kc_error *err)
{
	Kart__DealMove move = KART__DEAL_MOVE__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;

	move.deal_id = deal_id;
	move.stage = (char *)stage;
	req.body_case = KART__ENVELOPE__BODY_DEAL_MOVE;
	req.deal_move = &move;
	return kc_call_body(c, &req, KART__ENVELOPE__BODY_DEAL, out, err);
}

int kc_today(struct kc *c, uint32_t days, int64_t now, bool all, Kart__Envelope **out, struct kc_error *err)
{
	Kart__TodayQuery query = KART__TODAY_QUERY__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;

	query.days = days;
	/* "today" is this client's day (TZ), wherever the server is */
	query.client_day = util_local_day(now);
	query.client_utc_offset = util_utc_offset(now);
	if (util_parse_time("tomorrow", now, &query.day_end) < 0)
		query.day_end = 0; /* the server's day then */
	query.all = all;
	req.body_case = KART__ENVELOPE__BODY_TODAY_QUERY;
	req.today_query = &query;
	return kc_call_body(c, &req, KART__ENVELOPE__BODY_TODAY_PAGE, out, err);
}

int kc_card_query(struct kc *c, const char *where, const char *segment, const char *sort, uint32_t limit,
		  kc_page_fn fn, void *ud, struct kc_error *err)
{
	Kart__CardQuery query = KART__CARD_QUERY__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	int64_t now = util_now_us() / 1000000;

	query.where = (char *)where;
	query.segment = (char *)segment;
	query.client_day = util_local_day(now);
	query.client_utc_offset = util_utc_offset(now);
	query.sort = (char *)sort;
	query.limit = limit;
	req.body_case = KART__ENVELOPE__BODY_CARD_QUERY;
	req.card_query = &query;
	return kc_call_pages(c, &req, KART__ENVELOPE__BODY_CARD_PAGE, fn, ud, err);
}

/* The count request: where and segment as kc_card_query takes them. */
static void count_request(Kart__CardQuery *query, Kart__Envelope *req, const char *where, const char *segment)
{
	int64_t now = util_now_us() / 1000000;

	query->where = (char *)(where ? where : "");
	query->segment = (char *)(segment ? segment : "");
	query->count = true;
	query->client_day = util_local_day(now);
	query->client_utc_offset = util_utc_offset(now);
	req->body_case = KART__ENVELOPE__BODY_CARD_QUERY;
	req->card_query = query;
}

uint64_t kc_card_count_send(struct kc *c, const char *where, const char *segment, struct kc_error *err)
{
	Kart__CardQuery query = KART__CARD_QUERY__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;

	count_request(&query, &req, where, segment);
	return kc_send(c, &req, err);
}

int kc_card_count_reply(const Kart__Envelope *e, uint64_t *count, struct kc_error *err)
{
	if (e->body_case == KART__ENVELOPE__BODY_QUERY_RESULT) {
		*count = e->query_result->count;
		return 0;
	}
	if (e->body_case == KART__ENVELOPE__BODY_ERROR) {
		kc_error_from(err, e->error);
		return status_of(err);
	}
	return unexpected(err);
}

int kc_card_count(struct kc *c, const char *where, const char *segment, uint64_t *count, struct kc_error *err)
{
	Kart__CardQuery query = KART__CARD_QUERY__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	Kart__Envelope *e = NULL;
	int rc;

	count_request(&query, &req, where, segment);
	rc = kc_call_body(c, &req, KART__ENVELOPE__BODY_QUERY_RESULT, &e, err);
	if (!rc)
		*count = e->query_result->count;
	kc_env_free(e);
	return rc;
}

int kc_segment_list(struct kc *c, kc_page_fn fn, void *ud, struct kc_error *err)
{
	Kart__SegmentList list = KART__SEGMENT_LIST__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;

	req.body_case = KART__ENVELOPE__BODY_SEGMENT_LIST;
	req.segment_list = &list;
	return kc_call_pages(c, &req, KART__ENVELOPE__BODY_SEGMENT_PAGE, fn, ud, err);
}

int kc_segment_run(struct kc *c, const char *name, uint32_t limit, kc_page_fn fn, void *ud,
		   struct kc_error *err)
{
	return kc_card_query(c, "", name, "", limit, fn, ud, err);
}
