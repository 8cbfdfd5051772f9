#!/usr/bin/env bash
# Exports: a permission of its own, a daily quota, every one recorded and
# audited; the scope applies; CSV for Excel (BOM, ';', formulas neutralised,
# phones left as they are) and vCard 4.0; canary rows, about one per 200 real
# ones, unique to the export; the record lists its fingerprint.
. "$(dirname "$0")/lib.sh"
init_instance "read_flush_ms = 200"
start_kartd
login_admin
printf 'password-123\n' >"$T/pw"
expect_rc 0 as admin user add masha --role manager --team north --password-file "$T/pw"
expect_rc 0 as admin user add petya --role manager --team north --password-file "$T/pw"
expect_rc 0 as admin user add olga --role supervisor --team north --password-file "$T/pw"
expect_rc 0 as admin user add audra --role auditor --password-file "$T/pw"
for u in masha petya olga audra; do expect_rc 0 as "$u" login "$u" --password-file "$T/pw"; done

expect_rc 0 as masha card add --first Анна --last Иванова --phone '+7 917 123-45-67' --email anna@example.ru \
	--company '=HYPERLINK("http://x")' --city Самара --birthday 1980-05-05
A=$OUT
expect_rc 0 as masha card add --first Борис --last Смирнов --phone '+7 846 111-22-33' --company '@SUM(1+1)' \
	--position 'директор; совладелец' --tag vip --tag 'партнёр'
B=$OUT
expect_rc 0 as masha card add --first Вера --last Кузнецова --phone '8 (927) 555-66-77' --company "+cmd|' /C calc'!A0" \
	--address 'ул. Ленина, 1; кв. 5'
C=$OUT
expect_rc 0 as petya card add --first Глеб --last Петин --phone '+7 927 000-00-01'
G=$OUT

# no permission: refused (exit 3), nothing written, audited
expect_rc 3 as masha export -o "$T/m.csv"
contains "$ERR" "permission denied"
one_line "$ERR"
[[ ! -e $T/m.csv ]] || fail "a refused export wrote a file"
ls "$T" | grep -q 'm.csv.part' && fail "a refused export left a partial file"
expect_rc 3 as olga export
expect_rc 3 as audra export
expect_rc 0 as admin --json audit --action export.denied
[[ $(jq '[.[] | select(.user == "masha" and (.ok // false) == false)] | length' <<<"$OUT") == 1 ]] || fail "denied export audited: $OUT"
[[ $(jq '[.[] | select(.user == "olga")] | length' <<<"$OUT") == 1 ]] || fail "supervisor's denied export audited: $OUT"

# granted: a manager exports only their own cards
expect_rc 0 as admin user grant masha export
expect_rc 2 as admin user grant audra export
expect_rc 2 as admin user grant masha delete
expect_rc 4 as admin user grant nobody export
expect_rc 3 as masha user grant petya export
expect_rc 0 as masha export -o "$T/m.csv"
[[ $ERR =~ ^export\ ([0-9]+):\ 3\ cards\ \+\ ([0-9]+)\ canary\ rows?\ -\>\ .*m\.csv$ ]] || fail "summary: $ERR"
E1=${BASH_REMATCH[1]}
K=${BASH_REMATCH[2]}
[[ $K == 1 ]] || fail "3 cards: one canary row expected, got $K"
[[ -f $T/m.csv ]] || fail "no file"
[[ $(stat -c %a "$T/m.csv") == 600 ]] || fail "the file should be private: $(stat -c %a "$T/m.csv")"
[[ $(head -c 3 "$T/m.csv" | od -An -tx1 | tr -d ' ') == efbbbf ]] || fail "no BOM"
head -n 1 "$T/m.csv" | grep -q $'^\xef\xbb\xbfid,last_name,first_name,middle_name,company,position,phones,emails,city,address,birthday,tags,sector,owner,gender,messengers,lifecycle\r$' ||
	fail "header: $(head -n 1 "$T/m.csv" | od -c | head -3)"
