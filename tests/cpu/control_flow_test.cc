// Loop, If and Scan on the CPU backend, through import, passes and a real Session.
#include <gtest/gtest.h>

#include "backends/memory/copy.h"
#include "tests/graph/subgraph_builder.h"

namespace socd::cpu::control_flow_test {

using namespace subgraph_builder;  // NOLINT: test-local builders
using graph::DType;

HostValue Bool(bool b) { return HostValue{DType::kBool, {}, {static_cast<uint8_t>(b)}}; }

// Loop(M, cond) over s (int64): s += i; cond = s < limit (an outer value); scans i.
onnx::ModelProto CountingLoop(bool with_cond = true) {
  onnx::ModelProto m = Model(16);
  auto* g = m.mutable_graph();
  In(g, "M", TensorProto::INT64, {});
  if (with_cond) In(g, "cond", TensorProto::BOOL, {});
  Int64Init(g, "limit", {}, {5});
  Int64Init(g, "s0", {}, {0});
  auto* loop = Op(g, "Loop", {"M", with_cond ? "cond" : "", "s0"}, {"s", "iters"}, "loop");
  auto* b = Body(loop, "body");
  In(b, "i", TensorProto::INT64, {});
  In(b, "c", TensorProto::BOOL, {});
  In(b, "s_in", TensorProto::INT64, {});
  Op(b, "Add", {"s_in", "i"}, {"s_out"});
  Op(b, "Less", {"s_out", "limit"}, {"c_out"});
  Op(b, "Identity", {"i"}, {"i_out"});
  Out(b, "c_out", TensorProto::BOOL, {});
  Out(b, "s_out", TensorProto::INT64, {});
  Out(b, "i_out", TensorProto::INT64, {});
  Out(g, "s", TensorProto::INT64, {});
  Out(g, "iters", TensorProto::INT64, {-1});
  return m;
}

TEST(ControlFlow, LoopCondStopsEarly) {
  for (int threads : {1, 3}) {
    const uint64_t before = memory::ThreadBytesCopied();
    auto out = RunModel(CountingLoop(), {Val<int64_t>({}, {10}), Bool(true)}, threads);
    ASSERT_TRUE(out.ok()) << out.status();
    // s: 0, 1, 3, 6 -> the condition turns false after the fourth iteration, before M.
    EXPECT_EQ((*out)[0].as<int64_t>(), std::vector<int64_t>{6});
    EXPECT_EQ((*out)[1].shape, (graph::Shape{4}));
    EXPECT_EQ((*out)[1].as<int64_t>(), (std::vector<int64_t>{0, 1, 2, 3}));
    // Carried values and scan slices leave the body's arena through the counted copy.
    EXPECT_GE(memory::ThreadBytesCopied() - before, 4 * 2 * sizeof(int64_t));
  }
}

TEST(ControlFlow, OneSessionRunsTheLoopAgainWithOtherInputs) {
  // The dynamic path keeps the Loop's kernel (and its compiled body) across runs.
  auto g = Import(CountingLoop());
  ASSERT_TRUE(g.ok()) << g.status();
  auto s = scheduler::Session::FromGraph(*std::move(g), scheduler::SessionOptions{});
  ASSERT_TRUE(s.ok()) << s.status();
  const bool yes = true;
  for (int64_t m : {10, 2, 0, 3}) {
    std::vector<graph::TensorView> in = {{DType::kInt64, {}, &m},
                                         {DType::kBool, {}, const_cast<bool*>(&yes)}};
    std::vector<graph::TensorView> out;
    ASSERT_TRUE((*s)->Run(in, out).ok()) << m;
    const int64_t trips = std::min<int64_t>(m, 4);
    ASSERT_EQ(out[1].shape, (graph::Shape{trips})) << m;
    int64_t sum = 0;
    for (int64_t i = 0; i < trips; ++i) {
      EXPECT_EQ(out[1].as<int64_t>()[i], i);
      sum += i;
    }
    EXPECT_EQ(*out[0].as<int64_t>(), sum) << m;
  }
}

TEST(ControlFlow, LoopStopsAtMaxTripCount) {
  auto out = RunModel(CountingLoop(), {Val<int64_t>({}, {2}), Bool(true)});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].as<int64_t>(), std::vector<int64_t>{1});
  EXPECT_EQ((*out)[1].as<int64_t>(), (std::vector<int64_t>{0, 1}));
}

