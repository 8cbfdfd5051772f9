#!/usr/bin/env bash
# Account protection: failed logins block the address for the name (doubling,
# reset by a success; test_lockout.sh has the rest), an admin's lock
# that ends the user's sessions at once, and offboarding a departing user:
# locked, their cards, deals and reminders handed over, a report of what they
# did.
. "$(dirname "$0")/lib.sh"
init_instance "login_lockout_s = 3" "read_flush_ms = 200"
start_kartd
login_admin
printf 'password-123\n' >"$T/pw"
printf 'wrong-password\n' >"$T/bad"
expect_rc 0 as admin user add lena --role manager --team north --password-file "$T/pw"
expect_rc 0 as admin user add masha --role manager --team north --password-file "$T/pw"
expect_rc 0 as admin user add petya --role manager --team north --password-file "$T/pw"
expect_rc 0 as admin user add olga --role supervisor --team north --password-file "$T/pw"
expect_rc 0 as admin user add ivan --role supervisor --team south --password-file "$T/pw"

# ---- failed logins: 5 from one address block it for that name, the account stays open ----
expect_rc 3 as lena login lena --password-file "$T/bad"
WRONG=$ERR
one_line "$WRONG"
for i in 2 3 4 5; do
	expect_rc 3 as lena login lena --password-file "$T/bad"
	[[ $ERR == "$WRONG" ]] || fail "failure $i answered differently: '$ERR'"
done
# the right password from this address is refused now, saying why and for how long
expect_rc 3 as lena login lena --password-file "$T/pw"
[[ $ERR == "kart: too many failed logins from your address; try again in 3 s" ]] || fail "a blocked login: '$ERR'"
# other names from this address are not blocked, and an unknown one answers as a wrong password
expect_rc 3 as nobody login nobody --password-file "$T/pw"
[[ $ERR == "$WRONG" ]] || fail "an unknown user answered differently: '$WRONG' vs '$ERR'"
expect_rc 0 as admin --json audit --action login --user lena
jq -e '[.[] | select(.ok != true and (.summary | contains("blocked for this name for 3 s")))] | length == 1' <<<"$OUT" >/dev/null ||
	fail "the block is not audited: $OUT"
expect_rc 0 as admin --json audit --action user.lockout
[[ $OUT == "[]" ]] || fail "one address locked the account: $OUT"
expect_rc 0 as admin --json user list
[[ $(jq -r '.[] | select(.name == "lena") | .lockouts // 0' <<<"$OUT") == 0 ]] || fail "lockouts: $OUT"

# after the block the right password works again, and starts the doubling over
sleep 3.5
expect_rc 0 as lena login lena --password-file "$T/pw"
for i in 1 2 3 4 5; do expect_rc 3 as lena login lena --password-file "$T/bad"; done
expect_rc 3 as lena login lena --password-file "$T/pw"
[[ $ERR == "kart: too many failed logins from your address; try again in 3 s" ]] || fail "the block after a success: '$ERR'"
sleep 3.5
expect_rc 0 as lena login lena --password-file "$T/pw"

# ---- guessing the current password from a session left open counts as failed logins ----
printf 'new-password-456\n' >"$T/npw"
expect_rc 0 as admin user add vera --role manager --team north --password-file "$T/pw"
expect_rc 0 as vera login vera --password-file "$T/pw"
expect_rc 0 as vera2 login vera --password-file "$T/pw"   # a second session of vera's
for i in 1 2 3 4; do
	expect_rc 3 as vera user passwd vera --password-file "$T/npw" --old-password-file "$T/bad"
	contains "$ERR" "the current password is wrong"
	expect_rc 0 as vera whoami
done
# the fifth wrong guess blocks the address for vera and ends the session it came from
expect_rc 3 as vera user passwd vera --password-file "$T/npw" --old-password-file "$T/bad"
expect_rc 3 as vera whoami
expect_rc 3 as vera login vera --password-file "$T/pw"
contains "$ERR" "too many failed logins from your address"
# the other session, from the same address: even the right current password is refused while blocked
expect_rc 0 as vera2 whoami
expect_rc 3 as vera2 user passwd vera --password-file "$T/npw" --old-password-file "$T/pw"
contains "$ERR" "too many failed logins from your address"
expect_rc 0 as admin --json audit --action user.passwd --user vera
jq -e '[.[] | select(.ok != true)] | length == 5 and (.[0].summary | contains("locked out, the session ended"))' <<<"$OUT" >/dev/null ||
	fail "refused changes not audited: $OUT"
