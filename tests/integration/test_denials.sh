#!/usr/bin/env bash
# Refused card lookups are coalesced: per user and minute the first three are
# recorded one by one, the rest as one record with their count, so a script
# hammering ids cannot bury real events in the audit trail and the log.
. "$(dirname "$0")/lib.sh"
init_instance
start_kartd
login_admin
printf 'password-123\n' >"$T/pw"
expect_rc 0 as admin user add masha --role manager --team north --password-file "$T/pw"
expect_rc 0 as masha login masha --password-file "$T/pw"
expect_rc 0 as admin card add --last Чужой
X=$OUT
N=40
for i in $(seq 1 $N); do expect_rc 4 as masha card show "$X"; done
stop_kartd # writes the counts of a minute not yet over
LOGGED=$(grep -c 'outside their scope' "$T/kartd.err" || true)
((LOGGED <= 8)) || fail "$LOGGED log lines for $N refused lookups"
start_kartd
expect_rc 0 as admin --json audit --action card.denied --limit 1000
ONE=$(jq '[.[] | select(.summary | test("more cards") | not)] | length' <<<"$OUT")
MORE=$(jq '[.[] | select(.summary | test("more cards")) | .summary | capture("^(?<n>[0-9]+)").n | tonumber] | add // 0' <<<"$OUT")
((ONE >= 3 && ONE <= 6)) || fail "$ONE refusals recorded one by one: $OUT"
((ONE + MORE == N)) || fail "$ONE one by one + $MORE counted != $N: $OUT"
[[ $(jq -r '[.[] | select(.summary | test("more cards"))][0].user' <<<"$OUT") == masha ]] || fail "the count is not masha's: $OUT"
echo "ok denials"
