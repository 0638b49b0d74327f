#!/usr/bin/python3
"""`tessera grad` on the exported models against torch.autograd's gradients.

Usage: grad_models_test.py TESSERA_BIN MODELS_DIR OUT_DIR

MODELS_DIR is BUILD/testdata/models (scripts/gen_testdata.sh). For every model
directory with gradient references (meta.json "grads", see scripts/gen_models.py)
it runs

  tessera grad model.onnx --input NAME=input_k.npy ... --output-grad NAME=output_grad_k.npy ...
               --output-dir OUT_DIR/<dir>/model

and, where the directory has one, the same on model_train.onnx; then checks
  - grads.json names every float graph input and every float initializer of
    the file it was given (not only those with a reference), each file there,
    shaped like its tensor and finite;
  - each referenced gradient: max|tessera - torch| <= 1e-4 * max|torch|, where
    max|torch| is floored at 1e-3 x the largest reference of the file: a
    gradient that is zero in exact arithmetic (mlp_mixer's token_mlp.2.bias:
    a per-token constant that the LayerNorms over channels remove) is rounding
    noise in both, and is measured on the model's own gradient scale.
A failure prints a table (tensor, max|diff|, max|ref|, ratio, and torch's own
float32 ratio from meta.json: resnet18's references are 3% from torch float32,
because one ReLU input in layer1.0 is -2.6e-7 and float32 rounds it positive;
a float32 tessera run may take either branch).

Environment:
  TESSERA_GRAD_MODELS   comma-separated directories to run (gpt_op17, or just gpt
                        for gpt_op17); default every *_op17 directory with references
  TESSERA_GRAD_TIMEOUT  seconds per tessera run (default 900)
Exits 77 (ctest SKIP_RETURN_CODE) when there is no test data to run on.
"""

import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import onnx

SKIP = 77
TOLERANCE = 1e-4  # max|diff| / max|ref|
FLOOR = 1e-3      # max|ref| is taken as at least FLOOR x the largest reference of the file
DEFAULT_OPSET = 17


def selected_dirs(models_dir):
    """The model directories to run, by name; raises on an unknown name in TESSERA_GRAD_MODELS."""
    have = sorted(d for d in os.listdir(models_dir) if os.path.isfile(os.path.join(models_dir, d, "meta.json")))
    wanted = [w for w in os.environ.get("TESSERA_GRAD_MODELS", "").split(",") if w.strip()]
    if not wanted:
        return [d for d in have if d.endswith(f"_op{DEFAULT_OPSET}")]
    dirs = [w.strip() if "_op" in w else f"{w.strip()}_op{DEFAULT_OPSET}" for w in wanted]
    unknown = [d for d in dirs if d not in have]
    if unknown:
        raise SystemExit(f"grad_models: TESSERA_GRAD_MODELS names {', '.join(unknown)}, not in {models_dir} "
                         f"(have {', '.join(have)})")
    return dirs


def float_tensors(onnx_path):
    """({graph input: shape}, {initializer: shape}) of the float32 tensors of the file."""
    m = onnx.load(onnx_path, load_external_data=False)
    inits = {i.name: list(i.dims) for i in m.graph.initializer if i.data_type == onnx.TensorProto.FLOAT}
    inputs = {}
    for v in m.graph.input:
        t = v.type.tensor_type
        if v.name not in inits and t.elem_type == onnx.TensorProto.FLOAT:
            inputs[v.name] = [d.dim_value for d in t.shape.dim]
    return inputs, inits


