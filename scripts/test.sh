#!/usr/bin/env bash
# Everything CI runs: install + build (bootstrap), generate test data from
# Debian's python3-onnx / python3-torch, run every test suite, then the
# sanitizer stage.
#
# Usage: scripts/test.sh [--sanitize | --no-sanitize]
#   (none)         Release build and every suite, then the sanitizer stage
#   --sanitize     only the sanitizer stage
#   --no-sanitize  skip the sanitizer stage (a quicker local run)
#
# The sanitizer stage builds build-asan with ASan + UBSan (any report is fatal:
# halt_on_error=1) using Clang when installed (GCC otherwise) and runs there:
# the unit and error tests, the CLI error contract, the CLI end to end on one
# model, the models suite on a representative subset, a 300-model mutation
# run, and — with Clang — each libFuzzer target for FUZZ_SECONDS (default 30).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
mode=all
case "${1:-}" in
  "") ;;
  --sanitize) mode=sanitize ;;
  --no-sanitize) mode=release ;;
  *) echo "usage: scripts/test.sh [--sanitize | --no-sanitize]" >&2; exit 1 ;;
esac

./scripts/bootstrap.sh
./scripts/gen_testdata.sh build

if [ "$mode" != sanitize ]; then
  (cd build && ctest --output-on-failure --timeout 1200 -j 2)
  echo "test.sh: all suites passed in $(( $(date +%s) - start )) s"
fi
[ "$mode" = release ] && exit 0

# --- sanitizer stage ---------------------------------------------------------
stage=$(date +%s)
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}" CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
targets=(tessera unit_tests models_tests model_cli_check)
if command -v clang++ >/dev/null; then
  compiler=clang++ debug=-gline-tables-only fuzz=ON
  targets+=(fuzz_onnx fuzz_npy fuzz_arch_yaml fuzz_pattern)
else
  compiler=g++ debug=-g1 fuzz=OFF
  echo "test.sh: clang++ not found: sanitizer stage with GCC, no fuzzing"
fi
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER="$compiler" \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 $debug" -DTESSERA_SANITIZE=ON -DTESSERA_FUZZ=$fuzz >/dev/null
cmake --build build-asan --target "${targets[@]}"
ln -sfn ../build/testdata build-asan/testdata
echo "test.sh: sanitizer build ready in $(( $(date +%s) - stage )) s"

build-asan/unit_tests --gtest_brief=1
bash tests/errors/cli_errors.sh "$PWD/build-asan/tessera" "$PWD/build-asan/cli_errors"
build-asan/tests/models/model_cli_check "$PWD/build-asan/tessera" "$PWD/build/testdata/models/gpt_op17" "$PWD/build-asan/cli_out"
# One transformer, one CNN, one recurrent model: every operator family under ASan.
build-asan/tests/models/models_tests --gtest_brief=1 \
  --gtest_filter='*gpt_op17*:*resnet18_op13*:*lstm_lm_op17*:*dlrm_op17*'
/usr/bin/python3 scripts/mutate_models.py build-asan/tessera build-asan/mutate --count 300 --jobs 2
if [ "$fuzz" = ON ]; then
  ./scripts/fuzz.sh build-asan "${FUZZ_SECONDS:-30}"
fi
echo "test.sh: sanitizer stage passed in $(( $(date +%s) - stage )) s (total $(( $(date +%s) - start )) s)"
