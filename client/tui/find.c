/* find: the Find screen, kart-tui's start screen. The query line is live:
 * every change sends a Find, at most one is in flight, and a reply to a
 * query that has changed since is dropped (by request id) and the newest
 * query sent instead. Nothing here waits on the network. */
#include "tui.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "call.h"
#include "layout.h"
#include "text.h"

#define FIND_LIMIT 50

/* Sends the query when it changed and nothing is in flight. */
void find_pump(struct tui *t)
{
	struct kc_error err;

	if (!t->c || t->in_flight || !t->dirty)
		return; /* without a connection it stays due until link_tick */
	t->dirty = false;
	if (!t->query[0]) {
		kc_env_free(t->found);
		t->found = NULL;
		t->status[0] = '\0';
		return;
	}
	snprintf(t->sent, sizeof(t->sent), "%s", t->query);
	t->sent_at = tui_now_ms();
	t->in_flight = kc_find_send(t->c, t->sent, FIND_LIMIT, &err);
	if (!t->in_flight) {
		t->dirty = true;
		link_lost(t, err.message);
	}
}

/* A reply that came in: the answer to the query in flight, or a stale one. */
static void find_reply(struct tui *t, Kart__Envelope *e)
{
	struct kc_error err;

	if (!t->in_flight || e->request_id != t->in_flight) {
		kc_env_free(e); /* an abandoned request's */
		return;
	}
	t->in_flight = 0;
	if (t->dirty) { /* superseded: the newest query goes next */
		kc_env_free(e);
		return;
	}
	if (kc_find_reply(e, &err) != 0) {
		kc_env_free(e);
		kc_env_free(t->found);
		t->found = NULL;
		snprintf(t->status, sizeof(t->status), "%s", err.message);
		return;
	}
	kc_env_free(t->found);
	t->found = e;
	t->sel = 0;
	snprintf(t->status, sizeof(t->status), "%zu найдено · %.0f мс", e->find_page->n_cards,
		 tui_now_ms() - t->sent_at);
}

/* Takes every whole reply there is, then sends what is due. */
void tui_receive(struct tui *t)
{
	struct kc_error err;
	Kart__Envelope *e;
	int r;

	if (!t->c)
		return;
	while ((r = kc_try_recv(t->c, &e, &err)) == 1)
		find_reply(t, e);
	if (r < 0) {
		link_lost(t, err.message); /* the screen stays; link.c reconnects */
		return;
	}
	find_pump(t);
}

static size_t nfound(const struct tui *t)
{
	return t->found ? t->found->find_page->n_cards : 0;
}

void find_key(struct tui *t, int key, bool is_char)
{
	enum tui_action a = tui_key_action(TUI_FIND, key);

	if (is_char && key >= 32 && key != 127) {
		if (tui_append(t->query, sizeof(t->query), key))
			t->dirty = true;
		find_pump(t);
		return;
	}
	switch (a) {
	case TUI_UP:
		if (t->sel > 0)
			t->sel--;
		break;
	case TUI_DOWN:
		if ((size_t)t->sel + 1 < nfound(t))
			t->sel++;
		break;
	case TUI_ERASE:
		tui_erase_last(t->query);
		t->dirty = true;
		find_pump(t);
		break;
	case TUI_OPEN:
		if ((size_t)t->sel < nfound(t))
			card_open(t, t->found->find_page->cards[t->sel]->id);
		break;
	case TUI_TODAY_SCREEN:
		today_open(t);
		break;
	case TUI_NEW_CARD:
		card_new_open(t);
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

/* "Фамилия Имя" or the company. */
void tui_card_name(const Kart__Card *c, char *out, size_t n)
{
	const char *last = c->last_name ? c->last_name : "", *first = c->first_name ? c->first_name : "";

	if (*last || *first)
		snprintf(out, n, "%s%s%s", last, *last && *first ? " " : "", first);
	else
		snprintf(out, n, "%s", c->company ? c->company : "");
}

void tui_phone(const char *typed, char *out, size_t n)
{
	char e164[24];

	if (text_phone_e164(typed, "RU", e164, sizeof(e164)) == 0)
		tui_phone_read(e164, out, n);
	else
		snprintf(out, n, "%s", typed);
}

static void find_row(int y, const Kart__Card *c, bool selected)
{
	char name[512], phone[64];
	bool compact = COLS < 80; /* name and phone only */
	int wphone = 18, wname = compact ? COLS - wphone - 1 : 30, wcity = 14;
	int wowner = COLS - wname - wphone - wcity - 3;

	tui_card_name(c, name, sizeof(name));
	tui_phone(c->n_phones ? c->phones[0] : "", phone, sizeof(phone));
	if (selected)
		attron(A_REVERSE);
	mvhline(y, 0, ' ', COLS);
	tui_put(y, 0, name, wname);
	tui_put(y, wname + 1, phone, wphone);
	if (!compact) {
		tui_put(y, wname + wphone + 2, c->city, wcity);
		tui_put(y, wname + wphone + wcity + 3, c->owner, wowner);
	}
	if (selected)
		attroff(A_REVERSE);
}

/* While the rows answer an older query than the one typed (a newer one is in
 * flight or due), the status line says so, ending in "…": a manager typing
 * ahead sees whether the rows are for what they typed. */
static void find_status_draw(struct tui *t)
{
	char line[1400];
	bool pending = t->query[0] && (t->dirty || t->in_flight);

	if (!pending)
		snprintf(line, sizeof(line), "%s", t->status);
	else if (t->status[0])
		snprintf(line, sizeof(line), "%.1200s · %s", t->status, _("searching…"));
	else
		snprintf(line, sizeof(line), "%s", _("searching…"));
	tui_put(LINES - 2, 0, line, COLS);
}

void find_draw(struct tui *t)
{
	char line[600];
	int rows = LINES - 4;

	snprintf(line, sizeof(line), "kart-tui · %s · %s (%s)", t->server, t->user, t->role);
	tui_style(TUI_STYLE_TITLE, true);
	tui_put(0, 0, line, COLS);
	tui_style(TUI_STYLE_TITLE, false);
	for (int i = 0; i < rows; i++) {
		int k = i + (t->sel >= rows ? t->sel - rows + 1 : 0);
		if ((size_t)k < nfound(t))
			find_row(2 + i, t->found->find_page->cards[k], k == t->sel);
		else
			mvhline(2 + i, 0, ' ', COLS);
	}
	find_status_draw(t);
	tui_style(TUI_STYLE_HINT, true);
	tui_put(LINES - 1, 0,
		COLS < 80 ? "↑↓ · Enter · ^T · F1 · Esc"
			  : "↑↓ выбор · Enter открыть · Ctrl-T сегодня · F1 справка · Esc выход",
		COLS);
	tui_style(TUI_STYLE_HINT, false);
	snprintf(line, sizeof(line), "Поиск: %s", t->query);
	tui_put(1, 0, line, COLS);
	move(1, (int)tui_width(line) < COLS ? (int)tui_width(line) : COLS - 1);
}
