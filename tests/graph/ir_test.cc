#include "graph/ir.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace socd::graph::ir_test {

TensorType Float(std::vector<int64_t> dims) {
  TensorType t;
  t.dtype = DType::kFloat32;
  t.has_shape = true;
  for (int64_t d : dims) t.dims.push_back(Dim{d, ""});
  return t;
}

Node MakeNode(const std::string& name, const std::string& op, std::vector<int> in,
              std::vector<int> out) {
  Node n;
  n.name = name;
  n.op_type = op;
  n.opset = 13;
  n.inputs = std::move(in);
  n.outputs = std::move(out);
  return n;
}

int IndexOf(const Graph& g, const std::string& node) {
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (g.nodes[i].name == node) return static_cast<int>(i);
  return -1;
}

// Every node's inputs are produced earlier (or are inputs/constants) and `producer` agrees.
void ExpectTopological(const Graph& g) {
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    for (int in : g.nodes[n].inputs) {
      if (in == kNoValue) continue;
      EXPECT_LT(g.values[in].producer, static_cast<int>(n)) << g.nodes[n].name;
    }
    for (int out : g.nodes[n].outputs) {
      if (out == kNoValue) continue;
      EXPECT_EQ(g.values[out].producer, static_cast<int>(n));
    }
  }
}

TEST(IrTopoSort, OrdersProducersBeforeConsumers) {
  Graph g;
  int x = g.AddValue("x", Float({2}));
  g.inputs = {x};
  int a = g.AddValue("a"), b = g.AddValue("b"), c = g.AddValue("c"), d = g.AddValue("d");
  // Listed consumers-first: d = Add(b, c), c = Relu(a), b = Relu(a), a = Relu(x).
  g.nodes.push_back(MakeNode("n_d", "Add", {b, c}, {d}));
  g.nodes.push_back(MakeNode("n_c", "Relu", {a}, {c}));
  g.nodes.push_back(MakeNode("n_b", "Relu", {a}, {b}));
  g.nodes.push_back(MakeNode("n_a", "Relu", {x}, {a}));
  g.outputs = {d};
  ASSERT_TRUE(g.TopoSort().ok());
  ASSERT_EQ(g.nodes.size(), 4u);
  EXPECT_EQ(g.nodes.front().name, "n_a");
  EXPECT_EQ(g.nodes.back().name, "n_d");
  // Among nodes ready together the model's order is kept, so output is deterministic.
  EXPECT_LT(IndexOf(g, "n_c"), IndexOf(g, "n_b"));
  ExpectTopological(g);
  EXPECT_EQ(g.values[x].producer, -1);
}

TEST(IrTopoSort, SortedGraphStaysAsIs) {
  Graph g;
  int x = g.AddValue("x", Float({2}));
  g.inputs = {x};
  int prev = x;
  for (int i = 0; i < 6; ++i) {
    int v = g.AddValue("v" + std::to_string(i));
    g.nodes.push_back(MakeNode("n" + std::to_string(i), "Relu", {prev}, {v}));
    prev = v;
  }
  g.outputs = {prev};
  ASSERT_TRUE(g.TopoSort().ok());
  for (int i = 0; i < 6; ++i) EXPECT_EQ(g.nodes[i].name, "n" + std::to_string(i));
  ExpectTopological(g);
}

TEST(IrTopoSort, ConstantsAndOmittedInputsNeedNoProducer) {
  Graph g;
  int x = g.AddValue("x", Float({3}));
  g.inputs = {x};
  auto t = std::make_shared<Tensor>(DType::kFloat32, Shape{3});
  int w = g.AddConstant("w", t);
  int y = g.AddValue("y");
  g.nodes.push_back(MakeNode("clip", "Clip", {x, kNoValue, w}, {y, kNoValue}));
  g.outputs = {y};
  EXPECT_TRUE(g.TopoSort().ok());
  EXPECT_EQ(g.values[w].producer, -1);
}

TEST(IrTopoSort, DetectsCycleAndNamesANodeOnIt) {
  Graph g;
  int x = g.AddValue("x", Float({2}));
  g.inputs = {x};
  int a = g.AddValue("a"), b = g.AddValue("b"), y = g.AddValue("y");
  g.nodes.push_back(MakeNode("first", "Relu", {x}, {y}));
  g.nodes.push_back(MakeNode("loop_a", "Add", {x, b}, {a}));
  g.nodes.push_back(MakeNode("loop_b", "Relu", {a}, {b}));
  g.outputs = {y, b};
  absl::Status s = g.TopoSort();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("cycle"), absl::string_view::npos) << s.message();
  EXPECT_TRUE(s.message().find("loop_a") != absl::string_view::npos ||
              s.message().find("loop_b") != absl::string_view::npos)
      << s.message();
}

TEST(IrTopoSort, SelfLoopIsACycle) {
  Graph g;
  int a = g.AddValue("a");
  g.nodes.push_back(MakeNode("self", "Relu", {a}, {a}));
  g.outputs = {a};
  absl::Status s = g.TopoSort();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("self"), absl::string_view::npos) << s.message();
}

