// socd.admin.v1.Admin: status (backends, models, queues, memory), a live Watch stream, a
// model's execution plan, and the thermal policy (stored and validated by thermal/; no governor
// acts on it yet).
#pragma once

#include <chrono>
#include <functional>

#include "admin.grpc.pb.h"
#include "daemon/model_repository.h"
#include "daemon/shm_registry.h"
#include "daemon/unix_listener.h"
#include "thermal/thermal_policy.h"

namespace socd::daemon {

class AdminService final : public socd::admin::v1::Admin::Service {
 public:
  AdminService(ModelRepository* repo, ShmRegistry* shm, const PeerRegistry* peers,
               AdminPolicy admin, std::function<bool()> ready, thermal::PolicyStore* thermal)
      : repo_(repo),
        shm_(shm),
        peers_(peers),
        admin_(admin),
        ready_(std::move(ready)),
        thermal_(thermal) {}

  using Ctx = grpc::ServerContext;
  grpc::Status GetStatus(Ctx*, const socd::admin::v1::StatusRequest*,
                         socd::admin::v1::Status*) override;
  grpc::Status Watch(Ctx*, const socd::admin::v1::WatchRequest*,
                     grpc::ServerWriter<socd::admin::v1::Status>*) override;
  grpc::Status GetPlan(Ctx*, const socd::admin::v1::PlanRequest*, socd::admin::v1::Plan*) override;
  grpc::Status GetThermalPolicy(Ctx*, const socd::admin::v1::ThermalPolicyRequest*,
                                socd::admin::v1::ThermalPolicy*) override;
  grpc::Status SetThermalPolicy(Ctx*, const socd::admin::v1::ThermalPolicy*,
                                socd::admin::v1::ThermalPolicy*) override;

 private:
  void FillStatus(socd::admin::v1::Status* s) const;
  ModelRepository* repo_;
  ShmRegistry* shm_;
  const PeerRegistry* peers_;
  AdminPolicy admin_;
  std::function<bool()> ready_;
  thermal::PolicyStore* thermal_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace socd::daemon
