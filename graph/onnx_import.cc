#include "graph/onnx_import.h"

#include "graph/minifloat.h"
#include "graph/sequence_type.h"
#include "graph/subgraph.h"

#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "onnx/onnx_pb.h"

namespace socd::graph {
namespace {

absl::Status Bad(const std::string& what) { return absl::InvalidArgumentError(what); }

absl::StatusOr<TensorType> ConvertType(const onnx::TypeProto& tp, const std::string& name);

// sequence(tensor), optional(tensor) and optional(sequence(tensor)): what the CPU runtime holds
// (graph/sequence_type.h). Deeper nestings are refused.
absl::StatusOr<TensorType> ConvertContainerType(const onnx::TypeProto& tp,
                                                const std::string& name) {
  const bool seq = tp.has_sequence_type();
  const onnx::TypeProto& et = seq ? tp.sequence_type().elem_type() : tp.optional_type().elem_type();
  auto elem = ConvertType(et, name);
  if (!elem.ok()) return elem.status();
  const bool elem_seq = elem->container && elem->container->kind == ContainerType::Kind::kSequence;
  if (elem->container && (seq || !elem_seq || elem->container->elem.container)) {
    return absl::UnimplementedError(absl::StrCat("value '", name,
                                                 "': ", seq ? "sequence(" : "optional(",
                                                 elem->ToString(), ") is not supported"));
  }
  ContainerType c;
  c.kind = seq ? ContainerType::Kind::kSequence : ContainerType::Kind::kOptional;
  c.elem = *std::move(elem);
  return HandleType(std::move(c));
}

absl::StatusOr<TensorType> ConvertType(const onnx::TypeProto& tp, const std::string& name) {
  TensorType t;
  if (tp.has_sequence_type() || tp.has_optional_type()) return ConvertContainerType(tp, name);
  if (!tp.has_tensor_type()) {
    if (tp.value_case() == onnx::TypeProto::VALUE_NOT_SET) return t;  // untyped: infer later
    return absl::UnimplementedError(
        absl::StrCat("value '", name,
                     "': only tensor, sequence and optional types are supported (map and "
                     "sparse values are not)"));
  }
  const auto& tt = tp.tensor_type();
  if (tt.elem_type() != 0 && !IsKnownDType(tt.elem_type())) {
    return absl::UnimplementedError(
        absl::StrCat("value '", name, "': unsupported element type ", tt.elem_type()));
  }
  t.dtype = static_cast<DType>(tt.elem_type());
  if (tt.has_shape()) {
    t.has_shape = true;
    for (const auto& d : tt.shape().dim()) {
      Dim dim;
      if (d.has_dim_value()) {
        if (d.dim_value() < 0) return Bad(absl::StrCat("value '", name, "': negative dimension"));
        dim.value = d.dim_value();
      } else if (d.has_dim_param()) {
        dim.symbol = d.dim_param();
      }
      t.dims.push_back(dim);
    }
  }
  return t;
}

// Copies `n` elements of a repeated proto field into the tensor, converting each.
template <typename Dst, typename Field>
void CopyField(const Field& f, Tensor& t) {
  Dst* out = t.as<Dst>();
  for (int i = 0; i < f.size(); ++i) out[i] = static_cast<Dst>(f.Get(i));
}

absl::StatusOr<std::string> ReadExternal(const onnx::TensorProto& tp, const ImportOptions& opts) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto& kv : tp.external_data()) {
    if (kv.key() == "location")
      location = kv.value();
    else if (kv.key() == "offset")
      offset = std::strtoll(kv.value().c_str(), nullptr, 10);
    else if (kv.key() == "length")
      length = std::strtoll(kv.value().c_str(), nullptr, 10);
  }
  if (location.empty() || location.find("..") != std::string::npos || location[0] == '/') {
    return Bad(absl::StrCat("tensor '", tp.name(), "': bad external data location '", location,
                            "' (must be a relative path inside the model's folder)"));
  }
  std::string path = opts.external_data_dir.empty()
                         ? location
                         : absl::StrCat(opts.external_data_dir, "/", location);
  std::ifstream f(path, std::ios::binary);
  if (!f)
    return absl::NotFoundError(
        absl::StrCat("tensor '", tp.name(), "': cannot open external data file '", path, "'"));
  f.seekg(0, std::ios::end);
  int64_t size = f.tellg();
  if (offset < 0 || offset > size)
    return Bad(absl::StrCat("tensor '", tp.name(), "': external data offset out of range"));
  if (length < 0) length = size - offset;
  if (offset + length > size)
    return Bad(absl::StrCat("tensor '", tp.name(), "': external data file '", path,
                            "' is shorter than offset+length"));
  std::string data(static_cast<size_t>(length), '\0');
  f.seekg(offset);
  f.read(data.data(), length);
  return data;
}

