#!/usr/bin/env bash
# Cards created in batches (CardImport, kart-bench --load: card_create_many)
# leave the indexes exactly as creating them one by one does: batches whose
# cards share phones, e-mails, names, tags and custom values, keys before,
# among and after the ones present, a card restored from the trash with an
# old id between batches; then the indexes verify clean, finds reach every
# card, and a rebuild from the cards, card by card, gives the same entries.
. "$(dirname "$0")/lib.sh"
init_instance
start_kartd
login_admin
expect_rc 0 as admin field add segment --type enum --values 'Опт,Розница'
expect_rc 0 as admin field add score --type number
load() {
	"$KART_BENCH" -s "$SERVER" --ca "$CA" --password-file "$ADMIN_PW" --conns 2 --pipeline 4 --batch 300 "$@" \
		>"$T/load.out" 2>&1 || fail "load $*: $(cat "$T/load.out")"
}
load --load 1500 --custom 1
# a card of the batch's phone, trashed while the batch goes in, then restored
expect_rc 0 as admin card add --last Старый --phone '+7 927 000-00-03' --email shared2@example.ru --tag VIP
OLD=$OUT
expect_rc 0 as admin card rm "$OLD"
expect_rc 0 "$HOSTILE" import-shared "$SERVER" "$CA" "$ADMIN_PW"
read -r -a IMP <<<"$(head -n 1 "$T/out")"
[[ ${#IMP[@]} == 60 ]] || fail "import-shared created ${#IMP[@]} cards: $OUT"
((IMP[0] > OLD)) || fail "imported ids ${IMP[0]}.. not past $OLD"
expect_rc 0 as admin card restore "$OLD"
# the same generated cards again (keys among the ones present), then new ones
load --first 1000 --load 1000 --custom 1
load --first 1500 --load 600 --custom 1
expect_rc 0 as admin card add --first Последний --phone '+7 927 000-00-03'
LAST=$OUT

ids() { jq -r '[.[].id] | sort | join(" ")' <<<"$OUT"; }
# of the sixty, i % 7 == 3 have the number, and the restored and the last card
WANT=$(printf '%s\n' "$OLD" "$LAST" "${IMP[3]}" "${IMP[10]}" "${IMP[17]}" "${IMP[24]}" "${IMP[31]}" "${IMP[38]}" \
	"${IMP[45]}" "${IMP[52]}" "${IMP[59]}" | sort | paste -sd' ')
expect_rc 0 as admin --json find '+7 927 000-00-03' --limit 50
[[ $(ids) == "$WANT" ]] || fail "find by phone: $(ids), expected $WANT"
expect_rc 0 as admin --json find 0000003 --limit 50
[[ $(ids) == "$WANT" ]] || fail "find by a phone's end: $(ids), expected $WANT"
expect_rc 0 as admin --json find SHARED2@example.ru --limit 50
[[ $(jq length <<<"$OUT") == 13 ]] || fail "find by e-mail: $(ids)"
cnt() { expect_rc 0 as admin ls --where "$1" --count; [[ $OUT == "$2" ]] || fail "count '$1': $OUT, expected $2"; }
cnt 'segment = опт' 30
cnt 'segment = Опт and score = 3' 15
cnt 'score = 1' 15
cnt 'tag = vip and email = shared2@example.ru' 5
cnt 'name contains "петрова" and city = казань' 10
# generated cards of every batch are found by their phones
"$KART_BENCH" -s "$SERVER" --ca "$CA" --password-file "$ADMIN_PW" --op find-phone --indices 0-2099 --conns 2 \
	--seconds 1 >"$T/find.out" 2>&1 || fail "find-phone: $(cat "$T/find.out")"
grep -q 'misses=0' "$T/find.out" || fail "generated phones not found: $(cat "$T/find.out")"

expect_rc 0 as admin admin reindex --check
contains "$OUT" "missing index entries: 0, extra: 0"
# rebuilt from the cards one by one, every index holds the same entries
IX="ix_phone ix_email ix_name ix_tag ix_city ix_owner ix_sector ix_birthday ix_custom ix_phone_fwd ix_name_owner"
dump() {
	local db
	for db in $IX; do
		echo "== $db"
		"$DBTOOL" "$T/inst/db" dump "$db" || fail "dump $db"
	done
}
stop_kartd
dump >"$T/bulk.dump"
"$DBTOOL" "$T/inst/db" drop ix_tag || fail "dbtool drop"
start_kartd
expect_rc 0 as admin admin reindex
contains "$OUT" "repaired"
stop_kartd
dump >"$T/rebuilt.dump"
[[ $(wc -l <"$T/bulk.dump") -gt 20000 ]] || fail "only $(wc -l <"$T/bulk.dump") index entries"
cmp -s "$T/bulk.dump" "$T/rebuilt.dump" || fail "indexes differ from a rebuild: $(diff "$T/bulk.dump" "$T/rebuilt.dump" | head -5)"
echo "ok bulk"
