# Shared helpers for the integration tests: a real kartd in a temp dir on a
# free loopback port, driven through the kart binary.
# Needs KARTD and KART (paths to the built binaries) in the environment.
set -euo pipefail

: "${KARTD:?KARTD must point to the kartd binary}"
: "${KART:?KART must point to the kart binary}"
: "${HOSTILE:?HOSTILE must point to kart-hostile}"
: "${KART_BENCH:?KART_BENCH must point to kart-bench}"

# One locale for every test, whatever the caller's: the CSV delimiter and the
# card labels follow it, and a test that wants another sets it per command.
unset LC_ALL LC_NUMERIC LC_MESSAGES LC_CTYPE LANGUAGE
export LANG=C.UTF-8

T=$(mktemp -d "${TMPDIR:-/tmp}/kart-test.XXXXXX")
KARTD_PID=
# The daemon still running at the end is stopped like any other time: a test
# that passed fails if kartd does not exit cleanly (under ASan, a leak).
# cleanup [STATUS]: the test's status, $? unless given (a trap of a test's own
# passes it: under set -e, `(exit 1)` before it would end the trap there).
cleanup() {
	local st=${1:-$?} rc=0
	if [[ -n $KARTD_PID ]]; then
		# also a kartd that died on its own during a test that passed
		kill -TERM "$KARTD_PID" 2>/dev/null || true
		wait "$KARTD_PID" 2>/dev/null || rc=$?
	fi
	if [[ $st -eq 0 && $rc -ne 0 ]]; then
		echo "FAIL: kartd exited with $rc on SIGTERM at the end" >&2
		tail -n 40 "$T/kartd.err" >&2 2>/dev/null || true
		st=1
	fi
	[[ -n ${KEEP_T:-} ]] || rm -rf "$T" # KEEP_T=1 keeps it, to read a failed run
	exit "$st"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	if [[ -f $T/kartd.err ]]; then
		echo "--- kartd log (last 30 lines) ---" >&2
		tail -n 30 "$T/kartd.err" >&2
	fi
	exit 1
}

# init_instance [extra config lines...]
# Password hashes are cheap in a test instance (argon2id with 64 KiB, one pass):
# every user add, login and start hashes, and no test but those about hashing is
# about its cost. Such a test gives the real costs back among its own lines
# (REAL_HASH_COSTS), which come after these and so win. (The admin's password is
# hashed by kartd init, with the defaults, before these lines are written.)
REAL_HASH_COSTS=("argon2_memory_kib = 19456" "argon2_iterations = 2")
init_instance() {
	"$KARTD" init --data "$T/inst" --listen 127.0.0.1:0 >"$T/init.out" || fail "kartd init"
	printf 'argon2_memory_kib = 64\nargon2_iterations = 1\n' >>"$T/inst/kartd.conf"
	local line
	for line in "$@"; do
		echo "$line" >>"$T/inst/kartd.conf"
	done
	CA=$T/inst/tls/ca.pem
	ADMIN_PW=$T/inst/admin.password
}

# start_kartd [kartd run options...]: without --config, an empty file of the test's own
# stands for the site's (a test never reads /etc/kartoteka/kartd.conf)
start_kartd() {
	rm -f "$T/kartd.out" # a restart must not read the previous run's address
	if [[ " $* " != *" --config "* ]]; then
		: >"$T/no-site.conf"
		set -- --config "$T/no-site.conf" "$@"
	fi
	"$KARTD" run --data "$T/inst" "$@" >"$T/kartd.out" 2>"$T/kartd.err" &
	KARTD_PID=$!
	local i
	for i in $(seq 1 200); do
		if grep -q '^kartd listening on ' "$T/kartd.out" 2>/dev/null; then
			SERVER=$(sed -n 's/^kartd listening on //p' "$T/kartd.out")
			return 0
		fi
		kill -0 "$KARTD_PID" 2>/dev/null || fail "kartd exited during start"
		sleep 0.05
	done
	fail "kartd did not start"
}

stop_kartd() {
	kill -TERM "$KARTD_PID"
	local rc=0
	wait "$KARTD_PID" || rc=$?
	KARTD_PID=
	[[ $rc -eq 0 ]] || fail "kartd exited with $rc on SIGTERM"
}

# as USER kart-args...   (each user has its own KART_HOME)
as() {
	local who=$1
	shift
	KART_HOME=$T/home-$who "$KART" -s "$SERVER" --ca "$CA" "$@"
}

# expect_rc CODE command...   runs the command, checks its exit code; output in $OUT / $ERR
expect_rc() {
	local want=$1
	shift
	local rc=0
	"$@" >"$T/out" 2>"$T/err" || rc=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
	if [[ $rc -ne $want ]]; then
		fail "'$*' exited $rc, expected $want; stdout: $OUT; stderr: $ERR"
	fi
}

# contains HAYSTACK NEEDLE
contains() {
	[[ $1 == *"$2"* ]] || fail "expected to find '$2' in: $1"
}

# one_line TEXT: an error is one clear line
one_line() {
	[[ $(printf '%s' "$1" | wc -l) -eq 0 && -n $1 ]] || fail "expected one line of error, got: $1"
}

login_admin() {
	expect_rc 0 as admin login admin --password-file "$ADMIN_PW"
}

# wait_json TEST CMD...: runs CMD until its output satisfies the jq TEST (~3 s at most)
wait_json() {
	local test=$1
	shift
	local i
	for i in $(seq 1 30); do
		if "$@" >"$T/out" 2>"$T/err" && jq -e "$test" "$T/out" >/dev/null 2>&1; then
			OUT=$(cat "$T/out")
			return 0
		fi
		sleep 0.1
	done
	fail "'$*' never satisfied $test: $(cat "$T/out") $(cat "$T/err")"
}

# import_teams: the import tests' cast — man (north, may import) and man2
# (south), logged in; A, man's card Иванов Иван (+7 916 111-22-33,
# ivan@example.ru, Ромашка); S, man2's card Южный (+7 916 999-88-77)
import_teams() {
	printf 'password-123\n' >"$T/pw"
	expect_rc 0 as admin user add man --role manager --team north --password-file "$T/pw"
	expect_rc 0 as admin user add man2 --role manager --team south --password-file "$T/pw"
	for u in man man2; do expect_rc 0 as "$u" login "$u" --password-file "$T/pw"; done
	expect_rc 0 as admin user grant man import

	expect_rc 0 as man card add --last Иванов --first Иван --phone "+7 916 111-22-33" --email ivan@example.ru --company Ромашка
	A=$OUT
	expect_rc 0 as man2 card add --last Южный --phone "+7 916 999-88-77" --email south@example.ru
	S=$OUT
}

# report_cast: the report tests' cast — man (team north) and man2 (team south),
# managers, logged in with the password in $T/pw
report_cast() {
	printf 'password-123\n' >"$T/pw"
	expect_rc 0 as admin user add man --role manager --team north --password-file "$T/pw"
	expect_rc 0 as admin user add man2 --role manager --team south --password-file "$T/pw"
	local u
	for u in man man2; do expect_rc 0 as $u login $u --password-file "$T/pw"; done
}

# add WHO card-add-options...: adds a card as WHO and prints its id
add() {
	local who=$1
	shift
	expect_rc 0 as "$who" card add "$@"
	printf '%s' "$OUT"
}
