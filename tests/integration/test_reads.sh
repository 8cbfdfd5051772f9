#!/usr/bin/env bash
# Reads are recorded (show, find, ls, card ls, timeline) and listed by
# `audit reads --card` and `--user --since`, in batches rather than a write per
# read; a canary read by anyone raises an alert (kart alerts, an audit event of
# severity alert, alert_command run with the event as JSON); a manager opening
# more distinct cards in an hour than bulk_read_manager is alerted on and
# blocked until an admin unblocks (the block survives a restart); with the
# throttle policy the reads are refused for a minute instead. Rows of lists
# count apart, against a higher limit (test_reads_lists.sh).
. "$(dirname "$0")/lib.sh"
# start_kartd could read the last run's "listening" line before the new
# kartd truncates its output: restarts here begin without it
restart_kartd() {
	stop_kartd
	rm -f "$T/kartd.out"
	start_kartd
}

cat >"$T/alert.sh" <<EOF
#!/bin/sh
cat >>"$T/alerts.jsonl"
echo >>"$T/alerts.jsonl"
EOF
chmod +x "$T/alert.sh"
init_instance "read_flush_ms = 500" "bulk_read_manager = 5" "alert_command = \"$T/alert.sh\""
start_kartd
login_admin
printf 'password-123\n' >"$T/pw"
expect_rc 0 as admin user add masha --role manager --team north --password-file "$T/pw"
expect_rc 0 as admin user add aud --role auditor --password-file "$T/pw"
expect_rc 0 as masha login masha --password-file "$T/pw"
expect_rc 0 as aud login aud --password-file "$T/pw"

# eight cards of masha's, one of the admin's
declare -a C
for i in 1 2 3 4 5 6 7 8; do
	expect_rc 0 as masha card add --first "Имя$i" --last "Читаемая$i" --phone "+7 846 555-00-0$i" --city Самара
	C[$i]=$OUT
done
expect_rc 0 as admin card add --first Чужой --last Админский --city Самара
X=$OUT

# ---- reads recorded: four distinct cards, one of them opened, within the limit of 5 ----
expect_rc 0 as masha card show "${C[1]}"
expect_rc 0 as masha --json find Читаемая2
[[ $(jq -r '[.[].id] | join(" ")' <<<"$OUT") == "${C[2]}" ]] || fail "find: $OUT"
expect_rc 0 as masha --json ls --where "id = ${C[3]}"
[[ $(jq -r '[.[].id] | join(" ")' <<<"$OUT") == "${C[3]}" ]] || fail "ls: $OUT"
expect_rc 0 as masha --json card ls --after $((C[4] - 1)) --limit 1
[[ $(jq -r '[.[].id] | join(" ")' <<<"$OUT") == "${C[4]}" ]] || fail "card ls: $OUT"
expect_rc 0 as masha timeline "${C[1]}"
expect_rc 4 as masha card show "$X"   # out of scope: nothing was sent, nothing recorded

