// Printing a spec for people (`tessera arch show`) and for tools (`--json`).
// Both show the derived figures beside the parameters they come from, and
// every printed order is fixed, so output is byte-identical run to run.
#pragma once

#include <string>

#include "tessera/arch/spec.h"

namespace tessera::arch {

// A multi-line human-readable summary.
std::string summary_text(const ArchSpec& a);

// JSON carrying name, kind, description, clock_ghz, sram_mib, peak_tflops
// (fp32 and bf16 always, null when unsupported, plus any other supported
// precision), dram (tiers with bandwidth_gbps and capacity_gib), dram_gbps,
// energy, chip, and for rda grid, pcu.{count,lanes,stages,...},
// pmu.{count,kib,...}, network, agcu (with positions); for roofline `roofline`.
std::string to_json(const ArchSpec& a);

// Short figures for tables: "12.3 TFLOPS fp32", "16 MiB", "51.2 GB/s".
std::string peak_words(const ArchSpec& a);
std::string sram_words(const ArchSpec& a);
std::string dram_words(const ArchSpec& a);
std::string units_words(const ArchSpec& a);  // "64 PCU + 64 PMU" or "roofline"

}  // namespace tessera::arch
