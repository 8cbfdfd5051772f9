#!/usr/bin/env bash
# Database formats: a base in an earlier format (1, and 2: deals without
# their stage history) is migrated at start, in one transaction, with a log
# line, and then serves (each deal then has one visit: its stage at its
# creation; format 3 -> 4, the name index by owner: test_find_owner.sh); a base
# written by a newer kartd (a future format) is refused with both formats
# named, kartd exits non-zero and the file is left exactly as it was.
. "$(dirname "$0")/lib.sh"
: "${DBTOOL:?DBTOOL must point to kart-dbtool}"
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
DB=$T/inst/db
FORMAT_KEY=$(hex schema)

expect_rc 0 "$KARTD" --version
contains "$OUT" "database format 4"

init_instance
start_kartd
login_admin
expect_rc 0 as admin card add --first Анна --last Прежняя --phone '+7 917 123-45-67'
A=$OUT
expect_rc 0 as admin card add --first Борис --last Прежний --phone '+7 917 128-00-00'
B=$OUT
expect_rc 0 as admin export -o "$T/all.csv"
# deals: one moved twice, one never
expect_rc 0 as admin deal add "$A" --title Первая --amount 100
D1=$OUT
expect_rc 0 as admin deal move "$D1" --stage qualified
expect_rc 0 as admin deal move "$D1" --stage proposal
expect_rc 0 as admin deal add "$B" --title Вторая --stage negotiation
D2=$OUT
expect_rc 0 as admin --json deal show "$D1"
[[ $(jq -c '[.history[].stage]' <<<"$OUT") == '["lead","qualified","proposal"]' ]] || fail "D1's history: $OUT"
stop_kartd
expect_rc 0 "$DBTOOL" "$DB" get meta "$FORMAT_KEY"
[[ $OUT == 0000000000000004 ]] || fail "a new base is not format 4: $OUT"

# deals as format 2 kept them: without Deal.history (field 13)
no_history() {
	"$DBTOOL" "$DB" pbdrop deals 13 >/dev/null || fail "dbtool pbdrop"
}
# after the migration each deal has one visit: its stage (now), at its creation, by its creator
one_visit() {
	local d
	for d in "$D1" "$D2"; do
		expect_rc 0 as admin --json deal show "$d"
		jq -e '(.history | length) == 1 and .history[0].stage == .stage and .history[0].at == .created_at and
			.history[0].by == .created_by' <<<"$OUT" >/dev/null || fail "deal $d after the migration: $OUT"
	done
	[[ $(jq -r .stage <<<"$OUT") == negotiation ]] || fail "the deal changed: $OUT"
}

# The previous release's format, made from this base: it recorded format 1,
# had no forward phone index (nor its mark) and exports' card lists unflagged.
to_format1() {
	no_history
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
	grep -q "database format 1 -> 4: .*2 deals given their stage.*; the name index by owner built from 2 cards$" \
		"$T/kartd.err" || fail "no migration logged: $(cat "$T/kartd.err")"
	# serves, and the number's start is found through the rebuilt index
	expect_rc 0 as admin --json find '917 12'
	[[ $(jq -r '[.[].id] | sort | join(" ")' <<<"$OUT") == "$(printf '%s\n' "$A" "$B" | sort | tr '\n' ' ' | sed 's/ $//')" ]] ||
		fail "find by a number's start after the upgrade: $OUT"
	expect_rc 0 as admin card show "$A"
	contains "$OUT" "Прежняя"
	expect_rc 0 as admin admin reindex --check
	one_visit
	stop_kartd
	expect_rc 0 "$DBTOOL" "$DB" get meta "$FORMAT_KEY"
	[[ $OUT == 0000000000000004 ]] || fail "format not recorded as 4: $OUT"
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

# format 2: deals without their history; the steps 2 -> 3 -> 4 only
[[ $("$DBTOOL" "$DB" pbdrop deals 13) == 2 ]] || fail "the deals had no history to drop"
"$DBTOOL" "$DB" put meta "$FORMAT_KEY" 0000000000000002 || fail "dbtool put format"
start_kartd
grep -q "database format 2 -> 4: 2 deals given their stage since creation as their history; the name index by owner built from 2 cards$" "$T/kartd.err" ||
	fail "no 2 -> 4 migration logged: $(cat "$T/kartd.err")"
one_visit
# the funnel counts them: D1 reached lead..proposal, D2 lead..negotiation (both still open)
expect_rc 0 as admin --json report funnel
[[ $(jq -r '[.tables.stages[].reached | tostring] | join(" ")' <<<"$OUT") == "2 2 2 1 0 0" ]] || fail "funnel after the migration: $OUT"
stop_kartd
expect_rc 0 "$DBTOOL" "$DB" get meta "$FORMAT_KEY"
[[ $OUT == 0000000000000004 ]] || fail "format not recorded as 4: $OUT"

# a base from a newer kartd: refused, nothing changed, the way out named
"$DBTOOL" "$DB" put meta "$FORMAT_KEY" 0000000000000063 || fail "dbtool put format"
SUM=$(sha256sum <"$DB/data.mdb")
rc=0
"$KARTD" run --data "$T/inst" >"$T/newer.out" 2>"$T/newer.err" || rc=$?
[[ $rc -ne 0 ]] || fail "kartd served a base of a newer format"
ERR=$(cat "$T/newer.err")
contains "$ERR" "format 99, newer than the format 4 this kartd knows"
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
