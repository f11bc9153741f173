// Tensor-group kernels through a real Session: transposes (every 4-D permutation, the blocked
// and AVX paths, all element sizes, two threads) against a naive reference, slicing edge cases,
// pads in every mode, gather index checks, resize arithmetic, and the planner's aliasing and
// dynamic-shape fallbacks these ops depend on.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "graph/ir.h"
#include "graph/tensor.h"
#include "scheduler/session.h"
#include "tests/cpu/node_runner.h"

namespace socd::tensor_test {

using graph::DType;
using graph::Shape;

using namespace node_runner;

template <typename T>
Input Const(Shape shape, std::vector<T> v) {
  return In<T>(std::move(shape), std::move(v), true);
}
Input Bools(Shape shape, std::vector<uint8_t> v) {
  Input in = In<uint8_t>(std::move(shape), std::move(v));
  in.dtype = DType::kBool;
  return in;
}
Input None() { return Omitted(); }

absl::StatusOr<std::vector<Output>> RunOp(const std::string& op, std::vector<Input> inputs,
                                          Attrs attrs = {}, int opset = 21, int outputs = 1,
                                          int threads = 1) {
  return RunNode(op, std::move(inputs), std::move(attrs), opset, outputs, threads);
}

absl::StatusOr<Output> Run1(const std::string& op, std::vector<Input> inputs, Attrs attrs = {},
                            int opset = 21, int threads = 1) {
  auto r = RunOp(op, std::move(inputs), std::move(attrs), opset, 1, threads);
  if (!r.ok()) return r.status();
  return (*r)[0];
}

template <typename T>
std::vector<T> Iota(int64_t n) {
  std::vector<T> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[i] = static_cast<T>(i * 7 + 3);
  return v;
}

template <typename T>
std::vector<T> NaiveTranspose(const Shape& s, const std::vector<T>& x,
                              const std::vector<int64_t>& perm) {
  const size_t r = s.size();
  std::vector<int64_t> st(r, 1);
  for (size_t k = r; k-- > 1;) st[k - 1] = st[k] * s[k];
  Shape os(r);
  for (size_t k = 0; k < r; ++k) os[k] = s[perm[k]];
  std::vector<T> y(x.size());
  std::vector<int64_t> idx(r, 0);
  for (size_t e = 0; e < y.size(); ++e) {
    int64_t off = 0;
    for (size_t k = 0; k < r; ++k) off += idx[k] * st[perm[k]];
    y[e] = x[off];
    for (size_t k = r; k-- > 0;) {
      if (++idx[k] < os[k]) break;
      idx[k] = 0;
    }
  }
  return y;
}

template <typename T>
void CheckAllPermutations(const Shape& s, int threads) {
  std::vector<T> x = Iota<T>(graph::NumElements(s));
  std::vector<int64_t> perm(s.size());
  std::iota(perm.begin(), perm.end(), 0);
  do {
    auto y = Run1("Transpose", {In<T>(s, x)}, {{"perm", Ints(perm)}}, 21, threads);
    ASSERT_TRUE(y.ok()) << y.status();
    EXPECT_EQ(y->template as<T>(), NaiveTranspose(s, x, perm))
        << "perm " << perm[0] << perm[1] << perm[2];
  } while (std::next_permutation(perm.begin(), perm.end()));
}

TEST(TensorKernels, TransposeMatchesNaiveForEveryPermutationAndElementSize) {
  CheckAllPermutations<float>({2, 3, 4, 5}, 1);
  CheckAllPermutations<int8_t>({3, 5, 2, 7}, 1);
  CheckAllPermutations<uint16_t>({4, 1, 6, 3}, 1);
  CheckAllPermutations<int64_t>({5, 2, 3, 4}, 1);
  // Big enough for the 8x8 AVX tiles, ragged edges and the thread pool.
  CheckAllPermutations<float>({37, 41, 19}, 2);
  CheckAllPermutations<double>({33, 17, 70}, 2);
}

TEST(TensorKernels, ConcatAndSplitRoundTrip) {
  auto c = Run1("Concat",
                {In<int32_t>({2, 1, 3}, Iota<int32_t>(6)), In<int32_t>({2, 0, 3}, {}),
                 In<int32_t>({2, 2, 3}, Iota<int32_t>(12))},
                {{"axis", Int(-2)}});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->shape, (Shape{2, 3, 3}));
  EXPECT_EQ(c->as<int32_t>(), (std::vector<int32_t>{3, 10, 17, 3, 10, 17, 24, 31, 38, 24, 31, 38,
                                                    45, 52, 59, 66, 73, 80}));
  // Split-18 num_outputs: 7 elements in 3 chunks are 3, 3, 1.
  auto s = RunOp("Split", {In<uint8_t>({7}, Iota<uint8_t>(7))}, {{"num_outputs", Int(3)}}, 18, 3);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ((*s)[0].shape, Shape{3});
  EXPECT_EQ((*s)[2].as<uint8_t>(), std::vector<uint8_t>{45});
  // Split-11 attribute form (canonicalized to an input) with a zero-size part.
  auto s11 = RunOp("Split", {In<float>({2, 3}, Iota<float>(6))},
                   {{"axis", Int(1)}, {"split", Ints({0, 3})}}, 11, 2);
  ASSERT_TRUE(s11.ok()) << s11.status();
  EXPECT_EQ((*s11)[0].shape, (Shape{2, 0}));
  EXPECT_EQ((*s11)[1].as<float>(), Iota<float>(6));
  EXPECT_FALSE(RunOp("Split", {In<float>({5}, Iota<float>(5))}, {}, 13, 2).ok());  // uneven
}

