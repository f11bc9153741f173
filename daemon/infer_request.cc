#include "daemon/infer_request.h"

#include "absl/strings/str_cat.h"
#include "backends/memory/copy.h"
#include "daemon/bytes_codec.h"
#include "daemon/tensor_codec.h"
#include "graph/string_store.h"
#include "scheduler/batcher.h"

namespace socd::daemon {

namespace infer_request_impl {

// Reads the shared-memory parameters of an input or requested output, if any.
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

// The region named `name` among those the request holds.
const ShmRegion* Held(const PreparedRequest& p, const std::string& name) {
  for (const auto& r : p.regions) {
    if (r->name() == name) return r.get();
  }
  return nullptr;
}

// A string output in BYTES wire form, into the response or the requested shared memory.
absl::Status WriteBytesOutput(const graph::TensorView& t, const ShmRef& ref,
                              const PreparedRequest& p,
                              inference::ModelInferResponse::InferOutputTensor& out,
                              std::string* raw) {
  const graph::StringElem* e = graph::StringElems(t);
  for (int64_t i = 0; i < t.numel(); ++i) {
    if (e[i].size > UINT32_MAX) {
      return absl::OutOfRangeError(absl::StrCat("output '", out.name(), "': element ", i, " is ",
                                                e[i].size, " bytes, over BYTES' 4-byte length"));
    }
  }
  const size_t bytes = SerializedBytesSize(t);
  if (!ref.used) {
    raw->resize(bytes);
    SerializeBytes(t, raw->data());
    return absl::OkStatus();
  }
  if (ref.byte_size < bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("output '", out.name(), "': shared_memory_byte_size ", ref.byte_size,
                     " is smaller than the output's ", bytes, " bytes of BYTES data"));
  }
  const ShmRegion* region = Held(p, ref.region);
  if (region == nullptr)
    return absl::InternalError(
        absl::StrCat("output '", out.name(), "': region '", ref.region, "' was not resolved"));
  auto dst = region->Slice(ref.offset, bytes);
  if (!dst.ok()) return dst.status();
  // Serialize through a buffer: the strings may be views into this same region (an input).
  std::string staged(bytes, '\0');
  SerializeBytes(t, staged.data());
  memory::CopyBytes(*dst, staged.data(), bytes);
  auto& params = *out.mutable_parameters();
  params["shared_memory_region"].set_string_param(ref.region);
  params["shared_memory_byte_size"].set_int64_param(static_cast<int64_t>(bytes));
  if (ref.offset) params["shared_memory_offset"].set_int64_param(static_cast<int64_t>(ref.offset));
  return absl::OkStatus();
}

}  // namespace infer_request_impl

