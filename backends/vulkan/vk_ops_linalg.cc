// MatMul (batched, broadcast, with the fusion pass's scale/bias/residual/activation epilogue)
// and Gemm, both on shaders/matmul.comp.
#include "absl/strings/str_cat.h"
#include "backends/vulkan/vk_kernel.h"
#include "graph/passes/fusion.h"

namespace socd::vulkan {
namespace vk_ops_linalg {

struct Gemm {
  int64_t M = 0, N = 0, K = 0;
  int64_t z_inner = 1, z_outer = 1;
  int64_t a_in = 0, a_out = 0, a_m = 0, a_k = 0;
  int64_t b_in = 0, b_out = 0, b_k = 0, b_n = 0;
  int64_t bias_m = 0, bias_n = 0;
  int flags = 0;
  float alpha = 1, beta = 1;
  Activation act;
  int a = -1, b = -1, bias = -1, res = -1, c = -1;
};

// One dispatch of C[:, n0:n0+nn] += A[:, k0:k0+kk] . B[k0:k0+kk, n0:n0+nn] (the whole product
// when not chunked); `first`/`last` chunk decide bias, residual and activation.
absl::Status EmitChunk(const KernelContext& k, const Gemm& g, int64_t n0, int64_t nn, int64_t k0,
                       int64_t kk, bool first, bool last, Binding b, std::vector<Dispatch>& out) {
  Dispatch d;
  d.shader = "matmul";
  const bool gemv = g.M < 4;
  const int TM = gemv ? 1 : 4, TN = 4, LX = gemv ? 64 : 8, LY = gemv ? 1 : 8;
  d.spec = {TM, LX, LY};
  d.fp16 = b.half;
  int flags = 0;
  int res = g.res;
  if (first && (g.flags & 1)) flags |= 1;
  if (first && (g.flags & 2)) flags |= 2;
  if (!first) {
    flags |= 2;  // accumulate onto the previous K chunk's partial sums
    res = g.c;
  }
  Activation act = last ? g.act : Activation{};
  auto i32 = [](int64_t v) { return static_cast<int32_t>(v); };
  d.push = {i32(g.M),
            i32(nn),
            i32(kk),
            i32(g.z_inner),
            i32(g.a_in),
            i32(g.a_out),
            i32(g.a_m),
            i32(g.a_k),
            i32(g.b_in),
            i32(g.b_out),
            i32(g.b_k),
            i32(g.b_n),
            i32(g.bias_m),
            i32(g.bias_n),
            flags,
            FloatBits(g.alpha),
            FloatBits(g.beta),
            act.code,
            FloatBits(act.alpha),
            FloatBits(act.beta),
            i32(n0),
            i32(g.N),
            i32(k0)};
  d.bindings = {{g.a}, b, {g.bias >= 0 ? g.bias : g.c}, {res >= 0 ? res : g.c}, {g.c}};
  d.groups[0] = static_cast<uint32_t>((nn + LX * TN - 1) / (LX * TN));
  d.groups[1] = static_cast<uint32_t>((g.M + LY * TM - 1) / (LY * TM));
  d.groups[2] = static_cast<uint32_t>(g.z_inner * g.z_outer);
  if (d.groups[2] > 65535 || d.groups[1] > 65535 || d.groups[0] > 65535)
    return Unimplemented(k, "too many workgroups");
  d.label = k.node.Describe();
  out.push_back(std::move(d));
  return absl::OkStatus();
}

// Rows per chunk: as many as fit one binding, a multiple that keeps every chunk's byte offset a
// multiple of 256 (the largest minStorageBufferOffsetAlignment Vulkan allows).
int64_t ChunkRows(uint64_t max_range, int64_t row_bytes) {
  int64_t step = 1;
  while ((step * row_bytes) % 256 != 0 && step < 256) step *= 2;
  const int64_t fit = static_cast<int64_t>(max_range) / row_bytes;
  return std::max<int64_t>(step, fit / step * step);
}

absl::Status Emit(const KernelContext& k, const Gemm& g, std::vector<Dispatch>& out) {
  for (int64_t v : {g.M, g.N, g.K, g.z_inner * g.z_outer, g.M * g.N * g.z_inner * g.z_outer})
    if (v > (int64_t{1} << 31) - 1)
      return Unimplemented(k, "dimension too large for 32-bit indexing");
  if (g.M == 0 || g.N == 0 || g.z_inner * g.z_outer == 0) return absl::OkStatus();
  const bool half = k.fp16 && k.is_constant(g.b);
  const uint64_t es = half ? 2 : 4;
  const uint64_t b_bytes = static_cast<uint64_t>(graph::NumElements(k.shape(g.b))) * es;
  if (b_bytes <= k.max_range) return EmitChunk(k, g, 0, g.N, 0, g.K, true, true, {g.b, half}, out);
  // A weight larger than one storage-buffer binding: bind contiguous chunks of it. B is [N, K]
  // (transposed Gemm) -> chunks of rows n; B is [K, N] -> chunks of rows k, accumulated in C.
  if (g.b_in != 0 || g.b_out != 0)
    return Unimplemented(k, "batched operand larger than maxStorageBufferRange");
  if (g.b_n == g.K && g.b_k == 1) {
    const int64_t rows = ChunkRows(k.max_range, g.K * static_cast<int64_t>(es));
    for (int64_t n0 = 0; n0 < g.N; n0 += rows) {
      const int64_t nn = std::min(rows, g.N - n0);
      if (auto s =
              EmitChunk(k, g, n0, nn, 0, g.K, true, true, {g.b, half, n0 * g.K, nn * g.K}, out);
          !s.ok())
        return s;
    }
    return absl::OkStatus();
  }
  if (g.b_k == g.N && g.b_n == 1) {
    const int64_t rows = ChunkRows(k.max_range, g.N * static_cast<int64_t>(es));
    for (int64_t k0 = 0; k0 < g.K; k0 += rows) {
      const int64_t kk = std::min(rows, g.K - k0);
      if (auto s = EmitChunk(k, g, 0, g.N, k0, kk, k0 == 0, k0 + kk >= g.K,
                             {g.b, half, k0 * g.N, kk * g.N}, out);
          !s.ok())
        return s;
    }
    return absl::OkStatus();
  }
  return Unimplemented(k, "operand layout larger than maxStorageBufferRange");
}

absl::Status BuildMatMul(const KernelContext& k, std::vector<Dispatch>& out) {
  if (auto s = RequireFloat32(k); !s.ok()) return s;
  Gemm g;
  g.a = k.in[0];
  g.b = k.in[1];
  g.c = k.out[0];
  graph::Shape as = k.shape(g.a), bs = k.shape(g.b);
  if (as.empty() || bs.empty()) return Unimplemented(k, "scalar operand");
  if (as.size() == 1) as.insert(as.begin(), 1);
  if (bs.size() == 1) bs.push_back(1);
  g.M = as[as.size() - 2];
  g.K = as.back();
  g.N = bs.back();
  if (bs[bs.size() - 2] != g.K) return Unimplemented(k, "inner dimensions differ");
  // Batch dims, right-aligned and broadcast; merged where contiguous so two levels suffice.
  const size_t ra = as.size() - 2, rb = bs.size() - 2, rank = std::max(ra, rb);
  std::vector<int64_t> dims, sa, sb;
  int64_t stride_a = g.M * g.K, stride_b = g.K * g.N;
  std::vector<int64_t> od(rank), oa(rank), ob(rank);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t da = i < rank - ra ? 1 : as[i - (rank - ra)];
    const int64_t db = i < rank - rb ? 1 : bs[i - (rank - rb)];
    od[i] = std::max(da, db);
    oa[i] = da;
    ob[i] = db;
    if (da != db && da != 1 && db != 1) return Unimplemented(k, "batch dims do not broadcast");
  }
  std::vector<int64_t> st_a(rank), st_b(rank);
  for (int i = static_cast<int>(rank) - 1; i >= 0; --i) {
    st_a[i] = oa[i] == 1 ? 0 : stride_a;
    st_b[i] = ob[i] == 1 ? 0 : stride_b;
    stride_a *= oa[i];
    stride_b *= ob[i];
  }
  for (size_t i = 0; i < rank; ++i) {
    if (od[i] == 1) continue;
    if (!dims.empty() && sa.back() == st_a[i] * od[i] && sb.back() == st_b[i] * od[i]) {
      dims.back() *= od[i];
      sa.back() = st_a[i];
      sb.back() = st_b[i];
      continue;
    }
    dims.push_back(od[i]);
    sa.push_back(st_a[i]);
    sb.push_back(st_b[i]);
  }
  if (dims.size() > 2) return Unimplemented(k, "batch broadcast over more than two dim groups");
  while (dims.size() < 2) {
    dims.insert(dims.begin(), 1);
    sa.insert(sa.begin(), 0);
    sb.insert(sb.begin(), 0);
  }
  g.z_outer = dims[0];
  g.z_inner = dims[1];
  g.a_out = sa[0];
  g.a_in = sa[1];
  g.b_out = sb[0];
  g.b_in = sb[1];
  g.a_m = g.K;
  g.a_k = 1;
  g.b_k = g.N;
  g.b_n = 1;
  g.alpha = k.node.GetFloat(graph::kFusedScaleAttr, 1.0f);
  if (k.has_in(graph::kMatMulBiasInput)) {
    g.bias = k.in[graph::kMatMulBiasInput];
    if (graph::NumElements(k.shape(g.bias)) != g.N) return Unimplemented(k, "bias is not [N]");
    g.bias_n = 1;
    g.flags |= 1;
  }
  if (k.has_in(graph::kMatMulResidualInput)) {
    g.res = k.in[graph::kMatMulResidualInput];
    if (k.shape(g.res) != k.shape(g.c)) return Unimplemented(k, "residual of another shape");
    g.flags |= 2;
  }
  auto act = FusedActivation(k.node);
  if (!act.ok()) return act.status();
  g.act = *act;
  return Emit(k, g, out);
}

absl::Status BuildGemm(const KernelContext& k, std::vector<Dispatch>& out) {
  if (auto s = RequireFloat32(k); !s.ok()) return s;
  Gemm g;
  g.a = k.in[0];
  g.b = k.in[1];
  g.c = k.out[0];
  const graph::Shape& as = k.shape(g.a);
  const graph::Shape& bs = k.shape(g.b);
  if (as.size() != 2 || bs.size() != 2) return Unimplemented(k, "operands are not 2-D");
  const bool ta = k.node.GetInt("transA", 0) != 0, tb = k.node.GetInt("transB", 0) != 0;
  g.M = ta ? as[1] : as[0];
  g.K = ta ? as[0] : as[1];
  g.N = tb ? bs[0] : bs[1];
  g.a_m = ta ? 1 : g.K;
  g.a_k = ta ? g.M : 1;
  g.b_k = tb ? 1 : g.N;
  g.b_n = tb ? g.K : 1;
  g.alpha = k.node.GetFloat("alpha", 1.0f);
  g.beta = k.node.GetFloat("beta", 1.0f);
  if (k.has_in(2) && graph::NumElements(k.shape(k.in[2])) > 0) {
    g.bias = k.in[2];
    const graph::Shape& cs = k.shape(g.bias);
    if (cs.size() > 2) return Unimplemented(k, "C has rank > 2");
    graph::Shape c2 = cs;
    while (c2.size() < 2) c2.insert(c2.begin(), 1);
    g.bias_m = c2[0] == 1 ? 0 : c2[1];
    g.bias_n = c2[1] == 1 ? 0 : 1;
    g.flags |= 1;
  }
  auto act = FusedActivation(k.node);
  if (!act.ok()) return act.status();
  g.act = *act;
  return Emit(k, g, out);
}

}  // namespace vk_ops_linalg

const std::vector<OpEntry>& LinalgOps() {
  static const std::vector<OpEntry> ops = {{"MatMul", vk_ops_linalg::BuildMatMul},
                                           {"Gemm", vk_ops_linalg::BuildGemm}};
  return ops;
}

}  // namespace socd::vulkan
