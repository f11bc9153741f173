// Malformed models must give clear errors, never crashes: the daemon loads models it is sent.
#include "graph/onnx_import.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "backends/cpu/kernel.h"
#include "onnx/onnx_pb.h"
#include "scheduler/session.h"

namespace socd::graph::onnx_import_test {

namespace fs = std::filesystem;

// "N" style entries become symbolic dims, numbers fixed ones.
void SetFloatType(onnx::ValueInfoProto* v, const std::string& name,
                  const std::vector<std::string>& dims) {
  v->set_name(name);
  auto* tt = v->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto::FLOAT);
  auto* shape = tt->mutable_shape();
  for (const auto& d : dims) {
    auto* dim = shape->add_dim();
    if (!d.empty() && std::isdigit(static_cast<unsigned char>(d[0])))
      dim->set_dim_value(std::stoll(d));
    else
      dim->set_dim_param(d);
  }
}

onnx::ModelProto BaseModel(int ir_version = 8, int opset = 13) {
  onnx::ModelProto m;
  m.set_ir_version(ir_version);
  auto* os = m.add_opset_import();
  os->set_domain("");
  os->set_version(opset);
  m.mutable_graph()->set_name("test_graph");
  return m;
}

onnx::NodeProto* AddNode(onnx::ModelProto& m, const std::string& op, const std::string& name,
                         const std::vector<std::string>& in, const std::vector<std::string>& out) {
  auto* n = m.mutable_graph()->add_node();
  n->set_op_type(op);
  n->set_name(name);
  for (const auto& i : in) n->add_input(i);
  for (const auto& o : out) n->add_output(o);
  return n;
}

onnx::TensorProto* AddInitializer(onnx::ModelProto& m, const std::string& name,
                                  const std::vector<int64_t>& dims, const std::vector<float>& v) {
  auto* t = m.mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims) t->add_dims(d);
  for (float f : v) t->add_float_data(f);
  return t;
}

// y = Relu(x + b), x: float[N, 3] with a symbolic batch.
onnx::ModelProto AddReluModel() {
  onnx::ModelProto m = BaseModel();
  SetFloatType(m.mutable_graph()->add_input(), "x", {"N", "3"});
  AddInitializer(m, "b", {3}, {0.5f, -1.f, 2.f});
  AddNode(m, "Add", "add", {"x", "b"}, {"s"});
  AddNode(m, "Relu", "relu", {"s"}, {"y"});
  SetFloatType(m.mutable_graph()->add_output(), "y", {"N", "3"});
  return m;
}

std::string Bytes(const onnx::ModelProto& m) {
  std::string s;
  EXPECT_TRUE(m.SerializeToString(&s));
  return s;
}

std::string NewTempDir() {
  static int counter = 0;
  fs::path d = fs::path(::testing::TempDir()) /
               ("socd_onnx_import_" + std::to_string(getpid()) + "_" + std::to_string(counter++));
  fs::create_directories(d);
  return d.string();
}

