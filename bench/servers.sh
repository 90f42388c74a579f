#!/bin/sh
# Debian's servers end to end from the host, wall clock (TCG, so they move with the host and its load): nginx
# (a master and two workers, a 612-byte page) under wrk -t1 -c30 -d10s, redis-server under redis-benchmark's
# SET and GET with -P 16, on Linux (Debian's cloud kernel, the server started by bench/serve.c as init) and
# on Mica (tools/mica run -p), and Mica's native web server (user/httpd) under the same wrk. The same QEMU
# machine for all: microvm, -cpu qemu64, -m 256M, QEMU's user network with restrict=on and one port of
# 127.0.0.1 forwarded to the guest, reached through tools/mica-tcp for all three, as `mica run -p` reaches it
# (QEMU listens for a forwarded port with a backlog of one; the relay listens with a full one). Each figure is
# the median of 3 runs, each on a freshly booted machine.
# Writes BUILD/bench/servers.txt.
# usage: bench/servers.sh BUILD   (BUILD/linux from bench/linux-kernel.sh, BUILD/bench/serve from bench.mk)
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$1" && pwd)
out=$build/bench
cd "$here"
tmp=$(mktemp -d)
cpu=${BENCH_CPU:-qemu64}
runs="1 2 3"
wrk_cmd="wrk -t1 -c30 -d10s"
redis_cmd="redis-benchmark -q -n 100000 -P 16 -t set,get"
. tests/nginx_site.sh
. tests/tcp_relay.sh
. tests/httpd_boot.sh
httpd_relay=1

vm= relay=
stop() {
	[ -n "$vm" ] && { kill -TERM "-$vm" 2>/dev/null; wait "$vm" 2>/dev/null; }
	[ -n "$relay" ] && { kill "$relay" 2>/dev/null; wait "$relay" 2>/dev/null; }
	vm= relay=
}
trap 'stop; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# median V...: the middle one of the values (FAIL if any is).
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } /FAIL/ { bad = 1 } END { print bad ? "FAIL" : v[int((NR + 1) / 2)] }'; }
# up CMD...: wait up to 120 s until CMD succeeds.
up() {
	u_i=0
	until "$@" > /dev/null 2>&1; do
		u_i=$((u_i + 1))
		[ $u_i -gt 240 ] && return 1
		sleep 0.5
	done
}
page_ok() { curl -s -m 5 "http://127.0.0.1:$port/" | cmp -s - "$site/www/index.html"; }
pong() { [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = PONG ]; }

# wrk_rps URL: requests/s of one wrk run, or FAIL (a socket error or a non-2xx answer fails it too).
wrk_rps() {
	$wrk_cmd "$1" > "$tmp/wrk.out" 2>&1
	sed 's/^/#   /' "$tmp/wrk.out" >&2
	if grep -q 'Socket errors\|Non-2xx' "$tmp/wrk.out"; then echo FAIL; return; fi
	v=$(awk '/^Requests\/sec/ { print $2 }' "$tmp/wrk.out")
	echo "${v:-FAIL}"
}
# redis_rps: "SET GET" requests/s of one redis-benchmark run (FAIL for one that gave none).
redis_rps() {
	timeout 120 $redis_cmd -h 127.0.0.1 -p "$port" 2>&1 | tr '\r' '\n' | grep 'requests per second' > "$tmp/redis.out"
	sed 's/^/#   /' "$tmp/redis.out" >&2
	for t in SET GET; do
		v=$(sed -n "s/^$t: \([0-9.]*\) requests per second.*/\1/p" "$tmp/redis.out")
		printf '%s ' "${v:-FAIL}"
	done
	echo
}

# The site, at the same path on both systems; Linux's initramfs holds it, the servers, the libraries they
# load, the user database (nginx's workers run as nobody), the modules bench/serve.c loads, and serve as init.
site=$out/servers-site # not under /tmp, which Linux's init mounts over
rm -rf "$site"
nginx_site "$site"
printf 'port 6379\nsave ""\nappendonly no\nprotected-mode no\n' > "$site/redis.conf"
root=$tmp/linux-root
mkdir -p "$root/lib/modules" "$root/etc" "$root/var/log/nginx" "$root/var/lib/nginx"
cp "$out/serve" "$root/init"
cp "$build/linux/modules/"*.ko "$root/lib/modules/"
cp /etc/passwd /etc/group /etc/nsswitch.conf "$root/etc/"
mkdir -p "$root$site" && cp -r "$site/." "$root$site/"
for prog in /usr/sbin/nginx /usr/bin/redis-server; do
	for f in "$prog" $(ldd "$prog" | sed -n 's/.*=> \(\/[^ ]*\).*/\1/p; s/^\t\(\/[^ ]*\) .*/\1/p'); do
		mkdir -p "$root$(dirname "$f")" && cp -L "$f" "$root$f"
	done
done
(cd "$root" && find . | cpio -o -H newc --quiet) > "$tmp/servers.cpio"

