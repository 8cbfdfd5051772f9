/* h_deal: deals on cards, moved through the configured funnel (cfg.funnel,
 * comma-separated stages in order).
 *
 * deals: id(u64) -> Deal. The table is small, so a list scans it whole. A
 * deal keeps the stages it was at (Deal.history): DealAdd's first, then one
 * visit for each move that changed its stage. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "acl.h"
#include "audit.h"
#include "card.h"
#include "date.h"
#include "handlers.h"
#include "money.h"
#include "req.h"
#include "text.h"

#define TITLE_MAX 200   /* characters */
#define STAGES_MAX 32   /* config.c allows 2..32 */

/* The funnel's stages, split into the arena. Returns how many. */
static size_t funnel_stages(struct req *r, char **out)
{
	char *copy = arena_strdup(r->arena, r->cfg->funnel);
	size_t n = 0;
	if (!copy)
		return 0;
	for (char *p = copy; n < STAGES_MAX;) {
		out[n++] = p;
		char *comma = strchr(p, ',');
		if (!comma)
			break;
		*comma = '\0';
		p = comma + 1;
	}
	return n;
}

/* Checks stage against the funnel; BAD_REQUEST naming the stages if it is not in it. */
static int check_stage(struct req *r, const char *stage)
{
	char *stages[STAGES_MAX];
	size_t n = funnel_stages(r, stages);
	for (size_t i = 0; i < n; i++)
		if (strcmp(stages[i], stage) == 0)
			return H_OK;
	return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "stage", "stage: '%.40s' is not a stage of the funnel (%s)",
			 stage, r->cfg->funnel);
}

static bool valid_date(const char *v)
{
	int y, m, d;
	char tail;
	if (strlen(v) != 10 || v[4] != '-' || v[7] != '-' || sscanf(v, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (v[i] < '0' || v[i] > '9'))
			return false;
	return y >= 1900 && m >= 1 && m <= 12 && d >= 1 && d <= date_days_in_month(y, m);
}

/* A deal's title: one line of text, not empty, at most TITLE_MAX characters. */
static int check_title(struct req *r, const char *title)
{
	size_t len = strlen(title);
	if (!*title)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "title", "title: a deal needs a title");
	if (req_check_text(r, "title", title, false) != H_OK)
		return H_ABORT;
	if (!text_utf8_valid(title, len) || strchr(title, '\n'))
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "title", "title: not valid one-line UTF-8 text");
	size_t chars = text_utf8_chars(title, len);
	if (chars > TITLE_MAX)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "title", "title is too long: %zu characters, at most %d",
				 chars, TITLE_MAX);
	return H_OK;
}

/* A deal's amount from decimal text ("" or NULL: 0), never negative. */
static int parse_amount(struct req *r, const char *text, int64_t *out)
{
	*out = 0;
	if (!text || !*text)
		return H_OK;
	const char *why = "";
	if (money_parse(text, out, &why) < 0)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "amount",
				 "amount: '%.40s' is not an amount (%s); write it like 1234.50", text, why);
	if (*out < 0)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "amount", "amount: a deal cannot be negative");
	return H_OK;
}

static int check_close(struct req *r, const char *close)
{
	if (*close && !valid_date(close))
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "expected_close",
				 "expected_close: '%.40s' is not a date (YYYY-MM-DD)", close);
	return H_OK;
}

static int deal_load(MDB_txn *txn, MDB_dbi dbi, uint64_t id, struct arena *a, Kart__Deal **out)
{
	MDB_val v;
	int rc = store_get_id(txn, dbi, id, &v);
	if (rc)
		return rc;
	*out = kart__deal__unpack(&a->pb, v.mv_size, v.mv_data);
	return *out ? 0 : MDB_CORRUPTED;
}

static int deal_save(MDB_txn *txn, MDB_dbi dbi, const Kart__Deal *d)
{
	uint8_t key[8];
	store_u64_key(d->id, key);
	MDB_val k = { 8, key }, v = { kart__deal__get_packed_size(d), NULL };
	int rc = mdb_put(txn, dbi, &k, &v, MDB_RESERVE);
	if (rc)
		return rc;
	kart__deal__pack(d, v.mv_data);
	return 0;
}

/* The name of the deal's client, from its card (live or in the trash), for
 * replies: "" when the card is gone. */
