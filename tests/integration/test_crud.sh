#!/usr/bin/env bash
# The whole card cycle and its audit trail, with Cyrillic text, through kart.
. "$(dirname "$0")/lib.sh"
init_instance
start_kartd
login_admin
contains "$OUT" "logged in as admin"

expect_rc 0 as admin whoami
contains "$OUT" "admin (admin)"

# create: Cyrillic, ё, guillemets, emoji-free symbols; the id is printed alone
NOTE='Любит борщ; «ООО Ёлка» — ключевой клиент ✓'
expect_rc 0 as admin card add --first 'Пётр' --last 'Ёжиков' --middle 'Алексеевич' --company 'ООО «Ёлка»' \
	--phone '8 (846) 123-45-67' --phone '+7 917 000-11-22' --email 'petr@example.ru' --city 'Самара' \
	--birthday 1980-03-08 --gender m --tag vip --tag партнёр --sector warm --notes "$NOTE"
ID=$OUT
[[ $ID =~ ^[0-9]+$ ]] || fail "card add printed '$ID', not an id"

# byte-exact round trip through JSON
expect_rc 0 as admin --json card show "$ID"
command -v jq >/dev/null || fail "jq is required"
[[ $(jq -r .last_name <<<"$OUT") == 'Ёжиков' ]] || fail "last_name did not round-trip: $OUT"
[[ $(jq -r .first_name <<<"$OUT") == 'Пётр' ]] || fail "first_name did not round-trip"
[[ $(jq -r .company <<<"$OUT") == 'ООО «Ёлка»' ]] || fail "company did not round-trip"
[[ $(jq -r .notes <<<"$OUT") == "$NOTE" ]] || fail "notes did not round-trip"
[[ $(jq -r '.tags | join(",")' <<<"$OUT") == 'vip,партнёр' ]] || fail "tags did not round-trip"
[[ $(jq -r '.phones[0]' <<<"$OUT") == '8 (846) 123-45-67' ]] || fail "phone as typed was not kept"
[[ $(jq -r .gender <<<"$OUT") == m && $(jq -r .sector <<<"$OUT") == warm ]] || fail "enums: $OUT"
[[ $(jq -r .version <<<"$OUT") == 1 && $(jq -r .owner <<<"$OUT") == admin ]] || fail "version/owner: $OUT"
# global options after the subcommand mean the same
expect_rc 0 as admin card show "$ID" --json
[[ $(jq -r .last_name <<<"$OUT") == 'Ёжиков' ]] || fail "--json after the subcommand"

# human output
expect_rc 0 as admin card show "$ID"
contains "$OUT" "Ёжиков"
contains "$OUT" "Самара"

# edit with the right version, then with a stale one: CONFLICT, nothing changed
expect_rc 0 as admin card edit "$ID" --set city=Тольятти --set last_name='Ежиков-Смирнов' --expect-version 1
contains "$OUT" "version 2"
expect_rc 5 as admin card edit "$ID" --set city=Казань --expect-version 1
one_line "$ERR"
contains "$ERR" "version 2"
expect_rc 0 as admin --json card show "$ID"
[[ $(jq -r .city <<<"$OUT") == 'Тольятти' && $(jq -r .version <<<"$OUT") == 2 ]] || fail "stale edit changed the card: $OUT"

# a list field set by --set replaces the list
expect_rc 0 as admin card edit "$ID" --set 'phones=+7 846 222-33-44, 8 800 555 35 35'
expect_rc 0 as admin --json card show "$ID"
[[ $(jq -r '.phones | length' <<<"$OUT") == 2 && $(jq -r '.phones[1]' <<<"$OUT") == '8 800 555 35 35' ]] || fail "phones: $OUT"

# a second card, then list
expect_rc 0 as admin card add --company 'ИП Сидорова' --phone '+7 (927) 765-43-21'
ID2=$OUT
expect_rc 0 as admin card ls
contains "$OUT" "Ежиков-Смирнов"
contains "$OUT" "ИП Сидорова"
expect_rc 0 as admin --json card ls --limit 1
[[ $(jq 'length' <<<"$OUT") == 1 && $(jq -r '.[0].id' <<<"$OUT") == "$ID" ]] || fail "ls --limit 1: $OUT"

# delete to trash, not found, restore
expect_rc 0 as admin card rm "$ID2"
expect_rc 4 as admin card show "$ID2"
one_line "$ERR"
expect_rc 0 as admin card show "$ID2" --trash
expect_rc 0 as admin --json card ls
[[ $(jq 'length' <<<"$OUT") == 1 ]] || fail "deleted card still listed: $OUT"
expect_rc 0 as admin card restore "$ID2"
expect_rc 0 as admin card show "$ID2"
contains "$OUT" "ИП Сидорова"
expect_rc 4 as admin card restore "$ID2"

# the audit trail: every change, newest first
expect_rc 0 as admin --json audit
ACTIONS=$(jq -r '[.[].action] | join(" ")' <<<"$OUT")
[[ $ACTIONS == "card.restore card.delete card.create card.update card.update card.create login user.add" ]] ||
	fail "audit actions: $ACTIONS"
[[ $(jq -r '.[0].object_id' <<<"$OUT") == "$ID2" && $(jq -r '.[0].user' <<<"$OUT") == admin ]] || fail "audit event: $OUT"
SEQS=$(jq -r '[.[].seq] | join(" ")' <<<"$OUT")
[[ $SEQS == "8 7 6 5 4 3 2 1" ]] || fail "audit sequence: $SEQS"
# the update's summary says what changed from what to what
jq -r '.[] | select(.action=="card.update") | .summary' <<<"$OUT" | grep -q "city: 'Самара' -> 'Тольятти'" ||
	fail "update summary: $OUT"
# filters
expect_rc 0 as admin --json audit --action card.update
[[ $(jq 'length' <<<"$OUT") == 2 ]] || fail "--action filter: $OUT"
expect_rc 0 as admin --json audit --action card --limit 3
[[ $(jq 'length' <<<"$OUT") == 3 ]] || fail "--action prefix + --limit: $OUT"
expect_rc 0 as admin --json audit --user kartd-init
[[ $(jq -r '.[0].action' <<<"$OUT") == user.add && $(jq 'length' <<<"$OUT") == 1 ]] || fail "--user filter: $OUT"
expect_rc 0 as admin --json audit --since 1h
[[ $(jq 'length' <<<"$OUT") == 8 ]] || fail "--since 1h: $OUT"
expect_rc 0 as admin --json audit --since "$(date -d tomorrow +%Y-%m-%d)"
[[ $(jq 'length' <<<"$OUT") == 0 ]] || fail "--since tomorrow: $OUT"
expect_rc 2 as admin audit --since yesterday-ish
one_line "$ERR"

# logout: the saved session is gone, and its token cannot be replayed
cp "$T/home-admin/session" "$T/session.copy"
expect_rc 0 as admin logout
expect_rc 3 as admin whoami
one_line "$ERR"
contains "$ERR" "not logged in"
# only the session is forgotten: the server and CA stay for the next login
jq -e 'has("token") == false and has("server") and has("ca")' "$T/home-admin/session" >/dev/null ||
	fail "logout kept the token or lost the server: $(cat "$T/home-admin/session")"
expect_rc 0 env KART_HOME="$T/home-admin" "$KART" login admin --password-file "$ADMIN_PW"
expect_rc 0 env KART_HOME="$T/home-admin" "$KART" whoami
expect_rc 0 as admin logout
cp "$T/session.copy" "$T/home-admin/session"
expect_rc 3 as admin whoami
contains "$ERR" "revoked"
echo "ok crud"
