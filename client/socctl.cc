// socctl: socd's admin and developer CLI.
//
//   socctl [--socket PATH] [--json] COMMAND
//     status                         server and model overview
//     models                         the repository index
//     models load|unload NAME        (admin)
//     infer MODEL [--input NAME=FILE.npy]... [--output-dir DIR]
//     perf MODEL [--concurrency N] [--duration S]
//     metrics [--metrics-port N] [--metrics-address ADDR]   Prometheus metrics (HTTP)
//     completion bash
// Exit status: 0 ok, 1 the server refused or failed, 2 usage, 3 cannot reach the server.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "client/metrics_fetch.h"
#include "client/socctl_admin.h"
#include "client/socd_client.h"

namespace {

using socd::client::Client;
using socd::client::Tensor;

struct Opts {
  std::string socket = "/run/socd/socd.sock";
  bool json = false;
  std::vector<std::string> args;
};

int Usage() {
  std::fprintf(stderr,
               "usage: socctl [--socket PATH] [--json] COMMAND\n"
               "  status                     backends, models, queues, memory\n"
               "  models [load|unload NAME]  repository index; load/unload need admin rights\n"
               "  plan MODEL                 how the model is partitioned across backends\n"
               "  thermal [set KEY=VALUE...] thermal policy (set needs admin rights)\n"
               "  infer MODEL [--input NAME=FILE.npy]... [--output-dir DIR]\n"
               "  perf MODEL [--concurrency N] [--duration SECONDS]\n"
               "  metrics [--metrics-port N] [--metrics-address ADDR]\n"
               "  completion bash\n");
  return 2;
}

int Fail(const absl::Status& s) {
  std::fprintf(stderr, "socctl: %s (%s)\n", std::string(s.message()).c_str(),
               absl::StatusCodeToString(s.code()).c_str());
  return s.code() == absl::StatusCode::kUnavailable &&
                 s.message().find("connect") != std::string::npos
             ? 3
             : 1;
}

std::string Esc(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    o += (static_cast<unsigned char>(c) < 0x20) ? ' ' : c;
  }
  return o;
}

int Models(Client& c, const Opts& o) {
  if (o.args.size() >= 3 && (o.args[1] == "load" || o.args[1] == "unload")) {
    absl::Status s = o.args[1] == "load" ? c.Load(o.args[2]) : c.Unload(o.args[2]);
    if (!s.ok()) return Fail(s);
    if (o.json)
      std::printf("{\"model\":\"%s\",\"%s\":true}\n", Esc(o.args[2]).c_str(), o.args[1].c_str());
    else
      std::printf("%s: %sed\n", o.args[2].c_str(), o.args[1].c_str());
    return 0;
  }
  if (o.args.size() != 1) return Usage();
  auto idx = c.RepositoryIndex();
  if (!idx.ok()) return Fail(idx.status());
  if (o.json) {
    std::printf("[");
    for (int i = 0; i < idx->models_size(); ++i) {
      const auto& m = idx->models(i);
      std::printf("%s{\"name\":\"%s\",\"version\":\"%s\",\"state\":\"%s\",\"reason\":\"%s\"}",
                  i ? "," : "", Esc(m.name()).c_str(), Esc(m.version()).c_str(), m.state().c_str(),
                  Esc(m.reason()).c_str());
    }
    std::printf("]\n");
    return 0;
  }
  std::printf("%-28s %-8s %-12s %s\n", "MODEL", "VERSION", "STATE", "REASON");
  for (const auto& m : idx->models()) {
    std::printf("%-28s %-8s %-12s %s\n", m.name().c_str(), m.version().c_str(), m.state().c_str(),
                m.reason().c_str());
  }
  return 0;
}

