#!/bin/sh
# Block storage: the kernel's virtio-blk driver and extents (tests/kernel/blktests.c, native, run as the root env
# with two raw disk images made here), then the images checked from the host: what the tests wrote is there.
# usage: tests/blk.sh BUILD
suite=blk
. "$(dirname "$0")/setup.sh"
make -s -C "$here" BUILD="$build" "$build/kernel/mica.elf" "$build/img/blktests.cpio" ||
	{ echo "not ok $suite/build: the kernel or the block tests do not build"; exit 1; }

# boot_disks LOG [-i] [QEMU ARGS...]: fresh disks (disk 0: 8 MiB of zeros with a line of the host's at sector 5;
# disk 1: 64 KiB of zeros), then the kernel tests on them; the boot's status.
boot_disks() {
	log=$1
	shift
	rm -f "$out/disk0.img" "$out/disk1.img"
	truncate -s 8M "$out/disk0.img" && truncate -s 64K "$out/disk1.img"
	printf 'mica-blk-host-sector-5' | dd of="$out/disk0.img" bs=512 seek=5 conv=notrunc status=none
	opt=
	[ "${1:-}" = -i ] && opt=-i && shift
	"$here/tools/boot" $opt -t 120 "$build/kernel/mica.elf" "$build/img/blktests.cpio" "$@" \
		-drive if=none,format=raw,file="$out/disk0.img",id=d0 -device virtio-blk-device,drive=d0 \
		-drive if=none,format=raw,file="$out/disk1.img",id=d1 -device virtio-blk-device,drive=d1 > "$log" 2>&1
}
# Without indirect descriptors first (as Firecracker's devices are: each page a descriptor of the
# ring), counting instructions as the kernel suite does (-i), in one line; then with them (QEMU's
# default) in real time, every check shown, the images checked after.
boot_disks "$out/chained.log" -i -global virtio-blk-device.indirect_desc=off
rc=$?
n=$(tr -d '\r' < "$out/chained.log" | grep -c '^ok ')
if [ $rc -eq 0 ] && ! grep -q '^not ok ' "$out/chained.log"; then
	echo "ok $suite/kernel-abi-chained-descriptors ($n checks)"
else
	echo "not ok $suite/kernel-abi-chained-descriptors: status $rc"
	tr -d '\r' < "$out/chained.log" | grep '^not ok' | sed 's/^/#   /'
fi
boot_disks "$out/kernel.log"
rc=$?
tr -d '\r' < "$out/kernel.log" | grep -E '^(not )?ok |^bench:'
[ $rc -eq 0 ] || { echo "not ok $suite/kernel-abi: status $rc"; tr -d '\r' < "$out/kernel.log" | tail -5 | sed 's/^/#   /'; }

