#!/usr/bin/env bash
# Exports carry gender, messengers, lifecycle and a column per custom field
# (in the order the fields were defined), values as `card show` prints them and
# `--set` takes them back; numbers with a decimal comma when the delimiter is
# ';'; sensitive custom fields masked like birthday and address for a
# teammate; RFC 4180 quoting of every cell with ',' and ';' (read back with
# python's csv module); vCard IMPP and X-KART- lines escaped; a field defined
# while an export is being sent leaves it alone; leak tracing still finds the
# export from the wider CSV (',' and ';') and from the vCard.
. "$(dirname "$0")/lib.sh"
: "${DBTOOL:?DBTOOL must point to kart-dbtool}"
init_instance 'visibility_manager = team' 'output_limit = 65536'
start_kartd
login_admin
command -v jq >/dev/null || fail "jq is required"
command -v python3 >/dev/null || fail "python3 is required"
printf 'password-123\n' >"$T/pw"
# north: sup (supervisor), man (owns the cards), man2 (a teammate: sees them masked)
expect_rc 0 as admin user add sup --role supervisor --team north --password-file "$T/pw"
expect_rc 0 as admin user add man --role manager --team north --password-file "$T/pw"
expect_rc 0 as admin user add man2 --role manager --team north --password-file "$T/pw"
for u in sup man man2; do
	expect_rc 0 as "$u" login "$u" --password-file "$T/pw"
	expect_rc 0 as admin user grant "$u" export
done

# defined in this order, within a second, not the order of their names
expect_rc 0 as admin field add zeta_note --type text
expect_rc 0 as admin field add amount --type number
expect_rc 0 as admin field add hobby --type multienum --values 'театр,футбол,рыбалка'
expect_rc 0 as admin field add ok_flag --type bool
expect_rc 0 as admin field add passport --type text --sensitive
expect_rc 0 as admin field add salary --type number --sensitive
CUSTOM='zeta_note amount hobby ok_flag passport salary'
CORE='id last_name first_name middle_name company position phones emails city address birthday tags sector owner gender messengers lifecycle'

# a card with nasty values: quotes, both delimiters, Cyrillic; line breaks
# cannot be typed into a card, so they are put into its stored bytes below
expect_rc 0 as man card add --last 'О"Брайен; Иванова, мл.' --first Анна --middle 'Сергеевна' \
	--company 'ООО "Рога, копыта; и К"' --position '=1+2' --phone '+7 917 123-45-67' --phone '8 (846) 200-00-01' \
	--email anna@example.ru --messenger 'telegram:@anna_k' --messenger 'whatsapp:+7 917 123-45-67' \
	--city 'Самара' --address 'ул. Ленина, 1; кв. "5" L3%L4' --birthday 1980-05-05 --tag vip --tag '"друзья"; семья' \
	--sector hot --gender f --lifecycle regular \
	--field 'zeta_note=x; y, "z" L1#L2' --field 'amount=1 500,25' --field 'hobby=театр, футбол' --field 'ok_flag=да' \
	--field 'passport=4510 123456' --field 'salary=-99000.5'
A=$OUT
expect_rc 0 as man card add --last Простов --first Пётр --phone '+7 846 300-00-02' --email petr@example.ru \
	--field 'amount=7' --field 'passport=4511 000001' --field 'salary=100' --field 'ok_flag=нет'
B=$OUT
stop_kartd
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
"$DBTOOL" "$T/inst/db" subst cards "$(hex 'L1#L2')" "$(hex $'L1\nL2')" >/dev/null || fail "dbtool subst LF"
"$DBTOOL" "$T/inst/db" subst cards "$(hex 'L3%L4')" "$(hex $'L3\rL4')" >/dev/null || fail "dbtool subst CR"
start_kartd

# check.py FILE DELIM EXPECT.json: parses FILE as CSV (strictly), checks that
# every row is as wide as the header, the header if given, and every cell
# named in the expected rows (by id)
cat >"$T/check.py" <<'EOF'
import csv, json, sys
path, delim, want = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3], encoding='utf-8'))
with open(path, encoding='utf-8', newline='') as f:
    text = f.read()
assert text.startswith('\ufeff'), 'no BOM'
rows = list(csv.reader(text[1:].splitlines(keepends=True), delimiter=delim, strict=True))
header, body = rows[0], rows[1:]
bad = [r for r in body if len(r) != len(header)]
assert not bad, 'rows not as wide as the header (%d): %r' % (len(header), bad[:2])
if 'header' in want:
    assert header == want['header'], 'header %r' % header
