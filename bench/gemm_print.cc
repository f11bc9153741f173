// bench_gemm's output: a table for people, one JSON line for bench/gemm_report.py.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "backends/cpu/cpu_features.h"
#include "backends/cpu/gemm.h"
#include "bench/gemm_bench.h"

namespace socd::bench::gemm_print {

std::string Json(const std::string& s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    o += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
  }
  return o + "\"";
}

std::string CpuModel() {
  FILE* f = std::fopen("/proc/cpuinfo", "r");
  if (!f) return "?";
  char line[1024];
  std::string model = "?";
  while (std::fgets(line, sizeof(line), f)) {
    if (std::strncmp(line, "model name", 10) == 0) {
      const char* c = std::strchr(line, ':');
      if (c) model = c + 2;
      model.erase(model.find_last_not_of("\n ") + 1);
      break;
    }
  }
  std::fclose(f);
  return model;
}

bool Matches(const GemmTiming& t, const GemmTiming& ref) {
  return std::abs(t.checksum - ref.checksum) <= 1e-4 * std::max(ref.scale, 1e-30);
}

void PrintJson(const BenchOptions& o, const Peak& peak,
               const std::vector<std::unique_ptr<Candidate>>& cands, const Candidate* ref) {
  std::printf(
      "{\"cpu\":%s,\"features\":%s,\"threads\":%d,\"samples\":%d,\"sample_ms\":%g,"
      "\"clock\":\"%s\","
      "\"peak_gflops\":%.2f,\"peak_isa\":%s,\"socd_gemm\":%s,\"shapes\":[",
      Json(CpuModel()).c_str(), Json(cpu::GetCpuFeatures().Describe()).c_str(), o.threads,
      o.samples, o.sample_ms, o.cpu_clock ? "cpu" : "wall", peak.gflops, Json(peak.isa).c_str(),
      Json(cpu::GemmLibraryName()).c_str());
  for (size_t i = 0; i < o.shapes.size(); ++i) {
    const auto& s = o.shapes[i];
    std::printf("%s{\"label\":%s,\"m\":%lld,\"n\":%lld,\"k\":%lld}", i ? "," : "",
                Json(s.label).c_str(), static_cast<long long>(s.m), static_cast<long long>(s.n),
                static_cast<long long>(s.k));
  }
  std::printf("],\"libs\":[");
  for (size_t j = 0; j < cands.size(); ++j) {
    const Candidate& c = *cands[j];
    std::printf("%s{\"id\":%s,\"name\":%s", j ? "," : "", Json(c.id).c_str(), Json(c.name).c_str());
    if (!c.error.empty()) std::printf(",\"error\":%s", Json(c.error).c_str());
    std::printf(",\"results\":[");
    for (size_t i = 0; c.error.empty() && i < o.shapes.size(); ++i) {
      const auto& t = c.timings[i];
      std::printf("%s{\"gflops\":%.3f,\"best_gflops\":%.3f,\"median_ms\":%.5f,\"matches\":%s}",
                  i ? "," : "", Gflops(o.shapes[i], t.median_s), Gflops(o.shapes[i], t.best_s),
                  t.median_s * 1e3, ref && Matches(t, ref->timings[i]) ? "true" : "false");
    }
    std::printf("]}");
  }
  std::printf("]}\n");
}

}  // namespace socd::bench::gemm_print

namespace socd::bench {

void PrintResults(const BenchOptions& o, const Peak& peak,
                  const std::vector<std::unique_ptr<Candidate>>& cands) {
  using gemm_print::Matches;
  const Candidate* ref = nullptr;
  for (const auto& c : cands) {
    if (c->error.empty() && !ref) ref = c.get();
  }
  if (o.json) return gemm_print::PrintJson(o, peak, cands, ref);

  std::printf("CPU: %s (%s); %d thread(s); socd uses %s\n", gemm_print::CpuModel().c_str(),
              cpu::GetCpuFeatures().Describe().c_str(), o.threads, cpu::GemmLibraryName().c_str());
  std::printf("fp32 peak, 1 core, measured (%s): %.1f GFLOP/s\n", peak.isa.c_str(), peak.gflops);
  std::printf("GFLOP/s, median of %d samples of >= %g ms %s time (%% of 1-core peak x threads)\n",
              o.samples, o.sample_ms, o.cpu_clock ? "CPU" : "wall");
  for (size_t j = 0; j < cands.size(); ++j) {
    const Candidate& c = *cands[j];
    std::printf("  [%zu] %s%s%s\n", j + 1, c.name.c_str(), c.error.empty() ? "" : ": ",
                c.error.c_str());
  }
  std::printf("%-44s %16s", "shape", "MxNxK");
  for (size_t j = 0; j < cands.size(); ++j) {
    std::printf(" %13s", ("[" + std::to_string(j + 1) + "]").c_str());
  }
  std::printf("\n");
  double peak_all = peak.gflops * o.threads;
  for (size_t i = 0; i < o.shapes.size(); ++i) {
    const auto& s = o.shapes[i];
    std::string dims = std::to_string(s.m) + "x" + std::to_string(s.n) + "x" + std::to_string(s.k);
    std::printf("%-44.44s %16s", s.label.c_str(), dims.c_str());
    for (const auto& c : cands) {
      if (!c->error.empty()) {
        std::printf(" %13s", "-");
        continue;
      }
      double g = Gflops(s, c->timings[i].median_s);
      bool ok = !ref || Matches(c->timings[i], ref->timings[i]);
      std::printf(" %7.1f (%3.0f%%)%s", g, peak_all > 0 ? 100 * g / peak_all : 0, ok ? "" : "!");
    }
    std::printf("\n");
  }
  std::printf("(! = result differs from [1]'s beyond rounding)\n");
}

}  // namespace socd::bench
