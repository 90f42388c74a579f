#!/bin/sh
# Least guest memory (-m, in MiB) with which the benchmark program still
# runs to completion on Linux: binary search between LO (assumed too small)
# and HI (known to work), stopping at 8 MiB granularity.
#
#   bench/minmem.sh BUILD [LO] [HI]
set -eu
build=${1:?usage: minmem.sh BUILD [LO] [HI]}
lo=${2:-16}
hi=${3:-256}
while [ $((hi - lo)) -gt 8 ]; do
    mid=$(( (lo + hi) / 2 / 8 * 8 ))
    [ "$mid" -le "$lo" ] && mid=$((lo + 8))
    if sh bench/run-linux.sh "$build" "${mid}M" linux-m$mid 2>/dev/null; then
        echo "minmem: -m ${mid}M completes" >&2
        hi=$mid
    else
        echo "minmem: -m ${mid}M fails" >&2
        lo=$mid
    fi
done
echo "minmem ${hi}M (fails at ${lo}M)" | tee "$build/bench/linux-minmem.txt"