ids = {r[0]: dict(zip(header, r)) for r in body}
for rid, cells in want.get('rows', {}).items():
    assert rid in ids, 'no row %s' % rid
    for k, v in cells.items():
        assert ids[rid].get(k) == v, 'row %s, %s: %r, expected %r' % (rid, k, ids[rid].get(k), v)
print(json.dumps({'header': header, 'rows': body}, ensure_ascii=False))
EOF
check() { # check FILE DELIM EXPECT_JSON -> $OUT: the parsed file as JSON
	printf '%s' "$3" >"$T/want.json"
	OUT=$(python3 "$T/check.py" "$1" "$2" "$T/want.json" 2>&1) || fail "$1: $OUT"
}
header_json() { jq -cn --arg h "$CORE $CUSTOM" '$h | split(" ")'; }
# the cells of card A as its owner (and a supervisor of the team) reads them; $1 the decimal mark
cells_a() {
	jq -cn --arg id "$A" --arg dec "$1" '{
		id: $id, last_name: "О\"Брайен; Иванова, мл.", first_name: "Анна", middle_name: "Сергеевна",
		company: "ООО \"Рога, копыта; и К\"", position: "'"'"'=1+2",
		phones: "+7 917 123-45-67, 8 (846) 200-00-01", emails: "anna@example.ru", city: "Самара",
		address: "ул. Ленина, 1; кв. \"5\" L3\rL4", birthday: "1980-05-05", tags: "vip, \"друзья\"; семья",
		sector: "hot", owner: "man", gender: "f", messengers: "telegram:@anna_k, whatsapp:+7 917 123-45-67",
		lifecycle: "regular", zeta_note: "x; y, \"z\" L1\nL2", amount: ("1500" + $dec + "25"),
		hobby: "театр, футбол", ok_flag: "yes", passport: "4510 123456", salary: ("-99000" + $dec + "5")}'
}

# ---- 1. the columns, and RFC 4180 with either delimiter
expect_rc 0 as man export --where "id = $A or id = $B" -o "$T/comma.csv"
check "$T/comma.csv" , "$(jq -cn --argjson h "$(header_json)" --argjson a "$(cells_a .)" --arg b "$B" \
	'{header: $h, rows: {($a.id): $a, ($b): {amount: "7", ok_flag: "no", hobby: "", gender: "", messengers: "", lifecycle: ""}}}')"
# a cell is quoted only when it holds the delimiter, a quote, CR or LF
grep -qF ',"x; y, ""z"" L1' "$T/comma.csv" || fail "the note quoted, its quotes doubled: $(cat "$T/comma.csv")"
grep -qF ',1500.25,' "$T/comma.csv" || fail "',': the decimal point"
expect_rc 0 as man export --where "id = $A or id = $B" --delimiter ';' -o "$T/semi.csv"
check "$T/semi.csv" ';' "$(jq -cn --argjson h "$(header_json)" --argjson a "$(cells_a ,)" '{header: $h, rows: {($a.id): $a}}')"
grep -qF ';1500,25;' "$T/semi.csv" || fail "';': the decimal comma, unquoted"
grep -qF ';"telegram:@anna_k, whatsapp:+7 917 123-45-67";' "$T/semi.csv" &&
	fail "a cell with ',' but no ';' is quoted in a ';' file"
# the Russian locale gives ';' and so the decimal comma
expect_rc 0 env LC_ALL=ru_RU.UTF-8 KART_HOME="$T/home-man" "$KART" -s "$SERVER" --ca "$CA" export --where "id = $A" -o "$T/ru.csv"
check "$T/ru.csv" ';' "$(jq -cn --arg id "$A" '{rows: {($id): {amount: "1500,25", salary: "-99000,5"}}}')"
# the header names the columns; leak trace reads the rows, the header is not one
expect_rc 0 as admin --json leak trace "$T/comma.csv"
[[ $(jq .rows <<<"$OUT") == $(($(python3 -c 'import csv,sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], newline="", encoding="utf-8-sig"))))' "$T/comma.csv") - 1)) ]] ||
	fail "rows with a line break inside a cell: $OUT"

