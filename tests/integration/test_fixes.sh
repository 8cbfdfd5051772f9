#!/usr/bin/env bash
# Everyday rough edges: a segment is replaced only on purpose, a move can be
# tried first, offboarding to another team needs --force; controls named as
# controls, no purchase of nothing, an edit that changes nothing says so and a
# revert names the relatives it drops or brings back; numbers, booleans and
# phone extensions as people type them; adding to and removing from lists.
. "$(dirname "$0")/lib.sh"
init_instance "read_flush_ms = 200"
start_kartd
login_admin
printf 'password-123\n' >"$T/pw"
expect_rc 0 as admin user add masha --role manager --team north --password-file "$T/pw"
expect_rc 0 as admin user add petya --role manager --team north --password-file "$T/pw"
expect_rc 0 as admin user add kolya --role manager --team south --password-file "$T/pw"
expect_rc 0 as admin user add olga --role supervisor --team north --password-file "$T/pw"
for u in masha petya kolya olga; do expect_rc 0 as "$u" login "$u" --password-file "$T/pw"; done

# ---- segment save: an existing segment is replaced only with --replace ----
expect_rc 0 as masha segment save hot-samara 'city = Самара'
expect_rc 5 as masha segment save hot-samara 'city = Москва'
one_line "$ERR"
contains "$ERR" "segment hot-samara already exists"
contains "$ERR" "--replace"
expect_rc 0 as masha segment show hot-samara
[[ $OUT == 'city = Самара' ]] || fail "a refused save changed the segment: $OUT"
expect_rc 0 as admin --json audit --action segment.update
[[ $OUT == "[]" ]] || fail "a refused save was audited: $OUT"
expect_rc 0 as masha segment save hot-samara 'city = Москва' --replace
expect_rc 0 as masha segment show hot-samara
[[ $OUT == 'city = Москва' ]] || fail "--replace did not replace: $OUT"
# the daemon enforces it, not only the client: a request without the flag is refused
expect_rc 5 as admin segment save hot-samara 'id > 0'
# a new name needs no flag
expect_rc 0 as masha segment save other 'id > 0' --replace

# ---- move --dry-run: counts and the first rows, changes and audits nothing ----
for i in $(seq 1 12); do expect_rc 0 as masha card add --first "Клиент$i" --last Тестов --city Казань; done
expect_rc 0 as masha card add --first Уже --last Горячий --city Казань --sector hot
expect_rc 0 as olga move --where 'city = Казань' --sector hot --dry-run
contains "$OUT" "dry run: 12 cards would move to hot (the first 10 shown); nothing was changed"
contains "$OUT" "Клиент1"
[[ $OUT != *Горячий* ]] || fail "a card already in the sector was listed: $OUT"
[[ $(grep -c 'Тестов' <<<"$OUT") == 10 ]] || fail "dry run rows: $OUT"
expect_rc 0 as olga --json move --where 'city = Казань' --sector hot --dry-run
jq -e '.count == 12 and (.cards | length) == 10 and all(.cards[]; .city == "Казань")' <<<"$OUT" >/dev/null ||
	fail "dry run json: $OUT"
expect_rc 0 as olga ls --where 'city = Казань and sector = hot' --count
[[ $OUT == 1 ]] || fail "the dry run moved cards: $OUT"
expect_rc 0 as admin --json audit --action card.move
[[ $OUT == "[]" ]] || fail "the dry run was audited: $OUT"
# a dry run is a read of the rows shown (like ls), recorded as such
sleep 0.5
expect_rc 0 as admin --json audit reads --user olga
jq -e '[.[] | select(.how == "move")] | length == 10' <<<"$OUT" >/dev/null || fail "dry run reads: $OUT"
# bad input is still refused, and still only for those who may move
expect_rc 2 as olga move --where 'city = ' --sector hot --dry-run
expect_rc 2 as olga move --where 'city = Казань' --sector lukewarm --dry-run
expect_rc 3 as masha move --where 'city = Казань' --sector hot --dry-run
# the real move then moves what the dry run counted
expect_rc 0 as olga move --where 'city = Казань' --sector hot
contains "$OUT" "moved 12 cards to hot"
expect_rc 0 as olga move --where 'city = Казань' --sector hot --dry-run
contains "$OUT" "dry run: 0 cards would move to hot"

