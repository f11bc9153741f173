#include "tests/conformance/report.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace socd::conformance {

namespace report_impl {

std::string JsonString(absl::string_view s) {
  std::string o = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        o += "\\\"";
        break;
      case '\\':
        o += "\\\\";
        break;
      case '\n':
        o += "\\n";
        break;
      case '\t':
        o += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          o += buf;
        } else {
          o += c;
        }
    }
  }
  return o + "\"";
}

// One table cell: no pipes or newlines, and short enough to keep the table readable.
std::string Cell(absl::string_view s, size_t max_len = 240) {
  std::string o;
  for (char c : s) {
    if (c == '|')
      o += "\\|";
    else if (c == '\n' || c == '\r' || c == '\t')
      o += ' ';
    else
      o += c;
  }
  if (o.size() > max_len) o = o.substr(0, max_len) + "…";
  return o;
}

std::string TotalsRow(absl::string_view label, const Totals& t) {
  return absl::StrCat("| ", label, " | ", t.tests, " | ", t.passed, " | ", t.unsupported, " | ",
                      t.failed, " |\n");
}

struct OpSummary {
  Totals totals;
  int expanded = 0;
  std::set<int> claimed_opsets, unclaimed_opsets;
};

std::string ClaimCell(const OpSummary& s) {
  if (s.unclaimed_opsets.empty()) return "yes";
  if (s.claimed_opsets.empty()) return "no";
  return absl::StrCat("opset ", absl::StrJoin(s.claimed_opsets, ", "), " (not ",
                      absl::StrJoin(s.unclaimed_opsets, ", "), ")");
}

std::string TestCell(const TestRecord& r) { return absl::StrCat(r.suite, "/", r.name); }

void NotPassedTable(std::string& md, const std::vector<const TestRecord*>& rows) {
  md += "| test | op | status | reason |\n|---|---|---|---|\n";
  for (const auto* r : rows) {
    md += absl::StrCat("| ", TestCell(*r), " | ", r->attr.op.ToString(), "-", r->attr.opset, " | ",
                       r->result.outcome == Outcome::kFail ? "failed" : "unsupported", " | ",
                       Cell(r->result.message), " |\n");
  }
}

}  // namespace report_impl

void Totals::Add(const TestRecord& r) {
  ++tests;
  switch (r.result.outcome) {
    case Outcome::kPass:
      ++passed;
      break;
    case Outcome::kUnsupported:
      ++unsupported;
      break;
    case Outcome::kFail:
      ++failed;
      break;
  }
}

std::string SummaryLine(const Totals& t) {
  return absl::StrCat("conformance: ", t.passed, " passed, ", t.failed, " failed, ", t.unsupported,
                      " skipped");
}

absl::Status WriteJson(const std::string& path, const std::vector<TestRecord>& records) {
  using report_impl::JsonString;
  Totals all;
  for (const auto& r : records) all.Add(r);
  std::string j = absl::StrCat("{\"summary\":{\"tests\":", all.tests, ",\"passed\":", all.passed,
                               ",\"unsupported\":", all.unsupported, ",\"failed\":", all.failed,
                               "},\n\"tests\":[\n");
  for (size_t i = 0; i < records.size(); ++i) {
    const auto& r = records[i];
    char err[32];
    std::snprintf(err, sizeof err, "%.6g", r.result.max_abs_err);
    absl::StrAppend(&j, "{\"suite\":", JsonString(r.suite), ",\"name\":", JsonString(r.name),
                    ",\"op\":", JsonString(r.attr.op.op_type),
                    ",\"domain\":", JsonString(r.attr.op.domain), ",\"opset\":", r.attr.opset,
                    ",\"by_name\":", r.attr.by_name ? "true" : "false",
                    ",\"in_model\":", r.attr.in_model ? "true" : "false",
                    ",\"expanded\":", r.attr.expanded ? "true" : "false",
                    ",\"claimed\":", r.claimed ? "true" : "false",
                    ",\"status\":", JsonString(OutcomeName(r.result.outcome)),
                    ",\"datasets\":", r.result.datasets, ",\"max_abs_err\":", err);
    char ms[32];
    std::snprintf(ms, sizeof ms, "%.3f", r.ms);
    absl::StrAppend(&j, ",\"ms\":", ms, ",\"message\":", JsonString(r.result.message), "}",
                    i + 1 < records.size() ? ",\n" : "\n");
  }
  j += "]}\n";
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f || !(f << j)) return absl::UnavailableError(absl::StrCat("cannot write '", path, "'"));
  return absl::OkStatus();
}

