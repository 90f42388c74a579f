#!/bin/sh
# Debian's static busybox, unmodified, through tools/mica run: each applet's output and status must
# match the same binary's on the host.
# usage: tests/busybox.sh BUILD
#
# One applet per run (busybox sh would need fork and exec for anything else).
# The applets read a fixed tree given with --root; on Mica they start in "/",
# on the host in a fresh copy of the tree, so relative paths name the same files.
suite=busybox
. "$(dirname "$0")/setup.sh"
bb=${BUSYBOX:-/bin/busybox}
[ -x "$bb" ] || bb=$(command -v busybox)
if [ -z "$bb" ] || ! "$bb" true; then
	echo "not ok busybox/installed: no busybox (tools/deps.sh names the static one's package)"
	exit 1
fi
need_lx
ENV="PATH=/bin:/usr/bin:/sbin:/usr/sbin HOME=/ TERM=dumb"

# ---- the tree ----
root=$out/root
mkdir -p "$root/data/tree/sub/deeper" "$root/data/tree/empty"
printf '%s\n' pear apple banana apple cherry banana apple date fig grape kiwi lemon mango \
	> "$root/data/words.txt"
printf '%s\n' 10 3 25 7 100 42 0 -5 > "$root/data/numbers.txt"
printf '%s\n' 'name,qty,price' 'apple,3,1.20' 'pear,10,0.55' 'fig,7,2.00' > "$root/data/table.csv"
sort "$root/data/words.txt" > "$root/data/sorted.txt"
printf 'alpha\n' > "$root/data/tree/a.txt"
printf 'bravo bravo\n' > "$root/data/tree/b.txt"
printf 'charlie\n' > "$root/data/tree/sub/c.txt"
head -c 5000 /dev/zero | tr '\0' 'z' > "$root/data/tree/sub/deeper/z.dat"
chmod 600 "$root/data/tree/b.txt"
chmod 755 "$root/data/tree/sub/c.txt"
find "$root" -exec touch -h -d '2021-03-04 05:06:07' {} +
(cd "$root" && "$bb" gzip -c data/words.txt > data/words.txt.gz && "$bb" tar cf data/archive.tar data/tree)
touch -d '2021-03-04 05:06:07' "$root/data/words.txt.gz" "$root/data/archive.tar" "$root/data"

# ---- running ----
host_run() { # ARGS...: busybox ARGS on the host, in a fresh copy of the tree
	rm -rf "$out/hosttree" && cp -a "$root" "$out/hosttree"
	(cd "$out/hosttree" && env -i $ENV timeout -k 5 30 "$bb" "$@")
}
mica_run() { # ARGS...: busybox ARGS on Mica; the console's \r\n back to \n
	env TERM=dumb MICA_BUILD="$build" MICA_TIMEOUT=30 timeout -k 5 60 "$here/tools/mica" run --root "$root" "$bb" "$@" \
		> "$out/raw" 2>&1
	rc=$?
	sed 's/\r$//' "$out/raw"
	return $rc
}

# cmp NAME [-f FILTER] [-s STATUS] ARGS...: busybox ARGS on both; judge (tests/setup.sh) wants status 0
# (or STATUS) on both and the same output (stdout and stderr), after FILTER (a shell pipeline stage) on
# both outputs when given.
n=0
cmp() {
	name=$1 filter=cat want=0
	shift
	while :; do
		case $1 in
		-f) filter=$2 ;;
		-s) want=$2 ;;
		*) break ;;
		esac
		shift 2
	done
	n=$((n + 1))
	host_run "$@" > "$out/$n.host.out" 2>&1
	hs=$?
	mica_run "$@" > "$out/$n.mica.out"
	ms=$?
	sh -c "$filter" < "$out/$n.host.out" > "$out/$n.host"
	sh -c "$filter" < "$out/$n.mica.out" > "$out/$n.mica"
	judge "$name" "$want" $hs $ms "$out/$n.host" "$out/$n.mica" empty-ok
}

