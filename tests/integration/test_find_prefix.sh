#!/usr/bin/env bash
# A phone typed digit by digit: from four digits on, find matches every number
# that starts with them, however the start is written (8…, +7…, 7…, or the
# national number alone); whole numbers first, then numbers ending with the
# digits, then numbers starting with them, each card once, only cards the
# user may see (their own, or their team's); a find pages with more/--offset;
# the index of numbers by their start is built at start when a base lacks it.
. "$(dirname "$0")/lib.sh"
init_instance
start_kartd
login_admin
printf 'password-123\n' >"$T/pw"
expect_rc 0 as admin user add masha --role manager --team north --password-file "$T/pw"
expect_rc 0 as admin user add ivan --role manager --team south --password-file "$T/pw"
for u in masha ivan; do expect_rc 0 as "$u" login "$u" --password-file "$T/pw"; done

card() { local who=$1; shift; expect_rc 0 as "$who" card add "$@"; }
card masha --last Первый --phone '+7 917 123-45-67'
M1=$OUT
card masha --last Второй --phone '8 (917) 120-00-01'
M2=$OUT
# two numbers with the same start: one row
card masha --last Третий --phone '+7 917 129-99-99' --phone '+7 917 128-88-88'
M3=$OUT
card masha --last Четвёртый --phone '+7 927 123-45-67'
M4=$OUT
card masha --last Пятый --phone '+7 917 130-00-00'
M5=$OUT
card masha --last Местный --phone '123-45-67'
L=$OUT
card masha --last Московский --phone '+7 123 456-78-90'
P7=$OUT
card ivan --last Чужой --phone '+7 917 125-55-55'
I1=$OUT

ids() { jq -r '[.[].id] | join(" ")' <<<"$OUT"; }

# every way of writing the start is the same start; a manager gets their own
# cards only, in the order of the numbers
for q in '8 917 12' '+7 (917) 12' '7917 12' '917 12' '8(917)12' '8-917-12' '+7 917 12'; do
	expect_rc 0 as masha --json find "$q"
	[[ $(ids) == "$M2 $M1 $M3" ]] || fail "masha find '$q': $(ids), expected $M2 $M1 $M3"
	[[ $(jq -r '.[0].matched_as' <<<"$OUT") == phone ]] || fail "matched_as for '$q': $OUT"
	expect_rc 0 as admin --json find "$q"
	[[ $(ids) == "$M2 $M1 $I1 $M3" ]] || fail "admin find '$q': $(ids)"
done
# four digits are a start; three are not (a name search, which finds nothing)
expect_rc 0 as masha --json find '8917'
[[ $(ids) == "$M2 $M1 $M3 $M5" ]] || fail "find 8917: $(ids)"
for q in '917' '8 91' '+7 9'; do
	expect_rc 1 as masha --json find "$q"
	[[ $(ids) == "" ]] || fail "find '$q' searched phones: $OUT"
done
# more digits narrow it; the whole number is still found
expect_rc 0 as masha --json find '8 917 123'
[[ $(ids) == "$M1" ]] || fail "find '8 917 123': $(ids)"
expect_rc 0 as masha --json find '8 917 123-45-67'
[[ $(ids) == "$M1" ]] || fail "find a whole number: $(ids)"
expect_rc 1 as masha --json find '8 917 124'
# a trunk 8 and nine digits are also ten digits of a whole national number
# (+7 891 712 3456, nobody's): read as typed, they are the start of +7 917 123 45 6…
expect_rc 0 as masha --json find '8 917 123 45 6'
[[ $(ids) == "$M1" ]] || fail "find '8 917 123 45 6', a start that reads as a whole number too: $(ids)"

# whole number first, then numbers ending with the digits, then numbers
# starting with them: "123-45-67" is the local number itself, two numbers'
# last 7 digits and the start of +7 123 456…
expect_rc 0 as masha --json find '123-45-67'
[[ $(ids) == "$L $M1 $M4 $P7" ]] || fail "exact, suffix, prefix: $(ids), expected $L $M1 $M4 $P7"

# another manager's cards: not found, not even by their whole number, which
# answers like a number nobody has
expect_rc 1 as masha --json find '917 125'
[[ $(ids) == "" ]] || fail "another's card by its start: $OUT"
expect_rc 1 as masha find '8 917 125-55-55'
NOT_MINE="$OUT|$ERR"
expect_rc 1 as masha find '8 917 125-55-56'
[[ "$OUT|$ERR" == "$NOT_MINE" ]] || fail "another's number answered unlike a missing one: $NOT_MINE vs $OUT|$ERR"
expect_rc 0 as ivan --json find '8 917 12'
[[ $(ids) == "$I1" ]] || fail "ivan: $(ids)"

# paging: a page of two says there are more; the pages hold every match once
expect_rc 0 as admin --json find 8917 --limit 100
ALL=$(ids)
[[ $(wc -w <<<"$ALL") == 5 ]] || fail "admin 8917: $ALL"
[[ $(jq -r '.[0].more' <<<"$OUT") == false ]] || fail "more on the whole list: $OUT"
GOT=
off=0
while :; do
	expect_rc 0 as admin --json find 8917 --limit 2 --offset "$off"
	GOT="$GOT $(ids)"
	off=$((off + $(jq length <<<"$OUT")))
	[[ $(jq -r '.[0].more' <<<"$OUT") == true ]] || break
	[[ $(jq length <<<"$OUT") == 2 ]] || fail "a page short of its limit said more: $OUT"
	((off < 20)) || fail "paging does not end"
