#!/usr/bin/env bash
# Installs what fibmirror needs from Debian (only what is missing), then builds.
# Usage: scripts/bootstrap.sh [run|test|asan|tsan|bench|fuzz]
#   run   (default) build, then mirror the kernel of this network namespace:
#         a summary and the routing table, as `ip route show table all` prints it
#   test  build and run the whole test suite (what CI runs)
#   asan  the test suite under AddressSanitizer + UndefinedBehaviorSanitizer
#   bench also libdpdk-dev and gnuplot-nox; the Release "bench" preset (build-bench/),
#         with fibmirror-bench (`fibmirror bench lpm`, bench/README.md)
#   fuzz  the "fuzz" preset (build-fuzz/), then every libFuzzer target for FUZZ_SECONDS
#         (default 60) each, over a copy of its corpus with its dictionary; fails on a
#         crash and prints the crashing input's path (add it to tests/fuzz/corpus/<target>);
#         FUZZ_BUILD_DIR overrides the build directory
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(build-essential cmake ninja-build pkg-config libmnl-dev liburcu-dev iproute2 xz-utils
      clang libclang-rt-14-dev python3 bc valgrind)
if [ "${1:-run}" = bench ]; then
	pkgs+=(libdpdk-dev gnuplot-nox) # benchmark-only: fibmirror-bench and bench/plot_lpm.sh
fi
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
	echo "bootstrap: installing ${missing[*]}" >&2
	sudo_cmd=""
	[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
	$sudo_cmd apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

case "${1:-run}" in
run)
	cmake --preset default >/dev/null
	cmake --build --preset default
	./build/tools/fibmirror --no-daemon stats
	echo "--- fibmirror show route (like ip route show table all) ---"
	./build/tools/fibmirror --no-daemon show route
	;;
test)
	cmake --workflow --preset default
	;;
asan)
	cmake --workflow --preset asan
	;;
tsan)
	# The tests with reader threads, under ThreadSanitizer.
	cmake --preset tsan >/dev/null
	cmake --build --preset tsan
	ctest --preset tsan -L concurrent
	;;
bench)
	cmake --preset bench >/dev/null
	cmake --build --preset bench
	echo "run: build-bench/tools/fibmirror bench lpm [-4|-6] [--json]; plot: bench/plot_lpm.sh"
	;;
fuzz)
	targets=(savefile textlist snapshot netlink cli control)
	secs=${FUZZ_SECONDS:-60}
	bdir=${FUZZ_BUILD_DIR:-build-fuzz}
	cmake --preset fuzz -B "$bdir" >/dev/null
	cmake --build "$bdir" --target "${targets[@]/#/fuzz_}"
	work=$(mktemp -d "${TMPDIR:-/tmp}/fibmirror-fuzz.XXXXXX")
	failed=()
	for t in "${targets[@]}"; do
		# A copy: what the run adds to the corpus is not for the tree.
		mkdir -p "$work/$t/corpus" "$work/$t/crashes"
		cp tests/fuzz/corpus/"$t"/* "$work/$t/corpus/"
		dict=tests/fuzz/dict/$t.dict
		[ -f "$dict" ] || dict=tests/fuzz/dict/rtnetlink.dict # the rtnetlink-based targets
		echo "fuzz: $t for ${secs}s" >&2
		if ! "$bdir"/tests/fuzz/fuzz_"$t" -max_total_time="$secs" -dict="$dict" \
			-artifact_prefix="$work/$t/crashes/" -print_final_stats=1 \
			"$work/$t/corpus" >"$work/$t/log" 2>&1; then
			failed+=("$t")
		fi
		grep -E '^(#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units|stat::average_exec_per_sec)' \
			"$work/$t/log" >&2 || true
		for crash in "$work/$t/crashes"/*; do
			[ -e "$crash" ] && echo "fuzz: $t: crashing input $crash (log $work/$t/log)" >&2
		done
	done
	if ((${#failed[@]})); then
		echo "fuzz: FAILED: ${failed[*]} (logs and inputs in $work)" >&2
		exit 1
	fi
	echo "fuzz: no crash in ${targets[*]} (${secs}s each; logs in $work)" >&2
	;;
*)
	echo "usage: $0 [run|test|asan|tsan|bench|fuzz]" >&2
	exit 1
	;;
esac
