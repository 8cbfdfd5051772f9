#!/usr/bin/env bash
# Deals shown, edited and deleted; timeline entries corrected and deleted (by
# their author or whoever may edit the card, the old text kept, the card's
# derived fields right); `kart user show`; `user lock --json`. Another
# manager's deal, entry or user answers exactly like a missing one.
. "$(dirname "$0")/lib.sh"
: "${DBTOOL:?DBTOOL must point to kart-dbtool}"
init_instance 'funnel = lead,proposal,won,lost'
start_kartd
login_admin
command -v jq >/dev/null || fail "jq is required"
printf 'password-123\n' >"$T/pw"
# north: sup (supervisor), man (manager); south: man2; aud audits
expect_rc 0 as admin user add sup --role supervisor --team north --password-file "$T/pw"
expect_rc 0 as admin user add man --role manager --team north --password-file "$T/pw"
expect_rc 0 as admin user add man2 --role manager --team south --password-file "$T/pw"
expect_rc 0 as admin user add aud --role auditor --team north --password-file "$T/pw"
for u in sup man man2 aud; do expect_rc 0 as "$u" login "$u" --password-file "$T/pw"; done

# same_answer ERR_A ID_A ERR_B ID_B: one answer, apart from the id
same_answer() {
	local a b
	a=$(sed -E "s/(^|[^[:alnum:]_])$2([^[:alnum:]_]|$)/\1ID\2/g" <<<"$1")
	b=$(sed -E "s/(^|[^[:alnum:]_])$4([^[:alnum:]_]|$)/\1ID\2/g" <<<"$3")
	[[ -n $a && $a == "$b" ]] || fail "another's and a missing object answer differently: '$1' vs '$3'"
}
# events ACTION: how many audit events of ACTION there are
events() {
	expect_rc 0 as admin --json audit --action "$1"
	jq length <<<"$OUT"
}
MISSING=999999

expect_rc 0 as man card add --first Анна --last Северная --city Самара
N=$OUT
expect_rc 0 as man2 card add --first Борис --last Южный --city Самара
S=$OUT

# ---- deal show, and the client's name beside the card id in deal ls
expect_rc 0 as man deal add "$N" --title 'Поставка ёлок' --amount '1 500,50' --close 2030-01-31
DN=$OUT
expect_rc 0 as man2 deal add "$S" --title 'Южная поставка'
DS=$OUT
expect_rc 0 as man deal show "$DN"
contains "$OUT" "deal $DN: Поставка ёлок"
contains "$OUT" "#$N Северная Анна"
contains "$OUT" "stage:    lead"
contains "$OUT" "amount:   1,500.50 RUB"
contains "$OUT" "close:    2030-01-31"
contains "$OUT" "owner:    man"
contains "$OUT" "by man"
expect_rc 0 as man --json deal show "$DN"
[[ $(jq -r '.id, .card_id, .card_title' <<<"$OUT" | paste -sd' ') == "$DN $N Северная Анна" ]] || fail "deal show --json: $OUT"
expect_rc 0 as man deal ls
grep -E "^ *$DN +$N +Северная Анна +Поставка ёлок" <<<"$OUT" >/dev/null || fail "deal ls without the client's name: $OUT"
expect_rc 0 as man --json deal ls
[[ $(jq -r ".[] | select(.id == $DN) | .card_title" <<<"$OUT") == "Северная Анна" ]] || fail "deal ls --json: $OUT"
# the client's name is user text: shown through the sanitizer (the server
# refuses controls in names, so one is planted in the stored card)
RLO_NAME=$'\xe2\x80\xaeavonavI'
PLACE=WWWWWWWWWW # as many bytes
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
expect_rc 0 as man card add --last "$PLACE" --first Ира
NB=$OUT
expect_rc 0 as man deal add "$NB" --title 'Бидирекционная'
stop_kartd
"$DBTOOL" "$T/inst/db" subst cards "$(hex "$PLACE")" "$(hex "$RLO_NAME")" >/dev/null || fail "dbtool subst"
start_kartd
expect_rc 0 as man deal ls
contains "$OUT" '<U+202E>avonavI'
[[ $OUT != *$'\xe2\x80\xae'* ]] || fail "deal ls printed a raw bidi control: $OUT"

