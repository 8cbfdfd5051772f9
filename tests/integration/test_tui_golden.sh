#!/usr/bin/env bash
# kart-tui's screens against golden copies (tests/integration/golden): Find,
# Card, Today, Segments and Help, in Russian and in English (ru_RU.UTF-8 and
# C.UTF-8), at 80x24 and after a resize to 60x20, TZ=UTC. What changes from
# run to run is masked before comparing: the server's port, milliseconds,
# dates and times of day.
# GOLDEN_UPDATE=1 writes the screens as they are into the golden directory
# instead of comparing (then read every changed file before committing it).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tui_lib.sh"
GOLDEN=$(dirname "$0")/golden

init_instance
start_kartd
login_admin
expect_rc 0 as admin field add region --type enum --values 'Север,Юг' --tab 'Регион'
expect_rc 0 as admin card add --first Пётр --last Ёжиков --phone '+7 917 123-45-67' --city Самара \
	--email 'ezhikov@example.ru' --birthday "1980-$(TZ=UTC date +%m-%d)" --field region=Юг
P=$OUT
expect_rc 0 as admin card add --company '李小龍 Trading' --phone '+7 917 100-00-01' --city 北京
expect_rc 0 as admin card add --company 'Цветы 🌷 и подарки' --phone '+7 917 155-10-10' --city Самара
expect_rc 0 as admin card add --first Анна --last Иванова --phone '+7 927 555-66-77' --city Москва
expect_rc 0 as admin deal add "$P" --title 'Поставка котлов' --amount 250000
expect_rc 0 as admin log "$P" call --text 'обсудили поставку'
expect_rc 0 as admin remind "$P" --at $(($(date +%s) - 60)) --past --text 'позвонить Ёжикову'
expect_rc 0 as admin segment save samara 'city = "Самара"'

# masked SCREEN: the screen with what differs between runs replaced
masked() {
	screen | sed -E \
		-e 's/127\.0\.0\.1:[0-9]+/SERVER/g' \
		-e 's/[0-9]+ (мс|ms)/# \1/g' \
		-e 's/[0-9]{2}\.[0-9]{2}\.[0-9]{4}/DD.MM.YYYY/g' \
		-e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}/YYYY-MM-DD/g' \
		-e 's/[0-9]{2}:[0-9]{2}/HH:MM/g' \
		-e 's/[[:space:]]+$//'
}
# golden NAME: the screen, once it has stopped changing, is the golden NAME
golden() {
	local want=$GOLDEN/$1.txt prev= cur i
	for ((i = 0; i < 100; i++)); do
		cur=$(masked)
		[[ $cur == "$prev" ]] && break
		prev=$cur
		sleep 0.05
	done
	if [[ -n ${GOLDEN_UPDATE:-} ]]; then
		printf '%s\n' "$cur" >"$want"
		return 0
	fi
	[[ -f $want ]] || fail "no golden screen $1 (GOLDEN_UPDATE=1 makes it)"
	diff -u "$want" <(printf '%s\n' "$cur") >"$T/golden.diff" ||
		fail "screen $1 differs from its golden copy:
$(cat "$T/golden.diff")"
}

# every screen in one language and size; the window is resized to SIZE
# after the first screen is up, so the relayout is what is compared
screens() {
	local lang=$1 size=$2 tag=$3 find=$4
	start_tui "$T/home-admin" "$lang" 80x24
	wait_for "$find"
	resize "${size%x*}" "${size#*x}"
	typed "8 917 1"
	wait_for "Ёжиков Пётр"
	wait_for "李小龍"
	wait_for "Цветы"
	golden "find_$tag"
	keys Down Enter
	wait_for "Ёжиков Пётр ·"
	golden "card_$tag"
	keys 2
	wait_for "ezhikov@example.ru"
	golden "card_phones_$tag"
	keys 5
	wait_for "обсудили поставку"
	golden "card_history_$tag"
	keys t
	wait_for "позвонить Ё" # cut to the width at 60 columns
	golden "today_$tag"
	keys '?'
	wait_for "kart-tui"
	golden "help_$tag"
	keys Escape Escape Escape
	wait_for "$find 8 917 1"
	keys Escape s
	wait_for "samara"
	golden "segments_$tag"
	stop_tmux
}

screens ru_RU.UTF-8 80x24 ru_80x24 "Поиск:"
screens ru_RU.UTF-8 60x20 ru_60x20 "Поиск:"
screens C.UTF-8 80x24 en_80x24 "Find:"
screens C.UTF-8 60x20 en_60x20 "Find:"
echo "PASS: golden screens"
