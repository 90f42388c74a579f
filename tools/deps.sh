#!/bin/sh
# Install the Debian packages the build and tests need (as root), or name the exact apt-get line.
set -u
need=""
have() { command -v "$1" >/dev/null 2>&1; }
have gcc || need="$need gcc"
have make || need="$need make"
have ld || need="$need binutils"
have qemu-system-x86_64 || need="$need qemu-system-x86"
have cpio || need="$need cpio"
have timeout || need="$need coreutils"
have musl-gcc || need="$need musl-tools"
have clang-format || need="$need clang-format" # make format-check
# pkg PACKAGE [COMMAND]: a Debian package the tests run from its own files (asked of dpkg where there is one)
pkg() {
	if command -v dpkg-query >/dev/null 2>&1; then
		dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed' || need="$need $1"
	else
		[ -x "${2:-/usr/bin/$1}" ] || need="$need $1"
	fi
}
# Debian's static busybox itself (a dynamic busybox would not do), and the dynamic programs of tests/debian.sh
pkg busybox-static /bin/busybox
pkg python3
pkg lua5.4
pkg sqlite3
pkg gawk
pkg git
pkg bash
pkg coreutils /usr/bin/sort
pkg procps /usr/bin/pgrep # ps, pgrep, pkill and free read /proc (tests/procfs.sh)
[ -z "$need" ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
	echo "installing:$need"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq && apt-get install -y -qq $need >/dev/null || exit 1
else
	echo "missing packages; run: sudo apt-get install -y$need" >&2
	exit 1
fi
