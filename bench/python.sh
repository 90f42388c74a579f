#!/bin/sh
# Guest instructions from reset to `python3 -c pass` exiting, on Mica and on Linux, in the same QEMU machine.
# Both boot the same tree, packed by `tools/mica pack`: bench/pystart (static) with Debian's python3, its
# libraries and its standard library. Appends the figure to BUILD/bench/mica.txt and linux.txt.
# usage: bench/python.sh BUILD   (needs BUILD/linux/vmlinuz, musl-gcc and /usr/bin/python3)
set -eu
build=$1
out=$build/bench
mem=512M
musl-gcc -static -O2 -Wall -Wextra -o "$out/pystart" bench/pystart.c

# Mica: `mica run` packs and boots it.
cpu=${BENCH_CPU:-qemu64}
MICA_ICOUNT=1 MICA_CPU=$cpu MICA_BUILD=$build tools/mica run --mem $mem --with /usr/bin/python3 "$out/pystart" </dev/null |
	tr -d '\r' > "$out/python-mica.log" || true
grep '^bench ' "$out/python-mica.log" >> "$out/mica.txt" || echo "bench python3_pass_exit FAIL no output" >> "$out/mica.txt"

# Linux: the same tree, with the program as /init.
rm -rf "$out/python-root"
MICA_BUILD=$build tools/mica pack "$out/python-root" --with /usr/bin/python3 "$out/pystart"
cp "$out/pystart" "$out/python-root/init"
(cd "$out/python-root" && find . | LC_ALL=C sort | cpio --quiet -o -H newc) > "$out/python.cpio"
timeout 600 qemu-system-x86_64 -M microvm -accel tcg -cpu "$cpu" -icount shift=0,sleep=off -m $mem -nographic -no-reboot \
	-kernel "$build/linux/vmlinuz" -initrd "$out/python.cpio" -append "console=ttyS0 quiet panic=-1" </dev/null |
	tr -d '\r' > "$out/python-linux.log" || true
grep '^bench ' "$out/python-linux.log" >> "$out/linux.txt" || echo "bench python3_pass_exit FAIL no output" >> "$out/linux.txt"
grep -h '^bench python3' "$out/python-mica.log" "$out/python-linux.log" || true
