#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: unit, integration and
# systemd checks, in the Release build (-O3, a packager's) and again under
# ASan+UBSan, warnings as errors in both.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
jobs=$(nproc 2>/dev/null || echo 2)

run_suite() { # build-dir build-type [ctest options]
	local dir=$1 type=$2
	shift 2
	echo "== $type build in $dir"
	cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE="$type" -DKART_WERROR=ON >/dev/null
	cmake --build "$dir" -j"$jobs"
	(cd "$dir" && ctest --output-on-failure -j"$jobs" --timeout 600 "$@")
}

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# a packager's build (-O3) builds without a warning and passes everything
run_suite build Release
# the build without gettext is a build of its own, the same under either: once is enough
run_suite build-asan asan -E '^integration_i18n_nls_off$'
echo "all tests passed (release and asan builds)"
