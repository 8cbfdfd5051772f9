#!/usr/bin/env bash
# An export's bytes are the same whatever encodes and sends them: a fixed base
# (generated cards with custom fields of every type and three owners, and
# cards by hand with every field, quotes, delimiters, formulas and long
# values) exported as CSV with each delimiter and as vCard, by the admin and
# by a manager (scoped, masked), spans many chunks; with its canary rows taken
# out (they differ per instance: audit.key), each file must hash to what the
# daemon wrote before the stream was encoded in the pool. The canary rows are
# counted against the record. An export of every card (read from the cards'
# stored bytes) records the same card ids and contact hashes as the same
# cards through a filter (decoded).
. "$(dirname "$0")/lib.sh"
: "${DBTOOL:?DBTOOL must point to kart-dbtool}"
init_instance "canary_email_domain = canary.test"
start_kartd
login_admin
# the cards are the same on every run: one connection, one import at a time
"$KART_BENCH" -s "$SERVER" --ca "$CA" --password-file "$ADMIN_PW" --load 2500 --custom 12 --managers 3 \
	--conns 1 --pipeline 1 --batch 250 >"$T/load.out" 2>&1 || fail "kart-bench --load: $(cat "$T/load.out")"
grep -q 'ids 1-2500 ' "$T/load.out" || fail "ids not 1-2500: $(cat "$T/load.out")"
expect_rc 0 as admin field add secret --type text --sensitive
L200=$(printf 'Длинное значение, "в кавычках"; с запятыми|и чертой %.0s' {1..3})
add admin --first 'Ann "Q"' --last '=SUM(A1:A2)' --middle '+7 917' --company 'ООО "Рога; и копыта", Ltd' \
	--position '@boss' --phone '+7 917 123-45-67' --phone '8 (846) 300-00-01' --email 'A.Box@Example.COM' \
	--email 'b@example.org' --messenger 'telegram:@ann_q' --messenger 'whatsapp:+7 917 123-45-67' \
	--messenger 'viber:+7 917 123-45-68' --messenger 'skype:ann.q' --messenger 'xmpp:ann@jabber.ru' \
	--messenger 'vk:vk.com/ann' --messenger 'sip:ann@pbx' --messenger 'icq:12345' --city 'Самара' \
	--address "$L200" --birthday 1980-02-29 --gender f --tag 'a,b' --tag 'c;d' --tag '-minus' \
	--sector hot --owner mgr01 --lifecycle regular --vip --set 'computers=12.5' --set 'branch=Урал' \
	--set 'interests=сети,ремонт' --set 'seminar_ok=true' --set "note1=$L200" --set 'secret=hidden' >/dev/null
add admin --last 'Semi;and|pipe' --first 'Line' --phone '+7 900 000-00-01' --owner mgr02 \
	--set 'revenue=-1234.56' --set 'contract_until=2027-01-31' >/dev/null
add admin --last 'Пусто' >/dev/null
expect_rc 0 as admin user grant mgr01 export
expect_rc 0 as admin user quota mgr01 --export-per-day 100000
expect_rc 0 as mgr01 login mgr01 --password-file "$ADMIN_PW"

# strip FILE FORMAT: the file without its canary rows, on standard output
strip() {
	if [[ $2 == vcard ]]; then
		awk 'BEGIN { RS = "END:VCARD\r\n"; ORS = "" } !/canary\.test/ { print $0 RS }' "$1"
	else
		grep -av 'canary\.test' "$1"
	fi
}