TEST(TensorKernels, SliceClampsAndStepsBackwards) {
  const int64_t kMax = std::numeric_limits<int64_t>::max(),
                kMin = std::numeric_limits<int64_t>::min();
  auto y = Run1("Slice",
                {In<int64_t>({3, 4}, Iota<int64_t>(12)), Const<int64_t>({2}, {kMax, -1}),
                 Const<int64_t>({2}, {kMin, -kMax}), Const<int64_t>({2}, {0, 1}),
                 Const<int64_t>({2}, {-2, -3})},
                {}, 13);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->shape, (Shape{2, 2}));  // rows 2, 0; columns 3, 0
  EXPECT_EQ(y->as<int64_t>(), (std::vector<int64_t>{80, 59, 24, 3}));
  // Opset-1 attribute form, and a slice that is empty.
  auto e = Run1("Slice", {In<float>({4}, Iota<float>(4))},
                {{"starts", Ints({3})}, {"ends", Ints({1})}}, 1);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->shape, Shape{0});
  EXPECT_FALSE(
      Run1("Slice", {In<float>({4}, Iota<float>(4)), Const<int64_t>({1}, {0}),
                     Const<int64_t>({1}, {4}), Const<int64_t>({1}, {0}), Const<int64_t>({1}, {0})})
          .ok());  // step 0
}

TEST(TensorKernels, SliceWithRuntimeStartsFallsBackToDynamicPlan) {
  auto y =
      Run1("Slice", {In<float>({5}, Iota<float>(5)), In<int64_t>({1}, {1}), In<int64_t>({1}, {4})},
           {}, 13);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->as<float>(), (std::vector<float>{10, 17, 24}));
}

TEST(TensorKernels, PadModes) {
  auto x = In<int32_t>({1, 3}, {1, 2, 3});
  auto pads = Const<int64_t>({4}, {0, 2, 0, 3});
  auto run = [&](const char* mode) {
    auto y = Run1("Pad", {x, pads}, {{"mode", Str(mode)}}, 19);
    EXPECT_TRUE(y.ok()) << y.status();
    return y.ok() ? y->as<int32_t>() : std::vector<int32_t>{};
  };
  EXPECT_EQ(run("constant"), (std::vector<int32_t>{0, 0, 1, 2, 3, 0, 0, 0}));
  EXPECT_EQ(run("reflect"), (std::vector<int32_t>{3, 2, 1, 2, 3, 2, 1, 2}));
  EXPECT_EQ(run("edge"), (std::vector<int32_t>{1, 1, 1, 2, 3, 3, 3, 3}));
  EXPECT_EQ(run("wrap"), (std::vector<int32_t>{2, 3, 1, 2, 3, 1, 2, 3}));
  // Constant value input, negative pads crop, axes input (opset 18).
  auto y = Run1("Pad",
                {In<float>({2, 3}, Iota<float>(6)), Const<int64_t>({2}, {-1, 1}),
                 Const<float>({}, {9.f}), Const<int64_t>({1}, {1})},
                {}, 18);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->as<float>(), (std::vector<float>{10, 17, 9, 31, 38, 9}));
  // Opset-2 attribute form with a non-zero value (kept in attribute form).
  auto p2 = Run1("Pad", {In<float>({2}, {1, 2})},
                 {{"pads", Ints({1, 0})},
                  {"value",
                   [] {
                     graph::Attribute a;
                     a.kind = graph::Attribute::Kind::kFloat;
                     a.f = 5;
                     return a;
                   }()}},
                 2);
  ASSERT_TRUE(p2.ok()) << p2.status();
  EXPECT_EQ(p2->as<float>(), (std::vector<float>{5, 1, 2}));
}

