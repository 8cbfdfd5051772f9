/* h_remind: reminders on cards, and "today" — the reminders due and the
 * birthdays coming up.
 *
 * reminders: at(i64 key) || id(u64) -> Reminder, open reminders only, in due
 * order; marking one done deletes it (the audit trail keeps the record).
 * Birthdays come from ix_birthday: "MMDD" -> card ids (DUPSORT), which holds
 * the birthdays of clients and of their relatives. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acl.h"
#include "audit.h"
#include "card.h"
#include "cardq.h"
#include "date.h"
#include "handlers.h"
#include "req.h"
#include "text.h"
#include "util.h"

#define TEXT_MAX 1000        /* characters */
#define SUMMARY_TEXT 60      /* characters of the text quoted in the audit summary */
#define DAYS_DEFAULT 7
#define DAYS_MAX 366
#define PAST_GRACE 60        /* seconds a time may lie behind ours (clock skew) without `past` */
#define TODAY_MAX 5000       /* reminders, and birthdays, in one TodayPage: keeps the reply one sane frame */
#define AT_MAX INT64_C(253402300799) /* 9999-12-31 23:59:59 UTC: the last time a reminder may have */

static bool may_see_all(const struct principal *who)
{
	return who->role == KART__ROLE__ROLE_ADMIN || who->role == KART__ROLE__ROLE_SUPERVISOR;
}

static void reminder_key(int64_t at, uint64_t id, uint8_t out[16])
{
	store_i64_key(at, out);
	store_u64_key(id, out + 8);
}

/* The title of a live card, or of one in the trash; "" if neither has it. */
static char *title_of(struct req *r, uint64_t card_id)
{
	Kart__Card *c;
	if (card_load(r->txn, r->srv->store.cards, card_id, r->arena, &c) == 0 ||
	    card_load(r->txn, r->srv->store.trash, card_id, r->arena, &c) == 0) {
		const char *t = card_title(r->arena, c);
		return (char *)(t ? t : "");
	}
	return (char *)"";
}

static int reply_reminder(struct req *r, Kart__Reminder *rem)
{
	r->out.body_case = KART__ENVELOPE__BODY_REMINDER;
	r->out.reminder = rem;
	return H_OK;
}

static int check_reminder_text(struct req *r, const char *text)
{
	if (!*text)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "text", "text: a reminder needs a text");
	return req_check_note(r, "text", text, TEXT_MAX);
}

/* A reminder's time more than PAST_GRACE behind the server's clock is refused
 * unless the request says past: every client gets the check, not only kart. */
static int check_not_past(struct req *r, int64_t at, bool past)
{
	int64_t now = r->now / 1000000;
	if (past || at >= now - PAST_GRACE)
		return H_OK;
	char when[32];
	time_t t = (time_t)at;
	struct tm tm;
	if (!gmtime_r(&t, &tm) || !strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(when, sizeof(when), "%" PRId64, at);
	return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "at",
			 "at: %s is in the past; set past to keep it anyway", when);
}

int h_reminder_add(struct req *r)
{
	Kart__ReminderAdd *m = r->in->reminder_add;
	struct store *st = &r->srv->store;
	Kart__Card *card;
	int rc = card_load_visible(r, st->cards, m->card_id, &card, "reminder");
	if (rc == MDB_NOTFOUND)
		return req_error(r, KART__ERROR_CODE__NOT_FOUND, "card_id", "no card %" PRIu64, m->card_id);
	if (rc)
		return rc;
	if (m->at <= 0)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "at", "at: when should it remind? (a time is required)");
	if (m->at > AT_MAX)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "at", "at: not a time before the year 10000");
	if (check_not_past(r, m->at, m->past) != H_OK)
		return H_ABORT;
	const char *text = m->text ? m->text : "";
	if (check_reminder_text(r, text) != H_OK)
		return H_ABORT;

	Kart__Reminder *rem = arena_alloc(r->arena, sizeof(*rem));
	if (!rem)
		return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "out of memory");
	kart__reminder__init(rem);
	if ((rc = store_next_id(r->txn, st, "next_reminder_id", &rem->id)))
		return rc;
	rem->card_id = card->id;
	rem->at = m->at;
	rem->text = (char *)text;
	rem->owner = r->who.user;
	rem->created_at = r->now / 1000000;
	rem->created_by = r->who.user;
	/* card_title is filled in replies only, never stored: the card's name may change */
	uint8_t key[16];
	reminder_key(rem->at, rem->id, key);
	MDB_val k = { 16, key }, v = { kart__reminder__get_packed_size(rem), NULL };
	if ((rc = mdb_put(r->txn, st->reminders, &k, &v, MDB_RESERVE)))
		return rc;
	kart__reminder__pack(rem, v.mv_data);

	const char *title = card_title(r->arena, card);
	/* the time is the reader's to render, in their zone: {at} */
	const char *summary = arena_printf(r->arena, "card %" PRIu64 " at {at}: %s", card->id,
					   text_clip(r->arena, text, SUMMARY_TEXT));
	r->audit_at = rem->at;
	if ((rc = audit_append(r, "reminder.add", "reminder", rem->id, title ? title : "", summary ? summary : "", true)))
		return rc;
	rem->card_title = (char *)(title ? title : "");
	return reply_reminder(r, rem);
}