absl::Status PrepareRequest(const ShmRegistry& registry, const InferLimits& limits,
                            const inference::ModelInferRequest& req, PreparedRequest& p) {
  using infer_request_impl::ParseShm;
  p.req = &req;
  const LoadedModel* model = p.model.get();
  const scheduler::Session& session = *model->session;
  const auto model_inputs = session.inputs();
  const bool raw = req.raw_input_contents_size() > 0;
  if (raw && req.raw_input_contents_size() != req.inputs_size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("raw_input_contents has ", req.raw_input_contents_size(),
                     " entries but the request has ", req.inputs_size(), " inputs"));
  }
  auto& owned = p.owned;
  auto& regions = p.regions;
  auto& views = p.views;
  views.assign(model_inputs.size(), graph::TensorView{});
  std::vector<bool> seen(model_inputs.size(), false);
  uint64_t total_bytes = 0;
  for (int i = 0; i < req.inputs_size(); ++i) {
    const auto& in = req.inputs(i);
    const std::string what = absl::StrCat("input '", in.name(), "'");
    size_t k = 0;
    while (k < model_inputs.size() && model_inputs[k]->name != in.name()) ++k;
    if (k == model_inputs.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("unexpected input '", in.name(), "' for model '", model->name, "'"));
    }
    if (seen[k]) return absl::InvalidArgumentError(absl::StrCat(what, " is given twice"));
    seen[k] = true;
    auto dt = DTypeFromWire(in.datatype());
    if (!dt.ok())
      return absl::InvalidArgumentError(absl::StrCat(what, ": ", dt.status().message()));
    if (*dt != model_inputs[k]->type.dtype) {
      return absl::InvalidArgumentError(absl::StrCat(what, ": datatype ", in.datatype(),
                                                     " but the model expects ",
                                                     WireName(model_inputs[k]->type.dtype)));
    }
    graph::Shape shape(in.shape().begin(), in.shape().end());
    int64_t n = graph::NumElements(shape);
    if (n < 0)
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": invalid shape ", graph::ShapeToString(shape)));
    // Checked here, before queueing, so a malformed request never reaches a batch.
    const graph::TensorType& decl = model_inputs[k]->type;
    if (decl.has_shape) {
      if (decl.dims.size() != shape.size()) {
        return absl::InvalidArgumentError(absl::StrCat(what, ": expected rank ", decl.dims.size(),
                                                       " (", decl.ToString(), "), got shape ",
                                                       graph::ShapeToString(shape)));
      }
      for (size_t d = 0; d < shape.size(); ++d) {
        if (decl.dims[d].is_static() && decl.dims[d].value != shape[d]) {
          return absl::InvalidArgumentError(absl::StrCat(what, ": dimension ", d, " must be ",
                                                         decl.dims[d].value, ", got shape ",
                                                         graph::ShapeToString(shape)));
        }
      }
    }
    // BYTES: the wire size is the data's own (length-prefixed elements), checked as it parses.
    const bool is_bytes = *dt == graph::DType::kString;
    const uint64_t want_bytes = static_cast<uint64_t>(n) * graph::DTypeSize(*dt);
    total_bytes += is_bytes ? 0 : want_bytes;
    if (total_bytes > limits.max_input_bytes) {
      return absl::ResourceExhaustedError(
          absl::StrCat("request inputs exceed the limit of ", limits.max_input_bytes, " bytes"));
    }
    auto shm = ParseShm(in.parameters(), what);
    if (!shm.ok()) return shm.status();
    const bool has_contents = in.has_contents();
    if (raw && has_contents) {
      return absl::InvalidArgumentError(absl::StrCat(
          what, ": has typed contents while the request also uses raw_input_contents"));
    }
    void* data = nullptr;
    if (shm->used) {
      if (has_contents || (raw && !req.raw_input_contents(i).empty())) {
        return absl::InvalidArgumentError(
            absl::StrCat(what, ": data given both in shared memory and in the message"));
      }
      if (!is_bytes && shm->byte_size != want_bytes) {
        return absl::InvalidArgumentError(absl::StrCat(
            what, ": shared_memory_byte_size is ", shm->byte_size, " but shape ",
            graph::ShapeToString(shape), " of ", in.datatype(), " needs ", want_bytes));
      }
      auto region = registry.Find(shm->region);
      if (!region.ok())
        return absl::InvalidArgumentError(absl::StrCat(what, ": ", region.status().message()));
      auto slice = (*region)->Slice(shm->offset, shm->byte_size);
      if (!slice.ok())
        return absl::InvalidArgumentError(absl::StrCat(what, ": ", slice.status().message()));
      regions.push_back(*region);
      data = *slice;   // read in place: zero copies
      if (is_bytes) {  // elements view into the held region
        total_bytes += shm->byte_size;
        auto t = DecodeBytesTensor(
            in.name(), shape, absl::string_view(static_cast<const char*>(data), shm->byte_size));
        if (!t.ok()) return t.status();
        owned.push_back(*t);
        data = (*t)->data();
      }
    } else if (raw && is_bytes) {
      const std::string& bytes = req.raw_input_contents(i);
      total_bytes += bytes.size();
      if (total_bytes > limits.max_input_bytes) {
        return absl::ResourceExhaustedError(
            absl::StrCat("request inputs exceed the limit of ", limits.max_input_bytes, " bytes"));
      }
      auto t = DecodeBytesTensor(in.name(), shape, bytes);  // views into the request message
      if (!t.ok()) return t.status();
      owned.push_back(*t);
      data = (*t)->data();
    } else if (raw) {
      const std::string& bytes = req.raw_input_contents(i);
      if (bytes.size() != want_bytes) {
        return absl::InvalidArgumentError(absl::StrCat(
            what, ": raw_input_contents holds ", bytes.size(), " bytes but shape ",
            graph::ShapeToString(shape), " of ", in.datatype(), " needs ", want_bytes));
      }
      data = const_cast<char*>(bytes.data());  // read in place from the request message
    } else if (has_contents) {
      auto t = is_bytes ? DecodeBytesContents(in.name(), shape, in.contents())
                        : DecodeContents(in.name(), *dt, shape, in.contents());
      if (!t.ok()) return t.status();
      owned.push_back(*t);
      data = (*t)->data();
    } else if (n > 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": no data (neither contents, raw_input_contents nor shared memory)"));
    }
    views[k] = graph::TensorView{*dt, shape, data};
  }
  for (size_t k = 0; k < model_inputs.size(); ++k) {
    if (!seen[k]) {
      return absl::InvalidArgumentError(absl::StrCat("missing input '", model_inputs[k]->name,
                                                     "' for model '", model->name, "'"));
    }
  }
  // Requested outputs (all when none are named), validated before any work is done.
  const auto model_outputs = session.outputs();
  auto& wanted = p.wanted;
  if (req.outputs_size() == 0) {
    for (size_t o = 0; o < model_outputs.size(); ++o) wanted.push_back({o, ShmRef{}});
  }
  for (const auto& ro : req.outputs()) {
    size_t o = 0;
    while (o < model_outputs.size() && model_outputs[o]->name != ro.name()) ++o;
    if (o == model_outputs.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown requested output '", ro.name(), "' for model '", model->name, "'"));
    }
    auto shm = ParseShm(ro.parameters(), absl::StrCat("output '", ro.name(), "'"));
    if (!shm.ok()) return shm.status();
    if (shm->used) {
      auto region = registry.Find(shm->region);
      if (!region.ok())
        return absl::InvalidArgumentError(
            absl::StrCat("output '", ro.name(), "': ", region.status().message()));
      if (auto slice = (*region)->Slice(shm->offset, shm->byte_size); !slice.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("output '", ro.name(), "': ", slice.status().message()));
      }
      regions.push_back(*region);
    }
    wanted.push_back({o, *shm});
  }

  // Scheduling parameters, as Triton's: "priority" (1 = highest) and "timeout" (microseconds).
  uint32_t& priority = p.priority;
  uint64_t& timeout_us = p.timeout_us;
  timeout_us = model->default_timeout_us;
  for (const auto& [key, param] : req.parameters()) {
    int64_t v =
        param.has_uint64_param() ? static_cast<int64_t>(param.uint64_param()) : param.int64_param();
    if (key == "priority") {
      if (v < 0) return absl::InvalidArgumentError("parameter 'priority' must be >= 0");
      priority = static_cast<uint32_t>(v);
    } else if (key == "timeout") {
      if (v < 0) return absl::InvalidArgumentError("parameter 'timeout' must be >= 0");
      if (model->allow_timeout_override || timeout_us == 0) timeout_us = static_cast<uint64_t>(v);
    }
  }
  // Models with a batch dimension: the rows this request adds to a batch.
  const int max_batch = model->config.max_batch_size();
  if (max_batch > 0) {
    std::vector<std::string> names;
    for (const auto* v : model_inputs) names.push_back(v->name);
    auto rows = scheduler::BatchRows(views, names);
    if (!rows.ok()) return rows.status();
    if (*rows < 1 || *rows > static_cast<uint32_t>(max_batch)) {
      return absl::InvalidArgumentError(absl::StrCat("batch size ", *rows, " of model '",
                                                     model->name, "' must be in [1, ", max_batch,
                                                     "] (max_batch_size)"));
    }
    p.rows = *rows;
  }
  return absl::OkStatus();
}

