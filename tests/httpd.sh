#!/bin/sh
# The native web server (user/httpd.c: lwIP over its own ring) fetched from the host with curl through
# QEMU's user network (restrict=on, one port forwarded from 127.0.0.1): bodies byte for byte, keep-alive,
# 404, 400, files of the boot image, 1,200 connections one after another, load from wrk, and still serving after them.
suite=httpd
kernel=$2
. "$(dirname "$0")/setup.sh"
cd "$here"

# ok NAME COND...: one check line, from whether COND succeeds.
ok() {
	name=$1
	shift
	if "$@"; then echo "ok httpd/$name"; else echo "not ok httpd/$name"; fi
}

# The boot image: the server as init, and www/ files it serves besides its built-in page.
img=$out/img.d
mkdir -p "$img/www"
cp "$build/user/bin/httpd" "$img/init"
printf 'hello from a file of the boot image\n' > "$img/www/hello.txt"
python3 -c 'import random, sys; r = random.Random(12); sys.stdout.buffer.write(bytes(r.getrandbits(8) for _ in range(1 << 20)))' \
	> "$img/www/big.bin"
(cd "$img" && find . -mindepth 1 | sort | cpio --quiet -o -H newc) > "$out/httpd.cpio"

. tests/httpd_boot.sh
httpd_boot "$kernel" "$out/httpd.cpio" "$out/console.log" 600
if ! grep -q '^httpd: serving 4 files on 10.0.2.15:80' "$out/console.log"; then
	echo "not ok httpd/up: console:"
	tail -5 "$out/console.log" | sed 's/^/#   /'
	exit 1
fi
echo "ok httpd/up"

# same FILE...: every FILE holds exactly the bytes of the first.
same() {
	first=$1
	shift
	for f; do cmp -s "$first" "$f" || return 1; done
}

# The built-in page, 612 bytes, byte for byte, ten times over one connection (curl reuses it: one connect).
set --
for i in 1 2 3 4 5 6 7 8 9 10; do set -- "$@" -o "$out/index.$i" "$url/"; done
curl -s -w '%{http_code} %{num_connects}\n' "$@" > "$out/index.codes"
ok index-612 [ "$(wc -c < user/www/index.html)" -eq 612 ]
ok index-byte-exact same user/www/index.html "$out"/index.[0-9]*
ok keep-alive [ "$(tr '\n' ' ' < "$out/index.codes")" = "200 1 200 0 200 0 200 0 200 0 200 0 200 0 200 0 200 0 200 0 " ]
curl -s -o "$out/index.html" "$url/index.html"
ok index-by-name same user/www/index.html "$out/index.html"

# Unknown paths: 404, and the connection stays open for the next request.
curl -s -w '%{http_code} %{num_connects}\n' -o /dev/null "$url/nosuch" -o "$out/after404" "$url/" > "$out/404.codes"
ok not-found [ "$(tr '\n' ' ' < "$out/404.codes")" = "404 1 200 0 " ]
ok after-404 same user/www/index.html "$out/after404"

# HEAD: the head alone, with the body's length.
curl -s -I "$url/" | tr -d '\r' > "$out/head"
ok head grep -qx 'Content-Length: 612' "$out/head"

# Files of the boot image, the 1 MiB one across many windows.
curl -s -o "$out/hello.txt" "$url/hello.txt"
ok image-file same "$img/www/hello.txt" "$out/hello.txt"
curl -s -o "$out/big.bin" "$url/big.bin"
ok image-file-1mib same "$img/www/big.bin" "$out/big.bin"

# Garbage: 400 and the connection closed; a request line without a version and binary junk alike.
# raw BYTES: send BYTES (a Python bytes expression) on a new connection, print all that comes back before it closes.
raw() {
	python3 - "$port" "$1" <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(eval(sys.argv[2]))  # this script's own expressions
got = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    got += b
sys.stdout.write(got.decode("latin-1"))
EOF
}
# bad BYTES: the answer to BYTES is 400, and then the server closes the connection.
bad() { raw "$1" | grep -q '^HTTP/1.1 400 Bad Request'; }
ok garbage bad "b'GARBAGE\\r\\n\\r\\n'"
ok no-version bad "b'GET /\\r\\n\\r\\n'"
ok binary-junk bad "bytes(range(256)) + b'\\r\\n\\r\\n'"
ok too-long bad "b'GET /' + b'a' * 5000 + b' HTTP/1.1\\r\\n\\r\\n'"
# Two requests in one segment (pipelined): both answered, in order, then the close the second asked for.
raw "b'GET /nosuch HTTP/1.1\\r\\nHost: x\\r\\n\\r\\nGET / HTTP/1.1\\r\\nConnection: close\\r\\n\\r\\n'" > "$out/pipelined"
pipelined() { [ "$(grep -c '^HTTP/1.1 ' "$out/pipelined")" -eq 2 ] && head -1 "$out/pipelined" | grep -q ' 404 '; }
ok pipelined pipelined

# 100 connections open at once, each asking twice over keep-alive: all 200 answers whole, byte for byte
# (QEMU's forwarding listens with a backlog of one, so about one connect in three waits a second).
ok concurrent-100 python3 tests/httpd_concurrent.py "$port" user/www/index.html 100

# 1,200 connections one after another, each closed by the server (Connection: close leaves its side in
# TIME_WAIT): more than lwIP's 1,024 connection blocks, so the oldest in TIME_WAIT must be reused.
for i in $(seq 1200); do printf 'url = "%s/"\noutput = "/dev/null"\n' "$url"; done > "$out/many.cfg"
curl -s -H 'Connection: close' -w '%{http_code} %{num_connects}\n' -K "$out/many.cfg" > "$out/many.codes"
ok sequential-1200 [ "$(grep -cx '200 1' "$out/many.codes")" -eq 1200 ]
# Load for a while: three runs of wrk, 30 connections for 4 s each, every run well answered and no request
# timing out. Under such load the machine once stopped receiving for good, within seconds: a kick or an
# interrupt of virtio-net's receive queue was lost to a fence that QEMU's TCG leaves out (kernel/virtio.c,
# device_mb).
sustained() {
	for i in 1 2 3; do
		wrk -t1 -c30 -d4s "$url/" > "$out/wrk.$i" 2>&1 || return 1
		! grep -q 'Socket errors\|Non-2xx' "$out/wrk.$i" || return 1
		[ "$(awk '/ requests in / { print $1 }' "$out/wrk.$i")" -ge 2000 ] 2> /dev/null || return 1
	done
}
ok sustained-load sustained
curl -s -o "$out/index.last" "$url/"
ok still-serving same user/www/index.html "$out/index.last"

# Nothing went wrong inside: no failed lwIP assertion, no death of the server, no kernel panic.
quiet() { ! grep -q 'lwip:\|httpd:.*cannot\|panic' "$out/console.log"; }
ok console-clean quiet
