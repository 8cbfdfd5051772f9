#!/usr/bin/env bash
# The audit trail is tamper-evident: `audit verify` checks every record's HMAC
# against the one before and names the first record that was changed, deleted
# or moved; with a head recorded earlier it also shows records cut off the
# end. The records are edited in the LMDB file directly, as someone holding
# the file (but not the key) could.
. "$(dirname "$0")/lib.sh"
: "${DBTOOL:?DBTOOL must point to kart-dbtool}"
init_instance
start_kartd
login_admin
printf 'manager-password-1\n' >"$T/pw"
expect_rc 0 as admin user add masha --role manager --password-file "$T/pw"
expect_rc 0 as admin user add olga --role auditor --password-file "$T/pw"
expect_rc 0 as masha login masha --password-file "$T/pw"
expect_rc 0 as olga login olga --password-file "$T/pw"
for n in 1 2 3 4 5; do
	expect_rc 0 as masha card add --first "Имя$n" --last "Фамилия$n" --city Самара
	ID=$OUT
	expect_rc 0 as masha card edit "$ID" --set city=Москва
done
printf 'wrong-password-9\n' >"$T/bad"
expect_rc 3 as masha login masha --password-file "$T/bad"   # a refused login is a record too
expect_rc 0 as masha login masha --password-file "$T/pw"

# the head, and a clean chain
expect_rc 0 as admin audit head
HEAD=$OUT
[[ $HEAD =~ ^[0-9]+:[0-9a-f]{64}$ ]] || fail "audit head: $HEAD"
N=${HEAD%%:*}
expect_rc 0 as admin audit verify
[[ $OUT == "ok: $N records checked, head $HEAD" ]] || fail "verify: $OUT"
expect_rc 0 as olga --json audit verify
[[ $(jq -r '.ok' <<<"$OUT") == true && $(jq -r '.checked' <<<"$OUT") == "$N" ]] || fail "auditor verify: $OUT"
[[ "$(jq -r '.head_seq' <<<"$OUT"):$(jq -r '.head_hash' <<<"$OUT")" == "$HEAD" ]] || fail "verify head: $OUT"
expect_rc 0 as olga audit verify --head "$HEAD"
contains "$OUT" "ok: $N records checked"
expect_rc 0 as admin audit verify --head "${HEAD^^}"      # hex in either case
expect_rc 0 as admin audit verify --from 4
contains "$OUT" "ok: $((N - 3)) records checked, head $HEAD"
contains "$OUT" "before 4 were not checked"
# (e) a manager may not
expect_rc 3 as masha audit verify
contains "$ERR" "permission denied"
expect_rc 3 as masha audit head
# bad arguments
expect_rc 2 as admin audit verify --head 12
expect_rc 2 as admin audit verify --head "3:abc"
expect_rc 2 as admin audit verify --from 0
expect_rc 2 as admin audit verify --from $((N + 5))
contains "$ERR" "no record"
stop_kartd
# the head the daemon logged at stop is the one `audit head` printed
grep -q "audit head at stop: $HEAD \[" "$T/kartd.err" || fail "no 'audit head at stop: $HEAD' in the log: $(grep 'audit head' "$T/kartd.err")"
grep -q "audit head at start: " "$T/kartd.err" || fail "no head at start in the log"
(( N >= 12 )) || fail "expected at least 12 records, have $N"
[[ $("$DBTOOL" "$T/inst/db" count audit) == "$N" ]] || fail "dbtool count"

