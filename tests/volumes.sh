#!/bin/sh
# Host folders as volumes (mica run -v HOSTDIR:GUESTDIR[:ro], -w DIR): the same file-system program on a host
# folder and a shared one, read-only refusals, output found on the host afterwards, a large folder, the working directory,
# programs stored on a volume, a FUSE server of the test's own.
# usage: tests/volumes.sh BUILD
suite=volumes
. "$(dirname "$0")/setup.sh"

mica() { MICA_BUILD="$build" MICA_TIMEOUT=120 timeout -k 5 150 "$here/tools/mica" run "$@"; }
need_lx
bb=/bin/busybox
[ -x "$bb" ] || { echo "not ok volumes/busybox: $bb is missing (tools/deps.sh names the package)"; exit 1; }

# ---- the differential program: a host folder, then a shared folder in Mica; the same check names ----
for kind in musl glibc; do
	build_c "$out/volfs-$kind" "$here/tests/volumes/volfs.c" $kind || continue
	mkdir "$out/host-$kind" "$out/shared-$kind"
	"$out/volfs-$kind" "$out/host-$kind" > "$out/volfs-$kind.host.log" 2>&1
	hs=$?
	mica -v "$out/shared-$kind:/vol" "$out/volfs-$kind" /vol > "$out/volfs-$kind.mica.log" 2>&1
	judge_checks "volfs-$kind" $hs $? "$out/volfs-$kind.host.log" "$out/volfs-$kind.mica.log"
done

# own NAME CHECKS CFLAGS...: build tests/volumes/NAME.c, a FUSE server of its own on /dev/fuse with its client
# (glibc, whose headers have linux/fuse.h), and run it in Mica: one line, ok when it ends well with CHECKS checks.
own() {
	o_name=$1 o_want=$2 o_bin=$out/$1
	shift 2
	build_c "$o_bin" "$here/tests/volumes/$o_name.c" glibc "$@" || return
	mica "$o_bin" > "$o_bin.log" 2>&1
	rc=$? oks=$(grep -c "^ok $o_name/" "$o_bin.log")
	if [ $rc -eq 0 ] && [ "$oks" -eq "$o_want" ] && ! grep -q '^not ok' "$o_bin.log"; then
		echo "ok volumes/$o_name ($oks checks)"
	else
		echo "not ok volumes/$o_name: status $rc, $oks of $o_want checks"
		grep -v '^ok' "$o_bin.log" | head -5 | sed 's/^/#   /'
	fi
}
# the protocol's edges fuse2fs never shows
own fuseproto 8
# errors of writes behind: the server makes Mica's promises and fails some writes after lx returned them; each
# failure is told once, by fsync, a write or syncfs, also after a close
own fusewb 12 -I"$here"

# ok NAME COND-STATUS DETAIL: one line for a check made here.
ok() { if [ "$2" -eq 0 ]; then echo "ok volumes/$1"; else echo "not ok volumes/$1: $3"; fi; }

# ---- :ro: every change refused with EROFS, reads allowed, the host folder untouched ----
ro=$out/ro
mkdir -p "$ro/sub" && echo original > "$ro/file"
before=$(cd "$ro" && find . -exec ls -ld --time-style=+%s {} + | sort)
got=$(mica -v "$ro:/ro:ro" --with "$here/tests/volumes/ro_refusals.sh" $bb sh "$here/tests/volumes/ro_refusals.sh" /ro 2>&1)
ok ro-read "$(printf '%s\n' "$got" | grep -c '^original$' | grep -qx 1; echo $?)" "the file was not read: $got"
ok ro-refused "$(printf '%s\n' "$got" | grep -c '^refused: ' | grep -qx 10; echo $?)" "$(printf '%s\n' "$got" | grep -v '^refused' | head -5)"
after=$(cd "$ro" && find . -exec ls -ld --time-style=+%s {} + | sort)
ok ro-host-untouched "$([ "$before" = "$after" ]; echo $?)" "the host folder changed"

# ---- two sqlite3 processes writing one WAL database at once on a shared folder (tests/disk/sqlite_procs.py) ----
mkdir -p "$out/sqlite"
got=$(mica -v "$out/sqlite:/vol" --with "$here/tests/disk/sqlite_procs.py" \
	/usr/bin/python3 "$here/tests/disk/sqlite_procs.py" /vol/db 200 2>&1)
ok sqlite-two-writers "$(printf '%s\n' "$got" | grep -qx 'ok sqlite-procs/two-writers'; echo $?)" "$(printf '%s' "$got" | tail -2)"

