#!/usr/bin/env bash
# An export's write rerun after its hashes were handed to LMDB: the record
# gives up the scan's hashes of phones and emails as it copies them into
# export_cards (so they are not held twice), and a batch that then runs out of
# map (MDB_MAP_FULL: the map grows and the batch runs again) reads them again
# from the cards. Two exports of the same cards in one batch, in a map with
# room for one export's record and not two: the second one's record fills the
# map after the first one's was copied. Both are recorded, each exactly as an
# export that was not rerun (the same export_cards value, byte for byte).
. "$(dirname "$0")/lib.sh"
init_instance
start_kartd
login_admin
"$KART_BENCH" -s "$SERVER" --ca "$CA" --password-file "$ADMIN_PW" --load 30000 --conns 2 --pipeline 8 \
	>"$T/load.out" 2>&1 || fail "load: $(cat "$T/load.out")"

export_id() { [[ $1 =~ ^export\ ([0-9]+):\ ([0-9]+)\ cards ]] || fail "summary: $1"; }
expect_rc 0 as admin export -o "$T/e0.csv"
export_id "$ERR"
E0=${BASH_REMATCH[1]} N=${BASH_REMATCH[2]}
[[ $N == 30000 ]] || fail "cards exported: $N"
blob() { "$DBTOOL" "$T/inst/db" get export_cards "$(printf '%016x' "$1")" || fail "no export_cards of export $1"; }
stop_kartd
B0=$(blob "$E0")
S=$((${#B0} / 2)) # the record of every card, in bytes
[[ $S -gt 600000 ]] || fail "a record of $S bytes is too small for this test"

# the map: what is used now and one record and a half more (the map is never
# smaller than what the database holds)
start_kartd
expect_rc 0 as admin --json admin stats
USED=$(jq .map_used <<<"$OUT")
[[ $USED =~ ^[0-9]+$ ]] || fail "map_used: $OUT"
stop_kartd
sed -i "s/^map_size = .*/map_size = $((USED + S + S / 2))/" "$T/inst/kartd.conf"
start_kartd
expect_rc 0 as admin --json admin stats
jq -e --argjson s "$S" '.map_size - .map_used > $s and .map_size - .map_used < 2 * $s' <<<"$OUT" >/dev/null ||
	fail "the map has not room for one record and a half: $OUT"

# another process holds LMDB's write lock: a card added waits in the writer,
# the two exports are scanned and wait behind it, then go in one batch
mkfifo "$T/hold.in"
HOLDER=
trap 'st=$?; [[ -z $HOLDER ]] || kill $HOLDER 2>/dev/null; cleanup $st' EXIT
"$DBTOOL" "$T/inst/db" hold meta <"$T/hold.in" >"$T/hold.out" &
HOLDER=$!
exec 7>"$T/hold.in"
for _ in $(seq 1 100); do grep -qx held "$T/hold.out" && break; sleep 0.05; done
grep -qx held "$T/hold.out" || fail "kart-dbtool did not take the write lock"
as admin card add --first Ожидающий >"$T/add.out" 2>"$T/add.err" 7>&- &
ADD=$!
wait_json '.in_flight == 1' as admin --json admin stats
as admin export -o "$T/e1.csv" >"$T/e1.out" 2>"$T/e1.err" 7>&- &
X1=$!
as admin export -o "$T/e2.csv" >"$T/e2.out" 2>"$T/e2.err" 7>&- &
X2=$!
# both scanned (three requests in flight, no scan running or waiting): both with the writer
for _ in $(seq 1 300); do
	as admin --json admin stats >"$T/stats" 2>&1 || fail "stats: $(cat "$T/stats")"
	jq -e '.in_flight == 3 and .pool_running == 0 and .pool_waiting == 0' "$T/stats" >/dev/null && break
	sleep 0.1
done
jq -e '.in_flight == 3 and .pool_running == 0 and .pool_waiting == 0' "$T/stats" >/dev/null ||
	fail "the exports did not reach the writer: $(cat "$T/stats")"
kill -0 "$X1" && kill -0 "$X2" || fail "an export finished while the writer was held"
exec 7>&-
wait "$HOLDER" || fail "kart-dbtool hold failed"
HOLDER=
wait "$ADD" || fail "the card add: $(cat "$T/add.err")"
wait "$X1" || fail "export 1: $(cat "$T/e1.err")"
wait "$X2" || fail "export 2: $(cat "$T/e2.err")"

grep -q 'database map grown' "$T/kartd.err" || fail "the map did not grow: the batch was not rerun"
[[ $(grep -c 'export of 30000 cards: their [0-9]* phones and emails read again' "$T/kartd.err") == 1 ]] ||
	fail "no export read its hashes again after the rerun: $(grep -i export "$T/kartd.err")"
export_id "$(cat "$T/e1.err")"
E1=${BASH_REMATCH[1]}
[[ ${BASH_REMATCH[2]} == 30000 ]] || fail "export $E1: ${BASH_REMATCH[2]} cards"
export_id "$(cat "$T/e2.err")"
E2=${BASH_REMATCH[1]}
[[ ${BASH_REMATCH[2]} == 30000 ]] || fail "export $E2: ${BASH_REMATCH[2]} cards"
# a leaked file is traced by its canaries and its cards, the rerun one's too
for f in e1:$E1 e2:$E2; do
	expect_rc 0 as admin --json leak trace "$T/${f%%:*}.csv"
	jq -e --argjson e "${f#*:}" '.matches[0].export.id == $e and .matches[0].share == 1' <<<"$OUT" >/dev/null ||
		fail "trace of ${f%%:*}.csv: $OUT"
done
stop_kartd
[[ $(blob "$E1") == "$B0" ]] || fail "export $E1's record differs from export $E0's"
[[ $(blob "$E2") == "$B0" ]] || fail "export $E2's record differs from export $E0's"
echo PASS
