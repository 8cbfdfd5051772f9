#!/usr/bin/env bash
# Times, dates and reminders: a reminder's bare duration is ahead and a past
# one needs --past; "tomorrow" is 09:00 (remind_time); one instant rendered in
# each client's zone; "today" is the client's day; within Nd = today --days N;
# --sort birthday by the next birthday; year-less card birthdays; remind
# ls/edit/snooze and reminders set by others on my cards.
. "$(dirname "$0")/lib.sh"
init_instance
start_kartd
login_admin
command -v jq >/dev/null || fail "jq is required"
printf 'manager-pass-1\n' >"$T/mpw"
expect_rc 0 as admin user add masha --role manager --password-file "$T/mpw"
expect_rc 0 as masha login masha --password-file "$T/mpw"
expect_rc 0 as admin card add --first 'Пётр' --last 'Ёжиков' --owner masha
ID=$OUT
NOW=$(date +%s)

# ---- a bare duration ahead; the past refused unless --past ----
expect_rc 0 as admin --json remind "$ID" --at 2h --text 'через два часа'
AT=$(date -d "$(jq -r .at <<<"$OUT")" +%s)
(( AT >= NOW + 7200 && AT <= $(date +%s) + 7200 )) || fail "--at 2h is not two hours ahead: $OUT"
R1=$(jq -r .id <<<"$OUT")
expect_rc 2 as admin remind "$ID" --at -2h --text 'в прошлом'
one_line "$ERR"; contains "$ERR" "--past"; contains "$ERR" "--at"
expect_rc 0 as admin remind "$ID" --at -2h --past --text 'в прошлом'
R2=$OUT
# tomorrow without a time: 09:00, or remind_time from the config, or KART_REMIND_TIME
expect_rc 0 as admin --json remind "$ID" --at tomorrow --text 'завтра'
[[ $(TZ=UTC date -d "$(jq -r .at <<<"$OUT")" +%H:%M) == 09:00 ]] || fail "tomorrow is not 09:00: $OUT"
printf '# client settings\nremind_time = 10:30\n' >"$T/home-admin/config"
expect_rc 0 as admin --json remind "$ID" --at завтра --text 'завтра позже'
[[ $(TZ=UTC date -d "$(jq -r .at <<<"$OUT")" +%H:%M) == 10:30 ]] || fail "remind_time ignored: $OUT"
KART_REMIND_TIME=08:15 expect_rc 0 as admin --json remind "$ID" --at пн --text 'понедельник'
[[ $(TZ=UTC date -d "$(jq -r .at <<<"$OUT")" +%u-%H:%M) == 1-08:15 ]] || fail "пн at KART_REMIND_TIME: $OUT"
rm "$T/home-admin/config"
KART_REMIND_TIME=25:00 expect_rc 2 as admin remind "$ID" --at tomorrow --text x
contains "$ERR" KART_REMIND_TIME
# a deal's close date ahead: 3d is three days from now
expect_rc 0 as admin --json deal add "$ID" --title 'Сделка' --close 3d
[[ $(jq -r .expected_close <<<"$OUT") == $(date -d '+3 days' +%F) ]] || fail "--close 3d: $OUT"
expect_rc 0 as admin --json deal add "$ID" --title 'Сделка 2' --close 05.12.2030
[[ $(jq -r .expected_close <<<"$OUT") == 2030-12-05 ]] || fail "--close DD.MM.YYYY: $OUT"
expect_rc 2 as admin deal add "$ID" --title x --close 31.02.2030
contains "$ERR" "--close"

# ---- one instant, each client's zone ----
expect_rc 0 as admin --json remind "$ID" --at 2030-06-01T12:00:00Z --text 'мгновение'
R3=$(jq -r .id <<<"$OUT")
[[ $(date -d "$(jq -r .at <<<"$OUT")" +%s) == 1906545600 ]] || fail "RFC 3339 with Z: $OUT"
TZ=Asia/Vladivostok expect_rc 0 as admin remind ls
contains "$OUT" '2030-06-01 22:00 +10'
TZ=Europe/Kaliningrad expect_rc 0 as admin remind ls
contains "$OUT" '2030-06-01 14:00 EET'
TZ=UTC expect_rc 0 as admin remind ls
contains "$OUT" '2030-06-01 12:00 UTC'
# the audit summary keeps the instant; each client writes it in its zone
TZ=Asia/Vladivostok expect_rc 0 as admin audit --action reminder.add
contains "$OUT" 'at 2030-06-01 22:00 +10: мгновение'
TZ=UTC expect_rc 0 as admin audit --action reminder.add
contains "$OUT" 'at 2030-06-01 12:00 UTC: мгновение'
TZ=UTC expect_rc 0 as admin --json audit --action reminder.add
jq -e '[.[] | select((.at | sub("\\+00:00$"; "Z") | fromdateiso8601) == 1906545600 and (.summary | contains("{at}")))] | length == 1' <<<"$OUT" >/dev/null ||
	fail "the audit record keeps the instant: $OUT"

# ---- today is the client's day ----
# a reminder due in 3 hours: in a zone where midnight comes within those 3
# hours it is tomorrow's, elsewhere today's (pick the zones from the clock)
expect_rc 0 as admin --json remind "$ID" --at 3h --text 'около полуночи'
R4=$(jq -r .id <<<"$OUT")
IN=""; OUT_Z=""
for off in -12 -11 -10 -9 -8 -7 -6 -5 -4 -3 -2 -1 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14; do
	z="<ZZZ>$((-off))"
	:
	if [[ $(TZ=$z date +%F) == $(TZ=$z date -d '+3 hours' +%F) ]]; then IN=${IN:-$z}; else OUT_Z=${OUT_Z:-$z}; fi
