#!/usr/bin/env bash
# A hostile day with the request kinds of deals, timeline corrections, user
# show, reminders (ls, edit, snooze), segments, moves, offboarding, exports
# and list edits: as every role, another team's manager, a locked and an
# offboarded user and a client with no session. "Not yours" answers exactly
# like "missing" and changes nothing; bad input is one line naming its field
# and changes nothing; an auditor changes nothing; user text never reaches
# the terminal raw; repeated edits do not grow what is stored.
. "$(dirname "$0")/lib.sh"
: "${DBTOOL:?DBTOOL must point to kart-dbtool}"
init_instance 'funnel = lead,proposal,won,lost'
start_kartd
login_admin
command -v jq >/dev/null || fail "jq is required"
printf 'password-123\n' >"$T/pw"
# north: sup (supervisor), man, mate, gone (managers); south: sup2, man2; aud audits
for spec in "sup supervisor north" "man manager north" "mate manager north" "gone manager north" \
	"sup2 supervisor south" "man2 manager south" "aud auditor north"; do
	read -r u role team <<<"$spec"
	expect_rc 0 as admin user add "$u" --role "$role" --team "$team" --password-file "$T/pw"
	expect_rc 0 as "$u" login "$u" --password-file "$T/pw"
done

# same_answer ERR_A ID_A ERR_B ID_B: one answer, apart from the id
same_answer() {
	local a b
	a=$(sed -E "s/(^|[^[:alnum:]_])$2([^[:alnum:]_]|$)/\1ID\2/g" <<<"$1")
	b=$(sed -E "s/(^|[^[:alnum:]_])$4([^[:alnum:]_]|$)/\1ID\2/g" <<<"$3")
	[[ -n $a && $a == "$b" ]] || fail "another's and a missing object answer differently: '$1' vs '$3'"
}
# changes: the audit events that record a change (not logins, not card.denied)
changes() {
	expect_rc 0 as admin --json audit
	jq '[.[] | select(.action != "card.denied" and .action != "login" and .action != "logout")] | length' <<<"$OUT"
}
events() { # ACTION: how many events of ACTION
	expect_rc 0 as admin --json audit --action "$1"
	jq length <<<"$OUT"
}
# state: everything the day's objects hold, as an admin sees them
state() {
	local s=""
	expect_rc 0 as admin --json deal ls
	s+=$OUT
	expect_rc 0 as admin --json timeline "$N"
	s+=$OUT
	expect_rc 0 as admin --json timeline "$S"
	s+=$OUT
	expect_rc 0 as admin --json remind ls --all
	s+=$OUT
	expect_rc 0 as admin --json today --all
	s+=$OUT
	expect_rc 0 as admin --json card show "$N"
	s+=$OUT
	expect_rc 0 as admin --json card show "$S"
	s+=$OUT
	expect_rc 0 as admin --json segment ls
	s+=$OUT
	printf '%s' "$s" | sha256sum
}
MISSING=999999

expect_rc 0 as man card add --first Анна --last Северная --city Самара --phone '+7 900 100-00-01'
N=$OUT
expect_rc 0 as man2 card add --first Борис --last Южный --city Самара --phone '+7 900 200-00-02'
S=$OUT
expect_rc 0 as man deal add "$N" --title 'Поставка' --amount 100
DN=$OUT
expect_rc 0 as man2 deal add "$S" --title 'Южная поставка' --amount 200
DS=$OUT
expect_rc 0 as man log "$N" call --text 'звонок'
EN=$OUT
expect_rc 0 as man log "$N" purchase --amount 50 --text 'покупка'
PN=$OUT
expect_rc 0 as man2 log "$S" note --text 'юг'
ES=$OUT
expect_rc 0 as man remind "$N" --at +2h --text 'позвонить'
RN=$OUT
expect_rc 0 as man2 remind "$S" --at +2h --text 'южное'
RS=$OUT
expect_rc 0 as man segment save mine 'city = Самара'

