// bench_gemm: which sgemm should socd call on this machine? Times the Debian candidates — oneDNN's
// dnnl_sgemm, OpenBLAS (with its own core detection and with the core socd picks), Eigen — and
// socd::cpu::Sgemm itself, on square sizes and on the GEMMs of the benchmark models, against the
// core's fp32 peak measured with a register-only FMA loop.
//
//   bench_gemm [--threads N] [--samples N] [--sample-ms MS] [--shapes MxNxK[:label],...] [--json]
//              [--clock wall|cpu] [--openblas-core NAME]...
// --clock cpu times with process CPU time (1 thread only), for a machine that is not idle;
// --openblas-core NAME also times OpenBLAS with OPENBLAS_CORETYPE=NAME.
//
// Libraries take turns shape by shape, so a change in machine load during the run hits all alike.
// OpenBLAS reads OPENBLAS_CORETYPE once, when it is loaded, so OpenBLAS runs in child processes
// (this binary re-executed with --child-openblas) with the variable set or unset.
#include <dlfcn.h>
#include <omp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "backends/cpu/cpu_features.h"
#include "backends/cpu/gemm.h"
#include "bench/gemm_bench.h"
#include "oneapi/dnnl/dnnl.h"

namespace socd::bench::gemm_candidates {

std::string ShapesSpec(const std::vector<GemmShape>& shapes) {
  std::string s;
  for (const auto& sh : shapes) {
    if (!s.empty()) s += ",";
    s += std::to_string(sh.m) + "x" + std::to_string(sh.n) + "x" + std::to_string(sh.k);
  }
  return s;
}

// The same choice backends/cpu/gemm.cc makes when socd loads OpenBLAS (SOCD_GEMM=openblas).
const char* SocdOpenBlasCore() {
  const auto& f = cpu::GetCpuFeatures();
  return f.avx512f ? "SkylakeX" : f.avx2 ? "Haswell" : nullptr;
}

using CblasSgemm = void (*)(int, int, int, int, int, int, float, const float*, int, const float*,
                            int, float, float*, int);

// Child side: OpenBLAS as the environment configured it; one line per result for the parent.
int RunOpenBlasChild(const BenchOptions& o) {
  void* h = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    std::printf("error %s\n", dlerror());
    return 1;
  }
  auto sgemm = reinterpret_cast<CblasSgemm>(dlsym(h, "cblas_sgemm"));
  auto set_threads = reinterpret_cast<void (*)(int)>(dlsym(h, "openblas_set_num_threads"));
  auto corename = reinterpret_cast<char* (*)()>(dlsym(h, "openblas_get_corename"));
  auto config = reinterpret_cast<char* (*)()>(dlsym(h, "openblas_get_config"));
  if (!sgemm) {
    std::printf("error libopenblas.so.0 has no cblas_sgemm\n");
    return 1;
  }
  if (set_threads) set_threads(o.threads);
  std::printf("core %s\nconfig %s\n", corename ? corename() : "?", config ? config() : "?");
  std::fflush(stdout);  // a wrong core type dies of SIGILL in sgemm; the parent still names it
  for (size_t i = 0; i < o.shapes.size(); ++i) {
    GemmTiming t = TimeGemm(
        [&](int64_t m, int64_t n, int64_t k, const float* a, const float* b, float* c) {
          sgemm(101 /*row-major*/, 111, 111, m, n, k, 1.f, a, k, b, n, 0.f, c, n);
        },
        o.shapes[i], o.samples, o.sample_ms, o.cpu_clock);
    std::printf("r %zu %.9g %.9g %.17g %.17g\n", i, t.median_s, t.best_s, t.checksum, t.scale);
    std::fflush(stdout);
  }
  return 0;
}

std::string SelfExe() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  return n > 0 ? std::string(buf, n) : std::string();
}

