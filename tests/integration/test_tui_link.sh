#!/usr/bin/env bash
# kart-tui when the server goes away and comes back, inside tmux: the screen
# stays with the query typed and says it retries; kartd restarted on the same
# port brings the results back without retyping; a note logged while the
# server is down stays in the field. Then the window is made smaller: a
# compact list under 80x24, a notice under 40x10.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tui_lib.sh"
init_instance
start_kartd
login_admin
expect_rc 0 as admin card add --first Пётр --last Ёжиков --phone '+7 917 123-45-67' --city Самара
P=$OUT
# the restart must come back on the same address
PORT=${SERVER##*:}
sed -i "s/^listen = .*/listen = 127.0.0.1:$PORT/" "$T/inst/kartd.conf"

start_tui "$T/home-admin"
wait_for "Поиск:"
typed "Ёжиков"
wait_for "1 из "
wait_for "Ёжиков Пётр"

# the server goes away: the query stays, the status says it retries
stop_kartd
keys BSpace
typed "в"
wait_for "нет связи с сервером; повтор через"
contains "$(screen)" "Поиск: Ёжиков"

# back on the same port: the session resumes and the query is sent again
start_kartd
[[ ${SERVER##*:} == "$PORT" ]] || fail "kartd came back on $SERVER, not port $PORT"
wait_for "1 из " 20
wait_gone "нет связи"
contains "$(screen)" "Ёжиков Пётр"
contains "$(screen)" "Поиск: Ёжиков"

# a call logged while the server is down is not lost
keys Enter
wait_for "Телефоны"
keys c
wait_for "Звонок:"
stop_kartd
typed "перезвонить"
keys Enter
wait_for "не записано"
wait_for "повтор через"
wait_for "Звонок: перезвонить"
start_kartd
wait_gone "повтор через" 20
wait_for "связь восстановлена"
keys Enter
wait_for "Звонок записан"
expect_rc 0 as admin timeline "$P"
contains "$OUT" "перезвонить"
keys Escape
wait_for "Поиск: Ёжиков"

# smaller windows: the compact list drops the city; then a notice
wait_for "Самара"
resize 60 20
wait_gone "Самара"
wait_for "Ёжиков Пётр"
wait_for "+7 917 123-45-67"
resize 30 8
wait_for "окно слишком мало"
resize 80 24
wait_for "Самара"
echo "PASS"
