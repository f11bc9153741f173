// Training-mode Dropout (float32): y = keep ? x * scale : 0 and the bool keep-mask, keep drawn
// from numpy's legacy MT19937 stream for the node's seed exactly as the CPU backend's
// NumpyUniform (backends/cpu/kernels/tensor.cc) and ONNX's reference draw it: element k takes
// draws 2k and 2k+1 as u = ((d0 >> 5) * 2^26 + (d1 >> 6)) / 2^53 and keeps u >= ratio, tested
// in integers as (d0 >> 5) * 2^26 + (d1 >> 6) >= threshold = ceil(ratio * 2^53).
//
// MT19937 is one sequential stream, so ONE work-group walks it (the host launches exactly
// one): init_genrand by work-item 0, then per round of 624 draws a twist in three parallel
// phases (new[i] needs old[i], old[i+1] and new[i-227] for i >= 227, hence [0,227),
// [227,454), [454,624)) into the other half of a ping-pong state, then each work-item tempers
// 8 draws and writes 4 elements. The host generating the mask instead would split the
// partition's queue at every Dropout and copy the mask in; one work-group is slow for a GPU
// but keeps the partition on the device, and training-mode Dropout is rare in served models.
// Constants: keep in step with the Vulkan backend's shaders/dropout.comp (GLSL cannot include
// OpenCL C, nor this file GLSL).
#define SOCD_MT_N 624u
#define SOCD_MT_M 397u
#define SOCD_MT_MATRIX_A 0x9908b0dfu
#define SOCD_MT_UPPER 0x80000000u
#define SOCD_MT_LOWER 0x7fffffffu
#define SOCD_MT_INIT_MULT 1812433253u

inline uint mt_temper(uint v) {
  v ^= v >> 11;
  v ^= (v << 7) & 0x9d2c5680u;
  v ^= (v << 15) & 0xefc60000u;
  return v ^ (v >> 18);
}

// New word i of the twist from the old half o and the new half w.
inline uint mt_twisted(__local const uint* o, __local const uint* w, uint i) {
  uint nxt = i + 1u < SOCD_MT_N ? o[i + 1u] : w[0];  // word 623 pairs with the new word 0
  uint v = (o[i] & SOCD_MT_UPPER) | (nxt & SOCD_MT_LOWER);
  uint far = i < SOCD_MT_N - SOCD_MT_M ? o[i + SOCD_MT_M] : w[i + SOCD_MT_M - SOCD_MT_N];
  return far ^ (v >> 1) ^ ((v & 1u) ? SOCD_MT_MATRIX_A : 0u);
}

// mask may be null (no mask output). threshold: ceil(ratio * 2^53).
__kernel void dropout_f32(__global const float* x, __global float* y, __global uchar* mask, int n,
                          uint seed, ulong threshold, float scale) {
  __local uint mt[2 * SOCD_MT_N];
  const uint lid = get_local_id(0), lsz = get_local_size(0);
  if (lid == 0) {
    uint s = seed;
    mt[0] = s;
    for (uint i = 1; i < SOCD_MT_N; ++i) {
      s = SOCD_MT_INIT_MULT * (s ^ (s >> 30)) + i;
      mt[i] = s;
    }
  }
  barrier(CLK_LOCAL_MEM_FENCE);
  const uint half_n = SOCD_MT_N / 2;
  const uint rounds = ((uint)n + half_n - 1) / half_n;
  for (uint round = 0; round < rounds; ++round) {
    __local uint* o = mt + (round & 1u) * SOCD_MT_N;
    __local uint* w = mt + SOCD_MT_N - (round & 1u) * SOCD_MT_N;
    for (uint i = lid; i < SOCD_MT_N - SOCD_MT_M; i += lsz) w[i] = mt_twisted(o, w, i);
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint i = SOCD_MT_N - SOCD_MT_M + lid; i < 2 * (SOCD_MT_N - SOCD_MT_M); i += lsz)
      w[i] = mt_twisted(o, w, i);
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint i = 2 * (SOCD_MT_N - SOCD_MT_M) + lid; i < SOCD_MT_N; i += lsz)
      w[i] = mt_twisted(o, w, i);
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint g = lid; g < SOCD_MT_N / 8; g += lsz) {
      for (uint e = 0; e < 4; ++e) {
        uint k = round * half_n + 4 * g + e;
        if (k >= (uint)n) break;
        ulong a = mt_temper(w[8 * g + 2 * e]) >> 5, b = mt_temper(w[8 * g + 2 * e + 1]) >> 6;
        bool keep = ((a << 26) | b) >= threshold;
        y[k] = keep ? x[k] * scale : 0.0f;
        if (mask) mask[k] = keep ? 1 : 0;
      }
    }
    // The next round's twist overwrites the half these draws were read from.
    barrier(CLK_LOCAL_MEM_FENCE);
  }
}
