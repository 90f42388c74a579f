# gawk on Mica: count words, print them by frequency then name.
{ for (i = 1; i <= NF; i++) { w = tolower($i); gsub(/[^a-z]/, "", w); if (w != "") n[w]++ } }
END {
	PROCINFO["sorted_in"] = "@val_num_desc"
	k = 0
	for (w in n) { if (++k > 8) break; printf "%s %d\n", w, n[w] }
	printf "lines %d, distinct %d, sqrt %.4f\n", NR, length(n), sqrt(NR)
}
