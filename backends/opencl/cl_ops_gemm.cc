// MatMul (batched, broadcast, 1-D operands; fused scale/bias/residual/activation) and Gemm
// (transposes, alpha/beta, broadcast C), both on one strided matmul kernel.
#include "absl/strings/str_cat.h"
#include "backends/opencl/cl_ops.h"
#include "graph/passes/fusion.h"

namespace socd::opencl {

namespace cl_ops_gemm {

struct MatmulArgs {
  int64_t M = 1, N = 1, K = 1;
  int64_t sam = 0, sak = 0, sbk = 0, sbn = 0, scm = 0, scn = 0;
  std::array<int32_t, 4> bdims{1, 1, 1, 1}, bsa{}, bsb{}, bsc{};
  int64_t batch = 1;
  float alpha = 1, beta = 0;
  int c_value = graph::kNoValue, r_value = graph::kNoValue;
};

ClDispatch MakeDispatch(const LowerCtx& c, const MatmulArgs& m, int a, int b, int act, float aa,
                        float ab) {
  ClDispatch d;
  d.kernel = "matmul_f32";
  d.dims = 3;
  const size_t cols = static_cast<size_t>((m.N + 3) / 4);
  const size_t lx = cols <= 8 ? 8 : 32;
  d.local = {lx, 1, 1};
  d.global = {(cols + lx - 1) / lx * lx, static_cast<size_t>(m.M), static_cast<size_t>(m.batch)};
  int flags = 0;
  if (m.c_value != graph::kNoValue) flags |= 1;
  if (m.r_value != graph::kNoValue) flags |= 2;
  d.args = {ClArg::Value(a),
            ClArg::Value(b),
            flags & 1 ? ClArg::Value(m.c_value) : ClArg::Null(),
            flags & 2 ? ClArg::Value(m.r_value) : ClArg::Null(),
            ClArg::Value(c.out()),
            ClArg::Int(m.M),
            ClArg::Int(m.N),
            ClArg::Int(m.K),
            ClArg::Int(m.sam),
            ClArg::Int(m.sak),
            ClArg::Int(m.sbk),
            ClArg::Int(m.sbn),
            ClArg::Int(m.scm),
            ClArg::Int(m.scn),
            ClArg::Ints4(m.bdims),
            ClArg::Ints4(m.bsa),
            ClArg::Ints4(m.bsb),
            ClArg::Ints4(m.bsc),
            ClArg::Float(m.alpha),
            ClArg::Float(m.beta),
            ClArg::Int(flags),
            ClArg::Int(act),
            ClArg::Float(aa),
            ClArg::Float(ab)};
  return d;
}

absl::Status CheckMatMul(const graph::Node& n) { return CheckFusedAct(n); }

absl::StatusOr<std::vector<ClDispatch>> LowerMatMul(const LowerCtx& c) {
  if (auto s = c.RequireFloat32(); !s.ok()) return s;
  const graph::Shape& as = c.in_shape(0);
  const graph::Shape& bs = c.in_shape(1);
  if (as.empty() || bs.empty()) return c.Unimplemented("scalar operands");
  if (!FitsInt32(as) || !FitsInt32(bs) || !FitsInt32(c.out_shape()))
    return c.Unimplemented("more than 2^31 elements");
  MatmulArgs m;
  m.K = as.back();
  m.M = as.size() >= 2 ? as[as.size() - 2] : 1;
  m.N = bs.size() >= 2 ? bs.back() : 1;
  const int64_t kb = bs.size() >= 2 ? bs[bs.size() - 2] : bs[0];
  if (kb != m.K) return c.Unimplemented("inner dimensions differ");
  m.sam = m.K;
  m.sak = 1;
  m.sbk = m.N;
  m.sbn = 1;
  graph::Shape ab(as.begin(), as.end() - std::min<size_t>(2, as.size()));
  graph::Shape bb(bs.begin(), bs.end() - std::min<size_t>(2, bs.size()));
  const size_t nb = std::max(ab.size(), bb.size());
  if (nb > 4) return c.Unimplemented("more than 4 batch dimensions");
  int64_t sa = m.M * m.K, sb = m.K * m.N;
  for (size_t i = 0; i < nb; ++i) {  // right-aligned, innermost batch dim first
    const int64_t da = i < ab.size() ? ab[ab.size() - 1 - i] : 1;
    const int64_t db = i < bb.size() ? bb[bb.size() - 1 - i] : 1;
    if (da != db && da != 1 && db != 1) return c.Unimplemented("batch dims do not broadcast");
    const int64_t d = std::max(da, db);
    m.bdims[3 - i] = static_cast<int32_t>(d);
    m.bsa[3 - i] = da == 1 && d != 1 ? 0 : static_cast<int32_t>(sa);
    m.bsb[3 - i] = db == 1 && d != 1 ? 0 : static_cast<int32_t>(sb);
    sa *= da;
    sb *= db;
    m.batch *= d;
  }
  m.alpha = c.node.GetFloat(graph::kFusedScaleAttr, 1.0f);
  if (c.has_in(graph::kMatMulBiasInput)) {
    if (graph::NumElements(c.in_shape(graph::kMatMulBiasInput)) != m.N)
      return c.Unimplemented("fused bias must have N elements");
    m.c_value = c.in(graph::kMatMulBiasInput);
    m.scn = 1;
    m.beta = 1;
  }
  if (c.has_in(graph::kMatMulResidualInput)) {
    if (c.in_shape(graph::kMatMulResidualInput) != c.out_shape())
      return c.Unimplemented("fused residual must have the output's shape");
    m.r_value = c.in(graph::kMatMulResidualInput);
  }
  int act;
  float aa, abeta;
  if (auto s = ReadFusedAct(c.node, &act, &aa, &abeta); !s.ok()) return s;
  return std::vector<ClDispatch>{MakeDispatch(c, m, c.in(0), c.in(1), act, aa, abeta)};
}

absl::StatusOr<std::vector<ClDispatch>> LowerGemm(const LowerCtx& c) {
  if (auto s = c.RequireFloat32(); !s.ok()) return s;
  const graph::Shape& as = c.in_shape(0);
  const graph::Shape& bs = c.in_shape(1);
  if (as.size() != 2 || bs.size() != 2) return c.Unimplemented("Gemm operands must be 2-D");
  if (!FitsInt32(as) || !FitsInt32(bs) || !FitsInt32(c.out_shape()))
    return c.Unimplemented("more than 2^31 elements");
  const bool ta = c.node.GetInt("transA", 0) != 0, tb = c.node.GetInt("transB", 0) != 0;
  MatmulArgs m;
  m.M = ta ? as[1] : as[0];
  m.K = ta ? as[0] : as[1];
  m.N = tb ? bs[0] : bs[1];
  if ((tb ? bs[1] : bs[0]) != m.K) return c.Unimplemented("inner dimensions differ");
  m.sam = ta ? 1 : m.K;
  m.sak = ta ? m.M : 1;
  m.sbk = tb ? 1 : m.N;
  m.sbn = tb ? m.K : 1;
  m.alpha = c.node.GetFloat("alpha", 1.0f);
  m.beta = c.node.GetFloat("beta", 1.0f);
  if (c.has_in(2) && graph::NumElements(c.in_shape(2)) > 0) {
    const graph::Shape& cs = c.in_shape(2);
    if (cs.size() > 2) return c.Unimplemented("C of rank above 2");
    m.c_value = c.in(2);
    m.scn = !cs.empty() && cs.back() != 1 ? 1 : 0;
    m.scm = cs.size() == 2 && cs[0] != 1 ? cs.back() : 0;
  }
  int act;
  float aa, abeta;
  if (auto s = ReadFusedAct(c.node, &act, &aa, &abeta); !s.ok()) return s;
  return std::vector<ClDispatch>{MakeDispatch(c, m, c.in(0), c.in(1), act, aa, abeta)};
}

}  // namespace cl_ops_gemm

void RegisterGemmOps(ClOpTable& t) {
  namespace g = cl_ops_gemm;
  t["MatMul"] = {g::LowerMatMul, g::CheckMatMul};
  t["Gemm"] = {g::LowerGemm, g::CheckMatMul};
}

}  // namespace socd::opencl
