#!/usr/bin/env bash
# kart report rfm: recency, frequency and money of each client's purchases up
# to --at, scored 1-5 by NTILE(5) (ties by card id), placed in segments of the
# R x F grid; over the caller's cards only; --window; fewer than 5 clients;
# clients without a purchase left out; --save-segment and --to-field (and
# their refusals, with nothing written); the read record; sums too large to add
# up refused.
. "$(dirname "$0")/lib.sh"

init_instance "read_flush_ms = 200"
start_kartd
login_admin
report_cast
# buy WHO CARD DAY AMOUNT: a purchase at noon of DAY (the client's zone)
buy() {
	expect_rc 0 as "$1" log "$2" purchase --amount "$4" --at "$3 12:00"
}

# The cast, created in this order (card ids ascending C1 < C2 < ... < C11).
# DATE is 2026-06-30; the default window 365d is 2025-07-01..2026-06-30.
#   card  owner  purchases (day: amount)                         R days  F  M
#   C1    man    06-28:100 05-01:200 03-01:300 2026-01-10:400        2   4  1000.00
#   C2    man    06-20:50 06-10:50 06-01:50                          10   3  150.00
#   C3    man    06-29:5000                                          1   1  5000.00
#   C4    man    04-01 02-01 2025-12-01 2025-10-01 2025-08-01:100   90   5  500.00
#   C5    man    03-01:700 01-01:700                               121   2  1400.00
#   C6    man    2025-09-01:80                                     302   1  80.00
#   C7    man    2024-05-01:9999 (before the window)               790   0  0.00
#   C8    man    none (a call only): not scored
#   C9    man2   06-15:300 05-15:300                                15   2  600.00
#   C10   man2   2025-12-31:250, 2026-08-01:1000 (after DATE)      181   1  250.00
#   C11   man    06-10:120 2025-11-11:30                            20   2  150.00
C1=$(add man --first Анна --last Первая --city Самара)
C2=$(add man --first Борис --last Второй --city Самара)
C3=$(add man --first Вера --last Третья)
C4=$(add man --first Глеб --last Четвёртый)
C5=$(add man --first Дарья --last Пятая)
C6=$(add man --first Егор --last Шестой)
C7=$(add man --first Жанна --last Седьмая)
C8=$(add man --first Зоя --last Безпокупок)
C9=$(add man2 --first Иван --last Девятый)
C10=$(add man2 --first Кира --last Десятая)
C11=$(add man --first Лев --last Одиннадцатый)
buy man "$C1" 2026-06-28 100
buy man "$C1" 2026-05-01 200
buy man "$C1" 2026-03-01 300
buy man "$C1" 2026-01-10 400
buy man "$C2" 2026-06-20 50
buy man "$C2" 2026-06-10 50
buy man "$C2" 2026-06-01 50
buy man "$C3" 2026-06-29 5000
for d in 2026-04-01 2026-02-01 2025-12-01 2025-10-01 2025-08-01; do buy man "$C4" $d 100; done
buy man "$C5" 2026-03-01 700
buy man "$C5" 2026-01-01 700
buy man "$C6" 2025-09-01 80
buy man "$C7" 2024-05-01 9999
expect_rc 0 as man log "$C8" call --text 'звонок' --at '2026-06-01 12:00'
buy man2 "$C9" 2026-06-15 300
buy man2 "$C9" 2026-05-15 300
buy man2 "$C10" 2025-12-31 250
buy man2 "$C10" 2026-08-01 1000
buy man "$C11" 2026-06-10 120
buy man "$C11" 2025-11-11 30

# rows as [card_id, r_days, frequency, monetary, r, f, m, segment], by card id
rows() { jq -c '[.tables.clients[] | [.card_id, .r_days, .frequency, .monetary, .r, .f, .m, .segment]] | sort_by(.[0])' <<<"$OUT"; }
ids() { jq -c --argjson m "$(printf '{"C1":%s,"C2":%s,"C3":%s,"C4":%s,"C5":%s,"C6":%s,"C7":%s,"C9":%s,"C10":%s,"C11":%s}' \
	"$C1" "$C2" "$C3" "$C4" "$C5" "$C6" "$C7" "$C9" "$C10" "$C11")" '[.[] | .[0] = $m[.[0]]]'; }

