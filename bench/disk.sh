#!/bin/sh
# Disk rates of an ext4 file system on a virtio-blk disk, MB/s and operations/s of wall clock (TCG, so they move
# with the host and its load): 256 MiB written (fsync included) and read back, 10,000 files of 4 KiB created in
# one folder, sqlite3's 10,000 inserts in one transaction and 1,000 each in its own (synchronous=FULL). The same
# static program (bench/disk.c, glibc with Debian's libsqlite3.a) on both systems, each on a fresh image of the
# same size made by the host's mke2fs -t ext4: Mica by mica run -v IMAGE:/data (mica-ext4 inside the
# machine), the read in a second run so that nothing is cached in the machine; Linux (Debian's generic kernel,
# virtio-blk and ext4 as modules in the initrd) with the program as init, which drops the page cache before the
# read, in the same QEMU machine with the same disk device. Each figure is the median of 3 runs.
# Writes BUILD/bench/disk.txt. With BENCH_DISK_ICOUNT=1, both machines count instructions instead
# (-icount shift=0,sleep=off: the program's clock reads guest instructions, and waiting for the disk costs
# none), one run each, since the figures are then exact: BUILD/bench/disk-icount.txt.
# usage: bench/disk.sh BUILD   (BUILD/linux-disk from bench/linux-kernel.sh, BUILD/bench/disk from bench.mk)
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$1" && pwd)
out=$build/bench
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
mib=256 nfiles=10000 size=512M
cpu=${BENCH_CPU:-qemu64}
icount=${BENCH_DISK_ICOUNT:-} runs="1 2 3" txt=disk.txt
[ -n "$icount" ] && runs=1 txt=disk-icount.txt
PATH=$PATH:/sbin:/usr/sbin
# Linux's clock: the host's TSC rate, given (bench/io.sh says why); under instruction counting its own.
khz=$(awk -F: '/^cpu MHz/ { printf "%d", $2 * 1000; exit }' /proc/cpuinfo)
clock="tsc_early_khz=$khz tsc=reliable" qicount=
[ -n "$icount" ] && clock= qicount="-icount shift=0,sleep=off"
figures="disk_seq_write disk_seq_read disk_create_files sqlite_insert_one_txn sqlite_insert_txn_each"
figures="$figures $(for f in $figures; do printf '%s_busy ' "$f"; done)" # the part of each not idle (bench/disk.c)

# rate LOG NAME: the figure of "bench NAME" in LOG, or FAIL.
rate() { v=$(tr -d '\r' < "$1" | sed -n "s/^bench $2 \([0-9.]*\) [a-zA-Z/]* .*/\1/p"); echo "${v:-FAIL}"; }
# median V...: the middle one of the values (FAIL if any is).
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } /FAIL/ { bad = 1 } END { print bad ? "FAIL" : v[int((NR + 1) / 2)] }'; }
# image FILE: a new ext4 image, as Debian's mke2fs makes it by default.
image() { rm -f "$1" && mke2fs -q -F -t ext4 "$1" $size > /dev/null 2>&1 || echo "disk: mke2fs failed" >&2; }

# Linux's initramfs: the program as /init with its modules.
root=$tmp/linux-root
mkdir -p "$root/lib/modules"
cp "$out/disk" "$root/init"
cp "$build/linux-disk/modules/"*.ko "$root/lib/modules/"
(cd "$root" && find . | cpio -o -H newc --quiet) > "$tmp/disk.cpio"

mica_cmd="${icount:+MICA_ICOUNT=1 }MICA_CPU=$cpu tools/mica run -v IMAGE:/data build/bench/disk /data $mib $nfiles write files sqlite"
mica_cmd2="${icount:+MICA_ICOUNT=1 }MICA_CPU=$cpu tools/mica run -v IMAGE:/data build/bench/disk /data $mib $nfiles read"
linux_cmd="qemu-system-x86_64 -M microvm -accel tcg -cpu $cpu${qicount:+ $qicount} -m 256M -display none -no-reboot -kernel build/linux-disk/vmlinuz -initrd disk.cpio -append \"console=ttyS0 quiet panic=-1${clock:+ $(echo "$clock" | sed 's/=[0-9]*/=KHZ/')}\" -serial file:LOG -drive if=none,format=raw,file=IMAGE,id=disk0 -device virtio-blk-device,drive=disk0"

# mica_run I: Mica's figures into $tmp/mica.I.log (mica run's own lines too).
mica_run() {
	image "$tmp/mica.img"
	MICA_ICOUNT=$icount MICA_CPU=$cpu MICA_BUILD=$build MICA_TIMEOUT=300 "$here/tools/mica" run \
		-v "$tmp/mica.img:/data" "$out/disk" /data $mib $nfiles write files sqlite > "$tmp/mica.$1.log" 2>&1
	MICA_ICOUNT=$icount MICA_CPU=$cpu MICA_BUILD=$build MICA_TIMEOUT=300 "$here/tools/mica" run \
		-v "$tmp/mica.img:/data" "$out/disk" /data $mib $nfiles read >> "$tmp/mica.$1.log" 2>&1
	tr -d '\r' < "$tmp/mica.$1.log" | grep '^disk:\|^mica' | sed 's/^/disk: Mica: /'
}
# linux_run I: Linux's figures into $tmp/linux.I.log. Should a boot of Linux hang, after 180 s it is tried
# again, three times at most.
linux_run() {
	for try in 1 2 3; do
		image "$tmp/linux.img"
		rm -f "$tmp/linux.$1.log"
		timeout 180 qemu-system-x86_64 -M microvm -accel tcg -cpu "$cpu" $qicount -m 256M -display none -no-reboot \
			-kernel "$build/linux-disk/vmlinuz" -initrd "$tmp/disk.cpio" \
			-append "console=ttyS0 quiet panic=-1${clock:+ $clock}" -serial file:"$tmp/linux.$1.log" \
			-drive if=none,format=raw,file="$tmp/linux.img",id=disk0 -device virtio-blk-device,drive=disk0 \
			> "$tmp/qemu.log" 2>&1
		tr -d '\r' < "$tmp/linux.$1.log" > "$tmp/linux.log" && mv "$tmp/linux.log" "$tmp/linux.$1.log"
		grep -q '^disk: done 0' "$tmp/linux.$1.log" && break
	done
	grep -q '^disk: done 0' "$tmp/linux.$1.log" || { echo "disk: Linux's run did not end well:"; tail -5 "$tmp/linux.$1.log" "$tmp/qemu.log"; }
}
for i in $runs; do
	mica_run $i
	linux_run $i
done

{
	for n in $figures; do
		echo "disk $n linux $(median $(for i in $runs; do rate "$tmp/linux.$i.log" $n; done))" \
			"mica $(median $(for i in $runs; do rate "$tmp/mica.$i.log" $n; done))"
	done
	echo "disk kernel $(cat "$build/linux-disk/version")"
	echo "disk image $size ext4 (mke2fs $(mke2fs -V 2>&1 | sed -n 's/^mke2fs \([^ ]*\).*/\1/p'), defaults)"
	echo "disk cmd_mica $mica_cmd"
	echo "disk cmd_mica_read $mica_cmd2"
	echo "disk cmd_linux $linux_cmd"
} | tee "$out/$txt"
