#!/usr/bin/env bash
# The access matrix of docs/ACCESS.md, driven: for each request family, as
# each role, against an object of their own (a supervisor: of their team),
# one of another team and one that does not exist. Each call is allowed or
# refused as the matrix says, and another team's object answers byte for
# byte like a missing one, apart from the id, so ids and names cannot be
# enumerated.
. "$(dirname "$0")/lib.sh"
: "${DBTOOL:?DBTOOL must point to kart-dbtool}"
init_instance
start_kartd
login_admin
printf 'password-123\n' >"$T/pw"
# north: sup (supervisor), man and mate (managers); south: sup2, man2; aud audits
expect_rc 0 as admin user add sup --role supervisor --team north --password-file "$T/pw"
expect_rc 0 as admin user add man --role manager --team north --password-file "$T/pw"
expect_rc 0 as admin user add mate --role manager --team north --password-file "$T/pw"
expect_rc 0 as admin user add sup2 --role supervisor --team south --password-file "$T/pw"
expect_rc 0 as admin user add man2 --role manager --team south --password-file "$T/pw"
expect_rc 0 as admin user add aud --role auditor --team north --password-file "$T/pw"
for u in sup man mate sup2 man2 aud; do expect_rc 0 as "$u" login "$u" --password-file "$T/pw"; done

expect_rc 0 as man card add --first Анна --last Северная --city Самара
N=$OUT
expect_rc 0 as man2 card add --first Борис --last Южный --city Самара
S=$OUT
expect_rc 0 as admin card add --first Вера --last Админова --city Самара
ADM=$OUT

# run WANT USER ID ARGS...: the command with @ID replaced by ID
run() {
	local want=$1 user=$2 id=$3
	shift 3
	expect_rc "$want" as "$user" "${@//@ID/$id}"
}

# same_answer ERR_A ID_A ERR_B ID_B: one answer, apart from the id
same_answer() {
	local a b
	a=$(sed -E "s/(^|[^[:alnum:]_])$2([^[:alnum:]_]|$)/\1ID\2/g" <<<"$1")
	b=$(sed -E "s/(^|[^[:alnum:]_])$4([^[:alnum:]_]|$)/\1ID\2/g" <<<"$3")
	[[ -n $a && $a == "$b" ]] || fail "another's and a missing object answer differently: '$1' vs '$3'"
}

# row USER WANT_OWN WANT_OTHER OWN OTHER ARGS...: the command as USER on their
# own object, another team's and $MISSING. A refusal of another's object must
# read exactly like the answer for a missing one; when another's is allowed
# (admins), a missing one is NOT_FOUND (4).
ROWS=0
row() {
	local user=$1 want_own=$2 want_other=$3 own=$4 other=$5
	shift 5
	run "$want_own" "$user" "$own" "$@"
	run "$want_other" "$user" "$other" "$@"
	local other_err=$ERR want_missing=$want_other
	[[ $want_other == 0 ]] && want_missing=4
	run "$want_missing" "$user" "$MISSING" "$@"
	one_line "$ERR"
	[[ $want_other == 0 ]] || same_answer "$other_err" "$other" "$ERR" "$MISSING"
	ROWS=$((ROWS + 1))
}

# ---- cards, by id: a manager their own, a supervisor their team's, an admin all, an auditor none
MISSING=999999
for fam in "card show @ID" "card edit @ID --set city=Самара" "card history @ID" "timeline @ID" \
	"log @ID note --text заметка" "card rel add @ID --name Дочь --relation child" "card rel rm @ID 1" \
	"card revert @ID --to-version 1" "deal add @ID --title Сделка" "remind @ID --at +2h --text позвонить"; do
	read -r -a args <<<"$fam"
	row man 0 4 "$N" "$S" "${args[@]}"
	row sup 0 4 "$N" "$S" "${args[@]}"
	row sup2 0 4 "$S" "$N" "${args[@]}"
	row admin 0 0 "$N" "$S" "${args[@]}"
	row aud 3 3 "$N" "$S" "${args[@]}"
done
# to the trash and back, each in turn
for spec in "man 0 4 $N $S" "sup 0 4 $N $S" "sup2 0 4 $S $N" "admin 0 0 $N $S" "aud 3 3 $N $S"; do
	read -r u a b own other <<<"$spec"
	row "$u" "$a" "$b" "$own" "$other" card rm @ID
	row "$u" "$a" "$b" "$own" "$other" card restore @ID
done
# a teammate's card is another's for a manager (visibility_manager = own)
row mate 4 4 "$N" "$S" card show @ID

