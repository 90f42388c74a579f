#!/bin/sh
# Debian's own dynamically linked programs, unmodified, run on the host and through tools/mica run; outputs must match.
# usage: tests/debian.sh BUILD
#
# Each case runs the same command line twice: on the host (in a scratch
# directory, with the small environment lx gives) and on Mica, where
# `mica run` packs the program with its shared libraries. The status and
# the output (stdout and stderr together) must be the same, and the status 0
# unless the case declares another.
suite=debian
. "$(dirname "$0")/setup.sh"
mkdir -p "$out/data"
# The scripts run from a copy, so that what they leave beside themselves (Python's __pycache__) stays out of the tree.
t=$out/scripts
cp -r "$here/tests/debian" "$t"

# Inputs made here, at the same path on both sides.
{
	echo "create table t(id integer primary key, x integer, s text);"
	echo "begin;"
	i=1
	while [ $i -le 10000 ]; do
		echo "insert into t(x, s) values($((i * 7919 % 10007)), 'row $i');"
		i=$((i + 1))
	done
	echo "commit;"
	echo "select count(*), sum(x), max(x), sum(length(s)) from t;"
	echo "select x % 10, count(*) from t group by 1 order by 2 desc, 1 limit 3;"
} > "$out/data/rows.sql"
printf 'pear,7\napple,12\nfig,3\nkiwi,12\nplum,1\n' > "$out/data/fruit.csv"
mkdir -p "$out/data/mk"
printf 'all: upper.txt\n\t@cat upper.txt\nupper.txt: lower.txt\n\t@tr a-z A-Z < lower.txt > $@\n\techo built $@\n' > "$out/data/mk/Makefile"
echo "made by make" > "$out/data/mk/lower.txt"
mkdir -p "$out/data/dir"
printf 'x' > "$out/data/dir/one" && head -c 5000 /dev/zero > "$out/data/dir/big" && ln -s one "$out/data/dir/link"
touch -d '2026-01-02 03:04:05' "$out/data/dir/one" "$out/data/dir/big" && touch -h -d '2026-01-02 03:04:05' "$out/data/dir/link"

# case NAME [--with PATH]... [--status N] -- PROG ARGS...: PROG ARGS on both sides; judge (tests/setup.sh)
# wants status 0 (or N) on both and the same output.
case_() {
	name=$1 want=0
	shift
	opts=
	while [ "$1" != -- ]; do
		case $1 in
		--status) want=$2 ;;
		*) opts="$opts $1 $2" ;;
		esac
		shift 2
	done
	shift
	prog=$1
	if [ ! -x "$prog" ]; then
		echo "not ok debian/$name: $prog is not installed (tools/deps.sh installs it)"
		return
	fi
	scratch=$out/$name.host.d
	mkdir -p "$scratch"
	(cd "$scratch" && timeout 60 env -i PATH=/bin:/usr/bin:/sbin:/usr/sbin HOME=/ TERM=dumb TMPDIR="$scratch" "$@") \
		> "$out/$name.host" 2>&1
	hs=$?
	# shellcheck disable=SC2086 # opts are words
	MICA_BUILD=$build MICA_TIMEOUT=120 TERM=dumb timeout -k 5 150 "$here/tools/mica" run --mem 512M $opts "$@" \
		< /dev/null > "$out/$name.raw" 2>&1
	ms=$?
	tr -d '\r' < "$out/$name.raw" > "$out/$name.mica"
	judge "$name" "$want" $hs $ms "$out/$name.host" "$out/$name.mica"
}

case_ python3-print -- /usr/bin/python3 -c 'print(6*7)'
if [ "$(tr -d '\r' < "$out/python3-print.mica")" = 42 ]; then
	echo "ok debian/python3-print-42"
else
	echo "not ok debian/python3-print-42: printed '$(cat "$out/python3-print.mica")'"
fi
# --env adds to the environment and overrides its defaults (Mica only: the host's differs).
res=$(MICA_BUILD=$build TERM=dumb timeout -k 5 150 "$here/tools/mica" run --env MICA_X=42 --env HOME=/tmp \
	/usr/bin/python3 -c 'import os; print(os.environ["MICA_X"], os.environ["HOME"], os.environ["PATH"])' < /dev/null 2>&1 |
	tr -d '\r')
if [ "$res" = "42 /tmp /bin:/usr/bin:/sbin:/usr/sbin" ]; then
	echo "ok debian/mica-run-env"
else
	echo "not ok debian/mica-run-env: printed '$res'"