// Times one shape in a child process; coretype nullptr leaves OpenBLAS to its own detection.
// Sets *name from what the child's OpenBLAS reports about itself.
GemmTiming OpenBlasInChild(const BenchOptions& o, const char* coretype, const GemmShape& s,
                           std::string* name, std::string* error) {
  std::string cmd = "'" + SelfExe() + "' --child-openblas --threads " + std::to_string(o.threads) +
                    " --samples " + std::to_string(o.samples) + " --sample-ms " +
                    std::to_string(o.sample_ms) + " --shapes " + ShapesSpec({s}) +
                    (o.cpu_clock ? " --clock cpu" : "");
  const char* old = std::getenv("OPENBLAS_CORETYPE");
  std::string saved = old ? old : "";
  if (coretype) {
    setenv("OPENBLAS_CORETYPE", coretype, 1);
  } else {
    unsetenv("OPENBLAS_CORETYPE");
  }
  setenv("OPENBLAS_NUM_THREADS", std::to_string(o.threads).c_str(), 1);
  std::fflush(stdout);
  FILE* p = popen(cmd.c_str(), "r");
  if (old) {
    setenv("OPENBLAS_CORETYPE", saved.c_str(), 1);
  } else {
    unsetenv("OPENBLAS_CORETYPE");
  }
  GemmTiming t;
  if (!p) {
    *error = "could not start the child process";
    return t;
  }
  std::string core = "?", version = "OpenBLAS";
  bool got = false;
  char line[4096];
  while (std::fgets(line, sizeof(line), p)) {
    line[std::strcspn(line, "\n")] = 0;
    size_t i;
    if (std::strncmp(line, "core ", 5) == 0) {
      core = line + 5;
    } else if (std::strncmp(line, "config ", 7) == 0) {
      version = line + 7;
    } else if (std::strncmp(line, "error ", 6) == 0) {
      *error = line + 6;
    } else if (std::sscanf(line, "r %zu %lf %lf %lf %lf", &i, &t.median_s, &t.best_s, &t.checksum,
                           &t.scale) == 5) {
      got = true;
    }
  }
  int status = pclose(p);
  *name = version + ", " +
          (coretype ? "OPENBLAS_CORETYPE=" + std::string(coretype) : "own core detection") +
          " -> core " + core;
  // popen's shell either execs the child (its signal is ours) or reports it as 128 + signal.
  int sig = WIFSIGNALED(status)                              ? WTERMSIG(status)
            : WIFEXITED(status) && WEXITSTATUS(status) > 128 ? WEXITSTATUS(status) - 128
                                                             : 0;
  if (error->empty() && sig) {
    *error = "child killed by signal " + std::to_string(sig) +
             (sig == SIGILL ? " (illegal instruction: wrong core type)" : "");
  } else if (error->empty() && !got) {
    *error = "child exited with status " + std::to_string(status) + " without a result";
  }
  return t;
}

std::unique_ptr<Candidate> InProcess(const BenchOptions& o, std::string id, std::string name,
                                     GemmFn fn) {
  auto c = std::make_unique<Candidate>();
  c->id = std::move(id);
  c->name = std::move(name);
  c->time = [&o, fn = std::move(fn)](const GemmShape& s, std::string*) {
    return TimeGemm(fn, s, o.samples, o.sample_ms, o.cpu_clock);
  };
  return c;
}

std::unique_ptr<Candidate> OpenBlas(const BenchOptions& o, const char* id, const char* coretype) {
  auto c = std::make_unique<Candidate>();
  c->id = id;
  c->name = "OpenBLAS";
  Candidate* self = c.get();
  c->time = [&o, coretype, self](const GemmShape& s, std::string* error) {
    return OpenBlasInChild(o, coretype, s, &self->name, error);
  };
  return c;
}

std::unique_ptr<Candidate> Eigen(const BenchOptions& o) {
  auto c = std::make_unique<Candidate>();
  c->id = "eigen";
  c->name = "Eigen";
  [[maybe_unused]] const auto& f = cpu::GetCpuFeatures();
#if defined(__x86_64__)
  if (!(f.avx2 && f.fma)) {
    c->error = "skipped: the Eigen module is built for AVX2+FMA and this CPU lacks it";
    return c;
  }
#endif
  std::string exe = SelfExe();
  std::string path = exe.substr(0, exe.rfind('/') + 1) + "bench_gemm_eigen.so";
  void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    c->error = std::string("skipped: ") + dlerror();
    return c;
  }
  using EigenSgemm = void (*)(int64_t, int64_t, int64_t, const float*, const float*, float*, int);
  auto fn = reinterpret_cast<EigenSgemm>(dlsym(h, "socd_bench_eigen_sgemm"));
  auto info = reinterpret_cast<const char* (*)()>(dlsym(h, "socd_bench_eigen_info"));
  if (!fn) {
    c->error = "skipped: " + path + " has no socd_bench_eigen_sgemm";
    return c;
  }
  int threads = o.threads;
  return InProcess(o, "eigen", std::string("Eigen ") + (info ? info() : ""),
                   [fn, threads](int64_t m, int64_t n, int64_t k, const float* a, const float* b,
                                 float* c) { fn(m, n, k, a, b, c, threads); });
}

