#!/usr/bin/env bash
# Text a terminal would act on (C0 and C1 controls, DEL, bidirectional
# formatting): the server refuses it in what it stores, naming the field, the
# character and its position; and kart shows text stored before that rule (put
# into the database file directly, with kartd stopped) with its controls
# visible, in tables, records and JSON alike.
. "$(dirname "$0")/lib.sh"
: "${DBTOOL:?DBTOOL must point to kart-dbtool}"
command -v jq >/dev/null || fail "jq is required"
init_instance
start_kartd
login_admin

ESC=$'\e'
BEL=$'\a'
CR=$'\r'
DEL=$'\x7f'
CSI1=$'\xc2\x9b'   # U+009B, the C1 form of ESC [
NEL=$'\xc2\x85'    # U+0085
RLO=$'\xe2\x80\xae' # U+202E right-to-left override
LRI=$'\xe2\x81\xa6' # U+2066
RLI=$'\xe2\x81\xa7' # U+2067
LRM=$'\xe2\x80\x8e' # U+200E
ALM=$'\xd8\x9c'     # U+061C

# Raw bytes a terminal would act on, anywhere in FILE.
no_raw_controls() { # FILE what
	if LC_ALL=C grep -qaP '\x1b|\x07|\x7f|\r|\xc2[\x80-\x9f]|\xe2\x80[\x8e\x8f\xa8-\xae]|\xe2\x81[\xa6-\xa9]|\xd8\x9c' "$1"; then
		fail "$2 printed raw control characters: $(od -c "$1" | head -20)"
	fi
}

# ---- (a) refused at the server ----
expect_rc 0 as admin card add --first Анна --last Иванова --phone '+7 846 100-00-00'
ID=$OUT
printf 'manager-pass-1\n' >"$T/mpw"
expect_rc 0 as admin field add hobby --type text
# notes are lines of text: newlines and tabs are fine there, nothing else is
expect_rc 0 as admin card edit "$ID" --set "notes=$(printf 'first line\n\tsecond line')"
expect_rc 0 as admin --json card show "$ID"
BEFORE=$OUT
expect_rc 0 as admin --json audit
AUDIT_BEFORE=$(jq length <<<"$OUT")

refused() { # field what kart-args...
	local field=$1 what=$2
	shift 2
	expect_rc 2 as admin "$@"
	one_line "$ERR"
	contains "$ERR" "$field"
	contains "$ERR" "$what"
}
# C0 (escape sequences), positions counted in characters
refused first_name "U+001B (escape) at character 3" card edit "$ID" --set "first_name=Ан${ESC}[31mна"
refused city "U+000D (carriage return) at character 4" card edit "$ID" --set "city=Сам${CR}ара"
refused tags "U+0007 (bell)" card edit "$ID" --set "tags=vip,a${BEL}"
refused address "U+007F (delete)" card edit "$ID" --set "address=ул. Ленина${DEL}"
refused notes "U+001B (escape) at character 7" card edit "$ID" --set "notes=$(printf 'line\n\t\e]52;c;Zm9v\a')"
refused position "U+0009 (tab)" card edit "$ID" --set "position=$(printf 'a\tb')"
refused last_name "U+000A (line break)" card edit "$ID" --set "last_name=$(printf 'a\nb')"
# C1
refused last_name "U+009B (C1 control CSI) at character 2" card edit "$ID" --set "last_name=И${CSI1}31m"
refused company "U+0085 (next line)" card add --company "ООО${NEL}Ромашка"
refused messengers "U+009B" card edit "$ID" --set "messengers=telegram:@a${CSI1}2J"
# bidirectional formatting
refused company "U+202E (right-to-left override) at character 1" card edit "$ID" --set "company=${RLO}ООО"
refused phones "U+200E (left-to-right mark)" card edit "$ID" --set "phones=+7 846 ${LRM}100-00-01"
refused emails "U+2066 (left-to-right isolate)" card edit "$ID" --set "emails=${LRI}a@b.ru"
refused hobby "U+061C (Arabic letter mark)" card edit "$ID" --set "hobby=x${ALM}y"
# and in the other things that keep text: relatives, timeline, deals,
# reminders, segments, teams, field definitions
refused name "U+202E" card rel add "$ID" --name "${RLO}Анна" --relation spouse
refused note "U+001B" card rel add "$ID" --name Анна --relation spouse --note "x${ESC}[2J"
refused text "U+009B" log "$ID" call --text "звонок${CSI1}31m"
refused text "U+001B" remind "$ID" --at '+2h' --text "позвонить${ESC}[5m"
refused title "U+2067 (right-to-left isolate)" deal add "$ID" --title "${RLI}сделка"
refused name "U+000D" segment save "hot${CR}cold" 'sector = hot'
refused team "U+202E" user add bob --role manager --team "${RLO}sales" --password-file "$T/mpw"
# invisible characters that make a team or a name look like another
refused team "U+200B (zero-width space)" user add bob --role manager --team "north"$'\xe2\x80\x8b' --password-file "$T/mpw"
refused first_name "U+E0041 (tag character)" card edit "$ID" --set "first_name="$'\xf3\xa0\x81\x81'"Анна"
refused first_name "U+FEFF" card edit "$ID" --set "first_name="$'\xef\xbb\xbf'"Анна"
refused values "U+001B" field add level --type enum --values "a,b${ESC}[31m"
refused tab "U+0085" field add level --type text --tab "main${NEL}"
# nothing was stored
expect_rc 0 as admin --json card show "$ID"
[[ $OUT == "$BEFORE" ]] || fail "a refused edit changed the card: $OUT"
expect_rc 0 as admin --json timeline "$ID"
[[ $(jq 'if type == "array" then length else (.entries | length) end' <<<"$OUT") == 0 ]] || fail "timeline: $OUT"
expect_rc 0 as admin --json segment ls
[[ $(jq 'if type == "array" then length else (.segments | length) end' <<<"$OUT") == 0 ]] || fail "segments: $OUT"
expect_rc 4 as admin user passwd bob --password-file "$T/mpw"

