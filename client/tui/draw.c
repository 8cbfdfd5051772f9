/* draw: putting server text on the screen safely, the help screen generated
 * from the key table, the colour theme, small input helpers. */
#include "tui.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "layout.h"
#include "text.h"

double tui_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static bool colors;

void tui_colors_init(bool on)
{
	if (!on || !has_colors() || start_color() == ERR)
		return;
	use_default_colors(); /* -1: the terminal's own background */
	init_pair(1, COLOR_CYAN, -1);
	init_pair(2, COLOR_BLUE, -1);
	init_pair(3, COLOR_YELLOW, -1);
	colors = true;
}

void tui_style(enum tui_style s, bool on)
{
	attr_t a = s == TUI_STYLE_TITLE ? A_BOLD : s == TUI_STYLE_ALERT ? A_BOLD : A_NORMAL;

	if (colors)
		a |= COLOR_PAIR(s == TUI_STYLE_TITLE ? 1 : s == TUI_STYLE_HINT ? 2 : 3);
	else if (s == TUI_STYLE_HINT)
		a |= A_DIM;
	if (on)
		attron(a);
	else
		attroff(a);
}

void tui_put(int y, int x, const char *s, int cells)
{
	char vis[1024], fit[1200];

	if (cells <= 0)
		return;
	text_visible(vis, sizeof(vis), s ? s : "", 0);
	tui_pad(fit, sizeof(fit), vis, (size_t)cells);
	mvaddstr(y, x, fit);
}

/* One line of the help at *y of column *x, wrapping to a second column
 * (half the width) when the first is full. */
static void help_line(int *y, int *x, const char *text)
{
	if (*y >= LINES - 1 && *x == 0) {
		*y = 2;
		*x = COLS / 2;
	}
	if (*y < LINES - 1)
		tui_put((*y)++, *x, text, *x ? COLS - *x : COLS / 2 - 1);
}

void tui_draw_help(struct tui *t)
{
	int y = 0, x = 0;
	char line[256];

	(void)t;
	erase();
	tui_put(y++, 0, _("kart-tui: keys"), COLS);
	for (int s = TUI_ANY; s <= TUI_TODAY; s++) {
		if (y > 2)
			y++;
		else
			y = 2;
		help_line(&y, &x, tui_screen_name((enum tui_screen)s));
		for (size_t i = 0; i < tui_nkeys; i++) {
			if (tui_keys[i].screen != (enum tui_screen)s || !tui_keys[i].name)
				continue;
			int pad = 7 - (int)tui_width(tui_keys[i].name);
			snprintf(line, sizeof(line), " %s%*s%s", tui_keys[i].name, pad > 1 ? pad : 1, "",
				 tui_keys[i].help);
			help_line(&y, &x, line);
		}
	}
	tui_put(LINES - 1, 0, _("any key: back"), COLS);
}

bool tui_append(char *buf, size_t n, int wc)
{
	char mb[MB_LEN_MAX];
	mbstate_t st;
	size_t len = strlen(buf), k;

	memset(&st, 0, sizeof(st));
	k = wcrtomb(mb, (wchar_t)wc, &st);
	if (k == (size_t)-1 || len + k + 1 > n)
		return false;
	memcpy(buf + len, mb, k);
	buf[len + k] = '\0';
	return true;
}

void tui_erase_last(char *buf)
{
	size_t len = strlen(buf);

	while (len > 0 && ((unsigned char)buf[len - 1] & 0xC0) == 0x80)
		len--;
	if (len > 0)
		len--;
	buf[len] = '\0';
}
