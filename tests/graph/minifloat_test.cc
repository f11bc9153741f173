// Golden values from ONNX's reference conversions (numpy + ml_dtypes 0.5.4, the library the
// ONNX node tests' data was made with): every float8/float4 format with and without
// saturation, float8 e8m0 in each rounding mode, and int4/uint4/int2/uint2 wrapping.
#include "graph/minifloat.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"

namespace socd::graph {

const std::vector<float> kMiniFloatInputs = {0.0,
                                             -0.0,
                                             1.0,
                                             -1.5,
                                             0.10000000149011612,
                                             3.141590118408203,
                                             447.8999938964844,
                                             464.0,
                                             465.0,
                                             1000.0,
                                             -1000.0,
                                             57000.0,
                                             61440.0,
                                             0.0010000000474974513,
                                             0.001953125,
                                             0.0009765625,
                                             INFINITY,
                                             -INFINITY,
                                             NAN,
                                             5.5,
                                             -6.199999809265137};

struct MiniCase {
  DType t;
  bool saturate;
  std::vector<int> codes;
};

TEST(MiniFloat, EncodesLikeTheOnnxReference) {
  const std::vector<MiniCase> cases = {
      {DType::kFloat8E4M3FN, false, {0,   128, 56, 188, 29, 69,  126, 126, 127, 127, 255,
                                     127, 127, 1,  1,   0,  127, 255, 127, 75,  204}},
      {DType::kFloat8E4M3FN, true, {0,   128, 56, 188, 29, 69,  126, 126, 126, 126, 254,
                                    126, 126, 1,  1,   0,  126, 254, 127, 75,  204}},
      {DType::kFloat8E4M3FNUZ, false, {0,   0,   64, 196, 37, 77,  128, 128, 128, 128, 128,
                                       128, 128, 1,  2,   1,  128, 128, 128, 83,  212}},
      {DType::kFloat8E4M3FNUZ, true, {0,   0,   64, 196, 37, 77,  127, 127, 127, 127, 255,
                                      127, 127, 1,  2,   1,  127, 255, 128, 83,  212}},
      {DType::kFloat8E5M2, false, {0,   128, 60, 190, 46, 66,  95,  95,  95, 100, 228,
                                   123, 124, 20, 24,  20, 124, 252, 126, 70, 198}},
      {DType::kFloat8E5M2, true, {0,   128, 60, 190, 46, 66,  95,  95,  95, 100, 228,
                                  123, 123, 20, 24,  20, 123, 251, 126, 70, 198}},
      {DType::kFloat8E5M2FNUZ, false, {0,   0,   64, 194, 50, 70,  99,  99,  99, 104, 232,
                                       127, 128, 24, 28,  24, 128, 128, 128, 74, 202}},
      {DType::kFloat8E5M2FNUZ, true, {0,   0,   64, 194, 50, 70,  99,  99,  99, 104, 232,
                                      127, 127, 24, 28,  24, 127, 255, 128, 74, 202}},
      {DType::kFloat4E2M1, false, {0, 8, 2, 11, 0, 5, 7,  7, 7, 7, 15,
                                   7, 7, 0, 0,  0, 7, 15, 8, 7, 15}},
      {DType::kFloat4E2M1, true, {0, 8, 2, 11, 0, 5, 7,  7, 7, 7, 15,
                                  7, 7, 0, 0,  0, 7, 15, 8, 7, 15}},
  };
  for (const auto& c : cases) {
    for (size_t i = 0; i < kMiniFloatInputs.size(); ++i) {
      EXPECT_EQ(FloatToMiniFloat(kMiniFloatInputs[i], c.t, c.saturate), c.codes[i])
          << DTypeName(c.t) << " saturate " << c.saturate << " of " << kMiniFloatInputs[i];
    }
  }
}

TEST(MiniFloat, DecodesEveryCodeBackToItself) {
  for (DType t : {DType::kFloat8E4M3FN, DType::kFloat8E4M3FNUZ, DType::kFloat8E5M2,
                  DType::kFloat8E5M2FNUZ, DType::kFloat4E2M1}) {
    const int codes = t == DType::kFloat4E2M1 ? 16 : 256;
    for (int c = 0; c < codes; ++c) {
      const float v = MiniFloatToFloat(static_cast<uint8_t>(c), t);
      if (std::isnan(v) || std::isinf(v)) continue;
      // Decoding is exact, so encoding the value gives the code back (signed zeros too).
      EXPECT_EQ(FloatToMiniFloat(v, t, true), c) << DTypeName(t) << " code " << c << " = " << v;
    }
  }
  EXPECT_EQ(MiniFloatToFloat(0x7e, DType::kFloat8E4M3FN), 448.f);
  EXPECT_EQ(MiniFloatToFloat(0x7b, DType::kFloat8E5M2), 57344.f);
  EXPECT_TRUE(std::isinf(MiniFloatToFloat(0x7c, DType::kFloat8E5M2)));
  EXPECT_TRUE(std::isnan(MiniFloatToFloat(0x80, DType::kFloat8E4M3FNUZ)));
  EXPECT_EQ(MiniFloatToFloat(0x7, DType::kFloat4E2M1), 6.f);
}

struct E8M0Case {
  E8M0Round mode;
  bool saturate;
  std::vector<int> codes;
};

TEST(MiniFloat, E8M0RoundsLikeTheOnnxReference) {
  const std::vector<E8M0Case> cases = {
      {E8M0Round::kUp, true, {0,   0,   127, 128, 124, 129, 136, 136, 136, 137, 137,
                              143, 143, 118, 118, 117, 255, 255, 255, 130, 130}},
      {E8M0Round::kUp, false, {0,   0,   127, 128, 124, 129, 136, 136, 136, 137, 137,
                               143, 143, 118, 118, 117, 255, 255, 255, 130, 130}},
      {E8M0Round::kDown, true, {0,   0,   127, 127, 123, 128, 135, 135, 135, 136, 136,
                                142, 142, 117, 118, 117, 255, 255, 255, 129, 129}},
      {E8M0Round::kDown, false, {0,   0,   127, 127, 123, 128, 135, 135, 135, 136, 136,
                                 142, 142, 117, 118, 117, 255, 255, 255, 129, 129}},
      {E8M0Round::kNearest, true, {0,   0,   127, 128, 124, 129, 136, 136, 136, 137, 137,
                                   143, 143, 117, 118, 117, 255, 255, 255, 129, 130}},
      {E8M0Round::kNearest, false, {0,   0,   127, 128, 124, 129, 136, 136, 136, 137, 137,
                                    143, 143, 117, 118, 117, 255, 255, 255, 129, 130}},
  };
  for (const auto& c : cases) {
    for (size_t i = 0; i < kMiniFloatInputs.size(); ++i) {
      EXPECT_EQ(FloatToE8M0(kMiniFloatInputs[i], c.saturate, c.mode), c.codes[i])
          << "mode " << static_cast<int>(c.mode) << " of " << kMiniFloatInputs[i];
    }
  }
  EXPECT_EQ(E8M0ToFloat(127), 1.f);
  EXPECT_EQ(E8M0ToFloat(130), 8.f);
  EXPECT_TRUE(std::isnan(E8M0ToFloat(255)));
}

struct IntCase {
  DType t;
  std::vector<int> values;
};

TEST(MiniFloat, SubByteIntegersTruncateAndWrap) {
  const std::vector<IntCase> cases = {
      {DType::kInt4, {0, 0, 1, -1, 0, 3, -1, 0, 1, -8, -8, -8, 0, 0, 0, 0, 0, 0, 0, 5, -6}},
      {DType::kUInt4, {0, 0, 1, 15, 0, 3, 15, 0, 1, 8, 8, 8, 0, 0, 0, 0, 0, 0, 0, 5, 10}},
      {DType::kInt2, {0, 0, 1, -1, 0, -1, -1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, -2}},
      {DType::kUInt2, {0, 0, 1, 3, 0, 3, 3, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2}},
  };
  for (const auto& c : cases) {
    for (size_t i = 0; i < kMiniFloatInputs.size(); ++i) {
      EXPECT_EQ(FloatToSubByteInt(kMiniFloatInputs[i], c.t), c.values[i])
          << DTypeName(c.t) << " of " << kMiniFloatInputs[i];
    }
  }
  EXPECT_EQ(WrapToSubByte(-9, DType::kInt4), 7);
  EXPECT_EQ(WrapToSubByte(17, DType::kUInt4), 1);
  EXPECT_EQ(WrapToSubByte(2, DType::kInt2), -2);
  EXPECT_EQ(SubByteIntValue(0xf8, DType::kInt4), -8);
}

}  // namespace socd::graph
