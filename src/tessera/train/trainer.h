// Training on the executor: the step graph (train/step.h) lowered once and
// run batch after batch, its state outputs fed back as the next step's
// inputs. Shuffling, initialisation and the executor are deterministic, so
// one seed gives one sequence of losses.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "tessera/graph/graph.h"
#include "tessera/train/step.h"

namespace tessera::train {

struct TrainOptions {
  std::string model;  // ONNX classifier or zoo:NAME[,...]
  std::string data;   // fashion-mnist or a folder of .npy files
  int64_t epochs = 5;
  int64_t batch = 0;  // 0: the ONNX model's own batch, 64 for zoo models
  uint64_t seed = 0;
  StepOptions step;
  int64_t max_steps = 0;  // > 0: stop each epoch after this many steps (tests, quick looks)
  // Standardise the input with the training set's mean and standard deviation,
  // as a (x - mean) / std in front of the model (kept in model.onnx, so the
  // trained model still takes raw inputs).
  bool normalize = false;
};

struct EpochMetrics {
  int64_t epoch = 0;
  double train_loss = 0, test_loss = 0, test_accuracy = 0;
  double seconds = 0;  // training time of the epoch (evaluation excluded)
};

struct TrainResult {
  std::vector<EpochMetrics> epochs;
  std::vector<double> step_losses;  // every step's batch loss, in order
  graph::Graph trained;             // the inference model with the trained weights
};

// Progress: (epoch, step, steps per epoch, running mean loss).
using TrainProgress = std::function<void(int64_t, int64_t, int64_t, double)>;

// Throws Error for a dataset the model cannot take (per-sample sizes or class
// counts that differ), a batch larger than the data, or bad options.
TrainResult train(const TrainOptions& o, const TrainProgress& progress = {},
                  const std::function<void(const EpochMetrics&)>& on_epoch = {});

}  // namespace tessera::train
