#!/bin/sh
# Write the latest `make bench` results into docs/performance.md (between the
# bench markers), and call out every Mica figure that got worse than the table
# recorded there before.
#   bench/record.sh BUILD
set -eu
build=$1
out=$build/bench
doc=docs/performance.md
begin='<!-- bench:begin (written by make bench; edit outside the markers) -->'
end='<!-- bench:end -->'
size() { wc -c < "$1" | tr -d ' '; }
# io NAME FIELD: field FIELD of bench-io's line NAME (4: Linux's MB/s, 6: Mica's).
io() { awk -v n="$1" -v f="$2" '$2 == n { print $f }' "$out/io.txt" 2>/dev/null; }

objcopy --strip-all "$build/kernel/mica.elf" "$out/mica.stripped"
objcopy --strip-all "$build/user/lx/lx" "$out/lx.stripped"
k=$(size "$out/mica.stripped") lx=$(size "$out/lx.stripped") prog=$(size "$out/bench")
lk=$(size "$build/linux/vmlinuz") li=$(size "$out/initramfs.cpio")
table=$(sh bench/report.sh "$build")

# Mica figures of the table recorded before: "operation|value" lines.
old=$(sed -n "/^$begin\$/,/^$end\$/p" "$doc" 2>/dev/null | awk -F'|' 'NF >= 5 { gsub(/^ +| +$/, "", $2); gsub(/[ ,]/, "", $4); print $2 "|" $4 }')
worse=$(printf '%s\n' "$table" | awk -F'|' -v old="$old" '
	BEGIN { n = split(old, lines, "\n"); for (i = 1; i <= n; i++) { split(lines[i], f, "|"); prev[f[1]] = f[2] } }
	NF >= 5 { op = $2; gsub(/^ +| +$/, "", op); v = $4; gsub(/[ ,]/, "", v);
		if (v ~ /^[0-9]+$/ && prev[op] ~ /^[0-9]+$/ && v + 0 > prev[op] * 1.01)
			printf "- **%s got worse**: %s, was %s\n", op, v, prev[op] }')

# least PROGRAM FIELD: the least memory bench/minmem-programs.sh found for PROGRAM (field 4: Linux's, 6: Mica's).
least() { awk -v p="$1" -v f="$2" '$2 == p { print $f }' "$out/minmem-programs.txt" 2>/dev/null; }
section=$(cat <<EOT
$begin
## Latest run of \`make bench\` ($(date -u +%Y-%m-%d))

- $(qemu-system-x86_64 --version | head -n 1), \`-M microvm\`, \`-cpu ${BENCH_CPU:-qemu64}\` for both systems, \`-accel tcg -icount shift=0,sleep=off\`
- Linux: $(cat "$build/linux/version" 2>/dev/null || echo "Debian cloud kernel"), the same static \`bench/bench.c\` as init
- Mica: \`tools/boot -i -c ${BENCH_CPU:-qemu64} build/kernel/mica.elf build/img/bench_kernel.cpio\`, then \`MICA_ICOUNT=1 MICA_CPU=${BENCH_CPU:-qemu64} tools/mica run build/bench/bench\`
- Linux: \`$(sed -n 's/^command: //p' "$out/linux.meta" 2>/dev/null)\`

Guest instructions per operation ("not yet": the operation fails on Mica today).

$table

| | Linux | Mica |
| --- | ---: | ---: |
| boot image (bytes) | $((lk + li)) (vmlinuz $lk + initramfs $li) | $((k + lx + prog)) (kernel $k + lx $lx + program $prog) |
| least \`-m\` that runs the benchmark to its end | $(sed -n 's/^minmem \([0-9]*M\).*/\1/p' "$out/linux-minmem.txt" 2>/dev/null) | $(sed -n 's/^minmem \([0-9]*M\).*/\1/p' "$out/mica-minmem.txt" 2>/dev/null) |
| least \`-m\` that runs a static hello world (\`bench/minmem-programs.sh\`) | $(least hello 4) | $(least hello 6) |
| least \`-m\` that runs \`python3 -c pass\` (Debian's, dynamic; in the boot image) | $(least python3 4) | $(least python3 6) |
| hello world, QEMU launch to exit (wall seconds, median of 5) | $(awk '{ print $4 }' "$out/wall.txt" 2>/dev/null) | $(awk '{ print $6 }' "$out/wall.txt" 2>/dev/null) |
| 100 MiB stdin → stdout (MB/s of wall clock, in the guest; \`make bench-io\`) | $(io streams_stdin_to_stdout 4) | $(io streams_stdin_to_stdout 6) |
| 64 MiB file written on a shared folder, virtio-9p (MB/s) | $(io volume_file_write 4) | $(io volume_file_write 6) |
| 64 MiB file read on a shared folder, virtio-9p (MB/s) | $(io volume_file_read 4) | $(io volume_file_read 6) |

${worse:-No Mica figure got worse than the table recorded before.}
$end
EOT
)
if grep -q "^$begin\$" "$doc"; then
	awk -v b="$begin" -v e="$end" -v s="$section" '
		$0 == b { print s; skip = 1; next } $0 == e { skip = 0; next } !skip' "$doc" > "$doc.new"
else
	awk -v s="$section" 'NR == 1 { print; next } !done && /^## / { print s "\n"; done = 1 } { print }' "$doc" > "$doc.new"
fi
mv "$doc.new" "$doc"
printf '%s\n' "$section"
