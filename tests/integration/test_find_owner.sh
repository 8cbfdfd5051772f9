#!/usr/bin/env bash
# A name find by a user who sees part of the cards walks the words of the
# owners they see (ix_name_owner): a manager's matches are found
# however many other owners' cards with the word come first; a page, its
# offset and `more` are an admin's with other owners' cards left out (a
# manager's own, a team's for a supervisor and for a manager who sees their
# team); an owner change (an edit, an offboarding) moves a card from one
# owner's finds to the other's, and the trash, a restore, a rename and a
# merge are followed; reindex checks and rebuilds the index; a base of
# format 3, from before the index, gets it at start.
. "$(dirname "$0")/lib.sh"
: "${DBTOOL:?DBTOOL must point to kart-dbtool}"
init_instance
start_kartd
login_admin
printf 'password-123\n' >"$T/pw"
expect_rc 0 as admin user add m1 --role manager --team north --password-file "$T/pw"
expect_rc 0 as admin user add m2 --role manager --team north --password-file "$T/pw"
expect_rc 0 as admin user add sup --role supervisor --team north --password-file "$T/pw"
expect_rc 0 as admin user add far --role manager --team south --password-file "$T/pw"
login_all() {
	local u
	for u in m1 m2 sup far; do expect_rc 0 as "$u" login "$u" --password-file "$T/pw"; done
}
login_all
card() {
	local who=$1
	shift
	expect_rc 0 as "$who" card add "$@"
}
ids() { jq -r '[.[].id] | join(" ")' <<<"$OUT"; }

# 5,100 cards of another team's manager named Ковалёв come first (their ids
# are smaller), then m1's: the first 5,000 matches are all far's
{
	echo "last_name,first_name"
	for i in $(seq 1 5100); do echo "Ковалёв,Гость$i"; done
} >"$T/far.csv"
expect_rc 0 as admin import "$T/far.csv" --owner far
card m1 --last Ковалёв --first Пётр
K1=$OUT
card m1 --last Ковалёва --first Анна
K2=$OUT
for q in ковал Ковалев КОВАЛЁВ; do
	expect_rc 0 as m1 --json find "$q"
	[[ $(ids) == "$K1 $K2" ]] || fail "m1 find $q: $(ids)"
	[[ $(jq -r '.[0].more' <<<"$OUT") == false ]] || fail "m1 find $q says more: $OUT"
done
expect_rc 0 as m1 --json find ковалёва
[[ $(ids) == "$K2" ]] || fail "m1 find ковалёва: $(ids)"
# several words walk the longest word's cards the same way (the others are
# checked on each card)
expect_rc 0 as m1 --json find 'ковалёв пёт'
[[ $(ids) == "$K1" ]] || fail "m1 find 'ковалёв пёт': $(ids)"
expect_rc 0 as admin --json find 'гость5099 ковалёв'
[[ $(jq -r '.[0].first_name' <<<"$OUT") == Гость5099 ]] || fail "admin find 'гость5099 ковалёв': $OUT"
expect_rc 0 as far --json find ковал --limit 3
[[ $(jq -r '[.[].owner] | unique | join(" ")' <<<"$OUT") == far && $(jq -r '.[0].more' <<<"$OUT") == true ]] ||
	fail "far find ковал: $OUT"
expect_rc 1 as m2 --json find ковал
[[ $(ids) == "" ]] || fail "m2 found another's cards: $OUT"

# Cards of every owner under one prefix, in ids that interleave with the
# words: сем (exact), семенов, семенова (ё folded), семенченко
card m1 --last Семенов --first Один
S1=$OUT
card m2 --last Семёнова --first Два
S2=$OUT
card far --last Семенов --first Три
S3=$OUT
card m1 --last Семенченко --first Четыре
S4=$OUT
card m2 --last Семенов --first Пять
S5=$OUT
card sup --last Сем --first Шесть
S6=$OUT
card admin --last Семенова --first Семь
S7=$OUT
card m2 --last Семенченко --first Восемь
S8=$OUT
card m1 --last Семенова --first Девять
S9=$OUT
# a card of nobody (its owner cleared): only those who see every card see it
card m1 --last Семенной --first Десять
S10=$OUT
expect_rc 0 as admin card edit "$S10" --set owner=
# the admin's order: by word (сем, семенной, семенов, семенова, семенченко), then id
expect_rc 0 as admin --json find сем --limit 100
[[ $(ids) == "$S6 $S10 $S1 $S3 $S5 $S2 $S7 $S9 $S4 $S8" ]] || fail "admin find сем: $(ids)"
ADMIN=$OUT

# pages (limit L, offsets 0, L, 2L, ...) put together give what the admin
# sees of these owners, each card once, `more` on every page but the last
pages() { # pages USER LIMIT OWNERS...
	local who=$1 limit=$2 off=0 got= more
	shift 2
	local want
	want=$(jq -r --arg o "$*" '[.[] | select(.owner as $x | $o | split(" ") | index($x)) | .id] | join(" ")' <<<"$ADMIN")
	[[ -n $want ]] || fail "no cards of $*"
	while :; do
		expect_rc 0 as "$who" --json find сем --limit "$limit" --offset "$off"
		got="$got $(ids)"
		off=$((off + $(jq length <<<"$OUT")))
		more=$(jq -r '.[0].more' <<<"$OUT")
		if [[ $more != true ]]; then
			break
		fi
		[[ $(jq length <<<"$OUT") == "$limit" ]] || fail "$who: a page short of its limit said more: $OUT"
		((off < 50)) || fail "$who: paging does not end"
	done
	[[ $(echo $got) == "$want" ]] || fail "$who's pages of $limit: $(echo $got), expected $want (of $*)"
	expect_rc 1 as "$who" --json find сем --limit "$limit" --offset "$off"
}
expect_rc 1 as m1 --json find семенн
[[ $(ids) == "" ]] || fail "m1 found a card of nobody: $OUT"
for limit in 1 2 4; do
	pages admin "$limit" admin m1 m2 far sup ""
	pages m1 "$limit" m1
	pages m2 "$limit" m2
	pages far "$limit" far
	pages sup "$limit" m1 m2 sup
