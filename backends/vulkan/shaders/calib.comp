// Calibration: 8 independent FMA chains per invocation (p0 iterations), so the measured time
// is arithmetic throughput rather than latency. The sum is written so nothing is optimised away.
#version 450
#include "common.glsl"
layout(local_size_x = 64) in;
layout(std430, binding = 0) writeonly buffer Y { float y[]; };

void main() {
  uint i = flat_id();
  float s = float(i) * 1e-7;
  float a0 = s, a1 = s + 1.0, a2 = s + 2.0, a3 = s + 3.0;
  float a4 = s + 4.0, a5 = s + 5.0, a6 = s + 6.0, a7 = s + 7.0;
  const float m = 0.999999, c = 1e-6;
  for (int k = 0; k < PI(0); ++k) {
    a0 = fma(a0, m, c); a1 = fma(a1, m, c); a2 = fma(a2, m, c); a3 = fma(a3, m, c);
    a4 = fma(a4, m, c); a5 = fma(a5, m, c); a6 = fma(a6, m, c); a7 = fma(a7, m, c);
  }
  y[i] = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7;
}
