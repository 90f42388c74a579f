#!/bin/sh
# The rate of mica run's streams: 100 MiB of random bytes through stdin and stdout of busybox cat
# (checked byte for byte), in MB/s of wall-clock time (the issue's figure: TCG, so it varies by host).
# usage: bench/streams.sh BUILD
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$1" && pwd)
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
mib=100
head -c $((mib << 20)) /dev/urandom > "$tmp/in"
start=$(date +%s.%N)
MICA_BUILD=$build MICA_TIMEOUT=1200 "$here/tools/mica" run /bin/busybox cat < "$tmp/in" > "$tmp/out" || exit 1
end=$(date +%s.%N)
cmp -s "$tmp/in" "$tmp/out" || { echo "streams: the bytes that came back differ"; exit 1; }
awk -v s="$start" -v e="$end" -v m="$mib" 'BEGIN { printf "streams: %d MiB stdin -> cat -> stdout in %.1f s: %.1f MB/s (wall clock, TCG)\n", m, e - s, m * 1.048576 / (e - s) }'