# ---- offboarding to another team needs --force ----
expect_rc 0 as petya card add --first Пётр --last Уходящий
expect_rc 5 as admin user offboard petya --to kolya
one_line "$ERR"
contains "$ERR" "kolya is in team south, petya in team north"
contains "$ERR" "--force"
expect_rc 0 as petya whoami # not locked: nothing happened
expect_rc 0 as admin --json audit --action user.offboard
[[ $OUT == "[]" ]] || fail "a refused offboard was audited: $OUT"
expect_rc 0 as admin --json user offboard petya --to kolya --force
jq -e '.cards == 1' <<<"$OUT" >/dev/null || fail "forced offboard: $OUT"
expect_rc 0 as admin --json audit --action user.offboard
jq -e '.[0].summary | contains("another team, forced: team north -> team south")' <<<"$OUT" >/dev/null ||
	fail "offboard audit: $OUT"
# within the team no --force is needed
expect_rc 0 as admin user add lena --role manager --team north --password-file "$T/pw"
expect_rc 0 as admin user offboard lena --to masha

# ---- a control character is named as one, bad UTF-8 as bad UTF-8 ----
ESC=$'\x1b'
expect_rc 2 as masha find "Ив${ESC}[31mан"
one_line "$ERR"
contains "$ERR" "U+001B (escape) at character 3"
[[ $ERR != *UTF-8* ]] || fail "a control reported as bad UTF-8: $ERR"
expect_rc 2 as masha find $'Ив\xffан'
contains "$ERR" "not valid UTF-8"
expect_rc 2 as masha card add --last "Ив${ESC}ан"
contains "$ERR" "last_name: U+001B (escape) at character 3"
expect_rc 2 as masha card add --last $'Ив\xffан'
contains "$ERR" "last_name: not valid UTF-8"

# ---- a purchase of nothing, or less, is refused ----
expect_rc 0 as masha card add --first Анна --last Покупкина
P=$OUT
for amt in 0 0,00 '0.0' -5; do
	expect_rc 2 as masha log "$P" purchase --amount "$amt"
	one_line "$ERR"
	contains "$ERR" "amount:"
done
expect_rc 2 as masha log "$P" purchase --text 'без суммы'
contains "$ERR" "a purchase needs an amount above 0"
expect_rc 0 as masha --json card show "$P"
jq -e '(.touches // 0) == 0' <<<"$OUT" >/dev/null || fail "a refused purchase counted: $OUT"
expect_rc 0 as masha log "$P" purchase --amount '0,01'

# ---- an edit that changes nothing says so, writes no version and no audit ----
expect_rc 0 as masha card edit "$P" --set city=Самара
contains "$OUT" "card $P updated (version 2)"
expect_rc 0 as masha card edit "$P" --set city=Самара
[[ $OUT == "card $P unchanged (version 2): nothing differed from what it holds" ]] || fail "no-op edit: $OUT"
expect_rc 0 as admin --json audit --action card.update
[[ $(jq "[.[] | select(.object_id == $P)] | length" <<<"$OUT") == 1 ]] || fail "a no-op edit was audited: $OUT"

# ---- a revert names the relatives it drops and brings back ----
expect_rc 0 as masha card rel add "$P" --name Сергей --relation spouse
expect_rc 0 as masha card rel add "$P" --name Оля --relation child --birthday 2015-03-08
expect_rc 0 as masha card revert "$P" --to-version 2
contains "$OUT" "card $P reverted to version 2 (version 5)"
contains "$OUT" "relative removed: Сергей (spouse)"
contains "$OUT" "relative removed: Оля (child, 2015-03-08)"
expect_rc 0 as masha card revert "$P" --to-version 3
contains "$OUT" "relative added: Сергей (spouse)"
[[ $OUT != *Оля* ]] || fail "revert to 3 named a relative it did not change: $OUT"
expect_rc 0 as masha card revert "$P" --to-version 6
contains "$OUT" "unchanged"

