#!/usr/bin/env bash
# Imports and what the importer may not see or change: a duplicate whose
# fields are masked for the importer (a supervisor who sees every card) is
# skipped, never merged into, and its values are never told by the merge's
# conflicts. A file may be named anything (an escape, a bidi override,
# bytes that are no UTF-8): it is imported, recorded and printed in its
# visible form, and nothing from it reaches the terminal raw. Undo leaves
# alone a card handed out of the importer's sight since, even with --force.
. "$(dirname "$0")/lib.sh"
: "${IMPORTSCRIPT:?IMPORTSCRIPT must point to kart-importscript}"
init_instance "visibility_supervisor = all"
start_kartd
login_admin
printf 'password-123\n' >"$T/pw"
expect_rc 0 as admin user add sup --role supervisor --team north --password-file "$T/pw"
expect_rc 0 as admin user add man2 --role manager --team south --password-file "$T/pw"
for u in sup man2; do expect_rc 0 as "$u" login "$u" --password-file "$T/pw"; done
expect_rc 0 as admin field add secret --type text --sensitive

expect_rc 0 as man2 card add --last Южный --first Юрий --phone "+7 916 999-88-77" --birthday 1980-05-06 \
	--field secret=TOPSECRET
S=$OUT

# script USER: runs the script on stdin as USER; its output in $OUT
script() {
	"$IMPORTSCRIPT" "$SERVER" "$CA" "$1" "$T/pw" >"$T/out" 2>"$T/err" || fail "kart-importscript: $(cat "$T/err")"
	OUT=$(cat "$T/out")
}

# ---- a masked duplicate: skipped, unchanged, its values untold
script sup <<EOS
begin merge
row 1 last_name=Южный|phones=+7 916 999-88-77|birthday=1990-01-02|secret=guess|city=Самара
send
end
EOS
[[ $OUT != *TOPSECRET* && $OUT != *1980* ]] || fail "a merge told masked values: $OUT"
contains "$OUT" "row 1 skipped card=$S by=phone +79169998877; not merged: some of its fields are masked for you"
contains "$OUT" "created 0 merged 0 skipped 1 failed 0"
expect_rc 0 as man2 --json card show "$S"
[[ $(jq -r '.version, .city' <<<"$OUT" | paste -sd,) == "1," ]] || fail "a masked card was merged into: $OUT"

# ---- file names from elsewhere
E=$'\e' B=$'\xe2\x80\xae'
NAME="$T/a${E}[2Jb${B}c$(printf '\xcf\xf0').csv"
printf 'Фамилия;Имя;Телефон\r\nЮжный;Юрий;+7 916 999-88-00\r\n' >"$NAME"
expect_rc 0 as sup import "$NAME"
contains "$OUT" "1 created, 0 merged, 0 skipped, 0 failed, of 1 rows"
# the row looks like the card of man2 (same name): the suggestion names the file
contains "$ERR" "a^[[2Jb<U+202E>c\\xCF\\xF0.csv:2: created card"
[[ $OUT$ERR != *"$E"* && $OUT$ERR != *"$B"* ]] || fail "a file name reached the terminal raw: $ERR"
expect_rc 0 as sup imports
[[ $OUT != *"$E"* && $OUT != *"$B"* ]] || fail "kart imports printed a file name raw: $OUT"
expect_rc 0 as sup --json imports
[[ $(jq -r '.[0].files[0]' <<<"$OUT") == "$T/a^[[2Jb<U+202E>c\\xCF\\xF0.csv" ]] || fail "the file's name as recorded: $OUT"

# ---- undo and a card handed to another team since
expect_rc 0 as admin user add man3 --role manager --team east --password-file "$T/pw"
expect_rc 0 as man3 login man3 --password-file "$T/pw"
expect_rc 0 as admin user grant man3 import
printf 'Фамилия;Телефон\r\nВосточный;+7 916 555-44-33\r\nЗападный;+7 916 555-44-34\r\n' >"$T/u.csv"
expect_rc 0 as man3 import "$T/u.csv"
U=$(sed -n 's/^import \([0-9]*\):.*/\1/p' <<<"$OUT")
expect_rc 0 as man3 --json find "+7 916 555-44-33"
C=$(jq '.[0].id' <<<"$OUT")
expect_rc 0 as admin card edit "$C" --set owner=man2
expect_rc 0 as man3 import undo --force "$U"
contains "$OUT" "1 created cards moved to the trash"
expect_rc 0 as man2 --json card show "$C"
[[ $(jq -r .last_name <<<"$OUT") == "Восточный" ]] || fail "undo took away another team's card: $OUT"

echo "ok"
