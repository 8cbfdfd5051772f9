/* card_deal: the Card's Сделки tab: the card's deals (as `kart deal ls
 * --card ID`) and a last row that adds one; d on a deal opens the form of
 * its stage (the funnel shown under it), d on the last row the form of a
 * new deal: title, amount, stage. The server checks what was typed and
 * names the field it refused. */
#include "tui.h"

#include <curses.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fmt.h"
#include "layout.h"

int card_deals_load(struct tui *t, struct kc_error *err)
{
	Kart__Envelope *e = NULL;
	int rc = kc_deal_list(t->c, t->cc->id, "", "", &e, err);

	if (rc)
		return rc;
	kc_env_free(t->deals);
	t->deals = e;
	if (t->fsel > (int)e->deal_page->n_deals)
		t->fsel = (int)e->deal_page->n_deals;
	return 0;
}

static size_t ndeals(const struct tui *t)
{
	return t->deals ? t->deals->deal_page->n_deals : 0;
}

void card_deals_draw(struct tui *t, int y)
{
	char line[TUI_TAB_ROW], sum[48], title[200], stage[100];
	size_t n = ndeals(t);
	int rows = LINES - 3 - y, first = t->fsel >= rows ? t->fsel - rows + 1 : 0;

	if (!t->deals)
		return;
	for (int i = first; i <= (int)n && y < LINES - 3; i++, y++) {
		if (i < (int)n) {
			const Kart__Deal *d = t->deals->deal_page->deals[i];
			fmt_money(d->amount, "RUB", sum, sizeof(sum));
			snprintf(line, sizeof(line), "%" PRIu64 "  %s  %s  %s%s%.20s", d->id,
				 tui_clip(title, sizeof(title), d->title), sum, tui_clip(stage, sizeof(stage), d->stage),
				 d->expected_close[0] ? _("  until ") : "", d->expected_close);
		} else {
			snprintf(line, sizeof(line), "%s", n ? _("+ new deal (d)") : _("no deals; d adds one"));
		}
		if (i == t->fsel)
			attron(A_REVERSE);
		tui_put(y, 0, line, COLS);
		if (i == t->fsel)
			attroff(A_REVERSE);
	}
}

/* "этапы: new → talks → won" under the stage field. */
static void funnel(const struct tui *t, char *out, size_t n)
{
	size_t len;

	snprintf(out, n, "%s", _("stages:"));
	for (size_t i = 0; t->deals && i < t->deals->deal_page->n_stages; i++) {
		len = strlen(out);
		snprintf(out + len, n - len, "%s%.60s", i ? " → " : " ", t->deals->deal_page->stages[i]);
	}
}

void card_deal_open(struct tui *t)
{
	struct form *f = &t->form;
	char title[300], name[200];

	if (card_tab_kind(t) != TAB_DEALS) { /* the list first: the form shows its funnel */
		for (int i = 0; i < t->ntabs; i++)
			if (t->tabs[i].kind == TAB_DEALS)
				card_tab_load(t, i);
		if (!t->deals)
			return;
		t->fsel = (int)ndeals(t);
	}
	t->card_msg[0] = '\0';
	if ((size_t)t->fsel < ndeals(t)) {
		const Kart__Deal *d = t->deals->deal_page->deals[t->fsel];
		snprintf(title, sizeof(title), _("Deal %llu «%s»: move to a stage"), (unsigned long long)d->id,
			 tui_clip(name, sizeof(name), d->title));
		form_start(f, FORM_DEAL_MOVE, title);
		f->id = d->id;
		form_add(f, "stage", _("Stage"), d->stage);
	} else {
		form_start(f, FORM_DEAL_ADD, _("New deal"));
		form_add(f, "title", _("Title"), "");
		form_add(f, "amount", _("Amount"), "");
		form_add(f, "stage", _("Stage"),
			 t->deals && t->deals->deal_page->n_stages ? t->deals->deal_page->stages[0] : "");
	}
	funnel(t, f->hint, sizeof(f->hint));
}

static const char *value_of(const struct form *f, const char *name)
{
	for (int i = 0; i < f->n; i++)
		if (strcmp(f->f[i].name, name) == 0)
			return f->f[i].value;
	return "";
}

bool card_deal_save(struct tui *t)
{
	struct form *f = &t->form;
	struct kc_error err;
	Kart__Envelope *e = NULL;
	int rc;

	if (f->kind == FORM_DEAL_MOVE)
		rc = kc_deal_move(t->c, f->id, value_of(f, "stage"), &e, &err);
	else
		rc = kc_deal_add(t->c, t->cc->id, value_of(f, "title"), value_of(f, "amount"), value_of(f, "stage"),
				 &e, &err);
	tui_go_nonblocking(t, rc, &err);
	if (rc) {
		form_server_error(f, &err);
		return false;
	}
	snprintf(t->card_msg, sizeof(t->card_msg),
		 f->kind == FORM_DEAL_MOVE ? _("Deal %llu moved to %.100s") : _("Deal %llu added (%.100s)"),
		 (unsigned long long)e->deal->id, e->deal->stage);
	kc_env_free(e);
	card_tab_load(t, t->tab);
	return true;
}
