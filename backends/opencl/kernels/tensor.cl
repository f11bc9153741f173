// Data movement, for any element type by size (suffix _1/_2/_4/_8): strided copy (Transpose,
// Slice, Expand, Split, reshape copies), concatenation, Gather.

// y[i] = x[xoff + sum_d coord_d(i) * sx_d] over right-aligned dims; rank 0: contiguous.
#define STRIDED_COPY(S, T)                                                                  \
  __kernel void strided_copy_##S(__global const T* x, __global T* y, int n, int rank,       \
                                 int8 dims, int8 sx, int xoff) {                            \
    int i = get_global_id(0);                                                               \
    if (i >= n) return;                                                                     \
    y[i] = x[xoff + (rank == 0 ? i : bcast_offset(i, dims, sx))];                           \
  }

// x (outer rows of `in_row` elements) goes to y rows of `out_row` elements at `off`.
#define CONCAT_COPY(S, T)                                                                   \
  __kernel void concat_copy_##S(__global const T* x, __global T* y, int n, int in_row,      \
                                int out_row, int off) {                                     \
    int i = get_global_id(0);                                                               \
    if (i >= n) return;                                                                     \
    y[(size_t)(i / in_row) * out_row + off + (i % in_row)] = x[i];                          \
  }

// Gather along an axis: x viewed as [outer, axis_len, inner], indices flattened (nidx).
// Out-of-range indices (an error in ONNX) read element 0 of the axis instead of memory
// outside the tensor.
#define GATHER(S, T, IS, IT)                                                                \
  __kernel void gather_##S##_##IS(__global const T* x, __global const IT* idx, __global T* y, \
                                  int n, int nidx, int inner, int axis_len) {               \
    int i = get_global_id(0);                                                               \
    if (i >= n) return;                                                                     \
    int r = i % inner;                                                                      \
    int t = i / inner;                                                                      \
    int j = t % nidx;                                                                       \
    int o = t / nidx;                                                                       \
    long k = idx[j];                                                                        \
    if (k < 0) k += axis_len;                                                               \
    if (k < 0 || k >= axis_len) k = 0;                                                      \
    y[i] = x[((size_t)o * axis_len + k) * inner + r];                                       \
  }

#define MOVE_KERNELS(S, T) \
  STRIDED_COPY(S, T)       \
  CONCAT_COPY(S, T)        \
  GATHER(S, T, i32, int)   \
  GATHER(S, T, i64, long)

MOVE_KERNELS(1, uchar)
MOVE_KERNELS(2, ushort)
MOVE_KERNELS(4, uint)
MOVE_KERNELS(8, ulong)

// Separable Resize over the last two dims: output (oh, ow) is the sum over nh x nw taps of
// x[plane, hidx, widx] * hw * ww (tap tables computed on the host exactly as the CPU backend
// does: coordinate transformation, nearest rounding, linear/cubic/antialiased weights). A tap
// index of -1 marks a position outside tf_crop_and_resize's crop: as in the ONNX reference,
// an extrapolated row is `ev` itself and an extrapolated column weighs `ev` per row.
__kernel void resize2d_f32(__global const float* x, __global float* y, __global const int* hidx,
                           __global const float* hw, __global const int* widx,
                           __global const float* ww, int total, int H, int W, int OH, int OW,
                           int nh, int nw, float ev) {
  int i = get_global_id(0);
  if (i >= total) return;
  int ow = i % OW;
  int t = i / OW;
  int oh = t % OH;
  int plane = t / OH;
  if (hidx[oh * nh] < 0) {
    y[i] = ev;
    return;
  }
  int col_out = widx[ow * nw] < 0;
  __global const float* xp = x + (size_t)plane * H * W;
  float acc = 0.0f;
  for (int a = 0; a < nh; ++a) {
    int ih = hidx[oh * nh + a];
    float v = 0.0f;
    if (col_out) {
      v = ev;
    } else {
      for (int b = 0; b < nw; ++b) v += ww[ow * nw + b] * xp[ih * W + widx[ow * nw + b]];
    }
    acc += hw[oh * nh + a] * v;
  }
  y[i] = acc;
}

// Dropout's inference mask (all true) and other byte fills.
__kernel void fill_u8(__global uchar* y, int n, uchar v) {
  int i = get_global_id(0);
  if (i < n) y[i] = v;
}

__kernel void fill_u32(__global uint* y, int n, uint v) {
  int i = get_global_id(0);
  if (i < n) y[i] = v;
}
