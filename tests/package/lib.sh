# Shared by the packaging tests: a temp dir ($T, removed at the end) and the
# command table as kart itself prints it (kart help, kart COMMAND --help),
# the independent account the generated man page and completions must match.
# Needs KART (the built kart) and DOC_DIR (where kart-gendocs wrote).
set -euo pipefail

: "${KART:?KART must point to the kart binary}"
: "${DOC_DIR:?DOC_DIR must point to the generated docs}"
export LANG=C.UTF-8
unset LC_ALL LC_MESSAGES LANGUAGE

T=$(mktemp -d "${TMPDIR:-/tmp}/kart-test.XXXXXX")
trap '[[ -n ${KEEP_T:-} ]] || rm -rf "$T"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

skip() {
	echo "SKIP: $*"
	exit 77
}

# Every command's name, one a line: the leading lowercase words of the lines
# under "Commands:" in `kart help`, before the gap to the summary.
kart_commands() {
	"$KART" help | awk '/^Commands:/ { on = 1; next } /^$/ { on = 0 }
		on && /^  [a-z]/ {
			sub(/^  /, ""); sub(/  .*/, "")
			name = ""
			for (i = 1; i <= NF && $i ~ /^[a-z][a-z-]*$/; i++)
				name = name (name == "" ? "" : " ") $i
			print name
		}'
}

# The options `kart COMMAND --help` lists (its own and the global ones), one a
# line, long and short forms.
kart_options() {
	# shellcheck disable=SC2086  # the command's words are separate arguments
	"$KART" $1 --help | grep -oE '^(  -[a-zA-Z], |      )--[a-z][a-z0-9-]*' |
		sed -E 's/^ +//; s/, /\n/'
}
