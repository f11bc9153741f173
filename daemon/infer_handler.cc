#include "daemon/infer_handler.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "backends/memory/copy.h"
#include "daemon/tensor_codec.h"

namespace socd::daemon {

namespace infer_impl {

using Clock = std::chrono::steady_clock;

uint64_t Ns(Clock::time_point a, Clock::time_point b) {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(b - a).count());
}

// Reads the shared-memory parameters of an input or requested output, if any.
struct ShmRef {
  bool used = false;
  std::string region;
  uint64_t offset = 0;
  uint64_t byte_size = 0;
};

absl::StatusOr<ShmRef> ParseShm(
    const google::protobuf::Map<std::string, inference::InferParameter>& p,
    const std::string& what) {
  ShmRef r;
  auto it = p.find("shared_memory_region");
  if (it == p.end()) return r;
  r.used = true;
  r.region = it->second.string_param();
  if (r.region.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": shared_memory_region is empty"));
  }
  auto bs = p.find("shared_memory_byte_size");
  if (bs == p.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": shared_memory_byte_size is required with shared_memory_region"));
  }
  r.byte_size = bs->second.has_uint64_param() ? bs->second.uint64_param()
                                              : static_cast<uint64_t>(bs->second.int64_param());
  auto off = p.find("shared_memory_offset");
  if (off != p.end()) {
    r.offset = off->second.has_uint64_param() ? off->second.uint64_param()
                                              : static_cast<uint64_t>(off->second.int64_param());
  }
  return r;
}

}  // namespace infer_impl

