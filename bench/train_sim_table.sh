#!/usr/bin/env bash
# One training step (forward + loss + backward + SGD with momentum) of the zoo's
# big models, simulated (fast mode) on the dataflow presets at -O0 and -O1 and
# on the GPU rooflines. Prints a markdown table: step time; forward / backward /
# optimizer share of it; the memory the step holds (weights, gradients,
# optimizer state, saved activations, GB, fp32 as report.json counts them); and
# achieved TFLOPS against the preset's peak in its native precision.
#   GPT-2 small  zoo:gpt2 (seq 1024), batch 8, cross-entropy over the vocabulary at every position
#   BERT-base    zoo:bert (seq 128), batch 32, cross-entropy on last_hidden_state (the model has no head)
#   ResNet-50    zoo:resnet (depth 50, 224x224), batch 32
#   DLRM         zoo:dlrm, its default sizes (batch 128), mean squared error on the click probability
# Usage: bench/train_sim_table.sh [BUILD_DIR] [--optimizer sgd|adamw]   (default: build)
# Asserts nothing (the laws are tests/models/train_sim_laws_test.cpp); a run
# that fails prints its one-line error in the row.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
shift || true
TESSERA=$BUILD/tessera
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
PY=/usr/bin/python3

MODELS=(
  "GPT-2 small|zoo:gpt2|--batch 8"
  "BERT-base|zoo:bert|--batch 32 --loss-output last_hidden_state"
  "ResNet-50|zoo:resnet|--batch 32"
  "DLRM|zoo:dlrm|"
)
RUNS=("sn10 0" "sn10 1" "sn40l 0" "sn40l 1" "a100 0" "h100 0")

echo "| model | arch | -O | step (ms) | fwd % | bwd % | opt % | weights GB | grads GB | opt state GB | activations GB | TFLOPS | % of peak |"
echo "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for m in "${MODELS[@]}"; do
  IFS='|' read -r name model extra <<< "$m"
  for r in "${RUNS[@]}"; do
    read -r arch opt <<< "$r"
    out=$WORK/$arch-$opt
    # shellcheck disable=SC2086  # $extra is a list of flags
    if "$TESSERA" sim "$model" --arch "$arch" -O"$opt" --train $extra "$@" --out "$out" > "$out.log" 2>&1; then
      $PY - "$out/report.json" "$name" "$arch" "$opt" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
t, m = r["total"], r["memory"]
ph = {p["name"]: p for p in r["phases"]} if isinstance(r["phases"], list) else r["phases"]
s = t["seconds"]
share = lambda n: f"{100 * ph[n]['seconds'] / s:.1f}"
gb = lambda k: f"{m[k + '_bytes'] / 1e9:.2f}"
opt = "-" if r["arch"] in ("a100", "h100") else sys.argv[4]  # rooflines run kernel by kernel at any -O
print(f"| {sys.argv[2]} | {sys.argv[3]} | {opt} | {1e3 * s:.2f} | {share('forward')} | {share('backward')} | "
      f"{share('optimizer')} | {gb('weights')} | {gb('gradients')} | {gb('optimizer_state')} | {gb('activations')} | "
      f"{t['achieved_tflops']:.1f} | {100 * t['achieved_tflops'] / t['peak_tflops']:.1f} |")
PYEOF
    else
      echo "| $name | $arch | $opt | failed: $(tail -1 "$out.log" | tr '|' '/') | | | | | | | | | |"
    fi
  done
done
