#!/usr/bin/env bash
# Database formats: a base in the previous release's format (1) is migrated
# at start, in one transaction, with a log line, and then serves; a base
# written by a newer kartd (a future format) is refused with both formats
# named, kartd exits non-zero and the file is left exactly as it was.
. "$(dirname "$0")/lib.sh"
: "${DBTOOL:?DBTOOL must point to kart-dbtool}"
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
DB=$T/inst/db
FORMAT_KEY=$(hex schema)

expect_rc 0 "$KARTD" --version
contains "$OUT" "database format 2"

init_instance
start_kartd
login_admin
expect_rc 0 as admin card add --first Анна --last Прежняя --phone '+7 917 123-45-67'
A=$OUT
expect_rc 0 as admin card add --first Борис --last Прежний --phone '+7 917 128-00-00'
B=$OUT
expect_rc 0 as admin export -o "$T/all.csv"
stop_kartd
expect_rc 0 "$DBTOOL" "$DB" get meta "$FORMAT_KEY"
[[ $OUT == 0000000000000002 ]] || fail "a new base is not format 2: $OUT"

# The previous release's format, made from this base: it recorded format 1,
# had no forward phone index (nor its mark) and exports' card lists unflagged.
to_format1() {
	"$DBTOOL" "$DB" drop ix_phone_fwd || fail "dbtool drop"
	"$DBTOOL" "$DB" del meta "$(hex ix_phone_fwd)" || fail "dbtool del mark"
	local k v
	"$DBTOOL" "$DB" dump export_cards >"$T/blobs"
	[[ -s $T/blobs ]] || fail "no export card list to unflag"
	while read -r k v; do # the head: magic (4 bytes), flags (4, little-endian), ...
		"$DBTOOL" "$DB" put export_cards "$k" "${v:0:8}00000000${v:16}" || fail "dbtool put"
	done <"$T/blobs"
	[[ $("$DBTOOL" "$DB" count ix_phone_fwd) == 0 ]] || fail "the forward index is still there"
}
blob_flags() { "$DBTOOL" "$DB" dump export_cards | awk '{ print substr($2, 9, 8) }' | sort -u; }

migrated() {
	start_kartd
	grep -q "database format 1 -> 2" "$T/kartd.err" || fail "no migration logged: $(cat "$T/kartd.err")"
	# serves, and the number's start is found through the rebuilt index
	expect_rc 0 as admin --json find '917 12'
	[[ $(jq -r '[.[].id] | sort | join(" ")' <<<"$OUT") == "$(printf '%s\n' "$A" "$B" | sort | tr '\n' ' ' | sed 's/ $//')" ]] ||
		fail "find by a number's start after the upgrade: $OUT"
	expect_rc 0 as admin card show "$A"
	contains "$OUT" "Прежняя"
	expect_rc 0 as admin admin reindex --check
	stop_kartd
	expect_rc 0 "$DBTOOL" "$DB" get meta "$FORMAT_KEY"
	[[ $OUT == 0000000000000002 ]] || fail "format not recorded as 2: $OUT"
	[[ $("$DBTOOL" "$DB" count ix_phone_fwd) -gt 0 ]] || fail "the forward index was not built"
	[[ $(blob_flags) == 01000000 ]] || fail "exports' card lists not flagged sorted: $(blob_flags)"
}

# format 1 as the previous release recorded it
to_format1
"$DBTOOL" "$DB" put meta "$FORMAT_KEY" 0000000000000001 || fail "dbtool put format"
[[ $(blob_flags) == 00000000 ]] || fail "unflagging: $(blob_flags)"
migrated
# a format 1 base without the key at all
to_format1
"$DBTOOL" "$DB" del meta "$FORMAT_KEY" || fail "dbtool del format"
: >"$T/kartd.err"
migrated
# a second start has nothing to migrate
start_kartd
stop_kartd
! grep -q "database format" "$T/kartd.err" || fail "migrated twice: $(cat "$T/kartd.err")"

# a base from a newer kartd: refused, nothing changed, the way out named
"$DBTOOL" "$DB" put meta "$FORMAT_KEY" 0000000000000063 || fail "dbtool put format"
SUM=$(sha256sum <"$DB/data.mdb")
rc=0
"$KARTD" run --data "$T/inst" >"$T/newer.out" 2>"$T/newer.err" || rc=$?
[[ $rc -ne 0 ]] || fail "kartd served a base of a newer format"
ERR=$(cat "$T/newer.err")
contains "$ERR" "format 99, newer than the format 2 this kartd knows"
contains "$ERR" "newer kartd"
[[ ! -s $T/newer.out ]] || fail "kartd said something on stdout: $(cat "$T/newer.out")"
# the offline commands refuse it too
rc=0
"$KARTD" unlock admin --data "$T/inst" >"$T/newer.out" 2>"$T/newer.err" || rc=$?
[[ $rc -ne 0 ]] || fail "kartd unlock changed a base of a newer format"
contains "$(cat "$T/newer.err")" "format 99"
[[ $(sha256sum <"$DB/data.mdb") == "$SUM" ]] || fail "the newer base was changed"
expect_rc 0 "$DBTOOL" "$DB" get meta "$FORMAT_KEY"
[[ $OUT == 0000000000000063 ]] || fail "its format changed: $OUT"
echo "ok upgrade"
