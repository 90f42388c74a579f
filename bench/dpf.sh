#!/bin/sh
# Demultiplexing cost per packet with 1, 10, 100 and 1,000 TCP-port filters, in host instructions.
#   bench/dpf.sh BUILD
# kernel/dpf.c, compiled with the kernel's code-generation flags, runs on the host in bench/dpf_demux.c;
# callgrind counts the instructions executed inside dpf_match (and what it calls) over PACKETS matches.
# These are host (x86-64) instructions of the same code, not guest instructions through the driver:
# no kernel call reaches dpf_match yet. Fails if the 1,000-filter figure exceeds 1.5x the 1-filter one.
set -eu
build=${1:-build}
out=$build/bench
packets=10000
mkdir -p "$out"
cc=${CC:-gcc}
$cc -std=gnu11 -O2 -ffreestanding -fno-builtin -mno-red-zone -mno-sse -mno-mmx -mno-sse2 -fno-stack-protector \
	-fno-omit-frame-pointer -Wall -Wextra -Werror -Iinclude -I. -c kernel/dpf.c -o "$out/dpf_host.o"
$cc -std=gnu11 -O2 -Wall -Wextra -Werror -Iinclude -I. bench/dpf_demux.c "$out/dpf_host.o" -o "$out/dpf_demux"

: > "$out/dpf.txt"
for n in 1 10 100 1000; do
	valgrind -q --tool=callgrind --collect-atstart=no --toggle-collect=dpf_match \
		--callgrind-out-file="$out/dpf.$n.callgrind" "$out/dpf_demux" $n $packets > /dev/null
	total=$(awk '/^(summary|totals):/ { print $2; exit }' "$out/dpf.$n.callgrind")
	case $n in 1) name="1 filter" ;; 1000) name="1,000 filters" ;; *) name="$n filters" ;; esac
	echo "demultiplex, $name|$((total / packets))" >> "$out/dpf.txt"
done
printf '| operation | host instructions per packet |\n| --- | ---: |\n'
awk -F'|' '{ printf "| %s | %s |\n", $1, $2 }' "$out/dpf.txt"
awk -F'|' 'NR == 1 { one = $2 } END { if ($2 > 1.5 * one) { printf "1,000 filters cost %s, over 1.5x the %s of one\n", $2, one; exit 1 } }' "$out/dpf.txt"
