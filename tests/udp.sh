#!/bin/sh
# UDP between the host's 127.0.0.1 and a Mica guest through `mica run` (tools/mica-udp on a QEMU hub beside the user
# network): a guest UDP echo server (Debian's python3, tests/inet/udp_guest.py) answering host clients through
# -p HOSTPORT:GUESTPORT/udp (payloads of 0 to 65,507 bytes byte for byte, six clients at once, the peer address the
# guest sees, TCP's -p beside it), a guest client of a host echo server through --forward PORT/udp (the same sizes,
# a connected socket's names, ports not forwarded or with nothing behind them, a burst), bad arguments refused,
# a host port in use refused, and --net none still meaning no network.
suite=udp
. "$(dirname "$0")/setup.sh"
cd "$here"
need_lx
py=/usr/bin/python3
[ -x "$py" ] || { echo "not ok udp/python3: Debian's python3 is not installed (tools/deps.sh)"; exit 1; }
base=$(port_base 7) || exit 1

# results FILE: FILE's "ok NAME" and "not ok NAME: why" lines as this suite's (after a CR a guest may add).
results() {
	tr -d '\r' < "$1" | sed -n 's/^\(not \)\{0,1\}ok /&udp\//p'
}
# count_ok FILE N NAME: FILE holds N "ok" lines at least, else one failing line NAME with FILE's end.
count_ok() {
	if [ "$(tr -d '\r' < "$1" | grep -c '^ok ')" -ge "$2" ]; then
		echo "ok udp/$3"
	else
		echo "not ok udp/$3: fewer than $2 checks passed; the output's end:"
		tail -8 "$1" | sed 's/^/#   /'
	fi
}

# ---- a guest server, published: -p HOST:7/udp (echo), -p HOST:9/udp (who is asking), TCP's -p HOST:8000; the guest
# at 10.0.2.20 (--ip), which the relay is told ----
eport=$base wport=$((base + 1)) tport=$((base + 2))
MICA_TIMEOUT=300 tools/mica run --ip 10.0.2.20 -p "127.0.0.1:$eport:7/udp" -p "$wport:9/udp" -p "127.0.0.1:$tport:8000" \
	--with tests/inet/udp_guest.py "$py" "$here/tests/inet/udp_guest.py" serve < /dev/null > "$out/serve.log" 2>&1 &
server=$!
timeout -k 5 400 "$py" tests/inet/udp_host.py client "$eport" "$wport" "$tport" > "$out/published.log" 2>&1
results "$out/published.log"
count_ok "$out/published.log" 4 published-all
# while it runs, the published UDP port is the relay's: nobody else can take it
expect port-in-use 1 "cannot bind the host's port" env MICA_TIMEOUT=60 tools/mica run -p "$eport:7/udp" /bin/true
kill "$server" 2>/dev/null
wait "$server" 2>/dev/null
# mica run has ended its relay: the port is free again
ok_free=$("$py" -c "import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).bind(('127.0.0.1', $eport)); print('free')" 2>&1)
if [ "$ok_free" = free ]; then echo "ok udp/relay-ended"; else echo "not ok udp/relay-ended: $ok_free"; fi

# ---- a guest client of the host's echo server: --forward PORT/udp; CLOSED forwarded with nothing behind it ----
hport=$((base + 3)) closed=$((base + 4)) other=$((base + 5))
"$py" tests/inet/udp_host.py echo "$hport" > "$out/echo.log" 2>&1 &
echo_pid=$!
i=0
until grep -q ready "$out/echo.log" 2>/dev/null || [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done
MICA_TIMEOUT=300 timeout -k 5 400 tools/mica run --forward "$hport/udp" --forward "$closed/udp" \
	--with tests/inet/udp_guest.py "$py" "$here/tests/inet/udp_guest.py" forward "$hport" "$closed" "$other" \
	< /dev/null > "$out/forward.log" 2>&1
results "$out/forward.log"
count_ok "$out/forward.log" 9 forward-all
kill "$echo_pid" 2>/dev/null
wait "$echo_pid" 2>/dev/null

# ---- bad arguments: a clear error, status 2, nothing booted ----
expect bad-p-proto 2 "-p 1:2/sctp: the protocol is tcp or udp" tools/mica run -p 1:2/sctp /bin/true
expect bad-p-port0 2 "ports are 1 to 65535" tools/mica run -p 0:53/udp /bin/true
expect bad-p-guest-port0 2 "ports are 1 to 65535" tools/mica run -p 5353:0/udp /bin/true
expect bad-p-form 2 "not [127.0.0.1:]HOSTPORT:GUESTPORT[/tcp|/udp]" tools/mica run -p 53/udp /bin/true
expect bad-forward-proto 2 "--forward 53/icmp: the protocol is tcp or udp" tools/mica run --forward 53/icmp /bin/true
expect bad-forward-port0 2 "ports are 1 to 65535" tools/mica run --forward 0/udp /bin/true
expect bad-forward-form 2 "not a port" tools/mica run --forward /udp /bin/true

# ---- --net none: no network, whatever -p and --forward asked for; no relay holds the host's port ----
nport=$((base + 6))
MICA_TIMEOUT=120 timeout -k 5 150 tools/mica run -p "$nport:7/udp" --forward "$nport/udp" --net none "$py" -c '
import errno, socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    s.sendto(b"x", ("10.0.2.100", 7)); e = "sent"
except OSError as x:
    e = errno.errorcode[x.errno]
print(e, [l.split(":")[0].strip() for l in open("/proc/net/dev").readlines()[2:]])
import time; time.sleep(1)' < /dev/null > "$out/none.log" 2>&1 &
none=$!
sleep 3 # mica run is packing or booting by now, past where it would start a relay
free=$("$py" -c "import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).bind(('127.0.0.1', $nport)); print('free')" 2>&1)
wait "$none"
st=$?
if [ $st -eq 0 ] && [ "$(tr -d '\r' < "$out/none.log" | tail -1)" = "ENETUNREACH ['lo']" ] && [ "$free" = free ]; then
	echo "ok udp/net-none"
else
	echo "not ok udp/net-none: status $st, host port: $free; output:"
	tail -5 "$out/none.log" | sed 's/^/#   /'
fi
