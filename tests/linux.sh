#!/bin/sh
# Linux programs on the host and on Mica, and whole programs that lx must refuse or end correctly.
# usage: tests/linux.sh BUILD
#
# Every tests/linux/*.c is built static with musl-gcc and run twice, on the
# host ("host/" checks) and through tools/mica run ("mica/" checks); both
# must pass, since each program checks Linux's behaviour itself, and then
# judge (tests/setup.sh) gives the program's verdict: status 0 on both sides
# and the same check names. LINUX_CASES="NAME..." runs only those programs.
suite=linux
. "$(dirname "$0")/setup.sh"

# mica PROG ARGS...: run PROG on Mica; a hung VM is stopped by the inner and the outer timeout.
mica() { MICA_BUILD="$build" MICA_TIMEOUT=60 timeout -k 5 90 "$here/tools/mica" run "$@"; }
# host PROG ARGS...: run PROG here with the same small environment lx gives.
host() { timeout -k 5 60 env -i PATH=/bin:/usr/bin:/sbin:/usr/sbin HOME=/ TERM=dumb "$@"; }

if ! command -v musl-gcc >/dev/null 2>&1; then
	echo "not ok linux/musl-gcc: not installed (tools/deps.sh names the package)"
	exit 1
fi
need_lx

# ---- build ----
CFLAGS="-static -O2 -Wall -Wextra -Werror -I$here/include" # the kernel ABI, for trust.c
# Programs that still find bugs in lx: built and run only when LINUX_CASES names them, until lx is fixed.
held=""
# wanted NAME: true when NAME is to be built and run (LINUX_CASES unset and NAME not held back, or naming it).
wanted() {
	case " ${LINUX_CASES:-} " in
	"  ") case " $held " in *" $1 "*) return 1 ;; *) return 0 ;; esac ;;
	*" $1 "*) return 0 ;;
	*) return 1 ;;
	esac
}
progs=
for src in "$here"/tests/linux/*.c; do
	name=$(basename "$src" .c)
	wanted "$name" || continue
	if musl-gcc $CFLAGS -o "$out/$name" "$src" > "$out/$name.build.log" 2>&1; then
		progs="$progs $name"
	else
		echo "not ok linux/build-$name:"
		sed 's/^/#   /' "$out/$name.build.log" | head -20
	fi
done
# Static-PIE copies of two programs, which lx loads at a base of its choosing.
# musl-gcc's specs know only static and dynamic linking, so name the start files here.
specs=$(sed -n 's/.*-specs "\([^"]*\)".*/\1/p' "$(command -v musl-gcc)")
mlib=$(dirname "$(grep -o '[^ ]*/Scrt1\.o' "$specs" 2>/dev/null | head -n 1)")
[ -f "$mlib/rcrt1.o" ] || echo "# no musl rcrt1.o beside musl-gcc's specs: static-PIE programs not built"
[ -f "$mlib/rcrt1.o" ] && for name in startup mem; do
	wanted "$name-pie" || continue
	if musl-gcc -fPIE -O2 -Wall -Wextra -Werror -nostartfiles -static-pie -Wl,-static,-pie,--no-dynamic-linker,-z,text \
		"$mlib/rcrt1.o" "$mlib/crti.o" "$(gcc -print-file-name=crtbeginS.o)" "$here/tests/linux/$name.c" \
		"$(gcc -print-file-name=crtendS.o)" "$mlib/crtn.o" -o "$out/$name-pie" > "$out/$name-pie.build.log" 2>&1; then
		progs="$progs $name-pie"
	else
		echo "not ok linux/build-$name-pie:"
		sed 's/^/#   /' "$out/$name-pie.build.log" | head -20
	fi
done