// Copies `bits`-per-element data into t, one element per byte (sign-extending int4/int2).
void UnpackInto(const uint8_t* src, int bits, DType dt, Tensor& t) {
  const int64_t n = t.numel();
  if (bits == 8) {
    if (t.bytes()) std::memcpy(t.data(), src, t.bytes());
    return;
  }
  uint8_t* dst = static_cast<uint8_t*>(t.data());
  const int per_byte = 8 / bits;
  const uint32_t mask = (1u << bits) - 1;
  for (int64_t i = 0; i < n; ++i) {
    const uint32_t code = (src[i / per_byte] >> ((i % per_byte) * bits)) & mask;
    dst[i] = IsSubByteInt(dt) ? static_cast<uint8_t>(WrapToSubByte(code, dt))
                              : static_cast<uint8_t>(code);
  }
}

}  // namespace

absl::StatusOr<std::shared_ptr<Tensor>> ConvertTensor(const onnx::TensorProto& tp,
                                                      const ImportOptions& opts) {
  if (!IsKnownDType(tp.data_type())) {
    return absl::UnimplementedError(
        absl::StrCat("tensor '", tp.name(), "': unsupported element type ", tp.data_type()));
  }
  DType dt = static_cast<DType>(tp.data_type());
  Shape shape(tp.dims().begin(), tp.dims().end());
  int64_t n = NumElements(shape);
  if (n < 0 || n > (int64_t{1} << 34)) {
    return Bad(absl::StrCat("tensor '", tp.name(), "': invalid dims ", ShapeToString(shape)));
  }
  // Sub-byte types are packed in files (2 or 4 per byte) and held unpacked in memory.
  const int bits = PackedBits(dt);
  const size_t bytes =
      bits == 8 ? static_cast<size_t>(n) * DTypeSize(dt) : (static_cast<size_t>(n) * bits + 7) / 8;
  auto size_error = [&](int64_t got) {
    return Bad(absl::StrCat("tensor '", tp.name(), "' (", DTypeName(dt), ShapeToString(shape),
                            "): expected ", n, " elements / ", bytes, " bytes, data holds ", got));
  };
  if (tp.data_location() == onnx::TensorProto::EXTERNAL) {
    if (dt == DType::kString)  // ONNX stores strings only in string_data
      return Bad(absl::StrCat("tensor '", tp.name(), "': string tensors cannot use external data"));
    auto data = ReadExternal(tp, opts);
    if (!data.ok()) return data.status();
    if (data->size() != bytes) return size_error(static_cast<int64_t>(data->size()));
    auto t = std::make_shared<Tensor>(dt, shape);
    UnpackInto(reinterpret_cast<const uint8_t*>(data->data()), bits, dt, *t);
    return t;
  }
  // Dims are only numbers in the file: no tensor holds more elements than the proto stores
  // values or raw bytes, so a tiny file must not get to allocate gigabytes before the checks.
  const int64_t stored = static_cast<int64_t>(tp.raw_data().size()) + tp.float_data_size() +
                         tp.int32_data_size() + tp.int64_data_size() + tp.double_data_size() +
                         tp.uint64_data_size() + tp.string_data_size();
  // Packed sub-byte data holds 8/bits values per stored byte (raw) or int32 entry.
  if (n > stored * (8 / bits)) return size_error(stored);
  auto t = std::make_shared<Tensor>(dt, shape);
  if (tp.has_raw_data()) {
    if (dt == DType::kString)
      return Bad(absl::StrCat("tensor '", tp.name(), "': string tensors cannot use raw_data"));
    if (tp.raw_data().size() != bytes)
      return size_error(static_cast<int64_t>(tp.raw_data().size()));
    UnpackInto(reinterpret_cast<const uint8_t*>(tp.raw_data().data()), bits, dt, *t);
    return t;
  }
  if (IsSubByte(dt)) {
    // int32_data holds one byte per entry: a float8 code, or 2 (4) packed 4-bit (2-bit) values.
    const int64_t want = static_cast<int64_t>(bytes);
    if (tp.int32_data_size() != want) return size_error(tp.int32_data_size());
    std::vector<uint8_t> packed(bytes);
    for (int64_t i = 0; i < want; ++i) packed[i] = static_cast<uint8_t>(tp.int32_data(i));
    UnpackInto(packed.data(), bits, dt, *t);
    return t;
  }
  switch (dt) {
    case DType::kFloat32:
      if (tp.float_data_size() != n) return size_error(tp.float_data_size());
      CopyField<float>(tp.float_data(), *t);
      break;
    case DType::kFloat64:
      if (tp.double_data_size() != n) return size_error(tp.double_data_size());
      CopyField<double>(tp.double_data(), *t);
      break;
    case DType::kInt64:
      if (tp.int64_data_size() != n) return size_error(tp.int64_data_size());
      CopyField<int64_t>(tp.int64_data(), *t);
      break;
    case DType::kUInt32:
    case DType::kUInt64:
      if (tp.uint64_data_size() != n) return size_error(tp.uint64_data_size());
      if (dt == DType::kUInt32)
        CopyField<uint32_t>(tp.uint64_data(), *t);
      else
        CopyField<uint64_t>(tp.uint64_data(), *t);
      break;
    case DType::kInt32:
    case DType::kInt16:
    case DType::kInt8:
    case DType::kUInt16:
    case DType::kUInt8:
    case DType::kBool:
    case DType::kFloat16:
    case DType::kBFloat16:
      if (tp.int32_data_size() != n) return size_error(tp.int32_data_size());
      if (dt == DType::kInt32)
        CopyField<int32_t>(tp.int32_data(), *t);
      else if (dt == DType::kInt16)
        CopyField<int16_t>(tp.int32_data(), *t);
      else if (dt == DType::kInt8)
        CopyField<int8_t>(tp.int32_data(), *t);
      else if (dt == DType::kUInt8 || dt == DType::kBool)
        CopyField<uint8_t>(tp.int32_data(), *t);
      else
        CopyField<uint16_t>(tp.int32_data(), *t);  // fp16/bf16 bits, uint16
      break;
    case DType::kString:
      // One std::string per element in string_data; the tensor keeps its own copies.
      if (tp.string_data_size() != n) return size_error(tp.string_data_size());
      for (int64_t i = 0; i < n; ++i) t->SetString(i, tp.string_data(static_cast<int>(i)));
      break;
    default:
      return absl::UnimplementedError(absl::StrCat("tensor '", tp.name(), "': unsupported type"));
  }
  return t;
}