# ---- custom numbers as --amount takes them; yes/no as да/нет in filters too ----
expect_rc 0 as admin field add computers --type number
expect_rc 0 as admin field add dealer --type bool
expect_rc 0 as masha card add --first Числа --last Тестовые
NUM=$OUT
for v in '1 500' $'1\u00a0500' $'1\u202f500' '1500'; do
	expect_rc 0 as masha card edit "$NUM" --set "computers=$v"
	expect_rc 0 as masha --json card show "$NUM"
	# a custom number is a JSON number in --json
	grep -q '"value": 1500,' <<<"$OUT" || fail "computers=$v: $OUT"
done
for v in '1500,50' '1500.50' '1 500,5'; do
	expect_rc 0 as masha card edit "$NUM" --set "computers=$v"
	expect_rc 0 as masha --json card show "$NUM"
	grep -q '"value": 1500.5,' <<<"$OUT" || fail "computers=$v: $OUT"
done
for v in '1,500' '1 50' '12 3456' '1.5.5' '1e3' 'много'; do
	expect_rc 2 as masha card edit "$NUM" --set "computers=$v"
	one_line "$ERR"
	contains "$ERR" "computers: '$v' is not a number"
done
# the amount takes the same forms, from the same parser
expect_rc 0 as masha log "$NUM" purchase --amount $'1\u00a0500,5'
expect_rc 0 as masha --json card show "$NUM"
jq -e '.total_purchases == "1500.50"' <<<"$OUT" >/dev/null || fail "amount 1 500,5: $OUT"
expect_rc 2 as masha log "$NUM" purchase --amount '1,500'
# in a filter, quoted, the same
expect_rc 0 as masha ls "computers = '1 500,50'" --count
[[ $OUT == 1 ]] || fail "filter '1 500,50': $OUT"
# yes/no: да/нет on the card and in the filter alike
expect_rc 0 as masha card edit "$NUM" --set dealer=да
for v in да Да true yes 1; do
	expect_rc 0 as masha ls "dealer = $v" --count
	[[ $OUT == 1 ]] || fail "dealer = $v: $OUT"
done
for v in нет false no 0; do
	expect_rc 0 as masha ls "dealer = $v and id = $NUM" --count
	[[ $OUT == 0 ]] || fail "dealer = $v: $OUT"
done
expect_rc 0 as masha ls "vip = нет and id = $NUM" --count
[[ $OUT == 1 ]] || fail "vip = нет: $OUT"
expect_rc 2 as masha ls 'dealer = может'
contains "$ERR" "dealer is yes/no"

# ---- phone extensions: stored, shown, found by the number; too few digits refused ----
expect_rc 0 as masha card add --last Добавочный --phone '+7 (846) 999-00-11 доб. 123' --phone '8 846 999 22 33 ext. 7' \
	--phone '+7 846 999-44-55 x9' --phone '+7 846 999-66-77 #42' --phone '+7 846 999-88-99 доб 5'
EXT=$OUT
expect_rc 0 as masha --json card show "$EXT"
jq -e '.phones_e164 == ["+78469990011","+78469992233","+78469994455","+78469996677","+78469998899"] and
	.phones_ext == ["123","7","9","42","5"] and .phones[0] == "+7 (846) 999-00-11 доб. 123"' <<<"$OUT" >/dev/null ||
	fail "extensions stored: $OUT"
expect_rc 0 as masha card show "$EXT"
contains "$OUT" "+7 (846) 999-00-11 доб. 123 (+78469990011;ext=123)"
contains "$OUT" "(+78469996677;ext=42)"
for q in '+7 846 999-00-11' '8 (846) 999-00-11' '999-00-11' '+7 (846) 999-00-11 доб. 123' '+7 846 999 00 11 ext 5'; do
	expect_rc 0 as masha --json find "$q"
	jq -e --argjson id "$EXT" 'any(.[]; .matched_as == "phone" and .id == $id)' <<<"$OUT" >/dev/null ||
		fail "find '$q': $OUT"