# linux SERVER ARGS...: boot Linux with the server as init's child, its port 80 or 6379 at $port.
linux() {
	port=$(free_port)
	case $1 in *nginx) gport=80 ;; *) gport=6379 ;; esac
	tcp_relay "$port" "$gport" "$tmp/relay.ready" || echo "servers: the relay (tools/mica-tcp) did not start" >&2
	setsid qemu-system-x86_64 -M microvm -accel tcg -cpu "$cpu" -m 256M -display none -no-reboot \
		-kernel "$build/linux/vmlinuz" -initrd "$tmp/servers.cpio" \
		-append "console=ttyS0 quiet panic=-1 tsc_early_khz=$khz tsc=reliable -- $*" \
		-serial file:"$tmp/linux.log" \
		-netdev user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$qport-10.0.2.15:$gport \
		-device virtio-net-device,netdev=n0 > "$tmp/qemu.log" 2>&1 &
	vm=$!
}
# mica SERVER ARGS...: the same server in Mica, through tools/mica run -p.
mica() {
	port=$(free_port)
	case $1 in *nginx) gport=80 ;; *) gport=6379 ;; esac
	MICA_CPU=$cpu MICA_BUILD=$build MICA_TIMEOUT=600 setsid tools/mica run --mem 256M -p "127.0.0.1:$port:$gport" \
		--with "$site" --with /etc/passwd --with /etc/group "$@" > "$tmp/mica.log" 2>&1 < /dev/null &
	vm=$!
}
# Linux's clock: the host's TSC rate, given (bench/io.sh says why).
khz=$(awk -F: '/^cpu MHz/ { printf "%d", $2 * 1000; exit }' /proc/cpuinfo)

nginx_args="/usr/sbin/nginx -p $site -c $site/nginx.conf"
redis_args="/usr/bin/redis-server $site/redis.conf"
# The systems take turns within each run, so that a change in the host's load falls on both alike.
for i in $runs; do
	for sys in linux mica; do
		$sys $nginx_args
		if up page_ok; then
			wrk_rps "http://127.0.0.1:$port/" > "$tmp/$sys.nginx.$i"
		else
			echo FAIL > "$tmp/$sys.nginx.$i"
			echo "servers: nginx on $sys did not answer:" >&2
			tail -5 "$tmp/$sys.log" "$tmp/qemu.log" 2>/dev/null | sed 's/^/#   /' >&2
		fi
		stop
		$sys $redis_args
		if up pong; then
			redis_rps > "$tmp/$sys.redis.$i"
		else
			echo "FAIL FAIL" > "$tmp/$sys.redis.$i"
			echo "servers: redis-server on $sys did not answer:" >&2
			tail -5 "$tmp/$sys.log" "$tmp/qemu.log" 2>/dev/null | sed 's/^/#   /' >&2
		fi
		stop
	done
	if httpd_boot "$build/kernel/mica.elf" "$build/img/httpd.cpio" "$tmp/httpd.log" 120 "$cpu"; then
		wrk_rps "$url/" > "$tmp/httpd.$i"
	else
		echo FAIL > "$tmp/httpd.$i"
	fi
	kill "$boot" $relay 2>/dev/null
	wait "$boot" 2>/dev/null
	relay=
	trap 'stop; rm -rf "$tmp"' EXIT # httpd_boot set its own
done

col() { for i in $runs; do awk -v n="$2" '{ print $n }' "$tmp/$1.$i"; done; }
{
	echo "servers nginx_wrk linux $(median $(col linux.nginx 1)) mica $(median $(col mica.nginx 1))"
	echo "servers redis_set linux $(median $(col linux.redis 1)) mica $(median $(col mica.redis 1))"
	echo "servers redis_get linux $(median $(col linux.redis 2)) mica $(median $(col mica.redis 2))"
	echo "servers httpd_wrk mica $(median $(col httpd 1))"
	echo "servers kernel $(cat "$build/linux/version")"
	echo "servers nginx $(dpkg-query -W -f '${Package} ${Version}' "$(dpkg -S /usr/sbin/nginx | cut -d: -f1)")"
	echo "servers redis $(dpkg-query -W -f '${Package} ${Version}' redis-server)"
	echo "servers wrk $wrk_cmd"
	echo "servers redis_cmd $redis_cmd"
	echo "servers cmd_linux qemu-system-x86_64 -M microvm -accel tcg -cpu $cpu -m 256M -display none -no-reboot -kernel build/linux/vmlinuz -initrd servers.cpio -append \"console=ttyS0 quiet panic=-1 tsc_early_khz=KHZ tsc=reliable -- SERVER ARGS...\" -netdev user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:QEMUPORT-10.0.2.15:GUESTPORT -device virtio-net-device,netdev=n0, behind python3 tools/mica-tcp PORT:GUESTPORT"
	echo "servers cmd_mica MICA_CPU=$cpu tools/mica run --mem 256M -p 127.0.0.1:PORT:GUESTPORT --with SITE --with /etc/passwd --with /etc/group SERVER ARGS..."
	echo "servers cmd_httpd tools/boot -c $cpu build/kernel/mica.elf build/img/httpd.cpio -netdev user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:QEMUPORT-:80 -device virtio-net-device,netdev=n0, behind python3 tools/mica-tcp PORT:80"
} | tee "$out/servers.txt"
