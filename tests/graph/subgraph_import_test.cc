// Import of control-flow bodies: outer-scope reads made explicit as implicit inputs (at any
// depth), what passes see of them, and clear errors for bad bodies.
#include <gtest/gtest.h>

#include "backends/cpu/cpu_backend.h"
#include "graph/passes/passes.h"
#include "graph/subgraph.h"
#include "tests/graph/subgraph_builder.h"

namespace socd::graph::subgraph_import_test {

using namespace subgraph_builder;  // NOLINT: test-local builders

bool Has(const absl::Status& s, absl::string_view what) {
  return s.message().find(what) != absl::string_view::npos;
}

// main: x, w (initializer), c -> If(c) { then: Loop(M=2) { body reads x and w } ; else: x }.
onnx::ModelProto NestedModel() {
  onnx::ModelProto m = Model();
  auto* g = m.mutable_graph();
  In(g, "x", TensorProto::FLOAT, {2});
  In(g, "c", TensorProto::BOOL, {});
  FloatInit(g, "w", {2}, {10.f, 20.f});
  Int64Init(g, "two", {}, {2});
  auto* iff = Op(g, "If", {"c"}, {"y"}, "if");
  auto* then_b = Body(iff, "then_branch");
  auto* loop = Op(then_b, "Loop", {"two", "", "x"}, {"acc"}, "loop");
  Out(then_b, "acc", TensorProto::FLOAT, {2});
  auto* body = Body(loop, "body");
  In(body, "i", TensorProto::INT64, {});
  In(body, "cond_in", TensorProto::BOOL, {});
  In(body, "a", TensorProto::FLOAT, {2});
  Op(body, "Add", {"a", "w"}, {"a2"});
  Op(body, "Add", {"a2", "x"}, {"a_out"});  // x: two levels up
  Op(body, "Identity", {"cond_in"}, {"cond_out"});
  Out(body, "cond_out", TensorProto::BOOL, {});
  Out(body, "a_out", TensorProto::FLOAT, {2});
  auto* else_b = Body(iff, "else_branch");
  Out(else_b, "x", TensorProto::FLOAT, {2});  // an outer value returned as it is
  Out(g, "y", TensorProto::FLOAT, {2});
  return m;
}

std::vector<std::string> Names(const Graph& g, const std::vector<int>& ids) {
  std::vector<std::string> n;
  for (int v : ids) n.push_back(g.values[v].name);
  return n;
}

TEST(SubgraphImport, OuterScopeReadsBecomeImplicitInputsAtAnyDepth) {
  auto g = Import(NestedModel());
  ASSERT_TRUE(g.ok()) << g.status();
  ASSERT_EQ(g->nodes.size(), 1u);
  const Node& iff = g->nodes[0];
  // The If reads two (the Loop's M), x (then: through the Loop; else: as its output) and w
  // (the Loop's body).
  ASSERT_EQ(iff.implicit_inputs, 3);
  std::vector<int> implicit(iff.inputs.end() - 3, iff.inputs.end());
  auto names = Names(*g, implicit);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"two", "w", "x"}));
  // Both branches list the same captured inputs, in the node's order.
  for (const char* attr : {"then_branch", "else_branch"}) {
    const Graph* b = Subgraph(iff, attr);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(Names(*b, b->inputs), Names(*g, implicit)) << attr;
  }
  const Graph* then_b = Subgraph(iff, "then_branch");
  ASSERT_EQ(then_b->nodes.size(), 1u);
  const Node& loop = then_b->nodes[0];
  EXPECT_EQ(loop.implicit_inputs, 2);
  const Graph* body = Subgraph(loop, "body");
  ASSERT_NE(body, nullptr);
  // Formal inputs (i, cond_in, a), then the captures.
  ASSERT_EQ(body->inputs.size(), 5u);
  EXPECT_EQ(body->values[body->inputs[2]].name, "a");
  // The Loop's implicit inputs are values of the then-branch: its own captured inputs.
  for (size_t k = ExplicitInputs(loop); k < loop.inputs.size(); ++k) {
    const int v = loop.inputs[k];
    EXPECT_NE(std::find(then_b->inputs.begin(), then_b->inputs.end(), v), then_b->inputs.end());
  }
  // The type of the If's output comes from its branches.
  EXPECT_EQ(g->values[g->outputs[0]].type.dtype, DType::kFloat32);
}

TEST(SubgraphImport, NestedOuterReadsRunCorrectly) {
  for (bool c : {true, false}) {
    HostValue cond{DType::kBool, {}, {static_cast<uint8_t>(c)}};
    auto out = RunModel(NestedModel(), {Val<float>({2}, {1.f, 2.f}), cond});
    ASSERT_TRUE(out.ok()) << out.status();
    // then: a = x; twice a = a + w + x  ->  x*3 + 2w; else: x.
    EXPECT_EQ((*out)[0].as<float>(),
              c ? std::vector<float>({3.f + 20.f, 6.f + 40.f}) : std::vector<float>({1.f, 2.f}));
  }
}

