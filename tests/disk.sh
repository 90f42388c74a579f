#!/bin/sh
# ext4 on a disk (mica run -v IMAGE:DIR, served by mica-ext4 over lx's FUSE): the file-system program on
# a host folder and on an ext4 image, output read back on the host, :ro, crashes with what was fsynced intact,
# corrupt images refused with a clear message, Debian's fuse2fs serving a disk too; e2fsck -fn clean after every
# run that wrote.
# usage: tests/disk.sh BUILD   (DISK_CRASH_RUNS=N kills of the file writer instead of 40, DISK_SYNC_RUNS=N of the
# writer that syncs instead of 10, DISK_SQLITE_RUNS=N of sqlite3 instead of 10, DISK_MANY=N files in one folder
# instead of 10,000)
suite=disk
. "$(dirname "$0")/setup.sh"

mica() { MICA_BUILD="$build" MICA_TIMEOUT=300 timeout -k 5 330 "$here/tools/mica" run "$@"; }
need_lx
bb=/bin/busybox
for tool in mke2fs e2fsck debugfs fuse2fs; do
	command -v $tool > /dev/null || PATH=$PATH:/sbin:/usr/sbin command -v $tool > /dev/null ||
		{ echo "not ok disk/$tool: $tool is missing (tools/deps.sh names the package)"; exit 1; }
done
PATH=$PATH:/sbin:/usr/sbin

# ok NAME COND-STATUS DETAIL: one line for a check made here.
ok() { if [ "$2" -eq 0 ]; then echo "ok disk/$1"; else echo "not ok disk/$1: $3"; fi; }
# image FILE [SEED-DIR]: a new 64 MiB ext4 image, as Debian's mke2fs makes it by default (with SEED-DIR's files).
image() { rm -f "$1"; mke2fs -q -F -t ext4 ${2:+-d "$2"} "$1" 64M > /dev/null 2>&1; }
# clean NAME IMAGE: e2fsck -fn finds nothing wrong in IMAGE.
clean() { e2fsck -fn "$2" > "$out/$1.fsck" 2>&1; ok "$1-fsck" $? "e2fsck -fn: $(tail -3 "$out/$1.fsck" | tr '\n' ' ')"; }
seed=$out/seed
mkdir -p "$seed/w"
head -c 8M /dev/zero > "$out/zeros.img"

# ---- the differential program: a host folder, then a folder of an ext4 image in Mica; the same check names ----
for kind in musl glibc; do
	build_c "$out/volfs-$kind" "$here/tests/volumes/volfs.c" $kind || continue
	mkdir "$out/host-$kind"
	"$out/volfs-$kind" "$out/host-$kind" > "$out/volfs-$kind.host.log" 2>&1
	hs=$?
	image "$out/volfs-$kind.img" "$seed"
	mica -v "$out/volfs-$kind.img:/vol" "$out/volfs-$kind" /vol/w > "$out/volfs-$kind.mica.log" 2>&1
	judge_checks "volfs-$kind" $hs $? "$out/volfs-$kind.host.log" "$out/volfs-$kind.mica.log"
	clean "volfs-$kind" "$out/volfs-$kind.img"
done

# ---- an ext4 root: mica pack --ext4 makes the image, mica run --rootfs boots on it; the same program there ----
if [ -x "$out/volfs-glibc" ] && MICA_BUILD="$build" "$here/tools/mica" pack --ext4 128M "$out/root.img" "$out/volfs-glibc" \
	> "$out/pack.log" 2>&1; then
	mica --rootfs "$out/root.img" /bin/volfs-glibc /tmp > "$out/rootfs.mica.log" 2>&1
	judge_checks rootfs-volfs-glibc 0 $? "$out/volfs-glibc.host.log" "$out/rootfs.mica.log"
	clean rootfs "$out/root.img"
else
	echo "not ok disk/pack-ext4: $(tail -3 "$out/pack.log" | tr '\n' ' ')"
