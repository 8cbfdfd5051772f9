#!/usr/bin/env bash
# Finding a client fast: any phone formatting or suffix, email, name prefixes
# (a number's start: test_find_prefix.sh)
# with case and ё/е folded; filters, counts, plans, sorting; segments; bulk
# moves; index verification.
. "$(dirname "$0")/lib.sh"
init_instance
start_kartd
login_admin
expect_rc 0 as admin field add computers --type number
add() { expect_rc 0 as admin card add "$@"; }
add --first Пётр --last Ёжиков --phone '8 (846) 123-45-67' --email Petr@Example.RU --city Самара --gender m --field computers=57 --sector cold --tag vip
P=$OUT
add --first Анна --last Иванова --phone '+7 917 000-11-22' --city Самара --gender f --field computers=80 --sector cold --tag partner
A=$OUT
add --first Ирина --last Иванова --phone '+7 927 555-66-77' --city Москва --gender f --field computers=120 --sector warm
I=$OUT
add --first Иван --last Петров --company 'ООО «Иванов и партнёры»' --city Самара --gender m --field computers=10 --sector hot
V=$OUT
add --first Мария --last Смирнова --city Самара --gender f --birthday "$(date -d '+3 days' +%Y-%m-%d | sed 's/^..../1990/')"
M=$OUT

ids() { jq -r '[.[].id] | join(" ")' <<<"$OUT"; }
# one number, every formatting, and a 7-digit suffix
for q in '8 (846) 123-45-67' '+7 846 123 45 67' '88461234567' '78461234567' '1234567' '846-123-4567'; do
	expect_rc 0 as admin --json find "$q"
	[[ $(ids) == "$P" && $(jq -r '.[0].matched_as' <<<"$OUT") == phone ]] || fail "find '$q': $OUT"
done
expect_rc 1 as admin --json find '99999999'
[[ $(ids) == "" ]] || fail "a number nobody has: $OUT"
# five digits are the start of a number (test_find_prefix.sh); a '+' among
# the digits is neither a start nor a suffix
expect_rc 1 as admin --json find '12-345'
expect_rc 2 as admin find '12 + 345'
contains "$ERR" "7 digits"
# emails: case-insensitive
expect_rc 0 as admin --json find petr@example.ru
[[ $(ids) == "$P" && $(jq -r '.[0].matched_as' <<<"$OUT") == email ]] || fail "find email: $OUT"
# names: prefix per word, case and ё/е folded, exact first
expect_rc 0 as admin --json find ежик
[[ $(ids) == "$P" ]] || fail "ё folding: $OUT"
expect_rc 0 as admin --json find ЁЖИКОВ
[[ $(ids) == "$P" ]] || fail "case folding: $OUT"
expect_rc 0 as admin --json find иванов
[[ $(ids) == "$V $A $I" ]] || fail "exact first (иванов: the company word is whole): $(ids)"
expect_rc 0 as admin --json find ива
[[ $(ids) == "$V $A $I" || $(wc -w <<<"$(ids)") == 3 ]] || fail "prefix ива: $(ids)"
expect_rc 0 as admin --json find 'иванова ир'
[[ $(ids) == "$I" ]] || fail "two words: $(ids)"
expect_rc 0 as admin find 'анна иванова'
contains "$OUT" "Иванова Анна"

# filters
cnt() { expect_rc 0 as admin ls --where "$1" --count; [[ $OUT == "$2" ]] || fail "count '$1': $OUT, expected $2"; }
cnt 'gender = f' 3
cnt 'city = "Самара" and computers > 50' 2
cnt 'city = самара and computers > 50 and gender = f' 1
cnt 'tag in (vip, partner) and sector != hot' 2
cnt 'not (city = Москва or city = "Санкт-Петербург")' 4
cnt 'birthday within 7d' 1
cnt 'email exists' 1
cnt 'name contains "ива"' 3
cnt 'computers >= 80' 2
cnt 'last_touch < -180d' 0
cnt 'touches = 0' 5
expect_rc 0 as admin --json ls --where 'city = Самара' --sort -computers --limit 2
[[ $(jq -r '[.[].id] | join(" ")' <<<"$OUT") == "$A $P" ]] || fail "sort: $OUT"
expect_rc 0 as admin ls --where 'city = Москва and computers > 50' --explain
contains "$OUT" "index"
expect_rc 0 as admin ls --where 'notes contains "x"' --explain
contains "$OUT" "scan"

