#!/bin/sh
# The null syscall of a dynamic program, on Mica and on Linux in the same QEMU machine: bench/bench.c built with
# gcc against the host's glibc, shared, run as `bench-dynamic null_syscall`. Both boot the same tree, packed by
# `tools/mica pack` (the program, glibc's loader and libraries). Appends "bench null_syscall_dynamic N" to
# BUILD/bench/mica.txt and linux.txt (a FAIL line when a side gave no figure).
# usage: bench/dynamic.sh BUILD   (needs BUILD/linux/vmlinuz)
set -eu
build=$1
out=$build/bench
cpu=${BENCH_CPU:-qemu64}
gcc -O2 -Wall -Wextra -o "$out/bench-dynamic" bench/bench.c -lpthread

# figure LOG FILE: the null syscall's line of LOG, renamed, appended to FILE.
figure() {
	sed -n 's/^bench null_syscall \([0-9]*\) .*/bench null_syscall_dynamic \1/p' "$1" | grep . >> "$2" ||
		echo "bench null_syscall_dynamic FAIL no output" >> "$2"
}

MICA_ICOUNT=1 MICA_CPU=$cpu MICA_BUILD=$build tools/mica run "$out/bench-dynamic" null_syscall </dev/null |
	tr -d '\r' > "$out/dynamic-mica.log" || true
figure "$out/dynamic-mica.log" "$out/mica.txt"

# Linux: the same tree with the program as /init; what follows "--" on the kernel's command line is init's argv.
rm -rf "$out/dynamic-root"
MICA_BUILD=$build tools/mica pack "$out/dynamic-root" "$out/bench-dynamic"
cp "$out/bench-dynamic" "$out/dynamic-root/init"
(cd "$out/dynamic-root" && find . | LC_ALL=C sort | cpio --quiet -o -H newc) > "$out/dynamic.cpio"
timeout 600 qemu-system-x86_64 -M microvm -accel tcg -cpu "$cpu" -icount shift=0,sleep=off -m 256M -nographic \
	-no-reboot -kernel "$build/linux/vmlinuz" -initrd "$out/dynamic.cpio" \
	-append "console=ttyS0 quiet panic=-1 -- null_syscall" </dev/null | tr -d '\r' > "$out/dynamic-linux.log" || true
figure "$out/dynamic-linux.log" "$out/linux.txt"
grep -h '^bench null_syscall' "$out/dynamic-mica.log" "$out/dynamic-linux.log" || true
