# tail -F following a file that this script appends to, then replaces: tail must see each line at once
# (it waits 30 s between looks when it cannot use inotify, longer than a line is waited for here).
d=${TMPDIR:-/tmp}/tailf.$$
mkdir -p "$d"
f=$d/log
echo one > "$f"
tail -s 30 -F -n +1 "$f" > "$d/out" 2> "$d/err" &
t=$!
# seen LINE: wait up to 10 s for tail to have printed LINE
seen() {
	for _ in $(seq 1 100); do
		grep -qx "$1" "$d/out" && return 0
		sleep 0.1
	done
	echo "tail did not print '$1' within 10 s"
	return 1
}
seen one && echo two >> "$f" && seen two && mv "$f" "$f.old" && echo three > "$f" && seen three &&
	echo four >> "$f" && seen four
status=$?
kill $t
wait $t 2> /dev/null
cat "$d/out"
rm -rf "$d"
exit $status