int Usage() {
  std::fprintf(stderr,
               "usage: bench_gemm [--threads N] [--samples N] [--sample-ms MS] "
               "[--shapes MxNxK[:label],...] [--clock wall|cpu] [--openblas-core NAME]... "
               "[--json]\n");
  return 2;
}

int Main(int argc, char** argv) {
  BenchOptions o;
  std::string spec;
  bool child_openblas = false;
  std::vector<std::string> extra_cores;  // more OpenBLAS variants, e.g. "Zen", "SandyBridge"
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (s == "--threads") {
      o.threads = std::atoi(next().c_str());
    } else if (s == "--samples") {
      o.samples = std::atoi(next().c_str());
    } else if (s == "--sample-ms") {
      o.sample_ms = std::atof(next().c_str());
    } else if (s == "--shapes") {
      spec = next();
    } else if (s == "--clock") {
      std::string c = next();
      if (c != "cpu" && c != "wall") return Usage();
      o.cpu_clock = c == "cpu";
    } else if (s == "--json") {
      o.json = true;
    } else if (s == "--openblas-core") {
      extra_cores.push_back(next());
    } else if (s == "--child-openblas") {
      child_openblas = true;
    } else {
      return Usage();
    }
  }
  o.shapes = spec.empty() ? DefaultShapes() : ParseShapes(spec);
  if (o.threads < 1 || o.samples < 1 || !(o.sample_ms > 0) || o.shapes.empty()) return Usage();
  if (o.cpu_clock && o.threads != 1) {
    std::fprintf(stderr, "bench_gemm: --clock cpu needs --threads 1 (CPU time adds up threads)\n");
    return 2;
  }
  if (child_openblas) return RunOpenBlasChild(o);

  omp_set_num_threads(o.threads);
  Peak peak = MeasurePeak(1.0);
  std::vector<std::unique_ptr<Candidate>> cands;
  int threads = o.threads;
  cands.push_back(InProcess(
      o, "socd", "socd::cpu::Sgemm (" + cpu::GemmLibraryName() + ")",
      [threads](int64_t m, int64_t n, int64_t k, const float* a, const float* b, float* c) {
        cpu::Sgemm(false, false, m, n, k, 1.f, a, k, b, n, 0.f, c, n, threads);
      }));
  const dnnl_version_t* v = dnnl_version();
  cands.push_back(InProcess(
      o, "onednn",
      "oneDNN " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
          std::to_string(v->patch) + " dnnl_sgemm (" +
          std::string(v->cpu_runtime == DNNL_RUNTIME_OMP ? "OpenMP" : "other") + " runtime)",
      [](int64_t m, int64_t n, int64_t k, const float* a, const float* b, float* c) {
        dnnl_sgemm('N', 'N', m, n, k, 1.f, a, k, b, n, 0.f, c, n);
      }));
  cands.push_back(OpenBlas(o, "openblas-own-core", nullptr));
  if (const char* core = SocdOpenBlasCore()) {
    cands.push_back(OpenBlas(o, "openblas-socd-core", core));
  }
  for (const auto& core : extra_cores)
    cands.push_back(OpenBlas(o, "openblas-forced-core", core.c_str()));
  cands.push_back(Eigen(o));

  for (const auto& s : o.shapes) {
    for (auto& c : cands) {
      if (!c->error.empty()) continue;
      std::string error;
      GemmTiming t = c->time(s, &error);
      if (error.empty()) {
        c->timings.push_back(t);
      } else {
        c->error = error;
      }
    }
  }
  PrintResults(o, peak, cands);
  return 0;
}

}  // namespace socd::bench::gemm_candidates

int main(int argc, char** argv) { return socd::bench::gemm_candidates::Main(argc, argv); }
