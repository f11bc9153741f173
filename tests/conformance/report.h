// The conformance runner's outputs: the JSON record of every test and docs/CONFORMANCE.md.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "tests/conformance/op_attribution.h"
#include "tests/conformance/test_runner.h"

namespace socd::conformance {

struct TestRecord {
  std::string suite;  // "onnx-node", "onnx-other/simple"
  std::string name;   // the test folder's name, "test_relu"
  Attribution attr;
  bool claimed = false;  // the CPU backend has a kernel for attr.op at attr.opset
  RunResult result;
  double ms = 0;
};

struct Totals {
  int tests = 0, passed = 0, unsupported = 0, failed = 0;
  void Add(const TestRecord& r);
};

// "conformance: N passed, M failed, K skipped" — the line CI logs are read for.
std::string SummaryLine(const Totals& t);

absl::Status WriteJson(const std::string& path, const std::vector<TestRecord>& records);
// Deterministic (no timings, no absolute paths) so the committed document diffs cleanly.
// `backend` names the backend the tests ran on ("cpu", "vulkan", "opencl").
absl::Status WriteMarkdown(const std::string& path, const std::vector<TestRecord>& records,
                           const std::string& backend = "cpu");

}  // namespace socd::conformance
