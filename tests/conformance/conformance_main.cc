// socd-conformance: runs ONNX backend test folders (model.onnx + test_data_set_*) through one
// backend and reports, per operator, what passes, what is refused cleanly and what fails.
//
//   socd-conformance ROOT... [--backend cpu|vulkan|opencl] [--device N] [--filter SUBSTR]...
//                    [--json FILE] [--markdown FILE] [--timeout S] [--no-fork] [--strict]
//                    [--exit-zero] [-v]
//
// A ROOT is a test folder or a folder searched (recursively) for them. Exit status: 0 when no
// test failed (unsupported operators are not failures; with --strict, a test of an operator the
// backend claims that it then refuses is one), 1 when one did, 2 on usage errors.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "backends/cpu/kernel.h"
#include "graph/op_schema.h"
#include "tests/conformance/op_attribution.h"
#include "tests/conformance/report.h"
#include "tests/conformance/test_runner.h"

namespace socd::conformance::main_impl {

namespace fs = std::filesystem;

struct Args {
  std::vector<std::string> roots, filters;
  std::string json, markdown;
  RunOptions run;
  bool exit_zero = false, verbose = false, strict = false;
};

int Usage() {
  std::fprintf(stderr,
               "usage: socd-conformance ROOT... [--backend cpu|vulkan|opencl] [--device N]"
               " [--filter SUBSTR]... [--json FILE] [--markdown FILE] [--timeout S] [--no-fork]"
               " [--strict] [--exit-zero] [-v]\n"
               "  --backend    the backend every test runs on (default cpu)\n"
               "  --filter     run only tests whose name contains SUBSTR (any of several)\n"
               "  --timeout    seconds per test before it counts as failed (default 120)\n"
               "  --no-fork    run tests in this process (for debuggers; a crash ends the run)\n"
               "  --strict     a claimed operator's test that is refused also fails the run\n"
               "  --exit-zero  exit 0 even when tests fail (for regenerating the report)\n");
  return 2;
}

// Folders holding model.onnx under `dir` (or `dir` itself), sorted for a stable report.
void FindTests(const fs::path& dir, int depth, std::vector<fs::path>& out) {
  std::error_code ec;
  if (fs::exists(dir / "model.onnx", ec)) {
    out.push_back(dir);
    return;
  }
  if (depth > 4) return;
  std::vector<fs::path> subdirs;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.is_directory(ec)) subdirs.push_back(e.path());
  }
  std::sort(subdirs.begin(), subdirs.end());
  for (const auto& s : subdirs) FindTests(s, depth + 1, out);
}

// Names a test's suite by where it sits under the shared test-data folder ("onnx-node",
// "onnx-other/simple"), so reports do not depend on the checkout's location.
std::string SuiteOf(const fs::path& test_dir) {
  std::string s = fs::weakly_canonical(test_dir).parent_path().string();
  if (auto pos = s.rfind("/shared/"); pos != std::string::npos) return s.substr(pos + 8);
  return fs::path(s).filename().string();
}

// Operators socd registers (schemas and CPU kernels), for names outside ONNX's own list.
std::vector<OpId> RegisteredOps() {
  std::set<OpId> ops;
  for (const auto& s : graph::OpRegistry::Get().all()) ops.insert(OpId{s.domain, s.op_type});
  for (const auto& k : cpu::KernelRegistry::Get().all()) ops.insert(OpId{k.domain, k.op_type});
  return {ops.begin(), ops.end()};
}

bool CpuClaims(const Attribution& a) {
  if (a.opset <= 0) return false;
  graph::Node n;
  n.op_type = a.op.op_type;
  n.domain = a.op.domain;
  n.opset = a.opset;
  n.name = "probe";
  return cpu::KernelRegistry::Get().Find(n).ok();
}

