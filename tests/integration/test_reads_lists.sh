#!/usr/bin/env bash
# Rows of lists are summaries, opening a card is the audited read: the two are
# counted apart, each against its own limit (bulk_read_manager for the cards
# opened, bulk_list_factor times it for the distinct cards seen in lists).
# A manager's hour of work over their own 200 clients (300 searches typed
# letter by letter, a screenful each, and 60 cards opened) raises no alert;
# paging through a base of 3000 cards does, whether by the pages of a filter,
# by many searches that each show other cards, or by card ls. The limits are
# a third of the defaults (100 cards opened, 1000 seen in lists); the ratios
# are the defaults'.
. "$(dirname "$0")/lib.sh"

init_instance "read_flush_ms = 500" "bulk_read_manager = 100" "bulk_list_factor = 10"
start_kartd
login_admin
printf 'password-123\n' >"$T/pw"
for u in masha petya; do
	expect_rc 0 as admin user add $u --role manager --team north --password-file "$T/pw"
	expect_rc 0 as $u login $u --password-file "$T/pw"
done

# cards of their own: loaded by a supervisor of the team, then handed over
# as work is when a colleague leaves
own() {
	local to=$1 n=$2 from=load-$1 first=$3
	expect_rc 0 as admin user add "$from" --role supervisor --team north --password-file "$T/pw"
	"$KART_BENCH" -s "$SERVER" --ca "$CA" --user "$from" --password-file "$T/pw" --load "$n" --first "$first" \
		--conns 2 --pipeline 8 >"$T/load.out" 2>&1 || fail "load: $(cat "$T/load.out")"
	expect_rc 0 as admin user offboard "$from" --to "$to"
}
own masha 200 0
own petya 3000 200
expect_rc 0 as admin --json ls --where "owner = masha" --limit 1000
[[ $(jq length <<<"$OUT") == 200 ]] || fail "masha's clients: $(jq length <<<"$OUT")"
mapfile -t MASHA < <(jq -r '.[] | "\(.id) \(.last_name // .company)"' <<<"$OUT")

