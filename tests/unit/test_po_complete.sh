#!/usr/bin/env bash
# Every message kart and kart-tui show is translated: a fresh template, made by
# xgettext as the `pot` target makes it (cmake/pot.cmake), has no msgid that a
# po/LANG.po leaves untranslated or fuzzy, and msgfmt --check passes on each
# catalog. A _("new message") without its translation fails here.
#   test_po_complete.sh NLS SRC_DIR MSGFMT MSGCMP XGETTEXT [XGETTEXT_OPTIONS...] -- SOURCES...
set -euo pipefail

nls=$1 src=$2 msgfmt=$3 msgcmp=$4 xgettext=$5
shift 5
opts=()
while [[ $# -gt 0 && $1 != -- ]]; do
	opts+=("$1")
	shift
done
shift
for tool in "$msgfmt" "$msgcmp" "$xgettext"; do
	if ! [[ -x $tool ]]; then
		if [[ $nls != ON ]]; then
			echo "SKIP: gettext's tools are not installed and this build has no NLS"
			exit 77
		fi
		echo "FAIL: gettext's tools (xgettext, msgfmt, msgcmp) are needed to check po/*.po" >&2
		exit 1
	fi
done

T=$(mktemp -d "${TMPDIR:-/tmp}/kart-po.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$src"
"$xgettext" "${opts[@]}" -o "$T/kartoteka.pot" "$@"
nmsg=$(grep -c '^msgid ' "$T/kartoteka.pot")
((nmsg > 100)) || { echo "FAIL: xgettext found only $nmsg messages" >&2; exit 1; }
status=0
for po in po/*.po; do
	# msgcmp counts an untranslated or fuzzy message as missing
	if ! "$msgcmp" "$po" "$T/kartoteka.pot" 2>"$T/msgcmp.err"; then
		echo "FAIL: $po does not translate every message (add them: cmake --build build --target pot;" \
			"msgmerge --update --no-fuzzy-matching $po po/kartoteka.pot; then translate):" >&2
		grep -v 'this message is not used' "$T/msgcmp.err" >&2 || true
		status=1
	fi
	if ! "$msgfmt" --check --statistics -o "$T/$(basename "$po" .po).mo" "$po" 2>"$T/msgfmt.err"; then
		echo "FAIL: msgfmt --check $po:" >&2
		cat "$T/msgfmt.err" >&2
		status=1
	elif grep -qE 'fuzzy|untranslated' "$T/msgfmt.err"; then
		echo "FAIL: $po: $(cat "$T/msgfmt.err")" >&2
		status=1
	fi
done
[[ $status -ne 0 ]] || echo "ok: $nmsg messages, each translated in $(echo po/*.po)"
exit "$status"
