#!/usr/bin/env bash
# Custom fields and tabs, relatives, lifecycle/VIP, change history and revert.
. "$(dirname "$0")/lib.sh"
init_instance
start_kartd
login_admin

expect_rc 0 as admin field add computers --type number --tab IT
expect_rc 0 as admin field add fleet_renewal --type date --tab Транспорт
expect_rc 0 as admin field add branch --type enum --values 'Самара,Москва,Казань'
expect_rc 0 as admin field add interests --type multienum --values 'рыбалка,футбол,театр'
expect_rc 0 as admin field add seminar_ok --type bool
expect_rc 0 as admin field add favourite_dish --type text --tab Личное
# a tab's 40 characters are characters, not bytes: 40 Cyrillic ones (80 bytes) fit, 41 do not
expect_rc 0 as admin field add long_tab --type text --tab "$(printf 'Я%.0s' {1..40})"
expect_rc 2 as admin field add longer_tab --type text --tab "$(printf 'Я%.0s' {1..41})"
contains "$ERR" "at most 40 characters"
expect_rc 0 as admin field rm long_tab
# bad definitions: clear errors naming the problem
expect_rc 2 as admin field add city --type text
contains "$ERR" "core field"
expect_rc 2 as admin field add Bad-Name --type text
expect_rc 2 as admin field add colour --type enum
contains "$ERR" "values"
expect_rc 2 as admin field add size --type huge
expect_rc 5 as admin field add computers --type number
# two hundred fields per base
for i in $(seq 1 200); do echo "f$i"; done | while read -r f; do
	KART_HOME=$T/home-admin "$KART" --json field add "$f" --type text >/dev/null || fail "field add $f"
done
expect_rc 0 as admin --json field ls
[[ $(jq 'length' <<<"$OUT") == 206 ]] || fail "field count: $(jq length <<<"$OUT")"

expect_rc 0 as admin card add --first Пётр --last Сидоров --company 'ООО «Вектор»' --city Самара --gender m \
	--phone '8 (846) 123-45-67' --field computers=57 --field branch=самара --lifecycle active --vip
ID=$OUT
expect_rc 0 as admin --json card show "$ID"
[[ $(jq -r '.custom[] | select(.field=="computers") | .value' <<<"$OUT") == 57 ]] || fail "computers: $OUT"
[[ $(jq -r '.custom[] | select(.field=="branch") | .value' <<<"$OUT") == 'Самара' ]] || fail "enum canonical: $OUT"
[[ $(jq -r .lifecycle <<<"$OUT") == active && $(jq -r .vip <<<"$OUT") == true ]] || fail "lifecycle/vip: $OUT"
[[ $(jq -r '.phones_e164[0]' <<<"$OUT") == '+78461234567' ]] || fail "e164: $OUT"

# values are checked against their type; nothing changes on error
expect_rc 2 as admin card edit "$ID" --set computers=abc
one_line "$ERR"
contains "$ERR" "computers"
expect_rc 2 as admin card edit "$ID" --set fleet_renewal=2027-02-30
contains "$ERR" "fleet_renewal"
expect_rc 2 as admin card edit "$ID" --set branch=Тверь
contains "$ERR" "one of"
expect_rc 2 as admin card edit "$ID" --set seminar_ok=maybe
expect_rc 2 as admin card edit "$ID" --set lifecycle=zombie
expect_rc 2 as admin card edit "$ID" --set nosuchfield=1
expect_rc 0 as admin --json card show "$ID"
[[ $(jq -r .version <<<"$OUT") == 1 ]] || fail "a bad edit changed the card"

expect_rc 0 as admin card edit "$ID" --set computers=60.50 --set fleet_renewal=2027-03-01 --set 'interests=театр, футбол' \
	--set favourite_dish='борщ' --set seminar_ok=yes
expect_rc 0 as admin --json card show "$ID"
[[ $(jq -r '.custom[] | select(.field=="computers") | .value' <<<"$OUT") == 60.5 ]] || fail "decimal: $OUT"
[[ $(jq -r '.custom[] | select(.field=="interests") | .value' <<<"$OUT") == 'театр,футбол' ]] || fail "multienum: $OUT"

# tabs: the card is shown tab by tab; --tab shows one
expect_rc 0 as admin card show "$ID"
contains "$OUT" "[IT]"
contains "$OUT" "[Транспорт]"
contains "$OUT" "[Личное]"
expect_rc 0 as admin card show "$ID" --tab IT
contains "$OUT" "computers"
[[ $OUT != *"favourite_dish"* && $OUT != *"Сидоров"* ]] || fail "--tab IT showed other tabs: $OUT"

# relatives
expect_rc 0 as admin card rel add "$ID" --name 'Мария Сидорова' --relation spouse --birthday 1985-04-12
expect_rc 0 as admin card rel add "$ID" --name 'Ваня' --relation child --birthday 2015-09-01 --note 'любит футбол'
expect_rc 2 as admin card rel add "$ID" --name 'X' --relation child --birthday 2015-13-01
expect_rc 0 as admin --json card show "$ID"
[[ $(jq '.relatives | length' <<<"$OUT") == 2 && $(jq -r '.relatives[1].name' <<<"$OUT") == 'Ваня' ]] || fail "relatives: $OUT"
expect_rc 0 as admin card rel rm "$ID" 1
expect_rc 4 as admin card rel rm "$ID" 5
expect_rc 0 as admin --json card show "$ID"
[[ $(jq -r '.relatives[0].name' <<<"$OUT") == 'Ваня' ]] || fail "rel rm: $OUT"

# history: every version, who, what from what to what; revert
expect_rc 0 as admin card edit "$ID" --set city=Тольятти
expect_rc 0 as admin --json card history "$ID"
[[ $(jq 'length' <<<"$OUT") == 6 ]] || fail "versions: $(jq -c '[.[].version]' <<<"$OUT")"
jq -e '.[5].changes[] | select(.field=="city" and .old_value=="Самара" and .new_value=="Тольятти")' <<<"$OUT" >/dev/null ||
	fail "history change: $OUT"
jq -e '.[1].changes[] | select(.field=="computers" and .old_value=="57" and .new_value=="60.5")' <<<"$OUT" >/dev/null ||
	fail "custom field in history: $OUT"
[[ $(jq -r '.[5].by' <<<"$OUT") == admin ]] || fail "history author"
expect_rc 0 as admin card history "$ID"
contains "$OUT" "city: 'Самара' -> 'Тольятти'"
expect_rc 0 as admin card revert "$ID" --to-version 1
expect_rc 0 as admin --json card show "$ID"
[[ $(jq -r .city <<<"$OUT") == Самара && $(jq -r .version <<<"$OUT") == 7 ]] || fail "revert: $OUT"
[[ $(jq '.relatives | length' <<<"$OUT") == 0 ]] || fail "revert left relatives"
expect_rc 4 as admin card revert "$ID" --to-version 99
expect_rc 0 as admin --json audit --action card.revert
[[ $(jq 'length' <<<"$OUT") == 1 ]] || fail "revert not audited"

# removing a field cards use: refused, then forced (audited)
expect_rc 5 as admin field rm computers
contains "$ERR" "1 cards"
expect_rc 0 as admin field rm computers --force
expect_rc 0 as admin --json card show "$ID"
[[ $(jq '[.custom[]? | select(.field=="computers")] | length' <<<"$OUT") == 0 ]] || fail "forced rm left values"
expect_rc 0 as admin --json audit --action field.remove
contains "$OUT" "forced"
expect_rc 0 as admin field rm f1
echo "ok fields"