TEST(TensorKernels, GatherNegativeAndOutOfRangeIndices) {
  auto y = Run1("Gather", {In<float>({2, 3}, Iota<float>(6)), In<int32_t>({2, 2}, {-1, 0, 2, 1})},
                {{"axis", Int(1)}});
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->shape, (Shape{2, 2, 2}));
  EXPECT_EQ(y->as<float>(), (std::vector<float>{17, 3, 17, 10, 38, 24, 38, 31}));
  auto bad = Run1("Gather", {In<float>({2, 3}, Iota<float>(6)), In<int64_t>({1}, {3})});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("out of range"), std::string::npos) << bad.status();
  auto ge = Run1("GatherElements",
                 {In<int64_t>({2, 2}, {1, 2, 3, 4}), In<int64_t>({2, 2}, {0, -1, 1, 0})},
                 {{"axis", Int(1)}});
  ASSERT_TRUE(ge.ok()) << ge.status();
  EXPECT_EQ(ge->as<int64_t>(), (std::vector<int64_t>{1, 2, 4, 3}));
}

TEST(TensorKernels, ReshapeFamilyAndAliasing) {
  auto r = Run1("Reshape", {Bools({2, 3}, {1, 0, 1, 1, 0, 0}), Const<int64_t>({2}, {0, -1})});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->shape, (Shape{2, 3}));
  EXPECT_FALSE(
      Run1("Reshape", {In<float>({2, 3}, Iota<float>(6)), Const<int64_t>({2}, {4, -1})}).ok());
  auto z = Run1("Reshape", {In<float>({0, 3}, {}), Const<int64_t>({2}, {3, 0})},
                {{"allowzero", Int(1)}});
  ASSERT_TRUE(z.ok()) << z.status();
  EXPECT_EQ(z->shape, (Shape{3, 0}));
  auto sq = Run1("Squeeze", {In<float>({1, 2, 1}, {1, 2})}, {{"axes", Ints({-1})}}, 11);
  ASSERT_TRUE(sq.ok()) << sq.status();
  EXPECT_EQ(sq->shape, (Shape{1, 2}));
  EXPECT_FALSE(Run1("Squeeze", {In<float>({1, 2}, {1, 2}), Const<int64_t>({1}, {1})}, {}, 13).ok());
  auto un = Run1("Unsqueeze", {In<float>({2}, {1, 2}), Const<int64_t>({2}, {-1, 0})}, {}, 13);
  ASSERT_TRUE(un.ok()) << un.status();
  EXPECT_EQ(un->shape, (Shape{1, 2, 1}));

  // Transpose -> Reshape: the planner aliases the Reshape to the Transpose's output.
  graph::Graph g;
  g.opsets[""] = 17;
  int x = g.AddValue("x", {DType::kFloat32, true, {{2, ""}, {3, ""}}});
  int t = g.AddValue("t"), y2 = g.AddValue("y");
  int shp = g.AddConstant("shp", [] {
    auto c = std::make_shared<graph::Tensor>(DType::kInt64, Shape{1});
    c->as<int64_t>()[0] = 6;
    return c;
  }());
  g.inputs = {x};
  g.outputs = {y2};
  graph::Node tr{"tr", "Transpose", "", 17, {x}, {t}, {}};
  graph::Node re{"re", "Reshape", "", 17, {t, shp}, {y2}, {}};
  g.nodes = {tr, re};
  ASSERT_TRUE(g.TopoSort().ok());
  auto s = scheduler::Session::FromGraph(std::move(g), {});
  ASSERT_TRUE(s.ok()) << s.status();
  std::vector<float> xv = Iota<float>(6);
  std::vector<graph::TensorView> outs;
  ASSERT_TRUE((*s)->Run({{DType::kFloat32, {2, 3}, xv.data()}}, outs).ok());
  std::vector<float> got(outs[0].as<float>(), outs[0].as<float>() + 6);
  EXPECT_EQ(got, (std::vector<float>{3, 24, 10, 31, 17, 38}));
}

