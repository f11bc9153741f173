// Elementwise kernels through a real Session: broadcast fast paths against a naive reference,
// integer Div/Mod semantics, Cast rounding and saturation, and the accuracy of the fast float
// math (Exp/Log/Tanh/Sigmoid/Erf) that transformer models lean on.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "graph/ir.h"
#include "graph/tensor.h"
#include "scheduler/session.h"
#include "tests/cpu/node_runner.h"

namespace socd::elementwise_test {

using graph::DType;
using graph::Shape;

using namespace node_runner;

// Builds a one-node graph and runs it once.
absl::StatusOr<Output> RunOp(const std::string& op, std::vector<Input> inputs, Attrs attrs = {},
                             int opset = 21, int threads = 1) {
  auto r = RunNode(op, std::move(inputs), std::move(attrs), opset, 1, threads);
  if (!r.ok()) return r.status();
  return (*r)[0];
}

std::vector<float> Iota(int64_t n, float scale = 0.37f) {
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = static_cast<float>((i * 7919) % 1000) * scale - 100.f;
  return v;
}

// Naive numpy broadcasting, as the reference for the planner's fast paths.
std::vector<float> NaiveAdd(const Shape& sa, const std::vector<float>& a, const Shape& sb,
                            const std::vector<float>& b, Shape* out_shape) {
  size_t r = std::max(sa.size(), sb.size());
  Shape pa(r - sa.size(), 1), pb(r - sb.size(), 1), out(r);
  pa.insert(pa.end(), sa.begin(), sa.end());
  pb.insert(pb.end(), sb.begin(), sb.end());
  for (size_t d = 0; d < r; ++d) out[d] = pa[d] == 1 ? pb[d] : pa[d];
  *out_shape = out;
  std::vector<float> y(graph::NumElements(out));
  for (int64_t i = 0; i < static_cast<int64_t>(y.size()); ++i) {
    int64_t rem = i, ia = 0, ib = 0, stride_a = 1, stride_b = 1;
    for (size_t d = r; d-- > 0;) {
      int64_t idx = rem % out[d];
      rem /= out[d];
      ia += (pa[d] == 1 ? 0 : idx) * stride_a;
      ib += (pb[d] == 1 ? 0 : idx) * stride_b;
      stride_a *= pa[d];
      stride_b *= pb[d];
    }
    y[i] = a[ia] + b[ib];
  }
  return y;
}

TEST(Elementwise, BroadcastFastPathsMatchNaiveReference) {
  const std::vector<std::pair<Shape, Shape>> cases = {
      {{2, 3, 4, 5}, {2, 3, 4, 5}},      // same shape
      {{2, 3, 4, 5}, {}},                // scalar
      {{1}, {2, 3, 4, 5}},               // scalar on the left
      {{2, 3, 4, 5}, {3, 1, 1}},         // per channel
      {{2, 3, 4, 5}, {1, 3, 1, 1}},      // per channel, full rank
      {{2, 3, 4, 5}, {5}},               // trailing row
      {{2, 3, 4, 5}, {4, 5}},            // trailing rows
      {{2, 1, 4, 1}, {3, 1, 5}},         // both sides broadcast: general path
      {{5, 1, 3}, {1, 4, 1}},            // outer product like
      {{2, 3, 0, 5}, {5}},               // empty
      {{64, 40, 33}, {40, 1}},           // per channel, 3-D
      {{3, 1, 70000}, {1, 2, 70000}},    // long rows split across threads
      {{40, 1, 300, 3}, {1, 40, 1, 3}},  // short rows (2-D inner loop) split across threads
  };
  for (const auto& [sa, sb] : cases) {
    for (int threads : {1, 2}) {
      auto a = Iota(graph::NumElements(sa));
      auto b = Iota(graph::NumElements(sb), 0.11f);
      Shape want_shape;
      auto want = NaiveAdd(sa, a, sb, b, &want_shape);
      auto got = RunOp("Add", {In(sa, a), In(sb, b)}, {}, 14, threads);
      ASSERT_TRUE(got.ok()) << got.status();
      ASSERT_EQ(got->shape, want_shape) << graph::ShapeToString(sa) << graph::ShapeToString(sb);
      EXPECT_EQ(got->as<float>(), want) << graph::ShapeToString(sa) << " + "
                                        << graph::ShapeToString(sb) << " threads " << threads;
    }
  }
}

TEST(Elementwise, LegacyAxisBroadcast) {
  // Add-6 with broadcast=1, axis=1: B [3] lines up with A's dim 1, not its last dim.
  auto got =
      RunOp("Add", {In<float>({2, 3, 2}, std::vector<float>(12, 0.f)), In<float>({3}, {1, 2, 3})},
            {{"broadcast", Int(1)}, {"axis", Int(1)}}, 6);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->as<float>(), (std::vector<float>{1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3}));
}

