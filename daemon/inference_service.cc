#include "daemon/inference_service.h"

#include "absl/strings/str_cat.h"
#include "daemon/tensor_codec.h"
#include "spdlog/spdlog.h"

namespace socd::daemon {

grpc::Status ToGrpc(const absl::Status& s) {
  if (s.ok()) return grpc::Status::OK;
  // absl's canonical codes are numbered exactly as gRPC's.
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), std::string(s.message()));
}

using grpc::Status;

namespace service_impl {
// The client's gRPC deadline on the steady clock (none: time_point::max()).
std::chrono::steady_clock::time_point Deadline(grpc::ServerContext* ctx) {
  auto d = ctx->deadline();
  auto left = d - std::chrono::system_clock::now();
  if (d == std::chrono::system_clock::time_point::max() || left > std::chrono::hours(24 * 365)) {
    return std::chrono::steady_clock::time_point::max();
  }
  return std::chrono::steady_clock::now() +
         std::chrono::duration_cast<std::chrono::steady_clock::duration>(left);
}
// The fairness identity of the caller: its process (SO_PEERCRED pid) on the Unix socket, the
// peer address otherwise (TCP).
uint64_t ClientId(const PeerRegistry* peers, grpc::ServerContext* ctx) {
  const std::string peer = ctx->peer();
  if (peers) {
    if (auto cred = peers->Lookup(peer); cred.ok()) return static_cast<uint64_t>(cred->pid);
  }
  return std::hash<std::string>{}(peer) | (uint64_t{1} << 63);
}
}  // namespace service_impl
using service_impl::ClientId;
using service_impl::Deadline;

Status InferenceService::RequireAdmin(Ctx* ctx, const char* what) const {
  auto cred = peers_->Lookup(ctx->peer());
  if (cred.ok() && admin_.IsAdmin(*cred)) return Status::OK;
  std::string who = cred.ok() ? absl::StrCat("uid ", cred->uid, " gid ", cred->gid)
                              : absl::StrCat("peer ", ctx->peer());
  spdlog::warn("denied {} to {}", what, who);
  return Status(grpc::StatusCode::PERMISSION_DENIED,
                absl::StrCat(what, " is an admin operation; ", who,
                             " is not root, socd's user or in the admin group"));
}

Status InferenceService::ServerLive(Ctx*, const inference::ServerLiveRequest*,
                                    inference::ServerLiveResponse* r) {
  r->set_live(true);
  return Status::OK;
}

Status InferenceService::ServerReady(Ctx*, const inference::ServerReadyRequest*,
                                     inference::ServerReadyResponse* r) {
  r->set_ready(ready_.load());
  return Status::OK;
}

Status InferenceService::ModelReady(Ctx*, const inference::ModelReadyRequest* q,
                                    inference::ModelReadyResponse* r) {
  r->set_ready(repo_->Get(q->name(), q->version()).ok());
  return Status::OK;
}

Status InferenceService::ServerMetadata(Ctx*, const inference::ServerMetadataRequest*,
                                        inference::ServerMetadataResponse* r) {
  r->set_name("socd");
  r->set_version(SOCD_VERSION);
  for (const char* e : {"model_repository", "model_configuration", "system_shared_memory",
                        "statistics", "schedule_policy"}) {
    r->add_extensions(e);
  }
  return Status::OK;
}

Status InferenceService::ModelMetadata(Ctx*, const inference::ModelMetadataRequest* q,
                                       inference::ModelMetadataResponse* r) {
  auto m = repo_->Get(q->name(), q->version());
  if (!m.ok()) return ToGrpc(m.status());
  const auto& cfg = (*m)->config;
  r->set_name((*m)->name);
  r->add_versions(std::to_string((*m)->version));
  r->set_platform(cfg.platform().empty() ? "onnxruntime_onnx" : cfg.platform());
  auto fill = [&](const auto& tensors, auto* out) {
    for (const auto& t : tensors) {
      auto* md = out->Add();
      md->set_name(t.name());
      auto dt = DTypeFromConfig(t.data_type());
      md->set_datatype(dt.ok() ? WireName(*dt) : "BYTES");
      if (cfg.max_batch_size() > 0) md->add_shape(-1);
      for (int64_t d : t.dims()) md->add_shape(d);
    }
  };
  fill(cfg.input(), r->mutable_inputs());
  fill(cfg.output(), r->mutable_outputs());
  return Status::OK;
}

Status InferenceService::ModelInfer(Ctx* ctx, const inference::ModelInferRequest* q,
                                    inference::ModelInferResponse* r) {
  absl::Status s = handler_.Infer(
      *q, r, [ctx] { return ctx->IsCancelled(); }, Deadline(ctx), ClientId(peers_, ctx));
  if (!s.ok()) spdlog::debug("ModelInfer '{}': {}", q->model_name(), std::string(s.message()));
  return ToGrpc(s);
}

Status InferenceService::ModelStreamInfer(
    Ctx* ctx,
    grpc::ServerReaderWriter<inference::ModelStreamInferResponse, inference::ModelInferRequest>*
        stream) {
  inference::ModelInferRequest q;
  const uint64_t client = ClientId(peers_, ctx);
  while (stream->Read(&q)) {
    inference::ModelStreamInferResponse out;
    absl::Status s = handler_.Infer(
        q, out.mutable_infer_response(), [ctx] { return ctx->IsCancelled(); }, Deadline(ctx),
        client);
    if (!s.ok()) {
      out.Clear();
      out.set_error_message(std::string(s.message()));
      out.mutable_infer_response()->set_id(q.id());
      out.mutable_infer_response()->set_model_name(q.model_name());
    }
    if (!stream->Write(out)) break;
  }
  return Status::OK;
}

