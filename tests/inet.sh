#!/bin/sh
# Debian's python3 serving HTTP from inside Mica through lx's TCP/IP stack, fetched from the host with curl
# through `mica run -p` (QEMU's user network, restrict=on, the port published on 127.0.0.1 only): http.server
# as it starts by default, a forking server (a child per connection, the socket shared after fork) with several
# clients at once, a 1 MiB file byte for byte, and bad -p arguments refused. eth0's address from QEMU's DHCP
# server (another one asked for with --ip), the fixed fallback when no server answers, and a lease that comes after it. The other way: Debian's curl in Mica
# fetching from a python3 http.server on the host's 127.0.0.1 through `mica run --forward`, a non-blocking
# connect and refused connections checked as on the host, ENETUNREACH at once without a route (as on the host in a
# network namespace of its own), and bad --forward arguments.
suite=inet
. "$(dirname "$0")/setup.sh"
cd "$here"
need_lx
py=/usr/bin/python3
[ -x "$py" ] || { echo "not ok inet/python3: Debian's python3 is not installed (tools/deps.sh)"; exit 1; }

ok() {
	name=$1
	shift
	if "$@"; then echo "ok inet/$name"; else echo "not ok inet/$name"; fi
}

www=$out/www
mkdir -p "$www"
printf 'hello from inside Mica\n' > "$www/hello.txt"
head -c 1048576 /dev/urandom > "$www/big.bin"

# serve NAME PORT ARGS...: run python3 ARGS in Mica with guest port 8000 published at PORT, in the background.
serve() {
	s_name=$1 s_port=$2
	shift 2
	MICA_TIMEOUT=300 tools/mica run -p "127.0.0.1:$s_port:8000" --with "$www" "$py" "$@" > "$out/$s_name.log" 2>&1 &
	server=$!
}

# up PORT: wait (up to 120 s) until the server answers at PORT.
up() {
	answers "http://127.0.0.1:$1/hello.txt"
}

# no_answer NAME: report that server NAME never answered, with the end of its output.
no_answer() {
	echo "not ok inet/$1-up: no answer; its output:"
	tail -5 "$out/$1.log" | sed 's/^/#   /'
}

# stop: end the server started last ($server).
stop() {
	kill "$server" 2>/dev/null
	wait "$server" 2>/dev/null
}

base=$(port_base 13) || exit 1

# http.server as it starts by default (Python picks the address: "::" with IPv4 too, or 0.0.0.0).
port=$base
serve default "$port" -m http.server -d "$www" 8000
if up "$port"; then
	curl -s -o "$out/hello.1" "http://127.0.0.1:$port/hello.txt"
	ok default-fetch cmp -s "$www/hello.txt" "$out/hello.1"
	curl -s -o "$out/big.1" "http://127.0.0.1:$port/big.bin"
	ok default-1mib cmp -s "$www/big.bin" "$out/big.1"
	code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/nosuch")
	ok default-404 [ "$code" = 404 ]
else
	no_answer default
fi
stop

# A forking server: every connection accepted by the parent is served by a child of its own.
port=$((base + 1))
serve forking "$port" -c "import http.server as h, socketserver as s, os
os.chdir('$www')
S = type('S', (s.ForkingMixIn, h.HTTPServer), {})
S(('0.0.0.0', 8000), h.SimpleHTTPRequestHandler).serve_forever()"
if up "$port"; then
	pids=
	for i in 1 2 3 4 5 6; do
		curl -s -o "$out/fork.$i" "http://127.0.0.1:$port/big.bin" &
		pids="$pids $!"
	done
	for p in $pids; do wait "$p"; done
	good=0
	for i in 1 2 3 4 5 6; do cmp -s "$www/big.bin" "$out/fork.$i" && good=$((good + 1)); done
	ok forking-6-clients [ $good -eq 6 ]
	curl -s -o "$out/fork.after" "http://127.0.0.1:$port/hello.txt"
	ok forking-after cmp -s "$www/hello.txt" "$out/fork.after"
else
	no_answer forking
fi
stop