# pattern DISK SECTOR COUNT: the bytes tests/kernel/blk_test.h's bt_pattern gives those sectors.
pattern() {
	python3 -c 'import sys
d, s, n = (int(a) for a in sys.argv[1:])
sys.stdout.buffer.write(bytes((o * 131 + o // 512 * 17 + d * 29) & 255 for o in range(s * 512, (s + n) * 512)))' "$@"
}
# on_host NAME IMAGE SECTOR COUNT WANT: the sectors of IMAGE hold the file WANT.
on_host() {
	dd if="$2" bs=512 skip="$3" count="$4" status=none > "$out/$1.got"
	if cmp -s "$out/$1.got" "$5"; then
		echo "ok $suite/$1"
	else
		echo "not ok $suite/$1: $(cmp "$out/$1.got" "$5" 2>&1)"
	fi
}
pattern 0 100 32 > "$out/d0-100.want"
on_host host-sees-disk-0-write "$out/disk0.img" 100 32 "$out/d0-100.want"
pattern 0 1000 8 > "$out/d0-1000.want"
on_host host-sees-child-write "$out/disk0.img" 1000 8 "$out/d0-1000.want"
pattern 1 0 8 > "$out/d1-0.want"
on_host host-sees-disk-1-write "$out/disk1.img" 0 8 "$out/d1-0.want"
head -c 512 /dev/zero > "$out/zeros"
on_host host-refused-write-absent "$out/disk0.img" 300 1 "$out/zeros"
on_host host-outside-child-extent-untouched "$out/disk0.img" 1016 1 "$out/zeros"

# ---- lx: a disk as /dev/vda for Linux programs (libos/lx/blkdev.c), attached by mica run --disk ----
[ -f "$build/user/lx/lx" ] || make -s -C "$here" BUILD="$build" "$build/user/lx/lx" ||
	{ echo "not ok $suite/build-lx: lx does not build"; exit 1; }
mica() { MICA_BUILD="$build" MICA_TIMEOUT=120 timeout -k 5 150 "$here/tools/mica" run "$@"; }
# tests/blk/vda.c, a dynamic glibc program: the block device's calls, on a 4 MiB disk holding a pattern;
# afterwards the host's image holds exactly what it says it wrote.
python3 -c 'import sys
sys.stdout.buffer.write(bytes((o * 7 + o // 512) & 255 for o in range(4 << 20)))' > "$out/vda.img"
if gcc -O2 -o "$out/vda" "$here/tests/blk/vda.c"; then
	mica --disk "$out/vda.img" "$out/vda" /dev/vda $((4 << 20))
	rc=$?
	[ $rc -eq 0 ] || echo "not ok $suite/blk-lx: status $rc"
	python3 -c 'import sys
n = 4 << 20
b = bytearray((o * 7 + o // 512) & 255 for o in range(n))
b[5000:6000] = b"w" * 1000
b[1 << 20:(1 << 20) + 100000] = bytes((i * 13 + 5) & 255 for i in range(100000))
b[n - 512:] = b"e" * 512
b[2 << 20:(2 << 20) + 4096] = b"s" * 4096
sys.stdout.buffer.write(b)' > "$out/vda.want"
	cmp -s "$out/vda.img" "$out/vda.want" && echo "ok $suite/blk-lx-host-image" ||
		echo "not ok $suite/blk-lx-host-image: $(cmp "$out/vda.img" "$out/vda.want" 2>&1)"
else
	echo "not ok $suite/blk-lx: gcc failed"
fi

# A process whose first request is a write (busybox dd to the disk): the bytes land where it says,
# and writing on to the end stops there with ENOSPC, as on Linux.
truncate -s 4M "$out/dd.img"
head -c 262144 /dev/urandom > "$out/dd.src"
mica --disk "$out/dd.img" --with "$out/dd.src" /bin/busybox dd if="$out/dd.src" of=/dev/vda bs=65536 seek=16 2> "$out/dd.err"
rc=$?
dd if="$out/dd.img" bs=65536 skip=16 count=4 status=none | cmp -s - "$out/dd.src" && [ $rc -eq 0 ] &&
	echo "ok $suite/dd-first-write" || echo "not ok $suite/dd-first-write: status $rc; $(cat "$out/dd.err")"
expect dd-to-the-end-ENOSPC 1 "No space left on device" mica --disk "$out/dd.img" /bin/busybox dd if=/dev/zero of=/dev/vda bs=65536 seek=60

# expect_out NAME WANT CMD...: CMD exits 0 and its stdout is the file WANT.
expect_out() {
	name=$1 want=$2
	shift 2
	"$@" > "$out/$name.out" 2> "$out/$name.err"
	rc=$?
	if [ $rc -eq 0 ] && cmp -s "$out/$name.out" "$want"; then
		echo "ok $suite/$name"
	else
		echo "not ok $suite/$name: status $rc; $(cmp "$out/$name.out" "$want" 2>&1)"
		tail -3 "$out/$name.err" | sed 's/^/#   /'
	fi
}
# mica run's --disk refuses what is not a disk, before booting.
expect disk-missing 2 "--disk /nonexistent.img: no such file" "$here/tools/mica" run --disk /nonexistent.img /bin/true
expect disk-directory 2 "a directory; a disk is a regular file or a block device" "$here/tools/mica" run --disk "$out" /bin/true
expect disk-not-packed 2 "--disk: a disk is attached when the program runs, not packed" \
	"$here/tools/mica" pack "$out/packed" --disk "$out/vda.img" /bin/true

# Debian's e2fsprogs (dynamic glibc programs) inside Mica, on ext4 images made and checked on the host.
e2fsck=$(command -v e2fsck || echo /usr/sbin/e2fsck) debugfs=$(command -v debugfs || echo /usr/sbin/debugfs)
mke2fs=$(command -v mke2fs || echo /usr/sbin/mke2fs)
if [ ! -x "$e2fsck" ] || [ ! -x "$debugfs" ] || [ ! -x "$mke2fs" ]; then
	echo "not ok $suite/e2fsprogs: needs Debian's e2fsprogs (tools/deps.sh names it)"
	exit 0
fi
mkdir -p "$out/tree/dir"
printf 'hello from the host ext4\n' > "$out/tree/file"
seq 1 20000 > "$out/tree/dir/numbers"
"$mke2fs" -q -F -t ext4 -d "$out/tree" "$out/fs.img" 16M > /dev/null ||
	echo "not ok $suite/mke2fs-on-host: status $?"
mica --disk "$out/fs.img" "$e2fsck" -fn /dev/vda > "$out/e2fsck.out" 2>&1
rc=$?
[ $rc -eq 0 ] && grep -q '^/dev/vda: 14/' "$out/e2fsck.out" && echo "ok $suite/e2fsck-fn-in-mica" ||
	{ echo "not ok $suite/e2fsck-fn-in-mica: status $rc"; tail -3 "$out/e2fsck.out" | sed 's/^/#   /'; }
expect_out debugfs-cat-file "$out/tree/file" mica --disk "$out/fs.img" "$debugfs" -R 'cat /file' /dev/vda
expect_out debugfs-cat-20000-lines "$out/tree/dir/numbers" mica --disk "$out/fs.img" "$debugfs" -R 'cat /dir/numbers' /dev/vda
# several disks: the second is /dev/vdb
mica --disk "$out/dd.img" --disk "$out/fs.img" "$e2fsck" -fn /dev/vdb > "$out/vdb.out" 2>&1
rc=$?
[ $rc -eq 0 ] && grep -q '^/dev/vdb: 14/' "$out/vdb.out" && echo "ok $suite/e2fsck-second-disk-vdb" ||
	{ echo "not ok $suite/e2fsck-second-disk-vdb: status $rc"; tail -3 "$out/vdb.out" | sed 's/^/#   /'; }
# a process forked by the shell reads the disk too (the extents pass to its env)
dd if="$out/fs.img" bs=1024 skip=1 count=1 status=none > "$out/super.want"
expect_out forked-child-reads "$out/super.want" mica --disk "$out/fs.img" /bin/busybox sh -c \
	'busybox dd if=/dev/vda bs=1024 skip=1 count=1 2>/dev/null; exit $?'
# mke2fs inside Mica makes a file system the host's e2fsck accepts, with the image's journal and features.
truncate -s 32M "$out/made.img"
mica --disk "$out/made.img" "$mke2fs" -q -t ext4 /dev/vda > "$out/mke2fs.out" 2>&1
rc=$?
"$e2fsck" -fn "$out/made.img" > "$out/e2fsck-host.out" 2>&1
hrc=$?
[ $rc -eq 0 ] && [ $hrc -eq 0 ] && "$debugfs" -R features "$out/made.img" 2>/dev/null | grep -q 'has_journal.*extent' &&
	echo "ok $suite/mke2fs-in-mica-e2fsck-on-host" ||
	{ echo "not ok $suite/mke2fs-in-mica-e2fsck-on-host: mke2fs status $rc, e2fsck status $hrc"; tail -3 "$out/mke2fs.out" "$out/e2fsck-host.out" | sed 's/^/#   /'; }

