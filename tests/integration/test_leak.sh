#!/usr/bin/env bash
# Tracing a leaked file to its export: half the rows, shuffled, another
# delimiter, phones reformatted, no header -> the right export first, by its
# canary rows; without them, by the cards (weak evidence, said so); a bare list
# of phones and emails; a vCard; unrelated numbers match nothing.
. "$(dirname "$0")/lib.sh"
init_instance
start_kartd
login_admin
printf 'password-123\n' >"$T/pw"
expect_rc 0 as admin user add masha --role manager --password-file "$T/pw"
expect_rc 0 as admin user add audra --role auditor --password-file "$T/pw"
for u in masha audra; do expect_rc 0 as "$u" login "$u" --password-file "$T/pw"; done
expect_rc 0 as admin user grant masha export
"$KART_BENCH" -s "$SERVER" --ca "$CA" --password-file "$ADMIN_PW" --load 1000 --conns 2 --pipeline 8 >"$T/load.out" 2>&1 ||
	fail "load: $(cat "$T/load.out")"
for i in $(seq 1 30); do
	expect_rc 0 as masha card add --first "Клиент$i" --last Машин --phone "+7 846 200-00-$(printf %02d "$i")" \
		--email "client$i@masha.example.ru"
done
expect_rc 0 as admin --json ls
jq -r '.[].id' <<<"$OUT" | sort >"$T/live"

export_id() { [[ $ERR =~ ^export\ ([0-9]+):\ ([0-9]+)\ cards\ \+\ ([0-9]+)\ canary ]] || fail "summary: $ERR"; }
expect_rc 0 as admin export -o "$T/all.csv"
export_id
E_ALL=${BASH_REMATCH[1]}
expect_rc 0 as admin export --where 'id <= 700' -o "$T/part.csv"
export_id
E_PART=${BASH_REMATCH[1]} N_PART=${BASH_REMATCH[2]} K_PART=${BASH_REMATCH[3]}
[[ $K_PART -ge 4 ]] || fail "canaries in a 700-card export: $K_PART"
expect_rc 0 as masha export -o "$T/masha.csv"
export_id
E_MASHA=${BASH_REMATCH[1]}
expect_rc 0 as admin export --format vcard --where 'sector = hot' -o "$T/hot.vcf"
export_id
E_HOT=${BASH_REMATCH[1]}

trace() { # trace FILE -> $OUT (JSON)
	expect_rc 0 as admin --json leak trace "$1"
}
top() { jq -r ".matches[0].$1" <<<"$OUT"; }

# the leak: canary rows and every other real row of the 700-card export,
# shuffled, ';' for ',', phones as 8XXXXXXXXXX, no header
canary_ids() { tail -n +2 "$1" | cut -d, -f1 | grep -E '^[0-9]+$' | sort | comm -23 - "$T/live"; }
canary_ids "$T/part.csv" >"$T/part.canaries"
[[ $(wc -l <"$T/part.canaries") == "$K_PART" ]] || fail "canary rows in the file: $(cat "$T/part.canaries")"
tail -n +2 "$T/part.csv" | awk -F, -v list="$(tr '\n' ' ' <"$T/part.canaries")" '
	BEGIN { n = split(list, c, " "); for (i = 1; i <= n; i++) canary[c[i]] = 1 }
	($1 in canary) || (++k % 2 == 0)' |
	shuf --random-source=<(yes) |
	perl -pe '$q = 0; s{(")|,}{ if (defined $1) { $q = !$q; q(") } else { $q ? "," : ";" } }ge;
		s/\+7[ (-]*(\d{3})[ )-]*(\d{3})[ -]*(\d{2})[ -]*(\d{2})/8$1$2$3$4/g' >"$T/leak.csv"
ROWS=$(grep -c . "$T/leak.csv")
[[ $ROWS -gt 340 && $ROWS -lt 360 ]] || fail "the leak has $ROWS rows"
grep -q '+7' "$T/leak.csv" && fail "phones not reformatted: $(grep -m1 '+7' "$T/leak.csv")"
grep -qE '^[0-9]+;' "$T/leak.csv" || fail "delimiter not changed"
trace "$T/leak.csv"
[[ $(top export.id) == "$E_PART" ]] || fail "traced to $(top export.id), expected $E_PART: $OUT"
[[ $(top canaries_found) == "$K_PART" ]] || fail "canaries found: $(top canaries_found) of $K_PART"
[[ $(jq .rows <<<"$OUT") == "$ROWS" ]] || fail "rows: $OUT"
jq -e '.matches[0].share > 0.45 and .matches[0].share < 0.55' <<<"$OUT" >/dev/null || fail "share: $OUT"
contains "$(jq -r .verdict <<<"$OUT")" "the file comes from export $E_PART by admin"
jq -e '.matches[0].evidence[0] | startswith("canary row")' <<<"$OUT" >/dev/null || fail "evidence: $OUT"
jq -e --argjson all "$E_ALL" '[.matches[] | select(.export.id == $all and (.canaries_found // 0) == 0)] | length == 1' <<<"$OUT" >/dev/null ||
	fail "the full export should follow, without canaries: $OUT"