# ---- (c) text stored before the rule is shown with its controls visible ----
# Cards, history, timeline, deals, reminders, segments and the audit trail get
# placeholders of the same byte length through the API; with kartd stopped the
# placeholders are replaced in the database file by the hostile text.
P_FIRST="${ESC}]52;c;Zm9v${BEL}Ann"      # OSC 52: writes the clipboard
P_LAST="${RLO}avonavI"                    # reads backwards
P_COMPANY="${CSI1}31mRed"                 # C1 CSI: colours
P_CITY="Sam${CR}ara${ESC}[2K"             # returns and erases the line
P_CITY2="${LRI}Tol${DEL}yatti"
P_NOTES="$(printf 'line one\n')${ESC}[8mhidden"
P_LOG="${NEL}${ESC}]0;title${BEL}"
P_DEAL="${RLI}deal${ALM}"
P_REMIND="call${ESC}[5mnow"
P_EXPR="${CR}"                            # a segment shown one way, matching another
# a placeholder as long (in bytes) as the text it stands for
placeholder() { # LETTER TEXT
	local n
	n=$(LC_ALL=C; printf '%s' "$2" | wc -c)
	printf "%${n}s" '' | tr ' ' "$1"
}
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }

F=$(placeholder Q "$P_FIRST")
L=$(placeholder W "$P_LAST")
C=$(placeholder X "$P_COMPANY")
CI=$(placeholder Y "$P_CITY")
CI2=$(placeholder V "$P_CITY2")
NO=$(placeholder U "$P_NOTES")
LO=$(placeholder K "$P_LOG")
DE=$(placeholder J "$P_DEAL")
RE=$(placeholder H "$P_REMIND")
EX=$(placeholder G "$P_EXPR")
expect_rc 0 as admin card add --first "$F" --last "$L" --company "$C" --city "$CI" --notes "$NO" \
	--phone '+7 846 200-00-00' --sector hot
ID2=$OUT
expect_rc 0 as admin card edit "$ID2" --set "city=$CI2"
expect_rc 0 as admin log "$ID2" call --text "$LO"
expect_rc 0 as admin deal add "$ID2" --title "$DE"
expect_rc 0 as admin remind "$ID2" --at '-1h' --past --text "$RE"
expect_rc 0 as admin segment save hot "city = \"a${EX}b\""

