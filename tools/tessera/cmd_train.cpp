// tessera train MODEL --data DATASET [--epochs N] [--batch B] [--optimizer sgd|adamw] [--lr X] [--seed S] [--out DIR]
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include <fmt/format.h>

#include "commands.h"
#include "tessera/frontend/onnx/exporter.h"
#include "tessera/support/error.h"
#include "tessera/support/output.h"
#include "tessera/train/trainer.h"

namespace tessera::cli {
namespace {

struct TrainArgs {
  train::TrainOptions o;
  std::string optimizer = "sgd";
  double lr = -1;
  std::string out = "tessera-out/train";
};

void run_train(TrainArgs a) {
  a.o.step.optimizer = parse_optimizer(a.optimizer);
  // Defaults: PyTorch's AdamW lr; SGD with momentum 0.9 at 0.01.
  a.o.step.lr = a.lr > 0 ? a.lr : a.lr == -1 ? (a.optimizer == "adamw" ? 1e-3 : 0.01) : a.lr;
  if (a.o.step.optimizer == train::Optimizer::AdamW && a.o.step.weight_decay < 0)
    fail("--weight-decay must not be negative");
  check_output_dir(a.out, "--out");
  const bool tty = isatty(STDERR_FILENO);
  std::string csv = "epoch,train_loss,test_loss,test_accuracy,seconds\n";
  auto progress = [&](int64_t epoch, int64_t s, int64_t steps, double loss) {
    if (!tty || (s % 10 != 0 && s != steps)) return;
    const int width = 30;
    const int filled = static_cast<int>(width * s / std::max<int64_t>(steps, 1));
    fmt::print(stderr, "\repoch {}/{} [{}{}] {}/{} loss {:.4f}", epoch, a.o.epochs, std::string(filled, '='),
               std::string(width - filled, ' '), s, steps, loss);
    if (s == steps) fmt::print(stderr, "\r\033[K");
    std::fflush(stderr);
  };
  auto on_epoch = [&](const train::EpochMetrics& m) {
    fmt::print("epoch {}: train loss {:.4f}, test loss {:.4f}, test accuracy {:.2f}%, {:.1f} s\n", m.epoch,
               m.train_loss, m.test_loss, 100 * m.test_accuracy, m.seconds);
    std::fflush(stdout);  // one line per epoch as it ends, also into a pipe or file
    csv += fmt::format("{},{:.9g},{:.9g},{:.9g},{:.3f}\n", m.epoch, m.train_loss, m.test_loss, m.test_accuracy,
                       m.seconds);
    prepare_output_dir(a.out, "--out");
    std::ofstream((std::filesystem::path(a.out) / "metrics.csv").string()) << csv;
  };
  train::TrainResult r = train::train(a.o, progress, on_epoch);
  const std::string path = (std::filesystem::path(a.out) / "model.onnx").string();
  frontend::export_onnx(r.trained, path);
  fmt::print("trained model -> {}, metrics -> {}\n", path, (std::filesystem::path(a.out) / "metrics.csv").string());
}

}  // namespace

train::Optimizer parse_optimizer(const std::string& name) {
  if (name == "sgd") return train::Optimizer::Sgd;
  if (name == "adamw") return train::Optimizer::AdamW;
  fail("--optimizer '{}' is not one of sgd, adamw", name);
}

void add_train_options(CLI::App* cmd, driver::TrainMode& mode, std::string& optimizer) {
  cmd->add_flag("--train", mode.enabled,
                "the whole training step (forward, loss, backward, optimiser) instead of inference");
  cmd->add_option("--batch", mode.batch, "with --train: the batch of a zoo model (default: its batch setting)");
  cmd->add_option("--optimizer", optimizer, "with --train: sgd (momentum 0.9) or adamw (default: sgd)");
  cmd->add_flag("--recompute", mode.step.recompute,
                "with --train: the backward pass recomputes forward values instead of saving them");
  cmd->add_option("--loss-output", mode.step.output,
                  "with --train: the model output the loss reads, for a model with several (e.g. BERT's "
                  "last_hidden_state); cross-entropy over its last axis, or mean squared error for one value per "
                  "position");
}

void add_train(CLI::App& app) {
  auto args = std::make_shared<TrainArgs>();
  CLI::App* cmd = app.add_subcommand("train", "Train a classifier on the CPU executor (forward, backward and "
                                              "optimiser as one graph per step)");
  cmd->add_option("model", args->o.model, "ONNX classifier or zoo:NAME[,key=value...]")->required();
  cmd->add_option("--data", args->o.data,
                  "fashion-mnist (Debian's dataset-fashion-mnist) or a folder with x_train.npy, y_train.npy, "
                  "x_test.npy, y_test.npy")
      ->required();
  cmd->add_option("--epochs", args->o.epochs, "passes over the training set (default: 5)");
  cmd->add_option("--batch", args->o.batch, "batch size (default: 64 for zoo models, the model's own for ONNX)");
  cmd->add_option("--optimizer", args->optimizer, "sgd (momentum 0.9) or adamw (default: sgd)");
  cmd->add_option("--lr", args->lr, "learning rate (default: 0.01 for sgd, 0.001 for adamw)");
  cmd->add_option("--momentum", args->o.step.momentum, "SGD momentum (default: 0.9)");
  cmd->add_flag("--nesterov", args->o.step.nesterov, "SGD with Nesterov momentum");
  cmd->add_option("--weight-decay", args->o.step.weight_decay, "weight decay (default: 0; AdamW's is decoupled)");
  cmd->add_option("--clip-norm", args->o.step.clip_norm, "clip the gradients' global L2 norm to this (default: off)");
  cmd->add_flag("--normalize", args->o.normalize,
                "standardise inputs with the training set's mean and std (kept in model.onnx, which still takes raw "
                "inputs)");
  cmd->add_option("--seed", args->o.seed, "seed for initialisation (zoo models) and shuffling (default: 0)");
  cmd->add_option("--max-steps", args->o.max_steps, "stop each epoch after this many steps (default: all)");
  cmd->add_option("--out", args->out, "output folder for metrics.csv and model.onnx (default: tessera-out/train)");
  cmd->callback([args] { run_train(*args); });
}

}  // namespace tessera::cli
