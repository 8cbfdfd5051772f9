/* keys: the key table and its lookup. */
#include "keys.h"

#include <curses.h>

#include "i18n.h"

#define CTRL_L 12
#define CTRL_T 20
#define CTRL_A 1

const struct tui_key tui_keys[] = {
	{ KEY_UP, TUI_FIND, TUI_UP, "↑", N_("previous row") },
	{ KEY_DOWN, TUI_FIND, TUI_DOWN, "↓", N_("next row (more are fetched past the last)") },
	{ '\n', TUI_FIND, TUI_OPEN, "Enter", N_("open the card") },
	{ '\r', TUI_FIND, TUI_OPEN, NULL, NULL },
	{ KEY_ENTER, TUI_FIND, TUI_OPEN, NULL, NULL },
	{ KEY_BACKSPACE, TUI_FIND, TUI_ERASE, "Backspace", N_("erase a character of the query") },
	{ 127, TUI_FIND, TUI_ERASE, NULL, NULL },
	{ 8, TUI_FIND, TUI_ERASE, NULL, NULL },
	{ 27, TUI_FIND, TUI_BACK, "Esc", N_("clear the query; quit when it is empty") },
	{ CTRL_T, TUI_FIND, TUI_TODAY_SCREEN, "Ctrl-T", N_("today: reminders, birthdays") },
	{ KEY_F(2), TUI_FIND, TUI_TODAY_SCREEN, "F2", N_("today (as Ctrl-T)") },
	{ 's', TUI_FIND, TUI_SEGMENTS_SCREEN, "s", N_("segments (on an empty query)") },
	{ '?', TUI_FIND, TUI_HELP, "?", N_("this help (on an empty query)") },
	{ 'q', TUI_FIND, TUI_QUIT, "q", N_("quit (on an empty query)") },
	{ CTRL_A, TUI_FIND, TUI_NEW_CARD, "Ctrl-A F3", N_("new card from the query") },
	{ KEY_F(3), TUI_FIND, TUI_NEW_CARD, NULL, NULL },
	{ '\t', TUI_FIND, TUI_TO_LIST, "Tab", N_("to the list, where letters are commands") },
	{ KEY_UP, TUI_RESULTS, TUI_UP, "↑ ↓", N_("select a row") },
	{ KEY_DOWN, TUI_RESULTS, TUI_DOWN, NULL, NULL },
	{ '\n', TUI_RESULTS, TUI_OPEN, "Enter", N_("open the card") },
	{ '\r', TUI_RESULTS, TUI_OPEN, NULL, NULL },
	{ KEY_ENTER, TUI_RESULTS, TUI_OPEN, NULL, NULL },
	{ 'a', TUI_RESULTS, TUI_NEW_CARD, "a", N_("new card, the query pre-filled as its phone or name") },
	{ 't', TUI_RESULTS, TUI_TODAY_SCREEN, "t", N_("today") },
	{ 's', TUI_RESULTS, TUI_SEGMENTS_SCREEN, "s", N_("segments") },
	{ '?', TUI_RESULTS, TUI_HELP, "?", N_("this help") },
	{ 'q', TUI_RESULTS, TUI_QUIT, "q", N_("quit") },
	{ '\t', TUI_RESULTS, TUI_TO_QUERY, "Tab Esc", N_("back to the query (any other letter too, typed)") },
	{ 27, TUI_RESULTS, TUI_TO_QUERY, NULL, NULL },
	{ 'c', TUI_CARD, TUI_LOG_CALL, "c", N_("log a call (Enter saves, Esc cancels)") },
	{ 'm', TUI_CARD, TUI_LOG_MEETING, "m", N_("log a meeting") },
	{ 'n', TUI_CARD, TUI_LOG_NOTE, "n", N_("log a note") },
	{ 'p', TUI_CARD, TUI_LOG_PURCHASE, "p", N_("purchase: the amount, then a text") },
	{ 'r', TUI_CARD, TUI_REMIND, "r", N_("reminder: when, then the text") },
	{ 't', TUI_CARD, TUI_TODAY_SCREEN, "t", N_("today") },
	{ KEY_LEFT, TUI_CARD, TUI_TAB_PREV, "←", N_("previous tab") },
	{ KEY_RIGHT, TUI_CARD, TUI_TAB_NEXT, "→", N_("next tab") },
	{ '1', TUI_CARD, TUI_TAB_1, "1–9", N_("tab by its number") },
	{ '2', TUI_CARD, TUI_TAB_2, NULL, NULL },
	{ '3', TUI_CARD, TUI_TAB_3, NULL, NULL },
	{ '4', TUI_CARD, TUI_TAB_4, NULL, NULL },
	{ '5', TUI_CARD, TUI_TAB_5, NULL, NULL },
	{ '6', TUI_CARD, TUI_TAB_6, NULL, NULL },
	{ '7', TUI_CARD, TUI_TAB_7, NULL, NULL },
	{ '8', TUI_CARD, TUI_TAB_8, NULL, NULL },
	{ '9', TUI_CARD, TUI_TAB_9, NULL, NULL },
	{ KEY_UP, TUI_CARD, TUI_UP, "↑ ↓", N_("select a field or a deal") },
	{ KEY_DOWN, TUI_CARD, TUI_DOWN, NULL, NULL },
	{ 'e', TUI_CARD, TUI_EDIT, "e", N_("edit the tab's fields in a form") },
	{ 'd', TUI_CARD, TUI_DEAL, "d", N_("new deal, or move its stage") },
	{ 'h', TUI_CARD, TUI_FIELD_HISTORY, "h", N_("history of the selected field") },
	{ '[', TUI_CARD, TUI_CARD_PREV, "[ ]", N_("previous / next card found") },
	{ ']', TUI_CARD, TUI_CARD_NEXT, NULL, NULL },
	{ 27, TUI_CARD, TUI_BACK, "Esc", N_("back to the list it was opened from") },
	{ 'q', TUI_CARD, TUI_QUIT, "q", N_("quit") },
	{ '?', TUI_CARD, TUI_HELP, "?", N_("this help") },
	{ KEY_UP, TUI_TODAY, TUI_UP, "↑", N_("previous row") },
	{ KEY_DOWN, TUI_TODAY, TUI_DOWN, "↓", N_("next row") },
	{ '\n', TUI_TODAY, TUI_OPEN, "Enter", N_("open the card") },
	{ '\r', TUI_TODAY, TUI_OPEN, NULL, NULL },
	{ KEY_ENTER, TUI_TODAY, TUI_OPEN, NULL, NULL },
	{ 'x', TUI_TODAY, TUI_DONE, "x", N_("mark the reminder done") },
	{ 27, TUI_TODAY, TUI_BACK, "Esc", N_("back") },
	{ 'q', TUI_TODAY, TUI_QUIT, "q", N_("quit") },
	{ '?', TUI_TODAY, TUI_HELP, "?", N_("this help") },
	{ KEY_UP, TUI_SEGMENTS, TUI_UP, "↑", N_("previous row") },
	{ KEY_DOWN, TUI_SEGMENTS, TUI_DOWN, "↓", N_("next row") },
	{ '\n', TUI_SEGMENTS, TUI_OPEN, "Enter", N_("list the segment's cards; open a card") },
	{ '\r', TUI_SEGMENTS, TUI_OPEN, NULL, NULL },
	{ KEY_ENTER, TUI_SEGMENTS, TUI_OPEN, NULL, NULL },
	{ '/', TUI_SEGMENTS, TUI_FILTER, "/", N_("type a filter; Enter lists its cards") },
	{ 27, TUI_SEGMENTS, TUI_BACK, "Esc", N_("back") },
	{ 'q', TUI_SEGMENTS, TUI_QUIT, "q", N_("quit") },
	{ '?', TUI_SEGMENTS, TUI_HELP, "?", N_("this help") },
	{ KEY_PPAGE, TUI_HELPVIEW, TUI_PAGE_UP, "PgUp", N_("previous page") },
	{ KEY_UP, TUI_HELPVIEW, TUI_PAGE_UP, NULL, NULL },
	{ KEY_NPAGE, TUI_HELPVIEW, TUI_PAGE_DOWN, "PgDn", N_("next page") },
	{ KEY_DOWN, TUI_HELPVIEW, TUI_PAGE_DOWN, NULL, NULL },
	{ 27, TUI_HELPVIEW, TUI_BACK, "Esc", N_("back (any other key too)") },
	{ '\n', TUI_CMDLINE, TUI_OPEN, "Enter", N_("run the command") },
	{ '\r', TUI_CMDLINE, TUI_OPEN, NULL, NULL },
	{ KEY_ENTER, TUI_CMDLINE, TUI_OPEN, NULL, NULL },
	{ KEY_BACKSPACE, TUI_CMDLINE, TUI_ERASE, "Backspace", N_("erase; on an empty line, close it") },
	{ 127, TUI_CMDLINE, TUI_ERASE, NULL, NULL },
	{ 8, TUI_CMDLINE, TUI_ERASE, NULL, NULL },
	{ 27, TUI_CMDLINE, TUI_BACK, "Esc", N_("close the command line") },
	{ ':', TUI_ANY, TUI_COMMAND, ":", N_("command line (outside text fields)") },
	{ KEY_F(1), TUI_ANY, TUI_HELP, "F1", N_("this help") },
	{ CTRL_L, TUI_ANY, TUI_REDRAW, "Ctrl-L", N_("redraw the screen") },
};
const size_t tui_nkeys = sizeof(tui_keys) / sizeof(tui_keys[0]);

const struct tui_key *tui_key_find(enum tui_screen screen, int key)
{
	for (int pass = 0; pass < 2; pass++) {
		enum tui_screen want = pass == 0 ? screen : TUI_ANY;
		for (size_t i = 0; i < tui_nkeys; i++)
			if (tui_keys[i].key == key && tui_keys[i].screen == want)
				return &tui_keys[i];
	}
	return NULL;
}

enum tui_action tui_key_action(enum tui_screen screen, int key)
{
	const struct tui_key *k = tui_key_find(screen, key);

	return k ? k->action : TUI_NONE;
}

const char *tui_screen_name(enum tui_screen screen)
{
	switch (screen) {
	case TUI_FIND:
		return N_("Find");
	case TUI_RESULTS:
		return N_("Find, in the list (after Tab)");
	case TUI_CARD:
		return N_("Card");
	case TUI_TODAY:
		return N_("Today");
	case TUI_SEGMENTS:
		return N_("Segments");
	case TUI_HELPVIEW:
		return N_("Help");
	case TUI_CMDLINE:
		return N_("Command line");
	default:
		return N_("Everywhere");
	}
}
