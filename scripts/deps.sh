#!/bin/sh
# Installs the Debian 12 packages Kartoteka needs to build, test and run.
# Idempotent: only packages not yet installed are installed, and the package
# lists are refreshed only when something has to be installed. Runs as root, or
# through sudo otherwise.
set -eu

PACKAGES="
build-essential
cmake
pkg-config
libuv1-dev
libprotobuf-c-dev
protobuf-c-compiler
liblmdb-dev
lmdb-utils
libssl-dev
openssl
libargon2-dev
libjansson-dev
libutf8proc-dev
libncurses-dev
libcmocka-dev
libsystemd-dev
systemd
ca-certificates
jq
procps
tmux
libvterm-dev
gettext
locales
python3-minimal
dpkg-dev
groff-base
zsh
"

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
	echo "deps.sh: dpkg-query/apt-get not found; this script is for Debian 12" >&2
	exit 1
fi

missing=""
total=0
for pkg in $PACKAGES; do
	total=$((total + 1))
	status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
	if [ "$status" != "installed" ]; then
		missing="$missing $pkg"
	fi
done
missing=${missing# }

if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
else
	SUDO="none"
fi

# The Russian locale kart's translation is tested in (after the packages, as
# `locales` brings locale-gen).
ensure_ru_locale() {
	if locale -a 2>/dev/null | grep -qix 'ru_RU.utf8'; then
		return 0
	fi
	if [ "$SUDO" = none ] || ! command -v locale-gen >/dev/null 2>&1; then
		echo "deps.sh: ru_RU.UTF-8 is missing and cannot be generated here" >&2
		return 0
	fi
	if grep -q '^# *ru_RU.UTF-8 UTF-8' /etc/locale.gen 2>/dev/null; then
		$SUDO sed -i 's/^# *\(ru_RU.UTF-8 UTF-8\)/\1/' /etc/locale.gen
	elif ! grep -q '^ru_RU.UTF-8 UTF-8' /etc/locale.gen 2>/dev/null; then
		echo 'ru_RU.UTF-8 UTF-8' | $SUDO tee -a /etc/locale.gen >/dev/null
	fi
	$SUDO locale-gen >/dev/null
	echo "deps.sh: generated the ru_RU.UTF-8 locale"
}

if [ -z "$missing" ]; then
	echo "deps.sh: nothing missing, all $total packages are installed"
	ensure_ru_locale
	exit 0
fi

if [ "$SUDO" = none ]; then
	echo "deps.sh: missing packages ($missing) and not root, and sudo is not available" >&2
	exit 1
fi

# sudo resets the environment, so the frontend is passed on the command line.
export DEBIAN_FRONTEND=noninteractive
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
# shellcheck disable=SC2086  # word splitting of the package list is intended
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >/dev/null
echo "deps.sh: installed $missing"
ensure_ru_locale
