#!/usr/bin/env bash
# Duplicates on import, and batches that arrive twice, driven row by row
# through kart-importscript (a client of ImportBegin/Batch/End/Undo): a row
# whose normalised phone or folded email is on a card the importer sees is
# skipped, merged into it (empty fields filled, lists added to, nothing
# overwritten) or created anew, per on_duplicate — also against a row of the
# same batch or of an earlier one; a card out of the importer's scope is
# never matched; a bad row fails alone; a batch sent again is not applied
# again; a dry run changes nothing; undo takes a merge back field by field
# and keeps a field changed since.
. "$(dirname "$0")/lib.sh"
: "${IMPORTSCRIPT:?IMPORTSCRIPT must point to kart-importscript}"
init_instance
start_kartd
login_admin
import_teams

# script USER: runs the script on stdin as USER; its output in $OUT
script() {
	"$IMPORTSCRIPT" "$SERVER" "$CA" "$1" "$T/pw" >"$T/out" 2>"$T/err" || fail "kart-importscript: $(cat "$T/err")"
	OUT=$(cat "$T/out")
}

# has LINE: $OUT holds that line exactly
has() {
	grep -qxF -- "$1" <<<"$OUT" || fail "expected the line '$1' in: $OUT"
}

# field ID JQ: a field of card ID as man sees it
field() {
	expect_rc 0 as man --json card show "$1"
	jq -r "$2" <<<"$OUT"
}

# ---- skip: by phone however typed, by email in any case, inside one batch and across batches;
# a card of another team is no duplicate; a bad row fails alone; a look-alike is suggested
script man <<EOF
begin skip
row 1 last_name=Иванов|first_name=Иван|phones=8 (916) 111-22-33
row 2 last_name=Петров|emails=IVAN@Example.RU
row 3 last_name=Южный|phones=+7 916 999-88-77
row 4 last_name=Новый|phones=+7 900 000-00-01|emails=new@x.ru
row 5 first_name=Дубль|emails=NEW@x.ru
row 6 emails=not-an-email
row 7 last_name=Иванов|first_name=Иван|phones=+7 900 000-00-09
send
row 8 last_name=Сидоров|phones=89000000001
send
end
EOF
has "import 1 rows_done 0"
has "row 1 skipped card=$A by=phone +79161112233"
has "row 2 skipped card=$A by=email IVAN@Example.RU"
has "row 6 failed card=0 error=emails: emails: 'not-an-email' is not an email address"
has "row 7 created card=$((S + 3)) similar=$A"
NEW=$(sed -n 's/^row 5 skipped card=\([0-9]*\) by=email NEW@x.ru$/\1/p' <<<"$OUT")
[[ -n $NEW ]] || fail "row 5 did not meet row 4 of its batch: $OUT"
has "row 8 skipped card=$NEW by=phone +79000000001"
has "batch rows_done 7 created 3 merged 0 skipped 3 failed 1 first $((S + 1)) last $((S + 3))"
has "batch rows_done 8 created 3 merged 0 skipped 4 failed 1 first 0 last 0"
grep -q "^row 3 " <<<"$OUT" && fail "row 3 matched a card of another team: $OUT"
[[ $NEW -eq $((S + 2)) ]] || fail "row 4's card is not the second created: $OUT"
[[ $(field "$NEW" .last_name) == "Новый" ]] || fail "row 4's card"
expect_rc 0 as man2 --json card show "$S"
[[ $(jq .version <<<"$OUT") -eq 1 ]] || fail "the other team's card changed: $OUT"
expect_rc 0 as man --json imports
jq -e '.[0].id == 1 and .[0].created == 3 and .[0].skipped == 4 and .[0].failed == 1 and .[0].state == "done"' \
	<<<"$OUT" >/dev/null || fail "the skip import's record: $OUT"

# ---- create: a duplicate is created all the same
script man <<EOF
begin create
row 1 last_name=Иванов|phones=+7 916 111-22-33
send
end
EOF
has "batch rows_done 1 created 1 merged 0 skipped 0 failed 0 first $((S + 4)) last $((S + 4))"
[[ $(grep -c '^row ' <<<"$OUT") -eq 0 ]] || fail "a created duplicate was reported: $OUT"