# ---- not yours = missing: same code, same words, same exit code, no change
BEFORE=$(state)
CHANGES=$(changes)
# probe USER WANT_RC OTHER ARGS...: another's object (OTHER for @ID) and a missing one answer alike
probe() {
	local user=$1 want=$2 other=$3
	shift 3
	expect_rc "$want" as "$user" "${@//@ID/$other}"
	local other_err=$ERR
	one_line "$ERR"
	expect_rc "$want" as "$user" "${@//@ID/$MISSING}"
	same_answer "$other_err" "$other" "$ERR" "$MISSING"
}
for u in man2 sup2 mate; do
	probe "$u" 4 "$DN" deal show @ID
	probe "$u" 4 "$DN" deal edit @ID --title 'чужая'
	probe "$u" 4 "$DN" deal edit @ID --amount 1
	probe "$u" 4 "$DN" deal rm @ID
	probe "$u" 4 "$DN" deal move @ID --stage won
	probe "$u" 4 "$RN" remind edit @ID --text 'чужое'
	probe "$u" 4 "$RN" remind edit @ID --at +3h
	probe "$u" 4 "$RN" remind snooze @ID 1h
	probe "$u" 4 "$RN" remind done @ID
	probe "$u" 4 "$N" remind ls --card @ID
	probe "$u" 4 "$N" timeline @ID
done
# a teammate of the author may not correct the entry (mate does not see man's card); another team neither
for u in man2 sup2 mate; do
	probe "$u" 4 "$EN" timeline edit @ID --text 'чужое'
	probe "$u" 4 "$PN" timeline edit @ID --amount 1
	probe "$u" 4 "$EN" timeline rm @ID
done
# bad input to another's object answers like a missing one too: the scope is checked first
probe man2 4 "$DN" deal edit @ID --amount 5
probe man2 4 "$EN" timeline edit @ID --text 'x'
# users: managers and auditors see themselves only, a supervisor their team
probe man 4 man2 user show @ID
probe man 4 mate user show @ID
probe aud 4 man user show @ID
probe sup 4 man2 user show @ID
probe sup2 4 man user show @ID
probe sup 4 admin user show @ID
# the route refuses an auditor before any lookup: one answer for an object and a missing one
for args in "deal show @ID" "deal edit @ID --title x" "deal rm @ID" "timeline edit @ID --text x" "timeline rm @ID" \
	"remind edit @ID --text x" "remind snooze @ID 1h" "remind ls --card @ID" "card edit @ID --set tags+=x"; do
	read -r -a a <<<"$args"
	probe aud 3 "$DN" "${a[@]}"
	contains "$ERR" "permission denied: a user with role auditor"
done
for args in "move --where id>0 --sector hot --dry-run" "move --where id>0 --sector hot" \
	"segment save x city=Самара --replace" "user offboard man --to mate --force"; do
	read -r -a a <<<"$args"
	expect_rc 3 as aud "${a[@]}"
	one_line "$ERR"
done
expect_rc 3 as man user offboard mate --to man --force
expect_rc 3 as man move --where 'id > 0' --sector hot --dry-run
# nothing changed; the refusals left card.denied notes only (for cards, as ACCESS.md says)
[[ $(state) == "$BEFORE" ]] || fail "a refused request changed something"
[[ $(changes) == "$CHANGES" ]] || fail "a refused request wrote an audit event"
expect_rc 0 as admin --json audit --action card.denied
# (a minute's count past the first few names no card: id 0)
jq -e 'all(.[]; .object_id == '"$N"' or .object_id == 0)' <<<"$OUT" >/dev/null || fail "card.denied for another object: $OUT"
# a missing object leaves no note at all, so the notes are as many as the refusals of existing ones
[[ $(jq length <<<"$OUT") -gt 0 ]] || fail "no card.denied for another's deal/entry/reminder"

# the owners still reach theirs
expect_rc 0 as man deal show "$DN"
expect_rc 0 as sup deal show "$DN"
expect_rc 0 as admin deal show "$DS"
expect_rc 0 as sup user show aud
expect_rc 0 as aud user show aud

# ---- a client with no session: refused before any lookup, one answer
expect_rc 0 env HOME="$T" HOSTILE_DEAL="$DN" "$HOSTILE" no-session "$SERVER" "$CA" "$ADMIN_PW"
# kart without a session says so and exits 3, for an object and a missing one alike
mkdir -p "$T/home-nobody"
for args in "deal show $DN" "timeline edit $EN --text x" "remind snooze $RN 1h" "user show admin"; do
	read -r -a a <<<"$args"
	expect_rc 3 as nobody "${a[@]}"
	one_line "$ERR"
done

