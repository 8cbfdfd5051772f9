#!/usr/bin/env bash
# Backups while serving: `kart admin backup` streams a consistent copy of the
# database while cards are being written, and `kartd backup` makes one
# locally beside the running kartd; `kartd restore` into a new directory gives
# a base holding every card acknowledged before the backup began, whose
# audit chain verifies and whose indexes check; `kartd verify-backup` checks
# the same without restoring. A damaged or truncated file, a wrong audit key
# and a directory in use are refused; a non-admin may not back up.
. "$(dirname "$0")/lib.sh"
export TMPDIR=$T # verify-backup unpacks below it (else /var/tmp)

R_PID=
trap 'st=$?; [[ -z $R_PID ]] || kill -TERM "$R_PID" 2>/dev/null || true; cleanup $st' EXIT

init_instance
# init says what must be kept besides the database
contains "$(cat "$T/init.out")" "$T/inst/audit.key"
contains "$(cat "$T/init.out")" "$T/inst/tls/ca.key"
start_kartd
login_admin
printf 'password-123\n' >"$T/pw"
expect_rc 0 as admin user add masha --role manager --password-file "$T/pw"
expect_rc 0 as masha login masha --password-file "$T/pw"

# ---- a write load: masha adds cards one after another; each id is written
# down once its add was acknowledged
: >"$T/acked"
load() {
	local i=0 id
	while [[ ! -e $T/stop ]]; do
		i=$((i + 1))
		id=$(as masha card add --first "Load$i" --last Writer --phone "+7 900 $(printf %07d $i)" --tag load) || return 1
		echo "$id" >>"$T/acked"
	done
}
load &
LOAD_PID=$!
acked() { wc -l <"$T/acked"; }
wait_acked() {
	local want=$1 i
	for i in $(seq 1 300); do
		(($(acked) >= want)) && return 0
		kill -0 "$LOAD_PID" 2>/dev/null || fail "the write load stopped"
		sleep 0.05
	done
	fail "the write load acknowledged only $(acked) cards"
}
wait_acked 15

# the ids acknowledged before each backup began must all be in it
cp "$T/acked" "$T/before-net"
expect_rc 0 as admin admin backup -o "$T/net.kbk"
contains "$ERR" "backup: "
contains "$ERR" "$T/net.kbk"
[[ ! -e $(ls "$T"/net.kbk.part-* 2>/dev/null | head -1) ]] || fail "a partial file was left"
n_before=$(acked)
wait_acked $((n_before + 5)) # the load went on while and after it was taken
cp "$T/acked" "$T/before-local"
expect_rc 0 "$KARTD" backup --data "$T/inst" -o "$T/local.kbk"
contains "$OUT" "audit head"
wait_acked $(($(wc -l <"$T/before-local") + 3))
touch "$T/stop"
wait "$LOAD_PID" || fail "the write load failed"

# both recorded in the audit trail: who, and the head the copy ends at
expect_rc 0 as admin --json audit --action backup
jq -e 'map(select(.action == "backup")) | length == 1 and .[0].user == "admin" and .[0].ok and
	(.[0].summary | test("audit head [0-9]+:"))' <<<"$OUT" >/dev/null || fail "backup not audited: $OUT"
jq -e 'map(select(.action == "backup.start")) | length == 1' <<<"$OUT" >/dev/null || fail "backup.start not audited: $OUT"

# ---- a non-admin may not
expect_rc 3 as masha admin backup -o "$T/masha.kbk"
one_line "$ERR"
[[ ! -e $T/masha.kbk ]] || fail "a refused backup left a file"

# ---- verify-backup: checksum, chain, indexes
for f in net local; do
	expect_rc 0 "$KARTD" verify-backup "$T/$f.kbk" --key "$T/inst/audit.key"
	contains "$OUT" "SHA-256 matches"
	contains "$OUT" "audit chain: intact"
	contains "$OUT" "every entry in place"
done

# ---- restore, then a kartd on the restored base holds every acknowledged card
expect_rc 1 "$KARTD" restore "$T/net.kbk" --data "$T/inst" --key "$T/inst/audit.key"
contains "$ERR" "not empty"
expect_rc 2 "$KARTD" restore "$T/net.kbk" --data "$T/r"
contains "$ERR" "--key"
[[ ! -e $T/r ]] || fail "a refused restore left $T/r"
# a directory whose owner put links where restore writes (root restores into
# the service user's directory): refused, and nothing written through them
mkdir -p "$T/lnk" "$T/elsewhere"
echo precious >"$T/elsewhere/file"
for what in audit.key db kartd.conf tls; do
	ln -s "$T/elsewhere/file" "$T/lnk/$what"
	expect_rc 1 "$KARTD" restore "$T/net.kbk" --data "$T/lnk" --key "$T/inst/audit.key"
	contains "$ERR" "not empty"
	rm "$T/lnk/$what"