done
[[ $(echo $GOT) == "$ALL" ]] || fail "pages: $GOT, expected $ALL"
expect_rc 1 as admin --json find 8917 --limit 2 --offset 5
# a manager pages through their own only
GOT=
for off in 0 1 2 3; do
	expect_rc 0 as masha --json find '8 917' --limit 1 --offset $off
	GOT="$GOT $(ids)"
	more=$(jq -r '.[0].more' <<<"$OUT")
	[[ $more == $([[ $off -lt 3 ]] && echo true || echo false) ]] || fail "masha more at $off: $OUT"
done
[[ $(echo $GOT) == "$M2 $M1 $M3 $M5" ]] || fail "masha pages: $GOT"
# the table says so too
expect_rc 0 as masha find '8 917' --limit 2
contains "$OUT" "--offset 2"
expect_rc 0 as masha find '8 917' --limit 4
[[ $OUT != *--offset* ]] || fail "more said on the last page: $OUT"
if locale -a 2>/dev/null | grep -qix 'ru_RU.utf8'; then
	OUT=$(LANG=ru_RU.UTF-8 as masha find '8 917' --limit 2)
	contains "$OUT" "--offset 2"
	[[ $OUT != *"there are more"* ]] || fail "the more line in Russian: $OUT"
fi
expect_rc 2 as masha find '8 917' --offset 10001
contains "$ERR" offset

# edits and deletes keep the index in step
expect_rc 0 as masha card edit "$M5" --set 'phones=+7 999 000-00-00'
expect_rc 0 as masha --json find 8917 --limit 10
[[ $(ids) == "$M2 $M1 $M3" ]] || fail "after an edit: $(ids)"
expect_rc 0 as masha card rm "$M2"
expect_rc 0 as masha --json find '917 12'
[[ $(ids) == "$M1 $M3" ]] || fail "after a delete: $(ids)"
expect_rc 0 as admin admin reindex --check
contains "$OUT" "missing index entries: 0"

# a base from before the index (no index, no mark that it was built) and a
# lost index are both built at start
PHONES=$("$DBTOOL" "$T/inst/db" count ix_phone)
for how in lost old; do
	stop_kartd
	"$DBTOOL" "$T/inst/db" drop ix_phone_fwd || fail "dbtool drop"
	if [[ $how == old ]]; then
		"$DBTOOL" "$T/inst/db" del meta "$(printf ix_phone_fwd | od -An -tx1 | tr -d ' \n')" || fail "dbtool del"
	fi
	[[ $("$DBTOOL" "$T/inst/db" count ix_phone_fwd) == 0 ]] || fail "dbtool did not empty it"
	start_kartd
	expect_rc 0 as masha --json find '917 12'
	[[ $(ids) == "$M1 $M3" ]] || fail "after the index was $how: $(ids)"
	stop_kartd
	[[ $("$DBTOOL" "$T/inst/db" count ix_phone_fwd) == "$PHONES" ]] || fail "index ($how) rebuilt with the wrong count"
	start_kartd
done
expect_rc 0 as admin admin reindex --check
contains "$OUT" "missing index entries: 0"

# a start that many other owners' numbers share: once 64 cards read were not
# masha's, her scope's ids are taken and the rest passed over unread; her
# numbers before that point and after it are both found, in order, and paged
{
	echo "last_name,phones"
	for i in $(seq 0 149); do printf 'Чужой%d,+7 917 555-%02d-%02d\n' "$i" $((i / 100)) $((i % 100)); done
} >"$T/ivan.csv"
expect_rc 0 as admin import "$T/ivan.csv" --owner ivan
card masha --last Ранний --phone '+7 917 555-00-30'
E1=$OUT
card masha --last Поздний --phone '+7 917 555-09-99'
E2=$OUT
for q in '917 555' '8 917 555' '+7917555'; do
	expect_rc 0 as masha --json find "$q"
	[[ $(ids) == "$E1 $E2" ]] || fail "masha find $q past ivan's 150 numbers: $(ids), expected $E1 $E2"
done
expect_rc 0 as masha --json find '917 555' --limit 1
[[ $(ids) == "$E1" && $(jq -r '.[0].more' <<<"$OUT") == true ]] || fail "masha's first page: $OUT"
expect_rc 0 as masha --json find '917 555' --limit 1 --offset 1
[[ $(ids) == "$E2" && $(jq -r '.[0].more' <<<"$OUT") == false ]] || fail "masha's second page: $OUT"
expect_rc 0 as ivan --json find '917 555' --limit 200
[[ $(jq length <<<"$OUT") == 150 ]] || fail "ivan sees his 150 numbers only: $(jq length <<<"$OUT")"
expect_rc 0 as admin --json find '917 555' --limit 200
[[ $(jq length <<<"$OUT") == 152 ]] || fail "admin sees all 152: $(jq length <<<"$OUT")"

# with team visibility a teammate's numbers are found too, another team's not
expect_rc 0 as admin user add petya --role manager --team north --password-file "$T/pw"
expect_rc 0 as petya login petya --password-file "$T/pw"
card petya --last Командный --phone '+7 917 121-00-00'
N1=$OUT
expect_rc 0 as masha --json find '917 12'
[[ $(ids) == "$M1 $M3" ]] || fail "own visibility: $(ids)"
stop_kartd
echo "visibility_manager = team" >>"$T/inst/kartd.conf"
start_kartd
expect_rc 0 as masha --json find '917 12'
[[ $(ids) == "$N1 $M1 $M3" ]] || fail "team visibility: $(ids), expected $N1 $M1 $M3"
echo "ok find_prefix"
