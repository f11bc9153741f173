// Every storable dtype through the Vulkan typed shaders against the CPU backend: Cast both
// ways, binary arithmetic and comparisons with broadcasting, Where, Abs/Neg, reductions
// (integer L2 too). Its own ctest runs it with SOCD_VK_NO_FLOAT64=1, where the device counts
// as lacking shaderFloat64 and the typed shaders' nof64 build runs (as on most mobile GPUs):
// then float64 must be refused with a reason naming the feature (Where, which only moves bits,
// still takes it), and every other dtype must still match the CPU bit for bit.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "backends/cpu/cpu_backend.h"
#include "backends/vulkan/vulkan_backend.h"
#include "graph/ir.h"
#include "graph/tensor.h"
#include "tests/cpu/node_runner.h"
#include "tests/gpu/reduce_case.h"

namespace socd::gpu_typed_dtypes {

using graph::DType;

bool NoFloat64() {
  const char* v = std::getenv("SOCD_VK_NO_FLOAT64");
  return v && *v && std::strcmp(v, "0") != 0;
}

bool Unsigned(DType t) {
  return t == DType::kUInt8 || t == DType::kUInt16 || t == DType::kUInt32 || t == DType::kUInt64;
}

// Small values of t that every op below keeps exact: halves for floats (0..6 with `nonneg`:
// a negative float cast to an unsigned type is undefined), -6..6 for signed and 0..12 for
// unsigned integers, 0/1 for bool.
std::shared_ptr<graph::Tensor> Values(DType t, graph::Shape s, int seed, bool nonneg = false) {
  auto x = std::make_shared<graph::Tensor>(t, std::move(s));
  for (int64_t i = 0; i < x->numel(); ++i) {
    const int k = static_cast<int>((i * 7 + seed * 5) % 13);  // 0..12
    const int iv = Unsigned(t) ? k : k - 6;
    const float f = 0.5f * static_cast<float>(nonneg ? k / 2 : k - 6);
    switch (t) {
      case DType::kFloat32:
        x->as<float>()[i] = f;
        break;
      case DType::kFloat64:
        x->as<double>()[i] = f;
        break;
      case DType::kFloat16:
        x->as<uint16_t>()[i] = graph::FloatToHalf(f);
        break;
      case DType::kBFloat16:
        x->as<uint16_t>()[i] = graph::FloatToBFloat16(f);
        break;
      case DType::kBool:
        x->as<uint8_t>()[i] = k % 2;
        break;
      case DType::kInt8:
        x->as<int8_t>()[i] = static_cast<int8_t>(iv);
        break;
      case DType::kUInt8:
        x->as<uint8_t>()[i] = static_cast<uint8_t>(iv);
        break;
      case DType::kInt16:
        x->as<int16_t>()[i] = static_cast<int16_t>(iv);
        break;
      case DType::kUInt16:
        x->as<uint16_t>()[i] = static_cast<uint16_t>(iv);
        break;
      case DType::kInt32:
        x->as<int32_t>()[i] = iv;
        break;
      case DType::kUInt32:
        x->as<uint32_t>()[i] = static_cast<uint32_t>(iv);
        break;
      case DType::kInt64:
        x->as<int64_t>()[i] = iv;
        break;
      case DType::kUInt64:
        x->as<uint64_t>()[i] = static_cast<uint64_t>(iv);
        break;
      default:
        ADD_FAILURE() << "no values for " << graph::DTypeName(t);
    }
  }
  return x;
}

struct Case {
  std::string op;
  std::vector<std::shared_ptr<graph::Tensor>> in;  // graph inputs
  std::map<std::string, graph::Attribute> attrs;
  std::shared_ptr<graph::Tensor> axes;  // a constant second input (reductions)
};

// Output 0's bytes and dtype, or the status Compile/Prepare/Run gave.
absl::StatusOr<std::pair<DType, std::vector<uint8_t>>> RunCase(backends::Backend& b,
                                                               const Case& c) {
  auto g = std::make_shared<graph::Graph>();
  g->opsets[""] = 18;
  graph::Node n;
  n.name = "n";
  n.op_type = c.op;
  n.opset = 18;
  n.attrs = c.attrs;
  std::vector<graph::TensorView> views;
  std::vector<graph::Shape> shapes;
  for (size_t i = 0; i < c.in.size(); ++i) {
    graph::TensorType tt{c.in[i]->dtype(), true, {}};
    for (int64_t d : c.in[i]->shape()) tt.dims.push_back(graph::Dim{d, ""});
    n.inputs.push_back(g->AddValue("x" + std::to_string(i), tt));
    g->inputs.push_back(n.inputs.back());
    views.push_back(c.in[i]->view());
    shapes.push_back(c.in[i]->shape());
  }
  if (c.axes) n.inputs.push_back(g->AddConstant("axes", c.axes));
  n.outputs = {g->AddValue("y")};
  g->outputs.push_back(n.outputs[0]);
  g->nodes.push_back(n);
  if (auto s = g->TopoSort(); !s.ok()) return s;
  auto p = b.Compile(g, {});
  if (!p.ok()) return p.status();
  if (auto s = (*p)->Prepare(shapes); !s.ok()) return s;
  std::vector<graph::TensorView> out;
  if (auto s = (*p)->Run(views, out); !s.ok()) return s;
  const auto* d = static_cast<const uint8_t*>(out[0].data);
  return std::make_pair(out[0].dtype, std::vector<uint8_t>(d, d + out[0].bytes()));
}

const DType kTypes[] = {DType::kBool,   DType::kInt8,    DType::kUInt8,    DType::kInt16,
                        DType::kUInt16, DType::kInt32,   DType::kUInt32,   DType::kInt64,
                        DType::kUInt64, DType::kFloat16, DType::kBFloat16, DType::kFloat64};

bool Signed(DType t) {
  return t == DType::kInt8 || t == DType::kInt16 || t == DType::kInt32 || t == DType::kInt64 ||
         t == DType::kFloat16 || t == DType::kBFloat16 || t == DType::kFloat64;
}

// The cases of dtype t; `moves_bits`: Where, which needs no arithmetic on its elements.
std::vector<std::pair<Case, bool>> CasesOf(DType t) {
  const graph::Shape s = {3, 5};  // 15 elements: narrow outputs end inside a word
  std::vector<std::pair<Case, bool>> v;
  auto one = [&](std::string op, std::vector<std::shared_ptr<graph::Tensor>> in,
                 std::map<std::string, graph::Attribute> attrs = {},
                 std::shared_ptr<graph::Tensor> axes = nullptr, bool moves_bits = false) {
    v.push_back(
        {Case{std::move(op), std::move(in), std::move(attrs), std::move(axes)}, moves_bits});
  };
  for (DType other : {DType::kFloat32, DType::kInt64, DType::kUInt8}) {
    one("Cast", {Values(t, s, 1, Unsigned(other))},
        {{"to", node_runner::Int(static_cast<int64_t>(other))}});
    one("Cast", {Values(other, s, 2, Unsigned(t))},
        {{"to", node_runner::Int(static_cast<int64_t>(t))}});
  }
  auto axes = std::make_shared<graph::Tensor>(DType::kInt64, graph::Shape{1});
  axes->as<int64_t>()[0] = 1;
  for (const char* op : {"ReduceMax", "ReduceMin"}) one(op, {Values(t, s, 3)}, {}, axes);
  one("Equal", {Values(t, s, 4), Values(t, {1, 5}, 5)});
  one("Where", {Values(DType::kBool, s, 6), Values(t, s, 7), Values(t, {1, 5}, 8)}, {}, nullptr,
      /*moves_bits=*/true);
  if (t == DType::kBool) {
    for (const char* op : {"And", "Xor"}) one(op, {Values(t, s, 9), Values(t, {1, 5}, 10)});
    one("Not", {Values(t, s, 11)});
    return v;
  }
  for (const char* op : {"Add", "Sub", "Mul", "Max", "Less", "GreaterOrEqual"})
    one(op, {Values(t, s, 12), Values(t, {1, 5}, 13)});
  one("Abs", {Values(t, s, 14)});
  if (Signed(t)) one("Neg", {Values(t, s, 15)});
  for (const char* op : {"ReduceSum", "ReduceL1", "ReduceProd"})
    one(op, {Values(t, s, 16)}, {}, axes);
  // Integer L2: the nof64 build's integer square root instead of a double one.
  if (!graph::IsFloat(t)) one("ReduceL2", {Values(t, s, 17)}, {}, axes);
  return v;
}

TEST(GpuTypedDtypes, VulkanMatchesCpuOnEveryDtypeAndRefusesFloat64WithoutTheFeature) {
  auto vk = vulkan::CreateVulkanBackend(0, 1);
  ASSERT_TRUE(vk.ok()) << vk.status();
  cpu::CpuBackend cpu(1);
  const bool no_f64 = NoFloat64();
  int matched = 0, refused = 0, cpu_refused = 0;
  for (DType t : kTypes) {
    for (const auto& [c, moves_bits] : CasesOf(t)) {
      bool f64 = false;
      for (const auto& x : c.in) f64 = f64 || x->dtype() == DType::kFloat64;
      if (c.op == "Cast") f64 = f64 || c.attrs.at("to").i == static_cast<int64_t>(DType::kFloat64);
      SCOPED_TRACE(c.op + " " + graph::DTypeName(t) + " (input 0 " +
                   graph::DTypeName(c.in[0]->dtype()) + ")");
      auto got = RunCase(**vk, c);
      if (no_f64 && f64 && !moves_bits) {
        ASSERT_FALSE(got.ok());
        EXPECT_EQ(got.status().code(), absl::StatusCode::kUnimplemented) << got.status();
        EXPECT_NE(std::string(got.status().message()).find("shaderFloat64"), std::string::npos)
            << got.status();
        ++refused;
        continue;
      }
      ASSERT_TRUE(got.ok()) << got.status();
      auto want = RunCase(cpu, c);
      if (!want.ok() && want.status().code() == absl::StatusCode::kUnimplemented) {
        ++cpu_refused;  // nothing to compare with (the CPU backend's ReduceMax on float16)
        continue;
      }
      ASSERT_TRUE(want.ok()) << want.status();
      EXPECT_EQ(got->first, want->first);
      EXPECT_EQ(got->second, want->second);
      ++matched;
    }
  }
  std::printf("typed dtypes on vulkan%s: %d match the CPU, %d float64 refused, %d not on the CPU\n",
              no_f64 ? " (SOCD_VK_NO_FLOAT64=1)" : "", matched, refused, cpu_refused);
  if (no_f64) {
    EXPECT_GT(refused, 0);
  } else {
    EXPECT_EQ(refused, 0);
  }
}

// Every Reduce* on every other dtype in the nof64 build (integer L2 from its integer square
// root); tests/vulkan runs the same sweep, float64 included, with the feature.
TEST(GpuTypedDtypes, VulkanReductionsWithoutFloat64MatchCpu) {
  if (!NoFloat64()) GTEST_SKIP() << "run with SOCD_VK_NO_FLOAT64=1 (tests/vulkan covers the rest)";
  auto vk = vulkan::CreateVulkanBackend(0, 1);
  ASSERT_TRUE(vk.ok()) << vk.status();
  gpu_test::ExpectTypedReducesMatchCpu(**vk, /*float64=*/false);
}

}  // namespace socd::gpu_typed_dtypes