# A server bound to the machine's own address, 10.0.2.15, not "any": fetched from the host through -p.
port=$((base + 2))
serve own-address "$port" -m http.server -b 10.0.2.15 -d "$www" 8000
if up "$port"; then
	curl -s -o "$out/hello.own" "http://127.0.0.1:$port/hello.txt"
	ok own-address-fetch cmp -s "$www/hello.txt" "$out/hello.own"
else
	no_answer own-address
fi
stop

# Two listeners share port 8000 by SO_REUSEPORT and the first closes: the other takes the connections from
# the outside from then on (nginx's reuseport, a server's workers restarting one at a time).
port=$((base + 9))
serve reuseport "$port" -c "import socket
def listener():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    s.bind(('0.0.0.0', 8000))
    s.listen(8)
    return s
first, second = listener(), listener()
first.close()
body = open('$www/hello.txt', 'rb').read()
while True:
    c, _ = second.accept()
    c.recv(4096)
    c.sendall(b'HTTP/1.0 200 OK\\r\\nContent-Length: %d\\r\\n\\r\\n' % len(body) + body)
    c.close()"
if up "$port"; then
	curl -s -o "$out/hello.reuseport" "http://127.0.0.1:$port/hello.txt"
	ok reuseport-other-takes-over cmp -s "$www/hello.txt" "$out/hello.reuseport"
else
	no_answer reuseport
fi
stop
# ... and from inside: a connect to 10.0.2.15 reaches a listener there, with 10.0.2.15 at both ends, as on
# Linux; an address the machine does not have is EADDRNOTAVAIL.
expect own-address-inside 0 "own 10.0.2.15 10.0.2.15 EADDRNOTAVAIL" env MICA_BUILD="$build" MICA_TIMEOUT=60 \
	tools/mica run -p "127.0.0.1:$((base + 3)):9" "$py" -c "
import errno, socket
l = socket.socket(); l.bind(('10.0.2.15', 0)); l.listen()
c = socket.create_connection(l.getsockname()); a, peer = l.accept(); c.sendall(b'own')
try:
    socket.socket().bind(('10.0.2.16', 0)); e = 'bound'
except OSError as x:
    e = errno.errorcode[x.errno]
print(a.recv(3).decode(), a.getsockname()[0], peer[0], e)"

# Bad input through -p (tests/inet/abuse.py): 2,000 connections dropped half-open, garbage to both published ports
# (one with nothing behind it in the guest), bursts of abandoned connects; then a small epoll server in Mica
# (tests/inet/server.c) still answers, and its descriptors and /proc/net/tcp are back to what they were idle.
# All of it goes through -p's relay (tools/mica-tcp): what a client sent before closing reaches the server.
if musl-gcc -static -O2 -Wall -Wextra -Werror -o "$out/abuse-server" tests/inet/server.c > "$out/abuse-server.build.log" 2>&1; then
	port=$((base + 4))
	MICA_TIMEOUT=300 tools/mica run -p "127.0.0.1:$port:8000" -p "127.0.0.1:$((base + 5)):9" "$out/abuse-server" 8000 \
		> "$out/abuse.log" 2>&1 &
	server=$!
	if answers "http://127.0.0.1:$port/"; then
		timeout -k 5 240 "$py" tests/inet/abuse.py "$port" "$((base + 5))" || tail -5 "$out/abuse.log" | sed 's/^/#   /'
	else
		no_answer abuse
	fi
	stop
else
	echo "not ok inet/abuse-server-build:"
	head -20 "$out/abuse-server.build.log" | sed 's/^/#   /'
fi