sleep 3.5
expect_rc 0 as vera login vera --password-file "$T/pw"
expect_rc 0 as vera user passwd vera --password-file "$T/npw" --old-password-file "$T/pw"
expect_rc 0 as vera login vera --password-file "$T/npw"

# ---- an admin's lock ends the sessions at once ----
expect_rc 0 as masha login masha --password-file "$T/pw"
expect_rc 0 as masha whoami
expect_rc 2 as admin user lock admin
contains "$ERR" "yourself"
expect_rc 3 as masha user lock petya
expect_rc 4 as admin user lock nobody
expect_rc 0 as admin user lock masha
expect_rc 3 as masha whoami
expect_rc 3 as masha login masha --password-file "$T/pw"
[[ $ERR == "$WRONG" ]] || fail "a locked user answered differently: '$ERR'"
expect_rc 0 as admin --json audit --action user.lock
jq -e '.[0].object_name == "masha" and .[0].summary == "1 session revoked"' <<<"$OUT" >/dev/null ||
	fail "lock not audited: $OUT"
expect_rc 0 as admin --json user list
[[ $(jq -r '.[] | select(.name == "masha") | .locked' <<<"$OUT") == true ]] || fail "locked flag: $OUT"
expect_rc 0 as admin user unlock masha
expect_rc 0 as masha login masha --password-file "$T/pw"
expect_rc 0 as masha whoami
expect_rc 0 as admin --json audit --action user.unlock
[[ $(jq -r '.[0].object_name' <<<"$OUT") == masha ]] || fail "unlock not audited: $OUT"

# ---- offboarding ----
expect_rc 0 as petya login petya --password-file "$T/pw"
expect_rc 0 as olga login olga --password-file "$T/pw"
expect_rc 0 as ivan login ivan --password-file "$T/pw"
expect_rc 0 as masha card add --first Анна --last Уходящая
A=$OUT
expect_rc 0 as masha card add --first Борис --last Уходящий --city Самара
B=$OUT
expect_rc 0 as petya card add --first Вера --last Петина
C=$OUT
expect_rc 0 as masha deal add "$A" --title 'Поставка'
D=$OUT
expect_rc 0 as masha remind "$B" --at +2h --text 'перезвонить'
expect_rc 0 as masha remind "$A" --at -1h --past --text 'просрочено'
expect_rc 0 as masha card edit "$B" --set city=Москва
expect_rc 0 as masha card add --first Гарри --last Удалённый
TR=$OUT
expect_rc 0 as masha card rm "$TR"
# petya sees none of masha's cards yet
expect_rc 4 as petya card show "$A"
# what masha reads before she leaves is in her departure report
expect_rc 0 as masha card show "$A"
expect_rc 0 as admin user grant masha export
expect_rc 0 as masha export --where 'city = Москва' -o "$T/leaving.csv"
sleep 0.5

# who may offboard
expect_rc 3 as masha user offboard petya --to masha
# another team's manager answers like a user who does not exist: no names to guess
expect_rc 4 as ivan user offboard masha --to petya
OTHER=$ERR
expect_rc 4 as ivan user offboard nobody --to petya
[[ ${OTHER/masha/X} == "${ERR/nobody/X}" ]] || fail "offboard: another team's user and a missing one differ: '$OTHER' vs '$ERR'"
expect_rc 2 as olga user offboard masha --to masha
expect_rc 2 as olga user offboard masha --to nobody
expect_rc 2 as olga user offboard masha
expect_rc 0 as admin user lock lena
expect_rc 2 as olga user offboard masha --to lena
contains "$ERR" "locked"
expect_rc 0 as admin --json audit --action user.offboard
[[ $OUT == "[]" ]] || fail "a refused offboard was recorded: $OUT"