# Dynamic glibc copies (gcc's default: PIE, linked against the host's glibc), which lx runs through
# glibc's ld.so with the libraries mica run packs. mem and sys check musl's thin wrappers, not Linux.
for name in startup files fileops fmap locks procs signals threads events robust cputimers sockets unixsock unixload loopback sockbig creds sigregs threadbomb threadcrowd oom perms fuzz fpstate pagerace devnodes fifo procfs msgq sems shm pifutex sigfd pidfd inotify xattrs netif pty mounts rewrite; do
	wanted "$name-glibc" || continue
	if gcc -O2 -Wall -Wextra -Werror -o "$out/$name-glibc" "$here/tests/linux/$name.c" -lpthread -lm \
		> "$out/$name-glibc.build.log" 2>&1; then
		progs="$progs $name-glibc"
	else
		echo "not ok linux/build-$name-glibc:"
		sed 's/^/#   /' "$out/$name-glibc.build.log" | head -20
	fi
done

# Dynamic musl copies of two, through musl's own loader.
for name in startup threads; do
	wanted "$name-musl" || continue
	if musl-gcc -O2 -Wall -Wextra -Werror -o "$out/$name-musl" "$here/tests/linux/$name.c" > "$out/$name-musl.build.log" 2>&1; then
		progs="$progs $name-musl"
	else
		echo "not ok linux/build-$name-musl:"
		sed 's/^/#   /' "$out/$name-musl.build.log" | head -20
	fi
done

# ---- the differential programs ----
# report WHERE NAME LOG: the program's checks with WHERE/ in front, other output as comments.
# The static-PIE, glibc and dynamic musl copies' checks are told apart by "pie/", "glibc/" or "musl/" after WHERE.
report() {
	where=$1 name=$2 log=$3 pre=$1
	case $name in *-pie) pre=$where/pie ;; *-glibc) pre=$where/glibc ;; *-musl) pre=$where/musl ;; esac
	# printable text only, and at most 40 lines besides the checks: a program's stray output must not flood the log
	tr -d '\r' < "$log" | tr -cd '\11\12\40-\176' | awk -v pre="$pre" '
		/^ok / { print "ok " pre "/" substr($0, 4); next }
		/^not ok / { print "not ok " pre "/" substr($0, 8); next }
		++other <= 40 { print "# " $0 }
		END { if (other > 40) print "# (" other - 40 " more lines of output)" }'
}
# names LOG: the names of the checks LOG reports, passed or failed, sorted, one a line; and "lx: fault in lx
# itself" when lx said so (anywhere in a line: the console may cut into the program's output), which the
# host never says, so that a fault of lx fails the program even when the process it ended was meant to die.
names() {
	{
		tr -d '\r' < "$1" | sed -n -e 's/^ok \([^ ]*\).*/\1/p' -e 's/^not ok \([^:]*\):.*/\1/p'
		! grep -q 'lx: fault .* in lx itself' "$1" || echo "lx: fault in lx itself"
	} | sort -u
}
# A program passes when it exits 0 on both sides (or the status its source declares with
# "#define T_STATUS N") and both report the same check names: a check that Mica skips, a
# crash after the last check, or the same failure on both sides is a failure.
unit=checks
for name in $progs; do
	src=$name
	case $name in *-pie | *-glibc | *-musl) src=${name%-*} ;; esac
	want=$(sed -n 's/^#define T_STATUS \([0-9]*\)$/\1/p' "$here/tests/linux/$src.c")
	host "$out/$name" alpha "two words" "" > "$out/$name.host.log" 2>&1
	hs=$?
	report host "$name" "$out/$name.host.log"
	mica "$out/$name" alpha "two words" "" > "$out/$name.mica.log" 2>&1
	ms=$?
	report mica "$name" "$out/$name.mica.log"
	names "$out/$name.host.log" > "$out/$name.host.names"
	names "$out/$name.mica.log" > "$out/$name.mica.names"
	judge "$name" "${want:-0}" $hs $ms "$out/$name.host.names" "$out/$name.mica.names"
done

