#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: unit, integration and
# systemd checks, in the Release build (-O3, a packager's) and again under
# ASan+UBSan, warnings as errors in both.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
# Tests at once: more than the cores, as a test waits for much of its time (on
# its client and daemon in turn, on sessions and blocks to expire, on timers) and
# uses about half a core; the longest start first (their COST in CMakeLists).
# Twice the cores in the Release build; in the ASan one, whose processes are
# several times slower and some of whose checks lean on timers (a block's
# seconds left, a session expiring mid-stream), one more than the cores.

run_suite() { # build-dir build-type tests-at-once [ctest options]
	local dir=$1 type=$2 at_once=$3
	shift 3
	echo "== $type build in $dir"
	cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE="$type" -DKART_WERROR=ON >/dev/null
	cmake --build "$dir" -j"$jobs"
	(cd "$dir" && ctest --output-on-failure -j"$at_once" --timeout 600 "$@")
}

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# a packager's build (-O3) builds without a warning and passes everything
run_suite build Release $((2 * jobs))
# Under ASan+UBSan, every test that runs the project's C, and only those passes again
# (ctest -E; one reason each):
#  integration_i18n_nls_off: the build without gettext is a build of its own, the same under either
#  integration_layers: reads the daemon's sources for its includes and calls; runs no binary
#  unit_po_complete: the catalogs against the sources (xgettext, msgfmt); runs no binary
#  package_completion: drives the generated bash and zsh completion scripts; runs no binary
#  package_deb: cpack's package of the build, the same rules for either (no one ships an ASan one)
asan_skip='integration_i18n_nls_off|integration_layers|unit_po_complete|package_completion|package_deb'
run_suite build-asan asan $((jobs + 1)) -E "^($asan_skip)\$"
echo "all tests passed (release and asan builds)"