# ---- admin: the ten clients with a purchase, n = 10, two per bucket ----
# R (last purchase ascending = days descending, ties by id):
#   C7 790, C6 302 -> 1; C10 181, C5 121 -> 2; C4 90, C11 20 -> 3; C9 15, C2 10 -> 4; C1 2, C3 1 -> 5
# F (ascending, ties by id): C7 0, C3 1 -> 1; C6 1, C10 1 -> 2; C5 2, C9 2 -> 3; C11 2, C2 3 -> 4;
#   C1 4, C4 5 -> 5   (F = 2 is tied across buckets 3 and 4: the lower ids get 3)
# M: C7 0, C6 80 -> 1; C2 150, C11 150 -> 2 (tied); C10 250, C4 500 -> 3; C9 600, C1 1000 -> 4;
#   C5 1400, C3 5000 -> 5
# segments: C1 R5F5 champions; C2 R4F4 loyal; C3 R5F1 new; C4 R3F5 loyal; C5 R2F3 at_risk;
#   C6 R1F2 hibernating; C7 R1F1 lost; C9 R4F3 potential_loyalists; C10 R2F2 hibernating;
#   C11 R3F4 loyal
expect_rc 0 as admin --json report rfm --at 2026-06-30
[[ $(jq -r .kind <<<"$OUT") == rfm ]] || fail "kind: $OUT"
WANT='[["C1",2,4,"1000.00",5,5,4,"champions"],["C2",10,3,"150.00",4,4,2,"loyal"],["C3",1,1,"5000.00",5,1,5,"new"],["C4",90,5,"500.00",3,5,3,"loyal"],["C5",121,2,"1400.00",2,3,5,"at_risk"],["C6",302,1,"80.00",1,2,1,"hibernating"],["C7",790,0,"0.00",1,1,1,"lost"],["C9",15,2,"600.00",4,3,4,"potential_loyalists"],["C10",181,1,"250.00",2,2,3,"hibernating"],["C11",20,2,"150.00",3,4,2,"loyal"]]'
WANT=$(ids <<<"$WANT" | jq -c 'sort_by(.[0])')
[[ $(rows) == "$WANT" ]] || fail "admin's rfm: $(rows), want $WANT"
# C8 (no purchase) is not in the table; the last purchase is the day's
jq -e --argjson c "$C8" '[.tables.clients[].card_id] | index($c) == null' <<<"$OUT" >/dev/null || fail "C8 listed: $OUT"
[[ $(jq -r --argjson c "$C10" '.tables.clients[] | select(.card_id == $c) | .last_purchase' <<<"$OUT") == 2025-12-31 ]] ||
	fail "C10's last purchase: $OUT"
[[ $(jq -r --argjson c "$C1" '.tables.clients[] | select(.card_id == $c) | .client + "|" + .owner' <<<"$OUT") == "Первая Анна|man" ]] ||
	fail "C1's client and owner: $OUT"
# segments: 10 clients, revenue 9130.00 (1000+150+5000+500+1400+80+0+600+250+150);
#   loyal: C2, C4, C11 = 3 clients (30.0 %), 800.00 (800/9130 = 8.76 % -> 8.8)
#   hibernating: C6, C10 = 2 (20.0 %), 330.00 (3.61 % -> 3.6); cant_lose: none (0.0)
SEG=$(jq -c '[.tables.segments[] | [.segment, .clients, .revenue, .clients_share, .revenue_share]]' <<<"$OUT")
[[ $(jq -c '.[1]' <<<"$SEG") == '["loyal",3,"800.00",30,8.8]' ]] || fail "loyal: $SEG"
[[ $(jq -c '.[9]' <<<"$SEG") == '["hibernating",2,"330.00",20,3.6]' ]] || fail "hibernating: $SEG"
[[ $(jq -c '.[8]' <<<"$SEG") == '["cant_lose",0,"0.00",0,0]' ]] || fail "cant_lose: $SEG"
[[ $(jq -c '[.[][0]]' <<<"$SEG") == '["champions","loyal","potential_loyalists","new","promising","need_attention","about_to_sleep","at_risk","cant_lose","hibernating","lost"]' ]] ||
	fail "segments' order: $SEG"
