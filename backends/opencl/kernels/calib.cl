// Calibration kernels for Backend::info(): arithmetic peak (independent FMA chains, no memory
// traffic) and streaming bandwidth (read one buffer, write another).
__kernel void calib_fma(__global float* y, int iters, float s) {
  int i = get_global_id(0);
  float a0 = i * 1e-7f, a1 = a0 + 1.0f, a2 = a0 + 2.0f, a3 = a0 + 3.0f;
  float a4 = a0 + 4.0f, a5 = a0 + 5.0f, a6 = a0 + 6.0f, a7 = a0 + 7.0f;
  for (int k = 0; k < iters; ++k) {
    a0 = fma(a0, s, 1e-3f); a1 = fma(a1, s, 1e-3f); a2 = fma(a2, s, 1e-3f);
    a3 = fma(a3, s, 1e-3f); a4 = fma(a4, s, 1e-3f); a5 = fma(a5, s, 1e-3f);
    a6 = fma(a6, s, 1e-3f); a7 = fma(a7, s, 1e-3f);
  }
  y[i] = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7;
}

__kernel void calib_copy(__global const float4* x, __global float4* y) {
  int i = get_global_id(0);
  y[i] = x[i] * 1.0001f;
}

// Launch overhead: an empty-ish kernel.
__kernel void calib_noop(__global float* y) {
  if (get_global_id(0) == 0) y[0] = 1.0f;
}

// fp16 arithmetic peak: calib_fma's chains as half2 (4 flops per FMA). Only on devices with
// cl_khr_fp16; the host reports 0 elsewhere.
#ifdef cl_khr_fp16
#pragma OPENCL EXTENSION cl_khr_fp16 : enable
__kernel void calib_fma_f16(__global float* y, int iters, float s) {
  int i = get_global_id(0);
  half2 a0 = (half2)((half)((i & 255) * 1e-3f)), a1 = a0 + (half2)1.0h, a2 = a0 + (half2)2.0h;
  half2 a3 = a0 + (half2)3.0h, a4 = a0 + (half2)4.0h, a5 = a0 + (half2)5.0h;
  half2 a6 = a0 + (half2)6.0h, a7 = a0 + (half2)7.0h;
  const half2 m = (half2)((half)s), c = (half2)((half)1e-3f);
  for (int k = 0; k < iters; ++k) {
    a0 = fma(a0, m, c); a1 = fma(a1, m, c); a2 = fma(a2, m, c); a3 = fma(a3, m, c);
    a4 = fma(a4, m, c); a5 = fma(a5, m, c); a6 = fma(a6, m, c); a7 = fma(a7, m, c);
  }
  half2 t = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7;
  y[i] = (float)t.x + (float)t.y;
}
#endif