namespace {

absl::StatusOr<Attribute> ConvertAttribute(const onnx::AttributeProto& a, const std::string& node,
                                           const ImportOptions& opts) {
  Attribute out;
  using A = onnx::AttributeProto;
  switch (a.type()) {
    case A::FLOAT:
      out.kind = Attribute::Kind::kFloat;
      out.f = a.f();
      break;
    case A::INT:
      out.kind = Attribute::Kind::kInt;
      out.i = a.i();
      break;
    case A::STRING:
      out.kind = Attribute::Kind::kString;
      out.s = a.s();
      break;
    case A::TENSOR: {
      out.kind = Attribute::Kind::kTensor;
      auto t = ConvertTensor(a.t(), opts);
      if (!t.ok()) {
        return absl::Status(t.status().code(), absl::StrCat("node '", node, "' attribute '",
                                                            a.name(), "': ", t.status().message()));
      }
      out.t = *std::move(t);
      break;
    }
    case A::FLOATS:
      out.kind = Attribute::Kind::kFloats;
      out.floats.assign(a.floats().begin(), a.floats().end());
      break;
    case A::INTS:
      out.kind = Attribute::Kind::kInts;
      out.ints.assign(a.ints().begin(), a.ints().end());
      break;
    case A::STRINGS:
      out.kind = Attribute::Kind::kStrings;
      out.strings.assign(a.strings().begin(), a.strings().end());
      break;
    case A::GRAPH:
    case A::GRAPHS:
      out.kind = Attribute::Kind::kGraph;
      break;
    case A::UNDEFINED: {
      // IR < 0.0.2 style: infer kind from which field is set.
      if (a.has_f()) {
        out.kind = Attribute::Kind::kFloat;
        out.f = a.f();
      } else if (a.has_i()) {
        out.kind = Attribute::Kind::kInt;
        out.i = a.i();
      } else if (a.has_s()) {
        out.kind = Attribute::Kind::kString;
        out.s = a.s();
      } else if (a.ints_size()) {
        out.kind = Attribute::Kind::kInts;
        out.ints.assign(a.ints().begin(), a.ints().end());
      } else if (a.floats_size()) {
        out.kind = Attribute::Kind::kFloats;
        out.floats.assign(a.floats().begin(), a.floats().end());
      }
      break;
    }
    default:
      out.kind = Attribute::Kind::kOther;
      break;
  }
  return out;
}

// A Constant node's value, whichever of its attribute forms is used.
absl::StatusOr<std::shared_ptr<const Tensor>> ConstantValue(const Node& n) {
  for (const auto& [name, a] : n.attrs) {
    if (name == "value" && a.t) return a.t;
    if (name == "value_float") {
      auto t = std::make_shared<Tensor>(DType::kFloat32, Shape{});
      *t->as<float>() = a.f;
      return std::shared_ptr<const Tensor>(t);
    }
    if (name == "value_int") {
      auto t = std::make_shared<Tensor>(DType::kInt64, Shape{});
      *t->as<int64_t>() = a.i;
      return std::shared_ptr<const Tensor>(t);
    }
    if (name == "value_floats") {
      auto t = std::make_shared<Tensor>(DType::kFloat32, Shape{int64_t(a.floats.size())});
      std::copy(a.floats.begin(), a.floats.end(), t->as<float>());
      return std::shared_ptr<const Tensor>(t);
    }
    if (name == "value_string" || name == "value_strings") {
      const bool one = name == "value_string";
      auto t = std::make_shared<Tensor>(
          DType::kString, one ? Shape{} : Shape{static_cast<int64_t>(a.strings.size())});
      if (one)
        t->SetString(0, a.s);
      else
        for (size_t i = 0; i < a.strings.size(); ++i)
          t->SetString(static_cast<int64_t>(i), a.strings[i]);
      return std::shared_ptr<const Tensor>(t);
    }
    if (name == "value_ints") {
      auto t = std::make_shared<Tensor>(DType::kInt64, Shape{int64_t(a.ints.size())});
      std::copy(a.ints.begin(), a.ints.end(), t->as<int64_t>());
      return std::shared_ptr<const Tensor>(t);
    }
  }
  return absl::UnimplementedError(
      absl::StrCat("unsupported operator Constant: node '", n.name,
                   "' uses a value form socd does not support (sparse_value)"));
}

}  // namespace

