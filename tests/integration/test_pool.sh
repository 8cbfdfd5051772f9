#!/usr/bin/env bash
# Scans share the thread pool fairly: one user's many scans run one at a time
# (max_scans_per_user), so another user's scan starts at once instead of
# waiting behind all of them.
. "$(dirname "$0")/lib.sh"
init_instance "max_scans = 3" "max_scans_per_user = 1"
start_kartd
login_admin
printf 'password-123\n' >"$T/pw"
expect_rc 0 as admin user add masha --role manager --team north --password-file "$T/pw"
expect_rc 0 as masha login masha --password-file "$T/pw"
"$KART_BENCH" -s "$SERVER" --ca "$CA" --password-file "$ADMIN_PW" --load 30000 --conns 2 --pipeline 8 >"$T/load.out" 2>&1 ||
	fail "load: $(cat "$T/load.out")"
scan() { # who tag: a sorted scan of every card, then the time it ended
	as "$1" ls --where 'id > 0' --sort -last_name --count >"$T/scan.$2" 2>&1
	date +%s%N >>"$T/scan.$2"
}
PIDS=()
for i in $(seq 1 16); do
	scan admin "a$i" &
	PIDS+=($!)
done
sleep 0.1 # the admin's scans are in
scan masha m
wait "${PIDS[@]}"
M=$(tail -1 "$T/scan.m")
head -1 "$T/scan.m" | grep -qx 0 || fail "masha's scan: $(cat "$T/scan.m")"
LATER=0
for i in $(seq 1 16); do
	head -1 "$T/scan.a$i" | grep -qx 30000 || fail "admin's scan $i: $(cat "$T/scan.a$i")"
	(($(tail -1 "$T/scan.a$i") > M)) && LATER=$((LATER + 1))
done
echo "admin scans ending after masha's: $LATER of 16"
((LATER >= 8)) || fail "masha's scan waited behind the admin's: only $LATER of 16 ended after it"
echo "ok pool"