int Status(Client& c, const Opts& o) {
  auto md = c.ServerMetadata();
  if (!md.ok()) return Fail(md.status());
  auto ready = c.ServerReady();
  auto idx = c.RepositoryIndex();
  if (!ready.ok() || !idx.ok()) return Fail(!ready.ok() ? ready.status() : idx.status());
  int n_ready = 0;
  for (const auto& m : idx->models()) n_ready += m.state() == "READY";
  if (o.json) {
    std::printf(
        "{\"server\":\"%s\",\"version\":\"%s\",\"ready\":%s,\"models\":%d,\"models_ready\":%d}\n",
        Esc(md->name()).c_str(), Esc(md->version()).c_str(), *ready ? "true" : "false",
        idx->models_size(), n_ready);
    return 0;
  }
  std::printf("%s %s — %s, %d/%d models ready (socket %s)\n", md->name().c_str(),
              md->version().c_str(), *ready ? "READY" : "NOT READY", n_ready, idx->models_size(),
              o.socket.c_str());
  return Models(c, Opts{o.socket, false, {"models"}});
}

// Inputs for `infer`/`perf` when no files are given: zeros of the model's shapes (-1 -> 1).
absl::StatusOr<std::vector<Tensor>> DefaultInputs(Client& c, const std::string& model) {
  auto md = c.ModelMetadata(model);
  if (!md.ok()) return md.status();
  std::vector<Tensor> ins;
  for (const auto& i : md->inputs()) {
    Tensor t{i.name(), i.datatype(), {}, ""};
    for (int64_t d : i.shape()) t.shape.push_back(d < 0 ? 1 : d);
    t.data.assign(static_cast<size_t>(t.numel()) * socd::client::ElementSize(t.datatype), '\0');
    // BYTES: "0" per element, the string form of the zeros the numeric types get.
    if (t.datatype == "BYTES")
      t.data = socd::client::EncodeBytes(std::vector<std::string>(t.numel(), "0"));
    ins.push_back(std::move(t));
  }
  return ins;
}

int Infer(Client& c, const Opts& o) {
  if (o.args.size() < 2) return Usage();
  const std::string model = o.args[1];
  auto ins = DefaultInputs(c, model);
  if (!ins.ok()) return Fail(ins.status());
  std::string out_dir;
  for (size_t i = 2; i < o.args.size(); ++i) {
    if (o.args[i] == "--input" && i + 1 < o.args.size()) {
      std::string kv = o.args[++i];
      auto eq = kv.find('=');
      if (eq == std::string::npos) return Usage();
      auto t = socd::client::ReadNpy(kv.substr(eq + 1));
      if (!t.ok()) return Fail(t.status());
      t->name = kv.substr(0, eq);
      bool replaced = false;
      for (auto& x : *ins)
        if (x.name == t->name) x = *t, replaced = true;
      if (!replaced) ins->push_back(*t);
    } else if (o.args[i] == "--output-dir" && i + 1 < o.args.size()) {
      out_dir = o.args[++i];
    } else {
      return Usage();
    }
  }
  auto t0 = std::chrono::steady_clock::now();
  auto outs = c.Infer(model, *ins);
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  if (!outs.ok()) return Fail(outs.status());
  if (o.json)
    std::printf("{\"model\":\"%s\",\"latency_ms\":%.3f,\"outputs\":[", Esc(model).c_str(), ms);
  for (size_t k = 0; k < outs->size(); ++k) {
    const Tensor& t = (*outs)[k];
    std::string shape;
    for (size_t d = 0; d < t.shape.size(); ++d) shape += absl::StrCat(d ? "," : "", t.shape[d]);
    if (o.json) {
      std::printf("%s{\"name\":\"%s\",\"datatype\":\"%s\",\"shape\":[%s]", k ? "," : "",
                  Esc(t.name).c_str(), t.datatype.c_str(), shape.c_str());
      if (t.datatype == "BYTES" && t.numel() <= 16) {
        auto elems = socd::client::DecodeBytes(t.data);
        if (!elems.ok()) return Fail(elems.status());
        std::printf(",\"values\":[");
        for (size_t i = 0; i < elems->size(); ++i)
          std::printf("%s\"%s\"", i ? "," : "", Esc((*elems)[i]).c_str());
        std::printf("]");
      }
      if (t.datatype == "FP32" && t.numel() <= 16) {
        std::printf(",\"values\":[");
        for (int64_t i = 0; i < t.numel(); ++i) {
          float v;
          std::memcpy(&v, t.data.data() + 4 * i, 4);
          std::printf("%s%.7g", i ? "," : "", v);
        }
        std::printf("]");
      }
      std::printf("}");
    } else {
      std::printf("%s: %s[%s]", t.name.c_str(), t.datatype.c_str(), shape.c_str());
      if (t.datatype == "BYTES") {
        auto elems = socd::client::DecodeBytes(t.data);
        if (!elems.ok()) return Fail(elems.status());
        std::printf(" =");
        for (size_t i = 0; i < std::min<size_t>(elems->size(), 8); ++i)
          std::printf(" \"%s\"", absl::CEscape((*elems)[i]).c_str());
        if (elems->size() > 8) std::printf(" ...");
      }
      if (t.datatype == "FP32") {
        std::printf(" =");
        for (int64_t i = 0; i < std::min<int64_t>(t.numel(), 8); ++i) {
          float v;
          std::memcpy(&v, t.data.data() + 4 * i, 4);
          std::printf(" %.6g", v);
        }
        if (t.numel() > 8) std::printf(" ...");
      }
      std::printf("\n");
    }
    if (!out_dir.empty()) {
      if (auto s = socd::client::WriteNpy(out_dir + "/" + t.name + ".npy", t); !s.ok())
        return Fail(s);
    }
  }
  if (o.json)
    std::printf("]}\n");
  else
    std::printf("(%.3f ms round trip)\n", ms);
  return 0;
}

