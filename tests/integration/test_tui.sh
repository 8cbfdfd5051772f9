#!/usr/bin/env bash
# kart-tui against a real kartd, inside tmux (80x24, ru_RU.UTF-8, UTC): find a
# client by a phone typed as 8 917 …, open the card, log a call with a text,
# within 12 keystrokes besides the note's text (the phone's keys counted: it is
# typed until the client is the one row left); a query nobody matches shows 0 results.
# Then the Today screen (a due reminder shows, x marks it done, Enter opens its card) and the Card's tabs
# (the call in История, a purchase logged with p, a reminder set with r).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tui_lib.sh"
init_instance
start_kartd
login_admin
expect_rc 0 as admin card add --first Пётр --last Ёжиков --phone '+7 917 123-45-67' --city Самара
P=$OUT
expect_rc 0 as admin card add --first Анна --last Иванова --phone '+7 927 555-66-77' --city Москва
A=$OUT
# numbers that start as his does: the phone is typed until his is the one row left
expect_rc 0 as admin card add --first Олег --last Ёлкин --phone '+7 917 100-20-30'
expect_rc 0 as admin card add --company 'Ёлки-Палки' --phone '+7 917 155-10-10'
# a client whose birthday is today (TZ=UTC, as kart-tui runs): on the Today screen
expect_rc 0 as admin card add --first Ольга --last Берёзова --birthday "1980-$(TZ=UTC date +%m-%d)"

start_tui "$T/home-admin"
wait_for "Поиск:"
wait_for "admin (администратор)"

# a query nobody matches
typed "Нетакого"
wait_for "0 из 5 ·"
for ((i = 0; i < 8; i++)); do keys BSpace; done
KEYS=0