TEST(SubgraphImport, UnknownOuterNameIsNamed) {
  onnx::ModelProto m = NestedModel();
  auto* body = m.mutable_graph()
                   ->mutable_node(0)
                   ->mutable_attribute(0)
                   ->mutable_g()
                   ->mutable_node(0)
                   ->mutable_attribute(0)
                   ->mutable_g();
  body->mutable_node(0)->set_input(1, "nowhere");
  auto g = Import(m);
  ASSERT_FALSE(g.ok());
  EXPECT_TRUE(Has(g.status(), "'nowhere'")) << g.status();
  EXPECT_TRUE(Has(g.status(), "neither this subgraph nor an enclosing graph")) << g.status();
  EXPECT_TRUE(Has(g.status(), "subgraph 'body'")) << g.status();
}

// A Loop with one carried value whose body is built by `body_fn`.
template <typename Fn>
onnx::ModelProto LoopModel(Fn body_fn, bool with_body = true) {
  onnx::ModelProto m = Model();
  auto* g = m.mutable_graph();
  In(g, "x", TensorProto::FLOAT, {2});
  Int64Init(g, "three", {}, {3});
  auto* loop = Op(g, "Loop", {"three", "", "x"}, {"y"}, "loop");
  if (with_body) body_fn(Body(loop, "body"));
  Out(g, "y", TensorProto::FLOAT, {2});
  return m;
}

void GoodBody(onnx::GraphProto* b) {
  In(b, "i", TensorProto::INT64, {});
  In(b, "c", TensorProto::BOOL, {});
  In(b, "a", TensorProto::FLOAT, {2});
  Op(b, "Identity", {"c"}, {"c2"});
  Op(b, "Add", {"a", "a"}, {"a2"});
  Out(b, "c2", TensorProto::BOOL, {});
  Out(b, "a2", TensorProto::FLOAT, {2});
}

TEST(SubgraphImport, GoodLoopRuns) {
  auto out = RunModel(LoopModel(GoodBody), {Val<float>({2}, {1.f, -2.f})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].as<float>(), std::vector<float>({8.f, -16.f}));
}

TEST(SubgraphImport, MissingBodyIsAClearError) {
  auto g = Import(LoopModel(GoodBody, /*with_body=*/false));
  ASSERT_FALSE(g.ok());
  EXPECT_TRUE(Has(g.status(), "'body' subgraph is missing")) << g.status();
  EXPECT_TRUE(Has(g.status(), "Loop-16 'loop'")) << g.status();
}

TEST(SubgraphImport, WrongBodyInputCountIsAClearError) {
  auto g = Import(LoopModel([](onnx::GraphProto* b) {
    GoodBody(b);
    In(b, "extra", TensorProto::FLOAT, {2});
  }));
  ASSERT_FALSE(g.ok());
  EXPECT_TRUE(Has(g.status(), "has 4 inputs, expected 3")) << g.status();
}

TEST(SubgraphImport, WrongBodyOutputCountIsAClearError) {
  auto g = Import(LoopModel([](onnx::GraphProto* b) {
    In(b, "i", TensorProto::INT64, {});
    In(b, "c", TensorProto::BOOL, {});
    In(b, "a", TensorProto::FLOAT, {2});
    Out(b, "a", TensorProto::FLOAT, {2});
  }));
  ASSERT_FALSE(g.ok());
  EXPECT_TRUE(Has(g.status(), "has 1 outputs, expected 2")) << g.status();
}

TEST(SubgraphImport, IfBranchWithWrongOutputCountIsAClearError) {
  onnx::ModelProto m = NestedModel();
  auto* else_b = m.mutable_graph()->mutable_node(0)->mutable_attribute(1)->mutable_g();
  Out(else_b, "w", TensorProto::FLOAT, {2});
  auto g = Import(m);
  ASSERT_FALSE(g.ok());
  EXPECT_TRUE(Has(g.status(), "subgraph 'else_branch' has 2 outputs, expected 1")) << g.status();
}

// Sequence/optional body outputs are supported (graph/sequence_type.h); a map is not.
TEST(SubgraphImport, MapValuedBodyIsRefusedAsUnsupported) {
  onnx::ModelProto m = NestedModel();
  auto* else_b = m.mutable_graph()->mutable_node(0)->mutable_attribute(1)->mutable_g();
  auto* map = else_b->mutable_output(0)->mutable_type()->mutable_map_type();
  map->set_key_type(TensorProto::INT64);
  map->mutable_value_type()->mutable_tensor_type()->set_elem_type(TensorProto::FLOAT);
  auto g = Import(m);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), absl::StatusCode::kUnimplemented) << g.status();
  EXPECT_TRUE(Has(g.status(), "map and sparse values are not")) << g.status();
  EXPECT_TRUE(Has(g.status(), "subgraph 'else_branch'")) << g.status();
}