# Bad -p arguments: a clear error, status 2, nothing booted.
expect bad-p-form 2 "not [127.0.0.1:]HOSTPORT:GUESTPORT" tools/mica run -p 80 /bin/true
expect bad-p-port 2 "ports are 1 to 65535" tools/mica run -p 99999:80 /bin/true
expect bad-p-host 2 "not [127.0.0.1:]HOSTPORT:GUESTPORT" tools/mica run -p 0.0.0.0:8080:80 /bin/true
expect bad-net 2 "only \"none\" is known" tools/mica run --net user /bin/true
expect bad-ip-form 2 "not 10.0.2.N" tools/mica run --ip 1.2.3.4 -p 8080:80 /bin/true
expect bad-ip-range 2 "N is 4 to 99" tools/mica run --ip 10.0.2.100 -p 8080:80 /bin/true
expect bad-ip-no-network 2 "the guest has no network" tools/mica run --ip 10.0.2.20 /bin/true
# A host port taken by another program: -p's relay (tools/mica-tcp) says so before the machine starts.
python3 -c 'import socket, time; s = socket.socket(); s.bind(("127.0.0.1", '$((base + 12))')); s.listen(); time.sleep(60)' &
holder=$!
sleep 0.3
expect port-in-use 1 "cannot bind the host's port" tools/mica run -p "$((base + 12)):80" /bin/true
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
# The interface as programs see it: busybox ip reads eth0's address and the routes over netlink, ifconfig by ioctl.
got=$(MICA_BUILD=$build MICA_TIMEOUT=60 timeout -k 5 90 tools/mica run -p 127.0.0.1:18181:80 /bin/busybox sh -c \
	'ip -4 addr show dev eth0; ip route; ifconfig eth0' < /dev/null 2>&1 | tr -d '\r')
if printf '%s\n' "$got" | grep -q 'inet 10.0.2.15/24 brd 10.0.2.255 scope global eth0' &&
	printf '%s\n' "$got" | grep -q '^10.0.2.0/24 dev eth0 scope link  src 10.0.2.15' &&
	printf '%s\n' "$got" | grep -q 'HWaddr 52:54:00:12:34:56'; then
	echo "ok $suite/eth0-seen"
else
	echo "not ok $suite/eth0-seen: ip and ifconfig in Mica did not show eth0 as lwIP has it:"
	printf '%s\n' "$got" | head -20 | sed 's/^/#   /'
fi

# The address is DHCP's: QEMU's server told to offer 10.0.2.20 (--ip; lx's fallback would be 10.0.2.15), eth0
# has it with no default route (QEMU offers no router to a restricted guest), and busybox's httpd bound to
# 10.0.2.20 answers through -p (QEMU forwards to the address it offers).
port=$((base + 6))
MICA_TIMEOUT=120 tools/mica run --ip 10.0.2.20 -p "127.0.0.1:$port:80" --with "$www" /bin/busybox sh -c \
	"ip -4 addr show dev eth0; ip route; exec httpd -f -p 10.0.2.20:80 -h '$www'" < /dev/null > "$out/dhcp.log" 2>&1 &
server=$!
if up "$port"; then
	ok dhcp-address grep -q 'inet 10.0.2.20/24 brd 10.0.2.255 scope global eth0' "$out/dhcp.log"
	ok dhcp-no-router sh -c "grep -q '^10.0.2.0/24 dev eth0 scope link  src 10.0.2.20' '$out/dhcp.log' &&
		! grep -q '^default' '$out/dhcp.log'"
	curl -s -o "$out/hello.dhcp" "http://127.0.0.1:$port/hello.txt"
	ok dhcp-served cmp -s "$www/hello.txt" "$out/hello.dhcp"
else
	no_answer dhcp
fi
stop
# No DHCP server (the device on a datagram socket of 127.0.0.1 whose other end is closed): after 3 s of
# waiting lx says so and takes 10.0.2.15/24 with router 10.0.2.2.
rm -rf "$out/nodhcp" "$out/nodhcp.cpio"
tools/mica pack "$out/nodhcp" /bin/busybox sh -c 'ip -4 addr show dev eth0; ip route' > "$out/nodhcp.log" 2>&1 &&
	(cd "$out/nodhcp" && find . | LC_ALL=C sort | cpio --quiet -o -H newc) > "$out/nodhcp.cpio" &&
	tools/boot -t 60 "$build/kernel/mica.elf" "$out/nodhcp.cpio" -device virtio-net-device,netdev=n0 -netdev \
		"dgram,id=n0,local.type=inet,local.host=127.0.0.1,local.port=$((base + 7)),remote.type=inet,remote.host=127.0.0.1,remote.port=$((base + 8))" \
		< /dev/null > "$out/nodhcp.log" 2>&1
