#!/usr/bin/env bash
# -DENABLE_NLS=OFF: kart and kart-tui build without gettext (configured and
# built here, in a temp dir, from this source tree), call none of it, and kart
# speaks English with ISO dates and 125,000.50 RUB even under LANG=ru_RU.UTF-8,
# against a real kartd.
. "$(dirname "$0")/lib.sh"
: "${CMAKE:?CMAKE must point to cmake}"
src=$(cd "$(dirname "$0")/../.." && pwd)

"$CMAKE" -S "$src" -B "$T/build" -DENABLE_NLS=OFF -DBUILD_TESTING=OFF -DCMAKE_BUILD_TYPE=Debug -DKART_WERROR=ON \
	>"$T/configure.out" 2>&1 || fail "configure without NLS: $(tail -n 20 "$T/configure.out")"
"$CMAKE" --build "$T/build" -j2 --target kart kart-tui >"$T/build.out" 2>&1 ||
	fail "build without NLS: $(tail -n 30 "$T/build.out")"
[[ ! -e $T/build/locale ]] || fail "a build without NLS compiled catalogs"
gettext_calls() { nm -D --undefined-only "$1" | grep -E ' (d?c?n?gettext|bindtextdomain|bind_textdomain_codeset|textdomain)(@|$)' || true; }
if command -v nm >/dev/null 2>&1; then
	for bin in kart kart-tui; do
		[[ -z $(gettext_calls "$T/build/$bin") ]] || fail "$bin without NLS calls gettext: $(gettext_calls "$T/build/$bin")"
	done
	# the same check sees them in the NLS build
	[[ -n $(gettext_calls "$KART") || $(LANG=ru_RU.UTF-8 "$KART" --help) == "$("$KART" --help)" ]] ||
		fail "the check finds no gettext in the NLS build's kart"
fi

KART=$T/build/kart
expect_rc 0 env LANG=ru_RU.UTF-8 "$KART" --help
[[ $OUT == "usage: kart "* && $OUT != *карточ* ]] || fail "kart without NLS is not English under ru_RU: $OUT"
init_instance
start_kartd
login_admin
expect_rc 0 as admin card add --first Пётр --last Ёжиков --birthday 1980-12-05
id=$OUT
expect_rc 0 as admin log "$id" purchase --amount 125000.50 --text 'котёл' --at '2026-12-01 09:05'
expect_rc 0 env LANG=ru_RU.UTF-8 TZ=UTC KART_HOME="$T/home-admin" "$KART" -s "$SERVER" --ca "$CA" timeline "$id"
contains "$OUT" "2026-12-01 09:05"
contains "$OUT" "125,000.50 RUB"
expect_rc 0 env LANG=ru_RU.UTF-8 TZ=UTC KART_HOME="$T/home-admin" "$KART" -s "$SERVER" --ca "$CA" card show "$id"
contains "$OUT" "Birthday:"
contains "$OUT" "1980-12-05"
echo "ok"