# ---- a manager's hour: 60 clients looked up by name as it is typed, one
# letter more each time (300 searches of a screenful), each then opened; one
# connection, as kart-tui keeps it ----
: "${READSCRIPT:?READSCRIPT must point to kart-readscript}"
reads() {
	"$READSCRIPT" "$SERVER" "$CA" "$1" "$T/pw" >"$T/reads.out" 2>"$T/reads.err" ||
		fail "kart-readscript: $(cat "$T/reads.err")"
}
for i in $(seq 0 59); do
	c=${MASHA[$((i * 3))]}
	id=${c%% *} name=${c#* }
	for n in 1 2 3 4 5; do echo "find 20 ${name:0:n}"; done
	echo "show $id"
done >"$T/hour"
reads masha <"$T/hour"
[[ $(grep -c '^ok' "$T/reads.out") == 360 ]] || fail "masha's hour: $(grep -v '^ok' "$T/reads.out" | head -3)"
# the searches showed screenfuls of rows, and more distinct cards than she may open
[[ $(head -1 "$T/reads.out" | wc -w) == 21 ]] || fail "a search of one letter: $(head -1 "$T/reads.out")"
SEEN=$(awk 'NR % 6' "$T/reads.out" | tr ' ' '\n' | grep -v ok | sort -u | wc -l)
[[ $SEEN -gt 100 ]] || fail "the searches showed only $SEEN distinct cards"
# reads are recorded all the same: rows as find, the cards opened as show
wait_json "(map(select(.how == \"show\")) | length) == 60 and ([.[] | select(.how == \"find\") | .card_id] | unique | length == $SEEN)" \
	as admin --json audit reads --user masha --since 1h --limit 100000
# not blocked (the block is taken as the limit is passed), no alert
expect_rc 0 as masha card show "${MASHA[1]%% *}"
expect_rc 0 as masha ls --where "owner = masha" --limit 20
expect_rc 0 as admin --json alerts
[[ $(jq 'map(select(.action == "read.bulk")) | length' <<<"$OUT") == 0 ]] || fail "normal work raised an alert: $OUT"
! grep -q 'ALERT' "$T/kartd.err" || fail "an alert for normal work: $(grep ALERT "$T/kartd.err")"

# ---- paging through the whole base: the pages of a filter ----
expect_rc 3 as petya ls --where "owner = petya"
contains "$ERR" "blocked for bulk reading"
expect_rc 3 as petya card show "${MASHA[0]%% *}"
wait_json 'map(select(.action == "read.bulk" and .object_name == "petya")) | length == 1' as admin --json alerts
jq -e '.[0].summary | contains("more than 1000 distinct cards seen in lists")' <<<"$OUT" >/dev/null ||
	fail "the alert does not say what was passed: $OUT"
# no more than the limit's pages went out (page_size 200: 1000 rows, then the one past it)
wait_json 'map(select(.how == "ls")) | length > 1000' as admin --json audit reads --user petya --since 1h --limit 100000
N=$(jq 'map(select(.how == "ls")) | length' <<<"$OUT")
[[ $N -gt 1000 && $N -le 1200 ]] || fail "$N rows sent before the block"
expect_rc 0 as admin user unblock petya

# ---- many searches, each showing other cards: every surname of the base ----
expect_rc 0 as admin --json ls --where "owner = petya" --limit 5000
mapfile -t NAMES < <(jq -r '[.[] | .last_name // empty] | unique | .[]' <<<"$OUT")
[[ ${#NAMES[@]} -gt 100 ]] || fail "only ${#NAMES[@]} surnames"
printf 'find 100 %s\n' "${NAMES[@]}" >"$T/names"
reads petya <"$T/names"
# every search answered until one past the limit, every one after it refused
grep -q '^err 3 ' "$T/reads.out" || fail "searched every surname of 3000 cards without a block"
awk '/^err/ { e = 1 } /^ok/ && e { exit 1 }' "$T/reads.out" || fail "a search answered after the block"
N=$(grep '^ok' "$T/reads.out" | tr ' ' '\n' | grep -v ok | sort -u | wc -l)
[[ $N -gt 1000 && $N -le 1100 ]] || fail "$N distinct cards found before the block"
wait_json 'map(select(.action == "read.bulk" and .object_name == "petya")) | length == 2' as admin --json alerts
expect_rc 0 as admin user unblock petya

# ---- and card ls, in id order ----
expect_rc 3 as petya card ls --limit 5000
wait_json 'map(select(.action == "read.bulk" and .object_name == "petya")) | length == 3' as admin --json alerts
expect_rc 0 as admin user unblock petya

# ---- the cards opened one by one still count against the lower limit ----
mapfile -t PIDS < <(jq -r '.[].id' <<<"$(as admin --json ls --where "owner = petya" --limit 101)")
printf 'show %s\n' "${PIDS[@]}" >"$T/shows"
reads petya <"$T/shows"
[[ $(grep -c '^ok' "$T/reads.out") == 101 ]] || fail "101 cards opened: $(grep -v '^ok' "$T/reads.out" | head -3)"
expect_rc 3 as petya card show "${PIDS[0]}"
wait_json 'map(select(.action == "read.bulk" and .object_name == "petya")) | length == 4' as admin --json alerts
jq -e '.[0].summary | contains("more than 100 distinct cards opened")' <<<"$OUT" >/dev/null ||
	fail "the alert does not say what was passed: $OUT"
[[ $(jq 'map(select(.object_name == "masha")) | length' <<<"$OUT") == 0 ]] || fail "masha alerted: $OUT"
# masha, still at work, is none of it
expect_rc 0 as masha card show "${MASHA[2]%% *}"
echo "ok reads_lists"
