#!/usr/bin/env bash
# kart report abc: clients ranked by revenue in the period, ABC by the
# cumulative share (the client itself counted: A while <= 80%, B while
# <= 95%, C the rest), XYZ by the coefficient of variation over the months
# (or quarters) of the period (X <= 10%, Y <= 25%, Z above), the 3x3 matrix
# and the Pareto table — held against a worked example computed by hand.
. "$(dirname "$0")/lib.sh"

init_instance "read_flush_ms = 200"
start_kartd
login_admin
report_cast
# buy WHO ID MONTH:AMOUNT... — purchases on the 15th of months of 2025
buy() {
	local who=$1 id=$2 ma
	shift 2
	for ma in "$@"; do
		expect_rc 0 as "$who" log "$id" purchase --amount "${ma#*:}" --at "2025-${ma%%:*}-15"
	done
}

# The worked example: January..June 2025 (k = 6 months), total 10000.00.
#   client revenue  share  cum    ABC  months (Jan..Jun)            CV
#   C1     3000     30.0   30.0   A    500 x6                        0      X
#   C2     2500     25.0   55.0   A    400 x5, 500                   8.9    X
#   C3     2000     20.0   75.0   A    300 x4, 400 x2                14.1   Y
#   C4      800      8.0   83.0   B    400, 400 (Jan, Feb)           141.4  Z   crosses 80%: B
#   C5      600      6.0   89.0   B    110,90,110,90,110,90          10.0   X   CV exactly 10%: X
#   C6      600      6.0   95.0   B    125,75,125,75,125,75          25.0   Y   tie with C5 (id after it); cum exactly 95%: B
#   C7      300      3.0   98.0   C    55.02,44.98 x3                10.0   Y   CV 10.04%: shown 10.0, but Y
#   C8      100      1.0   99.0   C    100 (Mar)                     223.6  Z
#   C9       50      0.5   99.5   C    25, 25 (Jan, Feb)             141.4  Z
#   C10      50      0.5  100.0   C    50 (Jun)                      223.6  Z   man2's; tie with C9
# CV^2 = (k*Q - S^2) / S^2 with S = sum, Q = sum of squares over the 6 months:
#   C2: S=2500, Q=5*400^2+500^2=1050000, kQ=6300000, S^2=6250000, D=50000, sqrt(D)/S=223.607/2500=8.94%
#   C3: S=2000, Q=4*300^2+2*400^2=680000, kQ=4080000, D=80000, 282.84/2000=14.14%
#   C4: S=800, Q=2*400^2=320000, kQ=1920000, D=1280000, 1131.37/800=141.42%
#   C5: S=600, Q=3*110^2+3*90^2=60600, kQ=363600, D=3600, 60/600=10% exactly (100kQ = 101S^2 = 36360000)
#   C6: S=600, Q=3*125^2+3*75^2=63750, kQ=382500, D=22500, 150/600=25% exactly (16kQ = 17S^2 = 6120000)
#   C7: in kopecks S=30000, Q=3*5502^2+3*4498^2=151512024, kQ=909072144, D=9072144=3012^2, 3012/30000=10.04%
#   one purchase of six months: CV = sqrt(5) = 223.6%; two equal of six: sqrt(2) = 141.4%
# The share and the CV are rounded half up to tenths; the classes use the exact values.
C1=$(add man --first Первый --last Клиент --city Самара)
C2=$(add man --first Второй --last Клиент)
C3=$(add man --first Третий --last Клиент)
C4=$(add man --first Четвёртый --last Клиент --city Самара)
C5=$(add man --first Пятый --last Клиент)
C6=$(add man --first Шестой --last Клиент)
C7=$(add man --first Седьмой --last Клиент)
C8=$(add man --first Восьмой --last Клиент)
C9=$(add man --first Девятый --last Клиент)
C10=$(add man2 --first Десятый --last Клиент)
C11=$(add man2 --first Прошлый --last Клиент) # purchases outside the period only: not listed
buy man "$C1" 01:500 02:500 03:500 04:500 05:500 06:500
buy man "$C2" 01:400 02:400 03:400 04:400 05:400 06:500 07:999 # July: outside
expect_rc 0 as man log "$C2" purchase --amount 777 --at 2024-12-31 # the day before: outside
expect_rc 0 as man log "$C2" call --text 'не покупка' --at 2025-03-01
buy man "$C3" 01:300 02:300 03:300 04:300 05:400 06:400
buy man "$C4" 01:400 02:400
buy man "$C5" 01:110 02:90 03:110 04:90 05:110 06:90
buy man "$C6" 01:125 02:75 03:125 04:75 05:125 06:75
buy man "$C7" 01:55.02 02:44.98 03:55.02 04:44.98 05:55.02 06:44.98
buy man "$C8" 03:100
buy man "$C9" 01:25 02:25
buy man2 "$C10" 06:50
buy man2 "$C11" 08:1000
P=2025-01-01..2025-06-30

