#!/bin/sh
# IPv6 through lx's lwIP. On the wire: two Mica guests joined by `mica run --wire` (QEMU's datagram backend
# between two ports of 127.0.0.1, nothing else on it; fixed IPv4 addresses by --ip), a server on "::" and a
# client that reaches it at its link-local address with a scope id: TCP (1 MiB checked by hash, the names of
# both ends, /proc/net/tcp6's row, a listener bound to the link-local address alone, IPv4-mapped to the same
# listener, IPV6_V6ONLY refusing an IPv4 destination) and UDP (20 datagrams echoed with their hash, a connected
# socket, and IPv4 from an AF_INET socket, seen IPv4-mapped). On QEMU's user network (restrict=on):
# the address lwIP takes from the router's advertisement (fec0::/64) in netlink's dumps (busybox ip, glibc's
# getifaddrs) and /proc/net/if_inet6, and an IPv6 listener reached from the host over IPv4 (hostfwd):
# IPv4-mapped when IPV6_V6ONLY is off, refused when on.
suite=inet6
. "$(dirname "$0")/setup.sh"
cd "$here"
need_lx
py=/usr/bin/python3
bb=/usr/bin/busybox
[ -x "$py" ] || { echo "not ok inet6/python3: Debian's python3 is not installed (tools/deps.sh)"; exit 1; }
[ -x "$bb" ] || { echo "not ok inet6/busybox: Debian's busybox is not installed (tools/deps.sh)"; exit 1; }
export MICA_BUILD="$build"
mkdir -p "$out/t"
cp tests/inet/v6.py "$out/t/"

# ok NAME CMD...: one line, whether CMD succeeded; its status.
ok() {
	name=$1
	shift
	if "$@"; then echo "ok inet6/$name"; else echo "not ok inet6/$name"; return 1; fi
}

# mac PORT: the MAC address mica run --wire gives a guest whose local port is PORT.
mac() {
	printf '52:54:00:77:%02x:%02x' $(($1 >> 8)) $(($1 & 255))
}

# The wire: the server's end at port a, the client's at b.
base=$(port_base 5) || exit 1
a=$base b=$((base + 1)) port=7000
ipa=10.0.2.21 ipb=10.0.2.22
MICA_TIMEOUT=240 timeout -k 5 260 tools/mica run --wire "$a:$b" --ip $ipa --with "$out/t" "$py" "$out/t/v6.py" \
	server $port "$(mac $b)" "$(mac $a)" $ipb > "$out/server.log" 2>&1 &
server=$!
MICA_TIMEOUT=240 timeout -k 5 260 tools/mica run --wire "$b:$a" --ip $ipb --with "$out/t" "$py" "$out/t/v6.py" \
	client "$(mac $a)" $port "$(mac $b)" $ipa $ipb > "$out/client.log" 2>&1
cst=$?
wait $server
sst=$?
# every check of both ends, as the guests reported them
for f in client server; do
	tr -d '\r' < "$out/$f.log" | grep -E '^(not )?ok ' | sed 's|^ok |ok inet6/wire-|; s|^not ok |not ok inet6/wire-|'
done
nok=$(cat "$out/client.log" "$out/server.log" | tr -d '\r' | grep -c '^ok ')
if [ $cst -eq 0 ] && [ $sst -eq 0 ] && [ "$nok" -eq 20 ]; then
	echo "ok inet6/wire"
else
	echo "not ok inet6/wire: client status $cst, server status $sst, $nok of 20 checks passed; the ends of their output:"
	tail -n 4 "$out/client.log" "$out/server.log" | sed 's/^/#   /'
fi

# QEMU's user network advertises fec0::/64 with router fe80::2: the guest takes fec0:: and the interface
# identifier of its link-local address, and netlink's dumps (busybox ip, glibc's getifaddrs) and /proc/net/if_inet6
# show them.
hport=$((base + 2))
gcc -O2 -Wall -Wextra -Werror -o "$out/t/ifaddrs" tests/inet/ifaddrs.c > "$out/ifaddrs.build.log" 2>&1 ||
	echo "not ok inet6/ifaddrs-build: $(head -3 "$out/ifaddrs.build.log")"
MICA_TIMEOUT=90 timeout -k 5 120 tools/mica run -p "127.0.0.1:$hport:80" --with "$bb" --with "$out/t" "$bb" sh -c '
i=0
while [ $i -lt 20 ] && ! busybox ip -6 addr show dev eth0 | busybox grep -q "inet6 fec0::"; do
	busybox sleep 0.5
	i=$((i + 1))
