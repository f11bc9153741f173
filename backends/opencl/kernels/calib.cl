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