# ---- 2. the values go back in with --set: a copy of A made from its cells reads the same
ROW=$(python3 -c 'import csv,sys,json
r = list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8-sig"), delimiter=sys.argv[2]))
print(json.dumps([x for x in r if x["id"] == sys.argv[3]][0], ensure_ascii=False))' "$T/semi.csv" ';' "$A")
args=()
for f in gender lifecycle messengers hobby ok_flag amount salary sector; do
	args+=(--set "$f=$(jq -r --arg f "$f" '.[$f]' <<<"$ROW")")
done
expect_rc 0 as man card add --last Копия "${args[@]}"
COPY=$OUT
expect_rc 0 as man export --where "id = $COPY" --delimiter ';' -o "$T/copy.csv"
check "$T/copy.csv" ';' "$(jq -c --arg id "$COPY" '{rows: {($id): {gender, lifecycle, messengers, hobby, ok_flag, amount, salary, sector}}}' <<<"$ROW")"
expect_rc 0 as man card show "$COPY"
contains "$OUT" "ok_flag:"
grep -qE '^Gender: +f$' <<<"$OUT" || fail "card show prints the gender as the export does: $OUT"

# ---- 3. masking: a teammate sees A's sensitive fields, custom ones too, as ***; the supervisor and the owner do not
expect_rc 0 as man2 export --where "id = $A or id = $B" -o "$T/man2.csv"
check "$T/man2.csv" , "$(jq -cn --arg a "$A" --arg b "$B" '{rows: {
	($a): {birthday: "***", address: "***", passport: "***", salary: "***", amount: "1500.25", zeta_note: "x; y, \"z\" L1\nL2"},
	($b): {passport: "***", salary: "***", amount: "7"}}}')"
# the canary row is masked where its neighbour is
jq -r '.rows[] | select(.[0] != "'"$A"'" and .[0] != "'"$B"'") | .[21] + "|" + .[22]' <<<"$OUT" >"$T/canary_masked"
[[ $(sort -u "$T/canary_masked") == '***|***' ]] || fail "canary rows masked like their neighbours: $(cat "$T/canary_masked")"
grep -q '4510 123456\|99000' "$T/man2.csv" && fail "a sensitive custom value leaked to a teammate"
# where the exporter sees them, a canary row does not copy its neighbour's sensitive values
check "$T/comma.csv" , '{}'
[[ $(jq '[.rows[] | select(.[22] == "-99000.5" or .[22] == "100")] | length' <<<"$OUT") == 2 ]] ||
	fail "sensitive values copied to canary rows: $(cat "$T/comma.csv")"
expect_rc 0 as man2 export --where "id = $A" --format vcard -o "$T/man2.vcf"
grep -q '4510\|99000' "$T/man2.vcf" && fail "a sensitive custom value leaked to a teammate's vCard"
grep -qF 'X-KART-PASSPORT:***' "$T/man2.vcf" || fail "vCard: passport masked: $(cat "$T/man2.vcf")"
expect_rc 0 as sup export --where "id = $A" -o "$T/sup.csv"
check "$T/sup.csv" , "$(jq -cn --argjson a "$(cells_a .)" '{rows: {($a.id): $a}}')"

# ---- 4. vCard: IMPP for the messengers, X-KART- for the custom fields and the lifecycle, escaped
expect_rc 0 as man export --where "id = $A" --format vcard -o "$T/a.vcf"
cat >"$T/vcard.py" <<'EOF'
import json, re, sys
text = open(sys.argv[1], encoding='utf-8', newline='').read()
assert '\n' not in text.replace('\r\n', ''), 'a bare LF'
text = text.replace('\r\n ', '')                 # unfold
out = []
for line in text.split('\r\n'):
    if not line:
        continue
    # name and parameters up to the first ':' outside quotes
    q, i = False, 0
    while i < len(line) and (q or line[i] != ':'):
        q ^= line[i] == '"'
        i += 1
    head, value = line[:i], line[i + 1:]
    # a text value: \\ \, \; \n; a bare ',' or ';' is a separator
    if re.search(r'(?<!\\)(\\\\)*[,;]', value) and head.startswith('X-KART'):
        raise SystemExit('unescaped separator in ' + line)
    un = re.sub(r'\\(.)', lambda m: '\n' if m.group(1) in 'nN' else m.group(1), value)
    out.append([head, value, un])
