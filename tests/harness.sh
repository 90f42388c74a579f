#!/bin/sh
# The harness tested: a case broken on Mica fails, and so does one that fails the same way on both sides.
# usage: tests/harness.sh BUILD (the kernel and lx built there)
#
# judge (tests/setup.sh) is given made-up outcomes; then tests/linux.sh runs its "sys" program
# twice, with lx as built and with an lx whose getppid answers what getpid answers (linked with
# LX_LDFLAGS, from the same objects): the first must pass, the second must fail. Should lx's handler
# names change, the broken link still succeeds but the second check fails: name the new ones here.
suite=harness
. "$(dirname "$0")/setup.sh"

# verdict NAME WANT CMD...: CMD's first line must start with WANT ("ok" or "not ok").
verdict() {
	v_name=$1 v_want=$2
	shift 2
	v_got=$("$@" 2>&1 | head -n 1)
	case $v_got in
	"$v_want "*) echo "ok harness/$v_name" ;;
	*) echo "not ok harness/$v_name: want \"$v_want ...\", got \"$v_got\"" ;;
	esac
}

# ---- judge on made-up outcomes ----
printf 'same\n' > "$out/a"
printf 'same\n' > "$out/b"
printf 'other\n' > "$out/c"
: > "$out/empty"
verdict judge-alike ok judge alike 0 0 0 "$out/a" "$out/b"
verdict judge-same-failure "not ok" judge same-failure 0 1 1 "$out/a" "$out/b"
verdict judge-declared-status ok judge declared 3 3 3 "$out/a" "$out/b"
verdict judge-mica-status "not ok" judge mica-status 0 0 139 "$out/a" "$out/b"
verdict judge-host-status "not ok" judge host-status 0 2 0 "$out/a" "$out/b"
verdict judge-differ "not ok" judge differ 0 0 0 "$out/a" "$out/c"
verdict judge-nothing "not ok" judge nothing 0 0 0 "$out/empty" "$out/empty"
verdict judge-nothing-allowed ok judge nothing-allowed 0 0 0 "$out/empty" "$out/empty" empty-ok

# ---- a case broken on Mica ----
# lxbuild DIR [LX_LDFLAGS]: a build directory with the kernel and lx's objects of $build, lx linked anew.
lxbuild() {
	mkdir -p "$1/user" && cp -a "$build/kernel" "$1/" && cp -a "$build/user/user" "$build/user/lib" "$build/user/libos" "$1/user/" &&
		make -s -C "$here" BUILD="$1" LX_LDFLAGS="${2:-}" "$1/user/lx/lx"
}
if ! lxbuild "$out/good" || ! lxbuild "$out/broken" "--wrap=lx_sys_getppid --defsym=__wrap_lx_sys_getppid=lx_sys_getpid"; then
	echo "not ok harness/build: lx does not link"
	exit 1
fi
# run DIR: tests/linux.sh's sys program on DIR's lx; its verdict line on sys.
run() {
	LINUX_CASES=sys sh "$here/tests/linux.sh" "$1" > "$1.log" 2>&1
	grep '^\(not \)\{0,1\}ok linux/sys\( \|:\)' "$1.log"
}
verdict linux-case-passes ok run "$out/good"
verdict linux-case-broken-on-mica "not ok" run "$out/broken"
if grep -q '^not ok mica/sys/getppid:' "$out/broken.log"; then
	echo "ok harness/broken-check-named"
else
	echo "not ok harness/broken-check-named: the broken lx did not fail sys/getppid"
	grep 'getppid' "$out/broken.log" | sed 's/^/#   /'
fi
