#!/usr/bin/env bash
# Malformed and abusive clients: each gets a clear error or a closed connection,
# the daemon keeps serving everyone else, and no stored data changes.
. "$(dirname "$0")/lib.sh"
# (the real password hash costs: the login storm's hashes are still running when a plain request is answered)
init_instance "${REAL_HASH_COSTS[@]}" "handshake_timeout_ms = 1000" "max_connections_per_address = 1024" "max_unauthenticated = 1024"
start_kartd
login_admin
expect_rc 0 as admin card add --first Иван --last Иванов --phone '+7 846 000-00-01'
export KARTD_PID
KART_TOKEN=$(jq -r .token "$T/home-admin/session")
export KART_TOKEN
for s in tcp-garbage stall-handshake huge-frame truncated-frame garbage-protobuf before-hello wrong-password \
	many-connections flood-no-read login-storm; do
	"$HOSTILE" "$s" "$SERVER" "$CA" "$ADMIN_PW" || fail "scenario $s"
	kill -0 "$KARTD_PID" || fail "kartd died during $s"
done
# a request whose decoding would pass the request budget is answered by its id
"$HOSTILE" decode-budget "$SERVER" "$CA" "$ADMIN_PW" || fail "scenario decode-budget"
grep -q 'decoding its .* bytes needs more than' "$T/kartd.err" || fail "no log line for the over-budget request"
# an import refuses its bad cards by position and creates the rest
"$HOSTILE" import "$SERVER" "$CA" "$ADMIN_PW" || fail "import"
expect_rc 0 as admin --json audit --action card.import
contains "$(jq -r '.[0].summary' <<<"$OUT")" "3 cards created"
# and it still stops cleanly
stop_kartd
grep -q 'stopped' "$T/kartd.err" || fail "no clean stop in the log"
echo "ok hostile"
