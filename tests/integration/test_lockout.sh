#!/usr/bin/env bash
# Logins that an outsider cannot turn against the users: failed logins are
# throttled per source address and user name, so a guessing address is blocked
# while the user logs in from elsewhere; blocks double and are capped, and a
# successful login starts over; a login flood from one address leaves other
# addresses' logins going; the account lock needs guesses from many addresses;
# a password typed as the user name is never written down; the host's root
# gets back in offline (kartd unlock, kartd passwd), audited; and a login is
# not held up by scans in the libuv pool.
. "$(dirname "$0")/lib.sh"
# (the real password hash costs: the throttling is of hashes that take their time)
init_instance "${REAL_HASH_COSTS[@]}" "login_max_failures = 3" "login_lockout_s = 2" "login_lockout_max_s = 4" \
	"login_address_max_failures = 20" "login_user_max_failures = 0" "login_window_s = 600" \
	"handshake_timeout_ms = 60000" # the flood's connections stay, never logged in, for all its rounds
start_kartd
export KARTD_PID
hostile() {
	"$HOSTILE" "$1" "$SERVER" "$CA" "$ADMIN_PW" >"$T/hostile.out" 2>&1 || { cat "$T/hostile.out" >&2; fail "scenario $1"; }
	cat "$T/hostile.out"
	kill -0 "$KARTD_PID" || fail "kartd died during $1"
}

# ---- one address guessing one name is blocked for it; the user logs in from elsewhere ----
hostile guess-elsewhere
contains "$(cat "$T/hostile.out")" "blocked for admin after 3 wrong passwords"
# ---- one address trying many names is blocked for all ----
hostile spray
contains "$(cat "$T/hostile.out")" "blocked for every name after 20 failed logins"
# ---- blocks double (2 s, 4 s), stop at the cap (4 s), and start over after a success ----
hostile doubling
# ---- a flood from one address: real logins from another keep succeeding ----
hostile login-flood

login_admin
expect_rc 0 as admin --json audit --action login
jq -e '[.[] | select(.client | startswith("127.0.0.2:")) | select((.summary // "") | contains("127.0.0.2 blocked for this name for 2 s"))] | length == 1' \
	<<<"$OUT" >/dev/null || fail "the block is not in the audit trail: $(head -c 2000 <<<"$OUT")"
jq -e '[.[] | select((.summary // "") | contains("127.0.0.5 blocked for every name"))] | length == 1' <<<"$OUT" >/dev/null ||
	fail "the address block is not in the audit trail"
grep -q '127.0.0.5: blocked for every user name for 2 s' "$T/kartd.err" || fail "the address block is not logged"
# no user record was locked by any of it
expect_rc 0 as admin --json user list
jq -e '.[] | select(.name == "admin") | (.locked_until // 0) == 0 and (.lockouts // 0) == 0' <<<"$OUT" >/dev/null ||
	fail "the admin's record: $OUT"

# refused logins are what an outsider causes at will: per minute only the
# first twenty (and any that caused a block) are recorded one by one, and the
# log takes ten lines per ten seconds of them
stop_kartd
start_kartd
hostile login-spread
login_admin
expect_rc 0 as admin --json audit --action login --limit 1000
# (the run may straddle a minute: twenty of each)
N=$(jq '[.[] | select(.ok != true and ((.client // "") | startswith("127.0.2.")) and ((.summary // "") | test("more refused logins") | not))] | length' <<<"$OUT")
((N >= 1 && N <= 40)) || fail "$N of 120 refused logins recorded one by one"
N=$(grep -c 'login refused' "$T/kartd.err" || true)
((N <= 25)) || fail "$N refused logins logged"

# ---- a password typed as the user name is never written down ----
stop_kartd # (a fresh minute's count of refused logins)
start_kartd
printf 'password-123\n' >"$T/pw"
expect_rc 0 as admin user add lena --role manager --team north --password-file "$T/pw"
expect_rc 3 as x login 'Hunter2-Secret!' --password-file "$T/pw"
WRONG=$ERR
expect_rc 3 as x login lena --password-file "$ADMIN_PW"
[[ $ERR == "$WRONG" ]] || fail "an unknown name and a wrong password answered differently: '$WRONG' vs '$ERR'"
expect_rc 0 as admin --json audit --action login
AUDIT=$OUT
[[ $AUDIT != *Hunter2* ]] || fail "the name typed went into the audit trail"
! grep -q 'Hunter2' "$T/kartd.err" || fail "the name typed went into the log"
jq -e '[.[] | select(.ok != true and .user == .object_name and (.object_name | test("^unknown user #[0-9a-f]{8}$")))] | length >= 1' \
	<<<"$AUDIT" >/dev/null || fail "no tag for the unknown name: $AUDIT"
grep -q "login refused for 'unknown user #[0-9a-f]\{8\}': unknown user" "$T/kartd.err" || fail "no tag in the log"
# a user's own name is recorded as it is
jq -e '[.[] | select(.ok != true and .object_name == "lena" and .summary == "wrong password")] | length == 1' \
	<<<"$AUDIT" >/dev/null || fail "lena's failed login: $AUDIT"
