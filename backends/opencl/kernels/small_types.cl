// Cast's codecs for the sub-byte types, held one element per byte as everywhere in socd
// (graph/minifloat.h): float8 e4m3fn/e4m3fnuz/e5m2/e5m2fnuz and float4 e2m1 (a code in the low
// bits), float8 e8m0, int4/uint4/int2/uint2 (int4/int2 sign-extended). Pure value functions;
// typed.cl loads and stores with them (this file sorts before it, so the program sees these
// first). Ports of graph/minifloat.cc (the CPU reference), in integer arithmetic on float32
// bits so nothing depends on denormal or NaN-payload handling.

// One minifloat format: exponent/mantissa bits, bias, largest finite magnitude code, and how
// it spells specials: 0 e4m3fn (NaN S.1111.111, no inf), 1 fnuz (NaN 0x80, no -0, no inf),
// 2 e5m2 (IEEE inf and NaN), 3 e2m1 (no inf or NaN).
typedef struct {
  int e, m, bias, kind;
  uint maxc;
} socd_mini_t;

inline socd_mini_t mini_fmt(int t) {
  socd_mini_t f;
  switch (t) {
    case 17: f.e = 4; f.m = 3; f.bias = 7; f.maxc = 0x7eu; f.kind = 0; break;   // max 448
    case 18: f.e = 4; f.m = 3; f.bias = 8; f.maxc = 0x7fu; f.kind = 1; break;   // max 240
    case 19: f.e = 5; f.m = 2; f.bias = 15; f.maxc = 0x7bu; f.kind = 2; break;  // max 57344
    case 20: f.e = 5; f.m = 2; f.bias = 16; f.maxc = 0x7fu; f.kind = 1; break;  // max 57344
    default: f.e = 2; f.m = 1; f.bias = 1; f.maxc = 0x7u; f.kind = 3;           // e2m1, max 6
  }
  return f;
}

inline bool is_mini(int t) { return t == 17 || t == 18 || t == 19 || t == 20 || t == 23; }
inline bool is_subint(int t) { return t == 21 || t == 22 || t == 25 || t == 26; }
inline float pow2_f(int k) { return as_float((uint)(k + 127) << 23); }  // -126..127
inline float nan_f(uint sign) { return as_float(0x7fc00000u | (sign << 31)); }

inline float mini_to_f(uint c, int t) {
  socd_mini_t f = mini_fmt(t);
  int sb = f.e + f.m;  // the sign bit's position
  uint sign = (c >> sb) & 1u, mag = c & ((1u << sb) - 1u);
  uint ef = mag >> f.m, mf = mag & ((1u << f.m) - 1u);
  if (f.kind == 1 && c == 0x80u) return nan_f(0u);
  if (f.kind == 0 && mag == 0x7fu) return nan_f(sign);
  if (f.kind == 2 && ef == 31u)
    return mf == 0u ? as_float((sign << 31) | 0x7f800000u) : nan_f(sign);
  float v = (float)(ef == 0u ? mf : (mf | (1u << f.m))) * pow2_f(max((int)ef, 1) - f.bias - f.m);
  return sign ? -v : v;
}

// Round to nearest even at the format's precision (the subnormal quantum below its smallest
// normal); past the largest finite value: the maximum with saturate (always for e2m1), else
// inf (e5m2) or NaN. NaN in: the format's NaN; e2m1, which has none, gives the zero of the
// opposite sign as ml_dtypes (ONNX's reference) does.
inline uint f_to_mini(float v, int t, bool saturate) {
  socd_mini_t f = mini_fmt(t);
  uint x = as_uint(v);
  uint sign = (x >> 31) << (f.e + f.m);
  uint a = x & 0x7fffffffu;
  uint nan = f.kind == 1 ? 0x80u : (sign | (f.kind == 2 ? 0x7eu : 0x7fu));
  if (a > 0x7f800000u) return f.kind == 3 ? (sign ^ 0x8u) : nan;
  uint over = (saturate || f.kind == 3) ? (sign | f.maxc) : (f.kind == 2 ? (sign | 0x7cu) : nan);
  if (a == 0x7f800000u) return over;
  uint q = 0u;
  int emin = 1 - f.bias, e = emin;
  if (a >= 0x00800000u) {  // float32 subnormals are far below every format's quantum
    int ef = (int)(a >> 23) - 127;
    e = max(ef, emin);
    int shift = 23 + e - f.m - ef;  // quantum 2^(e - m) in units of a's last bit; >= 20
    if (shift <= 25) {
      uint mant = (a & 0x7fffffu) | 0x800000u;
      q = mant >> shift;
      uint rem = mant & ((1u << shift) - 1u), half_ = 1u << (shift - 1);
      if (rem > half_ || (rem == half_ && (q & 1u) != 0u)) q += 1u;
    }
  }
  if (q == 0u) return f.kind == 1 ? 0u : sign;  // fnuz has no negative zero
  // q counts quanta at exponent e: codes are monotonic in magnitude, and a carry out of the
  // mantissa lands in the exponent field by itself.
  uint code = ((uint)(e - emin) << f.m) + q;
  return code > f.maxc ? over : (sign | code);
}

// float8 e8m0: 2^(code - 127), 0xff NaN; code 0 is a float32 subnormal, so built from bits.
inline float e8m0_to_f(uint c) {
  if (c == 0xffu) return nan_f(0u);
  return as_float(c == 0u ? 0x00400000u : c << 23);
}

// onnx.numpy_helper.to_float8e8m0: the float32 exponent field, rounded by the mantissa per
// round_mode (sign ignored; NaN and inf give 0xff).
inline uint f_to_e8m0(float v, bool saturate, int mode) {
  uint b = as_uint(v);
  uint ex = (b >> 23) & 0xffu;
  if (ex == 0xffu) return 0xffu;
  bool up = false;
  if (mode == 2)
    up = (b & 0x400000u) != 0u && ((b & 0x3fffffu) != 0u || ex > 0u);
  else if (mode == 0)
    up = (b & 0x7fffffu) != 0u;
  if (up && saturate && ex == 0xfeu) up = false;
  return ex + (up ? 1u : 0u);
}

// int4/uint4/int2/uint2: the low 4 or 2 bits, sign-extended into the byte for int4/int2.
inline uchar wrap_subint(long v, int t) {
  int bits = (t == 21 || t == 22) ? 4 : 2;
  uint low = (uint)v & ((1u << bits) - 1u);
  if ((t == 22 || t == 26) && (low >> (bits - 1)) != 0u) low |= 0xffu << bits;
  return (uchar)low;
}

// From a float: truncated toward zero, low bits kept; NaN, inf and |v| >= 9.2e18 give 0.
inline uchar f_to_subint(float v, int t) { return fabs(v) < 9.2e18f ? wrap_subint((long)v, t) : 0; }

// float8/float4/e8m0 as a float (int4/int2 and uint4/uint2 load as char/uchar in ld_i).
inline float small_to_f(uchar c, int t) { return t == 24 ? e8m0_to_f(c) : mini_to_f(c, t); }

