#!/bin/sh
# Write the scaling figures of BUILD/bench/{linux,mica}-scaling.txt into docs/performance.md (between the
# scaling markers) as a table, Mica beside Linux with each curve's growth (largest size over smallest), and
# draw them into docs/scaling.svg with gnuplot, one panel per figure.
# usage: bench/scaling-record.sh BUILD
set -eu
. "$(dirname "$0")/section.sh"
build=${1:?usage: scaling-record.sh BUILD}
out=$build/bench
doc=docs/performance.md
svg=docs/scaling.svg
begin='<!-- scaling:begin (written by make bench-scaling; edit outside the markers) -->'
end='<!-- scaling:end -->'

# The figures: name|sizes|size suffix in the name|label|what grows (the x axis)
figures='fork_touched|1 16 256|m|fork + exit + wait|MiB touched
mmap_page_maps|10 1000 10000||mmap + touch + munmap of one page|other mappings
open_close_dir|10 1000 10000||open + close of a file|files in the directory
stat_depth|2 8 32||stat of a path|components in the path
epoll_ready_of|10 1000 10000||epoll_wait, one descriptor ready|descriptors registered
futex_waiters|1 100 1000||futex round trip (two wakes of one waiter)|threads waiting elsewhere
pipe_procs|2 16 64||pipe round trip|processes'

# get SYSTEM NAME: the figure, or "FAIL" if the run printed FAIL for it, or nothing if it printed no line
get() { awk -v n="$2" '$1 == "bench" && $2 == n { print $3; exit }' "$out/$1-scaling.txt" 2>/dev/null; }
# why SYSTEM NAME: the reason of a FAIL line
why() { awk -v n="$2" '$1 == "bench" && $2 == n && $3 == "FAIL" { $1 = $2 = $3 = ""; sub(/^ +/, ""); print; exit }' "$out/$1-scaling.txt"; }
num() { case $1 in '' | FAIL) return 1 ;; esac; }
# growth A B: B / A to one decimal, with a sign of times
growth() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f×", b / a }'; }
# steeper_than L0 L1 M0 M1: is M1 / M0 more than 5% above L1 / L0 (runs repeat to about 2%)?
steeper_than() { awk -v a="$1" -v b="$2" -v c="$3" -v d="$4" 'BEGIN { exit !(d / c > 1.05 * b / a) }'; }
# sep N: N with thousands separators
sep() { printf '%s\n' "$1" | sed -e :a -e 's/^\([0-9]*\)\([0-9]\{3\}\)/\1,\2/; ta' -e 's/^,//'; }

rows="" notes="" steeper="" data=$out/scaling.dat
: > "$data"
nl='
'
while IFS='|' read -r name sizes suffix label axis; do
	first=1 l0= m0= l1= m1= small= large= mran= mlast= llast=
	for s in $sizes; do
		l=$(get linux "${name}_$s$suffix") m=$(get mica "${name}_$s$suffix")
		lc=${l:-—} mc=${m:-—} ratio=—
		num "$l" && lc=$l
		num "$m" && mc=$m
		[ "$m" = FAIL ] && notes="$notes- Mica, $label, $(sep "$s") $axis: FAIL: $(why mica "${name}_$s$suffix")$nl"
		[ "$l" = FAIL ] && notes="$notes- Linux, $label, $(sep "$s") $axis: FAIL: $(why linux "${name}_$s$suffix")$nl"
		num "$l" && num "$m" && ratio=$(awk -v a="$m" -v b="$l" 'BEGIN { printf "%.3f", a / b }')
		if [ $first = 1 ]; then what="$label"; first=0; l0=$l m0=$m small=$s; else what=""; fi
		rows="$rows| $what | $axis: $(sep "$s") | $lc | $mc | $ratio |$nl"
		num "$l" || l='?'
		num "$m" || m='?'
		printf '%s %s %s %s\n' "$name" "$s" "$l" "$m" >> "$data"
		l1=$l m1=$m large=$s
		[ "$m" != '?' ] && mran=$s mlast=$m llast=$l
	done
	lg=— mg=— verdict=—
	num "$l0" && [ "$l1" != '?' ] && lg=$(growth "$l0" "$l1")
	num "$m0" && [ "$m1" != '?' ] && mg=$(growth "$m0" "$m1")
	if [ "$lg" != — ] && [ "$mg" != — ]; then
		if steeper_than "$l0" "$l1" "$m0" "$m1"; then
			verdict="**steeper**"
			steeper="$steeper$label; "
		else
			verdict="no steeper"
		fi
	elif [ "$mg" = — ] && [ "$lg" != — ]; then
		verdict="**fails at $(sep "$large")**"
		if num "$m0" && [ "$mran" != "$small" ]; then
			mg="— ($(growth "$m0" "$mlast") to $(sep "$mran"))"
			if [ "$llast" != '?' ] && steeper_than "$l0" "$llast" "$m0" "$mlast"; then
				verdict="**steeper up to $(sep "$mran"), fails at $(sep "$large")**"
			fi
		fi
		steeper="$steeper$label (fails at $(sep "$large")); "
	fi
	rows="$rows| | growth, $(sep "$large") over $(sep "$small") | $lg | $mg | $verdict |$nl"
