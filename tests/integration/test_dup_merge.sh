#!/usr/bin/env bash
# kart dup merge A B [--prefer A|B] and kart dup unmerge A B: two cards of one
# client with overlapping and conflicting fields, timeline entries, a deal, a
# reminder and a relative on B. Merged: A keeps its values (the conflicts
# listed), or takes B's with --prefer B; B's contacts, timeline, deal,
# reminder and relative are A's; B shows A, is in no list, find, count or
# export, its history is still read under its id, A's history has the merge;
# audited. Unmerged: B is back with what moved, A's fields taken back but one
# edited since. Another manager's card answers as a missing one, an auditor
# may not merge, a card is not merged into itself nor merged twice.
. "$(dirname "$0")/lib.sh"
init_instance "canary_email_domain = canary.test"
start_kartd
login_admin
command -v jq >/dev/null || fail "jq is required"
printf 'password-123\n' >"$T/pw"
expect_rc 0 as admin user add man --role manager --team north --password-file "$T/pw"
expect_rc 0 as admin user add man2 --role manager --team south --password-file "$T/pw"
expect_rc 0 as admin user add aud --role auditor --team north --password-file "$T/pw"
for u in man man2 aud; do expect_rc 0 as "$u" login "$u" --password-file "$T/pw"; done
expect_rc 0 as admin field add inn --type text

# card_pair: A and B, one client twice: the same phone written two ways, a
# company on B only, cities that differ, tags and emails partly shared
card_pair() {
	expect_rc 0 as man card add --first Иван --last Петров --phone '+7 846 123-45-67' --email ivan@a.ru \
		--city Самара --tag vip --set inn=631234
	A=$OUT
	expect_rc 0 as man card add --first иван --last ПЕТРОВ --phone '8 (846) 1234567' --phone '+7 927 000-00-01' \
		--email IVAN@a.ru --email petrov@b.ru --city Тольятти --company 'ООО Ромашка' --tag опт --tag VIP \
		--set inn=639999
	B=$OUT
}

card_pair
expect_rc 0 as man log "$B" call --text 'звонил насчёт поставки'
expect_rc 0 as man log "$B" purchase --text 'первый заказ' --amount 1500
expect_rc 0 as man log "$A" note --text 'карточка A'
expect_rc 0 as man deal add "$B" --title 'Поставка'
DEAL=$OUT
expect_rc 0 as man remind "$B" --at 2099-01-01T10:00 --text 'перезвонить'
REM=$OUT
expect_rc 0 as man card rel add "$B" --name Мария --relation spouse --birthday 1990-05-01
expect_rc 0 as man --json card show "$B"
B_VERSION=$(jq .version <<<"$OUT")