absl::Status WriteMarkdown(const std::string& path, const std::vector<TestRecord>& records,
                           const std::string& backend) {
  const std::string B = backend == "cpu"      ? "CPU"
                        : backend == "opencl" ? "OpenCL"
                        : backend == "vulkan" ? "Vulkan"
                                              : backend;
  namespace impl = report_impl;
  Totals all;
  std::map<std::string, Totals> by_suite;
  // ai.onnx first, then the other domains; case-insensitive within one (GRU beside Greater).
  std::map<std::tuple<std::string, std::string, std::string>, impl::OpSummary> by_op;
  std::vector<const TestRecord*> gaps, other_failures;
  for (const auto& r : records) {
    all.Add(r);
    by_suite[r.suite].Add(r);
    auto& op =
        by_op[{r.attr.op.domain, absl::AsciiStrToLower(r.attr.op.op_type), r.attr.op.ToString()}];
    op.totals.Add(r);
    op.expanded += r.attr.expanded;
    (r.claimed ? op.claimed_opsets : op.unclaimed_opsets).insert(r.attr.opset);
    if (r.result.outcome == Outcome::kPass) continue;
    if (r.claimed)
      gaps.push_back(&r);
    else if (r.result.outcome == Outcome::kFail)
      other_failures.push_back(&r);
  }
  std::string md = absl::StrCat(
      "# ONNX conformance", backend == "cpu" ? "" : absl::StrCat(" (", B, " backend)"), "\n\n",
      "Generated by `socd-conformance` (`ninja conformance_doc`); do not edit by hand. Every test\n"
      "folder (model.onnx + test_data_set_*) runs on the ",
      B,
      " backend with one thread; outputs are\n"
      "compared with rtol 1e-3 / atol 1e-4 for floats and exactly for integers and bools.\n\n"
      "- **passed**: every data set's outputs match.\n"
      "- **unsupported**: the engine refused the model cleanly (`Unimplemented`, \"unsupported\n"
      "  operator ...\"), at load or at run time (e.g. a dtype a kernel does not implement).\n"
      "- **failed**: wrong output, or any other error (including a crash or a timeout of the\n"
      "  test's process). Any failure makes `socd-conformance` exit non-zero.\n\n"
      "Run one operator's tests with `build/socd-conformance ../shared/onnx-node --filter\n"
      "test_conv_ -v`, or one test with `build/socd-run DIR/model.onnx --check\n"
      "DIR/test_data_set_0`; ctest runs `conformance_onnx_node` and `conformance_onnx_other`.\n\n"
      "## Summary\n\n"
      "| suite | tests | passed | unsupported | failed |\n|---|---|---|---|---|\n");
  for (const auto& [suite, t] : by_suite) md += impl::TotalsRow(suite, t);
  md += impl::TotalsRow("**all**", all);
  absl::StrAppend(&md, "\n`", SummaryLine(all), "`\n\n");

  absl::StrAppend(
      &md,
      "## Operators\n\n"
      "A test counts for the operator it is named after (test_reduce_mean_* → ReduceMean,\n"
      "test_batchnorm_* → BatchNormalization); a test whose name names no operator counts for its\n"
      "model's first node. `*_expanded` tests run the operator's ONNX function expansion (and a "
      "few\n"
      "PyTorch exports a decomposition), so they exercise other ops than the one they are named\n"
      "after (column *expanded*).\n"
      "*",
      B, " claims*: the ", B,
      " backend claims the operator (`Supports()`) at the opsets\n"
      "its tests import.\n\n"
      "| op | tests | expanded | passed | unsupported | failed | ",
      B,
      " claims |\n"
      "|---|---|---|---|---|---|---|\n");
  for (const auto& [key, s] : by_op) {
    absl::StrAppend(&md, "| ", std::get<2>(key), " | ", s.totals.tests, " | ", s.expanded, " | ",
                    s.totals.passed, " | ", s.totals.unsupported, " | ", s.totals.failed, " | ",
                    impl::ClaimCell(s), " |\n");
  }
  absl::StrAppend(
      &md, "\n## Gaps in claimed operators (", gaps.size(), ")\n\n", "Tests of an operator the ", B,
      " backend claims at the test's opset that do not pass.",
      backend == "cpu" ? ""
                       : "\nA test counts only when the backend claims every node in it (an "
                         "expansion that runs a\nLoop does not) and it holds no string or "
                         "sequence/optional values, which the GPU backends\nleave to the CPU.",
      "\n\n");
  if (gaps.empty())
    md += "None.\n";
  else
    impl::NotPassedTable(md, gaps);
  absl::StrAppend(&md, "\n## Other failures (", other_failures.size(), ")\n\n",
                  "Tests of operators the ", B,
                  " backend does not claim that fail with an error other\n"
                  "than \"unsupported operator\" (these count as failures too).\n\n");
  if (other_failures.empty())
    md += "None.\n";
  else
    impl::NotPassedTable(md, other_failures);

  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f || !(f << md)) return absl::UnavailableError(absl::StrCat("cannot write '", path, "'"));
  return absl::OkStatus();
}

}  // namespace socd::conformance
