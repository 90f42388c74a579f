#!/bin/sh
# Whole-machine tests: boot on each machine type, and bad boot images that must fail cleanly.
suite=boot
kernel=$2
. "$(dirname "$0")/setup.sh"
tmp=$build/test/boot
mkdir -p "$tmp"

# image NAME FILE...: a cpio boot image from the files given, "init" first.
image() {
	name=$1
	shift
	rm -rf "$tmp/$name.d" && mkdir -p "$tmp/$name.d"
	cp "$@" "$tmp/$name.d/" 2>/dev/null
	(cd "$tmp/$name.d" && ls | cpio --quiet -o -H newc) > "$tmp/$name.cpio"
	echo "$tmp/$name.cpio"
}

expect microvm 0 "hello from env" tools/boot -t 60 "$kernel" "$build/img/hello.cpio"
expect pc 0 "hello from env" tools/boot -M pc -t 60 "$kernel" "$build/img/hello.cpio"
expect q35 0 "hello from env" tools/boot -M q35 -t 60 "$kernel" "$build/img/hello.cpio"

# typed STEP... -- CMD...: CMD typed at on its console by tests/expect.py, which waits for each
# "<TEXT" to be printed before it types the next ">TEXT".
typed() { python3 "$here/tests/expect.py" -t 30 "$@"; }
# typed_sh STEP...: make run's shell, Debian's busybox sh through lx, typed at on the console (as make
# run starts it: its root tree and environment).
tools/shell-root "$tmp/shell-root" /bin/busybox
typed_sh() {
	typed "$@" -- env MICA_BUILD="$build" MICA_TIMEOUT=60 tools/mica run --console --root "$tmp/shell-root" \
		--env HOME=/root --env PATH=/usr/sbin:/usr/bin:/sbin:/bin /bin/busybox sh -i
}

# The console shell, typed at: the UART interrupt reaches it through a notification.
msh() { typed '<mica> ' '>hello\r' '<hello from env' '<mica> ' '>nosuch\r' '<mica> ' '>off\r' -- \
	tools/boot -t 60 "$kernel" "$build/img/msh.cpio"; }
expect console-shell 0 "nosuch: E_NOENT" msh

# make run's shell on the console.
bbsh() { typed_sh '<# ' '>echo typed $((2+3))\n' '<typed 5' '<# ' '>echo a b | busybox wc -w\n' '<\n2\r' '<# ' '>exit 4\n'; }
expect busybox-sh-interactive 4 "typed 5" bbsh
# Ctrl-C: SIGINT to the foreground job, whether it reads the console (cat) or not (sleep); the shell stays.
# Each job says it runs (a line the typed command's echo does not hold) before it becomes sleep or cat.
ctrlc() { typed_sh '<# ' ">busybox sh -c 'echo sleep\$((1+1)); exec busybox sleep 30'\n" '<sleep2' '>\003' '<# ' \
	">busybox sh -c 'echo cat\$((1+1)); exec busybox cat'\n" '<cat2' '>\003' '<# ' '>echo after $?\n' '<# ' '>exit 6\n'; }
expect ctrl-c 6 "after 130" ctrlc
# Ctrl-Z stops the foreground job, fg lets it finish.
ctrlz() { typed_sh '<# ' ">busybox sh -c 'echo sleep\$((1+1)); exec busybox sleep 2'\n" '<sleep2' '>\032' '<Stopped' \
	'<# ' '>fg\n' '<# ' '>echo resumed $?\n' '<# ' '>exit 7\n'; }
expect ctrl-z-and-fg 7 "resumed 0" ctrlz
# make run's image: every applet by name, /etc's passwd and hostname, HOME; a job in the background that ps
# shows and kill %1 ends.
comfy() { typed_sh '<# ' '>test $(ls /bin | wc -l) -gt 50 && echo applets-$(hostname)-$HOME\n' '<applets-mica-/root' \
	'<# ' '>sleep 1 &\n' '<# ' '>jobs\n' '<Running' '<# ' '>wait\n' '<# ' '>sleep 77 &\n' '<# ' '>ps | grep -c "[s]leep 77"\n' \
	'<\n1\r' '<# ' '>kill %1; wait\n' '<Terminated' '<# ' '>echo user=$(id -un); exit 3\n' '<user=root'; }
