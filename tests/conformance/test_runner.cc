#include "tests/conformance/test_runner.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "graph/onnx_import.h"
#include "graph/sequence_io.h"
#include "graph/tensor_compare.h"
#include "scheduler/session.h"

namespace socd::conformance {

namespace test_runner_impl {

namespace fs = std::filesystem;

RunResult FromStatus(const absl::Status& s, const std::string& model_path) {
  RunResult r;
  r.outcome = IsUnsupportedOperator(s) ? Outcome::kUnsupported : Outcome::kFail;
  // Errors name the model by absolute path; the report is about this test folder anyway.
  r.message =
      absl::StrReplaceAll(s.message(), {{model_path + ": ", ""}, {model_path, "model.onnx"}});
  if (r.message.empty()) r.message = absl::StatusCodeToString(s.code());
  return r;
}

// test_data_set_0, test_data_set_1, ... in numeric order.
std::vector<fs::path> DataSets(const fs::path& dir) {
  std::vector<std::pair<int, fs::path>> sets;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string n = e.path().filename().string();
    int idx = 0;
    if (e.is_directory() && absl::StartsWith(n, "test_data_set_") &&
        absl::SimpleAtoi(n.substr(14), &idx)) {
      sets.emplace_back(idx, e.path());
    }
  }
  std::sort(sets.begin(), sets.end());
  std::vector<fs::path> out;
  for (auto& s : sets) out.push_back(s.second);
  return out;
}

// input_0.pb, input_1.pb, ... (prefix "input" or "output"), stopping at the first gap.
std::vector<fs::path> DataFiles(const fs::path& set, const char* prefix) {
  std::vector<fs::path> files;
  for (int k = 0;; ++k) {
    fs::path p = set / absl::StrCat(prefix, "_", k, ".pb");
    if (!fs::exists(p)) break;
    files.push_back(p);
  }
  return files;
}

// Runs one data set; returns false with r filled in when the test did not pass.
bool RunDataSet(scheduler::Session& session, const fs::path& set, const std::string& model_path,
                const RunOptions& opts, RunResult& r) {
  const std::string set_name = set.filename().string();
  auto fail = [&](std::string msg) {
    r.outcome = Outcome::kFail;
    r.message = absl::StrCat(set_name, ": ", msg);
    return false;
  };
  const auto model_inputs = session.inputs();
  const auto in_files = DataFiles(set, "input");
  if (in_files.size() != model_inputs.size()) {
    return fail(absl::StrCat(in_files.size(), " input files, the model has ", model_inputs.size(),
                             " runtime inputs"));
  }
  // By position, as ONNX's runner feeds them; by name only if every file names a model input
  // (then the order of graph inputs after socd's import cannot matter).
  // Sequence/optional inputs are SequenceProto/OptionalProto files, read as the model input at
  // the same position declares (graph/sequence_io.h).
  std::vector<graph::DataValue> by_pos;
  std::map<std::string, graph::DataValue> by_name;
  for (size_t k = 0; k < in_files.size(); ++k) {
    std::string name;
    auto t = graph::ReadValueFile(in_files[k].string(), model_inputs[k]->type, &name);
    if (!t.ok()) return fail(std::string(t.status().message()));
    by_pos.push_back(*t);
    if (!name.empty()) by_name[name] = *t;
  }
  std::vector<graph::TensorView> inputs;
  for (size_t k = 0; k < model_inputs.size(); ++k) {
    auto it = by_name.find(model_inputs[k]->name);
    const bool use_name = by_name.size() == in_files.size() && it != by_name.end();
    inputs.push_back((use_name ? it->second : by_pos[k]).tensor->view());
  }
  std::vector<graph::TensorView> outputs;
  if (auto s = session.Run(inputs, outputs); !s.ok()) {
    RunResult e = FromStatus(s, model_path);
    r.outcome = e.outcome;
    r.message = absl::StrCat(set_name, ": ", e.message);
    return false;
  }
  const auto out_files = DataFiles(set, "output");
  if (out_files.size() != outputs.size()) {
    return fail(absl::StrCat(out_files.size(), " output files, the model produced ", outputs.size(),
                             " outputs"));
  }
  graph::CompareResult cmp;
  for (size_t k = 0; k < out_files.size(); ++k) {
    const graph::Value& out = *session.outputs()[k];
    auto want = graph::ReadValueFile(out_files[k].string(), out.type);
    if (!want.ok()) return fail(std::string(want.status().message()));
    const std::string what = absl::StrCat("output ", k, " '", out.name, "'");
    if (out.type.container) {
      graph::CompareHandleInto(what, outputs[k], want->object.get(), opts.rtol, opts.atol, cmp);
    } else {
      graph::CompareInto(what, outputs[k], want->tensor->view(), opts.rtol, opts.atol, cmp);
    }
  }
  r.max_abs_err = std::max(r.max_abs_err, cmp.max_abs_err);
  if (!cmp.passed) return fail(cmp.message);
  return true;
}

// A test counts against a GPU backend's claim only when the backend claims every node of the
// test's graph, not just the operator it is named after (test_range_*_expanded runs a Loop), and
// the graph holds only tensors of numeric types: strings and sequence/optional values live on
// the CPU backend by design (a GPU plan refuses them before any operator is asked).
int GpuClaimsEveryNode(backends::Backend& backend, const std::string& model_path) {
  auto g = graph::ImportOnnxFile(model_path);
  if (!g.ok()) return 1;  // the run reports the import error itself
  for (const graph::Value& v : g->values)
    if (v.type.dtype == graph::DType::kString || v.type.dtype == graph::DType::kHandle) return 0;
  for (const graph::Node& n : g->nodes) {
    graph::Node probe;
    probe.op_type = n.op_type;
    probe.domain = n.domain;
    probe.opset = n.opset;
    probe.name = "probe";
    if (!backend.Supports(probe).ok()) return 0;
  }
  return 1;
}

RunResult RunInProcess(const std::string& test_dir, const RunOptions& opts) {
  const std::string model_path = (fs::path(test_dir) / "model.onnx").string();
  scheduler::SessionOptions so;
  so.backend = opts.backend;
  so.device = opts.device;
  so.threads = 1;
  int claimed = -1;
  if (opts.probe_opset > 0) {
    auto backend = scheduler::CreateBackend(so);
    if (!backend.ok()) return FromStatus(backend.status(), model_path);
    graph::Node probe;
    probe.op_type = opts.probe_op;
    probe.domain = opts.probe_domain;
    probe.opset = opts.probe_opset;
    probe.name = "probe";
    claimed = (*backend)->Supports(probe).ok() ? 1 : 0;
    if (claimed == 1 && opts.backend != "cpu") claimed = GpuClaimsEveryNode(**backend, model_path);
  }
  auto session = scheduler::Session::Load(model_path, so);
  if (!session.ok()) {
    RunResult e = FromStatus(session.status(), model_path);
    e.claimed = claimed;
    return e;
  }
  const auto sets = DataSets(test_dir);
  RunResult r;
  r.claimed = claimed;
  if (sets.empty()) {
    r.message = "no test_data_set_* folder";
    return r;
  }
  for (const auto& set : sets) {
    if (!RunDataSet(**session, set, model_path, opts, r)) return r;
    ++r.datasets;
  }
  r.outcome = Outcome::kPass;
  return r;
}

bool WriteAll(int fd, const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    ssize_t n = write(fd, s.data() + done, s.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// The child's report: "outcome datasets max_abs_err\nmessage".
std::string Encode(const RunResult& r) {
  char head[128];
  std::snprintf(head, sizeof head, "%d %d %.17g %d\n", static_cast<int>(r.outcome), r.datasets,
                r.max_abs_err, r.claimed);
  return head + r.message.substr(0, 4000);
}

bool Decode(const std::string& s, RunResult& r) {
  int outcome = 0, datasets = 0, claimed = -1;
  double err = 0;
  auto nl = s.find('\n');
  if (nl == std::string::npos ||
      std::sscanf(s.c_str(), "%d %d %lg %d", &outcome, &datasets, &err, &claimed) != 4 ||
      outcome < 0 || outcome > static_cast<int>(Outcome::kFail)) {
    return false;
  }
  r.outcome = static_cast<Outcome>(outcome);
  r.datasets = datasets;
  r.max_abs_err = err;
  r.claimed = claimed;
  r.message = s.substr(nl + 1);
  return true;
}

// A kernel that crashes or hangs cannot be caught in-process, so each test runs in a child
// process: the parent survives and records the crash as this test's failure.
RunResult RunForked(const std::string& test_dir, const RunOptions& opts) {
  int fds[2];
  if (pipe(fds) != 0) return RunInProcess(test_dir, opts);
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return RunInProcess(test_dir, opts);
  }
  if (pid == 0) {
    close(fds[0]);
    if (opts.timeout_s > 0) alarm(static_cast<unsigned>(opts.timeout_s));
    RunResult r = RunInProcess(test_dir, opts);
    WriteAll(fds[1], Encode(r));
    close(fds[1]);
    std::fflush(stdout);
    std::fflush(stderr);
    _exit(0);  // skip static destructors and atexit handlers inherited from the parent
  }
  close(fds[1]);
  std::string report;
  char buf[4096];
  for (;;) {
    ssize_t n = read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    report.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  RunResult r;
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    r.message = sig == SIGALRM ? absl::StrCat("timed out after ", opts.timeout_s, " s")
                               : absl::StrCat("crashed: signal ", sig, " (", strsignal(sig), ")");
    return r;
  }
  if (!Decode(report, r)) {
    r = RunResult{};
    r.message = absl::StrCat("test process exited with status ",
                             WIFEXITED(status) ? WEXITSTATUS(status) : -1, " without a result");
  }
  return r;
}

}  // namespace test_runner_impl

const char* OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kPass:
      return "PASS";
    case Outcome::kUnsupported:
      return "UNSUPPORTED";
    case Outcome::kFail:
      return "FAIL";
  }
  return "?";
}

// socd reports everything it does not implement (an operator, an opset version, an element
// type such as float8, sequence/optional values) as UNIMPLEMENTED with a message naming it: a
// clean refusal, unlike a wrong result or any other error.
bool IsUnsupportedOperator(const absl::Status& s) {
  return s.code() == absl::StatusCode::kUnimplemented;
}

RunResult RunTest(const std::string& test_dir, const RunOptions& opts) {
  return opts.isolate ? test_runner_impl::RunForked(test_dir, opts)
                      : test_runner_impl::RunInProcess(test_dir, opts);
}

}  // namespace socd::conformance
