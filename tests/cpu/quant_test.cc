// Quant-group kernels through a real Session: QuantizeLinear rounding ties and saturation for
// every output type, per-axis and blocked layouts, DequantizeLinear, DynamicQuantizeLinear's
// zero-including range, and the integer GEMM/conv ops against naive integer references
// (including K far beyond the float-exact chunk, at the extremes of the value range).
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

namespace socd::quant_test {

using graph::DType;
using graph::Shape;

using namespace node_runner;

template <typename T>
Input Scalar(T v, bool constant = false) {
  return In<T>({}, {v}, constant);
}

absl::StatusOr<Output> Run1(const std::string& op, std::vector<Input> inputs, Attrs attrs = {},
                            int opset = 21) {
  auto r = RunNode(op, std::move(inputs), std::move(attrs), opset, 1, 1, "q");
  if (!r.ok()) return r.status();
  return (*r)[0];
}

TEST(QuantizeLinear, TiesRoundToEven) {
  std::vector<float> x{-2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f, 3.5f, 0.49999997f};
  auto y = Run1("QuantizeLinear", {In<float>({8}, x), Scalar(1.f), Scalar<int8_t>(0)});
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->dtype, DType::kInt8);
  EXPECT_EQ(y->as<int8_t>(), (std::vector<int8_t>{-2, -2, 0, 0, 2, 2, 4, 0}));
  // The tie is decided on x / scale, before the zero point is added.
  auto z = Run1("QuantizeLinear",
                {In<float>({3}, {0.25f, 0.75f, 1.25f}), Scalar(0.5f), Scalar<uint8_t>(101)});
  ASSERT_TRUE(z.ok()) << z.status();
  EXPECT_EQ(z->as<uint8_t>(), (std::vector<uint8_t>{101, 103, 103}));
}

TEST(QuantizeLinear, SaturatesEveryOutputType) {
  std::vector<float> x{-1e9f, -70000.f, -200.f, 200.f, 70000.f, 1e9f, NAN};
  auto run = [&](Input zp) {
    auto y = Run1("QuantizeLinear", {In<float>({7}, x), Scalar(1.f), zp});
    EXPECT_TRUE(y.ok()) << y.status();
    return *y;
  };
  EXPECT_EQ(run(Scalar<uint8_t>(0)).as<uint8_t>(),
            (std::vector<uint8_t>{0, 0, 0, 200, 255, 255, 0}));
  EXPECT_EQ(run(Scalar<int8_t>(0)).as<int8_t>(),
            (std::vector<int8_t>{-128, -128, -128, 127, 127, 127, -128}));
  EXPECT_EQ(run(Scalar<uint16_t>(0)).as<uint16_t>(),
            (std::vector<uint16_t>{0, 0, 0, 200, 65535, 65535, 0}));
  EXPECT_EQ(run(Scalar<int16_t>(0)).as<int16_t>(),
            (std::vector<int16_t>{-32768, -32768, -200, 200, 32767, 32767, -32768}));
  // The zero point shifts before saturation.
  auto shifted =
      Run1("QuantizeLinear", {In<float>({2}, {120.f, -120.f}), Scalar(1.f), Scalar<int8_t>(10)});
  ASSERT_TRUE(shifted.ok());
  EXPECT_EQ(shifted->as<int8_t>(), (std::vector<int8_t>{127, -110}));
}

TEST(QuantizeLinear, DefaultOutputIsUint8AndOutputDtypeAttribute) {
  auto u = Run1("QuantizeLinear", {In<float>({2}, {-3.f, 300.f}), Scalar(1.f)}, {}, 13);
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->dtype, DType::kUInt8);
  EXPECT_EQ(u->as<uint8_t>(), (std::vector<uint8_t>{0, 255}));
  auto i = Run1("QuantizeLinear", {In<float>({2}, {-3.f, 300.f}), Scalar(1.f)},
                {{"output_dtype", Int(static_cast<int>(DType::kInt8))}});
  ASSERT_TRUE(i.ok()) << i.status();
  EXPECT_EQ(i->as<int8_t>(), (std::vector<int8_t>{-3, 127}));
  auto bad = Run1("QuantizeLinear", {In<float>({2}, {1.f, 2.f}), Scalar(1.f)},
                  {{"output_dtype", Int(static_cast<int>(DType::kInt32))}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("unsupported operator"), std::string::npos);
}

