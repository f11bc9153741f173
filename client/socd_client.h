// C++ client library for socd (and any KServe v2 / Triton gRPC server): a channel to the Unix
// socket, typed tensors, and the calls socctl and applications need. Depends only on proto/.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "admin.grpc.pb.h"
#include "inference.grpc.pb.h"

namespace socd::client {

// A tensor as it travels: KServe datatype name ("FP32"...), shape, row-major bytes.
struct Tensor {
  std::string name;
  std::string datatype;
  std::vector<int64_t> shape;
  std::string data;
  int64_t numel() const;
};

// Bytes per element of a KServe datatype (0 for BYTES / unknown).
size_t ElementSize(const std::string& datatype);

// BYTES tensors travel as each element's 4-byte little-endian length and bytes (Tensor::data).
std::string EncodeBytes(const std::vector<std::string>& elements);
absl::StatusOr<std::vector<std::string>> DecodeBytes(const std::string& wire);

class Client {
 public:
  // target: "unix:/run/socd/socd.sock", "unix:///abs/path" or "host:port".
  static std::unique_ptr<Client> Connect(const std::string& target);

  absl::StatusOr<bool> ServerReady();
  absl::StatusOr<inference::ServerMetadataResponse> ServerMetadata();
  absl::StatusOr<inference::RepositoryIndexResponse> RepositoryIndex();
  absl::StatusOr<inference::ModelMetadataResponse> ModelMetadata(const std::string& model);
  absl::StatusOr<inference::ModelStatisticsResponse> ModelStatistics(const std::string& model);
  absl::Status Load(const std::string& model);
  absl::Status Unload(const std::string& model);
  // Raw-bytes inference; all outputs when `outputs` is empty.
  absl::StatusOr<std::vector<Tensor>> Infer(const std::string& model,
                                            const std::vector<Tensor>& inputs,
                                            const std::vector<std::string>& outputs = {});
  // The prepared request form, for load generators that send the same request many times.
  absl::StatusOr<inference::ModelInferResponse> InferRaw(const inference::ModelInferRequest& req);

  // socd's admin API (socd.admin.v1.Admin).
  absl::StatusOr<socd::admin::v1::Status> AdminStatus();
  absl::StatusOr<socd::admin::v1::Plan> Plan(const std::string& model);
  absl::StatusOr<socd::admin::v1::ThermalPolicy> GetThermalPolicy();
  absl::StatusOr<socd::admin::v1::ThermalPolicy> SetThermalPolicy(
      const socd::admin::v1::ThermalPolicy& p);

 private:
  explicit Client(std::shared_ptr<grpc::Channel> ch);
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<inference::GRPCInferenceService::Stub> stub_;
  std::unique_ptr<socd::admin::v1::Admin::Stub> admin_;
};

absl::Status FromGrpc(const grpc::Status& s);

// .npy files (NumPy format 1.0/2.0, little-endian, C order) <-> Tensor.
absl::StatusOr<Tensor> ReadNpy(const std::string& path);
absl::Status WriteNpy(const std::string& path, const Tensor& t);

}  // namespace socd::client