absl::Status ImportGraphInto(const onnx::GraphProto& gp, const ImportOptions& opts, Graph& g,
                             const ImportScope* outer, int depth,
                             std::vector<std::string>* captured);

// A GRAPH attribute of node `node` in `g`: the body and the outer-scope names it reads.
absl::StatusOr<std::pair<Attribute, std::vector<std::string>>> ImportBody(
    const onnx::AttributeProto& a, const std::string& node, const ImportOptions& opts,
    const Graph& g, const ImportScope& scope, int depth) {
  if (depth + 1 > kMaxSubgraphDepth) {
    return Bad(absl::StrCat("node '", node, "': subgraphs are nested more than ", kMaxSubgraphDepth,
                            " levels deep"));
  }
  auto body = std::make_shared<Graph>();
  body->opsets = g.opsets;
  body->ir_version = g.ir_version;
  body->name = a.g().name();
  std::vector<std::string> captured;
  if (auto s = ImportGraphInto(a.g(), opts, *body, &scope, depth + 1, &captured); !s.ok()) {
    return absl::Status(s.code(),
                        absl::StrCat("node '", node, "' subgraph '", a.name(), "': ", s.message()));
  }
  Attribute attr;
  attr.kind = Attribute::Kind::kGraph;
  attr.g = std::move(body);
  return std::make_pair(std::move(attr), std::move(captured));
}

