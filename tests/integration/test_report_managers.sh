#!/usr/bin/env bash
# kart report managers: per manager, over the cards of the caller's scope, the
# entries they logged in the period (by author), the cards they created, the
# deals they own opened/won/lost, reminders done in the period and overdue
# now, their last activity before the period's end and their touches day by
# day. Worked examples by hand; the period's boundaries (both days included),
# an empty period, scoping (manager, supervisor, admin), refusals, and no
# read record (the report lists no card).
. "$(dirname "$0")/lib.sh"

init_instance "read_flush_ms = 200"
start_kartd
login_admin
printf 'password-123\n' >"$T/pw"
expect_rc 0 as admin user add m1 --role manager --team north --password-file "$T/pw"
expect_rc 0 as admin user add m2 --role manager --team north --password-file "$T/pw"
expect_rc 0 as admin user add m3 --role manager --team south --password-file "$T/pw"
expect_rc 0 as admin user add sup --role supervisor --team north --password-file "$T/pw"
for u in m1 m2 m3 sup; do expect_rc 0 as $u login $u --password-file "$T/pw"; done

day() { date -d "$1 days" +%F; }                       # a local day, N days from today
noon() { printf '%sT12:00:00%s' "$(day "$1")" "$(date +%:z)"; } # its local noon, as an instant
TODAY=$(day 0)

expect_rc 0 as m1 card add --first Анна --last Первая
A=$OUT
expect_rc 0 as m2 card add --first Борис --last Второй
B=$OUT
expect_rc 0 as m3 card add --first Вера --last Третья
C=$OUT

# the timeline (author: who logs)
expect_rc 0 as m1 log "$A" call --text c1 --at "$(noon -3)"
expect_rc 0 as m1 log "$A" call --text c2 --at "$(noon -3)"
expect_rc 0 as m1 log "$A" meeting --text m --at "$(noon -10)"
expect_rc 0 as m1 log "$A" purchase --amount 100 --at "$(noon -40)"
expect_rc 0 as admin log "$A" note --text n --at "$(noon -2)"
expect_rc 0 as m2 log "$B" email --text e --at "$(noon -1)"
expect_rc 0 as m3 log "$C" call --text c --at "$(noon -5)"

# deals (by owner): m1 won 1000 and 250, lost one, one open; m2 won 200
deal() { # card amount stage(or "")
	expect_rc 0 as "$1" deal add "$2" --title t --amount "$3"
	local id=$OUT
	[[ -z $4 ]] || expect_rc 0 as "$1" deal move "$id" --stage "$4"
}
deal m1 "$A" 1000 won
deal m1 "$A" 250 won
deal m1 "$A" 500 lost
deal m1 "$A" 70 ""
deal m2 "$B" 200 won

# reminders: m1 one overdue (yesterday), one done now; m2 one due tomorrow
expect_rc 0 as m1 remind "$A" --at "$(noon -1)" --text overdue --past
expect_rc 0 as m1 remind "$A" --at "$(noon 2)" --text later
expect_rc 0 as m1 remind done "$OUT"
expect_rc 0 as m2 remind "$B" --at "$(noon 1)" --text soon

# the series of the default period: 30 days, today-29 .. today; index i is today-29+i
series() { # "offset:count ..." -> a JSON array of n days ending today
	local n=$1
	shift
	local -a v
	for ((i = 0; i < n; i++)); do v[i]=0; done
	for kv in "$@"; do v[$((n - 1 + ${kv%%:*}))]=${kv#*:}; done
	local IFS=,
	echo "[${v[*]}]"
}
pick='[.tables.managers[] | [.manager, .calls, .meetings, .emails, .notes, .purchases, .new_cards,
	.deals_opened, .deals_won, .deals_lost, .won_amount, .conversion, .reminders_done,
	.reminders_overdue, .last_activity, .daily]]'

