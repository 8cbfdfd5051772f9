#!/usr/bin/env bash
# kart report birthdays: the clients and relatives whose birthday comes in the
# next N days, soonest first, over the caller's cards only; and what every
# report shares: --json and --csv, the one read record (kart exports, audit
# reads), the audit event, bad options refused with nothing recorded, and
# auditors refused.
. "$(dirname "$0")/lib.sh"

init_instance "read_flush_ms = 200"
start_kartd
login_admin
report_cast
expect_rc 0 as admin user add aud --role auditor --password-file "$T/pw"
expect_rc 0 as aud login aud --password-file "$T/pw"

# a birthday N days from today (the client's local day), in a year of birth
bday() { date -d "+$2 days" "+$1-%m-%d"; }
A=$(add man --first Анна --last Смирнова --birthday "$(bday 1990 3)" --phone '+7 916 100-00-01' --city Самара)
B=$(add man --first Борис --last Котов --birthday "$(bday 1985 0)" --email boris@example.ru)
C=$(add man --first Вера --last Далёкая --birthday "$(bday 1970 40)")
D=$(add man2 --first Дмитрий --last Южный --birthday "$(bday 1980 1)")
E=$(add man --first Ефим --last Безданных)
expect_rc 0 as man card rel add "$E" --name Мария --relation spouse --birthday "$(bday 1992 5)"
expect_rc 0 as man card rel add "$E" --name Пётр --relation child --birthday "--$(date -d '+2 days' +%m-%d)"

# ---- man: his own cards, soonest first; the relative and a year-less one ----
expect_rc 0 as man --json report birthdays --days 10
ROWS=$(jq -c '[.tables.birthdays[] | [.card_id, .name, .relation, .in_days, .age]]' <<<"$OUT")
Y=$(date +%Y)
age() { # the age reached on the birthday N days ahead, born in year $1
	echo $(($(date -d "+$2 days" +%Y) - $1))
}
WANT=$(jq -cn --argjson b "$B" --argjson a "$A" --argjson e "$E" \
	--argjson ab "$(age 1985 0)" --argjson aa "$(age 1990 3)" --argjson am "$(age 1992 5)" \
	'[[$b,"Котов Борис","",0,$ab],[$e,"Пётр","child",2,null],[$a,"Смирнова Анна","",3,$aa],[$e,"Мария","spouse",5,$am]]')
[[ $ROWS == "$WANT" ]] || fail "man's birthdays: $ROWS, want $WANT"
[[ $(jq -r .kind <<<"$OUT") == birthdays ]] || fail "kind: $OUT"
contains "$(jq -r .note <<<"$OUT")" "4 birthdays"
XID=$(jq -r .export_id <<<"$OUT")
[[ $XID -gt 0 ]] || fail "no read record: $OUT"
# the dates are the coming birthdays
[[ $(jq -r '.tables.birthdays[2].date' <<<"$OUT") == $(date -d '+3 days' +%F) ]] || fail "date: $OUT"
[[ $(jq -r '.tables.birthdays[2].phone' <<<"$OUT") == '+78461000001' || $(jq -r '.tables.birthdays[2].phone' <<<"$OUT") == +7* ]] || fail "phone: $OUT"

# ---- admin sees exactly one more: man2's client ----
expect_rc 0 as admin --json report birthdays --days 10
[[ $(jq -c '[.tables.birthdays[].card_id] | sort' <<<"$OUT") == "$(jq -cn --argjson a "$A" --argjson b "$B" --argjson d "$D" --argjson e "$E" '[$a,$b,$d,$e,$e] | sort')" ]] ||
	fail "admin's birthdays: $OUT"
# 40 days ahead: the far one too
expect_rc 0 as man --json report birthdays --days 41
jq -e --argjson c "$C" '[.tables.birthdays[].card_id] | index($c) != null' <<<"$OUT" >/dev/null || fail "--days 41: $OUT"
# --where narrows the cards
expect_rc 0 as man --json report birthdays --days 10 --where 'city = Самара'
[[ $(jq -c '[.tables.birthdays[].card_id]' <<<"$OUT") == "[$A]" ]] || fail "--where: $OUT"

# ---- CSV: the table, RFC 4180, names quoted where needed, formulas defused ----
F=$(add man --last '=HYPERLINK("x")' --first 'Кавычкин, "Младший"' --birthday "$(bday 2000 1)")
expect_rc 0 as man report birthdays --days 2 --csv
head -n 1 <<<"$OUT" | grep -q $'^date,in_days,name,relation,age,card_id,client,owner,phone,email\r$' || fail "csv header: $OUT"
contains "$OUT" ",\"'=HYPERLINK(\"\"x\"\") Кавычкин, \"\"Младший\"\"\","
# a phone is no formula: not prefixed, as in an export
expect_rc 0 as man report birthdays --days 10 --csv
contains "$OUT" ',man,+7 916 100-00-01,'
# text: a title, a header, a row per person
expect_rc 0 as man report birthdays --days 2
contains "$OUT" "Кавычкин"
contains "$OUT" "CLIENT"

# ---- the read record: one per report, as an export is ----
expect_rc 0 as admin --json exports
jq -e --argjson x "$XID" '.[] | select(.id == $x) | .format == "report birthdays" and .user == "man" and .cards == 3' <<<"$OUT" >/dev/null ||
	fail "the report's record: $OUT"
expect_rc 0 as admin --json audit reads --card "$A"
jq -e '[.[] | select(.user == "man" and .how == "report")] | length >= 1' <<<"$OUT" >/dev/null || fail "who received A: $OUT"
expect_rc 0 as admin --json audit --action report
jq -e '[.[] | select(.user == "man" and .action == "report")] | length >= 1' <<<"$OUT" >/dev/null || fail "audit: $OUT"

# a report is no export: it takes nothing of the export quota (man has had 4+2+3+3+... cards listed)
expect_rc 0 as admin user grant man export
expect_rc 0 as admin user quota man --export-per-day 2
expect_rc 0 as man export --where 'city = Самара' -o "$T/one.csv"
[[ -s $T/one.csv ]] || fail "the export after reports wrote nothing"

# ---- refused: bad options change nothing; an auditor sees no cards ----
expect_rc 0 as admin --json exports
N=$(jq length <<<"$OUT")
expect_rc 2 as man report birthdays --days 0
expect_rc 2 as man report birthdays --days x
expect_rc 2 as man report birthdays --days 400
contains "$ERR" "days"
one_line "$ERR"
expect_rc 2 as man report birthdays --where 'nosuchfield = 1'
contains "$ERR" "nosuchfield"
expect_rc 2 as man report birthdays --json --csv
expect_rc 2 as man report birthdays --table birthdays
expect_rc 2 as man report birthdays --csv --table nosuch
expect_rc 3 as aud report birthdays
expect_rc 0 as admin --json exports
[[ $(jq length <<<"$OUT") == "$N" ]] || fail "a refused report was recorded: $OUT"
# nothing in the report when nobody's birthday comes: an empty table, no record
expect_rc 0 as man2 --json report birthdays --days 1 --where 'city = Нигде'
[[ $(jq -c '.tables.birthdays' <<<"$OUT") == '[]' && $(jq .export_id <<<"$OUT") == 0 ]] || fail "empty: $OUT"
echo "report birthdays: ok"
