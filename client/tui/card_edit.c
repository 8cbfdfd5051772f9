/* card_edit: the Card's forms of fields (e on a field tab; a new card from
 * Find's query), the history of one field (h), and stepping through the
 * Find results without going back ([ and ]). An edit is a CardUpdate of
 * the fields that changed, at the version the card was shown at: if
 * someone changed the card meanwhile, the server refuses it and nothing is
 * overwritten. */
#include "tui.h"

#include <stdio.h>
#include <string.h>

#include "layout.h"
#include "util.h"

static struct card_field fields[FORM_MAX];

void card_edit_open(struct tui *t)
{
	enum card_tab_kind kind = card_tab_kind(t);
	char title[600], name[512];
	int n;

	if (kind == TAB_DEALS) {
		card_deal_open(t);
		return;
	}
	if (kind != TAB_CONTACT && kind != TAB_PHONES && kind != TAB_CUSTOM) {
		snprintf(t->card_msg, sizeof(t->card_msg), "%s", _("nothing to edit on this tab"));
		return;
	}
	n = card_fields(t, t->tab, fields, FORM_MAX);
	if (n == 0)
		return;
	t->card_msg[0] = '\0';
	tui_card_name(t->cc, name, sizeof(name));
	snprintf(title, sizeof(title), _("Editing: %.500s"), name);
	form_start(&t->form, FORM_CARD_EDIT, title);
	for (int i = 0; i < n; i++) {
		form_add(&t->form, fields[i].name, fields[i].label, fields[i].value);
		t->form.f[i].locked = fields[i].locked;
	}
	t->form.cur = t->fsel < n ? t->fsel : 0;
}

/* Digits with + ( ) - and spaces, five digits at least: a phone. */
static bool looks_like_phone(const char *q)
{
	int digits = 0;

	for (; *q; q++) {
		if (*q >= '0' && *q <= '9')
			digits++;
		else if (!strchr("+()- ", *q))
			return false;
	}
	return digits >= 5;
}

void card_new_open(struct tui *t)
{
	char typed[TUI_QUERY_MAX], *q;
	char last[FORM_VALUE] = "", first[FORM_VALUE] = "", phone[FORM_VALUE] = "", email[FORM_VALUE] = "";
	static const char *const names[] = { "last_name", "first_name", "middle_name", "company",
					     "phones",    "emails",     "city" };

	snprintf(typed, sizeof(typed), "%s", t->query);
	q = util_trim(typed);
	if (looks_like_phone(q)) {
		snprintf(phone, sizeof(phone), "%s", q);
	} else if (strchr(q, '@')) {
		snprintf(email, sizeof(email), "%s", q);
	} else { /* "Фамилия Имя", as the results show names */
		size_t k = strcspn(q, " ");
		snprintf(last, sizeof(last), "%.*s", (int)k, q);
		snprintf(first, sizeof(first), "%s", util_trim(q + k));
	}
	form_start(&t->form, FORM_CARD_NEW, _("New card"));
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *v = i == 0 ? last : i == 1 ? first : i == 4 ? phone : i == 5 ? email : "";
		form_add(&t->form, names[i], card_field_label(names[i]), v);
	}
	/* the cursor where the typing goes on: after the pre-filled value */
	t->form.cur = phone[0] ? 4 : email[0] ? 5 : first[0] ? 1 : 0;
}

static bool save_new(struct tui *t, Kart__FieldValue **set, size_t n)
{
	struct kc_error err;
	Kart__Envelope *e = NULL;
	uint64_t id;
	int rc = kc_card_create(t->c, set, n, &e, &err);

	tui_go_nonblocking(t, rc, &err);
	if (rc) {
		form_server_error(&t->form, &err);
		return false;
	}
	id = e->card->id;
	kc_env_free(e);
	t->count_due = true; /* one card more for the status line */
	card_open(t, id);
	snprintf(t->card_msg, sizeof(t->card_msg), _("Card %llu created"), (unsigned long long)id);
	return true;
}

bool card_edit_save(struct tui *t)
{
	struct form *f = &t->form;
	Kart__FieldValue fv[FORM_MAX], *set[FORM_MAX];
	struct kc_error err;
	Kart__Envelope *e = NULL;
	size_t n = 0;
	int rc;

	for (int i = 0; i < f->n; i++) {
		bool send = f->kind == FORM_CARD_NEW ? f->f[i].value[0] != '\0'
						     : strcmp(f->f[i].value, f->f[i].orig) != 0;
		if (!send)
			continue;
		kart__field_value__init(&fv[n]);
		fv[n].field = f->f[i].name;
		fv[n].value = f->f[i].value;
		set[n] = &fv[n];
		n++;
	}
	if (f->kind == FORM_CARD_NEW)
		return save_new(t, set, n);
	if (n == 0) {
		kc_set_nonblocking(t->c);
		snprintf(t->card_msg, sizeof(t->card_msg), "%s", _("Nothing changed"));
		return true;
	}
	rc = kc_card_update(t->c, t->cc->id, t->cc->version, set, n, &e, &err);
	tui_go_nonblocking(t, rc, &err);
	if (rc) {
		form_server_error(f, &err);
		return false;
	}
	snprintf(t->card_msg, sizeof(t->card_msg), "%s",
		 e->card_changed->changed ? _("Saved") : _("Nothing changed"));
	card_replace(t, e, e->card_changed->card);
	return true;
}