done
expect_rc 0 as admin export --format vcard --where "id = $EXT" -o "$T/ext.vcf"
grep -q 'TEL;VALUE=uri:tel:+78469990011;ext=123' "$T/ext.vcf" || fail "vCard extension: $(cat "$T/ext.vcf")"
for p in 1234 '12' '+7 12 доб. 12345'; do
	expect_rc 2 as masha card add --last Короткий --phone "$p"
	one_line "$ERR"
	contains "$ERR" "phones: '$p' is not a phone number"
	contains "$ERR" "a phone has 5 to 15"
done
expect_rc 2 as masha card edit "$EXT" --set 'phones=доб. 123'
contains "$ERR" "phones:"

# ---- lists: += adds, -= removes, on every repeated field ----
expect_rc 0 as masha card add --last Списков --phone '8 (846) 111-22-33' --tag опт --email a@example.ru \
	--messenger telegram:@spiskov
L=$OUT
expect_rc 0 as masha card edit "$L" --set 'phones+=+7 846 444-55-66' --set 'tags+=VIP, Розница' \
	--set 'emails+=b@example.ru' --set 'messengers+=skype:spiskov'
expect_rc 0 as masha --json card show "$L"
jq -e '.phones == ["8 (846) 111-22-33","+7 846 444-55-66"] and .tags == ["опт","VIP","Розница"] and
	.emails == ["a@example.ru","b@example.ru"] and (.messengers | length) == 2' <<<"$OUT" >/dev/null || fail "+=: $OUT"
# adding what is there (however it is written) changes nothing
expect_rc 0 as masha card edit "$L" --set 'phones+=+7 (846) 111-22-33' --set 'tags+=ОПТ' --set 'emails+=A@Example.ru'
contains "$OUT" "unchanged"
# removing: however it is written; one not there is an error naming it, and nothing changes
expect_rc 0 as masha card edit "$L" --set 'phones-=+78461112233' --set 'tags-=vip' --set 'messengers-=Telegram:@spiskov'
expect_rc 0 as masha --json card show "$L"
jq -e '.phones == ["+7 846 444-55-66"] and .tags == ["опт","Розница"] and .messengers == [{"kind":"skype","handle":"spiskov"}]' \
	<<<"$OUT" >/dev/null || fail "-=: $OUT"
V=$(jq .version <<<"$OUT")
expect_rc 2 as masha card edit "$L" --set 'emails-=b@example.ru' --set 'tags-=оптовик'
one_line "$ERR"
contains "$ERR" "tags: 'оптовик' is not on the card"
expect_rc 2 as masha card edit "$L" --set 'phones-=+7 999 000-00-00'
contains "$ERR" "phones: '+7 999 000-00-00' is not on the card"
expect_rc 0 as masha --json card show "$L"
[[ $(jq .version <<<"$OUT") == "$V" && $(jq '.emails | length' <<<"$OUT") == 2 ]] || fail "a refused -= changed the card: $OUT"
# what += adds is checked like any value; += on a field that is not a list is refused
expect_rc 2 as masha card edit "$L" --set 'emails+=not-an-email'
expect_rc 2 as masha card edit "$L" --set 'city+=Самара'
contains "$ERR" "city is not a list"
expect_rc 2 as masha card edit "$L" --set 'computers-=5'
# a local number (too short for E.164) is compared by its digits, its extension apart
expect_rc 0 as masha card edit "$L" --set 'phones+=999-00-11 доб. 5'
expect_rc 2 as masha card edit "$L" --set 'phones-=99900115'
contains "$ERR" "phones: '99900115' is not on the card"
expect_rc 0 as masha card edit "$L" --set 'phones+=999 00 11 ext 5'
contains "$OUT" "unchanged"
expect_rc 0 as masha card edit "$L" --set 'phones-=9990011 #5'
expect_rc 0 as masha --json card show "$L"
jq -e '.phones == ["+7 846 444-55-66"]' <<<"$OUT" >/dev/null || fail "local number with extension: $OUT"