std::string WriteFile(const std::string& dir, const std::string& name, const std::string& bytes) {
  std::string path = dir + "/" + name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

absl::Status LoadStatus(const std::string& bytes) {
  auto g = ImportOnnx(bytes);
  if (!g.ok()) return g.status();
  auto s = scheduler::Session::FromGraph(*std::move(g), scheduler::SessionOptions{});
  return s.status();
}

bool Contains(const absl::Status& s, absl::string_view what) {
  return s.message().find(what) != absl::string_view::npos;
}

TEST(OnnxImport, EmptyInputIsAnError) {
  auto g = ImportOnnx("");
  ASSERT_FALSE(g.ok());
  EXPECT_TRUE(Contains(g.status(), "no graph")) << g.status();
  std::string dir = NewTempDir();
  auto s = scheduler::Session::Load(WriteFile(dir, "empty.onnx", ""), {});
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(Contains(s.status(), "empty.onnx")) << s.status();
}

TEST(OnnxImport, MissingFileIsNotFound) {
  auto s = scheduler::Session::Load(NewTempDir() + "/nope.onnx", {});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(Contains(s.status(), "nope.onnx")) << s.status();
}

// Cuts a model at many offsets: each prefix must import with an error or (rarely, when the cut
// falls on a field boundary) as a smaller model that loads or is refused cleanly.
void ExpectTruncationsFailCleanly(const std::string& model) {
  std::vector<size_t> cuts = {1, 2, 3, 7, 16, 64, model.size() - 1, model.size() - 2};
  for (int k = 1; k < 24; ++k) cuts.push_back(model.size() * k / 24);
  int errors = 0;
  for (size_t cut : cuts) {
    if (cut == 0 || cut >= model.size()) continue;
    absl::Status s = LoadStatus(model.substr(0, cut));
    if (!s.ok()) {
      ++errors;
      EXPECT_FALSE(s.message().empty()) << "cut at " << cut;
    }
  }
  EXPECT_GT(errors, static_cast<int>(cuts.size()) / 2);
}

// mnist-8 from ../shared/models, or "" where the shared test data is not beside the checkout.
std::string RealModelBytes() {
  fs::path real = fs::path(__FILE__).parent_path() / "../../../shared/models/mnist-8.onnx";
  std::ifstream f(real, std::ios::binary);
  if (!f) return "";
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

TEST(OnnxImport, TruncatedModelsFailCleanly) {
  ExpectTruncationsFailCleanly(Bytes(AddReluModel()));
  // A real model too, when the shared test data is beside the checkout.
  const std::string bytes = RealModelBytes();
  if (!bytes.empty()) {
    ExpectTruncationsFailCleanly(bytes);
    auto g = ImportOnnx(bytes.substr(0, bytes.size() / 2));
    ASSERT_FALSE(g.ok());
    EXPECT_TRUE(Contains(g.status(), "truncated or corrupt")) << g.status();
  }
}

TEST(OnnxImport, RandomBytesNeverCrash) {
  std::mt19937 rng(42);
  const std::string small = Bytes(AddReluModel()), real = RealModelBytes();
  for (int i = 0; i < 400; ++i) {
    std::string bytes;
    if (i % 2 == 0) {
      bytes.resize(rng() % 512);
      for (char& c : bytes) c = static_cast<char>(rng());
    } else {
      // Flipped bytes in a valid model reach deeper than pure noise.
      bytes = (i % 4 == 1 || real.empty()) ? small : real;
      for (int k = 0; k < 1 + i % 5; ++k) bytes[rng() % bytes.size()] = static_cast<char>(rng());
    }
    (void)LoadStatus(bytes);  // any status is fine; the point is getting here
  }
}

TEST(OnnxImport, CycleIsNamed) {
  onnx::ModelProto m = BaseModel();
  SetFloatType(m.mutable_graph()->add_input(), "x", {"3"});
  AddNode(m, "Add", "loop_add", {"x", "b"}, {"a"});
  AddNode(m, "Relu", "loop_relu", {"a"}, {"b"});
  SetFloatType(m.mutable_graph()->add_output(), "b", {"3"});
  auto g = ImportOnnx(Bytes(m));
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(g.status(), "cycle")) << g.status();
  EXPECT_TRUE(Contains(g.status(), "loop_")) << g.status();
}

TEST(OnnxImport, UndefinedValueIsNamed) {
  onnx::ModelProto m = BaseModel();
  SetFloatType(m.mutable_graph()->add_input(), "x", {"3"});
  AddNode(m, "Add", "reader", {"x", "no_such_value"}, {"y"});
  SetFloatType(m.mutable_graph()->add_output(), "y", {"3"});
  auto g = ImportOnnx(Bytes(m));
  ASSERT_FALSE(g.ok());
  EXPECT_TRUE(Contains(g.status(), "no_such_value")) << g.status();
  EXPECT_TRUE(Contains(g.status(), "reader")) << g.status();
}

TEST(OnnxImport, OutputNobodyProducesIsNamed) {
  onnx::ModelProto m = AddReluModel();
  SetFloatType(m.mutable_graph()->add_output(), "phantom", {"3"});
  auto g = ImportOnnx(Bytes(m));
  ASSERT_FALSE(g.ok());
  EXPECT_TRUE(Contains(g.status(), "phantom")) << g.status();
}

TEST(OnnxImport, UnknownOperatorNamesOpDomainVersionAndNode) {
  onnx::ModelProto m = BaseModel();
  auto* os = m.add_opset_import();
  os->set_domain("com.example");
  os->set_version(3);
  SetFloatType(m.mutable_graph()->add_input(), "x", {"3"});
  AddNode(m, "FrobnicateXYZ", "mystery_node", {"x"}, {"y"})->set_domain("com.example");
  SetFloatType(m.mutable_graph()->add_output(), "y", {"3"});
  const std::string bytes = Bytes(m);
  for (bool from_file : {false, true}) {
    absl::Status s =
        from_file
            ? scheduler::Session::Load(WriteFile(NewTempDir(), "unknown.onnx", bytes), {}).status()
            : LoadStatus(bytes);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.code(), absl::StatusCode::kUnimplemented) << s;
    for (const char* part :
         {"unsupported operator", "FrobnicateXYZ", "com.example", "3", "mystery_node"}) {
      EXPECT_TRUE(Contains(s, part)) << part << " missing from: " << s;
    }
  }
}