tr -d '\r' < "$out/nodhcp.log" > "$out/nodhcp.txt"
if grep -q '^lx: no answer from a DHCP server in 3 s: eth0 takes 10.0.2.15/24 with router 10.0.2.2' "$out/nodhcp.txt" &&
	grep -q 'inet 10.0.2.15/24 brd 10.0.2.255 scope global eth0' "$out/nodhcp.txt" &&
	grep -q '^default via 10.0.2.2 dev eth0' "$out/nodhcp.txt"; then
	echo "ok $suite/dhcp-fallback"
else
	echo "not ok $suite/dhcp-fallback: without a DHCP server lx did not say so and take 10.0.2.15:"
	tail -8 "$out/nodhcp.txt" | sed 's/^/#   /'
fi
# A DHCP server that answers late (tests/inet/dhcp_late.py, at the device's other end): silent for 5 s, so lx
# falls back to 10.0.2.15 via 10.0.2.2 and says so; DHCP goes on asking, and the next DISCOVER (6 s after the
# first) gets 10.0.2.30/24 with no router for 120 s: eth0 then has it and no default route, lx answers ARP for
# it and no longer for 10.0.2.15. lwIP renews the lease 60 s on; the server refuses, and the next lease is
# 10.0.2.31, which eth0 takes in turn.
rm -rf "$out/latedhcp" "$out/latedhcp.cpio"
tools/mica pack "$out/latedhcp" /bin/busybox sh -c 'look() {
	i=0
	while [ $i -lt $2 ] && ! ip -4 addr show dev eth0 | grep -q "inet $1/"; do sleep 0.5; i=$((i + 1)); done
	echo "$1 seen after $i looks"; ip -4 addr show dev eth0; ip route
}
look 10.0.2.30 60; look 10.0.2.31 240; sleep 8' > "$out/latedhcp.log" 2>&1 &&
	(cd "$out/latedhcp" && find . | LC_ALL=C sort | cpio --quiet -o -H newc) > "$out/latedhcp.cpio"
"$py" tests/inet/dhcp_late.py "$((base + 11))" "$((base + 10))" 5 10.0.2.30 160 10.0.2.31 > "$out/latedhcp.server" 2>&1 &
dserver=$!
tools/boot -t 170 "$build/kernel/mica.elf" "$out/latedhcp.cpio" -device virtio-net-device,netdev=n0 -netdev \
	"dgram,id=n0,local.type=inet,local.host=127.0.0.1,local.port=$((base + 10)),remote.type=inet,remote.host=127.0.0.1,remote.port=$((base + 11))" \
	< /dev/null > "$out/latedhcp.log" 2>&1
wait "$dserver"
cat "$out/latedhcp.server"
tr -d '\r' < "$out/latedhcp.log" > "$out/latedhcp.txt"
sed -n '/^10.0.2.30 seen/,/^10.0.2.31 seen/p' "$out/latedhcp.txt" > "$out/latedhcp.first"
sed -n '/^10.0.2.31 seen/,$p' "$out/latedhcp.txt" > "$out/latedhcp.second"
if grep -q '^lx: no answer from a DHCP server in 3 s: eth0 takes 10.0.2.15/24' "$out/latedhcp.txt" &&
	grep -q 'inet 10.0.2.30/24 brd 10.0.2.255 scope global eth0' "$out/latedhcp.first" &&
	grep -q '^10.0.2.0/24 dev eth0 scope link  src 10.0.2.30' "$out/latedhcp.first" &&
	! grep -q '10.0.2.15\|^default' "$out/latedhcp.first"; then
	echo "ok $suite/dhcp-late-lease-taken"
else
	echo "not ok $suite/dhcp-late-lease-taken: after the fallback lx did not move to the late lease:"
	tail -8 "$out/latedhcp.txt" | sed 's/^/#   /'
