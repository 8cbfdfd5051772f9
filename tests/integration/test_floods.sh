#!/usr/bin/env bash
# Outsiders and greedy insiders must not decide who else is served: silent
# connections from many addresses, frames trickled in before login, one
# connection pipelining whole lists, a client that half-closes with a write in
# flight. kart-hostile prints the other clients' latency and the daemon's
# memory under each (README).
. "$(dirname "$0")/lib.sh"
init_instance "max_connections = 300" "max_connections_per_address = 64" "max_unauthenticated = 100" \
	"handshake_timeout_ms = 3000"
start_kartd
login_admin
export KARTD_PID
"$KART_BENCH" -s "$SERVER" --ca "$CA" --password-file "$ADMIN_PW" --load 30000 --conns 2 --pipeline 8 >"$T/load.out" 2>&1 ||
	fail "load: $(cat "$T/load.out")"
for s in silent-flood silent-churn trickle-memory pipelined-lists half-close; do
	"$HOSTILE" "$s" "$SERVER" "$CA" "$ADMIN_PW" || fail "scenario $s"
	kill -0 "$KARTD_PID" || fail "kartd died during $s"
done
# the refusals were logged, but not a line each
N=$(grep -c 'refused\|to make room\|not logged in within' "$T/kartd.err" || true)
((N > 0)) || fail "no refusal logged"
((N < 200)) || fail "$N lines logged for refused connections"
# the half-closed clients' writes committed
expect_rc 0 as admin --json find Полузакрыт
[[ $(jq length <<<"$OUT") == 2 ]] || fail "half-closed writes: $OUT"

# a server that closes during the handshake: kart says so in one line, exit 6
"$HOSTILE" close-listener >"$T/listener.out" 2>&1 &
LPID=$!
for i in $(seq 1 100); do grep -q '^port ' "$T/listener.out" 2>/dev/null && break; sleep 0.05; done
PORT=$(sed -n 's/^port //p' "$T/listener.out")
[[ -n $PORT ]] || fail "no listener"
for i in $(seq 1 10); do
	rc=0
	KART_HOME=$T/home-x "$KART" -s "127.0.0.1:$PORT" --ca "$CA" login admin --password-file "$ADMIN_PW" >"$T/out" 2>"$T/err" || rc=$?
	[[ $rc == 6 ]] || fail "kart against a closing server exited $rc: $(cat "$T/err")"
	one_line "$(cat "$T/err")"
done
kill "$LPID" 2>/dev/null || true
wait "$LPID" 2>/dev/null || true
stop_kartd
echo "ok floods"
