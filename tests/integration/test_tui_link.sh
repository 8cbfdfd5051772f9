#!/usr/bin/env bash
# kart-tui when the server goes away and comes back, inside tmux: the screen
# stays with the query typed and says it retries; kartd restarted on the same
# port brings the results back without retyping; a note logged while the
# server is down stays in the field. Then the window is made smaller: a
# compact list under 80x24, a notice under 40x10.
if ! command -v tmux >/dev/null 2>&1; then
	echo "SKIP: tmux is not installed (scripts/deps.sh installs it)"
	exit 0
fi
. "$(dirname "$0")/lib.sh"
: "${KART_TUI:?KART_TUI must point to kart-tui}"
init_instance
start_kartd
login_admin
expect_rc 0 as admin card add --first Пётр --last Ёжиков --phone '+7 917 123-45-67' --city Самара
P=$OUT
# the restart must come back on the same address
PORT=${SERVER##*:}
sed -i "s/^listen = .*/listen = 127.0.0.1:$PORT/" "$T/inst/kartd.conf"

SOCK=$T/tmux.sock
stop_tmux() { tmux -S "$SOCK" kill-server 2>/dev/null || true; }
trap 'st=$?; stop_tmux; (exit $st); cleanup' EXIT
keys() {
	local k
	for k in "$@"; do tmux -S "$SOCK" send-keys -t tui -- "$k"; done
}
typed() {
	local i
	for ((i = 0; i < ${#1}; i++)); do tmux -S "$SOCK" send-keys -t tui -l -- "${1:i:1}"; done
}
screen() { tmux -S "$SOCK" capture-pane -p -t tui; }
# wait_for TEXT [SECONDS]: polls the screen until it shows TEXT
wait_for() {
	local i n=$((${2:-10} * 20))
	for ((i = 0; i < n; i++)); do
		[[ $(screen) == *"$1"* ]] && return 0
		sleep 0.05
	done
	fail "the screen never showed '$1'; it shows:
$(screen)"
}
wait_gone() {
	local i n=$((${2:-10} * 20))
	for ((i = 0; i < n; i++)); do
		[[ $(screen) != *"$1"* ]] && return 0
		sleep 0.05
	done
	fail "the screen still shows '$1':
$(screen)"
}

tmux -S "$SOCK" -f /dev/null new-session -d -s tui -x 80 -y 24 \
	"env KART_HOME=$T/home-admin LANG=ru_RU.UTF-8 TZ=UTC TERM=xterm-256color $KART_TUI -s $SERVER --ca $CA; sleep 30"
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
tmux -S "$SOCK" resize-window -t tui -x 60 -y 20
wait_gone "Самара"
wait_for "Ёжиков Пётр"
wait_for "+7 917 123-45-67"
tmux -S "$SOCK" resize-window -t tui -x 30 -y 8
wait_for "окно слишком мало"
tmux -S "$SOCK" resize-window -t tui -x 80 -y 24
wait_for "Самара"
echo "PASS"
