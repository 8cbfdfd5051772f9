#!/usr/bin/env bash
# systemd's watchdog: kartd, started as systemd starts it ($NOTIFY_SOCKET,
# $WATCHDOG_USEC, $WATCHDOG_PID), says READY=1 and pings WATCHDOG=1 while its
# loop and its writer are alive. A writer stuck in a write (here: waiting for
# LMDB's write lock, which another process holds) stops the pings while reads
# go on; once the lock is let go the write completes and the pings resume.
. "$(dirname "$0")/lib.sh"
init_instance
command -v python3 >/dev/null || { echo "SKIP: python3 not found"; exit 77; }

# The notify socket: every datagram a line in notify.log; a line "silent"
# after each 4 s without any (the daemon pings every second when well).
cat >"$T/listen.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(4)
out = open(sys.argv[2], "a", buffering=1)
out.write("listening\n")
while True:
    try:
        data = s.recv(4096)
    except socket.timeout:
        out.write("silent\n")
        continue
    for line in data.decode(errors="replace").split("\n"):
        if line:
            out.write(line + "\n")
PY
python3 "$T/listen.py" "$T/notify.sock" "$T/notify.log" &
LISTENER=$!
HOLDER=
trap 'st=$?; kill $LISTENER 2>/dev/null; [[ -z $HOLDER ]] || kill $HOLDER 2>/dev/null; cleanup $st' EXIT
for _ in $(seq 1 100); do [[ -S $T/notify.sock ]] && break; sleep 0.05; done
[[ -S $T/notify.sock ]] || fail "the notify listener did not start"

# waits (up to ~20 s) until notify.log has more than N lines equal to TEXT
wait_notify() {
	local text=$1 n=$2 i
	for i in $(seq 1 200); do
		[[ $(grep -cx "$text" "$T/notify.log" || true) -gt $n ]] && return 0
		sleep 0.1
	done
	fail "no '$text' after the $n seen (notify.log: $(tr '\n' ' ' <"$T/notify.log"))"
}
count() { grep -cx "$1" "$T/notify.log" || true; }

# WATCHDOG_PID names the daemon itself: the shell's pid, which exec keeps
NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=2000000 \
	sh -c 'WATCHDOG_PID=$$ exec "$0" run --data "$1"' "$KARTD" "$T/inst" >"$T/kartd.out" 2>"$T/kartd.err" &
KARTD_PID=$!
for _ in $(seq 1 200); do
	grep -q '^kartd listening on ' "$T/kartd.out" 2>/dev/null && break
	kill -0 "$KARTD_PID" 2>/dev/null || fail "kartd exited during start"
	sleep 0.05
done
SERVER=$(sed -n 's/^kartd listening on //p' "$T/kartd.out")
[[ -n $SERVER ]] || fail "kartd did not start"
wait_notify READY=1 0
wait_notify WATCHDOG=1 2
[[ $(count silent) -eq 0 ]] || fail "pings stopped while kartd was well"
login_admin
expect_rc 0 as admin card add --first Анна --last Пингова
P=$OUT

# another process takes LMDB's write lock; a write request then waits in the writer
mkfifo "$T/hold.in"
"$DBTOOL" "$T/inst/db" hold meta <"$T/hold.in" >"$T/hold.out" &
HOLDER=$!
exec 7>"$T/hold.in"
for _ in $(seq 1 100); do grep -qx held "$T/hold.out" && break; sleep 0.05; done
grep -qx held "$T/hold.out" || fail "kart-dbtool did not take the write lock"
as admin card add --first Борис --last Застрявший >"$T/stuck.out" 2>"$T/stuck.err" 7>&- &
STUCK=$!
silent=$(count silent)
wait_notify silent "$silent"
grep -q 'watchdog: the writer has been in one batch' "$T/kartd.err" || fail "no log line for the withheld pings"
kill -0 "$STUCK" 2>/dev/null || fail "the write finished while the lock was held: $(cat "$T/stuck.out" "$T/stuck.err")"
# reads go on meanwhile
expect_rc 0 as admin card show "$P"
contains "$OUT" Пингова

# the lock let go: the write commits, the pings come back
pings=$(count WATCHDOG=1)
exec 7>&-
wait "$HOLDER" || fail "kart-dbtool hold failed"
HOLDER=
rc=0
wait "$STUCK" || rc=$?
[[ $rc -eq 0 ]] || fail "the held write failed ($rc): $(cat "$T/stuck.out" "$T/stuck.err")"
wait_notify WATCHDOG=1 "$pings"
grep -q 'watchdog: the writer moves again' "$T/kartd.err" || fail "no log line for the pings resumed"
expect_rc 0 as admin ls --count
[[ $OUT == 2 ]] || fail "cards after the held write: $OUT"

stop_kartd
grep -qx STOPPING=1 "$T/notify.log" || fail "no STOPPING=1"
echo PASS
