#!/usr/bin/env bash
# (And a scoped card list on a large base reads only what it shows.)
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

# On the same large base: a manager's card list reads their own cards
# through the owner index, never decoding the 30,000 they do not see (past
# ~20,000 such cards the page's memory ran out and their own were dropped)
for i in 1 2 3; do expect_rc 0 as masha card add --last "Своя$i"; done
MINE=$(printf '%s\n' "$OUT")
expect_rc 0 as admin user add olga --role supervisor --team north --password-file "$T/pw"
expect_rc 0 as admin user add petya --role manager --team north --password-file "$T/pw"
expect_rc 0 as olga login olga --password-file "$T/pw"
expect_rc 0 as petya login petya --password-file "$T/pw"
expect_rc 0 as petya card add --last Петина
expect_rc 0 as masha --json card ls
[[ $(jq -r '[.[].last_name] | join(",")' <<<"$OUT") == "Своя1,Своя2,Своя3" ]] || fail "masha's card ls: $OUT"
expect_rc 0 as masha --json card ls --limit 2
[[ $(jq length <<<"$OUT") == 2 ]] || fail "masha's card ls --limit 2: $OUT"
# a supervisor: the team's cards, merged in id order
expect_rc 0 as olga --json card ls
[[ $(jq -r '[.[].last_name] | join(",")' <<<"$OUT") == "Своя1,Своя2,Своя3,Петина" ]] || fail "olga's card ls: $OUT"
[[ $(jq '[.[].id] == ([.[].id] | sort)' <<<"$OUT") == true ]] || fail "olga's card ls out of order: $OUT"
# An export's chunks are encoded in the pool as the exporter's scans are
# scheduled: three of the admin's exports at once share the admin's one
# scan at a time with the admin's lists, beside masha's; every file ends
# whole (each card and canary once), and the lists are answered
expect_rc 0 as admin ls --where 'id > 0' --count
N=$OUT
K=$((1 + N / 200))
PIDS=()
for i in 1 2 3; do
	as admin export --format vcard -o "$T/x$i.vcf" >"$T/x$i.out" 2>&1 &
	PIDS+=($!)
done
scan admin a0 &
PIDS+=($!)
scan masha m2
wait "${PIDS[@]}"
for i in 1 2 3; do
	[[ -s "$T/x$i.vcf" ]] || fail "export $i: no file: $(cat "$T/x$i.out")"
	[[ $(grep -c '^BEGIN:VCARD' "$T/x$i.vcf") == $((N + K)) && $(grep -c '^END:VCARD' "$T/x$i.vcf") == $((N + K)) ]] ||
		fail "export $i: $(grep -c '^BEGIN:VCARD' "$T/x$i.vcf") cards, expected $N + $K canaries; $(cat "$T/x$i.out")"
done
head -1 "$T/scan.a0" | grep -qx "$N" || fail "the admin's list beside the exports: $(cat "$T/scan.a0")"
head -1 "$T/scan.m2" | grep -qx 3 || fail "masha's list beside the exports: $(cat "$T/scan.m2")"
grep -q 'export [0-9]*: ' "$T/kartd.err" && fail "an export's stream failed: $(grep -m3 'export [0-9]*: ' "$T/kartd.err")"
grep -q 'does not decode' "$T/kartd.err" && fail "cards reported as corrupt: $(grep -m3 'does not decode' "$T/kartd.err")"
echo "ok pool"
