#!/usr/bin/env bash
# Everything CI runs: install + build (bootstrap), generate test data from
# Debian's python3-onnx / python3-torch, then run every test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)

./scripts/bootstrap.sh
if [ -x scripts/gen_testdata.sh ]; then
  ./scripts/gen_testdata.sh build
fi
cd build
ctest --output-on-failure --timeout 1200 -j 2
echo "test.sh: all suites passed in $(( $(date +%s) - start )) s"
