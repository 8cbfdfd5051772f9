#!/usr/bin/env bash
# kart import: files of other programs into a real kartd. Encodings and
# delimiters as spreadsheets write them, rows the reader or the server
# refuses (reported with file, line and column, written to --rejects, the
# others in), --dry-run storing nothing, --strict undoing, an import killed
# mid-way and resumed without a card twice, files that are no CSV at all, and
# the daemon serving on through all of it.
. "$(dirname "$0")/lib.sh"
: "${GENCSV:?GENCSV must point to kart-gencsv}"
init_instance
start_kartd
login_admin

count() { # the cards admin sees
	expect_rc 0 as admin ls --count
	echo "$OUT"
}

# ---- a Russian spreadsheet in Windows-1251, ';', with a phone Excel rounded ----
{
	printf 'Фамилия;Имя;Отчество;Компания;Мобильный телефон;E-mail;Дата рождения;Город;Теги;Примечание;Цвет\r\n'
	printf 'Иванов;Иван;Иванович;"ООО ""Ромашка""";+7 917 111-22-33;ivanov@example.ru;05.03.1980;Самара;"vip, опт";;синий\r\n'
	printf 'Петрова;Мария;;"";8 (846) 222-33-44;;31.12.1975;Самара;;;\r\n'
	printf 'Сидоров;Пётр;;;7,91235E+10;sidorov@example.ru;;Тольятти;;;\r\n'
	printf 'Кузнецов;Олег;;;+7 917 444-55-66;;;;;"Позвонить\r\nпосле обеда";\r\n'
} | iconv -f utf-8 -t cp1251 >"$T/ru.csv"
expect_rc 7 as admin import "$T/ru.csv" --rejects "$T/rejects.csv"
contains "$OUT" "3 created" || fail "summary: $OUT"
contains "$OUT" "1 failed" || fail "summary: $OUT"
contains "$ERR" "ru.csv:4:5:" || fail "the rounded phone is not reported at line 4, column 5: $ERR"
contains "$ERR" "Цвет" || fail "the unknown column is not reported: $ERR"
[[ $(wc -l <"$T/rejects.csv") -eq 2 ]] || fail "rejects: $(cat "$T/rejects.csv")"
grep -q '^Фамилия;' "$T/rejects.csv" || fail "rejects without the header (and in UTF-8): $(cat "$T/rejects.csv")"
grep -q '7,91235E+10' "$T/rejects.csv" || fail "rejects without the row: $(cat "$T/rejects.csv")"
expect_rc 0 as admin --json find "+7 917 111-22-33"
[[ $(jq -r '.[0].last_name' <<<"$OUT") == Иванов ]] || fail "Иванов not found by phone: $OUT"
id=$(jq -r '.[0].id' <<<"$OUT")
expect_rc 0 as admin --json card show "$id"
[[ $(jq -r .company <<<"$OUT") == 'ООО "Ромашка"' ]] || fail "company: $OUT"
[[ $(jq -r .birthday <<<"$OUT") == 1980-03-05 ]] || fail "birthday: $OUT"
[[ $(jq -r '.tags | join(",")' <<<"$OUT") == "vip,опт" ]] || fail "tags: $OUT"
expect_rc 0 as admin --json find "+7 917 444-55-66"
expect_rc 0 as admin --json card show "$(jq -r '.[0].id' <<<"$OUT")"
[[ $(jq -r .notes <<<"$OUT") == $'Позвонить\nпосле обеда' || $(jq -r .notes <<<"$OUT") == $'Позвонить\r\nпосле обеда' ]] ||
	fail "the quoted field with a line break: $OUT"
[[ $(count) -eq 3 ]] || fail "3 cards expected, $(count)"

# the same file again: every row is a duplicate (phone or e-mail) and is skipped
expect_rc 7 as admin import "$T/ru.csv"
contains "$OUT" "3 skipped" || fail "re-import: $OUT"
[[ $(count) -eq 3 ]] || fail "re-import created cards: $(count)"

