// The GRPCInferenceService (KServe v2, Triton-compatible) over socd's repository and engine.
#pragma once

#include <atomic>

#include "daemon/infer_handler.h"
#include "daemon/model_repository.h"
#include "daemon/shm_registry.h"
#include "daemon/unix_listener.h"
#include "inference.grpc.pb.h"

namespace socd::daemon {

class InferenceService final : public inference::GRPCInferenceService::Service {
 public:
  InferenceService(ModelRepository* repo, ShmRegistry* shm, const PeerRegistry* peers,
                   AdminPolicy admin, InferLimits limits = {})
      : repo_(repo), shm_(shm), peers_(peers), admin_(admin), handler_(repo, shm, limits) {}
  void set_ready(bool r) { ready_ = r; }
  bool ready() const { return ready_.load(); }

  using Ctx = grpc::ServerContext;
  grpc::Status ServerLive(Ctx*, const inference::ServerLiveRequest*,
                          inference::ServerLiveResponse*) override;
  grpc::Status ServerReady(Ctx*, const inference::ServerReadyRequest*,
                           inference::ServerReadyResponse*) override;
  grpc::Status ModelReady(Ctx*, const inference::ModelReadyRequest*,
                          inference::ModelReadyResponse*) override;
  grpc::Status ServerMetadata(Ctx*, const inference::ServerMetadataRequest*,
                              inference::ServerMetadataResponse*) override;
  grpc::Status ModelMetadata(Ctx*, const inference::ModelMetadataRequest*,
                             inference::ModelMetadataResponse*) override;
  grpc::Status ModelInfer(Ctx*, const inference::ModelInferRequest*,
                          inference::ModelInferResponse*) override;
  grpc::Status ModelStreamInfer(
      Ctx*,
      grpc::ServerReaderWriter<inference::ModelStreamInferResponse, inference::ModelInferRequest>*
          stream) override;
  grpc::Status ModelConfig(Ctx*, const inference::ModelConfigRequest*,
                           inference::ModelConfigResponse*) override;
  grpc::Status ModelStatistics(Ctx*, const inference::ModelStatisticsRequest*,
                               inference::ModelStatisticsResponse*) override;
  grpc::Status RepositoryIndex(Ctx*, const inference::RepositoryIndexRequest*,
                               inference::RepositoryIndexResponse*) override;
  grpc::Status RepositoryModelLoad(Ctx*, const inference::RepositoryModelLoadRequest*,
                                   inference::RepositoryModelLoadResponse*) override;
  grpc::Status RepositoryModelUnload(Ctx*, const inference::RepositoryModelUnloadRequest*,
                                     inference::RepositoryModelUnloadResponse*) override;
  grpc::Status SystemSharedMemoryStatus(Ctx*, const inference::SystemSharedMemoryStatusRequest*,
                                        inference::SystemSharedMemoryStatusResponse*) override;
  grpc::Status SystemSharedMemoryRegister(Ctx*, const inference::SystemSharedMemoryRegisterRequest*,
                                          inference::SystemSharedMemoryRegisterResponse*) override;
  grpc::Status SystemSharedMemoryUnregister(
      Ctx*, const inference::SystemSharedMemoryUnregisterRequest*,
      inference::SystemSharedMemoryUnregisterResponse*) override;

 private:
  // PERMISSION_DENIED unless the caller's SO_PEERCRED credentials are an admin's.
  grpc::Status RequireAdmin(Ctx* ctx, const char* what) const;

  ModelRepository* repo_;
  ShmRegistry* shm_;
  const PeerRegistry* peers_;
  AdminPolicy admin_;
  InferHandler handler_;
  std::atomic<bool> ready_{false};
};

grpc::Status ToGrpc(const absl::Status& s);

}  // namespace socd::daemon