fi
got=$(mica --rootfs "$out/root.img" /bin/volfs-glibc 2>&1; echo "status $?")
ok rootfs-program-runs "$(printf '%s' "$got" | grep -q 'usage: volfs DIR'; echo $?)" "$(printf '%s' "$got" | tail -2)"
# ... and 100 times from a shell there, each run mapping the program's and glibc's pages from the disk cache
got=$(mica --rootfs "$out/root.img" /bin/sh -c 'i=0; while [ $i -lt 100 ]; do /bin/volfs-glibc > /dev/null 2>&1
	[ $? -eq 1 ] || exit 3; i=$((i + 1)); done; echo ran $i' 2>&1)
ok rootfs-runs "$(printf '%s\n' "$got" | grep -qx 'ran 100'; echo $?)" "$(printf '%s' "$got" | tail -2)"
expect rootfs-relative-prog 2 "absolute path" "$here/tools/mica" run --rootfs "$out/root.img" volfs-glibc
expect rootfs-not-an-image 2 "not a sound ext2/3/4" "$here/tools/mica" run --rootfs "$out/zeros.img" /bin/sh

# ---- what a program writes is in the image when mica run returns, and opens on the host (debugfs) ----
io=$out/io
mkdir -p "$io/seed/in"
head -c 3000000 /dev/urandom > "$io/seed/in/random.bin"
seq 1 20000 > "$io/want.txt"
image "$io/disk.img" "$io/seed"
mica -v "$io/disk.img:/data" $bb sh -c 'cp /data/in/random.bin /data/copy.bin && seq 1 20000 > /data/seq.txt &&
	mkdir -p /data/a/b && echo deep > /data/a/b/c.txt && ln -s a/b/c.txt /data/link && sync'
rc=$?
ok output-status "$rc" "mica run exited $rc"
debugfs -R "dump /copy.bin $io/copy.bin" "$io/disk.img" > /dev/null 2>&1
debugfs -R "dump /seq.txt $io/seq.txt" "$io/disk.img" > /dev/null 2>&1
ok output-binary "$(cmp -s "$io/seed/in/random.bin" "$io/copy.bin"; echo $?)" "the copy in the image differs from the original"
ok output-text "$(cmp -s "$io/want.txt" "$io/seq.txt"; echo $?)" "seq's output in the image differs from the host's"
got=$(debugfs -R "cat /a/b/c.txt" "$io/disk.img" 2>/dev/null)
ok output-nested "$([ "$got" = deep ]; echo $?)" "a/b/c.txt holds \"$got\""
got=$(debugfs -R "stat /link" "$io/disk.img" 2>/dev/null | sed -n 's/.*Fast link dest: "\(.*\)"/\1/p')
ok output-symlink "$([ "$got" = a/b/c.txt ]; echo $?)" "the symlink points at \"$got\""
clean output "$io/disk.img"
# ... and a second run finds it all, the checksum as the host's
got=$(mica -v "$io/disk.img:/data" $bb sha256sum /data/copy.bin 2>&1 | tr -d '\r' | cut -d' ' -f1)
ok reread "$([ "$got" = "$(sha256sum < "$io/seed/in/random.bin" | cut -d' ' -f1)" ]; echo $?)" "sha256sum said $got"
# ... and a file three times the size of lx's cache of a disk (16 MiB) reads back whole: the cache is emptied
# while runs of pages are read into it (read-write, so the server's own writes leave dirty pages to write back first)
mkdir -p "$io/big/in"
head -c $((48 << 20)) /dev/urandom > "$io/big/in/big.bin"
rm -f "$io/big.img" && mke2fs -q -F -t ext4 -d "$io/big" "$io/big.img" 128M > /dev/null 2>&1
got=$(mica -v "$io/big.img:/data" $bb sha256sum /data/in/big.bin 2>&1 | tr -d '\r' | cut -d' ' -f1)
ok reread-large "$([ "$got" = "$(sha256sum < "$io/big/in/big.bin" | cut -d' ' -f1)" ]; echo $?)" "sha256sum said $got"
clean reread-large "$io/big.img"
# ... and a copy of it written in Mica lies in a few extents, as Linux's would, not in one per write: each run
# mapped is joined to the extent before it when the two follow each other on the disk
got=$(mica -v "$io/big.img:/data" $bb cp /data/in/big.bin /data/copy.bin 2>&1; echo "status $?")
debugfs -R "dump /copy.bin $io/copy.bin" "$io/big.img" > /dev/null 2>&1
ok copy-large "$(printf '%s' "$got" | grep -qx 'status 0' && cmp -s "$io/big/in/big.bin" "$io/copy.bin"; echo $?)" \
	"the copy differs from the original: $(printf '%s' "$got" | tail -2)"
n=$(debugfs -R "ex /copy.bin" "$io/big.img" 2>/dev/null | grep -c '^ *[0-9]*/ *[0-9]* *[0-9]*/')
ok copy-large-extents "$([ "$n" -ge 1 ] && [ "$n" -le 8 ]; echo $?)" "the 48 MiB copy lies in $n extents"
clean copy-large "$io/big.img"
rm -rf "$io/big" "$io/big.img" "$io/copy.bin"
# ... and appends a block at a time: two files in turn, so that each append finds the blocks after its file's
# last taken by the other file's (and must be allocated elsewhere, where the others grow the file's last extent
# on the disk), and a third past a hole; each reads back on the host as written
mkdir -p "$io/app/in"
head -c $((96 * 4096)) /dev/urandom > "$io/app/in/a.src" && head -c $((96 * 4096)) /dev/urandom > "$io/app/in/b.src"
image "$io/app.img" "$io/app"
got=$(mica -v "$io/app.img:/data" $bb sh -c 'i=0; while [ $i -lt 96 ]; do
	for f in a b; do dd if=/data/in/$f.src of=/data/$f bs=4096 skip=$i seek=$i count=1 conv=notrunc 2> /dev/null ||
		exit 1; done; i=$((i + 1)); done &&
	dd if=/data/in/a.src of=/data/c bs=4096 count=1 2> /dev/null &&
	dd if=/data/in/a.src of=/data/c bs=4096 skip=1 seek=40 count=8 conv=notrunc 2> /dev/null && echo appended' 2>&1)
for f in a b c; do debugfs -R "dump /$f $io/app.$f" "$io/app.img" > /dev/null 2>&1; done
head -c 4096 "$io/app/in/a.src" > "$io/app.want-c" && head -c $((39 * 4096)) /dev/zero >> "$io/app.want-c" &&
	tail -c +4097 "$io/app/in/a.src" | head -c $((8 * 4096)) >> "$io/app.want-c"
ok appends-in-turn "$(printf '%s' "$got" | grep -q '^appended' && cmp -s "$io/app/in/a.src" "$io/app.a" &&
	cmp -s "$io/app/in/b.src" "$io/app.b" && cmp -s "$io/app.want-c" "$io/app.c"; echo $?)" \
	"a file differs from what was written: $(printf '%s' "$got" | tail -2)"
n=$(debugfs -R "ex /a" "$io/app.img" 2>/dev/null | grep -c '^ *[0-9]*/ *[0-9]* *[0-9]*/')
ok appends-in-turn-extents "$([ "$n" -ge 2 ]; echo $?)" "a file appended in turn with another lies in $n extents"
clean appends-in-turn "$io/app.img"
rm -rf "$io/app" "$io/app.img" "$io/app."*

# ---- a folder of many files (DISK_MANY, 10,000 unless set): made, listed, looked up, a tenth removed; the same
# ---- checks as on a host folder ----
many_n=${DISK_MANY:-10000}
if build_c "$out/many" "$here/tests/disk/many.c" musl; then
	mkdir "$out/many-host"
	"$out/many" "$out/many-host" "$many_n" > "$out/many.host.log" 2>&1
	hs=$?
	image "$out/many.img" "$seed"
	mica -v "$out/many.img:/m" "$out/many" /m/w "$many_n" > "$out/many.mica.log" 2>&1
	judge_checks many-files $hs $? "$out/many.host.log" "$out/many.mica.log"
	clean many "$out/many.img"
fi

# ---- permissions: root and another user, the same checks as on a host folder (mica-ext4 makes them) ----
if build_c "$out/perms" "$here/tests/disk/perms.c" musl; then
	rm -rf "$out/perms-host" && mkdir "$out/perms-host"
	"$out/perms" "$out/perms-host" > "$out/perms.host.log" 2>&1
	hs=$?
	image "$out/perms.img" "$seed"
	mica -v "$out/perms.img:/p" "$out/perms" /p/w > "$out/perms.mica.log" 2>&1
	judge_checks perms $hs $? "$out/perms.host.log" "$out/perms.mica.log"
	clean perms "$out/perms.img"
fi

# ---- any FUSE file system: Debian's fuse2fs, run in Mica on a disk attached with --disk, serves it as well ----
f2=$(command -v fuse2fs)
image "$out/f2.img" "$seed"
# ... and an O_EXCL create of a name it has is EEXIST: lx asks first, since fuse2fs does not check (fuse_mica.h)
got=$(mica --disk "$out/f2.img" --with "$f2" --with "$out/volfs-musl" $bb sh -c "mkdir -p /mnt/f && {
	$f2 /dev/vda /mnt/f -f -s -o rw & } && until [ -d /mnt/f/lost+found ]; do sleep 0.1; done &&
	echo by-fuse2fs > /mnt/f/w/note && cat /mnt/f/w/note && mkdir /mnt/f/v && $out/volfs-musl /mnt/f/v;
	umount /mnt/f && wait" 2>&1)
rc=$?
ok fuse2fs-serves "$([ $rc = 0 ] && printf '%s' "$got" | grep -q '^by-fuse2fs' &&
	[ "$(debugfs -R 'cat /w/note' "$out/f2.img" 2>/dev/null)" = by-fuse2fs ]; echo $?)" "status $rc: $(printf '%s' "$got" | tail -3)"
