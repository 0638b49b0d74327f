#!/usr/bin/python3
"""Mutation run: malformed ONNX models through `tessera info`, `run` and `sim`.

Usage: /usr/bin/python3 scripts/mutate_models.py TESSERA_BIN WORK_DIR [--count N] [--seed S] [--jobs J]

Builds seed models (zoo exports made by TESSERA_BIN plus a few small ONNX
graphs written here), derives N malformed models from them — half by
structured edits (huge, negative and zero dims; wrong element types; NaN and
extreme attributes; extra node outputs; outputs that are initializers;
external data outside the folder; truncated weights; unknown or missing
inputs), half by byte-level edits (flips, truncation, insertion) — and runs
each through three commands with a time limit. Every outcome is classified:

  ok          exit 0
  user-error  exit 1 with exactly one line on stderr starting "tessera: error:"
  BAD-*       anything else: internal error (exit 2), signal, time-out, a
              multi-line or malformed error, or a sanitizer report

Prints the counts by outcome and command, writes WORK_DIR/summary.json and
keeps every BAD model under WORK_DIR/bad/. Exit status 1 when any is BAD.
Deterministic for a given --seed.
"""
import argparse
import collections
import concurrent.futures
import json
import math
import os
import random
import shutil
import subprocess
import sys

import warnings

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

BIG_DIMS = [2**31 - 1, 2**31, 2**32, 2**32 + 1, 2**62, 2**63 - 1, -1, -(2**63), 0]
BIG_INTS = [2**31, 2**32, 2**62, 2**63 - 1, -(2**63), -1, 0, 10**6]
FLOATS = [float("nan"), float("inf"), -float("inf"), 1e308, -1e308, 0.0]