ids=$(tail -n +2 "$T/m.csv" | cut -d, -f1 | grep -E '^[0-9]+$' | sort -n | tr '\n' ' ')
for id in "$A" "$B" "$C"; do [[ " $ids" == *" $id "* ]] || fail "card $id missing from the export: $ids"; done
[[ " $ids" != *" $G "* ]] || fail "petya's card $G was exported by masha"
ROWS=$(grep -c $'\r$' "$T/m.csv")
# header + 3 cards + 1 canary
[[ $ROWS -eq 5 ]] || fail "rows: $ROWS"
# formulas neutralised, quoted per RFC 4180; phones exactly as typed
grep -qF "\"'=HYPERLINK(\"\"http://x\"\")\"" "$T/m.csv" || fail "HYPERLINK not neutralised: $(cat "$T/m.csv")"
grep -qF ",'@SUM(1+1)," "$T/m.csv" || fail "@SUM not neutralised"
grep -qF ",'+cmd|' /C calc'!A0," "$T/m.csv" || fail "+cmd not neutralised"
grep -qF ',+7 917 123-45-67,' "$T/m.csv" || fail "the phone changed: $(grep Иванова "$T/m.csv")"
grep -qF ",'+7" "$T/m.csv" && fail "a phone was neutralised"
grep -qF ',8 (927) 555-66-77,' "$T/m.csv" || fail "phone 8 (927)"
grep -qF '"ул. Ленина, 1' "$T/m.csv" || fail "a cell with a comma is quoted"
grep -qF '"vip, партнёр"' "$T/m.csv" || fail "tags joined with ', '"
grep -qF ',1980-05-05,' "$T/m.csv" || fail "the owner sees the birthday"
# the canary row: a phone and an email no card has, at the configured domain
CANARY=$(tail -n +2 "$T/m.csv" | grep '@example.org' | head -1)
[[ -n $CANARY ]] || fail "no canary row at example.org: $(cat "$T/m.csv")"
CPHONE=$(cut -d, -f7 <<<"$CANARY")
[[ $CPHONE =~ ^\+7\ 9[0-9]{2}\ [0-9]{3}-[0-9]{2}-[0-9]{2}$ ]] || fail "canary phone: $CPHONE"
expect_rc 1 as admin --json find "$CPHONE"
[[ $(jq 'length' <<<"$OUT") == 0 ]] || fail "a canary phone is in the base: $OUT"
CID=$(cut -d, -f1 <<<"$CANARY")
expect_rc 4 as admin card show "$CID"
# rows in id order, the canary's id among them fitting that order
ROWIDS=$(tail -n +2 "$T/m.csv" | cut -d, -f1)
[[ $ROWIDS == "$(sort -n <<<"$ROWIDS")" ]] || fail "rows not in id order: $ROWIDS"

# the export is one read record of masha's (not one per card), and each of its
# cards names it among who received the card, in time order with other reads
expect_rc 0 as admin card show "$A"
sleep 0.6
expect_rc 0 as admin --json audit reads --user masha
jq -e --argjson x "$E1" 'length == 1 and (.[0] | .how == "export" and .export_id == $x and .cards == 3 and (.card_id // 0) == 0)' \
	<<<"$OUT" >/dev/null || fail "masha's reads: $OUT"
expect_rc 0 as admin audit reads --user masha
contains "$OUT" "export #$E1 (3 cards)"
expect_rc 0 as admin --json audit reads --card "$A"
jq -e --argjson x "$E1" --argjson a "$A" 'length == 2 and (.[0] | .user == "admin" and .how == "show") and
	(.[1] | .user == "masha" and .how == "export" and .export_id == $x and .card_id == $a)' <<<"$OUT" >/dev/null ||
	fail "who received card A: $OUT"
expect_rc 0 as admin --json audit reads --card "$G"
[[ $(jq 'map(select(.how == "export")) | length' <<<"$OUT") == 0 ]] || fail "card G was not in the export: $OUT"
expect_rc 0 as admin --json audit reads --user masha --card "$B"
jq -e --argjson b "$B" 'length == 1 and .[0].card_id == $b' <<<"$OUT" >/dev/null || fail "masha's reads of B: $OUT"
expect_rc 0 as admin --json audit reads --user masha --card "$G"
[[ $(jq length <<<"$OUT") == 0 ]] || fail "masha's reads of G: $OUT"
expect_rc 0 as admin --json audit reads --card "$A" --since "$(date -d '+1 hour' '+%Y-%m-%d %H:%M')"
[[ $(jq length <<<"$OUT") == 0 ]] || fail "reads of A in the future: $OUT"
expect_rc 0 as admin --json audit reads --card "$A" --limit 1
[[ $(jq 'length == 1 and .[0].how == "show"' <<<"$OUT") == true ]] || fail "--limit 1: $OUT"