// Fills `g` (opsets and IR version already set) from one GraphProto: the model's graph
// (outer == null) or a control-flow body at nesting `depth`, whose reads of names that an
// enclosing graph defines become extra graph inputs appended to `captured`.
absl::Status ImportGraphInto(const onnx::GraphProto& gp, const ImportOptions& opts, Graph& g,
                             const ImportScope* outer, int depth,
                             std::vector<std::string>* captured) {
  ImportScope scope;
  scope.parent = outer;
  for (const auto& init : gp.initializer()) scope.names.insert(init.name());
  for (const auto& in : gp.input()) scope.names.insert(in.name());
  for (const auto& np : gp.node())
    for (const auto& o : np.output())
      if (!o.empty()) scope.names.insert(o);
  // A name a node reads: this graph's value (maybe produced by a later node: TopoSort orders
  // them), or in a body an enclosing graph's value, captured as an extra input.
  auto resolve = [&](const std::string& name, const std::string& reader) -> absl::StatusOr<int> {
    int v = g.FindValue(name);
    if (v >= 0) return v;
    if (!outer || scope.names.count(name)) return g.AddValue(name);
    if (!outer->Defines(name)) {
      return Bad(absl::StrCat("'", reader, "' reads '", name,
                              "', which neither this subgraph nor an enclosing graph defines"));
    }
    v = g.AddValue(name);
    g.inputs.push_back(v);
    captured->push_back(name);
    return v;
  };

  for (const auto& init : gp.initializer()) {
    if (g.FindValue(init.name()) >= 0)
      return Bad(absl::StrCat("initializer '", init.name(), "' is defined twice"));
    auto t = ConvertTensor(init, opts);
    if (!t.ok()) return t.status();
    g.AddConstant(init.name(), *std::move(t));
  }
  for (const auto& in : gp.input()) {
    int existing = g.FindValue(in.name());
    if (existing >= 0) continue;  // IR 3: initializers are also listed as inputs
    auto tt = ConvertType(in.type(), in.name());
    if (!tt.ok()) return tt.status();
    g.inputs.push_back(g.AddValue(in.name(), *tt));
  }
  for (const auto& vi : gp.value_info()) {
    if (g.FindValue(vi.name()) >= 0) continue;
    if (outer && !scope.names.count(vi.name())) continue;  // describes an outer-scope value
    auto tt = ConvertType(vi.type(), vi.name());
    if (!tt.ok()) continue;  // value_info is advisory
    g.AddValue(vi.name(), *tt);
  }
  for (const auto& np : gp.node()) {
    Node n;
    n.name = np.name().empty() ? (np.output_size() ? np.output(0) : np.op_type()) : np.name();
    n.op_type = np.op_type();
    n.domain = np.domain() == "ai.onnx" ? "" : np.domain();
    auto os = g.opsets.find(n.domain);
    if (os == g.opsets.end()) {
      return Bad(absl::StrCat("node '", n.name, "' (", n.op_type, ") uses domain '", n.domain,
                              "', which the model does not import"));
    }
    n.opset = os->second;
    std::vector<std::pair<std::string, std::vector<std::string>>> bodies;  // name, captures
    for (const auto& a : np.attribute()) {
      if (a.type() == onnx::AttributeProto::GRAPH) {
        auto body = ImportBody(a, n.name, opts, g, scope, depth);
        if (!body.ok()) return body.status();
        n.attrs[a.name()] = std::move(body->first);
        bodies.emplace_back(a.name(), std::move(body->second));
        continue;
      }
      auto attr = ConvertAttribute(a, n.name, opts);
      if (!attr.ok()) return attr.status();
      n.attrs[a.name()] = *std::move(attr);
    }
    for (const auto& in : np.input()) {
      if (in.empty()) {
        n.inputs.push_back(kNoValue);
        continue;
      }
      auto v = resolve(in, n.name);
      if (!v.ok()) return v.status();
      n.inputs.push_back(*v);
    }
    // The bodies' outer-scope reads become the node's implicit inputs (graph/subgraph.h).
    for (const std::string& name : UnifyCaptures(n, bodies)) {
      auto v = resolve(name, n.name);
      if (!v.ok()) return v.status();
      n.inputs.push_back(*v);
      ++n.implicit_inputs;
    }
    for (const auto& out : np.output()) {
      if (out.empty()) {
        n.outputs.push_back(kNoValue);
        continue;
      }
      int v = g.FindValue(out);
      if (v < 0)
        v = g.AddValue(out);
      else if (g.values[v].constant ||
               std::find(g.inputs.begin(), g.inputs.end(), v) != g.inputs.end()) {
        return Bad(absl::StrCat("node '", n.name, "' writes '", out,
                                "', which is already a graph input or initializer"));
      }
      n.outputs.push_back(v);
    }
    if (auto s = ValidateControlFlow(n); !s.ok()) return s;
    if (n.op_type == "Constant" && n.domain.empty()) {
      auto c = ConstantValue(n);
      if (!c.ok()) return c.status();
      if (n.outputs.size() != 1 || n.outputs[0] == kNoValue)
        return Bad(absl::StrCat("Constant node '", n.name, "' must have one output"));
      Value& v = g.values[n.outputs[0]];
      v.constant = *c;
      v.type.dtype = (*c)->dtype();
      v.type.has_shape = true;
      v.type.dims.clear();
      for (int64_t d : (*c)->shape()) v.type.dims.push_back(Dim{d, ""});
      continue;
    }
    g.nodes.push_back(std::move(n));
  }
  for (const auto& out : gp.output()) {
    int v = g.FindValue(out.name());
    if (v < 0 && outer) {  // a body may output an outer-scope value as it is
      auto r = resolve(out.name(), "graph output");
      if (!r.ok()) return r.status();
      v = *r;
    }
    if (v < 0) return Bad(absl::StrCat("graph output '", out.name(), "' is never produced"));
    auto tt = ConvertType(out.type(), out.name());
    // A body returning a value socd cannot hold (a map) cannot be run: say so here.
    if (outer && !tt.ok()) return tt.status();
    if (tt.ok() && g.values[v].type.dtype == DType::kUndefined) g.values[v].type = *tt;
    g.outputs.push_back(v);
  }
  return g.TopoSort();
}