# ---- a locked and an offboarded user: their session ends, their objects stay
expect_rc 0 as gone card add --first Гоша --last Уходящий --city Самара
G=$OUT
expect_rc 0 as gone deal add "$G" --title 'Уходящая сделка'
DG=$OUT
expect_rc 0 as admin user lock gone
expect_rc 3 as gone deal show "$DG"
one_line "$ERR"
expect_rc 3 as gone login gone --password-file "$T/pw"
expect_rc 0 as admin user unlock gone
expect_rc 0 as gone login gone --password-file "$T/pw"
expect_rc 0 as sup user offboard gone --to man
expect_rc 3 as gone deal show "$DG"
expect_rc 3 as gone deal edit "$DG" --title 'после ухода'
expect_rc 3 as gone login gone --password-file "$T/pw"
expect_rc 0 as man --json deal show "$DG"
[[ $(jq -r .deal.owner <<<"$OUT") == man || $(jq -r .owner <<<"$OUT") == man ]] || fail "offboarded deal: $OUT"
# offboarding another team's manager: as a missing one; the offboarded user is no one to hand work to
expect_rc 4 as sup2 user offboard man --to man2 --force
one_line "$ERR"
# a locked teammate is named as locked; out of reach, as one who does not exist
expect_rc 2 as sup user offboard mate --to gone --force
contains "$ERR" "to: user gone is locked"
expect_rc 2 as sup2 user offboard man2 --to gone --force
contains "$ERR" "to: no user gone that you may hand work to"
A=$ERR
expect_rc 2 as sup2 user offboard man2 --to nobody --force
same_answer "$A" gone "$ERR" nobody

# ---- bad input: one line naming the field, nothing changed
BEFORE=$(state)
CHANGES=$(changes)
bad() { # FIELD-WORD ARGS...: refused with exit 2, one line naming it
	local word=$1
	shift
	expect_rc 2 as man "$@"
	one_line "$ERR"
	contains "$ERR" "$word"
}
ESC=$'\033'
bad title deal edit "$DN" --title ''
bad title deal edit "$DN" --title "a${ESC}[31mb"
bad title deal edit "$DN" --title "$(printf 'a\xff')"
bad title deal edit "$DN" --title "$(head -c 201 /dev/zero | tr '\0' x)"
bad title deal edit "$DN" --title $'две\nстроки'
bad amount deal edit "$DN" --amount -1
bad amount deal edit "$DN" --amount 99999999999999999999
bad amount deal edit "$DN" --amount 1e5
bad close deal edit "$DN" --close 2020-13-45
bad title deal edit "$DN" --title a --title b
bad "deal id" deal show 0
bad "deal id" deal show -1
bad "deal id" deal rm 18446744073709551616
bad "deal id" deal edit abc --title x
bad text timeline edit "$EN" --text ''
bad text timeline edit "$EN" --text "a${ESC}]0;t"$'\a'
bad text timeline edit "$EN" --text $'a\u202eb'
bad text timeline edit "$EN" --text "$(printf 'a\xc0\x80')"
bad text timeline edit "$EN" --text "$(head -c 10001 /dev/zero | tr '\0' x)"
bad amount timeline edit "$EN" --amount 5
bad amount timeline edit "$PN" --amount 0
bad amount timeline edit "$PN" --amount -5
bad amount timeline edit "$PN" --amount 92233720368547758.08
bad "entry id" timeline rm 0
bad text remind edit "$RN" --text "a${ESC}[5m"
bad text remind edit "$RN" --text "$(head -c 1001 /dev/zero | tr '\0' x)"
bad text remind edit "$RN" --text ''
bad at remind edit "$RN" --at 'not a time'
bad duration remind snooze "$RN" 0
bad duration remind snooze "$RN" -1h
bad snooze remind snooze "$RN" 400d
bad "reminder id" remind edit 0 --text x
bad card remind ls --card -3
bad tags card edit "$N" --set "tags+=a${ESC}b"
bad phones card edit "$N" --set 'phones-=+7 000 000-00-00'
bad phones card edit "$N" --set 'phones-='
bad city card edit "$N" --set 'city+=Тольятти'
expect_rc 4 as man user show "a${ESC}[2Jb"
contains "$ERR" 'a^[[2Jb'
one_line "$ERR"
# times past any calendar: refused naming the time, never wrapped around
bad at remind edit "$RN" --at 9223372036854775807
bad at remind "$N" --at 9223372036854775807 --text 'никогда'
expect_rc 0 as man remind "$N" --at '9999-12-31 20:00' --text 'в самом конце'
RLATE=$OUT
expect_rc 0 as man --json remind ls --card "$N"
AT_LATE=$(jq -r ".[] | select(.id == $RLATE) | .at" <<<"$OUT")
bad seconds remind snooze "$RLATE" 1d
expect_rc 0 as man --json remind ls --card "$N"
[[ $(jq -r ".[] | select(.id == $RLATE) | .at" <<<"$OUT") == "$AT_LATE" ]] || fail "a refused snooze moved it: $OUT"
expect_rc 0 as man remind done "$RLATE"
# the raw client: 1 MB texts, nothing to change, amounts and times out of range
expect_rc 0 env HOME="$T" HOSTILE_DEAL="$DN" HOSTILE_ENTRY="$PN" HOSTILE_REMINDER="$RN" \
	"$HOSTILE" day-texts "$SERVER" "$CA" "$ADMIN_PW"