# ---- deal edit: each field; the amount and the close date read as for deal add
E0=$(events deal.edit)
expect_rc 0 as man deal edit "$DN" --amount '2 000' --title 'Поставка сосен' --close 2030-02-28
contains "$OUT" "deal $DN updated"
expect_rc 0 as man deal show "$DN"
contains "$OUT" "deal $DN: Поставка сосен"
contains "$OUT" "amount:   2,000.00 RUB"
contains "$OUT" "close:    2030-02-28"
expect_rc 0 as admin --json audit --action deal.edit
[[ $(jq length <<<"$OUT") == $((E0 + 1)) ]] || fail "deal edit not audited once: $OUT"
jq -e '.[0] | .user == "man" and (.summary | contains("Поставка ёлок") and contains("2000.00") and contains("2030-02-28"))' \
	<<<"$OUT" >/dev/null || fail "deal edit's audit summary: $OUT"
# a change that changes nothing says so and writes nothing
expect_rc 0 as man deal edit "$DN" --amount 2000.00
contains "$OUT" "nothing changed"
[[ $(events deal.edit) == $((E0 + 1)) ]] || fail "a no-op deal edit was recorded"
# bad input: one line naming the field; the deal as it was
expect_rc 2 as man deal edit "$DN" --amount 'много'
one_line "$ERR"
contains "$ERR" amount
expect_rc 2 as man deal edit "$DN" --amount '-5'
contains "$ERR" amount
expect_rc 2 as man deal edit "$DN" --title ''
contains "$ERR" title
expect_rc 2 as man deal edit "$DN"
one_line "$ERR"
# --close is read by deal edit exactly as by deal add
for bad in '31.02.2030' 'когда-нибудь'; do
	expect_rc 2 as man deal add "$N" --title X --close "$bad"
	ADD_ERR=$ERR
	expect_rc 2 as man deal edit "$DN" --close "$bad"
	[[ $ERR == "$ADD_ERR" ]] || fail "--close '$bad': deal add says '$ADD_ERR', deal edit '$ERR'"
done
expect_rc 0 as man deal show "$DN"
contains "$OUT" "amount:   2,000.00 RUB"
contains "$OUT" "close:    2030-02-28"
# an empty --close clears the date
expect_rc 0 as man deal edit "$DN" --close ''
expect_rc 0 as man deal show "$DN"
contains "$OUT" "close:    -"

# ---- who sees and changes a deal: as its card; another's = a missing one
for cmd in "deal show @ID" "deal edit @ID --amount 1" "deal rm @ID"; do
	read -r -a args <<<"$cmd"
	expect_rc 4 as man "${args[@]//@ID/$DS}"
	OTHER_ERR=$ERR
	expect_rc 4 as man "${args[@]//@ID/$MISSING}"
	one_line "$ERR"
	same_answer "$OTHER_ERR" "$DS" "$ERR" "$MISSING"
	[[ $OTHER_ERR != *Южн* && $OTHER_ERR != *man2* ]] || fail "$cmd told of another's deal: $OTHER_ERR"
	expect_rc 3 as aud "${args[@]//@ID/$DN}"
done
expect_rc 0 as sup deal show "$DN"
expect_rc 4 as sup deal show "$DS"
expect_rc 0 as man2 deal show "$DS"
contains "$OUT" 'Южная поставка'

# ---- deal rm: for good, audited, says so
R0=$(events deal.remove)
expect_rc 0 as man deal add "$N" --title 'На удаление' --amount 10
DR=$OUT
expect_rc 0 as man deal rm "$DR"
contains "$OUT" "deal $DR deleted for good"
contains "$OUT" "cannot be restored"
expect_rc 4 as man deal show "$DR"
contains "$ERR" "no deal $DR"
expect_rc 4 as man deal rm "$DR"
expect_rc 0 as admin --json audit --action deal.remove
[[ $(jq length <<<"$OUT") == $((R0 + 1)) ]] || fail "deal rm not audited: $OUT"
jq -e ".[0] | .object_id == $DR and .object_name == \"На удаление\" and .user == \"man\" and (.summary | contains(\"10.00\"))" \
	<<<"$OUT" >/dev/null || fail "deal rm's audit: $OUT"
expect_rc 0 as man --json deal ls
jq -e "[.[].id] | index($DR) == null" <<<"$OUT" >/dev/null || fail "a deleted deal still listed: $OUT"

# ---- timeline entries: ids shown, corrected, deleted
NOW=$(date +%s)
expect_rc 0 as man log "$N" call --text 'Звонил, не дозвонился' --at $((NOW - 3600))
E1=$OUT
expect_rc 0 as admin log "$N" note --text 'Заметка админа' --at $((NOW - 1800))
E3=$OUT
expect_rc 0 as man log "$N" purchase --text 'Ёлки' --amount 100 --at $((NOW - 600))
E2=$OUT
expect_rc 0 as man timeline "$N"
contains "$OUT" "ID"
for e in "$E1" "$E2" "$E3"; do
	grep -E "^ *$e  " <<<"$OUT" >/dev/null || fail "entry id $e not shown in the timeline: $OUT"
