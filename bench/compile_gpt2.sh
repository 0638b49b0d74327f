#!/usr/bin/env bash
# Compile time of GPT-2 small (124M parameters, sequence 1024) for sn10, with
# the per-pass breakdown, at -O1 and -O0. Target (issue): <= 10 s at -O1,
# placement and routing included, on the 2-core development machine.
# Usage: bench/compile_gpt2.sh [BUILD_DIR=build] [RUNS=3]
set -euo pipefail
build="${1:-build}"
runs="${2:-3}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
for opt in 1 0; do
  best=""
  for ((i = 0; i < runs; i++)); do
    start=$(date +%s%N)
    "$build/tessera" compile zoo:gpt2,seq=1024 --arch sn10 -O"$opt" --out "$out" > "$out/summary.txt"
    wall=$(( $(date +%s%N) - start ))
    if [[ -z "$best" ]] || (( wall < best )); then best=$wall; cp "$out/summary.txt" "$out/best.txt"; fi
  done
  echo "== zoo:gpt2 (small, seq 1024) on sn10 -O$opt: best of $runs runs, whole process $((best / 1000000)) ms"
  cat "$out/best.txt" | sed -n 1,2p
done