# ';' for Excel in Russian locales
expect_rc 0 as masha export --delimiter ';' -o "$T/m2.csv"
head -n 1 "$T/m2.csv" | grep -q '^.*id;last_name;first_name;' || fail "';' header"
grep -qF ";+7 917 123-45-67;" "$T/m2.csv" || fail "';' row"
grep -qF '"директор; совладелец"' "$T/m2.csv" || fail "a cell with ';' is quoted"
# to standard output, the summary on stderr
expect_rc 0 as masha export --where 'last_name = Иванова'
contains "$OUT" "+7 917 123-45-67"
contains "$ERR" "1 card + 1 canary row -> standard output"
# vCard 4.0
expect_rc 0 as masha export --format vcard -o "$T/m.vcf"
[[ $ERR =~ :\ 3\ cards\ \+\ ([0-9]+)\ canary ]] || fail "vcard summary: $ERR"
VK=${BASH_REMATCH[1]}
[[ $(grep -c '^BEGIN:VCARD'$'\r''$' "$T/m.vcf") == $((3 + VK)) ]] || fail "BEGIN:VCARD count: $(cat "$T/m.vcf")"
[[ $(grep -c '^END:VCARD'$'\r''$' "$T/m.vcf") == $((3 + VK)) ]] || fail "END:VCARD count"
[[ $(grep -c '^VERSION:4.0'$'\r''$' "$T/m.vcf") == $((3 + VK)) ]] || fail "VERSION count"
[[ $(grep -vc $'\r$' "$T/m.vcf") == 0 ]] || fail "every line ends in CRLF"
grep -qF 'N:Иванова;Анна;;;' "$T/m.vcf" || fail "N"
grep -qF 'TEL;VALUE=uri:tel:+79171234567' "$T/m.vcf" || fail "TEL"
grep -qF 'TITLE:директор\; совладелец' "$T/m.vcf" || fail "escaped ';' in TITLE"
grep -qF 'ADR:;;ул. Ленина\, 1\; кв. 5;;;;' "$T/m.vcf" || fail "ADR escaped: $(grep ADR "$T/m.vcf")"
grep -qF 'BDAY:19800505' "$T/m.vcf" || fail "BDAY"
grep -qF 'CATEGORIES:vip,партнёр' "$T/m.vcf" || fail "CATEGORIES"
expect_rc 2 as masha export --format xml
expect_rc 2 as masha export --delimiter x
expect_rc 2 as masha export --where 'citi = Самара'
contains "$ERR" "citi"
expect_rc 4 as masha export --segment nosuch
expect_rc 0 as masha export --where 'city = Владивосток'
[[ $(grep -c . <<<"$OUT") == 1 ]] || fail "an export of nothing is its header: $OUT"
contains "$ERR" ": 0 cards + 0 canary rows"
expect_rc 0 as masha segment save mine 'phone exists'
expect_rc 0 as masha export --segment mine -o "$T/seg.csv"
contains "$ERR" ": 3 cards"
expect_rc 2 as masha export --segment mine --where 'id > 0'

# every export is recorded (admins and auditors list them) and audited
expect_rc 0 as admin --json exports --user masha
[[ $(jq 'length' <<<"$OUT") == 6 ]] || fail "masha's exports: $OUT"
jq -e '.[0].filter == "segment mine: phone exists" and .[1].cards == 0' <<<"$OUT" >/dev/null || fail "segment in the record: $OUT"
jq -e --argjson id "$E1" '.[] | select(.id == $id) | select(.cards == 3 and .canaries == 1 and .format == "csv" and .user == "masha")' <<<"$OUT" >/dev/null ||
	fail "record of export $E1: $OUT"
jq -e '.[0].fingerprint | test("^[0-9a-f]{64}$")' <<<"$OUT" >/dev/null || fail "fingerprint: $OUT"
jq -e '[.[] | .canary_rows] | map(select(. != null and . != [])) | length == 0' <<<"$OUT" >/dev/null || fail "canary rows shown: $OUT"
jq -e '[.[].client] | all(startswith("127.0.0.1:"))' <<<"$OUT" >/dev/null || fail "client address: $OUT"
FP=$(jq -r --argjson id "$E1" '.[] | select(.id == $id) | .fingerprint' <<<"$OUT")
expect_rc 0 as audra exports
contains "$OUT" "$FP"
contains "$OUT" "FINGERPRINT"
expect_rc 3 as masha exports
expect_rc 0 as admin --json audit --action export --user masha
OUT=$(jq '[.[] | select(.action == "export")]' <<<"$OUT")
[[ $(jq 'length' <<<"$OUT") == 6 ]] || fail "export audit events: $OUT"
jq -e --argjson id "$E1" '.[] | select(.object_id == $id) | .summary | contains("3 cards") and contains("csv")' <<<"$OUT" >/dev/null ||
	fail "audit summary: $OUT"