# ---- admin: the whole example ----
expect_rc 0 as admin --json report abc --period $P
ROWS=$(jq -c '[.tables.clients[] | [.card_id, .revenue, .share, .cumulative_share, .abc, .cv, .xyz]]' <<<"$OUT")
WANT=$(jq -cn --argjson c1 "$C1" --argjson c2 "$C2" --argjson c3 "$C3" --argjson c4 "$C4" --argjson c5 "$C5" \
	--argjson c6 "$C6" --argjson c7 "$C7" --argjson c8 "$C8" --argjson c9 "$C9" --argjson c10 "$C10" '[
	[$c1, "3000.00", 30.0, 30.0, "A", 0.0, "X"],
	[$c2, "2500.00", 25.0, 55.0, "A", 8.9, "X"],
	[$c3, "2000.00", 20.0, 75.0, "A", 14.1, "Y"],
	[$c4, "800.00", 8.0, 83.0, "B", 141.4, "Z"],
	[$c5, "600.00", 6.0, 89.0, "B", 10.0, "X"],
	[$c6, "600.00", 6.0, 95.0, "B", 25.0, "Y"],
	[$c7, "300.00", 3.0, 98.0, "C", 10.0, "Y"],
	[$c8, "100.00", 1.0, 99.0, "C", 223.6, "Z"],
	[$c9, "50.00", 0.5, 99.5, "C", 141.4, "Z"],
	[$c10, "50.00", 0.5, 100.0, "C", 223.6, "Z"]]')
[[ $ROWS == "$WANT" ]] || fail "admin's clients: $ROWS, want $WANT"
# the buckets: whole roubles per month, oldest first (55.02 -> 55, 44.98 -> 45)
[[ $(jq -c '.tables.clients[1].buckets' <<<"$OUT") == '[400,400,400,400,400,500]' ]] || fail "C2's buckets: $OUT"
[[ $(jq -c '.tables.clients[3].buckets' <<<"$OUT") == '[400,400,0,0,0,0]' ]] || fail "C4's buckets: $OUT"
[[ $(jq -c '.tables.clients[6].buckets' <<<"$OUT") == '[55,45,55,45,55,45]' ]] || fail "C7's buckets: $OUT"
[[ $(jq -r '.tables.clients[0].client' <<<"$OUT") == 'Клиент Первый' ]] || fail "client: $OUT"
[[ $(jq -r '.tables.clients[9].owner' <<<"$OUT") == man2 ]] || fail "owner: $OUT"
# the matrix: every cell, A..C by X..Z
MATRIX=$(jq -c '[.tables.matrix[] | [.abc, .xyz, .clients, .revenue]]' <<<"$OUT")
[[ $MATRIX == '[["A","X",2,"5500.00"],["A","Y",1,"2000.00"],["A","Z",0,"0.00"],["B","X",1,"600.00"],["B","Y",1,"600.00"],["B","Z",1,"800.00"],["C","X",0,"0.00"],["C","Y",1,"300.00"],["C","Z",3,"200.00"]]' ]] ||
	fail "matrix: $MATRIX"
# Pareto: 20 steps of 5% of the 10 clients, the top ceil(10*s/20): one client every other step
PARETO=$(jq -c '[.tables.pareto[] | [.clients_share, .clients, .cumulative_share]]' <<<"$OUT")
[[ $PARETO == "$(jq -c . <<<'[[5.0,1,30.0],[10.0,0,30.0],[15.0,1,55.0],[20.0,0,55.0],[25.0,1,75.0],[30.0,0,75.0],[35.0,1,83.0],[40.0,0,83.0],[45.0,1,89.0],[50.0,0,89.0],[55.0,1,95.0],[60.0,0,95.0],[65.0,1,98.0],[70.0,0,98.0],[75.0,1,99.0],[80.0,0,99.0],[85.0,1,99.5],[90.0,0,99.5],[95.0,1,100.0],[100.0,0,100.0]]')" ]] ||
	fail "pareto: $PARETO"
[[ $(jq -c '[.tables.pareto[0] | .revenue, .revenue_share]' <<<"$OUT") == '["3000.00",30]' ]] || fail "pareto's first step: $OUT"
NOTE=$(jq -r .note <<<"$OUT")
contains "$NOTE" "10 clients with purchases in 2025-01-01..2025-06-30, revenue 10000.00; A 3, B 3, C 4; XYZ over 6 months 2025-01..2025-06"
XID=$(jq -r .export_id <<<"$OUT")
[[ $XID -gt 0 ]] || fail "no read record: $OUT"

