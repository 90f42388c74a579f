#!/bin/sh
# Write the disk figures of BUILD/bench/disk.txt (bench/disk.sh) into docs/performance.md, between the disk
# markers, as a table of Linux, Mica and Mica/Linux with the exact commands.
# usage: bench/disk-record.sh BUILD
set -eu
. "$(dirname "$0")/section.sh"
build=${1:?usage: disk-record.sh BUILD}
txt=$build/bench/disk.txt
doc=docs/performance.md
begin='<!-- disk:begin (written by make bench-disk; edit outside the markers) -->'
end='<!-- disk:end -->'
[ -s "$txt" ] || { echo "disk-record: no $txt (run bench/disk.sh first)" >&2; exit 1; }
grep -q "^$begin\$" "$doc" || { echo "disk-record: $doc has no disk markers" >&2; exit 1; }

# field NAME N [FILE]: field N of the line "disk NAME ..." of FILE (disk.txt) (N 0: everything after the name).
field() { bench_field "${3:-$txt}" disk "$1" "$2"; }
# row NAME LABEL: one row of the table, with Mica/Linux when both are figures.
row() { bench_row "$2" "$(field "$1" 4)" "$(field "$1" 6)"; }

# irow NAME LABEL PER: a row of guest instructions per MiB (PER 1.048576e9 over a MB/s figure) or per operation
# (PER 1e9 over an operations/s one), from disk-icount.txt, with Mica/Linux.
icount=$build/bench/disk-icount.txt
irow() {
	l=$(field "$1" 4 "$icount") m=$(field "$1" 6 "$icount")
	awk -v l="$l" -v m="$m" -v per="$3" -v label="$2" 'function n(v) { return v + 0 > 0 ? sprintf("%.0f", per / v) : "—" }
		BEGIN { printf "| %s | %s | %s | %s |\n", label, n(l), n(m), (l + 0 > 0 && m + 0 > 0) ? sprintf("%.2f", l / m) : "—" }'
}
# brow NAME LABEL: the busy ns (instructions, counted) per operation of NAME (disk.c's NAME_busy), with Mica/Linux.
brow() {
	l=$(field "$1_busy" 4 "$icount") m=$(field "$1_busy" 6 "$icount")
	awk -v l="$l" -v m="$m" -v label="$2" 'function s(v) { return v ~ /^[0-9.]+$/ ? sprintf("%.0f", v) : "—" }
		BEGIN { printf "| %s | %s | %s | %s |\n", label, s(l), s(m), (l + 0 > 0 && m ~ /^[0-9.]+$/) ? sprintf("%.2f", m / l) : "—" }'
}
itable=
[ -s "$icount" ] && itable=$(cat <<EOT

The same runs with instructions counted (\`BENCH_DISK_ICOUNT=1 bench/disk.sh\`, one run each: \`-icount
shift=0,sleep=off\` on both machines, so the program's clock reads guest instructions): the guest
instructions each operation takes, lx, the kernel and \`mica-ext4\` on Mica, Linux's kernel on Linux. A
machine that waits for the disk is idle, and an idle machine's clock jumps to its next timer, so
where the program waits on the disk (every read that misses, the \`fsync\` after the writes, a
transaction per insert) the figure counts the waits too, on both systems, and is not an instruction
count; only the inserts in one transaction, which hardly wait, are.

| guest instructions | Linux | Mica | Mica/Linux |
| --- | ---: | ---: | ---: |
$(irow disk_seq_write "per MiB written (1 MiB writes, then fsync)" 1.048576e9)
$(irow disk_seq_read "per MiB read back" 1.048576e9)
$(irow disk_create_files "per file created, written (4 KiB) and closed" 1e9)
$(irow sqlite_insert_one_txn "per sqlite3 insert, 10,000 in one transaction" 1e9)
$(irow sqlite_insert_txn_each "per sqlite3 insert in its own transaction (synchronous=FULL)" 1e9)

Busy time only, from the same runs: each step's time less the time the machine was idle, read
before and after the step (\`bench/idle.h\`: the idle and iowait sleep times of \`/proc/timer_list\`,
in ns, Linux's tick's and Mica's kernel's own count), per operation. These are the guest instructions each operation runs, the waits for the disk
left out.

| busy guest instructions | Linux | Mica | Mica/Linux |
| --- | ---: | ---: | ---: |
$(brow disk_seq_write "per MiB written (1 MiB writes, then fsync)")
$(brow disk_seq_read "per MiB read back")
$(brow disk_create_files "per file created, written (4 KiB) and closed")
$(brow sqlite_insert_one_txn "per sqlite3 insert, 10,000 in one transaction")
$(brow sqlite_insert_txn_each "per sqlite3 insert in its own transaction (synchronous=FULL)")
EOT
)

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
$(row disk_create_files "create + write 4 KiB + close, 10,000 files in one folder, no sync (files/s)")
$(row sqlite_insert_one_txn "sqlite3: 10,000 inserts in one transaction (inserts/s)")
$(row sqlite_insert_txn_each "sqlite3: 1,000 inserts, each its own transaction, synchronous=FULL (inserts/s)")
$itable
$end
EOT
)
put_section "$doc" "$begin" "$end" "$section"