TEST(Elementwise, IntegerDivTruncatesAndModFollowsFmod) {
  auto a = In<int32_t>({6}, {7, -7, 7, -7, 5, std::numeric_limits<int32_t>::min()});
  auto b = In<int32_t>({6}, {2, 2, -2, -2, 0, -1});
  auto div = RunOp("Div", {a, b});
  ASSERT_TRUE(div.ok()) << div.status();
  // x/0 is defined as 0 and INT_MIN/-1 wraps instead of trapping.
  EXPECT_EQ(div->as<int32_t>(),
            (std::vector<int32_t>{3, -3, -3, 3, 0, std::numeric_limits<int32_t>::min()}));
  auto mod = RunOp("Mod", {a, b});
  ASSERT_TRUE(mod.ok()) << mod.status();
  EXPECT_EQ(mod->as<int32_t>(), (std::vector<int32_t>{1, 1, -1, -1, 0, 0}));  // divisor's sign
  auto fmod = RunOp("Mod", {a, b}, {{"fmod", Int(1)}});
  ASSERT_TRUE(fmod.ok()) << fmod.status();
  EXPECT_EQ(fmod->as<int32_t>(), (std::vector<int32_t>{1, -1, 1, -1, 0, 0}));  // dividend's sign
  auto fm = RunOp("Mod", {In<float>({2}, {-4.5f, 4.5f}), In<float>({2}, {2.f, -2.f})},
                  {{"fmod", Int(1)}});
  ASSERT_TRUE(fm.ok()) << fm.status();
  EXPECT_EQ(fm->as<float>(), (std::vector<float>{-0.5f, 0.5f}));
  auto u8 = RunOp("Div", {In<uint8_t>({2}, {250, 7}), In<uint8_t>({2}, {3, 0})});
  ASSERT_TRUE(u8.ok()) << u8.status();
  EXPECT_EQ(u8->as<uint8_t>(), (std::vector<uint8_t>{83, 0}));
}

TEST(Elementwise, PowMixedTypes) {
  auto p = RunOp("Pow", {In<int64_t>({4}, {2, 3, -2, 5}), In<float>({4}, {3.f, 2.f, 3.f, -1.f})});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->dtype, DType::kInt64);
  EXPECT_EQ(p->as<int64_t>(), (std::vector<int64_t>{8, 9, -8, 0}));
  auto q = RunOp("Pow", {In<int32_t>({3}, {3, -3, 7}), In<int64_t>({3}, {40, 3, 0})});
  ASSERT_TRUE(q.ok()) << q.status();
  // 3^40 wraps like repeated int32 multiplication would.
  int32_t wrapped = 1;
  for (int i = 0; i < 40; ++i) wrapped = static_cast<int32_t>(static_cast<uint32_t>(wrapped) * 3u);
  EXPECT_EQ(q->as<int32_t>(), (std::vector<int32_t>{wrapped, -27, 1}));
  // A constant exponent of 2 takes the x*x path.
  auto sq = RunOp("Pow", {In<float>({3}, {1.5f, -2.f, 0.f}), In<float>({}, {2.f}, true)});
  ASSERT_TRUE(sq.ok()) << sq.status();
  EXPECT_EQ(sq->as<float>(), (std::vector<float>{2.25f, 4.f, 0.f}));
}

