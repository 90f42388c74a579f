# Processes from the shell: exit statuses through wait, nested subshells, big pipes, signals, trap.
busybox sh -c 'exit 5' & p=$!; wait $p; echo "wait gives the child's status: $?"
echo "nested: $( (echo "$( (echo deep) )") )"
busybox seq 1 30000 | busybox sort -rn | busybox head -2
busybox seq 1 30000 | busybox md5sum
busybox dd if=/dev/zero bs=1024 count=300 2>/dev/null | busybox wc -c
trap 'echo "caught USR1"' USR1
kill -USR1 $$
echo "after the trap"
busybox sh -c 'kill -TERM $$; echo "not printed"'; echo "killed child status: $?"
busybox sleep 5 & p=$!; kill $p; wait $p; echo "killed sleeper status: $?"
echo "a b c d e f" | busybox xargs -n 2 echo pair:
(exit 3) || echo "or-list after a failure"
busybox true && echo "and-list after success"
busybox sh -c 'echo "inner pid differs: $(( $$ != PPID ))"'
trap - USR1
echo done
