#!/bin/sh
# Checks systemd/kartd.service with `systemd-analyze verify`.
#
# usage: verify.sh UNIT_FILE KARTD_BINARY
#
# systemd-analyze verify insists that the binaries named in Exec*= lines
# exist, so the unit is copied to a scratch directory with /usr/local/bin/kartd
# replaced by the kartd just built. Any output line that mentions kartd.service
# is a failure. Exit 77 (skipped) when systemd-analyze is not installed.
set -eu

unit=${1:?usage: verify.sh UNIT_FILE KARTD_BINARY}
kartd=${2:?usage: verify.sh UNIT_FILE KARTD_BINARY}

if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "systemd-analyze not found: skipping"
	exit 77
fi
if [ ! -f "$unit" ]; then
	echo "FAIL: $unit: no such file"
	exit 1
fi
if [ ! -x "$kartd" ]; then
	echo "FAIL: $kartd is not an executable file (build the kartd target first)"
	exit 1
fi
case $kartd in
/*) ;;
*) kartd=$(cd "$(dirname "$kartd")" && pwd)/$(basename "$kartd") ;;
esac

grep -q '^ExecStart=/usr/local/bin/kartd run ' "$unit" || {
	echo "FAIL: $unit: ExecStart does not run /usr/local/bin/kartd run"
	exit 1
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kartd-verify.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

# escape the replacement for sed: backslash, the delimiter and &
repl=$(printf '%s' "$kartd" | sed 's/[\\|&]/\\&/g')
sed "s|/usr/local/bin/kartd|$repl|g" "$unit" >"$tmp/kartd.service"
if grep -q '/usr/local/bin/kartd' "$tmp/kartd.service"; then
	echo "FAIL: path rewrite left /usr/local/bin/kartd in the unit"
	exit 1
fi

# run from the scratch dir so that relative lookups cannot find the real unit
set +e
out=$(cd "$tmp" && SYSTEMD_LOG_COLOR=0 systemd-analyze verify --man=no "$tmp/kartd.service" 2>&1)
rc=$?
set -e
[ -n "$out" ] && printf '%s\n' "$out"
echo "systemd-analyze verify exited with $rc"

bad=$(printf '%s\n' "$out" | grep 'kartd\.service' || true)
if [ -n "$bad" ]; then
	echo "FAIL: systemd-analyze verify reported problems with kartd.service:"
	printf '%s\n' "$bad"
	exit 1
fi

# The exposure score, for information only (systemd >= 250 can do it offline).
if systemd-analyze security --help 2>/dev/null | grep -q -- '--offline'; then
	(cd "$tmp" && systemd-analyze security --offline=yes --no-pager "$tmp/kartd.service" 2>/dev/null |
		tail -n 1) || true
fi
echo "PASS: kartd.service verified"