fi
if grep -q 'inet 10.0.2.31/24 brd 10.0.2.255 scope global eth0' "$out/latedhcp.second" &&
	grep -q '^10.0.2.0/24 dev eth0 scope link  src 10.0.2.31' "$out/latedhcp.second" &&
	! grep -q '10.0.2.30' "$out/latedhcp.second"; then
	echo "ok $suite/dhcp-renewal-new-address"
else
	echo "not ok $suite/dhcp-renewal-new-address: lx did not move to the address of the lease after a refused renewal:"
	tail -8 "$out/latedhcp.txt" | sed 's/^/#   /'
fi

# The other way: a python3 http.server on the host's 127.0.0.1, reached from Mica at 10.0.2.100 through --forward.
hport=$((base + 2))
closed=$((base + 3)) # nothing listens there on the host, and Mica's network does not forward it
"$py" -m http.server -b 127.0.0.1 -d "$www" "$hport" > "$out/host-http.log" 2>&1 &
hserver=$!
i=0
until curl -s -m 5 -o /dev/null "http://127.0.0.1:$hport/hello.txt" || [ $i -ge 30 ]; do
	sleep 1
	i=$((i + 1))
done
# in_mica PORT ARGS...: tools/mica run --forward PORT ARGS; standard output in $out/fwd.out, the status in $st.
in_mica() {
	i_port=$1
	shift
	MICA_TIMEOUT=120 timeout -k 5 150 tools/mica run --forward "$i_port" "$@" > "$out/fwd.out" 2> "$out/fwd.err" < /dev/null
	st=$?
}
# fetched FILE: the last in_mica succeeded and printed FILE's bytes.
fetched() {
	[ $st -eq 0 ] && cmp -s "$1" "$out/fwd.out"
}
in_mica "$hport" /usr/bin/curl -s "http://10.0.2.100:$hport/big.bin"
ok forward-curl-1mib fetched "$www/big.bin"
in_mica "$hport" /usr/bin/curl -s "http://10.0.2.100:$hport/hello.txt"
ok forward-curl-small fetched "$www/hello.txt"
# A port nobody forwards: QEMU's user network (restrict=on) resets the connection: ECONNREFUSED, curl's status 7.
in_mica "$hport" /usr/bin/curl -s "http://10.0.2.100:$closed/hello.txt"
ok forward-refused [ $st -eq 7 ]
# A forwarded port nothing listens on at the host: the connection is made, then reset (curl's status 56).
in_mica "$closed" /usr/bin/curl -s "http://10.0.2.100:$closed/hello.txt"
ok forward-no-listener-reset [ $st -eq 56 ]

# Non-blocking and refused connects, MSG_WAITALL and SO_RCVLOWAT on a download: the same checks on the host
# (at 127.0.0.1) and in Mica (at 10.0.2.100).
cat > "$www/connect.py" << 'END'
import errno, select, socket, sys
addr, port, closed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def check(name, cond):
    print(("ok " if cond else "not ok ") + name)
def pollout(s):
    p = select.poll()
    p.register(s, select.POLLOUT)
    ev = p.poll(30000)
    return ev[0][1] if ev else 0
s = socket.socket()
s.setblocking(False)
check("nb-einprogress", s.connect_ex((addr, port)) == errno.EINPROGRESS)
check("nb-pollout", pollout(s) == select.POLLOUT)
check("nb-so-error", s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0)
check("nb-connect-again", s.connect_ex((addr, port)) == 0 and s.connect_ex((addr, port)) == errno.EISCONN)
check("nb-peer", s.getpeername() == (addr, port))
s.setblocking(True)
s.sendall(b"GET /hello.txt HTTP/1.0\r\n\r\n")
data = b""
while True:
    chunk = s.recv(4096)
    if not chunk:
        break
    data += chunk
check("nb-http", data.startswith(b"HTTP/1.0 200 ") and data.endswith(b"\r\n\r\nhello from inside Mica\n"))
c = socket.socket()
try:
    c.connect((addr, closed))
    e = 0
except OSError as x:
    e = x.errno
