# Shell features over fork, exec, wait and pipes; run from the root of a small tree.
echo "pipeline: $(echo one two three | busybox wc -w)"
mkdir -p work && echo hello > work/f1 && echo world >> work/f1 && busybox cat < work/f1
busybox cat <<END
here-document $((6 * 7))
END
start=$(pwd); (cd work && echo "subshell in $(busybox basename "$(pwd)")"); [ "$(pwd)" = "$start" ] && echo "back where it started"
x=$(echo inner | busybox tr a-z A-Z); echo "command substitution: $x"
busybox sleep 0.05 & pid=$!; wait $pid; echo "background done: $?"
busybox true & busybox true & wait; echo "waited for both"
false; echo "false gives $?"; (exit 7); echo "subshell exit $?"
busybox seq 1 20 | busybox grep 1 | busybox sort -n | busybox tail -3
busybox find data -type f | busybox sort | busybox xargs busybox wc -c | busybox tail -1
printf 'a\nb\nc\n' | busybox xargs echo args:
for i in 1 2 3; do echo "loop $i"; done | busybox sort -r
if busybox test -f work/f1; then echo "test -f ok"; fi
busybox sh -c 'exit 3'; echo "sh -c status $?"
busybox seq 1 100000 | busybox head -1; echo "head closed the pipe early: ok"
echo to-stderr 1>&2 2>/dev/null; echo "redirections ok" > work/f2; busybox cat work/f2
set -- a b c; echo "args: $# $2"
trap 'echo "trap on exit"' EXIT
exec busybox echo "exec replaces the shell"
echo "not reached"
