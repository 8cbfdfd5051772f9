/* help: kart-tui's help, printed from the key table (keys.c) and the
 * command table (cmdline.c), so it cannot drift from what the keys do:
 * every binding once, under its screen's name, then the : commands. Longer
 * than the screen, it is paged with PgUp/PgDn; Esc or any other key goes
 * back. */
#include "tui.h"

#include <curses.h>
#include <stdio.h>

#include "layout.h"

#define HELP_LINE 256

/* Line i of the help into out; false past the last. Headings are the lines
 * that start without a space. */
static bool help_line(size_t i, char *out, size_t n)
{
	const char *name, *help;
	size_t at = 0;

	for (int s = TUI_ANY; s < TUI_NSCREENS; s++) {
		if (at++ == i) {
			snprintf(out, n, "%s", _(tui_screen_name((enum tui_screen)s)));
			return true;
		}
		for (size_t k = 0; k < tui_nkeys; k++) {
			const struct tui_key *key = &tui_keys[k];
			if (key->screen != (enum tui_screen)s || !key->name || at++ != i)
				continue;
			int pad = 11 - (int)tui_width(key->name);
			snprintf(out, n, "  %s%*s%s", key->name, pad > 1 ? pad : 1, "", _(key->help));
			return true;
		}
	}
	if (at++ == i) {
		snprintf(out, n, "%s", _("Commands (: on any screen)"));
		return true;
	}
	for (size_t k = 0; cmdline_command(k, &name, &help); k++)
		if (at++ == i) {
			int pad = 10 - (int)tui_width(name);
			snprintf(out, n, "  :%s%*s%s", name, pad > 1 ? pad : 1, "", _(help));
			return true;
		}
	return false;
}

static int help_lines(void)
{
	char line[HELP_LINE];
	int n = 0;

	while (help_line((size_t)n, line, sizeof(line)))
		n++;
	return n;
}

/* The lines a page shows: all but the title and the hint. */
static int page_rows(void)
{
	return LINES > 3 ? LINES - 2 : 1;
}

void help_open(struct tui *t)
{
	t->help = true;
	t->help_top = 0;
}

void help_key(struct tui *t, int key)
{
	int rows = page_rows(), last = help_lines() - 1;

	switch (tui_key_action(TUI_HELPVIEW, key)) {
	case TUI_PAGE_DOWN:
		if (t->help_top + rows <= last)
			t->help_top += rows;
		break;
	case TUI_PAGE_UP:
		t->help_top = t->help_top > rows ? t->help_top - rows : 0;
		break;
	default: /* Esc, and any other key: back */
		t->help = false;
		break;
	}
}

void help_draw(struct tui *t)
{
	int rows = page_rows(), total = help_lines(), pages = (total + rows - 1) / rows;
	char line[HELP_LINE];

	if (t->help_top >= total)
		t->help_top = 0;
	erase();
	snprintf(line, sizeof(line), _("kart-tui: keys · page %d of %d"), t->help_top / rows + 1, pages);
	tui_style(TUI_STYLE_TITLE, true);
	tui_put(0, 0, line, COLS);
	tui_style(TUI_STYLE_TITLE, false);
	for (int i = 0; i < rows && help_line((size_t)(t->help_top + i), line, sizeof(line)); i++)
		tui_put(1 + i, 0, line, COLS);
	tui_style(TUI_STYLE_HINT, true);
	tui_put(LINES - 1, 0, pages > 1 ? _("PgDn next page · PgUp previous · Esc back") : _("Esc back"), COLS);
	tui_style(TUI_STYLE_HINT, false);
}