stop_kartd
subst_all() { # placeholder text
	local db
	for db in cards history timeline deals reminders segments audit; do
		"$DBTOOL" "$T/inst/db" subst "$db" "$(hex "$1")" "$(hex "$2")" >/dev/null || fail "dbtool subst $db"
	done
}
subst_all "$F" "$P_FIRST"
subst_all "$L" "$P_LAST"
subst_all "$C" "$P_COMPANY"
subst_all "$CI" "$P_CITY"
subst_all "$CI2" "$P_CITY2"
subst_all "$NO" "$P_NOTES"
subst_all "$LO" "$P_LOG"
subst_all "$DE" "$P_DEAL"
subst_all "$RE" "$P_REMIND"
subst_all "$EX" "$P_EXPR"
start_kartd

# the planted text is really there: JSON carries it, escaped
expect_rc 0 as admin --json card show "$ID2"
[[ $(jq -r .first_name <<<"$OUT") == "$P_FIRST" && $(jq -r .city <<<"$OUT") == "$P_CITY2" ]] ||
	fail "the planted text is not in the card: $OUT"
no_raw_controls "$T/out" "card show --json"
contains "$OUT" '\u001B]52;c;Zm9v\u0007Ann'
contains "$OUT" '\u202EavonavI'
contains "$OUT" '\u009B31mRed'
contains "$OUT" '\u2066Tol\u007Fyatti'

shown() { # what kart-args...: the output holds no raw control
	local what=$1
	shift
	expect_rc 0 as admin "$@"
	no_raw_controls "$T/out" "$what"
}
shown "card show" card show "$ID2"
[[ $OUT == *'First name:'* || $OUT == *'Имя:'* ]] || fail "card show labels: $OUT"
contains "$OUT" '^[]52;c;Zm9v^GAnn'
contains "$OUT" '<U+202E>avonavI'
contains "$OUT" '<U+009B>31mRed'
contains "$OUT" '<U+2066>Tol^?yatti'
contains "$OUT" '^[[8mhidden'
shown "card ls" card ls
contains "$OUT" '<U+202E>avonavI'
shown "ls" ls 'sector = hot'
contains "$OUT" '<U+009B>31mRed'
shown "find" find '+7 846 200-00-00'
contains "$OUT" '<U+202E>avonavI'
shown "card history" card history "$ID2"
contains "$OUT" "'Sam^Mara^[[2K' -> '<U+2066>Tol^?yatti'"
shown "timeline" timeline "$ID2"
contains "$OUT" '<U+0085>^[]0;title^G'
shown "deal ls" deal ls
contains "$OUT" '<U+2067>deal<U+061C>'
shown "today" today
contains "$OUT" 'call^[[5mnow'
shown "audit" audit
contains "$OUT" '<U+202E>avonavI'
shown "segment ls" segment ls
contains "$OUT" 'a^Mb'
shown "segment show" segment show hot
contains "$OUT" 'city = "a^Mb"'
for args in "card ls" "card history $ID2" "timeline $ID2" "deal ls" "today" "audit" "segment ls" "ls"; do
	# shellcheck disable=SC2086
	shown "$args --json" --json $args
done
# an export to standard output: raw when piped (it is data), visible on a terminal
expect_rc 0 as admin export --where 'sector = hot'
[[ $OUT == *"$P_FIRST"* ]] || fail "a piped export changed the data: $OUT"
if command -v script >/dev/null; then
	KART_HOME=$T/home-admin script -qec "'$KART' -s '$SERVER' --ca '$CA' export --where 'sector = hot'" \
		"$T/typescript" >/dev/null || fail "export on a terminal failed: $(cat "$T/typescript")"
	# the terminal's own CR before each LF aside
	if LC_ALL=C grep -qaP '\x1b|\x07|\x7f|\xc2[\x80-\x9f]|\xe2\x80[\x8e\x8f\xa8-\xae]|\xe2\x81[\xa6-\xa9]|\xd8\x9c' \
		"$T/typescript"; then
		fail "an export shown on a terminal has raw controls: $(od -c "$T/typescript" | head -30)"
	fi
	contains "$(cat "$T/typescript")" '^[]52;c;Zm9v^GAnn'
	contains "$(cat "$T/typescript")" '<U+202E>avonavI'
fi
# an error that quotes stored text: visible too
expect_rc 4 as admin segment show "nothing${RLO}here"
no_raw_controls "$T/err" "an error"
echo "ok terminal"