check("refused-blocking", e == errno.ECONNREFUSED)
c = socket.socket()
c.setblocking(False)
r = c.connect_ex((addr, closed))
ev = pollout(c) if r == errno.EINPROGRESS else 0
check("refused-nb-poll", ev & select.POLLERR and ev & select.POLLHUP and ev & select.POLLOUT)
check("refused-nb-so-error", c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == errno.ECONNREFUSED)
check("refused-nb-so-error-read", c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0)
c6 = socket.socket(socket.AF_INET6)
c6.connect(("::ffff:" + addr, port))
check("v4-mapped", c6.getpeername()[:2] == ("::ffff:" + addr, port))
c6.close()
b = socket.socket()
b.bind(("0.0.0.0", 0))
bound = b.getsockname()[1]
b.connect((addr, port))
check("bound-port-kept", bound != 0 and b.getsockname()[1] == bound)
b.close()
w = socket.socket()
w.connect((addr, port))
w.setsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT, 65536)
w.sendall(b"GET /big.bin HTTP/1.0\r\n\r\n")
first = w.recv(300000, socket.MSG_WAITALL)
rest = []
while True:
    chunk = w.recv(1 << 20)
    if not chunk:
        break
    rest.append(chunk)
data = first + b"".join(rest)
check("waitall", len(first) == 300000)
check("rcvlowat-reads", all(len(c) >= 65536 for c in rest[:-1]) and len(data) - data.index(b"\r\n\r\n") - 4 == 1 << 20)
END
"$py" "$www/connect.py" 127.0.0.1 "$hport" "$closed" > "$out/connect.host" 2>&1
hst=$?
in_mica "$hport" --with "$www" "$py" "$www/connect.py" 10.0.2.100 "$hport" "$closed"
tr -d '\r' < "$out/fwd.out" > "$out/connect.mica"
if [ $hst -eq 0 ] && [ $st -eq 0 ] && ! grep -q "^not ok" "$out/connect.host" "$out/connect.mica" &&
	[ "$(grep -c '^ok ' "$out/connect.host")" -eq 14 ] && cmp -s "$out/connect.host" "$out/connect.mica"; then
	echo "ok inet/connect-as-host"
else
	echo "not ok inet/connect-as-host: host (status $hst) and Mica (status $st) differ:"
	diff "$out/connect.host" "$out/connect.mica" | head -20 | sed 's/^/#   /'
fi
# /proc/net/tcp's row of a connection to the outside: its owner's uid (the program runs as uid 4321), its inode,
# no timer while idle; after the program closes first, TIME_WAIT (06) with its timer (03) and the time left, uid and
# inode 0. The same checks on the host (at 127.0.0.1, Linux's 60 s) and in Mica (at 10.0.2.100, lwIP's 20 s).
cat > "$www/procrow.py" << 'END'
import os, socket, sys, time
addr, port = sys.argv[1], int(sys.argv[2])
def check(name, cond, why=""):
    print(("ok " if cond else "not ok ") + name + ("" if cond else ": %s" % (why,)))
def row(local_port):
    for line in open("/proc/net/tcp").read().splitlines()[1:]:
        f = line.split()
        if f[1].endswith(":%04X" % local_port) and f[2].endswith(":%04X" % port):
            return f
os.setresuid(4321, 4321, 4321)
s = socket.create_connection((addr, port))
lp = s.getsockname()[1]
f = row(lp)
check("outside-row-owner", f and f[3] == "01" and f[7] == "4321" and f[9] == str(os.fstat(s.fileno()).st_ino), f)
check("outside-row-idle-timer", f and f[5] == "00:00000000" and f[6] == "00000000" and f[8] == "0", f)
s.close()
end = time.monotonic() + 10
while time.monotonic() < end and not (f and f[3] == "06"):
    time.sleep(0.2)
    f = row(lp)
check("outside-time-wait-row", f and f[3] == "06" and f[5][:3] == "03:" and 0 < int(f[5][3:], 16) <= 6000 and
      f[7] == "0" and f[9] == "0", f)
