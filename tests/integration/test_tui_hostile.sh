#!/usr/bin/env bash
# kart-tui against hostile text, inside tmux (80x24, ru_RU.UTF-8, UTC): a
# name of ZWJ families keeps to its column (curses counts each code point's
# cells); the one-line field of a call keeps the end of a long text in
# sight, Ctrl-S saves it as Enter does, and Esc asks before dropping it.
# An error before the screen starts shows its controls, as kart's do. On a
# wide screen, Today's long reminder is cut between letters, with "…".
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tui_lib.sh"
init_instance
start_kartd
login_admin
FAM=$(printf '👨‍👩‍👧%.0s' $(seq 1 18))
expect_rc 0 as admin card add --last "$FAM" --first Семья --phone '+7 903 111-22-33' --city Омск
F=$OUT

# the address as typed comes back in the error: its ESC and CSI visible, not obeyed
expect_rc 2 env KART_HOME="$T/home-admin" "$KART_TUI" -s $'no\e[31mport\xc2\x9b' --ca "$CA"
contains "$ERR" "no^[[31mport<U+009B>"
if LC_ALL=C grep -qaP '\x1b|\xc2[\x80-\x9f]' "$T/err"; then
	fail "kart-tui printed raw controls: $(od -c "$T/err" | head)"
fi

start_tui "$T/home-admin"
wait_for "Поиск:"
typed "Семья"
wait_for "1 из 1"
# the name cut by the cells curses gives it; the city and the owner in their columns
row=$(screen | sed -n 3p)
[[ $row == *"…"*"+7 903 111-22-33 Омск         admin"* ]] || fail "the name ran over the columns: $row"
keys Enter
wait_for "Имя           Семья"
[[ $(screen | sed -n 2p) == " 1 Контакт "* ]] || fail "the title ran onto the tab line:
$(screen)"

# c: a text longer than the line; its end stays in sight
keys c
wait_for "Звонок:"
typed "$(printf 'звонок номер %d, ' $(seq 1 12))"
wait_for "звонок номер 12,"
# Esc asks first; n goes back to the text
keys Escape
wait_for "Отменить изменения? y/n"
keys n
wait_gone "Отменить изменения?"
contains "$(screen)" "звонок номер 12,"
# Ctrl-S saves as Enter does
keys C-s
wait_for "Звонок записан"
expect_rc 0 as admin timeline "$F"
contains "$OUT" "звонок номер 12,"
# Esc with nothing typed closes at once; y drops what was typed
keys c
wait_for "Звонок:"
keys Escape
wait_for "c звонок · Esc назад"
keys n
wait_for "Заметка:"
typed "черновик"
keys Escape
wait_for "Отменить изменения? y/n"
keys y
wait_for "c звонок · Esc назад"
expect_rc 0 as admin timeline "$F"
[[ $OUT != *черновик* ]] || fail "a dropped note was saved: $OUT"

# a reminder of "a" and two-byte letters, longer than a row's part takes
LONG="a$(printf 'ж%.0s' $(seq 1 200))"
expect_rc 0 as admin remind "$F" --past --at "$(date -u -d '-1 hour' '+%Y-%m-%d %H:%M')" --text "$LONG"
stop_tmux
start_tui "$T/home-admin" ru_RU.UTF-8 250x24
wait_for "Поиск:"
keys C-t
wait_for "просрочено"
contains "$(screen)" "жжж…"
[[ $(screen) != *'\x'* ]] || fail "a letter was cut in two:
$(screen)"
echo "PASS"