CHANGES=$((CHANGES + 2)) # the reminder at the end of 9999: added, done
[[ $(state) == "$BEFORE" ]] || fail "refused input changed something"
[[ $(changes) == "$CHANGES" ]] || fail "refused input wrote an audit event"
expect_rc 0 as admin whoami

# ---- list edits apply in order
expect_rc 0 as man card edit "$N" --set 'tags+=x' --set 'tags='
expect_rc 0 as man --json card show "$N"
[[ $(jq -c .tags <<<"$OUT") == '[]' ]] || fail "tags+=x then tags= did not clear: $OUT"
expect_rc 0 as man card edit "$N" --set 'tags=a' --set 'tags=b'
expect_rc 0 as man --json card show "$N"
[[ $(jq -c .tags <<<"$OUT") == '["a","b"]' ]] || fail "tags=a tags=b: $OUT"
expect_rc 0 as man card edit "$N" --set 'tags+=c' --set 'tags=d'
expect_rc 0 as man --json card show "$N"
[[ $(jq -c .tags <<<"$OUT") == '["d"]' ]] || fail "tags+=c then tags=d: $OUT"
expect_rc 0 as man card edit "$N" --set 'tags=e' --set 'tags=f' --set 'tags+=g' --set 'tags-=e'
expect_rc 0 as man --json card show "$N"
[[ $(jq -c .tags <<<"$OUT") == '["f","g"]' ]] || fail "tags=e tags=f tags+=g tags-=e: $OUT"
expect_rc 0 as man card edit "$N" --set 'phones+=+7 900 100-00-03' --set 'phones=+7 900 100-00-04'
expect_rc 0 as man --json card show "$N"
[[ $(jq -c .phones <<<"$OUT") == '["+7 900 100-00-04"]' ]] || fail "phones+= then phones=: $OUT"
# a duplicate += adds once; an edit that changes nothing is no version and no event
expect_rc 0 as man --json card show "$N"
V=$(jq .version <<<"$OUT")
E0=$(events card.update)
expect_rc 0 as man card edit "$N" --set 'phones+=+7 900 100-00-04' --set 'phones+=+7 900 100-00-04'
contains "$OUT" "unchanged (version $V)"
[[ $(events card.update) == "$E0" ]] || fail "an unchanged card was audited"

# ---- dry runs change nothing and count only the scope
E0=$(events card.move)
expect_rc 0 as sup move --where 'city = Самара' --sector hot --dry-run
contains "$OUT" "dry run: 2 cards would move" # N and G (now man's), not S
[[ $OUT != *Южный* ]] || fail "a dry run showed another team's card: $OUT"
expect_rc 0 as sup2 move --where 'city = Самара' --sector hot --dry-run
contains "$OUT" "dry run: 1 card would move"
[[ $(events card.move) == "$E0" ]] || fail "a dry run was audited as a move"
expect_rc 0 as admin --json card show "$S"
[[ $(jq -r .sector <<<"$OUT") != hot ]] || fail "a dry run moved a card"

# ---- segments: another's is not replaced, whatever the flags
expect_rc 3 as man2 segment save mine 'city = Юг' --replace
one_line "$ERR"
expect_rc 3 as man2 segment save mine 'city = Юг' --replace --shared
expect_rc 0 as man segment show mine
contains "$OUT" 'city = Самара'

