#!/usr/bin/python3
"""`tessera train` against torch.optim, step by step (ctest `train_torch`).

Usage: train_torch_test.py TESSERA TESTDATA_TRAIN WORK_DIR

TESTDATA_TRAIN is what scripts/gen_train_refs.py wrote (scripts/gen_testdata.sh
puts it in BUILD/testdata/train); without it the test exits 77 (ctest: skipped).
For every model x optimiser case it runs `tessera train model.onnx --data DIR
--epochs 20 --batch 256 <the case's flags>`. One batch is the whole training
set, so each epoch is exactly one step and metrics.csv's train_loss for epoch k
is the loss of step k, which PyTorch recorded before its k-th update. Checks:
  - train_loss: relative difference <= 1e-4 at every epoch (the acceptance bound);
  - test_loss (eval mode, so BatchNorm's running statistics are read) after every
    step: relative difference <= 1e-4;
  - test accuracy after the last step: within one test sample.
Prints one row per case and exits 1 if any check fails.
"""

import csv
import json
import os
import shutil
import subprocess
import sys

LOSS_RTOL = 1e-4


def rel(a, b):
    return abs(a - b) / max(abs(b), 1e-12)


def run_case(tessera, data_root, work, ref):
    out = os.path.join(work, f"{ref['model']}_{ref['case']}")
    shutil.rmtree(out, ignore_errors=True)
    cmd = [tessera, "train", os.path.join(data_root, ref["model"], "model.onnx"),
           "--data", os.path.join(data_root, "data"), "--epochs", str(ref["steps"]),
           "--batch", str(ref["batch"]), "--out", out] + ref["args"]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        return None, f"exit {p.returncode}: {p.stderr.strip()}\n  command: {' '.join(cmd)}"
    with open(os.path.join(out, "metrics.csv")) as f:
        rows = list(csv.DictReader(f))
    if len(rows) != ref["steps"]:
        return None, f"metrics.csv has {len(rows)} epochs, expected {ref['steps']}"
    return rows, None


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    tessera, data_root, work = sys.argv[1:]
    manifest_path = os.path.join(data_root, "manifest.json")
    if not os.path.isfile(manifest_path):
        print(f"train_torch: no {manifest_path}; run scripts/gen_testdata.sh <build dir> (skipped)")
        return 77
    with open(manifest_path) as f:
        manifest = json.load(f)
    os.makedirs(work, exist_ok=True)

    failures = []
    header = (f"{'model':<8} {'case':<16} {'steps':>5} {'loss 1':>9} {'loss 20':>9} {'max rel train':>13} "
              f"{'worst step':>10} {'max rel test':>12} {'acc torch':>9} {'acc tessera':>11}")
    print(header)
    print("-" * len(header))
    for entry in manifest["cases"]:
        with open(os.path.join(data_root, entry["file"])) as f:
            ref = json.load(f)
        name = f"{ref['model']}/{ref['case']}"
        rows, err = run_case(tessera, data_root, work, ref)
        if err:
            print(f"{ref['model']:<8} {ref['case']:<16} FAILED: {err}")
            failures.append(f"{name}: {err}")
            continue
        train = [float(r["train_loss"]) for r in rows]
        test = [float(r["test_loss"]) for r in rows]
        train_rel = [rel(a, b) for a, b in zip(train, ref["losses"])]
        test_rel = [rel(a, b) for a, b in zip(test, ref["test_losses"])]
        worst = max(range(len(train_rel)), key=train_rel.__getitem__)
        acc, acc_ref = float(rows[-1]["test_accuracy"]), ref["test_accuracies"][-1]
        print(f"{ref['model']:<8} {ref['case']:<16} {len(rows):>5} {train[0]:>9.5f} {train[-1]:>9.5f} "
              f"{max(train_rel):>13.2e} {worst + 1:>10} {max(test_rel):>12.2e} {acc_ref:>9.4f} {acc:>11.4f}")
        if max(train_rel) > LOSS_RTOL:
            failures.append(f"{name}: train loss differs by {max(train_rel):.2e} (relative) at step {worst + 1}: "
                            f"tessera {train[worst]!r}, torch {ref['losses'][worst]!r}")
        if max(test_rel) > LOSS_RTOL:
            k = max(range(len(test_rel)), key=test_rel.__getitem__)
            failures.append(f"{name}: test loss differs by {max(test_rel):.2e} (relative) after step {k + 1}: "
                            f"tessera {test[k]!r}, torch {ref['test_losses'][k]!r}")
        n_test = manifest.get("n_test", 128)
        if abs(acc - acc_ref) > 1.0 / n_test + 1e-9:
            failures.append(f"{name}: final test accuracy {acc} vs torch {acc_ref}")
    print(f"tolerance: relative {LOSS_RTOL:g} on every step's train loss and test loss")
    if failures:
        print("\ntrain_torch: FAILED")
        for f in failures:
            print("  " + f)
        return 1
    print(f"train_torch: {len(manifest['cases'])} cases agree with torch.optim")
    return 0


if __name__ == "__main__":
    sys.exit(main())
