#!/bin/sh
# Run every test suite, keep each one's output, and print the count: "N passed, N failed".
# usage: tests/run.sh BUILD KERNEL
set -u
build=$1 kernel=$2
logs=$build/test
rm -rf "$logs" && mkdir -p "$logs"

# suite NAME CMD...: run CMD, show and keep its output; a failing command with
# no failing check of its own still counts as one failure.
suite() {
	name=$1
	shift
	echo "== $name"
	"$@" > "$logs/$name.log" 2>&1
	rc=$?
	cat "$logs/$name.log"
	if [ $rc -ne 0 ] && ! grep -q '^not ok ' "$logs/$name.log"; then
		echo "not ok $name: exited with status $rc" | tee -a "$logs/$name.log"
	fi
}


suite unit make -s BUILD="$build" unit-test
# the kernel tests run under instruction counting: their time slices and timeouts then do not
# depend on how busy the host is
suite vm tools/boot -i -t 300 "$kernel" "$build/img/tests.cpio"
suite boot sh tests/boot.sh "$build" "$kernel"
suite net sh tests/net.sh "$build" "$kernel"
suite httpd sh tests/httpd.sh "$build" "$kernel"
suite inet sh tests/inet.sh "$build"
suite udp sh tests/udp.sh "$build"
suite inet6 sh tests/inet6.sh "$build"
suite servers sh tests/servers.sh "$build"
suite mica-run sh tests/mica-run.sh "$build"
suite streams sh tests/streams.sh "$build"
suite blk sh tests/blk.sh "$build"
suite volumes sh tests/volumes.sh "$build"
suite disk sh tests/disk.sh "$build"
suite linux sh tests/linux.sh "$build"
suite harness sh tests/harness.sh "$build"
suite docs python3 tests/docfigures.py
suite format sh tests/format.sh
suite lxnumbers python3 tests/lxnumbers.py
suite lxleaf python3 tests/lxleaf.py "$build/user/lx/lx"
suite busybox sh tests/busybox.sh "$build"
suite sh sh tests/sh.sh "$build"
suite debian sh tests/debian.sh "$build"
suite procfs sh tests/procfs.sh "$build"

passed=$(cat "$logs"/*.log | grep -ac '^ok ')
failed=$(cat "$logs"/*.log | grep -ac '^not ok ')
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
