#!/usr/bin/python3
"""Exports the real-model test set with torch.onnx.export.

Usage: /usr/bin/python3 scripts/gen_models.py OUT_DIR [--only NAME[,NAME...]] [--opsets 13,17]

For every model and opset writes OUT_DIR/<name>_op<N>/:
  model.onnx          eval mode, fixed shapes, do_constant_folding=True
  input_<k>.npy       fixed-seed inputs
  output_<k>.npy      PyTorch's own outputs for those inputs (the reference)
  meta.json           {"model", "opset", "inputs": [{name, file, dtype, shape}],
                       "outputs": [{name, file, dtype, shape}], "torch": version,
                       "grads": see below}
Weights are random (fixed seeds); BatchNorm running statistics are randomised
too so that folded BatchNorms are not identities. A model that fails to export
at an opset is reported and skipped (the run still fails at the end, so a
missing file is never silent).

Gradient references (for `tessera grad`), from torch.autograd in float64 on the
same eval-mode model and inputs, saved as float32:
  output_grad_<k>.npy      upstream gradient of float output k (standard normal, seed GRAD_SEED)
  grad_input_<k>.npy       d sum_k <output_k, upstream_k> / d input k, for float inputs
  grad_param_<j>.npy       the same w.r.t. an initializer of model.onnx
  model_train.onnx         see below; grad_train_param_<j>.npy are its references
  meta.json "grads":       {"upstream": [{name, file}], "inputs": [{name, file}],
                            "parameters": {initializer: file}, "unmatched_initializers": [names],
                            "sources": {initializer: [torch slots summed into it]},
                            "torch_float32_error": {input or initializer: max|torch float32
                                                    gradient - reference| / max|reference|},
                            "model_train": {"file", "export", "parameters", "unmatched_initializers",
                                            "sources", "torch_float32_error"}
                                           (only where model_train.onnx is written)}
torch_float32_error says how far a float32 run may fairly be: about 1e-6
almost everywhere, but 3e-2 on resnet18, where one ReLU input in layer1.0 is
-2.6e-7 and float32 rounds it positive (the gradient is discontinuous there).
An initializer of model.onnx gets a reference when it stands for torch tensors
(parameters or float buffers, untied per module) by name -- its own or that of
an Identity the exporter's deduplication left for a merged copy; the reference
then sums their gradients -- or else by value, equal, transposed (folded Linear
weights, onnx::MatMul_N) or with unit axes added, when the initializer and the
tensor are each other's only candidate. Where any match is by value, the
matches are checked by re-exporting with the matched tensors moved by a random
step: each matched initializer must move by exactly that step and no other one
may move (names need no check: they are the exporter's own). What is
left (Conv+BatchNorm folded by the eval export, LSTM weights reordered into
gates) has no torch gradient and is listed in "unmatched_initializers".

model_train.onnx: where model.onnx has unmatched initializers (the BatchNorm
CNNs and the LSTM), the same eval-mode model is exported once more with
TrainingMode.PRESERVE and do_constant_folding=False. PRESERVE skips the eval
peephole that folds BatchNorm into Conv (the nodes stay BatchNormalization with
training_mode=0, i.e. inference), and no folding leaves every initializer a
torch parameter or buffer under its own name, so all of them get a reference,
running statistics included (autograd reaches them through BatchNorm written
out). This is the direct comparison for those models; model.onnx itself is
unchanged, since the other suites compare it with output_<k>.npy. Written for
the newest opset of the run only (17 by default), to keep time and disk down.
"""

import argparse
import copy
import io
import json
import math
import os
import shutil
import sys
import time
import warnings

import numpy as np
import onnx
import onnx.numpy_helper
import torch
from torch import nn
import torch.nn.functional as F
import torchvision

warnings.filterwarnings("ignore")  # exporter chatter (TracerWarning, UserWarning)

DEFAULT_OPSETS = (13, 17)


# ---------------------------------------------------------------- models ---

