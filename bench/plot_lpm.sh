#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Draws docs/lpm-batch.png from `fibmirror bench lpm --json`: ns per lookup
# against batch size (1, 8, 32), one panel per family, one colour per
# implementation, the uniform stream solid and the in-table stream dashed.
# Where several objects measure the same point (several files), the lowest
# ns wins, as within a run.
#
# Usage: bench/plot_lpm.sh [-o PNG] [JSON-FILE...] [-- fibmirror-bench options]
#   With no JSON file it runs the benchmark (-4, then -6; several minutes:
#   rte_lpm alone takes about a minute to build the IPv4 table) with the
#   options after --, and keeps its output in build-bench/lpm-bench.json.
#   FIBMIRROR names the fibmirror binary (default build-bench/tools/fibmirror).
# Needs gnuplot (Debian gnuplot-nox; scripts/bootstrap.sh bench installs it).
set -euo pipefail
cd "$(dirname "$0")/.."

out=docs/lpm-batch.png
files=()
extra=()
while (($#)); do
	case $1 in
	-o)
		out=$2
		shift 2
		;;
	--)
		shift
		extra=("$@")
		break
		;;
	-h | --help)
		sed -n '4,16s/^# \{0,1\}//p' "$0"
		exit 0
		;;
	*)
		files+=("$1")
		shift
		;;
	esac
done
command -v gnuplot >/dev/null || {
	echo "plot_lpm.sh: gnuplot not found (apt-get install gnuplot-nox)" >&2
	exit 1
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ((${#files[@]} == 0)); then
	fm=${FIBMIRROR:-build-bench/tools/fibmirror}
	keep=build-bench/lpm-bench.json
	mkdir -p "$(dirname "$keep")"
	: >"$keep"
	for fam in -4 -6; do
		"$fm" bench lpm "$fam" --json "${extra[@]}" | tee -a "$keep"
	done
	echo "plot_lpm.sh: JSON kept in $keep" >&2
	files=("$keep")
fi

# One data file per family, implementation and stream ("batch ns" lines), and
# one title per family, from the JSON objects (flat, one per line).
cat "${files[@]}" | awk -v dir="$tmp" '
function val(k,    v) {
	if (!match($0, "\"" k "\":(\"[^\"]*\"|[^,}]*)"))
		return ""
	v = substr($0, RSTART + length(k) + 3, RLENGTH - length(k) - 3)
	gsub(/"/, "", v)
	return v
}
/"bench":"lpm"/ {
	title[val("family")] = sprintf("IPv%s: %s prefixes (%s)", val("family"), val("prefixes"),
		val("source"))
	machine = sprintf("%s, %s CPUs, %s, %s", val("cpu"), val("cpus"), val("kernel"), val("dpdk"))
	next
}
/"ns_per_lookup"/ {
	s = val("stream")
	if (s != "uniform" && s != "in-table")
		next
	key = val("family") SUBSEP val("impl") SUBSEP s SUBSEP val("batch")
	ns = val("ns_per_lookup") + 0
	if (!(key in best) || ns < best[key])
		best[key] = ns
}
END {
	for (key in best) {
		split(key, f, SUBSEP)
		print f[4], best[key] > (dir "/" f[1] "_" f[2] "_" f[3] ".dat")
	}
	for (fam in title)
		print title[fam] > (dir "/title" fam)
	print machine > (dir "/machine")
}'

color() {
	case $1 in
	fibmirror) echo "#d62728" ;;
	rte_fib | rte_fib6) echo "#1f77b4" ;;
	*) echo "#2ca02c" ;;
	esac
}

fams=()
for fam in 4 6; do
	ls "$tmp/${fam}_"*.dat >/dev/null 2>&1 && fams+=("$fam")
done
if ((${#fams[@]} == 0)); then
	echo "plot_lpm.sh: no lookup measurement in ${files[*]}" >&2
	exit 1
fi
{
	echo "set terminal pngcairo size 1400,600 font 'sans,10'"
	echo "set output '$out'"
	echo "set logscale x 2; set xrange [0.8:40]; set xtics ('1' 1, '8' 8, '32' 32)"
	echo "set xlabel 'batch size (addresses per lookup call; 1 = the single-address call)'"
	echo "set ylabel 'ns per lookup (best of the runs)'; set yrange [0:*]"
	echo "set grid ytics; set key below; set bmargin 7"
	# gnuplot turns the \n of a double-quoted string into a line break
	printf 'set multiplot layout 1,%s title "%s\\n%s" noenhanced\n' "${#fams[@]}" \
		"fibmirror LPM against DPDK: solid = uniform addresses, dashed = in-table" \
		"$(sed 's/"/\\"/g' "$tmp/machine" 2>/dev/null)"
	for fam in "${fams[@]}"; do
		echo "set title \"$(sed 's/"/\\"/g' "$tmp/title$fam" 2>/dev/null || echo "IPv$fam")\" noenhanced"
		plot=()
		for f in "$tmp/${fam}_"*.dat; do
			name=$(basename "$f" .dat)
			impl=${name#"${fam}"_}
			impl=${impl%_*}
			stream=${name##*_}
			dt=1
			[ "$stream" = in-table ] && dt=2
			sort -n "$f" >"$f.sorted"
			plot+=("'$f.sorted' using 1:2 with linespoints lw 2 pt 7 dt $dt lc rgb '$(color "$impl")' title '$impl $stream' noenhanced")
		done
		(
			IFS=,
			echo "plot ${plot[*]}"
		)
	done
	echo "unset multiplot"
} >"$tmp/plot.gp"

mkdir -p "$(dirname "$out")"
gnuplot "$tmp/plot.gp"
echo "plot_lpm.sh: wrote $out" >&2
