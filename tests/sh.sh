#!/bin/sh
# busybox sh scripts (tests/sh/*.sh) run on the host and on Mica from the same tree; outputs must match.
# usage: tests/sh.sh BUILD
#
# judge (tests/setup.sh) wants status 0 on both sides, or N where the script has a line "# status: N".
suite=sh
. "$(dirname "$0")/setup.sh"
bb=${BUSYBOX:-/bin/busybox}
if [ ! -x "$bb" ] || ! "$bb" true; then
	echo "not ok sh/busybox: no busybox (tools/deps.sh names the package)"
	exit 1
fi
# the tree the scripts see as their root (on the host: the current directory)
tree=$out/tree
mkdir -p "$tree/data/sub"
printf '12345\n' > "$tree/data/a.txt"
printf 'abcdefghij\n' > "$tree/data/sub/b.txt"

for script in "$here"/tests/sh/*.sh; do
	name=$(basename "$script" .sh)
	rm -rf "$out/host" && cp -a "$tree" "$out/host" && cp "$script" "$out/host/script.sh"
	(cd "$out/host" && timeout 60 env -i PATH=/bin:/usr/bin HOME=/ "$bb" sh script.sh > "$out/$name.host" 2>&1)
	hs=$?
	cp "$script" "$tree/script.sh"
	MICA_BUILD=$build MICA_TIMEOUT=120 timeout -k 5 150 "$here/tools/mica" run --root "$tree" "$bb" sh /script.sh \
		< /dev/null > "$out/$name.raw" 2>&1
	ms=$?
	tr -d '\r' < "$out/$name.raw" > "$out/$name.mica"
	want=$(sed -n 's/^# status: \([0-9]*\)$/\1/p' "$script")
	judge "$name" "${want:-0}" $hs $ms "$out/$name.host" "$out/$name.mica"
done