done
[[ -n $IN && -n $OUT_Z ]] || fail "no zones to compare"
TZ=$IN expect_rc 0 as admin --json today
jq -e --arg r "$R4" '[.reminders[].id] | index($r|tonumber) != null' <<<"$OUT" >/dev/null || fail "today in $IN: $OUT"
TZ=$OUT_Z expect_rc 0 as admin --json today
jq -e --arg r "$R4" '[.reminders[].id] | index($r|tonumber) == null' <<<"$OUT" >/dev/null || fail "today in $OUT_Z: $OUT"

# ---- reminders set by others on my card; remind ls/edit/snooze; ids in today ----
expect_rc 0 as masha --json remind ls
jq -e --arg r "$R2" '[(if type == "array" then . else .reminders end)[].id] | index($r|tonumber) != null' <<<"$OUT" >/dev/null ||
	fail "admin's reminder on masha's card is not in her remind ls: $OUT"
expect_rc 0 as masha today
contains "$OUT" "$R2"
contains "$OUT" 'в прошлом'
expect_rc 0 as admin --json remind ls --due
[[ $(jq -r '[(if type == "array" then . else .reminders end)[].id] | join(" ")' <<<"$OUT") == "$R2" ]] || fail "remind ls --due: $OUT"
expect_rc 0 as admin remind snooze "$R2" 1h
expect_rc 0 as admin --json remind ls --card "$ID"
A2=$(date -d "$(jq -r --arg r "$R2" '(if type == "array" then . else .reminders end)[] | select(.id == ($r|tonumber)) | .at' <<<"$OUT")" +%s)
N2=$(date +%s)
(( A2 >= NOW + 3600 && A2 <= N2 + 3600 )) || fail "snooze of an overdue one is from now: $A2"
expect_rc 0 as admin remind snooze "$R3" 1d
expect_rc 0 as admin --json remind ls
[[ $(date -d "$(jq -r --arg r "$R3" '(if type == "array" then . else .reminders end)[] | select(.id == ($r|tonumber)) | .at' <<<"$OUT")" +%s) == $((1906545600 + 86400)) ]] ||
	fail "snooze of one to come is from its time: $OUT"
expect_rc 2 as admin remind snooze "$R3" 10:00
expect_rc 0 as admin remind edit "$R1" --at 05.12.2031 --text 'новый текст'
expect_rc 0 as admin --json remind ls --card "$ID"
jq -e --arg r "$R1" '(if type == "array" then . else .reminders end)[] | select(.id == ($r|tonumber)) | .text == "новый текст"' <<<"$OUT" >/dev/null ||
	fail "remind edit: $OUT"
expect_rc 2 as admin remind edit "$R1" --at -1d
expect_rc 0 as admin remind done "$R1"
expect_rc 0 as admin --json remind ls --all
jq -e --arg r "$R1" '(if type == "array" then . else .reminders end)[] | select(.id == ($r|tonumber)) | .done == true' <<<"$OUT" >/dev/null ||
	fail "remind ls --all lacks the done one: $OUT"
expect_rc 4 as admin remind edit "$R1" --text x
expect_rc 0 as admin --json audit --action reminder.snooze
[[ $(jq length <<<"$OUT") == 2 ]] || fail "snoozes audited: $OUT"
# not hers: a reminder of admin's on admin's own card is missing for masha
expect_rc 0 as admin card add --first 'Свой' --last 'Клиент'
OWN=$OUT
expect_rc 0 as admin remind "$OWN" --at 1d --text 'чужое'
RO=$OUT
expect_rc 4 as masha remind snooze "$RO" 1h
[[ $ERR == "kart: no open reminder $RO (field: id)" ]] || fail "not hers: $ERR"
expect_rc 4 as masha remind edit "$RO" --text x
expect_rc 4 as masha remind ls --card "$OWN"

# ---- birthdays: within Nd = today --days N; sort by the next one; year-less ----
bd() { date -d "+$1 days" +%m-%d; }
expect_rc 0 as admin card add --first 'Старший' --last 'Шесть' --birthday "1950-$(bd 6)"
C6=$OUT
expect_rc 0 as admin card add --first 'Младший' --last 'Семь' --birthday "2000-$(bd 7)"
expect_rc 0 as admin card add --first 'Средний' --last 'Два' --birthday "--$(bd 2)"
C2=$OUT
expect_rc 0 as admin --json today --days 7
TD=$(jq -r '[.birthdays[].card_id] | join(" ")' <<<"$OUT")
expect_rc 0 as admin --json ls 'birthday within 7d' --sort birthday
LS=$(jq -r '[(if type == "array" then . else .cards end)[].id] | join(" ")' <<<"$OUT")
[[ $TD == "$C2 $C6" && $LS == "$TD" ]] || fail "today --days 7 ($TD) and within 7d sorted by the next birthday ($LS)"
expect_rc 0 as admin card add --first 'Год' --last 'Неизвестен' --birthday "$(date -d '+1 day' +%d.%m)"
expect_rc 0 as admin --json card show "$OUT"
[[ $(jq -r .birthday <<<"$OUT") == "--$(bd 1)" ]] || fail "DD.MM birthday stored year-less: $OUT"
# filter dates as people type them
expect_rc 0 as admin --json ls "birthday = $(date -d '+2 days' +%d.%m)"
[[ $(jq -r '[(if type == "array" then . else .cards end)[].id] | join(" ")' <<<"$OUT") == "$C2" ]] || fail "birthday = DD.MM: $OUT"
echo OK
