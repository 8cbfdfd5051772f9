#!/usr/bin/env bash
# Exports that do not reach their end, and what a manager's lists leave in the
# audit: an export whose file was not written whole (the reader of a FIFO went
# away, the client was killed mid-stream) is recorded as failed with why and
# is not charged to the daily quota; a filtered list that merely matches other
# people's cards records no card.denied, a card named outside the scope does.
. "$(dirname "$0")/lib.sh"
init_instance "output_limit = 65536"
start_kartd
login_admin
N=40000
"$KART_BENCH" -s "$SERVER" --ca "$CA" --password-file "$ADMIN_PW" --load $N --conns 2 --pipeline 8 >"$T/load.out" 2>&1 ||
	fail "kart-bench --load: $(cat "$T/load.out")"
# a quota of a little more than one whole export: a failed one must not use it up
expect_rc 0 as admin user quota admin --export-per-day $((N + N / 4))

# waits until the newest export of admin is in `state`; prints the record
newest_export() {
	local want=$1 i
	for ((i = 0; i < 600; i++)); do
		expect_rc 0 as admin --json exports --user admin --limit 1
		[[ $(jq -r '.[0].state' <<<"$OUT") == "$want" ]] && return 0
		sleep 0.1
	done
	fail "the newest export never became $want: $OUT"
}

# 1. the FIFO's reader takes a little and goes away: the client's write fails
#    (EPIPE), it tells the server, the export is failed with the client's reason
mkfifo "$T/fifo"
head -c 100000 "$T/fifo" >"$T/part1" &
READER=$!
expect_rc 1 as admin export -o "$T/fifo"
wait "$READER" || true
contains "$ERR" "cannot write"
newest_export failed
E1=$(jq -r '.[0].id' <<<"$OUT")
contains "$(jq -r '.[0].failure' <<<"$OUT")" "the client could not write the file"
contains "$(jq -r '.[0].failure' <<<"$OUT")" "Broken pipe"
expect_rc 0 as admin exports --user admin --limit 1
contains "$OUT" "failed: the client could not write the file: Broken pipe"
expect_rc 0 as admin --json audit --action export.failed
[[ $(jq "[.[] | select(.object_id == $E1)] | length" <<<"$OUT") == 1 ]] || fail "export.failed not audited: $OUT"

# 2. the client is killed while the reader has stopped reading: the stream
#    never ends, the server records the closed connection
rm -f "$T/fifo"
mkfifo "$T/fifo"
(
	head -c 100000 >"$T/part2"
	exec sleep 600
) <"$T/fifo" &
READER=$!
KART_HOME=$T/home-admin "$KART" -s "$SERVER" --ca "$CA" export -o "$T/fifo" >"$T/out2" 2>"$T/err2" &
CLIENT=$!
for ((i = 0; i < 600; i++)); do
	[[ $(stat -c %s "$T/part2" 2>/dev/null || echo 0) -ge 100000 ]] && break
	sleep 0.1
done
[[ $(stat -c %s "$T/part2") -ge 100000 ]] || fail "the reader got nothing"
kill -9 "$CLIENT"
wait "$CLIENT" 2>/dev/null || true
kill "$READER"
wait "$READER" 2>/dev/null || true
newest_export failed
E2=$(jq -r '.[0].id' <<<"$OUT")
[[ $E2 != "$E1" ]] || fail "the killed export was not recorded"
contains "$(jq -r '.[0].failure' <<<"$OUT")" "connection closed"

# neither was charged: a whole export still fits in the quota, and is done
expect_rc 0 as admin export -o "$T/all.csv"
newest_export done
[[ $(jq -r '.[0].cards' <<<"$OUT") == "$N" ]] || fail "the whole export: $OUT"
# that one was: another does not fit
expect_rc 3 as admin export --where 'id > 0' -o "$T/again.csv"
contains "$ERR" "quota"

# a failed export keeps its fingerprints: the rows that got out trace back to it
expect_rc 0 as admin --json leak trace "$T/part2"
jq -e --argjson id "$E2" '[.matches[] | select(.export.id == $id)] | length == 1' <<<"$OUT" >/dev/null ||
	fail "a failed export's rows should still trace to it: $OUT"