# The same programs again on a CPU without protection keys, where lx counts every reflected call and rewrites
# the syscall sites a program runs often into jumps (libos/lx/rewrite.c): alike on both sides there too.
for name in $progs; do
	case " signals signals-glibc threads-glibc procs-glibc events-glibc rewrite rewrite-glibc " in *" $name "*) ;; *) continue ;; esac
	src=${name%-glibc}
	want=$(sed -n 's/^#define T_STATUS \([0-9]*\)$/\1/p' "$here/tests/linux/$src.c")
	host "$out/$name" alpha "two words" "" > "$out/$name.host2.log" 2>&1
	hs=$?
	MICA_CPU=qemu64 mica "$out/$name" alpha "two words" "" > "$out/$name.q64.log" 2>&1
	ms=$?
	names "$out/$name.host2.log" > "$out/$name.host2.names"
	names "$out/$name.q64.log" > "$out/$name.q64.names"
	judge "$name-rewritten" "${want:-0}" $hs $ms "$out/$name.host2.names" "$out/$name.q64.names"
done

# ---- whole programs through tools/mica ----
# expect NAME WANT TEXT CMD...: CMD must end with status WANT ("nonzero": anything but 0 and a
# timeout) and print something matching TEXT (a grep pattern; empty: anything; !PATTERN: nothing
# matching PATTERN).
expect() {
	name=$1 want=$2 text=$3
	shift 3
	res=$("$@" 2>&1)
	rc=$?
	res=$(printf '%s\n' "$res" | tr -d '\r')
	case $want in
	nonzero) [ $rc -ne 0 ] && [ $rc -ne 124 ] && [ $rc -ne 137 ]; good=$? ;;
	*) [ $rc -eq "$want" ]; good=$? ;;
	esac
	case $text in
	!*) ! printf '%s\n' "$res" | grep -q -- "${text#!}" ;;
	?*) printf '%s\n' "$res" | grep -q -- "$text" ;;
	esac || good=1
	if [ $good -eq 0 ]; then
		echo "ok linux/$name"
	else
		echo "not ok linux/$name: status $rc (want $want), output:"
		printf '%s\n' "$res" | tail -5 | sed 's/^/#   /'
	fi
}

