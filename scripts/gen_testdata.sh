#!/usr/bin/env bash
# Generates the test data the `conformance`, `models` and `train_torch` ctest suites read:
#   BUILD_DIR/testdata/node    ONNX backend node tests (scripts/gen_conformance.py)
#   BUILD_DIR/testdata/models  exported PyTorch models + references (scripts/gen_models.py)
#   BUILD_DIR/testdata/train   models, a dataset and torch.optim losses (scripts/gen_train_refs.py)
# Usage: scripts/gen_testdata.sh [BUILD_DIR]   (default: <repo>/build)
# Each part is skipped when its stamp matches a hash of the generating scripts
# and the Python package versions; delete BUILD_DIR/testdata to force a rebuild.
# Always uses /usr/bin/python3 (Debian's onnx/torch/numpy), not a python3 on PATH.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${1:-$repo/build}"
out="$build_dir/testdata"
py=/usr/bin/python3

versions="$($py -c 'import numpy, onnx, torch, torchvision; print(numpy.__version__, onnx.__version__, torch.__version__, torchvision.__version__)')"

# generate NAME SCRIPT: runs SCRIPT into $out/NAME unless the stamp is current.
generate() {
  local name="$1" script="$2"
  local stamp="$out/$name.stamp"
  local key
  key="$( (cat "$repo/$script" "$repo/scripts/gen_testdata.sh"; echo "$versions") | sha256sum | cut -d' ' -f1)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$key" && -d "$out/$name" ]]; then
    echo "gen_testdata: $out/$name is up to date ($(du -sh "$out/$name" | cut -f1))"
    return
  fi
  echo "gen_testdata: generating $out/$name with $script ..."
  local start=$SECONDS
  rm -f "$stamp"
  rm -rf "$out/$name"
  "$py" "$repo/$script" "$out/$name"
  echo "$key" > "$stamp"
  echo "gen_testdata: $out/$name done in $((SECONDS - start))s ($(du -sh "$out/$name" | cut -f1))"
}

mkdir -p "$out"
generate node scripts/gen_conformance.py
generate models scripts/gen_models.py
generate train scripts/gen_train_refs.py
