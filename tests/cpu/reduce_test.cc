// Reduce-group kernels through a real Session: Reduce* against a naive reference over many axes
// sets (both the row and the column plan, one and two threads), axes as attribute, constant
// input and run-time input, empty axes with and without noop_with_empty_axes, empty-set
// identities, softmax semantics by opset and its numerics, and the arg/scan ops' tie rules.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "graph/ir.h"
#include "graph/tensor.h"
#include "scheduler/session.h"
#include "tests/cpu/node_runner.h"

namespace socd::reduce_test {

using graph::DType;
using graph::Shape;

using namespace node_runner;

Input Axes(std::vector<int64_t> v, bool constant = true) {
  return In<int64_t>({static_cast<int64_t>(v.size())}, v, constant);
}

absl::StatusOr<Output> Run1(const std::string& op, std::vector<Input> inputs, Attrs attrs = {},
                            int opset = 18, int threads = 1) {
  auto r = RunNode(op, std::move(inputs), std::move(attrs), opset, 1, threads);
  if (!r.ok()) return r.status();
  return (*r)[0];
}

std::vector<float> Random(int64_t n, uint32_t seed, float scale = 1.f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.f, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

// Naive reduction in double: op over the elements of x whose index matches on kept dims.
std::vector<double> NaiveReduce(const std::string& op, const Shape& s, const std::vector<float>& x,
                                const std::vector<bool>& red) {
  Shape os;
  for (size_t d = 0; d < s.size(); ++d) os.push_back(red[d] ? 1 : s[d]);
  const int64_t on = graph::NumElements(os);
  std::vector<double> acc(on, op == "ReduceMax"    ? -INFINITY
                              : op == "ReduceMin"  ? INFINITY
                              : op == "ReduceProd" ? 1.0
                                                   : 0.0);
  std::vector<double> mx(on, -INFINITY);
  std::vector<int64_t> idx(s.size(), 0);
  for (size_t e = 0; e < x.size(); ++e) {
    int64_t o = 0;
    for (size_t d = 0; d < s.size(); ++d) o = o * os[d] + (red[d] ? 0 : idx[d]);
    double v = x[e];
    if (op == "ReduceMax")
      acc[o] = std::max(acc[o], v);
    else if (op == "ReduceMin")
      acc[o] = std::min(acc[o], v);
    else if (op == "ReduceProd")
      acc[o] *= v;
    else if (op == "ReduceL1")
      acc[o] += std::fabs(v);
    else if (op == "ReduceL2" || op == "ReduceSumSquare")
      acc[o] += v * v;
    else if (op == "ReduceLogSumExp")
      acc[o] += std::exp(v);
    else
      acc[o] += v;
    for (size_t d = s.size(); d-- > 0;) {
      if (++idx[d] < s[d]) break;
      idx[d] = 0;
    }
  }
  const double count = static_cast<double>(x.size()) / on;
  for (auto& a : acc) {
    if (op == "ReduceMean") a /= count;
    if (op == "ReduceL2") a = std::sqrt(a);
    if (op == "ReduceLogSum" || op == "ReduceLogSumExp") a = std::log(a);
  }
  return acc;
}

void ExpectNear(const std::vector<float>& got, const std::vector<double>& want, double rtol,
                const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_NEAR(got[i], want[i], 1e-4 + rtol * std::fabs(want[i])) << what << " element " << i;
  }
}

TEST(Reduce, MatchesNaiveForEveryAxesSetBothPlansAndThreads) {
  const Shape s{3, 5, 4, 19};
  const std::vector<float> x = Random(graph::NumElements(s), 1);
  std::vector<float> pos(x.size());
  for (size_t i = 0; i < x.size(); ++i) pos[i] = 0.9f + 0.05f * std::fabs(x[i]);
  for (const char* op :
       {"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
        "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"}) {
    const std::string o = op;
    const auto& data = (o == "ReduceProd" || o == "ReduceLogSum") ? pos : x;
    for (int mask = 1; mask < 16; ++mask) {
      std::vector<int64_t> axes;
      std::vector<bool> red(4);
      for (int d = 0; d < 4; ++d) {
        red[d] = (mask >> d) & 1;
        if (red[d]) axes.push_back(d - (d % 2 ? 4 : 0));  // mix negative axes in
      }
      for (int threads : {1, 2}) {
        auto y = Run1(op, {In(s, data), Axes(axes)}, {{"keepdims", Int(1)}}, 18, threads);
        ASSERT_TRUE(y.ok()) << op << ": " << y.status();
        ExpectNear(y->as<float>(), NaiveReduce(o, s, data, red), 1e-4,
                   o + " mask " + std::to_string(mask));
      }
    }
  }
}

TEST(Reduce, AxesAttributeConstantInputAndRuntimeInputAgree) {
  const Shape s{4, 6, 10};
  const auto x = Random(240, 2);
  auto old = Run1("ReduceMean", {In(s, x)}, {{"axes", Ints({-1, 0})}, {"keepdims", Int(0)}}, 11);
  auto konst = Run1("ReduceMean", {In(s, x), Axes({-1, 0})}, {{"keepdims", Int(0)}}, 18);
  auto runtime = Run1("ReduceMean", {In(s, x), Axes({-1, 0}, false)}, {{"keepdims", Int(0)}}, 18);
  ASSERT_TRUE(old.ok() && konst.ok() && runtime.ok()) << runtime.status();
  EXPECT_EQ(old->shape, (Shape{6}));
  EXPECT_EQ(runtime->shape, (Shape{6}));
  EXPECT_EQ(old->as<float>(), konst->as<float>());
  EXPECT_EQ(old->as<float>(), runtime->as<float>());
  // ReduceSum took axes as an input already at opset 13.
  auto sum13 = Run1("ReduceSum", {In(s, x), Axes({1})}, {}, 13);
  ASSERT_TRUE(sum13.ok()) << sum13.status();
  EXPECT_EQ(sum13->shape, (Shape{4, 1, 10}));
}

TEST(Reduce, EmptyAxesReduceAllOrAreANoop) {
  const std::vector<float> x{1, -2, 3, -4, 5, -6};
  auto all = Run1("ReduceSum", {In<float>({2, 3}, x), Axes({})}, {{"keepdims", Int(0)}}, 13);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->shape, Shape{});
  EXPECT_EQ(all->as<float>(), std::vector<float>{-3});
  auto noop =
      Run1("ReduceSum", {In<float>({2, 3}, x), Axes({})}, {{"noop_with_empty_axes", Int(1)}}, 13);
  ASSERT_TRUE(noop.ok()) << noop.status();
  EXPECT_EQ(noop->shape, (Shape{2, 3}));
  EXPECT_EQ(noop->as<float>(), x);
  // A no-op reduction still applies the op's element map, as the reference does.
  auto sq =
      Run1("ReduceSumSquare", {In<float>({2, 3}, x), Axes({})}, {{"noop_with_empty_axes", Int(1)}});
  ASSERT_TRUE(sq.ok()) << sq.status();
  EXPECT_EQ(sq->as<float>(), (std::vector<float>{1, 4, 9, 16, 25, 36}));
  auto l1 = Run1("ReduceL1", {In<float>({2, 3}, x)}, {{"noop_with_empty_axes", Int(1)}});
  ASSERT_TRUE(l1.ok()) << l1.status();
  EXPECT_EQ(l1->as<float>(), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  // Omitted axes with noop: also the identity.
  auto absent = Run1("ReduceMax", {In<float>({2, 3}, x)}, {{"noop_with_empty_axes", Int(1)}});
  ASSERT_TRUE(absent.ok()) << absent.status();
  EXPECT_EQ(absent->as<float>(), x);
}

TEST(Reduce, EmptySetsGiveIdentities) {
  const Shape s{2, 0, 3};
  const std::map<std::string, float> want = {
      {"ReduceSum", 0.f},       {"ReduceProd", 1.f},         {"ReduceMax", -INFINITY},
      {"ReduceMin", INFINITY},  {"ReduceL1", 0.f},           {"ReduceL2", 0.f},
      {"ReduceSumSquare", 0.f}, {"ReduceLogSum", -INFINITY}, {"ReduceLogSumExp", -INFINITY}};
  for (const auto& [op, v] : want) {
    auto y = Run1(op, {In<float>(s, {}), Axes({1})});
    ASSERT_TRUE(y.ok()) << op << ": " << y.status();
    EXPECT_EQ(y->shape, (Shape{2, 1, 3})) << op;
    EXPECT_EQ(y->as<float>(), std::vector<float>(6, v)) << op;
  }
  auto mean = Run1("ReduceMean", {In<float>(s, {}), Axes({1})});
  ASSERT_TRUE(mean.ok());
  EXPECT_TRUE(std::isnan(mean->as<float>()[0]));
  auto imax = Run1("ReduceMax", {In<int32_t>(s, {}), Axes({1})});
  ASSERT_TRUE(imax.ok()) << imax.status();
  EXPECT_EQ(imax->as<int32_t>()[0], std::numeric_limits<int32_t>::min());
  // A zero-sized kept dim: an empty output, nothing to compute.
  auto kept = Run1("ReduceSum", {In<float>(s, {}), Axes({2})});
  ASSERT_TRUE(kept.ok()) << kept.status();
  EXPECT_EQ(kept->shape, (Shape{2, 0, 1}));
}

TEST(Reduce, IntegerAndBoolTypes) {
  auto sum = Run1("ReduceSum", {In<int64_t>({2, 3}, {1, 2, 3, 4, 5, 6}), Axes({1})},
                  {{"keepdims", Int(0)}});
  ASSERT_TRUE(sum.ok()) << sum.status();
  EXPECT_EQ(sum->as<int64_t>(), (std::vector<int64_t>{6, 15}));
  auto mean = Run1("ReduceMean", {In<int32_t>({2, 2}, {-3, -4, 7, 8}), Axes({1})});
  ASSERT_TRUE(mean.ok());
  EXPECT_EQ(mean->as<int32_t>(), (std::vector<int32_t>{-3, 7}));  // truncates like numpy
  Input b = In<uint8_t>({2, 2}, {0, 1, 0, 0});
  b.dtype = DType::kBool;
  auto any = Run1("ReduceMax", {b, Axes({1})}, {{"keepdims", Int(0)}}, 20);
  ASSERT_TRUE(any.ok()) << any.status();
  EXPECT_EQ(any->as<uint8_t>(), (std::vector<uint8_t>{1, 0}));
  // Sum of bools is not an ONNX op: refused as unsupported, not miscomputed.
  auto bad = Run1("ReduceSum", {b, Axes({1})});
  EXPECT_FALSE(bad.ok());
}

// float16/bfloat16 reduce in float on widened copies: every op and a row and a column plan
// against the double reference over the 16-bit inputs, within the output type's rounding.
TEST(Reduce, HalfAndBFloat16ReduceInFloat) {
  const Shape s{3, 4, 17};
  const std::vector<float> r = Random(graph::NumElements(s), 7);
  for (DType t : {DType::kFloat16, DType::kBFloat16}) {
    const bool half = t == DType::kFloat16;
    std::vector<uint16_t> bits(r.size());
    std::vector<float> x(r.size());  // the values the 16-bit tensor holds
    for (size_t i = 0; i < r.size(); ++i) {
      const float v = 0.9f + 0.05f * std::fabs(r[i]);  // positive: Prod and LogSum defined
      bits[i] = half ? graph::FloatToHalf(v) : graph::FloatToBFloat16(v);
      x[i] = half ? graph::HalfToFloat(bits[i]) : graph::BFloat16ToFloat(bits[i]);
    }
    for (const char* op :
         {"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
          "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"}) {
      for (int64_t axis : {1, 2}) {
        Input in = In<uint16_t>(s, bits);
        in.dtype = t;
        auto y = Run1(op, {in, Axes({axis})}, {{"keepdims", Int(1)}});
        ASSERT_TRUE(y.ok()) << op << " " << graph::DTypeName(t) << ": " << y.status();
        ASSERT_EQ(y->dtype, t);
        std::vector<float> got;
        for (uint16_t b : y->as<uint16_t>())
          got.push_back(half ? graph::HalfToFloat(b) : graph::BFloat16ToFloat(b));
        std::vector<bool> red{false, axis == 1, axis == 2};
        ExpectNear(got, NaiveReduce(op, s, x, red), half ? 1e-3 : 8e-3,
                   std::string(op) + " " + graph::DTypeName(t) + " axis " + std::to_string(axis));
      }
    }
  }
}

TEST(Reduce, BadAxesAreErrorsNamingTheNode) {
  auto y = Run1("ReduceSum", {In<float>({2, 3}, std::vector<float>(6)), Axes({2})});
  ASSERT_FALSE(y.ok());
  EXPECT_NE(y.status().message().find("'n'"), std::string::npos) << y.status();
  EXPECT_NE(y.status().message().find("axis 2"), std::string::npos) << y.status();
}

// Softmax rows against double precision, including lengths that are not multiples of eight,
// large magnitudes, and -inf entries (masked attention) that must come out exactly 0.
TEST(Softmax, LastAxisMatchesDoubleReference) {
  for (int64_t n : {1, 7, 8, 13, 64, 129}) {
    const int64_t rows = 37;
    auto x = Random(rows * n, 3 + n, 30.f);
    x[0] = -INFINITY;
    for (const char* op : {"Softmax", "LogSoftmax"}) {
      auto y = Run1(op, {In<float>({rows, n}, x)}, {}, 13, 2);
      ASSERT_TRUE(y.ok()) << y.status();
      auto got = y->as<float>();
      for (int64_t r = 0; r < rows; ++r) {
        double m = -INFINITY, s = 0;
        for (int64_t i = 0; i < n; ++i) m = std::max(m, double(x[r * n + i]));
        for (int64_t i = 0; i < n; ++i) s += std::exp(double(x[r * n + i]) - m);
        for (int64_t i = 0; i < n; ++i) {
          double v = double(x[r * n + i]) - m;
          double want = std::string(op) == "Softmax" ? std::exp(v) / s : v - std::log(s);
          if (n == 1 && r == 0) continue;  // a lone -inf row is NaN either way
          if (std::isinf(want)) {
            EXPECT_EQ(got[r * n + i], want);
          } else {
            ASSERT_NEAR(got[r * n + i], want, 1e-6 + 1e-5 * std::fabs(want)) << op << " n=" << n;
          }
        }
      }
      if (std::string(op) == "Softmax" && n > 1) {
        EXPECT_EQ(got[0], 0.f);
      }
    }
  }
}

TEST(Softmax, OpsetDecidesAxisSemantics) {
  // [2, 2, 2]: opset 11 with axis 1 normalizes over the last 4 elements of each batch;
  // opset 13 over axis 1 only.
  std::vector<float> x{0, 1, 2, 3, 4, 5, 6, 7};
  auto old = Run1("Softmax", {In<float>({2, 2, 2}, x)}, {{"axis", Int(1)}}, 11);
  auto now = Run1("Softmax", {In<float>({2, 2, 2}, x)}, {{"axis", Int(1)}}, 13);
  ASSERT_TRUE(old.ok() && now.ok());
  auto o = old->as<float>(), n = now->as<float>();
  EXPECT_NEAR(o[0] + o[1] + o[2] + o[3], 1.f, 1e-6);
  EXPECT_NEAR(n[0] + n[2], 1.f, 1e-6);
  EXPECT_NEAR(n[1] + n[3], 1.f, 1e-6);
  EXPECT_NEAR(n[0], 1.f / (1.f + std::exp(2.f)), 1e-6);
  // Default axis: 1 before opset 13, -1 after.
  auto d11 = Run1("Softmax", {In<float>({2, 2, 2}, x)}, {}, 11);
  ASSERT_TRUE(d11.ok());
  EXPECT_EQ(d11->as<float>(), o);
}

TEST(Softmax, HardmaxPicksTheFirstMaximum) {
  auto y = Run1("Hardmax", {In<float>({2, 4}, {1, 3, 3, 0, -1, -1, -1, -1})}, {}, 13);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->as<float>(), (std::vector<float>{0, 1, 0, 0, 1, 0, 0, 0}));
}