TEST(TensorKernels, DropoutIsIdentityAtInference) {
  auto d = RunOp("Dropout", {In<float>({3}, {1, 2, 3}), Const<float>({}, {0.5f})}, {}, 13, 2);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ((*d)[0].as<float>(), (std::vector<float>{1, 2, 3}));
  EXPECT_EQ((*d)[1].dtype, DType::kBool);
  EXPECT_EQ((*d)[1].as<uint8_t>(), (std::vector<uint8_t>{1, 1, 1}));
}

// Training mode follows numpy's legacy stream for the seed (ONNX's reference generator):
// np.random.seed(7); np.random.uniform(0, 1, 10) >= 0.3 keeps all but elements 0, 7 and 8.
TEST(TensorKernels, DropoutTrainingMatchesNumpyStream) {
  std::vector<float> x = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  auto d = RunOp("Dropout", {In<float>({10}, x), Const<float>({}, {0.3f}), Bools({}, {1})},
                 {{"seed", Int(7)}}, 13, 2);
  ASSERT_TRUE(d.ok()) << d.status();
  const std::vector<uint8_t> keep = {0, 1, 1, 1, 1, 1, 1, 0, 0, 1};
  EXPECT_EQ((*d)[1].as<uint8_t>(), keep);
  std::vector<float> y = (*d)[0].as<float>();
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_NEAR(y[i], keep[i] ? x[i] / 0.7f : 0.0f, 1e-5) << i;
  }
  // The same seed gives the same mask on every run; a ratio outside [0, 1] is refused.
  auto again = RunOp("Dropout", {In<float>({10}, x), Const<float>({}, {0.3f}), Bools({}, {1})},
                     {{"seed", Int(7)}}, 13, 2);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ((*again)[1].as<uint8_t>(), keep);
  auto bad = Run1("Dropout", {In<float>({3}, {1, 2, 3}), Const<float>({}, {1.5f}), Bools({}, {1})},
                  {}, 13);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("ratio"), std::string::npos) << bad.status();
}

TEST(TensorKernels, ResizeArithmetic) {
  auto x = In<float>({1, 2}, {1, 2});
  auto lin = Run1("Resize", {x, None(), Const<float>({2}, {1, 2})}, {{"mode", Str("linear")}}, 19);
  ASSERT_TRUE(lin.ok()) << lin.status();
  EXPECT_EQ(lin->as<float>(), (std::vector<float>{1, 1.25f, 1.75f, 2}));
  auto ac =
      Run1("Resize", {x, None(), None(), Const<int64_t>({2}, {1, 3})},
           {{"mode", Str("linear")}, {"coordinate_transformation_mode", Str("align_corners")}}, 19);
  ASSERT_TRUE(ac.ok()) << ac.status();
  EXPECT_EQ(ac->as<float>(), (std::vector<float>{1, 1.5f, 2}));
  // Nearest on int8 and linear on uint8 (rounded, saturated).
  auto nn =
      Run1("Resize", {In<int8_t>({1, 2}, {-5, 7}), None(), Const<float>({2}, {1, 2})}, {}, 19);
  ASSERT_TRUE(nn.ok()) << nn.status();
  EXPECT_EQ(nn->as<int8_t>(), (std::vector<int8_t>{-5, -5, 7, 7}));
  auto u8 = Run1("Resize", {In<uint8_t>({1, 2}, {0, 255}), None(), Const<float>({2}, {1, 2})},
                 {{"mode", Str("linear")}}, 19);
  ASSERT_TRUE(u8.ok()) << u8.status();
  EXPECT_EQ(u8->as<uint8_t>(), (std::vector<uint8_t>{0, 64, 191, 255}));
  // Upsample-7 (scales attribute) goes through the canonicalized Resize-10.
  graph::Attribute sc;
  sc.kind = graph::Attribute::Kind::kFloats;
  sc.floats = {1, 3};
  auto up = Run1("Upsample", {x}, {{"scales", sc}}, 7);
  ASSERT_TRUE(up.ok()) << up.status();
  EXPECT_EQ(up->as<float>(), (std::vector<float>{1, 1, 1, 2, 2, 2}));
}

