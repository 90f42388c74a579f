#!/bin/sh
# Network tests: device discovery, the in-VM ring and filter tests on a device whose frames come back
# to it, and the native packet environment driven from the host. All traffic stays on 127.0.0.1.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
build=$1 kernel=$2
cd "$here"

# A UDP port on 127.0.0.1 that is free now.
free_port() {
	python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# expect NAME TEXT CMD...: CMD exits 0 and prints TEXT.
expect() {
	name=$1 text=$2
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc -eq 0 ] && printf '%s' "$out" | grep -q -- "$text"; then
		echo "ok net/$name"
	else
		echo "not ok net/$name: status $rc, output:"
		printf '%s\n' "$out" | tail -5 | sed 's/^/#   /'
	fi
}

# Devices: a virtio-net device is found; a legacy one and one without a driver are named and skipped.
expect device-found "net: virtio-net at 0xfeb00e00, irq 23" \
	tools/boot -t 30 "$kernel" "$build/img/hello.cpio" -netdev user,id=n0,restrict=on -device virtio-net-device,netdev=n0
expect legacy-skipped "legacy (version 1) device; skipped" \
	tools/boot -t 30 "$kernel" "$build/img/hello.cpio" -global virtio-mmio.force-legacy=true \
	-netdev user,id=n0,restrict=on -device virtio-net-device,netdev=n0
expect no-driver-skipped "device type 4 has no driver; skipped" \
	tools/boot -t 30 "$kernel" "$build/img/hello.cpio" -device virtio-rng-device

# The in-VM tests: a dgram backend that sends every frame to its own socket, so what the guest
# sends comes back to it. Once with the device's event indexes (QEMU offers them), once without.
for event_idx in on off; do
	port=$(free_port)
	out=$(tools/boot -t 120 "$kernel" "$build/img/nettests.cpio" \
		-netdev dgram,id=n0,local.type=inet,local.host=127.0.0.1,local.port="$port",remote.type=inet,remote.host=127.0.0.1,remote.port="$port" \
		-device virtio-net-device,netdev=n0,event_idx=$event_idx 2>&1)
	rc=$?
	printf '%s\n' "$out" | sed "s,^\(\(not \)*ok \)\(n_net\|runner\)/,\1event-idx-$event_idx/\3/,"
	[ $rc -eq 0 ] || echo "not ok net/in-vm-event-idx-$event_idx: status $rc"
	want=no
	printf '%s\n' "$out" | grep -q "^net: virtio-net at .*, event index" && want=yes
	[ "$want" = "$([ $event_idx = on ] && echo yes || echo no)" ] && echo "ok net/event-idx-$event_idx-negotiated" ||
		echo "not ok net/event-idx-$event_idx-negotiated: the driver did not agree as the device offered"
done

# The native packet environment from the host: ARP, ICMP echo, 10,000 UDP echoes, a second
# environment beside it, 10,000 malformed frames with the counters checked, then a clean end.
python3 tests/net_host.py "$kernel" "$build/img/netecho.cpio" 10000 10000

# UDP echo from the host through QEMU's user networking (hostfwd=udp on 127.0.0.1), 10,000 times. Its
# UDP answers need restrict=off (net_host.py says why), so it runs in a network namespace of its own
# whose one interface is loopback: nothing can leave the machine.
if unshare -n true 2>/dev/null; then
	unshare -n python3 tests/net_host.py --hostfwd "$kernel" "$build/img/netecho.cpio" 10000
elif unshare -rn true 2>/dev/null; then
	unshare -rn python3 tests/net_host.py --hostfwd "$kernel" "$build/img/netecho.cpio" 10000
else
	echo "not ok net/hostfwd-udp-echo-10000: no network namespace of its own can be made here (unshare -n)"
fi