fi
case_ python3-script --with "$t/script.py" -- /usr/bin/python3 "$t/script.py"
case_ python3-multiprocessing --with "$t/mp_pool.py" -- /usr/bin/python3 "$t/mp_pool.py"
# ... and a System V shared memory segment that forked workers attach and fill (shmget through ctypes).
case_ python3-multiprocessing-sysv-shm --with "$t/mp_sysv.py" -- /usr/bin/python3 "$t/mp_sysv.py"
case_ python3-unix-sockets --with "$t/unix_sockets.py" -- /usr/bin/python3 "$t/unix_sockets.py"
case_ python3-http-loopback --with "$t/http_loopback.py" -- /usr/bin/python3 "$t/http_loopback.py"
case_ lua5.4 --with "$t/script.lua" -- /usr/bin/lua5.4 "$t/script.lua"
case_ sqlite3 --with "$out/data/rows.sql" -- /usr/bin/sqlite3 rows.db ".read $out/data/rows.sql"
case_ gawk --with "$t/words.awk" --with "$t/words.txt" -- /usr/bin/gawk -f "$t/words.awk" "$t/words.txt"
case_ bash-pipeline --with /usr/bin/tr --with /usr/bin/sort --with /usr/bin/uniq --with /usr/bin/head \
	-- /usr/bin/bash -c 'for w in b a c a b a; do echo $w; done | sort | uniq -c | sort -rn | head -2; echo "status ${PIPESTATUS[*]}"'
case_ make --with /bin/sh --with /usr/bin/tr --with /usr/bin/cat --with /usr/bin/echo --with "$out/data/mk" \
	-- /usr/bin/make -s -C "$out/data/mk" -f Makefile -B
case_ sort --with "$out/data/fruit.csv" -- /usr/bin/sort -t, -k2,2nr -k1,1 "$out/data/fruit.csv"
case_ ls --with "$out/data/dir" -- /usr/bin/ls -lnR --time-style=+%s "$out/data/dir"
case_ git --with "$t/git.sh" --with /usr/bin/git --with /usr/share/git-core/templates -- /usr/bin/bash "$t/git.sh"
# tail -F follows a file by inotify as another process appends to it and replaces it.
case_ tail-F --with "$t/tailf.sh" --with /usr/bin/tail --with /usr/bin/seq --with /usr/bin/grep --with /usr/bin/sleep \
	--with /usr/bin/mv --with /usr/bin/cat --with /usr/bin/rm --with /usr/bin/mkdir -- /usr/bin/bash "$t/tailf.sh"
# node's fs.watch (inotify under libuv) sees a file made, written, renamed and removed, step by step.
case_ node-fs-watch --with "$t/watch.js" -- /usr/bin/node "$t/watch.js"
# diff and cpio reading pipes: lseek on a pipe is ESPIPE, so they read instead of seeking.
case_ diff-cpio-pipes --with "$t/pipes.sh" --with /usr/bin/diff --with /usr/bin/cpio --with /usr/bin/cmp \
	--with /usr/bin/head --with /usr/bin/tr --with /usr/bin/ls --with /usr/bin/mkdir --with /usr/bin/cat \
	-- /usr/bin/bash "$t/pipes.sh"
# Pseudo-terminals: python3's pty.fork runs a shell on one that names its terminal, its size and a line typed
# to it; util-linux script runs a command on one and copies its output (ONLCR's "\r\n" shown by od).
case_ python3-pty --with "$t/pty_fork.py" --with /bin/sh --with /usr/bin/tty --with /usr/bin/stty \
	-- /usr/bin/python3 "$t/pty_fork.py"
# pty.spawn copies a shell's pty to the program's stdout until the shell ends, and gives its status.
case_ python3-pty-spawn --with "$t/pty_spawn.py" --with /bin/sh --with /usr/bin/tty \
	-- /usr/bin/python3 "$t/pty_spawn.py"
case_ script-pty --with /usr/bin/script --with /usr/bin/od -- /bin/sh -c "script -qec 'echo hi' /dev/null < /dev/null | od -c"
# tmux: its server (a daemon that forks away) runs a shell on a pty of its own; the client talks to it over an
# AF_UNIX socket, reads the pane and ends the server.
case_ tmux --with "$t/tmux.sh" --with /usr/bin/tmux --with /usr/lib/locale/C.utf8 \
	--with /usr/bin/sleep --with /usr/bin/cut --with /usr/bin/tty --with /usr/bin/stty --with /usr/bin/grep \
	-- /usr/bin/env LC_ALL=C.UTF-8 /bin/sh "$t/tmux.sh"
