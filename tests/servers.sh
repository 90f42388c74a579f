#!/bin/sh
# Debian's unmodified servers in Mica: nginx (a master and two workers) fetched with curl and loaded with wrk
# from the host through `mica run -p`, redis-server with redis-cli inside and redis-benchmark from the host,
# a node http server fetched with curl, and a python3 asyncio echo server with its clients inside the VM.
# Only the host's 127.0.0.1 is used; every load is bounded in count and time; every VM is stopped at the end.
# usage: tests/servers.sh BUILD
suite=servers
. "$(dirname "$0")/setup.sh"
cd "$here"
need_lx

ok() {
	name=$1
	shift
	if "$@"; then echo "ok $suite/$name"; else echo "not ok $suite/$name"; fi
}

# Every VM runs in a process group of its own (setsid), stopped whole when the suite ends, however it ends.
vms=
stop_vms() {
	for g in $vms; do kill -TERM "-$g" 2>/dev/null; done
	for g in $vms; do wait "$g" 2>/dev/null; done
	vms=
}
trap stop_vms EXIT
trap 'exit 1' INT TERM HUP

# serve NAME ARGS...: tools/mica run ARGS in the background, output in $out/NAME.log.
serve() {
	s_name=$1
	shift
	MICA_BUILD=$build MICA_TIMEOUT=300 setsid timeout -k 5 330 tools/mica run "$@" < /dev/null > "$out/$s_name.log" 2>&1 &
	vms="$vms $!"
}

# not_in FILE PATTERN: FILE has no line matching PATTERN (grep's basic expressions).
not_in() {
	! grep -q "$2" "$1"
}

# failed NAME LOG: report a server that never answered, with the end of its output.
failed() {
	echo "not ok $suite/$1-up: no answer; its output:"
	tail -8 "$2" | sed 's/^/#   /'
}

have() {
	for p in "$@"; do
		[ -x "$p" ] || {
			echo "not ok $suite/installed: $p is missing (tools/deps.sh installs it)"
			exit 1
		}
	done
}
have /usr/sbin/nginx /usr/bin/redis-server /usr/bin/redis-cli /usr/bin/redis-benchmark /usr/bin/node /usr/bin/wrk \
	/usr/bin/python3 /bin/busybox

base=$(port_base 4) || exit 1

# ---- nginx: a master and two workers, a static 612-byte page ----
ng=$out/nginx
. tests/nginx_site.sh
nginx_site "$ng"
port=$base
# The workers run as nobody: nginx reads it from the user database, which the image takes from this machine.
serve nginx -p "127.0.0.1:$port:80" --with "$ng" --with /etc/passwd --with /etc/group \
	/usr/sbin/nginx -p "$ng" -c "$ng/nginx.conf"
url=http://127.0.0.1:$port/
if answers "$url"; then
	ok nginx-page-612 [ "$(wc -c < "$ng/www/index.html")" -eq 612 ]
	curl -s -m 10 -o "$out/nginx.1" "$url"
	ok nginx-fetch cmp -s "$ng/www/index.html" "$out/nginx.1"
	workers=$(grep -c 'start worker process [0-9]' "$out/nginx.log")
	ok nginx-two-workers [ "$workers" -eq 2 ]
	# 30 connections made at once, each within wrk's 2 s timeout: -p's relay (tools/mica-tcp) queues them
	timeout 60 wrk -t1 -c30 -d3s "$url" > "$out/wrk.out" 2>&1
	wst=$?
	sed 's/^/# wrk: /' "$out/wrk.out"
	reqs=$(sed -n 's/^ *\([0-9][0-9]*\) requests in .*/\1/p' "$out/wrk.out")
	# wrk prints these two lines only when there is something to count
	errs=$(sed -n 's/^ *Socket errors: connect \([0-9]*\), read \([0-9]*\), write \([0-9]*\), timeout \([0-9]*\)/\1 \2 \3 \4/p' \
		"$out/wrk.out")
	non2xx=$(sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\)/\1/p' "$out/wrk.out")
	wrk_clean() { [ $wst -eq 0 ] && [ "${reqs:-0}" -gt 0 ] && { [ -z "$errs" ] || [ "$errs" = "0 0 0 0" ]; } && [ -z "$non2xx" ]; }
	ok nginx-wrk wrk_clean
	t0=$(date +%s)
	answers "$url" && echo "# nginx answered $(($(date +%s) - t0)) s after the load"
	curl -s -m 10 -o "$out/nginx.2" "$url"
	if cmp -s "$ng/www/index.html" "$out/nginx.2"; then
		echo "ok $suite/nginx-after-load"
	else
		echo "not ok $suite/nginx-after-load: no page after the load; the end of nginx's log:"
		tail -6 "$out/nginx.log" | sed 's/^/#   /'
	fi
	code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "${url}nosuch")
	ok nginx-404 [ "$code" = 404 ]
	ok nginx-no-alerts not_in "$out/nginx.log" '\[alert\]\|\[crit\]\|\[emerg\]\|exited on signal'
else
	failed nginx "$out/nginx.log"
fi
stop_vms

# ---- redis: redis-cli inside, redis-benchmark from the host ----
port=$((base + 1))
cat > "$out/redis.sh" << 'END'
redis-server --port 6379 --save '' --appendonly no --protected-mode no > /tmp/redis-server.log 2>&1 &
i=0
until redis-cli ping > /dev/null 2>&1; do
	i=$((i + 1))
	[ $i -gt 300 ] && { echo "redis-server did not answer:"; cat /tmp/redis-server.log; exit 1; }
	sleep 0.2
