#!/bin/sh
# Print the side-by-side table of Linux and Mica figures (guest instructions) from BUILD/bench/*.txt.
# usage: bench/report.sh BUILD
set -eu
out=$1/bench
# get SYSTEM NAME: the figure from SYSTEM.txt or SYSTEM-*.txt (the network benchmarks' files).
get() { cat "$out/$1.txt" "$out/$1"-*.txt 2>/dev/null | awk -v n="$2" '$1 == "bench" && $2 == n && $3 != "FAIL" { print $3 }' | head -n 1; }
row() { # label linux-name mica-name
	l=$(get linux "$2"); m=$( [ -n "$3" ] && get mica "$3" || true)
	[ -n "$l" ] || l="—"
	if [ -z "$m" ]; then m="not yet"; ratio="—"
	elif [ "$l" = "—" ]; then ratio="—"
	else ratio=$(awk -v a="$m" -v b="$l" 'BEGIN { printf "%.3f", a / b }'); fi
	printf '| %s | %s | %s | %s |\n' "$1" "$l" "$m" "$ratio"
}
echo "| operation | Linux | Mica | Mica/Linux |"
echo "| --- | ---: | ---: | ---: |"
row "reset to the benchmark's main" reset_to_main reset_to_main
row "reset to the first user instruction (Mica native)" "" reset_to_user
row "reset to python3 -c pass exited (dynamic, Debian's)" python3_pass_exit python3_pass_exit
row "null syscall (getppid)" null_syscall null_syscall
row "null syscall (getppid), dynamic (glibc)" null_syscall_dynamic null_syscall_dynamic
row "anonymous page fault (per page)" page_fault page_fault
row "mmap + munmap 1 MiB" mmap_munmap_1m mmap_munmap_1m
row "fork + exit + wait" fork_exit_wait fork_exit_wait
row "fork + exec + wait" fork_exec_wait fork_exec_wait
row "pipe round trip" pipe_roundtrip pipe_roundtrip
row "thread create + join" thread_create_join thread_create_join
row "futex round trip" futex_roundtrip futex_roundtrip
row "open + read + close" open_read_close open_read_close
row "write + read 64 KiB file" file_write_read_64k file_write_read_64k
row "TCP connect + accept + close (loopback)" tcp_connect_accept_close tcp_connect_accept_close
row "TCP 64-byte request + response (loopback)" tcp_roundtrip_64 tcp_roundtrip_64
row "TCP stream, per MiB (loopback)" tcp_stream_1m tcp_stream_1m
row "UDP 64-byte round trip (loopback)" udp_roundtrip_64 udp_roundtrip_64
row "AF_UNIX stream 64-byte round trip" unix_roundtrip_64 unix_roundtrip_64
row "null kernel call (Mica only)" "" null_kcall
row "IPC call + reply round trip (Mica only)" "" ipc_roundtrip
row "demultiplex, 1 filter" "" demux_1
row "demultiplex, 10 filters" "" demux_10
row "demultiplex, 100 filters" "" demux_100
row "demultiplex, 1,000 filters" "" demux_1000
row "UDP echo, busy instructions per echo" udp_echo_busy udp_echo_busy
