#include "client/socctl_admin.h"

#include <cstdio>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/util/json_util.h"

namespace socd::socctl {

namespace admin_cmd_impl {
std::string Json(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions o;
  o.preserve_proto_field_names = true;
  o.always_print_primitive_fields = true;
  (void)google::protobuf::util::MessageToJsonString(m, &out, o);
  return out;
}
std::string Mib(uint64_t b) {
  return absl::StrCat(b / (1024 * 1024), ".", (b % (1024 * 1024)) * 10 / (1024 * 1024), " MiB");
}
std::string ThermalLine(const socd::admin::v1::ThermalPolicy& p) {
  return absl::StrFormat("target %.1f C, critical %.1f C, resume below %.1f C, objective %s%s",
                         p.target_temp_c(), p.critical_temp_c(), p.resume_temp_c(), p.objective(),
                         p.enforced() ? "" : " (stored only: no thermal governor acts on it yet)");
}
}  // namespace admin_cmd_impl

int PrintFailure(const absl::Status& s) {
  std::fprintf(stderr, "socctl: %s (%s)\n", std::string(s.message()).c_str(),
               absl::StatusCodeToString(s.code()).c_str());
  // UNAVAILABLE is also how a model that is not ready answers: only a failed connection is 3.
  const bool unreachable = s.code() == absl::StatusCode::kUnavailable &&
                           s.message().find("connect") != absl::string_view::npos;
  return unreachable ? 3 : 1;
}

int AdminStatus(client::Client& c, bool json, const std::string& socket) {
  auto st = c.AdminStatus();
  if (!st.ok()) return PrintFailure(st.status());
  if (json) {
    std::printf("%s\n", admin_cmd_impl::Json(*st).c_str());
    return 0;
  }
  std::printf("socd %s — %s, up %.0f s (socket %s)\n", st->version().c_str(),
              st->ready() ? "READY" : "NOT READY", st->uptime_s(), socket.c_str());
  std::printf("memory: RSS %s, %llu bytes copied since start, %llu shared-memory region(s)\n",
              admin_cmd_impl::Mib(st->memory().rss_bytes()).c_str(),
              static_cast<unsigned long long>(st->memory().bytes_copied()),
              static_cast<unsigned long long>(st->memory().shm_regions()));
  std::printf("thermal policy: %s\n", admin_cmd_impl::ThermalLine(st->thermal_policy()).c_str());
  std::printf("\n%-44s %-7s %-8s %-8s %s\n", "BACKEND", "KIND", "THREADS", "UNIFIED", "BUSY");
  for (const auto& b : st->backends()) {
    std::printf("%-44s %-7s %-8u %-8s %.1f s%s\n", b.name().c_str(), b.kind().c_str(), b.threads(),
                b.unified_memory() ? "yes" : "no", b.busy_us() / 1e6,
                b.simulated() ? " (simulated)" : "");
  }
  std::printf("\n%-24s %-4s %-12s %-7s %6s %9s %7s %12s  %s\n", "MODEL", "VER", "STATE", "BACKEND",
              "QUEUE", "OK", "FAILED", "ARENA", "REASON");
  for (const auto& m : st->models()) {
    std::printf(
        "%-24s %-4s %-12s %-7s %6llu %9llu %7llu %12s  %s\n", m.name().c_str(), m.version().c_str(),
        m.state().c_str(), m.backend().empty() ? "-" : m.backend().c_str(),
        static_cast<unsigned long long>(m.queue_depth()),
        static_cast<unsigned long long>(m.success()), static_cast<unsigned long long>(m.failure()),
        m.state() == "READY" ? admin_cmd_impl::Mib(m.arena_bytes()).c_str() : "-",
        m.reason().c_str());
  }
  return 0;
}

int Plan(client::Client& c, bool json, const std::string& model) {
  auto p = c.Plan(model);
  if (!p.ok()) return PrintFailure(p.status());
  if (json) {
    std::printf("%s\n", admin_cmd_impl::Json(*p).c_str());
    return 0;
  }
  std::printf("plan of %s version %s: %d partition(s); arena %s (tensors without reuse %s)\n",
              p->model().c_str(), p->version().c_str(), p->partitions_size(),
              admin_cmd_impl::Mib(p->arena_bytes()).c_str(),
              admin_cmd_impl::Mib(p->tensor_bytes()).c_str());
  for (int i = 0; i < p->partitions_size(); ++i) {
    const auto& part = p->partitions(i);
    std::printf("\n#%d on %s — %d node(s)\n  why: %s\n", i, part.backend().c_str(),
                part.nodes_size(), part.explanation().c_str());
    for (int n = 0; n < part.nodes_size(); ++n) {
      std::printf("  %4d  %-22s %s\n", n, part.op_types(n).c_str(), part.nodes(n).c_str());
    }
  }
  return 0;
}

int Thermal(client::Client& c, bool json, const std::vector<std::string>& args) {
  absl::StatusOr<socd::admin::v1::ThermalPolicy> r;
  if (args.empty()) {
    r = c.GetThermalPolicy();
  } else if (args[0] == "set" && args.size() > 1) {
    socd::admin::v1::ThermalPolicy p;
    for (size_t i = 1; i < args.size(); ++i) {
      auto eq = args[i].find('=');
      std::string k = args[i].substr(0, eq),
                  v = eq == std::string::npos ? "" : args[i].substr(eq + 1);
      double d = 0;
      if (k == "objective")
        p.set_objective(v);
      else if (k == "target_temp_c" && absl::SimpleAtod(v, &d))
        p.set_target_temp_c(d);
      else if (k == "critical_temp_c" && absl::SimpleAtod(v, &d))
        p.set_critical_temp_c(d);
      else if (k == "resume_temp_c" && absl::SimpleAtod(v, &d))
        p.set_resume_temp_c(d);
      else {
        std::fprintf(stderr,
                     "socctl: thermal set takes target_temp_c=, critical_temp_c=, "
                     "resume_temp_c=, objective= (°C; objective quality|balanced|battery)\n");
        return 2;
      }
    }
    r = c.SetThermalPolicy(p);
  } else {
    std::fprintf(stderr, "usage: socctl thermal [set KEY=VALUE...]\n");
    return 2;
  }
  if (!r.ok()) return PrintFailure(r.status());
  if (json)
    std::printf("%s\n", admin_cmd_impl::Json(*r).c_str());
  else
    std::printf("thermal policy: %s\n", admin_cmd_impl::ThermalLine(*r).c_str());
  return 0;
}

}  // namespace socd::socctl
