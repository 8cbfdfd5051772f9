#!/usr/bin/env bash
# systemd/kartd.service really runs: kartd started by systemd with every
# setting of the unit's [Service] section (its hardening, Type=notify, the
# watchdog) serves a client over TLS, logs in (the password hashing threads),
# grows its database map, runs alert_command (/bin/sh under the system call
# filter) and stops cleanly.
#
# usage: service.sh UNIT_FILE KARTD_BINARY KART_BINARY
#
# It runs as a transient service (systemd-run), so nothing is installed: the
# unit's settings that would write outside the test's temp dir (StateDirectory,
# ConfigurationDirectory) or name the installed paths (Exec*, WorkingDirectory)
# are replaced by the test's instance, bound into the service's namespace.
# Exit 77 (skipped, saying why) where systemd is not PID 1 or not usable, or
# the test does not run as root.
set -euo pipefail

unit=${1:?usage: service.sh UNIT_FILE KARTD_BINARY KART_BINARY}
kartd=${2:?usage: service.sh UNIT_FILE KARTD_BINARY KART_BINARY}
kart=${3:?usage: service.sh UNIT_FILE KARTD_BINARY KART_BINARY}

skip() {
	echo "SKIP: $*"
	exit 77
}
[[ $(ps -o comm= -p 1 2>/dev/null) == systemd ]] || skip "systemd is not PID 1 here (a container without systemd?)"
command -v systemd-run >/dev/null || skip "systemd-run not found"
state=$(systemctl is-system-running 2>/dev/null || true)
case $state in
running | degraded | starting) ;;
*) skip "systemctl is-system-running says '$state'" ;;
esac
[[ $(id -u) == 0 ]] || skip "not root: systemd-run cannot start a system service"

T=$(mktemp -d "${TMPDIR:-/tmp}/kartd-service.XXXXXX")
name=kart-test-service-$$-$RANDOM
cleanup() {
	local st=$?
	systemctl stop "$name.service" 2>/dev/null || true
	systemctl reset-failed "$name.service" 2>/dev/null || true
	rm -rf "$T"
	exit "$st"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	echo "--- the service's log ---"
	journalctl -q -n 40 -o cat _SYSTEMD_UNIT="$name.service" 2>/dev/null || true
	exit 1
}

# the service's user: the unit's (kartd) where it exists, else nobody
user=kartd
group=kartd
if ! id -u kartd >/dev/null 2>&1; then
	user=nobody
	group=$(id -gn nobody)
fi

# the instance, owned by the service's user; kartd and /bin/sh's alert
# command (cwd: the instance) in a directory of their own
mkdir -p "$T/bin"
cp "$kartd" "$T/bin/kartd"
chmod 0755 "$T" "$T/bin"
"$T/bin/kartd" init --data "$T/inst" --listen 127.0.0.1:0 >"$T/init.out"
cat >>"$T/inst/kartd.conf" <<'CONF'
map_size = 1048576
alert_command = "cat >>alerts.jsonl; echo >>alerts.jsonl"
CONF
chown -R "$user:$group" "$T/inst"

# every [Service] setting of the unit but the ones named above
props=()
while IFS= read -r line; do
	case $line in
	'' | '#'* | '['*) continue ;;
	Exec* | StateDirectory* | ConfigurationDirectory* | WorkingDirectory=* | User=* | Group=*) continue ;;
	Restart* | TimeoutStartSec=*) continue ;;
	IPAddressAllow=* | IPAddressDeny=*)
		# systemd-run takes a keyword (any, localhost, ...) only alone
		for word in ${line#*=}; do props+=(-p "${line%%=*}=$word"); done
		continue
		;;
	esac
	props+=(-p "$line")
done < <(sed -n '/^\[Service\]/,/^\[/p' "$unit")
props+=(-p "User=$user" -p "Group=$group" -p "WorkingDirectory=$T/inst"
	-p "BindPaths=$T/inst" -p "BindReadOnlyPaths=$T/bin"
	-p "TimeoutStartSec=60s")
grep -q '^WatchdogSec=' "$unit" || fail "the unit has no WatchdogSec"

# systemd-run waits for READY=1 (Type=notify), or for the start to fail
systemd-run --quiet --unit="$name" "${props[@]}" "$T/bin/kartd" run --data "$T/inst" ||
	fail "systemd-run did not start the service"
[[ $(systemctl is-active "$name.service") == active ]] || fail "the service is not active"
# what it prints and logs goes to the journal
log() { journalctl -q -o cat _SYSTEMD_UNIT="$name.service" || true; }
# wait_log TEXT: until a line of the service's log holds TEXT (~10 s)
wait_log() {
	local i
	for i in $(seq 1 100); do
		[[ $(log) == *"$1"* ]] && return 0
		sleep 0.1
	done
	return 1
}
server=
for _ in $(seq 1 100); do
	server=$(log | sed -n 's/^kartd listening on //p' | tail -n 1)
	[[ -n $server ]] && break
	sleep 0.1
done
[[ -n $server ]] || fail "no address in what the service printed"
[[ $(systemctl show -p WatchdogUSec --value "$name.service") != 0 ]] || fail "no watchdog for the service"

k() { KART_HOME=$T/home "$kart" -s "$server" --ca "$T/inst/tls/ca.pem" "$@"; }
k login admin --password-file "$T/inst/admin.password" >/dev/null || fail "login under systemd"
# 800 cards with long notes: more than the 1 MiB map, which grows
note=$(printf 'x%.0s' $(seq 1 1500))
{
	echo "first_name,last_name,notes"
	for i in $(seq 1 800); do echo "Служба$i,Системная,$note"; done
} >"$T/cards.csv"
k import "$T/cards.csv" >/dev/null || fail "import under systemd"
[[ $(k ls --count) == 800 ]] || fail "800 cards under systemd"
wait_log 'database map grown' ||
	fail "the database map did not grow"
k card add --first Канарейка --last Системная >"$T/card" || fail "card add under systemd"
k card canary "$(cat "$T/card")" >/dev/null || fail "card canary"
k card show "$(cat "$T/card")" >/dev/null || fail "card show"
for _ in $(seq 1 100); do
	[[ -s $T/inst/alerts.jsonl ]] && break
	sleep 0.1
done
grep -q '"read.canary"' "$T/inst/alerts.jsonl" 2>/dev/null || fail "alert_command did not run under the unit's limits"
wait_log 'watchdog: pinging' ||
	fail "kartd does not say it pings the watchdog"

systemctl stop "$name.service"
result=$(systemctl show -p Result --value "$name.service" 2>/dev/null || echo gone)
[[ $result == success || $result == gone ]] || fail "the service stopped with result $result"
echo "PASS: kartd served under systemd as $user with the unit's settings"
