// Double-precision exp, expm1, log, log1p and tanh for GLSL, which defines none of its
// transcendental functions for double. Range reduction by ln 2 (Cody-Waite, ln 2 split so that
// k * LN2_HI is exact) and Taylor series on the reduced interval, evaluated so that the last
// rounding dominates: within ~1 ulp of the correctly rounded result (tests/vulkan checks a few
// ulp against std::exp/std::log over the whole range). Constants that must be exact are built
// from their bits, series coefficients are folded by glslang as quotients of exact integers, so
// nothing depends on how a driver or the front end parses long decimal literals. Every value
// is `precise`: compilers may otherwise reassociate or fold the compensated arithmetic away
// (Mesa turns (1 + x) - 1 into x and k*hi + k*lo into k*(hi + lo), costing up to ~400 ulp).
// Special values follow C: exp(NaN) = NaN, exp(+-inf) = inf / 0, log(0) = -inf, log(<0) = NaN.
#ifndef SOCD_DOUBLE_MATH_GLSL
#define SOCD_DOUBLE_MATH_GLSL
// Nothing in the no-float64 variant (typed.glsl's SOCD_NO_F64): it must not declare a double.
#if !SOCD_NO_F64

double socd_f64_bits(uint hi, uint lo) { return packDouble2x32(uvec2(lo, hi)); }
double socd_f64_inf() { return socd_f64_bits(0x7ff00000u, 0u); }
double socd_f64_nan() { return socd_f64_bits(0x7ff80000u, 0u); }

// 2^k for -1022 <= k <= 1023, exactly.
double socd_pow2_f64(int k) { return socd_f64_bits(uint(k + 1023) << 20, 0u); }

// x * 2^k for -1076 <= k <= 1024 in two exact steps, so a subnormal result rounds once.
double socd_scale_f64(double x, int k) {
  if (k >= -1022 && k <= 1023) return x * socd_pow2_f64(k);
  int k1 = k >> 1;
  precise double y = x * socd_pow2_f64(k1) * socd_pow2_f64(k - k1);
  return y;
}

// e^r - 1 for |r| <= ln2/2 (a little beyond is fine): Taylor to r^13, truncation < 2^-62
// relative, so the result keeps r's relative precision.
double socd_expm1_reduced_f64(double r) {
  precise double p = 1.0LF / 6227020800.0LF;  // 1/13!
  p = p * r + 1.0LF / 479001600.0LF;
  p = p * r + 1.0LF / 39916800.0LF;
  p = p * r + 1.0LF / 3628800.0LF;
  p = p * r + 1.0LF / 362880.0LF;
  p = p * r + 1.0LF / 40320.0LF;
  p = p * r + 1.0LF / 5040.0LF;
  p = p * r + 1.0LF / 720.0LF;
  p = p * r + 1.0LF / 120.0LF;
  p = p * r + 1.0LF / 24.0LF;
  p = p * r + 1.0LF / 6.0LF;
  p = p * r + 0.5LF;
  precise double e = r + (r * r) * p;
  return e;
}

// x = k ln2 + r, |r| <= ~ln2/2. ln2 = LN2_HI + LN2_LO; LN2_HI has 32 significant bits, so
// k * LN2_HI is exact for every k an exp argument can produce.
double socd_reduce_ln2_f64(double x, out int k) {
  double ln2_hi = socd_f64_bits(0x3fe62e42u, 0xfee00000u);
  double ln2_lo = socd_f64_bits(0x3dea39efu, 0x35793c76u);
  double kd = roundEven(x * socd_f64_bits(0x3ff71547u, 0x652b82feu));  // x / ln2
  k = int(kd);
  precise double r = (x - kd * ln2_hi) - kd * ln2_lo;
  return r;
}

double socd_exp_f64(double x) {
  if (x != x) return x;
  if (x > 709.78271289338400LF) return socd_f64_inf();  // ln(DBL_MAX)
  if (x < -745.2LF) return 0.0LF;                        // below half the smallest subnormal
  int k;
  double r = socd_reduce_ln2_f64(x, k);
  precise double y = 1.0LF + socd_expm1_reduced_f64(r);
  return socd_scale_f64(y, k);
}