jq -e '.[] | .summary | select(contains("last_name = Иванова"))' <<<"$OUT" >/dev/null || fail "filter in the audit: $OUT"

# quota: masha has exported 3+3+1+3+3 = 13 cards today
expect_rc 0 as admin user quota masha --export-per-day 15
expect_rc 3 as masha export -o "$T/q.csv"
contains "$ERR" "quota"
contains "$ERR" "3 cards asked, 13 of 15"
[[ ! -e $T/q.csv ]] || fail "an export over quota wrote a file"
ls "$T" | grep -q 'q.csv.part' && fail "an export over quota left a partial file"
expect_rc 0 as masha export --where 'last_name = Иванова' -o "$T/q.csv" # 14 of 15
expect_rc 0 as masha export --where 'last_name = Смирнов' -o "$T/q.csv" --force # 15 of 15
expect_rc 3 as masha export --where 'last_name = Смирнов' -o "$T/q2.csv"
contains "$ERR" "15 of 15"
[[ ! -e $T/q2.csv ]] || fail "over quota: a file"
expect_rc 0 as admin --json audit --action export.quota --user masha
[[ $(jq '[.[] | select((.ok // false) == false)] | length' <<<"$OUT") == 2 ]] || fail "quota refusals audited: $OUT"
expect_rc 0 as admin user quota masha --export-per-day unlimited
expect_rc 0 as masha export -o "$T/q2.csv"
expect_rc 0 as admin user quota masha --export-per-day default
expect_rc 0 as masha export -o "$T/q3.csv" # 500 a day for managers
expect_rc 2 as admin user quota masha --export-per-day many
expect_rc 0 as admin --json audit --action user.quota
[[ $(jq 'length' <<<"$OUT") == 3 ]] || fail "quota changes audited: $OUT"

# a supervisor, granted, exports the team's cards; birthdays of the team are not masked for them
expect_rc 0 as admin user grant olga export
expect_rc 0 as olga export -o "$T/o.csv"
contains "$ERR" ": 4 cards"
grep -qF ',1980-05-05,' "$T/o.csv" || fail "supervisor sees the team's birthdays"
# revoked
expect_rc 0 as admin user revoke masha export
expect_rc 3 as masha export
expect_rc 0 as admin --json audit --action user.revoke
[[ $(jq 'length' <<<"$OUT") == 1 ]] || fail "revoke audited"

# masked fields: a teammate's card seen with team visibility
stop_kartd
echo "visibility_manager = team" >>"$T/inst/kartd.conf"
echo "canary_email_domain = canary.test" >>"$T/inst/kartd.conf"
start_kartd
expect_rc 0 as admin user grant petya export
expect_rc 0 as petya export -o "$T/p.csv"
contains "$ERR" ": 4 cards"
grep -F 'Иванова' "$T/p.csv" | grep -qF ',***,' || fail "birthday masked for a teammate: $(grep Иванова "$T/p.csv")"
grep -q '@canary.test' "$T/p.csv" || fail "canary_email_domain not used"

# about one canary row per 200 real ones, unique to each export
"$KART_BENCH" -s "$SERVER" --ca "$CA" --password-file "$ADMIN_PW" --load 1000 --conns 2 --pipeline 8 >"$T/load.out" 2>&1 ||
	fail "load: $(cat "$T/load.out")"
# a few deleted: gaps in the ids, as in any base in use
for i in $(seq 1 8); do expect_rc 0 as admin card rm $((5 + 120 * i)); done
expect_rc 0 as admin export -o "$T/all1.csv"
[[ $ERR =~ :\ 996\ cards\ \+\ ([0-9]+)\ canary ]] || fail "admin export: $ERR"
[[ ${BASH_REMATCH[1]} == 5 ]] || fail "996 cards: 5 canary rows expected: $ERR"
[[ $(tail -n +2 "$T/all1.csv" | grep -c $'\r$') == 1001 ]] || fail "rows in the file"
expect_rc 0 as admin export -o "$T/all2.csv"
expect_rc 0 as admin --json ls
jq -r '.[].id' <<<"$OUT" | sort >"$T/live"
canaries() { tail -n +2 "$1" | cut -d, -f1 | grep -E '^[0-9]+$' | sort | comm -23 - "$T/live"; }
[[ $(canaries "$T/all1.csv" | wc -l) == 5 ]] || fail "5 rows that are no card: $(canaries "$T/all1.csv")"
# canary ids follow the order of the id column
tail -n +2 "$T/all1.csv" | cut -d, -f1 | grep -E '^[0-9]+$' | sort -nc || fail "the id column is out of order"
grep -F '@canary.test' "$T/all1.csv" | cut -d, -f7 | sort >"$T/c1"
grep -F '@canary.test' "$T/all2.csv" | cut -d, -f7 | sort >"$T/c2"
[[ $(wc -l <"$T/c1") == 5 && -z $(comm -12 "$T/c1" "$T/c2") ]] || fail "canaries shared between exports: $(cat "$T/c1" "$T/c2")"
# the daemon never stored a canary as a card
expect_rc 0 as admin ls --count
[[ $OUT == 996 ]] || fail "cards after exports: $OUT"

