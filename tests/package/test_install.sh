# `cmake --install` of this build: into a prefix ($T/root) and, as a package
# builder does, under DESTDIR with the prefix /usr. The layout: kartd in sbin,
# kart and kart-tui in bin, the units naming the installed kartd, the
# sysusers.d entry, man pages, completions, the Russian catalog; the installed
# binaries run. (cmake writes its install_manifest.txt into the build dir.)
source "$(dirname "$0")/lib.sh"
: "${BUILD_DIR:?BUILD_DIR must point to the build directory}"
: "${SRC:?SRC must point to the source tree}"

# check_layout ROOT PREFIX: the files under ROOT for an install to PREFIX
check_layout() {
	local root=$1 prefix=$2 f unit
	for f in sbin/kartd bin/kart bin/kart-tui; do
		[[ -x $root$prefix/$f ]] || fail "$prefix/$f was not installed"
	done
	for f in lib/sysusers.d/kartd.conf share/man/man1/kart.1 share/man/man1/kart-tui.1 \
		share/man/man5/kartd.conf.5 share/man/man8/kartd.8 share/bash-completion/completions/kart \
		share/zsh/vendor-completions/_kart share/locale/ru/LC_MESSAGES/kartoteka.mo; do
		[[ -s $root$prefix/$f ]] || fail "$prefix/$f was not installed"
	done
	cmp -s "$SRC/systemd/sysusers.d/kartd.conf" "$root$prefix/lib/sysusers.d/kartd.conf" ||
		fail "the sysusers.d entry differs from systemd/sysusers.d/kartd.conf"
	for unit in "$SRC"/systemd/*.service "$SRC"/systemd/*.timer; do
		[[ -e $unit ]] || continue
		f=$root$prefix/lib/systemd/system/${unit##*/}
		[[ -s $f ]] || fail "${unit##*/} was not installed"
		! grep -q /usr/local/bin "$f" || fail "${unit##*/} still names /usr/local/bin: $(grep /usr/local/bin "$f")"
		# the unit as shipped, but for the binary's path
		diff <(sed "s|$prefix/sbin/kartd|/usr/local/bin/kartd|g; s|$prefix/bin/kart|/usr/local/bin/kart|g" "$f") "$unit" >/dev/null ||
			fail "${unit##*/} differs from the source beyond the binary's path"
	done
	grep -qx "ExecStart=$prefix/sbin/kartd run --data /var/lib/kartd" "$root$prefix/lib/systemd/system/kartd.service" ||
		fail "kartd.service: ExecStart is not $prefix/sbin/kartd: $(grep ExecStart= "$root$prefix/lib/systemd/system/kartd.service")"
}

cmake --install "$BUILD_DIR" --prefix "$T/root" >"$T/install.log" 2>&1 || fail "cmake --install: $(tail -3 "$T/install.log")"
check_layout "" "$T/root"
"$T/root/sbin/kartd" --version | grep -q '^kartd ' || fail "the installed kartd does not run"
"$T/root/bin/kart" --version | grep -q '^kart ' || fail "the installed kart does not run"
# the installed man page is the generated one, and man reads it
MANWIDTH=80 man -l "$T/root/share/man/man8/kartd.8" | grep -q 'kartd init' || fail "man -l on the installed kartd(8)"

DESTDIR=$T/dest cmake --install "$BUILD_DIR" --prefix /usr >"$T/install.log" 2>&1 || fail "DESTDIR install: $(tail -3 "$T/install.log")"
check_layout "$T/dest" /usr
[[ -z $(find "$T/dest" -mindepth 1 -maxdepth 1 ! -name usr) ]] || fail "a DESTDIR install put files outside /usr: $(ls "$T/dest")"
echo "PASS: cmake --install lays out the binaries, units, sysusers entry, man pages, completions and catalog"
