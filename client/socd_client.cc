#include "client/socd_client.h"

#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"

namespace socd::client {

int64_t Tensor::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

size_t ElementSize(const std::string& dt) {
  if (dt == "BOOL" || dt == "UINT8" || dt == "INT8") return 1;
  if (dt == "UINT16" || dt == "INT16" || dt == "FP16" || dt == "BF16") return 2;
  if (dt == "UINT32" || dt == "INT32" || dt == "FP32") return 4;
  if (dt == "UINT64" || dt == "INT64" || dt == "FP64") return 8;
  return 0;
}

std::string EncodeBytes(const std::vector<std::string>& elements) {
  std::string out;
  for (const auto& e : elements) {
    const uint32_t n = static_cast<uint32_t>(e.size());
    const char len[4] = {static_cast<char>(n & 0xff), static_cast<char>((n >> 8) & 0xff),
                         static_cast<char>((n >> 16) & 0xff), static_cast<char>(n >> 24)};
    out.append(len, 4);
    out += e;
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> DecodeBytes(const std::string& wire) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < wire.size()) {
    if (wire.size() - pos < 4) return absl::DataLossError("BYTES data: truncated length prefix");
    uint32_t n = 0;
    for (int i = 0; i < 4; ++i) n |= uint32_t{static_cast<uint8_t>(wire[pos + i])} << (8 * i);
    pos += 4;
    if (n > wire.size() - pos) return absl::DataLossError("BYTES data: element past the end");
    out.push_back(wire.substr(pos, n));
    pos += n;
  }
  return out;
}

absl::Status FromGrpc(const grpc::Status& s) {
  if (s.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
}

std::unique_ptr<Client> Client::Connect(const std::string& target) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  args.SetMaxSendMessageSize(-1);
  return std::unique_ptr<Client>(
      new Client(grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args)));
}

Client::Client(std::shared_ptr<grpc::Channel> ch)
    : channel_(std::move(ch)),
      stub_(inference::GRPCInferenceService::NewStub(channel_)),
      admin_(socd::admin::v1::Admin::NewStub(channel_)) {}

namespace client_impl {
template <typename Req, typename Resp, typename Fn>
absl::StatusOr<Resp> Call(Fn fn, const Req& req) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  Resp resp;
  grpc::Status s = fn(&ctx, req, &resp);
  if (!s.ok()) return FromGrpc(s);
  return resp;
}
}  // namespace client_impl

#define SOCD_CALL(Method, Req, Resp, req)                                                       \
  client_impl::Call<Req, Resp>(                                                                 \
      [this](grpc::ClientContext* c, const Req& q, Resp* r) { return stub_->Method(c, q, r); }, \
      req)

absl::StatusOr<bool> Client::ServerReady() {
  auto r = SOCD_CALL(ServerReady, inference::ServerReadyRequest, inference::ServerReadyResponse,
                     inference::ServerReadyRequest{});
  if (!r.ok()) return r.status();
  return r->ready();
}

absl::StatusOr<inference::ServerMetadataResponse> Client::ServerMetadata() {
  return SOCD_CALL(ServerMetadata, inference::ServerMetadataRequest,
                   inference::ServerMetadataResponse, inference::ServerMetadataRequest{});
}

absl::StatusOr<inference::RepositoryIndexResponse> Client::RepositoryIndex() {
  return SOCD_CALL(RepositoryIndex, inference::RepositoryIndexRequest,
                   inference::RepositoryIndexResponse, inference::RepositoryIndexRequest{});
}

absl::StatusOr<inference::ModelMetadataResponse> Client::ModelMetadata(const std::string& m) {
  inference::ModelMetadataRequest q;
  q.set_name(m);
  return SOCD_CALL(ModelMetadata, inference::ModelMetadataRequest, inference::ModelMetadataResponse,
                   q);
}

