#!/usr/bin/env bash
# kart-tui's Find and Segments screens, its : command line and its help,
# against a real kartd inside tmux (80x24, ru_RU.UTF-8, UTC), as a manager
# whose session pinned the server's key: the title names the user, role, TLS
# version and pinning; the status line counts the rows of the cards she
# sees; the matched words and digits are bold and underlined; moving past
# the first screenful fetches more rows; the Segments screen counts and
# lists, and a bad filter shows the server's error with a caret under its
# column; :find, :today, :segments, :q and an unknown command; the help is
# paged and lists every binding once. Then one look in C.UTF-8: English.
. "$(dirname "$0")/lib.sh"
TUI_CA= # her session pinned the key: no --ca
. "$(dirname "$0")/tui_lib.sh"
init_instance
start_kartd
login_admin
printf 'ivanova-password-1\n' >"$T/ipw"
expect_rc 0 as admin user add ivanova --role manager --password-file "$T/ipw"
# her session pins the server's key (no --ca): the title says so
iv() { KART_HOME=$T/home-iv "$KART" -s "$SERVER" "$@"; }
expect_rc 0 iv login ivanova --password-file "$T/ipw" --trust

expect_rc 0 iv card add --first Пётр --last Ёжиков --phone '+7 917 123-45-67' --city Самара
for ((i = 1; i <= 60; i++)); do
	expect_rc 0 iv card add --first "Клиент$(printf %02d "$i")" --last Сашков --city Казань
done
# the admin's own card: not one of the cards she sees
expect_rc 0 as admin card add --first Чужой --last Ёжиков --owner admin
expect_rc 0 iv segment save kazan 'city = Казань'
expect_rc 0 iv segment save samara 'city = Самара'
# the column the server names in a bad filter's error
BAD='city = Казань and and'
expect_rc 2 iv ls --where "$BAD"
COL=$(sed -n 's/.*(column \([0-9]*\)).*/\1/p' <<<"$ERR")
[[ -n $COL ]] || fail "the server named no column for '$BAD': $ERR"

# row N: line N (0-based) of the screen
row() { screen | sed -n "$(($1 + 1))p"; }
# wait_row N TEXT: polls until row N is TEXT (trailing spaces aside)
wait_row() {
	local i
	for ((i = 0; i < 200; i++)); do
		[[ $(row "$1") == "$2" ]] && return 0
		sleep 0.05
	done
	fail "row $1 never became '$2'; the screen shows:
$(screen)"
}

start_tui "$T/home-iv" ru_RU.UTF-8
# the title: server, user, role, TLS and the pinned key
wait_all "Поиск:" "ivanova (менеджер)" "TLS 1.3" "ключ закреплён" "kart-tui · $SERVER"