# ---- deals, by deal id: seen with their card; every move is on record, one
# to the stage the deal is at included
expect_rc 0 as man deal add "$N" --title 'Поставка'
DN=$OUT
expect_rc 0 as man2 deal add "$S" --title 'Южная поставка'
DS=$OUT
expect_rc 0 as admin --json audit --action deal.move
MOVES0=$(jq length <<<"$OUT")
row man 0 4 "$DN" "$DS" deal move @ID --stage lead
[[ $OUT != *Южная* && $ERR != *Южная* && $ERR != *man2* ]] || fail "deal move leaked another's deal: $OUT $ERR"
row sup 0 4 "$DN" "$DS" deal move @ID --stage lead
row sup2 0 4 "$DS" "$DN" deal move @ID --stage lead
row admin 0 0 "$DN" "$DS" deal move @ID --stage lead
row aud 3 3 "$DN" "$DS" deal move @ID --stage lead
expect_rc 0 as admin --json audit --action deal.move
# allowed: man's, sup's, sup2's and the admin's two, all to the stage the deal is at
[[ $(($(jq length <<<"$OUT") - MOVES0)) == 5 ]] || fail "moves recorded: $OUT"
jq -e '[.[] | select(.summary == "lead -> lead (already there)")] | length == 5' <<<"$OUT" >/dev/null ||
	fail "moves to the current stage not recorded: $OUT"
# refusals are recorded one by one for the first three of a user's minute,
# then counted by kind in one record (written at the latest at stop)
stop_kartd
start_kartd
expect_rc 0 as admin --json audit --action card.denied --user man
jq -e "[.[] | select((.object_id == $S and (.summary | contains(\"move deal $DS\"))) or (.summary | test(\"more cards.*[0-9]+ move deal\")))] | length >= 1" <<<"$OUT" >/dev/null ||
	fail "a refused deal move not on record: $OUT"
for u in man sup; do
	expect_rc 0 as "$u" --json deal ls
	jq -e "[.[].id] | index($DN) != null and index($DS) == null" <<<"$OUT" >/dev/null || fail "$u: deal ls: $OUT"
done

# deal show and edit as a move; deal rm removes, so each call gets fresh deals
for fam in "deal show @ID" "deal edit @ID --amount 5"; do
	read -r -a args <<<"$fam"
	row man 0 4 "$DN" "$DS" "${args[@]}"
	row sup 0 4 "$DN" "$DS" "${args[@]}"
	row sup2 0 4 "$DS" "$DN" "${args[@]}"
	row admin 0 0 "$DN" "$DS" "${args[@]}"
	row aud 3 3 "$DN" "$DS" "${args[@]}"
done
fresh_deals() {
	expect_rc 0 as man deal add "$N" --title 'Северная'
	DN=$OUT
	expect_rc 0 as man2 deal add "$S" --title 'Южная'
	DS=$OUT
}
for spec in "man 0 4 N S" "sup 0 4 N S" "sup2 0 4 S N" "admin 0 0 N S" "aud 3 3 N S"; do
	read -r u a b own other <<<"$spec"
	fresh_deals
	own=D$own other=D$other
	row "$u" "$a" "$b" "${!own}" "${!other}" deal rm @ID
done

# ---- timeline entries, by entry id: corrected and deleted with their card (or by their author)
fresh_entries() {
	expect_rc 0 as admin log "$N" note --text 'северная заметка'
	EN=$OUT
	expect_rc 0 as admin log "$S" note --text 'южная заметка'
	ES=$OUT
}
fresh_entries
for fam in "timeline edit @ID --text поправка" "timeline rm @ID"; do
	read -r -a args <<<"$fam"
	for spec in "man 0 4 N S" "sup 0 4 N S" "sup2 0 4 S N" "admin 0 0 N S" "aud 3 3 N S"; do
		read -r u a b own other <<<"$spec"
		own=E$own other=E$other
		row "$u" "$a" "$b" "${!own}" "${!other}" "${args[@]}"
		[[ ${args[1]} == rm ]] && fresh_entries
	done
done

# ---- user show: an admin anyone, a supervisor their team, others themselves
MISSING=nobody
row man 0 4 man man2 user show @ID
row sup 0 4 man man2 user show @ID
row sup2 0 4 man2 man user show @ID
row admin 0 0 man man2 user show @ID
row aud 0 4 aud man user show @ID
row mate 4 4 man man2 user show @ID
MISSING=999999

