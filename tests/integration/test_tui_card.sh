#!/usr/bin/env bash
# kart-tui's Card against a real kartd, inside tmux (80x24, ru_RU.UTF-8, UTC):
# the tabs with an admin's custom-field tab; e edits a tab's fields in a form
# saved with Ctrl-S (a bad email refused under its field, Esc asking before it
# drops what was typed, a change made meanwhile refused as a conflict); d adds
# a deal and moves its stage; h shows one field's history; [ and ] step
# through the results; Ctrl-A on Find, or a in its list (Tab), makes a card
# with the typed phone; a
# form keeps its text while the server is away and saves once it is back.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tui_lib.sh"
init_instance
start_kartd
login_admin
expect_rc 0 as admin field add inn --type text --tab Реквизиты
expect_rc 0 as admin card add --first Пётр --last Ёжиков --phone '+7 917 123-45-67' --email p@x.ru --set inn=7701
P=$OUT
expect_rc 0 as admin card add --first Анна --last Ёжикова --phone '+7 927 555-66-77'
A=$OUT
# the restart at the end must come back on the same address
PORT=${SERVER##*:}
sed -i "s/^listen = .*/listen = 127.0.0.1:$PORT/" "$T/inst/kartd.conf"

# the first line of the screen (the card's name)
title() { screen | head -n 1; }
erase() { # erase N: N Backspaces
	local i
	for ((i = 0; i < $1; i++)); do keys BSpace; done
}

start_tui "$T/home-admin"
wait_for "Поиск:"
typed "8 917 123 45 67"
wait_for "1 из 2"
keys Enter
wait_for "Телефоны и адреса"

# the tabs: the custom field's tab between the phones and the deals
for tab in "1 Контакт" "2 Телефоны и адреса" "3 Реквизиты" "4 Сделки" "5 История" "6 Напоминания" "7 Родственники"; do
	contains "$(screen)" " $tab"
done
contains "$(screen)" "Фамилия"
keys 3
wait_for "7701"
contains "$(screen)" "inn"
keys Right
wait_for "сделок нет; d добавит"
keys 7
wait_for "родственников нет"
keys 2
wait_for "p@x.ru"
contains "$(screen)" "+7 917 123-45-67"

# e: the form of the tab; a bad email is refused under its field, kept, then put right
keys Down e
wait_for "Правка: Ёжиков Пётр"
typed ",плохой"
keys C-s
wait_for "неверное значение [BAD_REQUEST]"
line=$(screen | grep -n "Почта" | cut -d: -f1)
[[ $(screen | sed -n "$((line + 1))p") == *"↳"*"is not an email address"* ]] ||
	fail "the server's error is not under the email field:
$(screen)"
contains "$(screen)" "p@x.ru,плохой"
erase 7
typed ",new@x.ru"
keys C-s
wait_for "Сохранено"
expect_rc 0 as admin --json card show "$P"
contains "$OUT" "new@x.ru"

# Esc with nothing typed leaves at once; with something typed it asks first
keys e
wait_for "Правка:"
keys Escape
wait_for "c звонок · Esc назад"
keys e
wait_for "Правка:"
typed "zzz"
keys Escape
wait_for "Отменить изменения? y/n"
keys n
wait_gone "Отменить изменения?"
contains "$(screen)" "p@x.ru, new@x.ruzzz"
keys Escape
wait_for "Отменить изменения? y/n"
keys y
wait_for "c звонок · Esc назад"
expect_rc 0 as admin --json card show "$P"
[[ $OUT != *zzz* ]] || fail "a cancelled form was saved: $OUT"

# h: the changes of the selected field (Почта), newest first
keys h
wait_for "История поля «Почта»"
contains "$(screen)" "p@x.ru → p@x.ru, new@x.ru"
contains "$(screen)" "admin"
keys Escape
wait_for "+7 917 123-45-67"

# the custom field, edited on its own tab
keys 3 e
wait_for "Правка:"
erase 4
typed "7702"
keys C-s
wait_for "Сохранено"
expect_rc 0 as admin --json card show "$P"
contains "$OUT" "7702"

# a change someone made while the form was open is not overwritten: the save is refused plainly
keys 1 e
wait_for "Правка:"
expect_rc 0 as admin card edit "$P" --set city=Казань
typed "ов"
keys C-s
wait_for "карточку изменили, пока вы её правили (CONFLICT)"
keys Escape
wait_for "Отменить изменения? y/n"
keys y
wait_for "c звонок · Esc назад"
expect_rc 0 as admin --json card show "$P"
contains "$OUT" '"Казань"'
[[ $OUT != *Ёжиковов* ]] || fail "a save at an old version overwrote the card: $OUT"

# d: a new deal, then its stage moved (a stage not in the funnel refused first)
keys 4 d
wait_for "Новая сделка"
contains "$(screen)" "этапы: lead → qualified"
typed "Котлы"
keys Tab
typed "250000"
keys C-s
wait_for "добавлена (lead)"
wait_for "Котлы  250 000,00 ₽  lead"
keys d
wait_for "перевести на этап"
erase 4
typed "xyz"
keys C-s
wait_for "неверное значение [BAD_REQUEST]"
erase 3
typed "won"
keys C-s
wait_for "переведена на этап won"
wait_for "Котлы  250 000,00 ₽  won"
expect_rc 0 as admin --json deal ls --card "$P"
contains "$OUT" '"won"'

# [ and ]: the cards of the results without going back to Find
keys Escape
wait_for "Поиск:"
erase 15
typed "Ёжиков"
wait_for "2 из"
keys Enter
wait_for "Телефоны и адреса"
first=$(title)
keys ]
wait_for "Телефоны и адреса"
for ((i = 0; i < 100; i++)); do [[ $(title) != "$first" ]] && break; sleep 0.05; done
second=$(title)
[[ $second != "$first" && $second == *Ёжиков* ]] || fail "] did not open the next card: $(screen)"
keys ]
wait_for "это последняя карточка списка"
keys [
for ((i = 0; i < 100; i++)); do [[ $(title) == "$first" ]] && break; sleep 0.05; done
[[ $(title) == "$first" ]] || fail "[ did not go back to the first card: $(screen)"
keys [
wait_for "это первая карточка списка"

# Ctrl-A on Find: a new card with the typed phone, then it opens
keys Escape
wait_for "Поиск:"
erase 6
typed "8 927 000 11 22"
wait_for "0 из"
keys C-a
wait_for "Новая карточка"
contains "$(screen)" "8 927 000 11 22"
keys Escape # nothing typed: no question
wait_for "Поиск: 8 927 000 11 22"
# a typed into the query is a letter; after Tab (the list) it is the command
keys Tab
wait_for "a новая карточка · t сегодня"
keys a
wait_for "Новая карточка"
contains "$(screen)" "8 927 000 11 22"
keys Tab Tab Tab
typed "Сидоров"
keys C-s
wait_for "создана"
wait_for "Сидоров · +7 927 000-11-22"
expect_rc 0 as admin find 89270001122
contains "$OUT" "Сидоров"

# a form keeps its text while the server is away, and saves once it is back
keys 2 e
wait_for "Правка: Сидоров"
keys Down
typed "s@x.ru"
stop_kartd
keys C-s
wait_for "нет связи с сервером"
contains "$(screen)" "s@x.ru"
# the form's own word stays in sight beside the connection's countdown
wait_for "не сохранено: нет связи"
wait_for "повтор через"
start_kartd
[[ ${SERVER##*:} == "$PORT" ]] || fail "kartd came back on $SERVER, not port $PORT"
wait_for "связь восстановлена: Ctrl-S сохранит" 20
keys C-s
wait_for "Сохранено"
expect_rc 0 as admin find 89270001122 --json
contains "$OUT" "s@x.ru"
echo "PASS"
