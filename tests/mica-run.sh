#!/bin/sh
# tools/mica run misused as a careless user would: each wrong size, path or program gets one clear
# message and a non-zero status at once, nothing on the host is read for ever, and no run leaves
# its temporary folder behind.
# usage: tests/mica-run.sh BUILD
suite=mica-run
. "$(dirname "$0")/setup.sh"

# mica ARGS...: tools/mica run ARGS, stopped by the inner and the outer timeout if the VM hangs; a file
# size limit (1 GiB, in 512-byte blocks) stops a copy of a device that never ends before the disk fills.
mica() { (ulimit -f 2097152; MICA_BUILD="$build" MICA_TIMEOUT=60 timeout -k 5 90 "$here/tools/mica" run "$@" < /dev/null); }


bb=${BUSYBOX:-/bin/busybox}
[ -x "$bb" ] || bb=$(command -v busybox)
if [ -z "$bb" ] || ! command -v musl-gcc > /dev/null 2>&1 || ! command -v gcc > /dev/null 2>&1; then
	echo "not ok $suite/tools: needs a static busybox, musl-gcc and gcc (tools/deps.sh names the packages)"
	exit 1
fi
printf '#include <stdio.h>\nint main(int c, char **v) { printf("hello %%d\\n", c); return 3; }\n' > "$out/hello.c"
musl-gcc -static -o "$out/hello" "$out/hello.c" || echo "not ok $suite/build-hello"
mkfifo "$out/fifo"

# ---- --mem ----
expect mem-garbage 2 "--mem garbage: not a size" mica --mem garbage "$out/hello"
expect mem-negative 2 "--mem -5: not a size" mica --mem -5 "$out/hello"
expect mem-fraction 2 "--mem 1.5G: not a size" mica --mem 1.5G "$out/hello"
# A size QEMU cannot allocate: its own error, and a failure (tools/boot read QEMU's status 1 as the program's 0).
expect mem-host-has-not 125 "QEMU failed (status 1)" mica --mem 100000G "$out/hello"
expect mem-1M 2 "--mem 1M is too little for this program: it needs at least" mica --mem 1M "$out/hello"
expect mem-2M 2 "--mem 2M is too little for this program: it needs at least" mica --mem 2M "$out/hello"
head -c $((8 << 20)) /dev/zero > "$out/big"
expect image-larger-than-memory 2 "--mem 8M is too little for this program" mica --mem 8M --with "$out/big" "$out/hello"
# The floor is not above what the programs need: each runs with just the memory mica run asks for.
floor() { mica --mem 1M "$@" 2>&1 | sed -n 's/.*it needs at least \([0-9]*K\).*/\1/p'; }
hello_floor=$(floor "$out/hello") bb_floor=$(floor "$bb" echo five)
expect mem-floor-hello 3 "hello 1" mica --mem "${hello_floor:-0}" "$out/hello"
expect mem-floor-busybox 0 "five" mica --mem "${bb_floor:-0}" "$bb" echo five
expect mem-plain-mib 3 "hello 1" mica --mem 64 "$out/hello"
# No standard input at all: the console reads nothing, the program still runs.
closed_stdin() { MICA_BUILD="$build" MICA_TIMEOUT=60 timeout -k 5 90 "$here/tools/mica" run "$out/hello" <&-; }
expect closed-stdin 3 "hello 1" closed_stdin

# ---- paths that are not files ----
expect with-device 2 "--with /dev/zero: a character device; only regular files" mica --with /dev/zero "$out/hello"
expect with-console 2 "--with /dev/console: a character device" mica --with /dev/console "$out/hello"
expect with-fifo 2 "fifo: a FIFO; only regular files" mica --with "$out/fifo" "$out/hello"
ln -sf /dev/zero "$out/zero-link"
expect with-link-to-device 2 "zero-link: a character device" mica --with "$out/zero-link" "$out/hello"
# A directory given with --with keeps its files, not a FIFO in it.
mkdir -p "$out/withdir" && printf 'kept\n' > "$out/withdir/file" && rm -f "$out/withdir/fifo" && mkfifo "$out/withdir/fifo"
expect with-dir-fifo-left-out 0 "withdir: the devices, FIFOs and sockets in it (1) are not packed" \
	mica --with "$out/withdir" "$bb" cat "$out/withdir/file"
