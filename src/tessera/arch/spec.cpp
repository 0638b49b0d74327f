// Names of the spec enums, as they appear in YAML files and printed output.
#include "tessera/arch/spec.h"

namespace tessera::arch {

std::string_view kind_name(ArchKind k) { return k == ArchKind::Rda ? "rda" : "roofline"; }

std::string_view precision_name(Precision p) {
  switch (p) {
    case Precision::Fp32: return "fp32";
    case Precision::Bf16: return "bf16";
    case Precision::Fp16: return "fp16";
    case Precision::Int32: return "int32";
    case Precision::Int8: return "int8";
  }
  return "?";
}

std::string_view unit_kind_name(UnitKind u) { return u == UnitKind::Pcu ? "pcu" : "pmu"; }

std::string_view edge_name(Edge e) {
  switch (e) {
    case Edge::North: return "north";
    case Edge::South: return "south";
    case Edge::East: return "east";
    case Edge::West: return "west";
  }
  return "?";
}

std::string_view pattern_name(GridPattern) { return "checkerboard"; }

std::optional<Precision> parse_precision(std::string_view name) {
  for (Precision p : kPrecisions)
    if (precision_name(p) == name) return p;
  return std::nullopt;
}

std::optional<Precision> precision_of(DType t) {
  switch (t) {
    case DType::F32: return Precision::Fp32;
    case DType::I32: return Precision::Int32;
    case DType::I8:
    case DType::U8: return Precision::Int8;
    default: return std::nullopt;
  }
}

}  // namespace tessera::arch