/* A reminder is seen with its card (live or in the trash), and then only by
 * its owner, the owner of its (live) card, a supervisor or an admin: as
 * "today" shows them. Returns 0,
 * MDB_NOTFOUND (not this user's to see) or an MDB code. */
static int reminder_visible(struct req *r, const Kart__Reminder *rem)
{
	if (strcmp(rem->owner ? rem->owner : "", r->who.user) != 0 && !may_see_all(&r->who)) {
		/* or set by someone else on a card this user owns */
		Kart__Card *c;
		int rc = card_load(r->txn, r->srv->store.cards, rem->card_id, r->arena, &c);
		if (rc)
			return rc;
		if (strcmp(c->owner ? c->owner : "", r->who.user) != 0)
			return MDB_NOTFOUND;
	}
	return acl_card_id_visible(r, rem->card_id);
}

/* Finds an open reminder by id (open reminders are keyed by due time: a
 * scan) that this user may see. Returns 0 with *rem and its key, NOT_FOUND
 * as a reply (also for one not this user's: it answers as a missing one, and
 * the look is noted), or an MDB code. */
static int find_open(struct req *r, uint64_t id, const char *what, uint8_t key[16], Kart__Reminder **rem)
{
	MDB_cursor *cur;
	int rc = mdb_cursor_open(r->txn, r->srv->store.reminders, &cur);
	if (rc)
		return rc;
	MDB_val k, v;
	*rem = NULL;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size == 16 && store_key_u64((const uint8_t *)k.mv_data + 8) == id) {
			memcpy(key, k.mv_data, 16);
			*rem = kart__reminder__unpack(&r->arena->pb, v.mv_size, v.mv_data);
			if (!*rem)
				rc = MDB_CORRUPTED;
			break;
		}
	}
	mdb_cursor_close(cur);
	if (rc == 0 && (rc = reminder_visible(r, *rem)) == MDB_NOTFOUND)
		acl_note_denied(r, (*rem)->card_id, arena_printf(r->arena, "%s reminder %" PRIu64, what, id));
	if (rc == MDB_NOTFOUND)
		return req_error(r, KART__ERROR_CODE__NOT_FOUND, "id", "no open reminder %" PRIu64, id);
	return rc;
}

static int put_open(struct req *r, const Kart__Reminder *rem)
{
	uint8_t key[16];
	reminder_key(rem->at, rem->id, key);
	Kart__Reminder stored = *rem;
	stored.card_title = (char *)""; /* filled in replies only */
	stored.done = false;
	MDB_val k = { 16, key }, v = { kart__reminder__get_packed_size(&stored), NULL };
	int rc = mdb_put(r->txn, r->srv->store.reminders, &k, &v, MDB_RESERVE);
	if (rc == 0)
		kart__reminder__pack(&stored, v.mv_data);
	return rc;
}

