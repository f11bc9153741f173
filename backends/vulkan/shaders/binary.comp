// C = A op B with numpy broadcasting over up to 6 dims. p0: count, p1: rank,
// p2..7: output dims, p8..13: A strides (0 where broadcast), p14..19: B strides.
// The operator is a specialization constant.
#version 450
#include "common.glsl"
layout(local_size_x = 64) in;
layout(constant_id = 0) const int OP = 0;
layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 1) readonly buffer B { float b[]; };
layout(std430, binding = 2) writeonly buffer C { float c[]; };

float apply(float x, float y) {
  switch (OP) {
    case 0: return x + y;
    case 1: return x - y;
    case 2: return x * y;
    case 3: return x / y;
    case 4: return max(x, y);
    case 5: return min(x, y);
    case 6: {  // Pow: integral exponents of negative bases are defined
      if (y == floor(y)) {
        float r = pow(abs(x), y);
        return (x < 0.0 && mod(y, 2.0) != 0.0) ? -r : r;
      }
      return pow(x, y);
    }
    case 7: return x >= 0.0 ? x : x * y;  // PRelu
    case 8: return (x - y) * (x - y);     // squared difference
    default: return x;
  }
}

void main() {
  uint i = flat_id();
  if (i >= uint(PI(0))) return;
  int rank = PI(1);
  uint rem = i;
  uint ia = 0, ib = 0;
  for (int d = rank - 1; d >= 0; --d) {
    uint dim = uint(PI(2 + d));
    uint q = rem / dim;
    uint idx = rem - q * dim;
    rem = q;
    ia += idx * uint(PI(8 + d));
    ib += idx * uint(PI(14 + d));
  }
  c[i] = apply(a[ia], b[ib]);
}
