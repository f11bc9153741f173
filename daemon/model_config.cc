// config.pbtxt parsing and reconciliation with the model itself.
#include "absl/strings/str_cat.h"
#include "daemon/model_repository.h"
#include "daemon/tensor_codec.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"

namespace socd::daemon {
namespace config_impl {

class Collector : public google::protobuf::io::ErrorCollector {
 public:
  explicit Collector(std::vector<std::string>* warnings) : warnings_(warnings) {}
  void AddError(int line, int column, const std::string& message) override {
    if (error_.empty())
      error_ = absl::StrCat("config.pbtxt:", line + 1, ":", column + 1, ": ", message);
  }
  void AddWarning(int line, int column, const std::string& message) override {
    if (warnings_)
      warnings_->push_back(absl::StrCat("config.pbtxt:", line + 1, ":", column + 1, ": ", message));
  }
  const std::string& error() const { return error_; }

 private:
  std::vector<std::string>* warnings_;
  std::string error_;
};

}  // namespace config_impl

absl::StatusOr<inference::ModelConfig> ParseModelConfig(const std::string& text,
                                                        std::vector<std::string>* warnings) {
  inference::ModelConfig config;
  google::protobuf::TextFormat::Parser parser;
  config_impl::Collector collector(warnings);
  parser.RecordErrorsTo(&collector);
  // Triton configs carry many fields socd does not model (rate limiters, CUDA graphs...):
  // they must not stop the model from loading.
  parser.AllowUnknownField(true);
  parser.AllowUnknownExtension(true);
  if (!parser.ParseFromString(text, &config)) {
    return absl::InvalidArgumentError(collector.error().empty() ? "config.pbtxt does not parse"
                                                                : collector.error());
  }
  return config;
}

namespace config_impl {

std::string DimsString(const google::protobuf::RepeatedField<int64_t>& d) {
  std::string s = "[";
  for (int i = 0; i < d.size(); ++i) s += (i ? "," : "") + std::to_string(d[i]);
  return s + "]";
}

// Model dims as the config would state them: symbolic -> -1, batch dim dropped if batching.
absl::StatusOr<std::vector<int64_t>> ConfigDims(const graph::Value& v, int max_batch,
                                                const char* what) {
  std::vector<int64_t> dims;
  if (!v.type.has_shape) return dims;
  size_t start = 0;
  if (max_batch > 0) {
    // Batching stacks requests along dim 0, so the model must leave it variable.
    if (v.type.dims.empty() || v.type.dims[0].is_static()) {
      return absl::InvalidArgumentError(absl::StrCat(
          what, " '", v.name, "' has no variable batch dimension (dim 0) but max_batch_size is ",
          max_batch));
    }
    start = 1;
  }
  for (size_t i = start; i < v.type.dims.size(); ++i) {
    dims.push_back(v.type.dims[i].is_static() ? v.type.dims[i].value : -1);
  }
  return dims;
}

template <typename ConfigTensor>
absl::Status Reconcile(const graph::Value& v, int max_batch, const char* what, ConfigTensor& t) {
  if (v.type.container) {
    // Sequences and optionals live as handles to engine objects: KServe has no wire form.
    return absl::UnimplementedError(absl::StrCat(what, " '", v.name, "' is a ", v.type.ToString(),
                                                 ", which the KServe protocol cannot carry"));
  }
  auto dims = ConfigDims(v, max_batch, what);
  if (!dims.ok()) return dims.status();
  inference::DataType want = ConfigDataType(v.type.dtype);
  if (t.data_type() == inference::TYPE_INVALID) {
    t.set_data_type(want);
  } else if (t.data_type() != want) {
    return absl::InvalidArgumentError(
        absl::StrCat("config.pbtxt: ", what, " '", v.name, "' has data_type ",
                     inference::DataType_Name(t.data_type()), " but the model's is ",
                     inference::DataType_Name(want)));
  }
  if (t.dims_size() == 0) {
    for (int64_t d : *dims) t.add_dims(d);
  } else if (!t.has_reshape()) {
    bool ok = t.dims_size() == static_cast<int>(dims->size());
    for (int i = 0; ok && i < t.dims_size(); ++i) {
      ok = (*dims)[i] == -1 || t.dims(i) == -1 || t.dims(i) == (*dims)[i];
    }
    if (!ok) {
      std::string model_dims = "[";
      for (size_t i = 0; i < dims->size(); ++i)
        model_dims += (i ? "," : "") + std::to_string((*dims)[i]);
      return absl::InvalidArgumentError(
          absl::StrCat("config.pbtxt: ", what, " '", v.name, "' has dims ", DimsString(t.dims()),
                       " but the model's are ", model_dims, "]",
                       max_batch > 0 ? " (without the batch dimension)" : ""));
    }
  }
  return absl::OkStatus();
}

}  // namespace config_impl

absl::Status ReconcileConfig(const scheduler::Session& session, inference::ModelConfig& config) {
  if (config.max_batch_size() < 0) {
    return absl::InvalidArgumentError("config.pbtxt: max_batch_size must be >= 0");
  }
  const int mb = config.max_batch_size();
  auto reconcile_list = [&](auto values, auto* list, const char* what) -> absl::Status {
    for (auto& t : *list) {
      bool found = false;
      for (const graph::Value* v : values) found = found || v->name == t.name();
      if (!found) {
        return absl::InvalidArgumentError(absl::StrCat("config.pbtxt: ", what, " '", t.name(),
                                                       "' is not a ", what, " of the model"));
      }
    }
    for (const graph::Value* v : values) {
      auto* t = [&]() -> decltype(&*list->begin()) {
        for (auto& x : *list)
          if (x.name() == v->name) return &x;
        auto* x = list->Add();
        x->set_name(v->name);
        return x;
      }();
      if (auto s = config_impl::Reconcile(*v, mb, what, *t); !s.ok()) return s;
    }
    return absl::OkStatus();
  };
  if (auto s = reconcile_list(session.inputs(), config.mutable_input(), "input"); !s.ok()) return s;
  if (auto s = reconcile_list(session.outputs(), config.mutable_output(), "output"); !s.ok())
    return s;
  if (config.platform().empty() && config.backend().empty())
    config.set_platform("onnxruntime_onnx");
  return absl::OkStatus();
}

}  // namespace socd::daemon
