#!/bin/sh
# Fetch a Debian source package by name into a build directory (never into the repository) and
# unpack it there with Debian's patches applied; DIR/PACKAGE then names the unpacked tree.
# usage: tools/fetch-source.sh PACKAGE DIR
set -u
pkg=$1 dir=$2
mkdir -p "$dir" || exit 1
cd "$dir" || exit 1
if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-source >/dev/null 2>&1; then
	echo "fetch-source: $pkg's source needs apt-get and dpkg-source (Debian package dpkg-dev): apt-get install -y dpkg-dev" >&2
	exit 1
fi
if ! apt-cache showsrc "$pkg" 2>/dev/null | grep -q "^Package: $pkg\$"; then
	echo "fetch-source: apt knows no source package $pkg: it needs deb-src entries for Debian's archive (tools/deps.sh adds them as root), then apt-get update" >&2
	exit 1
fi
rm -rf "$pkg" "$pkg"-[0-9]*/ "$pkg"_*
# apt's download user may not write here; apt then fetches as root and says so on stderr.
if ! apt-get source -qq "$pkg" > fetch.log 2>&1; then
	echo "fetch-source: apt-get source $pkg failed:" >&2
	grep -v '^W: Download is performed unsandboxed' fetch.log >&2
	exit 1
fi
tree=$(ls -d "$pkg"-[0-9]*/ 2>/dev/null | head -1)
[ -n "$tree" ] || { echo "fetch-source: apt-get source $pkg unpacked nothing" >&2; exit 1; }
ln -s "${tree%/}" "$pkg"
echo "fetch-source: $pkg from $(ls "$pkg"_*.dsc)"
