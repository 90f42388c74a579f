# ro_refusals.sh DIR: in Mica, DIR is a read-only volume holding "file" and "sub/": read the file, then try each
# change and say "refused: OP" when it fails with EROFS, else "ALLOWED: OP" (tests/volumes.sh, tests/disk.sh).
d=$1
cat "$d/file"
for op in "touch $d/new" "mkdir $d/d" "rm $d/file" "rmdir $d/sub" "mv $d/file $d/moved" "ln -s file $d/l" \
	"ln $d/file $d/h" "chmod 600 $d/file" "truncate -s 0 $d/file"; do
	$op 2>&1 | grep -q "Read-only file system" && echo "refused: $op" || echo "ALLOWED: $op"
done
echo more >> "$d/file" || echo "refused: append"
