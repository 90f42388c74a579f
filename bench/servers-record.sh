#!/bin/sh
# Write the server figures of BUILD/bench/servers.txt (bench/servers.sh) into docs/performance.md, between the
# servers markers (made after the disk section the first time), as a table of Linux, Mica and Mica/Linux.
# usage: bench/servers-record.sh BUILD
set -eu
. "$(dirname "$0")/section.sh"
build=${1:?usage: servers-record.sh BUILD}
txt=$build/bench/servers.txt
doc=docs/performance.md
begin='<!-- servers:begin (written by make bench-servers; edit outside the markers) -->'
end='<!-- servers:end -->'
[ -s "$txt" ] || { echo "servers-record: no $txt (run bench/servers.sh first)" >&2; exit 1; }

# field NAME N: field N of the line "servers NAME ..." (N 0: everything after the name).
field() { bench_field "$txt" servers "$1" "$2"; }

section=$(cat <<EOT
$begin
## Servers: Debian's nginx and redis-server, from the host (\`make bench-servers\`, $(date -u +%Y-%m-%d))

- $(qemu-system-x86_64 --version | head -n 1), \`-M microvm\`, \`-cpu ${BENCH_CPU:-qemu64}\`, \`-m 256M\`, \`-accel tcg\` without instruction counting, QEMU's user network with \`restrict=on\` and one port of 127.0.0.1 forwarded to the guest; wall clock, each figure the median of 3 runs, each on a freshly booted machine
- the servers: Debian's unmodified $(field nginx 0) (a master and two workers, a 612-byte page, \`sendfile on\`, \`tests/nginx_site.sh\`) and $(field redis 0) (no saving); the load from the host: \`$(field wrk 0)\` and \`$(field redis_cmd 0)\`
- Linux: $(field kernel 0), \`bench/serve.c\` as init (it loads virtio-net, brings up \`lo\` and \`eth0\` and starts the server): \`$(field cmd_linux 0)\`
- Mica: \`$(field cmd_mica 0)\`; the native server: \`$(field cmd_httpd 0)\`

| requests/s | Linux | Mica | Mica/Linux |
| --- | ---: | ---: | ---: |
$(bench_row "nginx, 612-byte page (wrk)" "$(field nginx_wrk 4)" "$(field nginx_wrk 6)")
$(bench_row "redis-server SET, pipelined by 16" "$(field redis_set 4)" "$(field redis_set 6)")
$(bench_row "redis-server GET, pipelined by 16" "$(field redis_get 4)" "$(field redis_get 6)")
$(bench_row "Mica's native web server (\`user/httpd\`) against Linux's nginx (wrk)" "$(field nginx_wrk 4)" "$(field httpd_wrk 4)")
$end
EOT
)
put_section "$doc" "$begin" "$end" "$section" '<!-- disk:end -->'
