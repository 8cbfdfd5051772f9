#!/usr/bin/env bash
# kart import over real contact files from other programs (Outlook, Gmail,
# iOS, Android, Thunderbird, Evolution, Yahoo, The Bat!...), read where they
# are kept beside the project and never copied into it: each file goes in or
# is refused with a reason, never half, and names come out decoded. Skips
# when the files are not there.
. "$(dirname "$0")/lib.sh"
if [[ -z ${CORPUS:-} || ! -d $CORPUS ]]; then
	echo "SKIP: the contact-file corpus is not at '${CORPUS:-}'"
	exit 0
fi
init_instance
start_kartd
login_admin

n=0
for f in "$CORPUS"/*.csv "$CORPUS"/*.vcf; do
	[[ -e $f ]] || continue
	n=$((n + 1))
	rc=0
	as admin import "$f" >"$T/out" 2>"$T/err" || rc=$?
	case $(basename "$f") in
	*shiftjis*)
		# not UTF-8, not Windows-1251/1252: refused, naming --encoding; no import left behind
		((rc == 1)) || fail "$f: exited $rc: $(cat "$T/out" "$T/err")"
		grep -q -- "--encoding" "$T/err" || fail "$f: $(cat "$T/err")"
		expect_rc 0 as admin --json imports
		[[ $(jq "[.[] | select(.files[0] == \"$f\")] | length" <<<"$OUT") == 0 ]] || fail "an unreadable file left an import: $OUT"
		expect_rc 0 as admin import --encoding shift_jis "$f"
		;;
	*)
		((rc == 0 || rc == 7)) || fail "$f: exited $rc: $(cat "$T/out" "$T/err")"
		grep -q "^import [0-9]*: " "$T/out" || fail "$f: no summary: $(cat "$T/out")"
		;;
	esac
	# the summary's rows add up
	read -r created merged skipped failed rows < <(sed -n 's/^import [0-9]*: \([0-9]*\) created, \([0-9]*\) merged, \([0-9]*\) skipped, \([0-9]*\) failed, of \([0-9]*\) rows$/\1 \2 \3 \4 \5/p' "$T/out")
	((created + merged + skipped + failed == rows)) || fail "$f: counts do not add up: $(cat "$T/out")"
done
((n >= 30)) || fail "only $n files in the corpus"

found() { # TEXT FIELD VALUE: a find for TEXT gives a card whose FIELD is VALUE
	expect_rc 0 as admin --json find "$1"
	jq -e --arg f "$2" --arg v "$3" 'any(.[]; .[$f] == $v)' <<<"$OUT" >/dev/null || fail "find '$1': no $2 = '$3': $OUT"
}
found Weiß last_name Weiß                 # Windows-1252 CSV (tine20)
found Mustermann first_name Max           # Outlook, German, quoted
found Iksi first_name Piotr               # The Bat!, 8-bit quoted-printable without a charset
found Ľda first_name Ǽgean                # UTF-16BE vCard without a BOM
expect_rc 0 as admin --json find Baumann
jq -e 'any(.[]; .city == "Hamburg")' <<<"$OUT" >/dev/null || fail "Outlook 2013's city: $OUT"
# a multi-line address of a Google CSV becomes one line
expect_rc 0 as admin ls --where 'address contains ","' --count
((OUT >= 1)) || fail "no address made one line"
expect_rc 0 as admin whoami
echo "ok import corpus ($n files)"