# ---- a program's output is on the host when mica run returns ----
io=$out/io
mkdir -p "$io/in" "$io/out"
head -c 3000000 /dev/urandom > "$io/in/random.bin"
seq 1 20000 > "$io/want.txt"
mica -v "$io/in:/in:ro" -v "$io/out:/out" $bb sh -c 'cp /in/random.bin /out/copy.bin && seq 1 20000 > /out/seq.txt &&
	mkdir -p /out/a/b && echo deep > /out/a/b/c.txt && sha256sum /in/random.bin > /out/sum.txt'
rc=$?
ok output-status "$rc" "mica run exited $rc"
ok output-binary "$(cmp -s "$io/in/random.bin" "$io/out/copy.bin"; echo $?)" "the copy differs from the original"
ok output-text "$(cmp -s "$io/want.txt" "$io/out/seq.txt"; echo $?)" "seq's output differs from the host's"
ok output-nested "$([ "$(cat "$io/out/a/b/c.txt" 2>/dev/null)" = deep ]; echo $?)" "a/b/c.txt is missing"
ok output-checksum "$([ "$(cut -d' ' -f1 "$io/out/sum.txt")" = "$(sha256sum < "$io/in/random.bin" | cut -d' ' -f1)" ]; echo $?)" \
	"sha256sum in Mica differs from the host's"

# ---- a folder of 5,000 files: the same names, in the same order, as the host lists them ----
big=$out/big
mkdir -p "$big"
(cd "$big" && seq -f 'file-%05g' 1 5000 | xargs touch && mkdir sub && ln -s file-00001 link)
(cd "$big" && LC_ALL=C ls -a) > "$out/big.host"
mica -v "$big:/big:ro" $bb ls -a /big > "$out/big.mica" 2>&1
tr -d '\r' < "$out/big.mica" > "$out/big.mica.txt"
ok big-listing "$(cmp -s "$out/big.host" "$out/big.mica.txt"; echo $?)" \
	"$(wc -l < "$out/big.mica.txt") lines, not the host's $(wc -l < "$out/big.host")"

# ---- -w: the working directory, in a volume or in the image ----
wd=$out/wd
mkdir -p "$wd"
got=$(mica -v "$wd:/work" -w /work $bb sh -c 'pwd; echo here > rel.txt; ls ../work/rel.txt' 2>&1)
ok workdir-volume "$([ "$(printf '%s\n' "$got" | tr -d '\r' | head -1)" = /work ] && [ "$(cat "$wd/rel.txt" 2>/dev/null)" = here ]; echo $?)" "$got"
got=$(mica -w /tmp $bb pwd 2>&1 | tr -d '\r')
ok workdir-image "$([ "$got" = /tmp ]; echo $?)" "pwd said $got"

# ---- programs stored on a volume: a static and a dynamic ELF and a script, run by mica run and by execve inside ----
pv=$out/progs
mkdir -p "$pv"
printf '#include <stdio.h>\nint main(int argc, char **argv) { printf("ran %%s %%d\\n", argv[0], argc); return 3; }\n' > "$out/ran.c"
musl-gcc -static -o "$pv/static" "$out/ran.c" && gcc -o "$pv/dynamic" "$out/ran.c" ||
	echo "not ok volumes/build-programs: the compilers failed"
printf '#!/bin/sh\necho "script $0 $*"\nexit 4\n' > "$pv/script"
chmod +x "$pv/script"
echo 'not a program' > "$pv/noexec"
for p in static:3:'ran /work/static 3' dynamic:3:'ran /work/dynamic 3' script:4:'script /work/script a b'; do
	name=${p%%:*} want=${p#*:} want=${want%%:*} text=${p#*:*:}
	got=$(mica -v "$pv:/work" "/work/$name" a b 2>&1)
	rc=$?
	ok "run-$name" "$([ $rc = "$want" ] && [ "$(printf '%s' "$got" | tr -d '\r')" = "$text" ]; echo $?)" "status $rc: $got"
done
got=$(mica -v "$pv:/work" $bb sh -c '/work/static x; cd /work && ./dynamic; ./script y; ./noexec; echo "noexec $?"' 2>&1 |
	tr -d '\r' | grep -v 'Permission denied')
want=$(printf 'ran /work/static 2\nran ./dynamic 1\nscript ./script y\nnoexec 126')
ok exec-inside "$([ "$got" = "$want" ]; echo $?)" "$got"

# ---- bad options: a clear message, status 2 ----
expect bad-host-missing 2 "not a directory" "$here/tools/mica" run -v "$out/nothere:/x" $bb true
expect bad-guest-relative 2 "absolute path" "$here/tools/mica" run -v "$out:x" $bb true
expect bad-spec 2 "HOSTDIR:GUESTDIR" "$here/tools/mica" run -v "$out" $bb true
expect bad-workdir 2 "absolute path" "$here/tools/mica" run -w rel $bb true