# a manager's filtered list, export or count that merely matches other
# people's cards keeps to the scope and records no card.denied; a card named
# outside the scope (by id, by phone) does
printf 'password-123\n' >"$T/pw"
expect_rc 0 as admin user add masha --role manager --team north --password-file "$T/pw"
expect_rc 0 as admin user add petya --role manager --team north --password-file "$T/pw"
for u in masha petya; do expect_rc 0 as "$u" login "$u" --password-file "$T/pw"; done
expect_rc 0 as admin user grant masha export
expect_rc 0 as masha card add --first Анна --last Своя --city Тольятти
A=$OUT
expect_rc 0 as petya card add --first Борис --last Чужой --city Тольятти --phone '+7 846 222-22-22'
B=$OUT
expect_rc 0 as masha ls --where 'city = Тольятти' --count
[[ $OUT == 1 ]] || fail "a manager counted others' cards: $OUT"
expect_rc 0 as masha --json ls --where 'city = Тольятти'
expect_rc 0 as masha export --where 'city = Тольятти' -o "$T/m.csv"
as masha find Чужой >"$T/find.out" 2>&1 || true # nothing of hers matches
expect_rc 0 as admin --json audit --action card.denied --user masha
[[ $(jq length <<<"$OUT") == 0 ]] || fail "a filtered list recorded a denial: $OUT"
grep -q 'card 0' "$T/kartd.err" && fail "a log line names card 0: $(grep 'card 0' "$T/kartd.err")"
expect_rc 4 as masha card show "$B"
as masha find '+7 846 222-22-22' >"$T/find.out" 2>&1 || true
# the records are written after the answers: wait for both
for ((i = 0; i < 100; i++)); do
	expect_rc 0 as admin --json audit --action card.denied --user masha
	[[ $(jq length <<<"$OUT") -ge 2 ]] && break
	sleep 0.1
done
jq -e ".[] | select(.object_id == $B and .summary == \"show\")" <<<"$OUT" >/dev/null || fail "card show not audited: $OUT"
jq -e ".[] | select(.object_id == $B and (.summary | test(\"^find phone .*: 1 card outside scope$\")))" <<<"$OUT" >/dev/null || fail "find by phone not audited: $OUT"


# leak trace counts rows, not the export's own header line; a file without one still works
expect_rc 0 as admin --json export --where "id = $A" -o "$T/one.csv"
expect_rc 0 as admin --json leak trace "$T/one.csv"
[[ $(jq -r '.rows' <<<"$OUT") == 2 ]] || fail "1 card + 1 canary: rows $(jq -r .rows <<<"$OUT")"
tail -n +2 "$T/one.csv" >"$T/nohead.csv"
expect_rc 0 as admin --json leak trace "$T/nohead.csv"
[[ $(jq -r '.rows' <<<"$OUT") == 2 ]] || fail "without a header: rows $(jq -r .rows <<<"$OUT")"
echo "ok leak rows"

# the CSV delimiter follows the client's locale; --delimiter overrides it
in_locale() {
	local lc_all=$1 lang=$2
	shift 2
	env LC_ALL="$lc_all" LC_NUMERIC= LANG="$lang" KART_HOME="$T/home-admin" "$KART" -s "$SERVER" --ca "$CA" "$@"
}
expect_rc 0 in_locale ru_RU.UTF-8 C export --where "id = $A" -o "$T/ru.csv"
head -n 1 "$T/ru.csv" | grep -q $'^\xef\xbb\xbfid;last_name;' || fail "a Russian locale: $(head -n 1 "$T/ru.csv")"
expect_rc 0 in_locale "" ru_RU.UTF-8 export --where "id = $A" -o "$T/ru2.csv"
head -n 1 "$T/ru2.csv" | grep -q $'^\xef\xbb\xbfid;last_name;' || fail "LANG=ru: $(head -n 1 "$T/ru2.csv")"
expect_rc 0 in_locale C.UTF-8 ru_RU.UTF-8 export --where "id = $A" -o "$T/c.csv"
head -n 1 "$T/c.csv" | grep -q $'^\xef\xbb\xbfid,last_name,' || fail "the C locale: $(head -n 1 "$T/c.csv")"
expect_rc 0 in_locale ru_RU.UTF-8 C export --where "id = $A" --delimiter tab -o "$T/tab.csv"
head -n 1 "$T/tab.csv" | grep -q $'^\xef\xbb\xbfid\tlast_name\t' || fail "--delimiter tab: $(head -n 1 "$T/tab.csv")"
expect_rc 0 as admin --json leak trace "$T/ru.csv"
[[ $(jq -r '.rows' <<<"$OUT") == 2 && $(jq -r '.matches | length' <<<"$OUT") -ge 1 ]] || fail "a ';' file traced: $OUT"
echo "ok export2"
