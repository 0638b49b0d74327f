#!/usr/bin/python3
"""Exports the real-model test set with torch.onnx.export.

Usage: /usr/bin/python3 scripts/gen_models.py OUT_DIR [--only NAME[,NAME...]] [--opsets 13,17]

For every model and opset writes OUT_DIR/<name>_op<N>/:
  model.onnx          eval mode, fixed shapes, do_constant_folding=True
  input_<k>.npy       fixed-seed inputs
  output_<k>.npy      PyTorch's own outputs for those inputs (the reference)
  meta.json           {"model", "opset", "inputs": [{name, file, dtype, shape}],
                       "outputs": [{name, file, dtype, shape}], "torch": version}
Weights are random (fixed seeds); BatchNorm running statistics are randomised
too so that folded BatchNorms are not identities. A model that fails to export
at an opset is reported and skipped (the run still fails at the end, so a
missing file is never silent).
"""

import argparse
import json
import math
import os
import shutil
import sys
import time
import warnings

import numpy as np
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


def export_one(name, opset, out_dir):
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
    with open(os.path.join(model_dir, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
    return model_dir


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
                d = export_one(name, opset, args.out_dir)
                print(f"  {name}_op{opset}: {_dir_size(d) / 1e6:.1f} MB in {time.time() - t0:.1f}s")
            except Exception as e:  # noqa: BLE001 - report and go on with the others
                failures.append(f"{name}_op{opset}")
                print(f"  {name}_op{opset}: EXPORT FAILED: {type(e).__name__}: {str(e).splitlines()[0]}")
    print(f"gen_models: {len(names) * len(opsets) - len(failures)} models written to {args.out_dir} "
          f"({_dir_size(args.out_dir) / 1e6:.0f} MB) in {time.time() - start:.1f}s"
          + (f"; failed: {', '.join(failures)}" if failures else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
