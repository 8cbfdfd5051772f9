/* card_tabs: the Card screen's tabs (the field tabs, drawn by
 * card_fields.c; Сделки, card_deal.c; История and Напоминания, loaded here
 * when shown; Родственники, from the card) and its one-line field, which
 * logs a call, meeting, note or purchase, or sets a reminder. The requests
 * wait for their replies, as card_open's do. */
#include "tui.h"

#include <curses.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "call.h"
#include "fmt.h"
#include "layout.h"
#include "util.h"

#define HISTORY_LIMIT TUI_TAB_ROWS
#define CTRL_S 19

static void add_row(struct tui *t, const char *text)
{
	if (t->ntab_rows < TUI_TAB_ROWS)
		snprintf(t->tab_rows[t->ntab_rows++], TUI_TAB_ROW, "%s", text);
}

static const char *kind_name(Kart__EntryKind k)
{
	switch (k) {
	case KART__ENTRY_KIND__ENTRY_KIND_CALL:
		return _("call");
	case KART__ENTRY_KIND__ENTRY_KIND_MEETING:
		return _("meeting");
	case KART__ENTRY_KIND__ENTRY_KIND_EMAIL:
		return _("email");
	case KART__ENTRY_KIND__ENTRY_KIND_NOTE:
		return _("note");
	case KART__ENTRY_KIND__ENTRY_KIND_PURCHASE:
		return _("purchase");
	default:
		return _("entry");
	}
}

static int history_page(const Kart__Envelope *page, void *ud, struct kc_error *err)
{
	struct tui *t = ud;
	char line[TUI_TAB_ROW], at[32], sum[48] = "", text[300];

	(void)err;
	for (size_t i = 0; i < page->timeline_page->n_entries; i++) {
		const Kart__TimelineEntry *e = page->timeline_page->entries[i];
		fmt_time(e->at, 0, at, sizeof(at));
		if (e->kind == KART__ENTRY_KIND__ENTRY_KIND_PURCHASE) {
			fmt_money(e->amount, "RUB", sum + 1, sizeof(sum) - 1);
			sum[0] = ' ';
		} else {
			sum[0] = '\0';
		}
		snprintf(line, sizeof(line), "%s  %s%s  %s", at, kind_name(e->kind), sum, tui_clip(text, sizeof(text), e->text));
		add_row(t, line);
	}
	return 0;
}

static int load_reminders(struct tui *t, uint64_t id, struct kc_error *err)
{
	Kart__Envelope *e = NULL;
	char line[TUI_TAB_ROW], at[32], text[300];
	int rc = kc_reminder_list(t->c, id, false, false, &e, err);

	if (rc)
		return rc;
	for (size_t i = 0; i < e->reminder_page->n_reminders; i++) {
		const Kart__Reminder *r = e->reminder_page->reminders[i];
		fmt_time(r->at, 0, at, sizeof(at));
		snprintf(line, sizeof(line), "%s  %s%s", at, tui_clip(text, sizeof(text), r->text), r->done ? _("  (done)") : "");
		add_row(t, line);
	}
	if (e->reminder_page->n_reminders == 0)
		add_row(t, _("no reminders"));
	kc_env_free(e);
	return 0;
}

static const char *tab_name(const struct tui *t, int i)
{
	switch (t->tabs[i].kind) {
	case TAB_CONTACT:
		return _("Contact");
	case TAB_PHONES:
		return _("Phones and addresses");
	case TAB_CUSTOM:
		return t->tabs[i].custom;
	case TAB_DEALS:
		return _("Deals");
	case TAB_HISTORY:
		return _("History");
	case TAB_REMINDERS:
		return _("Reminders");
	default:
		return _("Relatives");
	}
}

static void tab_add(struct tui *t, enum card_tab_kind kind, const char *custom)
{
	if (t->ntabs < TUI_MAX_TABS)
		t->tabs[t->ntabs++] = (struct card_tab){ kind, custom };
}

