#!/bin/sh
# Wall-clock requests per second of the native web server (user/httpd.c) serving its 612-byte page to
# wrk on the host: wrk -t1 -c30 -d10s through QEMU's user network, one port forwarded from 127.0.0.1.
# Unlike the rest of bench/, this is wall-clock time under TCG: it depends on the host and how busy it is.
#   bench/httpd.sh BUILD KERNEL
set -u
build=$1 kernel=$2
out=$build/bench
mkdir -p "$out"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
tools/boot -t 120 "$kernel" "$build/img/httpd.cpio" \
	-netdev user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$port-:80 -device virtio-net-device,netdev=n0 \
	> "$out/httpd-console.log" 2>&1 &
boot=$!
trap 'kill $boot 2>/dev/null; wait $boot 2>/dev/null' EXIT
i=0
while [ $i -lt 600 ] && ! grep -q '^httpd: serving' "$out/httpd-console.log"; do
	sleep 0.1
	i=$((i + 1))
done
grep -q '^httpd: serving' "$out/httpd-console.log" || { echo "bench-httpd: the server did not start" >&2; exit 1; }
wrk -t1 -c30 -d10s "http://127.0.0.1:$port/" | tee "$out/httpd-wrk.txt"
rps=$(awk '/^Requests\/sec/ { print $2 }' "$out/httpd-wrk.txt")
[ -n "$rps" ] || { echo "bench-httpd: wrk gave no figure" >&2; exit 1; }
echo "bench httpd_612B_wrk_c30 $rps requests/s (wall clock)" | tee "$out/httpd.txt"
