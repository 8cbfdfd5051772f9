#!/usr/bin/env bash
# kart report reactivation: the clients with no touch in the last N days
# (today-N+1 .. today; never touched counts as untouched), biggest lifetime
# purchases first, ties by card id; --min-total; scoping; the read record;
# --save-segment saving the report's own condition, live, so that
# `kart ls --segment` gives exactly the report's cards; refusals.
. "$(dirname "$0")/lib.sh"

init_instance "read_flush_ms = 200"
start_kartd
login_admin
printf 'password-123\n' >"$T/pw"
expect_rc 0 as admin user add m1 --role manager --team north --password-file "$T/pw"
expect_rc 0 as admin user add m2 --role manager --team south --password-file "$T/pw"
expect_rc 0 as admin user add sup --role supervisor --team north --password-file "$T/pw"
for u in m1 m2 sup; do expect_rc 0 as $u login $u --password-file "$T/pw"; done

day() { date -d "$1 days" +%F; }
noon() { printf '%sT12:00:00%s' "$(day "$1")" "$(date +%:z)"; }
A=$(add m1 --first Анна --last Альфа --phone '+7 916 100-00-01')
B=$(add m1 --first Борис --last Бета)
C=$(add m1 --first Вера --last Гамма)
D=$(add m1 --first Дмитрий --last Дельта)
E=$(add m1 --first Ефим --last Эпсилон)
F=$(add m2 --first Фёдор --last Фи)
expect_rc 0 as m1 log "$A" purchase --amount 5000 --at "$(noon -40)" # last touch -40, 5000.00
expect_rc 0 as m1 log "$B" purchase --amount 3000 --at "$(noon -30)" # last touch -30 exactly: untouched in 30 days
expect_rc 0 as m1 log "$B" purchase --amount 2000 --at "$(noon -31)" # B: 5000.00 too (a tie with A), 2 touches
expect_rc 0 as m1 log "$C" call --text hello --at "$(noon -29)"       # -29: touched within 30 days
expect_rc 0 as m1 log "$C" purchase --amount 9999 --at "$(noon -90)"
# D: never touched
expect_rc 0 as m1 log "$E" purchase --amount 100 --at "$(noon -100)"  # 100.00
expect_rc 0 as m2 log "$F" purchase --amount 9000 --at "$(noon -60)"  # m2's: 9000.00

pick='[.tables.clients[] | [.card_id, .client, .owner, .last_touch, .days_since, .total_purchases, .touches, .phone]]'

# ---- m1, 30 days: A and B (5000.00 each, by id), E (100.00), D (never, 0.00); C touched at -29 ----
expect_rc 0 as m1 --json report reactivation --days 30
[[ $(jq -r .kind <<<"$OUT") == reactivation ]] || fail "kind: $OUT"
GOT=$(jq -c "$pick" <<<"$OUT")
WANT=$(jq -cn --argjson a "$A" --argjson b "$B" --argjson d "$D" --argjson e "$E" \
	--arg da "$(day -40)" --arg db "$(day -30)" --arg de "$(day -100)" \
	'[[$a,"Альфа Анна","m1",$da,40,"5000.00",1,"+7 916 100-00-01"],
	  [$b,"Бета Борис","m1",$db,30,"5000.00",2,""],
	  [$e,"Эпсилон Ефим","m1",$de,100,"100.00",1,""],
	  [$d,"Дельта Дмитрий","m1",null,null,"0.00",0,""]]')
[[ $GOT == "$WANT" ]] || fail "m1, 30 days:
 got  $GOT
 want $WANT"
contains "$(jq -r .note <<<"$OUT")" "4 clients with no touch after $(day -30)"
XID=$(jq -r .export_id <<<"$OUT")
[[ $XID -gt 0 ]] || fail "no read record: $OUT"
# 31 days: B's last touch (-30) is within them now
expect_rc 0 as m1 --json report reactivation --days 31
[[ $(jq -c '[.tables.clients[].card_id]' <<<"$OUT") == "[$A,$E,$D]" ]] || fail "31 days: $OUT"
# 29 days: C's call at -29 is one day too old now; C (9999.00) comes first
expect_rc 0 as m1 --json report reactivation --days 29
[[ $(jq -c '[.tables.clients[].card_id]' <<<"$OUT") == "[$C,$A,$B,$E,$D]" ]] || fail "29 days: $OUT"
# --min-total: at least 100.00 leaves D out; "5 000,00" (as people type it) only A and B
expect_rc 0 as m1 --json report reactivation --days 30 --min-total 100
[[ $(jq -c '[.tables.clients[].card_id]' <<<"$OUT") == "[$A,$B,$E]" ]] || fail "--min-total 100: $OUT"
expect_rc 0 as m1 --json report reactivation --days 30 --min-total '5 000,00'
[[ $(jq -c '[.tables.clients[].card_id]' <<<"$OUT") == "[$A,$B]" ]] || fail "--min-total 5000: $OUT"

