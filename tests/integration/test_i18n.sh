#!/usr/bin/env bash
# kart in the user's language: Russian help and usage errors under
# LANG=ru_RU.UTF-8, the same English as ever under C.UTF-8 (or no LANG at all),
# and --json output byte for byte the same in both.
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
for cmd in "card ls" "find Ёжиков" "today" "card show $id" "remind ls" "whoami"; do
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
echo "ok"