int h_reminder_done(struct req *r)
{
	Kart__ReminderDone *m = r->in->reminder_done;
	struct store *st = &r->srv->store;
	uint8_t key[16];
	Kart__Reminder *rem;
	int rc = find_open(r, m->id, "done", key, &rem);
	if (rc)
		return rc;
	MDB_val dk = { 16, key };
	if ((rc = mdb_del(r->txn, st->reminders, &dk, NULL)))
		return rc;
	/* kept among the done ones, for remind ls --all */
	rem->done = true;
	rem->done_at = r->now / 1000000;
	rem->card_title = (char *)"";
	uint8_t idk[8];
	store_u64_key(rem->id, idk);
	MDB_val k = { 8, idk }, v = { kart__reminder__get_packed_size(rem), NULL };
	if ((rc = mdb_put(r->txn, st->reminders_done, &k, &v, MDB_RESERVE)))
		return rc;
	kart__reminder__pack(rem, v.mv_data);
	rem->card_title = title_of(r, rem->card_id);
	const char *summary = arena_printf(r->arena, "card %" PRIu64 ": %s", rem->card_id,
					   text_clip(r->arena, rem->text ? rem->text : "", SUMMARY_TEXT));
	if ((rc = audit_append(r, "reminder.done", "reminder", rem->id, rem->card_title, summary ? summary : "", true)))
		return rc;
	return reply_reminder(r, rem);
}

/* Moves an open reminder (found under key) to its new time and text, with
 * its audit record: action, and a summary that names the new time as {at}. */
static int reminder_rewrite(struct req *r, const uint8_t key[16], Kart__Reminder *rem, const char *action)
{
	MDB_val dk = { 16, (void *)key };
	int rc = mdb_del(r->txn, r->srv->store.reminders, &dk, NULL);
	if (rc || (rc = put_open(r, rem)))
		return rc;
	rem->card_title = title_of(r, rem->card_id);
	const char *summary = arena_printf(r->arena, "card %" PRIu64 " at {at}: %s", rem->card_id,
					   text_clip(r->arena, rem->text ? rem->text : "", SUMMARY_TEXT));
	r->audit_at = rem->at;
	if ((rc = audit_append(r, action, "reminder", rem->id, rem->card_title, summary ? summary : "", true)))
		return rc;
	return reply_reminder(r, rem);
}

int h_reminder_edit(struct req *r)
{
	Kart__ReminderEdit *m = r->in->reminder_edit;
	const char *text = m->text ? m->text : "";
	if (m->at < 0 || m->at > AT_MAX)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "at", "at: not a time before the year 10000");
	if (!m->at && !*text)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "", "nothing to change: give a time (at) or a text");
	if (m->at && check_not_past(r, m->at, m->past) != H_OK)
		return H_ABORT;
	if (*text && check_reminder_text(r, text) != H_OK)
		return H_ABORT;
	uint8_t key[16];
	Kart__Reminder *rem;
	int rc = find_open(r, m->id, "edit", key, &rem);
	if (rc)
		return rc;
	if (m->at)
		rem->at = m->at;
	if (*text)
		rem->text = (char *)text;
	return reminder_rewrite(r, key, rem, "reminder.edit");
}

int h_reminder_snooze(struct req *r)
{
	Kart__ReminderSnooze *m = r->in->reminder_snooze;
	if (m->seconds <= 0 || m->seconds > (int64_t)DAYS_MAX * 86400)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "seconds",
				 "snooze: a duration ahead such as 1h or 2d, at most %d days", DAYS_MAX);
	uint8_t key[16];
	Kart__Reminder *rem;
	int rc = find_open(r, m->id, "snooze", key, &rem);
	if (rc)
		return rc;
	/* an overdue reminder rings again that long from now; one still to come
	 * that long after its own time */
	int64_t now = r->now / 1000000, from = rem->at < now ? now : rem->at;
	if (from > AT_MAX - m->seconds)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "seconds", "snooze: that would be after the year 9999");
	rem->at = from + m->seconds;
	return reminder_rewrite(r, key, rem, "reminder.snooze");
}

/* Whether a reminder is this user's in a list: set by them, or on a card
 * they own. The card is loaded (live only: one in the trash waits). */
static int mine_on_card(struct req *r, Kart__Reminder *rem, bool *mine)
{
	Kart__Card *c;
	*mine = false;
	int rc = card_load(r->txn, r->srv->store.cards, rem->card_id, r->arena, &c);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc)
		return rc;
	if (!acl_visible(r, c))
		return 0;
	*mine = strcmp(rem->owner ? rem->owner : "", r->who.user) == 0 ||
		strcmp(c->owner ? c->owner : "", r->who.user) == 0;
	const char *t = card_title(r->arena, c);
	rem->card_title = (char *)(t ? t : "");
	return 0;
}