class CausalSelfAttention(nn.Module):
    def __init__(self, d_model, heads, seq):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.proj = nn.Linear(d_model, d_model)
        self.register_buffer("mask", torch.tril(torch.ones(seq, seq, dtype=torch.bool)))

    def forward(self, x):
        b, t, c = x.shape
        q, k, v = self.qkv(x).split(c, dim=2)
        hd = c // self.heads
        q = q.view(b, t, self.heads, hd).transpose(1, 2)
        k = k.view(b, t, self.heads, hd).transpose(1, 2)
        v = v.view(b, t, self.heads, hd).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hd))
        att = att.masked_fill(~self.mask[:t, :t], float("-inf"))
        att = F.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).reshape(b, t, c)
        return self.proj(y)


class DecoderBlock(nn.Module):
    def __init__(self, d_model, heads, seq):
        super().__init__()
        self.ln1 = nn.LayerNorm(d_model)
        self.attn = CausalSelfAttention(d_model, heads, seq)
        self.ln2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, 4 * d_model), nn.GELU(),
                                 nn.Linear(4 * d_model, d_model))

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class GPT(nn.Module):
    """GPT-2-style decoder: token + learned position embeddings, pre-LN blocks, tied LM head."""

    def __init__(self, vocab=512, d_model=128, heads=4, layers=2, seq=32):
        super().__init__()
        self.tok = nn.Embedding(vocab, d_model)
        self.pos = nn.Embedding(seq, d_model)
        self.blocks = nn.Sequential(*[DecoderBlock(d_model, heads, seq) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab, bias=False)
        self.head.weight = self.tok.weight  # tied

    def forward(self, ids):
        t = ids.shape[1]
        pos = torch.arange(t, dtype=torch.long, device=ids.device)
        x = self.tok(ids) + self.pos(pos)[None]
        return self.head(self.ln_f(self.blocks(x)))


class MixerBlock(nn.Module):
    def __init__(self, tokens, channels, token_hidden, channel_hidden):
        super().__init__()
        self.ln1 = nn.LayerNorm(channels)
        self.token_mlp = nn.Sequential(nn.Linear(tokens, token_hidden), nn.GELU(),
                                       nn.Linear(token_hidden, tokens))
        self.ln2 = nn.LayerNorm(channels)
        self.channel_mlp = nn.Sequential(nn.Linear(channels, channel_hidden), nn.GELU(),
                                         nn.Linear(channel_hidden, channels))

    def forward(self, x):  # x: [B, tokens, channels]
        x = x + self.token_mlp(self.ln1(x).transpose(1, 2)).transpose(1, 2)
        return x + self.channel_mlp(self.ln2(x))


class MLPMixer(nn.Module):
    def __init__(self, image=64, patch=8, channels=128, layers=2, classes=10):
        super().__init__()
        tokens = (image // patch) ** 2
        self.stem = nn.Conv2d(3, channels, kernel_size=patch, stride=patch)
        self.blocks = nn.Sequential(*[MixerBlock(tokens, channels, 64, 256) for _ in range(layers)])
        self.ln = nn.LayerNorm(channels)
        self.head = nn.Linear(channels, classes)

    def forward(self, x):
        x = self.stem(x).flatten(2).transpose(1, 2)
        x = self.ln(self.blocks(x))
        return self.head(x.mean(dim=1))


class DLRM(nn.Module):
    """DLRM-style recommender: bottom MLP, embedding tables, pairwise dot interaction, top MLP."""

    def __init__(self, dense=13, dim=16, table_rows=(100, 200, 50, 300), hot=3):
        super().__init__()
        self.bottom = nn.Sequential(nn.Linear(dense, 64), nn.ReLU(), nn.Linear(64, dim), nn.ReLU())
        self.tables = nn.ModuleList([nn.Embedding(rows, dim) for rows in table_rows])
        features = len(table_rows) + 1
        li, lj = torch.triu_indices(features, features, offset=1)
        self.register_buffer("pair_index", li * features + lj)
        self.top = nn.Sequential(nn.Linear(dim + len(li), 64), nn.ReLU(), nn.Linear(64, 1))

    def forward(self, dense, *sparse):
        x = self.bottom(dense)
        # Embedding + sum over the multi-hot axis (what EmbeddingBag(mode="sum") computes).
        feats = [x] + [table(ids).sum(dim=1) for table, ids in zip(self.tables, sparse)]
        z = torch.stack(feats, dim=1)                  # [B, F, dim]
        inter = torch.bmm(z, z.transpose(1, 2))        # [B, F, F]
        pairs = inter.flatten(1).index_select(1, self.pair_index)  # upper triangle
        return torch.sigmoid(self.top(torch.cat([x, pairs], dim=1)))


def conv_bn_relu(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout),
                         nn.ReLU(inplace=True))


class UNet(nn.Module):
    def __init__(self, cin=3, classes=2, width=16):
        super().__init__()
        w = width
        self.enc1 = nn.Sequential(conv_bn_relu(cin, w), conv_bn_relu(w, w))
        self.enc2 = nn.Sequential(conv_bn_relu(w, 2 * w), conv_bn_relu(2 * w, 2 * w))
        self.mid = nn.Sequential(conv_bn_relu(2 * w, 4 * w), conv_bn_relu(4 * w, 4 * w))
        self.pool = nn.MaxPool2d(2)
        self.up2 = nn.ConvTranspose2d(4 * w, 2 * w, 2, stride=2)
        self.dec2 = nn.Sequential(conv_bn_relu(4 * w, 2 * w), conv_bn_relu(2 * w, 2 * w))
        self.up1 = nn.ConvTranspose2d(2 * w, w, 2, stride=2)
        self.dec1 = nn.Sequential(conv_bn_relu(2 * w, w), conv_bn_relu(w, w))
        self.out = nn.Conv2d(w, classes, 1)

    def forward(self, x):
        e1 = self.enc1(x)
        e2 = self.enc2(self.pool(e1))
        m = self.mid(self.pool(e2))
        d2 = self.dec2(torch.cat([self.up2(m), e2], dim=1))
        d1 = self.dec1(torch.cat([self.up1(d2), e1], dim=1))
        return self.out(d1)


class LSTMLanguageModel(nn.Module):
    def __init__(self, vocab=256, embed=64, hidden=128, layers=2):
        super().__init__()
        self.embed = nn.Embedding(vocab, embed)
        self.lstm = nn.LSTM(embed, hidden, num_layers=layers)  # [seq, batch, feature]
        self.head = nn.Linear(hidden, vocab)

    def forward(self, ids):
        y, _ = self.lstm(self.embed(ids))
        return self.head(y)


# ------------------------------------------------------------- the set ---

def _image(shape, rng):
    return [rng.standard_normal(shape).astype(np.float32)]


def _ids(shape, vocab, rng):
    return [rng.integers(0, vocab, size=shape, dtype=np.int64)]


def _dlrm_inputs(rng):
    dense = rng.standard_normal((4, 13)).astype(np.float32)
    sparse = [rng.integers(0, rows, size=(4, 3), dtype=np.int64) for rows in (100, 200, 50, 300)]
    return [dense] + sparse


def _vit():
    vit = torchvision.models.VisionTransformer(image_size=64, patch_size=16, num_layers=2,
                                               num_heads=4, hidden_dim=128, mlp_dim=256,
                                               num_classes=10)
    # torchvision zero-initialises the head and the class token, which would
    # make the logits all zero (a test that cannot fail).
    with torch.no_grad():
        nn.init.normal_(vit.heads.head.weight, std=0.1)
        nn.init.normal_(vit.heads.head.bias, std=0.1)
        nn.init.normal_(vit.class_token, std=0.1)
    return vit


# name -> (constructor, input maker(rng), input names, output names)
MODELS = {
    "gpt": (GPT, lambda rng: _ids((1, 32), 512, rng), ["ids"], ["logits"]),
    "resnet18": (lambda: torchvision.models.resnet18(weights=None),
                 lambda rng: _image((1, 3, 224, 224), rng), ["image"], ["logits"]),
    "mobilenet_v2": (lambda: torchvision.models.mobilenet_v2(weights=None),
                     lambda rng: _image((1, 3, 160, 160), rng), ["image"], ["logits"]),
    # Squeeze-excitation and GlobalAveragePool over 112x112 maps: long
    # reductions that must be tiled on the chip (issue 9).
    "efficientnet_b0": (lambda: torchvision.models.efficientnet_b0(weights=None),
                        lambda rng: _image((1, 3, 224, 224), rng), ["image"], ["logits"]),
    "vit": (_vit, lambda rng: _image((1, 3, 64, 64), rng), ["image"], ["logits"]),
    "mlp_mixer": (MLPMixer, lambda rng: _image((1, 3, 64, 64), rng), ["image"], ["logits"]),
    "dlrm": (DLRM, _dlrm_inputs, ["dense", "sparse_0", "sparse_1", "sparse_2", "sparse_3"],
             ["click_probability"]),
    "unet": (UNet, lambda rng: _image((1, 3, 64, 64), rng), ["image"], ["mask_logits"]),
    "lstm_lm": (LSTMLanguageModel, lambda rng: _ids((16, 2), 256, rng), ["ids"], ["logits"]),
}


def _randomise_batchnorm(model, gen):
    """Gives BatchNorms non-trivial statistics (fresh ones are mean 0, var 1)."""
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            n = m.num_features
            m.running_mean.copy_(0.1 * torch.randn(n, generator=gen))
            m.running_var.copy_(0.5 + torch.rand(n, generator=gen))
            m.weight.data.copy_(1.0 + 0.1 * torch.randn(n, generator=gen))
            m.bias.data.copy_(0.1 * torch.randn(n, generator=gen))


def build(name):
    """Returns (model in eval mode, list of numpy inputs); same seeds every call."""
    make_model, make_inputs, _, _ = MODELS[name]
    torch.manual_seed(0)
    model = make_model()
    with torch.no_grad():
        _randomise_batchnorm(model, torch.Generator().manual_seed(1))
    model.eval()
    inputs = make_inputs(np.random.default_rng(0))
    return model, inputs


def _describe(name, arr, file):
    return {"name": name, "file": file, "dtype": str(arr.dtype), "shape": list(arr.shape)}


def export_one(name, opset, out_dir, train_export=True):
    _, _, input_names, output_names = MODELS[name]
    model, inputs = build(name)
    torch_inputs = tuple(torch.from_numpy(x) for x in inputs)
    with torch.no_grad():
        outputs = model(*torch_inputs)
    outputs = outputs if isinstance(outputs, (tuple, list)) else [outputs]
    outputs = [o.numpy() for o in outputs]
    for k, o in enumerate(outputs):
        if o.dtype.kind == "f" and not (np.all(np.isfinite(o)) and np.std(o) > 0):
            raise ValueError(f"output {k} is constant or not finite: a comparison with it tests nothing")

    model_dir = os.path.join(out_dir, f"{name}_op{opset}")
    if os.path.exists(model_dir):
        shutil.rmtree(model_dir)
    os.makedirs(model_dir)
    torch.onnx.export(model, torch_inputs, os.path.join(model_dir, "model.onnx"),
                      opset_version=opset, do_constant_folding=True,
                      input_names=input_names, output_names=output_names,
                      training=torch.onnx.TrainingMode.EVAL)
    meta = {"model": name, "opset": opset, "torch": torch.__version__, "inputs": [], "outputs": []}
    for k, (n, x) in enumerate(zip(input_names, inputs)):
        np.save(os.path.join(model_dir, f"input_{k}.npy"), x)
        meta["inputs"].append(_describe(n, x, f"input_{k}.npy"))
    for k, (n, y) in enumerate(zip(output_names, outputs)):
        np.save(os.path.join(model_dir, f"output_{k}.npy"), y)
        meta["outputs"].append(_describe(n, y, f"output_{k}.npy"))
    meta["grads"] = write_grads(name, opset, model, inputs, outputs, model_dir, train_export)
    with open(os.path.join(model_dir, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
    return model_dir


# ---------------------------------------------------- gradient references ---
#
# The reference is the gradient of sum_k <output_k, upstream_k> taken by
# torch.autograd on the float64 copy of the eval-mode model at the same inputs.
# ONNX initializers are not torch parameters one to one: constant folding
# transposes Linear weights (onnx::MatMul_N), a tied weight can appear once per
# use, the deduplication pass merges equal-valued parameters into one
# initializer read through Identity nodes named after the others, and
# Conv+BatchNorm folding (eval export) or LSTM gate reordering make new
# tensors. The torch side is therefore untied into one float64 leaf per module
# parameter or float buffer (a "slot", named module.attr), so a tied weight
# gets the gradient of each use separately, and an initializer's gradient is
# the sum over the slots it stands for.

GRAD_SEED = 2          # upstream gradients: np.random.default_rng(GRAD_SEED)
PERTURB_SEED = 3       # the re-export check in _verify_matches
TRAIN_EXPORT = "TrainingMode.PRESERVE (model in eval mode), do_constant_folding=False"
_GRAD_CACHE = {}       # model name -> the last autograd run (reused by the next opset)


class _Slot:
    """One module's own parameter or float buffer: name, module, attribute, float32 value."""

    def __init__(self, name, module, attr, tensor):
        self.name, self.module, self.attr = name, module, attr
        self.obj = tensor                                   # the float32 model's tensor (may be tied)
        self.value = tensor.detach().numpy().copy()


def _slots(model):
    """The slots of `model` in module order. A module reachable twice is refused."""
    slots, seen = [], set()
    for path, mod in model.named_modules(remove_duplicate=False):
        if id(mod) in seen and (mod._parameters or mod._buffers):
            raise ValueError(f"module {path} is shared; gradient references need one path per module")
        seen.add(id(mod))
        tensors = list(mod._parameters.items()) + list(mod._buffers.items())
        for attr, t in tensors:
            if t is not None and t.is_floating_point():
                slots.append(_Slot(f"{path}.{attr}" if path else attr, path, attr, t))
    return slots


def _bn_eval_forward(bn, x):
    """BatchNorm in eval mode written out, so that autograd reaches the running statistics."""
    shape = (1, -1) + (1,) * (x.dim() - 2)
    y = (x - bn.running_mean.view(shape)) / torch.sqrt(bn.running_var.view(shape) + bn.eps)
    return y * bn.weight.view(shape) + bn.bias.view(shape) if bn.affine else y


def _slot_gradients(model, slots, inputs, upstream, dtype=torch.float64):
    """Autograd in `dtype`: (gradient per float input or None, {slot name: gradient}, outputs,
    modules called twice, slots autograd did not reach)."""
    model = copy.deepcopy(model).to(dtype)
    leaves = {}
    mods = dict(model.named_modules())
    for s in slots:
        mod = mods[s.module]
        t = torch.from_numpy(s.value).to(dtype).requires_grad_(True)  # untied: one leaf per slot
        # setattr, not the dicts: modules such as LSTM keep their own list of weights.
        setattr(mod, s.attr, nn.Parameter(t) if s.attr in mod._parameters else t)
        leaves[s.name] = getattr(mod, s.attr)
    calls = {}
    for path, mod in model.named_modules():
        if isinstance(mod, nn.modules.batchnorm._BatchNorm):
            mod.forward = lambda x, bn=mod: _bn_eval_forward(bn, x)
        mod.register_forward_hook(lambda m, i, o, p=path: calls.__setitem__(p, calls.get(p, 0) + 1))
    xs = [torch.from_numpy(x).to(dtype).requires_grad_(True) if x.dtype.kind == "f" else torch.from_numpy(x)
          for x in inputs]
    outs = model(*xs)
    outs = outs if isinstance(outs, (tuple, list)) else [outs]
    loss = sum((o * torch.from_numpy(u).to(dtype)).sum() for o, u in zip(outs, upstream) if u is not None)
    wrt = [x for x in xs if x.requires_grad] + list(leaves.values())
    grads = iter(torch.autograd.grad(loss, wrt, allow_unused=True))
    zero = lambda t, g: torch.zeros_like(t) if g is None else g  # noqa: E731 - unused: gradient 0
    input_grads = [zero(x, next(grads)).numpy() if x.requires_grad else None for x in xs]
    slot_grads = {n: next(grads) for n in leaves}
    unreached = {n for n, g in slot_grads.items() if g is None}  # a match to one of these is refused
    slot_grads = {n: zero(leaves[n], g).detach().numpy() for n, g in slot_grads.items()}
    twice = {p for p, c in calls.items() if c > 1}
    return input_grads, slot_grads, [o.detach().numpy() for o in outs], twice, unreached


def _relation(init, slot):
    """How an initializer's value is a slot's: "same", "transposed" (2-D), "reshaped" (unit axes) or None."""
    if init.size != slot.size:
        return None
    if init.shape == slot.shape and np.array_equal(init, slot):
        return "same"
    if init.ndim == 2 and slot.ndim == 2 and init.shape == slot.shape[::-1] and np.array_equal(init, slot.T):
        return "transposed"
    squeeze = lambda a: a.reshape([d for d in a.shape if d != 1])  # noqa: E731
    if squeeze(init).shape == squeeze(slot).shape and np.array_equal(squeeze(init), squeeze(slot)):
        return "reshaped"
    return None


def _apply(relation, value, shape):
    return value.T if relation == "transposed" else value.reshape(shape)


def _float_initializers(onnx_model):
    """{name: float32 array} in file order, and {name: [names of Identity aliases]}."""
    inits = {i.name: onnx.numpy_helper.to_array(i) for i in onnx_model.graph.initializer
             if i.data_type == onnx.TensorProto.FLOAT}
    root = {n: n for n in inits}
    for node in onnx_model.graph.node:  # the deduplication pass: Identity(kept) -> dropped name
        if node.op_type == "Identity" and node.input[0] in root:
            root[node.output[0]] = root[node.input[0]]
    aliases = {n: [] for n in inits}
    for alias, r in root.items():
        if alias != r:
            aliases[r].append(alias)
    return inits, aliases


def _match(inits, aliases, slots, twice):
    """{initializer: [(slot, relation)]}: by name (the initializer or an Identity alias of it,
    values equal), else by value among the slots no name claimed, kept only when the
    initializer and the slot are each other's only candidate."""
    by_name = {s.name: s for s in slots}
    groups = {}
    for n, v in inits.items():
        named = [by_name[a] for a in [n] + aliases[n] if a in by_name]
        if named and all(_relation(v, s.value) == "same" for s in named):
            groups[n] = [(s, "same") for s in named]
    claimed = {s.name for g in groups.values() for s, _ in g}
    free = [s for s in slots if s.name not in claimed]
    cands = {}
    for n, v in inits.items():
        if n not in groups and not any(a in by_name for a in [n] + aliases[n]):
            lo, hi = v.min(initial=0), v.max(initial=0)
            cands[n] = [(s, r) for s in free if s.value.size == v.size and s.value.min(initial=0) == lo
                        and s.value.max(initial=0) == hi and (r := _relation(v, s.value))]
    uses = {}
    for c in cands.values():
        for s, _ in c:
            uses[s.name] = uses.get(s.name, 0) + 1
    groups.update({n: c for n, c in cands.items() if len(c) == 1 and uses[c[0][0].name] == 1})
    # A module called twice may feed an initializer directly and a folded copy too.
    return {n: groups[n] for n in inits if n in groups and not any(s.module in twice for s, _ in groups[n])}


def _verify_matches(model, export, inits, groups):
    """Re-exports the model with every matched initializer's slots moved by a random
    step and checks the new file: each matched initializer moved by exactly that
    step, every other one unchanged. Catches a slot that also feeds a folded
    initializer, or a match that is a coincidence of values."""
    model = copy.deepcopy(model)  # keeps tied weights tied
    rng = np.random.default_rng(PERTURB_SEED)
    step = {}      # id(tensor) -> step, shared by every slot of one initializer
    for n, g in groups.items():
        shared = next((step[id(s.obj)] for s, _ in g if id(s.obj) in step), None)
        d = shared if shared is not None else (0.01 * rng.standard_normal(g[0][0].value.shape)).astype(np.float32)
        for s, _ in g:
            step.setdefault(id(s.obj), d)
    originals = {id(s.obj): s for g in groups.values() for s, _ in g}
    # deepcopy made new tensors: find them by module path and attribute.
    mods = dict(model.named_modules())
    with torch.no_grad():
        for key, s in originals.items():
            mod = mods[s.module]
            t = mod._parameters.get(s.attr, mod._buffers.get(s.attr))
            t.add_(torch.from_numpy(step[key]))
    new_inits, _ = _float_initializers(export(model))
    bad = []
    for n, v in inits.items():
        if n not in new_inits:
            bad.append(f"{n} is gone")
        elif n in groups:
            s, r = groups[n][0]
            want = _apply(r, s.value + step[id(s.obj)], v.shape)
            if not np.array_equal(new_inits[n], want):
                bad.append(f"{n} did not move with {s.name}")
        elif not np.array_equal(new_inits[n], v):
            bad.append(f"unmatched {n} moved")
    if bad:
        raise ValueError("gradient reference matching is wrong: " + "; ".join(bad[:5]))


def _error_ratio(got, ref):
    """max|got - ref| / max|ref|, rounded for meta.json (null where ref is all zero and got is not)."""
    diff, scale = float(np.abs(got - ref).max(initial=0)), float(np.abs(ref).max(initial=0))
    return float(f"{diff / scale:.3g}") if scale > 0 else (0.0 if diff == 0 else None)


def _param_references(model_dir, prefix, inits, groups, slot_grads, slot_grads32):
    """Writes one gradient file per matched initializer; returns its meta.json entry."""
    entry = {"parameters": {}, "sources": {}, "unmatched_initializers": [n for n in inits if n not in groups],
             "torch_float32_error": {}}
    for k, n in enumerate(n for n in inits if n in groups):
        g = sum(_apply(r, slot_grads[s.name], inits[n].shape) for s, r in groups[n])
        g32 = sum(_apply(r, slot_grads32[s.name], inits[n].shape) for s, r in groups[n])
        file = f"{prefix}_{k}.npy"
        np.save(os.path.join(model_dir, file), g.astype(np.float32))
        entry["parameters"][n] = file
        entry["sources"][n] = [s.name + ("" if r == "same" else f" ({r})") for s, r in groups[n]]
        entry["torch_float32_error"][n] = _error_ratio(g32, g)
    return entry


def _export_bytes(model, torch_inputs, opset, input_names, output_names, training, fold):
    buf = io.BytesIO()
    torch.onnx.export(model, torch_inputs, buf, opset_version=opset, do_constant_folding=fold,
                      input_names=input_names, output_names=output_names, training=training)
    return buf.getvalue()


def _autograd_run(name, model, inputs, outputs):
    """(upstream, float64 run, float32 run) of _slot_gradients; cached for the next opset."""
    if name not in _GRAD_CACHE:  # the same for every opset: build() is deterministic
        _GRAD_CACHE.clear()
        rng = np.random.default_rng(GRAD_SEED)
        upstream = [rng.standard_normal(o.shape).astype(np.float32) if o.dtype.kind == "f" else None
                    for o in outputs]
        slots = _slots(model)
        run64 = _slot_gradients(model, slots, inputs, upstream)
        for o32, o64 in zip(outputs, run64[2]):  # the float64 copy computes the same function
            if o32.dtype.kind == "f" and np.abs(o32 - o64).max() > 1e-3 * max(1.0, np.abs(o64).max()):
                raise ValueError("the float64 model disagrees with the float32 outputs")
        # torch's own float32 gradients: how far a float32 run may fairly be from the references.
        run32 = _slot_gradients(model, slots, inputs, upstream, torch.float32)
        _GRAD_CACHE[name] = upstream, run64, run32
    return _GRAD_CACHE[name]


def _file_references(model, proto, export, model_dir, prefix, run64, run32):
    """Matches the initializers of one ONNX file (proto; export(model) makes it again)
    and writes their references; returns its meta.json entry."""
    slots = _slots(model)
    _, slot_grads, _, twice, unreached = run64
    inits, aliases = _float_initializers(proto)
    groups = _match(inits, aliases, slots, twice)
    # The ONNX file uses it, so the float64 copy should too: else that copy is wrong.
    lost = sorted(s.name for g in groups.values() for s, _ in g if s.name in unreached)
    if lost:
        raise ValueError(f"autograd does not reach {', '.join(lost[:5])}, which the ONNX file uses")
    # Names come from the exporter itself; matches by value are the guesses to check.
    if any(s.name not in [n] + aliases[n] for n, g in groups.items() for s, _ in g):
        _verify_matches(model, export, inits, groups)
    return _param_references(model_dir, prefix, inits, groups, slot_grads, run32[1])


def write_grads(name, opset, model, inputs, outputs, model_dir, train_export):
    """Writes the gradient references of one model directory; returns meta.json's "grads".
    With train_export, a model whose model.onnx leaves initializers without a
    reference also gets model_train.onnx and references for all of its initializers."""
    _, _, input_names, output_names = MODELS[name]
    upstream, run64, run32 = _autograd_run(name, model, inputs, outputs)
    meta = {"upstream": [], "inputs": [], "torch_float32_error": {}}
    for k, (n, u) in enumerate(zip(output_names, upstream)):
        if u is not None:
            np.save(os.path.join(model_dir, f"output_grad_{k}.npy"), u)
            meta["upstream"].append({"name": n, "file": f"output_grad_{k}.npy"})
    for k, (n, g) in enumerate(zip(input_names, run64[0])):
        if g is not None:
            np.save(os.path.join(model_dir, f"grad_input_{k}.npy"), g.astype(np.float32))
            meta["inputs"].append({"name": n, "file": f"grad_input_{k}.npy"})
            meta["torch_float32_error"][n] = _error_ratio(run32[0][k], g)

    torch_inputs = tuple(torch.from_numpy(x) for x in inputs)
    exporter = lambda training, fold: lambda m: _export_bytes(  # noqa: E731
        m, torch_inputs, opset, input_names, output_names, training, fold)
    export = exporter(torch.onnx.TrainingMode.EVAL, True)
    proto = onnx.load(os.path.join(model_dir, "model.onnx"))
    entries = [_file_references(model, proto, lambda m: onnx.load_from_string(export(m)), model_dir,
                                "grad_param", run64, run32)]
    # Folded or fused initializers have no torch counterpart: export once more
    # without folding, where every initializer is a parameter or buffer.
    if entries[0]["unmatched_initializers"] and train_export:
        export = exporter(torch.onnx.TrainingMode.PRESERVE, False)
        data = export(model)
        with open(os.path.join(model_dir, "model_train.onnx"), "wb") as f:
            f.write(data)
        entries.append(_file_references(model, onnx.load_from_string(data),
                                        lambda m: onnx.load_from_string(export(m)), model_dir,
                                        "grad_train_param", run64, run32))
    for e in entries:  # the inputs' errors hold for every file
        e["torch_float32_error"] = dict(meta["torch_float32_error"], **e["torch_float32_error"])
    meta.update(entries[0])
    if len(entries) > 1:
        meta["model_train"] = dict(file="model_train.onnx", export=TRAIN_EXPORT, **entries[1])
    return meta


def _grad_summary(model_dir):
    """"19/21 initializers (model_train.onnx: 28/28)": references per float initializer."""
    with open(os.path.join(model_dir, "meta.json")) as f:
        g = json.load(f)["grads"]
    count = lambda e: f"{len(e['parameters'])}/{len(e['parameters']) + len(e['unmatched_initializers'])}"  # noqa: E731
    train = f" (model_train.onnx: {count(g['model_train'])})" if "model_train" in g else ""
    return f"{count(g)} initializers{train}, {len(g['inputs'])} inputs"


def _dir_size(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)


def main():
    ap = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    ap.add_argument("out_dir")
    ap.add_argument("--only", default="", help="comma-separated model names (default: all)")
    ap.add_argument("--opsets", default=",".join(map(str, DEFAULT_OPSETS)))
    args = ap.parse_args()
    names = [n for n in args.only.split(",") if n] or list(MODELS)
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        ap.error(f"unknown model(s) {unknown}; known: {', '.join(MODELS)}")
    opsets = [int(o) for o in args.opsets.split(",")]

    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    os.makedirs(args.out_dir, exist_ok=True)
    start, failures = time.time(), []
    for name in names:
        for opset in opsets:
            t0 = time.time()
            try:
                d = export_one(name, opset, args.out_dir, train_export=opset == max(opsets))
                print(f"  {name}_op{opset}: {_dir_size(d) / 1e6:.1f} MB in {time.time() - t0:.1f}s; "
                      f"gradient references for {_grad_summary(d)}")
            except Exception as e:  # noqa: BLE001 - report and go on with the others
                failures.append(f"{name}_op{opset}")
                print(f"  {name}_op{opset}: EXPORT FAILED: {type(e).__name__}: {str(e).splitlines()[0]}")
    print(f"gen_models: {len(names) * len(opsets) - len(failures)} models written to {args.out_dir} "
          f"({_dir_size(args.out_dir) / 1e6:.0f} MB) in {time.time() - start:.1f}s"
          + (f"; failed: {', '.join(failures)}" if failures else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