expect make-run-shell 3 "user=root" comfy
# On a host terminal (a pty of 33 rows and 101 columns here) the console's window size is that terminal's;
# with pipes it stays 24 by 80 (the tests above).
winsize() { python3 "$here/tests/expect.py" -t 60 -s 33x101 '<33 101' -- env MICA_BUILD="$build" MICA_TIMEOUT=60 \
	tools/mica run /bin/busybox sh -c 'stty size; exit 5'; }
expect console-window-size 5 "33 101" winsize
# A resize of the host terminal while the program runs: SIGWINCH in the guest, and the new size.
resize() { python3 "$here/tests/expect.py" -t 60 -s 33x101 '<ready' '=40x120' '<winch 40 120' -- \
	env MICA_BUILD="$build" MICA_TIMEOUT=60 tools/mica run /bin/busybox sh -c \
	'trap "echo winch \$(stty size); kill \$!; exit 6" WINCH; echo ready; sleep 60 & wait; echo no-winch'; }
expect console-resize 6 "winch 40 120" resize
nowinsize() { typed '<24 80' -- env MICA_BUILD="$build" MICA_TIMEOUT=60 tools/mica run --console /bin/busybox stty size; }
expect console-window-size-pipes 0 "24 80" nowinsize
# Non-canonical reads of the console as VMIN and VTIME say: with VMIN 0 and VTIME 5 a read ends empty after half a
# second; with VMIN 3 it waits for the third byte (Q, echoed as the read takes it, is not enough alone).
vmin() { typed '<timed 0' '<ready' '>Q' '<Q' '>RS' '<got 3' -- env MICA_BUILD="$build" MICA_TIMEOUT=60 \
	tools/mica run --console /bin/busybox sh -c 'b=/bin/busybox; $b stty -icanon min 0 time 5; echo timed \
	$($b dd bs=10 count=1 2>/dev/null | $b wc -c); $b stty min 3 time 0; echo ready; echo got \
	$($b dd bs=10 count=1 2>/dev/null | $b wc -c)'; }
expect console-vmin-vtime 0 "got 3" vmin

printf 'not an elf' > "$tmp/init"
expect bad-elf 255 "init is not a valid x86-64 ELF" tools/boot -t 60 "$kernel" "$(image badelf "$tmp/init")"
head -c 100 "$build/user/bin/hello" > "$tmp/init"
expect truncated-elf 255 "init is not a valid x86-64 ELF" tools/boot -t 60 "$kernel" "$(image trunc "$tmp/init")"
cp "$build/user/bin/hello" "$tmp/other"
expect no-init 255 "no program named init" tools/boot -t 60 "$kernel" "$(image noinit "$tmp/other")"
head -c 1000 "$build/img/hello.cpio" > "$tmp/corrupt.cpio"
expect corrupt-image 255 "kernel panic" tools/boot -t 60 "$kernel" "$tmp/corrupt.cpio"

# A QEMU that does not start is a failure, not the program's status 0 (QEMU's own error is status 1).
expect qemu-bad-size 125 "QEMU failed (status 1)" tools/boot -m garbage -t 60 "$kernel" "$build/img/hello.cpio"
head -c $((4 << 20)) /dev/zero > "$tmp/filler"
cp "$build/user/bin/hello" "$tmp/init"
expect image-larger-than-memory 125 "initrd is too large" tools/boot -m 3M -t 60 "$kernel" "$(image toobig "$tmp/init" "$tmp/filler")"
# A root env that the memory cannot hold (32 MiB of .bss in 16 MiB): one plain line, not a panic.
cp "$build/user/bin/bigbss" "$tmp/init"
bigbss() {
	o=$(tools/boot -m 16M -t 60 "$kernel" "$(image bigbss "$tmp/init")" 2>&1)
	rc=$?
	printf '%s\n' "$o"
	case $o in *"kernel panic"*) return 1 ;; esac
	return $rc
}
expect root-too-little-memory 255 "16384 KiB of memory is too little to start init" bigbss
expect root-fits 0 "bigbss loaded" tools/boot -m 64M -t 60 "$kernel" "$(image bigbss "$tmp/init")"

size=$(objcopy --strip-all -O elf64-x86-64 "$kernel" "$tmp/k.stripped" && wc -c < "$tmp/k.stripped")
if [ "$size" -le 262144 ]; then echo "ok boot/kernel-size ($size bytes stripped)"; else echo "not ok boot/kernel-size: $size bytes > 256 KiB"; fi