absl::StatusOr<inference::ModelStatisticsResponse> Client::ModelStatistics(const std::string& m) {
  inference::ModelStatisticsRequest q;
  q.set_name(m);
  return SOCD_CALL(ModelStatistics, inference::ModelStatisticsRequest,
                   inference::ModelStatisticsResponse, q);
}

absl::Status Client::Load(const std::string& m) {
  inference::RepositoryModelLoadRequest q;
  q.set_model_name(m);
  return SOCD_CALL(RepositoryModelLoad, inference::RepositoryModelLoadRequest,
                   inference::RepositoryModelLoadResponse, q)
      .status();
}

absl::Status Client::Unload(const std::string& m) {
  inference::RepositoryModelUnloadRequest q;
  q.set_model_name(m);
  return SOCD_CALL(RepositoryModelUnload, inference::RepositoryModelUnloadRequest,
                   inference::RepositoryModelUnloadResponse, q)
      .status();
}

absl::StatusOr<inference::ModelInferResponse> Client::InferRaw(
    const inference::ModelInferRequest& req) {
  return SOCD_CALL(ModelInfer, inference::ModelInferRequest, inference::ModelInferResponse, req);
}

absl::StatusOr<std::vector<Tensor>> Client::Infer(const std::string& model,
                                                  const std::vector<Tensor>& inputs,
                                                  const std::vector<std::string>& outputs) {
  inference::ModelInferRequest req;
  req.set_model_name(model);
  for (const auto& t : inputs) {
    auto* in = req.add_inputs();
    in->set_name(t.name);
    in->set_datatype(t.datatype);
    for (int64_t d : t.shape) in->add_shape(d);
    req.add_raw_input_contents(t.data);
  }
  for (const auto& o : outputs) req.add_outputs()->set_name(o);
  auto resp = InferRaw(req);
  if (!resp.ok()) return resp.status();
  std::vector<Tensor> out;
  for (int i = 0; i < resp->outputs_size(); ++i) {
    const auto& o = resp->outputs(i);
    Tensor t{o.name(), o.datatype(), {o.shape().begin(), o.shape().end()}, ""};
    if (i < resp->raw_output_contents_size()) t.data = resp->raw_output_contents(i);
    out.push_back(std::move(t));
  }
  return out;
}

absl::StatusOr<socd::admin::v1::Status> Client::AdminStatus() {
  return client_impl::Call<socd::admin::v1::StatusRequest, socd::admin::v1::Status>(
      [this](grpc::ClientContext* c, const auto& q, auto* r) { return admin_->GetStatus(c, q, r); },
      socd::admin::v1::StatusRequest{});
}

absl::StatusOr<socd::admin::v1::Plan> Client::Plan(const std::string& model) {
  socd::admin::v1::PlanRequest q;
  q.set_model(model);
  return client_impl::Call<socd::admin::v1::PlanRequest, socd::admin::v1::Plan>(
      [this](grpc::ClientContext* c, const auto& q, auto* r) { return admin_->GetPlan(c, q, r); },
      q);
}

absl::StatusOr<socd::admin::v1::ThermalPolicy> Client::GetThermalPolicy() {
  return client_impl::Call<socd::admin::v1::ThermalPolicyRequest, socd::admin::v1::ThermalPolicy>(
      [this](grpc::ClientContext* c, const auto& q, auto* r) {
        return admin_->GetThermalPolicy(c, q, r);
      },
      socd::admin::v1::ThermalPolicyRequest{});
}

absl::StatusOr<socd::admin::v1::ThermalPolicy> Client::SetThermalPolicy(
    const socd::admin::v1::ThermalPolicy& p) {
  return client_impl::Call<socd::admin::v1::ThermalPolicy, socd::admin::v1::ThermalPolicy>(
      [this](grpc::ClientContext* c, const auto& q, auto* r) {
        return admin_->SetThermalPolicy(c, q, r);
      },
      p);
}

}  // namespace socd::client
