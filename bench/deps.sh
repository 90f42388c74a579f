#!/bin/sh
# Make sure the host tools the Linux benchmark run needs are present.
# As root, install missing Debian packages; otherwise say exactly what to run.
set -eu

missing=""
need() { # need COMMAND PACKAGE
    command -v "$1" >/dev/null 2>&1 || missing="$missing $2"
}
need musl-gcc musl-tools
need cpio cpio
need qemu-system-x86_64 qemu-system-x86
need apt-get apt
need dpkg-deb dpkg
need wrk wrk
need gnuplot gnuplot-nox # docs/scaling.svg (bench/scaling-record.sh)
PATH=$PATH:/sbin:/usr/sbin need mke2fs e2fsprogs # bench/disk.sh's images
[ -f /usr/include/sqlite3.h ] || missing="$missing libsqlite3-dev" # bench/disk.c links libsqlite3.a

[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ]; then
    echo "bench: installing:$missing" >&2
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
else
    echo "bench: missing packages; run as root:" >&2
    echo "  apt-get update && apt-get install -y$missing" >&2
    exit 1
fi
