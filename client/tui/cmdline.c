/* cmdline: the : command line, on every screen: `:today`, `:segments`,
 * `:find TEXT`, `:q`. It takes the last line while it is open; Enter runs
 * the command, Esc closes it. An unknown command is named on the status
 * line. The commands are a table, which the help prints. */
#include "tui.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "layout.h"

struct command {
	const char *name;
	const char *help; /* N_() */
	void (*run)(struct tui *t, const char *arg);
};

static void run_today(struct tui *t, const char *arg)
{
	(void)arg;
	today_open(t);
}

static void run_segments(struct tui *t, const char *arg)
{
	(void)arg;
	segments_open(t);
}

static void run_find(struct tui *t, const char *arg)
{
	find_set_query(t, arg);
}

static void run_quit(struct tui *t, const char *arg)
{
	(void)arg;
	t->quit = true;
}

static const struct command commands[] = {
	{ "today", N_("the Today screen"), run_today },
	{ "segments", N_("the Segments screen"), run_segments },
	{ "find", N_("TEXT: find it (the Find screen)"), run_find },
	{ "q", N_("quit"), run_quit },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

bool cmdline_command(size_t i, const char **name, const char **help)
{
	if (i >= NCOMMANDS)
		return false;
	*name = commands[i].name;
	*help = commands[i].help;
	return true;
}

void cmdline_open(struct tui *t)
{
	t->cmd_open = true;
	t->cmd[0] = '\0';
}

/* Runs the line: its first word names the command, the rest is its text. */
static void run(struct tui *t)
{
	char *line = t->cmd, *arg;
	size_t len;

	while (*line == ' ')
		line++;
	len = strcspn(line, " ");
	arg = line + len;
	while (*arg == ' ')
		arg++;
	if (len == 0)
		return;
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strlen(commands[i].name) == len && strncmp(commands[i].name, line, len) == 0) {
			t->help = false;
			commands[i].run(t, arg);
			return;
		}
	snprintf(t->alert, sizeof(t->alert), _("unknown command :%.*s (see ? for the commands)"), (int)len, line);
}

void cmdline_key(struct tui *t, int key, bool is_char)
{
	if (is_char && key >= 32 && key != 127) {
		tui_append(t->cmd, sizeof(t->cmd), key);
		return;
	}
	switch (tui_key_action(TUI_CMDLINE, key)) {
	case TUI_OPEN:
		t->cmd_open = false;
		run(t);
		break;
	case TUI_ERASE:
		if (!t->cmd[0])
			t->cmd_open = false;
		tui_erase_last(t->cmd);
		break;
	case TUI_BACK:
		t->cmd_open = false;
		break;
	default:
		break;
	}
}

void cmdline_draw(struct tui *t)
{
	char line[TUI_QUERY_MAX + 2];
	int w;

	snprintf(line, sizeof(line), ":%s", t->cmd);
	tui_put(LINES - 1, 0, line, COLS);
	w = (int)tui_width(line);
	move(LINES - 1, w < COLS ? w : COLS - 1);
}