TEST(ControlFlow, LoopWithFalseConditionRunsNoIteration) {
  auto out = RunModel(CountingLoop(), {Val<int64_t>({}, {10}), Bool(false)});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].as<int64_t>(), std::vector<int64_t>{0});
  EXPECT_EQ((*out)[1].shape, (graph::Shape{0}));
}

TEST(ControlFlow, LoopWithoutCondInputStillStopsOnTheBodysCondition) {
  auto out = RunModel(CountingLoop(/*with_cond=*/false), {Val<int64_t>({}, {100})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].as<int64_t>(), std::vector<int64_t>{6});
}

TEST(ControlFlow, LoopCarriedValueMayGrow) {
  // v = Concat(v, seven) three times: the body is re-planned for each new shape.
  onnx::ModelProto m = Model(13);
  auto* g = m.mutable_graph();
  In(g, "v0", TensorProto::FLOAT, {1});
  Int64Init(g, "three", {}, {3});
  FloatInit(g, "seven", {1}, {7.f});
  auto* loop = Op(g, "Loop", {"three", "", "v0"}, {"v"}, "loop");
  auto* b = Body(loop, "body");
  In(b, "i", TensorProto::INT64, {});
  In(b, "c", TensorProto::BOOL, {});
  In(b, "v_in", TensorProto::FLOAT, {-1});
  Op(b, "Identity", {"c"}, {"c_out"});
  auto* cat = Op(b, "Concat", {"v_in", "seven"}, {"v_out"});
  IntAttr(cat, "axis", 0);
  Out(b, "c_out", TensorProto::BOOL, {});
  Out(b, "v_out", TensorProto::FLOAT, {-1});
  Out(g, "v", TensorProto::FLOAT, {-1});
  auto out = RunModel(m, {Val<float>({1}, {1.f})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].as<float>(), (std::vector<float>{1.f, 7.f, 7.f, 7.f}));
}

TEST(ControlFlow, IfBranchesMayReturnDifferentShapes) {
  onnx::ModelProto m = Model(13);
  auto* g = m.mutable_graph();
  In(g, "c", TensorProto::BOOL, {});
  In(g, "x", TensorProto::FLOAT, {3});
  FloatInit(g, "two", {}, {2.f});
  auto* iff = Op(g, "If", {"c"}, {"y"}, "if");
  auto* t = Body(iff, "then_branch");
  Op(t, "Mul", {"x", "two"}, {"t_out"});
  Out(t, "t_out", TensorProto::FLOAT, {3});
  auto* e = Body(iff, "else_branch");
  FloatInit(e, "e_const", {2}, {9.f, 8.f});
  Out(e, "e_const", TensorProto::FLOAT, {2});
  Out(g, "y", TensorProto::FLOAT, {-1});
  auto then_out = RunModel(m, {Bool(true), Val<float>({3}, {1.f, 2.f, 3.f})});
  ASSERT_TRUE(then_out.ok()) << then_out.status();
  EXPECT_EQ((*then_out)[0].as<float>(), (std::vector<float>{2.f, 4.f, 6.f}));
  auto else_out = RunModel(m, {Bool(false), Val<float>({3}, {1.f, 2.f, 3.f})});
  ASSERT_TRUE(else_out.ok()) << else_out.status();
  EXPECT_EQ((*else_out)[0].shape, (graph::Shape{2}));
  EXPECT_EQ((*else_out)[0].as<float>(), (std::vector<float>{9.f, 8.f}));
}

