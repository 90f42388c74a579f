#!/bin/sh
# /proc read by real programs on Mica: busybox ps, top, pidof, killall, free and uptime, Debian's procps
# (ps -ef, pgrep, pkill, free) and python's listing of /proc/self/fd, each checked against the truth it
# must show (a started sleep's pid, its end after pkill, the memory /proc/meminfo reports).
# usage: tests/procfs.sh BUILD
#
# Each guest script runs its own checks and prints "ok procfs/NAME" or "not ok procfs/NAME: ...". The
# host then wants every expected name passed: a check the guest never reached fails too.
suite=procfs
. "$(dirname "$0")/setup.sh"
need_lx

# guest NAME WANT-CHECKS MICA-RUN-ARGS...: run a guest script; its checks, and one failure per missing one.
guest() {
	name=$1 checks=$2
	shift 2
	MICA_BUILD=$build MICA_TIMEOUT=120 TERM=dumb timeout -k 5 150 "$here/tools/mica" run --mem 512M "$@" \
		< /dev/null > "$out/$name.raw" 2>&1
	rc=$?
	tr -d '\r' < "$out/$name.raw" > "$out/$name.log"
	grep -a '^\(not \)\{0,1\}ok procfs/' "$out/$name.log"
	for c in $checks; do
		grep -aq "^ok procfs/$c\( \|$\)" "$out/$name.log" && continue
		grep -aq "^not ok procfs/$c:" "$out/$name.log" ||
			echo "not ok procfs/$c: not reported (status $rc)"
	done
	grep -av '^\(not \)\{0,1\}ok procfs/' "$out/$name.log" | head -20 | sed 's/^/#   /'
}

# ---- busybox (its applets through the one static binary) ----
bb=/bin/busybox
if [ -x "$bb" ]; then
	guest busybox "bb-ps-sleep bb-top-sleep bb-pidof bb-killall bb-gone bb-ps-after bb-free bb-uptime timer-list-idle" \
		"$bb" sh -c '
bb=/bin/busybox
ok() { echo "ok procfs/$1"; }
no() { echo "not ok procfs/$1: $2"; }
$bb ln -s $bb /tmp/sleep # an applet called by its name, as a system with busybox links has it
/tmp/sleep 30 & p=$!
$bb usleep 200000
out=$($bb ps)
echo "$out" | $bb grep -q "^ *$p .*sleep 30" && ok bb-ps-sleep || no bb-ps-sleep "pid $p not in: $out"
out=$($bb top -b -n1)
echo "$out" | $bb grep -q "^ *$p  *$$ .* S .*sleep 30" && ok bb-top-sleep || no bb-top-sleep "pid $p sleeping not in: $out"
[ "$($bb pidof sleep)" = "$p" ] && ok bb-pidof || no bb-pidof "pidof sleep: $($bb pidof sleep), want $p"
$bb killall sleep
wait $p
st=$?
[ $st -eq 143 ] && ok bb-killall || no bb-killall "the sleep ended with $st"
[ ! -e /proc/$p ] && ok bb-gone || no bb-gone "/proc/$p is still there"
out=$($bb ps -o pid,comm)
echo "$out" | $bb grep -q "^ *$p \|sleep" && no bb-ps-after "$out" || ok bb-ps-after
total=$($bb awk "/^MemTotal:/ { print \$2 }" /proc/meminfo)
out=$($bb free)
echo "$out" | $bb grep -q "^Mem: *$total " && ok bb-free || no bb-free "MemTotal $total, free says: $out"
out=$($bb uptime)
echo "$out" | $bb grep -q "up .* load average: " && ok bb-uptime || no bb-uptime "$out"
i0=$($bb awk "/idle_sleeptime/ { print \$3 }" /proc/timer_list)
$bb usleep 100000
i1=$($bb awk "/idle_sleeptime/ { print \$3 }" /proc/timer_list)
[ -n "$i0" ] && [ $((i1 - i0)) -ge 50000000 ] && ok timer-list-idle || no timer-list-idle "idle_sleeptime $i0, then $i1 after 0.1 s asleep"
'
else
	echo "not ok procfs/busybox: no $bb (tools/deps.sh names the package)"
fi

# ---- Debian's procps ----
if [ -x /usr/bin/pgrep ] && [ -x /bin/ps ]; then
	guest procps "ps-ef-sleep ps-ef-self pgrep pkill pgrep-after ps-stat free" \
		--with /bin/ps --with /usr/bin/pgrep --with /usr/bin/pkill --with /usr/bin/free --with /usr/bin/sleep \
		--with /usr/bin/grep --with /usr/bin/awk /bin/sh -c '
ok() { echo "ok procfs/$1"; }
no() { echo "not ok procfs/$1: $2"; }
/usr/bin/sleep 30 & p=$!
/usr/bin/sleep 0.2
out=$(/bin/ps -ef)
echo "$out" | /usr/bin/grep -q " $p  *$$ .*sleep 30$" && ok ps-ef-sleep || no ps-ef-sleep "pid $p (parent $$) not in: $out"
echo "$out" | /usr/bin/grep -q " $$  *0 .*/bin/sh -c" && ok ps-ef-self || no ps-ef-self "the shell $$ not in: $out"
[ "$(/usr/bin/pgrep -x sleep)" = "$p" ] && ok pgrep || no pgrep "pgrep: $(/usr/bin/pgrep -x sleep), want $p"
/usr/bin/pkill -x sleep
wait $p
st=$?
[ $st -eq 143 ] && ok pkill || no pkill "the sleep ended with $st"
/usr/bin/pgrep -x sleep > /dev/null && no pgrep-after "still found" || ok pgrep-after
out=$(/bin/ps -o pid=,stat=,comm= -p $$)
echo "$out" | /usr/bin/grep -q "^ *$$ S.* sh$" && ok ps-stat || no ps-stat "$out"
total=$(/usr/bin/awk "/^MemTotal:/ { print \$2 }" /proc/meminfo)
out=$(/usr/bin/free)
echo "$out" | /usr/bin/grep -q "^Mem: *$total " && ok free || no free "MemTotal $total, free says: $out"
'
else
	echo "not ok procfs/procps: procps is not installed (tools/deps.sh installs it)"
fi

# ---- python: os.listdir of /proc/self/fd is exactly the open descriptors (and the listing's own) ----
if [ -x /usr/bin/python3 ]; then
	guest python "python-fd-listdir python-fd-readlink" /usr/bin/python3 -c '
import os
r, w = os.pipe()
f = open("/dev/null")
listed = set(int(x) for x in os.listdir("/proc/self/fd"))
def is_open(fd):
    try:
        os.fstat(fd)
        return True
    except OSError:
        return False
opened = set(fd for fd in range(1024) if is_open(fd))
extra = listed - opened
if opened <= listed and len(extra) == 1 and {0, 1, 2, r, w, f.fileno()} <= opened:
    print("ok procfs/python-fd-listdir")
else:
    print("not ok procfs/python-fd-listdir: listed %s, open %s" % (sorted(listed), sorted(opened)))
link = os.readlink("/proc/self/fd/%d" % r)
want = "pipe:[%d]" % os.fstat(r).st_ino
print(("ok procfs/python-fd-readlink" if link == want else "not ok procfs/python-fd-readlink: %s, want %s" % (link, want)))
'
else
	echo "not ok procfs/python: python3 is not installed (tools/deps.sh installs it)"
fi
