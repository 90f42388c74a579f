#!/bin/sh
# Demultiplexing cost per packet with 1, 10, 100 and 1,000 TCP-port filters, in guest instructions.
#   bench/demux.sh KERNEL IMAGE CPU
# Boots user/bench_demux under instruction counting on a virtio-net device whose dgram backend sends
# every frame to its own socket on 127.0.0.1, so what the program sends comes back to it through the
# device, the interrupt and the demultiplexer; the kernel counts the instructions spent in the match.
# Prints the program's "bench demux_N" lines; fails if any failed or if 1,000 filters cost more than
# 1.5 times one.
set -eu
kernel=$1 image=$2 cpu=$3
port=$(python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
out=$(tools/boot -i -c "$cpu" -t 600 "$kernel" "$image" \
	-netdev dgram,id=n0,local.type=inet,local.host=127.0.0.1,local.port="$port",remote.type=inet,remote.host=127.0.0.1,remote.port="$port" \
	-device virtio-net-device,netdev=n0 | tr -d '\r')
lines=$(printf '%s\n' "$out" | grep '^bench demux_' || true)
printf '%s\n' "$lines"
if [ "$(printf '%s\n' "$lines" | grep -c '^bench demux_[0-9]* [0-9]')" -ne 4 ]; then
	printf '%s\n' "$out" | tail -5 >&2
	exit 1
fi
printf '%s\n' "$lines" | awk '$2 == "demux_1" { one = $3 } $2 == "demux_1000" { k = $3 }
	END { if (k > 1.5 * one) { printf "1,000 filters cost %s, over 1.5x the %s of one\n", k, one > "/dev/stderr"; exit 1 } }'