static int page_push(struct req *r, Kart__ReminderPage *page, size_t *cap, Kart__Reminder *rem)
{
	if (page->n_reminders == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		Kart__Reminder **na = arena_alloc(r->arena, *cap * sizeof(*na));
		if (!na)
			return -1;
		if (page->n_reminders)
			memcpy(na, page->reminders, page->n_reminders * sizeof(*na));
		page->reminders = na;
	}
	page->reminders[page->n_reminders++] = rem;
	return 0;
}

/* Adds the reminders of one database (open: by due time; done: by id). */
static int list_from(struct req *r, MDB_dbi dbi, const Kart__ReminderList *m, Kart__ReminderPage *page, size_t *cap)
{
	int64_t now = r->now / 1000000;
	MDB_cursor *cur;
	int rc = mdb_cursor_open(r->txn, dbi, &cur);
	if (rc)
		return rc;
	MDB_val k, v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && page->n_reminders < TODAY_MAX;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		Kart__Reminder *rem = kart__reminder__unpack(&r->arena->pb, v.mv_size, v.mv_data);
		if (!rem) {
			rc = MDB_CORRUPTED;
			break;
		}
		if (m->card_id && rem->card_id != m->card_id)
			continue;
		if (m->due && (rem->done || rem->at > now))
			continue;
		bool mine;
		if ((rc = mine_on_card(r, rem, &mine)))
			break;
		if (!mine)
			continue;
		if (page_push(r, page, cap, rem)) {
			rc = -1;
			break;
		}
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

int h_reminder_list(struct req *r)
{
	Kart__ReminderList *m = r->in->reminder_list;
	struct store *st = &r->srv->store;
	if (m->card_id) {
		/* a card outside the scope answers as a missing one */
		Kart__Card *card;
		int rc = card_load_visible(r, st->cards, m->card_id, &card, "reminders of");
		if (rc == MDB_NOTFOUND)
			return req_error(r, KART__ERROR_CODE__NOT_FOUND, "card_id", "no card %" PRIu64, m->card_id);
		if (rc)
			return rc;
	}
	Kart__ReminderPage *page = arena_alloc(r->arena, sizeof(*page));
	if (!page)
		return req_no_memory(r);
	kart__reminder_page__init(page);
	size_t cap = 0;
	int rc = list_from(r, st->reminders, m, page, &cap);
	if (rc == 0 && m->all && !m->due)
		rc = list_from(r, st->reminders_done, m, page, &cap);
	if (rc == -1)
		return req_no_memory(r);
	if (rc)
		return rc;
	r->out.body_case = KART__ENVELOPE__BODY_REMINDER_PAGE;
	r->out.reminder_page = page;
	return H_OK;
}

/* ---- today ---- */

/* "YYYY-MM-DD" or "--MM-DD" (year unknown: *y = 0). */
static bool parse_birthday(const char *s, int *y, int *m, int *d)
{
	if (!s)
		return false;
	size_t n = strlen(s);
	int yy = 0;
	const char *md;
	if (n == 10 && s[4] == '-') {
		for (int i = 0; i < 4; i++)
			if (s[i] < '0' || s[i] > '9')
				return false;
		yy = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
		md = s + 5;
	} else if (n == 7 && s[0] == '-' && s[1] == '-') {
		md = s + 2;
	} else {
		return false;
	}
	if (md[2] != '-' || md[0] < '0' || md[0] > '9' || md[1] < '0' || md[1] > '9' || md[3] < '0' || md[3] > '9' ||
	    md[4] < '0' || md[4] > '9')
		return false;
	int mm = (md[0] - '0') * 10 + (md[1] - '0'), dd = (md[3] - '0') * 10 + (md[4] - '0');
	if (mm < 1 || mm > 12 || dd < 1 || dd > 31)
		return false;
	*y = yy;
	*m = mm;
	*d = dd;
	return true;
}

struct bday {
	Kart__Birthday *b;
	uint64_t card_id;
	unsigned person;            /* 0: the client, i: relative i-1 */
};

static int bday_cmp(const void *pa, const void *pb)
{
	const struct bday *a = pa, *b = pb;
	if (a->b->in_days != b->b->in_days)
		return a->b->in_days < b->b->in_days ? -1 : 1;
	if (a->card_id != b->card_id)
		return a->card_id < b->card_id ? -1 : 1;
	return a->person < b->person ? -1 : a->person > b->person;
}

struct bdays {
	struct bday *v;
	size_t n, cap;
};

static bool bday_push(struct req *r, struct bdays *l, Kart__Birthday *b, uint64_t card_id, unsigned person)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		struct bday *nv = arena_alloc(r->arena, cap * sizeof(*nv));
		if (!nv)
			return false;
		if (l->n)
			memcpy(nv, l->v, l->n * sizeof(*nv));
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n++] = (struct bday){ b, card_id, person };
	return true;
}