done
echo "set: $(redis-cli set greeting 'hello from Mica')"
echo "get: $(redis-cli get greeting)"
echo "incr: $(redis-cli incr n) $(redis-cli incr n)"
wait
END
serve redis -p "127.0.0.1:$port:6379" --with /usr/bin/redis-server --with /usr/bin/redis-cli --with "$out/redis.sh" \
	--env PATH=/usr/bin:/bin /bin/busybox sh "$out/redis.sh"
i=0
until grep -q '^incr: \|did not answer' "$out/redis.log" || [ $i -ge 120 ]; do
	sleep 1
	i=$((i + 1))
done
tr -d '\r' < "$out/redis.log" | grep '^set: \|^get: \|^incr: ' > "$out/redis-cli.out"
printf 'set: OK\nget: hello from Mica\nincr: 1 2\n' > "$out/redis-cli.want"
if cmp -s "$out/redis-cli.want" "$out/redis-cli.out"; then
	echo "ok $suite/redis-cli-inside"
	# redis-benchmark's 50 clients connect at once (the relay behind -p queues them)
	timeout 120 redis-benchmark -h 127.0.0.1 -p "$port" -q -n 10000 -t get,set > "$out/bench.raw" 2>&1
	bst=$?
	tr '\r' '\n' < "$out/bench.raw" | grep -v '^ *$' | grep -v 'rps=' > "$out/bench.out"
	sed 's/^/# redis-benchmark: /' "$out/bench.out"
	rps() { grep -Eq "^$1: [0-9]+(\.[0-9]+)? requests per second" "$out/bench.out"; }
	bench_clean() { [ $bst -eq 0 ] && rps SET && rps GET && ! grep -qi 'error' "$out/bench.out"; }
	ok redis-benchmark bench_clean
	got=$(timeout 10 redis-cli -h 127.0.0.1 -p "$port" get greeting)
	ok redis-after-load [ "$got" = "hello from Mica" ]
else
	echo "not ok $suite/redis-cli-inside: redis-cli in Mica printed:"
	tail -8 "$out/redis.log" | sed 's/^/#   /'
fi
stop_vms

# ---- node: an http server ----
port=$((base + 2))
cat > "$out/server.js" << 'END'
const http = require('http');
let n = 0;
http.createServer((req, res) => {
	if (req.url === '/') n++; // the requests for the page alone are counted
	const body = `hello from node in Mica: ${req.method} ${req.url} #${n}\n`;
	res.writeHead(req.url === '/' ? 200 : 404, { 'Content-Type': 'text/plain', 'Content-Length': body.length });
	res.end(body);
}).listen(8080, '0.0.0.0', () => console.log('listening'));
END
serve node -p "127.0.0.1:$port:8080" --mem 1G --with "$out/server.js" /usr/bin/node "$out/server.js"
url=http://127.0.0.1:$port/
if answers "${url}up"; then
	got=$(curl -s -m 10 "$url")
	ok node-fetch [ "$got" = "hello from node in Mica: GET / #1" ]
	# ten requests on one keep-alive connection, and a 404
	curl -s -m 30 $(i=0; while [ $i -lt 10 ]; do printf '%s ' "$url"; i=$((i + 1)); done) > "$out/node.10"
	ten() { [ "$(wc -l < "$out/node.10")" -eq 10 ] && [ "$(tail -n 1 "$out/node.10")" = "hello from node in Mica: GET / #11" ]; }
	ok node-keepalive-10 ten
	code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "${url}nosuch")
	ok node-404 [ "$code" = 404 ]
else
	failed node "$out/node.log"
fi
stop_vms

# ---- python3 asyncio: an echo server and eight clients at once, all inside the VM ----
cat > "$out/aecho.py" << 'END'
import asyncio
async def handle(r, w):
    while data := await r.readline():
        w.write(data.upper())
        await w.drain()
    w.close()
async def client(port, i):
    r, w = await asyncio.open_connection("127.0.0.1", port)
    got = []
    for k in range(20):
        w.write(b"client %d line %d\n" % (i, k))
        await w.drain()
        got.append(await r.readline())
    w.write_eof()
    rest = await r.read()
    w.close()
    return got == [b"CLIENT %d LINE %d\n" % (i, k) for k in range(20)] and rest == b""
async def main():
    srv = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = srv.sockets[0].getsockname()[1]
    res = await asyncio.wait_for(asyncio.gather(*(client(port, i) for i in range(8))), 60)
    srv.close()
    await srv.wait_closed()
    print("echoed", sum(res), "of", len(res))
asyncio.run(main())
END
timeout 60 /usr/bin/python3 "$out/aecho.py" > "$out/aecho.host" 2>&1
hs=$?
# with the network on (-p), so lwIP runs beside the loopback the echo goes over
MICA_BUILD=$build MICA_TIMEOUT=120 timeout -k 5 150 tools/mica run -p "127.0.0.1:$((base + 3)):9" --with "$out/aecho.py" \
	/usr/bin/python3 "$out/aecho.py" < /dev/null > "$out/aecho.raw" 2> "$out/aecho.err"
ms=$?
tr -d '\r' < "$out/aecho.raw" > "$out/aecho.mica"
judge asyncio-echo 0 $hs $ms "$out/aecho.host" "$out/aecho.mica"
ok asyncio-echo-8 [ "$(cat "$out/aecho.mica")" = "echoed 8 of 8" ]
