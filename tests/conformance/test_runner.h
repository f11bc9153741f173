// Runs one ONNX backend test folder (model.onnx + test_data_set_*/) through a Session and
// classifies the result.
#pragma once

#include <string>

#include "absl/status/status.h"

namespace socd::conformance {

enum class Outcome {
  kPass,
  // The engine refused the model cleanly: UNIMPLEMENTED naming the operator or type.
  kUnsupported,
  // Wrong output, or any other error (including a crash or timeout of the test's process).
  kFail,
};
const char* OutcomeName(Outcome o);

struct RunResult {
  Outcome outcome = Outcome::kFail;
  std::string message;  // why it did not pass; empty on pass
  int datasets = 0;     // test_data_sets run
  double max_abs_err = 0;
  // Whether the backend claims the test's operator (RunOptions::probe_*), asked in the process
  // that ran the test so GPU drivers are never opened before a fork; -1 when not asked.
  int claimed = -1;
};

// True for the clean refusal that counts as unsupported rather than failed.
bool IsUnsupportedOperator(const absl::Status& s);

struct RunOptions {
  double rtol = 1e-3, atol = 1e-4;
  bool isolate = true;  // run in a forked child so a crashing kernel fails only its test
  int timeout_s = 120;  // per test, only when isolated
  std::string backend = "cpu";
  int device = 0;
  // The operator whose claim RunResult::claimed reports (probe_opset 0: do not ask).
  std::string probe_domain, probe_op;
  int probe_opset = 0;
};

// Loads `test_dir`/model.onnx (opts.backend, one thread) and checks every test_data_set_N.
RunResult RunTest(const std::string& test_dir, const RunOptions& opts);

}  // namespace socd::conformance
