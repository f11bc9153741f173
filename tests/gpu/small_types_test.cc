// Cast to and from the sub-byte types (float8 e4m3fn/e4m3fnuz/e5m2/e5m2fnuz, float8 e8m0,
// float4 e2m1, int4/uint4/int2/uint2) and float64 transcendentals on both GPU backends, element
// by element: the conversions against graph/minifloat.h (what the CPU backend runs) over every
// code, every rounding tie and its neighbours, overflow edges and specials; exp/log/tanh/
// softplus on float64 against libm in ulps (the Vulkan ones are double_math.glsl's own).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "backends/opencl/opencl_backend.h"
#include "backends/vulkan/vulkan_backend.h"
#include "graph/ir.h"
#include "graph/minifloat.h"
#include "graph/tensor.h"
#include "tests/cpu/node_runner.h"
#include "tests/gpu/gpu_backends.h"

namespace socd::gpu_small_types {

using graph::DType;

using gpu_test::MakeGpuBackend;

// y = op(x) for one node on `b`: y's bytes, or the status Compile/Prepare/Run gave.
absl::StatusOr<std::vector<uint8_t>> RunOne(backends::Backend& b, const std::string& op, DType in_t,
                                            const void* data, int64_t n,
                                            std::map<std::string, graph::Attribute> attrs = {}) {
  auto g = std::make_shared<graph::Graph>();
  g->opsets[""] = 25;
  graph::TensorType tt{in_t, true, {graph::Dim{n, ""}}};
  const int x = g->AddValue("x", tt);
  g->inputs.push_back(x);
  const int y = g->AddValue("y");
  graph::Node node;
  node.name = "n";
  node.op_type = op;
  node.opset = 25;
  node.inputs = {x};
  node.outputs = {y};
  node.attrs = std::move(attrs);
  g->nodes.push_back(node);
  g->outputs.push_back(y);
  if (auto s = g->TopoSort(); !s.ok()) return s;
  auto p = b.Compile(g, {});
  if (!p.ok()) return p.status();
  if (auto s = (*p)->Prepare({{n}}); !s.ok()) return s;
  std::vector<graph::TensorView> out;
  if (auto s = (*p)->Run({{in_t, {n}, const_cast<void*>(data)}}, out); !s.ok()) return s;
  const auto* bytes = static_cast<const uint8_t*>(out[0].data);
  return std::vector<uint8_t>(bytes, bytes + out[0].bytes());
}

absl::StatusOr<std::vector<uint8_t>> CastTo(backends::Backend& b, DType in_t, const void* data,
                                            int64_t n, DType to, int saturate = 1,
                                            const std::string& round_mode = "up") {
  return RunOne(b, "Cast", in_t, data, n,
                {{"to", node_runner::Int(static_cast<int64_t>(to))},
                 {"saturate", node_runner::Int(saturate)},
                 {"round_mode", node_runner::Str(round_mode)}});
}

uint32_t Bits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

// Equal bits, or both NaN (NaN payloads and signs are not part of Cast's contract).
::testing::AssertionResult SameFloat(float got, float want) {
  if ((std::isnan(got) && std::isnan(want)) || Bits(got) == Bits(want))
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << got << " (0x" << std::hex << Bits(got) << "), want "
                                       << want << " (0x" << Bits(want) << ")";
}

const DType kMiniFloats[] = {DType::kFloat8E4M3FN, DType::kFloat8E4M3FNUZ, DType::kFloat8E5M2,
                             DType::kFloat8E5M2FNUZ, DType::kFloat4E2M1};
const DType kSubInts[] = {DType::kInt4, DType::kUInt4, DType::kInt2, DType::kUInt2};

// Every finite value of t, its rounding ties (midpoints) and their float neighbours, the
// overflow edge above the maximum, specials, zeros and tiny values; both signs.
std::vector<float> EncodeInputs(DType t) {
  const int codes = graph::PackedBits(t) == 4 ? 16 : 256;
  std::vector<float> pos;
  for (int c = 0; c < codes; ++c) {
    const float v = graph::MiniFloatToFloat(static_cast<uint8_t>(c), t);
    if (std::isfinite(v) && v >= 0 && !std::signbit(v)) pos.push_back(v);
  }
  std::sort(pos.begin(), pos.end());
  std::vector<float> in;
  const float inf = std::numeric_limits<float>::infinity();
  auto around = [&](float m) {
    in.push_back(m);
    in.push_back(std::nextafter(m, inf));
    in.push_back(std::nextafter(m, 0.0f));
  };
  for (size_t i = 0; i < pos.size(); ++i) {
    in.push_back(pos[i]);
    if (i + 1 < pos.size()) around((pos[i] + pos[i + 1]) / 2);
  }
  const float max = pos.back(), step = max - pos[pos.size() - 2];
  around(max + step / 2);  // the largest value that still rounds to max (a tie, to even)
  for (float v : {max + step, 2 * max, 1e30f, std::numeric_limits<float>::max(), inf,
                  std::numeric_limits<float>::quiet_NaN(), 1e-30f, 1e-40f, 0.0f})
    in.push_back(v);
  const size_t half = in.size();
  for (size_t i = 0; i < half; ++i) in.push_back(-in[i]);
  return in;
}

class GpuSmallTypes : public testing::TestWithParam<std::string> {};

TEST_P(GpuSmallTypes, MiniFloatsFromFloatRoundSaturateAndSpecialsAsCpu) {
  auto b = MakeGpuBackend(GetParam());
  ASSERT_NE(b, nullptr);
  for (DType t : kMiniFloats) {
    const std::vector<float> in = EncodeInputs(t);
    for (int sat : {1, 0}) {
      SCOPED_TRACE(testing::Message() << graph::DTypeName(t) << " saturate=" << sat);
      auto y = CastTo(*b, DType::kFloat32, in.data(), static_cast<int64_t>(in.size()), t, sat);
      ASSERT_TRUE(y.ok()) << y.status();
      ASSERT_EQ(y->size(), in.size());
      for (size_t i = 0; i < in.size(); ++i)
        ASSERT_EQ(int{(*y)[i]}, int{graph::FloatToMiniFloat(in[i], t, sat != 0)})
            << "x = " << in[i] << " (element " << i << ")";
    }
  }
}

TEST_P(GpuSmallTypes, EverySubByteCodeToFloatAsCpu) {
  auto b = MakeGpuBackend(GetParam());
  ASSERT_NE(b, nullptr);
  for (DType t : {DType::kFloat8E4M3FN, DType::kFloat8E4M3FNUZ, DType::kFloat8E5M2,
                  DType::kFloat8E5M2FNUZ, DType::kFloat4E2M1, DType::kFloat8E8M0, DType::kInt4,
                  DType::kUInt4, DType::kInt2, DType::kUInt2}) {
    SCOPED_TRACE(graph::DTypeName(t));
    // Every stored byte the type can hold (int4/int2 sign-extended).
    std::vector<uint8_t> codes;
    const int count = graph::PackedBits(t) == 8 ? 256 : 1 << graph::PackedBits(t);
    for (int c = 0; c < count; ++c)
      codes.push_back(graph::IsSubByteInt(t) ? static_cast<uint8_t>(graph::WrapToSubByte(c, t))
                                             : static_cast<uint8_t>(c));
    auto y = CastTo(*b, t, codes.data(), count, DType::kFloat32);
    ASSERT_TRUE(y.ok()) << y.status();
    const auto* f = reinterpret_cast<const float*>(y->data());
    for (int c = 0; c < count; ++c) {
      const float want = t == DType::kFloat8E8M0 ? graph::E8M0ToFloat(codes[c])
                         : graph::IsSubByteInt(t)
                             ? static_cast<float>(graph::SubByteIntValue(codes[c], t))
                             : graph::MiniFloatToFloat(codes[c], t);
      ASSERT_TRUE(SameFloat(f[c], want)) << "code 0x" << std::hex << int{codes[c]};
    }
  }
}

TEST_P(GpuSmallTypes, E8M0FromFloatEveryRoundModeAsCpu) {
  auto b = MakeGpuBackend(GetParam());
  ASSERT_NE(b, nullptr);
  std::vector<float> in = {0.0f,
                           -0.0f,
                           1.0f,
                           1.5f,
                           1.75f,
                           1.25f,
                           3.0f,
                           0.75f,
                           1e-40f,
                           std::numeric_limits<float>::max(),
                           std::numeric_limits<float>::infinity(),
                           std::numeric_limits<float>::quiet_NaN(),
                           -2.5f,
                           1.7e38f,
                           3e38f};
  std::mt19937 rng(7);
  for (int i = 0; i < 4000; ++i) {
    const uint32_t u = rng();
    float f;
    std::memcpy(&f, &u, 4);
    in.push_back(f);
  }
  const std::pair<const char*, graph::E8M0Round> modes[] = {
      {"up", graph::E8M0Round::kUp},
      {"down", graph::E8M0Round::kDown},
      {"nearest", graph::E8M0Round::kNearest}};
  for (const auto& [name, mode] : modes) {
    for (int sat : {1, 0}) {
      SCOPED_TRACE(testing::Message() << "round_mode=" << name << " saturate=" << sat);
      auto y = CastTo(*b, DType::kFloat32, in.data(), static_cast<int64_t>(in.size()),
                      DType::kFloat8E8M0, sat, name);
      ASSERT_TRUE(y.ok()) << y.status();
      for (size_t i = 0; i < in.size(); ++i)
        ASSERT_EQ(int{(*y)[i]}, int{graph::FloatToE8M0(in[i], sat != 0, mode)})
            << "x = " << in[i] << " (0x" << std::hex << Bits(in[i]) << ")";
    }
  }
}

TEST_P(GpuSmallTypes, SubByteIntsFromFloatsAndIntsTruncateAndWrapAsCpu) {
  auto b = MakeGpuBackend(GetParam());
  ASSERT_NE(b, nullptr);
  std::vector<float> fin;
  for (int i = -80; i <= 80; ++i) fin.push_back(0.25f * static_cast<float>(i));
  for (float v : {1e10f, -1e10f, 9.3e18f, -9.3e18f, std::numeric_limits<float>::infinity(),
                  std::numeric_limits<float>::quiet_NaN(), 1e-40f, -0.0f})
    fin.push_back(v);
  std::vector<int32_t> iin;
  for (int i = -300; i <= 300; i += 7) iin.push_back(i);
  for (int32_t v : {INT32_MIN, INT32_MAX, 15, 16, -8, -9, 3, 4}) iin.push_back(v);
  for (DType t : kSubInts) {
    SCOPED_TRACE(graph::DTypeName(t));
    auto y = CastTo(*b, DType::kFloat32, fin.data(), static_cast<int64_t>(fin.size()), t);
    ASSERT_TRUE(y.ok()) << y.status();
    for (size_t i = 0; i < fin.size(); ++i)
      ASSERT_EQ(static_cast<int8_t>((*y)[i]), graph::FloatToSubByteInt(fin[i], t))
          << "x = " << fin[i];
    auto z = CastTo(*b, DType::kInt32, iin.data(), static_cast<int64_t>(iin.size()), t);
    ASSERT_TRUE(z.ok()) << z.status();
    for (size_t i = 0; i < iin.size(); ++i)
      ASSERT_EQ(static_cast<int8_t>((*z)[i]), graph::WrapToSubByte(iin[i], t)) << "x = " << iin[i];
  }
}

TEST_P(GpuSmallTypes, ArithmeticOnSubByteTypesIsRefusedWithAReason) {
  auto b = MakeGpuBackend(GetParam());
  ASSERT_NE(b, nullptr);
  std::vector<uint8_t> x(8, 0x38);
  auto y = RunOne(*b, "Neg", DType::kFloat8E4M3FN, x.data(), 8);
  ASSERT_FALSE(y.ok());
  EXPECT_EQ(y.status().code(), absl::StatusCode::kUnimplemented) << y.status();
  EXPECT_NE(std::string(y.status().message()).find("float8e4m3fn"), std::string::npos)
      << y.status();
}

// Distance in representable doubles (0 for equal values or two NaNs).
double Ulps(double got, double want) {
  if (std::isnan(got) && std::isnan(want)) return 0;
  if (std::isnan(got) || std::isnan(want)) return 1e300;
  auto ord = [](double d) {
    int64_t i;
    std::memcpy(&i, &d, 8);
    return i < 0 ? std::numeric_limits<int64_t>::min() - i : i;
  };
  const __int128 d = static_cast<__int128>(ord(got)) - ord(want);  // exact, then to double
  return static_cast<double>(d < 0 ? -d : d);
}

// op on float64 inputs against libm, within max_ulps.
void ExpectDoubleOp(backends::Backend& b, const std::string& op, const std::vector<double>& in,
                    double (*ref)(double), double max_ulps) {
  SCOPED_TRACE(op);
  auto y = RunOne(b, op, DType::kFloat64, in.data(), static_cast<int64_t>(in.size()));
  ASSERT_TRUE(y.ok()) << y.status();
  ASSERT_EQ(y->size(), in.size() * 8);
  const auto* got = reinterpret_cast<const double*>(y->data());
  double worst = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    const double want = ref(in[i]);
    ASSERT_LE(Ulps(got[i], want), max_ulps)
        << "x = " << std::hexfloat << in[i] << ": " << got[i] << ", want " << want;
    worst = std::max(worst, Ulps(got[i], want));
  }
  std::printf("%s float64: worst %.0f ulp over %zu inputs\n", op.c_str(), worst, in.size());
}