cmp echo echo hello '  two  spaces  ' -n
cmp echo-e echo -e 'tab\there\nnew line'
cmp cat cat data/words.txt data/numbers.txt
cmp cat-missing -s 1 cat data/nosuch
cmp ls ls -1 data
cmp ls-a ls -1a data/tree
cmp ls-R ls -1R data/tree
# Owners, link counts, dates and directory sizes depend on the file system: keep mode, size and name of files.
cmp ls-l -f "awk '/^-/ { print \$1, \$5, \$NF } /^d/ { print \$1, \$NF }'" ls -l data/tree
cmp ls-missing -s 1 ls data/nosuch
cmp stat-s stat -c %s data/words.txt data/tree/sub/deeper/z.dat
cmp stat-fmt stat -c '%A %s %n' data/tree/a.txt data/tree/b.txt data/tree/sub/c.txt
cmp stat-type stat -c '%F %n' data/tree data/tree/a.txt
cmp wc wc data/words.txt data/table.csv
cmp wc-l wc -l data/numbers.txt
cmp sort sort data/words.txt
cmp sort-n sort -n data/numbers.txt
cmp sort-ru sort -r -u data/words.txt
cmp sort-t sort -t, -k2 -n data/table.csv
cmp uniq uniq -c data/sorted.txt
cmp uniq-d uniq -d data/sorted.txt
cmp grep grep -n an data/words.txt
cmp grep-c grep -c -v a data/words.txt
cmp grep-none -s 1 grep nothing-matches data/words.txt
cmp grep-r -f sort grep -r bravo data/tree
cmp grep-E grep -E '^(a|b)' data/words.txt
cmp sed sed -e 's/a/A/g' -e 2d data/words.txt
cmp sed-n sed -n '3,5p' data/words.txt
cmp awk awk '{ n += $1 } END { print n, NR }' data/numbers.txt
cmp awk-F awk -F, 'NR > 1 { t += $2 * $3 } END { printf "%.2f\n", t }' data/table.csv
cmp awk-begin awk 'BEGIN { for (i = 1; i <= 5; i++) s = s i; print s, length(s), substr("busybox", 2, 3) }'
cmp cut cut -d, -f1,3 data/table.csv
cmp cut-c cut -c 2-4 data/words.txt
cmp head head -n 3 data/words.txt
cmp head-c head -c 7 data/words.txt
cmp tail tail -n 2 data/words.txt
cmp tail-c tail -c 10 data/words.txt
cmp sha256sum sha256sum data/words.txt data/tree/sub/deeper/z.dat
cmp md5sum md5sum data/words.txt data/table.csv
cmp date-year date +%Y
cmp date-utc date -u -d @1000000000 '+%Y-%m-%d %H:%M:%S'
cmp uname -f "cut -c 1-6" uname -a
cmp uname-sm uname -s -m
cmp find -f sort find data
cmp find-name -f sort find data -name '*.txt'
cmp find-type -f sort find data/tree -type d
cmp mkdir-p mkdir -p data/x/y/z
cmp mkdir-exists -s 1 mkdir data
cmp mkdir-missing -s 1 mkdir data/no/such
cmp cp cp data/words.txt data/copy.txt
cmp cp-r cp -r data/tree data/tree2
cmp cp-missing -s 1 cp data/nosuch data/x
cmp mv mv data/words.txt data/moved.txt
cmp mv-missing -s 1 mv data/nosuch data/x
cmp rm rm data/words.txt
cmp rm-r rm -r data/tree
cmp rm-missing -s 1 rm data/nosuch
cmp rm-dir -s 1 rm data/tree
cmp touch touch data/new data/words.txt
cmp touch-missing-dir -s 1 touch data/no/such
cmp du-s -f "awk '{ print (\$1 ~ /^[0-9]+\$/) ? \"blocks\" : \$1, \$2 }'" du -s data
cmp df -f "cat > /dev/null" df
cmp env env
cmp printf printf '%s-%d-%x-%5.2f|%-4s|\n' abc 42 255 3.14159 ab
cmp seq seq 1 3 20
cmp seq-w seq -w 8 11
cmp expr expr 6 '*' 7
cmp expr-length expr length hello
cmp expr-false -s 1 expr 0
cmp gunzip gunzip -c data/words.txt.gz
cmp gzip-t gzip -t data/words.txt.gz
cmp gzip -s 1 gzip data/words.txt
cmp tar-t tar tvf data/archive.tar
cmp tar-x tar xvf data/archive.tar -C data
cmp tar-O tar xOf data/archive.tar
cmp basename basename /a/b/c.txt .txt
cmp true true
cmp false -s 1 false
cmp no-applet -s 127 nosuchapplet

# Round trips whose middle is binary: what Mica writes to the console, with \r\n back to \n, is read here.
n=$((n + 1))
mica_run gzip -c data/words.txt > "$out/$n.gz"
rc=$?
if [ $rc -eq 0 ] && "$bb" gunzip -c < "$out/$n.gz" | diff - "$root/data/words.txt" > "$out/$n.diff" 2>&1; then
	echo "ok busybox/gzip-roundtrip"
else
	echo "not ok busybox/gzip-roundtrip: status $rc; gzip -c on Mica does not gunzip to the original here"
	head -5 "$out/$n.gz" | sed 's/^/#   /' | cut -c 1-100
fi
n=$((n + 1))
mica_run tar cf - data/tree > "$out/$n.tar"
rc=$?
mkdir -p "$out/$n.x"
: > "$out/$n.log"
if [ $rc -eq 0 ] && (cd "$out/$n.x" && "$bb" tar xf -) < "$out/$n.tar" > "$out/$n.log" 2>&1 &&
	diff -r "$root/data/tree" "$out/$n.x/data/tree" >> "$out/$n.log" 2>&1; then
	echo "ok busybox/tar-roundtrip"
else
	echo "not ok busybox/tar-roundtrip: status $rc; tar cf - on Mica does not extract to the same tree here"
	head -5 "$out/$n.log" | sed 's/^/#   /' | cut -c 1-100
fi
# tr reads only standard input: the console's, ended by ^D as at a terminal.
printf 'hello world\n\004' | env TERM=dumb MICA_BUILD="$build" MICA_TIMEOUT=20 timeout -k 5 30 \
	"$here/tools/mica" run --root "$root" "$bb" tr a-z A-Z > "$out/tr.raw" 2>&1
rc=$?
res=$(tr -d '\r' < "$out/tr.raw")
if [ $rc -eq 0 ] && printf '%s\n' "$res" | grep -qx 'HELLO WORLD'; then
	echo "ok busybox/tr"
else
	echo "not ok busybox/tr: status $rc, output:"
	printf '%s\n' "$res" | tail -3 | sed 's/^/#   /'
fi
