#!/usr/bin/env bash
# Instants in filters: every form an option takes, read in the client's zone
# (two zones, two answers for one literal); custom numbers as JSON numbers that
# read back into a filter; a reminder in the past refused by the server itself.
. "$(dirname "$0")/lib.sh"
init_instance
# the server lives 12 hours behind UTC; the clients below 14 hours ahead of UTC
# or 11 behind: 25 hours apart, so "today" is never the same day for both
TZ='<-12>12' start_kartd
login_admin
command -v jq >/dev/null || fail "jq is required"
EAST='<+14>-14' WEST='<-11>11' # POSIX zones: no tzdata needed, no DST
expect_rc 0 as admin card add --first 'Анна' --last 'Первая'
ID=$OUT
C=$(as admin --json card show "$ID" | jq -r .created_at)
C=$(date -d "$C" +%s)

# count FILTER in zone TZ_: prints how many cards match
count() {
	local tz=$1
	shift
	TZ=$tz expect_rc 0 as admin ls --count "$@"
}

# ---- a time of day is read in the client's zone: one literal, two answers ----
# the card's creation minute less two, as a UTC clock shows it
L=$(TZ=UTC0 date -d "@$((C - 120))" '+%d.%m.%Y %H:%M')
count UTC0 "created_at > '$L'"; [[ $OUT == 1 ]] || fail "UTC: created_at > '$L' should match: $OUT"
count "$WEST" "created_at > '$L'"; [[ $OUT == 0 ]] || fail "UTC-11: created_at > '$L' is 11 h later: $OUT"
count "$WEST" "created_at < '$L'"; [[ $OUT == 1 ]] || fail "UTC-11: created_at < '$L' should match: $OUT"
# the same instant written with its zone reads the same in both
R=$(TZ=UTC0 date -d "@$((C - 120))" '+%Y-%m-%dT%H:%M:%SZ')
count UTC0 "created_at > $R"; [[ $OUT == 1 ]] || fail "unquoted RFC 3339: $OUT"
count "$WEST" "created_at > $R"; [[ $OUT == 1 ]] || fail "RFC 3339 is zone-free: $OUT"
R3=$(TZ='<+03>-3' date -d "@$((C + 120))" '+%Y-%m-%dT%H:%M:%S+03:00')
count "$EAST" "created_at < '$R3'"; [[ $OUT == 1 ]] || fail "RFC 3339 +03:00: $OUT"
count "$EAST" "created_at > '$R3'"; [[ $OUT == 0 ]] || fail "RFC 3339 +03:00 (>): $OUT"
# to the second: the card's own second, in unix seconds and in RFC 3339
count "$EAST" "created_at = $C"; [[ $OUT == 1 ]] || fail "created_at = unix seconds: $OUT"
count "$EAST" "created_at > $C"; [[ $OUT == 0 ]] || fail "created_at > its own second: $OUT"
count UTC0 "created_at = $(TZ=UTC0 date -d "@$C" '+%Y-%m-%dT%H:%M:%SZ')"; [[ $OUT == 1 ]] || fail "= RFC 3339: $OUT"
# relative words with a time, and a bare time (today at it)
count "$EAST" "created_at < 'завтра 00:00'"; [[ $OUT == 1 ]] || fail "завтра 00:00: $OUT"
count "$WEST" "created_at < 'tomorrow 00:00' and created_at >= 'вчера 00:00'"; [[ $OUT == 1 ]] || fail "tomorrow/вчера: $OUT"
count "$EAST" "created_at < 'yesterday 23:59'"; [[ $OUT == 0 ]] || fail "yesterday 23:59: $OUT"
count "$EAST" "created_at >= 00:00"; [[ $OUT == 1 ]] || fail "bare 00:00 is today's: $OUT"
# last_touch_at (the issue's name; last_touch too) and updated_at take them alike
expect_rc 0 as admin log "$ID" call --text 'звонок'
count "$EAST" "last_touch_at > 1733000000"; [[ $OUT == 1 ]] || fail "last_touch_at > unix seconds: $OUT"
count "$EAST" "last_touch > 4000000000"; [[ $OUT == 0 ]] || fail "last_touch > the future: $OUT"
count "$WEST" "updated_at >= '$L'"; [[ $OUT == 0 ]] || fail "updated_at in UTC-11: $OUT"

# ---- a date alone is the card's day in the client's zone ----
# 25 hours apart, the two zones never share a date
count "$EAST" "created_at = today"; [[ $OUT == 1 ]] || fail "EAST: created today: $OUT"
count "$WEST" "created_at = today"; [[ $OUT == 1 ]] || fail "WEST: created today: $OUT"
DE=$(TZ=$EAST date -d "@$C" +%F)
count "$EAST" "created_at = $DE"; [[ $OUT == 1 ]] || fail "EAST: created on $DE: $OUT"
count "$WEST" "created_at = $DE"; [[ $OUT == 0 ]] || fail "WEST: not created on $DE: $OUT"
count "$WEST" "created_at = $(TZ=$WEST date -d "@$C" +%d.%m.%Y)"; [[ $OUT == 1 ]] || fail "WEST: DD.MM.YYYY: $OUT"
# a move and an export read the filter alike
TZ=$EAST expect_rc 0 as admin move --where "created_at = $DE" --sector hot --dry-run
contains "$OUT" "1 card would move"
# (a dry run counted "today" from 1970 before)
TZ=$EAST expect_rc 0 as admin move --where "created_at = today" --sector hot --dry-run
contains "$OUT" "1 card would move"
TZ=$WEST expect_rc 0 as admin move --where "created_at = $DE" --sector hot
TZ=$EAST expect_rc 0 as admin --json card show "$ID"
[[ $(jq -r '.sector // ""' <<<"$OUT") != hot ]] || fail "WEST moved a card not created on its $DE"
TZ=$EAST expect_rc 0 as admin move --where "created_at = $DE" --sector hot
TZ=$EAST expect_rc 0 as admin --json card show "$ID"
[[ $(jq -r .sector <<<"$OUT") == hot ]] || fail "EAST did not move the card created on its $DE"
TZ=$EAST expect_rc 0 as admin export --where "created_at = $DE" -o "$T/east.csv"
TZ=$WEST expect_rc 0 as admin export --where "created_at = $DE" -o "$T/west.csv"
grep -q 'Первая' "$T/east.csv" || fail "EAST export lacks the card"
! grep -q 'Первая' "$T/west.csv" || fail "WEST export has the card"

