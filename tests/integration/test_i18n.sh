#!/usr/bin/env bash
# kart and kart-tui in the user's language: Russian help, usage errors, times,
# dates and money (05.12.2026 14:30, 125 000,50 ₽) under LANG=ru_RU.UTF-8, the
# same English as ever under C.UTF-8 (or no LANG at all) with ISO dates and
# 125,000.50 RUB, and --json output byte for byte the same in both. Last, a
# build with -DENABLE_NLS=OFF speaks English under ru_RU.UTF-8.
. "$(dirname "$0")/lib.sh"

if ! locale -a 2>/dev/null | grep -qix 'ru_RU.utf8'; then
	echo "SKIP: the ru_RU.UTF-8 locale is not available (scripts/deps.sh generates it)"
	exit 0
fi
[[ $("$KART" --help) == "usage: kart "* ]] || fail "kart --help is not English in C.UTF-8"
if [[ $(LANG=ru_RU.UTF-8 "$KART" --help) == "$("$KART" --help)" ]]; then
	echo "SKIP: kart was built without ENABLE_NLS (its help is the same in Russian)"
	exit 0
fi
ru() { env LANG=ru_RU.UTF-8 "$@"; }
export TZ=UTC
NNBSP=$'\u202f' # ru_RU's thousands separator in money (see client/lib/fmt.h)

# help: Russian under ru_RU, English (the same bytes) under C, C.UTF-8 and no LANG
expect_rc 0 ru "$KART" help
contains "$OUT" "использование: kart [ПАРАМЕТРЫ] КОМАНДА"
contains "$OUT" "найти карточки по телефону"
contains "$OUT" "Общие параметры (до или после команды):"
expect_rc 0 ru "$KART" card ls --help
contains "$OUT" "Список карточек по порядку номеров."
contains "$OUT" "не больше N карточек (по умолчанию все)"
expect_rc 0 "$KART" help
english=$OUT
contains "$english" "usage: kart [OPTIONS] COMMAND [ARGS] [OPTIONS]"
contains "$english" "find cards by phone, email or name"
[[ $english != *карточ* ]] || fail "Russian in the English help"
expect_rc 0 env LANG=C "$KART" help
[[ $OUT == "$english" ]] || fail "help differs between C and C.UTF-8"
expect_rc 0 env -u LANG "$KART" help
[[ $OUT == "$english" ]] || fail "help differs without LANG"
expect_rc 0 "$KART" --help
[[ $OUT == "$english" ]] || fail "--help and help differ"
for words in "card ls" "remind" "card"; do
	# shellcheck disable=SC2086  # the command's words are meant to split
	expect_rc 0 "$KART" $words --help
	c=$OUT
	# shellcheck disable=SC2086
	expect_rc 0 env LANG=C "$KART" $words --help
	[[ $OUT == "$c" ]] || fail "kart $words --help differs between C and C.UTF-8"
done

# usage errors: Russian for a person, the same exit code
expect_rc 2 ru "$KART" crad ls
[[ $ERR == 'kart: неизвестная команда "crad ls"; может быть, "card ls"?' ]] || fail "ru usage error: $ERR"
expect_rc 2 "$KART" crad ls
[[ $ERR == 'kart: unknown command "crad ls"; did you mean "card ls"?' ]] || fail "en usage error: $ERR"
expect_rc 2 ru "$KART" card show
contains "$ERR" "для 'card show' нужно указать ID"
expect_rc 3 ru env KART_HOME="$T/nobody" "$KART" card ls
[[ $ERR == "kart: вход не выполнен (выполните: kart login USER)" ]] || fail "ru not logged in: $ERR"
expect_rc 3 env KART_HOME="$T/nobody" "$KART" card ls
[[ $ERR == "kart: not logged in (run: kart login USER)" ]] || fail "en not logged in: $ERR"
# a JSON error keeps its English message under any locale
expect_rc 2 ru "$KART" --json crad ls
ru_json_err=$ERR
expect_rc 2 "$KART" --json crad ls
[[ $ERR == "$ru_json_err" ]] || fail "--json error differs by locale: $ru_json_err vs $ERR"