# ---- admin, the last 30 days ----
# admin: the note at -2 (1 touch then); no cards, deals or reminders; last activity -2.
# m1: calls 2 (-3), meeting 1 (-10); the purchase at -40 is before the period;
#   1 card; 4 deals opened today, won 2 (1000 + 250 = 1250.00), lost 1:
#   conversion 2 / 3 = 66.666..% -> 66.7; done 1 (today), overdue 1; last today.
# m2: email 1 (-1); 1 card; deal won 200.00 -> 1 / 1 = 100.0%; the reminder due
#   tomorrow is not overdue; last today.
# m3: call 1 (-5); 1 card; no deals: conversion empty (null); last today.
# sup did nothing: no row for an admin.
expect_rc 0 as admin --json report managers
[[ $(jq -r .kind <<<"$OUT") == managers ]] || fail "kind: $OUT"
[[ $(jq .export_id <<<"$OUT") == 0 ]] || fail "a managers report lists no card, so no read record: $OUT"
GOT=$(jq -c "$pick" <<<"$OUT")
WANT=$(jq -cn --arg t "$TODAY" --arg d2 "$(day -2)" \
	--argjson sa "$(series 30 -2:1)" --argjson s1 "$(series 30 -10:1 -3:2)" \
	--argjson s2 "$(series 30 -1:1)" --argjson s3 "$(series 30 -5:1)" \
	'[["admin",0,0,0,1,0,0,0,0,0,"0.00",null,0,0,$d2,$sa],
	  ["m1",2,1,0,0,0,1,4,2,1,"1250.00",66.7,1,1,$t,$s1],
	  ["m2",0,0,1,0,0,1,1,1,0,"200.00",100.0,0,0,$t,$s2],
	  ["m3",1,0,0,0,0,1,0,0,0,"0.00",null,0,0,$t,$s3]]')
[[ $GOT == "$WANT" ]] || fail "admin, 30 days:
 got  $GOT
 want $WANT"
contains "$(jq -r .note <<<"$OUT")" "4 managers"

# ---- m1 (own cards): only what happened on A, by whoever did it; m1's row always ----
expect_rc 0 as m1 --json report managers
GOT=$(jq -c "$pick" <<<"$OUT")
WANT=$(jq -cn --arg t "$TODAY" --arg d2 "$(day -2)" --argjson sa "$(series 30 -2:1)" --argjson s1 "$(series 30 -10:1 -3:2)" \
	'[["admin",0,0,0,1,0,0,0,0,0,"0.00",null,0,0,$d2,$sa],
	  ["m1",2,1,0,0,0,1,4,2,1,"1250.00",66.7,1,1,$t,$s1]]')
[[ $GOT == "$WANT" ]] || fail "m1: got $GOT want $WANT"

# ---- sup (team north: A and B): m3's card left out; sup's own row with zeros ----
expect_rc 0 as sup --json report managers
[[ $(jq -c '[.tables.managers[].manager]' <<<"$OUT") == '["admin","m1","m2","sup"]' ]] || fail "sup's rows: $OUT"
[[ $(jq -c '.tables.managers[3] | [.calls, .new_cards, .deals_won, .last_activity, (.daily | add)]' <<<"$OUT") == '[0,0,0,null,0]' ]] ||
	fail "sup's own row: $OUT"
# --where narrows the cards: only B
expect_rc 0 as sup --json report managers --where "id = $B"
[[ $(jq -c '[.tables.managers[] | [.manager, .emails, .new_cards, .deals_won]]' <<<"$OUT") == '[["m1",0,0,0],["m2",1,1,1],["sup",0,0,0]]' ]] ||
	fail "sup --where: $OUT"

# ---- a period of days, both ends included: -10 .. -3 (8 days, the series all of them) ----
# in: m1's calls at -3 (the last day) and meeting at -10 (the first); m3's call at -5.
# out: the note at -2, the email at -1, everything done today; m1's overdue reminder
#   is "now", so m1 has a row anyway. m1's last activity before the end: -3; m3's: -5.
expect_rc 0 as admin --json report managers --period "$(day -10)..$(day -3)"
GOT=$(jq -c '[.tables.managers[] | [.manager, .calls, .meetings, .new_cards, .deals_opened, .reminders_done, .reminders_overdue, .last_activity, .daily]]' <<<"$OUT")
WANT=$(jq -cn --arg a "$(day -3)" --arg b "$(day -5)" '[["m1",2,1,0,0,0,1,$a,[1,0,0,0,0,0,0,2]],["m3",1,0,0,0,0,0,$b,[0,0,0,0,0,1,0,0]]]')
[[ $GOT == "$WANT" ]] || fail "period -10..-3: got $GOT want $WANT"
# one day less at each end: -9 .. -4 leaves only the overdue reminder
expect_rc 0 as admin --json report managers --period "$(day -9)..$(day -4)"
[[ $(jq -c '[.tables.managers[] | [.manager, .calls, .meetings, .reminders_overdue]]' <<<"$OUT") == '[["m1",0,0,1],["m3",1,0,0]]' ]] ||
	fail "period -9..-4: $OUT"