# card lists of exports from before they were flagged sorted: flagged when a
# base of format 1 is migrated at start, when their ids ascend (binary
# search), left as they are when not (a walk)
: "${DBTOOL:?DBTOOL must point to kart-dbtool}"
le() { printf "%0$(($2 * 2))x" "$1" | sed 's/../& /g' | awk '{ for (i = NF; i > 0; i--) printf "%s", $i }'; }
blob() { printf '%s' "$(le $((0x4b455831)) 4)$(le "$1" 4)$(le 2 8)$(le 0 8)$(le "$2" 8)$(le "$3" 8)"; }
stop_kartd
"$DBTOOL" "$T/inst/db" put export_cards "$(printf '%016x' 900)" "$(blob 0 10 20)" || fail "dbtool put"
"$DBTOOL" "$T/inst/db" put export_cards "$(printf '%016x' 901)" "$(blob 0 20 10)" || fail "dbtool put"
"$DBTOOL" "$T/inst/db" put meta "$(printf schema | od -An -tx1 | tr -d ' \n')" 0000000000000001 || fail "dbtool put"
start_kartd
stop_kartd
expect_rc 0 "$DBTOOL" "$T/inst/db" get export_cards "$(printf '%016x' 900)"
[[ $OUT == "$(blob 1 10 20)" ]] || fail "an ascending list not flagged: $OUT"
expect_rc 0 "$DBTOOL" "$T/inst/db" get export_cards "$(printf '%016x' 901)"
[[ $OUT == "$(blob 0 20 10)" ]] || fail "a list out of order changed: $OUT"
grep -q "1 exports' card lists marked as sorted" "$T/kartd.err" || fail "not logged"

# ---- where the file goes: nothing that is not a regular file is ever replaced ----
start_kartd
expect_rc 0 as admin --json exports
N0=$(jq length <<<"$OUT")
# - is standard output
expect_rc 0 as admin export -o - --where 'id > 0'
contains "$OUT" "last_name"
# a FIFO is written into and stays a FIFO
mkfifo "$T/fifo"
cat "$T/fifo" >"$T/fifo.out" &
READER=$!
expect_rc 0 as admin export -o "$T/fifo" --where 'id > 0'
wait "$READER"
[[ -p $T/fifo ]] || fail "the FIFO was replaced"
grep -q last_name "$T/fifo.out" || fail "nothing came through the FIFO"
# an existing file is refused without --force, and replaced with its mode kept
printf 'keep me\n' >"$T/exists.csv"
chmod 640 "$T/exists.csv"
expect_rc 2 as admin export -o "$T/exists.csv" --where 'id > 0'
contains "$ERR" "use --force"
[[ $(cat "$T/exists.csv") == "keep me" ]] || fail "an existing file was overwritten without --force"
expect_rc 0 as admin export -o "$T/exists.csv" --force --where 'id > 0'
grep -q last_name "$T/exists.csv" || fail "--force did not replace the file"
[[ $(stat -c %a "$T/exists.csv") == 640 ]] || fail "the replaced file's mode: $(stat -c %a "$T/exists.csv")"
# an output that cannot be created is refused before the server is asked
expect_rc 1 as admin export -o "$T/no/such/dir/x.csv" --where 'id > 0'
contains "$ERR" "cannot create"
expect_rc 2 as admin export -o "$T" --where 'id > 0'
contains "$ERR" "is a directory"
expect_rc 0 as admin --json exports
[[ $(jq length <<<"$OUT") == $((N0 + 3)) ]] || fail "exports recorded: $(jq length <<<"$OUT"), expected $((N0 + 3))"
echo "ok export"