done
[[ $(cat "$T/elsewhere/file") == precious && ! -e $T/lnk/db ]] || fail "restore wrote through a link"
# restored: the key put in place, the instance's files copied back, a kartd
# started on it holds every card acknowledged before the backup began, its
# chain verifies and its indexes check
check_restored() {
	local file=$1 dir=$2 before=$3 i
	expect_rc 0 "$KARTD" restore "$file" --data "$dir" --key "$T/inst/audit.key"
	contains "$OUT" "audit chain: intact"
	contains "$OUT" "restored into $dir"
	cmp -s "$dir/audit.key" "$T/inst/audit.key" || fail "the key was not put in place"
	cp -r "$T/inst/tls" "$T/inst/kartd.conf" "$dir/"
	"$KARTD" run --data "$dir" --listen 127.0.0.1:0 >"$T/r.out" 2>"$T/r.err" &
	R_PID=$!
	for i in $(seq 1 200); do
		grep -q '^kartd listening on ' "$T/r.out" 2>/dev/null && break
		kill -0 "$R_PID" 2>/dev/null || fail "kartd on the restored base exited: $(cat "$T/r.err")"
		sleep 0.05
	done
	RSERVER=$(sed -n 's/^kartd listening on //p' "$T/r.out")
	[[ -n $RSERVER ]] || fail "kartd on the restored base did not start"
	rm -rf "$T/home-r"
	expect_rc 0 ras login admin --password-file "$ADMIN_PW"
	expect_rc 0 ras --json card ls
	jq -r '.[].id' <<<"$OUT" | sort >"$T/restored"
	local missing
	missing=$(sort "$before" | comm -23 - "$T/restored")
	[[ -z $missing ]] || fail "acknowledged before the backup, missing from $file: $missing"
	expect_rc 0 ras audit verify
	expect_rc 0 ras admin reindex --check
	contains "$OUT" "missing index entries: 0, extra: 0"
	kill -TERM "$R_PID"
	wait "$R_PID" || fail "kartd on the restored base exited with $? on SIGTERM"
	R_PID=
}
ras() { KART_HOME=$T/home-r "$KART" -s "$RSERVER" --ca "$CA" "$@"; }
(($(wc -l <"$T/before-net") >= 15)) || fail "too few writes before the backup"
check_restored "$T/net.kbk" "$T/r" "$T/before-net"
check_restored "$T/local.kbk" "$T/r2" "$T/before-local"

# ---- a wrong key is refused unless --force
"$KARTD" init --data "$T/other" --listen 127.0.0.1:0 >/dev/null
expect_rc 1 "$KARTD" restore "$T/net.kbk" --data "$T/w" --key "$T/other/audit.key"
contains "$ERR" "does not verify"
[[ ! -e $T/w ]] || fail "a refused restore left $T/w"
expect_rc 1 "$KARTD" verify-backup "$T/net.kbk" --key "$T/other/audit.key"
contains "$OUT" "BROKEN"
expect_rc 0 "$KARTD" restore "$T/net.kbk" --data "$T/w" --key "$T/other/audit.key" --force
contains "$ERR" "WITHOUT a verified audit chain"

# ---- damaged (a byte flipped in the middle) and truncated files are refused
size=$(stat -c %s "$T/net.kbk")
mid=$((size / 2))
cp "$T/net.kbk" "$T/bad.kbk"
byte=$(od -An -tu1 -j "$mid" -N1 "$T/bad.kbk" | tr -d ' ')
printf "\\$(printf %03o $((byte ^ 255)))" | dd of="$T/bad.kbk" bs=1 seek="$mid" conv=notrunc 2>/dev/null
cmp -s "$T/net.kbk" "$T/bad.kbk" && fail "the byte did not change"
head -c $((size - 1000)) "$T/net.kbk" >"$T/short.kbk"
for f in bad short; do
	expect_rc 1 "$KARTD" restore "$T/$f.kbk" --data "$T/x-$f" --key "$T/inst/audit.key"
	one_line "$ERR"
	[[ ! -e $T/x-$f ]] || fail "a refused restore left $T/x-$f"
	expect_rc 1 "$KARTD" verify-backup "$T/$f.kbk" --key "$T/inst/audit.key"
done
expect_rc 1 "$KARTD" verify-backup "$T/bad.kbk" --key "$T/inst/audit.key"
contains "$ERR" "damaged: the SHA-256 checksum does not match"
expect_rc 1 "$KARTD" verify-backup "$T/short.kbk" --key "$T/inst/audit.key"
contains "$ERR" "truncated"
echo "PASS test_backup"
