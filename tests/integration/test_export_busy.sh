#!/usr/bin/env bash
# An export under way is not ended by its user's other scans: each chunk of
# its file waits for the user's share of the pool like their scans do, but
# the 16 scans a user may have waiting ("busy" past them) do not refuse a
# chunk of a file already recorded and half sent.
. "$(dirname "$0")/lib.sh"
init_instance "max_scans = 1" "max_scans_per_user = 1"
start_kartd
login_admin
printf 'password-123\n' >"$T/pw"
expect_rc 0 as admin user add boss --role admin --password-file "$T/pw"
expect_rc 0 as boss login boss --password-file "$T/pw"
"$KART_BENCH" -s "$SERVER" --ca "$CA" --password-file "$ADMIN_PW" --load 40000 --conns 2 --pipeline 8 >"$T/load.out" 2>&1 ||
	fail "load: $(cat "$T/load.out")"
expect_rc 0 as admin ls --where 'id > 0' --count
N=$OUT
K=$((1 + N / 200))

# the export's file goes into a pipe nobody reads yet: the client stops
# reading the connection, and the server's stream stops halfway
mkfifo "$T/x.fifo"
exec 3<>"$T/x.fifo"
as admin export --format vcard -o "$T/x.fifo" >"$T/x.out" 2>&1 &
XPID=$!
exec 4<"$T/x.fifo"
exec 3<&-
sleep 2
kill -0 "$XPID" 2>/dev/null || fail "the export ended before its reader: $(cat "$T/x.out")"
# another admin's scans hold the pool (one at a time, the rest waiting),
# then the exporter's own 16 scans wait behind them
scan() { as "$1" ls --where 'id > 0' --sort -last_name --count >"$T/scan.$2" 2>&1 || true; }
PIDS=()
for i in $(seq 1 16); do
	scan boss "b$i" &
	PIDS+=($!)
done
sleep 0.5
for i in $(seq 1 16); do
	scan admin "a$i" &
	PIDS+=($!)
done
sleep 0.5
# the file is read: its next chunks are asked for while those 16 wait
cat <&4 >"$T/x.vcf" &
CPID=$!
exec 4<&-
RC=0
wait "$XPID" || RC=$?
wait "$CPID"
wait "${PIDS[@]}"
[[ $RC == 0 ]] || fail "the export failed midway (exit $RC): $(cat "$T/x.out")"
[[ $(grep -c '^BEGIN:VCARD' "$T/x.vcf") == $((N + K)) && $(grep -c '^END:VCARD' "$T/x.vcf") == $((N + K)) ]] ||
	fail "export: $(grep -c '^BEGIN:VCARD' "$T/x.vcf") cards, expected $N + $K canaries"
for i in $(seq 1 16); do
	head -1 "$T/scan.a$i" | grep -qx "$N" || fail "admin's scan $i: $(cat "$T/scan.a$i")"
done
echo "ok export_busy"