grep -q "login refused for 'lena': wrong password" "$T/kartd.err" || fail "lena's failed login is not logged"

# ---- the account lock: only guesses spread over many addresses reach it ----
# (a lockout of 8 s, not 2: the guesses of the last two addresses, hashed under a slow
# build or a busy machine, must not outlast it)
printf 'login_user_max_failures = 6\nlogin_lockout_s = 8\nlogin_lockout_max_s = 8\n' >>"$T/inst/kartd.conf"
stop_kartd
start_kartd
hostile spread-guess
login_admin
expect_rc 0 as admin --json audit --action user.lockout
jq -e 'length == 1 and .[0].object_name == "admin" and (.[0].summary | contains("locked for 8 s"))' <<<"$OUT" >/dev/null ||
	fail "the account lockout: $OUT"
expect_rc 0 as admin --json audit --action login --user admin
jq -e '[.[] | select(.ok != true and ((.summary // "") | startswith("locked until")))] | length >= 1' <<<"$OUT" >/dev/null ||
	fail "the refusal of the right password during the lockout: $OUT"
# the successful login after it started over: no lockouts counted, nothing locked
expect_rc 0 as admin --json user list
jq -e '.[] | select(.name == "admin") | (.locked_until // 0) == 0 and (.lockouts // 0) == 0 and (.failed_logins // 0) == 0' \
	<<<"$OUT" >/dev/null || fail "the admin's record after the lockout: $OUT"

# ---- offline: the host's root gets back in ----
expect_rc 0 as lena login lena --password-file "$T/pw"
expect_rc 0 as admin user lock lena
expect_rc 1 "$KARTD" unlock lena --data "$T/inst"
contains "$ERR" "kartd is running"
one_line "$ERR"
expect_rc 1 "$KARTD" passwd lena --data "$T/inst" --password-file "$T/pw"
contains "$ERR" "kartd is running"
expect_rc 0 as admin audit head
HEAD=$OUT
stop_kartd
expect_rc 2 "$KARTD" unlock --data "$T/inst"
expect_rc 4 "$KARTD" unlock nobody --data "$T/inst"
contains "$ERR" "no user nobody"
expect_rc 0 "$KARTD" unlock lena --data "$T/inst"
contains "$OUT" "lena unlocked (was locked by an admin)"
printf 'short\n' >"$T/short"
expect_rc 1 "$KARTD" passwd lena --data "$T/inst" --password-file "$T/short"
contains "$ERR" "at least 8 characters"
printf 'new-password-456\n' >"$T/npw"
expect_rc 0 "$KARTD" passwd lena --data "$T/inst" --password-file "$T/npw"
contains "$OUT" "password changed for lena"
# from standard input too, and the admin's own
printf 'admin-password-789\n' >"$T/apw"
expect_rc 0 "$KARTD" passwd admin --data "$T/inst" <"$T/apw"
start_kartd
ADMIN_PW=$T/apw
expect_rc 3 as admin whoami
login_admin
expect_rc 3 as lena whoami
expect_rc 3 as lena login lena --password-file "$T/pw"
expect_rc 0 as lena login lena --password-file "$T/npw"
expect_rc 0 as admin --json audit --action user.unlock
jq -e 'length == 1 and .[0].object_name == "lena" and (.[0].user | startswith("host:")) and .[0].client == "local" and (.[0].summary | contains("offline (kartd unlock)"))' \
	<<<"$OUT" >/dev/null || fail "the offline unlock is not audited: $OUT"
expect_rc 0 as admin --json audit --action user.passwd
jq -e '[.[] | select((.summary // "") | contains("offline (kartd passwd)"))] | length == 2' <<<"$OUT" >/dev/null ||
	fail "the offline password changes are not audited: $OUT"
jq -e '[.[] | select(.object_name == "admin" and ((.summary // "") | test("; [1-9][0-9]* sessions revoked")))] | length == 1' <<<"$OUT" >/dev/null ||
	fail "the admin's sessions were not revoked: $OUT"
# the chain holds, with the head noted before
expect_rc 0 as admin audit verify --head "$HEAD"
expect_rc 0 as admin audit verify

# ---- password hashes have threads of their own: a login does not wait behind the pool's scans ----
# (scan caps raised so that all 64 scans go into the one-thread pool at once)
stop_kartd
printf 'max_scans = 64\nmax_scans_per_user = 64\n' >>"$T/inst/kartd.conf"
export UV_THREADPOOL_SIZE=1
start_kartd
"$KART_BENCH" -s "$SERVER" --ca "$CA" --password-file "$ADMIN_PW" --load 20000 --conns 2 --pipeline 8 >"$T/load.out" 2>&1 ||
	fail "load: $(cat "$T/load.out")"
hostile login-beside-scans
echo "ok lockout"