# ---- dates that are dates: a time is refused, naming the field and column ----
expect_rc 0 as admin field add visit --type date
expect_rc 2 as admin ls "birthday = '10:00'"
one_line "$ERR"; contains "$ERR" "birthday is a date; '10:00' has a time of day"; contains "$ERR" "column 12"
expect_rc 2 as admin ls "visit > 'завтра 10:00'"
contains "$ERR" "visit is a date"; contains "$ERR" "column 9"
expect_rc 2 as admin ls "visit > 1733000000"
contains "$ERR" "visit is a date; '1733000000' is not"
# a time with a space must be quoted, and the error says so
expect_rc 2 as admin ls "created_at < завтра 10:00"
contains "$ERR" "quote a value that has spaces"
expect_rc 2 as admin ls "created_at < 25:00"
contains "$ERR" "created_at is a time; '25:00' is not"
# the help lists the forms
expect_rc 0 as admin ls --help
contains "$OUT" "2026-12-05T23:59:00+03:00"; contains "$OUT" "завтра"; contains "$OUT" "unix seconds"

# ---- custom numbers are JSON numbers, yes/no are booleans, masked stays text ----
printf 'manager-pass-1\n' >"$T/mpw"
expect_rc 0 as admin user add masha --role manager --team north --password-file "$T/mpw"
expect_rc 0 as admin user add petya --role manager --team north --password-file "$T/mpw"
expect_rc 0 as masha login masha --password-file "$T/mpw"
expect_rc 0 as admin field add computers --type number
expect_rc 0 as admin field add income --type number --sensitive
expect_rc 0 as admin field add seminar_ok --type bool
expect_rc 0 as admin field add code --type text
expect_rc 0 as admin card add --first 'Борис' --last 'Второй' --owner petya \
	--set computers='1 500,25' --set income=90000 --set seminar_ok=да --set code=0042 --set visit=2026-12-05
N=$OUT
expect_rc 0 as admin --json card show "$N"
# the exact text, no float in between: 1500.25, not a string, not 1500.2500000001
grep -q '"value": 1500.25,' <<<"$OUT" || fail "computers is not the number 1500.25: $OUT"
grep -q '"value": 90000,' <<<"$OUT" || fail "income is not a number: $OUT"
grep -q '"value": true,' <<<"$OUT" || fail "seminar_ok is not true: $OUT"
[[ $(jq -r '.custom[] | select(.field=="computers") | .value | type' <<<"$OUT") == number ]] || fail "type: $OUT"
[[ $(jq -r '.custom[] | select(.field=="code") | .value | type' <<<"$OUT") == string ]] || fail "text stays text: $OUT"
[[ $(jq -r '.custom[] | select(.field=="code") | .value' <<<"$OUT") == 0042 ]] || fail "text kept as typed: $OUT"
[[ $(jq -r '.custom[] | select(.field=="visit") | .value' <<<"$OUT") == 2026-12-05 ]] || fail "a date stays text: $OUT"
# the number reads back into a filter and finds the same card
V=$(jq -r '.custom[] | select(.field=="computers") | .value' <<<"$OUT")
expect_rc 0 as admin --json ls "computers = $V"
[[ $(jq -r '[.[].id] | join(",")' <<<"$OUT") == "$N" ]] || fail "computers = $V finds: $OUT"
[[ $(jq -r '.[0].custom[] | select(.field=="computers") | .value | type' <<<"$OUT") == number ]] || fail "ls: $OUT"
expect_rc 0 as admin --json ls "seminar_ok = true and income = 90000"
[[ $(jq -r '.[0].custom[] | select(.field=="seminar_ok") | .value' <<<"$OUT") == true ]] || fail "ls bool: $OUT"
# masked for a teammate: "***" stays a string
stop_kartd
echo "visibility_manager = team" >>"$T/inst/kartd.conf"
TZ='<-12>12' start_kartd
expect_rc 0 as masha --json card show "$N"
[[ $(jq -r '.custom[] | select(.field=="income") | .value' <<<"$OUT") == '***' ]] || fail "income not masked: $OUT"
[[ $(jq -r '.custom[] | select(.field=="computers") | .value | type' <<<"$OUT") == number ]] || fail "masha: $OUT"
expect_rc 0 as masha --json ls "computers > 1500"
[[ $(jq -r '.[0].custom[] | select(.field=="income") | .value' <<<"$OUT") == '***' ]] || fail "ls masked: $OUT"

# ---- a reminder in the past: the server refuses it unless past is set ----
"$HOSTILE" past-reminder "$SERVER" "$CA" "$ADMIN_PW" || fail "scenario past-reminder"
# a client that sends its day and offset, no end of day: today ends at its midnight
"$HOSTILE" client-offset "$SERVER" "$CA" "$ADMIN_PW" || fail "scenario client-offset"

echo "ok filter_time"