# bad expressions: the column and the problem, nothing changed
expect_rc 2 as admin ls --where 'city = Самара and compters > 50'
one_line "$ERR"
contains "$ERR" "compters"
contains "$ERR" "column 19"
expect_rc 2 as admin ls --where 'computers > abc'
contains "$ERR" "abc"
expect_rc 2 as admin ls --where 'birthday = 2025-02-30'
contains "$ERR" "2025-02-30"
expect_rc 2 as admin ls --where '(gender = f'
expect_rc 2 as admin ls --where 'sector = lukewarm'
contains "$ERR" "lukewarm"

# segments
expect_rc 0 as admin segment save 'women' 'gender = f'
expect_rc 0 as admin segment save 'seminar' 'city = "Самара" and computers > 50'
expect_rc 2 as admin segment save 'broken' 'gender = '
expect_rc 0 as admin --json segment ls
[[ $(jq 'length' <<<"$OUT") == 2 ]] || fail "segments: $OUT"
expect_rc 0 as admin segment show seminar
contains "$OUT" 'computers > 50'
expect_rc 0 as admin ls --segment women --count
[[ $OUT == 3 ]] || fail "segment count: $OUT"
expect_rc 4 as admin ls --segment nosuch

# bulk move: one transaction, one audit event with the filter and the count
expect_rc 0 as admin move --where 'city = Самара and gender = f' --sector warm
contains "$OUT" "moved 2 cards"
cnt 'sector = warm' 3
expect_rc 0 as admin --json audit --action card.move
[[ $(jq 'length' <<<"$OUT") == 1 ]] || fail "one audit event for a move: $OUT"
contains "$(jq -r '.[0].summary' <<<"$OUT")" "gender = f"
expect_rc 0 as admin --json card history "$A"
[[ $(jq -r '.[-1].changes[0].field' <<<"$OUT") == sector ]] || fail "move not in history"
expect_rc 2 as admin move --where 'city = Самара' --sector lukewarm
expect_rc 2 as admin move --where 'citi = Самара' --sector hot
cnt 'sector = warm' 3
# edits keep the indexes in step: the old phone no longer finds the card
expect_rc 0 as admin card edit "$P" --set 'phones=+7 999 111-22-33'
expect_rc 1 as admin --json find 1234567
[[ $(ids) == "" ]] || fail "stale phone index: $OUT"
expect_rc 0 as admin --json find 9991112233
[[ $(ids) == "$P" ]] || fail "new phone: $OUT"
expect_rc 0 as admin card rm "$A"
cnt 'gender = f' 2
expect_rc 1 as admin --json find 'анна'
[[ $(ids) == "" ]] || fail "a card in the trash was found: $OUT"

# the indexes verify clean; damaged, they are found and repaired
expect_rc 0 as admin admin reindex --check
contains "$OUT" "missing index entries: 0"
stop_kartd
"$DBTOOL" "$T/inst/db" drop ix_city || fail "dbtool"
start_kartd
expect_rc 1 as admin admin reindex --check
contains "$OUT" "missing index entries: 4"
cnt 'city = Москва' 0
expect_rc 0 as admin admin reindex
contains "$OUT" "repaired"
expect_rc 0 as admin admin reindex --check
cnt 'city = Москва' 1

# a one-word find answers by word, then id; pages are slices of that order,
# each card once, though a later page walks further
add --last Зимина
Z1=$OUT
add --last Зимин
Z2=$OUT
add --last Зимин --first Второй
Z3=$OUT
expect_rc 0 as admin --json find зим --limit 100
[[ $(ids) == "$Z2 $Z3 $Z1" ]] || fail "find зим: $(ids)"
GOT=
for off in 0 1 2; do
	expect_rc 0 as admin --json find зим --limit 1 --offset $off
	GOT="$GOT $(ids)"
done
[[ $(echo $GOT) == "$Z2 $Z3 $Z1" ]] || fail "pages of зим: $GOT"
echo "ok find"
