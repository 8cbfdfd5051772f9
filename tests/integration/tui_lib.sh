# Helpers for the kart-tui screen tests: kart-tui inside a tmux server of the
# test's own (a socket in $T), keys sent one by one, the screen read with
# capture-pane and polled until it holds (never a fixed sleep).
# Sourced after lib.sh; needs KART_TUI. A test without tmux skips.
if ! command -v tmux >/dev/null 2>&1; then
	echo "SKIP: tmux is not installed (scripts/deps.sh installs it)"
	exit 0
fi
: "${KART_TUI:?KART_TUI must point to kart-tui}"

SOCK=$T/tmux.0.sock
KEYS=0 # keystrokes sent by keys and typed, for the tests that count them
stop_tmux() { tmux -S "$SOCK" kill-server 2>/dev/null || true; }
# kart-tui's sanitizer reports (a build with ASan/UBSan) go to files, not to
# the tmux pane nobody reads: a test with any fails
TUI_SAN=$T/tui-sanitizer
tui_sanitizers() {
	local f
	for f in "$TUI_SAN".*; do
		[[ -e $f ]] || continue
		echo "FAIL: kart-tui's sanitizer report $f:" >&2
		cat "$f" >&2
		return 1
	done
}
trap 'st=$?; stop_tmux; tui_sanitizers || st=1; cleanup $st' EXIT

# start_tui HOME [LANG [COLSxROWS [ARGS...]]]: kart-tui as the user of HOME,
# connected to this test's kartd (checked by its CA; TUI_CA= leaves that to
# the session's pinned key, set empty), in a window of its own
TUI_RUNS=0
start_tui() {
	local home=$1 lang=${2:-ru_RU.UTF-8} size=${3:-80x24}
	shift $(($# < 3 ? $# : 3))
	# the one before goes; a new server on a socket of its own (one started
	# on the socket of one just killed can find it still going away)
	stop_tmux
	SOCK=$T/tmux.$((++TUI_RUNS)).sock
	tmux -S "$SOCK" -f /dev/null new-session -d -s tui -x "${size%x*}" -y "${size#*x}" \
		"env KART_HOME=$home LANG=$lang TZ=UTC TERM=xterm-256color \
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$TUI_SAN \
		UBSAN_OPTIONS=${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$TUI_SAN \
		$KART_TUI -s $SERVER ${TUI_CA-"--ca $CA"} $*; sleep 30"
}
# keys K...: each argument one keystroke (a tmux key name or one character)
keys() {
	local k
	for k in "$@"; do
		tmux -S "$SOCK" send-keys -t tui -- "$k"
		KEYS=$((KEYS + 1))
	done
}
# typed TEXT: one keystroke per character, sent literally
typed() {
	local i
	for ((i = 0; i < ${#1}; i++)); do
		tmux -S "$SOCK" send-keys -t tui -l -- "${1:i:1}"
		KEYS=$((KEYS + 1))
	done
}
screen() { tmux -S "$SOCK" capture-pane -p -t tui; }
# wait_for TEXT [SECONDS]: polls the screen until it shows TEXT (10 s unless told)
wait_for() {
	local i n=$((${2:-10} * 20))
	for ((i = 0; i < n; i++)); do
		[[ $(screen) == *"$1"* ]] && return 0
		sleep 0.05
	done
	fail "the screen never showed '$1'; it shows:
$(screen)"
}
# wait_all TEXT...: polls until the screen shows every TEXT at once (10 s)
wait_all() {
	local i t s ok
	for ((i = 0; i < 200; i++)); do
		s=$(screen)
		ok=1
		for t in "$@"; do
			[[ $s == *"$t"* ]] || ok=0
		done
		[[ $ok == 1 ]] && return 0
		sleep 0.05
	done
	fail "the screen never showed '$*'; it shows:
$s"
}
# wait_gone TEXT [SECONDS]: polls the screen until TEXT is no longer on it
wait_gone() {
	local i n=$((${2:-10} * 20))
	for ((i = 0; i < n; i++)); do
		[[ $(screen) != *"$1"* ]] && return 0
		sleep 0.05
	done
	fail "the screen still shows '$1':
$(screen)"
}
# resize COLS ROWS: the window takes the new size (kart-tui relays out on SIGWINCH)
resize() { tmux -S "$SOCK" resize-window -t tui -x "$1" -y "$2"; }