# a name: one row of the 61 cards she sees, the last touch as a Russian date
typed "Ёжиков"
wait_all "Ёжиков Пётр" "1 из 61 ·" " мс"
TODAY_RU=$(TZ=UTC date +%d.%m.%Y)
contains "$(screen)" "$TODAY_RU"
contains "$(screen)" "+7 917 123-45-67"
contains "$(screen)" "Самара"
[[ $(screen) != *"Чужой"* ]] || fail "a card of another owner is listed"
# the matched word is bold and underlined (seen without colour): an
# attribute escape just before it, none before the unmatched first name
ESC=$'\e'
# underlined TEXT ROW: the escapes just before TEXT in ROW turn underline (4) on
underlined() {
	local pre=${2%%"$1"*} run=
	[[ $pre != "$2" ]] || return 1
	while [[ $pre =~ (${ESC}\[[0-9\;]*m)$ ]]; do
		run=${BASH_REMATCH[1]}$run
		pre=${pre%"${BASH_REMATCH[1]}"}
	done
	[[ $run =~ [\[\;]4[m\;] ]]
}
ROW=$(tmux -S "$SOCK" capture-pane -p -e -t tui | sed -n 3p)
underlined "Ёжиков" "$ROW" || fail "the matched name is not highlighted: $(cat -v <<<"$ROW")"
underlined " Пётр" "$ROW" && fail "the first name is highlighted: $(cat -v <<<"$ROW")"
# Esc clears the query; the digits of a phone typed as 8 … are the match
keys Escape
wait_row 1 "Поиск:"
typed "8 917 123 45 67"
wait_all "+7 917 123-45-67" "1 из 61"
ROW=$(tmux -S "$SOCK" capture-pane -p -e -t tui | sed -n 3p)
underlined "917" "$ROW" || fail "the matched phone digits are not highlighted: $(cat -v <<<"$ROW")"
[[ $ROW == *"Ёжиков Пётр"* ]] || fail "the name is highlighted for a phone: $(cat -v <<<"$ROW")"
# a number's start typed as 8 917 12: its first digits (+7 917 12) are the match, not the rest
keys Escape
wait_row 1 "Поиск:"
typed "8 917 12"
wait_all "+7 917 123-45-67" "1 из 61"
ROW=$(tmux -S "$SOCK" capture-pane -p -e -t tui | sed -n 3p)
underlined "917" "$ROW" || fail "the start of the number is not highlighted: $(cat -v <<<"$ROW")"
underlined "-45" "$ROW" && fail "the rest of the number is highlighted: $(cat -v <<<"$ROW")"

# q in a query is a letter; on an empty query it is bound
keys Escape
typed "Сашковq"
wait_all "Поиск: Сашковq" "0 из 61"
keys BSpace
# one screenful of the 60 (20 rows), then more past the last row
wait_all "Сашков Клиент20" "20+ из 61"
[[ $(screen) != *"Клиент21"* ]] || fail "more than a screenful came at first"
for ((i = 0; i < 20; i++)); do keys Down; done
wait_all "Сашков Клиент21" "40+ из 61"
for ((i = 0; i < 25; i++)); do keys Down; done
wait_all "Сашков Клиент46" "60 из 61"

# Segments: the counts; Enter lists one, Enter opens a card, Esc back to the list
keys Escape
wait_row 1 "Поиск:"
keys s
wait_all "Сегменты" "kazan" "samara" "city = Казань"
[[ $(screen | grep kazan) =~ kazan\ +60\  ]] || fail "the count of kazan: $(screen | grep kazan)"
[[ $(screen | grep samara) =~ samara\ +1\  ]] || fail "the count of samara: $(screen | grep samara)"
keys Enter
wait_all "Сегмент kazan · 60" "Сашков Клиент01" "Казань"
keys Down Enter
wait_all "Сашков Клиент02" "Контакт" "Менеджер"
keys Escape
wait_all "Сегмент kazan · 60"
keys Escape
wait_all "city = Самара"
# / a filter: a bad one shows the server's error, a caret under its column
keys /
typed "$BAD"
keys Enter
wait_all "Фильтр: $BAD" "^"
CARET=$(row 2)
LBL="Фильтр: "
want=$((${#LBL} + COL - 1))
[[ ${CARET:want:1} == "^" ]] || fail "the caret is not under column $COL: '$(row 1)' / '$CARET'"
[[ ${CARET%%^*} =~ ^\ *$ ]] || fail "something before the caret: '$CARET'"
for ((i = 0; i < 8; i++)); do keys BSpace; done
keys Enter
wait_all "Фильтр city = Казань · 60" "Сашков Клиент01"

# : on every screen: :find, :today, :segments, an unknown command
keys : 
typed "find Ёжиков"
keys Enter
wait_all "Поиск: Ёжиков" "Ёжиков Пётр" "1 из 61"
keys :
typed "today"
keys Enter
wait_all "Напоминания (на сегодня"
keys :
typed "segments"
keys Enter
wait_all "Сегменты" "samara"
keys :
typed "bogus"
keys Enter
wait_all "неизвестная команда :bogus"
# :today from Segments: Esc goes back to Segments
keys :
typed "today"
keys Enter
wait_all "Напоминания (на сегодня"
keys Escape
wait_all "Сегменты" "samara"
keys Escape
wait_all "Поиск: Ёжиков"
keys Escape
wait_row 1 "Поиск:"

# ? on an empty query: the help, paged; every binding once
keys '?'
wait_all "kart-tui: клавиши · стр. 1 из"
PAGES=$(row 0 | sed -n 's/.*стр\. 1 из \([0-9]*\).*/\1/p')
[[ $PAGES -ge 2 ]] || fail "the help fits one page at 80x24? $(row 0)"
HELP=$(screen | sed '1d;$d')
for ((p = 2; p <= PAGES; p++)); do
	keys PageDown
	wait_all "стр. $p из $PAGES"
	HELP+=$'\n'$(screen | sed '1d;$d')
done
keys PageUp
wait_all "стр. $((PAGES - 1)) из $PAGES"
for k in "записать звонок" "Ctrl-L" "PgDn" ":today" ":segments" ":find" ":q" \
	"ввести фильтр" "напоминание выполнено" "командная строка"; do
	n=$(grep -c -- "$k" <<<"$HELP" || true)
	[[ $n == 1 ]] || fail "'$k' is in the help $n times:
$HELP"
done
# the bindings of a screen: each once, under its heading
for s in Поиск Карточка Сегодня Сегменты Справка Везде; do
	[[ $(grep -c "^$s\$" <<<"$HELP") == 1 ]] || fail "the heading '$s' is not in the help once"
done
dups=$(awk '/^[^ ]/{s=$0; next} {print s "|" $1}' <<<"$HELP" | sort | uniq -d)
[[ -z $dups ]] || fail "bindings listed twice: $dups"
keys Escape
wait_row 1 "Поиск:"
keys :
typed "q"
keys Enter
for ((i = 0; i < 100; i++)); do
	[[ $(screen) != *"Поиск:"* ]] && break
	sleep 0.05
done
[[ $(screen) != *"Поиск:"* ]] || fail ":q did not quit"

# English in C.UTF-8: the title, the count, an ISO date; q on an empty query quits
stop_tmux
start_tui "$T/home-iv" C.UTF-8
wait_all "Find:" "ivanova (manager)" "key pinned"
typed "Ёжиков"
wait_all "1 of 61 ·" "$(TZ=UTC date +%F)"
keys Escape
wait_row 1 "Find:"
keys q
for ((i = 0; i < 100; i++)); do
	[[ $(screen) != *"Find:"* ]] && break
	sleep 0.05
done
[[ $(screen) != *"Find:"* ]] || fail "q on an empty query did not quit"
echo "PASS"
