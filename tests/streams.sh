#!/bin/sh
# tools/mica run joined to the host by streams: when its stdin, stdout and stderr are not terminals the
# program's fds 0, 1 and 2 are plain byte streams (virtio-console ports): binary-safe, stdout apart from
# stderr, the end of stdin an end of file, every byte delivered before mica run exits (even when the
# program is killed), and a pipeline whose reader goes away ends.
# usage: tests/streams.sh BUILD
suite=streams
. "$(dirname "$0")/setup.sh"
# same NAME FILE1 FILE2 [STATUS WANT]: the files are byte for byte alike (and not empty), and STATUS is WANT.
same() {
	if [ -s "$2" ] && cmp -s "$2" "$3" && [ "${4:-0}" -eq "${5:-0}" ]; then
		echo "ok $suite/$1 ($(wc -c < "$2") bytes alike)"
	else
		echo "not ok $suite/$1: status ${4:-0} (want ${5:-0}); $(wc -c < "$2") bytes vs $(wc -c < "$3")$(cmp "$2" "$3" 2>&1 | sed 's/^/: /')"
	fi
}

need_lx
make -s -C "$here" BUILD="$build" "$build/img/streamtests.cpio" ||
	{ echo "not ok $suite/build-streamtests: the in-VM stream tests do not build"; exit 1; }

# The kernel ABI (tests/kernel/s_stream.c, native, its own checks): ports 2 and 3 are host files,
# and what the tests wrote there is exactly what they said they wrote.
"$here/tools/boot" -t 60 "$build/kernel/mica.elf" "$build/img/streamtests.cpio" -device virtio-serial-device,max_ports=4 \
	-chardev file,id=p2,path="$out/port2" -device virtserialport,chardev=p2,nr=2 \
	-chardev file,id=p3,path="$out/port3" -device virtserialport,chardev=p3,nr=3 > "$out/kernel.log" 2>&1
rc=$?
tr -d '\r' < "$out/kernel.log" | grep -E '^(not )?ok '
[ $rc -eq 0 ] || echo "not ok $suite/kernel-abi: status $rc"
printf 'hello stream\nfrom the child\n' > "$out/port2.want"
printf "port 3 is the child's\nafter\n" > "$out/port3.want"
same kernel-port-2-bytes "$out/port2.want" "$out/port2"
same kernel-port-3-bytes "$out/port3.want" "$out/port3"

bb=${BUSYBOX:-/bin/busybox}
[ -x "$bb" ] || bb=$(command -v busybox)
[ -n "$bb" ] || { echo "not ok $suite/busybox: needs a static busybox (tools/deps.sh names the package)"; exit 1; }
mica() { MICA_BUILD="$build" MICA_TIMEOUT=120 timeout -k 5 150 "$here/tools/mica" run "$@"; }
# 100 MiB of random bytes in and out through cat: every byte value, CR and LF untouched, nothing
# added or lost (about 10 s; `make bench-streams` gives the rate). Compared by checksum.
head -c $((100 << 20)) /dev/urandom > "$out/random"
mica "$bb" cat < "$out/random" | sha256sum > "$out/random.mica"
sha256sum < "$out/random" > "$out/random.host"
same stdin-stdout-100MiB "$out/random.host" "$out/random.mica"
# A dynamic program of the host reads the same 100 MiB to the end: its checksum is the host's.
mica "$(command -v sha256sum)" < "$out/random" > "$out/sum.mica"
same sha256sum-of-100MiB-stdin "$out/random.host" "$out/sum.mica" $? 0
# Pipelines on both sides: the program's output piped into gzip on the host is the host's own, byte for byte.
seq 1 200000 > "$out/seq.txt"
mica --with "$out/seq.txt" "$bb" cat "$out/seq.txt" | gzip -n -9 > "$out/seq.mica.gz"
rc=$?
gzip -n -9 < "$out/seq.txt" > "$out/seq.host.gz"
same gzip-pipeline "$out/seq.host.gz" "$out/seq.mica.gz" $rc 0
# A file of the image out on stdout, as it is.
mica --with "$bb" "$bb" cat "$bb" > "$out/bb.back"
same file-to-stdout "$bb" "$out/bb.back" $? 0
# stdout and stderr kept apart, the status passes.
mica "$bb" sh -c 'echo out; echo err >&2; exit 7' > "$out/o" 2> "$out/e"
rc=$?
printf 'out\n' > "$out/o.want" && printf 'err\n' > "$out/e.want"
same stdout-apart "$out/o.want" "$out/o" $rc 7
same stderr-apart "$out/e.want" "$out/e" 0 0
mica "$bb" ls /nonexist > "$out/ls.out" 2> /dev/null
rc=$?
[ $rc -eq 1 ] && [ ! -s "$out/ls.out" ] && echo "ok $suite/error-not-on-stdout" ||
	echo "not ok $suite/error-not-on-stdout: status $rc, stdout: $(head -c 200 "$out/ls.out")"
# The end of the host's stdin is the end of file: cat ends, and its input is there once (no echo).
printf 'abc\n' > "$out/abc"
printf 'abc\n' | mica "$bb" cat > "$out/abc.back"
same eof-and-no-echo "$out/abc" "$out/abc.back" $? 0
mica "$bb" wc -c < /dev/null > "$out/wc.out"
printf '0\n' > "$out/wc.want"
same empty-stdin "$out/wc.want" "$out/wc.out" $? 0
# Killed by a signal after writing: every byte it wrote arrives, and the status says the signal.
head -c 300000 "$bb" > "$out/part"
mica --with "$bb" "$bb" sh -c "head -c 300000 $bb; kill -9 \$\$" > "$out/part.back"
same killed-delivers-all "$out/part" "$out/part.back" $? 137
# A reader that goes away: mica run ends (as a program killed by SIGPIPE would) instead of writing on forever.
start=$(date +%s)
first=$(mica "$bb" yes 2> /dev/null | head -n 1)
took=$(($(date +%s) - start))
[ "$first" = y ] && [ $took -lt 60 ] && echo "ok $suite/head-1-ends (${took}s)" ||
	echo "not ok $suite/head-1-ends: first line \"$first\" after ${took}s"
# system() through the host's /bin/sh, which mica run adds by default.
printf '#include <stdlib.h>\nint main(void) { return system("echo from-sh; exit 4") >> 8; }\n' > "$out/system.c"
if gcc -o "$out/system" "$out/system.c"; then
	mica "$out/system" > "$out/system.out"
	rc=$?
	printf 'from-sh\n' > "$out/system.want"
	same system-has-sh "$out/system.want" "$out/system.out" $rc 4
else
	echo "not ok $suite/system-has-sh: gcc failed"
fi
rm -f "$out/random" # 100 MiB