TEST(OnnxImport, DomainTheModelDoesNotImportIsNamed) {
  onnx::ModelProto m = BaseModel();
  SetFloatType(m.mutable_graph()->add_input(), "x", {"3"});
  AddNode(m, "Thing", "stray", {"x"}, {"y"})->set_domain("org.unknown");
  SetFloatType(m.mutable_graph()->add_output(), "y", {"3"});
  auto g = ImportOnnx(Bytes(m));
  ASSERT_FALSE(g.ok());
  EXPECT_TRUE(Contains(g.status(), "org.unknown")) << g.status();
  EXPECT_TRUE(Contains(g.status(), "stray")) << g.status();
}

bool CpuHasConv() {
  Node n;
  n.op_type = "Conv";
  n.opset = 13;
  return cpu::KernelRegistry::Get().Find(n).ok();
}

// x: float[1,1,5,5], W: float[1,1,3,3] (or `w_dims`), Conv with the given kernel_shape.
onnx::ModelProto ConvModel(const std::vector<int64_t>& kernel_shape,
                           const std::vector<int64_t>& w_dims = {1, 1, 3, 3}) {
  onnx::ModelProto m = BaseModel();
  SetFloatType(m.mutable_graph()->add_input(), "x", {"1", "1", "5", "5"});
  int64_t n = 1;
  for (int64_t d : w_dims) n *= d;
  AddInitializer(m, "W", w_dims, std::vector<float>(n, 0.1f));
  auto* conv = AddNode(m, "Conv", "conv_bad", {"x", "W"}, {"y"});
  auto* a = conv->add_attribute();
  a->set_name("kernel_shape");
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t k : kernel_shape) a->add_ints(k);
  SetFloatType(m.mutable_graph()->add_output(), "y", {});
  m.mutable_graph()->mutable_output(0)->mutable_type()->mutable_tensor_type()->clear_shape();
  return m;
}

TEST(OnnxImport, BadConvAttributeIsAClearError) {
  if (!CpuHasConv()) GTEST_SKIP() << "the CPU backend has no Conv yet";
  absl::Status s = LoadStatus(Bytes(ConvModel({3, 3})));
  ASSERT_TRUE(s.ok()) << "the well-formed Conv must load: " << s;
  s = LoadStatus(Bytes(ConvModel({3})));  // 1 entry for a 2-D convolution
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_TRUE(Contains(s, "conv_bad")) << s;
  EXPECT_TRUE(Contains(s, "kernel_shape")) << s;
  s = LoadStatus(Bytes(ConvModel({3, 3}, {1, 3, 3})));  // weights of the wrong rank
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(Contains(s, "conv_bad")) << s;
}

TEST(OnnxImport, OldIrVersionIsRefused) {
  onnx::ModelProto m = AddReluModel();
  m.set_ir_version(2);
  auto g = ImportOnnx(Bytes(m));
  ASSERT_FALSE(g.ok());
  EXPECT_TRUE(Contains(g.status(), "IR version 2")) << g.status();
}

TEST(OnnxImport, InitializerWithWrongDataSizeIsNamed) {
  onnx::ModelProto m = AddReluModel();
  auto* b = m.mutable_graph()->mutable_initializer(0);
  b->clear_float_data();
  b->set_raw_data(std::string(10, '\0'));  // float[3] needs 12 bytes
  auto g = ImportOnnx(Bytes(m));
  ASSERT_FALSE(g.ok());
  EXPECT_TRUE(Contains(g.status(), "'b'")) << g.status();
  EXPECT_TRUE(Contains(g.status(), "12 bytes")) << g.status();

  b->clear_raw_data();
  b->add_float_data(1.f);  // 1 of 3 elements
  g = ImportOnnx(Bytes(m));
  ASSERT_FALSE(g.ok());
  EXPECT_TRUE(Contains(g.status(), "'b'")) << g.status();

  b->set_dims(0, -3);
  g = ImportOnnx(Bytes(m));
  ASSERT_FALSE(g.ok());
  EXPECT_TRUE(Contains(g.status(), "'b'")) << g.status();
}

