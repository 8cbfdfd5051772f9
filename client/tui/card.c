/* card: the Card screen: the card's contact fields (its first tab; the
 * others, and the one-line field that logs, are in card_tabs.c). Its
 * requests wait for their replies (the connection is blocking for their
 * length); a live search in flight is abandoned and sent
 * again on the way back. */
#include "tui.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "call.h"
#include "layout.h"

/* Before a request that waits for its reply: a Find in flight is abandoned
 * (kc_call drops its reply) and sent again later. */
bool tui_go_blocking(struct tui *t)
{
	if (!t->c)
		return false;
	find_abandon(t); /* kc_call drops the replies of what was in flight */
	kc_set_blocking(t->c);
	return true;
}

void tui_go_nonblocking(struct tui *t, int rc, const struct kc_error *err)
{
	kc_set_nonblocking(t->c);
	if (rc == KC_ERR_CONNECT)
		link_lost(t, err->message);
}

void card_open(struct tui *t, uint64_t id)
{
	struct kc_error err;
	Kart__Envelope *e = NULL;

	if (!tui_go_blocking(t)) {
		snprintf(t->status, sizeof(t->status), "нет связи с сервером: карточка не открыта");
		return;
	}
	int rc = kc_card_get(t->c, id, false, &e, &err);
	if (rc)
		snprintf(t->status, sizeof(t->status), "%s", err.message);
	tui_go_nonblocking(t, rc, &err);
	if (rc)
		return;
	kc_env_free(t->card);
	t->card = e;
	t->editing = false;
	t->card_msg[0] = '\0';
	t->screen = TUI_CARD;
	t->tab = 0;
	t->ntab_rows = 0;
}

void card_key(struct tui *t, int key, bool is_char)
{
	enum tui_action a = tui_key_action(TUI_CARD, key);

	if (t->editing) {
		card_field_key(t, key, is_char);
		return;
	}
	if (card_tab_key(t, a))
		return;
	switch (a) {
	case TUI_TODAY_SCREEN:
		today_open(t);
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
	int y = 3;

	tui_card_name(c, buf, sizeof(buf));
	tui_style(TUI_STYLE_TITLE, true);
	tui_put(0, 0, buf, COLS);
	tui_style(TUI_STYLE_TITLE, false);
	card_tabs_draw(t, 1);
	if (t->tab != 0) {
		card_tab_rows_draw(t, 3);
		card_field_draw(t);
		return;
	}
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
	card_field_draw(t);
}