# ---- reminders, by reminder id: closing one removes it, so each call gets fresh ones
fresh() {
	expect_rc 0 as man remind "$N" --at +1h --text 'секрет севера'
	RN=$OUT
	expect_rc 0 as man2 remind "$S" --at +1h --text 'секрет юга'
	RS=$OUT
}
fresh
row man 0 4 "$RN" "$RS" remind done @ID
[[ $ERR != *man2* && $ERR != *юга* ]] || fail "remind done told whose it is: $ERR"
fresh
row sup 0 4 "$RN" "$RS" remind done @ID
fresh
row sup2 0 4 "$RS" "$RN" remind done @ID
fresh
row admin 0 0 "$RN" "$RS" remind done @ID
fresh
row aud 3 3 "$RN" "$RS" remind done @ID
# a teammate's reminder is not a manager's to close, even on a card they see
fresh
row mate 4 4 "$RN" "$RS" remind done @ID
# edit and snooze keep the reminder: the same scope as done
fresh
for u in man sup admin; do
	expect=4; [[ $u == admin ]] && expect=0
	row "$u" 0 "$expect" "$RN" "$RS" remind snooze @ID 1h
	row "$u" 0 "$expect" "$RN" "$RS" remind edit @ID --text 'другой текст'
done
row mate 4 4 "$RN" "$RS" remind snooze @ID 1h
row mate 4 4 "$RN" "$RS" remind edit @ID --text x
row aud 3 3 "$RN" "$RS" remind snooze @ID 1h
row man 0 4 "$N" "$S" remind ls --card @ID

# ---- segments, by name: private ones are their owner's (and admins'); shared
# ones everyone sees, only the owner and admins change or remove
expect_rc 0 as man segment save north-mine 'city = Самара'
expect_rc 0 as man2 segment save south-mine 'city = Самара'
expect_rc 0 as man2 segment save south-shared 'city = Самара' --shared
MISSING=nosuch
for fam in "segment show @ID" "ls --segment @ID --count"; do
	read -r -a args <<<"$fam"
	row man 0 4 north-mine south-mine "${args[@]}"
	row sup 4 4 north-mine south-mine "${args[@]}"
	row admin 0 0 north-mine south-mine "${args[@]}"
	row aud 3 3 north-mine south-mine "${args[@]}"
	row man 0 0 north-mine south-shared "${args[@]}"
done
expect_rc 0 as man --json segment ls
jq -e '[.[].name] | index("north-mine") != null and index("south-mine") == null and index("south-shared") != null' \
	<<<"$OUT" >/dev/null || fail "segment ls: $OUT"
expect_rc 0 as admin --json segment ls
jq -e '[.[] | select(.name == "south-mine" and .owner == "man2" and (.shared | not))] | length == 1' <<<"$OUT" >/dev/null ||
	fail "admin's segment ls: $OUT"
# changing: another's private one is refused like another's shared one
expect_rc 3 as man segment save south-shared 'city = Москва'
SHARED_ERR=$ERR
expect_rc 3 as man segment save south-mine 'city = Москва'
same_answer "$SHARED_ERR" south-shared "$ERR" south-mine
expect_rc 3 as man segment rm south-shared
row man 0 4 north-mine south-mine segment rm @ID
expect_rc 0 as man2 segment show south-mine
[[ $OUT == 'city = Самара' ]] || fail "another's private segment changed: $OUT"
expect_rc 0 as admin segment save south-shared 'city = Москва' --replace
expect_rc 0 as admin --json segment show south-shared
jq -e '.owner == "man2" and .shared' <<<"$OUT" >/dev/null || fail "an admin's change took the segment over: $OUT"
expect_rc 0 as admin segment rm south-mine
# control characters in a filter are refused at the server, named, with their column
expect_rc 2 as man segment save cr $'city = Самара\rvip = true'
one_line "$ERR"
contains "$ERR" "U+000D (carriage return)"
contains "$ERR" "column 14"
expect_rc 2 as man ls --where $'city = \xc2\x9b31m'
contains "$ERR" "U+009B"
expect_rc 4 as man segment show cr
expect_rc 2 as man segment save $'a\rb' 'id > 0'
contains "$ERR" "is not allowed"

