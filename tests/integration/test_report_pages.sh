#!/usr/bin/env bash
# A report longer than a page: a table runs over several pages (its columns
# sent once), every row arrives once, in order, in --json, --csv and text alike;
# the rows count toward the user's limit of cards seen in lists, as ls pages do.
. "$(dirname "$0")/lib.sh"
# a manager may see 10 distinct cards in lists an hour (5 × 2), then is blocked
init_instance "bulk_read_manager = 5" "bulk_list_factor = 2" "bulk_read_policy = block"
start_kartd
login_admin
B=("$KART_BENCH" -s "$SERVER" --ca "$CA" --password-file "$ADMIN_PW" --pid "$KARTD_PID")
"${B[@]}" --load 2600 --conns 1 >"$T/load.out" 2>&1 || fail "kart-bench --load: $(cat "$T/load.out")"
expect_rc 0 as admin --json ls --count
N=$(jq -r '.count' <<<"$OUT")
[[ $N == 2600 ]] || fail "2600 cards expected: $OUT"

# nobody was touched: reactivation lists every card, largest purchases (all 0) first, by id
expect_rc 0 as admin --json report reactivation --days 1
jq -e --argjson n "$N" '.tables.clients | length == $n' <<<"$OUT" >/dev/null || fail "rows: $(jq '.tables.clients | length' <<<"$OUT")"
jq -e '[.tables.clients[].card_id] as $a | $a == ($a | sort) and ($a | unique | length) == ($a | length)' <<<"$OUT" >/dev/null ||
	fail "rows out of order or twice"
[[ $(jq -r '.export_id' <<<"$OUT") -gt 0 ]] || fail "no read record"
expect_rc 0 as admin report reactivation --days 1 --csv
[[ $(wc -l <<<"$OUT") == $((N + 1)) ]] || fail "csv lines: $(wc -l <<<"$OUT")"
[[ $(grep -c '^date\|^card_id' <<<"$OUT") == 1 ]] || fail "the header more than once"
expect_rc 0 as admin report reactivation --days 1 --no-color
[[ $(grep -c '^ *[0-9]\+  ' <<<"$OUT") == "$N" ]] || fail "text rows: $(grep -c '^ *[0-9]\+  ' <<<"$OUT")"
# the table's own title (another report's table of the same name has another), and ids past
# the widths the first rows gave are never cut
contains "$OUT" "Clients to win back"
grep -q '^2600  ' <<<"$OUT" || fail "the last id cut: $(tail -n 2 <<<"$OUT")"
# ---- a report's rows are cards seen in a list: past the limit, the user is blocked ----
printf 'password-123\n' >"$T/pw"
expect_rc 0 as admin user add man --role manager --password-file "$T/pw"
expect_rc 0 as man login man --password-file "$T/pw"
for i in $(seq 1 12); do expect_rc 0 as man card add --first "Клиент$i" --last Тестов; done
expect_rc 0 as man --json report reactivation --days 1
[[ $(jq '.tables.clients | length' <<<"$OUT") -ge 10 ]] || fail "the manager's report: $OUT"
expect_rc 3 as man ls
contains "$ERR" "blocked"
expect_rc 0 as admin --json alerts
contains "$OUT" "man"
echo "report pages: ok"