static void fill_card_title(struct req *r, Kart__Deal *d)
{
	struct store *st = &r->srv->store;
	Kart__Card *c = NULL;
	if (card_load_brief(r->txn, st->cards, d->card_id, r->arena, &c) != 0 &&
	    card_load_brief(r->txn, st->trash, d->card_id, r->arena, &c) != 0)
		c = NULL;
	const char *title = c ? card_title(r->arena, c) : NULL;
	d->card_title = (char *)(title ? title : "");
}

/* Appends a visit to the deal's history (in the arena): its arrival at stage. */
static int add_visit(struct req *r, Kart__Deal *d, const char *stage, int64_t at)
{
	Kart__StageVisit **h = arena_alloc(r->arena, (d->n_history + 1) * sizeof(*h));
	Kart__StageVisit *v = arena_alloc(r->arena, sizeof(*v));
	if (!h || !v)
		return req_no_memory(r);
	kart__stage_visit__init(v);
	v->stage = (char *)stage;
	v->at = at;
	v->by = r->who.user;
	if (d->n_history)
		memcpy(h, d->history, d->n_history * sizeof(*h));
	h[d->n_history] = v;
	d->history = h;
	d->n_history++;
	return H_OK;
}

static int reply_deal(struct req *r, Kart__Deal *d)
{
	r->out.body_case = KART__ENVELOPE__BODY_DEAL;
	r->out.deal = d;
	return H_OK;
}

int h_deal_add(struct req *r)
{
	Kart__DealAdd *m = r->in->deal_add;
	struct store *st = &r->srv->store;
	int64_t now = r->now / 1000000;

	Kart__Card *card;
	int rc = card_load_visible(r, st->cards, m->card_id, &card, "deal");
	if (rc == MDB_NOTFOUND)
		return req_error(r, KART__ERROR_CODE__NOT_FOUND, "card_id", "no card %" PRIu64, m->card_id);
	if (rc)
		return rc;

	const char *title = m->title ? m->title : "";
	if ((rc = check_title(r, title)))
		return rc;
	int64_t amount = 0;
	if ((rc = parse_amount(r, m->amount, &amount)))
		return rc;

	char *stages[STAGES_MAX];
	const char *stage = m->stage && *m->stage ? m->stage : NULL;
	if (stage) {
		if ((rc = check_stage(r, stage)))
			return rc;
	} else {
		if (funnel_stages(r, stages) == 0)
			return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "out of memory");
		stage = stages[0];
	}

	const char *close = m->expected_close ? m->expected_close : "";
	if ((rc = check_close(r, close)))
		return rc;

	const char *owner = m->owner && *m->owner ? m->owner : NULL;
	if (owner) {
		if ((rc = acl_check_owner(r, owner, "owner", NULL)))
			return rc;
	} else {
		owner = card->owner && *card->owner ? card->owner : r->who.user;
	}

	Kart__Deal *d = arena_alloc(r->arena, sizeof(*d));
	if (!d)
		return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "out of memory");
	kart__deal__init(d);
	if ((rc = store_next_id(r->txn, st, "next_deal_id", &d->id)))
		return rc;
	d->card_id = card->id;
	d->title = (char *)title;
	d->amount = amount;
	d->stage = (char *)stage;
	d->owner = (char *)owner;
	d->expected_close = (char *)close;
	d->created_at = d->updated_at = now;
	d->created_by = d->updated_by = r->who.user;
	if ((rc = add_visit(r, d, stage, now)))
		return rc;
	if ((rc = deal_save(r->txn, st->deals, d)))
		return rc;

	char money[32];
	const char *summary = arena_printf(r->arena, "card %" PRIu64 " %s: %s, %s, owner %s%s%s", card->id,
					   card_title(r->arena, card), money_format(amount, money, sizeof(money)), stage,
					   owner, *close ? ", close " : "", close);
	if ((rc = audit_append(r, "deal.add", "deal", d->id, title, summary ? summary : "", true)))
		return rc;
	return reply_deal(r, d);
}

/* A deal is seen with its card, exactly like the card: one out of the user's
 * scope answers like a deal that does not exist, and the attempt is recorded. */