# Little-endian fields of a file, read and written in place.
u16() { od -An -t u2 -j "$2" -N 2 "$1" | tr -d ' '; }
u32() { od -An -t u4 -j "$2" -N 4 "$1" | tr -d ' '; }
u64() { od -An -t u8 -j "$2" -N 8 "$1" | tr -d ' '; }
put() { # FILE OFFSET NBYTES VALUE
	i=0 bytes=
	while [ $i -lt "$3" ]; do
		bytes="$bytes\\$(printf %03o $((($4 >> (8 * i)) & 255)))"
		i=$((i + 1))
	done
	printf "$bytes" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

# A full in-memory file system says ENOSPC and leaves the program memory to go on (Mica alone: the host's /tmp may be a disk).
[ -f "$out/oom" ] && expect tmp-full-enospc 0 "then ENOSPC; a write after removing it: 1048576" mica --mem 64M "$out/oom" fill-tmp
# Memory pressure: a process holding clean file pages gives them back, and the one that ran out goes on (Mica alone).
[ -f "$out/oom" ] && expect oom-give-back 0 "its file read whole again" mica --mem 64M "$out/oom" give-back

if [ -f "$out/status" ]; then
	elf=$out/status
	bad=$out/bad
	mkdir -p "$bad"
	# (a script with "#!" runs: tests/mica-run.sh)
	printf 'echo a text file, not a program\n' > "$bad/text"
	expect not-elf-text nonzero "ELF" mica "$bad/text"
	head -c 8192 /dev/urandom > "$bad/random"
	expect not-elf-random nonzero "ELF" mica "$bad/random"
	: > "$bad/empty"
	expect not-elf-empty nonzero "ELF" mica "$bad/empty"
	head -c 40 "$elf" > "$bad/short-header"
	expect truncated-header nonzero "ELF" mica "$bad/short-header"
	head -c 3000 "$elf" > "$bad/truncated"
	expect truncated-segments nonzero "ELF" mica "$bad/truncated"
	cp "$elf" "$bad/arm" && put "$bad/arm" 18 2 40 # e_machine = EM_ARM
	expect wrong-machine nonzero "ELF" mica "$bad/arm"
	cp "$elf" "$bad/class32" && put "$bad/class32" 4 1 1 # EI_CLASS = ELFCLASS32
	expect wrong-class nonzero "ELF" mica "$bad/class32"
	cp "$elf" "$bad/phnum" && put "$bad/phnum" 56 2 65535 # e_phnum far past the file
	expect bad-phnum nonzero "ELF" mica "$bad/phnum"
	# Move the second PT_LOAD onto the first (keeping its offset congruent to its address).
	cp "$elf" "$bad/overlap"
	phoff=$(u64 "$elf" 32) phnum=$(u16 "$elf" 56) i=0 first=
	while [ $i -lt "$phnum" ]; do
		ph=$((phoff + i * 56))
		if [ "$(u32 "$elf" $ph)" -eq 1 ]; then
			if [ -z "$first" ]; then
				first=$(u64 "$elf" $((ph + 16)))
			else
				align=$(u64 "$elf" $((ph + 48)))
				va=$((first - first % align + $(u64 "$elf" $((ph + 8))) % align))
				put "$bad/overlap" $((ph + 16)) 8 $va
				put "$bad/overlap" $((ph + 24)) 8 $va
				break
			fi
		fi
		i=$((i + 1))
	done
	expect overlapping-segments nonzero "ELF" mica "$bad/overlap"

	expect missing-program 127 "no such file" mica "$bad/no-such-program"
	for st in 0 1 42 255; do
		expect "exit-$st-host" $st "exiting with $st" host "$elf" exit $st
		expect "exit-$st" $st "exiting with $st" mica "$elf" exit $st
	done
	expect _exit-host 77 "!must not appear" host "$elf" _exit
	expect _exit 77 "!must not appear" mica "$elf" _exit
	expect null-deref-host 139 "before the fault" host "$elf" null
	expect null-deref 139 "before the fault" mica "$elf" null
	expect abort-host 134 "" host "$elf" abort
	expect abort 134 "" mica "$elf" abort
	expect protnone-host 139 "kept too" host "$elf" protnone
	expect protnone 139 "kept too" mica "$elf" protnone
fi

# mica run passes every argument and --env, however many (lx once kept 255 of each).
if [ -f "$out/limits" ]; then
	expect mica-300-args $(((2 + 300) % 256)) "count: 302 arguments, the last 3 bytes" mica "$out/limits" count $(seq 1 300)
	envs=$(i=0; while [ $i -lt 300 ]; do i=$((i + 1)); printf -- '--env V%d=%d ' $i $i; done)
	# shellcheck disable=SC2086 # one word per option
	expect mica-300-env 0 "environ: 303 entries, PATH HOME TERM" mica $envs "$out/limits" environ
	big=$(head -c 60000 /dev/zero | tr '\0' y) # three of them: more than 128 KiB in all
	expect mica-180k-of-args 5 "count: 5 arguments, the last 60000 bytes" mica "$out/limits" count "$big" "$big" "$big"
fi

# A dynamic program whose interpreter is missing, or is a program with an interpreter of its own
# (the PT_INTERP path edited in place, keeping its length).
if [ -f "$out/startup-glibc" ] && [ -d "${bad:-}" ]; then
	interp=$(readelf -l "$out/startup-glibc" | sed -n 's/.*program interpreter: \(.*\)]$/\1/p')
	sed "s|$interp|${interp%?}X|" "$out/startup-glibc" > "$bad/no-interp"
	expect missing-interpreter 127 "interpreter .* is missing" mica "$bad/no-interp"
	pad=$(printf '%*s' $((${#interp} - 13)) '' | sed 's/ /\\x00/g')
	sed "s|$interp|/usr/bin/sort$pad|" "$out/startup-glibc" > "$bad/sort-interp"
	expect interpreter-not-a-library 126 "interpreter /usr/bin/sort is not a valid ELF shared object" \
		mica --with /usr/bin/sort "$bad/sort-interp"
fi

# The plainest x86-64 CPU QEMU offers (qemu64: no RDRAND, no AVX, no FSGSBASE) runs programs too,
# static and dynamic, with getrandom working.
if [ -f "$out/sys" ] && [ -f "$out/startup-glibc" ]; then
	expect cpu-qemu64-static 0 "ok sys/getrandom-differs" env MICA_CPU=qemu64 "$here/tools/mica" run "$out/sys"
	expect cpu-qemu64-glibc 0 "ok startup/auxv-random" \
		env MICA_CPU=qemu64 "$here/tools/mica" run "$out/startup-glibc" alpha "two words" ""
fi

# A program against its own lx (tests/linux/trust.c): under lx's protection key (tools/boot's -cpu max has
# PKU) a stray access cannot read or write lx's memory, nor program code make kernel calls through lx's
# code or open the key with lx's wrpkru; on a
# CPU without keys (qemu64) lx's memory stays open to it, as docs/architecture.md says.
if [ -f "$out/trust" ]; then
	lxbin=$build/user/lx/lx
	# sym NAME: the address of lx's symbol NAME; bytes HEX: where lx's code first holds those bytes
	sym() { nm "$lxbin" | sed -n "s/^\([0-9a-f]*\) . $1\$/0x\1/p"; }
	bytes() {
		python3 -c 'import struct,sys
d = open(sys.argv[1], "rb").read(); phoff, = struct.unpack_from("<Q", d, 32); n, = struct.unpack_from("<H", d, 56)
for i in range(n):
    t, f, off, va, pa, fs = struct.unpack_from("<IIQQQQ", d, phoff + 56 * i)
    at = d.find(bytes.fromhex(sys.argv[2]), off, off + fs) if t == 1 and f & 1 else -1
    if at >= 0:
        print(hex(va + at - off)); break' "$lxbin" "$1"
	}
	shared=$(sed -n 's/^#define LX_SHARED \(0x[0-9A-Fa-f]*\)UL.*/\1/p' "$here/libos/lx/lx.h")
	expect trust-lx-memory 0 "ok trust/lx-still-works" mica "$out/trust" lx-memory "$(sym lx_pkey_on)" "$(sym lx_text_start)" "$shared"
	expect trust-kcall 0 "ok trust/kernel-call-refused" mica "$out/trust" kcall "$(bytes 0f05c3)"
	expect trust-gs-reload 0 "ok trust/lx-still-works" mica "$out/trust" gs-reload
	expect trust-wrpkru-jump 132 "fault 6 in lx itself" mica "$out/trust" wrpkru-jump "$(bytes 0f01ef)"
	# lx's own image holds those bytes once: the closing wrpkru of entry.S's lx_leave, checked after it
	count=$(python3 -c 'import sys; print(open(sys.argv[1], "rb").read().count(bytes.fromhex("0f01ef")))' "$lxbin")
	at=$(($(bytes 0f01ef))) leave=$(($(sym lx_leave))) abuse=$(($(sym lx_pkey_abuse)))
	if [ "$count" -eq 1 ] && [ "$at" -gt "$leave" ] && [ "$at" -lt "$abuse" ]; then
		echo "ok linux/lx-one-wrpkru"
	else
		echo "not ok linux/lx-one-wrpkru: $count in lx's file, the first at $at (lx_leave $leave, lx_pkey_abuse $abuse)"
	fi
	expect trust-qemu64-unprotected 1 "not ok trust/read-refused-0" \
		env MICA_CPU=qemu64 MICA_BUILD="$build" "$here/tools/mica" run "$out/trust" lx-memory "$(sym lx_pkey_on)"
fi

# Syscall sites rewritten into jumps to lx (libos/lx/rewrite.c), on a CPU without protection keys and under
# keys (tools/boot's -cpu max, where the stubs open lx's key): the rewritten way is taken, the generic syscall()
# goes the kernel's way, unmapped stubs put their sites back.
for prog in rewrite rewrite-glibc; do
	[ -f "$out/$prog" ] || continue
	expect "$prog-counters" 0 "ok rewrite/rewritten-again" \
		env MICA_CPU=qemu64 MICA_BUILD="$build" "$here/tools/mica" run "$out/$prog" counters
	expect "$prog-counters-keyed" 0 "ok rewrite/rewritten-again" mica "$out/$prog" counters
done
# --trace sees every call, rewritten or not: the counters mode makes 7,100 getppid calls, most of them direct.
if [ -f "$out/rewrite" ]; then
	env MICA_CPU=qemu64 MICA_BUILD="$build" "$here/tools/mica" run --trace "$out/rewrite" counters 2>&1 |
		tr -d '\r' > "$out/rewrite-traced.log"
	n=$(grep -c '^\[lx\] getppid(' "$out/rewrite-traced.log")
	if [ "$n" -ge 7100 ] && grep -q '^ok rewrite/rewritten-again' "$out/rewrite-traced.log"; then
		echo "ok linux/rewrite-traced ($n getppid calls traced)"
	else
		echo "not ok linux/rewrite-traced: $n getppid calls traced (want at least 7100, most from rewritten sites):"
		grep 'rewrite/' "$out/rewrite-traced.log" | sed 's/^/#   /'
	fi
fi

# The frames of ended processes all come back (Mica only: the host's free memory moves by itself).
if [ -x "$out/procs" ]; then
	leak=$(mica "$out/procs" leak 1000 2>&1 | tr -d '\r')
	before=$(printf '%s\n' "$leak" | sed -n 's/^memfree-before //p')
	after=$(printf '%s\n' "$leak" | sed -n 's/^memfree-after //p')
	if [ -n "$before" ] && [ "$before" = "$after" ]; then
		echo "ok linux/fork-leak-1000 (MemFree $before kB before and after 1,000 fork/exit/wait)"
	else
		echo "not ok linux/fork-leak-1000: MemFree before '$before' kB, after '$after' kB"
	fi
fi

# A child whose environment ends behind lx's back (Mica only) does not leave its parent waiting forever.
if [ -x "$out/procs" ]; then
	gone=$(mica "$out/procs" gone 2>&1 | tr -d '\r')
	if printf '%s\n' "$gone" | grep -q '^gone: waitpid 0, signal 11$'; then
		echo "ok linux/child-gone-unseen-is-reaped"
	else
		echo "not ok linux/child-gone-unseen-is-reaped: $(printf '%s\n' "$gone" | tail -2 | tr '\n' ' ')"
	fi
fi

# A fork bomb is contained (Mica only: not a thing to run on the host): fork fails with EAGAIN or
# ENOMEM before anything else does, and once the children are gone fork works again.
if [ -x "$out/procs" ]; then
	bomb=$(mica --mem 128M "$out/procs" bomb 1000 2>&1 | tr -d '\r')
	if printf '%s\n' "$bomb" | grep -Eq 'then errno [0-9]+ \((EAGAIN|ENOMEM)\), fork afterwards works'; then
		echo "ok linux/fork-bomb-contained ($(printf '%s\n' "$bomb" | grep '^bomb'))"
	else
		echo "not ok linux/fork-bomb-contained: $(printf '%s\n' "$bomb" | tail -3 | tr '\n' ' ')"
	fi
fi
