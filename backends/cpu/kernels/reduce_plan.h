// The reduction plan shared by the Reduce* kernel files: reduce.cc (planning, every dtype) and
// reduce_f32.cc (the float32 hot loops).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "backends/cpu/kernel.h"

namespace socd::cpu::reduce_impl {

enum class Op { kSum, kMean, kMax, kMin, kProd, kL1, kL2, kLogSum, kLogSumExp, kSumSquare };

// Offsets of all positions over some merged dims, row-major: a table, or i * stride when there
// is at most one dim (the common case, which then needs no memory).
struct Offsets {
  int64_t n = 1, stride = 0;
  std::vector<int64_t> table;
  int64_t size() const { return n; }
  int64_t operator[](int64_t i) const { return table.empty() ? i * stride : table[i]; }
};

// Output element (o, i) reads x[obase[o] + roff[r] + j] for every r and, in row mode, every j
// of the contiguous run; in column mode output o*inner + i reads x[obase[o] + roff[r] + i].
struct Plan {
  bool row_mode = false;
  int64_t inner = 1;
  int64_t count = 0;  // input elements per output element
  int64_t out_numel = 0;
  Offsets obase, roff;
};

template <typename T>
using AccOf = std::conditional_t<std::is_floating_point_v<T> || std::is_same_v<T, bool>, T,
                                 std::conditional_t<std::is_signed_v<T>, int64_t, uint64_t>>;

// Per-op accumulator type, identity, element map, combine and final transform.
template <Op op, typename T>
struct Policy {
  using A = std::conditional_t<op == Op::kMax || op == Op::kMin, T, AccOf<T>>;
  static A Init() {
    if constexpr (op == Op::kMax) {
      return std::numeric_limits<T>::has_infinity ? -std::numeric_limits<T>::infinity()
                                                  : std::numeric_limits<T>::lowest();
    } else if constexpr (op == Op::kMin) {
      return std::numeric_limits<T>::has_infinity ? std::numeric_limits<T>::infinity()
                                                  : std::numeric_limits<T>::max();
    } else if constexpr (op == Op::kProd) {
      return A(1);
    } else {
      return A(0);
    }
  }
  static A Map(T x) {
    if constexpr (op == Op::kL1 && std::is_signed_v<T>) return x < 0 ? A(-A(x)) : A(x);
    if constexpr (op == Op::kL2 || op == Op::kSumSquare) return A(x) * A(x);
    return A(x);
  }
  static A Comb(A a, A b) {
    if constexpr (op == Op::kMax) return b > a ? b : a;
    if constexpr (op == Op::kMin) return b < a ? b : a;
    if constexpr (op == Op::kProd) return a * b;
    return a + b;
  }
  static T Final(A a, int64_t n) {
    if constexpr (op == Op::kMean) {
      if constexpr (std::is_floating_point_v<T>) return a / static_cast<T>(n);
      return n == 0 ? T(0) : static_cast<T>(a / static_cast<A>(n));
    }
    if constexpr (op == Op::kL2) return static_cast<T>(std::sqrt(static_cast<double>(a)));
    if constexpr (op == Op::kLogSum) return static_cast<T>(std::log(a));
    return static_cast<T>(a);
  }
};

// Runs fn(begin, end) over [0, n) split in chunks worth about 32K input elements each.
template <typename Fn>
void Parallel(ThreadPool* pool, int64_t n, int64_t per_item, Fn&& fn) {
  int64_t min_chunk = std::max<int64_t>(1, 32768 / std::max<int64_t>(1, per_item));
  if (n <= min_chunk) return fn(int64_t{0}, n);
  pool->ParallelFor(n, min_chunk, fn);
}

constexpr int64_t kColBlock = 2048;

// float32 Sum, Mean, Max, Min, L1, L2, LogSum and SumSquare over a plan with a non-empty input
// and output (reduce_f32.cc).
void RunF32(Op op, const Plan& p, const float* x, float* y, ThreadPool* pool);

}  // namespace socd::cpu::reduce_impl