END
"$py" "$www/procrow.py" 127.0.0.1 "$hport" > "$out/procrow.host" 2>&1
hst=$?
in_mica "$hport" --with "$www" "$py" "$www/procrow.py" 10.0.2.100 "$hport"
tr -d '\r' < "$out/fwd.out" > "$out/procrow.mica"
if [ $hst -eq 0 ] && [ $st -eq 0 ] && ! grep -q "^not ok" "$out/procrow.host" "$out/procrow.mica" &&
	[ "$(grep -c '^ok ' "$out/procrow.host")" -eq 3 ] && cmp -s "$out/procrow.host" "$out/procrow.mica"; then
	echo "ok inet/proc-net-tcp-outside-as-host"
else
	echo "not ok inet/proc-net-tcp-outside-as-host: host (status $hst) and Mica (status $st) differ:"
	diff "$out/procrow.host" "$out/procrow.mica" | head -20 | sed 's/^/#   /'
fi
kill "$hserver" 2>/dev/null
wait "$hserver" 2>/dev/null
# An address on QEMU's network that nobody answers (no ARP reply): lwIP gives up on the SYN, ETIMEDOUT (Mica only).
in_mica "$hport" "$py" -c 'import socket
try:
    socket.create_connection(("10.0.2.77", 80))
except OSError as e:
    print(e.errno)'
timed_out() {
	[ $st -eq 0 ] && [ "$(tr -d '\r' < "$out/fwd.out")" = 110 ] # ETIMEDOUT's number
}
ok connect-timeout timed_out

# No route (QEMU offers a restricted guest no router; a network namespace of its own has none at all): a TCP
# connect, blocking or not, and a UDP connect or sendto to an address outside every subnet fail at once with
# ENETUNREACH, as on the host (there in a namespace of its own, when one can be made). Nothing is sent anywhere.
cat > "$www/noroute.py" << 'END'
import errno, socket, time
far = ("192.0.2.1", 80) # TEST-NET-1: in no subnet of either side
def check(name, cond):
    print(("ok " if cond else "not ok ") + name)
def fails(f):
    try:
        f()
        return 0
    except OSError as x:
        return x.errno
start = time.monotonic()
check("tcp-enetunreach", fails(lambda: socket.socket().connect(far)) == errno.ENETUNREACH)
s = socket.socket()
s.setblocking(False)
check("tcp-nb-enetunreach", s.connect_ex(far) == errno.ENETUNREACH)
check("tcp-at-once", time.monotonic() - start < 5)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
check("udp-connect-enetunreach", fails(lambda: u.connect(far)) == errno.ENETUNREACH)
check("udp-sendto-enetunreach", fails(lambda: u.sendto(b"x", far)) == errno.ENETUNREACH)
END
if unshare -rn true 2> /dev/null; then
	unshare -rn "$py" "$www/noroute.py" > "$out/noroute.host" 2>&1
	hst=$?
else
	echo "# no network namespace of its own can be made here: the host side of noroute is taken as written"
	printf 'ok %s\n' tcp-enetunreach tcp-nb-enetunreach tcp-at-once udp-connect-enetunreach udp-sendto-enetunreach \
		> "$out/noroute.host"
	hst=0
fi
in_mica "$hport" --with "$www" "$py" "$www/noroute.py"
tr -d '\r' < "$out/fwd.out" > "$out/noroute.mica"
if [ $hst -eq 0 ] && [ $st -eq 0 ] && ! grep -q "^not ok" "$out/noroute.host" "$out/noroute.mica" &&
	[ "$(grep -c '^ok ' "$out/noroute.host")" -eq 5 ] && cmp -s "$out/noroute.host" "$out/noroute.mica"; then
	echo "ok inet/no-route-enetunreach"
else
	echo "not ok inet/no-route-enetunreach: host (status $hst) and Mica (status $st) differ:"
	diff "$out/noroute.host" "$out/noroute.mica" | head -20 | sed 's/^/#   /'
fi

# Bad --forward arguments: a clear error, status 2, nothing booted.
expect bad-forward-form 2 "not a port" tools/mica run --forward 10.0.2.100:80 /bin/true
expect bad-forward-port 2 "ports are 1 to 65535" tools/mica run --forward 0 /bin/true
