#!/bin/sh
# Wall time of a static hello world: `mica run` from launching QEMU to exit, beside
# the same program booted as init under Linux in the same QEMU machine. Median of 5.
# usage: bench/wall-hello.sh BUILD   (needs BUILD/linux/vmlinuz and musl-gcc)
set -eu
build=$1
out=$build/bench
mkdir -p "$out/hello-root"
musl-gcc -static -O2 -o "$out/hello" bench/hello.c
cp "$out/hello" "$out/hello-root/init"
(cd "$out/hello-root" && echo init | cpio -o -H newc --quiet) > "$out/hello.cpio"

# median of the wall times (seconds) of running "$@" five times; a run must print the greeting
# within 60 s to count (a Linux boot now and then hangs after powering off); FAIL with fewer than 3
median() {
	times=$(for i in 1 2 3 4 5; do
		start=$(date +%s.%N)
		if timeout 60 "$@" </dev/null 2>&1 | grep -q 'hello, world'; then
			end=$(date +%s.%N)
			echo "$start $end" | awk '{ printf "%.3f\n", $2 - $1 }'
		fi
	done | sort -n)
	n=$(printf '%s\n' "$times" | grep -c .)
	if [ "$n" -ge 3 ]; then printf '%s\n' "$times" | sed -n "$(((n + 1) / 2))p"; else echo "FAIL($n/5)"; fi
}
cpu=${BENCH_CPU:-qemu64}
linux=$(median qemu-system-x86_64 -M microvm -accel tcg -cpu "$cpu" -m 256M -nographic -no-reboot \
	-kernel "$build/linux/vmlinuz" -initrd "$out/hello.cpio" -append "console=ttyS0 quiet panic=-1")
mica=$(MICA_CPU=$cpu MICA_BUILD=$build median tools/mica run "$out/hello")
echo "wall hello_world linux ${linux} mica ${mica}" | tee "$out/wall.txt"