wait_json "map(select(.user == \"masha\")) | length == 2" as admin --json audit reads --card "${C[1]}"
jq -e 'any(.[]; .how == "show") and any(.[]; .how == "timeline")' <<<"$OUT" >/dev/null || fail "reads of card 1: $OUT"
[[ $(jq -r '.[0].how' <<<"$OUT") == timeline ]] || fail "by card, not newest first: $OUT"
expect_rc 0 as admin --json audit reads --card "${C[1]}" --until "$(date -d '-1 hour' '+%Y-%m-%d %H:%M')"
[[ $(jq length <<<"$OUT") == 0 ]] || fail "reads before an hour ago: $OUT"
expect_rc 0 as admin --json audit reads --card "${C[1]}" --until "$(date -d '+1 hour' '+%Y-%m-%d %H:%M')" --limit 1
[[ $(jq 'length == 1 and .[0].how == "timeline"' <<<"$OUT") == true ]] || fail "--until in an hour, --limit 1: $OUT"
wait_json 'length == 5' as admin --json audit reads --user masha --since 1h
for pair in "${C[1]} show" "${C[2]} find" "${C[3]} ls" "${C[4]} card ls" "${C[1]} timeline"; do
	id=${pair%% *} how=${pair#* }
	jq -e ".[] | select(.card_id == $id and .how == \"$how\")" <<<"$OUT" >/dev/null || fail "no '$how' of $id: $OUT"
done
# newest first
[[ $(jq -r '.[0].how' <<<"$OUT") == timeline ]] || fail "not newest first: $OUT"
expect_rc 0 as admin --json audit reads --card "$X"
[[ $(jq 'map(select(.user == "masha")) | length' <<<"$OUT") == 0 ]] || fail "a refused read was recorded: $OUT"
# an auditor may ask, a manager may not; a query needs a card or a user
expect_rc 0 as aud --json audit reads --card "${C[1]}"
expect_rc 3 as masha audit reads --card "${C[1]}"
expect_rc 2 as admin audit reads
expect_rc 0 as admin audit reads --user masha
contains "$OUT" "card ls"

# ---- batched: 50 gets, no audit event and no write of their own, recorded within ~2 s;
# the same read of the same card again within a minute is recorded once ----
expect_rc 0 as admin audit head
HEAD=$OUT
for i in $(seq 1 50); do
	id=${C[$((i % 8 + 1))]}
	[[ $i -gt 40 ]] && id=$X
	as admin card show "$id" >/dev/null || fail "get $i"
done
wait_json 'length == 9' as admin --json audit reads --user admin --since 1h
[[ $(jq -r '[.[].card_id] | sort | join(" ")' <<<"$OUT") == "$(printf '%s\n' "${C[@]}" "$X" | sort -n | paste -sd ' ')" ]] ||
	fail "admin's reads: $OUT"
expect_rc 0 as admin timeline "$X"
wait_json 'length == 10' as admin --json audit reads --user admin
expect_rc 0 as admin audit head
[[ $OUT == "$HEAD" ]] || fail "reads wrote to the audit trail: $HEAD -> $OUT"
grep -q 'ALERT' "$T/kartd.err" && fail "an alert before any canary or bulk read"

# ---- canaries ----
expect_rc 0 as admin card canary "${C[5]}"
expect_rc 4 as admin card canary 999999
expect_rc 3 as masha card canary "${C[5]}"
# the admins' list of canaries; looking at it is no read of them
expect_rc 0 as admin --json card canaries
jq -e --argjson c "${C[5]}" 'length == 1 and .[0].id == $c and (.[0].name | contains("Читаемая5")) and (.[0].in_trash // false) == false' \
	<<<"$OUT" >/dev/null || fail "card canaries: $OUT"
expect_rc 0 as admin card canaries
contains "$OUT" "Читаемая5"
expect_rc 3 as masha card canaries
expect_rc 3 as aud card canaries
sleep 0.6
expect_rc 0 as admin --json alerts
[[ $OUT == "[]" ]] || fail "listing the canaries raised an alert: $OUT"
expect_rc 0 as admin --json card show "${C[5]}"   # the admin who planted it: an alert too
expect_rc 0 as masha --json card show "${C[5]}"   # the second card masha opens
[[ $OUT != *canary* ]] || fail "the card tells it is a canary: $OUT"
wait_json 'map(select(.action == "read.canary")) | length == 2' as admin --json alerts
jq -e ".[] | select(.user == \"masha\" and .object_id == ${C[5]} and .severity == \"alert\")" <<<"$OUT" >/dev/null ||
	fail "masha's canary read: $OUT"
jq -e '.[] | select(.user == "admin")' <<<"$OUT" >/dev/null || fail "the admin's canary read: $OUT"
expect_rc 0 as admin --json audit --action read.canary
[[ $(jq 'map(select(.severity == "alert")) | length' <<<"$OUT") == 2 ]] || fail "audit events of severity alert: $OUT"
expect_rc 3 as masha alerts
expect_rc 0 as admin alerts --limit 1
[[ $(grep -c 'read.canary' <<<"$OUT") == 1 ]] || fail "alerts --limit 1: $OUT"
grep -q 'ALERT read.canary' "$T/kartd.err" || fail "no warning in the log"
# the alert command ran with the events as JSON
for i in $(seq 1 30); do
	[[ -f $T/alerts.jsonl && $(grep -c read.canary "$T/alerts.jsonl") -ge 2 ]] && break
	sleep 0.1
done
jq -se "map(select(.action == \"read.canary\" and .user == \"masha\" and .object_id == ${C[5]} and .severity == \"alert\" and .seq > 0)) | length == 1" \
	"$T/alerts.jsonl" >/dev/null || fail "alert_command input: $(cat "$T/alerts.jsonl" 2>/dev/null)"

# ---- bulk reading: the sixth distinct card opened within the hour (the
# rows of find, ls and card ls above are not opened cards) ----
for i in 2 3 4; do expect_rc 0 as masha card show "${C[$i]}"; done
expect_rc 0 as masha card show "${C[6]}"
expect_rc 3 as masha card show "${C[1]}"
contains "$ERR" "blocked for bulk reading; ask an admin"
one_line "$ERR"
expect_rc 3 as masha card ls
expect_rc 3 as masha find Читаемая7
expect_rc 3 as masha ls --where "city = Самара"
wait_json 'map(select(.action == "read.bulk" and .object_name == "masha")) | length == 1' as admin --json alerts
wait_json '.[] | select(.name == "masha") | .read_blocked == true' as admin --json user list
for i in $(seq 1 30); do
	grep -q read.bulk "$T/alerts.jsonl" && break
	sleep 0.1
done
grep -q read.bulk "$T/alerts.jsonl" || fail "alert_command not run for the bulk read"
# masha may still do what is not reading cards
expect_rc 0 as masha whoami

# the block outlives a restart
restart_kartd
expect_rc 3 as masha card show "${C[1]}"
expect_rc 0 as admin user unblock masha
expect_rc 0 as masha card show "${C[1]}"
expect_rc 0 as masha card show "${C[7]}"
expect_rc 0 as admin --json user list
[[ $(jq '.[] | select(.name == "masha") | .read_blocked // false' <<<"$OUT") == false ]] || fail "still blocked: $OUT"
expect_rc 0 as admin --json audit --action user.unblock
[[ $(jq length <<<"$OUT") == 1 ]] || fail "unblock not audited: $OUT"
expect_rc 4 as admin user unblock nobody

# exporting a canary raises an alert too, even for the admin who planted it
N0=$(KART_HOME=$T/home-admin "$KART" -s "$SERVER" --ca "$CA" --json alerts | jq length)
expect_rc 0 as admin export --where "id = ${C[5]}" --format csv -o "$T/canary-export.csv"
wait_json "length > $N0" as admin --json alerts
jq -e '.[0] | select(.action == "read.canary" and .user == "admin")' <<<"$OUT" >/dev/null ||
	fail "no alert for an exported canary: $OUT"

# a canary no more: reading it raises nothing
expect_rc 0 as admin card canary "${C[5]}" --off
expect_rc 0 as admin --json card canaries
[[ $OUT == "[]" ]] || fail "still listed: $OUT"
expect_rc 0 as admin --json alerts
N=$(jq length <<<"$OUT")
expect_rc 0 as admin card show "${C[5]}"
sleep 1.5
expect_rc 0 as admin --json alerts
[[ $(jq length <<<"$OUT") == "$N" ]] || fail "an alert for a card no longer a canary: $OUT"

# ---- throttle: refused for a minute instead of blocked ----
stop_kartd
echo "bulk_read_policy = throttle" >>"$T/inst/kartd.conf"
rm -f "$T/kartd.out"
start_kartd
for i in 1 2 3 4 5 6; do expect_rc 0 as masha card show "${C[$i]}"; done
expect_rc 1 as masha card show "${C[7]}"
contains "$ERR" "slow down"
wait_json 'map(select(.action == "read.bulk")) | length == 2' as admin --json alerts
expect_rc 0 as admin --json user list
[[ $(jq '.[] | select(.name == "masha") | .read_blocked // false' <<<"$OUT") == false ]] || fail "throttle blocked: $OUT"
expect_rc 0 as admin user unblock masha      # also ends a throttle
expect_rc 0 as masha card show "${C[7]}"

# ---- an admin slowed for bulk reading takes no backup of the whole base either ----
stop_kartd
echo "bulk_read_admin = 3" >>"$T/inst/kartd.conf"
rm -f "$T/kartd.out"
start_kartd
expect_rc 0 as admin user add boss --role admin --password-file "$T/pw"
expect_rc 0 as boss login boss --password-file "$T/pw"
for i in 1 2 3 4; do expect_rc 0 as boss card show "${C[$i]}"; done
expect_rc 1 as boss card show "${C[6]}"
contains "$ERR" "slow down"
expect_rc 1 as boss admin backup -o "$T/boss.kbk"
contains "$ERR" "slow down"
[[ ! -e $T/boss.kbk ]] || fail "a backup was written for an admin slowed for bulk reading"
sed -i '/^bulk_read_admin = 3$/d' "$T/inst/kartd.conf"

# records older than read_retention_days are pruned by the flushes, newer ones stay
: "${DBTOOL:?DBTOOL must point to kart-dbtool}"
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
# little-endian hex of a number of $2 bytes (a block is in the host's order: x86 here)
le() { printf "%0$(($2 * 2))x" "$1" | sed 's/../& /g' | awk '{ for (i = NF; i > 0; i--) printf "%s", $i }'; }
# a block of read_blocks (reads.h): one read of card $1 by masha ("show") at $2 us
block() {
	printf '%s' "$(le $((0x3142524b)) 4)$(le 1 4)$(le 2 4)$(le 9 4)$(le 0 4)$(le 5 4)$(le 9 4)"
	printf '%s' "$(hex masha)$(hex show)$(le "$1" 8)$(le "$2" 8)$(le 0 2)$(le 1 2)"
}
stop_kartd
for days in 200 10; do
	us=$((($(date +%s) - days * 86400) * 1000000))
	t=$(printf '%016x' "$us")
	id=$(printf '%016x' "${C[8]}")
	"$DBTOOL" "$T/inst/db" put read_blocks "${t}00000000" "$(block "${C[8]}" "$us")" || fail "dbtool put"
	"$DBTOOL" "$T/inst/db" put reads_by_user "$(hex masha)00$t$id" "$(hex show)" || fail "dbtool put"
	[[ $days == 200 ]] && OLD_BLOCK=${t}00000000 OLD_USER_KEY=$(hex masha)00$t$id
done
# an export's record older still: kept (as long as the export), and the walk goes past it
t=$(printf '%016x' $((($(date +%s) - 201 * 86400) * 1000000)))
OLD_EXPORT_KEY=$(hex masha)00${t}$(printf '%016x' 77)$(hex x)
"$DBTOOL" "$T/inst/db" put reads_by_user "$OLD_EXPORT_KEY" "$(hex export)" || fail "dbtool put"
# a damaged block (its header promises more than it holds) is passed over, not read past its end
t=$(printf '%016x' $((($(date +%s) - 5 * 86400) * 1000000)))
"$DBTOOL" "$T/inst/db" put read_blocks "${t}00000000" "$(le $((0x3142524b)) 4)$(le 1000 4)$(le 2 4)$(le 9 4)$(le 0 4)" ||
	fail "dbtool put"
expect_rc 0 "$DBTOOL" "$T/inst/db" get read_blocks "$OLD_BLOCK"
rm -f "$T/kartd.out"
start_kartd
expect_rc 0 as admin card show "${C[1]}"   # a read, so a flush
sleep 1.5
expect_rc 0 as admin --json audit reads --card "${C[8]}"
[[ $(jq 'map(select(.user == "masha")) | length' <<<"$OUT") == 1 ]] || fail "old record not pruned, or the recent one too: $OUT"
expect_rc 0 as admin --json audit reads --user masha
[[ $(jq "map(select(.card_id == ${C[8]})) | length" <<<"$OUT") == 1 ]] || fail "by user: $OUT"
stop_kartd
expect_rc 1 "$DBTOOL" "$T/inst/db" get read_blocks "$OLD_BLOCK"
expect_rc 1 "$DBTOOL" "$T/inst/db" get reads_by_user "$OLD_USER_KEY"
expect_rc 0 "$DBTOOL" "$T/inst/db" get reads_by_user "$OLD_EXPORT_KEY"
rm -f "$T/kartd.out"
start_kartd

# the record survives a restart; stop flushes what was not yet written
as masha card show "${C[8]}" >/dev/null
restart_kartd
expect_rc 0 as admin --json audit reads --card "${C[8]}" --since 1h
[[ $(jq 'map(select(.user == "masha")) | length' <<<"$OUT") == 1 ]] || fail "reads lost at stop: $OUT"
echo "ok reads"
