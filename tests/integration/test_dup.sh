#!/usr/bin/env bash
# kart dup find: pairs of cards that are probably one client, found by the
# same phone typed differently, the same email in another case, names in
# Cyrillic and Latin (Иванов = Ivanov), a company with and without its legal
# form; scored and explained; only among the cards the caller sees and the
# filter matches; read as rows of a list are (a bulk read when many).
# kart quality: the counts and the lists of each problem, and exit 10 when
# there is one.
. "$(dirname "$0")/lib.sh"

# masha may see 7 distinct cards in lists an hour (bulk_read_manager 7,
# bulk_list_factor 1) before an alert (and no block: the policy is alert)
init_instance "read_flush_ms = 200" "bulk_read_manager = 7" "bulk_list_factor = 1" "bulk_read_policy = alert"
start_kartd
login_admin
printf 'password-123\n' >"$T/pw"
for u in masha petya; do
	expect_rc 0 as admin user add $u --role manager --team north --password-file "$T/pw"
	expect_rc 0 as $u login $u --password-file "$T/pw"
done
add() {
	local who=$1
	shift
	expect_rc 0 as "$who" card add "$@"
	printf '%s' "$OUT"
}
IV1=$(add masha --first Иван --last Иванов --phone '+7 917 123-45-67' --email ivan@example.com --city Самара)
IV2=$(add masha --first Ivan --last Ivanov --phone '8 (917) 123 45 67' --email IVAN@Example.com --city Самара)
PM1=$(add masha --first Мария --last Пётрова --email Maria.P@Example.com)
PM2=$(add masha --first Maria --last Petrova --email maria.p@example.com)
NC1=$(add masha --first Мария --last Иванова)
NC2=$(add masha --first Maria --last Ivanova)
RO1=$(add masha --company 'ООО «Ромашка»' --phone '+7 846 555-55-55')
RO2=$(add masha --company 'Romashka LLC' --phone '8 846 555 55 55')
BP=$(add masha --first Пётр --last Телефонов --phone '00 00 00 00' --email petr@example.com)
SP=$(add masha --first Ольга --last Сидорова --phone '+7 917 123-45-67')
PE=$(add petya --first Иван --last Иванов --phone '+79171234567')
pair() { printf '%s-%s' "$1" "$2"; }

# ---- the pairs, their scores and reasons (masha: her own cards only) ----
expect_rc 0 as masha --json dup find
PAIRS=$(jq -c '[.[] | "\(.a)-\(.b):\(.score)"]' <<<"$OUT")
[[ $PAIRS == "[\"$IV1-$IV2:100\",\"$PM1-$PM2:90\",\"$RO1-$RO2:90\"]" ]] || fail "masha's pairs: $PAIRS"
jq -e '.[0].reasons | map(.kind) == ["dup_reason_phone", "dup_reason_email", "dup_reason_name"]' <<<"$OUT" >/dev/null ||
	fail "reasons of $IV1-$IV2: $OUT"
jq -e '.[0].reasons[0].value == "+79171234567" and .[0].reasons[1].value == "ivan@example.com"' <<<"$OUT" >/dev/null ||
	fail "the shared phone and email: $OUT"
# Пётрова Мария and Maria Petrova: ё = е, Cyrillic = Latin, the same name
jq -e '.[1].reasons[1] | .kind == "dup_reason_name" and .similarity == 100' <<<"$OUT" >/dev/null || fail "names: $OUT"
jq -e '.[2].reasons | map(.kind) == ["dup_reason_phone", "dup_reason_company"]' <<<"$OUT" >/dev/null ||
	fail "companies: $OUT"
# the cards in brief
jq -e '.[0].card_a | .last_name == "Иванов" and .phones == ["+7 917 123-45-67"] and .notes == ""' <<<"$OUT" >/dev/null ||
	fail "card in brief: $OUT"
# the same phone, another person (Сидорова): scored low, not listed at 70
jq -e "map(select(.a == $SP or .b == $SP)) | length == 0" <<<"$OUT" >/dev/null || fail "spouse listed: $OUT"

# the table: score, ids, names, reasons
expect_rc 0 as masha dup find
contains "$OUT" "SCORE"
contains "$OUT" "Иванов Иван"
contains "$OUT" "Ivanov Ivan"
contains "$OUT" "same phone +79171234567; same email ivan@example.com; same name 100%"
contains "$OUT" "same company Romashka LLC"
[[ $(grep -c . <<<"$OUT") == 4 ]] || fail "table: $OUT"
# in Russian, where the locale is there
if locale -a 2>/dev/null | grep -qix 'ru_RU.utf8'; then
	LANG=ru_RU.UTF-8 expect_rc 0 as masha dup find
	contains "$OUT" "ОЦЕНКА"
	contains "$OUT" "тот же телефон +79171234567; тот же email ivan@example.com; то же имя 100%"
	LANG=ru_RU.UTF-8 expect_rc 10 as masha quality
	contains "$OUT" "карточки без телефона и email: 2"
fi