cp -a "$T/inst" "$T/pristine"
restore() {
	rm -rf "$T/inst"
	cp -a "$T/pristine" "$T/inst"
}
key() { printf '%016x' "$1"; }
get() { "$DBTOOL" "$T/inst/db" get audit "$(key "$1")" || fail "dbtool get $1"; }
put() { "$DBTOOL" "$T/inst/db" put audit "$(key "$1")" "$2" || fail "dbtool put $1"; }
del() { "$DBTOOL" "$T/inst/db" del audit "$(key "$1")" || fail "dbtool del $1"; }
# broken_at SEQ WORDS: verify fails naming record SEQ, in text and in JSON
broken_at() {
	start_kartd
	expect_rc 1 as admin audit verify
	[[ $OUT == "BROKEN at record $1: "* ]] || fail "expected BROKEN at record $1, got: $OUT"
	contains "$OUT" "$2"
	one_line "$ERR"
	contains "$ERR" "record $1"
	expect_rc 1 as olga --json audit verify
	[[ $(jq -r '.ok' <<<"$OUT") == false && $(jq -r '.first_bad' <<<"$OUT") == "$1" ]] || fail "json: $OUT"
	[[ $(jq -r '.checked' <<<"$OUT") == $(($1 - 1)) ]] || fail "checked before $1: $OUT"
	stop_kartd
}

# (a) one byte of record 5's event changed
V=$(get 5)
P=$((64 + 2 * 12))
B=${V:P:2}
put 5 "${V:0:P}$(printf '%02x' $((0x$B ^ 0x01)))${V:P+2}"
broken_at 5 "record 5 does not match its hash"
# the stored hash replaced as well: still 5
restore
V=$(get 5)
put 5 "$(printf '%064x' 0)${V:64}"
broken_at 5 "does not match its hash"

# (b) record 7 deleted
restore
del 7
broken_at 7 "record 7 is missing"

# (c) records 3 and 4 swapped
restore
V3=$(get 3)
V4=$(get 4)
put 3 "$V4"
put 4 "$V3"
broken_at 3 "record 3 does not match its hash (changed, or moved from elsewhere)"

# the first record deleted: checking starts at 1
restore
del 1
broken_at 1 "record 1 is missing"

# records that are not records: a short value, a stray key, a record 0
restore
put 9 "00ff"
broken_at 9 "record 9 is too short to hold its hash"
restore
"$DBTOOL" "$T/inst/db" put audit "$(key 6)00" "$(get 7)" || fail "dbtool put"
broken_at 7 "a record with a malformed key (9 bytes) stands where record 7 should be"
restore
put 0 "$(get 1)"
broken_at 1 "a record numbered 0 stands before record 1"

# (d) the last two records cut off: nothing shows inside the chain...
restore
del "$N"
del $((N - 1))
start_kartd
expect_rc 0 as admin audit verify
contains "$OUT" "ok: $((N - 2)) records checked, head $((N - 2)):"
# ...but the head recorded earlier is gone
expect_rc 1 as admin audit verify --head "$HEAD"
[[ $OUT == "BROKEN at record $N: the head $HEAD recorded earlier is not in the chain (records cut off the end or the chain rewritten)" ]] ||
	fail "cut off: $OUT"
expect_rc 1 as olga --json audit verify --head "$HEAD"
[[ $(jq -r '.first_bad' <<<"$OUT") == "$N" ]] || fail "cut off json: $OUT"
# new records after the cut do not bring the old head back
expect_rc 0 as masha card add --first Новый --last После
expect_rc 0 as masha card add --first Второй --last После
expect_rc 0 as admin audit verify
contains "$OUT" "ok: $N records checked"
expect_rc 1 as admin audit verify --head "$HEAD"
contains "$OUT" "BROKEN at record $N: the head"
stop_kartd

# verifying from a later record needs the hash of the one before it
restore
del 6
start_kartd
expect_rc 1 as admin audit verify --from 7
contains "$OUT" "BROKEN at record 6: record 6 is missing"
expect_rc 0 as admin audit verify --from 8
contains "$OUT" "ok: $((N - 7)) records checked"
stop_kartd

# the pristine copy still verifies, with the head from before
restore
start_kartd
expect_rc 0 as admin audit verify --head "$HEAD"
contains "$OUT" "ok: $N records checked, head $HEAD"
stop_kartd
echo "ok"
