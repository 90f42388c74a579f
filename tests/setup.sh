# The start every suite script shares; source it with suite=NAME set and the build directory as $1.
# Sets here (the source tree), build (made, absolute) and out (BUILD/NAME-tests, empty), and defines judge.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1" || exit 1
build=$(cd "$1" && pwd)
out=$build/$suite-tests
rm -rf "$out" && mkdir -p "$out"

# need_lx: build the kernel and lx if they are missing; exit the suite with one failing line if they do not build.
need_lx() {
	[ -f "$build/kernel/mica.elf" ] && [ -f "$build/user/lx/lx" ] && return 0
	make -s -C "$here" BUILD="$build" "$build/kernel/mica.elf" "$build/user/lx/lx" && return 0
	echo "not ok $suite/build-lx: the kernel or lx does not build"
	exit 1
}

# expect NAME STATUS TEXT CMD...: CMD exits with STATUS and its output holds TEXT (a fixed string).
expect() {
	name=$1 want=$2 text=$3
	shift 3
	got=$("$@" 2>&1)
	rc=$?
	if [ $rc -eq "$want" ] && printf '%s' "$got" | grep -qF -- "$text"; then
		echo "ok $suite/$name"
	else
		printf 'not ok %s/%s: status %s (want %s, and "%s"), output:\n' "$suite" "$name" $rc "$want" "$text"
		printf '%s\n' "$got" | tail -5 | sed 's/^/#   /'
	fi
}

# judge NAME WANT HS MS HOST MICA [empty-ok]: the verdict on one differential case, one line, "ok SUITE/NAME"
# or "not ok SUITE/NAME: why" with the differences. It passes only when both sides ended with status WANT
# (0 unless the case declares another) and the files HOST and MICA (their outputs, or the names of the
# checks they reported, one a line: set unit=checks) are the same and, unless empty-ok is given, not empty:
# a case that fails the same way on both sides fails.
judge() {
	j_name=$1 j_want=$2 j_hs=$3 j_ms=$4 j_host=$5 j_mica=$6 j_why=
	[ "$j_hs" -eq "$j_want" ] || j_why="host status $j_hs"
	[ "$j_ms" -eq "$j_want" ] || j_why="${j_why:+$j_why, }Mica status $j_ms"
	[ -n "$j_why" ] && j_why="$j_why (want $j_want)"
	[ -s "$j_host" ] || [ "${7:-}" = empty-ok ] || j_why="${j_why:+$j_why; }nothing from the host"
	command cmp -s "$j_host" "$j_mica" || j_why="${j_why:+$j_why; }host and Mica differ"
	if [ -z "$j_why" ]; then
		echo "ok $suite/$j_name ($(wc -l < "$j_host") ${unit:-lines} alike, status $j_hs on both)"
		return 0
	fi
	echo "not ok $suite/$j_name: $j_why"
	diff "$j_host" "$j_mica" | head -20 | sed 's/^/#   /'
	return 1
}

# answers URL: wait (up to 120 s) until curl fetches URL from the host; false if it never does.
answers() {
	a_i=0
	while [ $a_i -lt 120 ]; do
		curl -s -m 5 -o /dev/null "$1" && return 0
		sleep 1
		a_i=$((a_i + 1))
	done
	return 1
}

# check_names LOG: the check names LOG reports ("ok NAME ...", "not ok NAME: why"), passed or failed, sorted.
check_names() { tr -d '\r' < "$1" | sed -n -e 's/^ok \([^ ]*\).*/\1/p' -e 's/^not ok \([^:]*\):.*/\1/p' | sort -u; }

# judge_checks NAME HS MS HOST-LOG MICA-LOG: judge (status 0 on both) on the check names the two logs
# report, with Mica's failures and mica run's own messages shown first.
judge_checks() {
	grep '^not ok\|^mica\|timed out' "$5" | sed 's/^/# mica: /'
	check_names "$4" > "$4.names"
	check_names "$5" > "$5.names"
	jc_unit=${unit:-}
	unit=checks
	judge "$1" 0 "$2" "$3" "$4.names" "$5.names"
	unit=$jc_unit
}

# build_c OUT SRC musl|glibc [LIBS...]: SRC built into OUT, static with musl or dynamic with glibc; when it does
# not build, a "not ok SUITE/build-NAME" line (NAME: OUT's file name) with the compiler's first words, status 1.
build_c() {
	bc_out=$1 bc_src=$2 bc_cc=musl-gcc bc_flags=-static
	[ "$3" = glibc ] && bc_cc=gcc bc_flags=
	shift 3
	$bc_cc $bc_flags -O2 -Wall -Wextra -Werror -o "$bc_out" "$bc_src" "$@" > "$bc_out.build.log" 2>&1 && return 0
	echo "not ok $suite/build-$(basename "$bc_out"):"
	sed 's/^/#   /' "$bc_out.build.log" | head -10
	return 1
}

# port_base N: the first of N ports of 127.0.0.1 in a row, each free now for TCP and UDP, for the suite's servers,
# relays and wires. They lie below the host's ephemeral ports (32768 and up), which any client's connection may
# take at any time (a port chosen there was once found held: "cannot bind the host's port").
port_base() {
	python3 - "$1" "$$" << 'PY'
import socket, sys
n, seed = int(sys.argv[1]), int(sys.argv[2])
lo, span = 10000, 32768 - 10000 - n
def free(p):
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        s = socket.socket(socket.AF_INET, kind)
        try:
            s.bind(("127.0.0.1", p))
        except OSError:
            return False
        finally:
            s.close()
    return True
for i in range(span):
    b = lo + (seed * 97 + i * n) % span
    if all(free(p) for p in range(b, b + n)):
        sys.exit(print(b))
sys.exit("no %d free ports in a row on 127.0.0.1 below 32768" % n)
PY
}