void card_tabs_build(struct tui *t)
{
	t->ntabs = 0;
	tab_add(t, TAB_CONTACT, NULL);
	tab_add(t, TAB_PHONES, NULL);
	for (size_t i = 0; i < t->defs.ndefs; i++) {
		const char *name = t->defs.defs[i]->tab;
		bool seen = !*name;
		for (int k = 0; k < t->ntabs && !seen; k++)
			seen = t->tabs[k].kind == TAB_CUSTOM && strcmp(t->tabs[k].custom, name) == 0;
		if (!seen && t->ntabs < TUI_MAX_TABS - 4) /* the four lists always have their place */
			tab_add(t, TAB_CUSTOM, name);
	}
	tab_add(t, TAB_DEALS, NULL);
	tab_add(t, TAB_HISTORY, NULL);
	tab_add(t, TAB_REMINDERS, NULL);
	tab_add(t, TAB_RELATIVES, NULL);
}

enum card_tab_kind card_tab_kind(const struct tui *t)
{
	return t->tabs[t->tab].kind;
}

void card_tab_load(struct tui *t, int tab)
{
	struct kc_error err;
	enum card_tab_kind kind = t->tabs[tab].kind;
	uint64_t id = t->cc->id;
	int rc = 0;

	t->tab = tab;
	t->ntab_rows = 0;
	t->fsel = 0;
	t->field_hist = false;
	if (kind != TAB_DEALS && kind != TAB_HISTORY && kind != TAB_REMINDERS)
		return; /* drawn from the card */
	if (!tui_go_blocking(t)) {
		snprintf(t->card_msg, sizeof(t->card_msg), "%s", _("no connection to the server"));
		return;
	}
	if (kind == TAB_DEALS)
		rc = card_deals_load(t, &err);
	else if (kind == TAB_HISTORY)
		rc = kc_timeline_list(t->c, id, HISTORY_LIMIT, history_page, t, &err);
	else
		rc = load_reminders(t, id, &err);
	tui_go_nonblocking(t, rc, &err);
	if (rc)
		snprintf(t->card_msg, sizeof(t->card_msg), "%s", err.message);
	else if (kind == TAB_HISTORY && t->ntab_rows == 0)
		add_row(t, _("no entries"));
}

/* Opens the one-line field asking for f. */
static void ask(struct tui *t, enum tui_field f, int kind)
{
	t->editing = true;
	t->field_asking = false;
	t->field = f;
	t->kind = kind;
	t->note[0] = '\0';
	t->card_msg[0] = '\0';
}

bool card_tab_key(struct tui *t, enum tui_action a)
{
	switch (a) {
	case TUI_LOG_CALL:
		ask(t, TUI_FIELD_NOTE, KART__ENTRY_KIND__ENTRY_KIND_CALL);
		return true;
	case TUI_LOG_MEETING:
		ask(t, TUI_FIELD_NOTE, KART__ENTRY_KIND__ENTRY_KIND_MEETING);
		return true;
	case TUI_LOG_NOTE:
		ask(t, TUI_FIELD_NOTE, KART__ENTRY_KIND__ENTRY_KIND_NOTE);
		return true;
	case TUI_LOG_PURCHASE:
		ask(t, TUI_FIELD_AMOUNT, KART__ENTRY_KIND__ENTRY_KIND_PURCHASE);
		return true;
	case TUI_REMIND:
		ask(t, TUI_FIELD_WHEN, 0);
		return true;
	case TUI_TAB_PREV:
		card_tab_load(t, (t->tab + t->ntabs - 1) % t->ntabs);
		return true;
	case TUI_TAB_NEXT:
		card_tab_load(t, (t->tab + 1) % t->ntabs);
		return true;
	case TUI_TAB_1:
	case TUI_TAB_2:
	case TUI_TAB_3:
	case TUI_TAB_4:
	case TUI_TAB_5:
	case TUI_TAB_6:
	case TUI_TAB_7:
	case TUI_TAB_8:
	case TUI_TAB_9:
		if ((int)(a - TUI_TAB_1) < t->ntabs)
			card_tab_load(t, (int)(a - TUI_TAB_1));
		return true;
	default:
		return false;
	}
}

static const char *saved_name(int kind)
{
	switch (kind) {
	case KART__ENTRY_KIND__ENTRY_KIND_CALL:
		return _("Call logged");
	case KART__ENTRY_KIND__ENTRY_KIND_MEETING:
		return _("Meeting logged");
	case KART__ENTRY_KIND__ENTRY_KIND_PURCHASE:
		return _("Purchase logged");
	default:
		return _("Note logged");
	}
}