TEST(QuantizeLinear, PerAxisAndBlocked) {
  // [2, 3] per axis 1: column scales 1, 2, 4 and zero points 0, 10, -10.
  std::vector<float> x{4, 4, 4, -8, -8, -8};
  auto y = Run1("QuantizeLinear",
                {In<float>({2, 3}, x), In<float>({3}, {1, 2, 4}), In<int8_t>({3}, {0, 10, -10})},
                {{"axis", Int(1)}}, 13);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->as<int8_t>(), (std::vector<int8_t>{4, 12, -9, -8, 6, -12}));
  // Blocks of 2 along axis 1 of [2, 3]: scales [2, 2] (the last block is short).
  auto b = Run1("QuantizeLinear",
                {In<float>({2, 3}, {1, 2, 3, 4, 5, 6}), In<float>({2, 2}, {1, 10, 2, 0.5}),
                 In<int8_t>({2, 2}, {0, 0, 0, 1})},
                {{"axis", Int(1)}, {"block_size", Int(2)}});
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->as<int8_t>(), (std::vector<int8_t>{1, 2, 0, 2, 2, 13}));
  auto wrong = Run1("QuantizeLinear", {In<float>({2, 3}, x), In<float>({2}, {1, 2})},
                    {{"axis", Int(1)}}, 13);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("'q'"), std::string::npos) << wrong.status();
}

TEST(DequantizeLinear, PerTensorPerAxisAndInt32) {
  auto y = Run1("DequantizeLinear",
                {In<uint8_t>({4}, {0, 3, 128, 255}), Scalar(0.5f), Scalar<uint8_t>(128)}, {}, 19);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->as<float>(), (std::vector<float>{-64, -62.5, 0, 63.5}));
  auto ax =
      Run1("DequantizeLinear",
           {In<int8_t>({2, 2}, {1, 2, 3, 4}), In<float>({2}, {1, 10}), In<int8_t>({2}, {1, -1})},
           {{"axis", Int(0)}}, 19);
  ASSERT_TRUE(ax.ok()) << ax.status();
  EXPECT_EQ(ax->as<float>(), (std::vector<float>{0, 1, 40, 50}));
  auto i32 = Run1("DequantizeLinear", {In<int32_t>({2}, {-1000000, 7}), Scalar(0.25f)}, {}, 19);
  ASSERT_TRUE(i32.ok()) << i32.status();
  EXPECT_EQ(i32->as<float>(), (std::vector<float>{-250000, 1.75}));
}

TEST(DynamicQuantizeLinear, MatchesTheOnnxFormula) {
  auto r = RunNode("DynamicQuantizeLinear", {In<float>({6}, {0.f, 2.f, -3.f, -2.5f, 1.34f, 0.5f})},
                   {}, 11, 3);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)[0].as<uint8_t>(), (std::vector<uint8_t>{153, 255, 0, 26, 221, 179}));
  EXPECT_FLOAT_EQ((*r)[1].as<float>()[0], 5.f / 255.f);
  EXPECT_EQ((*r)[2].as<uint8_t>()[0], 153);
  // All-positive input: the range still includes 0, so the zero point is 0.
  auto pos = RunNode("DynamicQuantizeLinear", {In<float>({3}, {1.f, 2.f, 4.f})}, {}, 11, 3);
  ASSERT_TRUE(pos.ok());
  EXPECT_EQ((*pos)[2].as<uint8_t>()[0], 0);
  // 2 / float32(4/255) is 127.49999, not a tie: the division happens in float32.
  EXPECT_EQ((*pos)[0].as<uint8_t>(), (std::vector<uint8_t>{64, 127, 255}));
  // All zeros: scale 1/255 (not 0), everything maps to the zero point.
  auto zero = RunNode("DynamicQuantizeLinear", {In<float>({2}, {0.f, 0.f})}, {}, 11, 3);
  ASSERT_TRUE(zero.ok());
  EXPECT_FLOAT_EQ((*zero)[1].as<float>()[0], 1.f / 255.f);
  EXPECT_EQ((*zero)[0].as<uint8_t>(), (std::vector<uint8_t>{0, 0}));
}

