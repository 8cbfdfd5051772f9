#!/usr/bin/env bash
# kart admin stats: requests counted by kind with their latency, connections
# by state, the writer, the map, the audit chain; admins only; --prometheus
# prints the Prometheus text format; the counters do not grow with requests.
. "$(dirname "$0")/lib.sh"
# under ASan, freed memory waits in a quarantine: none, so the memory check below means the same
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0:thread_local_quarantine_size_kb=0
init_instance "output_limit = 65536" "page_size = 50" "read_flush_ms = 200" # a list not read soon stops streaming
start_kartd
login_admin
stats() { expect_rc 0 as admin --json admin stats; }
total() { jq -r --arg k "$1" '[.requests[] | select(.kind == $k) | .total] | add // 0' <<<"$OUT"; }

stats
[[ $(jq -r .format <<<"$OUT") == 4 && $(jq -r .uptime_seconds <<<"$OUT") -ge 0 ]] || fail "stats: $OUT"
[[ $(jq -r '.requests | type' <<<"$OUT") == array ]] || fail "requests not a list: $OUT"
W0=$(total whoami) G0=$(total card_get) C0=$(total card_create) A0=$(jq -r .audit_seq <<<"$OUT")
B0=$(jq -r .batches <<<"$OUT")

# requests counted by kind: five whoami, two creates (writes), three gets
for i in 1 2 3 4 5; do expect_rc 0 as admin whoami; done
expect_rc 0 as admin card add --first Анна --last Счётова --phone '+7 900 111-22-33'
ID=$OUT
expect_rc 0 as admin card add --first Борис --last Счётов
for i in 1 2 3; do expect_rc 0 as admin card show "$ID"; done
stats
[[ $(total whoami) == $((W0 + 5)) ]] || fail "whoami counted $(total whoami), expected $((W0 + 5))"
[[ $(total card_get) == $((G0 + 3)) ]] || fail "card_get counted $(total card_get), expected $((G0 + 3))"
[[ $(total card_create) == $((C0 + 2)) ]] || fail "card_create counted $(total card_create)"
jq -e '.requests[] | select(.kind == "card_get") | .minute >= 3 and .p50_us > 0 and .p50_us <= .p99_us and .p99_us <= .max_us' \
	<<<"$OUT" >/dev/null || fail "card_get window: $OUT"
# the writer committed the creates; the audit chain grew with them
[[ $(jq -r .batches <<<"$OUT") -ge $((B0 + 2)) && $(jq -r .minute_batch_max <<<"$OUT") -ge 1 ]] || fail "writer: $OUT"
[[ $(jq -r .audit_seq <<<"$OUT") -ge $((A0 + 2)) ]] || fail "audit_seq did not grow: $OUT"
jq -e '.map_size > 0 and .map_used > 0 and .map_used <= .map_size and .readers_max > 0 and .readers_used >= 1' \
	<<<"$OUT" >/dev/null || fail "map and readers: $OUT"
# the reads of card show went to the record of reads (written within a second)
wait_json '.reads_pending == 0' as admin --json admin stats