/* The entry of the field: a call, meeting, note, or a purchase of amount. */
static void save_entry(struct tui *t)
{
	struct kc_error err;
	Kart__Envelope *e = NULL;
	const char *amount = t->field == TUI_FIELD_PURCHASE ? t->amount : "";

	if (!tui_go_blocking(t)) { /* the text stays in the field */
		snprintf(t->card_msg, sizeof(t->card_msg), "%s", _("not logged: no connection to the server"));
		return;
	}
	int rc = kc_timeline_add(t->c, t->cc->id, (Kart__EntryKind)t->kind, t->note, amount, 0, &e,
				 &err);
	tui_go_nonblocking(t, rc, &err);
	if (rc) {
		snprintf(t->card_msg, sizeof(t->card_msg), _("not logged: %s"), err.message);
		return;
	}
	kc_env_free(e);
	t->editing = false;
	snprintf(t->card_msg, sizeof(t->card_msg), "%s", saved_name(t->kind));
	if (card_tab_kind(t) == TAB_HISTORY)
		card_tab_load(t, t->tab);
}

/* The minutes after midnight a day named without a time means:
 * KART_REMIND_TIME, else 09:00. */
static int remind_minute(void)
{
	const char *env = getenv("KART_REMIND_TIME");
	int minute = 9 * 60;

	if (env && *env && util_parse_clock(env, &minute) < 0)
		minute = 9 * 60;
	return minute;
}

static void save_reminder(struct tui *t)
{
	struct kc_error err;
	Kart__Envelope *e = NULL;

	if (!tui_go_blocking(t)) { /* the text stays in the field */
		snprintf(t->card_msg, sizeof(t->card_msg), "%s", _("not saved: no connection to the server"));
		return;
	}
	int rc = kc_reminder_add(t->c, t->cc->id, t->remind_at, t->note, false, &e, &err);
	tui_go_nonblocking(t, rc, &err);
	if (rc) {
		snprintf(t->card_msg, sizeof(t->card_msg), _("not saved: %s"), err.message);
		return;
	}
	kc_env_free(e);
	t->editing = false;
	snprintf(t->card_msg, sizeof(t->card_msg), "%s", _("Reminder saved"));
	if (card_tab_kind(t) == TAB_REMINDERS)
		card_tab_load(t, t->tab);
}

/* Enter in the field: the next question, or the request. */
static void field_enter(struct tui *t)
{
	switch (t->field) {
	case TUI_FIELD_NOTE:
		if (t->note[0])
			save_entry(t);
		break;
	case TUI_FIELD_AMOUNT:
		if (!t->note[0])
			break;
		snprintf(t->amount, sizeof(t->amount), "%.60s", t->note);
		t->field = TUI_FIELD_PURCHASE;
		t->note[0] = '\0';
		break;
	case TUI_FIELD_PURCHASE:
		save_entry(t);
		break;
	case TUI_FIELD_WHEN:
		if (util_parse_time_ahead(util_trim(t->note), util_now_us() / 1000000, remind_minute(),
					  &t->remind_at) < 0) {
			snprintf(t->card_msg, sizeof(t->card_msg),
				 _("not understood: «%.200s» (tomorrow 10:00, +2d, 15.12 14:30)"), t->note);
			break;
		}
		t->card_msg[0] = '\0';
		t->field = TUI_FIELD_REMIND;
		t->note[0] = '\0';
		break;
	case TUI_FIELD_REMIND:
		if (t->note[0])
			save_reminder(t);
		break;
	}
}

/* Something was typed that Esc would drop: the text, or the amount or time
 * asked for first. */
static bool field_typed(const struct tui *t)
{
	return t->note[0] || t->field == TUI_FIELD_PURCHASE || t->field == TUI_FIELD_REMIND;
}

