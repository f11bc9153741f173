// Output comparison shared by socd-run and the conformance runner: float outputs within
// |got - want| <= atol + rtol * |want| (NaN matches NaN), integers, bools and strings exactly.
#pragma once

#include <string>

#include "graph/tensor.h"

namespace socd::graph {

struct CompareResult {
  bool passed = true;
  double max_abs_err = 0;
  std::string message;  // first mismatch, naming the output and element
};

void CompareInto(const std::string& what, const TensorView& got, const TensorView& want,
                 double rtol, double atol, CompareResult& r);

}  // namespace socd::graph