absl::StatusOr<Graph> ImportOnnx(const std::string& bytes, const ImportOptions& opts) {
  if (bytes.size() > opts.max_model_bytes) {
    return Bad(absl::StrCat("model is ", bytes.size(), " bytes, over the limit of ",
                            opts.max_model_bytes));
  }
  onnx::ModelProto model;
  {
    google::protobuf::io::ArrayInputStream raw(bytes.data(), static_cast<int>(bytes.size()));
    google::protobuf::io::CodedInputStream cis(&raw);
    cis.SetTotalBytesLimit(INT32_MAX);
    if (!model.ParseFromCodedStream(&cis) || !cis.ConsumedEntireMessage()) {
      return Bad("not a valid ONNX model: the protobuf is truncated or corrupt");
    }
  }
  if (!model.has_graph()) return Bad("not a valid ONNX model: it has no graph");
  if (model.ir_version() < 3) {
    return absl::UnimplementedError(
        absl::StrCat("ONNX IR version ", model.ir_version(), " is not supported (need >= 3)"));
  }
  Graph g;
  g.ir_version = model.ir_version();
  g.name = model.graph().name();
  for (const auto& op : model.opset_import()) {
    std::string d = op.domain() == "ai.onnx" ? "" : op.domain();
    g.opsets[d] = static_cast<int>(op.version());
  }
  if (model.opset_import_size() == 0) g.opsets[""] = 1;  // IR 3 default per spec
  if (auto s = ImportGraphInto(model.graph(), opts, g, nullptr, 0, nullptr); !s.ok()) return s;
  InferControlFlowTypes(g);
  return g;
}

absl::StatusOr<std::shared_ptr<Tensor>> ParseTensorProto(const std::string& bytes,
                                                         std::string* name) {
  onnx::TensorProto tp;
  if (!tp.ParseFromString(bytes)) return Bad("not a valid TensorProto: truncated or corrupt");
  if (name) *name = tp.name();
  return ConvertTensor(tp, ImportOptions{});
}

absl::StatusOr<std::shared_ptr<Tensor>> ReadTensorProtoFile(const std::string& path,
                                                            std::string* name) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return absl::NotFoundError(absl::StrCat("cannot open tensor file '", path, "'"));
  std::stringstream ss;
  ss << f.rdbuf();
  auto t = ParseTensorProto(ss.str(), name);
  if (!t.ok())
    return absl::Status(t.status().code(), absl::StrCat(path, ": ", t.status().message()));
  return t;
}

absl::StatusOr<Graph> ImportOnnxFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return absl::NotFoundError(absl::StrCat("cannot open model file '", path, "'"));
  std::stringstream ss;
  ss << f.rdbuf();
  ImportOptions opts;
  auto slash = path.find_last_of('/');
  opts.external_data_dir = slash == std::string::npos ? "." : path.substr(0, slash);
  auto g = ImportOnnx(ss.str(), opts);
  if (!g.ok()) {
    return absl::Status(g.status().code(), absl::StrCat(path, ": ", g.status().message()));
  }
  return g;
}

}  // namespace socd::graph