done

# an owner change moves the card between the owners' finds
expect_rc 0 as admin card edit "$S9" --set owner=m2
expect_rc 0 as m1 --json find семенов
[[ $(ids) == "$S1" ]] || fail "m1 after the move: $(ids)"
expect_rc 0 as m2 --json find семенов
[[ $(ids) == "$S5 $S2 $S9" ]] || fail "m2 after the move: $(ids)"
# a card put in the trash is found by nobody, and back from it by its owner
expect_rc 0 as m2 card rm "$S9"
expect_rc 0 as m2 --json find семенов
[[ $(ids) == "$S5 $S2" ]] || fail "m2 after the delete: $(ids)"
expect_rc 0 as m2 card restore "$S9"
expect_rc 0 as m2 --json find семенова
[[ $(ids) == "$S2 $S9" ]] || fail "m2 after the restore: $(ids)"
# renamed: found by the new name only
expect_rc 0 as m2 card edit "$S9" --set last_name=Кузнецова
expect_rc 0 as m2 --json find семенова
[[ $(ids) == "$S2" ]] || fail "m2 after the rename: $(ids)"
expect_rc 0 as m2 --json find кузн
[[ $(ids) == "$S9" ]] || fail "m2 find кузн: $(ids)"
# merged away: found no more (Семенов Пять into Семёнова Два, whose names stay)
expect_rc 0 as m2 --json find семенов
[[ $(ids) == "$S5 $S2" ]] || fail "m2 before the merge: $(ids)"
expect_rc 0 as admin dup merge "$S2" "$S5"
expect_rc 0 as m2 --json find семенов
[[ $(ids) == "$S2" ]] || fail "m2 after the merge: $(ids)"

# a manager who sees their team: the team's owners, merged
stop_kartd
echo 'visibility_manager = team' >>"$T/inst/kartd.conf"
start_kartd
for limit in 1 2 3; do
	expect_rc 0 as admin --json find сем --limit 100
	ADMIN=$OUT
	pages m1 "$limit" m1 m2 sup
	pages m2 "$limit" m1 m2 sup
	pages far "$limit" far
done

# a departing user's cards handed over: found by their new owner's team
expect_rc 0 as admin user offboard far --to m1 --force
expect_rc 0 as admin --json find ковал --limit 3
WANT=$(ids)
expect_rc 0 as sup --json find ковал --limit 3
[[ $(ids) == "$WANT" && $(jq -r '.[0].more' <<<"$OUT") == true ]] || fail "sup after the offboarding: $OUT"
expect_rc 0 as admin --json find сем --limit 100
ADMIN=$OUT
pages m2 2 m1 m2 sup

# the index checked with the others; lost, it is found missing and rebuilt
expect_rc 0 as admin admin reindex --check
contains "$OUT" "missing index entries: 0, extra: 0"
stop_kartd
N=$("$DBTOOL" "$T/inst/db" count ix_name_owner)
((N > 10000)) || fail "ix_name_owner holds $N entries"
"$DBTOOL" "$T/inst/db" drop ix_name_owner || fail "dbtool drop"
start_kartd
expect_rc 1 as admin admin reindex --check
contains "$OUT" "missing index entries: $N, extra: 0"
expect_rc 1 as m1 --json find ковал
expect_rc 0 as admin admin reindex
contains "$OUT" "repaired"
expect_rc 0 as admin admin reindex --check
contains "$OUT" "missing index entries: 0, extra: 0"
expect_rc 0 as m1 --json find ковал --limit 3
[[ $(ids) == "$WANT" ]] || fail "m1 after reindex: $(ids)"
stop_kartd
[[ $("$DBTOOL" "$T/inst/db" count ix_name_owner) == "$N" ]] || fail "rebuilt with another count"

# a base of format 3, as the previous kartd left it: no ix_name_owner at all
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
"$DBTOOL" "$T/inst/db" forget ix_name_owner || fail "dbtool forget"
"$DBTOOL" "$T/inst/db" put meta "$(hex schema)" 0000000000000003 || fail "dbtool put format"
! "$DBTOOL" "$T/inst/db" count ix_name_owner 2>/dev/null || fail "the index is still there"
start_kartd
expect_rc 0 as admin ls --count
CARDS=$OUT
grep -q "database format 3 -> 4: the name index by owner built from $CARDS cards$" "$T/kartd.err" ||
	fail "no 3 -> 4 migration logged: $(grep format "$T/kartd.err")"
expect_rc 0 as m1 --json find ковал --limit 3
[[ $(ids) == "$WANT" ]] || fail "m1 after the migration: $(ids)"
expect_rc 0 as m1 --json find ковалёва
[[ $(ids) == "$K2" ]] || fail "m1 find ковалёва after the migration: $(ids)"
pages sup 2 m1 m2 sup
expect_rc 0 as admin admin reindex --check
contains "$OUT" "missing index entries: 0, extra: 0"
stop_kartd
[[ $("$DBTOOL" "$T/inst/db" count ix_name_owner) == "$N" ]] || fail "migrated with another count"
expect_rc 0 "$DBTOOL" "$T/inst/db" get meta "$(hex schema)"
[[ $OUT == 0000000000000004 ]] || fail "format not recorded as 4: $OUT"
echo "ok find_owner"
