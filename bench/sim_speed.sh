#!/bin/sh
# Cycle-mode simulator speed: for each case, the simulated cycles, the events
# the engine processed, the unit-cycles simulated (units a section uses x its
# cycles, summed over sections), the simulator's own time (from the report's
# "cycle mode:" note: simulation only, no load/lower/compile) and the whole
# `tessera sim` process time, and unit-cycles per second of simulator time.
#
#   bench/sim_speed.sh [TESSERA_BINARY]        (default: build/tessera)
#
# The acceptance case is GPT-2 small, one decoder layer (zoo:gpt2,layers=1) on
# sn10: its cycle-mode run must take at most 60 s.
set -eu
TESSERA=${1:-build/tessera}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

CASES="zoo:gpt2,layers=1|sn10|1
zoo:gpt2,layers=1|sn40l|1
zoo:gpt2,layers=1|plasticine|1
zoo:gpt2|sn10|1
zoo:gpt2|sn10|0
zoo:mlp,widths=1024-1024,batch=1024|sn10|1
zoo:resnet|sn10|1
zoo:bert|sn10|1"

printf '%-38s %-11s %-3s %14s %10s %12s %9s %9s %14s\n' model arch opt cycles events unit-cycles sim_s total_s unit-cycles/s
echo "$CASES" | while IFS='|' read -r model arch opt; do
  start=$(date +%s.%N)
  if ! "$TESSERA" sim "$model" --arch "$arch" "-O$opt" --mode cycle --out "$OUT" >/dev/null 2>"$OUT/err"; then
    printf '%-38s %-11s -O%s  failed: %s\n' "$model" "$arch" "$opt" "$(head -c 200 "$OUT/err")"
    continue
  fi
  end=$(date +%s.%N)
  python3 - "$OUT/report.json" "$model" "$arch" "$opt" "$start" "$end" <<'PY'
import json, re, sys
report, model, arch, opt, start, end = sys.argv[1:]
r = json.load(open(report))
note = next((n for n in r.get("notes", []) if n.startswith("cycle mode:")), "")
m = re.search(r"(\d+) events, ([0-9.e+]+) unit-cycles simulated in ([0-9.]+) s", note)
events, unit_cycles, sim_s = (int(m.group(1)), float(m.group(2)), float(m.group(3))) if m else (0, 0.0, 0.0)
rate = unit_cycles / sim_s if sim_s > 0 else float("inf")
print(f"{model:<38} {arch:<11} -O{opt} {r['total']['cycles']:>14} {events:>10} {unit_cycles:>12.3g} "
      f"{sim_s:>9.3f} {float(end) - float(start):>9.2f} {rate:>14.3g}")
PY
done