template <typename T>
std::vector<T> RandomInts(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(std::numeric_limits<T>::min(),
                                       std::numeric_limits<T>::max());
  std::vector<T> v(n);
  for (auto& x : v) x = static_cast<T>(d(rng));
  return v;
}

TEST(MatMulInteger, ExactBeyondTheFloatChunkAndPerColumnZeroPoints) {
  // Extremes: every product is -255 * 255, K = 1000, so |C| = 65M needs int32 exactness.
  const int64_t M = 3, K = 1000, N = 5;
  std::vector<uint8_t> a(M * K, 255), b(K * N, 0);
  auto y = Run1(
      "MatMulInteger",
      {In<uint8_t>({M, K}, a), In<uint8_t>({K, N}, b), Scalar<uint8_t>(0), Scalar<uint8_t>(255)},
      {}, 10);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->as<int32_t>(), std::vector<int32_t>(M * N, -255 * 255 * K));
  // Random int8 x uint8 with per-column b zero points, B constant, against a naive loop.
  auto ra = RandomInts<int8_t>(M * K, 1);
  auto rb = RandomInts<uint8_t>(K * N, 2);
  std::vector<uint8_t> bz{0, 1, 128, 254, 255};
  auto r = Run1("MatMulInteger",
                {In<int8_t>({M, K}, ra), In<uint8_t>({K, N}, rb, true), Scalar<int8_t>(-7),
                 In<uint8_t>({N}, bz, true)},
                {}, 10);
  ASSERT_TRUE(r.ok()) << r.status();
  auto got = r->as<int32_t>();
  for (int64_t i = 0; i < M; ++i) {
    for (int64_t j = 0; j < N; ++j) {
      int64_t acc = 0;
      for (int64_t k = 0; k < K; ++k) acc += (ra[i * K + k] + 7) * (rb[k * N + j] - bz[j]);
      ASSERT_EQ(got[i * N + j], acc) << i << "," << j;
    }
  }
}

TEST(QLinearMatMul, RequantizesLikeTheReference) {
  // acc = 2*3 + 4*5 = 26; multiplier 0.5 * 0.25 / 0.125 = 1; 26 + zp 100 = 126.
  auto y = Run1(
      "QLinearMatMul",
      {In<uint8_t>({1, 2}, {2, 4}), Scalar(0.5f), Scalar<uint8_t>(0), In<uint8_t>({2, 1}, {3, 5}),
       Scalar(0.25f), Scalar<uint8_t>(0), Scalar(0.125f), Scalar<uint8_t>(100)},
      {}, 10);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->as<uint8_t>(), std::vector<uint8_t>{126});
  // A half-way product rounds to even: acc 5 * 0.5 = 2.5 -> 2, acc 7 * 0.5 = 3.5 -> 4.
  auto t =
      Run1("QLinearMatMul",
           {In<int8_t>({2, 1}, {5, 7}), Scalar(1.f), Scalar<int8_t>(0), In<int8_t>({1, 1}, {1}),
            Scalar(0.5f), Scalar<int8_t>(0), Scalar(1.f), Scalar<int8_t>(0)},
           {}, 10);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->as<int8_t>(), (std::vector<int8_t>{2, 4}));
}