static int deal_load_visible(struct req *r, uint64_t id, Kart__Deal **out, const char *what)
{
	int rc = deal_load(r->txn, r->srv->store.deals, id, r->arena, out);
	if (rc)
		return rc;
	rc = acl_card_id_visible(r, (*out)->card_id);
	if (rc == MDB_NOTFOUND)
		acl_note_denied(r, (*out)->card_id, arena_printf(r->arena, "%s deal %" PRIu64, what, id));
	return rc;
}

int h_deal_move(struct req *r)
{
	Kart__DealMove *m = r->in->deal_move;
	struct store *st = &r->srv->store;
	Kart__Deal *d;
	int rc = deal_load_visible(r, m->deal_id, &d, "move");
	if (rc == MDB_NOTFOUND)
		return req_error(r, KART__ERROR_CODE__NOT_FOUND, "deal_id", "no deal %" PRIu64, m->deal_id);
	if (rc)
		return rc;
	const char *stage = m->stage ? m->stage : "";
	if (!*stage)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "stage", "stage: which stage? the funnel is %s",
				 r->cfg->funnel);
	if ((rc = check_stage(r, stage)))
		return rc;
	const char *from = d->stage ? d->stage : "";
	/* a move to the stage it is at changes nothing, but is on record like any move */
	bool same = strcmp(from, stage) == 0;
	const char *summary = arena_printf(r->arena, "%s -> %s%s", from, stage, same ? " (already there)" : "");
	if (!same) {
		d->stage = (char *)stage;
		d->updated_at = r->now / 1000000;
		d->updated_by = r->who.user;
		if ((rc = add_visit(r, d, stage, d->updated_at)) || (rc = deal_save(r->txn, st->deals, d)))
			return rc;
	}
	if ((rc = audit_append(r, "deal.move", "deal", d->id, d->title ? d->title : "", summary ? summary : "", true)))
		return rc;
	return reply_deal(r, d);
}

int h_deal_list(struct req *r)
{
	Kart__DealList *m = r->in->deal_list;
	struct store *st = &r->srv->store;
	const char *stage = m->stage ? m->stage : "", *owner = m->owner ? m->owner : "";
	int rc;
	if (*stage && (rc = check_stage(r, stage)))
		return rc;

	Kart__DealPage *page = arena_alloc(r->arena, sizeof(*page));
	char **stages = arena_alloc(r->arena, STAGES_MAX * sizeof(*stages));
	MDB_stat ms;
	if ((rc = mdb_stat(r->txn, st->deals, &ms)))
		return rc;
	Kart__Deal **deals = arena_alloc(r->arena, (ms.ms_entries ? ms.ms_entries : 1) * sizeof(*deals));
	if (!page || !stages || !deals)
		return req_no_memory(r);
	kart__deal_page__init(page);
	page->stages = stages;
	page->n_stages = funnel_stages(r, stages);
	page->deals = deals;

	MDB_cursor *cur;
	if ((rc = mdb_cursor_open(r->txn, st->deals, &cur)))
		return rc;
	MDB_val k, v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && page->n_deals < ms.ms_entries;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		Kart__Deal *d = kart__deal__unpack(&r->arena->pb, v.mv_size, v.mv_data);
		if (!d)
			continue;
		if (*stage && strcmp(stage, d->stage ? d->stage : "") != 0)
			continue;
		if (*owner && strcmp(owner, d->owner ? d->owner : "") != 0)
			continue;
		if (m->card_id && m->card_id != d->card_id)
			continue;
		/* a deal is seen with its card (live or in the trash) */
		int vrc = acl_card_id_visible(r, d->card_id);
		if (vrc == MDB_NOTFOUND)
			continue;
		if (vrc) {
			rc = vrc;
			break;
		}
		fill_card_title(r, d);
		deals[page->n_deals++] = d;
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	r->out.body_case = KART__ENVELOPE__BODY_DEAL_PAGE;
	r->out.deal_page = page;
	return H_OK;
}

/* ---- one deal: show, edit, remove ---- */

static int deal_not_found(struct req *r, uint64_t id)
{
	return req_error(r, KART__ERROR_CODE__NOT_FOUND, "deal_id", "no deal %" PRIu64, id);
}