def small_models(out_dir):
    """A few hand-made graphs covering the op families mutations poke at."""
    paths = []
    rng = np.random.default_rng(0)

    def save(name, nodes, inputs, outputs, inits):
        g = helper.make_graph(nodes, name, inputs, outputs, inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
        p = os.path.join(out_dir, name + ".onnx")
        onnx.save(m, p)
        paths.append(p)

    f = TensorProto.FLOAT
    w = numpy_helper.from_array(rng.standard_normal((8, 4)).astype(np.float32), "w")
    save("matmul", [helper.make_node("MatMul", ["x", "w"], ["y"], name="mm"),
                    helper.make_node("Relu", ["y"], ["z"], name="relu")],
         [helper.make_tensor_value_info("x", f, [2, 8])], [helper.make_tensor_value_info("z", f, [2, 4])], [w])
    k = numpy_helper.from_array(rng.standard_normal((4, 3, 3, 3)).astype(np.float32), "k")
    save("conv", [helper.make_node("Conv", ["x", "k"], ["y"], pads=[1, 1, 1, 1], strides=[1, 1], name="conv"),
                  helper.make_node("MaxPool", ["y"], ["p"], kernel_shape=[2, 2], strides=[2, 2], name="pool"),
                  helper.make_node("GlobalAveragePool", ["p"], ["z"], name="gap")],
         [helper.make_tensor_value_info("x", f, [1, 3, 8, 8])], [helper.make_tensor_value_info("z", f, [1, 4, 1, 1])],
         [k])
    table = numpy_helper.from_array(rng.standard_normal((10, 4)).astype(np.float32), "table")
    shape = numpy_helper.from_array(np.array([2, 12], dtype=np.int64), "shape")
    save("gather", [helper.make_node("Gather", ["table", "idx"], ["e"], axis=0, name="gather"),
                    helper.make_node("Reshape", ["e", "shape"], ["r"], name="reshape"),
                    helper.make_node("Softmax", ["r"], ["s"], axis=-1, name="softmax"),
                    helper.make_node("ReduceMean", ["s"], ["m"], axes=[1], keepdims=1, name="mean")],
         [helper.make_tensor_value_info("idx", TensorProto.INT64, [2, 3])],
         [helper.make_tensor_value_info("m", f, [2, 1])], [table, shape])
    save("elementwise", [helper.make_node("Add", ["a", "b"], ["c"], name="add"),
                         helper.make_node("Transpose", ["c"], ["t"], perm=[1, 0], name="tr"),
                         helper.make_node("Concat", ["t", "t"], ["cc"], axis=0, name="cat"),
                         helper.make_node("Slice", ["cc", "st", "en"], ["sl"], name="slice")],
         [helper.make_tensor_value_info("a", f, [3, 4]), helper.make_tensor_value_info("b", f, [1, 4])],
         [helper.make_tensor_value_info("sl", f, [4, 3])],
         [numpy_helper.from_array(np.array([0], dtype=np.int64), "st"),
          numpy_helper.from_array(np.array([4], dtype=np.int64), "en")])
    return paths


def zoo_models(bin_path, out_dir):
    paths = []
    small = [("mlp", ["widths=16-32-8", "batch=2"]),
             ("gpt2", ["layers=1", "seq=8", "d_model=32", "heads=2", "vocab=50", "positions=16"]),
             ("bert", ["layers=1", "seq=8", "d_model=32", "heads=2", "ff=64", "vocab=50", "positions=16"]),
             ("lstm", ["vocab=50", "hidden=16", "layers=1", "seq=4", "batch=2"]),
             ("resnet", ["depth=18", "image=32", "classes=10"]),
             ("vit", ["image=32", "patch=8", "d_model=32", "heads=2", "layers=1", "mlp=64", "classes=10"])]
    for name, sets in small:
        p = os.path.join(out_dir, f"zoo_{name}.onnx")
        cmd = [bin_path, "zoo", "export", name, "-o", p] + [a for s in sets for a in ("--set", s)]
        if subprocess.run(cmd, capture_output=True).returncode == 0:
            paths.append(p)
    return paths


def mutate_structured(model, rng):
    """One structured edit; returns a description."""
    g = model.graph
    choices = []
    if g.initializer:
        choices += ["init_dims", "init_type", "init_truncate", "init_external", "init_as_output"]
    if g.input:
        choices += ["input_dims", "input_type", "drop_input"]
    if g.node:
        choices += ["attr_int", "attr_float", "extra_output", "drop_node", "swap_input", "op_type", "dup_output"]
    choices += ["opset", "output_name"]
    what = rng.choice(choices)
    if what == "init_dims":
        t = rng.choice(g.initializer)
        if t.dims:
            t.dims[rng.randrange(len(t.dims))] = rng.choice(BIG_DIMS)
        else:
            t.dims.append(rng.choice(BIG_DIMS))
    elif what == "init_type":
        rng.choice(g.initializer).data_type = rng.choice([0, 2, 3, 4, 5, 8, 10, 12, 14, 16, 99, -3])
    elif what == "init_truncate":
        t = rng.choice(g.initializer)
        t.raw_data = t.raw_data[: rng.randrange(len(t.raw_data) + 1)] if t.raw_data else b"\x01"
    elif what == "init_external":
        t = rng.choice(g.initializer)
        t.ClearField("raw_data")
        t.data_location = TensorProto.EXTERNAL
        del t.external_data[:]
        loc = rng.choice(["/etc/passwd", "../../etc/hostname", "missing.bin", "", "a/../../x", "/dev/zero"])
        t.external_data.add(key="location", value=loc)
        if rng.random() < 0.5:
            t.external_data.add(key="offset", value=str(rng.choice(BIG_INTS)))
        if rng.random() < 0.5:
            t.external_data.add(key="length", value=rng.choice(["-5", "x", str(2**63 - 1), "0"]))
    elif what == "init_as_output":
        t = rng.choice(g.initializer)
        g.output.append(helper.make_tensor_value_info(t.name, t.data_type, list(t.dims)))
    elif what == "input_dims":
        i = rng.choice(g.input)
        dims = i.type.tensor_type.shape.dim
        if dims:
            dims[rng.randrange(len(dims))].dim_value = rng.choice([d for d in BIG_DIMS if d >= 0] + [2**40])
    elif what == "input_type":
        rng.choice(g.input).type.tensor_type.elem_type = rng.choice([0, 2, 5, 10, 11, 16, 99])
    elif what == "drop_input":
        del g.input[rng.randrange(len(g.input))]
    elif what == "attr_int":
        n = rng.choice(g.node)
        name = rng.choice(["axis", "axes", "perm", "pads", "strides", "kernel_shape", "group", "keepdims", "dilations"])
        v = rng.choice(BIG_INTS)
        n.attribute.append(helper.make_attribute(name, [v, v] if name in ("perm", "pads", "strides", "axes") else v))
    elif what == "attr_float":
        n = rng.choice(g.node)
        name = rng.choice(["axis", "alpha", "epsilon", "group", "keepdims"])
        del_idx = [k for k, a in enumerate(n.attribute) if a.name == name]
        for k in reversed(del_idx):
            del n.attribute[k]
        n.attribute.append(helper.make_attribute(name, rng.choice(FLOATS)))
    elif what == "extra_output":
        n = rng.choice(g.node)
        n.output.append(f"extra_{rng.randrange(1000)}")
        if rng.random() < 0.5:
            g.output.append(helper.make_tensor_value_info(n.output[-1], TensorProto.FLOAT, None))
    elif what == "drop_node":
        del g.node[rng.randrange(len(g.node))]
    elif what == "swap_input":
        n = rng.choice(g.node)
        names = [v for m in g.node for v in m.output] + [i.name for i in g.input] + [t.name for t in g.initializer]
        if n.input:
            n.input[rng.randrange(len(n.input))] = rng.choice(names + ["", "nope"])
    elif what == "op_type":
        rng.choice(g.node).op_type = rng.choice(["Conv", "MatMul", "Gather", "Reshape", "Expand", "Tile", "Pad",
                                                 "Range", "ConstantOfShape", "TopK", "Split", "Resize", "Einsum"])
    elif what == "dup_output":
        n = rng.choice(g.node)
        n.output[0] = g.node[0].output[0]
    elif what == "opset":
        model.opset_import[0].version = rng.choice([0, 1, 6, 7, 13, 18, 99, -1])
    elif what == "output_name":
        if g.output:
            g.output[0].name = rng.choice(["a/b", "../x", "", "con", "nope", "\u00e9\u00e9"])
    return what


def mutate_bytes(data, rng):
    b = bytearray(data)
    what = rng.choice(["flip", "truncate", "insert", "splice_varint"])
    if what == "flip":
        for _ in range(rng.randrange(1, 9)):
            if b:
                b[rng.randrange(len(b))] = rng.randrange(256)
    elif what == "truncate":
        b = b[: rng.randrange(len(b) + 1)]
    elif what == "insert":
        pos = rng.randrange(len(b) + 1)
        b[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 16)))
    else:  # a huge varint where a length or dim may sit
        pos = rng.randrange(len(b) + 1)
        b[pos:pos] = b"\xff\xff\xff\xff\xff\xff\xff\xff\x7f"
    return bytes(b), what


