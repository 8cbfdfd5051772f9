#!/usr/bin/env bash
# Long scans in the thread pool (filtered lists and counts, sorted lists,
# exports) read the base in slices of CARDQ_SLICE (16,384) cards, each in a
# transaction of its own, so they never hold the map lock for long: every card
# is still seen exactly once, in order, across the slices (the daemon logs how
# many transactions a long scan took).
. "$(dirname "$0")/lib.sh"
init_instance
start_kartd
login_admin
N=40000
"$KART_BENCH" -s "$SERVER" --ca "$CA" --password-file "$ADMIN_PW" --load $N --conns 2 --pipeline 8 >"$T/load.out" 2>&1 ||
	fail "load: $(cat "$T/load.out")"
# gaps in the ids around the slice boundaries
for id in 16384 16385 16386 32768 32769; do expect_rc 0 as admin card rm $id; done
LIVE=$((N - 5))

# a scan of every card: two slice boundaries
expect_rc 0 as admin ls --where 'id > 0' --count
[[ $OUT == "$LIVE" ]] || fail "count over slices: $OUT, expected $LIVE"
grep -q "admin: $LIVE cards read in 3 read transactions" "$T/kartd.err" || fail "not read in slices: $(tail -3 "$T/kartd.err")"
expect_rc 0 as admin ls --where 'id > 0' --count --explain
contains "$OUT" "scan"
# a sorted scan: the sorted ids are read back in slices too
expect_rc 0 as admin ls --where 'id > 0' --sort -last_name --count
[[ $OUT == "$LIVE" ]] || fail "sorted count over slices: $OUT"
expect_rc 0 as admin --json ls --where 'id > 16000 and id < 16800' --sort id
[[ $(jq 'length' <<<"$OUT") == 796 ]] || fail "a range across a boundary: $(jq length <<<"$OUT")"
[[ $(jq '[.[].id] == ([.[].id] | sort)' <<<"$OUT") == true ]] || fail "sorted: $OUT"

# an export of every card: each once, in id order
expect_rc 0 as admin export -o "$T/all.csv"
[[ $ERR =~ :\ $LIVE\ cards\ \+\ ([0-9]+)\ canary ]] || fail "export: $ERR"
grep -q "export scan: $LIVE cards read in 3 read transactions" "$T/kartd.err" || fail "export not read in slices"
K=${BASH_REMATCH[1]}
[[ $(tail -n +2 "$T/all.csv" | grep -c $'\r$') == $((LIVE + K)) ]] || fail "rows: expected $((LIVE + K))"
# the cards' ids (canary rows, at example.org, take ids in gaps, or past the last card when there are none)
tail -n +2 "$T/all.csv" | grep -v '@example.org' | cut -d, -f1 | grep -E '^[0-9]+$' >"$T/ids"
[[ $(wc -l <"$T/ids") == "$LIVE" ]] || fail "cards: $(wc -l <"$T/ids"), expected $LIVE"
sort -nc "$T/ids" 2>"$T/sorterr" || fail "the id column is out of order: $(cat "$T/sorterr"); $(head -3 "$T/ids")"
[[ -z $(sort -n "$T/ids" | uniq -d) ]] || fail "a card exported twice: $(sort -n "$T/ids" | uniq -d | head)"
for id in 1 16383 16387 32767 32770 $N; do grep -qx "$id" "$T/ids" || fail "card $id missing from the export"; done
for id in 16384 16385 16386 32768 32769; do grep -qx "$id" "$T/ids" && fail "deleted card $id exported"; done
echo "ok slices"