# grid: 25 cells, R 5..1 by F 1..5; R5 F5 holds C1; R3 F4 C11; R1 F1 C7; R2 F2 C10; zeros too
[[ $(jq '.tables.grid | length' <<<"$OUT") == 25 ]] || fail "grid: $OUT"
[[ $(jq -c '[.tables.grid[] | select(.clients > 0) | [.r, .f, .clients, .revenue, .segment]]' <<<"$OUT") == \
	'[[5,1,1,"5000.00","new"],[5,5,1,"1000.00","champions"],[4,3,1,"600.00","potential_loyalists"],[4,4,1,"150.00","loyal"],[3,4,1,"150.00","loyal"],[3,5,1,"500.00","loyal"],[2,2,1,"250.00","hibernating"],[2,3,1,"1400.00","at_risk"],[1,1,1,"0.00","lost"],[1,2,1,"80.00","hibernating"]]' ]] ||
	fail "grid cells: $(jq -c '.tables.grid' <<<"$OUT")"
[[ $(jq -c '.tables.grid[0]' <<<"$OUT") == '{"r":5,"f":1,"clients":1,"revenue":"5000.00","segment":"new"}' ]] ||
	fail "grid[0]: $OUT"
contains "$(jq -r .note <<<"$OUT")" "10 clients with purchases up to 2026-06-30; frequency and money over 2025-07-01..2026-06-30"

# ---- man: his eight, n = 8: buckets of 2, 2, 2, 1, 1 ----
# R: C7 790, C6 302 -> 1; C5 121, C4 90 -> 2; C11 20, C2 10 -> 3; C1 2 -> 4; C3 1 -> 5
# F: C7 0, C3 1 -> 1; C6 1, C5 2 -> 2; C11 2, C2 3 -> 3; C1 4 -> 4; C4 5 -> 5
# M: C7 0, C6 80 -> 1; C2 150, C11 150 -> 2; C4 500, C1 1000 -> 3; C5 1400 -> 4; C3 5000 -> 5
# segments: C1 R4F4 loyal; C2 R3F3 need_attention; C3 R5F1 new; C4 R2F5 cant_lose;
#   C5 R2F2 hibernating; C6 R1F2 hibernating; C7 R1F1 lost; C11 R3F3 need_attention
expect_rc 0 as man --json report rfm --at 2026-06-30
WANT='[["C1",2,4,"1000.00",4,4,3,"loyal"],["C2",10,3,"150.00",3,3,2,"need_attention"],["C3",1,1,"5000.00",5,1,5,"new"],["C4",90,5,"500.00",2,5,3,"cant_lose"],["C5",121,2,"1400.00",2,2,4,"hibernating"],["C6",302,1,"80.00",1,2,1,"hibernating"],["C7",790,0,"0.00",1,1,1,"lost"],["C11",20,2,"150.00",3,3,2,"need_attention"]]'
WANT=$(ids <<<"$WANT" | jq -c 'sort_by(.[0])')
[[ $(rows) == "$WANT" ]] || fail "man's rfm: $(rows), want $WANT"
XID=$(jq -r .export_id <<<"$OUT")
[[ $XID -gt 0 ]] || fail "no read record: $OUT"
# scope: the admin's cards are man's and exactly man2's two more
expect_rc 0 as admin --json report rfm --at 2026-06-30
A_IDS=$(jq -c '[.tables.clients[].card_id] | sort' <<<"$OUT")
expect_rc 0 as man --json report rfm --at 2026-06-30
M_IDS=$(jq -c --argjson a "$C9" --argjson b "$C10" '[.tables.clients[].card_id] + [$a, $b] | sort' <<<"$OUT")
[[ $A_IDS == "$M_IDS" ]] || fail "scope: admin $A_IDS, man + man2's $M_IDS"