done

T0=$(events timeline.edit)
expect_rc 0 as man timeline edit "$E1" --text 'Звонил дважды, договорились'
contains "$OUT" "entry $E1 corrected"
expect_rc 0 as man --json timeline "$N"
jq -e ".[] | select(.id == $E1) | .text == \"Звонил дважды, договорились\" and .edited_by == \"man\"
	and (.revisions | length == 1) and .revisions[0].text == \"Звонил, не дозвонился\" and .revisions[0].replaced_by == \"man\"" \
	<<<"$OUT" >/dev/null || fail "the corrected entry does not keep its old text: $OUT"
expect_rc 0 as man timeline "$N"
contains "$OUT" 'Звонил дважды, договорились (corrected by man)'
expect_rc 0 as admin --json audit --action timeline.edit
[[ $(jq length <<<"$OUT") == $((T0 + 1)) ]] || fail "timeline edit not audited once: $OUT"
jq -e ".[0] | .object_id == $N and (.summary | contains(\"Звонил, не дозвонился\") and contains(\"Звонил дважды\"))" \
	<<<"$OUT" >/dev/null || fail "timeline edit's audit: $OUT"
# a purchase's amount; the card's total follows
expect_rc 0 as man ls --count 'total_purchases = 100'
[[ $OUT == 1 ]] || fail "total before the correction: $OUT"
expect_rc 0 as man timeline edit "$E2" --amount '250'
expect_rc 0 as man ls --count 'total_purchases = 250'
[[ $OUT == 1 ]] || fail "the card's total did not follow the corrected amount: $OUT"
expect_rc 0 as man timeline "$N"
grep -E "^ *$E2 .*purchase +250\.00" <<<"$OUT" >/dev/null || fail "corrected amount not shown: $OUT"
# no change, bad input: nothing written
T1=$(events timeline.edit)
expect_rc 0 as man timeline edit "$E2" --amount 250.00
contains "$OUT" "nothing changed"
expect_rc 2 as man timeline edit "$E1" --amount 5
one_line "$ERR"
contains "$ERR" amount
expect_rc 2 as man timeline edit "$E2" --amount 0
contains "$ERR" amount
expect_rc 2 as man timeline edit "$E1" --text $'a\x1bb'
contains "$ERR" text
expect_rc 2 as man timeline edit "$E1" --text ''
contains "$ERR" text
expect_rc 2 as man timeline edit "$E1"
one_line "$ERR"
[[ $(events timeline.edit) == "$T1" ]] || fail "a refused or no-op correction was recorded"

# who may: whoever may edit the card (the supervisor, on an admin's entry),
# not a manager of another team (= missing), never the auditor
expect_rc 0 as sup timeline edit "$E3" --text 'Заметка админа, уточнено'
for cmd in "timeline edit @ID --text чужое" "timeline rm @ID"; do
	read -r -a args <<<"$cmd"
	expect_rc 4 as man2 "${args[@]//@ID/$E1}"
	OTHER_ERR=$ERR
	expect_rc 4 as man2 "${args[@]//@ID/$MISSING}"
	one_line "$ERR"
	same_answer "$OTHER_ERR" "$E1" "$ERR" "$MISSING"
	expect_rc 3 as aud "${args[@]//@ID/$E1}"
done

# delete: the card's touches, total and last touch as if it had never been logged
X0=$(events timeline.remove)
expect_rc 0 as man ls --count 'touches = 3'
[[ $OUT == 1 ]] || fail "touches before: $OUT"
expect_rc 0 as man timeline rm "$E2"
contains "$OUT" "entry $E2 removed"
expect_rc 4 as man timeline rm "$E2"
contains "$ERR" "no timeline entry $E2"
expect_rc 0 as man --json timeline "$N"
TL=$OUT
jq -e "[.[].id] | index($E2) == null and length == 2" <<<"$TL" >/dev/null || fail "removed entry still listed: $TL"
expect_rc 0 as man ls --count 'touches = 2 and total_purchases = 0'
[[ $OUT == 1 ]] || fail "touches and total after the delete: $OUT"
expect_rc 0 as man --json card show "$N"
[[ $(jq -c .last_touch_at <<<"$OUT") == $(jq -c ".[] | select(.id == $E3) | .at" <<<"$TL") ]] ||
	fail "last_touch_at is not the newest entry left: $OUT / $TL"