# --min-score: 95 leaves the one pair at 100; 40 adds the namesakes without contacts
expect_rc 0 as masha --json dup find --min-score 95
[[ $(jq -c 'map("\(.a)-\(.b)")' <<<"$OUT") == "[\"$(pair "$IV1" "$IV2")\"]" ]] || fail "--min-score 95: $OUT"
expect_rc 0 as masha --json dup find --min-score 40
jq -e "map(select(.a == $NC1 and .b == $NC2 and .score == 40)) | length == 1" <<<"$OUT" >/dev/null ||
	fail "--min-score 40: Иванова Мария / Ivanova Maria: $OUT"
jq -e "map(select(.a == $SP or .b == $SP)) | length == 0" <<<"$OUT" >/dev/null || fail "spouse at 40: $OUT"
expect_rc 0 as masha --json dup find --min-score 1
jq -e "map(select(.b == $SP and (.reasons | map(.kind) == [\"dup_reason_phone\", \"dup_reason_name_differs\"]))) | length == 2" \
	<<<"$OUT" >/dev/null || fail "spouse at 1: $OUT"
expect_rc 2 as masha dup find --min-score 101
expect_rc 2 as masha dup find --min-score x

# --where: only among the cards the filter matches
expect_rc 0 as masha --json dup find --where 'city = Самара'
[[ $(jq -c 'map("\(.a)-\(.b)")' <<<"$OUT") == "[\"$(pair "$IV1" "$IV2")\"]" ]] || fail "--where: $OUT"
expect_rc 0 as masha --json dup find --where 'company contains ромашка'
[[ $(jq length <<<"$OUT") == 0 ]] || fail "--where matching one card of a pair: $OUT"
expect_rc 2 as masha dup find --where 'nosuchfield = 1'
contains "$ERR" "nosuchfield"

# ---- scope: petya's Иванов is another manager's; the admin sees the pairs ----
expect_rc 0 as petya --json dup find
[[ $OUT == "[]" ]] || fail "petya alone: $OUT"
expect_rc 0 as admin --json dup find
jq -e "map(select(.a == $IV1 and .b == $PE and .score == 90)) | length == 1" <<<"$OUT" >/dev/null ||
	fail "the admin's pair across owners: $OUT"
jq -e "map(select(.a == $IV2 and .b == $PE)) | length == 1" <<<"$OUT" >/dev/null || fail "admin: $OUT"

# ---- quality ----
expect_rc 10 as masha --json quality --limit 1
jq -e '.cards == 10 and (.items | map(.count)) == [2, 0, 1, 0, 0, 3]' <<<"$OUT" >/dev/null || fail "quality counts: $OUT"
jq -e ".items[0].cards | map(.id) == [$NC1]" <<<"$OUT" >/dev/null || fail "no contact, listed to --limit: $OUT"
jq -e ".items[2].cards | map(.id) == [$BP]" <<<"$OUT" >/dev/null || fail "bad phone: $OUT"
jq -e ".items[5].pairs | map(\"\(.a)-\(.b)\") == [\"$(pair "$IV1" "$IV2")\"]" <<<"$OUT" >/dev/null ||
	fail "duplicates: $OUT"
expect_rc 10 as masha quality
contains "$OUT" "cards without a phone or an email: 2"
contains "$OUT" "cards with a phone that does not normalise: 1"
contains "$OUT" "probable duplicates (pairs): 3"
contains "$OUT" "Иванова Мария"
# nothing wrong: exit 0 (a manager without cards)
expect_rc 0 as admin user add clean --role manager --password-file "$T/pw"
expect_rc 0 as clean login clean --password-file "$T/pw"
expect_rc 0 as clean quality
contains "$OUT" "0 cards checked"
expect_rc 2 as masha quality --stale-months 0
expect_rc 2 as masha quality --limit 5000
# stale: all of them in a month from now is not what --stale-months says;
# none is stale after a month
expect_rc 10 as masha --json quality --stale-months 1
jq -e '.stale_months == 1 and .items[3].count == 0' <<<"$OUT" >/dev/null || fail "stale: $OUT"

# ---- reads: the pairs' cards are recorded as read, and count toward bulk
# reading: masha has now seen more than 7 distinct cards in lists ----
wait_json "map(select(.how == \"dup\" and .card_id == $IV1)) | length >= 1" as admin --json audit reads --user masha --limit 1000
wait_json "map(select(.how == \"quality\")) | length >= 1" as admin --json audit reads --user masha --limit 1000
wait_json 'map(select(.action == "read.bulk" and .object_name == "masha")) | length == 1' as admin --json alerts

# ---- an invalid email (stored before today's check, as an old base has) ----
stop_kartd
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
"$DBTOOL" "$T/inst/db" subst cards "$(hex 'petr@example.com')" "$(hex 'petr example.com')" >/dev/null ||
	fail "dbtool subst"
start_kartd
expect_rc 10 as masha --json quality
jq -e ".items[1].count == 1 and (.items[1].cards | map(.id)) == [$BP]" <<<"$OUT" >/dev/null || fail "bad email: $OUT"