# ---- scope: man sees the same but man2's cards (C10); the ranking is his own ----
expect_rc 0 as man --json report abc --period $P
MINE=$(jq -c '[.tables.clients[].card_id] | sort' <<<"$OUT")
ALL=$(jq -c '[.[][0]] | sort' <<<"$ROWS")
[[ $(jq -cn --argjson all "$ALL" --argjson mine "$MINE" '$all - $mine') == "[$C10]" && $(jq length <<<"$MINE") == 9 ]] ||
	fail "man's clients: $MINE of $ALL"
contains "$(jq -r .note <<<"$OUT")" "9 clients"
contains "$(jq -r .note <<<"$OUT")" "revenue 9950.00"
# man2 sees only C10: one client of 100% (cum 100% > 95%: C; one purchase in six months: Z)
expect_rc 0 as man2 --json report abc --period $P
[[ $(jq -c '[.tables.clients[] | [.card_id, .share, .abc, .xyz]]' <<<"$OUT") == "[[$C10,100,\"C\",\"Z\"]]" ]] || fail "man2: $OUT"

# ---- --where: C1 and C4 live in Самара; total 3800: C1 78.9% A, C4 crosses 80% and 95%: C ----
#   3000/3800 = 78.947 -> 78.9; 800/3800 = 21.05 -> 21.1
expect_rc 0 as man --json report abc --period $P --where 'city = Самара'
[[ $(jq -c '[.tables.clients[] | [.card_id, .share, .cumulative_share, .abc]]' <<<"$OUT") == "$(jq -c . <<<"[[$C1,78.9,78.9,\"A\"],[$C4,21.1,100.0,\"C\"]]")" ]] ||
	fail "--where: $OUT"

# ---- one bucket (March): every CV is 0, every client X ----
#   March: C1 500, C2 400, C3 300, C5 110, C6 125, C7 55.02, C8 100 -> 1590.02
expect_rc 0 as admin --json report abc --period 2025-03
[[ $(jq -c '[.tables.clients[] | .xyz] | unique' <<<"$OUT") == '["X"]' && $(jq -c '[.tables.clients[] | .cv] | unique' <<<"$OUT") == '[0]' ]] ||
	fail "one month: $OUT"
[[ $(jq -c '[.tables.clients[] | .card_id]' <<<"$OUT") == "[$C1,$C2,$C3,$C6,$C5,$C8,$C7]" ]] || fail "March's ranking: $OUT"
[[ $(jq -c '.tables.clients[0].buckets' <<<"$OUT") == '[500]' ]] || fail "one bucket: $OUT"
contains "$(jq -r .note <<<"$OUT")" "XYZ over 1 month 2025-03"

# ---- --by quarter: Q1 and Q2 ----
#   C1 1500,1500: 0 X; C3 900,1100: sigma 100 of mean 1000: 10.0 X; C4 800,0: sqrt(1) = 100.0 Z
#   C5 310,290: 10/300 = 3.3 X; C6 325,275: 25/300 = 8.3 X; C8 100,0: 100.0 Z
expect_rc 0 as admin --json report abc --period $P --by quarter
Q=$(jq -c --argjson c1 "$C1" --argjson c3 "$C3" --argjson c4 "$C4" --argjson c5 "$C5" --argjson c6 "$C6" \
	'[.tables.clients[] | select(.card_id == ($c1, $c3, $c4, $c5, $c6)) | [.cv, .xyz, .buckets]]' <<<"$OUT")
[[ $Q == "$(jq -c . <<<'[[0.0,"X",[1500,1500]],[10.0,"X",[900,1100]],[100.0,"Z",[800,0]],[3.3,"X",[310,290]],[8.3,"X",[325,275]]]')" ]] ||
	fail "--by quarter: $Q"
contains "$(jq -r .note <<<"$OUT")" "XYZ over 2 quarters 2025-Q1..2025-Q2"
# a period that cuts months: its first and last months count whole (3 buckets)
expect_rc 0 as admin --json report abc --period 2025-01-20..2025-03-10
[[ $(jq -c '.tables.clients[0].buckets' <<<"$OUT") == '[0,500,0]' ]] || fail "partial months: $OUT"
contains "$(jq -r .note <<<"$OUT")" "(partial ones whole)"

# ---- an empty period: no clients, empty tables, no record, a clear note ----
expect_rc 0 as admin --json report abc --period 2020
[[ $(jq -c '[.tables.clients, .tables.matrix, .tables.pareto]' <<<"$OUT") == '[[],[],[]]' && $(jq .export_id <<<"$OUT") == 0 ]] ||
	fail "empty: $OUT"
contains "$(jq -r .note <<<"$OUT")" "no client with purchases in 2020-01-01..2020-12-31"
expect_rc 0 as admin report abc --period 2020
contains "$OUT" "no client with purchases"
contains "$OUT" "(none)"

# ---- CSV: each table ----
expect_rc 0 as admin report abc --period $P --csv
head -n 1 <<<"$OUT" | grep -q $'^card_id,client,owner,revenue,share,cumulative_share,abc,cv,xyz,buckets\r$' || fail "csv header: $OUT"
contains "$OUT" "$C2,Клиент Второй,man,2500.00,25.0,55.0,A,8.9,X,\"400,400,400,400,400,500\""
expect_rc 0 as admin report abc --period $P --csv --table matrix
[[ $(tr -d '\r' <<<"$OUT" | sed -n '1p;2p;10p' | paste -sd'|') == 'abc,xyz,clients,revenue|A,X,2,5500.00|C,Z,3,200.00' ]] || fail "csv matrix: $OUT"
expect_rc 0 as admin report abc --period $P --csv --table pareto
[[ $(tr -d '\r' <<<"$OUT" | sed -n '1p;2p;21p' | paste -sd'|') == 'clients_share,clients,revenue,revenue_share,cumulative_share|5.0,1,3000.00,30.0,30.0|100.0,0,0.00,0.0,100.0' ]] ||
	fail "csv pareto: $OUT"
# text (not a terminal): tables, no drawing
expect_rc 0 as admin report abc --period $P
contains "$OUT" "Клиент Первый"
if grep -q '[█▓▒░▏]' <<<"$OUT"; then fail "drawing in a pipe: $OUT"; fi
# on a terminal the pictures are drawn (script fakes one); --no-color gives plain tables
if command -v script >/dev/null; then
	script -qec "KART_HOME=$T/home-admin $KART -s $SERVER --ca $CA report abc --period $P" "$T/typescript" >"$T/tty.out" 2>&1 </dev/null || true
	grep -q '80%' "$T/tty.out" || fail "the Pareto picture: $(cat "$T/tty.out")"
	grep -q '[█▓▒░]' "$T/tty.out" || fail "no picture on a terminal: $(cat "$T/tty.out")"
	script -qec "KART_HOME=$T/home-admin $KART -s $SERVER --ca $CA report abc --period $P --no-color" "$T/typescript" >"$T/tty2.out" 2>&1 </dev/null || true
	if grep -q '[█▓▒░▏]' "$T/tty2.out"; then fail "--no-color drew: $(cat "$T/tty2.out")"; fi
else
	echo "note: no script(1); the pictures were not drawn"
fi

# ---- the read record ----
expect_rc 0 as admin --json exports
jq -e --argjson x "$XID" '.[] | select(.id == $x) | .format == "report abc" and .user == "admin" and .cards == 10' <<<"$OUT" >/dev/null ||
	fail "the report's record: $OUT"

# ---- refused, nothing recorded ----
N=$(jq length <<<"$OUT")
expect_rc 2 as admin report abc --period 2025-13
contains "$ERR" "period"
one_line "$ERR"
expect_rc 2 as admin report abc --period 2025-06-30..2025-01-01
contains "$ERR" "period"
expect_rc 2 as admin report abc --period 1900-01-01..2025-01-01
contains "$ERR" "100 years"
expect_rc 2 as admin report abc --by week
contains "$ERR" "by"
one_line "$ERR"
expect_rc 2 as admin report abc --days 5
expect_rc 2 as admin report abc --window 12m
expect_rc 2 as admin report abc --where 'nosuchfield = 1'
contains "$ERR" "nosuchfield"
expect_rc 2 as admin report abc --csv --table nosuch
expect_rc 0 as admin --json exports
[[ $(jq length <<<"$OUT") == "$N" ]] || fail "a refused report was recorded: $OUT"
# ---- a card in the trash keeps its timeline but is no client: C9 goes, the rest stay ----
expect_rc 0 as man card rm "$C9"
expect_rc 0 as admin --json report abc --period $P
[[ $(jq -c '[.tables.clients[].card_id]' <<<"$OUT") == "[$C1,$C2,$C3,$C4,$C5,$C6,$C7,$C8,$C10]" ]] || fail "trashed C9: $OUT"
contains "$(jq -r .note <<<"$OUT")" "revenue 9950.00"
expect_rc 0 as man --json report abc --period $P
[[ $(jq -c '.tables.clients | length' <<<"$OUT") == 8 ]] || fail "man, C9 trashed: $OUT"
[[ -z ${SHOW_PICTURES:-} ]] || cat "$T/tty.out" >&2
echo "report abc: ok"