expect_rc 0 as admin --json audit --action timeline.remove
[[ $(jq length <<<"$OUT") == $((X0 + 1)) ]] || fail "timeline rm not audited: $OUT"
jq -e ".[0] | .object_id == $N and (.summary | contains(\"Ёлки\") and contains(\"250.00\"))" <<<"$OUT" >/dev/null ||
	fail "timeline rm's audit does not keep the text: $OUT"
expect_rc 0 as man timeline rm "$E3"
expect_rc 0 as man timeline rm "$E1"
expect_rc 0 as man --json card show "$N"
jq -e '(.last_touch_at // 0) as $t | $t == 0 or $t == null' <<<"$OUT" >/dev/null ||
	fail "last_touch_at after the last entry went: $OUT"
expect_rc 0 as man ls --count 'touches = 0'
[[ $OUT -ge 1 ]] || fail "touches after every entry went: $OUT"

# the author may correct their entry after the card has gone to someone else
expect_rc 0 as man card add --first Пётр --last Передаваемый
NP=$OUT
expect_rc 0 as man log "$NP" note --text 'Моя заметка'
EP=$OUT
expect_rc 0 as admin card edit "$NP" --set owner=man2
expect_rc 4 as man card show "$NP"
expect_rc 0 as man timeline edit "$EP" --text 'Моя заметка, исправлена'
expect_rc 0 as man2 --json timeline "$NP"
[[ $(jq -r '.[0].text' <<<"$OUT") == 'Моя заметка, исправлена' ]] || fail "author's correction: $OUT"
# and whoever may edit the card now may too
expect_rc 0 as man2 timeline rm "$EP"

# ---- user show: admins anyone, a supervisor their team, others themselves
expect_rc 0 as admin user grant man export
expect_rc 0 as admin user quota man --export-per-day 7
expect_rc 0 as admin user show man
contains "$OUT" "user man"
contains "$OUT" "role:      manager"
contains "$OUT" "team:      north"
contains "$OUT" "state:     active"
contains "$OUT" "export:    allowed (granted by an admin)"
contains "$OUT" "quota:     7 cards a day; 0 exported today"
contains "$OUT" "sessions:  1 open"
expect_rc 0 as man export -o "$T/x.csv" --where 'city = Самара'
expect_rc 0 as man user show man
contains "$OUT" "7 cards a day; 1 exported today"
expect_rc 0 as man --json user show man
jq -e '.user.name == "man" and .user.role == "manager" and .may_export == true and .sessions == 1' <<<"$OUT" >/dev/null ||
	fail "user show --json: $OUT"
[[ $(jq -c '.export_quota, .exported_today' <<<"$OUT" | paste -sd' ' | tr -d '"') == "7 1" ]] || fail "quota in JSON: $OUT"
expect_rc 0 as sup user show man
expect_rc 0 as aud user show aud
# not yours = missing
for spec in "man man2" "man sup" "sup man2" "aud man" "man2 man"; do
	read -r who other <<<"$spec"
	expect_rc 4 as "$who" user show "$other"
	OTHER_ERR=$ERR
	expect_rc 4 as "$who" user show nobody
	one_line "$ERR"
	same_answer "$OTHER_ERR" "$other" "$ERR" nobody
done

# ---- user lock --json: a real object; locked and offboarded show in user show
expect_rc 0 as admin --json user lock man2
jq -e '.user == "man2" and .locked == true and .sessions_revoked == 1' <<<"$OUT" >/dev/null || fail "user lock --json: $OUT"
expect_rc 0 as admin user show man2
contains "$OUT" "state:     locked"
contains "$OUT" "sessions:  0 open"
expect_rc 0 as admin --json user unlock man2
jq -e '.user == "man2" and (.locked // false) == false and .was_locked == true' <<<"$OUT" >/dev/null ||
	fail "user unlock --json: $OUT"
expect_rc 0 as admin user add leaver --role manager --team north --password-file "$T/pw"
expect_rc 0 as admin user offboard leaver --to man
expect_rc 0 as admin user show leaver
contains "$OUT" "state:     offboarded"
contains "$OUT" "work handed to man"
expect_rc 0 as admin --json user show leaver
jq -e '.user.offboarded_to == "man" and .user.locked == true' <<<"$OUT" >/dev/null || fail "offboarded in JSON: $OUT"
echo "ok deals"