# ---- refusals first: nothing changes
expect_rc 2 as man dup merge "$A" "$A"
contains "$ERR" "cannot be merged into itself"
expect_rc 3 as aud dup merge "$A" "$B"
expect_rc 2 as man dup merge "$A" "$B" --prefer 12345
# another manager's card answers exactly like a missing one
expect_rc 4 as man2 dup merge "$A" "$B"
OTHER=$ERR
expect_rc 4 as man2 dup merge 999999 "$B"
[[ ${OTHER//$A/ID} == "${ERR//999999/ID}" ]] || fail "another's card and a missing one answer differently: '$OTHER' vs '$ERR'"
expect_rc 0 as man2 card add --first Чужой --last Клиент
C2=$OUT
expect_rc 4 as man dup merge "$A" "$C2"
contains "$ERR" "no card $C2"

# ---- the merge, A's values kept
expect_rc 0 as man dup merge "$A" "$B"
contains "$OUT" "card $B merged into card $A"
contains "$OUT" "moved: 2 timeline entries, 1 deal, 1 reminder"
contains "$OUT" "city: 'Самара' (card $A) kept over 'Тольятти' (card $B)"
contains "$OUT" "inn: '631234' (card $A) kept over '639999' (card $B)"
expect_rc 0 as man --json card show "$A"
CARD=$OUT
[[ $(jq -r .city <<<"$CARD") == Самара ]] || fail "A's city not kept: $CARD"
[[ $(jq -r .company <<<"$CARD") == 'ООО Ромашка' ]] || fail "A's empty company not filled: $CARD"
[[ $(jq '.phones | length' <<<"$CARD") == 2 ]] || fail "phones not united as numbers: $CARD"
[[ $(jq -r '.emails | join(",")' <<<"$CARD") == ivan@a.ru,petrov@b.ru ]] || fail "emails: $CARD"
[[ $(jq -r '.tags | join(",")' <<<"$CARD") == vip,опт ]] || fail "tags: $CARD"
[[ $(jq -r '.relatives[0].name' <<<"$CARD") == Мария ]] || fail "B's relative not moved: $CARD"
[[ $(jq '.touches' <<<"$CARD") == 3 && $(jq -r '.total_purchases' <<<"$CARD") == 1500.00 ]] ||
	fail "A's derived fields not counted again: $CARD"
A_MERGED=$(jq .version <<<"$CARD")
expect_rc 0 as man --json timeline "$A"
[[ $(jq length <<<"$OUT") == 3 ]] || fail "B's timeline not on A: $OUT"
expect_rc 0 as man --json deal show "$DEAL"
[[ $(jq .card_id <<<"$OUT") == "$A" ]] || fail "B's deal not on A: $OUT"
expect_rc 0 as man --json remind ls --card "$A"
[[ $(jq "[.[] | select(.id == $REM)] | length" <<<"$OUT") == 1 ]] || fail "B's reminder not on A: $OUT"

# B shows A, and says so
expect_rc 0 as man card show "$B"
contains "$ERR" "card $B was merged into card $A"
contains "$OUT" "Самара"
expect_rc 0 as man --json card show "$B"
[[ $(jq .id <<<"$OUT") == "$A" && $(jq .merged_from <<<"$OUT") == "$B" ]] || fail "B does not lead to A: $OUT"
# but not to a manager who never saw B
expect_rc 4 as man2 card show "$B"

# B is in no list, find, count or export
expect_rc 0 as man --json card ls
[[ $(jq "[.[] | select(.id == $B)] | length" <<<"$OUT") == 0 ]] || fail "B listed: $OUT"
expect_rc 0 as man --json find Петров
[[ $(jq "[.. | objects | select(.id? == $B)] | length" <<<"$OUT") == 0 ]] || fail "B found: $OUT"
expect_rc 0 as man find 9270000001
contains "$OUT" "$A"
expect_rc 0 as man ls --where 'last_name = Петров' --count
[[ $OUT == 1 ]] || fail "B counted: $OUT"
expect_rc 0 as admin export -o "$T/all.csv"
# (the canary rows, whose names are drawn at random, may be a Петрова)
[[ $(grep -v 'canary\.test' "$T/all.csv" | grep -c 'Петров\|ПЕТРОВ') == 1 ]] || fail "B exported: $(cat "$T/all.csv")"
# not in the trash either, and not restorable as a card
expect_rc 2 as man card restore "$B"
contains "$ERR" "was merged into card $A"

# histories: A's has the merge version; B's is read under its own id
expect_rc 0 as man --json card history "$A"
[[ $(jq '.[-1].version' <<<"$OUT") == "$A_MERGED" ]] || fail "A's history lacks the merge: $OUT"
jq -e '.[-1].changes[] | select(.field == "company")' <<<"$OUT" >/dev/null || fail "merge version's changes: $OUT"
expect_rc 0 as man --json card history "$B"
[[ $(jq '.[-1].version' <<<"$OUT") == "$B_VERSION" ]] || fail "B's history: $OUT"
jq -e '.[-1].changes[] | select(.field == "merged" and .new_value == "into card '"$A"'")' <<<"$OUT" >/dev/null ||
	fail "B's history does not say where it went: $OUT"

# audited, in one event
expect_rc 0 as admin --json audit --action card.merge
[[ $(jq length <<<"$OUT") == 1 ]] || fail "card.merge events: $OUT"
contains "$(jq -r '.[0].summary' <<<"$OUT")" "card $B (ПЕТРОВ иван) merged in"
contains "$(jq -r '.[0].summary' <<<"$OUT")" "2 timeline entries, 1 deal, 1 reminder"

# merged twice: refused, naming where it went
expect_rc 2 as man dup merge "$A" "$B"
contains "$ERR" "card $B was merged into card $A already"
expect_rc 2 as man dup unmerge "$A" 999999
contains "$ERR" "card 999999 was not merged into card $A"

# ---- unmerge: one of A's fields edited since stays
expect_rc 0 as man card edit "$A" --set company='ООО Лютик'
expect_rc 0 as man log "$A" meeting --text 'после слияния'
expect_rc 0 as man dup unmerge "$A" "$B"
contains "$OUT" "card $B taken back out of card $A"
contains "$OUT" "moved back: 2 timeline entries, 1 deal, 1 reminder"
contains "$OUT" "edited since the merge, kept as they are: company"
expect_rc 0 as man --json card show "$B"
CARD=$OUT
[[ $(jq .id <<<"$CARD") == "$B" && $(jq .merged_from <<<"$CARD") == 0 ]] || fail "B not back: $CARD"
[[ $(jq -r .city <<<"$CARD") == Тольятти && $(jq .version <<<"$CARD") == "$B_VERSION" ]] || fail "B not as it was: $CARD"
[[ $(jq .touches <<<"$CARD") == 2 && $(jq -r .total_purchases <<<"$CARD") == 1500.00 ]] || fail "B's counters: $CARD"
expect_rc 0 as man --json card show "$A"
CARD=$OUT
[[ $(jq '.phones | length' <<<"$CARD") == 1 && $(jq '.emails | length' <<<"$CARD") == 1 ]] || fail "A's lists not taken back: $CARD"
[[ $(jq -r '.tags | join(",")' <<<"$CARD") == vip && $(jq '.relatives | length' <<<"$CARD") == 0 ]] || fail "A: $CARD"
[[ $(jq -r .company <<<"$CARD") == 'ООО Лютик' ]] || fail "A's company edited since was taken back: $CARD"
[[ $(jq .touches <<<"$CARD") == 2 ]] || fail "A's counters: $CARD"
expect_rc 0 as man --json timeline "$B"
[[ $(jq length <<<"$OUT") == 2 ]] || fail "B's timeline not back: $OUT"
expect_rc 0 as man --json deal show "$DEAL"
[[ $(jq .card_id <<<"$OUT") == "$B" ]] || fail "deal not back: $OUT"
expect_rc 0 as man --json remind ls --card "$B"
[[ $(jq "[.[] | select(.id == $REM)] | length" <<<"$OUT") == 1 ]] || fail "reminder not back: $OUT"
expect_rc 0 as man ls --where 'last_name = Петров' --count
[[ $OUT == 2 ]] || fail "B not counted again: $OUT"
expect_rc 0 as man find 9270000001
contains "$OUT" "$B"
expect_rc 0 as admin --json audit --action card.unmerge
[[ $(jq length <<<"$OUT") == 1 ]] || fail "card.unmerge events: $OUT"
expect_rc 2 as man dup unmerge "$A" "$B"
contains "$ERR" "card $B was not merged into card $A"

# ---- --prefer B takes B's values where both differ; --json
expect_rc 0 as man --json dup merge "$A" "$B" --prefer "$B"
[[ $(jq -r '.conflicts[] | select(.field == "city") | "\(.from_value) \(.took_from)"' <<<"$OUT") == "Тольятти true" ]] ||
	fail "prefer B: $OUT"
[[ $(jq -r .card.city <<<"$OUT") == Тольятти && $(jq -r '.card.custom[] | select(.field == "inn") | .value' <<<"$OUT") == 639999 ]] ||
	fail "prefer B did not take B's values: $OUT"
[[ $(jq -r .card.first_name <<<"$OUT") == Иван ]] || fail "prefer B took a name that differs only in case: $OUT"
# a merge of a merge: B leads through A to C; A's merge is taken back first
expect_rc 0 as man card add --first Пётр --last Петров
C=$OUT
expect_rc 0 as man dup merge "$C" "$A"
expect_rc 0 as man --json card show "$B"
[[ $(jq .id <<<"$OUT") == "$C" && $(jq .merged_from <<<"$OUT") == "$B" ]] || fail "B does not lead through A to C: $OUT"
expect_rc 2 as man dup unmerge "$A" "$B"
contains "$ERR" "card $A was merged into card $C since; take that merge back first"
expect_rc 0 as man dup unmerge "$C" "$A"

# in Russian
expect_rc 0 env LANG=ru_RU.UTF-8 KART_HOME="$T/home-man" "$KART" -s "$SERVER" --ca "$CA" dup unmerge "$A" "$B"
contains "$OUT" "карточка $B снова отделена от карточки $A"
contains "$OUT" "возвращено: 2 записи хроники, 1 сделка, 1 напоминание"
echo "dup merge OK"
