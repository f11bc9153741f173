// ReduceSum/Mean/Max/Min/Prod/L1/L2/LogSum/LogSumExp/SumSquare over any set of axes: one
// invocation per output element walks the reduced elements. p0: outputs, p1: kept rank,
// p2..7: kept dims, p8..13: their input strides, p14: reduced rank, p15..20: reduced dims,
// p21..26: their input strides, p27: reduced count. The operator is a specialization constant.
#version 450
#include "common.glsl"
layout(local_size_x = 64) in;
layout(constant_id = 0) const int OP = 0;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };

float value_at(uint base, uint r) {
  uint off = base;
  for (int d = PI(14) - 1; d >= 0; --d) {
    uint dim = uint(PI(15 + d));
    uint q = r / dim;
    off += (r - q * dim) * uint(PI(21 + d));
    r = q;
  }
  return x[off];
}

void main() {
  uint i = flat_id();
  if (i >= uint(PI(0))) return;
  uint rem = i, base = 0u;
  for (int d = PI(1) - 1; d >= 0; --d) {
    uint dim = uint(PI(2 + d));
    uint q = rem / dim;
    base += (rem - q * dim) * uint(PI(8 + d));
    rem = q;
  }
  uint count = uint(PI(27));
  float acc;
  if (OP == 2 || OP == 8) acc = -1.0 / 0.0;  // max, and logsumexp's running max
  else if (OP == 3) acc = 1.0 / 0.0;
  else if (OP == 4) acc = 1.0;
  else acc = 0.0;
  for (uint r = 0u; r < count; ++r) {
    float v = value_at(base, r);
    switch (OP) {
      case 2: case 8: acc = (isnan(v) || v > acc) ? v : acc; break;
      case 3: acc = (isnan(v) || v < acc) ? v : acc; break;
      case 4: acc *= v; break;
      case 5: acc += abs(v); break;
      case 6: case 9: acc += v * v; break;
      default: acc += v; break;
    }
  }
  if (OP == 8 && count > 0u && !isinf(acc)) {
    // logsumexp = max + log(sum(exp(x - max))): stable for large inputs.
    float s = 0.0;
    for (uint r = 0u; r < count; ++r) s += exp(value_at(base, r) - acc);
    acc += log(s);
  }
  if (OP == 1) acc /= float(count);
  if (OP == 6) acc = sqrt(acc);
  if (OP == 7) acc = log(acc);
  y[i] = acc;
}