# ---- export abort: another's answers like a missing one; a whole file stays charged
expect_rc 0 as admin user quota admin --export-per-day 5
expect_rc 0 env HOME="$T" "$HOSTILE" export-abort-done "$SERVER" "$CA" "$ADMIN_PW"
XID=$(sed -n 's/^export //p' <<<"$OUT")
[[ -n $XID ]] || fail "no export id: $OUT"
expect_rc 0 as admin --json exports
[[ $(jq -r ".[] | select(.id == $XID) | .state" <<<"$OUT" 2>/dev/null || jq -r ".exports[] | select(.id == $XID) | .state" <<<"$OUT") == done ]] ||
	fail "an abort after the whole file was sent gave the export back: $OUT"
expect_rc 0 as admin --json user show admin
[[ $(jq -r .exported_today <<<"$OUT") -ge 3 ]] || fail "the whole file is no longer charged: $OUT"
[[ $(events export.abort) == 1 && $(events export.failed) == 0 ]] || fail "the abort is not on record as such"
expect_rc 0 as admin audit --action export.abort
contains "$OUT" "(an unreadable reason)"
# the reason never reached the log as it was sent
! grep -q '^kartd: forged' "$T/kartd.err" || fail "an abort's reason forged a log line"
! grep -q 'forged' "$T/kartd.err" || fail "an unreadable reason reached the log"

# ---- user text is never shown raw: planted past the server's checks
P_DEAL="${ESC}]0;t"$'\a'"deal"
P_LOG=$'\u202e'"lo${ESC}[8mg"
P_REMIND="ca${ESC}[2Kll"
P_TEAM="no${ESC}[5mrth"
placeholder() { # LETTER TEXT: as many bytes
	local n
	n=$(LC_ALL=C; printf '%s' "$2" | wc -c)
	printf "%${n}s" '' | tr ' ' "$1"
}
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
DE=$(placeholder J "$P_DEAL")
LO=$(placeholder K "$P_LOG")
RE=$(placeholder H "$P_REMIND")
TE=$(placeholder Q "$P_TEAM")
expect_rc 0 as man deal edit "$DN" --title "$DE"
expect_rc 0 as man timeline edit "$EN" --text "$LO"
expect_rc 0 as man remind edit "$RN" --text "$RE"
expect_rc 0 as admin user add plant --role manager --team "$TE" --password-file "$T/pw"
stop_kartd
for db in deals timeline reminders users; do
	"$DBTOOL" "$T/inst/db" subst "$db" "$(hex "$DE")" "$(hex "$P_DEAL")" >/dev/null
	"$DBTOOL" "$T/inst/db" subst "$db" "$(hex "$LO")" "$(hex "$P_LOG")" >/dev/null
	"$DBTOOL" "$T/inst/db" subst "$db" "$(hex "$RE")" "$(hex "$P_REMIND")" >/dev/null
	"$DBTOOL" "$T/inst/db" subst "$db" "$(hex "$TE")" "$(hex "$P_TEAM")" >/dev/null
done
start_kartd
raw() { # FILE WHAT: no raw control reaches the terminal
	if LC_ALL=C grep -qaP '\x1b|\x07|\xe2\x80\xae' "$1"; then
		fail "$2 printed a raw control: $(od -c "$1" | head -20)"
	fi
}
shown() { # USER WHAT-IT-SHOWS ARGS...
	local user=$1 want=$2
	shift 2
	expect_rc 0 as "$user" "$@"
	raw "$T/out" "$*"
	contains "$OUT" "$want"
}
shown man '^[]0;t^Gdeal' deal show "$DN"
shown man '^[]0;t^Gdeal' deal ls
shown man '<U+202E>lo^[[8mg' timeline "$N"
shown man 'ca^[[2Kll' remind ls
shown man 'ca^[[2Kll' remind ls --card "$N"
shown admin 'no^[[5mrth' user show plant
for args in "deal show $DN" "timeline $N" "remind ls" "user show man"; do
	read -r -a a <<<"$args"
	expect_rc 0 as man --json "${a[@]}"
	raw "$T/out" "--json $args"
