#include "backends/cpu/kernels/control_flow_body.h"

#include "absl/strings/str_cat.h"
#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/cpu_partition.h"
#include "backends/memory/copy.h"
#include "graph/op_schema.h"
#include "graph/subgraph.h"

namespace socd::cpu {
namespace control_flow {

absl::StatusOr<std::unique_ptr<BodyRunner>> BodyRunner::Create(const KernelInfo& info,
                                                               const std::string& attr,
                                                               const std::vector<DType>& dtypes) {
  const graph::Graph* body = graph::Subgraph(info.node, attr);
  if (!body) return info.Error(absl::StrCat("the '", attr, "' subgraph is missing"));
  for (DType t : dtypes) {
    // String elements point into a run's string pool, which the next iteration clears.
    if (t == DType::kString) return info.Unsupported("string values in a control-flow body");
    if (t == DType::kUndefined) return info.Error("a body input has no type");
  }
  auto r = std::unique_ptr<BodyRunner>(new BodyRunner);
  r->graph_ = graph::TypedBody(*body, dtypes);
  // One thread: the body runs on the thread running the node, inside no other parallel loop,
  // and a pool per body would start idle workers for every control-flow node.
  CpuBackend backend(1);
  backends::CompileOptions co;
  co.threads = 1;
  auto part = backend.Compile(r->graph_, co);
  if (!part.ok()) {
    return absl::Status(part.status().code(), absl::StrCat(info.node.Describe(), " subgraph '",
                                                           attr, "': ", part.status().message()));
  }
  r->partition_ = *std::move(part);
  return r;
}

absl::Status BodyRunner::Run(const std::vector<TensorView>& inputs,
                             std::vector<TensorView>& outputs, graph::StringPool* run_pool) {
  if (auto* cpu = dynamic_cast<CpuPartition*>(partition_.get())) cpu->ShareStringPool(run_pool);
  return partition_->Run(inputs, outputs);
}

OutputSink::OutputSink(const KernelIo& io, std::vector<std::shared_ptr<graph::Tensor>>* allocated,
                       const graph::Node& node)
    : io_(io), allocated_(allocated), node_(node) {
  if (allocated_) allocated_->assign(node.outputs.size(), nullptr);
}

absl::StatusOr<void*> OutputSink::Alloc(size_t k, DType dtype, const Shape& shape) {
  if (k >= node_.outputs.size() || node_.outputs[k] == graph::kNoValue) return nullptr;
  if (graph::NumElements(shape) < 0)
    return absl::InvalidArgumentError(absl::StrCat(node_.Describe(), ": invalid output shape"));
  if (allocated_) {
    auto t = std::make_shared<graph::Tensor>(dtype, shape);
    (*allocated_)[k] = t;
    return t->data();
  }
  const TensorView& o = io_.outputs[k];
  if (o.dtype != dtype || o.shape != shape) {
    return absl::InternalError(absl::StrCat(node_.Describe(), ": output ", k, " is ",
                                            graph::DTypeName(dtype), graph::ShapeToString(shape),
                                            " but was planned as ", graph::DTypeName(o.dtype),
                                            graph::ShapeToString(o.shape)));
  }
  return o.data;
}

absl::Status OutputSink::Put(size_t k, const TensorView& v) {
  auto p = Alloc(k, v.dtype, v.shape);
  if (!p.ok()) return p.status();
  if (*p) memory::CopyBytes(*p, v.data, v.bytes());
  return absl::OkStatus();
}

void CarriedValue::Update(const TensorView& v) {
  std::shared_ptr<graph::Tensor>& b = buf_[next_];
  if (!b || b->dtype() != v.dtype || b->shape() != v.shape)
    b = std::make_shared<graph::Tensor>(v.dtype, v.shape);
  memory::CopyBytes(b->data(), v.data, v.bytes());
  cur_ = b->view();
  next_ ^= 1;
}

namespace {

// Bytes of one index step along `axis` (the product of the later dims times the element size)
// and the number of blocks before it.
void AxisGeometry(const Shape& s, int64_t axis, DType t, size_t& inner, int64_t& outer) {
  inner = graph::DTypeSize(t);
  for (size_t d = static_cast<size_t>(axis) + 1; d < s.size(); ++d) inner *= s[d];
  outer = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= s[d];
}

}  // namespace

TensorView SliceAt(const TensorView& v, int64_t axis, int64_t index,
                   std::shared_ptr<graph::Tensor>& scratch) {
  Shape s = v.shape;
  const int64_t len = s[axis];
  s.erase(s.begin() + axis);
  size_t inner;
  int64_t outer;
  AxisGeometry(v.shape, axis, v.dtype, inner, outer);
  const uint8_t* src = static_cast<const uint8_t*>(v.data);
  if (outer == 1) return {v.dtype, s, const_cast<uint8_t*>(src + index * inner)};
  if (!scratch || scratch->dtype() != v.dtype || scratch->shape() != s)
    scratch = std::make_shared<graph::Tensor>(v.dtype, s);
  uint8_t* dst = static_cast<uint8_t*>(scratch->data());
  for (int64_t o = 0; o < outer; ++o)
    memory::CopyBytes(dst + o * inner, src + (o * len + index) * inner, inner);
  return scratch->view();
}

void InsertAt(const TensorView& dst, int64_t axis, int64_t index, const TensorView& src) {
  size_t inner;
  int64_t outer;
  AxisGeometry(dst.shape, axis, dst.dtype, inner, outer);
  const int64_t len = dst.shape[axis];
  uint8_t* d = static_cast<uint8_t*>(dst.data);
  const uint8_t* s = static_cast<const uint8_t*>(src.data);
  for (int64_t o = 0; o < outer; ++o)
    memory::CopyBytes(d + (o * len + index) * inner, s + o * inner, inner);
}

absl::Status CheckBodiesSupported(const graph::Node& n, int depth) {
  if (depth > graph::kMaxSubgraphDepth) {
    return absl::UnimplementedError(
        graph::UnsupportedMessage(n, "subgraphs are nested too deeply"));
  }
  for (const auto& [name, a] : n.attrs) {
    if (a.kind != graph::Attribute::Kind::kGraph) continue;
    if (!a.g) {
      return absl::UnimplementedError(graph::UnsupportedMessage(
          n, absl::StrCat("attribute '", name, "' holds a list of graphs")));
    }
    for (const graph::Node& b : a.g->nodes) {
      auto def = KernelRegistry::Get().Find(b);
      absl::Status s = def.ok() ? CheckBodiesSupported(b, depth + 1) : def.status();
      if (!s.ok()) {
        return absl::Status(s.code(), absl::StrCat("in subgraph '", name, "' of ", n.Describe(),
                                                   ": ", s.message()));
      }
    }
  }
  return absl::OkStatus();
}

bool ReadBool(const TensorView& v) { return *static_cast<const uint8_t*>(v.data) != 0; }
int64_t ReadInt64(const TensorView& v) { return *static_cast<const int64_t*>(v.data); }

}  // namespace control_flow

absl::Status RunNodeAllocating(const graph::Node& n, int index, const absl::Status& why,
                               std::vector<graph::InferredValue>& vals,
                               std::vector<TensorView>& views,
                               std::vector<std::shared_ptr<graph::Tensor>>& storage,
                               ThreadPool* pool, int threads, AllocatingKernelCache& cache,
                               graph::StringPool* strings) {
  auto def = KernelRegistry::Get().Find(n);
  if (!def.ok()) return why;
  KernelInfo info{n, {}, {}, {}, {}, {}, threads};
  KernelIo io;
  io.pool = pool;
  io.strings = strings;
  for (int v : n.inputs) {
    const bool none = v == graph::kNoValue;
    info.in_dtypes.push_back(none ? DType::kUndefined : vals[v].dtype);
    info.in_shapes.push_back(none ? Shape{} : vals[v].shape);
    info.in_consts.push_back(none || !vals[v].value ? TensorView{} : vals[v].value->view());
    io.inputs.push_back(none ? TensorView{} : views[v]);
  }
  for (size_t o = 0; o < n.outputs.size(); ++o) {
    info.out_dtypes.push_back(DType::kUndefined);  // what running tells
    info.out_shapes.emplace_back();
  }
  AllocatingKernelCache::Entry& e = cache.by_node[index];
  if (!e.kernel || e.dtypes != info.in_dtypes) {
    auto k = (*def)->create(info);
    if (!k.ok()) return k.status();
    e.kernel = *std::move(k);
    e.dtypes = info.in_dtypes;
  }
  auto* alloc = dynamic_cast<AllocatingKernel*>(e.kernel.get());
  if (!alloc) return why;
  std::vector<std::shared_ptr<graph::Tensor>> outs;
  if (auto s = alloc->RunAllocating(io, outs); !s.ok()) return s;
  for (size_t o = 0; o < n.outputs.size(); ++o) {
    const int v = n.outputs[o];
    if (v == graph::kNoValue || !outs[o]) continue;
    vals[v] = {outs[o]->dtype(), outs[o]->shape(), true, nullptr};
    views[v] = outs[o]->view();
    storage.push_back(outs[o]);
  }
  return absl::OkStatus();
}

}  // namespace socd::cpu
