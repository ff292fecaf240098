#!/usr/bin/env bash
# Installs what fibmirror needs from Debian (only what is missing), then builds.
# Usage: scripts/bootstrap.sh [run|test|asan|bench]
#   run   (default) build, then mirror the kernel of this network namespace:
#         a summary and the routing table, as `ip route show table all` prints it
#   test  build and run the whole test suite (what CI runs)
#   asan  the test suite under AddressSanitizer + UndefinedBehaviorSanitizer
#   bench also libdpdk-dev and gnuplot-nox; the Release "bench" preset (build-bench/),
#         with fibmirror-bench (`fibmirror bench lpm`, bench/README.md)
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(build-essential cmake ninja-build pkg-config libmnl-dev liburcu-dev iproute2 xz-utils
      clang libclang-rt-14-dev python3 bc)
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
*)
	echo "usage: $0 [run|test|asan|tsan|bench]" >&2
	exit 1
	;;
esac