def run_grad(tessera, model_dir, onnx_file, grads, out_dir, timeout):
    """Runs tessera grad; returns (grads.json contents or None, error text)."""
    meta_path = os.path.join(model_dir, "meta.json")
    with open(meta_path) as f:
        meta = json.load(f)
    cmd = [tessera, "grad", os.path.join(model_dir, onnx_file)]
    for x in meta["inputs"]:
        cmd += ["--input", f"{x['name']}={os.path.join(model_dir, x['file'])}"]
    for u in grads["upstream"]:
        cmd += ["--output-grad", f"{u['name']}={os.path.join(model_dir, u['file'])}"]
    shutil.rmtree(out_dir, ignore_errors=True)
    os.makedirs(out_dir)
    cmd += ["--output-dir", out_dir]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, f"timed out after {timeout}s: {' '.join(cmd)}"
    except OSError as e:
        return None, f"cannot run {tessera}: {e}"
    if p.returncode != 0:
        return None, f"exit {p.returncode}: {' '.join(cmd)}\n{(p.stdout + p.stderr).strip()[-3000:]}"
    try:
        with open(os.path.join(out_dir, "grads.json")) as f:
            return json.load(f), ""
    except (OSError, ValueError) as e:
        return None, f"{out_dir}/grads.json: {e}"


def check_listing(listing, out_dir, inputs, inits):
    """Problems with grads.json against the file's float inputs and initializers."""
    problems = []
    for key, want in (("inputs", inputs), ("parameters", inits)):
        got = listing.get(key)
        if not isinstance(got, dict):
            problems.append(f'grads.json has no "{key}" object')
            continue
        missing = sorted(set(want) - set(got))
        extra = sorted(set(got) - set(want))
        if missing:
            problems.append(f"grads.json {key} lacks {len(missing)}: {', '.join(missing[:8])}")
        if extra:
            problems.append(f"grads.json {key} names {len(extra)} that are not float {key}: {', '.join(extra[:8])}")
        for name in sorted(set(want) & set(got)):
            path = os.path.join(out_dir, got[name])
            if not os.path.isfile(path):
                problems.append(f"{key} {name}: {got[name]} is missing")
                continue
            g = np.load(path)
            if list(g.shape) != list(want[name]):
                problems.append(f"{key} {name}: shape {list(g.shape)}, the tensor's is {want[name]}")
            elif g.dtype != np.float32:
                problems.append(f"{key} {name}: dtype {g.dtype}, expected float32")
            elif not np.all(np.isfinite(g)):
                problems.append(f"{key} {name}: not finite")
    return problems


def compare(references, listing, model_dir, out_dir):
    """[(tensor, max|diff|, max|ref| (floored), ok)] for every reference that tessera wrote."""
    rows = []
    model_max = max((float(np.max(np.abs(np.load(os.path.join(model_dir, f))), initial=0)) for _, _, f in references),
                    default=0.0)
    for kind, name, ref_file in references:
        entries = listing.get(kind)
        got_file = entries.get(name) if isinstance(entries, dict) else None
        if got_file is None or not os.path.isfile(os.path.join(out_dir, got_file)):
            continue  # check_listing reports it
        ref = np.load(os.path.join(model_dir, ref_file)).astype(np.float64)
        got = np.load(os.path.join(out_dir, got_file)).astype(np.float64)
        if got.shape != ref.shape:
            continue  # check_listing reports it
        diff = float(np.max(np.abs(got - ref), initial=0)) if np.all(np.isfinite(got)) else float("inf")
        scale = max(float(np.max(np.abs(ref), initial=0)), FLOOR * model_max)
        rows.append((name, diff, scale, diff <= TOLERANCE * scale))
    return rows


def ratio(row):
    _, diff, scale, _ = row
    return diff / scale if scale > 0 else (0.0 if diff == 0 else float("inf"))


def table(rows, torch_f32, limit=30):
    """The rows worst first, at most `limit` of them; torch_f32: {tensor: torch float32's ratio}."""
    rows = sorted(rows, key=ratio, reverse=True)
    lines = [f"    {'tensor':<60} {'max|diff|':>11} {'max|ref|':>11} {'ratio':>10} {'torch f32':>10}"]
    for row in rows[:limit]:
        name, diff, scale, ok = row
        f32 = torch_f32.get(name)
        f32 = f"{f32:10.2e}" if isinstance(f32, (int, float)) else f"{'-':>10}"
        lines.append(f"    {name:<60} {diff:11.3e} {scale:11.3e} {ratio(row):10.2e} {f32}{'' if ok else '  FAIL'}")
    if len(rows) > limit:
        lines.append(f"    ... and {len(rows) - limit} more")
    return "\n".join(lines)


