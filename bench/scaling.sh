#!/bin/sh
# The scaling benchmark (bench/scaling.c) on both systems, under instruction counting, in the same QEMU
# machine and memory: Linux with the program as /init (bench/run-linux.sh), Mica through `tools/mica run`.
# Writes BUILD/bench/linux-scaling.{txt,log,meta} and mica-scaling.{txt,log}; an operation a system cannot do
# prints a FAIL line with its reason, which the table shows. Exits 1 only if a run did not reach its end.
# usage: bench/scaling.sh BUILD [MEM]   (needs BUILD/linux/vmlinuz, BUILD/bench/scaling, the kernel and lx)
set -eu
build=${1:?usage: scaling.sh BUILD [MEM]}
mem=${2:-512M}
out=$build/bench
cpu=${BENCH_CPU:-qemu64}
rc=0

sh bench/run-linux.sh "$build" "$mem" linux-scaling "$out/scaling" || rc=1

MICA_ICOUNT=1 MICA_CPU=$cpu MICA_BUILD=$build MICA_TIMEOUT=900 tools/mica run --mem "$mem" "$out/scaling" </dev/null 2>&1 |
	tr -d '\r' > "$out/mica-scaling.log" || true
grep '^bench ' "$out/mica-scaling.log" > "$out/mica-scaling.txt" || true
echo "MICA_ICOUNT=1 MICA_CPU=$cpu tools/mica run --mem $mem build/bench/scaling" > "$out/mica-scaling.meta"
if ! grep -q '^info done' "$out/mica-scaling.log"; then
	echo "scaling: the run on Mica did not reach its end (see $out/mica-scaling.log)" >&2
	rc=1
fi
grep -h ' FAIL ' "$out/linux-scaling.txt" "$out/mica-scaling.txt" >&2 || true
exit $rc