TEST(TensorKernels, CreationOps) {
  auto r =
      Run1("Range", {In<int32_t>({}, {10}), In<int32_t>({}, {1}), In<int32_t>({}, {-3})}, {}, 11);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->as<int32_t>(), (std::vector<int32_t>{10, 7, 4}));
  auto f = Run1("Range", {Const<float>({}, {0}), Const<float>({}, {1}), Const<float>({}, {0.25f})},
                {}, 11);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->as<float>(), (std::vector<float>{0, 0.25f, 0.5f, 0.75f}));
  auto tri = Run1("Trilu", {In<int64_t>({2, 3}, {1, 2, 3, 4, 5, 6}), Const<int64_t>({}, {-1})},
                  {{"upper", Int(0)}}, 14);
  ASSERT_TRUE(tri.ok()) << tri.status();
  EXPECT_EQ(tri->as<int64_t>(), (std::vector<int64_t>{0, 0, 0, 4, 0, 0}));
  auto oh =
      Run1("OneHot", {In<int64_t>({2}, {-1, 5}), Const<int64_t>({}, {3}), In<float>({2}, {0, 1})},
           {}, 11);
  ASSERT_TRUE(oh.ok()) << oh.status();
  EXPECT_EQ(oh->as<float>(), (std::vector<float>{0, 0, 1, 0, 0, 0}));
  auto sh = Run1("Shape", {In<float>({2, 3, 4}, Iota<float>(24))}, {{"start", Int(-2)}}, 15);
  ASSERT_TRUE(sh.ok()) << sh.status();
  EXPECT_EQ(sh->as<int64_t>(), (std::vector<int64_t>{3, 4}));
  auto ex =
      Run1("Expand", {In<uint8_t>({3, 1}, {1, 2, 3}), Const<int64_t>({3}, {2, 1, 2})}, {}, 13);
  ASSERT_TRUE(ex.ok()) << ex.status();
  EXPECT_EQ(ex->as<uint8_t>(), (std::vector<uint8_t>{1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3}));
  auto ti = Run1("Tile", {In<int16_t>({2}, {1, 2}), Const<int64_t>({1}, {3})}, {}, 13);
  ASSERT_TRUE(ti.ok()) << ti.status();
  EXPECT_EQ(ti->as<int16_t>(), (std::vector<int16_t>{1, 2, 1, 2, 1, 2}));
}

// x -> Shape -> Gather([0]) -> Concat(.., [-1]) -> Reshape(x, ..): the shape arithmetic is
// evaluated while planning, so the plan stays static (no per-run re-planning).
TEST(TensorKernels, ShapeArithmeticPlansStatically) {
  graph::Graph g;
  g.opsets[""] = 17;
  auto i64 = [&](const std::string& name, std::vector<int64_t> v) {
    auto t = std::make_shared<graph::Tensor>(DType::kInt64, Shape{static_cast<int64_t>(v.size())});
    std::copy(v.begin(), v.end(), t->as<int64_t>());
    return g.AddConstant(name, t);
  };
  int x = g.AddValue("x", {DType::kFloat32, true, {{2, ""}, {6, ""}}});
  int sh = g.AddValue("sh"), d0 = g.AddValue("d0"), c = g.AddValue("c");
  int y = g.AddValue("y");
  int zero = i64("zero", {0}), minus1 = i64("m1", {-1});
  g.inputs = {x};
  g.outputs = {y};
  g.nodes = {{"s", "Shape", "", 17, {x}, {sh}, {}},
             {"g", "Gather", "", 17, {sh, zero}, {d0}, {}},
             {"c", "Concat", "", 17, {d0, minus1}, {c}, {{"axis", Int(0)}}},
             {"r", "Reshape", "", 17, {x, c}, {y}, {}}};
  ASSERT_TRUE(g.TopoSort().ok());
  auto s = scheduler::Session::FromGraph(std::move(g), {});
  ASSERT_TRUE(s.ok()) << s.status();
  std::vector<float> xv = Iota<float>(12);
  std::vector<graph::TensorView> outs;
  ASSERT_TRUE((*s)->Run({{DType::kFloat32, {2, 6}, xv.data()}}, outs).ok());
  EXPECT_EQ(outs[0].shape, (Shape{2, 6}));
  EXPECT_FALSE((*s)->run_stats().dynamic);
}

}  // namespace socd::tensor_test
