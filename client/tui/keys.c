/* keys: the key table and its lookup. */
#include "keys.h"

#include <curses.h>

#include "i18n.h"

#define CTRL_L 12
#define CTRL_T 20
#define CTRL_A 1

const struct tui_key tui_keys[] = {
	{ KEY_UP, TUI_FIND, TUI_UP, "↑", "предыдущая строка" },
	{ KEY_DOWN, TUI_FIND, TUI_DOWN, "↓", "следующая строка" },
	{ '\n', TUI_FIND, TUI_OPEN, "Enter", "открыть карточку" },
	{ '\r', TUI_FIND, TUI_OPEN, NULL, NULL },
	{ KEY_ENTER, TUI_FIND, TUI_OPEN, NULL, NULL },
	{ KEY_BACKSPACE, TUI_FIND, TUI_ERASE, "Backspace", "стереть символ запроса" },
	{ 127, TUI_FIND, TUI_ERASE, NULL, NULL },
	{ 8, TUI_FIND, TUI_ERASE, NULL, NULL },
	{ 27, TUI_FIND, TUI_QUIT, "Esc", "выйти" },
	{ CTRL_T, TUI_FIND, TUI_TODAY_SCREEN, "Ctrl-T", "сегодня: напоминания, дни рожд." },
	{ KEY_F(2), TUI_FIND, TUI_TODAY_SCREEN, "F2", "сегодня (как Ctrl-T)" },
	{ CTRL_A, TUI_FIND, TUI_NEW_CARD, "Ctrl-A F3", N_("new card from the query") },
	{ KEY_F(3), TUI_FIND, TUI_NEW_CARD, NULL, NULL },
	{ 'c', TUI_CARD, TUI_LOG_CALL, "c", "записать звонок (Enter сохраняет, Esc отменяет)" },
	{ 'm', TUI_CARD, TUI_LOG_MEETING, "m", "записать встречу" },
	{ 'n', TUI_CARD, TUI_LOG_NOTE, "n", "записать заметку" },
	{ 'p', TUI_CARD, TUI_LOG_PURCHASE, "p", "покупка: сумма, затем текст" },
	{ 'r', TUI_CARD, TUI_REMIND, "r", "напоминание: когда, затем текст" },
	{ 't', TUI_CARD, TUI_TODAY_SCREEN, "t", "сегодня" },
	{ KEY_LEFT, TUI_CARD, TUI_TAB_PREV, "←", "предыдущая вкладка" },
	{ KEY_RIGHT, TUI_CARD, TUI_TAB_NEXT, "→", "следующая вкладка" },
	{ '1', TUI_CARD, TUI_TAB_1, "1–9", "вкладка по номеру" },
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
	{ 27, TUI_CARD, TUI_BACK, "Esc", "назад к поиску" },
	{ 'q', TUI_CARD, TUI_QUIT, "q", "выйти" },
	{ '?', TUI_CARD, TUI_HELP, "?", "эта справка" },
	{ KEY_UP, TUI_TODAY, TUI_UP, "↑", "предыдущая строка" },
	{ KEY_DOWN, TUI_TODAY, TUI_DOWN, "↓", "следующая строка" },
	{ '\n', TUI_TODAY, TUI_OPEN, "Enter", "открыть карточку" },
	{ '\r', TUI_TODAY, TUI_OPEN, NULL, NULL },
	{ KEY_ENTER, TUI_TODAY, TUI_OPEN, NULL, NULL },
	{ 'x', TUI_TODAY, TUI_DONE, "x", "напоминание выполнено" },
	{ 27, TUI_TODAY, TUI_BACK, "Esc", "назад" },
	{ 'q', TUI_TODAY, TUI_QUIT, "q", "выйти" },
	{ '?', TUI_TODAY, TUI_HELP, "?", "эта справка" },
	{ KEY_F(1), TUI_ANY, TUI_HELP, "F1", "эта справка" },
	{ CTRL_L, TUI_ANY, TUI_REDRAW, "Ctrl-L", "перерисовать экран" },
};
const size_t tui_nkeys = sizeof(tui_keys) / sizeof(tui_keys[0]);

enum tui_action tui_key_action(enum tui_screen screen, int key)
{
	for (int pass = 0; pass < 2; pass++) {
		enum tui_screen want = pass == 0 ? screen : TUI_ANY;
		for (size_t i = 0; i < tui_nkeys; i++)
			if (tui_keys[i].key == key && tui_keys[i].screen == want)
				return tui_keys[i].action;
	}
	return TUI_NONE;
}

const char *tui_screen_name(enum tui_screen screen)
{
	switch (screen) {
	case TUI_FIND:
		return "Поиск";
	case TUI_CARD:
		return "Карточка";
	case TUI_TODAY:
		return "Сегодня";
	default:
		return "Везде";
	}
}