# the scenario, keystrokes counted: the number as the caller's phone shows it,
# typed digit by digit until one row is left (the server finds a number by its
# start from four digits), Enter opens it, c and the note, Enter saves
PHONE="8 917 12"
NOTE="перезвонить в пятницу"
typed "8 917 1"
wait_for "3 из 5 ·"
for n in "Ёжиков Пётр" "Ёлкин Олег" "Ёлки-Палки"; do contains "$(screen)" "$n"; done
typed "2"
wait_for "1 из 5 ·"
contains "$(screen)" "Ёжиков Пётр"
contains "$(screen)" "+7 917 123-45-67"
keys Enter
wait_for "Телефоны"
keys c
wait_for "Звонок:"
typed "$NOTE"
wait_for "Звонок: $NOTE"
keys Enter
wait_for "Звонок записан"
NKEYS=$((KEYS - ${#NOTE}))
# the note is the text; at most 12 keys besides it, the phone's included
[[ $NKEYS -le 12 ]] || fail "finding by phone, opening and logging took $NKEYS keystrokes besides the note (max 12)"
expect_rc 0 as admin timeline "$P"
contains "$OUT" "$NOTE"

# Esc back keeps the query and its results; q on the card quits
keys Escape
wait_for "Поиск: $PHONE"
wait_for "Ёжиков Пётр"
keys Enter
wait_for "Телефоны"
# the help is printed from the key table, paged; any other key leaves it; Ctrl-L redraws
keys '?'
wait_for "kart-tui: клавиши · стр. 1 из"
HELP=$(screen)
for ((p = 2; p <= 3; p++)); do
	keys PageDown
	wait_for "стр. $p из"
	HELP+=$(screen)
done
for k in "записать звонок" "Ctrl-T" "напоминание выполнено" "вкладка по номеру" "покупка: сумма" "Сегодня"; do
	contains "$HELP" "$k"
done
keys Space
wait_for "Телефоны"
keys C-l
wait_for "c звонок · Esc назад"

# Today, from the card: two overdue reminders, the older first; x marks the selected one done
NOW=$(date +%s)
expect_rc 0 as admin remind "$P" --at $((NOW - 7200)) --past --text 'позвонить Ёжикову'
expect_rc 0 as admin remind "$A" --at $((NOW - 3600)) --past --text 'оплатить Анне'
keys t
wait_for "позвонить Ёжикову"
contains "$(screen)" "оплатить Анне"
contains "$(screen)" "просрочено"
contains "$(screen)" "Дни рождения на неделе"
contains "$(screen)" "сегодня"
contains "$(screen)" "Ольга"
keys x
wait_for "выполнено"
[[ $(screen) != *"позвонить Ёжикову"* ]] || fail "a reminder marked done stays on the Today screen"
expect_rc 0 as admin --json remind ls
[[ $OUT != *"позвонить Ёжикову"* ]] || fail "x did not mark the reminder done: $OUT"
contains "$OUT" "оплатить Анне"
# Esc goes back to the card it came from
keys Escape
wait_for "Телефоны"

# Сделки lists the card's deals (asked for when the tab is shown)
expect_rc 0 as admin deal add "$P" --title 'Поставка котлов' --amount 250000
keys 3
wait_for "Поставка котлов"
contains "$(screen)" "250 000,00 ₽"
# История shows the call logged above; p logs a purchase (the amount, then an optional text)
keys 4
wait_for "перезвонить в пятницу"
contains "$(screen)" "звонок"
keys p
wait_for "Покупка, сумма:"
typed 1500
keys Enter
wait_for "Покупка 1500, текст:"
typed "чайник"
keys Enter
wait_for "Покупка записана"
wait_for "покупка 1 500,00 ₽  чайник"
expect_rc 0 as admin timeline "$P"
contains "$OUT" "чайник"
contains "$OUT" "1,500.00 RUB"
# r sets a reminder: the time as the CLI reads it, then the text; Напоминания lists it
keys r
typed "+2d"
keys Enter
wait_for "Напомнить $(TZ=UTC date -d +2days +%d.%m.%Y)"
typed "отправить счёт"
keys Enter
wait_for "Напоминание сохранено"
keys Right
wait_for "отправить счёт"
expect_rc 0 as admin --json remind ls --card "$P"
contains "$OUT" "отправить счёт"
keys 1
wait_for "Телефоны"

# Today from Find (Ctrl-T: on Find every printable key is query text); Enter opens the selected card
keys Escape
wait_for "Поиск:"
keys C-t
wait_for "оплатить Анне"
keys Enter
wait_for "Иванова Анна"
wait_for "Телефоны"
# in Find's list (Tab) t is Today and a letter it does not bind is typed into the query;
# Tab there and q quits
keys Escape
wait_for "Поиск: 8 917 12"
keys Tab
wait_for "Tab запрос"
keys t
wait_for "оплатить Анне"
keys Escape
wait_for "Tab запрос"
keys 3
wait_for "Поиск: 8 917 123"
wait_gone "Tab запрос"
# :find from the list puts the keys back on the query: a is a letter there
keys Tab :
typed "find Иван"
keys Enter
wait_for "Поиск: Иван"
typed "a" # Latin a, the list's command
wait_for "Поиск: Иванa"
[[ $(screen) != *"Новая карточка"* ]] || fail "a after :find made a new card"
keys Tab q
for ((i = 0; i < 100; i++)); do
	[[ $(screen) != *"Поиск:"* ]] && break
	sleep 0.05
done
[[ $(screen) != *"Поиск:"* ]] || fail "q did not quit"
# log in with kart-tui, use kart: the session is the one file both read
printf 'masha-password-1\n' >"$T/mpw"
printf 'wrong-password-1\n' >"$T/badpw"
expect_rc 0 as admin user add masha --role manager --password-file "$T/mpw"
start_tui "$T/home-masha" ru_RU.UTF-8 80x24 --login masha --password-file "$T/badpw"
wait_for "kart-tui: "
[[ $(screen) != *"Поиск:"* ]] || fail "a wrong password opened the screen"
[[ ! -e $T/home-masha/session ]] || grep -q '"token": ""' "$T/home-masha/session" ||
	fail "a refused login saved a session"
start_tui "$T/home-masha" ru_RU.UTF-8 80x24 --login masha --password-file "$T/mpw"
wait_for "masha (менеджер)"
keys q
expect_rc 0 as masha whoami
contains "$OUT" "masha"
# without a CA, --trust pins the server's key at login, as kart login --trust does
TUI_CA= start_tui "$T/home-masha2" ru_RU.UTF-8 80x24 --login masha --password-file "$T/mpw" --trust
wait_for "ключ закреплён"
keys q
[[ -s $T/home-masha2/known_servers ]] || fail "--trust pinned nothing"
echo "PASS: $KEYS keystrokes in all; finding by phone, opening and logging a call took $NKEYS besides the note"