int Main(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    auto value = [&](std::string& dst) {
      if (i + 1 >= argc) return false;
      dst = argv[++i];
      return true;
    };
    std::string v;
    if (s == "--backend" && value(a.run.backend))
      continue;
    else if (s == "--device" && value(v))
      a.run.device = std::atoi(v.c_str());
    else if (s == "--filter" && value(v))
      a.filters.push_back(v);
    else if (s == "--json" && value(a.json))
      continue;
    else if (s == "--markdown" && value(a.markdown))
      continue;
    else if (s == "--timeout" && value(v))
      a.run.timeout_s = std::atoi(v.c_str());
    else if (s == "--no-fork")
      a.run.isolate = false;
    else if (s == "--strict")
      a.strict = true;
    else if (s == "--exit-zero")
      a.exit_zero = true;
    else if (s == "-v" || s == "--verbose")
      a.verbose = true;
    else if (s == "-h" || s == "--help")
      return Usage(), 0;
    else if (!s.empty() && s[0] != '-')
      a.roots.push_back(s);
    else
      return Usage();
  }
  if (a.roots.empty()) return Usage();

  const std::vector<OpId> extra_ops = RegisteredOps();  // also builds the registries pre-fork
  std::vector<TestRecord> records;
  int gaps = 0;  // tests of a claimed operator that were refused
  for (const auto& root : a.roots) {
    std::vector<fs::path> dirs;
    if (!fs::is_directory(root)) {
      std::fprintf(stderr, "socd-conformance: '%s' is not a directory\n", root.c_str());
      return 2;
    }
    FindTests(root, 0, dirs);
    for (const auto& dir : dirs) {
      const std::string name = dir.filename().string();
      if (!a.filters.empty() &&
          std::none_of(a.filters.begin(), a.filters.end(),
                       [&](const std::string& f) { return absl::StrContains(name, f); })) {
        continue;
      }
      TestRecord rec;
      rec.suite = SuiteOf(dir);
      rec.name = name;
      auto ops = ReadModelOps((dir / "model.onnx").string());
      rec.attr = AttributeTest(name, ops.ok() ? *ops : ModelOps{}, extra_ops);
      const bool cpu = a.run.backend == "cpu";
      if (cpu) rec.claimed = CpuClaims(rec.attr);
      // Other backends answer the claim in the test's own process (no driver before fork).
      RunOptions run = a.run;
      if (!cpu) {
        run.probe_domain = rec.attr.op.domain;
        run.probe_op = rec.attr.op.op_type;
        run.probe_opset = rec.attr.opset;
      }
      auto t0 = std::chrono::steady_clock::now();
      rec.result = RunTest(dir.string(), run);
      if (!cpu) rec.claimed = rec.result.claimed == 1;
      rec.ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      const bool gap = rec.claimed && rec.result.outcome == Outcome::kUnsupported;
      gaps += gap;
      const bool show = rec.result.outcome == Outcome::kFail || a.verbose || (a.strict && gap);
      if (show) {
        std::fprintf(stderr, "%-11s %s/%s [%s]%s%s\n",
                     gap ? "GAP" : OutcomeName(rec.result.outcome), rec.suite.c_str(), name.c_str(),
                     rec.attr.op.ToString().c_str(), rec.result.message.empty() ? "" : ": ",
                     rec.result.message.c_str());
      }
      records.push_back(std::move(rec));
    }
  }
  Totals all;
  for (const auto& r : records) all.Add(r);
  if (!a.json.empty()) {
    if (auto s = WriteJson(a.json, records); !s.ok()) {
      std::fprintf(stderr, "socd-conformance: %s\n", std::string(s.message()).c_str());
      return 2;
    }
  }
  if (!a.markdown.empty()) {
    if (auto s = WriteMarkdown(a.markdown, records, a.run.backend); !s.ok()) {
      std::fprintf(stderr, "socd-conformance: %s\n", std::string(s.message()).c_str());
      return 2;
    }
  }
  if (records.empty()) {
    std::fprintf(stderr, "socd-conformance: no tests found (or none matched the filter)\n");
  }
  std::printf("%s\n", SummaryLine(all).c_str());
  if (gaps > 0)
    std::printf("%d refused test%s of claimed operators (gaps)%s\n", gaps, gaps == 1 ? "" : "s",
                a.strict ? ": failing (--strict)" : "");
  const bool failed = all.failed > 0 || (a.strict && gaps > 0);
  return failed && !a.exit_zero ? 1 : 0;
}

}  // namespace socd::conformance::main_impl

int main(int argc, char** argv) { return socd::conformance::main_impl::Main(argc, argv); }