# a real server: tables translated, --json the same bytes
init_instance
start_kartd
login_admin
expect_rc 0 as admin card add --first Пётр --last Ёжиков --phone '+7 846 123-45-67' --city Самара \
	--company 'ООО Ромашка'
id=$OUT
expect_rc 0 as admin remind "$id" --at 1h --text 'позвонить'
expect_rc 0 ru env KART_HOME="$T/home-admin" "$KART" -s "$SERVER" --ca "$CA" card ls
[[ $(head -n 1 <<<"$OUT") == *"ID"*"ИМЯ"*"КОМПАНИЯ"*"ТЕЛЕФОН"*"ГОРОД"*"СЕКТОР"*"ВЛАДЕЛЕЦ" ]] ||
	fail "ru card ls header: $OUT"
expect_rc 0 as admin card ls
[[ $(head -n 1 <<<"$OUT") == *"ID"*"NAME"*"COMPANY"*"PHONE"*"CITY"*"SECTOR"*"OWNER" ]] ||
	fail "en card ls header: $OUT"
expect_rc 0 ru env KART_HOME="$T/home-admin" "$KART" -s "$SERVER" --ca "$CA" today
contains "$OUT" "Дни рождения в ближайшие 7 дней"

# times, dates and money as the reader's locale writes them
ru_as() { ru env KART_HOME="$T/home-admin" "$KART" -s "$SERVER" --ca "$CA" "$@"; }
expect_rc 0 as admin card edit "$id" --set birthday=1980-12-05
expect_rc 0 as admin card rel add "$id" --name 'Анна' --relation spouse --birthday 1982-05-01
expect_rc 0 as admin remind "$id" --at '2031-06-01 14:30' --text 'счёт'
expect_rc 0 as admin log "$id" purchase --amount 125000.50 --text 'котёл' --at '2026-12-01 09:05'
expect_rc 0 as admin deal add "$id" --title 'Котельная' --amount 125000.50 --close 2031-03-01
expect_rc 0 ru_as remind ls
contains "$OUT" "01.06.2031 14:30 UTC"
expect_rc 0 as admin remind ls
contains "$OUT" "2031-06-01 14:30 UTC"
expect_rc 0 ru_as timeline "$id"
contains "$OUT" "01.12.2026 09:05"
contains "$OUT" "125${NNBSP}000,50 ₽"
expect_rc 0 as admin timeline "$id"
contains "$OUT" "2026-12-01 09:05"
contains "$OUT" "125,000.50 RUB"
[[ $OUT != *₽* && $OUT != *01.12.2026* ]] || fail "Russian formats in the English timeline: $OUT"
expect_rc 0 ru_as deal ls
contains "$OUT" "125${NNBSP}000,50 ₽"
contains "$OUT" "01.03.2031"
expect_rc 0 as admin deal ls
contains "$OUT" "125,000.50 RUB"
contains "$OUT" "2031-03-01"
expect_rc 0 ru_as card show "$id"
contains "$OUT" "05.12.1980"
contains "$OUT" "Анна (spouse, 01.05.1982)"
contains "$OUT" "125${NNBSP}000,50 ₽"
[[ $OUT =~ [0-9]{2}\.[0-9]{2}\.[0-9]{4}\ [0-9]{2}:[0-9]{2} ]] || fail "ru card show times: $OUT"
expect_rc 0 as admin card show "$id"
contains "$OUT" "1980-12-05"
contains "$OUT" "Анна (spouse, 1982-05-01)"
[[ $OUT =~ [0-9]{4}-[0-9]{2}-[0-9]{2}\ [0-9]{2}:[0-9]{2} ]] || fail "en card show times: $OUT"
# a past --at is refused with the time in the reader's words; as JSON, in one form for all
expect_rc 2 ru_as remind "$id" --at '2020-01-02 03:04' --text x
contains "$ERR" "02.01.2020 03:04 UTC уже прошло"
expect_rc 2 ru_as --json remind "$id" --at '2020-01-02 03:04' --text x
ru_json_err=$ERR
expect_rc 2 as admin --json remind "$id" --at '2020-01-02 03:04' --text x
[[ $ERR == "$ru_json_err" ]] || fail "--json error differs by locale: $ru_json_err vs $ERR"

