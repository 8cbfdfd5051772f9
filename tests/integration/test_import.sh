#!/usr/bin/env bash
# Imports on the server, through kart-bench --load (which loads as an import)
# and kart: every import is recorded with its counts and audited; a user sees
# their own imports (an admin all), and another's id answers like a missing
# one; importing is its own permission (admins and supervisors by default,
# granted and revoked per user, never an auditor); undo moves the created
# cards to the trash, keeps one edited since unless --force, and is refused
# the second time.
. "$(dirname "$0")/lib.sh"
init_instance
start_kartd
login_admin
printf 'password-123\n' >"$T/pw"
expect_rc 0 as admin user add sup --role supervisor --team north --password-file "$T/pw"
expect_rc 0 as admin user add man --role manager --team north --password-file "$T/pw"
expect_rc 0 as admin user add sup2 --role supervisor --team south --password-file "$T/pw"
expect_rc 0 as admin user add aud --role auditor --team north --password-file "$T/pw"
for u in sup man sup2 aud; do expect_rc 0 as "$u" login "$u" --password-file "$T/pw"; done

# load USER N [more kart-bench options]: kart-bench --load as USER; output in $T/load.out, exit in LOAD_RC
load() {
	local user=$1 n=$2
	shift 2
	LOAD_RC=0
	"$KART_BENCH" -s "$SERVER" --ca "$CA" --user "$user" --password-file "$T/pw" --load "$n" --conns 1 --batch 10 \
		"$@" >"$T/load.out" 2>&1 || LOAD_RC=$?
	LOAD=$(cat "$T/load.out")
}

# ---- 1. a load is an import, recorded with its counts and audited
load sup 35
[[ $LOAD_RC -eq 0 ]] || fail "kart-bench --load as sup: $LOAD"
contains "$LOAD" "load: import 1: 35 rows, 35 created, 0 failed"
expect_rc 0 as sup --json imports
jq -e 'length == 1 and .[0].id == 1 and .[0].user == "sup" and .[0].state == "done" and .[0].created == 35
	and .[0].merged == 0 and .[0].skipped == 0 and .[0].failed == 0 and .[0].rows_done == 35
	and .[0].on_duplicate == "create" and .[0].files == ["kart-bench"]' <<<"$OUT" >/dev/null ||
	fail "the import's record: $OUT"
expect_rc 0 as sup imports
contains "$OUT" "CREATED"
contains "$OUT" "kart-bench"
[[ $(grep -c '^ *1 .* sup .* done .* 35 ' <<<"$OUT") -eq 1 ]] || fail "kart imports: $OUT"
expect_rc 0 as admin --json audit --action import
jq -e '[.[] | select(.action == "import")] | length == 1 and (.[0].summary | contains("import 1 done: 35 rows, 35 created, 0 merged, 0 skipped, 0 failed; files: kart-bench"))' \
	<<<"$OUT" >/dev/null || fail "the import's audit event: $OUT"
expect_rc 0 as admin --json audit --action import.batch
[[ $(jq '[.[] | select(.action == "import.batch")] | length' <<<"$OUT") -eq 4 ]] || fail "one import.batch event a batch: $OUT"

