#!/usr/bin/env bash
# kart report funnel: ten deals of two managers through the default funnel
# (lead, qualified, proposal, negotiation, won, lost), with skipped stages,
# moves back and a reopened lost deal, every number computed by hand below
# and compared exactly (--json, --csv); an empty period; --owner (a user out
# of the caller's sight is no deals, like a missing one); the scope (a
# manager's report is the admin's less the other manager's deals, a supervisor's
# his team's); --where;
# the stage history kept by each deal (kart deal show) and carried by a card
# merge; bad options refused.
# Times in stages come from real moves seconds apart: averages are 0.0 days
# here (the arithmetic with chosen times is tests/unit/test_funnel.c).
. "$(dirname "$0")/lib.sh"

init_instance
start_kartd
login_admin
printf 'password-123\n' >"$T/pw"
expect_rc 0 as admin user add man --role manager --team north --password-file "$T/pw"
expect_rc 0 as admin user add man2 --role manager --team south --password-file "$T/pw"
expect_rc 0 as admin user add sup --role supervisor --team north --password-file "$T/pw"
expect_rc 0 as admin user add aud --role auditor --password-file "$T/pw"
for u in man man2 sup aud; do expect_rc 0 as $u login $u --password-file "$T/pw"; done

expect_rc 0 as man card add --first Анна --last Смирнова --city Самара
M1=$OUT
expect_rc 0 as man card add --first Борис --last Котов
M2=$OUT
expect_rc 0 as man2 card add --first Дмитрий --last Южный
S1=$OUT

# deal WHO CARD AMOUNT [STAGE]: a new deal's id
deal() {
	expect_rc 0 as "$1" deal add "$2" --title "deal $3" --amount "$3" ${4:+--stage "$4"}
	printf '%s' "$OUT"
}
move() {
	local who=$1 id=$2
	shift 2
	for s in "$@"; do expect_rc 0 as "$who" deal move "$id" --stage "$s"; done
}
# man's deals, on his cards
D1=$(deal man "$M1" 1000)                           # lead
D2=$(deal man "$M1" 2000); move man "$D2" qualified qualified # the second move changes nothing
D3=$(deal man "$M2" 3000); move man "$D3" proposal  # skips qualified
D4=$(deal man "$M2" 4000); move man "$D4" negotiation qualified # back from negotiation
D5=$(deal man "$M2" 5000); move man "$D5" won       # won straight from lead
D6=$(deal man "$M1" 600.50); move man "$D6" qualified lost
# man2's, on his card
D7=$(deal man2 "$S1" 7000); move man2 "$D7" qualified proposal negotiation won
D8=$(deal man2 "$S1" 800 proposal); move man2 "$D8" lost
D9=$(deal man2 "$S1" 900); move man2 "$D9" lost lead # lost, then reopened
D10=$(deal man2 "$S1" 100 negotiation)

# ---- the stage history: kept by each deal, one visit per change ----
expect_rc 0 as man --json deal show "$D4"
[[ $(jq -c '[.history[].stage]' <<<"$OUT") == '["lead","negotiation","qualified"]' ]] || fail "D4's history: $OUT"
[[ $(jq -r '[.history[].by] | unique | join(",")' <<<"$OUT") == man ]] || fail "history's by: $OUT"
[[ $(jq -r '.history[0].at == .created_at and .history[2].at == .updated_at' <<<"$OUT") == true ]] ||
	fail "history's times: $OUT"
[[ $(jq -r '.stage' <<<"$OUT") == qualified ]] || fail "D4 kept its fields: $OUT"
expect_rc 0 as man --json deal show "$D2"
[[ $(jq -c '[.history[].stage]' <<<"$OUT") == '["lead","qualified"]' ]] || fail "a move to the same stage made a visit: $OUT"
expect_rc 0 as man deal show "$D4"
contains "$OUT" "history:"
[[ $(grep -cE '^  (lead|negotiation|qualified) +[0-9][0-9.-]+ [0-9:]+ by man$' <<<"$OUT") == 3 ]] ||
	fail "deal show's history: $OUT"
contains "$OUT" "stage:    qualified"