# ---- --dry-run stores nothing; --strict undoes ----
"$GENCSV" 50 --first 1000 >"$T/fifty.csv"
expect_rc 0 as admin import --dry-run "$T/fifty.csv"
contains "$OUT" "50 would be created" || fail "dry run: $OUT"
[[ $(count) -eq 3 ]] || fail "the dry run stored cards: $(count)"
cp "$T/fifty.csv" "$T/strict.csv"
# a row with a field the server refuses: an owner that does not exist
sed -i '3s/;;\([0-9]*\)\r$/;nosuchuser;\1\r/' "$T/strict.csv"
rc=0
as admin import --strict --map 'Ответственный=owner' "$T/strict.csv" >"$T/strict.out" 2>"$T/strict.err" || rc=$?
((rc != 0 && rc != 7)) || fail "--strict exited $rc: $(cat "$T/strict.out" "$T/strict.err")"
[[ $(count) -eq 3 ]] || fail "--strict left cards: $(count)"
contains "$(cat "$T/strict.err")" "undone" || fail "--strict did not say it undid: $(cat "$T/strict.err")"
contains "$(cat "$T/strict.err")" "strict.csv:3:12:" || fail "the refused owner's position: $(cat "$T/strict.err")"

# ---- killed mid-way, resumed: every row once ----
"$GENCSV" 10000 --first 5000 >"$T/big.csv"
# running_import: waits (up to a minute) for an import running with 4000 rows
# done and sets RUNNING to its id
running_import() {
	RUNNING=
	for _ in $(seq 1 600); do
		expect_rc 0 as admin --json imports
		RUNNING=$(jq -r '[.[] | select(.state == "running" and .rows_done >= 4000)][0].id // empty' <<<"$OUT")
		[[ -n $RUNNING ]] && return 0
		sleep 0.1
	done
	fail "the import did not get to 4000 rows: $OUT"
}
mkfifo "$T/fifo"
# kart itself in the background (not a function's subshell), so the kill reaches it
KART_HOME=$T/home-admin "$KART" -s "$SERVER" --ca "$CA" import --format csv - <"$T/fifo" >"$T/killed.out" 2>&1 &
IMP=$!
exec 3>"$T/fifo"
head -n 5001 "$T/big.csv" >&3
running_import
imp_id=$RUNNING
kill -9 $IMP
wait $IMP 2>/dev/null || true
exec 3>&-
before=$(count)
((before >= 4003 && before < 10003)) || fail "$before cards after the kill"
expect_rc 0 as admin import --format csv --resume "$imp_id" - <"$T/big.csv"
contains "$OUT" "import $imp_id:" || fail "resume: $OUT"
[[ $(count) -eq 10003 ]] || fail "after the resume: $(count) cards, expected 10003"
expect_rc 0 as admin --json imports
[[ $(jq -r ".[] | select(.id == $imp_id) | .state" <<<"$OUT") == done ]] || fail "imports: $OUT"
[[ $(jq -r ".[] | select(.id == $imp_id) | .created" <<<"$OUT") == 10000 ]] || fail "imports: $OUT"
# an import that has ended cannot be resumed, with another file least of all
rc=0
as admin import --format csv --resume "$imp_id" "$T/fifty.csv" >"$T/out" 2>"$T/err" || rc=$?
((rc != 0)) || fail "an ended import was resumed: $(cat "$T/out")"
[[ $(count) -eq 10003 ]] || fail "a refused resume changed the base: $(count) cards"