def variants(meta):
    """(onnx file, reference entry) pairs of a directory: model.onnx, then model_train.onnx if present."""
    grads = meta["grads"]
    yield "model.onnx", grads
    if "model_train" in grads:
        yield grads["model_train"]["file"], dict(grads, **grads["model_train"])


def run_model(tessera, models_dir, name, out_root, timeout):
    """Checks one model directory; returns a list of failure texts (empty when it passes)."""
    model_dir = os.path.join(models_dir, name)
    with open(os.path.join(model_dir, "meta.json")) as f:
        meta = json.load(f)
    failures = []
    for onnx_file, grads in variants(meta):
        label = f"{name}/{onnx_file}"
        out_dir = os.path.join(out_root, name, os.path.splitext(onnx_file)[0])
        t0 = time.time()
        listing, error = run_grad(tessera, model_dir, onnx_file, grads, out_dir, timeout)
        seconds = time.time() - t0
        if listing is None:
            print(f"  {label}: FAILED in {seconds:.1f}s: {error}")
            failures.append(f"{label}: {error.splitlines()[0]}")
            continue
        inputs, inits = float_tensors(os.path.join(model_dir, onnx_file))
        problems = check_listing(listing, out_dir, inputs, inits)
        references = [("inputs", x["name"], x["file"]) for x in grads["inputs"]]
        references += [("parameters", n, f) for n, f in grads["parameters"].items()]
        rows = compare(references, listing, model_dir, out_dir)
        bad = [r for r in rows if not r[3]]
        worst = max((ratio(r) for r in rows), default=0.0)
        status = "ok" if not bad and not problems else "FAILED"
        print(f"  {label}: {status} in {seconds:.1f}s; {len(rows)} gradients compared "
              f"({len(inputs)} float inputs, {len(inits)} float initializers, "
              f"{len(grads['unmatched_initializers'])} without a reference), worst max|diff|/max|ref| {worst:.2e}")
        for p in problems:
            print(f"    {p}")
        if bad:
            print(table(bad, grads.get("torch_float32_error", {})))
            failures.append(f"{label}: {len(bad)} of {len(rows)} gradients differ by more than "
                            f"{TOLERANCE:g} * max|ref|")
        if problems:
            failures.append(f"{label}: {problems[0]}" + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""))
    return failures


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__.strip().splitlines()[2])
    tessera, models_dir, out_root = sys.argv[1:]
    if not os.path.isdir(models_dir):
        print(f"grad_models: SKIP: {models_dir} is missing; run scripts/gen_testdata.sh <build dir>")
        return SKIP
    dirs = selected_dirs(models_dir)
    with_refs = []
    for d in dirs:
        with open(os.path.join(models_dir, d, "meta.json")) as f:
            if "grads" in json.load(f):
                with_refs.append(d)
    if not with_refs:
        print(f"grad_models: SKIP: no model directory in {models_dir} has gradient references "
              f"(regenerate with scripts/gen_testdata.sh <build dir>)")
        return SKIP
    if len(with_refs) < len(dirs):
        print(f"grad_models: no references in {', '.join(sorted(set(dirs) - set(with_refs)))}: "
              "regenerate with scripts/gen_testdata.sh <build dir>")
        return 1
    timeout = int(os.environ.get("TESSERA_GRAD_TIMEOUT", "900"))
    start, failures = time.time(), []
    for d in with_refs:
        failures += run_model(tessera, models_dir, d, out_root, timeout)
    print(f"grad_models: {len(with_refs)} models in {time.time() - start:.1f}s; "
          + ("all gradients match" if not failures else f"{len(failures)} failures:\n  " + "\n  ".join(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