// Scan-16 cumulative sum of x's rows (or columns, x_axis 1) into a state.
onnx::ModelProto CumSumScan(const std::vector<int64_t>& dims, int64_t in_dir, int64_t out_dir,
                            int64_t in_axis, int64_t out_axis) {
  onnx::ModelProto m = Model(16);
  auto* g = m.mutable_graph();
  In(g, "s0", TensorProto::FLOAT, {2});
  In(g, "x", TensorProto::FLOAT, dims);
  auto* scan = Op(g, "Scan", {"s0", "x"}, {"s", "ys"}, "scan");
  IntAttr(scan, "num_scan_inputs", 1);
  IntsAttr(scan, "scan_input_directions", {in_dir});
  IntsAttr(scan, "scan_output_directions", {out_dir});
  IntsAttr(scan, "scan_input_axes", {in_axis});
  IntsAttr(scan, "scan_output_axes", {out_axis});
  auto* b = Body(scan, "body");
  In(b, "s_in", TensorProto::FLOAT, {2});
  In(b, "xt", TensorProto::FLOAT, {2});
  Op(b, "Add", {"s_in", "xt"}, {"s_out"});
  Op(b, "Identity", {"s_out"}, {"y"});
  Out(b, "s_out", TensorProto::FLOAT, {2});
  Out(b, "y", TensorProto::FLOAT, {2});
  Out(g, "s", TensorProto::FLOAT, {2});
  Out(g, "ys", TensorProto::FLOAT, {-1, -1});
  return m;
}

TEST(ControlFlow, ScanReverseDirection) {
  const HostValue s0 = Val<float>({2}, {0.f, 0.f});
  const HostValue x = Val<float>({3, 2}, {1, 2, 3, 4, 5, 6});
  // Rows read last to first: sums (5,6), (8,10), (9,12).
  auto rev_in = RunModel(CumSumScan({3, 2}, 1, 0, 0, 0), {s0, x});
  ASSERT_TRUE(rev_in.ok()) << rev_in.status();
  EXPECT_EQ((*rev_in)[0].as<float>(), (std::vector<float>{9, 12}));
  EXPECT_EQ((*rev_in)[1].shape, (graph::Shape{3, 2}));
  EXPECT_EQ((*rev_in)[1].as<float>(), (std::vector<float>{5, 6, 8, 10, 9, 12}));
  // Forward in, reversed out: sums (1,2), (4,6), (9,12) stacked last to first.
  auto rev_out = RunModel(CumSumScan({3, 2}, 0, 1, 0, 0), {s0, x});
  ASSERT_TRUE(rev_out.ok()) << rev_out.status();
  EXPECT_EQ((*rev_out)[1].as<float>(), (std::vector<float>{9, 12, 4, 6, 1, 2}));
  // The same x transposed, scanned along axis 1, stacked along axis 1.
  const HostValue xt = Val<float>({2, 3}, {1, 3, 5, 2, 4, 6});
  auto axes = RunModel(CumSumScan({2, 3}, 1, 0, 1, 1), {s0, xt});
  ASSERT_TRUE(axes.ok()) << axes.status();
  EXPECT_EQ((*axes)[0].as<float>(), (std::vector<float>{9, 12}));
  EXPECT_EQ((*axes)[1].shape, (graph::Shape{2, 3}));
  EXPECT_EQ((*axes)[1].as<float>(), (std::vector<float>{5, 8, 9, 6, 10, 12}));
}

