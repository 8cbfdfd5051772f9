#!/usr/bin/env bash
# init refuses an existing instance; SIGTERM stops cleanly; acknowledged data
# survives a restart, and so does the audit chain head.
. "$(dirname "$0")/lib.sh"
init_instance
[[ $(stat -c %a "$T/inst") == 700 && $(stat -c %a "$T/inst/admin.password") == 600 ]] || fail "instance modes"
[[ $(stat -c %a "$T/inst/audit.key") == 600 && -s $T/inst/tls/ca.pem ]] || fail "instance files"
expect_rc 1 "$KARTD" init --data "$T/inst"
contains "$ERR" "refusing"
mkdir "$T/empty"
expect_rc 0 "$KARTD" init --data "$T/empty"
expect_rc 2 "$KARTD" run
expect_rc 2 "$KARTD" run --data "$T/inst" --listen nonsense
echo "bogus_key = 1" >>"$T/empty/kartd.conf"
expect_rc 1 "$KARTD" run --data "$T/empty"
contains "$ERR" "unknown key 'bogus_key'"

# READY=1 reaches systemd's notify socket once the daemon listens
"$HOSTILE" notify-listen "$T/notify.sock" >"$T/notify.out" &
LISTENER=$!
for i in $(seq 1 100); do grep -q listening "$T/notify.out" && break; sleep 0.05; done
NOTIFY_SOCKET=$T/notify.sock start_kartd
wait "$LISTENER" || fail "no READY=1 on NOTIFY_SOCKET: $(cat "$T/notify.out")"
grep -q '^<5>listening on ' "$T/kartd.err" || fail "log lines carry no priority prefix"
login_admin
for i in 1 2 3 4 5; do
	expect_rc 0 as admin card add --first "Клиент$i" --last Тестовый
done
HEAD1=$(grep -o 'audit head at start: .*' "$T/kartd.err")
stop_kartd
grep -q 'audit head at stop: 7:' "$T/kartd.err" || fail "audit head not logged at stop"
start_kartd
# the saved session still works after a restart
expect_rc 0 as admin --json card ls
[[ $(jq 'length' <<<"$OUT") == 5 ]] || fail "cards lost across restart: $OUT"
grep -q 'audit head at start: 7:' "$T/kartd.err" || fail "audit head after restart"
[[ -n $HEAD1 ]] || fail "no audit head at first start"

# the server refuses a client that does not trust its CA
"$KARTD" init --data "$T/other" >/dev/null
expect_rc 6 env KART_HOME="$T/home-x" "$KART" -s "$SERVER" --ca "$T/other/tls/ca.pem" login admin --password-file "$ADMIN_PW"
one_line "$ERR"
contains "$ERR" "certificate"
# nothing listening: exit 6
expect_rc 6 env KART_HOME="$T/home-x" "$KART" -s 127.0.0.1:1 --ca "$CA" login admin --password-file "$ADMIN_PW"
stop_kartd

# a tiny map grows on demand: thousands of cards, no error seen by anyone
rm -rf "$T/inst" "$T/home-admin"
init_instance "map_size = 1048576"
start_kartd
login_admin
"$KART_BENCH" -s "$SERVER" --ca "$CA" --password-file "$ADMIN_PW" --load 3000 --conns 2 --pipeline 32 --pid "$KARTD_PID" >"$T/load.out" 2>&1 ||
	fail "load: $(cat "$T/load.out")"
grep -q '3000 cards in .*(errors 0)' "$T/load.out" || fail "load into a small map: $(cat "$T/load.out")"
grep -q 'database map grown' "$T/kartd.err" || fail "the map did not grow"
expect_rc 0 as admin --json card ls
[[ $(jq 'length' <<<"$OUT") == 3000 ]] || fail "cards after growing the map: $(jq length <<<"$OUT")"
stop_kartd

# sessions expire
echo "session_ttl_s = 3" >>"$T/inst/kartd.conf"
start_kartd
login_admin
expect_rc 0 as admin whoami
sleep 4
expect_rc 3 as admin whoami
contains "$ERR" "log in again"
echo "ok lifecycle"