// `depth` Ifs, each in the previous one's then-branch; the innermost returns x.
onnx::ModelProto DeepIfs(int depth) {
  onnx::ModelProto m = Model();
  auto* g = m.mutable_graph();
  In(g, "x", TensorProto::FLOAT, {1});
  In(g, "c", TensorProto::BOOL, {});
  onnx::GraphProto* cur = g;
  for (int d = 0; d < depth; ++d) {
    auto* n = Op(cur, "If", {"c"}, {"y" + std::to_string(d)}, "if" + std::to_string(d));
    Out(cur, "y" + std::to_string(d), TensorProto::FLOAT, {1});
    Out(Body(n, "else_branch"), "x", TensorProto::FLOAT, {1});
    cur = Body(n, "then_branch");
  }
  Out(cur, "x", TensorProto::FLOAT, {1});
  return m;
}

TEST(SubgraphImport, NestingIsBoundedWithoutCrashing) {
  auto ok = Import(DeepIfs(kMaxSubgraphDepth / 2));
  EXPECT_TRUE(ok.ok()) << ok.status();
  auto deep = Import(DeepIfs(kMaxSubgraphDepth + 4));
  ASSERT_FALSE(deep.ok());
  EXPECT_TRUE(Has(deep.status(), "nested more than")) << deep.status();
  // Far deeper than protobuf parses: refused as a corrupt model, never a stack overflow.
  EXPECT_FALSE(Import(DeepIfs(400)).ok());
}

// A Loop adding `addend` (a value of the main graph) three times to `init`.
onnx::ModelProto AccumulateModel(const std::string& addend) {
  onnx::ModelProto m = Model();
  auto* g = m.mutable_graph();
  FloatInit(g, "init", {2}, {1.f, 1.f});
  Int64Init(g, "three", {}, {3});
  auto* loop = Op(g, "Loop", {"three", "", "init"}, {"y"}, "loop");
  auto* b = Body(loop, "body");
  In(b, "i", TensorProto::INT64, {});
  In(b, "c", TensorProto::BOOL, {});
  In(b, "a", TensorProto::FLOAT, {2});
  Op(b, "Identity", {"c"}, {"c2"});
  Op(b, "Add", {"a", addend}, {"a2"});
  Out(b, "c2", TensorProto::BOOL, {});
  Out(b, "a2", TensorProto::FLOAT, {2});
  Out(g, "y", TensorProto::FLOAT, {2});
  return m;
}

PassStats RunPasses(Graph& g) {
  PassStats stats;
  NodeEvaluator eval = cpu::EvaluateNode;
  EXPECT_TRUE(RunLoadPasses(g, eval, true, stats).ok());
  return stats;
}

TEST(SubgraphImport, PassesKeepAndOrderWhatOnlyABodyReads) {
  // r = Relu(x), listed after the Loop, is read only inside the Loop's body.
  onnx::ModelProto m = AccumulateModel("r");
  In(m.mutable_graph(), "x", TensorProto::FLOAT, {2});
  Op(m.mutable_graph(), "Relu", {"x"}, {"r"}, "relu");
  auto g = Import(m);
  ASSERT_TRUE(g.ok()) << g.status();
  ASSERT_EQ(g->nodes.size(), 2u);
  EXPECT_EQ(g->nodes[0].op_type, "Relu");  // topological order counts the body's read
  RunPasses(*g);
  ASSERT_EQ(g->nodes.size(), 2u);  // dead-node removal too
  EXPECT_EQ(g->nodes[0].op_type, "Relu");
  auto out = RunModel(m, {Val<float>({2}, {-5.f, 2.f})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].as<float>(), std::vector<float>({1.f, 7.f}));
}

TEST(SubgraphImport, ControlFlowIsNeverFolded) {
  // Every input of the Loop is constant (init, three and the captured initializer).
  onnx::ModelProto m = AccumulateModel("init");
  auto g = Import(m);
  ASSERT_TRUE(g.ok()) << g.status();
  PassStats stats = RunPasses(*g);
  EXPECT_EQ(stats.folded, 0);
  ASSERT_EQ(g->nodes.size(), 1u);
  EXPECT_EQ(g->nodes[0].op_type, "Loop");
  auto out = RunModel(m, {});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].as<float>(), std::vector<float>({4.f, 4.f}));
}

TEST(SubgraphImport, UnusedControlFlowIsRemoved) {
  onnx::ModelProto m = LoopModel(GoodBody);
  auto* g = m.mutable_graph();
  Op(g, "Relu", {"x"}, {"z"}, "relu");
  g->mutable_output(0)->set_name("z");
  auto gr = Import(m);
  ASSERT_TRUE(gr.ok()) << gr.status();
  RunPasses(*gr);
  ASSERT_EQ(gr->nodes.size(), 1u);
  EXPECT_EQ(gr->nodes[0].op_type, "Relu");
}

}  // namespace socd::graph::subgraph_import_test
