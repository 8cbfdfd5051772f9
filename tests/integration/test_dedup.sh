#!/usr/bin/env bash
# Read records are deduplicated: the same user's same read of a card within a
# minute is recorded once. Users without a bulk-read limit (admins) dedup
# through a hashed table; sequential card ids must spread over it, so listing
# the same cards again and again records each card about once.
. "$(dirname "$0")/lib.sh"
init_instance "read_flush_ms = 100"
start_kartd
login_admin
N=20000
"$KART_BENCH" -s "$SERVER" --ca "$CA" --password-file "$ADMIN_PW" --load $N --conns 2 --pipeline 8 >"$T/load.out" 2>&1 ||
	fail "load: $(cat "$T/load.out")"
for i in $(seq 1 10); do
	expect_rc 0 as admin --json card ls
	[[ $(jq length <<<"$OUT") == "$N" ]] || fail "card ls $i: $(jq length <<<"$OUT") cards"
done
stop_kartd
expect_rc 0 "$DBTOOL" "$T/inst/db" count reads_by_user
REC=$OUT
echo "read records for 10 lists of $N cards: $REC"
# each card once; a few collisions of the two-way table may record a card again
((REC >= N && REC <= N + N / 20)) || fail "$REC read records for 10 lists of $N cards, expected about $N"
echo "ok dedup"
