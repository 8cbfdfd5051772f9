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

# round NAME ORDER: the admin exports into a pipe nobody reads yet (the client
# stops reading the connection, the server's stream stops halfway); another
# admin's 16 scans hold the pool (one at a time, the rest waiting); then, by
# ORDER, either the exporter's own 16 scans wait behind them and the file is
# read (its next chunk asked for while those 16 wait: it is not refused), or
# the file is read first and the 16 scans come while its chunk waits (the
# chunk does not count against the 16 a user may have waiting)
scan() { as "$1" ls --where 'id > 0' --sort -last_name --count >"$T/scan.$2" 2>&1 || true; }
round() {
	local name=$1 order=$2 i rc=0 xpid cpid
	local -a pids=()
	rm -f "$T/x.fifo"
	mkfifo "$T/x.fifo"
	exec 3<>"$T/x.fifo"
	as admin export --format vcard -o "$T/x.fifo" >"$T/$name.out" 2>&1 &
	xpid=$!
	exec 4<"$T/x.fifo"
	exec 3<&-
	sleep 2
	kill -0 "$xpid" 2>/dev/null || fail "$name: the export ended before its reader: $(cat "$T/$name.out")"
	for i in $(seq 1 16); do
		scan boss "b$i" &
		pids+=($!)
	done
	sleep 0.5
	if [[ $order == scans-first ]]; then
		for i in $(seq 1 16); do
			scan admin "a$i" &
			pids+=($!)
		done
		sleep 0.5
	fi
	cat <&4 >"$T/$name.vcf" &
	cpid=$!
	exec 4<&-
	if [[ $order == chunk-first ]]; then
		sleep 1
		for i in $(seq 1 16); do
			scan admin "a$i" &
			pids+=($!)
		done
	fi
	wait "$xpid" || rc=$?
	wait "$cpid"
	wait "${pids[@]}"
	[[ $rc == 0 ]] || fail "$name: the export failed midway (exit $rc): $(cat "$T/$name.out")"
	[[ $(grep -c '^BEGIN:VCARD' "$T/$name.vcf") == $((N + K)) && $(grep -c '^END:VCARD' "$T/$name.vcf") == $((N + K)) ]] ||
		fail "$name: $(grep -c '^BEGIN:VCARD' "$T/$name.vcf") cards, expected $N + $K canaries"
	for i in $(seq 1 16); do
		head -1 "$T/scan.a$i" | grep -qx "$N" || fail "$name: admin's scan $i: $(cat "$T/scan.a$i")"
	done
}
round first scans-first
round second chunk-first
echo "ok export_busy"
