#!/bin/bash
# Runs every libFuzzer target of a -Dfuzzing=true build for SECONDS each,
# on a scratch copy of its seed corpus (the tree stays clean), then replays
# the checked-in corpus and regressions/<target>/ once. One summary line per
# target; exits 1 if any target crashed, leaked, timed out or ran out of
# memory. SECONDS=0 only replays.
#
#   tests/fuzz/run-fuzzers.sh BUILD_DIR SECONDS [TARGET...]
#
# Crash inputs are kept in $FUZZ_ARTIFACT_DIR (default BUILD_DIR/fuzz-artifacts).
# FUZZ_KEEP_GOING=1 fuzzes on past a crash (libFuzzer -fork=1 -ignore_crashes=1),
# to collect every distinct crasher of a run; the target still fails.
set -u

if [ $# -lt 2 ]; then
	echo "usage: $0 BUILD_DIR SECONDS [TARGET...]" >&2
	exit 2
fi
build=$(cd "$1" && pwd) || exit 2
seconds=$2
shift 2
case $seconds in
'' | *[!0-9]*)
	echo "$0: SECONDS must be a whole number" >&2
	exit 2
	;;
esac
here=$(cd "$(dirname "$0")" && pwd)
bindir=$build/tests/fuzz
artifacts=${FUZZ_ARTIFACT_DIR:-$build/fuzz-artifacts}

if [ $# -gt 0 ]; then
	targets=("$@")
else
	targets=()
	for exe in "$bindir"/fuzz-*; do
		name=${exe##*/fuzz-}
		case $name in replay-* | *.p) continue ;; esac
		[ -x "$exe" ] && [ -f "$exe" ] && targets+=("$name")
	done
fi
if [ ${#targets[@]} -eq 0 ]; then
	echo "$0: no fuzz targets in $bindir (configure with -Dfuzzing=true)" >&2
	exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/hermes-fuzz.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
# the targets' scratch homes go here too, so a crash leaves nothing behind
mkdir -p "$work/tmp"
export TMPDIR=$work/tmp
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$here/../lsan.supp}
export LC_ALL=C.UTF-8
unset HERMES_HOME HERMES_BACKEND_PATH HERMES_SERVICE_MANAGER
common=(-timeout=5 -rss_limit_mb=1024 -print_final_stats=1)
keep_going=()
if [ "${FUZZ_KEEP_GOING:-0}" = 1 ]; then
	keep_going=(-fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1)
fi

failed=0
for name in "${targets[@]}"; do
	exe=$bindir/fuzz-$name
	seeds=$here/corpus/$name
	regressions=$here/regressions/$name
	log=$work/$name.log
	status=ok
	runs=0
	cov=0
	if [ ! -x "$exe" ]; then
		echo "fuzz $name: MISSING ($exe)"
		failed=1
		continue
	fi
	# this run's crashers only
	rm -rf "$artifacts/$name"
	mkdir -p "$work/corpus/$name" "$artifacts/$name"
	[ -d "$seeds" ] && cp -R "$seeds/." "$work/corpus/$name/"
	if [ "$seconds" -gt 0 ]; then
		"$exe" "${common[@]}" "${keep_going[@]}" -max_total_time="$seconds" \
			-artifact_prefix="$artifacts/$name/" "$work/corpus/$name" >"$log" 2>&1
		rc=$?
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
		# -fork prints no final stats; its progress lines start with the run count
		[ -n "$runs" ] || runs=$(sed -n 's/^#\([0-9][0-9]*\).*/\1/p' "$log" | tail -n 1)
		cov=$(sed -n 's/^#[0-9]*.* cov: \([0-9]*\) .*/\1/p' "$log" | tail -n 1)
		found=$(find "$artifacts/$name" -type f | wc -l)
		if [ $rc -ne 0 ] || [ "$found" -gt 0 ]; then
			status="CRASH (exit $rc, $found inputs in $artifacts/$name)"
			echo "---- $name: fuzzing log (tail) ----"
			tail -n 60 "$log"
		fi
	fi
	# the checked-in inputs, each once (from a copy: libFuzzer may write to a corpus dir)
	mkdir -p "$work/replay/$name"
	[ -d "$seeds" ] && cp -R "$seeds/." "$work/replay/$name/"
	[ -d "$regressions" ] && cp -R "$regressions/." "$work/replay/$name/"
	replayed=$(find "$work/replay/$name" -type f | wc -l)
	if ! "$exe" "${common[@]}" -runs=0 -artifact_prefix="$artifacts/$name/replay-" \
		"$work/replay/$name" >"$log.replay" 2>&1; then
		if [ "$status" = ok ]; then
			status="REPLAY FAILED"
		else
			status="$status, REPLAY FAILED"
		fi
		echo "---- $name: replay log (tail) ----"
		tail -n 60 "$log.replay"
	fi
	[ "$status" = ok ] || failed=1
	echo "fuzz $name: $status; ${seconds}s, ${runs:-0} runs, cov ${cov:-0}, corpus $(find "$work/corpus/$name" -type f | wc -l) files; replayed $replayed checked-in inputs"
	# nothing left behind for a target that passed
	[ "$status" = ok ] && rmdir "$artifacts/$name" 2>/dev/null
done
rmdir "$artifacts" 2>/dev/null
exit $failed