# ---- fewer than 5 clients: n = 3, buckets 1..3 ----
# R: C2 10 -> 1, C1 2 -> 2, C3 1 -> 3; F: C3 1 -> 1, C2 3 -> 2, C1 4 -> 3; M: C2 -> 1, C1 -> 2, C3 -> 3
# C1 R2F3 at_risk; C2 R1F2 hibernating; C3 R3F1 about_to_sleep
expect_rc 0 as admin --json report rfm --at 2026-06-30 --where "id in ($C1, $C2, $C3)"
WANT=$(ids <<<'[["C1",2,4,"1000.00",2,3,2,"at_risk"],["C2",10,3,"150.00",1,2,1,"hibernating"],["C3",1,1,"5000.00",3,1,3,"about_to_sleep"]]' | jq -c 'sort_by(.[0])')
[[ $(rows) == "$WANT" ]] || fail "three clients: $(rows), want $WANT"
# one client: bucket 1 of 1 in each measure: R1 F1, lost
expect_rc 0 as admin --json report rfm --at 2026-06-30 --where "city = Самара and id = $C1"
[[ $(jq -c '[.tables.clients[] | [.r, .f, .m, .segment]]' <<<"$OUT") == '[[1,1,1,"lost"]]' ]] || fail "one client: $OUT"

# ---- --window 30d: 2026-06-01..2026-06-30; R counts as before ----
# F/M: C1 1/100.00; C2 3/150.00; C3 1/5000.00; C9 1/300.00; C11 1/120.00; the others 0/0.00
expect_rc 0 as admin --json report rfm --at 2026-06-30 --window 30d
FM=$(jq -c '[.tables.clients[] | [.card_id, .frequency, .monetary, .r_days]] | sort_by(.[0])' <<<"$OUT")
WANT=$(ids <<<'[["C1",1,"100.00",2],["C2",3,"150.00",10],["C3",1,"5000.00",1],["C4",0,"0.00",90],["C5",0,"0.00",121],["C6",0,"0.00",302],["C7",0,"0.00",790],["C9",1,"300.00",15],["C10",0,"0.00",181],["C11",1,"120.00",20]]' | jq -c 'sort_by(.[0])')
[[ $FM == "$WANT" ]] || fail "--window 30d: $FM, want $WANT"
contains "$(jq -r .note <<<"$OUT")" "2026-06-01..2026-06-30"
# --at earlier: 2024-06-01 sees only C7's purchase (R 31 days, F 1 in 2023-06-03..2024-06-01)
expect_rc 0 as admin --json report rfm --at 2024-06-01
[[ $(jq -c '[.tables.clients[] | [.card_id, .r_days, .frequency, .monetary]]' <<<"$OUT") == "[[$C7,31,1,\"9999.00\"]]" ]] ||
	fail "--at 2024-06-01: $OUT"
# no --at: today, C10's purchase of 2026-08-01 counts
expect_rc 0 as admin --json report rfm
[[ $(jq -r --argjson c "$C10" '.tables.clients[] | select(.card_id == $c) | .last_purchase' <<<"$OUT") == 2026-08-01 ]] ||
	fail "today's C10: $OUT"

# ---- CSV and text ----
expect_rc 0 as man report rfm --at 2026-06-30 --csv
head -n 1 <<<"$OUT" | grep -q $'^card_id,client,owner,last_purchase,r_days,frequency,monetary,r,f,m,segment\r$' ||
	fail "csv header: $OUT"