absl::Status InferHandler::Infer(const inference::ModelInferRequest& req,
                                 inference::ModelInferResponse* resp,
                                 const std::function<bool()>& cancelled,
                                 std::chrono::steady_clock::time_point deadline) {
  using namespace infer_impl;  // NOLINT: file-local helpers
  const auto t_start = Clock::now();
  auto model_or = repo_->Get(req.model_name(), req.model_version());
  if (!model_or.ok()) return model_or.status();
  std::shared_ptr<LoadedModel> model = *model_or;
  auto fail = [&](absl::Status s) {
    model->stats.fail_count++;
    model->stats.fail_ns += Ns(t_start, Clock::now());
    return s;
  };
  scheduler::Session& session = *model->session;
  const auto model_inputs = session.inputs();
  const bool raw = req.raw_input_contents_size() > 0;
  if (raw && req.raw_input_contents_size() != req.inputs_size()) {
    return fail(absl::InvalidArgumentError(
        absl::StrCat("raw_input_contents has ", req.raw_input_contents_size(),
                     " entries but the request has ", req.inputs_size(), " inputs")));
  }
  // Keep decoded inputs and shm regions alive for the whole request.
  std::vector<std::shared_ptr<graph::Tensor>> owned;
  std::vector<std::shared_ptr<const ShmRegion>> regions;
  std::vector<graph::TensorView> views(model_inputs.size());
  std::vector<bool> seen(model_inputs.size(), false);
  uint64_t total_bytes = 0;
  for (int i = 0; i < req.inputs_size(); ++i) {
    const auto& in = req.inputs(i);
    const std::string what = absl::StrCat("input '", in.name(), "'");
    size_t k = 0;
    while (k < model_inputs.size() && model_inputs[k]->name != in.name()) ++k;
    if (k == model_inputs.size()) {
      return fail(absl::InvalidArgumentError(
          absl::StrCat("unexpected input '", in.name(), "' for model '", model->name, "'")));
    }
    if (seen[k]) return fail(absl::InvalidArgumentError(absl::StrCat(what, " is given twice")));
    seen[k] = true;
    auto dt = DTypeFromWire(in.datatype());
    if (!dt.ok())
      return fail(absl::InvalidArgumentError(absl::StrCat(what, ": ", dt.status().message())));
    if (*dt != model_inputs[k]->type.dtype) {
      return fail(absl::InvalidArgumentError(absl::StrCat(what, ": datatype ", in.datatype(),
                                                          " but the model expects ",
                                                          WireName(model_inputs[k]->type.dtype))));
    }
    graph::Shape shape(in.shape().begin(), in.shape().end());
    int64_t n = graph::NumElements(shape);
    if (n < 0)
      return fail(absl::InvalidArgumentError(
          absl::StrCat(what, ": invalid shape ", graph::ShapeToString(shape))));
    const uint64_t want_bytes = static_cast<uint64_t>(n) * graph::DTypeSize(*dt);
    total_bytes += want_bytes;
    if (total_bytes > limits_.max_input_bytes) {
      return fail(absl::ResourceExhaustedError(
          absl::StrCat("request inputs exceed the limit of ", limits_.max_input_bytes, " bytes")));
    }
    auto shm = ParseShm(in.parameters(), what);
    if (!shm.ok()) return fail(shm.status());
    const bool has_contents = in.has_contents();
    if (raw && has_contents) {
      return fail(absl::InvalidArgumentError(absl::StrCat(
          what, ": has typed contents while the request also uses raw_input_contents")));
    }
    void* data = nullptr;
    if (shm->used) {
      if (has_contents || (raw && !req.raw_input_contents(i).empty())) {
        return fail(absl::InvalidArgumentError(
            absl::StrCat(what, ": data given both in shared memory and in the message")));
      }
      if (shm->byte_size != want_bytes) {
        return fail(absl::InvalidArgumentError(absl::StrCat(
            what, ": shared_memory_byte_size is ", shm->byte_size, " but shape ",
            graph::ShapeToString(shape), " of ", in.datatype(), " needs ", want_bytes)));
      }
      auto region = shm_->Find(shm->region);
      if (!region.ok())
        return fail(
            absl::InvalidArgumentError(absl::StrCat(what, ": ", region.status().message())));
      auto p = (*region)->Slice(shm->offset, shm->byte_size);
      if (!p.ok())
        return fail(absl::InvalidArgumentError(absl::StrCat(what, ": ", p.status().message())));
      regions.push_back(*region);
      data = *p;  // read in place: zero copies
    } else if (raw) {
      const std::string& bytes = req.raw_input_contents(i);
      if (bytes.size() != want_bytes) {
        return fail(absl::InvalidArgumentError(absl::StrCat(
            what, ": raw_input_contents holds ", bytes.size(), " bytes but shape ",
            graph::ShapeToString(shape), " of ", in.datatype(), " needs ", want_bytes)));
      }
      data = const_cast<char*>(bytes.data());  // read in place from the request message
    } else if (has_contents) {
      auto t = DecodeContents(in.name(), *dt, shape, in.contents());
      if (!t.ok()) return fail(t.status());
      owned.push_back(*t);
      data = (*t)->data();
    } else if (n > 0) {
      return fail(absl::InvalidArgumentError(absl::StrCat(
          what, ": no data (neither contents, raw_input_contents nor shared memory)")));
    }
    views[k] = graph::TensorView{*dt, shape, data};
  }
  for (size_t k = 0; k < model_inputs.size(); ++k) {
    if (!seen[k]) {
      return fail(absl::InvalidArgumentError(absl::StrCat("missing input '", model_inputs[k]->name,
                                                          "' for model '", model->name, "'")));
    }
  }
  // Requested outputs (all when none are named), validated before any work is done.
  const auto model_outputs = session.outputs();
  std::vector<std::pair<size_t, ShmRef>> wanted;
  if (req.outputs_size() == 0) {
    for (size_t o = 0; o < model_outputs.size(); ++o) wanted.push_back({o, ShmRef{}});
  }
  for (const auto& ro : req.outputs()) {
    size_t o = 0;
    while (o < model_outputs.size() && model_outputs[o]->name != ro.name()) ++o;
    if (o == model_outputs.size()) {
      return fail(absl::InvalidArgumentError(absl::StrCat("unknown requested output '", ro.name(),
                                                          "' for model '", model->name, "'")));
    }
    auto shm = ParseShm(ro.parameters(), absl::StrCat("output '", ro.name(), "'"));
    if (!shm.ok()) return fail(shm.status());
    if (shm->used) {
      auto region = shm_->Find(shm->region);
      if (!region.ok())
        return fail(absl::InvalidArgumentError(
            absl::StrCat("output '", ro.name(), "': ", region.status().message())));
      if (auto p = (*region)->Slice(shm->offset, shm->byte_size); !p.ok()) {
        return fail(absl::InvalidArgumentError(
            absl::StrCat("output '", ro.name(), "': ", p.status().message())));
      }
      regions.push_back(*region);
    }
    wanted.push_back({o, *shm});
  }
  if (cancelled && cancelled())
    return fail(absl::CancelledError("the client cancelled the request"));

  // Scheduling parameters, as Triton's: "priority" (1 = highest) and "timeout" (microseconds).
  uint32_t priority = 0;
  uint64_t timeout_us = model->default_timeout_us;
  for (const auto& [key, p] : req.parameters()) {
    int64_t v = p.has_uint64_param() ? static_cast<int64_t>(p.uint64_param()) : p.int64_param();
    if (key == "priority") {
      if (v < 0) return fail(absl::InvalidArgumentError("parameter 'priority' must be >= 0"));
      priority = static_cast<uint32_t>(v);
    } else if (key == "timeout") {
      if (v < 0) return fail(absl::InvalidArgumentError("parameter 'timeout' must be >= 0"));
      if (model->allow_timeout_override || timeout_us == 0) timeout_us = static_cast<uint64_t>(v);
    }
  }
  if (timeout_us > 0) {
    deadline = std::min(deadline, t_start + std::chrono::microseconds(timeout_us));
  }
  const auto t_queue = Clock::now();
  std::vector<graph::TensorView> outs;
  auto turn = model->queue->Acquire(priority, deadline, cancelled);
  if (!turn.ok()) return fail(turn.status());
  // With a static plan the output sizes are known before running, so each output is written
  // by its kernel straight into the client's shared-memory region or the response message:
  // no staging copy. Outputs whose size is only known after running are copied (counted).
  std::vector<graph::Shape> in_shapes;
  for (const auto& v : views) in_shapes.push_back(v.shape);
  const std::vector<graph::TensorView> planned = session.PlannedOutputs(in_shapes);
  std::vector<void*> dest(model_outputs.size(), nullptr);
  std::vector<std::string*> raw_slot(wanted.size(), nullptr);
  for (size_t w = 0; w < wanted.size(); ++w) {
    const auto& [o, shm] = wanted[w];
    if (!shm.used) raw_slot[w] = resp->add_raw_output_contents();
    if (planned.empty() || dest[o] != nullptr) continue;
    const size_t bytes = planned[o].bytes();
    if (!shm.used) {
      raw_slot[w]->resize(bytes);
      dest[o] = raw_slot[w]->data();
      continue;
    }
    auto region = shm_->Find(shm.region);
    if (!region.ok() || shm.byte_size < bytes) continue;  // reported below, after the run
    auto p = (*region)->Slice(shm.offset, bytes);
    if (!p.ok()) continue;
    // A region the request also reads from must not be written while kernels still read.
    bool overlaps = false;
    for (const auto& v : views) {
      const auto* a = static_cast<const uint8_t*>(v.data);
      overlaps = overlaps || (a != nullptr && a < *p + bytes && *p < a + v.bytes());
    }
    if (!overlaps) dest[o] = *p;
  }
  const auto t_run = Clock::now();
  absl::Status run = session.Run(views, outs, dest);
  const auto t_ran = Clock::now();
  if (!run.ok()) return fail(run);

  resp->set_model_name(model->name);
  resp->set_model_version(std::to_string(model->version));
  resp->set_id(req.id());
  for (size_t w = 0; w < wanted.size(); ++w) {
    const auto& [o, shm] = wanted[w];
    const graph::TensorView& t = outs[o];
    auto* out = resp->add_outputs();
    out->set_name(model_outputs[o]->name);
    out->set_datatype(WireName(t.dtype));
    for (int64_t d : t.shape) out->add_shape(d);
    if (shm.used) {
      if (shm.byte_size < t.bytes()) {
        return fail(absl::InvalidArgumentError(
            absl::StrCat("output '", out->name(), "': shared_memory_byte_size ", shm.byte_size,
                         " is smaller than the output's ", t.bytes(), " bytes")));
      }
      auto region = shm_->Find(shm.region);
      if (!region.ok())
        return fail(absl::FailedPreconditionError(
            absl::StrCat("output '", out->name(), "': ", region.status().message())));
      auto p = (*region)->Slice(shm.offset, t.bytes());
      if (!p.ok()) return fail(p.status());
      if (*p != t.data) memory::CopyBytes(*p, t.data, t.bytes());
      auto& params = *out->mutable_parameters();
      params["shared_memory_region"].set_string_param(shm.region);
      params["shared_memory_byte_size"].set_int64_param(static_cast<int64_t>(t.bytes()));
      if (shm.offset)
        params["shared_memory_offset"].set_int64_param(static_cast<int64_t>(shm.offset));
    } else if (raw_slot[w]->data() != t.data || raw_slot[w]->size() != t.bytes()) {
      raw_slot[w]->resize(t.bytes());
      memory::CopyBytes(raw_slot[w]->data(), t.data, t.bytes());
    }
  }
  *turn = scheduler::Turn();  // the next request may run while stats are recorded
  const auto t_end = Clock::now();
  auto& st = model->stats;
  st.success_count++;
  st.success_ns += Ns(t_start, t_end);
  st.queue_count++;
  st.queue_ns += Ns(t_queue, t_run);
  st.compute_input_ns += Ns(t_start, t_queue);
  st.compute_infer_ns += Ns(t_run, t_ran);
  st.compute_output_ns += Ns(t_ran, t_end);
  st.inference_count++;
  st.execution_count++;
  st.last_inference_ms =
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count());
  return absl::OkStatus();
}

}  // namespace socd::daemon
