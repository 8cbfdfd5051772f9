/* card: the Card screen: opening a card (with the custom fields'
 * definitions, which place its custom values on their tabs), its keys and
 * its frame (the tabs are card_tabs.c's, the fields card_fields.c's, the
 * forms card_edit.c's and card_deal.c's). Its requests wait for their
 * replies (the connection is blocking for their length); a live search in
 * flight is abandoned and sent again on the way back. */
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

void card_replace(struct tui *t, Kart__Envelope *e, Kart__Card *card)
{
	kc_env_free(t->card);
	t->card = e;
	t->cc = card;
}

void card_open(struct tui *t, uint64_t id)
{
	struct kc_error err;
	struct kc_field_defs defs = { 0 };
	Kart__Envelope *e = NULL;

	if (!tui_go_blocking(t)) {
		snprintf(t->status, sizeof(t->status), "%s", _("no connection to the server: the card is not open"));
		return;
	}
	int rc = kc_card_get_with_fields(t->c, id, false, &e, &defs, &err);
	if (rc)
		snprintf(t->status, sizeof(t->status), "%s", err.message);
	tui_go_nonblocking(t, rc, &err);
	if (rc) {
		kc_field_defs_free(&defs);
		return;
	}
	card_replace(t, e, e->card);
	kc_field_defs_free(&t->defs); /* the tabs point into them: built again below */
	t->defs = defs;
	card_tabs_build(t);
	kc_env_free(t->deals);
	t->deals = NULL;
	t->editing = false;
	t->card_msg[0] = '\0';
	t->screen = TUI_CARD;
	card_tab_load(t, 0);
}

/* ↑/↓ over the fields of a field tab or the rows of Сделки. */
static void card_select(struct tui *t, int dir)
{
	static struct card_field f[FORM_MAX];
	enum card_tab_kind kind = card_tab_kind(t);
	int n = kind == TAB_DEALS ? (t->deals ? (int)t->deals->deal_page->n_deals + 1 : 0)
				  : card_fields(t, t->tab, f, FORM_MAX);

	if (t->field_hist)
		return;
	if (t->fsel + dir >= 0 && t->fsel + dir < n)
		t->fsel += dir;
}

void card_key(struct tui *t, int key, bool is_char)
{
	enum tui_action a = tui_key_action(TUI_CARD, key);

	if (t->editing) {
		card_field_key(t, key, is_char);
		return;
	}
	if (t->field_hist && a == TUI_BACK) { /* Esc leaves the field's history first */
		t->field_hist = false;
		t->ntab_rows = 0;
		return;
	}
	if (card_tab_key(t, a))
		return;
	switch (a) {
	case TUI_UP:
	case TUI_DOWN:
		card_select(t, a == TUI_UP ? -1 : 1);
		break;
	case TUI_EDIT:
		card_edit_open(t);
		break;
	case TUI_DEAL:
		card_deal_open(t);
		break;
	case TUI_FIELD_HISTORY:
		card_field_history(t);
		break;
	case TUI_CARD_PREV:
	case TUI_CARD_NEXT:
		card_step(t, a == TUI_CARD_PREV ? -1 : 1);
		break;
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

void card_draw(struct tui *t)
{
	const Kart__Card *c = t->cc;
	char name[512], phone[64], buf[700];

	tui_card_name(c, name, sizeof(name));
	tui_phone(c->n_phones ? c->phones[0] : "", phone, sizeof(phone));
	snprintf(buf, sizeof(buf), "%s%s%s", name, phone[0] ? " · " : "", phone);
	tui_style(TUI_STYLE_TITLE, true);
	tui_put(0, 0, buf, COLS);
	tui_style(TUI_STYLE_TITLE, false);
	card_tabs_draw(t, 1);
	if (t->field_hist) {
		card_tab_rows_draw(t, 3);
	} else {
		switch (card_tab_kind(t)) {
		case TAB_CONTACT:
		case TAB_PHONES:
		case TAB_CUSTOM:
			card_fields_draw(t, 3);
			break;
		case TAB_DEALS:
			card_deals_draw(t, 3);
			break;
		case TAB_RELATIVES:
			card_relatives_draw(t, 3);
			break;
		default:
			card_tab_rows_draw(t, 3);
			break;
		}
	}
	card_field_draw(t);
}