# ---- lists show only what is in scope
for u in man sup sup2 admin; do
	expect_rc 0 as "$u" --json card ls
	ids=$(jq -c '[.[].id]' <<<"$OUT")
	case $u in
	man | sup) want="[$N]" ;;
	sup2) want="[$S]" ;;
	admin) want="[$N,$S,$ADM]" ;;
	esac
	[[ $ids == "$want" ]] || fail "$u: card ls $ids, want $want"
	expect_rc 0 as "$u" ls --where 'city = Самара' --count
	[[ $OUT == $(jq length <<<"$want") ]] || fail "$u: count $OUT for $want"
	expect_rc "$([[ $u == sup2 || $u == admin ]] && echo 0 || echo 1)" as "$u" --json find Южный
	[[ $(jq 'length' <<<"$OUT") == $([[ $u == sup2 || $u == admin ]] && echo 1 || echo 0) ]] ||
		fail "$u: find: $OUT"
done
expect_rc 3 as man today --all
expect_rc 0 as sup --json today --all
[[ $OUT != *юга* ]] || fail "today --all showed another team's reminders: $OUT"

# a segment stored before segments had owners is shared and the admins':
# whoever saved it last (here man) does not own it
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
pbstr() { printf '%02x%02x%s' "$1" "${#2}" "$(hex "$2")"; } # field number, ASCII text
stop_kartd
"$DBTOOL" "$T/inst/db" put segments "$(hex legacy)" "$(pbstr 10 legacy)$(pbstr 18 'id > 0')$(pbstr 34 man)" ||
	fail "dbtool put"
"$DBTOOL" "$T/inst/db" put segments "$(hex legacy-cr)" "$(pbstr 10 legacy-cr)$(pbstr 18 $'id > 0\rid < 0')" ||
	fail "dbtool put"
start_kartd
expect_rc 0 as man2 --json segment show legacy
jq -e '.owner == "" and .shared' <<<"$OUT" >/dev/null || fail "a segment without an owner: $OUT"
expect_rc 0 as man ls --segment legacy --count
expect_rc 3 as man segment save legacy 'id > 1'
expect_rc 3 as man segment rm legacy
# a filter stored with a carriage return before they were refused does not run
expect_rc 2 as admin ls --segment legacy-cr --count
contains "$ERR" "U+000D (carriage return)"
contains "$ERR" "column 7"
expect_rc 0 as admin segment save legacy 'id > 1' --replace
expect_rc 0 as admin --json segment show legacy
jq -e '.owner == "admin" and .shared and .created_by == "man"' <<<"$OUT" >/dev/null || fail "legacy segment saved: $OUT"
expect_rc 0 as admin segment rm legacy-cr

# ---- naming a user as an owner: one who does not exist, an auditor and one
# out of reach answer alike
MISSING=nobody
row man 0 2 man man2 card add --first Г --last Д --owner @ID
row man 0 2 man aud card add --first Г --last Д --owner @ID
row man 0 2 man mate deal add "$N" --title Т --owner @ID
row sup 0 2 mate man2 deal add "$N" --title Т --owner @ID
row sup 0 2 man aud card edit "$N" --set owner=@ID
row admin 0 2 man aud deal add "$N" --title Т --owner @ID
# offboarding: a supervisor, managers of their team only; whom to, their team only
expect_rc 0 as admin user add leaver --role manager --team north --password-file "$T/pw"
expect_rc 0 as admin user add leaver2 --role manager --team south --password-file "$T/pw"
row sup 4 4 aud leaver2 user offboard @ID --to man
row sup 2 2 sup2 man2 user offboard leaver --to @ID
row man 3 3 leaver leaver2 user offboard @ID --to man
expect_rc 0 as sup user offboard leaver --to mate

# ---- requests no role but the admin's (and the auditor's reads of the trail)
for u in sup man aud; do
	for fam in "user list" "user lock man2" "user unlock man2" "field add f --type text" "admin reindex --check" "admin backup -o -" "admin stats" \
		"user grant man2 export" "card canaries" "admin certs" "alerts"; do
		read -r -a args <<<"$fam"
		expect_rc 3 as "$u" "${args[@]}"
		one_line "$ERR"
	done
done
for u in sup man; do
	expect_rc 3 as "$u" audit
	expect_rc 3 as "$u" exports
done
expect_rc 0 as aud audit --limit 1
expect_rc 3 as aud card ls
expect_rc 3 as man user offboard man2 --to man
expect_rc 3 as man user passwd man2 --password-file "$T/pw"
MISSING_ERR=$(as man user passwd nobody --password-file "$T/pw" 2>&1) || true
[[ ${ERR/man2/X} == "${MISSING_ERR/nobody/X}" ]] || fail "passwd: '$ERR' vs '$MISSING_ERR'"
echo "ok access ($ROWS rows)"
