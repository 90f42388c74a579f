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
have curl || need="$need curl"                 # tests/httpd.sh fetches from the native web server
have dpkg-source || need="$need dpkg-dev"      # apt-get source unpacks lwIP's source package with it
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
pkg e2fsprogs /usr/sbin/e2fsck # mke2fs, e2fsck and debugfs, on both sides of tests/blk.sh and tests/disk.sh
pkg libext2fs-dev /usr/include/ext2fs/ext2fs.h # libext2fs, on which mica-ext4 (a disk volume's server) is built
pkg comerr-dev /usr/include/et/com_err.h # its error tables
pkg fuse2fs /usr/bin/fuse2fs # tests/disk.sh compares mica-ext4 with Debian's fuse2fs on the same image
pkg tmux # tests/debian.sh runs it in Mica
pkg procps /usr/bin/pgrep # ps, pgrep, pkill and free read /proc (tests/procfs.sh)
# the servers of tests/servers.sh, and the load generators it runs on the host
pkg nginx
pkg redis-server
pkg redis-tools /usr/bin/redis-cli
pkg nodejs /usr/bin/node
pkg wrk

# Source packages fetched at build time (tools/fetch-source.sh): apt needs deb-src entries for
# Debian's own archive. Where there are none, add them beside the binary ones it already uses.
SRC_LIST=/etc/apt/sources.list.d/debian-src.sources
has_src() { apt-cache showsrc lwip 2>/dev/null | grep -q '^Package: lwip'; }
# add_src: write deb-src twins of the system's Debian entries (deb822 or one-line form) to SRC_LIST.
add_src() {
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then
		sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources > "$SRC_LIST"
	else
		grep -h '^deb .*/debian' /etc/apt/sources.list 2>/dev/null | sed 's/^deb /deb-src /' > "${SRC_LIST%.sources}.list"
	fi
}
src=ok
command -v apt-cache >/dev/null 2>&1 && ! has_src && src=missing

[ -z "$need" ] && [ $src = ok ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	[ $src = ok ] || add_src
	apt-get update -qq || exit 1
	[ $src = ok ] || has_src || { echo "deb-src entries added, but apt still knows no source package lwip" >&2; exit 1; }
	[ -z "$need" ] && exit 0
	echo "installing:$need"
	apt-get install -y -qq $need >/dev/null || exit 1
else
	[ -n "$need" ] && echo "missing packages; run: sudo apt-get install -y$need" >&2
	[ $src = ok ] || echo "apt has no deb-src entries for Debian's archive (needed for: apt-get source lwip); run this script as root to add them" >&2
	exit 1
fi