void card_field_key(struct tui *t, int key, bool is_char)
{
	if (t->field_asking) { /* y, or н on a Russian layout */
		if (key == 'y' || key == 'Y' || key == L'н' || key == L'Н') {
			t->field_asking = t->editing = false;
			t->card_msg[0] = '\0';
		} else if (key == 'n' || key == 'N' || key == L'т' || key == L'Т' || key == 27) {
			t->field_asking = false;
		}
		return;
	}
	if (is_char && key >= 32 && key != 127) {
		tui_append(t->note, sizeof(t->note), key);
	} else if (key == 27) {
		if (field_typed(t)) {
			t->field_asking = true; /* as the forms do: ask before dropping what was typed */
			return;
		}
		t->editing = false;
		t->card_msg[0] = '\0';
	} else if (key == '\n' || key == '\r' || key == KEY_ENTER || key == CTRL_S) {
		field_enter(t);
	} else if (key == KEY_BACKSPACE || key == 127 || key == 8) {
		tui_erase_last(t->note);
	} else if (tui_key_action(TUI_CARD, key) == TUI_REDRAW) {
		clearok(curscr, TRUE);
	}
}

/* The tab line at row y, wrapping to the row below when it is too long;
 * the current tab in reverse video. */
void card_tabs_draw(struct tui *t, int y)
{
	char line[256], fit[256];
	int x = 0;

	for (int i = 0; i < t->ntabs; i++) {
		snprintf(line, sizeof(line), " %d %.200s ", i + 1, tab_name(t, i));
		int w = (int)tui_fit(fit, sizeof(fit), line, (size_t)COLS);
		if (x && x + w > COLS) {
			if (++y > 2)
				break;
			x = 0;
		}
		if (i == t->tab)
			attron(A_REVERSE);
		tui_put(y, x, fit, w);
		if (i == t->tab)
			attroff(A_REVERSE);
		x += w + 1;
	}
}

void card_tab_rows_draw(struct tui *t, int y)
{
	for (int i = 0; i < t->ntab_rows && y < LINES - 3; i++)
		tui_put(y++, 0, t->tab_rows[i], COLS);
}

static const char *field_prompt(const struct tui *t, char *buf, size_t n)
{
	char at[32];

	switch (t->field) {
	case TUI_FIELD_AMOUNT:
		return _("Purchase, amount: ");
	case TUI_FIELD_PURCHASE:
		snprintf(buf, n, _("Purchase %.40s, text: "), t->amount);
		return buf;
	case TUI_FIELD_WHEN:
		return _("Remind when: ");
	case TUI_FIELD_REMIND:
		fmt_time(t->remind_at, 0, at, sizeof(at));
		snprintf(buf, n, _("Remind %s: "), at);
		return buf;
	default:
		snprintf(buf, n, "%s: ", t->kind == KART__ENTRY_KIND__ENTRY_KIND_CALL      ? _("Call")
				      : t->kind == KART__ENTRY_KIND__ENTRY_KIND_MEETING ? _("Meeting")
											  : _("Note"));
		return buf;
	}
}

void card_field_draw(struct tui *t)
{
	char buf[1200], prompt[128];

	if (!t->editing) {
		tui_put(LINES - 2, 0, t->card_msg, COLS);
		tui_style(TUI_STYLE_HINT, true);
		tui_put(LINES - 1, 0, _("c call · Esc back · e edit · d deal · m/n/p/r · ←/→ tabs · ? help"), COLS);
		tui_style(TUI_STYLE_HINT, false);
		return;
	}
	const char *p = field_prompt(t, prompt, sizeof(prompt));
	int pw = (int)tui_width(p) < COLS / 2 ? (int)tui_width(p) : COLS / 2, w;

	if (t->field_asking) {
		tui_style(TUI_STYLE_ALERT, true);
		tui_put(LINES - 3, 0, _("Discard the changes? y/n"), COLS);
		tui_style(TUI_STYLE_ALERT, false);
	} else {
		tui_put(LINES - 3, 0, t->card_msg, COLS);
	}
	tui_put(LINES - 2, 0, p, pw);
	/* the end being typed stays in sight, the cursor after it */
	w = (int)tui_tail(buf, sizeof(buf), t->note, (size_t)(COLS - pw - 1));
	tui_put(LINES - 2, pw, buf, COLS - pw);
	tui_style(TUI_STYLE_HINT, true);
	tui_put(LINES - 1, 0, _("Enter saves · Esc cancels"), COLS);
	tui_style(TUI_STYLE_HINT, false);
	move(LINES - 2, pw + w);
}
