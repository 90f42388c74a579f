# Start tools/mica-tcp for one port, as tools/mica run -p does, for a QEMU started by hand; source it, then call
# tcp_relay. Used by bench/servers.sh and tests/httpd_boot.sh, so that a guest run by hand is reached the same way.
# tcp_relay HOSTPORT GUESTPORT READYFILE: sets relay (the relay's pid) and qport (the port of 127.0.0.1 for
# QEMU's hostfwd to the guest's port); 0 once it listens on 127.0.0.1:HOSTPORT, 1 if it has not within 10 s.
tcp_relay() {
	python3 tools/mica-tcp "$1:$2" < /dev/null > "$3" &
	relay=$!
	tr_i=0
	until grep -q '^ready ' "$3" 2>/dev/null; do
		tr_i=$((tr_i + 1))
		kill -0 "$relay" 2>/dev/null && [ $tr_i -le 200 ] || return 1
		sleep 0.05
	done
	qport=$(sed -n 's/^ready //p' "$3")
}
