#!/bin/sh
# Boot Debian's cloud kernel on QEMU microvm with the benchmark as /init.
#
#   bench/run-linux.sh BUILD [MEM] [TAG] [PROG]
#
# Needs BUILD/linux/vmlinuz (bench/linux-kernel.sh) and BUILD/bench/bench
# (or PROG, another static program written as bench.c is, e.g. the scaling
# benchmark; its archive is then BUILD/bench/TAG.cpio).
# Writes BUILD/bench/TAG.txt (the "bench ..." lines), TAG.log (the whole
# console), TAG.meta (QEMU and kernel versions and the exact command); TAG is
# linux unless given.
# Exit status 0 only if the program ran to completion.
set -eu

build=${1:?usage: run-linux.sh BUILD [MEM] [TAG] [PROG]}
mem=${2:-256M}
tag=${3:-linux}
out=$build/bench
kernel=$build/linux/vmlinuz
prog=${4:-$out/bench}
initrd=$out/initramfs.cpio
[ $# -ge 4 ] && initrd=$out/$tag.cpio

# Pack the program as /init in a newc cpio archive (no compression needed;
# the kernel unpacks it into its rootfs, which is writable).
root=${initrd%.cpio}.root
rm -rf "$root"
mkdir -p "$root"
cp "$prog" "$root/init"
(cd "$root" && echo init | cpio -o -H newc --quiet) > "$initrd"

# panic=-1: if init dies (e.g. out of memory) the kernel reboots at once,
# and -no-reboot turns that into QEMU exiting.
append="console=ttyS0 quiet panic=-1"
set -- qemu-system-x86_64 -M microvm -accel tcg -cpu "${BENCH_CPU:-qemu64}" -icount shift=0,sleep=off \
    -m "$mem" -nographic -no-reboot -kernel "$kernel" -initrd "$initrd"

{
    echo "qemu: $(qemu-system-x86_64 --version | head -n 1)"
    echo "kernel: $(cat "$build/linux/version")"
    echo "command: $* -append \"$append\""
} > "$out/$tag.meta"

# The guest powers itself off; the timeout only guards against a hang.
# </dev/null: with -nographic QEMU would otherwise read the terminal.
rc=0
timeout 600 "$@" -append "$append" </dev/null >"$out/$tag.log" 2>&1 || rc=$?
tr -d '\r' <"$out/$tag.log" | grep '^bench ' >"$out/$tag.txt" || true

if ! tr -d '\r' <"$out/$tag.log" | grep -q '^info done'; then
    echo "run-linux: -m $mem: program did not run to completion (qemu status $rc)" >&2
    exit 1
fi
if grep -q ' FAIL ' "$out/$tag.txt"; then
    echo "run-linux: -m $mem: some benchmarks failed:" >&2
    grep ' FAIL ' "$out/$tag.txt" >&2
    exit 1
fi
exit 0