NP_TYPES = {TensorProto.FLOAT: np.float32, TensorProto.DOUBLE: np.float64, TensorProto.INT64: np.int64,
            TensorProto.INT32: np.int32, TensorProto.BOOL: np.bool_, TensorProto.UINT8: np.uint8}


def random_inputs(model_path, rng):
    """--input flags with random tensors for the declared inputs, when they are plain and small."""
    try:
        model = onnx.load(model_path)
    except Exception:
        return []
    inits = {t.name for t in model.graph.initializer}
    flags = []
    for k, vi in enumerate(model.graph.input):
        if vi.name in inits:
            continue
        tt = vi.type.tensor_type
        dims = [d.dim_value if d.HasField("dim_value") else -1 for d in tt.shape.dim]
        if tt.elem_type not in NP_TYPES or any(d < 0 for d in dims) or math.prod(dims) > 1 << 20:
            return flags
        dtype = NP_TYPES[tt.elem_type]
        if np.issubdtype(dtype, np.integer):
            data = np.array([rng.randrange(0, 3) for _ in range(math.prod(dims))], dtype=dtype).reshape(dims)
        else:
            data = np.array([rng.uniform(-1, 1) for _ in range(math.prod(dims))], dtype=dtype).reshape(dims)
        path = f"{model_path}.in{k}.npy"
        np.save(path, data)
        flags += ["--input", f"{vi.name}={path}"]
    return flags