# a merge moves deals with their history unchanged (and back again on unmerge)
expect_rc 0 as man card add --first Анна --last Смирнова-Дубль
M9=$OUT
D11=$(deal man "$M9" 50); move man "$D11" proposal lost
expect_rc 0 as man --json deal show "$D11"
H11=$(jq -c .history <<<"$OUT")
[[ $(jq length <<<"$H11") == 3 ]] || fail "D11's history: $H11"
expect_rc 0 as man dup merge "$M1" "$M9"
expect_rc 0 as man --json deal show "$D11"
[[ $(jq -c .history <<<"$OUT") == "$H11" && $(jq -r .card_id <<<"$OUT") == "$M1" ]] || fail "D11 after the merge: $OUT"
expect_rc 0 as man dup unmerge "$M1" "$M9"
expect_rc 0 as man --json deal show "$D11"
[[ $(jq -c .history <<<"$OUT") == "$H11" && $(jq -r .card_id <<<"$OUT") == "$M9" ]] || fail "D11 after the unmerge: $OUT"
expect_rc 0 as man deal rm "$D11"

# stages JSON -> one line per stage: stage reached amount from_first from_previous days now
stages() { jq -r '.tables.stages[] | [.stage, .reached, .reached_amount, .conversion_from_first, .conversion_from_previous, .avg_days_in_stage, .now_in_stage] | map(tostring) | join(" ")' <<<"$1"; }
outcomes() { jq -r '.tables.outcomes[] | [.deals, .won, .won_amount, .lost, .lost_amount, .avg_won_cycle_days] | map(tostring) | join(" ")' <<<"$1"; }

# ---- admin: all ten ----
# furthest non-outcome stage each deal reached (a won one: negotiation, all passed):
#   D1 lead, D2 qualified, D3 proposal, D4 negotiation, D5 (won) negotiation,
#   D6 qualified, D7 (won) negotiation, D8 proposal, D9 lead, D10 negotiation
# reached lead: all 10 = 1000+2000+3000+4000+5000+600.50+7000+800+900+100 = 24400.50
# qualified: all but D1, D9 = 8; 24400.50-1000-900 = 22500.50
# proposal: D3 D4 D5 D7 D8 D10 = 6; 3000+4000+5000+7000+800+100 = 19900.00
# negotiation: D4 D5 D7 D10 = 4; 4000+5000+7000+100 = 16100.00
# won (ever at it): D5 D7 = 2; 12000.00.  lost (ever): D6 D8 D9 = 3; 600.50+800+900 = 2300.50
# from first: 10/10 100.0, 8/10 80.0, 6/10 60.0, 4/10 40.0, 2/10 20.0, 3/10 30.0
# from previous (the nearest non-outcome stage before): 100.0, 8/10 80.0, 6/8 75.0,
#   4/6 66.7, won 2/4 50.0, lost (after negotiation) 3/4 75.0
# now: lead D1 D9 = 2, qualified D2 D4 = 2, proposal D3 = 1, negotiation D10 = 1,
#   won D5 D7 = 2, lost D6 D8 = 2; outcomes: 2 won 12000.00, 2 lost 600.50+800 = 1400.50
# times: every stay lasted seconds, 0.0 days; an outcome has no time (null)
# (jq prints the decimals as numbers: 100.0 as 100; the CSV below has the text)
expect_rc 0 as admin --json report funnel
ADMIN=$OUT
WANT='lead 10 24400.50 100 100 0 2
qualified 8 22500.50 80 80 0 2
proposal 6 19900.00 60 75 0 1
negotiation 4 16100.00 40 66.7 0 1
won 2 12000.00 20 50 null 2
lost 3 2300.50 30 75 null 2'
[[ $(stages "$ADMIN") == "$WANT" ]] || fail "admin's stages:
$(stages "$ADMIN")
want
$WANT"
[[ $(outcomes "$ADMIN") == "10 2 12000.00 2 1400.50 0" ]] || fail "admin's outcomes: $(outcomes "$ADMIN")"
[[ $(jq -r .kind <<<"$ADMIN") == funnel ]] || fail "kind: $ADMIN"
contains "$(jq -r .note <<<"$ADMIN")" "10 deals created at any time"
[[ $(jq -r .export_id <<<"$ADMIN") == 0 ]] || fail "a funnel lists no cards, yet it made a read record: $ADMIN"
# the period the deals were created in is the same ten; the year 2000 none
expect_rc 0 as admin --json report funnel --period "$(date +%Y)"
[[ $(stages "$OUT") == "$WANT" ]] || fail "this year's stages: $(stages "$OUT")"
contains "$(jq -r .note <<<"$OUT")" "10 deals created $(date +%Y)-01-01..$(date +%Y)-12-31"