int Perf(Client& c, const Opts& o, const std::string& target) {
  if (o.args.size() < 2) return Usage();
  const std::string model = o.args[1];
  int conc = 1;
  double duration = 5;
  for (size_t i = 2; i + 1 < o.args.size(); i += 2) {
    if (o.args[i] == "--concurrency")
      conc = std::max(1, std::atoi(o.args[i + 1].c_str()));
    else if (o.args[i] == "--duration")
      duration = std::atof(o.args[i + 1].c_str());
    else
      return Usage();
  }
  auto ins = DefaultInputs(c, model);
  if (!ins.ok()) return Fail(ins.status());
  inference::ModelInferRequest req;
  req.set_model_name(model);
  for (const auto& t : *ins) {
    auto* in = req.add_inputs();
    in->set_name(t.name);
    in->set_datatype(t.datatype);
    for (int64_t d : t.shape) in->add_shape(d);
    req.add_raw_input_contents(t.data);
  }
  std::mutex mu;
  std::vector<double> lat;
  std::atomic<int> errors{0};
  std::string first_error;
  auto start = std::chrono::steady_clock::now();
  auto end = start + std::chrono::duration<double>(duration);
  std::vector<std::thread> workers;
  for (int w = 0; w < conc; ++w) {
    workers.emplace_back([&] {
      auto cl = Client::Connect(target);  // one channel per worker, as separate apps would
      std::vector<double> mine;
      while (std::chrono::steady_clock::now() < end) {
        auto t0 = std::chrono::steady_clock::now();
        auto r = cl->InferRaw(req);
        if (!r.ok()) {
          if (errors++ == 0) {
            std::lock_guard<std::mutex> l(mu);
            first_error = std::string(r.status().message());
          }
          continue;
        }
        mine.push_back(
            std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0)
                .count());
      }
      std::lock_guard<std::mutex> l(mu);
      lat.insert(lat.end(), mine.begin(), mine.end());
    });
  }
  const bool tty = isatty(2) && !o.json;
  while (tty && std::chrono::steady_clock::now() < end) {
    double f =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / duration;
    int bar = static_cast<int>(std::min(1.0, f) * 30);
    std::fprintf(stderr, "\r[%.*s%*s] %3.0f%%", bar, "##############################", 30 - bar, "",
                 std::min(1.0, f) * 100);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  for (auto& t : workers) t.join();
  if (tty) std::fprintf(stderr, "\r%*s\r", 40, "");
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::sort(lat.begin(), lat.end());
  auto pct = [&](double p) {
    return lat.empty() ? 0.0 : lat[std::min(lat.size() - 1, static_cast<size_t>(p * lat.size()))];
  };
  double tput = lat.size() / secs;
  if (o.json) {
    std::printf(
        "{\"model\":\"%s\",\"concurrency\":%d,\"duration_s\":%.2f,\"requests\":%zu,\"errors\":%d,"
        "\"throughput_rps\":%.1f,\"p50_us\":%.1f,\"p90_us\":%.1f,\"p99_us\":%.1f}\n",
        Esc(model).c_str(), conc, secs, lat.size(), errors.load(), tput, pct(0.5), pct(0.9),
        pct(0.99));
  } else {
    std::printf("%s: concurrency %d, %.1f s: %zu requests, %d errors\n", model.c_str(), conc, secs,
                lat.size(), errors.load());
    std::printf("throughput %.1f infer/s; latency p50 %.1f us, p90 %.1f us, p99 %.1f us\n", tput,
                pct(0.5), pct(0.9), pct(0.99));
  }
  if (errors > 0) std::fprintf(stderr, "socctl: first error: %s\n", first_error.c_str());
  return errors > 0 ? 1 : 0;
}

