/* today: the Today screen: reminders due today or overdue and birthdays of
 * the coming week, from the TodayQuery `kart today` sends. Enter opens the
 * selected row's card; x marks the selected reminder done. Its requests wait
 * for their replies, as the Card's do. */
#include "tui.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "call.h"
#include "fmt.h"
#include "layout.h"
#include "util.h"

#define TODAY_DAYS 7

static size_t nrows(const struct tui *t)
{
	if (!t->today)
		return 0;
	return t->today->today_page->n_reminders + t->today->today_page->n_birthdays;
}

/* Asks again; keeps the selection where it was, within the rows. */
static void reload(struct tui *t)
{
	struct kc_error err;
	Kart__Envelope *e = NULL;

	if (!tui_go_blocking(t)) {
		snprintf(t->today_msg, sizeof(t->today_msg), "%s", _("no connection to the server"));
		return;
	}
	int rc = kc_today(t->c, TODAY_DAYS, util_now_us() / 1000000, false, &e, &err);
	tui_go_nonblocking(t, rc, &err);
	if (rc) {
		snprintf(t->today_msg, sizeof(t->today_msg), "%s", err.message);
		return;
	}
	kc_env_free(t->today);
	t->today = e;
	if ((size_t)t->today_sel >= nrows(t))
		t->today_sel = nrows(t) ? (int)nrows(t) - 1 : 0;
}

void today_open(struct tui *t)
{
	if (t->screen != TUI_TODAY)
		t->today_from = t->screen;
	t->today_msg[0] = '\0';
	t->today_sel = 0;
	reload(t);
	t->screen = TUI_TODAY;
}

static void mark_done(struct tui *t)
{
	const Kart__TodayPage *p = t->today ? t->today->today_page : NULL;
	struct kc_error err;
	Kart__Envelope *e = NULL;

	if (!p || (size_t)t->today_sel >= p->n_reminders) {
		snprintf(t->today_msg, sizeof(t->today_msg), "%s", _("x: select a reminder first"));
		return;
	}
	uint64_t id = p->reminders[t->today_sel]->id;
	if (!tui_go_blocking(t)) {
		snprintf(t->today_msg, sizeof(t->today_msg), "%s", _("not marked: no connection to the server"));
		return;
	}
	int rc = kc_reminder_done(t->c, id, &e, &err);
	tui_go_nonblocking(t, rc, &err);
	if (rc) {
		snprintf(t->today_msg, sizeof(t->today_msg), _("not marked: %s"), err.message);
		return;
	}
	kc_env_free(e);
	snprintf(t->today_msg, sizeof(t->today_msg), _("Reminder %llu done"), (unsigned long long)id);
	reload(t);
}

static void open_selected(struct tui *t)
{
	const Kart__TodayPage *p = t->today ? t->today->today_page : NULL;
	size_t i = (size_t)t->today_sel;

	if (!p || i >= nrows(t))
		return;
	if (i < p->n_reminders)
		card_open(t, p->reminders[i]->card_id);
	else
		card_open(t, p->birthdays[i - p->n_reminders]->card_id);
	if (t->screen != TUI_CARD)
		snprintf(t->today_msg, sizeof(t->today_msg), "%s", t->status);
}

void today_key(struct tui *t, int key, bool is_char)
{
	(void)is_char;
	switch (tui_key_action(TUI_TODAY, key)) {
	case TUI_UP:
		if (t->today_sel > 0)
			t->today_sel--;
		break;
	case TUI_DOWN:
		if ((size_t)t->today_sel + 1 < nrows(t))
			t->today_sel++;
		break;
	case TUI_OPEN:
		open_selected(t);
		break;
	case TUI_DONE:
		mark_done(t);
		break;
	case TUI_BACK:
		/* back where it was opened (:today works on Segments too); a
		 * card closed meanwhile leaves Find */
		t->screen = t->today_from == TUI_CARD && !t->card ? TUI_FIND : t->today_from;
		break;
	case TUI_QUIT:
		t->quit = true;
		break;
	case TUI_HELP:
		t->help = true;
		break;
	default:
		break;
	}
}

/* One row; the selected one in reverse video. */
static void row(struct tui *t, int y, size_t i, const char *text)
{
	if ((size_t)t->today_sel == i)
		attron(A_REVERSE);
	tui_put(y, 0, text, COLS);
	if ((size_t)t->today_sel == i)
		attroff(A_REVERSE);
}

static int draw_reminders(struct tui *t, const Kart__TodayPage *p, int y, int64_t now)
{
	char line[1024], when[64], a[300], b[300];

	tui_put(y++, 0, _("Reminders (due today or overdue)"), COLS);
	if (p->n_reminders == 0)
		tui_put(y++, 2, _("nothing due"), COLS - 2);
	for (size_t i = 0; i < p->n_reminders && y < LINES - 3; i++) {
		const Kart__Reminder *r = p->reminders[i];
		fmt_time(r->at, 0, when, sizeof(when));
		snprintf(line, sizeof(line), "  %s%s%s  %s · %s", when, r->at < now ? " " : "",
			 r->at < now ? _("overdue") : "", tui_clip(a, sizeof(a), r->card_title),
			 tui_clip(b, sizeof(b), r->text));
		row(t, y++, i, line);
	}
	return y;
}

void today_draw(struct tui *t)
{
	const Kart__TodayPage *p = t->today ? t->today->today_page : NULL;
	char line[1024], in[64], date[32], name[300], rel[100], client[300];
	int y = 2;

	tui_style(TUI_STYLE_TITLE, true);
	tui_put(0, 0, _("Today"), COLS);
	tui_style(TUI_STYLE_TITLE, false);
	if (p) {
		y = draw_reminders(t, p, y, util_now_us() / 1000000);
		y++;
		if (y < LINES - 3)
			tui_put(y++, 0, _("Birthdays this week"), COLS);
		if (p->n_birthdays == 0 && y < LINES - 3)
			tui_put(y++, 2, _("no birthdays"), COLS - 2);
		for (size_t i = 0; i < p->n_birthdays && y < LINES - 3; i++) {
			const Kart__Birthday *b = p->birthdays[i];
			const char *on = fmt_date(b->date, date, sizeof(date));
			if (b->in_days == 0)
				snprintf(in, sizeof(in), "%s", _("today"));
			else if (b->in_days == 1)
				snprintf(in, sizeof(in), "%s", _("tomorrow"));
			else
				snprintf(in, sizeof(in), P_("in %u day", "in %u days", b->in_days), (unsigned)b->in_days);
			if (b->relation[0]) /* a relative, and the client's card */
				snprintf(line, sizeof(line), "  %.40s  %s  %s (%s) · %s", on, in,
					 tui_clip(name, sizeof(name), b->name), tui_clip(rel, sizeof(rel), b->relation),
					 tui_clip(client, sizeof(client), b->client));
			else
				snprintf(line, sizeof(line), "  %.40s  %s  %s", on, in, tui_clip(name, sizeof(name), b->name));
			row(t, y++, p->n_reminders + i, line);
		}
	}
	tui_put(LINES - 2, 0, t->today_msg, COLS);
	tui_style(TUI_STYLE_HINT, true);
	tui_put(LINES - 1, 0, _("Enter card · x done · Esc back · ? help"), COLS);
	tui_style(TUI_STYLE_HINT, false);
}