TEST(ControlFlow, Scan8ScansEachBatchItem) {
  onnx::ModelProto m = Model(8);
  auto* g = m.mutable_graph();
  In(g, "s0", TensorProto::FLOAT, {2, 1});
  In(g, "x", TensorProto::FLOAT, {2, 3, 1});
  auto* scan = Op(g, "Scan", {"", "s0", "x"}, {"s", "ys"}, "scan");
  IntAttr(scan, "num_scan_inputs", 1);
  auto* b = Body(scan, "body");
  In(b, "s_in", TensorProto::FLOAT, {1});
  In(b, "xt", TensorProto::FLOAT, {1});
  Op(b, "Add", {"s_in", "xt"}, {"s_out"});
  Op(b, "Identity", {"s_out"}, {"y"});
  Out(b, "s_out", TensorProto::FLOAT, {1});
  Out(b, "y", TensorProto::FLOAT, {1});
  Out(g, "s", TensorProto::FLOAT, {2, 1});
  Out(g, "ys", TensorProto::FLOAT, {2, 3, 1});
  auto out =
      RunModel(m, {Val<float>({2, 1}, {0, 100}), Val<float>({2, 3, 1}, {1, 2, 3, 10, 20, 30})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].as<float>(), (std::vector<float>{6, 160}));
  EXPECT_EQ((*out)[1].shape, (graph::Shape{2, 3, 1}));
  EXPECT_EQ((*out)[1].as<float>(), (std::vector<float>{1, 3, 6, 110, 130, 160}));
}

TEST(ControlFlow, FusionRunsInsideBodies) {
  // Loop body: a = Relu(a x W), W a body initializer: the Relu folds into the MatMul.
  onnx::ModelProto m = Model(13);
  auto* g = m.mutable_graph();
  In(g, "a0", TensorProto::FLOAT, {1, 2});
  Int64Init(g, "two", {}, {2});
  auto* loop = Op(g, "Loop", {"two", "", "a0"}, {"a"}, "loop");
  auto* b = Body(loop, "body");
  FloatInit(b, "W", {2, 2}, {1.f, -1.f, 2.f, 1.f});
  In(b, "i", TensorProto::INT64, {});
  In(b, "c", TensorProto::BOOL, {});
  In(b, "a_in", TensorProto::FLOAT, {1, 2});
  Op(b, "Identity", {"c"}, {"c_out"});
  Op(b, "MatMul", {"a_in", "W"}, {"p"});
  Op(b, "Relu", {"p"}, {"a_out"});
  Out(b, "c_out", TensorProto::BOOL, {});
  Out(b, "a_out", TensorProto::FLOAT, {1, 2});
  Out(g, "a", TensorProto::FLOAT, {1, 2});
  auto gr = Import(m);
  ASSERT_TRUE(gr.ok()) << gr.status();
  auto s = scheduler::Session::FromGraph(*std::move(gr), scheduler::SessionOptions{});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_GE((*s)->load_stats().passes.fused, 1);
  const graph::Graph* body = (*s)->graph().nodes[0].attrs.at("body").g.get();
  ASSERT_NE(body, nullptr);
  EXPECT_EQ(body->nodes.size(), 2u);  // Identity and the fused MatMul
  float a0[2] = {1.f, 2.f};
  std::vector<graph::TensorView> out;
  ASSERT_TRUE((*s)->Run({{DType::kFloat32, {1, 2}, a0}}, out).ok());
  // (1,2)xW = (5,1) -> (5,1)xW = (7,-4) -> Relu (7,0).
  EXPECT_EQ(std::vector<float>(out[0].as<float>(), out[0].as<float>() + 2),
            (std::vector<float>{7.f, 0.f}));
}

TEST(ControlFlow, BodyWithAnUnsupportedOperatorIsRefusedWithTheReason) {
  onnx::ModelProto m = CountingLoop();
  auto* body = m.mutable_graph()->mutable_node(0)->mutable_attribute(0)->mutable_g();
  body->mutable_node(2)->set_op_type("NoSuchOp");
  auto out = RunModel(m, {Val<int64_t>({}, {10}), Bool(true)});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kUnimplemented) << out.status();
  EXPECT_NE(out.status().message().find("NoSuchOp"), std::string::npos) << out.status();
  EXPECT_NE(out.status().message().find("subgraph 'body'"), std::string::npos) << out.status();
}

}  // namespace socd::cpu::control_flow_test