// Not gRPC: the daemon serves Prometheus metrics over HTTP (--metrics-port, Triton's 8002).
int Metrics(const Opts& o) {
  std::string address = "127.0.0.1";
  int port = 8002;
  for (size_t i = 1; i < o.args.size(); i += 2) {
    if (i + 1 >= o.args.size()) return Usage();
    if (o.args[i] == "--metrics-port")
      port = std::atoi(o.args[i + 1].c_str());
    else if (o.args[i] == "--metrics-address")
      address = o.args[i + 1];
    else
      return Usage();
  }
  if (port <= 0 || port > 65535) return Usage();
  auto body = socd::client::FetchHttp(address, port, "/metrics", std::chrono::seconds(10));
  if (!body.ok()) return Fail(body.status());
  if (!o.json) {
    std::fwrite(body->data(), 1, body->size(), stdout);
    return 0;
  }
  auto samples = socd::client::ParseMetricsText(*body);
  if (!samples.ok()) return Fail(samples.status());
  std::printf("%s\n", socd::client::MetricSamplesToJson(*samples).c_str());
  return 0;
}

int Completion() {
  std::printf(
      "_socctl() {\n"
      "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
      "  case $prev in\n"
      "    socctl) COMPREPLY=($(compgen -W 'status models plan thermal infer perf metrics "
      "completion --socket "
      "--json' "
      "-- \"$cur\"));;\n"
      "    models) COMPREPLY=($(compgen -W 'load unload' -- \"$cur\"));;\n"
      "    perf) ;;\n"
      "    *) COMPREPLY=($(compgen -W '--input --output-dir --concurrency --duration "
      "--metrics-port --metrics-address' -- "
      "\"$cur\"));;\n"
      "  esac\n"
      "}\n"
      "complete -F _socctl socctl\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Opts o;
  if (const char* s = std::getenv("SOCD_SOCKET")) o.socket = s;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if ((a == "--socket" || a == "-s") && i + 1 < argc)
      o.socket = argv[++i];
    else if (a == "--json")
      o.json = true;
    else if (a == "-h" || a == "--help")
      return Usage(), 0;
    else
      o.args.push_back(a);
  }
  if (o.args.empty()) return Usage();
  if (o.args[0] == "completion") return Completion();
  if (o.args[0] == "metrics") return Metrics(o);
  std::string target = o.socket.find(':') != std::string::npos ? o.socket : "unix:" + o.socket;
  auto c = Client::Connect(target);
  const std::string& cmd = o.args[0];
  if (cmd == "status") {
    // socd's admin API gives backends, queues and memory; a plain KServe server (Triton) does
    // not have it, so fall back to the inference API's view.
    auto st = c->AdminStatus();
    if (st.ok() || st.status().code() != absl::StatusCode::kUnimplemented) {
      return socd::socctl::AdminStatus(*c, o.json, o.socket);
    }
    return Status(*c, o);
  }
  if (cmd == "plan")
    return o.args.size() == 2 ? socd::socctl::Plan(*c, o.json, o.args[1]) : Usage();
  if (cmd == "thermal") {
    return socd::socctl::Thermal(*c, o.json, {o.args.begin() + 1, o.args.end()});
  }
  if (cmd == "models") return Models(*c, o);
  if (cmd == "infer") return Infer(*c, o);
  if (cmd == "perf") return Perf(*c, o, target);
  return Usage();
}
