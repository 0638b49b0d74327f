#!/usr/bin/env bash
# The simulator's acceptance figures (docs/sim.md, "Acceptance"), fast mode:
#   1. MatMul 4096x4096x4096 with both inputs in DRAM: % of bf16 peak on sn40l
#      (HBM-fed), % of its roofline bound (roofline_seconds / seconds) on sn10.
#   2. MatMul 1024x1024x1024, same figures, and % of its roofline bound in
#      cycle mode on every rda preset.
#   3. Add of two 256 MiB (fp32) tensors: % of DRAM bandwidth on every rda preset.
#   4. GPT-2 small (zoo:gpt2, sequence 1024) on sn10: wall time of `tessera sim`.
#   5. Every real model: -O1 vs -O0 speedup on sn10 and sn10 vs a100.
# Prints tables; reports what comes out and asserts nothing (the laws are tests).
# Usage: bench/sim_acceptance.sh [BUILD_DIR]   (default: build; needs `tessera`
# and, for 5, scripts/gen_testdata.sh BUILD_DIR). Uses /usr/bin/python3 (onnx, numpy).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
TESSERA=$BUILD/tessera
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
PY=/usr/bin/python3

$PY - "$WORK" <<'PYEOF'
import sys, onnx
from onnx import helper, TensorProto
work = sys.argv[1]
def save(name, node, inputs, out_shape):
    g = helper.make_graph([node], name,
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in inputs],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, out_shape)])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), f"{work}/{name}.onnx")
for n in (4096, 1024):
    save(f"matmul{n}", helper.make_node("MatMul", ["a", "b"], ["y"]), [("a", [n, n]), ("b", [n, n])], [n, n])
e = 256 * 1024 * 1024 // 4  # 256 MiB of fp32
save("add256m", helper.make_node("Add", ["a", "b"], ["y"]), [("a", [e]), ("b", [e])], [e])
PYEOF

# field FILE EXPR: evaluates EXPR over the report (r) with python.
field() { $PY -c "import json,sys; r=json.load(open(sys.argv[1])); t=r['total']; print($2)" "$1"; }

sim() {  # sim MODEL ARCH OPT OUTDIR [extra...]
  local model=$1 arch=$2 opt=$3 out=$4; shift 4
  "$TESSERA" sim "$model" --arch "$arch" -O"$opt" --out "$out" "$@" > "$out.log" 2>&1 || { echo "FAILED: $(tail -1 "$out.log")"; return 1; }
}

echo "== MatMul with inputs in DRAM (fast mode, -O1, native precision)"
printf "%-10s %-8s %12s %12s %10s %10s %-8s\n" model arch seconds roofline_s "%peak" "%roofline" bound
for m in matmul4096 matmul1024; do
  for arch in sn40l sn10 plasticine; do
    out=$WORK/$m-$arch
    if sim "$WORK/$m.onnx" $arch 1 "$out"; then
      printf "%-10s %-8s %12s %12s %10s %10s %-8s\n" $m $arch \
        "$(field $out/report.json "'%.4g' % t['seconds']")" "$(field $out/report.json "'%.4g' % t['roofline_seconds']")" \
        "$(field $out/report.json "'%.1f' % (100*t['achieved_tflops']/t['peak_tflops'])")" \
        "$(field $out/report.json "'%.1f' % (100*t['roofline_fraction'])")" \
        "$(field $out/report.json "r['sections'][0]['bound']")"
    fi
  done
done

echo
echo "== MatMul 1024^3 with inputs in DRAM in cycle mode (-O1): % of its roofline bound"
printf "%-8s %12s %12s %10s %10s\n" arch seconds roofline_s "%roofline" cycles
for arch in sn40l sn10 plasticine; do
  out=$WORK/matmul1024-cycle-$arch
  if sim "$WORK/matmul1024.onnx" $arch 1 "$out" --mode cycle; then
    printf "%-8s %12s %12s %10s %10s\n" $arch "$(field $out/report.json "'%.4g' % t['seconds']")" \
      "$(field $out/report.json "'%.4g' % t['roofline_seconds']")" \
      "$(field $out/report.json "'%.1f' % (100*t['roofline_fraction'])")" "$(field $out/report.json "t['cycles']")"
  fi
done

echo
echo "== Add of two 256 MiB tensors: share of DRAM bandwidth"
printf "%-8s %12s %14s %10s %-8s\n" arch seconds dram_bytes "%dram_bw" bound
for arch in sn40l sn10 plasticine; do
  out=$WORK/add-$arch
  if sim "$WORK/add256m.onnx" $arch 1 "$out"; then
    bw=$($TESSERA arch show $arch --json | $PY -c "import json,sys; print(json.load(sys.stdin)['dram_gbps'])")
    printf "%-8s %12s %14s %10s %-8s\n" $arch "$(field $out/report.json "'%.4g' % t['seconds']")" \
      "$(field $out/report.json "t['dram_read_bytes']+t['dram_write_bytes']")" \
      "$(field $out/report.json "'%.1f' % (100*(t['dram_read_bytes']+t['dram_write_bytes'])/t['seconds']/1e9/$bw)")" \
      "$(field $out/report.json "r['sections'][0]['bound']")"
  fi
done

echo
echo "== GPT-2 small (zoo:gpt2, seq 1024) on sn10, fast mode: wall time of tessera sim"
for opt in 0 1; do
  start=$(date +%s.%N)
  sim "zoo:gpt2,seq=1024" sn10 $opt "$WORK/gpt2-O$opt" || true
  end=$(date +%s.%N)
  printf "  -O%s: %.2f s wall (load, lower, compile, simulate, write); simulated %s\n" $opt "$(echo "$end - $start" | bc)" \
    "$(head -1 "$WORK/gpt2-O$opt.log" | sed 's/.*: //')"
done

DATA=$BUILD/testdata/models
[ -d "$DATA" ] || { echo "(no $DATA: run scripts/gen_testdata.sh $BUILD for the real-model table)"; exit 0; }
echo
echo "== Real models (fast mode): -O1 vs -O0 on each dataflow preset, sn10 vs a100"
printf "%-18s %11s %11s %8s %8s %8s %11s %10s\n" model sn10_O0_s sn10_O1_s "O1/O0" sn40l "plast." a100_s sn10/a100
for dir in "$DATA"/*/; do
  name=$(basename "$dir")
  row=()
  for cfg in "sn10 0" "sn10 1" "sn40l 0" "sn40l 1" "plasticine 0" "plasticine 1" "a100 1"; do
    set -- $cfg
    out=$WORK/$name-$1-O$2
    if sim "$dir/model.onnx" $1 $2 "$out" > /dev/null; then row+=("$(field $out/report.json "t['seconds']")"); else row+=(nan); fi
  done
  $PY - "$name" "${row[@]}" <<'PYEOF'
import sys, math
n = sys.argv[1]; v = [float(x) for x in sys.argv[2:]]
sp = lambda a, b: "%.2fx" % (a / b) if b > 0 and not math.isnan(a / b) else "-"
print("%-18s %11.4g %11.4g %8s %8s %8s %11.4g %10s" % (n, v[0], v[1], sp(v[0], v[1]), sp(v[2], v[3]), sp(v[4], v[5]), v[6], sp(v[6], v[1])))
PYEOF
done
echo "(O1/O0 = speedup of spatial dataflow over kernel-by-kernel; sn10/a100 = a100 time / sn10 -O1 time, >1: sn10 faster)"