# check NAME WHO FORMAT [export options]: the export's bytes without its
# canaries, hashed, and its canaries counted against the record
check() {
	local name=$1 who=$2 fmt=$3 k n
	shift 3
	expect_rc 0 as "$who" export --format "$fmt" -o "$T/$name" "$@"
	[[ $ERR =~ ^export\ ([0-9]+):\ ([0-9]+)\ cards?\ \+\ ([0-9]+)\ canary ]] || fail "$name: summary: $ERR"
	XID[$name]=${BASH_REMATCH[1]}
	n=${BASH_REMATCH[2]}
	k=${BASH_REMATCH[3]}
	if [[ $fmt == vcard ]]; then
		[[ $(grep -ac $'^END:VCARD\r$' "$T/$name") == $((n + k)) ]] || fail "$name: not $n + $k vCards"
		[[ $(grep -ac 'canary\.test' "$T/$name") == "$k" ]] || fail "$name: not $k canary vCards"
	else
		[[ $(grep -ac 'canary\.test' "$T/$name") == "$k" ]] || fail "$name: not $k canary rows"
	fi
	echo "$name $(strip "$T/$name" "$fmt" | sha256sum | cut -d' ' -f1)" >>"$T/sums"
}

declare -A XID
check admin.csv admin csv
check admin-semicolon.csv admin csv --delimiter ';'
check admin-tab.csv admin csv --delimiter tab
check admin-pipe.csv admin csv --delimiter '|'
check admin.vcf admin vcard
check mgr01.csv mgr01 csv
check mgr01.vcf mgr01 vcard
check filtered.csv admin csv --where 'city = Самара'
# every card again, through the filter's walk (an export without a filter
# reads the cards' stored bytes instead of decoding them)
check all-filter.csv admin csv --where 'id > 0'
check mgr01-filter.csv mgr01 csv --where 'id > 0'

# the admin's file is several chunks (256 KiB each), every row whole
[[ $(stat -c %s "$T/admin.vcf") -gt 1000000 ]] || fail "the vCard file is too small to span chunks"
# the real rows in id order
tail -n +2 "$T/admin.csv" | grep -av 'canary\.test' | cut -d, -f1 | sort -nc || fail "the rows are not in id order"

# the two walks recorded the same cards and hashes of phones and emails
stop_kartd
blob() { "$DBTOOL" "$T/inst/db" get export_cards "$(printf '%016x' "$1")"; }
[[ $(blob "${XID[admin.csv]}") == "$(blob "${XID[all-filter.csv]}")" ]] || fail "the admin's export_cards differ"
[[ $(blob "${XID[mgr01.csv]}") == "$(blob "${XID[mgr01-filter.csv]}")" ]] || fail "mgr01's export_cards differ"
[[ $(blob "${XID[mgr01.csv]}") != "$(blob "${XID[admin.csv]}")" ]] || fail "mgr01 got the admin's cards"

if [[ -n ${EXPORT_BYTES_RECORD:-} ]]; then
	# how the expected sums below were made, with the daemon before the pool
	# encoded the stream (and again when the custom columns came to follow
	# the order of definition, the rows otherwise the same, cell for cell)
	cat "$T/sums"
	exit 0
fi
diff -u - "$T/sums" <<'EOF' || fail "an export's bytes changed"
admin.csv 8d4e52c3b823fb3907f1b8e5fb86dcde3993c4e596c8f6561353b29d3b583394
admin-semicolon.csv 42592d446a4db70e1abf91d43901dbd4ddd626a0a005e066ed9c8c7e3d5675bd
admin-tab.csv 7693a61fe878db76a6bb8f97b37052cd89cf9139c542338c061038b3a689aefa
admin-pipe.csv 8d36572d35002d19569ec1cd5413c2b2f1e6cae22577c74dd9bae2c073284ab8
admin.vcf 0e3144ba0173d912c68b77a3562d5a42ebc52edfa89ce37f2e10288fd85d25eb
mgr01.csv 5adb7cc1081890682b8b7aadf8d6c9ae646ffe8810861ab4896f5538c66df00a
mgr01.vcf c021aa052b3bc9b7c117524fdda7629c1f97c254a10ddec5242147b52726d427
filtered.csv ab2d7fe4fbbc2ea1b67fd52fddfadcee0e67ad0ff29ba8d3d018a656220cf91a
all-filter.csv 8d4e52c3b823fb3907f1b8e5fb86dcde3993c4e596c8f6561353b29d3b583394
mgr01-filter.csv 5adb7cc1081890682b8b7aadf8d6c9ae646ffe8810861ab4896f5538c66df00a
EOF
echo "PASS"
