#!/usr/bin/env bash
# The command-line surface: versions, suggestions for typos, find's exit code,
# plurals, and the config file with the default server and CA.
. "$(dirname "$0")/lib.sh"
init_instance
start_kartd

# versions
expect_rc 0 "$KART" --version
[[ $OUT =~ ^kart\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "--version: $OUT"
expect_rc 0 env KART_HOME=$T/none "$KART" version
[[ $OUT == "client: kart "* && $OUT != *server* ]] || fail "version without a session: $OUT"
login_admin
expect_rc 0 as admin version
contains "$OUT" "server: kartd "

# suggestions: commands, options; nonsense gets none
expect_rc 2 "$KART" crad ls
contains "$ERR" 'unknown command "crad ls"; did you mean "card ls"?'
expect_rc 2 "$KART" card shwo 1
contains "$ERR" 'did you mean "card show"?'
expect_rc 2 as admin card add --fisrt Иван
contains "$ERR" 'did you mean "--first"?'
expect_rc 2 "$KART" xyzzyq
[[ $ERR != *"did you mean"* ]] || fail "nonsense got a suggestion: $ERR"
expect_rc 2 as admin card add --qqqqqq Иван
[[ $ERR != *"did you mean"* ]] || fail "nonsense option got a suggestion: $ERR"

# card field names: --set and --sort (checked by the server)
expect_rc 2 as admin card add --set fisrt_name=Иван
contains "$ERR" 'did you mean "first_name"?'
expect_rc 2 as admin ls --sort citty
contains "$ERR" 'did you mean "city"?'

# find exits 1 when nothing matched, printing nothing
expect_rc 0 as admin card add --first Иван --last Петров
expect_rc 0 as admin find Петров
expect_rc 1 as admin find Сидоров
[[ -z $OUT ]] || fail "find with no match printed: $OUT"

# card show: fields in words, last-first-middle; Russian labels in a Russian locale
expect_rc 0 as admin card add --first Иван --last Сидоров --middle Петрович --company Рога
SID=$OUT
expect_rc 0 env LANG=C LC_ALL= LC_MESSAGES= KART_HOME=$T/home-admin "$KART" -s "$SERVER" --ca "$CA" card show "$SID"
contains "$OUT" "Last name:"
contains "$OUT" "Company:"
[[ $OUT != *first_name* ]] || fail "proto names shown: $OUT"
[[ $(grep -n -e '^Last name:' -e '^First name:' -e '^Middle name:' <<<"$OUT" | cut -d: -f2 | tr '\n' ,) == "Last name,First name,Middle name," ]] ||
	fail "not last-first-middle: $OUT"
expect_rc 0 env LANG=ru_RU.UTF-8 LC_ALL= LC_MESSAGES= KART_HOME=$T/home-admin "$KART" -s "$SERVER" --ca "$CA" card show "$SID"
contains "$OUT" "Фамилия:"
contains "$OUT" "Отчество:"
expect_rc 0 as admin --json card show "$SID"
[[ $(jq -r .last_name <<<"$OUT") == Сидоров ]] || fail "JSON keeps the field names: $OUT"

# plurals
expect_rc 0 as admin user add m1 --role manager --password-file "$ADMIN_PW"
expect_rc 0 as admin user quota m1 --export-per-day 1
[[ $OUT == "m1 may export 1 card a day" ]] || fail "quota: $OUT"
expect_rc 0 as admin user quota m1 --export-per-day 2
[[ $OUT == "m1 may export 2 cards a day" ]] || fail "quota: $OUT"
expect_rc 0 as m1 login m1 --password-file "$ADMIN_PW"
expect_rc 0 as admin user lock m1
expect_rc 0 as admin audit --action user.lock
contains "$OUT" "1 session revoked"
[[ $OUT != *"1 sessions"* ]] || fail "plural: $OUT"

# the config file: default server and CA, below flags, env and session; kept by logout
mkdir -p "$T/home-cfg"
printf '# defaults\nserver = %s\n  ca=%s  \n' "$SERVER" "$CA" >"$T/home-cfg/config"
expect_rc 0 env KART_HOME=$T/home-cfg "$KART" login admin --password-file "$ADMIN_PW"
expect_rc 0 env KART_HOME=$T/home-cfg "$KART" whoami
contains "$OUT" admin
expect_rc 0 env KART_HOME=$T/home-cfg "$KART" logout
[[ -f $T/home-cfg/config ]] || fail "logout removed the config"
expect_rc 0 env KART_HOME=$T/home-cfg "$KART" login admin --password-file "$ADMIN_PW"
# a flag beats the config
expect_rc 6 env KART_HOME=$T/home-cfg "$KART" -s 127.0.0.1:1 whoami
# the environment beats the config
expect_rc 6 env KART_HOME=$T/home-cfg KART_SERVER=127.0.0.1:1 "$KART" whoami
printf 'no equals sign\n' >"$T/home-cfg/config"
expect_rc 2 env KART_HOME=$T/home-cfg "$KART" whoami
contains "$ERR" "config line 1"
echo ok
