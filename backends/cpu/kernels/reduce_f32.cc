// float32 Reduce* hot loops: contiguous runs reduce with eight-lane accumulators, and rows that
// are kept accumulate into the output vector by vector.
#include "backends/cpu/kernels/reduce_plan.h"
#include "backends/cpu/kernels/reduce_vec.h"
#include "backends/cpu/simd.h"

namespace socd::cpu::reduce_impl {

using reduce_vec::V8;

// ---- float32 hot loops; map: 0 identity, 1 |x|, 2 x*x ----

SOCD_HOT_LOOP float RowSumF32(const float* x, int64_t n, int map) {
  V8 a0{}, a1{};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    V8 v0 = reduce_vec::At(x + i).v, v1 = reduce_vec::At(x + i + 8).v;
    if (map == 1) {
      reduce_vec::AbsInPlace(v0);
      reduce_vec::AbsInPlace(v1);
    } else if (map == 2) {
      v0 *= v0;
      v1 *= v1;
    }
    a0 += v0;
    a1 += v1;
  }
  if (i + 8 <= n) {
    V8 v = reduce_vec::At(x + i).v;
    if (map == 1)
      reduce_vec::AbsInPlace(v);
    else if (map == 2)
      v *= v;
    a0 += v;
    i += 8;
  }
  a0 += a1;
  float s = reduce_vec::HSum(a0);
  for (; i < n; ++i) s += map == 0 ? x[i] : map == 1 ? std::fabs(x[i]) : x[i] * x[i];
  return s;
}

SOCD_HOT_LOOP float RowMaxMinF32(const float* x, int64_t n, bool is_max) {
  float s = is_max ? -INFINITY : INFINITY;
  int64_t i = 0;
  if (n >= 8) {
    V8 a = reduce_vec::At(x).v;
    for (i = 8; i + 8 <= n; i += 8) {
      V8 v = reduce_vec::At(x + i).v;
      if (is_max)
        reduce_vec::MaxInto(a, v);
      else
        reduce_vec::MinInto(a, v);
    }
    s = is_max ? reduce_vec::HMax(a) : reduce_vec::HMin(a);
  }
  for (; i < n; ++i) s = is_max ? (x[i] > s ? x[i] : s) : (x[i] < s ? x[i] : s);
  return s;
}

// acc[i] = comb(acc[i], map(x[i])); comb: 0 sum, 1 max, 2 min.
SOCD_HOT_LOOP void ColAccF32(float* acc, const float* x, int64_t n, int map, int comb) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    V8 v = reduce_vec::At(x + i).v, a = reduce_vec::At(acc + i).v;
    if (comb == 0) {
      if (map == 1)
        reduce_vec::AbsInPlace(v);
      else if (map == 2)
        v *= v;
      a += v;
    } else if (comb == 1) {
      reduce_vec::MaxInto(a, v);
    } else {
      reduce_vec::MinInto(a, v);
    }
    reduce_vec::At(acc + i).v = a;
  }
  for (; i < n; ++i) {
    float v = x[i];
    if (comb == 0)
      acc[i] += map == 0 ? v : map == 1 ? std::fabs(v) : v * v;
    else if (comb == 1)
      acc[i] = v > acc[i] ? v : acc[i];
    else
      acc[i] = v < acc[i] ? v : acc[i];
  }
}

// float32 ops that are a sum of a map (or max/min) plus a final transform.
template <Op op>
void RunF32Op(const Plan& p, const float* x, float* y, ThreadPool* pool) {
  using P = Policy<op, float>;
  constexpr int map = op == Op::kL1 ? 1 : (op == Op::kL2 || op == Op::kSumSquare) ? 2 : 0;
  constexpr int comb = op == Op::kMax ? 1 : op == Op::kMin ? 2 : 0;
  if (p.row_mode) {
    Parallel(pool, p.obase.size(), p.count, [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) {
        float acc = P::Init();
        for (int64_t r = 0; r < p.roff.size(); ++r) {
          const float* s = x + p.obase[o] + p.roff[r];
          float v = comb == 0 ? RowSumF32(s, p.inner, map) : RowMaxMinF32(s, p.inner, comb == 1);
          acc = P::Comb(acc, v);
        }
        y[o] = P::Final(acc, p.count);
      }
    });
    return;
  }
  const int64_t blocks = (p.inner + kColBlock - 1) / kColBlock;
  Parallel(pool, p.obase.size() * blocks, p.count * std::min(p.inner, kColBlock),
           [&](int64_t b, int64_t e) {
             for (int64_t t = b; t < e; ++t) {
               int64_t o = t / blocks, i0 = (t % blocks) * kColBlock;
               int64_t len = std::min(kColBlock, p.inner - i0);
               float* acc = y + o * p.inner + i0;  // the output doubles as the accumulator
               std::fill(acc, acc + len, P::Init());
               for (int64_t r = 0; r < p.roff.size(); ++r)
                 ColAccF32(acc, x + p.obase[o] + p.roff[r] + i0, len, map, comb);
               if constexpr (op != Op::kSum && op != Op::kMax && op != Op::kMin && op != Op::kL1 &&
                             op != Op::kSumSquare) {
                 for (int64_t i = 0; i < len; ++i) acc[i] = P::Final(acc[i], p.count);
               }
             }
           });
}

void RunF32(Op op, const Plan& p, const float* x, float* y, ThreadPool* pool) {
  switch (op) {
    case Op::kSum:
      return RunF32Op<Op::kSum>(p, x, y, pool);
    case Op::kMean:
      return RunF32Op<Op::kMean>(p, x, y, pool);
    case Op::kMax:
      return RunF32Op<Op::kMax>(p, x, y, pool);
    case Op::kMin:
      return RunF32Op<Op::kMin>(p, x, y, pool);
    case Op::kL1:
      return RunF32Op<Op::kL1>(p, x, y, pool);
    case Op::kL2:
      return RunF32Op<Op::kL2>(p, x, y, pool);
    case Op::kLogSum:
      return RunF32Op<Op::kLogSum>(p, x, y, pool);
    case Op::kSumSquare:
      return RunF32Op<Op::kSumSquare>(p, x, y, pool);
    default:
      return;  // Prod and LogSumExp take the generic paths
  }
}

}  // namespace socd::cpu::reduce_impl