# connections by state: one stalled in its TLS handshake (not logged in), one
# logged in and streaming a long list that its reader does not take (longer
# than the socket's buffers: the kernel takes up to 4 MiB of unsent output)
expect_rc 0 "$KART_BENCH" -s "$SERVER" --ca "$CA" --password-file "$ADMIN_PW" --load 30000 --conns 2 --pipeline 8
PORT=${SERVER##*:}
exec 3<>"/dev/tcp/127.0.0.1/$PORT"
printf '\x16\x03\x01\x02' >&3
mkfifo "$T/slow"
exec 4<>"$T/slow" # held open, never read, and full: kart blocks writing the list's first rows,
head -c 65536 /dev/zero >&4 # reads no more, and the stream pauses
KART_HOME=$T/home-admin "$KART" -s "$SERVER" --ca "$CA" ls >"$T/slow" 2>/dev/null 3>&- 4>&- &
LS=$!
for i in $(seq 1 100); do # the list's scan runs first: give a slow build time
	stats
	jq -e '.not_logged_in >= 1 and .streaming >= 1 and .logged_in >= 2' <<<"$OUT" >/dev/null && break
	[[ $i -lt 100 ]] || fail "connections by state: $OUT"
	sleep 0.1
done
[[ $(jq -r '.connections' <<<"$OUT") -ge 3 ]] || fail "connections: $OUT"
kill "$LS" 2>/dev/null || true
wait "$LS" 2>/dev/null || true
exec 3>&- 4>&-
wait_json '.not_logged_in == 0 and .streaming == 0' as admin --json admin stats

# the text table names the kinds; --json and --prometheus exclude each other
expect_rc 0 as admin admin stats
contains "$OUT" "card_get"
contains "$OUT" "connections:"
expect_rc 2 as admin --json admin stats --prometheus

# --prometheus: the text exposition format, line by line
expect_rc 0 as admin admin stats --prometheus
printf '%s\n' "$OUT" >"$T/prom"
bad=$(grep -Ev '^# (HELP|TYPE) kartd_[a-z_]+ .+$|^kartd_[a-z_]+(\{[a-z_]+="[^"\\]*"(,[a-z_]+="[^"\\]*")*\})? -?[0-9.]+(e-?[0-9]+)?$' "$T/prom" || true)
[[ -z $bad ]] || fail "not Prometheus text: $bad"
# every sample's family has one TYPE line before it, of a known type
awk '/^# TYPE /{ if (seen[$3]++) { print "twice: " $3; exit 1 }
		 if ($4 !~ /^(gauge|counter|summary)$/) { print "type: " $0; exit 1 }; fam = $3; next }
     /^#/ { next }
     { name = $1; sub(/\{.*/, "", name); base = name; sub(/_(sum|count)$/, "", base)
       if (name != fam && base != fam) { print "outside its family: " $0; exit 1 } }' "$T/prom" ||
	fail "Prometheus families"
grep -q '^kartd_requests_total{kind="card_get"} [0-9]' "$T/prom" || fail "no card_get counter"
grep -q '^kartd_request_duration_seconds{kind="card_get",quantile="0.99"} ' "$T/prom" || fail "no quantile"
grep -q '^kartd_connections{state="logged_in"} ' "$T/prom" || fail "no connection states"
grep -q '^# TYPE kartd_request_duration_seconds summary$' "$T/prom" || fail "no summary"

# admins only: anyone else is refused, as for any admin request
echo 'Stats-pass-1' >"$T/pw"
expect_rc 0 as admin user add masha --role supervisor --team north --password-file "$T/pw"
expect_rc 0 as masha login masha --password-file "$T/pw"
expect_rc 3 as masha admin stats
contains "$ERR" "permission denied"

# the counters cost no memory as requests go on: the anonymous memory of
# kartd after a warm round of gets stays put over two more rounds
anon() { awk '/^RssAnon:/ { print $2 }' "/proc/$KARTD_PID/status"; }
bench() { "$KART_BENCH" -s "$SERVER" --ca "$CA" --password-file "$ADMIN_PW" --op get --seconds 1 --conns 2 \
	--pipeline 8 --ids 1-2000 >"$T/bench.out" 2>&1 || fail "kart-bench: $(cat "$T/bench.out")"; }
bench
stats
G1=$(total card_get)
M1=$(anon)
bench
bench
stats
G2=$(total card_get)
M2=$(anon)
[[ $((G2 - G1)) -ge 10000 ]] || fail "too few gets to tell: $((G2 - G1))"
[[ $((M2 - M1)) -lt 1024 ]] || fail "kartd grew by $((M2 - M1)) KiB over $((G2 - G1)) gets"
echo "ok stats ($((G2 - G1)) gets, anonymous memory $M1 -> $M2 KiB)"