print(json.dumps(out, ensure_ascii=False))
EOF
VC=$(python3 "$T/vcard.py" "$T/a.vcf") || fail "vCard: $VC"
val() { jq -r --arg h "$1" '[.[] | select(.[0] == $h)][0][2] // "(none)"' <<<"$VC"; }
[[ $(val X-KART-ZETA-NOTE) == $'x; y, "z" L1\nL2' ]] || fail "X-KART-ZETA-NOTE: $(val X-KART-ZETA-NOTE)"
[[ $(val X-KART-AMOUNT) == 1500.25 ]] || fail "X-KART-AMOUNT: $(val X-KART-AMOUNT)"
[[ $(val X-KART-HOBBY) == 'театр, футбол' ]] || fail "X-KART-HOBBY"
[[ $(val X-KART-OK-FLAG) == yes ]] || fail "X-KART-OK-FLAG"
[[ $(val X-KART-PASSPORT) == '4510 123456' ]] || fail "X-KART-PASSPORT for the owner"
[[ $(val X-KART-LIFECYCLE) == regular ]] || fail "X-KART-LIFECYCLE"
[[ $(val GENDER) == F ]] || fail "GENDER"
[[ $(val FN) == 'О"Брайен; Иванова, мл. Анна Сергеевна' ]] || fail "FN: $(val FN)"
[[ $(val ORG) == 'ООО "Рога, копыта; и К"' ]] || fail "ORG: $(val ORG)"
[[ $(jq -r '[.[] | select(.[0] == "ADR")][0][1]' <<<"$VC") == ';;ул. Ленина\, 1\; кв. "5" L3\nL4;Самара;;;' ]] ||
	fail "ADR: $(jq -r '[.[] | select(.[0] == "ADR")][0][1]' <<<"$VC")"
[[ $(val 'IMPP;X-SERVICE-TYPE=Telegram') == 'tg://resolve?domain=anna_k' ]] || fail "IMPP telegram: $VC"
[[ $(val 'IMPP;X-SERVICE-TYPE=WhatsApp') == 'https://wa.me/79171234567' ]] || fail "IMPP whatsapp: $VC"
grep -qF 'telegram:' "$T/a.vcf" && fail "a messenger left as kind:handle"

# ---- 5. a field defined while an export is being sent: the header is fixed at the start
"$KART_BENCH" -s "$SERVER" --ca "$CA" --password-file "$ADMIN_PW" --load 30000 --custom 12 --conns 2 --pipeline 8 \
	>"$T/load.out" 2>&1 || fail "load: $(cat "$T/load.out")"
# the newest card: the last row of an export of all
expect_rc 0 as admin card add --last Последний --field amount=1
LAST=$OUT
mkfifo "$T/fifo"
cat >"$T/reader.py" <<'EOF'
import os, sys, time
fifo, dst, first, ready, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
fd = os.open(fifo, os.O_RDONLY)
with open(dst, 'wb') as out:
    got = 0
    while got < first:
        b = os.read(fd, first - got)
        if not b:
            break
        out.write(b)
        got += len(b)
    out.flush()
    open(ready, 'w').close()
    while not os.path.exists(go):
        time.sleep(0.05)
    while True:
        b = os.read(fd, 65536)
        if not b:
            break
        out.write(b)
EOF
python3 "$T/reader.py" "$T/fifo" "$T/late.csv" 200000 "$T/ready" "$T/go" &
READER=$!
KART_HOME=$T/home-admin "$KART" -s "$SERVER" --ca "$CA" export -o "$T/fifo" >"$T/late.out" 2>"$T/late.err" &
CLIENT=$!
for ((i = 0; i < 600; i++)); do
	[[ -e $T/ready ]] && break
	sleep 0.1
done
[[ -e $T/ready ]] || fail "the reader got nothing"
expect_rc 0 as admin --json exports --user admin --limit 1
[[ $(jq -r '.[0].state' <<<"$OUT") == sending ]] || fail "the export is not being sent: $OUT"
expect_rc 0 as admin field add late_field --type text
expect_rc 0 as admin card edit "$LAST" --set late_field=LATE-VALUE-42 --set amount=3
# still being sent: the last card's row is yet to be written
expect_rc 0 as admin --json exports --user admin --limit 1
[[ $(jq -r '.[0].state' <<<"$OUT") == sending ]] || fail "the export ended before the field was added; nothing shown: $OUT"
touch "$T/go"
wait "$CLIENT" || fail "the export failed: $(cat "$T/late.err")"
wait "$READER" || fail "the reader failed"
# the bench's fields came after ours, in the order they were defined
expect_rc 0 as admin --json field ls
ALL_CUSTOM=$(jq -r 'map(select(.name != "late_field")) | sort_by(.seq) | map(.name) | join(" ")' <<<"$OUT")
[[ $ALL_CUSTOM == "$CUSTOM "* ]] || fail "field ls: $ALL_CUSTOM"
check "$T/late.csv" , "$(jq -cn --arg h "$CORE $ALL_CUSTOM" --arg last "$LAST" \
	'{header: ($h | split(" ")), rows: {($last): {amount: "3"}}}')"
