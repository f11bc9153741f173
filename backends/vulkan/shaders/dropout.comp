// Training-mode Dropout (float32): y = keep ? x * scale : 0 and the bool keep-mask, keep drawn
// from numpy's legacy MT19937 stream for the node's seed exactly as the CPU backend's
// NumpyUniform (backends/cpu/kernels/tensor.cc) and ONNX's reference draw it: element k takes
// draws 2k and 2k+1 as u = ((d0 >> 5) * 2^26 + (d1 >> 6)) / 2^53 and keeps u >= ratio, tested
// in integers as (d0 >> 5) * 2^26 + (d1 >> 6) >= ceil(ratio * 2^53), so no double is needed.
//
// MT19937 is one sequential stream, so ONE workgroup walks it (the host dispatches exactly
// one): init_genrand by invocation 0, then per round of 624 draws a twist in three parallel
// phases (new[i] needs old[i], old[i+1] and new[i-227] for i >= 227, hence [0,227),
// [227,454), [454,624)) into the other half of a ping-pong state, then 78 invocations each
// temper 8 draws and write 4 elements: 4 words of y and one whole word of the mask. The
// alternative, the host generating the mask into a buffer, would split the partition's
// command buffer at every Dropout and copy the mask in; one workgroup is slow for a GPU but
// keeps the partition on the device, and training-mode Dropout is rare in served models.
// Constants: keep in step with kernels/dropout.cl (OpenCL C cannot include GLSL).
// p0: elements, p1: seed, p2/p3: threshold high/low words, p4: scale (float bits).
// HAS_MASK: the mask output exists (binding 2; otherwise binding 2 is y again, unused).
#version 450
#include "common.glsl"
layout(local_size_x = 64) in;
layout(constant_id = 0) const int HAS_MASK = 1;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
layout(std430, binding = 2) buffer M { uint m[]; };

#define SOCD_MT_N 624u
#define SOCD_MT_M 397u
#define SOCD_MT_MATRIX_A 0x9908b0dfu
#define SOCD_MT_UPPER 0x80000000u
#define SOCD_MT_LOWER 0x7fffffffu
#define SOCD_MT_INIT_MULT 1812433253u

shared uint mt[2u * SOCD_MT_N];  // ping-pong halves: the state before and after a twist

uint temper(uint v) {
  v ^= v >> 11;
  v ^= (v << 7) & 0x9d2c5680u;
  v ^= (v << 15) & 0xefc60000u;
  return v ^ (v >> 18);
}

// New word i of the twist from the old half (o) and the new half (w).
uint twisted(uint o, uint w, uint i) {
  uint nxt = i + 1u < SOCD_MT_N ? mt[o + i + 1u] : mt[w];  // word 623 pairs with the new word 0
  uint v = (mt[o + i] & SOCD_MT_UPPER) | (nxt & SOCD_MT_LOWER);
  uint far = i < SOCD_MT_N - SOCD_MT_M ? mt[o + i + SOCD_MT_M] : mt[w + i + SOCD_MT_M - SOCD_MT_N];
  return far ^ (v >> 1) ^ ((v & 1u) != 0u ? SOCD_MT_MATRIX_A : 0u);
}

bool keep_of(uint d0, uint d1) {
  uint a = d0 >> 5, b = d1 >> 6;  // 27 and 26 bits: k = a * 2^26 + b < 2^53
  uint hi = a >> 6, lo = (a << 26) | b;
  uint thi = uint(PI(2)), tlo = uint(PI(3));
  return hi > thi || (hi == thi && lo >= tlo);
}

void main() {
  uint lid = gl_LocalInvocationID.x;
  uint n = uint(PI(0));
  if (lid == 0u) {
    uint s = uint(PI(1));
    mt[0] = s;
    for (uint i = 1u; i < SOCD_MT_N; ++i) {
      s = SOCD_MT_INIT_MULT * (s ^ (s >> 30)) + i;
      mt[i] = s;
    }
  }
  memoryBarrierShared();
  barrier();
  float scale = PF(4);
  uint rounds = (n + SOCD_MT_N / 2u - 1u) / (SOCD_MT_N / 2u);
  for (uint round = 0u; round < rounds; ++round) {
    uint o = (round & 1u) * SOCD_MT_N, w = SOCD_MT_N - o;
    for (uint i = lid; i < SOCD_MT_N - SOCD_MT_M; i += 64u) mt[w + i] = twisted(o, w, i);
    memoryBarrierShared();
    barrier();
    for (uint i = SOCD_MT_N - SOCD_MT_M + lid; i < 2u * (SOCD_MT_N - SOCD_MT_M); i += 64u)
      mt[w + i] = twisted(o, w, i);
    memoryBarrierShared();
    barrier();
    for (uint i = 2u * (SOCD_MT_N - SOCD_MT_M) + lid; i < SOCD_MT_N; i += 64u)
      mt[w + i] = twisted(o, w, i);
    memoryBarrierShared();
    barrier();
    // 312 elements, 4 per invocation: whole words of the bool mask.
    for (uint g = lid; g < SOCD_MT_N / 8u; g += 64u) {
      uint first = round * (SOCD_MT_N / 2u) + 4u * g;
      if (first >= n) break;
      uint word = 0u;
      for (uint e = 0u; e < 4u; ++e) {
        uint k = first + e;
        if (k >= n) break;
        bool keep = keep_of(temper(mt[w + 8u * g + 2u * e]), temper(mt[w + 8u * g + 2u * e + 1u]));
        y[k] = keep ? x[k] * scale : 0.0;
        if (keep) word |= 1u << (8u * e);
      }
      if (HAS_MASK != 0) {
        uint wi = first / 4u;
        if (first + 4u > n) {  // a last partial word keeps the bytes past the tensor's end
          uint valid = (n - first) * 8u;
          word = (m[wi] & ~((1u << valid) - 1u)) | word;
        }
        m[wi] = word;
      }
    }
    // The next round's twist overwrites the half these draws were read from.
    memoryBarrierShared();
    barrier();
  }
}