expect_rc 0 as man report rfm --at 2026-06-30 --csv --table grid
[[ $(wc -l <<<"$OUT") == 26 ]] || fail "grid csv: $OUT"
# not a terminal: plain tables, no drawing
expect_rc 0 as man report rfm --at 2026-06-30
contains "$OUT" "SEGMENT"
contains "$OUT" "need_attention"
if grep -q '[░▒▓█]' <<<"$OUT"; then fail "drawing in a pipe: $OUT"; fi
# on a terminal (script fakes one): the grid drawn with its axes
if command -v script >/dev/null; then
	KART_HOME=$T/home-man COLUMNS=100 script -qec "$KART -s $SERVER --ca $CA report rfm --at 2026-06-30" "$T/typescript" >"$T/tty" 2>&1 ||
		fail "report on a terminal: $(cat "$T/tty")"
	grep -q 'F5' "$T/tty" && grep -q 'R1' "$T/tty" && grep -q '█' "$T/tty" || fail "the grid picture: $(cat "$T/tty")"
	KART_HOME=$T/home-man script -qec "$KART -s $SERVER --ca $CA report rfm --at 2026-06-30 --no-color" "$T/typescript" >"$T/tty" 2>&1 ||
		fail "--no-color on a terminal"
	if grep -q '[░▒▓█]' "$T/tty"; then fail "--no-color drew: $(cat "$T/tty")"; fi
else
	echo "no script(1): the picture on a terminal is not checked"
fi

# ---- the read record ----
expect_rc 0 as admin --json exports
jq -e --argjson x "$XID" '.[] | select(.id == $x) | .format == "report rfm" and .user == "man" and .cards == 8' <<<"$OUT" >/dev/null ||
	fail "the report's record: $OUT"

# ---- refused, nothing written: bad options, fields that cannot take the segments ----
expect_rc 0 as admin field add rfm --type enum --values champions,loyal,potential_loyalists,new,promising,need_attention,about_to_sleep,at_risk,cant_lose,hibernating,lost
expect_rc 0 as admin field add note1 --type text
expect_rc 0 as admin field add rfm2 --type enum --values champions,loyal,new
expect_rc 0 as admin --json exports
N=$(jq length <<<"$OUT")
expect_rc 2 as man report rfm --at 2026-13-01
contains "$ERR" "at"
one_line "$ERR"
expect_rc 2 as man report rfm --at yesterday
expect_rc 2 as man report rfm --window 5x
contains "$ERR" "window"
one_line "$ERR"
expect_rc 2 as man report rfm --window 0d
expect_rc 2 as man report rfm --window 2026
expect_rc 2 as man report rfm --days 3
expect_rc 2 as man report rfm --to-field nosuch --save-segment bad
contains "$ERR" "no custom field nosuch"
expect_rc 2 as man report rfm --to-field note1 --save-segment bad
contains "$ERR" "not an enum field"
one_line "$ERR"
expect_rc 2 as man report rfm --to-field rfm2 --save-segment bad
contains "$ERR" "lacks the values potential_loyalists, promising, need_attention, about_to_sleep, at_risk, cant_lose, hibernating, lost"
expect_rc 2 as man report rfm --save-segment "$(printf 'x%.0s' $(seq 1 45))"
contains "$ERR" "save-segment"
# another user's segment of a name the report would save: refused
expect_rc 0 as man2 segment save other-lost 'id > 0'
expect_rc 3 as man report rfm --at 2026-06-30 --save-segment other
contains "$ERR" "other-lost"
expect_rc 0 as admin --json exports
[[ $(jq length <<<"$OUT") == "$N" ]] || fail "a refused report was recorded: $OUT"
expect_rc 0 as man --json segment ls
[[ $(jq -c '[.[].name | select(startswith("bad-") or (startswith("other-") and . != "other-lost"))] | length' <<<"$OUT") == 0 ]] ||
	fail "a refused report saved segments: $OUT"
expect_rc 0 as admin --json ls --where 'rfm exists'
[[ $(jq length <<<"$OUT") == 0 ]] || fail "a refused report wrote the field: $OUT"

