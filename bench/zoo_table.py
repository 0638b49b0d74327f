#!/usr/bin/env python3
"""The benchmark table: built-in models x presets x -O0/-O1, simulated with
`tessera sim` (fast mode), as a markdown table on stdout.

Columns: simulated time, speedup of -O1 over -O0, speedup of the dataflow chip
at -O1 over each roofline baseline, achieved TFLOPS and % of peak, DRAM
traffic, energy, and Tessera's own compile + simulation wall time.

    /usr/bin/python3 bench/zoo_table.py [--tessera build/tessera] [--models a,b] > table.md
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import tempfile
import time

MODELS = {
    "gpt2-small (seq 1024)": "zoo:gpt2,preset=small,seq=1024",
    "bert-base (seq 128)": "zoo:bert,preset=base,seq=128",
    "vit-b16 (224)": "zoo:vit,preset=b16",
    "mixer-b16 (224)": "zoo:mixer,preset=b16",
    "resnet50 (224)": "zoo:resnet,depth=50",
    "dlrm": "zoo:dlrm",
    "unet (572)": "zoo:unet",
    "lstm": "zoo:lstm",
}
DATAFLOW = ["plasticine", "sn10", "sn40l"]
ROOFLINE = ["a100", "h100", "tpuv3"]


def sim(tessera, model, arch, opt, out):
    start = time.time()
    proc = subprocess.run([tessera, "sim", model, "--arch", arch, f"-O{opt}", "--mode", "fast", "--out", out],
                          capture_output=True, text=True)
    wall = time.time() - start
    if proc.returncode != 0:
        return None, proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed", wall
    with open(os.path.join(out, "report.json")) as f:
        return json.load(f)["total"], None, wall


def fmt_time(s):
    return f"{s * 1e3:.3g} ms" if s < 1 else f"{s:.3g} s"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tessera", default="build/tessera")
    ap.add_argument("--models", default=",".join(MODELS))
    args = ap.parse_args()
    names = [m for m in args.models.split(",") if m]
    print(f"Simulated with `tessera sim --mode fast` on {datetime.date.today()} "
          f"({platform.machine()}, {os.cpu_count()} cores). Regenerate: "
          f"`/usr/bin/python3 bench/zoo_table.py > table.md`.\n")
    print("| model | arch | -O | time | -O1 vs -O0 | vs a100 | TFLOPS (% peak) | DRAM | energy | tessera wall |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            model = MODELS.get(name, name)
            gpu, err, _ = sim(args.tessera, model, "a100", 1, os.path.join(tmp, "a100"))
            for arch in DATAFLOW + ROOFLINE:
                levels = [0, 1] if arch in DATAFLOW else [1]
                results = {}
                for opt in levels:
                    total, err, wall = sim(args.tessera, model, arch, opt, os.path.join(tmp, f"{arch}{opt}"))
                    results[opt] = (total, err, wall)
                for opt in levels:
                    total, err, wall = results[opt]
                    label = f"-O{opt}" if arch in DATAFLOW else "roofline"
                    if total is None:
                        print(f"| {name} | {arch} | {label} | — | | | | | | {err} |")
                        continue
                    speed = ""
                    if arch in DATAFLOW and opt == 1 and results[0][0]:
                        speed = f"{results[0][0]['seconds'] / total['seconds']:.2f}x"
                    vs_gpu = f"{gpu['seconds'] / total['seconds']:.2f}x" if gpu else ""
                    peak = total.get("peak_tflops") or 0
                    pct = f" ({100 * total['achieved_tflops'] / peak:.0f}%)" if peak else ""
                    dram = (total["dram_read_bytes"] + total["dram_write_bytes"]) / 1e9
                    print(f"| {name} | {arch} | {label} | {fmt_time(total['seconds'])} | {speed} | {vs_gpu} | "
                          f"{total['achieved_tflops']:.1f}{pct} | {dram:.3g} GB | {total['energy_j']:.3g} J | "
                          f"{wall:.2f} s |")


if __name__ == "__main__":
    main()
