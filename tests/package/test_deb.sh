# `cpack -G DEB` of this build, into $T (never installed here): the package
# holds the binaries, the units naming /usr/sbin/kartd, the sysusers.d entry,
# man pages, completions and the catalog; declares Depends on the libraries
# the binaries link and on systemd; has the maintainer scripts. A build for
# another prefix than /usr is refused with a message saying how to configure.
source "$(dirname "$0")/lib.sh"
: "${BUILD_DIR:?BUILD_DIR must point to the build directory}"
command -v cpack >/dev/null || skip "cpack is not installed"
command -v dpkg-deb >/dev/null || skip "dpkg-deb is not installed"
command -v dpkg-shlibdeps >/dev/null || skip "dpkg-shlibdeps (dpkg-dev) is not installed"

prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$BUILD_DIR/CMakeCache.txt")
if [[ $prefix != /usr ]]; then
	! cpack -G DEB --config "$BUILD_DIR/CPackConfig.cmake" -B "$T/refused" >"$T/cpack.log" 2>&1 ||
		fail "cpack built a .deb for the prefix $prefix"
	grep -q 'DCMAKE_INSTALL_PREFIX=/usr' "$T/cpack.log" || fail "the refusal does not say how: $(cat "$T/cpack.log")"
fi
# this build's binaries, packaged for /usr (what a build configured for /usr gives)
cpack -G DEB --config "$BUILD_DIR/CPackConfig.cmake" -B "$T/pkg" -D CPACK_PACKAGING_INSTALL_PREFIX=/usr \
	>"$T/cpack.log" 2>&1 || fail "cpack: $(tail -5 "$T/cpack.log")"
debs=("$T"/pkg/kartoteka_*.deb)
[[ ${#debs[@]} -eq 1 && -s ${debs[0]} ]] || fail "no kartoteka_*.deb in $(ls "$T/pkg")"
deb=${debs[0]}

dpkg-deb -I "$deb" >"$T/info" || fail "dpkg-deb -I"
dpkg-deb -f "$deb" Package | grep -qx kartoteka || fail "Package is not kartoteka"
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libc6 libuv1 libssl3 liblmdb0 libargon2-1 libjansson4 libprotobuf-c1 libsystemd0 libutf8proc2 libncursesw6 systemd; do
	[[ ", $depends," == *", $lib"[\ ,]* ]] || fail "Depends lacks $lib: $depends"
done
for script in postinst prerm postrm; do
	grep -qE "^ +[0-9]+ bytes, +[0-9]+ lines +\* +$script " "$T/info" || fail "no executable $script in the control archive"
done
dpkg-deb -e "$deb" "$T/control"
for script in postinst prerm postrm; do
	sh -n "$T/control/$script" || fail "$script is not valid sh"
done
grep -q 'systemd-sysusers kartd.conf' "$T/control/postinst" || fail "postinst does not create the kartd user"
grep -q 'systemctl start kartd.service' "$T/control/postinst" || fail "postinst does not start kartd"
grep -q 'rm -rf /var/lib/kartd' "$T/control/postrm" || fail "postrm does not delete the instance on purge"
# the data and the user go on purge only
awk '/^if \[ "\$1" = purge \]/ { on = 1 } on && /^fi/ { on = 0 } !on && /rm -rf|userdel/ { bad = 1 } END { exit bad }' \
	"$T/control/postrm" || fail "postrm deletes data or the user outside purge"

dpkg-deb -c "$deb" | awk '{ print $NF }' | sed 's|^\./|/|' >"$T/files"
for f in /usr/sbin/kartd /usr/bin/kart /usr/bin/kart-tui /usr/lib/systemd/system/kartd.service \
	/usr/lib/sysusers.d/kartd.conf /usr/share/man/man1/kart.1 /usr/share/man/man1/kart-tui.1 \
	/usr/share/man/man5/kartd.conf.5 /usr/share/man/man8/kartd.8 /usr/share/bash-completion/completions/kart \
	/usr/share/zsh/vendor-completions/_kart /usr/share/locale/ru/LC_MESSAGES/kartoteka.mo; do
	grep -qx "$f" "$T/files" || fail "the package lacks $f"
done
! grep -v '^/usr/' "$T/files" | grep -q . || fail "the package has files outside /usr: $(grep -v '^/usr/' "$T/files")"
dpkg-deb -x "$deb" "$T/x"
grep -qx 'ExecStart=/usr/sbin/kartd run --data /var/lib/kartd' "$T/x/usr/lib/systemd/system/kartd.service" ||
	fail "the packaged unit does not run /usr/sbin/kartd"
"$T/x/usr/sbin/kartd" --version | grep -q '^kartd ' || fail "the packaged kartd does not run"
echo "PASS: ${deb##*/}: binaries, unit, sysusers entry, man pages, completions, catalog, Depends, maintainer scripts"