// Naive grouped 2-D integer convolution (NCHW), zero points subtracted first.
std::vector<int32_t> NaiveConv(const std::vector<uint8_t>& x, Shape xs,
                               const std::vector<int8_t>& w, Shape ws, int32_t xz, int64_t group,
                               int64_t stride, int64_t pad, Shape* out_shape) {
  const int64_t N = xs[0], C = xs[1], H = xs[2], W = xs[3], M = ws[0], kh = ws[2], kw = ws[3];
  const int64_t OH = (H + 2 * pad - kh) / stride + 1, OW = (W + 2 * pad - kw) / stride + 1;
  const int64_t cg = C / group, mg = M / group;
  *out_shape = {N, M, OH, OW};
  std::vector<int32_t> y(N * M * OH * OW, 0);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t m = 0; m < M; ++m)
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          int32_t acc = 0;
          for (int64_t c = 0; c < cg; ++c)
            for (int64_t i = 0; i < kh; ++i)
              for (int64_t j = 0; j < kw; ++j) {
                int64_t ih = oh * stride - pad + i, iw = ow * stride - pad + j;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                int64_t ch = (m / mg) * cg + c;
                acc += (x[((n * C + ch) * H + ih) * W + iw] - xz) *
                       w[((m * cg + c) * kh + i) * kw + j];
              }
          y[((n * M + m) * OH + oh) * OW + ow] = acc;
        }
  return y;
}

TEST(ConvInteger, GroupedStridedPaddedMatchesNaive) {
  const Shape xs{2, 4, 7, 6}, ws{6, 2, 3, 3};
  auto x = RandomInts<uint8_t>(graph::NumElements(xs), 3);
  auto w = RandomInts<int8_t>(graph::NumElements(ws), 4);
  Shape os;
  auto want = NaiveConv(x, xs, w, ws, 77, 2, 2, 1, &os);
  Attrs attrs{{"group", Int(2)}, {"strides", Ints({2, 2})}, {"pads", Ints({1, 1, 1, 1})}};
  auto y = Run1("ConvInteger", {In<uint8_t>(xs, x), In<int8_t>(ws, w, true), Scalar<uint8_t>(77)},
                attrs, 10);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->shape, os);
  EXPECT_EQ(y->as<int32_t>(), want);
}

TEST(QLinearConv, PerChannelScalesBiasAndSaturation) {
  const Shape xs{1, 3, 5, 5}, ws{4, 3, 3, 3};
  auto x = RandomInts<uint8_t>(graph::NumElements(xs), 5);
  auto w = RandomInts<int8_t>(graph::NumElements(ws), 6);
  Shape os;
  auto acc = NaiveConv(x, xs, w, ws, 128, 1, 1, 1, &os);
  const std::vector<float> wscale{0.001f, 0.002f, 0.0005f, 0.1f};  // the last one saturates
  const std::vector<int32_t> bias{100, -2000, 0, 5};
  const float xscale = 0.05f, yscale = 0.2f;
  auto y = Run1("QLinearConv",
                {In<uint8_t>(xs, x), Scalar(xscale), Scalar<uint8_t>(128), In<int8_t>(ws, w, true),
                 In<float>({4}, wscale, true), In<int8_t>({4}, {0, 0, 0, 0}, true), Scalar(yscale),
                 Scalar<int8_t>(3), In<int32_t>({4}, bias, true)},
                {{"pads", Ints({1, 1, 1, 1})}}, 10);
  ASSERT_TRUE(y.ok()) << y.status();
  auto got = y->as<int8_t>();
  const int64_t plane = os[2] * os[3];
  int saturated = 0;
  for (int64_t m = 0; m < 4; ++m) {
    const float mult = xscale * wscale[m] / yscale;
    for (int64_t i = 0; i < plane; ++i) {
      double v = std::nearbyint(double(acc[m * plane + i] + bias[m]) * double(mult) + 3.0);
      int want = static_cast<int>(std::min(127.0, std::max(-128.0, v)));
      saturated += want == 127 || want == -128;
      ASSERT_EQ(got[m * plane + i], want) << "channel " << m << " pixel " << i;
    }
  }
  EXPECT_GT(saturated, 0);
}

}  // namespace socd::quant_test
