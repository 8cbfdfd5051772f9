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
# up to ten lists, all within the minute a read is remembered for: a slow
# build (ASan) lists fewer, at least three
START=$SECONDS
LISTS=0
while ((LISTS < 10 && (LISTS < 3 || SECONDS - START < 40))); do
	expect_rc 0 as admin --json card ls
	LISTS=$((LISTS + 1))
	[[ $(jq length <<<"$OUT") == "$N" ]] || fail "card ls $LISTS: $(jq length <<<"$OUT") cards"
done
((SECONDS - START < 55)) || fail "$LISTS lists took $((SECONDS - START)) s: not within the minute a read is remembered for"
stop_kartd
expect_rc 0 "$DBTOOL" "$T/inst/db" count reads_by_user
REC=$OUT
echo "read records for $LISTS lists of $N cards: $REC"
# each card once; a few collisions of the two-way table may record a card again
((REC >= N && REC <= N + N / 20)) || fail "$REC read records for $LISTS lists of $N cards, expected about $N"
echo "ok dedup"
