#!/bin/sh
# The exposure score of systemd/kartd.service: `systemd-analyze security
# --offline=yes` must rate it 1.0 or less (and the unit keeps its watchdog and
# configuration directory).
#
# usage: security.sh UNIT_FILE KARTD_BINARY
#
# The unit is copied to a scratch directory with /usr/local/bin/kartd replaced
# by the kartd just built (as verify.sh does). Exit 77 (skipped) when
# systemd-analyze is not installed or cannot rate a unit file offline
# (systemd < 250).
set -eu

unit=${1:?usage: security.sh UNIT_FILE KARTD_BINARY}
kartd=${2:?usage: security.sh UNIT_FILE KARTD_BINARY}

if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "systemd-analyze not found: skipping"
	exit 77
fi
if ! systemd-analyze security --help 2>/dev/null | grep -q -- '--offline'; then
	echo "systemd-analyze security has no --offline (systemd < 250): skipping"
	exit 77
fi
for want in '^Type=notify$' '^WatchdogSec=[1-9]' '^ConfigurationDirectory=kartoteka$' '^User=kartd$'; do
	grep -q "$want" "$unit" || {
		echo "FAIL: $unit: no line matching $want"
		exit 1
	}
done
case $kartd in
/*) ;;
*) kartd=$(cd "$(dirname "$kartd")" && pwd)/$(basename "$kartd") ;;
esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kartd-security.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
repl=$(printf '%s' "$kartd" | sed 's/[\\|&]/\\&/g')
sed "s|/usr/local/bin/kartd|$repl|g" "$unit" >"$tmp/kartd.service"

set +e
out=$(cd "$tmp" && SYSTEMD_LOG_COLOR=0 systemd-analyze security --offline=yes --no-pager "$tmp/kartd.service" 2>&1)
rc=$?
set -e
printf '%s\n' "$out" | grep '✗' || true
score=$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for kartd\.service: \([0-9][0-9.]*\).*/\1/p')
if [ -z "$score" ]; then
	printf '%s\n' "$out"
	echo "FAIL: no exposure level in the output (systemd-analyze exited with $rc)"
	exit 1
fi
echo "exposure level: $score"
if ! awk -v s="$score" 'BEGIN { exit !(s <= 1.0) }'; then
	echo "FAIL: kartd.service is rated $score, more than 1.0"
	exit 1
fi
echo "PASS: kartd.service is rated $score"
