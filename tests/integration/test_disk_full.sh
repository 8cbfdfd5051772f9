#!/usr/bin/env bash
# A full disk: the database lives on a small tmpfs that is filled up. A write
# that cannot be saved is refused as UNAVAILABLE saying the disk is full (not
# "internal error"), and the log says so too; once space is freed the daemon
# writes again, and nothing that was acknowledged is lost, then or after a
# restart.
. "$(dirname "$0")/lib.sh"
mkdir "$T/small"
if ! mount -t tmpfs -o size=8m tmpfs "$T/small" 2>"$T/mount.err"; then
	echo "skipped: cannot mount a tmpfs here ($(cat "$T/mount.err"))"
	exit 0
fi
# unmounted before the temp dir goes (lazily: kartd may still hold it open)
trap 'st=$?; set +e; umount -l "$T/small" 2>/dev/null; cleanup $st' EXIT

init_instance
mv "$T/inst/db" "$T/small/db"
ln -s "$T/small/db" "$T/inst/db"
start_kartd
login_admin

NOTES=$(head -c 9000 /dev/zero | tr '\0' 'n')
acked=()
for i in $(seq 1 5); do
	expect_rc 0 as admin card add --first "Карта$i" --phone "+7 846 300-00-0$i" --notes "$NOTES"
	acked+=("$OUT")
done

# Fills the filesystem but for ROOM bytes, then writes until one is refused
# (writes that fit in pages freed earlier may still pass). With some room a
# commit gets a short write, which LMDB reports as EIO; with none, ENOSPC or
# EIO. WHY: the start of the log's words for it.
fill_and_refuse() { # ROOM WHY
	dd if=/dev/zero of="$T/small/filler" bs=64k 2>/dev/null || true
	[[ $(df --output=avail "$T/small" | tail -1 | tr -d ' ') -lt 64 ]] || fail "the tmpfs did not fill up"
	truncate -s "-$1" "$T/small/filler"
	local i rc refused=0
	for i in $(seq 1 40); do
		rc=0
		as admin card add --first "Полная$i" --phone "+7 846 400-00-$((10 + i))" --notes "$NOTES" \
			>"$T/out" 2>"$T/err" || rc=$?
		if [[ $rc -eq 0 ]]; then
			acked+=("$(cat "$T/out")")
			continue
		fi
		ERR=$(cat "$T/err")
		[[ $rc -eq 1 ]] || fail "a write on a full disk exited $rc: $ERR"
		one_line "$ERR"
		contains "$ERR" "disk is full"
		[[ $ERR != *"internal error"* ]] || fail "a full disk is reported as an internal error: $ERR"
		refused=1
		break
	done
	[[ $refused -eq 1 ]] || fail "no write was refused on a full disk (room $1)"
	grep -qF "the disk holding the database is full ($2" "$T/kartd.err" ||
		fail "the log does not say the disk is full ($2): $(tail -5 "$T/kartd.err")"
	! grep -q 'internal error' "$T/kartd.err" || fail "the log reports a full disk as an internal error"
	# reads go on meanwhile
	expect_rc 0 as admin card show "${acked[0]}"
	kill -0 "$KARTD_PID" || fail "kartd died on a full disk"
	rm -f "$T/small/filler"
}
fill_and_refuse 16K "Input/output error"
expect_rc 0 as admin card add --first Между --phone '+7 846 500-00-02' --notes "$NOTES"
acked+=("$OUT")
fill_and_refuse 0 ""

# space freed: writes are served again
expect_rc 0 as admin card add --first После --phone '+7 846 500-00-01' --notes "$NOTES"
acked+=("$OUT")
expect_rc 0 as admin card edit "${acked[0]}" --set city=Самара

# nothing acknowledged is lost, now and after a restart
check_acked() {
	local id
	for id in "${acked[@]}"; do
		expect_rc 0 as admin --json card show "$id"
		[[ $(jq -r .notes <<<"$OUT") == "$NOTES" ]] || fail "card $id lost its notes"
	done
	expect_rc 0 as admin --json card show "${acked[0]}"
	[[ $(jq -r .city <<<"$OUT") == Самара ]] || fail "the edit after freeing space was lost"
}
check_acked
stop_kartd
start_kartd
check_acked
echo "ok disk full (${#acked[@]} writes acknowledged)"