done <<EOT
$figures
EOT

if [ -n "$steeper" ]; then verdicts="Steeper on Mica than on Linux: ${steeper%; }."; else verdicts="No curve of Mica is steeper than Linux's."; fi

# One panel per figure, Mica beside Linux, sizes on a logarithmic axis.
panels=""
while IFS='|' read -r name sizes suffix label axis; do
	xt="" fails=""
	for s in $sizes; do
		xt="$xt${xt:+, }\"$(sep "$s")\" $s"
		[ "$(get mica "${name}_$s$suffix")" = FAIL ] && fails="$fails${fails:+, }$(sep "$s")"
	done
	panels="${panels}set title \"$label${fails:+\\n(Mica fails at $fails)}\"
set xlabel \"$axis\"
set xtics ($xt)
plot \"< grep '^$name ' $data\" using 2:3 title 'Linux' with linespoints lw 2 pt 7 lc rgb '#555555', \
     \"< grep '^$name ' $data\" using 2:4 title 'Mica' with linespoints lw 2 pt 5 lc rgb '#c0392b'
"
done <<EOT
$figures
EOT
# SCALING_TERM: another gnuplot terminal and output, to look at the picture where no SVG viewer is at hand
term="set terminal svg size 1400,720 dynamic font \"sans,11\"; set output \"$svg\""
[ -z "${SCALING_TERM:-}" ] || term=$SCALING_TERM
cat > "$out/scaling.gp" <<EOT
$term
set datafile missing "?"
set multiplot layout 2,4 title "Guest instructions per operation as the work grows (QEMU TCG, -icount shift=0)"
set logscale x
set offsets graph 0.08, graph 0.08, 0, 0
set yrange [0:*]
set format y "%.0s%c"
set termoption noenhanced
unset key
set grid ytics
$panels
# the eighth place: the legend
unset logscale x
unset border
unset tics
unset grid
unset title
unset xlabel
set xrange [0:1]
set yrange [0:1]
set key center center box spacing 2 width 2
set label 1 "a missing point:\\nthe operation fails there" at graph 0.5, graph 0.2 center
plot 2 title 'Linux' with linespoints lw 2 pt 7 lc rgb '#555555', 2 title 'Mica' with linespoints lw 2 pt 5 lc rgb '#c0392b'
unset multiplot
EOT
gnuplot "$out/scaling.gp"

section=$(cat <<EOT
$begin
## Scaling (latest run of \`make bench-scaling\`, $(date -u +%Y-%m-%d))

How the cost of one operation grows with the work around it, on both systems, with the same static program
(\`bench/scaling.c\`, whose header says exactly what each operation is), in guest instructions per operation.
Mica's growth must be no steeper than Linux's (issue 18); "growth" is the figure at the largest size over the
figure at the smallest. The curves: [scaling.svg](scaling.svg).

- $(qemu-system-x86_64 --version | head -n 1), \`-M microvm\`, \`-cpu ${BENCH_CPU:-qemu64}\` for both systems, \`-accel tcg -icount shift=0,sleep=off\`, \`-m $(sed -n 's/.* -m \([^ ]*\) .*/\1/p' "$out/linux-scaling.meta")\`
- Linux: $(cat "$build/linux/version" 2>/dev/null || echo "Debian cloud kernel"), the program as init: \`$(sed -n 's/^command: //p' "$out/linux-scaling.meta")\`
- Mica: \`$(cat "$out/mica-scaling.meta")\`

| operation | size | Linux | Mica | Mica/Linux |
| --- | --- | ---: | ---: | ---: |
$rows
${notes:+Operations that fail:$nl$nl$notes}
$verdicts

![Guest instructions per operation at each size, Mica beside Linux](scaling.svg)
$end
EOT
)
put_section "$doc" "$begin" "$end" "$section" '<!-- bench:end -->'
