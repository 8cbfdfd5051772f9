#!/usr/bin/env bash
# Handlers never touch a connection (docs/DESIGN.md, "Who may include what"):
# no daemon/h_*.c reaches conn.h, server.h, dispatch.h or jobs.h through its
# includes (followed through the daemon's and common headers), and none calls
# a conn_* or server_* function. SRC names the tree to check (default: this one).
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
[ "$n" -gt 10 ] || { echo "FAIL: only $n handler files under $SRC/daemon"; exit 1; }
[ "$fail" -eq 0 ] && echo "ok: $n handler files, none reaches a connection"
exit $fail
