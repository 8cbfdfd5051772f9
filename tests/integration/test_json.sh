#!/usr/bin/env bash
# JSON that scripts can trust: instants as RFC 3339 with the client's offset,
# money as decimal text a filter reads the same, booleans and counts always
# there, errors as JSON on stderr with the usual exit codes, lists as arrays.
. "$(dirname "$0")/lib.sh"
init_instance
start_kartd
login_admin
expect_rc 0 as admin card add --first Пётр --last Ёжиков --phone '+7 846 123-45-67' --city Самара
P=$OUT

# instants: RFC 3339 with the offset of the client's TZ, the same instant in any zone
expect_rc 0 env TZ=Europe/Samara KART_HOME=$T/home-admin "$KART" -s "$SERVER" --ca "$CA" --json card show "$P"
[[ $(jq -r .created_at <<<"$OUT") =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\+04:00$ ]] || fail "created_at in Samara: $OUT"
samara=$(jq -r .created_at <<<"$OUT")
expect_rc 0 env TZ=UTC KART_HOME=$T/home-admin "$KART" -s "$SERVER" --ca "$CA" --json card show "$P"
utc=$(jq -r .created_at <<<"$OUT")
[[ $utc == *+00:00 && $(date -d "$utc" +%s) == $(date -d "$samara" +%s) ]] || fail "one instant: $samara vs $utc"
# audit times (microseconds on the wire) are instants in the same form
expect_rc 0 env TZ=Asia/Vladivostok KART_HOME=$T/home-admin "$KART" -s "$SERVER" --ca "$CA" --json audit --limit 1
[[ $(jq -r '.[0].time' <<<"$OUT") =~ ^20[0-9]{2}-.*T.*\+10:00$ ]] || fail "audit time: $OUT"
[[ $(( $(date -d "$(jq -r '.[0].time' <<<"$OUT")" +%s) - $(date -d "$utc" +%s) )) -lt 86400 ]] || fail "audit time is not seconds-scale: $OUT"
expect_rc 0 as admin --json card show "$P"
[[ $(jq -c '[has("deleted_at"), .deleted_at]' <<<"$OUT") == '[true,null]' ]] || fail "deleted_at: $OUT"

# booleans and counts always present
[[ $(jq -c '[.vip, .key_account, .touches]' <<<"$OUT") == '[false,false,0]' ]] || fail "defaults: $OUT"
expect_rc 0 as admin --json ls
[[ $(jq -c "[.[] | select(.vip == false) | .id]" <<<"$OUT") == "[$P]" ]] || fail "select vip false: $OUT"
expect_rc 0 as admin --json audit --limit 3
[[ $(jq '[.[] | select(.ok == true)] | length' <<<"$OUT") -ge 1 ]] || fail "ok present: $OUT"

# money: decimal text that a filter takes as the same amount
expect_rc 0 as admin log "$P" purchase --amount '1 500,50'
expect_rc 0 as admin --json card show "$P"
amount=$(jq -r .total_purchases <<<"$OUT")
[[ $amount == 1500.50 ]] || fail "total_purchases: $OUT"
expect_rc 0 as admin ls --where "total_purchases = $amount" --count
[[ $OUT == 1 ]] || fail "filter with the JSON amount: $OUT"
expect_rc 0 as admin --json timeline "$P"
[[ $(jq -r '.[0].amount' <<<"$OUT") == 1500.50 ]] || fail "timeline amount: $OUT"

# errors: JSON on stderr, same exit codes, nothing on stdout
expect_rc 4 as admin --json card show 999
[[ -z $OUT && $(jq -r .error.code <<<"$ERR") == NOT_FOUND && -n $(jq -r .error.message <<<"$ERR") ]] || fail "not found: $ERR"
jq -e '.error | has("field")' <<<"$ERR" >/dev/null || fail "field key: $ERR"
expect_rc 2 as admin --json card show abc
[[ $(jq -r .error.code <<<"$ERR") == USAGE ]] || fail "usage error: $ERR"
expect_rc 2 "$KART" --json crad ls
[[ $(jq -r .error.code <<<"$ERR") == USAGE ]] || fail "unknown command: $ERR"
expect_rc 6 env KART_HOME=$T/home-admin "$KART" -s 127.0.0.1:1 --ca "$CA" --json whoami
[[ $(jq -r .error.code <<<"$ERR") == UNAVAILABLE ]] || fail "connect error: $ERR"
expect_rc 2 as admin --json card add --first X --gender q
[[ $(jq -r .error.field <<<"$ERR") == gender && $(jq -r .error.code <<<"$ERR") == BAD_REQUEST ]] || fail "field error: $ERR"

# lists are arrays: find like ls, an empty one is []
expect_rc 0 as admin --json find Ёжиков
[[ $(jq -r 'type' <<<"$OUT") == array && $(jq -r '.[0].id' <<<"$OUT") == "$P" && $(jq -r '.[0].matched_as' <<<"$OUT") == name ]] || fail "find array: $OUT"
expect_rc 1 as admin --json find Nobody
[[ $(jq -c . <<<"$OUT") == '[]' ]] || fail "find nothing: $OUT"
expect_rc 0 as admin --json user list
[[ $(jq -r 'type' <<<"$OUT") == array ]] || fail "user list: $OUT"
expect_rc 0 as admin --json remind ls
[[ $(jq -c . <<<"$OUT") == '[]' ]] || fail "remind ls, none: $OUT"
expect_rc 0 as admin remind "$P" --at tomorrow --text 'позвонить'
expect_rc 0 as admin --json remind ls
[[ $(jq -r 'type' <<<"$OUT") == array && $(jq -r '.[0].text' <<<"$OUT") == позвонить ]] || fail "remind ls: $OUT"

# with standard output closed, -o - is refused before the server is asked:
# the connection's socket must never become the file
expect_rc 0 as admin user grant admin export
rc=0
KART_HOME=$T/home-admin "$KART" -s "$SERVER" --ca "$CA" export -o - >&- 2>"$T/closed.err" || rc=$?
[[ $rc == 2 ]] || fail "export -o - with stdout closed exited $rc: $(cat "$T/closed.err")"
grep -q 'standard output is closed' "$T/closed.err" || fail "closed stdout: $(cat "$T/closed.err")"
expect_rc 0 as admin --json exports
[[ $(jq length <<<"$OUT") == 0 ]] || fail "an export was recorded: $OUT"
echo ok