# ---- merge: empty fields filled, lists added to, a different value kept and told;
# rows of one batch merge into each other
V=$(field "$A" .version)
script man <<EOF
begin merge tag=импорт
row 1 last_name=Иванов|phones=+7 916 111-22-33|city=Самара|company=Лютик|emails=ivan2@example.ru
row 2 last_name=Нов|emails=m1@x.ru|phones=+7 900 000-00-02
row 3 city=Тверь|emails=M1@x.ru|phones=+7 900 000-00-03
send
end
EOF
has "row 1 merged card=$A by=phone +79161112233; company: kept 'Ромашка', not 'Лютик'"
M=$(sed -n 's/^row 3 merged card=\([0-9]*\) by=email M1@x.ru$/\1/p' <<<"$OUT")
[[ -n $M ]] || fail "row 3 did not merge into row 2's card: $OUT"
has "batch rows_done 3 created 1 merged 2 skipped 0 failed 0 first $M last $M"
[[ $(field "$A" .city) == "Самара" && $(field "$A" .company) == "Ромашка" ]] || fail "the merge into $A: $OUT"
[[ $(field "$A" '.emails | join(",")') == "ivan@example.ru,ivan2@example.ru" ]] || fail "emails after the merge: $OUT"
[[ $(field "$A" '.tags | join(",")') == "импорт" ]] || fail "tags after the merge: $OUT"
[[ $(field "$A" .version) -eq $((V + 1)) ]] || fail "the merge is not a new version: $OUT"
[[ $(field "$M" '.phones | join(",")') == "+7 900 000-00-02,+7 900 000-00-03" && $(field "$M" .city) == "Тверь" ]] ||
	fail "the in-batch merge: $OUT"
expect_rc 0 as man card history "$A"
contains "$OUT" "Самара"

# ---- undo of the merge: the fields it changed go back; the card it created goes
script man <<EOF
undo 3
EOF
has "undo removed 1 reverted 1 kept  gone "
[[ $(field "$A" .city) == "" && $(field "$A" '.emails | join(",")') == "ivan@example.ru" && $(field "$A" '.tags | length') -eq 0 ]] ||
	fail "undo did not take the merge back: $OUT"
[[ $(field "$A" .company) == "Ромашка" ]] || fail "undo changed the kept company"
expect_rc 4 as man card show "$M"

# a field changed since the merge is kept (and told); the rest goes back
script man <<EOF
begin merge
row 1 phones=+7 916 111-22-33|city=Казань|position=Директор
send
end
EOF
has "row 1 merged card=$A by=phone +79161112233"
expect_rc 0 as man card edit "$A" --set city=Уфа
script man <<EOF
undo 4
EOF
has "undo removed 0 reverted 1 kept $A gone "
[[ $(field "$A" .city) == "Уфа" && $(field "$A" .position) == "" ]] || fail "undo with a field changed since: $OUT"

# ---- a batch sent again is not applied again; a gap is refused; resume checks the fingerprint
script man <<EOF
begin skip fp=abc
row 1 last_name=Повтор1
row 2 last_name=Повтор2
send
row 1 last_name=Повтор1
row 2 last_name=Повтор2
row 3 last_name=Повтор3
send
row 5 last_name=Повтор5
send
resume 5 fp=xyz
resume 5 fp=abc
end
resume 5 fp=abc
EOF
has "row 1 done_before card=0"
has "row 2 done_before card=0"
has "batch rows_done 3 created 3 merged 0 skipped 0 failed 0 first $((M + 3)) last $((M + 3))"
has "err 2 import 5 goes on from row 4, not row 5 (rows 1-3 are in)"
has "err 5 import 5 was begun with other input (its fingerprint differs): resume it with the same files and options"
has "import 5 rows_done 3"
has "err 5 import 5 is done: only a running import resumes"
expect_rc 0 as man --json card ls
[[ $(jq '[.[] | select(.last_name | startswith("Повтор"))] | length' <<<"$OUT") -eq 3 ]] ||
	fail "a resent batch created cards again: $OUT"

# ---- a dry run tells what would happen and keeps nothing, not even the import
script man <<EOF
begin dry merge
row 1 phones=+7 916 111-22-33|position=Сухой
row 2 last_name=Сухой
send
EOF
has "import 0 rows_done 0"
has "row 1 merged card=$A by=phone +79161112233"
has "batch rows_done 2 created 1 merged 1 skipped 0 failed 0 first $((M + 4)) last $((M + 4))"
[[ $(field "$A" .position) == "" ]] || fail "a dry run merged"
expect_rc 0 as man --json imports
[[ $(jq length <<<"$OUT") -eq 5 ]] || fail "a dry run was recorded: $OUT"
expect_rc 0 as man --json card ls
[[ $(jq '[.[] | select(.last_name == "Сухой")] | length' <<<"$OUT") -eq 0 ]] || fail "a dry run created a card"
echo "ok"
