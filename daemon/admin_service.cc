#include "daemon/admin_service.h"

#include "daemon/backend_choice.h"

#include <unistd.h>

#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "backends/memory/copy.h"
#include "daemon/inference_service.h"
#include "spdlog/spdlog.h"

namespace socd::daemon {

namespace admin_impl {
uint64_t RssBytes() {
  std::ifstream f("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  f >> size >> resident;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}
void ToProto(const thermal::ThermalPolicy& p, socd::admin::v1::ThermalPolicy* out) {
  out->set_target_temp_c(p.target_temp_c);
  out->set_critical_temp_c(p.critical_temp_c);
  out->set_resume_temp_c(p.resume_temp_c);
  out->set_objective(std::string(thermal::ObjectiveName(p.objective)));
  out->set_enforced(false);  // the thermal governor is a later issue
}
}  // namespace admin_impl

void AdminService::FillStatus(socd::admin::v1::Status* s) const {
  s->set_version(SOCD_VERSION);
  s->set_uptime_s(std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
  s->set_ready(ready_());
  auto loaded = repo_->Loaded();
  // Every model runs on the CPU backend today; one entry per distinct backend configuration.
  std::map<std::string, socd::admin::v1::BackendStatus> backends;
  for (const auto& m : loaded) {
    const auto& info = m->session->backend_info();
    auto& b = backends[info.name];
    b.set_name(info.name);
    b.set_kind(std::string(backends::BackendKindName(info.kind)));
    b.set_unified_memory(info.unified_memory);
    b.set_threads(static_cast<uint32_t>(info.threads));
    b.set_busy_us(b.busy_us() + m->stats.compute_infer_ns / 1000);
  }
  for (auto& [name, b] : backends) *s->add_backends() = b;
  std::map<std::string, std::shared_ptr<LoadedModel>> by_key;
  for (const auto& m : loaded) by_key[absl::StrCat(m->name, "/", m->version)] = m;
  for (const auto& e : repo_->Index()) {
    auto* ms = s->add_models();
    ms->set_name(e.name);
    ms->set_version(e.version);
    ms->set_state(e.state);
    ms->set_reason(e.reason);
    auto it = by_key.find(absl::StrCat(e.name, "/", e.version));
    if (it != by_key.end()) {
      const auto& m = it->second;
      ms->set_queue_depth(m->queue->depth());
      ms->set_success(m->stats.success_count);
      ms->set_failure(m->stats.fail_count);
      ms->set_arena_bytes(m->session->run_stats().arena_bytes);
      ms->set_backend(std::string(backends::BackendKindName(m->session->backend_info().kind)));
      ms->set_memory_bytes(ModelMemoryBytes(*m->session));
    }
  }
  auto* mem = s->mutable_memory();
  mem->set_rss_bytes(admin_impl::RssBytes());
  mem->set_bytes_copied(memory::BytesCopied());
  mem->set_shm_regions(shm_->List().size());
  admin_impl::ToProto(thermal_->Get(), s->mutable_thermal_policy());
}

grpc::Status AdminService::GetStatus(Ctx*, const socd::admin::v1::StatusRequest*,
                                     socd::admin::v1::Status* s) {
  FillStatus(s);
  return grpc::Status::OK;
}

grpc::Status AdminService::Watch(Ctx* ctx, const socd::admin::v1::WatchRequest* q,
                                 grpc::ServerWriter<socd::admin::v1::Status>* w) {
  const auto interval = std::chrono::milliseconds(q->interval_ms() ? q->interval_ms() : 1000);
  if (interval < std::chrono::milliseconds(50)) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "interval_ms must be >= 50");
  }
  while (!ctx->IsCancelled()) {
    socd::admin::v1::Status s;
    FillStatus(&s);
    if (!w->Write(s)) break;
    // Sleep in short steps so a cancelled watch ends promptly (and shutdown is not held up).
    for (auto slept = std::chrono::milliseconds(0); slept < interval && !ctx->IsCancelled();
         slept += std::chrono::milliseconds(50)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  return grpc::Status::OK;
}

grpc::Status AdminService::GetPlan(Ctx*, const socd::admin::v1::PlanRequest* q,
                                   socd::admin::v1::Plan* p) {
  auto m = repo_->Get(q->model(), q->version());
  if (!m.ok()) return ToGrpc(m.status());
  const auto& session = *(*m)->session;
  p->set_model((*m)->name);
  p->set_version(std::to_string((*m)->version));
  auto* part = p->add_partitions();
  part->set_backend(session.backend_info().name);
  for (const auto& n : session.graph().nodes) {
    part->add_nodes(n.name);
    part->add_op_types(n.op_type);
  }
  part->set_explanation(
      "single partition: the CPU is the only backend compiled into this build; the cost-based "
      "partitioner across CPU/GPU/NPU is not implemented yet");
  auto rs = session.run_stats();
  p->set_arena_bytes(rs.arena_bytes);
  p->set_tensor_bytes(rs.tensor_bytes);
  return grpc::Status::OK;
}

grpc::Status AdminService::GetThermalPolicy(Ctx*, const socd::admin::v1::ThermalPolicyRequest*,
                                            socd::admin::v1::ThermalPolicy* out) {
  admin_impl::ToProto(thermal_->Get(), out);
  return grpc::Status::OK;
}

grpc::Status AdminService::SetThermalPolicy(Ctx* ctx, const socd::admin::v1::ThermalPolicy* in,
                                            socd::admin::v1::ThermalPolicy* out) {
  auto cred = peers_->Lookup(ctx->peer());
  if (!cred.ok() || !admin_.IsAdmin(*cred)) {
    const std::string who = cred.ok() ? absl::StrCat("uid ", cred->uid, " gid ", cred->gid)
                                      : absl::StrCat("peer ", ctx->peer());
    spdlog::warn("denied thermal policy change to {}", who);
    return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                        absl::StrCat("setting the thermal policy is an admin operation; ", who,
                                     " is not root, socd's user or in the admin group"));
  }
  // Fields left 0 / empty keep their current value, so `socctl thermal set target_temp_c=70`
  // changes one threshold; the merged policy is validated as a whole.
  thermal::ThermalPolicy p = thermal_->Get();
  if (in->target_temp_c() != 0) p.target_temp_c = in->target_temp_c();
  if (in->critical_temp_c() != 0) p.critical_temp_c = in->critical_temp_c();
  if (in->resume_temp_c() != 0) p.resume_temp_c = in->resume_temp_c();
  if (!in->objective().empty()) {
    auto o = thermal::ParseObjective(in->objective());
    if (!o.ok()) return ToGrpc(o.status());
    p.objective = *o;
  }
  if (absl::Status s = thermal_->Set(p); !s.ok()) return ToGrpc(s);
  spdlog::info(
      "thermal policy set by uid {}: target {} C, critical {} C, resume {} C, {} "
      "(no thermal governor acts on it yet)",
      cred->uid, p.target_temp_c, p.critical_temp_c, p.resume_temp_c,
      std::string(thermal::ObjectiveName(p.objective)));
  admin_impl::ToProto(p, out);
  return grpc::Status::OK;
}

}  // namespace socd::daemon