# ---- --save-segment: id lists; ls --segment lists exactly the segment's cards ----
expect_rc 0 as man report rfm --at 2026-06-30 --save-segment q2
expect_rc 0 as man --json segment show q2-need_attention
[[ $(jq -r .expr <<<"$OUT") == "id in ($C2,$C11)" ]] || fail "q2-need_attention: $OUT"
expect_rc 0 as man --json ls --segment q2-need_attention
[[ $(jq -c '[.[].id] | sort' <<<"$OUT") == "[$C2,$C11]" ]] || fail "ls --segment q2-need_attention: $OUT"
expect_rc 0 as man --json ls --segment q2-hibernating
[[ $(jq -c '[.[].id] | sort' <<<"$OUT") == "[$C5,$C6]" ]] || fail "ls --segment q2-hibernating: $OUT"
expect_rc 0 as man --json ls --segment q2-champions
[[ $(jq length <<<"$OUT") == 0 ]] || fail "q2-champions (empty): $OUT"
expect_rc 0 as man --json segment ls
[[ $(jq '[.[] | select(.name | startswith("q2-"))] | length' <<<"$OUT") == 11 ]] || fail "eleven segments: $OUT"
expect_rc 0 as admin --json audit --action segment.save
jq -e '[.[] | select(.user == "man" and .object_name == "q2-lost")] | length == 1' <<<"$OUT" >/dev/null ||
	fail "segment audit: $OUT"
# again: the caller's own segments are replaced
expect_rc 0 as man report rfm --at 2026-06-30 --where "id != $C11" --save-segment q2
expect_rc 0 as man --json segment show q2-need_attention
[[ $(jq -r .expr <<<"$OUT") != "id in ($C2,$C11)" ]] || fail "not replaced: $OUT"

# ---- --to-field: each scored card of man's gets its segment, audited; then ls by it ----
expect_rc 0 as man --json report rfm --at 2026-06-30 --to-field rfm --save-segment f
contains "$(jq -r .note <<<"$OUT")" "rfm written on 8 cards (0 already so"
expect_rc 0 as man --json ls --where 'rfm = need_attention'
[[ $(jq -c '[.[].id] | sort' <<<"$OUT") == "[$C2,$C11]" ]] || fail "rfm = need_attention: $OUT"
expect_rc 0 as man --json ls --segment f-cant_lose
[[ $(jq -c '[.[].id]' <<<"$OUT") == "[$C4]" ]] || fail "f-cant_lose: $OUT"
expect_rc 0 as man --json segment show f-lost
[[ $(jq -r .expr <<<"$OUT") == 'rfm = "lost"' ]] || fail "f-lost: $OUT"
# man2's cards and the card without purchases are untouched
expect_rc 0 as admin --json ls --where 'rfm exists'
[[ $(jq -c '[.[].id] | sort' <<<"$OUT") == "$(jq -cn "[$C1,$C2,$C3,$C4,$C5,$C6,$C7,$C11] | sort")" ]] || fail "written: $OUT"
expect_rc 0 as admin --json audit --action card.update
[[ $(jq --arg u man '[.[] | select(.user == $u)] | length' <<<"$OUT") == 8 ]] || fail "one event per card: $OUT"
expect_rc 0 as man --json card show "$C4"
[[ $(jq -r '.version' <<<"$OUT") == 2 ]] || fail "a new version: $OUT"
# again: nothing changes, nothing more audited
expect_rc 0 as man --json report rfm --at 2026-06-30 --to-field rfm
contains "$(jq -r .note <<<"$OUT")" "rfm written on 0 cards (8 already so"
expect_rc 0 as admin --json audit --action card.update
[[ $(jq --arg u man '[.[] | select(.user == $u)] | length' <<<"$OUT") == 8 ]] || fail "rewritten: $OUT"

# ---- money beyond what the report can add up: refused cleanly, nothing recorded ----
# each card's total is the largest a card may hold; the two together overflow
H1=$(add man2 --first Олег --last Большой)
H2=$(add man2 --first Павел --last Огромный)
buy man2 "$H1" 2026-06-01 92233720368547758.07
buy man2 "$H2" 2026-06-02 92233720368547758.07
expect_rc 0 as admin --json exports
N=$(jq length <<<"$OUT")
expect_rc 2 as man2 report rfm --at 2026-06-30
contains "$ERR" "too large to add up"
one_line "$ERR"
expect_rc 0 as admin --json exports
[[ $(jq length <<<"$OUT") == "$N" ]] || fail "a report that could not add up was recorded: $OUT"
echo "report rfm: ok"