expect with-dir-files-kept 0 "kept" mica --with "$out/withdir" "$bb" cat "$out/withdir/file"
# A dynamic program whose interpreter is a device or a FIFO: refused, and lx says the program cannot run.
printf 'int main(void) { return 0; }\n' > "$out/dyn.c"
gcc -o "$out/interp-zero" "$out/dyn.c" -Wl,--dynamic-linker=/dev/zero
gcc -o "$out/interp-fifo" "$out/dyn.c" -Wl,--dynamic-linker="$out/fifo"
gcc -o "$out/interp-console" "$out/dyn.c" -Wl,--dynamic-linker=/dev/console
expect interp-device 126 "/dev/zero (needed by the program) is a character device; only regular files" mica "$out/interp-zero"
expect interp-fifo 127 "fifo (needed by the program) is a FIFO; only regular files" mica "$out/interp-fifo"
expect interp-console 126 "/dev/console (needed by the program) is a character device" mica "$out/interp-console"
# Paths with spaces, and unprintable bytes shown escaped.
mkdir -p "$out/a dir" && printf 'spaced\n' > "$out/a dir/b file"
expect with-spaces 0 "spaced" mica --with "$out/a dir/b file" "$bb" cat "$out/a dir/b file"
expect with-spaced-dir 0 "spaced" mica --with "$out/a dir" "$bb" cat "$out/a dir/b file"
expect unprintable-escaped 2 'bad\001\011name\134x: no such file' mica --with "$(printf '%s/bad\001\tname\\x' "$out")" "$out/hello"

# ---- the program ----
expect program-directory 126 "$out: a directory, not a program" mica "$out"
expect program-device 126 "/dev/null: a character device, not a program" mica /dev/null
expect program-fifo 126 "fifo: a FIFO, not a program" mica "$out/fifo"
expect program-missing 127 "no-such: no such file" mica "$out/no-such"
printf '#!%s sh\necho script "$@" $0\nexit 5\n' "$bb" > "$out/script"
chmod +x "$out/script"
expect script 5 "script one two words /bin/script" mica "$out/script" one "two words"
printf '#!  %s   echo  \r\n' "$bb" > "$out/script-crlf"
expect script-arg-trimmed 0 "/bin/script-crlf x" mica "$out/script-crlf" x
printf '#!bin/sh\n' > "$out/script-relative"
expect script-relative-interp 126 "its interpreter \"bin/sh\" is not an absolute path" mica "$out/script-relative"

# ---- a run ended by a signal ----
# SIG STATUS: mica run of a long sleep, sent SIG once QEMU runs, ends at once with STATUS, and
# neither its temporary folder nor its QEMU is left. env --default-signal undoes the ignored
# SIGINT that an asynchronous command gets.
signalled() {
	sig=$1 want=$2 tmpd=$out/tmp-$1
	rm -rf "$tmpd" && mkdir -p "$tmpd"
	TMPDIR=$tmpd MICA_BUILD="$build" MICA_TIMEOUT=60 env --default-signal=INT "$here/tools/mica" run "$bb" sleep 30 \
		> "$out/signal.log" 2>&1 < /dev/null &
	pid=$!
	i=0
	while [ $i -lt 100 ] && ! ps -eo args | grep -F "$tmpd" | grep -q '^qemu'; do sleep 0.1; i=$((i + 1)); done
	sleep 1
	start=$(date +%s)
	kill -"$sig" $pid
	wait $pid
	rc=$? took=$(($(date +%s) - start))
	left=$(ls -A "$tmpd")
	qemu=$(ps -eo args | grep -F "$tmpd" | grep '^qemu')
	if [ $rc -eq "$want" ] && [ $took -lt 20 ] && [ -z "$left" ] && [ -z "$qemu" ]; then
		echo "ok $suite/signal-$sig"
	else
		echo "not ok $suite/signal-$sig: status $rc (want $want) after ${took}s; left: $left; QEMU: $qemu"
		sed 's/^/#   /' "$out/signal.log" | tail -5
		[ -n "$qemu" ] && kill $(ps -eo pid,args | grep -F "$tmpd" | sed -n 's/^ *\([0-9]*\) qemu.*/\1/p')
	fi
}
signalled TERM 143
signalled INT 130
signalled HUP 129

# ---- --init: pid 1 runs the program as its child, reaps orphans, forwards signals, passes the status ----
expect init-pid 0 "pid 2 ppid 1" mica --init "$bb" sh -c 'echo pid $$ ppid $PPID'
expect init-status 7 "ending" mica --init "$bb" sh -c 'echo ending; exit 7'
expect init-killed 137 "ending" mica --init "$bb" sh -c 'echo ending; kill -KILL $$'
expect init-forwards 3 "got TERM in 2" mica --init "$bb" sh -c 'trap "echo got TERM in \$\$; exit 3" TERM; kill -TERM 1; sleep 5 & wait; echo missed'
# An orphan (the subshell's sleep) goes to pid 1, which reaps it when it ends: no zombie is left.
got=$(mica --init "$bb" sh -c '(sleep 0.2 &); sleep 1; ps -o pid,ppid,stat,comm' 2>&1)
if [ $? -eq 0 ] && printf '%s\n' "$got" | grep -q 'mica-init' && ! printf '%s\n' "$got" | grep -Eq ' Z |sleep'; then
	echo "ok $suite/init-reaps-orphans"
else
	echo "not ok $suite/init-reaps-orphans: an ended orphan is left, or ps failed:"
	printf '%s\n' "$got" | sed 's/^/#   /'