/* Adds everyone on card `id` whose birthday falls on month-day key_m/key_d,
 * celebrated on y-m-d, in_days from today. */
static int add_card_birthdays(struct req *r, struct bdays *l, uint64_t id, int key_m, int key_d, int y, int m, int d,
			      unsigned in_days)
{
	Kart__Card *c;
	int rc = card_load(r->txn, r->srv->store.cards, id, r->arena, &c);
	if (rc == 0 && (!acl_visible(r, c) || acl_masks(r, c)))
		return 0; /* someone else's client, or birthdays masked for this user */
	if (rc == MDB_NOTFOUND)
		return 0; /* in the trash, or a stale index entry */
	if (rc)
		return rc;
	const char *title = card_title(r->arena, c);
	for (size_t p = 0; p <= c->n_relatives; p++) {
		const char *bd = p == 0 ? c->birthday : c->relatives[p - 1]->birthday;
		int by, bm, bdd;
		if (!parse_birthday(bd, &by, &bm, &bdd) || bm != key_m || bdd != key_d)
			continue;
		Kart__Birthday *b = arena_alloc(r->arena, sizeof(*b));
		if (!b)
			return -1;
		kart__birthday__init(b);
		b->card_id = id;
		b->client = (char *)(title ? title : "");
		if (p == 0) {
			b->name = b->client;
			b->relation = (char *)"";
		} else {
			const Kart__Relative *rel = c->relatives[p - 1];
			b->name = rel->name ? rel->name : (char *)"";
			b->relation = rel->relation && *rel->relation ? rel->relation : (char *)"relative";
		}
		b->date = arena_printf(r->arena, "%04d-%02d-%02d", y, m, d);
		if (!b->date)
			return -1;
		b->in_days = in_days;
		b->age = by && y > by ? (uint32_t)(y - by) : 0;
		if (!bday_push(r, l, b, id, (unsigned)p))
			return -1;
	}
	return 0;
}

/* Cards under one ix_birthday key. */
static int lookup_mmdd(struct req *r, MDB_cursor *cur, struct bdays *l, int key_m, int key_d, int y, int m, int d,
		       unsigned in_days)
{
	char key[5];
	snprintf(key, sizeof(key), "%02d%02d", key_m, key_d);
	MDB_val k = { 4, key }, v;
	int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY);
	for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP)) {
		if (v.mv_size != 8)
			continue;
		int arc = add_card_birthdays(r, l, store_key_u64(v.mv_data), key_m, key_d, y, m, d, in_days);
		if (arc)
			return arc;
	}
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static int today_birthdays(struct req *r, int64_t today, unsigned days, struct bdays *l)
{
	MDB_cursor *cur;
	int rc = mdb_cursor_open(r->txn, r->srv->store.ix_birthday, &cur);
	if (rc)
		return rc;
	/* a month-day is looked up once: with 366 days the window can meet today's again */
	bool seen[13][32] = { { false } };
	for (unsigned i = 0; i < days && l->n < TODAY_MAX && rc == 0; i++) {
		int64_t yl;
		int m, d;
		date_civil_from_days(today + i, &yl, &m, &d);
		int y = (int)yl;
		if (!seen[m][d]) {
			seen[m][d] = true;
			rc = lookup_mmdd(r, cur, l, m, d, y, m, d, i);
		}
		/* Feb 29 birthdays are celebrated on Mar 1 in a non-leap year (the day
		 * after Feb 28, when the person is indeed a year older) */
		if (rc == 0 && m == 3 && d == 1 && !date_is_leap(y) && !seen[2][29]) {
			seen[2][29] = true;
			rc = lookup_mmdd(r, cur, l, 2, 29, y, m, d, i);
		}
	}
	mdb_cursor_close(cur);
	return rc;
}

