#!/bin/sh
# Wall-clock requests per second of the native web server (user/httpd.c) serving its 612-byte page to
# wrk on the host (wrk -t1 -c30 -d10s) through QEMU's user network, one port forwarded from 127.0.0.1.
# Unlike the rest of bench/, this is wall-clock time under TCG: it depends on the host and how busy it is.
#   bench/httpd.sh BUILD KERNEL
set -u
build=$1 kernel=$2
out=$build/bench
mkdir -p "$out"
. tests/httpd_boot.sh
httpd_boot "$kernel" "$build/img/httpd.cpio" "$out/httpd-console.log" 120 ||
	{ echo "bench-httpd: the server did not start" >&2; exit 1; }
wrk -t1 -c30 -d10s "$url/" | tee "$out/httpd-wrk.txt"
rps=$(awk '/^Requests\/sec/ { print $2 }' "$out/httpd-wrk.txt")
[ -n "$rps" ] || { echo "bench-httpd: wrk gave no figure" >&2; exit 1; }
echo "bench httpd_612B_wrk_c30 $rps requests/s (wall clock)" | tee "$out/httpd.txt"