void PlaceOutputs(const std::vector<graph::TensorView>& planned, PreparedRequest& p,
                  std::vector<void*>& dest) {
  p.raw_slot.assign(p.wanted.size(), nullptr);
  for (size_t w = 0; w < p.wanted.size(); ++w) {
    const auto& [o, ref] = p.wanted[w];
    if (!ref.used) p.raw_slot[w] = p.resp->add_raw_output_contents();
    if (planned.empty() || o >= dest.size() || dest[o] != nullptr) continue;
    // BYTES outputs are serialized after the run (their wire size depends on the strings).
    if (planned[o].dtype == graph::DType::kString) continue;
    const size_t bytes = planned[o].bytes();
    if (!ref.used) {
      p.raw_slot[w]->resize(bytes);
      dest[o] = p.raw_slot[w]->data();
      continue;
    }
    const ShmRegion* region = infer_request_impl::Held(p, ref.region);
    if (region == nullptr || ref.byte_size < bytes) continue;  // reported by WriteOutputs
    auto dst = region->Slice(ref.offset, bytes);
    if (!dst.ok()) continue;
    // A region the request also reads from must not be written while kernels still read.
    bool overlaps = false;
    for (const auto& v : p.views) {
      const auto* a = static_cast<const uint8_t*>(v.data);
      overlaps = overlaps || (a != nullptr && a < *dst + bytes && *dst < a + v.bytes());
    }
    if (!overlaps) dest[o] = *dst;
  }
}

