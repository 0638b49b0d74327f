#!/usr/bin/python3
"""PyTorch training references for `tessera train` (tests/models/train_torch_test.py).

Usage: /usr/bin/python3 scripts/gen_train_refs.py OUT_DIR

Writes
  OUT_DIR/data/{x,y}_{train,test}.npy   a deterministic synthetic 10-class set:
                                        256 training and 128 test images 1x12x12
                                        (class prototypes + noise, learnable, no
                                        dependency on a dataset package)
  OUT_DIR/<model>/model.onnx            the initial model, batch = 256 (one batch
                                        is the whole training set, so each epoch
                                        is exactly one step and shuffling does not
                                        matter), opset 17, initializer names kept
  OUT_DIR/<model>/<case>.json           torch.optim's run from those weights:
                                        {"model", "case", "args": [tessera train
                                        flags], "steps", "batch", "losses": [loss
                                        at each step, before its update],
                                        "test_losses", "test_accuracies": [after
                                        each step, eval mode], "clipped_steps",
                                        "torch": version}
  OUT_DIR/manifest.json                 {"batch", "steps", "n_test", "data",
                                        "cases": [{model, case, file}]}

Models: `mlp` (Flatten, 144-64-10 with ReLU), `cnn` (conv3x3-BatchNorm-ReLU-
maxpool, conv3x3-ReLU-maxpool, flatten, linear) and `cnn_tied` (the same CNN,
two cases only). The CNN trains in train mode,
so BatchNorm normalises with the batch's statistics and updates its running
statistics, which the test loss (eval mode) then reads. `cnn` starts from
random running statistics; `cnn_tied` from fresh ones (mean 0, var 1), which
the exporter merges with the BatchNorm's equal-valued weight and bias (see
MODELS), the file a user gets by exporting an untrained model.

Export: the model is in eval mode but exported with TrainingMode.PRESERVE and
do_constant_folding=False. TrainingMode.EVAL runs torch.onnx's eval peephole
pass, which folds a BatchNorm into the preceding Conv whatever
do_constant_folding says; PRESERVE with an eval-mode model skips that pass and
keeps a BatchNormalization node (inference form, running statistics as
initializers). The script checks that the node is there.

Cases (20 full-batch steps each): SGD momentum 0.9 (lr 0.05), SGD Nesterov +
weight decay 1e-4, AdamW (lr 1e-3, wd 1e-2), AdamW + clip_grad_norm_(1.0), and
SGD momentum + clip_grad_norm_(0.25) (clipping on at every step). Each case's
json also records how many steps clipping was on.
Everything is seeded and runs on one thread; the whole script takes seconds.
"""

import json
import os
import sys
import warnings

import numpy as np
import onnx
import torch
from torch import nn
import torch.nn.functional as F

warnings.filterwarnings("ignore")  # exporter chatter

N_TRAIN, N_TEST, CLASSES, SIDE = 256, 128, 10, 12
STEPS = 20
BATCH = N_TRAIN

# name -> (torch.optim factory, tessera train flags, clip norm or None)
CASES = {
    "sgd_momentum": (lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9),
                     ["--optimizer", "sgd", "--lr", "0.05", "--momentum", "0.9"], None),
    "sgd_nesterov_wd": (lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-4),
                        ["--optimizer", "sgd", "--lr", "0.05", "--momentum", "0.9", "--nesterov",
                         "--weight-decay", "0.0001"], None),
    "adamw": (lambda p: torch.optim.AdamW(p, lr=1e-3, weight_decay=1e-2),
              ["--optimizer", "adamw", "--lr", "0.001", "--weight-decay", "0.01"], None),
    "adamw_clip": (lambda p: torch.optim.AdamW(p, lr=1e-3, weight_decay=1e-2),
                   ["--optimizer", "adamw", "--lr", "0.001", "--weight-decay", "0.01", "--clip-norm", "1.0"], 1.0),
    # Adam hardly notices clipping (it is nearly invariant to the gradient's scale, and the norms here are
    # mostly below 1), so clipping is also checked where it changes every step.
    "sgd_clip": (lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9),
                 ["--optimizer", "sgd", "--lr", "0.05", "--momentum", "0.9", "--clip-norm", "0.25"], 0.25),
}


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(SIDE * SIDE, 64)
        self.fc2 = nn.Linear(64, CLASSES)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(self.flatten(x))))


class Cnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.fc = nn.Linear(16 * (SIDE // 4) ** 2, CLASSES)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc(torch.flatten(x, 1))


# name -> (module, fresh BatchNorm statistics?, cases). `cnn_tied` is the CNN as
# a user would export it before training: the exporter deduplicates equal
# initializers in eval mode, so the fresh BatchNorm's running_var (ones) and
# running_mean (zeros) arrive as Identity of its weight and bias, one tensor each.
MODELS = {
    "mlp": (Mlp, False, list(CASES)),
    "cnn": (Cnn, False, list(CASES)),
    "cnn_tied": (Cnn, True, ["sgd_momentum", "adamw"]),
}


def make_data():
    """Class prototypes plus noise: separable enough to learn, noisy enough not to be trivial."""
    rng = np.random.default_rng(20240611)
    protos = rng.normal(0.0, 1.0, (CLASSES, 1, SIDE, SIDE)).astype(np.float32)

    def split(n):
        y = rng.integers(0, CLASSES, n).astype(np.int64)
        x = (0.4 * protos[y] + rng.normal(0.0, 1.0, (n, 1, SIDE, SIDE))).astype(np.float32)
        return x, y

    x_train, y_train = split(N_TRAIN)
    x_test, y_test = split(N_TEST)
    return x_train, y_train, x_test, y_test


def randomise_batch_stats(model):
    """Running statistics other than the fresh 0 and 1: the initial values then
    matter for the test loss, and the exporter cannot merge them with a BatchNorm's
    equal-valued weight and bias (it deduplicates initializers by value in eval
    mode, leaving `running_var = Identity(weight)`)."""
    g = torch.Generator().manual_seed(99)
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.running_mean.copy_(0.2 * torch.randn(m.running_mean.shape, generator=g))
            m.running_var.copy_(0.5 + torch.rand(m.running_var.shape, generator=g))


def export(model, path, tied):
    model.eval()
    torch.onnx.export(model, torch.zeros(BATCH, 1, SIDE, SIDE), path, opset_version=17,
                      do_constant_folding=False, training=torch.onnx.TrainingMode.PRESERVE,
                      input_names=["image"], output_names=["logits"])
    g = onnx.load(path).graph
    ops = [n.op_type for n in g.node]
    bns = sum(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.modules())
    if ops.count("BatchNormalization") != bns:
        sys.exit(f"gen_train_refs: {path} has {ops.count('BatchNormalization')} BatchNormalization nodes, "
                 f"expected {bns} (folded into a Conv?): {ops}")
    names = {i.name for i in g.initializer}
    missing = sorted(k for k in model.state_dict() if "num_batches_tracked" not in k and k not in names)
    expected = sorted(k for k in model.state_dict() if tied and "running_" in k)
    if missing != expected:
        sys.exit(f"gen_train_refs: {path} lacks initializers {missing}, expected to lack {expected}")


def evaluate(model, x, y):
    model.eval()
    with torch.no_grad():
        logits = model(x)
        loss = F.cross_entropy(logits, y).item()
        acc = (logits.argmax(1) == y).double().mean().item()
    model.train()
    return loss, acc


def run_case(model, opt_factory, clip, data):
    x, y, xt, yt = data
    opt = opt_factory(model.parameters())
    model.train()
    losses, test_losses, test_accs, clipped = [], [], [], 0
    for _ in range(STEPS):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        if clip is not None:
            clipped += torch.nn.utils.clip_grad_norm_(model.parameters(), clip).item() > clip
        opt.step()
        losses.append(loss.item())
        tl, ta = evaluate(model, xt, yt)
        test_losses.append(tl)
        test_accs.append(ta)
    return losses, test_losses, test_accs, clipped


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    torch.set_num_threads(1)
    data_dir = os.path.join(out, "data")
    os.makedirs(data_dir, exist_ok=True)
    arrays = make_data()
    for name, a in zip(["x_train", "y_train", "x_test", "y_test"], arrays):
        np.save(os.path.join(data_dir, name + ".npy"), a)
    data = tuple(torch.from_numpy(a) for a in arrays)

    manifest = {"batch": BATCH, "steps": STEPS, "n_test": N_TEST, "data": "data", "cases": []}
    for mname, (cls, tied, cases) in MODELS.items():
        mdir = os.path.join(out, mname)
        os.makedirs(mdir, exist_ok=True)
        torch.manual_seed(1234)
        initial = cls()
        if not tied:
            randomise_batch_stats(initial)
        export(initial, os.path.join(mdir, "model.onnx"), tied)
        state = {k: v.clone() for k, v in initial.state_dict().items()}
        for cname in cases:
            factory, args, clip = CASES[cname]
            model = cls()
            model.load_state_dict(state)
            losses, test_losses, test_accs, clipped = run_case(model, factory, clip, data)
            ref = {"model": mname, "case": cname, "args": args, "steps": STEPS, "batch": BATCH,
                   "losses": losses, "test_losses": test_losses, "test_accuracies": test_accs,
                   "clipped_steps": clipped, "torch": torch.__version__}
            with open(os.path.join(mdir, cname + ".json"), "w") as f:
                json.dump(ref, f, indent=1)
            manifest["cases"].append({"model": mname, "case": cname, "file": f"{mname}/{cname}.json"})
            print(f"gen_train_refs: {mname}/{cname}: loss {losses[0]:.4f} -> {losses[-1]:.4f}, "
                  f"test accuracy {test_accs[-1]:.3f}")
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)


if __name__ == "__main__":
    main()