static int reply_info(struct req *r, Kart__Deal *d, bool changed, bool removed)
{
	Kart__DealInfo *info = arena_alloc(r->arena, sizeof(*info));
	if (!info)
		return req_no_memory(r);
	kart__deal_info__init(info);
	fill_card_title(r, d);
	info->deal = d;
	info->changed = changed;
	info->removed = removed;
	r->out.body_case = KART__ENVELOPE__BODY_DEAL_INFO;
	r->out.deal_info = info;
	return H_OK;
}

int h_deal_get(struct req *r)
{
	uint64_t id = r->in->deal_get->deal_id;
	Kart__Deal *d;
	int rc = deal_load_visible(r, id, &d, "show");
	if (rc == MDB_NOTFOUND)
		return deal_not_found(r, id);
	if (rc)
		return rc;
	return reply_info(r, d, false, false);
}

int h_deal_edit(struct req *r)
{
	Kart__DealEdit *m = r->in->deal_edit;
	if (!m->set_title && !m->set_amount && !m->set_close)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "", "nothing to change: give a title, an amount or a close date");
	Kart__Deal *d;
	int rc = deal_load_visible(r, m->deal_id, &d, "edit");
	if (rc == MDB_NOTFOUND)
		return deal_not_found(r, m->deal_id);
	if (rc)
		return rc;

	const char *title = m->title ? m->title : "", *close = m->expected_close ? m->expected_close : "";
	int64_t amount = 0;
	if (m->set_title && (rc = check_title(r, title)))
		return rc;
	if (m->set_amount && (rc = parse_amount(r, m->amount, &amount)))
		return rc;
	if (m->set_close && (rc = check_close(r, close)))
		return rc;

	/* the summary names each change, old -> new */
	char before[32], after[32];
	const char *summary = "";
	const char *old_title = d->title ? d->title : "", *old_close = d->expected_close ? d->expected_close : "";
	if (m->set_title && strcmp(old_title, title) != 0) {
		summary = arena_printf(r->arena, "%stitle: '%s' -> '%s'", summary, old_title, title);
		d->title = (char *)title;
	}
	if (m->set_amount && amount != d->amount) {
		summary = arena_printf(r->arena, "%s%samount: %s -> %s", summary ? summary : "", summary && *summary ? "; " : "",
				       money_format(d->amount, before, sizeof(before)), money_format(amount, after, sizeof(after)));
		d->amount = amount;
	}
	if (m->set_close && strcmp(old_close, close) != 0) {
		summary = arena_printf(r->arena, "%s%sclose: %s -> %s", summary ? summary : "", summary && *summary ? "; " : "",
				       *old_close ? old_close : "none", *close ? close : "none");
		d->expected_close = (char *)close;
	}
	if (!summary)
		return req_no_memory(r);
	if (!*summary) /* nothing changed: nothing written */
		return reply_info(r, d, false, false);
	d->updated_at = r->now / 1000000;
	d->updated_by = r->who.user;
	if ((rc = deal_save(r->txn, r->srv->store.deals, d)))
		return rc;
	if ((rc = audit_append(r, "deal.edit", "deal", d->id, d->title ? d->title : "", summary, true)))
		return rc;
	return reply_info(r, d, true, false);
}

int h_deal_remove(struct req *r)
{
	uint64_t id = r->in->deal_remove->deal_id;
	Kart__Deal *d;
	int rc = deal_load_visible(r, id, &d, "remove");
	if (rc == MDB_NOTFOUND)
		return deal_not_found(r, id);
	if (rc)
		return rc;
	uint8_t key[8];
	store_u64_key(id, key);
	MDB_val k = { 8, key };
	if ((rc = mdb_del(r->txn, r->srv->store.deals, &k, NULL)))
		return rc;
	/* the record of what it was: a deal removed cannot be restored */
	char money[32];
	const char *close = d->expected_close ? d->expected_close : "";
	const char *summary = arena_printf(r->arena, "card %" PRIu64 ": %s, %s, owner %s%s%s", d->card_id,
					   money_format(d->amount, money, sizeof(money)), d->stage ? d->stage : "",
					   d->owner ? d->owner : "", *close ? ", close " : "", close);
	if ((rc = audit_append(r, "deal.remove", "deal", d->id, d->title ? d->title : "", summary ? summary : "", true)))
		return rc;
	return reply_info(r, d, true, true);
}
