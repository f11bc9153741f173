// Y = f(X) elementwise; the operator is a specialization constant so each op compiles to its
// own straight-line pipeline. p0: count, p1/p2: alpha/beta (float bits).
#version 450
#include "common.glsl"
layout(local_size_x = 64) in;
layout(constant_id = 0) const int OP = 0;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };

#include "unary_ops.glsl"

void main() {
  uint i = flat_id();
  if (i >= uint(PI(0))) return;
  y[i] = unary_apply(OP, x[i], PF(1), PF(2));
}