TEST(Elementwise, CastRoundsAndSaturates) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  auto x = In<float>({7}, {1.9f, -1.9f, 3e9f, -3e9f, nan, 2.5f, -0.f});
  auto i32 = RunOp("Cast", {x}, {{"to", Int(static_cast<int>(DType::kInt32))}});
  ASSERT_TRUE(i32.ok()) << i32.status();
  EXPECT_EQ(i32->as<int32_t>(),
            (std::vector<int32_t>{1, -1, std::numeric_limits<int32_t>::max(),
                                  std::numeric_limits<int32_t>::min(), 0, 2, 0}));
  auto u8 = RunOp("Cast", {In<float>({3}, {-1.f, 300.f, 255.9f})},
                  {{"to", Int(static_cast<int>(DType::kUInt8))}});
  ASSERT_TRUE(u8.ok()) << u8.status();
  EXPECT_EQ(u8->as<uint8_t>(), (std::vector<uint8_t>{0, 255, 255}));
  // Integer narrowing wraps, as two's complement truncation does.
  auto i8 =
      RunOp("Cast", {In<int32_t>({2}, {300, -129})}, {{"to", Int(static_cast<int>(DType::kInt8))}});
  ASSERT_TRUE(i8.ok()) << i8.status();
  EXPECT_EQ(i8->as<int8_t>(), (std::vector<int8_t>{44, 127}));
  // float -> float16 rounds to nearest even: 1 + 2^-11 is halfway between 1 and 1 + 2^-10.
  auto h = RunOp("Cast", {In<float>({3}, {1.f + 0x1p-11f, 1.f + 3 * 0x1p-11f, 70000.f})},
                 {{"to", Int(static_cast<int>(DType::kFloat16))}});
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(h->as<uint16_t>(), (std::vector<uint16_t>{0x3C00, 0x3C02, 0x7C00}));
  auto b = RunOp("Cast", {In<float>({3}, {0.f, -0.5f, nan})},
                 {{"to", Int(static_cast<int>(DType::kBool))}});
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->as<uint8_t>(), (std::vector<uint8_t>{0, 1, 1}));
  // Casts to string are covered by tests/cpu/string_test.cc; an unknown target type stays
  // unsupported.
  auto s = RunOp("Cast", {x}, {{"to", Int(99)}});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("unsupported operator"), std::string::npos);
}

TEST(Elementwise, RoundHalfToEvenAndClipBounds) {
  auto r = RunOp("Round", {In<float>({6}, {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 2.6f})});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->as<float>(), (std::vector<float>{0.f, 2.f, 2.f, -0.f, -2.f, 3.f}));
  // min > max: everything becomes max.
  auto c = RunOp("Clip",
                 {In<float>({3}, {-5.f, 0.5f, 5.f}), In<float>({}, {2.f}), In<float>({}, {1.f})});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->as<float>(), (std::vector<float>{1.f, 1.f, 1.f}));
  auto c6 = RunOp("Clip", {In<float>({3}, {-5.f, 0.5f, 5.f})},
                  {{"min", Float(-1.f)}, {"max", Float(1.f)}}, 6);
  ASSERT_TRUE(c6.ok()) << c6.status();
  EXPECT_EQ(c6->as<float>(), (std::vector<float>{-1.f, 0.5f, 1.f}));
}

TEST(Elementwise, WhereAndVariadicBroadcast) {
  auto cond = In<uint8_t>({2, 1}, {1, 0});
  cond.dtype = DType::kBool;
  auto w = RunOp("Where", {cond, In<int64_t>({3}, {1, 2, 3}), In<int64_t>({}, {-1})});
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_EQ(w->shape, (Shape{2, 3}));
  EXPECT_EQ(w->as<int64_t>(), (std::vector<int64_t>{1, 2, 3, -1, -1, -1}));
  auto s =
      RunOp("Sum", {In<float>({2, 1}, {1, 2}), In<float>({3}, {10, 20, 30}), In<float>({}, {100})});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->as<float>(), (std::vector<float>{111, 121, 131, 112, 122, 132}));
  auto m = RunOp("Max", {In<float>({3}, {1, 5, std::nanf("")}), In<float>({1}, {3})});
  ASSERT_TRUE(m.ok()) << m.status();
  auto mv = m->as<float>();
  EXPECT_EQ(mv[0], 3.f);
  EXPECT_EQ(mv[1], 5.f);
  EXPECT_TRUE(std::isnan(mv[2]));
}