# an empty period: nothing but what is overdue now; a manager still has a row of zeros
expect_rc 0 as admin --json report managers --period 2001-01
[[ $(jq -c '[.tables.managers[] | [.manager, .calls, .reminders_overdue, .last_activity, (.daily | length)]]' <<<"$OUT") == '[["m1",0,1,null,31]]' ]] ||
	fail "empty period: $OUT"
expect_rc 0 as m3 --json report managers --period 2001-01
[[ $(jq -c '[.tables.managers[] | [.manager, .calls, .last_activity]]' <<<"$OUT") == '[["m3",0,null]]' ]] || fail "m3 empty: $OUT"
# a long period: the series is its last 60 days
expect_rc 0 as admin --json report managers --period 1y
[[ $(jq '.tables.managers[0].daily | length' <<<"$OUT") == 60 ]] || fail "series cap: $OUT"
contains "$(jq -r .note <<<"$OUT")" "60 days"

# ---- CSV and text ----
expect_rc 0 as admin report managers --csv
head -n 1 <<<"$OUT" | grep -q $'^manager,calls,meetings,emails,notes,purchases,new_cards,deals_opened,deals_won,deals_lost,won_amount,conversion,reminders_done,reminders_overdue,last_activity,daily\r$' ||
	fail "csv header: $OUT"
contains "$OUT" "m1,2,1,0,0,0,1,4,2,1,1250.00,66.7,1,1,$TODAY,"
expect_rc 0 as admin report managers
contains "$OUT" "MANAGER"
[[ $OUT != *▁* && $OUT != *█* ]] || fail "blocks in a pipe: $OUT"
# the picture, on a terminal (script fakes one)
if command -v script >/dev/null; then
	KART_HOME=$T/home-admin script -qec "'$KART' -s '$SERVER' --ca '$CA' report managers" "$T/typescript" >"$T/pic.out" 2>&1 </dev/null ||
		fail "the picture: $(cat "$T/pic.out")"
	PIC=$(cat "$T/pic.out")
	[[ $PIC == *m1* && $PIC == *▂* || $PIC == *m1*█* ]] || fail "picture: $PIC"
else
	echo "no script(1): the picture on a terminal not checked"
fi

# ---- refused: bad options, nothing recorded ----
expect_rc 0 as admin --json audit --action report
N=$(jq length <<<"$OUT")
expect_rc 2 as admin report managers --period 2026-13
contains "$ERR" "period"
one_line "$ERR"
expect_rc 2 as admin report managers --period "$(day -1)..$(day -3)"
contains "$ERR" "period"
expect_rc 2 as admin report managers --days 3
expect_rc 2 as admin report managers --min-total 5
expect_rc 2 as admin report managers --where 'nosuchfield = 1'
contains "$ERR" "nosuchfield"
expect_rc 0 as admin --json audit --action report
[[ $(jq length <<<"$OUT") == "$N" ]] || fail "a refused report was audited: $OUT"

# ---- a walk over several read transactions (a fresh one every 4096 keys):
# 5000 timeline entries read whole, twice; each renewal's cursor is
# freed (under ASan, kartd's exit at the end finds a leaked one) ----
BENCH=("$KART_BENCH" -s "$SERVER" --ca "$CA" --password-file "$ADMIN_PW" --pid "$KARTD_PID")
"${BENCH[@]}" --load 300 --managers 2 --timeline 5000 --conns 1 >"$T/load.out" 2>&1 ||
	fail "kart-bench --load --timeline: $(cat "$T/load.out")"
contains "$(cat "$T/load.out")" "timeline: 5000 entries in"
for run in 1 2; do
	expect_rc 0 as admin --json report managers --period "$(day -800)..$TODAY"
	jq -e '[.. | strings | select(. == "mgr01" or . == "mgr02")] | unique | length == 2' <<<"$OUT" >/dev/null ||
		fail "run $run: no rows for the generated managers: $OUT"
done

# ---- a won amount too large to add up: the report fails, clearly ----
expect_rc 0 as m3 card add --first Большая --last Сумма
BIG=$OUT
deal m3 "$BIG" 92233720368547758.07 won
expect_rc 0 as admin --json report managers
deal m3 "$BIG" 92233720368547758.07 won
expect_rc 2 as admin report managers
contains "$ERR" "too large to add up"
one_line "$ERR"
stop_kartd # under ASan: no leak at the exit
echo "report managers: ok"