excl=$(for c in create-excl-again excl-on-symlink excl-on-folder excl-long-after create-after-unlink; do
	printf '%s\n' "$got" | grep -qx "ok volfs/$c" || echo "$c"; done)
ok fuse2fs-excl "$([ -z "$excl" ]; echo $?)" "not ok: $excl"
clean fuse2fs "$out/f2.img"

# ---- FUSE_MICA_MAP with a server of its own on a disk of 16 blocks, block k filled with the byte k + 1: reads
# ---- follow the server's maps (tests/disk/fusemap.c says which) ----
fm=$out/fusemap
if build_c "$fm" "$here/tests/disk/fusemap.c" glibc -I"$here"; then
	python3 -c 'import sys; sys.stdout.buffer.write(b"".join(bytes([k + 1]) * 4096 for k in range(16)))' > "$fm.img"
	mica --disk "$fm.img" "$fm" > "$fm.log" 2>&1
	rc=$? oks=$(grep -c '^ok fusemap/' "$fm.log")
	ok fusemap "$([ $rc -eq 0 ] && [ "$oks" -eq 17 ] && ! grep -q '^not ok' "$fm.log"; echo $?)" \
		"status $rc, $oks of 17 checks: $(grep -v '^ok' "$fm.log" | head -5 | tr '\n' ' ')"