static int today_reminders(struct req *r, int64_t until, bool all, Kart__TodayPage *page)
{
	MDB_cursor *cur;
	int rc = mdb_cursor_open(r->txn, r->srv->store.reminders, &cur);
	if (rc)
		return rc;
	size_t cap = 0;
	MDB_val k, v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && page->n_reminders < TODAY_MAX;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 16)
			continue;
		int64_t at = (int64_t)(store_key_u64(k.mv_data) ^ (UINT64_C(1) << 63));
		if (at >= until)
			break; /* in due order: the rest are later */
		Kart__Reminder *rem = kart__reminder__unpack(&r->arena->pb, v.mv_size, v.mv_data);
		if (!rem)
			continue;
		/* a reminder on a card in the trash waits for its card to be restored */
		Kart__Card *c;
		int crc = card_load(r->txn, r->srv->store.cards, rem->card_id, r->arena, &c);
		if (crc == MDB_NOTFOUND || (crc == 0 && !acl_visible(r, c)))
			continue;
		if (crc) {
			rc = crc;
			break;
		}
		/* mine: set by me, or set by someone else on a card I own */
		if (!all && strcmp(rem->owner ? rem->owner : "", r->who.user) != 0 &&
		    strcmp(c->owner ? c->owner : "", r->who.user) != 0)
			continue;
		const char *t = card_title(r->arena, c);
		rem->card_title = (char *)(t ? t : "");
		if (page->n_reminders == cap) {
			cap = cap ? cap * 2 : 16;
			Kart__Reminder **na = arena_alloc(r->arena, cap * sizeof(*na));
			if (!na) {
				rc = -1;
				break;
			}
			if (page->n_reminders)
				memcpy(na, page->reminders, page->n_reminders * sizeof(*na));
			page->reminders = na;
		}
		page->reminders[page->n_reminders++] = rem;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND || rc == 0 ? 0 : rc;
}

int h_today(struct req *r)
{
	Kart__TodayQuery *m = r->in->today_query;
	unsigned days = m->days ? m->days : DAYS_DEFAULT;
	if (days > DAYS_MAX)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "days", "days: at most %d", DAYS_MAX);
	if (m->all && !may_see_all(&r->who))
		return req_error(r, KART__ERROR_CODE__PERMISSION_DENIED, "all",
				 "permission denied: only an admin or a supervisor may see everyone's reminders");

	/* "today" is the client's day when it says which (one clock: instants
	 * everywhere, days as the person asking lives them); else the server's */
	int64_t today, tomorrow;
	if (m->client_utc_offset < -CARDQ_OFFSET_MAX || m->client_utc_offset > CARDQ_OFFSET_MAX)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "client_utc_offset",
				 "client_utc_offset: at most 18 hours either way");
	if (m->client_day && m->day_end) {
		today = m->client_day;
		tomorrow = m->day_end;
	} else if (m->client_day) {
		/* no end of day: the client's midnight by its offset */
		today = m->client_day;
		tomorrow = (m->client_day + 1) * 86400 - m->client_utc_offset;
	} else {
		time_t now = (time_t)(r->now / 1000000);
		struct tm tm;
		if (!localtime_r(&now, &tm))
			return req_error(r, KART__ERROR_CODE__INTERNAL, "", "cannot tell the local date");
		today = date_days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
		struct tm tmr = tm;
		tmr.tm_mday++;
		tmr.tm_hour = tmr.tm_min = tmr.tm_sec = 0;
		tmr.tm_isdst = -1;
		time_t t = mktime(&tmr);
		if (t == (time_t)-1)
			return req_error(r, KART__ERROR_CODE__INTERNAL, "", "cannot tell the local date");
		tomorrow = (int64_t)t;
	}

	Kart__TodayPage *page = arena_alloc(r->arena, sizeof(*page));
	if (!page)
		return req_no_memory(r);
	kart__today_page__init(page);
	int rc = today_reminders(r, (int64_t)tomorrow, m->all, page);
	struct bdays l = { 0 };
	if (rc == 0)
		rc = today_birthdays(r, today, days, &l);
	if (rc == -1)
		return req_no_memory(r);
	if (rc)
		return rc;
	if (l.n) {
		qsort(l.v, l.n, sizeof(*l.v), bday_cmp);
		page->birthdays = arena_alloc(r->arena, l.n * sizeof(*page->birthdays));
		if (!page->birthdays)
			return req_no_memory(r);
		for (size_t i = 0; i < l.n; i++)
			page->birthdays[i] = l.v[i].b;
		page->n_birthdays = l.n;
	}
	r->out.body_case = KART__ENVELOPE__BODY_TODAY_PAGE;
	r->out.today_page = page;
	return H_OK;
}
