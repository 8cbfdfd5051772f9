/* card: the Card screen: the card's contact fields, and a one-line field
 * that logs a call. Its requests wait for their replies (the connection is
 * blocking for their length); a live search in flight is abandoned and sent
 * again on the way back. */
#include "tui.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "call.h"
#include "layout.h"

/* Runs between kc_set_blocking and kc_set_nonblocking: a Find in flight
 * is abandoned (kc_call drops its reply) and sent again later. */
static void go_blocking(struct tui *t)
{
	if (t->in_flight) {
		t->in_flight = 0;
		t->dirty = true;
	}
	kc_set_blocking(t->c);
}

void card_open(struct tui *t, uint64_t id)
{
	struct kc_error err;
	Kart__Envelope *e = NULL;

	if (!t->c) {
		snprintf(t->status, sizeof(t->status), "нет связи с сервером: карточка не открыта");
		return;
	}
	go_blocking(t);
	int rc = kc_card_get(t->c, id, false, &e, &err);
	kc_set_nonblocking(t->c);
	if (rc) {
		snprintf(t->status, sizeof(t->status), "%s", err.message);
		if (rc == KC_ERR_CONNECT)
			link_lost(t, err.message);
		return;
	}
	kc_env_free(t->card);
	t->card = e;
	t->editing = false;
	t->card_msg[0] = '\0';
	t->screen = TUI_CARD;
}

static void save_call(struct tui *t)
{
	struct kc_error err;
	Kart__Envelope *e = NULL;

	if (!t->c) { /* the note stays in the field */
		snprintf(t->card_msg, sizeof(t->card_msg), "не записано: нет связи с сервером");
		return;
	}
	go_blocking(t);
	int rc = kc_timeline_add(t->c, t->card->card->id, KART__ENTRY_KIND__ENTRY_KIND_CALL, t->note, "", 0, &e,
				 &err);
	kc_set_nonblocking(t->c);
	if (rc) {
		snprintf(t->card_msg, sizeof(t->card_msg), "не записано: %s", err.message);
		if (rc == KC_ERR_CONNECT)
			link_lost(t, err.message);
		return;
	}
	kc_env_free(e);
	t->editing = false;
	snprintf(t->card_msg, sizeof(t->card_msg), "Звонок записан");
}

/* A key while the one-line field is open. */
static void note_key(struct tui *t, int key, bool is_char)
{
	if (is_char && key >= 32 && key != 127) {
		tui_append(t->note, sizeof(t->note), key);
	} else if (key == 27) {
		t->editing = false;
		t->card_msg[0] = '\0';
	} else if (key == '\n' || key == '\r' || key == KEY_ENTER) {
		if (t->note[0])
			save_call(t);
	} else if (key == KEY_BACKSPACE || key == 127 || key == 8) {
		tui_erase_last(t->note);
	} else if (tui_key_action(TUI_CARD, key) == TUI_REDRAW) {
		clearok(curscr, TRUE);
	}
}

void card_key(struct tui *t, int key, bool is_char)
{
	if (t->editing) {
		note_key(t, key, is_char);
		return;
	}
	switch (tui_key_action(TUI_CARD, key)) {
	case TUI_LOG_CALL:
		t->editing = true;
		t->note[0] = '\0';
		t->card_msg[0] = '\0';
		break;
	case TUI_BACK:
		t->screen = TUI_FIND;
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

/* One "Label: value" line; lists joined with ", ". */
static int field(int y, const char *label, const char *value)
{
	if (!value || !*value || y >= LINES - 3)
		return y;
	tui_put(y, 0, label, 12); /* padded by cells: the labels are Cyrillic */
	tui_put(y, 12, value, COLS - 12);
	return y + 1;
}

static void join(char *out, size_t n, char **items, size_t count, bool phones)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < count && len + 1 < n; i++) {
		char one[256];
		if (phones)
			tui_phone(items[i], one, sizeof(one));
		else
			snprintf(one, sizeof(one), "%s", items[i]);
		int w = snprintf(out + len, n - len, "%s%s", i ? ", " : "", one);
		if (w < 0)
			break;
		len += (size_t)w;
	}
}

void card_draw(struct tui *t)
{
	const Kart__Card *c = t->card->card;
	char buf[1024];
	int y = 2;

	tui_card_name(c, buf, sizeof(buf));
	tui_style(TUI_STYLE_TITLE, true);
	tui_put(0, 0, buf, COLS);
	tui_style(TUI_STYLE_TITLE, false);
	snprintf(buf, sizeof(buf), "%s%s%s", c->company, c->position[0] ? ", " : "", c->position);
	y = field(y, "Компания", buf);
	join(buf, sizeof(buf), c->phones, c->n_phones, true);
	y = field(y, "Телефоны", buf);
	join(buf, sizeof(buf), c->emails, c->n_emails, false);
	y = field(y, "Почта", buf);
	y = field(y, "Город", c->city);
	y = field(y, "Адрес", c->address);
	y = field(y, "День рожд.", c->birthday);
	join(buf, sizeof(buf), c->tags, c->n_tags, false);
	y = field(y, "Метки", buf);
	field(y, "Менеджер", c->owner);
	if (t->editing) {
		tui_put(LINES - 3, 0, t->card_msg, COLS); /* "не записано: ..." */
		snprintf(buf, sizeof(buf), "Звонок: %.900s", t->note);
		tui_put(LINES - 2, 0, buf, COLS);
		tui_put(LINES - 1, 0, "Enter сохранить · Esc отменить", COLS);
		move(LINES - 2, (int)tui_width(buf) < COLS ? (int)tui_width(buf) : COLS - 1);
		return;
	}
	tui_put(LINES - 2, 0, t->card_msg, COLS);
	tui_put(LINES - 1, 0, "c звонок · Esc назад · ? справка · q выход", COLS);
}
