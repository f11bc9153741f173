// Y = cond ? X : Y2 for any dtype (see typed.glsl; X, Y2 and the output share TC), numpy
// broadcasting over up to 6 dims. p1: rank, p2..7: output dims, p8..13 / p14..19 / p20..25:
// cond / X / Y2 strides.
#version 450
#include "common.glsl"
#include "typed.glsl"
layout(local_size_x = 64) in;
layout(constant_id = 0) const int TC = 1;
layout(std430, binding = 0) readonly buffer Cond { uint cnd[]; };
layout(std430, binding = 1) readonly buffer X { uint xs[]; };
layout(std430, binding = 2) readonly buffer Y { uint ys[]; };
layout(std430, binding = 3) buffer C { uint c[]; };
SOCD_DEF_LOAD(load_cond, cnd)
SOCD_DEF_LOAD(load_x, xs)
SOCD_DEF_LOAD(load_y, ys)

uvec2 element(uint i) {
  int rank = PI(1);
  uint rem = i;
  uint ic = 0u, ix = 0u, iy = 0u;
  for (int d = rank - 1; d >= 0; --d) {
    uint dim = uint(PI(2 + d));
    uint q = rem / dim;
    uint idx = rem - q * dim;
    rem = q;
    ic += idx * uint(PI(8 + d));
    ix += idx * uint(PI(14 + d));
    iy += idx * uint(PI(20 + d));
  }
  return load_cond(ic, 9).x != 0u ? load_x(ix, TC) : load_y(iy, TC);
}

SOCD_TYPED_MAIN