expect_rc 0 as admin leak trace "$T/leak.csv"
contains "$OUT" "EXPORT  USER"
contains "$OUT" "canary row"
contains "$OUT" "the file comes from export $E_PART"
# the auditor may trace; a manager may not
expect_rc 0 as audra --json leak trace "$T/leak.csv"
expect_rc 3 as masha leak trace "$T/leak.csv"

# without the canary rows: the cards still point at it, as weak evidence
grep -vE "^($(paste -sd'|' "$T/part.canaries"));" "$T/leak.csv" >"$T/leak2.csv"
trace "$T/leak2.csv"
[[ $(top export.id) == "$E_PART" ]] || fail "without canaries: traced to $(top export.id): $OUT"
[[ $(top canaries_found) == 0 ]] || fail "canaries without canary rows: $OUT"
contains "$(jq -r .verdict <<<"$OUT")" "no canary rows"

# a bare list of phones and emails, in other formats, shuffled
tail -n +2 "$T/masha.csv" | cut -d, -f7,8 | tr ',' '\n' | sed 's/^+7 846 /8(846)/' | grep . | shuf --random-source=<(yes) >"$T/list.txt"
trace "$T/list.txt"
[[ $(top export.id) == "$E_MASHA" && $(top canaries_found) == 1 ]] || fail "list traced: $OUT"

# a vCard as exported
trace "$T/hot.vcf"
[[ $(top export.id) == "$E_HOT" && $(top canaries_found) -ge 1 ]] || fail "vCard traced: $OUT"
[[ $(jq .rows <<<"$OUT") == $(grep -c '^BEGIN:VCARD' "$T/hot.vcf") ]] || fail "vCard rows: $OUT"

# unrelated phones and emails: nothing
for i in $(seq 10 99); do echo "+7 (495) 700-$i-$i, user$i@example.net"; done >"$T/other.txt"
trace "$T/other.txt"
[[ $(jq '.matches | length' <<<"$OUT") == 0 ]] || fail "unrelated numbers matched: $OUT"
[[ $(jq -r .verdict <<<"$OUT") == "no export matches this file" ]] || fail "verdict: $OUT"
[[ $(jq .phones <<<"$OUT") == 90 && $(jq .emails <<<"$OUT") == 90 ]] || fail "contacts read: $OUT"
expect_rc 0 as admin leak trace "$T/other.txt"
contains "$OUT" "no export matches this file"
: >"$T/empty.txt"
trace "$T/empty.txt"
[[ $(jq -r .verdict <<<"$OUT") == "no export matches this file" ]] || fail "empty file: $OUT"

# a file too large is refused before anything is sent
truncate -s 65M "$T/big.csv"
expect_rc 2 as admin leak trace "$T/big.csv"
contains "$ERR" "64 MiB"
expect_rc 4 as admin leak trace "$T/nosuch.csv"
# a file of several MiB goes in pieces
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do cat "$T/all.csv"; done >"$T/big2.csv"
[[ $(stat -c %s "$T/big2.csv") -gt $((2 * 1024 * 1024)) ]] || fail "big2 too small"
trace "$T/big2.csv"
[[ $(top export.id) == "$E_ALL" ]] || fail "a large file: $OUT"

# a client given a canary's phone and email since is a client, not a canary
CAN=$(grep -F '@example.org' "$T/masha.csv" | head -1)
expect_rc 0 as admin card add --first Новый --last Клиент --phone "$(cut -d, -f7 <<<"$CAN")" --email "$(cut -d, -f8 <<<"$CAN")"
trace "$T/list.txt"
[[ $(top export.id) == "$E_MASHA" && $(top canaries_found) == 0 ]] || fail "a canary taken by a card still counts: $OUT"

# every trace is audited
expect_rc 0 as admin --json audit --action leak.trace
[[ $(jq 'length' <<<"$OUT") -ge 11 ]] || fail "leak traces audited: $(jq length <<<"$OUT")"
jq -e '.[] | select(.user == "audra")' <<<"$OUT" >/dev/null || fail "the auditor's trace is audited"
echo "ok leak"
