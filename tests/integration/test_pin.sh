#!/usr/bin/env bash
# Without a CA the client pins the server's certificate: it refuses an unknown
# server unless told to trust it (--trust; scripts are never prompted),
# remembers it under KART_HOME, and refuses with a warning if it ever changes.
. "$(dirname "$0")/lib.sh"
init_instance
start_kartd
FP=$(sed -n 's/.*certificate fingerprint //p' "$T/kartd.err")
[[ $FP == SHA256:* ]] || fail "the daemon does not log its fingerprint"
k() { KART_HOME=$T/home-pin "$KART" -s "$SERVER" "$@"; }
expect_rc 6 k login admin --password-file "$ADMIN_PW"
one_line "$ERR"
contains "$ERR" "not trusted yet"
contains "$ERR" "$FP"
[[ ! -s $T/home-pin/known_servers ]] || fail "pinned without being told to"
expect_rc 0 k login admin --password-file "$ADMIN_PW" --trust
grep -q "^$SERVER $FP\$" "$T/home-pin/known_servers" || fail "not pinned: $(cat "$T/home-pin/known_servers")"
[[ $(stat -c %a "$T/home-pin/known_servers") == 600 ]] || fail "known_servers mode"
expect_rc 0 k whoami
# the same address now serves another certificate
PORT=${SERVER##*:}
stop_kartd
"$KARTD" init --data "$T/other" >/dev/null
cp "$T/other/tls/server.pem" "$T/other/tls/server.key" "$T/inst/tls/"
sed -i "s/^listen = .*/listen = 127.0.0.1:$PORT/" "$T/inst/kartd.conf"
start_kartd
expect_rc 6 k whoami
one_line "$ERR"
contains "$ERR" "CHANGED"
expect_rc 6 k login admin --password-file "$ADMIN_PW" --trust
contains "$ERR" "CHANGED"
echo "ok pin"