TEST(Elementwise, Float16RunsThroughFloatKernels) {
  auto a = In<uint16_t>({3}, {0x3C00, 0x4000, 0xBC00});  // 1, 2, -1
  a.dtype = DType::kFloat16;
  auto b = In<uint16_t>({1}, {0x3800});  // 0.5
  b.dtype = DType::kFloat16;
  auto y = RunOp("Add", {a, b});
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->dtype, DType::kFloat16);
  EXPECT_EQ(y->as<uint16_t>(), (std::vector<uint16_t>{0x3E00, 0x4100, 0xB800}));  // 1.5 2.5 -.5
}

// The float fast paths must stay within ~1e-6 relative of the true value (or tiny absolute
// error where the true value is near zero).
void CheckAccuracy(const std::string& op, double (*ref)(double), float lo, float hi, double rel_tol,
                   double abs_tol) {
  const int64_t n = 200001;
  std::vector<float> x(n);
  for (int64_t i = 0; i < n; ++i) x[i] = lo + (hi - lo) * static_cast<float>(i) / (n - 1);
  x.push_back(0.f);
  x.push_back(-0.f);
  x.push_back(1e-6f);
  x.push_back(-3e-5f);
  auto y = RunOp(op, {In<float>({static_cast<int64_t>(x.size())}, x)}, {}, 21, 2);
  ASSERT_TRUE(y.ok()) << y.status();
  auto v = y->as<float>();
  double worst = 0;
  float worst_x = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    double want = ref(static_cast<double>(x[i]));
    if (std::isnan(want) && std::isnan(v[i])) continue;
    double err = std::fabs(v[i] - want);
    double e = err <= abs_tol ? 0 : err / std::fabs(want);
    if (!(e <= worst)) {
      worst = e;
      worst_x = x[i];
    }
  }
  EXPECT_LE(worst, rel_tol) << op << " worst at x=" << worst_x;
}

double Sigmoid(double x) { return 1 / (1 + std::exp(-x)); }
double Softplus(double x) { return std::log1p(std::exp(x)); }

TEST(Elementwise, FastFloatMathIsAccurate) {
  CheckAccuracy(
      "Exp", [](double x) { return std::exp(x); }, -87.f, 88.f, 2e-6, 1e-37);
  CheckAccuracy(
      "Log", [](double x) { return std::log(x); }, 1e-30f, 1e4f, 2e-6, 1e-7);
  CheckAccuracy(
      "Tanh", [](double x) { return std::tanh(x); }, -12.f, 12.f, 2e-6, 0);
  CheckAccuracy("Sigmoid", Sigmoid, -80.f, 30.f, 2e-6, 1e-37);
  CheckAccuracy(
      "Erf", [](double x) { return std::erf(x); }, -6.f, 6.f, 2e-6, 0);
  CheckAccuracy("Softplus", Softplus, -80.f, 80.f, 2e-6, 1e-7);
  auto e = RunOp(
      "Exp",
      {In<float>({4}, {100.f, -200.f, std::numeric_limits<float>::infinity(), std::nanf("")})});
  ASSERT_TRUE(e.ok()) << e.status();
  auto v = e->as<float>();
  EXPECT_TRUE(std::isinf(v[0]));
  EXPECT_EQ(v[1], 0.f);
  EXPECT_TRUE(std::isinf(v[2]));
  EXPECT_TRUE(std::isnan(v[3]));
}

TEST(Elementwise, BadInputsGiveErrors) {
  auto mismatch = RunOp("Add", {In<float>({2}, {1, 2}), In<int32_t>({2}, {1, 2})});
  ASSERT_FALSE(mismatch.ok());
  EXPECT_NE(mismatch.status().message().find("element types"), std::string::npos);
  auto shapes = RunOp("Mul", {In<float>({2}, {1, 2}), In<float>({3}, {1, 2, 3})});
  ASSERT_FALSE(shapes.ok());
  EXPECT_NE(shapes.status().message().find("broadcast"), std::string::npos);
  auto bad_clip = RunOp("Clip", {In<float>({2}, {1, 2}), In<float>({2}, {0, 1})});
  ASSERT_FALSE(bad_clip.ok());
  auto shift = RunOp("BitShift", {In<uint8_t>({1}, {1}), In<uint8_t>({1}, {9})});
  ASSERT_FALSE(shift.ok());  // no direction attribute
  EXPECT_NE(shift.status().message().find("direction"), std::string::npos);
}

}  // namespace socd::elementwise_test
