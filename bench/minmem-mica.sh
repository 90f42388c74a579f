#!/bin/sh
# Least guest memory (-m, in MiB) with which the benchmark program runs to its
# end on Mica (through lx): binary search as bench/minmem.sh does for Linux.
# Operations lx cannot do yet fail at any size; a size counts as enough when the
# run ends and fails no more operations than it does with the most memory.
#
#   bench/minmem-mica.sh BUILD [LO] [HI]
set -eu
build=${1:?usage: minmem-mica.sh BUILD [LO] [HI]}
lo=${2:-8}
hi=${3:-256}
# failures SIZE: the number of failed operations at -m SIZE, or 999 if the run did not end
failures() {
    out=$(MICA_CPU=${BENCH_CPU:-qemu64} MICA_BUILD=$build MICA_TIMEOUT=300 tools/mica run --mem "$1" "$build/bench/bench" 2>&1 </dev/null | tr -d '\r')
    printf '%s\n' "$out" | grep -q '^info done' || { echo 999; return; }
    printf '%s\n' "$out" | grep -c '^bench .* FAIL ' || true
}
base=$(failures "${hi}M")
runs() { [ "$(failures "$1")" -le "$base" ]; }
while [ $((hi - lo)) -gt 8 ]; do
    mid=$(( (lo + hi) / 2 / 8 * 8 ))
    [ "$mid" -le "$lo" ] && mid=$((lo + 8))
    if runs "${mid}M"; then
        echo "minmem-mica: -m ${mid}M completes" >&2
        hi=$mid
    else
        echo "minmem-mica: -m ${mid}M fails" >&2
        lo=$mid
    fi
done
echo "minmem ${hi}M (fails at ${lo}M)" | tee "$build/bench/mica-minmem.txt"
