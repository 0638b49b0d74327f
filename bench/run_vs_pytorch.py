#!/usr/bin/python3
"""Times `tessera run` against PyTorch eager on the same model and input.

Usage: /usr/bin/python3 bench/run_vs_pytorch.py [--tessera build/tessera]
           [--data build/testdata/models] [--threads 2] [--runs 5]
           [--models resnet18,gpt] [--opset 17]

The models and inputs are the ones scripts/gen_testdata.sh exports
(BUILD/testdata/models/<model>_op<opset>); PyTorch runs the same module,
rebuilt with the same seeds by scripts/gen_models.py. Tessera is timed end to
end as a process (load + lower + execute + writing outputs) and, when the CLI
prints a timing breakdown, per stage. Both sides use the same thread count:
torch.set_num_threads(N) and OMP_NUM_THREADS / OPENBLAS_NUM_THREADS = N for
Tessera. Each number is the median of --runs runs after one warm-up run, and
Tessera's outputs are checked against PyTorch's before they are timed.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "scripts"))

# "load: 12.3 ms", "exec=0.51s", "lower 3ms" ... whatever the CLI prints per stage.
STAGE_RE = re.compile(r"\b(load|import|lower|compile|exec|execute|run|total)\w*\s*[:=]?\s*"
                      r"([0-9]+(?:\.[0-9]+)?)\s*(ms|s)\b", re.IGNORECASE)


def parse_stages(text):
    stages = {}
    for name, value, unit in STAGE_RE.findall(text):
        stages[name.lower()] = float(value) / (1000.0 if unit.lower() == "ms" else 1.0)
    return stages


def run_tessera(binary, model_dir, meta, threads, out_dir):
    cmd = [binary, "run", os.path.join(model_dir, "model.onnx")]
    for item in meta["inputs"]:
        cmd += ["--input", f"{item['name']}={os.path.join(model_dir, item['file'])}"]
    cmd += ["--output-dir", out_dir, "--timing"]
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads))
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"bench: `{' '.join(cmd)}` failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")
    return wall, parse_stages(proc.stdout + proc.stderr)


def check_outputs(model_dir, meta, out_dir):
    """Largest max|tessera - torch| / max|torch| over the outputs."""
    worst = 0.0
    for item in meta["outputs"]:
        path = os.path.join(out_dir, item["name"] + ".npy")
        if not os.path.exists(path):
            sys.exit(f"bench: tessera did not write {path}")
        ref = np.load(os.path.join(model_dir, item["file"]))
        got = np.load(path)
        if got.shape != ref.shape:
            sys.exit(f"bench: {item['name']}: tessera shape {got.shape} != torch {ref.shape}")
        scale = float(np.max(np.abs(ref))) or 1.0
        worst = max(worst, float(np.max(np.abs(got.astype(np.float64) - ref))) / scale)
    return worst


def time_torch(name, threads, runs):
    import torch
    import gen_models

    torch.set_num_threads(threads)
    model, inputs = gen_models.build(name)
    args = tuple(torch.from_numpy(x) for x in inputs)
    times = []
    with torch.no_grad():
        for _ in range(runs + 1):  # the first run warms up
            start = time.perf_counter()
            model(*args)
            times.append(time.perf_counter() - start)
    return statistics.median(times[1:])


def bench_model(args, name):
    model_dir = os.path.join(args.data, f"{name}_op{args.opset}")
    meta_path = os.path.join(model_dir, "meta.json")
    if not os.path.exists(meta_path):
        sys.exit(f"bench: {meta_path} is missing: run scripts/gen_testdata.sh first")
    with open(meta_path) as f:
        meta = json.load(f)
    with tempfile.TemporaryDirectory() as out_dir:
        run_tessera(args.tessera, model_dir, meta, args.threads, out_dir)  # warm-up (page cache)
        error = check_outputs(model_dir, meta, out_dir)
        walls, stages = [], []
        for _ in range(args.runs):
            wall, st = run_tessera(args.tessera, model_dir, meta, args.threads, out_dir)
            walls.append(wall)
            stages.append(st)
    stage_medians = {k: statistics.median(s[k] for s in stages if k in s)
                     for k in sorted({k for s in stages for k in s})}
    return {"model": name, "torch": time_torch(name, args.threads, args.runs),
            "tessera": statistics.median(walls), "stages": stage_medians, "error": error}


def print_table(rows, threads):
    print(f"\nthreads={threads}; times are medians in ms; ratio = tessera / pytorch eager")
    header = f"{'model':<12} {'pytorch':>10} {'tessera e2e':>12} {'ratio':>8} {'exec':>10} {'exec ratio':>11}  error  stages"
    print(header)
    print("-" * len(header))
    for r in rows:
        exec_s = r["stages"].get("exec", r["stages"].get("execute", r["stages"].get("run")))
        exec_txt = f"{exec_s * 1e3:10.1f}" if exec_s is not None else f"{'-':>10}"
        exec_ratio = f"{exec_s / r['torch']:11.2f}" if exec_s is not None else f"{'-':>11}"
        stages = " ".join(f"{k}={v * 1e3:.1f}" for k, v in r["stages"].items()) or "(no breakdown printed)"
        print(f"{r['model']:<12} {r['torch'] * 1e3:10.1f} {r['tessera'] * 1e3:12.1f} "
              f"{r['tessera'] / r['torch']:8.2f} {exec_txt} {exec_ratio}  {r['error']:.1e}  {stages}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    ap.add_argument("--tessera", default=os.path.join(REPO, "build", "tessera"))
    ap.add_argument("--data", default=os.path.join(REPO, "build", "testdata", "models"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--models", default="resnet18,gpt")
    ap.add_argument("--opset", type=int, default=17)
    args = ap.parse_args()
    if not os.access(args.tessera, os.X_OK):
        sys.exit(f"bench: {args.tessera} is not an executable; build it (ninja -C build tessera) or pass --tessera")
    rows = [bench_model(args, name) for name in args.models.split(",") if name]
    print_table(rows, args.threads)


if __name__ == "__main__":
    main()
