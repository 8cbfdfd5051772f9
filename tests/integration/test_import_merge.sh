#!/usr/bin/env bash
# Duplicates through kart import FILE: a row whose phone (however typed) or
# e-mail (in any case) is on a card the importer sees is skipped, merged or
# created per --on-duplicate, a row duplicating an earlier row of the same
# file too; a card of another team is no duplicate and stays untouched; a bad
# row fails alone; kart import undo takes a merge back field by field.
. "$(dirname "$0")/lib.sh"
init_instance
start_kartd
login_admin
import_teams

count() { # the cards man sees
	expect_rc 0 as man ls --count
	echo "$OUT"
}

# field ID JQ: a field of card ID as man sees it
field() {
	expect_rc 0 as man --json card show "$1"
	jq -r "$2" <<<"$OUT"
}

# ---- skip (the default): by phone, by e-mail, within the file; another team's card is no duplicate
{
	printf 'Фамилия;Имя;Мобильный телефон;E-mail;Город;Компания\r\n'
	printf 'Иванов;Иван;8 (916) 111-22-33;;;\r\n'
	printf 'Петров;;;IVAN@EXAMPLE.RU;;\r\n'
	printf 'Южный;;+7 916 999-88-77;;;\r\n'
	printf 'Новый;;+7 900 000-00-01;new@x.ru;;\r\n'
	printf 'Дубль;;;NEW@X.RU;;\r\n'
	printf 'Плохой;;+7 900 000-00-02;;;%s\r\n' "$(printf 'Я%.0s' {1..201})"
} >"$T/skip.csv"
expect_rc 7 as man import "$T/skip.csv"
contains "$OUT" "2 created, 0 merged, 3 skipped, 1 failed, of 6 rows"
contains "$ERR" "skip.csv:7:6:"
[[ $(count) -eq 3 ]] || fail "after the skip import: $(count) cards, expected 3"
expect_rc 0 as man2 --json card show "$S"
[[ $(jq .version <<<"$OUT") -eq 1 ]] || fail "another team's card was touched: $OUT"
expect_rc 0 as admin --json find "+7 916 999-88-77"
[[ $(jq length <<<"$OUT") -eq 2 ]] || fail "the row with another team's phone was not created: $OUT"

# ---- merge: empty fields filled, e-mails added, the company kept; undo takes it back
V=$(field "$A" .version)
printf 'Фамилия;Имя;Мобильный телефон;E-mail;Город;Компания\r\nИванов;;+7 916 111-22-33;ivan2@example.ru;Самара;Лютик\r\n' >"$T/merge.csv"
expect_rc 0 as man import --on-duplicate merge --tag импорт "$T/merge.csv"
contains "$OUT" "0 created, 1 merged, 0 skipped, 0 failed, of 1 rows"
M=$(sed -n 's/^import \([0-9]*\):.*/\1/p' <<<"$OUT")
[[ $(field "$A" .city) == "Самара" && $(field "$A" .company) == "Ромашка" ]] || fail "the merge: $OUT"
[[ $(field "$A" '.emails | join(",")') == "ivan@example.ru,ivan2@example.ru" ]] || fail "e-mails after the merge: $OUT"
[[ $(field "$A" '.tags | join(",")') == "импорт" && $(field "$A" .version) -eq $((V + 1)) ]] || fail "the merge: $OUT"
expect_rc 0 as man import undo "$M"
contains "$OUT" "import $M undone: 0 created cards moved to the trash, 1 merged cards taken back"
[[ $(field "$A" .city) == "" && $(field "$A" '.emails | join(",")') == "ivan@example.ru" ]] || fail "undo of the merge: $OUT"
[[ $(field "$A" '.tags | length') -eq 0 && $(field "$A" .company) == "Ромашка" ]] || fail "undo of the merge: $OUT"

# ---- create: a duplicate is created all the same
expect_rc 0 as man import --on-duplicate create "$T/merge.csv"
contains "$OUT" "1 created, 0 merged, 0 skipped, 0 failed, of 1 rows"
expect_rc 0 as man --json find "+7 916 111-22-33"
[[ $(jq length <<<"$OUT") -eq 2 ]] || fail "--on-duplicate create: $OUT"
echo "ok"
