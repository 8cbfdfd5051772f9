#!/usr/bin/env bash
# Handlers never touch a connection (docs/DESIGN.md, "Who may include what"):
# no daemon/h_*.c reaches conn.h, server.h, dispatch.h or jobs.h through its
# includes (followed through the daemon's and common headers), and none calls
# a conn_* or server_* function. One gate: the certificate and session checks
# are made in dispatch.c only, for requests and stream pages alike, and the
# writer sends no reply itself (its written hook does). SRC names the tree to
# check (default: this one).
set -u
SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
fail=0
declare -A seen

# closure FILE: every project header FILE includes, directly or not
closure() {
	local f=$1 h p
	for h in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f"); do
		for p in "$SRC/daemon/$h" "$SRC/common/$h"; do
			if [ -f "$p" ] && [ -z "${seen[$p]:-}" ]; then
				seen[$p]=1
				echo "$h"
				closure "$p"
			fi
		done
	done
}

n=0
for f in "$SRC"/daemon/h_*.c; do
	n=$((n + 1))
	seen=()
	bad=$(closure "$f" | grep -xE 'conn\.h|server\.h|dispatch\.h|jobs\.h' | sort -u | tr '\n' ' ')
	if [ -n "$bad" ]; then
		echo "FAIL: $(basename "$f") includes (through its headers) $bad"
		fail=1
	fi
	calls=$(grep -nE '(^|[^a-z_])(conn|server)_[a-z_]+\(' "$f" | grep -v '^\s*[0-9]*:\s*/\?\*' || true)
	if [ -n "$calls" ]; then
		echo "FAIL: $(basename "$f") calls a connection or server function:"
		echo "$calls" | sed 's/^/  /'
		fail=1
	fi
done
# calls FUNC FILE...: the files (other than where FUNC is defined) that call it
callers() {
	local fn=$1
	shift
	grep -lE "(^|[^a-z_])$fn\(" "$@" 2>/dev/null | xargs -r -n1 basename | sort -u | tr '\n' ' '
}
for fn in certs_check conn_session_live; do
	who=$(callers "$fn" "$SRC"/daemon/*.c | sed -E 's/(certs|conn)\.c //')
	if [ "$who" != "dispatch.c " ]; then
		echo "FAIL: $fn is called from '$who', not from dispatch.c's gate alone"
		fail=1
	fi
done
for fn in conn_send_frame conn_flush; do
	if grep -qE "(^|[^a-z_])$fn\(" "$SRC/daemon/writer.c"; then
		echo "FAIL: writer.c calls $fn: the writer delivers replies through its written hook"
		fail=1
	fi
done

[ "$n" -gt 10 ] || { echo "FAIL: only $n handler files under $SRC/daemon"; exit 1; }
[ "$fail" -eq 0 ] && echo "ok: $n handler files, none reaches a connection"
exit $fail
