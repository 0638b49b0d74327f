#!/usr/bin/env bash
# Runs the libFuzzer targets built by `scripts/test.sh --sanitize` (build-asan,
# Clang, -DTESSERA_FUZZ=ON), each for SECONDS, and prints executions per second.
# Usage: scripts/fuzz.sh BUILD_DIR SECONDS [onnx|npy|arch_yaml|pattern ...]
# Seeds come from tests/fuzz/corpus/<target> (and examples/arch, tests/golden);
# what a run learns is kept in BUILD_DIR/fuzz/corpus/<target>, crashing inputs
# in BUILD_DIR/fuzz/crashes/. Exit status 1 on any crash, leak or time-out.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 2 ]; then
  echo "usage: scripts/fuzz.sh BUILD_DIR SECONDS [target ...]" >&2
  exit 1
fi
build=$1 seconds=$2
shift 2
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(onnx npy arch_yaml pattern)

work="$build/fuzz"
mkdir -p "$work/crashes" "$work/tmp"
export TMPDIR="$PWD/$work/tmp"
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:allocator_may_return_null=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
failed=0
for t in "${targets[@]}"; do
  bin="$build/tests/fuzz/fuzz_$t"
  if [ ! -x "$bin" ]; then
    echo "fuzz: $bin is missing; build with scripts/test.sh --sanitize (needs clang)" >&2
    exit 1
  fi
  seeds=("tests/fuzz/corpus/$t")
  [ "$t" = arch_yaml ] && seeds=("tests/fuzz/corpus/arch_yaml" examples/arch)
  [ "$t" = pattern ] && seeds=("tests/fuzz/corpus/pattern" tests/golden)
  existing=()
  for s in "${seeds[@]}"; do [ -d "$s" ] && existing+=("$s"); done
  mkdir -p "$work/corpus/$t"
  log="$work/$t.log"
  # Inputs up to 64 KiB; 4 GiB of RSS and 10 s per input count as findings.
  if "$bin" "$work/corpus/$t" "${existing[@]}" -max_total_time="$seconds" -max_len=65536 \
       -rss_limit_mb=4096 -timeout=10 -print_final_stats=1 -close_fd_mask=1 \
       -artifact_prefix="$work/crashes/$t-" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    secs=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    echo "fuzz $t: ${seconds} s, ${runs:-?} inputs, ${secs:-?} execs/s, corpus $(ls "$work/corpus/$t" | wc -l) files, no crash"
  else
    echo "fuzz $t: FAILED (see $log; input kept in $work/crashes/)"
    grep -m 5 -E "ERROR|runtime error|non-user exception|round trip|Test unit written" "$log" || tail -5 "$log"
    failed=1
  fi
done
exit $failed
