# Writing a section of docs/performance.md that a bench target owns; source it, then call put_section (and the
# helpers for a bench's lines and a table's rows).
# put_section DOC BEGIN END SECTION [AFTER]: SECTION (which starts with the line BEGIN and ends with END) takes
# the place of the lines from BEGIN to END in DOC; a DOC without BEGIN gets it after the line AFTER, or, with
# no AFTER, fails. SECTION is printed too.
put_section() {
	if grep -q "^$2\$" "$1"; then
		awk -v b="$2" -v e="$3" -v s="$4" '
			$0 == b { print s; skip = 1; next } $0 == e { skip = 0; next } !skip' "$1" > "$1.new"
	elif [ -n "${5:-}" ] && grep -q "^$5\$" "$1"; then
		awk -v a="$5" -v s="$4" '{ print } $0 == a { print ""; print s }' "$1" > "$1.new"
	else
		echo "put_section: $1 has neither $2 nor ${5:-a place named for it}" >&2
		return 1
	fi
	mv "$1.new" "$1"
	printf '%s\n' "$4"
}

# bench_field FILE PREFIX NAME N: field N of the line "PREFIX NAME ..." of FILE (N 0: everything after the name).
bench_field() {
	awk -v p="$2" -v n="$3" -v f="$4" '$1 == p && $2 == n { if (f) print $f; else { $1 = $2 = ""; sub(/^ +/, ""); print } }' "$1"
}
# bench_row LABEL LINUX MICA: a row of Linux, Mica and Mica/Linux (to two places when both are figures).
bench_row() {
	ratio=$(awk -v l="$2" -v m="$3" 'BEGIN { if (l + 0 > 0 && m ~ /^[0-9.]+$/) printf "%.2f", m / l; else print "—" }')
	echo "| $1 | ${2:-—} | ${3:-—} | $ratio |"
}
