#!/usr/bin/env bash
# kart-bench --op tui-latency: kart-tui in a pseudo-terminal against a real
# kartd with 2,000 cards, a few searches typed key by key (phones with and
# without spaces, Cyrillic last names): every key painted, every card found,
# the latency lines printed (their values are not judged here), and nothing
# left behind in the temp dir.
. "$(dirname "$0")/lib.sh"
: "${KART_TUI:?KART_TUI must point to kart-tui}"
init_instance
start_kartd
"$KART_BENCH" -s "$SERVER" --ca "$CA" --password-file "$ADMIN_PW" --load 2000 --conns 2 --pipeline 8 >"$T/load.out" 2>&1 ||
	fail "load: $(cat "$T/load.out")"
B=("$KART_BENCH" -s "$SERVER" --ca "$CA" --password-file "$ADMIN_PW")

expect_rc 2 "${B[@]}" --op tui-latency
contains "$ERR" "--op tui-latency needs --tui PATH"
expect_rc 2 "${B[@]}" --op get --tui "$KART_TUI"
contains "$ERR" "--tui goes with --op tui-latency"

# four searches: a phone typed as 8 9xx xxx xx xx, a last name, a phone as 89xxxxxxxxx, a last name
for lang in ru_RU.UTF-8 C.UTF-8; do
	mkdir "$T/tmp-$lang"
	TMPDIR=$T/tmp-$lang expect_rc 0 "${B[@]}" --op tui-latency --tui "$KART_TUI" --runs 4 --gap 0 --lang "$lang"
	line=$(grep '^op=tui-latency searches=' <<<"$OUT") || fail "no summary line: $OUT"
	[[ $line =~ searches=4\ gap=0ms\ lang=$lang:\ keys=([0-9]+)\ +p50=[0-9.]+\ ms\ +p95=[0-9.]+\ ms\ +p99=[0-9.]+\ ms\ +max=[0-9.]+\ ms\ +errors=0\ +misses=0$ ]] ||
		fail "summary ($lang): $line; $ERR"
	# 15 + 11 keys for the phones, and at least two letters of each name
	((BASH_REMATCH[1] >= 30)) || fail "only ${BASH_REMATCH[1]} keys timed: $line"
	grep -Eq '^op=tui-latency phone: searches=2 keys=26  p50=[0-9.]+ ms  p95=[0-9.]+ ms  p99=[0-9.]+ ms  max=[0-9.]+ ms  misses=0$' <<<"$OUT" ||
		fail "phone line ($lang): $OUT"
	grep -Eq '^op=tui-latency name: searches=2 keys=[0-9]+  p50=[0-9.]+ ms  .*p99=[0-9.]+ ms  .*misses=0$' <<<"$OUT" ||
		fail "name line ($lang): $OUT"
	[[ -z $(ls -A "$T/tmp-$lang") ]] || fail "left behind: $(ls -A "$T/tmp-$lang")"
done
echo "$OUT"
echo "PASS"
