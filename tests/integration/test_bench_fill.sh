#!/usr/bin/env bash
# kart-bench's base for the reports: cards owned by generated managers, timeline
# entries written by each card's owner (purchases with amounts, contacts) and
# deals moved through the funnel one DealMove per step; --op report-KIND reads
# a report's stream to its end and prints a refusal as the server's error.
. "$(dirname "$0")/lib.sh"
init_instance
start_kartd
login_admin
B=("$KART_BENCH" -s "$SERVER" --ca "$CA" --password-file "$ADMIN_PW" --pid "$KARTD_PID")

"${B[@]}" --load 300 --managers 3 --timeline 2000 --deals 60 --conns 1 >"$T/load.out" 2>&1 ||
	fail "kart-bench --load --timeline --deals: $(cat "$T/load.out")"
LOAD=$(cat "$T/load.out")
contains "$LOAD" "managers mgr01-mgr03: 3 created"
contains "$LOAD" "timeline: 2000 entries in"
contains "$LOAD" "(errors 0)"
grep -q '^deals: 60 deals and [1-9][0-9]* moves in .*(errors 0)' "$T/load.out" || fail "deals: $LOAD"

# the deals: owned by the managers, spread over the stages, each move on record
expect_rc 0 as admin --json deal ls
jq -e 'length == 60' <<<"$OUT" >/dev/null || fail "60 deals expected: $OUT"
jq -e '[.[].owner] | unique | all(test("^mgr0[1-3]$"))' <<<"$OUT" >/dev/null || fail "deal owners: $OUT"
jq -e '[.[].stage] | unique | length >= 3' <<<"$OUT" >/dev/null || fail "deals all at one or two stages: $OUT"
MOVES=$(sed -n 's/^deals: 60 deals and \([0-9]*\) moves.*/\1/p' "$T/load.out")
NOT_FIRST=$(jq '[.[] | select(.stage != "lead")] | length' <<<"$OUT")
((MOVES >= NOT_FIRST)) || fail "$MOVES moves cannot have moved $NOT_FIRST deals"

# the entries: purchases with amounts and contacts, written by the card's owner, in the past
CARD=$(jq -r '.[0].card_id' <<<"$OUT")
OWNER=$(jq -r '.[0].owner' <<<"$OUT")
expect_rc 0 as admin --json timeline "$CARD"
jq -e --arg o "$OWNER" 'length == 0 or all(.author == $o)' <<<"$OUT" >/dev/null || fail "authors: $OUT"
NOW=$(date +%s)
TOTAL=0
for id in $(seq 1 40); do
	expect_rc 0 as admin --json timeline "$id"
	# "2026-09-09T04:42:34+03:00": the instant, its offset taken off
	jq -e --argjson now "$NOW" 'all(.at | ((.[0:19] + "Z" | fromdateiso8601) -
		(if .[19:20] == "-" then -1 else 1 end) * ((.[20:22] | tonumber) * 3600 + (.[23:25] | tonumber) * 60))
		| . <= $now + 60 and . > $now - 800 * 86400)' <<<"$OUT" >/dev/null || fail "an entry out of the last two years: $OUT"
	TOTAL=$((TOTAL + $(jq length <<<"$OUT")))
	cat "$T/out" >>"$T/entries.json"
done
((TOTAL > 0)) || fail "no timeline entries on the first 40 cards"
jq -s -e 'add | map(.kind) | unique | length >= 4' "$T/entries.json" >/dev/null || fail "few kinds: $(cat "$T/entries.json")"
jq -s -e 'add | map(select(.kind == "purchase")) | length > 0 and all(.amount != null and .amount != "0" and .amount != "0.00")' \
	"$T/entries.json" >/dev/null || fail "purchases without amounts: $(cat "$T/entries.json")"

# a report read to its end, with the other clients' gets and the daemon's memory
expect_rc 0 "${B[@]}" --op report-birthdays --days 365 --conns 2 --runs 2
contains "$OUT" "op=report-birthdays run 2:"
contains "$OUT" "op=report-birthdays gets during it: conns=2"
contains "$OUT" "anonymous before the report"
# alone: no gets during it
expect_rc 0 "${B[@]}" --op report-birthdays --days 365 --conns 0
contains "$OUT" "op=report-birthdays run 1:"
contains "$OUT" "op=report-birthdays: no gets during it (--conns 0)"
[[ $OUT != *"gets during it: conns="* ]] || fail "gets ran with --conns 0: $OUT"
expect_rc 2 "${B[@]}" --op get --conns 0
contains "$ERR" "--conns 0 (no gets during it) goes with --op report-KIND|export-FORMAT"
# a refusal is the server's error, and exit 1
expect_rc 1 "${B[@]}" --op report-birthdays --where 'no_such_field = 1' --conns 1
contains "$OUT" "op=report-birthdays: refused by the server: BAD_REQUEST"
# what goes with what
expect_rc 2 "${B[@]}" --op get --timeline 10
contains "$ERR" "--timeline and --deals go with --load or alone"
expect_rc 2 "${B[@]}" --op report-nope
contains "$ERR" "report-rfm|abc|funnel|managers|reactivation|birthdays"
echo ok