# ---- 2. another supervisor sees none of it; an admin sees all
expect_rc 0 as sup2 --json imports
[[ $(jq length <<<"$OUT") -eq 0 ]] || fail "sup2 sees sup's import: $OUT"
expect_rc 4 as sup2 import undo 1
OTHER=$ERR
expect_rc 4 as sup2 import undo 999
[[ ${OTHER//1/ID} == "${ERR//999/ID}" ]] || fail "another's import and a missing one answer differently: '$OTHER' vs '$ERR'"
expect_rc 0 as admin --json imports
[[ $(jq length <<<"$OUT") -eq 1 ]] || fail "admin does not see sup's import: $OUT"

# ---- 3. the permission: a manager may not by default; granted may; revoked may not; an auditor never
load man 5
[[ $LOAD_RC -ne 0 ]] || fail "a manager imported without the permission: $LOAD"
contains "$LOAD" "permission denied: you may not import cards (an admin can allow it: kart user grant man import)"
expect_rc 0 as man user show man
contains "$OUT" "import:    not allowed (the role's default)"
expect_rc 0 as admin user grant man import
contains "$OUT" "man may import cards"
expect_rc 0 as man user show man
contains "$OUT" "import:    allowed (granted by an admin)"
load man 5 --first 1000
[[ $LOAD_RC -eq 0 ]] || fail "a manager granted import could not: $LOAD"
contains "$LOAD" "5 rows, 5 created"
expect_rc 0 as admin user revoke sup2 import
load sup2 5 --first 2000
[[ $LOAD_RC -ne 0 ]] || fail "a supervisor whose import was revoked imported: $LOAD"
contains "$LOAD" "permission denied: you may not import cards"
expect_rc 0 as admin user show sup2
contains "$OUT" "import:    not allowed (revoked by an admin)"
expect_rc 2 as admin user grant aud import
contains "$ERR" "aud is an auditor"
expect_rc 3 as aud imports
expect_rc 2 as admin user grant man importing
contains "$ERR" "unknown permission"

# ---- 4. undo: the created cards to the trash; one edited since kept unless --force
load sup 20 --first 3000
[[ $LOAD_RC -eq 0 ]] || fail "kart-bench --load: $LOAD"
U=$(sed -n 's/^load: import \([0-9]*\):.*/\1/p' <<<"$LOAD")
read -r LO HI < <(sed -n 's/^load: ids \([0-9]*\)-\([0-9]*\).*/\1 \2/p' <<<"$LOAD")
[[ -n $U && -n $LO && $((HI - LO)) -eq 19 ]] || fail "kart-bench --load printed no import or ids: $LOAD"
expect_rc 0 as sup card edit "$LO" --set city=Правлено
expect_rc 5 as sup import undo "$U"
contains "$OUT" "import $U undone: 19 created cards moved to the trash, 0 merged cards taken back"
contains "$OUT" "kept, edited since the import (kart card rm ID removes one): $LO"
expect_rc 0 as sup card show "$LO"
contains "$OUT" "Правлено"
expect_rc 4 as sup card show "$HI"
expect_rc 0 as sup card show "$HI" --trash
expect_rc 0 as sup --json imports
jq -e --argjson u "$U" '.[] | select(.id == $u) | .state == "undone" and .undone_by == "sup" and .undone_at != null' \
	<<<"$OUT" >/dev/null || fail "the undone import's record: $OUT"
# the second undo is refused
expect_rc 5 as sup import undo "$U"
contains "$ERR" "import $U was undone already, by sup"
one_line "$ERR"
expect_rc 0 as admin --json audit --action import.undo
contains "$(jq -r '.[0].summary' <<<"$OUT")" "import $U undone: 19 cards to the trash, 0 merges taken back, 1 kept, 0 gone; kept: $LO (edited since"

# --force takes the edited card too; a card already deleted is gone
load sup 10 --first 4000
U=$(sed -n 's/^load: import \([0-9]*\):.*/\1/p' <<<"$LOAD")
read -r LO HI < <(sed -n 's/^load: ids \([0-9]*\)-\([0-9]*\).*/\1 \2/p' <<<"$LOAD")
expect_rc 0 as sup card edit "$LO" --set city=Правлено
expect_rc 0 as sup card rm "$HI"
expect_rc 0 as sup import undo "$U" --force
contains "$OUT" "import $U undone: 9 created cards moved to the trash"
contains "$OUT" "gone already (deleted or merged away): $HI"
expect_rc 4 as sup card show "$LO"

# an admin undoes anyone's import; a manager's own undo works for them
expect_rc 0 as admin --json imports
M=$(jq -r '.[] | select(.user == "man") | .id' <<<"$OUT")
expect_rc 0 as man import undo "$M"
contains "$OUT" "5 created cards moved to the trash"
expect_rc 0 as admin import undo 1
contains "$OUT" "import 1 undone: 35 created cards moved to the trash"
echo "ok"
