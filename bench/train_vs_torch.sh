#!/usr/bin/env bash
# Seconds per training epoch: `tessera train` against the same model in PyTorch
# eager, on Fashion-MNIST, batch 64, SGD (momentum 0.9, lr 0.01: tessera's
# defaults), the same thread count on both sides, each epoch cut to --steps
# steps. Prints per-epoch and per-step times and the ratio tessera / pytorch.
#
# Usage: bench/train_vs_torch.sh [--tessera PATH] [--threads N] [--steps S] [--epochs E] [--repeats R]
#                                 [--models mlp,cnn]
#   defaults: build/tessera, 2 threads, 200 steps, 2 epochs, 1 repeat, both models.
# With --repeats R the two sides run alternately R times and each figure is the
# fastest of the R (on a shared machine the minimum is the least disturbed).
# Models: zoo:mlp (784-512-512-10) and zoo:cnn (conv3x3 32 + ReLU + maxpool,
# conv3x3 64 + ReLU + maxpool, Linear 3136-128 + ReLU, Linear 128-10), built
# identically in torch.nn. Times are training only (tessera's metrics.csv
# `seconds`; torch: the loop of forward, loss, backward, optimizer step, with
# the batch gathered from a shuffled order as tessera does), evaluation excluded.
# Epoch 1 includes warm-up (tessera lowers the step graph before it: not timed;
# torch allocates); the last epoch is the steady figure the ratio uses.
# Threads: TESSERA_NUM_THREADS, OMP_NUM_THREADS and OPENBLAS_NUM_THREADS for
# tessera; torch.set_num_threads for PyTorch. Uses /usr/bin/python3 (Debian's
# torch, see bench/README.md for its BLAS caveat).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tessera="$repo/build/tessera"
threads=2 steps=200 epochs=2 repeats=1 models=mlp,cnn
while [[ $# -gt 0 ]]; do
  case "$1" in
    --tessera) tessera="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    --epochs) epochs="$2"; shift 2 ;;
    --repeats) repeats="$2"; shift 2 ;;
    --models) models="$2"; shift 2 ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "train_vs_torch: unknown option '$1' (see --help)" >&2; exit 1 ;;
  esac
done
[[ -x "$tessera" ]] || { echo "train_vs_torch: no tessera binary at $tessera (ninja -C build tessera)" >&2; exit 1; }
[[ "$epochs" -ge 1 && "$steps" -ge 1 && "$repeats" -ge 1 ]] ||
  { echo "train_vs_torch: --epochs, --steps and --repeats must be at least 1" >&2; exit 1; }
data=/usr/share/datasets/fashion-mnist
[[ -d "$data" ]] || { echo "train_vs_torch: $data is missing (apt-get install dataset-fashion-mnist)" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export TESSERA_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads"

# PyTorch: prints one line per epoch, "torch EPOCH SECONDS MEAN_LOSS".
torch_run() {
  /usr/bin/python3 - "$1" "$threads" "$steps" "$epochs" "$data" <<'EOF'
import gzip, sys, time
import numpy as np
import torch
from torch import nn

model_name, threads, steps, epochs, data = sys.argv[1], *map(int, sys.argv[2:5]), sys.argv[5]
torch.set_num_threads(threads)
torch.manual_seed(0)

def idx(name):
    with gzip.open(f"{data}/{name}.gz", "rb") as f:
        raw = f.read()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * dims).reshape(shape)

x = torch.from_numpy(idx("train-images-idx3-ubyte").astype(np.float32) / 255.0).unsqueeze(1)
y = torch.from_numpy(idx("train-labels-idx1-ubyte").astype(np.int64))
batch = 64
if model_name == "mlp":
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
                          nn.Linear(512, 10))
else:
    model = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))
opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
loss_fn = nn.CrossEntropyLoss()
n = x.shape[0]
steps = min(steps, n // batch)
for epoch in range(1, epochs + 1):
    order = torch.randperm(n)
    total = 0.0
    t0 = time.perf_counter()
    for s in range(steps):
        idx_b = order[s * batch:(s + 1) * batch]
        xb, yb = x[idx_b], y[idx_b]
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        total += loss.item()
    print(f"torch {epoch} {time.perf_counter() - t0:.6f} {total / steps:.6f}")
EOF
}

# tessera: the same lines from metrics.csv ("tessera EPOCH SECONDS MEAN_LOSS").
tessera_run() {
  local out="$work/$1"
  "$tessera" train "zoo:$1" --data fashion-mnist --batch 64 --epochs "$epochs" --max-steps "$steps" \
    --out "$out" >/dev/null
  tail -n +2 "$out/metrics.csv" | awk -F, '{ printf "tessera %d %s %s\n", $1, $5, $2 }'
}

echo "train_vs_torch: Fashion-MNIST, batch 64, SGD momentum 0.9 lr 0.01, $steps steps per epoch, $epochs epochs," \
     "$threads threads, best of $repeats; $(/usr/bin/python3 -c 'import torch; print("torch", torch.__version__)');" \
     "$(getconf _NPROCESSORS_ONLN) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-5s %-7s %5s %10s %10s %10s\n' model side epoch "s/epoch" "ms/step" "mean loss"
ratios=()
IFS=, read -ra names <<< "$models"
for m in "${names[@]}"; do
  case "$m" in mlp|cnn) ;; *) echo "train_vs_torch: unknown model '$m' (mlp, cnn)" >&2; exit 1 ;; esac
  runs=""
  for ((r = 0; r < repeats; ++r)); do
    runs+="$(tessera_run "$m")"$'\n'"$(torch_run "$m")"$'\n'
  done
  # Each side and epoch: the fastest of the repeats (its loss is the same every time).
  best="$(awk 'NF == 4 { k = $1 " " $2; if (!(k in t) || $3 < t[k]) t[k] = $3; l[k] = $4 }
               END { for (k in t) print k, t[k], l[k] }' <<< "$runs" | sort -k1,1 -k2,2n)"
  awk -v m="$m" -v steps="$steps" '{ printf "%-5s %-7s %5d %10.3f %10.2f %10.4f\n", m, $1, $2, $3, 1000 * $3 / steps, $4 }' \
    <<< "$best"
  t_last="$(grep '^tessera' <<< "$best" | tail -1 | cut -d' ' -f3)"
  p_last="$(grep '^torch' <<< "$best" | tail -1 | cut -d' ' -f3)"
  ratios+=("$(awk -v m="$m" -v t="$t_last" -v p="$p_last" -v steps="$steps" \
    'BEGIN { printf "%-5s tessera %.2f ms/step, pytorch %.2f ms/step: tessera / pytorch = %.2f", m, 1000 * t / steps, 1000 * p / steps, t / p }')")
done
echo "last epoch (warm):"
printf '  %s\n' "${ratios[@]}"
