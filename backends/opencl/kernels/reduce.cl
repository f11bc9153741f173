// Reduce* (float32): one work-item per output element. Kept and reduced axes are each given
// as up to 8 right-aligned dims with input strides (bcast_offset decomposes an index over
// them). Op codes: keep in step with cl_ops_reduce.cc.
__kernel void reduce_f32(__global const float* x, __global float* y, int n, int op, int8 kd,
                         int8 ks, int8 rd, int8 rs, int count) {
  int i = get_global_id(0);
  if (i >= n) return;
  int base = bcast_offset(i, kd, ks);
  float acc = 0.0f;
  if (op == 2 || op == 8) acc = -INFINITY;
  else if (op == 3) acc = INFINITY;
  else if (op == 4) acc = 1.0f;
  for (int r = 0; r < count; ++r) {
    float v = x[base + bcast_offset(r, rd, rs)];
    switch (op) {
      case 2: case 8: acc = (isnan(v) || v > acc) ? v : acc; break;
      case 3: acc = (isnan(v) || v < acc) ? v : acc; break;
      case 4: acc *= v; break;
      case 5: acc += fabs(v); break;
      case 6: case 9: acc += v * v; break;
      default: acc += v; break;
    }
  }
  if (op == 8 && count > 0 && !isinf(acc)) {
    // logsumexp = max + log(sum(exp(x - max))): stable for large inputs.
    float s = 0.0f;
    for (int r = 0; r < count; ++r) s += exp(x[base + bcast_offset(r, rd, rs)] - acc);
    acc += log(s);
  }
  if (op == 1) acc /= (float)count;
  if (op == 6) acc = sqrt(acc);
  if (op == 7) acc = log(acc);
  y[i] = acc;
}