TEST(ArgReduce, TiesFollowSelectLastIndex) {
  std::vector<float> x{1, 5, 5, 2, 0, 0};
  auto first = Run1("ArgMax", {In<float>({2, 3}, x)}, {{"axis", Int(1)}}, 13);
  auto last = Run1("ArgMax", {In<float>({2, 3}, x)},
                   {{"axis", Int(1)}, {"select_last_index", Int(1)}, {"keepdims", Int(0)}}, 13);
  auto min_last =
      Run1("ArgMin", {In<float>({2, 3}, x)}, {{"axis", Int(1)}, {"select_last_index", Int(1)}}, 13);
  ASSERT_TRUE(first.ok() && last.ok() && min_last.ok());
  EXPECT_EQ(first->shape, (Shape{2, 1}));
  EXPECT_EQ(first->as<int64_t>(), (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(last->shape, (Shape{2}));
  EXPECT_EQ(last->as<int64_t>(), (std::vector<int64_t>{2, 0}));
  EXPECT_EQ(min_last->as<int64_t>(), (std::vector<int64_t>{0, 2}));
}

TEST(CumSum, ExclusiveAndReverse) {
  std::vector<double> x{1, 2, 3, 4};
  auto run = [&](int ex, int rv) {
    auto y = Run1("CumSum", {In<double>({4}, x), In<int32_t>({}, {0})},
                  {{"exclusive", Int(ex)}, {"reverse", Int(rv)}}, 14);
    EXPECT_TRUE(y.ok()) << y.status();
    return y.ok() ? y->as<double>() : std::vector<double>{};
  };
  EXPECT_EQ(run(0, 0), (std::vector<double>{1, 3, 6, 10}));
  EXPECT_EQ(run(1, 0), (std::vector<double>{0, 1, 3, 6}));
  EXPECT_EQ(run(0, 1), (std::vector<double>{10, 9, 7, 4}));
  EXPECT_EQ(run(1, 1), (std::vector<double>{9, 7, 4, 0}));
  auto bad = Run1("CumSum", {In<double>({4}, x), In<int32_t>({}, {3})}, {}, 14);
  EXPECT_FALSE(bad.ok());
}

TEST(TopK, OrderAndTies) {
  std::vector<float> x{3, 1, 3, 2, 1};
  auto y = RunNode("TopK", {In<float>({5}, x), In<int64_t>({1}, {3}, true)}, {}, 11, 2);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ((*y)[0].as<float>(), (std::vector<float>{3, 3, 2}));
  EXPECT_EQ((*y)[1].as<int64_t>(), (std::vector<int64_t>{0, 2, 3}));
  auto small = RunNode("TopK", {In<float>({5}, x), In<int64_t>({1}, {2}, true)},
                       {{"largest", Int(0)}}, 11, 2);
  ASSERT_TRUE(small.ok()) << small.status();
  EXPECT_EQ((*small)[1].as<int64_t>(), (std::vector<int64_t>{1, 4}));
  auto too_many = RunNode("TopK", {In<float>({5}, x), In<int64_t>({1}, {6}, true)}, {}, 11, 2);
  EXPECT_FALSE(too_many.ok());
}

}  // namespace socd::reduce_test