done
expect_rc 0 as admin --json user show plant
raw "$T/out" "user show --json"
[[ $(jq -r .user.team <<<"$OUT") == "$P_TEAM" ]] || fail "the planted team is not there: $OUT"
# a changed reply quotes the planted text visibly too
expect_rc 0 as man deal edit "$DN" --amount 101
raw "$T/out" "deal edit"
expect_rc 0 as man remind snooze "$RN" 1h
raw "$T/out" "remind snooze"

# ---- what is stored does not grow with edits
dealsize() { "$DBTOOL" "$T/inst/db" get deals "$(printf '%016x' "$DS")" | tr -d '\n' | wc -c; }
entrysize() { "$DBTOOL" "$T/inst/db" dump timeline | awk -v id="$(printf '%016x' "$ES")" 'substr($1, 33, 16) == id { print length($2) }'; }
stop_kartd
D0=$(dealsize)
start_kartd
for i in $(seq 1 30); do
	expect_rc 0 as man2 deal edit "$DS" --title "Южная поставка $((i % 2))" --amount "$((200 + i % 2))"
done
for i in $(seq 1 20); do
	expect_rc 0 as man2 timeline edit "$ES" --text "юг $i"
done
expect_rc 2 as man2 timeline edit "$ES" --text 'юг 21'
contains "$ERR" "corrected 20 times already"
one_line "$ERR"
expect_rc 0 as man2 --json timeline "$S"
[[ $(jq "[.[] | select(.id == $ES) | .revisions | length] | .[0]" <<<"$OUT") == 20 ]] || fail "revisions not capped at 20: $OUT"
stop_kartd
D1=$(dealsize)
E1=$(entrysize)
start_kartd
for i in $(seq 1 10); do
	expect_rc 2 as man2 timeline edit "$ES" --text "ещё $i"
done
stop_kartd
E2=$(entrysize)
[[ $((D1 - D0)) -le 8 ]] || fail "a deal grew with its edits: $D0 -> $D1 hex digits"
[[ -n $E1 && $E1 == "$E2" ]] || fail "a capped entry still grew: $E1 -> $E2"
start_kartd

# ---- masked fields: a teammate who sees them as *** can neither learn nor change them
expect_rc 0 as man --json card show "$N"
V0=$(jq .version <<<"$OUT")
expect_rc 0 as man card edit "$N" --set 'birthday=1980-02-03' --set 'address=ул. Ленина, 1'
echo "visibility_manager = team" >>"$T/inst/kartd.conf"
stop_kartd
start_kartd
expect_rc 0 as mate --json card show "$N"
[[ $(jq -r .birthday <<<"$OUT") == '***' ]] || fail "not masked for a teammate: $OUT"
V1=$(jq .version <<<"$OUT")
CHANGES=$(changes)
# the right value and a wrong one get the same refusal: no "unchanged" to tell them apart
expect_rc 3 as mate card edit "$N" --set 'birthday=1980-02-03'
one_line "$ERR"
contains "$ERR" "birthday"
RIGHT=$ERR
expect_rc 3 as mate card edit "$N" --set 'birthday=1999-09-09'
[[ $ERR == "$RIGHT" ]] || fail "a masked field answers by its value: '$RIGHT' vs '$ERR'"
expect_rc 3 as mate card edit "$N" --set 'address=ул. Ленина, 1' --set 'city=Самара'
[[ $(changes) == "$CHANGES" ]] || fail "a refused edit of a masked field was written"
# a revert by the teammate brings back what they see, the masked fields stay
expect_rc 0 as mate card edit "$N" --set 'city=Тольятти'
expect_rc 0 as mate card revert "$N" --to-version "$V0"
expect_rc 0 as man --json card show "$N"
[[ $(jq -r .birthday <<<"$OUT") == 1980-02-03 && $(jq -r .address <<<"$OUT") == 'ул. Ленина, 1' &&
	$(jq -r .city <<<"$OUT") == Самара ]] || fail "a masked revert changed the masked fields: $OUT"
[[ $(jq .version <<<"$OUT") -gt $V1 ]] || fail "the revert was not made: $OUT"
# the owner still changes them
expect_rc 0 as man card edit "$N" --set 'birthday=1981-02-03'

# the daemon served everyone to the end
expect_rc 0 as man whoami
expect_rc 0 as man2 deal show "$DS"
echo "ok"
