#!/bin/sh
# Write the disk figures of BUILD/bench/disk.txt (bench/disk.sh) into docs/performance.md, between the disk
# markers, as a table of Linux, Mica and Mica/Linux with the exact commands.
# usage: bench/disk-record.sh BUILD
set -eu
build=${1:?usage: disk-record.sh BUILD}
txt=$build/bench/disk.txt
doc=docs/performance.md
begin='<!-- disk:begin (written by make bench-disk; edit outside the markers) -->'
end='<!-- disk:end -->'
[ -s "$txt" ] || { echo "disk-record: no $txt (run bench/disk.sh first)" >&2; exit 1; }
grep -q "^$begin\$" "$doc" || { echo "disk-record: $doc has no disk markers" >&2; exit 1; }

# field NAME N: field N of the line "disk NAME ..." (N 0: everything after the name).
field() { awk -v n="$1" -v f="$2" '$1 == "disk" && $2 == n { if (f) print $f; else { $1 = $2 = ""; sub(/^ +/, ""); print } }' "$txt"; }
# row NAME LABEL: one row of the table, with Mica/Linux when both are figures.
row() {
	l=$(field "$1" 4) m=$(field "$1" 6)
	ratio=$(awk -v l="$l" -v m="$m" 'BEGIN { if (l + 0 > 0 && m ~ /^[0-9.]+$/) printf "%.2f", m / l; else print "—" }')
	echo "| $2 | ${l:-—} | ${m:-—} | $ratio |"
}

section=$(cat <<EOT
$begin
## Disk: ext4 on virtio-blk (\`make bench-disk\`, $(date -u +%Y-%m-%d))

- $(qemu-system-x86_64 --version | head -n 1), \`-M microvm\`, \`-cpu ${BENCH_CPU:-qemu64}\`, \`-accel tcg\` without instruction counting, \`-m 256M\` on both systems; wall clock, each figure the median of 3 runs
- the disk: a fresh image for every run, $(field image 0), on the host as a raw file behind \`virtio-blk-device\`
- the program: \`bench/disk.c\` (static, glibc, Debian's \`libsqlite3.a\` linked in), the same binary on both systems
- Linux: $(field kernel 0), the program as init (it loads virtio-mmio, virtio-blk, ext4 and what they use, mounts \`/dev/vda\` at \`/data\` and runs \`write drop read files sqlite\`): \`$(field cmd_linux 0)\`
- Mica: \`$(field cmd_mica 0)\`, then in a second run \`$(field cmd_mica_read 0)\`

| wall clock | Linux | Mica | Mica/Linux |
| --- | ---: | ---: | ---: |
$(row disk_seq_write "256 MiB written in 1 MiB writes, then fsync (MB/s)")
$(row disk_seq_read "256 MiB read back in 1 MiB reads (MB/s): Linux after dropping its caches, Mica in a new run")
$(row disk_create_files "create + write 4 KiB + close, 2,000 files in one folder, no sync (files/s)")
$(row sqlite_insert_one_txn "sqlite3: 10,000 inserts in one transaction (inserts/s)")
$(row sqlite_insert_txn_each "sqlite3: 1,000 inserts, each its own transaction, synchronous=FULL (inserts/s)")
$end
EOT
)
awk -v b="$begin" -v e="$end" -v s="$section" '
	$0 == b { print s; skip = 1; next } $0 == e { skip = 0; next } !skip' "$doc" > "$doc.new"
mv "$doc.new" "$doc"
printf '%s\n' "$section"