// e^x - 1 without the cancellation near 0: e^x - 1 = 2^k (e^r - 1) + (2^k - 1), where
// 2^k - 1 is exact for the k used here.
double socd_expm1_f64(double x) {
  if (x == 0.0LF) return x;  // keeps -0
  if (abs(x) <= 0.34657359027997264LF) return socd_expm1_reduced_f64(x);
  if (x != x) return x;
  if (x < -40.0LF) return -1.0LF;  // e^x below half an ulp of 1
  if (x > 50.0LF) return socd_exp_f64(x) - 1.0LF;
  int k;
  double r = socd_reduce_ln2_f64(x, k);
  double p = socd_pow2_f64(k);
  precise double e = p * socd_expm1_reduced_f64(r) + (p - 1.0LF);
  return e;
}

// log(x) = k ln2 + log(m), m in [sqrt(2)/2, sqrt(2)); log(m) = log(1 + f) = 2 atanh(s) with
// s = f / (2 + f), written as f - (hfsq - s (hfsq + R)) so the big terms are exact and the
// series R (|s| < 0.172, so z = s^2 < 0.0295; terms to z^11) only adds a small correction.
double socd_log_f64(double x) {
  if (x != x) return x;
  if (x < 0.0LF) return socd_f64_nan();
  if (x == 0.0LF) return -socd_f64_inf();
  if (x == socd_f64_inf()) return x;
  int k = 0;
  uvec2 b = unpackDouble2x32(x);
  if ((b.y >> 20) == 0u) {  // subnormal: scale into the normal range first
    x *= socd_pow2_f64(54);
    b = unpackDouble2x32(x);
    k = -54;
  }
  k += int(b.y >> 20) - 1023;
  uint hm = b.y & 0xfffffu;
  if (hm >= 0x6a09eu) {  // m >= sqrt(2): take m / 2 (exponent field 1022) and k + 1
    b.y = hm | 0x3fe00000u;
    k += 1;
  } else {
    b.y = hm | 0x3ff00000u;
  }
  precise double f = packDouble2x32(b) - 1.0LF;  // exact (Sterbenz)
  precise double s = f / (2.0LF + f);
  precise double z = s * s;
  precise double R = 2.0LF / 23.0LF;
  R = R * z + 2.0LF / 21.0LF;
  R = R * z + 2.0LF / 19.0LF;
  R = R * z + 2.0LF / 17.0LF;
  R = R * z + 2.0LF / 15.0LF;
  R = R * z + 2.0LF / 13.0LF;
  R = R * z + 2.0LF / 11.0LF;
  R = R * z + 2.0LF / 9.0LF;
  R = R * z + 2.0LF / 7.0LF;
  R = R * z + 2.0LF / 5.0LF;
  R = R * z + 2.0LF / 3.0LF;
  R *= z;
  precise double hfsq = 0.5LF * f * f;
  double dk = double(k);
  double ln2_hi = socd_f64_bits(0x3fe62e42u, 0xfee00000u);
  double ln2_lo = socd_f64_bits(0x3dea39efu, 0x35793c76u);
  precise double l = dk * ln2_hi - ((hfsq - (s * (hfsq + R) + dk * ln2_lo)) - f);
  return l;
}

// log(1 + x) by Goldberg's correction: log(u) * x / (u - 1) with u = 1 + x rounded cancels
// the rounding of u to first order.
double socd_log1p_f64(double x) {
  precise double u = 1.0LF + x;
  if (u == 1.0LF) return x;
  if (u == socd_f64_inf()) return u;
  precise double l = socd_log_f64(u) * (x / (u - 1.0LF));
  return l;
}

// tanh(x) = e / (e + 2) with e = expm1(2|x|), sign restored; 1 once |x| > 22 (tanh rounds to
// 1 there).
double socd_tanh_f64(double x) {
  double a = abs(x);
  double t = 1.0LF;
  if (!(a > 22.0LF)) {  // also NaN
    precise double e = socd_expm1_f64(2.0LF * a);
    t = e / (e + 2.0LF);
  }
  return (unpackDouble2x32(x).y >> 31) != 0u ? -t : t;  // tanh(-0) = -0
}

#endif  // !SOCD_NO_F64
#endif  // SOCD_DOUBLE_MATH_GLSL
