/* keys: the one table of kart-tui's key bindings. The screens look their
 * keys up here and the help screen is printed from it, so the help cannot
 * drift from what the keys do. Names and help texts are English, marked with
 * N_() and translated where the help prints them. On Find a character key
 * (q, s, ?) is bound only while the query line is empty; else it is a
 * letter of the query ("Сашков" types its s). Tab moves Find to its list
 * (TUI_RESULTS), where letters are commands (a, t, s, q, ?) and any other
 * character goes back to the query. */
#ifndef KART_TUI_KEYS_H
#define KART_TUI_KEYS_H

#include <stddef.h>

/* The screens, in the order the help lists them. TUI_RESULTS (Find with the
 * list in hand), TUI_HELPVIEW and TUI_CMDLINE are not screens of their own
 * but a mode of one: their keys are listed like a screen's. */
enum tui_screen { TUI_ANY, TUI_FIND, TUI_RESULTS, TUI_CARD, TUI_TODAY, TUI_SEGMENTS, TUI_HELPVIEW, TUI_CMDLINE };
#define TUI_NSCREENS (TUI_CMDLINE + 1)

enum tui_action {
	TUI_NONE,
	TUI_QUIT,
	TUI_REDRAW,
	TUI_HELP,
	TUI_BACK,
	TUI_UP,
	TUI_DOWN,
	TUI_OPEN,
	TUI_ERASE,
	TUI_LOG_CALL,
	TUI_LOG_MEETING,
	TUI_LOG_NOTE,
	TUI_LOG_PURCHASE,
	TUI_REMIND,
	TUI_TODAY_SCREEN, /* open the Today screen */
	TUI_DONE,         /* mark the selected reminder done */
	TUI_TAB_PREV,
	TUI_TAB_NEXT,
	TUI_TAB_1,        /* TUI_TAB_1 + n: the tab n+1 */
	TUI_TAB_2,
	TUI_TAB_3,
	TUI_TAB_4,
	TUI_TAB_5,
	TUI_TAB_6,
	TUI_TAB_7,
	TUI_TAB_8,
	TUI_TAB_9,
	TUI_EDIT,         /* the form of the current tab's fields */
	TUI_DEAL,         /* add a deal, or move the selected one's stage */
	TUI_FIELD_HISTORY, /* the changes of the selected field */
	TUI_CARD_PREV,    /* the previous card of the Find results */
	TUI_CARD_NEXT,
	TUI_NEW_CARD,     /* a new card, from what the query holds */
	TUI_SEGMENTS_SCREEN, /* open the Segments screen */
	TUI_COMMAND,      /* open the : command line */
	TUI_FILTER,       /* type a filter expression (Segments) */
	TUI_PAGE_UP,
	TUI_PAGE_DOWN,
	TUI_TO_LIST,      /* Find: from the query to its list */
	TUI_TO_QUERY,     /* Find's list: back to the query */
};

struct tui_key {
	int key;                /* a curses key code or a character */
	enum tui_screen screen; /* TUI_ANY: every screen */
	enum tui_action action;
	const char *name;       /* as the help shows it; NULL: an alias of the entry before */
	const char *help;       /* N_() English, translated where printed */
};

extern const struct tui_key tui_keys[];
extern const size_t tui_nkeys;

/* The binding of key on screen (one of the screen before one of TUI_ANY);
 * NULL when it has none. */
const struct tui_key *tui_key_find(enum tui_screen screen, int key);
/* Its action; TUI_NONE when it has none. */
enum tui_action tui_key_action(enum tui_screen screen, int key);
/* The screen's name for the help, in English (N_): translate it to print. */
const char *tui_screen_name(enum tui_screen screen);

#endif
