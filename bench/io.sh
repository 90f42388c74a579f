#!/bin/sh
# I/O rates, MB/s of wall clock (TCG, so they move with the host and its load): 100 MiB of random bytes
# through stdin and stdout (bench/io.c copying, checked byte for byte), and a 64 MiB file written and read
# on a host folder shared over virtio-9p. Mica by mica run; Linux (Debian's generic kernel, which has 9p
# as modules) with bench/io.c as init in the same QEMU machine with the same devices: the virtio-console's
# ports 1 and 2 and a virtio-9p share. Both time inside the guest, from the first byte to the last; the
# whole run of mica run is given too. Each figure is the median of 3 runs. Writes BUILD/bench/io.txt.
# usage: bench/io.sh BUILD   (BUILD/linux-9p from bench/linux-kernel.sh, BUILD/bench/io from bench.mk)
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$1" && pwd)
out=$build/bench
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
mib=100 fmib=64
cpu=${BENCH_CPU:-qemu64}
# Linux's clock: TCG's TSC is the host's, whose rate Linux cannot calibrate under TCG without a reference
# (it then hangs now and then, or times by its timer interrupts, which lag): the host's rate, given.
khz=$(awk -F: '/^cpu MHz/ { printf "%d", $2 * 1000; exit }' /proc/cpuinfo)
head -c $((mib << 20)) /dev/urandom > "$tmp/in"
mkdir "$tmp/vol"

# rate LOG NAME: the MB/s of "bench NAME" in LOG, or FAIL.
rate() { v=$(tr -d '\r' < "$1" | sed -n "s/^bench $2 \([0-9.]*\) MB\/s.*/\1/p"); echo "${v:-FAIL}"; }
# median V...: the middle one of the values (FAIL if any is).
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } /FAIL/ { bad = 1 } END { print bad ? "FAIL" : v[int((NR + 1) / 2)] }'; }

# Linux's initramfs: the program as /init with its modules.
root=$tmp/linux-root
mkdir -p "$root/lib/modules"
cp "$out/io" "$root/init"
cp "$build/linux-9p/modules/"*.ko "$root/lib/modules/"
(cd "$root" && find . | cpio -o -H newc --quiet) > "$tmp/io.cpio"

# mica_run I: Mica's figures into $tmp/mica.I.log, and the whole run's rate into $tmp/whole.I.
mica_run() {
	start=$(date +%s.%N)
	MICA_CPU=$cpu MICA_BUILD=$build MICA_TIMEOUT=300 "$here/tools/mica" run "$out/io" copy < "$tmp/in" > "$tmp/out" 2> "$tmp/mica.$1.log"
	end=$(date +%s.%N)
	cmp -s "$tmp/in" "$tmp/out" || echo "bench streams_stdin_to_stdout FAIL: Mica's bytes differ" >> "$tmp/mica.$1.log"
	awk -v s="$start" -v e="$end" -v m="$mib" 'BEGIN { printf "%.1f\n", m * 1.048576 / (e - s) }' > "$tmp/whole.$1"
	MICA_CPU=$cpu MICA_BUILD=$build MICA_TIMEOUT=300 "$here/tools/mica" run -v "$tmp/vol:/vol" "$out/io" file /vol $fmib 2>> "$tmp/mica.$1.log"
}
# linux_run I: Linux's figures into $tmp/linux.I.log: the host's stdin on port 1, port 2 into a file.
# Should a boot of Linux hang, after 120 s it is tried again, three times at most.
linux_run() {
	for try in 1 2 3; do
		linux_boot "$1"
		grep -q '^io: done 0' "$tmp/linux.$1.log" && break
	done
	cmp -s "$tmp/in" "$tmp/out" || echo "bench streams_stdin_to_stdout FAIL: Linux's bytes differ" >> "$tmp/linux.$1.log"
	grep -q '^io: done 0' "$tmp/linux.$1.log" || { echo "io: Linux's run did not end well:"; tail -5 "$tmp/linux.$1.log" "$tmp/qemu.log"; }
}
linux_boot() {
	rm -f "$tmp/out" "$tmp/linux.$1.log"
	timeout 120 qemu-system-x86_64 -M microvm -accel tcg -cpu "$cpu" -m 256M -display none -no-reboot \
		-kernel "$build/linux-9p/vmlinuz" -initrd "$tmp/io.cpio" -append "console=ttyS0 quiet panic=-1 tsc_early_khz=$khz tsc=reliable" \
		-serial file:"$tmp/linux.$1.log" -device virtio-serial-device,max_ports=4 \
		-chardev stdio,id=s0,signal=off -device virtserialport,chardev=s0,nr=1 \
		-chardev file,id=s1,path="$tmp/out" -device virtserialport,chardev=s1,nr=2 \
		-fsdev local,id=vol0,security_model=none,path="$tmp/vol" -device virtio-9p-device,fsdev=vol0,mount_tag=vol0 \
		< "$tmp/in" > "$tmp/qemu.log" 2>&1
	tr -d '\r' < "$tmp/linux.$1.log" > "$tmp/linux.log" && mv "$tmp/linux.log" "$tmp/linux.$1.log"
}
for i in 1 2 3; do
	mica_run $i
	linux_run $i
done

{
	for n in streams_stdin_to_stdout volume_file_write volume_file_read; do
		echo "io $n linux $(median $(for i in 1 2 3; do rate "$tmp/linux.$i.log" $n; done))" \
			"mica $(median $(for i in 1 2 3; do rate "$tmp/mica.$i.log" $n; done))"
	done
	echo "io streams_whole_mica_run mica $(median $(cat "$tmp/whole.1" "$tmp/whole.2" "$tmp/whole.3"))"
	echo "io kernel $(cat "$build/linux-9p/version")"
} | tee "$out/io.txt"