fi
# On a terminal the program runs in its own foreground group: ^C reaches it, once, and not init.
typed_init() {
	MICA_BUILD="$build" MICA_TIMEOUT=60 timeout -k 5 90 python3 "$here/tests/expect.py" -t 30 '<ready' '>\003' -- \
		"$here/tools/mica" run --console --init "$bb" sh -c 'trap "echo INT in \$\$; exit 4" INT; echo ready; sleep 5 & wait; echo missed'
}
expect init-console-ctrl-c 4 "INT in 2" typed_init

# ---- /etc as a small Linux system has it ----
# glibc finds localhost and the machine's own name in /etc/hosts (nsswitch.conf: files first), and the
# name agrees everywhere: hostname (uname's nodename), /proc/sys/kernel/hostname and /etc/hostname.
if command -v getent > /dev/null 2>&1; then
	expect etc-hosts-localhost 0 "127.0.0.1       localhost" mica "$(command -v getent)" hosts localhost
	expect etc-hosts-own-name 0 "127.0.1.1       mica" mica "$(command -v getent)" hosts mica
else
	echo "not ok $suite/etc-hosts: needs glibc's getent"
fi
expect hostname-default 0 "mica mica mica" mica "$bb" sh -c 'echo $(hostname) $(cat /proc/sys/kernel/hostname) $(cat /etc/hostname)'
# A root that brings its own /etc/hostname and /etc/hosts keeps them.
mkdir -p "$out/etcroot/etc"
echo box7 > "$out/etcroot/etc/hostname"
printf '127.0.0.1\tlocalhost box7-own\n' > "$out/etcroot/etc/hosts"
expect hostname-from-root 0 "box7 box7 box7 localhost box7-own" mica --root "$out/etcroot" "$bb" sh -c \
	'echo $(hostname) $(uname -n) $(cat /proc/sys/kernel/hostname) $(grep -v "^#" /etc/hosts | cut -f2)'

# ---- the guest's clock runs at the host's rate (the TSC's rate, calibrated at boot against the APIC timer) ----
# The guest reads /proc/uptime as each of two lines arrives, 3 s apart by the host's clock; what it measured
# lies between the least and the most the host can have let pass between the two readings, within 2%.
MICA_BUILD="$build" MICA_TIMEOUT=60 python3 - "$here/tools/mica" "$bb" "$suite" << 'PY'
import subprocess, sys, time
mica, bb, suite = sys.argv[1:4]
p = subprocess.Popen([mica, "run", bb, "sh", "-c", "echo ready; read a; cat /proc/uptime; read b; cat /proc/uptime"],
                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
def line():
    p.stdin.write(b"\n"); p.stdin.flush()
    sent = time.monotonic()
    got = p.stdout.readline().split()
    return sent, time.monotonic(), float(got[0]) if got else None
try:
    ready = p.stdout.readline()
    t0, t1, u1 = line()
    time.sleep(3)
    t2, t3, u2 = line()
    p.stdin.close(); p.wait(60)
    d = u2 - u1
    lo, hi = (t2 - t1) * 0.98 - 0.01, (t3 - t0) * 1.02 + 0.01
    ok = ready.strip() == b"ready" and lo <= d <= hi
    print(("ok %s/clock-rate (%.2f s measured in the guest, %.2f-%.2f s by the host)" if ok else
           "not ok %s/clock-rate: %.2f s measured in the guest, %.2f-%.2f s by the host") % (suite, d, lo, hi))
except Exception as e:
    p.kill()
    print("not ok %s/clock-rate: %r" % (suite, e))
PY

# ---- a program whose program headers lie past the first 2 KiB lx reads of it (it then reads 16 KiB) ----
# hello linked with a gap after its headers, the headers moved into the gap at 0x900 and the first segment
# grown to cover them; the host runs it too.
if musl-gcc -static -Wl,-z,separate-code -o "$out/hello-sc" "$out/hello.c" && python3 - "$out/hello-sc" "$out/far-phdrs" << 'PY'
import struct, sys
d = bytearray(open(sys.argv[1], "rb").read())
phoff, = struct.unpack_from("<Q", d, 32)
phentsize, phnum = struct.unpack_from("<HH", d, 54)
ph = bytearray(d[phoff:phoff + phentsize * phnum])
new = 0x900
end = new + len(ph)
t, fl, off, va, pa, fs, ms, al = struct.unpack_from("<IIQQQQQQ", ph, 0)
if t != 1 or off != 0 or fs > new or any(d[new:end]):
    sys.exit("no room for the headers at 0x900")
struct.pack_into("<IIQQQQQQ", ph, 0, t, fl, off, va, pa, end, end, al)
d[new:end] = ph
struct.pack_into("<Q", d, 32, new)
open(sys.argv[2], "wb").write(d)
PY
then
	chmod +x "$out/far-phdrs"
	expect far-program-headers-host 3 "hello 1" "$out/far-phdrs"
	expect far-program-headers 3 "hello 1" mica "$out/far-phdrs"
else
	echo "not ok $suite/far-program-headers: could not make the program"
fi