fi

# ---- a file mapped shared maps the disk cache's own pages (tests/disk/mapshare.c says what it checks), on a file
# ---- system of 4 KiB blocks (mke2fs's choice for images of 512 MiB and more) and on one of 1 KiB blocks, where
# ---- mica-ext4 places a file's blocks so that its pages lie whole on pages of the disk ----
ms=$out/mapshare
if build_c "$ms" "$here/tests/disk/mapshare.c" musl; then
	for bs in 4096 1024; do
		[ "$bs" = 1024 ] && n=mapshare-1k || n=mapshare
		rm -f "$ms.img" && mke2fs -q -F -t ext4 -b "$bs" -d "$seed" "$ms.img" 64M > /dev/null 2>&1
		mica -v "$ms.img:/d" "$ms" /d/w /dev/vda > "$ms.log" 2>&1
		rc=$? oks=$(grep -c '^ok mapshare/' "$ms.log")
		ok "$n" "$([ $rc -eq 0 ] && [ "$oks" -eq 17 ] && ! grep -q '^not ok' "$ms.log"; echo $?)" \
			"status $rc, $oks of 17 checks: $(grep -v '^ok' "$ms.log" | head -5 | tr '\n' ' ')"
		rm -f "$ms.f" "$ms.want"
		debugfs -R "dump /w/f $ms.f" "$ms.img" > /dev/null 2>&1
		debugfs -R "dump /w/f.want $ms.want" "$ms.img" > /dev/null 2>&1
		ok "$n-in-image" "$(cmp -s "$ms.f" "$ms.want"; echo $?)" "the file in the image is not what the program wrote"
		clean "$n" "$ms.img"
	done
	# mica-ext4 gives each inode it makes a generation of its own (with the inode's number, FUSE's name of the file)
	gen() { debugfs -R "stat /w/$1" "$ms.img" 2> /dev/null | sed -n 's/.*Generation: *\([0-9]*\).*/\1/p'; }
	g1=$(gen f) g2=$(gen g)
	ok inode-generations "$([ -n "$g1" ] && [ -n "$g2" ] && [ "$g1" != 0 ] && [ "$g1" != "$g2" ]; echo $?)" \
		"generations '$g1' and '$g2'"