# ---- man: his six; D1..D6 ----
# lead 6 = 1000+2000+3000+4000+5000+600.50 = 15600.50; qualified D2..D6 5 = 14600.50;
# proposal D3 D4 D5 3 = 12000.00; negotiation D4 D5 2 = 9000.00; won D5 1 = 5000.00; lost D6 1 = 600.50
# from first: 100.0, 5/6 83.3, 3/6 50.0, 2/6 33.3, 1/6 16.7, 1/6 16.7
# from previous: 100.0, 5/6 83.3, 3/5 60.0, 2/3 66.7, 1/2 50.0, 1/2 50.0
# now: lead D1, qualified D2 D4, proposal D3, negotiation none, won D5, lost D6
expect_rc 0 as man --json report funnel
MAN=$OUT
WANT_MAN='lead 6 15600.50 100 100 0 1
qualified 5 14600.50 83.3 83.3 0 2
proposal 3 12000.00 50 60 0 1
negotiation 2 9000.00 33.3 66.7 0 0
won 1 5000.00 16.7 50 null 1
lost 1 600.50 16.7 50 null 1'
[[ $(stages "$MAN") == "$WANT_MAN" ]] || fail "man's stages:
$(stages "$MAN")
want
$WANT_MAN"
[[ $(outcomes "$MAN") == "6 1 5000.00 1 600.50 0" ]] || fail "man's outcomes: $(outcomes "$MAN")"

# north's supervisor sees his team's: man's six, the same numbers
expect_rc 0 as sup --json report funnel
[[ $(stages "$OUT") == "$WANT_MAN" ]] || fail "sup's stages: $(stages "$OUT")"
expect_rc 0 as sup --json report funnel --owner man
[[ $(stages "$OUT") == "$WANT_MAN" ]] || fail "sup --owner man: $(stages "$OUT")"
expect_rc 0 as sup --json report funnel --owner man2
[[ $(outcomes "$OUT") == "0 0 0.00 0 0.00 null" ]] || fail "sup --owner man2 (south): $(outcomes "$OUT")"

# the admin's report less man's is exactly man2's four deals (D7..D10), out of man's scope
expect_rc 0 as man2 --json report funnel
MAN2=$OUT
DIFF=$(jq -rn --argjson a "$ADMIN" --argjson m "$MAN" '[range(0; 6) | "\($a.tables.stages[.].reached - $m.tables.stages[.].reached)"] | join(" ")')
[[ $DIFF == "4 3 3 2 1 2" ]] || fail "admin - man: $DIFF"
[[ $(jq -r '[.tables.stages[].reached | tostring] | join(" ")' <<<"$MAN2") == "$DIFF" ]] || fail "man2: $(stages "$MAN2")"
[[ $(outcomes "$MAN2") == "4 1 7000.00 1 800.00 0" ]] || fail "man2's outcomes: $(outcomes "$MAN2")"

# ---- --owner: one manager's deals; someone out of sight, or no one, is no deals ----
expect_rc 0 as admin --json report funnel --owner man
[[ $(stages "$OUT") == "$WANT_MAN" ]] || fail "admin --owner man: $(stages "$OUT")"
contains "$(jq -r .note <<<"$OUT")" "owner man"
expect_rc 0 as man --json report funnel --owner man2
[[ $(outcomes "$OUT") == "0 0 0.00 0 0.00 null" ]] || fail "man --owner man2: $(outcomes "$OUT")"
expect_rc 0 as man --json report funnel --owner nobody
[[ $(outcomes "$OUT") == "0 0 0.00 0 0.00 null" ]] || fail "man --owner nobody: $(outcomes "$OUT")"

# ---- --where: the deals of the cards it matches (M1: D1, D2, D6) ----
# lead 3 = 1000+2000+600.50 = 3600.50; qualified D2 D6 2 = 2600.50; lost D6 1
expect_rc 0 as man --json report funnel --where 'city = Самара'
[[ $(jq -r '[.tables.stages[] | "\(.stage):\(.reached):\(.reached_amount)"] | join(" ")' <<<"$OUT") == \
	"lead:3:3600.50 qualified:2:2600.50 proposal:0:0.00 negotiation:0:0.00 won:0:0.00 lost:1:600.50" ]] ||
	fail "--where: $(stages "$OUT")"

# ---- an empty period: no deals, no conversions ----
expect_rc 0 as admin --json report funnel --period 2000
[[ $(stages "$OUT" | head -1) == "lead 0 0.00 null null null 0" ]] || fail "empty period: $(stages "$OUT")"
[[ $(outcomes "$OUT") == "0 0 0.00 0 0.00 null" ]] || fail "empty period's outcomes: $(outcomes "$OUT")"
contains "$(jq -r .note <<<"$OUT")" "0 deals created 2000-01-01..2000-12-31"