grep -q 'LATE-VALUE-42' "$T/late.csv" && fail "a field defined during the export got into it"
ROWS_LATE=$(jq '.rows | length' <<<"$OUT")
[[ $(cat "$T/late.err") =~ :\ ([0-9]+)\ cards\ \+\ ([0-9]+)\ canary ]] || fail "summary: $(cat "$T/late.err")"
[[ $ROWS_LATE == $((BASH_REMATCH[1] + BASH_REMATCH[2])) ]] || fail "rows: $ROWS_LATE, $(cat "$T/late.err")"
# a later export has the new column, after the others
expect_rc 0 as admin export --where "id = $LAST" -o "$T/late2.csv"
check "$T/late2.csv" , "$(jq -cn --arg h "$CORE $ALL_CUSTOM late_field" --arg last "$LAST" \
	'{header: ($h | split(" ")), rows: {($last): {late_field: "LATE-VALUE-42"}}}')"

# ---- 6. leak tracing with the wider rows: ',' and ';' CSV, and vCard
expect_rc 0 as man --json card edit "$B" --set 'messengers=telegram:@petr, viber:+7 846 300-00-02'
trace_is() { # trace_is FILE EXPORT_ID CANARIES
	expect_rc 0 as admin --json leak trace "$1"
	[[ $(jq -r '.matches[0].export.id' <<<"$OUT") == "$2" ]] || fail "$1 traced to $(jq -r '.matches[0].export.id' <<<"$OUT"), expected $2: $OUT"
	[[ $(jq -r '.matches[0].canaries_found' <<<"$OUT") == "$3" ]] || fail "$1: canaries found: $OUT"
	contains "$(jq -r .verdict <<<"$OUT")" "the file comes from export $2"
}
summary() { [[ $ERR =~ ^export\ ([0-9]+):\ ([0-9]+)\ cards\ \+\ ([0-9]+)\ canary ]] || fail "summary: $ERR"; }
n=0
for fmt in , ';' vcard; do
	n=$((n + 1))
	if [[ $fmt == vcard ]]; then
		expect_rc 0 as admin export --where 'id <= 2000 or id = '"$A"' or id = '"$B" --format vcard -o "$T/leak-$n"
	else
		expect_rc 0 as admin export --where 'id <= 2000 or id = '"$A"' or id = '"$B" --delimiter "$fmt" -o "$T/leak-$n"
	fi
	summary
	E=${BASH_REMATCH[1]} K=${BASH_REMATCH[3]}
	[[ $K -ge 10 ]] || fail "canaries: $ERR"
	if [[ $fmt != vcard ]]; then
		check "$T/leak-$n" "$fmt" '{}'
		[[ $(jq -r '.header | join(" ")' <<<"$OUT") == "$CORE $ALL_CUSTOM late_field" ]] || fail "header: $OUT"
	else
		grep -q '^X-KART-NOTE1:' "$T/leak-$n" || fail "the bench cards' custom fields in the vCard"
		grep -q '^IMPP;X-SERVICE-TYPE=Viber:viber://chat?number=%2B78463000002' "$T/leak-$n" || fail "IMPP viber"
	fi
	trace_is "$T/leak-$n" "$E" "$K"
	# the rows without the header, shuffled
	if [[ $fmt != vcard ]]; then
		python3 -c 'import csv,sys,random
d = sys.argv[2]
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8-sig"), delimiter=d))[1:]
random.Random(7).shuffle(rows)
csv.writer(sys.stdout, delimiter=d, lineterminator="\r\n").writerows(rows)' "$T/leak-$n" "$fmt" >"$T/shuffled-$n"
		trace_is "$T/shuffled-$n" "$E" "$K"
	fi
done
