#!/bin/sh
# Least guest memory (-m, in MiB) with which a static hello world (bench/hello.c) and `python3 -c pass`
# (bench/pystart.c running Debian's /usr/bin/python3) run to their end, on Linux (the program as init, as
# bench/python.sh and bench/wall-hello.sh boot it) and on Mica (`mica run --mem`, the program packed in the
# boot image with what it needs). Binary search to within 1 MiB, or a sixteenth of the size above 16 MiB.
# Both run under icount, as the benchmark does: without it this Linux cannot calibrate its TSC on microvm
# and, at some sizes, hangs before init. Writes BUILD/bench/minmem-programs.txt:
#     minmem hello linux 48M mica 4M
#     minmem python3 linux 96M mica 64M
#
#   bench/minmem-programs.sh BUILD
set -eu
build=${1:?usage: minmem-programs.sh BUILD}
out=$build/bench
cpu=${BENCH_CPU:-qemu64}
mkdir -p "$out"

# The programs, and Linux's initramfs for each (the program as /init; python3's with its files).
musl-gcc -static -O2 -o "$out/hello" bench/hello.c
musl-gcc -static -O2 -o "$out/pystart" bench/pystart.c
rm -rf "$out/minmem-hello-root" "$out/minmem-python-root"
mkdir -p "$out/minmem-hello-root"
cp "$out/hello" "$out/minmem-hello-root/init"
(cd "$out/minmem-hello-root" && echo init | cpio -o -H newc --quiet) > "$out/minmem-hello.cpio"
MICA_BUILD=$build tools/mica pack "$out/minmem-python-root" --with /usr/bin/python3 "$out/pystart" >/dev/null
cp "$out/pystart" "$out/minmem-python-root/init"
(cd "$out/minmem-python-root" && find . | LC_ALL=C sort | cpio --quiet -o -H newc) > "$out/minmem-python.cpio"

# linux TEXT CPIO SECONDS MIB: Linux with that initramfs prints TEXT in MIB MiB within SECONDS (too little memory
# can hang it before init).
linux() {
	timeout "$3" qemu-system-x86_64 -M microvm -accel tcg -cpu "$cpu" -icount shift=0,sleep=off -m "$4M" -nographic -no-reboot \
		-kernel "$build/linux/vmlinuz" -initrd "$2" -append "console=ttyS0 quiet panic=-1" </dev/null 2>&1 |
		tr -d '\r' | grep -q "$1"
}
# mica TEXT MIB ARGS...: Mica runs ARGS and prints TEXT in MIB MiB.
mica() {
	text=$1 mib=$2
	shift 2
	MICA_ICOUNT=1 MICA_CPU=$cpu MICA_BUILD=$build MICA_TIMEOUT=600 tools/mica run --mem "${mib}M" "$@" </dev/null 2>&1 |
		tr -d '\r' | grep -q "$text"
}
# least LO HI CMD...: the least MiB in (LO, HI] for which `CMD... TEXT MIB` succeeds (HI must).
least() {
	lo=$1 hi=$2
	shift 2
	while [ $((hi - lo)) -gt 1 ] && [ $((hi - lo)) -gt $((hi / 16)) ]; do
		mid=$(((lo + hi) / 2))
		if "$@" "$mid"; then hi=$mid; else lo=$mid; fi
		echo "minmem-programs: $* ${mid}M: $([ "$hi" = "$mid" ] && echo completes || echo fails)" >&2
	done
	echo "${hi}M"
}
hello_linux() { linux 'hello, world' "$out/minmem-hello.cpio" 60 "$1"; }
hello_mica() { mica 'hello, world' "$1" "$out/hello"; }
python_linux() { linux '^bench python3_pass_exit' "$out/minmem-python.cpio" 300 "$1"; }
python_mica() { mica '^bench python3_pass_exit' "$1" --with /usr/bin/python3 "$out/pystart"; }

{
	echo "minmem hello linux $(least 1 512 hello_linux) mica $(least 1 512 hello_mica)"
	echo "minmem python3 linux $(least 1 1024 python_linux) mica $(least 1 1024 python_mica)"
} | tee "$out/minmem-programs.txt"