# ---- scope: the admin sees exactly one more, m2's F (9000.00, first); sup (north) as m1 ----
expect_rc 0 as admin --json report reactivation --days 30
[[ $(jq -c '[.tables.clients[].card_id]' <<<"$OUT") == "[$F,$A,$B,$E,$D]" ]] || fail "admin: $OUT"
expect_rc 0 as sup --json report reactivation --days 30
[[ $(jq -c '[.tables.clients[].card_id]' <<<"$OUT") == "[$A,$B,$E,$D]" ]] || fail "sup: $OUT"
expect_rc 0 as m2 --json report reactivation --days 30 --where 'total_purchases > 0'
[[ $(jq -c '[.tables.clients[].card_id]' <<<"$OUT") == "[$F]" ]] || fail "m2: $OUT"

# ---- the read record ----
expect_rc 0 as admin --json exports
jq -e --argjson x "$XID" '.[] | select(.id == $x) | .format == "report reactivation" and .user == "m1" and .cards == 4' <<<"$OUT" >/dev/null ||
	fail "the report's record: $OUT"
expect_rc 0 as admin --json audit reads --card "$D"
jq -e '[.[] | select(.user == "m1" and .how == "report")] | length >= 1' <<<"$OUT" >/dev/null || fail "who received D: $OUT"

# ---- --save-segment: the report's condition (and --where), live ----
expect_rc 0 as m1 --json report reactivation --days 30 --min-total 100 --where 'last_name != Бета' --save-segment lost30
REP=$(jq -c '[.tables.clients[].card_id] | sort' <<<"$OUT")
[[ $REP == "$(jq -cn --argjson a "$A" --argjson e "$E" '[$a,$e] | sort')" ]] || fail "report with --where: $OUT"
expect_rc 0 as m1 --json ls --segment lost30
[[ $(jq -c '[.[].id] | sort' <<<"$OUT") == "$REP" ]] || fail "the segment's cards: $OUT, the report's: $REP"
expect_rc 0 as m1 segment show lost30
contains "$OUT" "last_touch"
expect_rc 0 as admin --json audit --action segment.save
jq -e '[.[] | select(.user == "m1")] | length == 1' <<<"$OUT" >/dev/null || fail "segment.save audited: $OUT"
# without --where, the segment and the report agree too (never-touched D included)
expect_rc 0 as m1 --json report reactivation --days 30 --save-segment all30
REP=$(jq -c '[.tables.clients[].card_id] | sort' <<<"$OUT")
expect_rc 0 as m1 --json ls --segment all30
[[ $(jq -c '[.[].id] | sort' <<<"$OUT") == "$REP" ]] || fail "all30: $OUT, the report's: $REP"
# live: a touch today takes A out of the segment as out of the report
expect_rc 0 as m1 log "$A" call --text back
expect_rc 0 as m1 --json ls --segment all30
[[ $(jq -c '[.[].id] | sort' <<<"$OUT") == "$(jq -cn --argjson b "$B" --argjson d "$D" --argjson e "$E" '[$b,$d,$e] | sort')" ]] ||
	fail "all30 after a touch: $OUT"

# ---- refused: nothing recorded, no segment changed ----
expect_rc 0 as admin --json exports
N=$(jq length <<<"$OUT")
expect_rc 5 as m1 report reactivation --days 30 --save-segment lost30
contains "$ERR" "the name lost30 is taken"
one_line "$ERR"
expect_rc 2 as m1 report reactivation
contains "$ERR" "days"
expect_rc 2 as m1 report reactivation --days 0
expect_rc 2 as m1 report reactivation --days 30 --min-total abc
contains "$ERR" "min-total"
one_line "$ERR"
expect_rc 2 as m1 report reactivation --days 30 --min-total 1.234
expect_rc 2 as m1 report reactivation --days 30 --period 2026
expect_rc 2 as m1 report reactivation --days 30 --where 'nosuchfield = 1'
contains "$ERR" "nosuchfield"
expect_rc 2 as m1 report reactivation --days 30 --save-segment "$(printf 'a\tb')"
contains "$ERR" "save_segment"
expect_rc 0 as admin --json exports
[[ $(jq length <<<"$OUT") == "$N" ]] || fail "a refused report was recorded: $OUT"
expect_rc 0 as m1 segment show lost30
contains "$OUT" "Бета"
# nobody untouched: an empty table, no record
expect_rc 0 as m1 --json report reactivation --days 30 --where "id = $C"
[[ $(jq -c '.tables.clients' <<<"$OUT") == '[]' && $(jq .export_id <<<"$OUT") == 0 ]] || fail "empty: $OUT"
# text and CSV
expect_rc 0 as m1 report reactivation --days 30 --csv
head -n 1 <<<"$OUT" | grep -q $'^card_id,client,owner,last_touch,days_since,total_purchases,touches,phone\r$' || fail "csv: $OUT"
expect_rc 0 as m1 report reactivation --days 30
contains "$OUT" "Дельта"
echo "report reactivation: ok"
