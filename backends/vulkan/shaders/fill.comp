// Fills p0 32-bit words with the bit pattern p1 (Dropout's all-true mask: 0x01010101).
#version 450
#include "common.glsl"
layout(local_size_x = 64) in;
layout(std430, binding = 0) writeonly buffer Y { uint y[]; };

void main() {
  uint i = flat_id();
  if (i >= uint(PI(0))) return;
  y[i] = uint(PI(1));
}