/* The changes of one field, newest first, into tab_rows. */
struct field_changes {
	struct tui *t;
	const char *name;
	char rows[TUI_TAB_ROWS][TUI_TAB_ROW];
	int n;
};

static int history_page(const Kart__Envelope *page, void *ud, struct kc_error *err)
{
	struct field_changes *fc = ud;
	char at[64], by[40], was[200], now[200];

	(void)err;
	for (size_t i = 0; i < page->history_page->n_versions; i++) {
		const Kart__Version *v = page->history_page->versions[i];
		for (size_t k = 0; k < v->n_changes; k++) {
			const Kart__Change *ch = v->changes[k];
			if (strcmp(ch->field, fc->name) != 0)
				continue;
			util_format_time(v->at, at, sizeof(at));
			/* the oldest drop out when there are more than the rows */
			int slot = fc->n < TUI_TAB_ROWS ? fc->n++ : (memmove(fc->rows[0], fc->rows[1],
									      sizeof(fc->rows[0]) * (TUI_TAB_ROWS - 1)),
								      TUI_TAB_ROWS - 1);
			snprintf(fc->rows[slot], TUI_TAB_ROW, "%.16s  %s  %s → %s", at, tui_clip(by, sizeof(by), v->by),
				 tui_clip(was, sizeof(was), ch->old_value[0] ? ch->old_value : "—"),
				 tui_clip(now, sizeof(now), ch->new_value[0] ? ch->new_value : "—"));
		}
	}
	return 0;
}

void card_field_history(struct tui *t)
{
	static struct field_changes fc;
	struct kc_error err;
	int n = card_fields(t, t->tab, fields, FORM_MAX), rc;

	if (n == 0 || t->fsel >= n) {
		snprintf(t->card_msg, sizeof(t->card_msg), "%s", _("h: select a field on a tab of fields"));
		return;
	}
	if (!tui_go_blocking(t)) {
		snprintf(t->card_msg, sizeof(t->card_msg), "%s", _("no connection to the server"));
		return;
	}
	memset(&fc, 0, sizeof(fc));
	fc.t = t;
	fc.name = fields[t->fsel].name;
	rc = kc_card_history(t->c, t->cc->id, history_page, &fc, &err);
	tui_go_nonblocking(t, rc, &err);
	if (rc) {
		snprintf(t->card_msg, sizeof(t->card_msg), "%s", err.message);
		return;
	}
	t->ntab_rows = 0;
	snprintf(t->tab_rows[t->ntab_rows++], TUI_TAB_ROW, _("History of «%.100s» (Esc back):"),
		 fields[t->fsel].label);
	for (int i = fc.n - 1; i >= 0 && t->ntab_rows < TUI_TAB_ROWS; i--)
		snprintf(t->tab_rows[t->ntab_rows++], TUI_TAB_ROW, "%s", fc.rows[i]);
	if (fc.n == 0)
		snprintf(t->tab_rows[t->ntab_rows++], TUI_TAB_ROW, "%s", _("no changes recorded"));
	t->field_hist = true;
	t->card_msg[0] = '\0';
}

void card_step(struct tui *t, int dir)
{
	size_t n = t->found ? t->found->find_page->n_cards : 0;
	int at = -1, tab = t->tab;

	for (size_t i = 0; i < n && at < 0; i++)
		if (t->found->find_page->cards[i]->id == t->cc->id)
			at = (int)i;
	if (at < 0)
		at = dir > 0 ? -1 : (int)n; /* not among them: from the first or the last */
	if (at + dir < 0 || at + dir >= (int)n) {
		snprintf(t->card_msg, sizeof(t->card_msg), "%s",
			 dir < 0 ? _("this is the first card of the results") : _("this is the last card of the results"));
		return;
	}
	t->sel = at + dir;
	card_open(t, t->found->find_page->cards[t->sel]->id);
	if (t->cc->id != t->found->find_page->cards[t->sel]->id) { /* not opened: say why here */
		snprintf(t->card_msg, sizeof(t->card_msg), "%s", t->status);
		return;
	}
	if (tab > 0 && tab < t->ntabs)
		card_tab_load(t, tab); /* the same tab of the next card */
}

void card_close(struct tui *t)
{
	kc_env_free(t->deals);
	t->deals = NULL;
	kc_field_defs_free(&t->defs);
}