Status InferenceService::ModelConfig(Ctx*, const inference::ModelConfigRequest* q,
                                     inference::ModelConfigResponse* r) {
  auto m = repo_->Get(q->name(), q->version());
  if (!m.ok()) return ToGrpc(m.status());
  *r->mutable_config() = (*m)->config;
  return Status::OK;
}

Status InferenceService::ModelStatistics(Ctx*, const inference::ModelStatisticsRequest* q,
                                         inference::ModelStatisticsResponse* r) {
  if (!q->name().empty()) {
    if (auto m = repo_->Get(q->name(), q->version()); !m.ok()) return ToGrpc(m.status());
  }
  for (const auto& m : repo_->Loaded()) {
    if (!q->name().empty() && m->name != q->name()) continue;
    if (!q->version().empty() && std::to_string(m->version) != q->version()) continue;
    auto* ms = r->add_model_stats();
    const ModelStats& st = m->stats;
    ms->set_name(m->name);
    ms->set_version(std::to_string(m->version));
    ms->set_last_inference(st.last_inference_ms);
    ms->set_inference_count(st.inference_count);
    ms->set_execution_count(st.execution_count);
    auto* is = ms->mutable_inference_stats();
    auto dur = [](inference::StatisticDuration* d, uint64_t count, uint64_t ns) {
      d->set_count(count);
      d->set_ns(ns);
    };
    dur(is->mutable_success(), st.success_count, st.success_ns);
    dur(is->mutable_fail(), st.fail_count, st.fail_ns);
    dur(is->mutable_queue(), st.queue_count, st.queue_ns);
    dur(is->mutable_compute_input(), st.success_count, st.compute_input_ns);
    dur(is->mutable_compute_infer(), st.success_count, st.compute_infer_ns);
    dur(is->mutable_compute_output(), st.success_count, st.compute_output_ns);
    for (const auto& [size, b] : st.Batches()) {
      auto* bs = ms->add_batch_stats();
      bs->set_batch_size(size);
      dur(bs->mutable_compute_input(), b.count, b.compute_input_ns);
      dur(bs->mutable_compute_infer(), b.count, b.compute_infer_ns);
      dur(bs->mutable_compute_output(), b.count, b.compute_output_ns);
    }
  }
  return Status::OK;
}

Status InferenceService::RepositoryIndex(Ctx*, const inference::RepositoryIndexRequest* q,
                                         inference::RepositoryIndexResponse* r) {
  for (const auto& e : repo_->Index()) {
    if (q->ready() && e.state != "READY") continue;
    auto* m = r->add_models();
    m->set_name(e.name);
    m->set_version(e.version);
    m->set_state(e.state);
    m->set_reason(e.reason);
  }
  return Status::OK;
}

Status InferenceService::RepositoryModelLoad(Ctx* ctx,
                                             const inference::RepositoryModelLoadRequest* q,
                                             inference::RepositoryModelLoadResponse*) {
  if (auto a = RequireAdmin(ctx, "model load"); !a.ok()) return a;
  if (repo_->options().mode != ControlMode::kExplicit) {
    return Status(grpc::StatusCode::UNAVAILABLE,
                  "explicit model load / unload is not allowed unless socd runs with "
                  "--model-control-mode=explicit");
  }
  return ToGrpc(repo_->Load(q->model_name()));
}

Status InferenceService::RepositoryModelUnload(Ctx* ctx,
                                               const inference::RepositoryModelUnloadRequest* q,
                                               inference::RepositoryModelUnloadResponse*) {
  if (auto a = RequireAdmin(ctx, "model unload"); !a.ok()) return a;
  if (repo_->options().mode != ControlMode::kExplicit) {
    return Status(grpc::StatusCode::UNAVAILABLE,
                  "explicit model load / unload is not allowed unless socd runs with "
                  "--model-control-mode=explicit");
  }
  return ToGrpc(repo_->Unload(q->model_name()));
}

Status InferenceService::SystemSharedMemoryStatus(
    Ctx*, const inference::SystemSharedMemoryStatusRequest* q,
    inference::SystemSharedMemoryStatusResponse* r) {
  if (!q->name().empty()) {
    if (auto f = shm_->Find(q->name()); !f.ok()) return ToGrpc(f.status());
  }
  for (const auto& reg : shm_->List()) {
    if (!q->name().empty() && reg->name() != q->name()) continue;
    auto& s = (*r->mutable_regions())[reg->name()];
    s.set_name(reg->name());
    s.set_key(reg->key());
    s.set_offset(reg->offset());
    s.set_byte_size(reg->byte_size());
  }
  return Status::OK;
}

Status InferenceService::SystemSharedMemoryRegister(
    Ctx* ctx, const inference::SystemSharedMemoryRegisterRequest* q,
    inference::SystemSharedMemoryRegisterResponse*) {
  if (auto a = RequireAdmin(ctx, "shared-memory registration"); !a.ok()) return a;
  return ToGrpc(shm_->Register(q->name(), q->key(), q->offset(), q->byte_size()));
}

Status InferenceService::SystemSharedMemoryUnregister(
    Ctx* ctx, const inference::SystemSharedMemoryUnregisterRequest* q,
    inference::SystemSharedMemoryUnregisterResponse*) {
  if (auto a = RequireAdmin(ctx, "shared-memory unregistration"); !a.ok()) return a;
  return ToGrpc(shm_->Unregister(q->name()));
}

}  // namespace socd::daemon
