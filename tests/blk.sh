#!/bin/sh
# Block storage: the kernel's virtio-blk driver and extents (tests/kernel/blktests.c, native, run as the root env
# with two raw disk images made here), then the images checked from the host: what the tests wrote is there.
# usage: tests/blk.sh BUILD
suite=blk
. "$(dirname "$0")/setup.sh"
make -s -C "$here" BUILD="$build" "$build/kernel/mica.elf" "$build/img/blktests.cpio" ||
	{ echo "not ok $suite/build: the kernel or the block tests do not build"; exit 1; }

# Disk 0: 8 MiB of zeros with a line of the host's at sector 5; disk 1: 64 KiB of zeros.
truncate -s 8M "$out/disk0.img" && truncate -s 64K "$out/disk1.img"
printf 'mica-blk-host-sector-5' | dd of="$out/disk0.img" bs=512 seek=5 conv=notrunc status=none
"$here/tools/boot" -t 120 "$build/kernel/mica.elf" "$build/img/blktests.cpio" \
	-drive if=none,format=raw,file="$out/disk0.img",id=d0 -device virtio-blk-device,drive=d0 \
	-drive if=none,format=raw,file="$out/disk1.img",id=d1 -device virtio-blk-device,drive=d1 > "$out/kernel.log" 2>&1
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