absl::Status WriteOutputs(const std::vector<graph::TensorView>& outs, PreparedRequest& p) {
  if (p.raw_slot.size() != p.wanted.size()) {
    std::vector<void*> none;
    PlaceOutputs({}, p, none);
  }
  const auto model_outputs = p.model->session->outputs();
  inference::ModelInferResponse* resp = p.resp;
  resp->set_model_name(p.model->name);
  resp->set_model_version(std::to_string(p.model->version));
  resp->set_id(p.req->id());
  for (size_t w = 0; w < p.wanted.size(); ++w) {
    const auto& [o, ref] = p.wanted[w];
    const graph::TensorView& t = outs[o];
    auto* out = resp->add_outputs();
    out->set_name(model_outputs[o]->name);
    out->set_datatype(WireName(t.dtype));
    for (int64_t d : t.shape) out->add_shape(d);
    if (t.dtype == graph::DType::kString) {
      if (auto s = infer_request_impl::WriteBytesOutput(t, ref, p, *out, p.raw_slot[w]); !s.ok())
        return s;
      continue;
    }
    if (ref.used) {
      if (ref.byte_size < t.bytes()) {
        return absl::InvalidArgumentError(
            absl::StrCat("output '", out->name(), "': shared_memory_byte_size ", ref.byte_size,
                         " is smaller than the output's ", t.bytes(), " bytes"));
      }
      // The mapping the request resolved when it was validated: still valid if the client
      // unregistered the region meanwhile (the request's reference keeps it mapped).
      const ShmRegion* region = infer_request_impl::Held(p, ref.region);
      if (region == nullptr)
        return absl::InternalError(
            absl::StrCat("output '", out->name(), "': region '", ref.region, "' was not resolved"));
      auto dst = region->Slice(ref.offset, t.bytes());
      if (!dst.ok()) return dst.status();
      if (*dst != t.data) memory::CopyBytes(*dst, t.data, t.bytes());
      auto& params = *out->mutable_parameters();
      params["shared_memory_region"].set_string_param(ref.region);
      params["shared_memory_byte_size"].set_int64_param(static_cast<int64_t>(t.bytes()));
      if (ref.offset)
        params["shared_memory_offset"].set_int64_param(static_cast<int64_t>(ref.offset));
    } else if (p.raw_slot[w]->data() != t.data || p.raw_slot[w]->size() != t.bytes()) {
      p.raw_slot[w]->resize(t.bytes());
      memory::CopyBytes(p.raw_slot[w]->data(), t.data, t.bytes());
    }
  }
  return absl::OkStatus();
}

}  // namespace socd::daemon
