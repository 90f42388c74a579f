# Boot the native web server with one port of 127.0.0.1 forwarded to its port 80 (QEMU's user network,
# restrict=on) and wait until it serves; source it, then call httpd_boot. Used by tests/httpd.sh, bench/httpd.sh and
# bench/servers.sh. With httpd_relay set, the port is tools/mica-tcp's, which hands QEMU's forwarded port the
# connections (tests/tcp_relay.sh), as for `mica run -p`.
# httpd_boot KERNEL IMAGE LOG SECONDS [CPU]: sets port (the host's), url and boot (tools/boot's pid, ended when the
# calling shell exits, and the relay with it); 0 once the console (LOG) says it serves, 1 if it has not within 60 s.
httpd_boot() {
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	url=http://127.0.0.1:$port
	fwd=$port relay=
	if [ -n "${httpd_relay:-}" ]; then
		tcp_relay "$port" 80 "$3.relay" || return 1
		fwd=$qport
	fi
	tools/boot -t "$4" ${5:+-c "$5"} "$1" "$2" \
		-netdev user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$fwd-:80 -device virtio-net-device,netdev=n0 \
		> "$3" 2>&1 &
	boot=$!
	trap 'kill $boot $relay 2>/dev/null; wait $boot 2>/dev/null' EXIT
	hb_i=0
	while [ $hb_i -lt 600 ] && ! grep -q '^httpd: serving' "$3"; do
		sleep 0.1
		hb_i=$((hb_i + 1))
	done
	grep -q '^httpd: serving' "$3"
}