def run_one(bin_path, model_path, command, out_dir, timeout):
    if command == "info":
        cmd = [bin_path, "info", model_path]
    elif command == "run":
        cmd = [bin_path, "run", model_path, "--output-dir", out_dir] + random_inputs(model_path, random.Random(model_path))
    else:
        cmd = [bin_path, "sim", model_path, "--arch", "plasticine", "--out", out_dir]
    env = dict(os.environ, ASAN_OPTIONS="halt_on_error=1:detect_leaks=0", UBSAN_OPTIONS="halt_on_error=1")
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return "BAD-timeout", ""
    err = p.stderr.decode("utf-8", "replace")
    if "Sanitizer" in err or "runtime error:" in err:
        return "BAD-sanitizer", err[:2000]
    if p.returncode == 0:
        return "ok", ""
    if p.returncode == 1:
        lines = err.splitlines()
        if len(lines) == 1 and lines[0].startswith("tessera: error: "):
            return "user-error", lines[0][len("tessera: error: "):]
        return "BAD-error-format", err[:2000]
    if p.returncode == 2:
        return "BAD-internal", err[:2000]
    if p.returncode < 0:
        return f"BAD-signal-{-p.returncode}", err[:2000]
    return f"BAD-exit-{p.returncode}", err[:2000]


def main():
    warnings.simplefilter("ignore")
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("bin")
    ap.add_argument("work")
    ap.add_argument("--count", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--commands", default="info,run,sim")
    a = ap.parse_args()
    bin_path = os.path.abspath(a.bin)
    shutil.rmtree(a.work, ignore_errors=True)
    seeds_dir = os.path.join(a.work, "seeds")
    os.makedirs(seeds_dir)
    seeds = small_models(seeds_dir) + zoo_models(bin_path, seeds_dir)
    rng = random.Random(a.seed)
    models_dir = os.path.join(a.work, "models")
    os.makedirs(models_dir)
    cases = []
    for i in range(a.count):
        seed_path = rng.choice(seeds)
        path = os.path.join(models_dir, f"m{i:05d}.onnx")
        with open(seed_path, "rb") as f:
            data = f.read()
        if i % 2 == 0:
            model = onnx.load_from_string(data)
            kinds = [mutate_structured(model, rng) for _ in range(rng.randrange(1, 4))]
            data = model.SerializeToString()
            kind = "structured:" + "+".join(kinds)
        else:
            data, k = mutate_bytes(data, rng)
            kind = "bytes:" + k
        with open(path, "wb") as f:
            f.write(data)
        cases.append((path, kind))

    commands = a.commands.split(",")
    counts = collections.Counter()
    by_command = collections.defaultdict(collections.Counter)
    bad = []
    messages = collections.Counter()
    jobs = [(path, kind, cmd) for path, kind in cases for cmd in commands]

    def work(job):
        path, kind, cmd = job
        out = path + "." + cmd + ".out"
        outcome, detail = run_one(bin_path, path, cmd, out, a.timeout)
        shutil.rmtree(out, ignore_errors=True)
        return path, kind, cmd, outcome, detail

    done = 0
    with concurrent.futures.ThreadPoolExecutor(a.jobs) as pool:
        for path, kind, cmd, outcome, detail in pool.map(work, jobs):
            counts[outcome] += 1
            by_command[cmd][outcome] += 1
            if outcome == "user-error":
                messages[" ".join(detail.replace(path, "MODEL").split()[:6])] += 1
            if outcome.startswith("BAD"):
                bad.append({"model": path, "mutation": kind, "command": cmd, "outcome": outcome, "stderr": detail})
            done += 1
            if sys.stderr.isatty() and done % 50 == 0:
                print(f"\r{done}/{len(jobs)}", end="", file=sys.stderr, flush=True)
    if sys.stderr.isatty():
        print("", file=sys.stderr)
    bad_dir = os.path.join(a.work, "bad")
    os.makedirs(bad_dir, exist_ok=True)
    for b in bad:
        shutil.copy(b["model"], bad_dir)
    summary = {"models": len(cases), "runs": len(jobs), "outcomes": dict(counts),
               "by_command": {k: dict(v) for k, v in by_command.items()},
               "user_errors_by_opening_words": dict(messages.most_common()), "bad": bad}
    with open(os.path.join(a.work, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    print(f"mutation run: {len(cases)} models x {len(commands)} commands = {len(jobs)} runs (seed {a.seed})")
    for cmd in commands:
        print(f"  {cmd:5} " + ", ".join(f"{k} {v}" for k, v in sorted(by_command[cmd].items())))
    print("  total " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    for b in bad[:20]:
        print(f"  {b['outcome']}: {b['command']} {b['model']} ({b['mutation']}): {b['stderr'][:200]!r}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