fi

# ---- 200 processes that each read a disk file, one after another: what a process needs for the disk (its
# ---- completion ring, the bounce buffer) is not left behind in the shared heap when it ends (each took 2 MiB) ----
image "$out/procs.img" "$seed"
got=$(mica -v "$out/procs.img:/d" $bb sh -c 'echo data > /d/w/f && i=0 && while [ $i -lt 200 ]; do
	'"$bb"' cat /d/w/f > /dev/null || exit 1; i=$((i + 1)); done; echo read $i' 2>&1)
ok readers "$(printf '%s\n' "$got" | grep -q '^read 200$'; echo $?)" "$(printf '%s' "$got" | tail -3)"
clean readers "$out/procs.img"

# ---- a full disk: ENOSPC, the file system sound, and room again once the file is truncated and goes ----
rm -f "$out/full.img"
mke2fs -q -F -t ext4 "$out/full.img" 16M > /dev/null 2>&1
got=$(mica -v "$out/full.img:/d" $bb sh -c 'dd if=/dev/zero of=/d/fill bs=1M; : > /d/fill && rm /d/fill &&
	echo after > /d/after && cat /d/after' 2>&1)
ok enospc "$(printf '%s\n' "$got" | grep -q 'No space left on device' && printf '%s\n' "$got" | grep -q '^after'; echo $?)" \
	"$(printf '%s' "$got" | tail -3)"
clean enospc "$out/full.img"

# ---- a disk filled by 4 KiB writes, which lx sends without waiting while the disk has room (tests/disk/wbfull.c):
# ---- ENOSPC comes with a write, no write said done is lost, fsync finds no error ----
if build_c "$out/wbfull" "$here/tests/disk/wbfull.c" musl; then
	image "$out/wbfull.img"
	mica -v "$out/wbfull.img:/d" "$out/wbfull" /d > "$out/wbfull.log" 2>&1
	rc=$? oks=$(grep -c '^ok wbfull/' "$out/wbfull.log")
	ok write-behind-full "$([ $rc -eq 0 ] && [ "$oks" -eq 7 ] && ! grep -q '^not ok' "$out/wbfull.log"; echo $?)" \
		"status $rc, $oks of 7 checks: $(grep -v '^ok' "$out/wbfull.log" | head -5 | tr '\n' ' ')"
	clean write-behind-full "$out/wbfull.img"
fi

# ---- :ro: every change refused with EROFS, reads allowed, the image untouched ----
ro=$out/ro
mkdir -p "$ro/seed/sub" && echo original > "$ro/seed/file"
image "$ro/disk.img" "$ro/seed"
before=$(sha256sum < "$ro/disk.img")
got=$(mica -v "$ro/disk.img:/ro:ro" --with "$here/tests/volumes/ro_refusals.sh" $bb sh "$here/tests/volumes/ro_refusals.sh" /ro 2>&1)
ok ro-read "$(printf '%s\n' "$got" | grep -c '^original' | grep -qx 1; echo $?)" "the file was not read: $got"
ok ro-refused "$(printf '%s\n' "$got" | grep -c '^refused: ' | grep -qx 10; echo $?)" "$(printf '%s\n' "$got" | grep -v '^refused' | head -5)"
ok ro-image-untouched "$([ "$before" = "$(sha256sum < "$ro/disk.img")" ]; echo $?)" "the image changed"

# ---- crashes: the machine killed at a random moment of fsynced writes; after mica run's e2fsck -p, every
# ---- record reported written is whole, and the file system is consistent ----
# crashes NAME RUNS IMAGE CMD...: RUNS times, run CMD LAST in Mica with IMAGE at /d and kill the machine at
# a random moment after its first "synced N"; LAST is the N it reported last time (-1 at first), which CMD
# checks before it writes on ("not ok" lines if not). Then a last run (CMD LAST stop) checks the last kill.
crashes() {
	c_name=$1 c_runs=$2 c_img=$3 c_bad= c_total=0 c_last=-1
	shift 3
	for i in $(seq 1 "$c_runs") last; do
		c_out=$out/$c_name-$i.out
		mica -v "$c_img:/d" "$@" "$c_last" $([ "$i" = last ] && echo stop) > "$c_out" 2>&1 &
		c_pid=$!
		if [ "$i" = last ]; then
			wait $c_pid
		else
			n=0
			while ! grep -q '^synced' "$c_out" 2>/dev/null && [ $n -lt 900 ] && kill -0 $c_pid 2>/dev/null; do
				sleep 0.1; n=$((n + 1))
			done
			sleep "$(awk -v s="$i$$" 'BEGIN { srand(s); printf "%.2f", rand() * 1.5 }')"
			pkill -KILL -f -- "file=$c_img" 2>/dev/null
			wait $c_pid 2>/dev/null
		fi
		if grep '^not ok\|^mica-init\|timed out\|not a sound' "$c_out" > "$c_out.bad"; then
			c_bad="$c_bad run $i: $(head -2 "$c_out.bad" | tr '\n' ' ');"
			break
		fi
		[ "$c_last" -ge 0 ] && c_total=$((c_total + c_last + 1))
		[ "$i" = last ] && break
		c_last=$(sed -n 's/^synced //p' "$c_out" | tail -1)
		[ -n "$c_last" ] || { c_bad="$c_bad run $i wrote nothing: $(tail -2 "$c_out" | tr '\n' ' ');"; break; }
	done
	ok "$c_name-fsynced-intact" "$([ -z "$c_bad" ]; echo $?)" "$c_runs kills:$c_bad"
	clean "$c_name" "$c_img"
	echo "# $c_name: $c_runs kills at random moments, $c_total records reported synced found whole after them"
}
if build_c "$out/crash" "$here/tests/disk/crash.c" musl; then
	image "$out/crash.img" "$seed"
	crashes crash "${DISK_CRASH_RUNS:-40}" "$out/crash.img" "$out/crash" cycle /d/w
	# the same, each record made durable by sync(2) or syncfs(2) alone, while its file and the log are open
	image "$out/crash-sync.img" "$seed"
	crashes crash-sync "${DISK_SYNC_RUNS:-10}" "$out/crash-sync.img" "$out/crash" sync-cycle /d/w
fi
# sqlite3 in WAL mode (python3's module, Debian's libsqlite3), a transaction a row, its integrity checked after each kill
image "$out/sqlite.img"
crashes sqlite "${DISK_SQLITE_RUNS:-10}" "$out/sqlite.img" --with "$here/tests/disk/sqlite_crash.py" \
	/usr/bin/python3 "$here/tests/disk/sqlite_crash.py" /d/db

# two sqlite3 processes writing one WAL database at once, each mapping its shared-memory index with an mmap of
# its own: their stores must meet (a volume file's shared mappings share its shadow, libos/lx/volume_fd.c, whose
# pages are the disk cache's on a file system of 4 KiB blocks)
rm -f "$out/sqlite-procs.img" && mke2fs -q -F -t ext4 -b 4096 "$out/sqlite-procs.img" 64M > /dev/null 2>&1
got=$(mica -v "$out/sqlite-procs.img:/d" --with "$here/tests/disk/sqlite_procs.py" \
	/usr/bin/python3 "$here/tests/disk/sqlite_procs.py" /d/db 200 2>&1)
ok sqlite-two-writers "$(printf '%s\n' "$got" | grep -qx 'ok sqlite-procs/two-writers'; echo $?)" "$(printf '%s' "$got" | tail -2)"
clean sqlite-procs "$out/sqlite-procs.img"

# ---- corrupt or wrong images: a clear message and status 2, nothing started ----
expect corrupt-no-file-system 2 "not a sound ext2/3/4 file system" "$here/tools/mica" run -v "$out/zeros.img:/d" $bb true
image "$out/trunc.img"
truncate -s 20M "$out/trunc.img"
expect corrupt-truncated 2 "not a sound ext2/3/4 file system" "$here/tools/mica" run -v "$out/trunc.img:/d" $bb true
# random blocks overwritten: refused (status 2, said), or repaired by e2fsck -p and then served soundly
image "$out/rand.img" "$io/seed"
for off in 1 5 9 130 257 1100 4000 9000; do
	head -c 1024 /dev/urandom | dd of="$out/rand.img" bs=1024 seek=$off conv=notrunc 2> /dev/null
done
got=$(mica -v "$out/rand.img:/d" $bb ls /d 2>&1)
rc=$?
if [ $rc -eq 2 ]; then
	ok corrupt-random-blocks "$(printf '%s' "$got" | grep -q "not a sound ext2/3/4"; echo $?)" "status 2 without the message: $got"
else
	e2fsck -fn "$out/rand.img" > /dev/null 2>&1
	ok corrupt-random-blocks "$([ $rc -eq 0 ] && [ $? -eq 0 ]; echo $?)" "status $rc: $(printf '%s' "$got" | tail -3)"
fi

# ---- bad options: a clear message, status 2 ----
image "$out/ok.img"
expect bad-image-missing 2 "not a directory, a disk image" "$here/tools/mica" run -v "$out/nothere.img:/x" $bb true
expect bad-image-guest-relative 2 "absolute path" "$here/tools/mica" run -v "$out/ok.img:x" $bb true
chmod 444 "$out/ok.img"
if [ "$(id -u)" != 0 ]; then
	expect bad-image-readonly 2 "not readable and writable" "$here/tools/mica" run -v "$out/ok.img:/x" $bb true
fi
expect bad-image-pack 2 "not packed" "$here/tools/mica" pack "$out/packed" -v "$out/ok.img:/x" $bb true