done
busybox ip -6 addr show dev eth0
busybox ip -6 route
cat /proc/net/if_inet6
'"$out/t/ifaddrs" > "$out/slaac.log" 2>&1
slaac() {
	tr -d '\r' < "$out/slaac.log" > "$out/slaac.txt"
	grep -q "inet6 fec0::5054:ff:fe12:3456/64 scope site dynamic" "$out/slaac.txt" &&
		grep -q "inet6 fe80::5054:ff:fe12:3456/64 scope link" "$out/slaac.txt" &&
		grep -q "^default via fe80::2 dev eth0" "$out/slaac.txt" &&
		grep -q "^fec0::/64 dev eth0" "$out/slaac.txt" &&
		grep -q "^fec0000000000000505400fffe123456 02 40 40 00     eth0$" "$out/slaac.txt" &&
		grep -q "^fe80000000000000505400fffe123456 02 40 20 80     eth0$" "$out/slaac.txt" &&
		grep -q "^ifaddr lo ::1 0$" "$out/slaac.txt" &&
		grep -q "^ifaddr eth0 fe80::5054:ff:fe12:3456 2$" "$out/slaac.txt" &&
		grep -q "^ifaddr eth0 fec0::5054:ff:fe12:3456 0$" "$out/slaac.txt"
}
ok slaac slaac || sed 's/^/#   /' "$out/slaac.log" | tail -12

# An AF_INET6 listener on "::" takes IPv4 (hostfwd) connections as ::ffff:a.b.c.d; with IPV6_V6ONLY it takes none.
cat > "$out/t/dual.py" <<'END'
import select, socket, sys
socks = []
for port, only in ((8000, 0), (8001, 1)):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, only)
    s.bind(("::", port))
    s.listen(4)
    socks.append(s)
print("listening", flush=True)
answered = 0
while answered < 2:  # the host's first and last connections to the dual-stack one; any to the other is answered too
    for s in select.select(socks, [], [])[0]:
        c, peer = s.accept()
        c.sendall(("%s %s\n" % (peer[0], c.getsockname()[0])).encode())
        c.close()
        answered += s is socks[0]
END
p1=$((base + 3)) p2=$((base + 4))
MICA_TIMEOUT=120 timeout -k 5 140 tools/mica run -p "127.0.0.1:$p1:8000" -p "127.0.0.1:$p2:8001" --with "$out/t" \
	"$py" "$out/t/dual.py" > "$out/dual.log" 2>&1 &
dual=$!
"$py" - "$p1" "$p2" > "$out/dual.host" 2>&1 <<'END'
import socket, sys, time
p1, p2 = int(sys.argv[1]), int(sys.argv[2])

def fetch(port):
    """What the guest says on a connection through hostfwd (b"" when QEMU's connect to it was refused)."""
    c = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        data = b""
        while True:
            b = c.recv(100)
            if not b:
                return data
            data += b
    except OSError:
        return b""
    finally:
        c.close()

end = time.time() + 100
got = b""
while time.time() < end:  # the guest boots and listens; until then QEMU refuses, or accepts and closes at once
    try:
        got = fetch(p1)
    except OSError:
        pass
    if got:
        break
    time.sleep(1)
print("dual", got.decode().strip())
print("v6only", repr(fetch(p2)))
print("again", fetch(p1).decode().strip())  # the guest still there: the v6only refusal was its answer
END
wait $dual
dual() {
	grep -q "^dual ::ffff:10.0.2.2 ::ffff:10.0.2.15$" "$out/dual.host" && grep -q "^v6only b''$" "$out/dual.host" &&
		grep -q "^again ::ffff:10.0.2.2 ::ffff:10.0.2.15$" "$out/dual.host"
}
ok v4-mapped-v6only dual || sed 's/^/#   /' "$out/dual.host" "$out/dual.log" | tail -8

expect bad-wire-form 2 "not LOCALPORT:REMOTEPORT" tools/mica run --wire 7000 /bin/true
expect bad-wire-same 2 "two different ports" tools/mica run --wire 7000:7000 /bin/true
expect bad-wire-with-p 2 "one network device" tools/mica run --wire 7000:7001 -p 8080:80 /bin/true
expect bad-ip-no-network 2 "give -p, --forward or --wire" tools/mica run --ip 10.0.2.21 /bin/true