TEST_P(GpuSmallTypes, Float64ExpLogTanhSoftplusWithinFewUlps) {
  auto b = MakeGpuBackend(GetParam());
  ASSERT_NE(b, nullptr);
  // With SOCD_VK_NO_FLOAT64=1 (the gpu_typed_values_nofloat64 ctest) Vulkan has no double.
  const char* no_f64 = std::getenv("SOCD_VK_NO_FLOAT64");
  if (GetParam() == "vulkan" && no_f64 && *no_f64 && std::strcmp(no_f64, "0") != 0) {
    const std::vector<double> x = {1.0, 2.0};
    auto y = RunOne(*b, "Exp", DType::kFloat64, x.data(), 2);
    ASSERT_FALSE(y.ok());
    EXPECT_EQ(y.status().code(), absl::StatusCode::kUnimplemented) << y.status();
    EXPECT_NE(std::string(y.status().message()).find("shaderFloat64"), std::string::npos)
        << y.status();
    return;
  }
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<double> ex = {0.0,    -0.0,   1.0,    -1.0,    709.78, 709.79, -708.4,
                            -745.0, -745.2, 1e-300, -1e-300, inf,    -inf,   nan};
  for (int i = 0; i < 20000; ++i) ex.push_back(-745.0 + u(rng) * (709.7 + 745.0));
  for (int i = 0; i < 4000; ++i) ex.push_back((u(rng) - 0.5) * 2.0);
  ExpectDoubleOp(
      *b, "Exp", ex, [](double x) { return std::exp(x); }, 3);
  std::vector<double> lg = {
      0.0, -0.0, 1.0, 2.0, 0.5, -1.0, 5e-324, 1e-310, std::numeric_limits<double>::max(), inf, nan};
  for (int i = 0; i < 20000; ++i)
    lg.push_back(std::ldexp(1.0 + u(rng), static_cast<int>(rng() % 2098) - 1074));
  for (int i = 0; i < 4000; ++i) lg.push_back(0.75 + 0.5 * u(rng));  // log near 0
  ExpectDoubleOp(
      *b, "Log", lg, [](double x) { return std::log(x); }, 3);
  std::vector<double> small = {0.0, -0.0, 25.0, -25.0, 1e-20, inf, -inf, nan};
  for (int i = 0; i < 8000; ++i) small.push_back((u(rng) - 0.5) * (i % 2 ? 2.0 : 60.0));
  ExpectDoubleOp(
      *b, "Tanh", small, [](double x) { return std::tanh(x); }, 8);
  ExpectDoubleOp(
      *b, "Softplus", small,
      [](double x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }, 8);
}

INSTANTIATE_TEST_SUITE_P(Backends, GpuSmallTypes, testing::Values("vulkan", "opencl"),
                         [](const auto& i) { return i.param; });

}  // namespace socd::gpu_small_types