// The model with `b` stored outside it at `location`.
std::string ExternalModel(const std::string& location, int64_t offset = 0) {
  onnx::ModelProto m = AddReluModel();
  auto* b = m.mutable_graph()->mutable_initializer(0);
  b->clear_float_data();
  b->set_data_location(onnx::TensorProto::EXTERNAL);
  auto* kv = b->add_external_data();
  kv->set_key("location");
  kv->set_value(location);
  kv = b->add_external_data();
  kv->set_key("offset");
  kv->set_value(std::to_string(offset));
  return Bytes(m);
}

TEST(OnnxImport, ExternalDataIsReadFromTheModelsFolder) {
  std::string dir = NewTempDir();
  const float b[3] = {1, 2, 3};
  WriteFile(dir, "weights.bin", std::string(reinterpret_cast<const char*>(b), sizeof b));
  auto g = ImportOnnxFile(WriteFile(dir, "ok.onnx", ExternalModel("weights.bin")));
  ASSERT_TRUE(g.ok()) << g.status();
  const Tensor* t = g->ConstantOf(g->FindValue("b"));
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->as<float>()[2], 3.f);

  g = ImportOnnxFile(WriteFile(dir, "short.onnx", ExternalModel("weights.bin", 8)));
  ASSERT_FALSE(g.ok());
  EXPECT_TRUE(Contains(g.status(), "'b'")) << g.status();
}

TEST(OnnxImport, MissingExternalDataFileIsNamed) {
  std::string dir = NewTempDir();
  auto g = ImportOnnxFile(WriteFile(dir, "m.onnx", ExternalModel("missing_weights.bin")));
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), absl::StatusCode::kNotFound) << g.status();
  EXPECT_TRUE(Contains(g.status(), "missing_weights.bin")) << g.status();
}

TEST(OnnxImport, ExternalDataOutsideTheModelsFolderIsRefused) {
  std::string dir = NewTempDir();
  fs::create_directories(dir + "/model");
  WriteFile(dir, "secret.bin", std::string(12, '\0'));  // exists, so only the check can refuse
  for (const std::string& loc :
       {std::string("../secret.bin"), std::string("sub/../../secret.bin"), dir + "/secret.bin"}) {
    auto g = ImportOnnxFile(WriteFile(dir + "/model", "m.onnx", ExternalModel(loc)));
    ASSERT_FALSE(g.ok()) << loc;
    EXPECT_EQ(g.status().code(), absl::StatusCode::kInvalidArgument) << g.status();
    EXPECT_TRUE(Contains(g.status(), "location")) << g.status();
  }
}

TEST(OnnxImport, SymbolicBatchIsBoundPerRun) {
  auto s = scheduler::Session::Load(WriteFile(NewTempDir(), "add_relu.onnx", Bytes(AddReluModel())),
                                    scheduler::SessionOptions{});
  ASSERT_TRUE(s.ok()) << s.status();
  auto& session = **s;
  ASSERT_EQ(session.inputs().size(), 1u);
  ASSERT_EQ(session.inputs()[0]->type.dims.size(), 2u);
  EXPECT_EQ(session.inputs()[0]->type.dims[0].symbol, "N");
  const float bias[3] = {0.5f, -1.f, 2.f};
  for (int64_t batch : {2, 5, 1, 2}) {
    Tensor x(DType::kFloat32, {batch, 3});
    for (int64_t i = 0; i < x.numel(); ++i) x.as<float>()[i] = static_cast<float>(i) - 4.f;
    std::vector<TensorView> outs;
    ASSERT_TRUE(session.Run({x.view()}, outs).ok()) << "batch " << batch;
    ASSERT_EQ(outs.size(), 1u);
    EXPECT_EQ(outs[0].shape, (Shape{batch, 3}));
    for (int64_t i = 0; i < x.numel(); ++i) {
      float want = std::max(0.f, x.as<float>()[i] + bias[i % 3]);
      EXPECT_EQ(outs[0].as<float>()[i], want) << "batch " << batch << " element " << i;
    }
  }
  // A fixed dim that does not match is an error, not a crash.
  Tensor wrong(DType::kFloat32, {2, 4});
  std::vector<TensorView> outs;
  EXPECT_FALSE(session.Run({wrong.view()}, outs).ok());
}

}  // namespace socd::graph::onnx_import_test
