// Calibration of memory bandwidth: a plain vec4 copy (p0 vec4 count) in a grid-stride loop, no
// index arithmetic, few workgroups: the time is the memory system's, not socd's strided copy
// kernel's nor (on lavapipe, where each workgroup is a function call) per-workgroup overhead.
#version 450
#include "common.glsl"
layout(local_size_x = 64) in;
layout(std430, binding = 0) readonly buffer X { vec4 x[]; };
layout(std430, binding = 1) writeonly buffer Y { vec4 y[]; };

void main() {
  const uint n = uint(PI(0));
  const uint stride = gl_NumWorkGroups.x * gl_NumWorkGroups.y * gl_WorkGroupSize.x;
  for (uint i = flat_id(); i < n; i += stride) y[i] = x[i];
}