TEST(IrTopoSort, RejectsReadOfUndefinedValue) {
  Graph g;
  int x = g.AddValue("x", Float({2}));
  g.inputs = {x};
  int ghost = g.AddValue("ghost"), y = g.AddValue("y");
  g.nodes.push_back(MakeNode("reader", "Add", {x, ghost}, {y}));
  g.outputs = {y};
  absl::Status s = g.TopoSort();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("ghost"), absl::string_view::npos) << s.message();
  EXPECT_NE(s.message().find("reader"), absl::string_view::npos) << s.message();
}

TEST(IrTopoSort, RejectsValueProducedTwice) {
  Graph g;
  int x = g.AddValue("x", Float({2}));
  g.inputs = {x};
  int y = g.AddValue("y");
  g.nodes.push_back(MakeNode("one", "Relu", {x}, {y}));
  g.nodes.push_back(MakeNode("two", "Relu", {x}, {y}));
  g.outputs = {y};
  absl::Status s = g.TopoSort();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("'y'"), absl::string_view::npos) << s.message();
}

TEST(IrTopoSort, RejectsOutputNothingProduces) {
  Graph g;
  int x = g.AddValue("x", Float({2}));
  g.inputs = {x};
  int y = g.AddValue("y"), orphan = g.AddValue("orphan");
  g.nodes.push_back(MakeNode("n", "Relu", {x}, {y}));
  g.outputs = {y, orphan};
  absl::Status s = g.TopoSort();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("orphan"), absl::string_view::npos) << s.message();
}

TEST(IrCompactValues, DropsUnusedAndRenumbersConsistently) {
  Graph g;
  g.AddValue("unused0");
  int x = g.AddValue("x", Float({2}));
  g.AddValue("unused1");
  auto t = std::make_shared<Tensor>(DType::kFloat32, Shape{2});
  int w = g.AddConstant("w", t);
  g.AddConstant("dead_weight", std::make_shared<Tensor>(DType::kFloat32, Shape{4}));
  int a = g.AddValue("a");
  g.AddValue("unused2");
  int y = g.AddValue("y");
  g.inputs = {x};
  g.nodes.push_back(MakeNode("add", "Add", {x, w}, {a}));
  g.nodes.push_back(MakeNode("clip", "Clip", {a, kNoValue}, {y}));
  g.outputs = {y};
  ASSERT_TRUE(g.TopoSort().ok());

  g.CompactValues();
  ASSERT_EQ(g.values.size(), 4u);  // x, w, a, y
  for (const char* gone : {"unused0", "unused1", "unused2", "dead_weight"}) {
    EXPECT_EQ(g.FindValue(gone), -1) << gone;
  }
  // Every index still names the same value, by name, and lookups agree with the indices.
  for (size_t v = 0; v < g.values.size(); ++v) {
    EXPECT_EQ(g.FindValue(g.values[v].name), static_cast<int>(v));
  }
  ASSERT_EQ(g.inputs.size(), 1u);
  EXPECT_EQ(g.values[g.inputs[0]].name, "x");
  EXPECT_EQ(g.values[g.outputs[0]].name, "y");
  ASSERT_EQ(g.nodes.size(), 2u);
  EXPECT_EQ(g.values[g.nodes[0].inputs[0]].name, "x");
  EXPECT_EQ(g.values[g.nodes[0].inputs[1]].name, "w");
  EXPECT_NE(g.values[g.nodes[0].inputs[1]].constant, nullptr);
  EXPECT_EQ(g.values[g.nodes[0].outputs[0]].name, "a");
  EXPECT_EQ(g.values[g.nodes[1].inputs[0]].name, "a");
  EXPECT_EQ(g.nodes[1].inputs[1], kNoValue);  // omitted inputs stay omitted
  EXPECT_EQ(g.values[g.nodes[1].outputs[0]].name, "y");
  EXPECT_EQ(g.values[g.FindValue("a")].producer, 0);
  EXPECT_EQ(g.values[g.FindValue("y")].producer, 1);
  EXPECT_EQ(g.values[g.FindValue("x")].type.dims.size(), 1u);
  // The compacted graph is still valid and new values get fresh indices.
  EXPECT_TRUE(g.TopoSort().ok());
  int z = g.AddValue("z");
  EXPECT_EQ(z, 4);
  EXPECT_EQ(g.FindValue("z"), 4);
}

TEST(IrCompactValues, UseCountsMatchAfterCompaction) {
  Graph g;
  g.AddValue("junk");
  int x = g.AddValue("x", Float({2}));
  int a = g.AddValue("a"), b = g.AddValue("b");
  g.inputs = {x};
  g.nodes.push_back(MakeNode("n1", "Relu", {x}, {a}));
  g.nodes.push_back(MakeNode("n2", "Add", {a, a}, {b}));
  g.outputs = {a, b};
  ASSERT_TRUE(g.TopoSort().ok());
  g.CompactValues();
  auto uses = g.UseCounts();
  ASSERT_EQ(uses.size(), g.values.size());
  EXPECT_EQ(uses[g.FindValue("x")], 1);
  EXPECT_EQ(uses[g.FindValue("a")], 3);  // twice by n2, once as a graph output
  EXPECT_EQ(uses[g.FindValue("b")], 1);
}

}  // namespace socd::graph::ir_test