# ---- CSV: the numbers as the server wrote them (one place, kopecks) ----
expect_rc 0 as admin report funnel --csv
# by amount (the amounts that reached each stage, as above, in kopecks):
#   from first: 22500.50/24400.50 = 92.21 -> 92.2; 19900/24400.50 = 81.56 -> 81.6;
#     16100/24400.50 = 65.98 -> 66.0; 12000/24400.50 = 49.18 -> 49.2; 2300.50/24400.50 = 9.43 -> 9.4
#   from previous: 92.2; 19900/22500.50 = 88.44 -> 88.4; 16100/19900 = 80.90 -> 80.9;
#     won 12000/16100 = 74.53 -> 74.5; lost 2300.50/16100 = 14.29 -> 14.3
[[ $(tr -d '\r' <<<"$OUT") == "stage,reached,reached_amount,conversion_from_first,conversion_from_previous,avg_days_in_stage,now_in_stage,amount_conversion_from_first,amount_conversion_from_previous
lead,10,24400.50,100.0,100.0,0.0,2,100.0,100.0
qualified,8,22500.50,80.0,80.0,0.0,2,92.2,92.2
proposal,6,19900.00,60.0,75.0,0.0,1,81.6,88.4
negotiation,4,16100.00,40.0,66.7,0.0,1,66.0,80.9
won,2,12000.00,20.0,50.0,,2,49.2,74.5
lost,3,2300.50,30.0,75.0,,2,9.4,14.3" ]] || fail "csv stages: $OUT"
expect_rc 0 as man report funnel --csv --table outcomes
[[ $(tr -d '\r' <<<"$OUT") == "deals,won,won_amount,lost,lost_amount,avg_won_cycle_days
6,1,5000.00,1,600.50,0.0" ]] || fail "csv outcomes: $OUT"
# text (not a terminal): a plain table
expect_rc 0 as admin report funnel
contains "$OUT" "negotiation"
! grep -q '█' <<<"$OUT" || fail "a picture outside a terminal: $OUT"

# on a terminal: a bar per stage, scaled to the most (lead: 10 of 10, the longest), with the
# count and the conversion from the first, within the terminal's width; NO_COLOR or
# --no-color: the plain table
if command -v script >/dev/null; then
	onterm() {
		KART_HOME=$T/home-admin COLUMNS=60 script -qec "'$KART' -s '$SERVER' --ca '$CA' $*" "$T/typescript" \
			>/dev/null || fail "report on a terminal failed: $(cat "$T/typescript")"
		tr -d '\r' <"$T/typescript"
	}
	PIC=$(onterm report funnel)
	grep -qE '^  lead +█+ +10 +100\.0%$' <<<"$PIC" || fail "no bar for lead: $PIC"
	grep -qE '^  negotiation +█+[▏▎▍▌▋▊▉]? +4 +40\.0%$' <<<"$PIC" || fail "no bar for negotiation: $PIC"
	LEAD=$(grep -E '^  lead ' <<<"$PIC" | grep -o '█' | wc -l)
	NEGO=$(grep -E '^  negotiation ' <<<"$PIC" | grep -o '█' | wc -l)
	((NEGO * 10 <= LEAD * 4 && (NEGO + 1) * 10 > LEAD * 4)) || fail "bars not to scale: $LEAD, $NEGO"
	(($(grep -E '^  (lead|won) ' <<<"$PIC" | wc -L) <= 60)) || fail "wider than the terminal: $PIC"
	contains "$PIC" "Outcomes"
	! grep -q '█' <<<"$(onterm report funnel --no-color)" || fail "--no-color drew bars"
	! grep -q '█' <<<"$(NO_COLOR=1 onterm report funnel)" || fail "NO_COLOR drew bars"
fi

# ---- refused: options of other kinds, a bad period; auditors ----
expect_rc 2 as admin report funnel --period 2026-13
contains "$ERR" "period"
expect_rc 3 as aud report funnel
expect_rc 2 as admin report funnel --days 3
contains "$ERR" "--days"
# the report was audited (no read record: it lists no card)
expect_rc 0 as admin --json audit --action report
jq -e '[.[] | select(.user == "man" and .action == "report" and (tostring | contains("funnel")))] | length >= 1' <<<"$OUT" >/dev/null ||
	fail "man's funnel report not audited: $OUT"

# ---- amounts too large to add up (each at most 92233720368547758.07): the
# report fails, clearly, instead of wrapping ----
expect_rc 0 as man card add --first Большая --last Сумма
BIG=$OUT
deal man "$BIG" 92233720368547758.07 >/dev/null
deal man "$BIG" 92233720368547758.07 >/dev/null
expect_rc 2 as admin report funnel
contains "$ERR" "too large to add up"
one_line "$ERR"
expect_rc 0 as admin --json report funnel --period 2000 # none of them in it
echo "ok report funnel"
