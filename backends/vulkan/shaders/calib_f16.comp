// fp16 calibration: calib.comp's 8 independent FMA chains, each an f16vec2 (packed half math
// where the GPU has it), so one FMA per chain is 4 flops. Needs shaderFloat16; the host skips
// it (peak 0) on devices without.
#version 450
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#include "common.glsl"
layout(local_size_x = 64) in;
layout(std430, binding = 0) writeonly buffer Y { float y[]; };

void main() {
  uint i = flat_id();
  f16vec2 s = f16vec2(float(i & 255u) * 1e-3);
  f16vec2 a0 = s, a1 = s + f16vec2(1.0), a2 = s + f16vec2(2.0), a3 = s + f16vec2(3.0);
  f16vec2 a4 = s + f16vec2(4.0), a5 = s + f16vec2(5.0), a6 = s + f16vec2(6.0);
  f16vec2 a7 = s + f16vec2(7.0);
  const f16vec2 m = f16vec2(0.999), c = f16vec2(1e-3);
  for (int k = 0; k < PI(0); ++k) {
    a0 = fma(a0, m, c); a1 = fma(a1, m, c); a2 = fma(a2, m, c); a3 = fma(a3, m, c);
    a4 = fma(a4, m, c); a5 = fma(a5, m, c); a6 = fma(a6, m, c); a7 = fma(a7, m, c);
  }
  f16vec2 t = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7;
  y[i] = float(t.x) + float(t.y);
}