# the team's supervisor offboards masha to petya
expect_rc 0 as olga --json user offboard masha --to petya
REPORT=$OUT
jq -e '.user == "masha" and .to == "petya"' <<<"$REPORT" >/dev/null || fail "report: $REPORT"
[[ $(jq -r '.cards' <<<"$REPORT") == 2 && $(jq -r '.trashed_cards' <<<"$REPORT") == 1 && $(jq -r '.deals' <<<"$REPORT") == 1 &&
	$(jq -r '.reminders' <<<"$REPORT") == 2 && $(jq -r '.sessions' <<<"$REPORT") == 1 ]] ||
	fail "counts: $REPORT"
for action in login card.create card.update deal.add reminder.add; do
	jq -e --arg a "$action" '[.recent[] | select(.action == $a and .user == "masha")] | length > 0' <<<"$REPORT" >/dev/null ||
		fail "report misses $action: $REPORT"
done
jq -e '[.recent[] | select(.user != "masha")] | length == 0' <<<"$REPORT" >/dev/null || fail "others' events: $REPORT"
# one card shown, one exported: two cards, two read records
[[ $(jq -r '.cards_read' <<<"$REPORT") == 2 && $(jq -r '.reads' <<<"$REPORT") == 2 ]] ||
	fail "the report misses what masha read: $REPORT"
jq -e '[.recent[] | select(.action == "export")] | length == 1' <<<"$REPORT" >/dev/null || fail "report misses the export: $REPORT"

# masha is locked and her session has ended
expect_rc 3 as masha whoami
expect_rc 3 as masha login masha --password-file "$T/pw"
[[ $ERR == "$WRONG" ]] || fail "an offboarded user answered differently: '$ERR'"

# the cards, the deal and the reminders are petya's now; his own card stays his
for id in "$A" "$B"; do
	expect_rc 0 as admin --json card show "$id"
	[[ $(jq -r .owner <<<"$OUT") == petya ]] || fail "card $id owner: $OUT"
done
expect_rc 0 as petya --json card ls
[[ $(jq -r '[.[].id] | sort | join(" ")' <<<"$OUT") == "$(printf '%s\n' "$A" "$B" "$C" | sort | paste -sd ' ')" ]] ||
	fail "petya's cards: $OUT"
expect_rc 0 as petya --json card show "$B"
[[ $(jq -r .city <<<"$OUT") == Москва ]] || fail "card B: $OUT"
expect_rc 0 as petya ls --where 'owner = petya' --count
[[ $OUT == 3 ]] || fail "owner index: $OUT"
expect_rc 0 as admin ls --where 'owner = masha' --count
[[ $OUT == 0 ]] || fail "masha still owns cards by the index: $OUT"
expect_rc 0 as admin --json deal ls
[[ $(jq -r ".[] | select(.id == $D or .id == \"$D\") | .owner" <<<"$OUT") == petya ]] || fail "deal owner: $OUT"
expect_rc 0 as petya --json today
jq -e '[.reminders[] | select(.text == "просрочено" and .owner == "petya")] | length == 1' <<<"$OUT" >/dev/null ||
	fail "petya's reminders: $OUT"
expect_rc 0 as admin --json card history "$A"
jq -e '[.[-1].changes[] | select(.field == "owner" and .old_value == "masha" and .new_value == "petya")] | length == 1' \
	<<<"$OUT" >/dev/null || fail "history: $OUT"
# the card in the trash is petya's too: restored, petya sees it
expect_rc 0 as petya card show "$TR" --trash
expect_rc 0 as petya card restore "$TR"
expect_rc 0 as petya --json card show "$TR"
[[ $(jq -r .owner <<<"$OUT") == petya ]] || fail "restored card's owner: $OUT"
expect_rc 0 as petya card rm "$TR"
expect_rc 0 as admin --json audit --action user.offboard
jq -e 'length == 1 and .[0].user == "olga" and .[0].object_name == "masha" and (.[0].summary | contains("2 cards (and 1 in the trash)"))' \
	<<<"$OUT" >/dev/null || fail "offboard audit: $OUT"

# the text report
expect_rc 0 as admin user offboard masha --to petya
contains "$OUT" "masha locked; 0 cards, 0 deals, 0 reminders handed to petya; 0 sessions revoked"
contains "$OUT" "What masha did in the last 30 days:"
contains "$OUT" "card.create"
echo "ok accounts"