for cmd in "card ls" "find Ёжиков" "today" "card show $id" "remind ls" "whoami" "timeline $id" "deal ls" \
	"card rel ls $id" "audit --limit 20"; do
	# shellcheck disable=SC2086
	expect_rc 0 as admin --json $cmd
	en=$OUT
	# shellcheck disable=SC2086
	expect_rc 0 ru env KART_HOME="$T/home-admin" "$KART" -s "$SERVER" --ca "$CA" --json $cmd
	[[ $OUT == "$en" ]] || fail "kart --json $cmd differs by locale:
$en
---
$OUT"
done
# a server's error is shown as the server sent it
expect_rc 4 ru env KART_HOME="$T/home-admin" "$KART" -s "$SERVER" --ca "$CA" card show 999999
ru_err=$ERR
expect_rc 4 as admin card show 999999
[[ $ru_err == "$ERR" ]] || fail "server error changed by the locale: $ru_err vs $ERR"

# kart-tui's Today screen and help: English under C.UTF-8, Russian under
# ru_RU.UTF-8, each with its own dates (the key table's own texts are not checked here)
if ! command -v tmux >/dev/null 2>&1 || [[ -z ${KART_TUI:-} ]]; then
	echo "ok (kart-tui not checked: no tmux or KART_TUI)"
	exit 0
fi
SOCK=$T/tmux.sock
trap 'st=$?; tmux -S "$SOCK" kill-server 2>/dev/null || true; cleanup $st' EXIT
# sessions en and ru, named exactly ("=en:"): a bare "en" would also match the
# window "env" of the current session
screen() { tmux -S "$SOCK" capture-pane -p -t "=$1:"; }
# wait_for SESSION TEXT: polls the screen until it shows TEXT (10 s at most)
wait_for() {
	local i
	for ((i = 0; i < 200; i++)); do
		[[ $(screen "$1") == *"$2"* ]] && return 0
		sleep 0.05
	done
	fail "kart-tui ($1) never showed '$2'; it shows:
$(screen "$1")"
}
due=$((($(date +%s) - 2 * 86400) / 60 * 60)) # two days ago, to the minute: overdue
expect_rc 0 as admin remind "$id" --at "$due" --past --text 'просроченное'
for s in en ru; do
	lang=C.UTF-8
	[[ $s == en ]] || lang=ru_RU.UTF-8
	tmux -S "$SOCK" -f /dev/null new-session -d -s "$s" -x 80 -y 24 \
		"env KART_HOME=$T/home-admin LANG=$lang TZ=UTC TERM=xterm-256color $KART_TUI -s $SERVER --ca $CA; sleep 30"
	tmux -S "$SOCK" send-keys -t "=$s:" C-t
done
wait_for en "Reminders (due today or overdue)"
wait_for en "$(date -u -d "@$due" '+%Y-%m-%d %H:%M') overdue  Ёжиков Пётр · просроченное"
for text in Today "Birthdays this week" "Enter card · x done · Esc back · ? help"; do
	contains "$(screen en)" "$text"
done
wait_for ru "Напоминания (на сегодня и просроченные)"
wait_for ru "$(date -u -d "@$due" '+%d.%m.%Y %H:%M') просрочено  Ёжиков Пётр · просроченное"
for text in Сегодня "Дни рождения на неделе" "Enter карточка · x выполнено · Esc назад · ? справка"; do
	contains "$(screen ru)" "$text"
done
for s in en ru; do tmux -S "$SOCK" send-keys -t "=$s:" '?'; done
wait_for en "kart-tui: keys"
contains "$(screen en)" "PgDn next page"
wait_for ru "kart-tui: клавиши"
contains "$(screen ru)" "PgDn следующая стр."
echo "ok"