# ---- the connection lost mid-way (kartd restarted on its address): the
# import reconnects by itself and sends only what the server lacks ----
PORT=${SERVER##*:}
sed -i "s/^listen = .*/listen = 127.0.0.1:$PORT/" "$T/inst/kartd.conf"
"$GENCSV" 6000 --first 60000 >"$T/lost.csv"
mkfifo "$T/fifo2"
KART_HOME=$T/home-admin "$KART" -s "$SERVER" --ca "$CA" import --format csv - <"$T/fifo2" >"$T/lost.out" 2>"$T/lost.err" &
IMP=$!
exec 4>"$T/fifo2"
head -n 4001 "$T/lost.csv" >&4
running_import
lost_id=$RUNNING
stop_kartd
tail -n +4002 "$T/lost.csv" >&4
exec 4>&-
start_kartd
wait $IMP || fail "the import did not survive the restart: $(cat "$T/lost.out" "$T/lost.err")"
contains "$(cat "$T/lost.out")" "import $lost_id: 6000 created" || fail "after the restart: $(cat "$T/lost.out" "$T/lost.err")"
[[ $(count) -eq 16003 ]] || fail "after the restart: $(count) cards, expected 16003"

# ---- files that cannot be read: a clear error, nothing half-imported, kartd serving ----
gzip -c "$T/big.csv" >"$T/big.csv.gz"
cp "$T/big.csv.gz" "$T/packed.csv"
rc=0
as admin import "$T/packed.csv" >"$T/out" 2>"$T/err" || rc=$?
((rc != 0)) || fail "a gzip file was imported"
grep -qi "packed.csv" "$T/err" || fail "the error does not name the file: $(cat "$T/err")"
printf 'Фамилия,Телефон\r\nОдин,+7 917 000-00-01\r\n"Два,+7 917 000-00-02\r\nТри,+7 917 000-00-03\r\n' >"$T/quote.csv"
rc=0
as admin import "$T/quote.csv" >"$T/out" 2>"$T/err" || rc=$?
((rc != 0)) || fail "an unclosed quote was imported: $(cat "$T/out")"
contains "$(cat "$T/err")" "quote.csv:3" || fail "the unclosed quote's line: $(cat "$T/err")"
{
	printf 'Фамилия,Телефон\r\nПервый,+7 917 000-00-09\r\nДлинный,'
	head -c 11000000 /dev/zero | tr '\0' 'x'
	printf '\r\n'
} >"$T/long.csv"
rc=0
as admin import "$T/long.csv" >"$T/out" 2>"$T/err" || rc=$?
((rc != 0)) || fail "a 10 MB line was imported"
contains "$(cat "$T/err")" "long.csv:3" || fail "the long line's position: $(cat "$T/err")"
expect_rc 0 as admin whoami

# ---- what an import keeps of its files is bounded: a name past 1 KiB is refused ----
long=$T/$(printf 'd%.0s' {1..200})
for _ in 1 2 3 4 5; do long=$long/$(printf 'd%.0s' {1..200}); done
mkdir -p "$long"
cp "$T/fifty.csv" "$long/f.csv"
before=$(count)
expect_rc 2 as admin import "$long/f.csv"
contains "$ERR" "file name is longer than 1024 bytes"
[[ $(count) -eq $before ]] || fail "a refused import changed the base: $(count) cards, $before before"

# ---- a terminal gets a progress bar; a pipe gets silence ----
"$GENCSV" 3000 --first 20000 >"$T/tty.csv"
expect_rc 0 as admin field add computers --type number
expect_rc 0 as admin import --map 'Компьютеров=computers' "$T/tty.csv"
[[ $ERR != *"rows/s"* && $ERR != *$'\r'* && $ERR != *"Компьютеров"* ]] || fail "progress (or a mapped column) on a pipe: $ERR"
expect_rc 0 as admin --json find "$(sed -n 2p "$T/tty.csv" | cut -d';' -f8)"
expect_rc 0 as admin --json card show "$(jq -r '.[0].id' <<<"$OUT")"
[[ $(jq -r '.custom[0].field' <<<"$OUT") == computers && $(jq -r '.custom[0].value' <<<"$OUT") == "$(sed -n 2p "$T/tty.csv" | cut -d';' -f13 | tr -d '\r')" ]] ||
	fail "--map to a custom field: $OUT"
"$GENCSV" 3000 --first 30000 >"$T/tty2.csv"
KART_HOME=$T/home-admin script -qec "'$KART' -s '$SERVER' --ca '$CA' import '$T/tty2.csv'" "$T/typescript" >"$T/script.out" 2>&1 </dev/null ||
	fail "import under a terminal: $(cat "$T/typescript")"
grep -q "rows/s" "$T/typescript" || fail "no progress on a terminal: $(cat "$T/typescript")"

echo "ok import"
