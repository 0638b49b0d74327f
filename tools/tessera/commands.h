// Subcommands of the tessera CLI; each lives in its own file.
#pragma once

#include <CLI/CLI.hpp>

#include "tessera/driver/driver.h"

namespace tessera::cli {

void add_run(CLI::App& app);
void add_info(CLI::App& app);
void add_demo(CLI::App& app);
void add_arch(CLI::App& app);
void add_zoo(CLI::App& app);
void add_compile(CLI::App& app);
void add_sim(CLI::App& app);
void add_grad(CLI::App& app);
void add_train(CLI::App& app);

// --train, --batch, --optimizer, --loss-output for compile and sim (cmd_train.cpp).
void add_train_options(CLI::App* cmd, driver::TrainMode& mode, std::string& optimizer);
// "sgd" or "adamw"; Error otherwise.
train::Optimizer parse_optimizer(const std::string& name);

}  // namespace tessera::cli
