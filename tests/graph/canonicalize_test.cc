// The canonicalization pass: old attribute forms of the tensor ops become the newest input
// forms (as constants), Upsample becomes Resize-10, the graph stays valid, and what cannot be
// rewritten safely is left alone.
#include <gtest/gtest.h>

#include "graph/ir.h"
#include "graph/passes/passes.h"

namespace socd::graph::canonicalize_test {

Attribute Ints(std::vector<int64_t> v) {
  Attribute a;
  a.kind = Attribute::Kind::kInts;
  a.ints = std::move(v);
  return a;
}

Attribute Floats(std::vector<float> v) {
  Attribute a;
  a.kind = Attribute::Kind::kFloats;
  a.floats = std::move(v);
  return a;
}

Attribute Float(float f) {
  Attribute a;
  a.kind = Attribute::Kind::kFloat;
  a.f = f;
  return a;
}

Attribute Str(std::string s) {
  Attribute a;
  a.kind = Attribute::Kind::kString;
  a.s = std::move(s);
  return a;
}

// x -> node(op, opset, attrs) -> y, with x a 4-D float input.
Graph OneNode(const std::string& op, int opset, std::map<std::string, Attribute> attrs,
              int extra_inputs = 0) {
  Graph g;
  g.opsets[""] = opset;
  TensorType t{DType::kFloat32, true, {{1, ""}, {3, ""}, {4, ""}, {5, ""}}};
  int x = g.AddValue("x", t);
  g.inputs.push_back(x);
  Node n{"n", op, "", opset, {x}, {g.AddValue("y")}, std::move(attrs)};
  for (int i = 0; i < extra_inputs; ++i) {
    auto c = std::make_shared<Tensor>(DType::kFloat32, Shape{4});
    n.inputs.push_back(g.AddConstant("k" + std::to_string(i), c));
  }
  g.outputs.push_back(n.outputs[0]);
  g.nodes.push_back(std::move(n));
  EXPECT_TRUE(g.TopoSort().ok());
  return g;
}

std::vector<int64_t> ConstInts(const Graph& g, int v) {
  const Tensor* t = g.ConstantOf(v);
  EXPECT_NE(t, nullptr);
  return t ? t->ToInt64s() : std::vector<int64_t>{};
}

TEST(Canonicalize, UpsampleBecomesResize10) {
  Graph g = OneNode("Upsample", 7, {{"scales", Floats({1, 1, 2, 3})}, {"mode", Str("bilinear")}});
  PassStats st;
  ASSERT_TRUE(Canonicalize(g, st).ok());
  EXPECT_EQ(st.canonicalized, 1);
  const Node& n = g.nodes[0];
  EXPECT_EQ(n.op_type, "Resize");
  EXPECT_EQ(n.opset, 10);
  EXPECT_FALSE(n.HasAttr("scales"));
  EXPECT_EQ(n.GetString("mode", ""), "linear");
  ASSERT_EQ(n.inputs.size(), 2u);
  const Tensor* s = g.ConstantOf(n.inputs[1]);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->dtype(), DType::kFloat32);
  EXPECT_EQ(s->shape(), Shape{4});
  EXPECT_EQ(s->as<float>()[3], 3.f);

  Graph g9 = OneNode("Upsample", 9, {}, 1);
  PassStats st9;
  ASSERT_TRUE(Canonicalize(g9, st9).ok());
  EXPECT_EQ(g9.nodes[0].op_type, "Resize");
  EXPECT_EQ(g9.nodes[0].inputs.size(), 2u);
}

TEST(Canonicalize, AttributesBecomeInt64Inputs) {
  Graph sq = OneNode("Squeeze", 11, {{"axes", Ints({0})}});
  PassStats st;
  ASSERT_TRUE(Canonicalize(sq, st).ok());
  EXPECT_EQ(sq.nodes[0].opset, 13);
  ASSERT_EQ(sq.nodes[0].inputs.size(), 2u);
  EXPECT_EQ(ConstInts(sq, sq.nodes[0].inputs[1]), std::vector<int64_t>{0});
  EXPECT_FALSE(sq.nodes[0].HasAttr("axes"));

  Graph all = OneNode("Squeeze", 1, {});  // no axes: squeeze every 1, still no input
  ASSERT_TRUE(Canonicalize(all, st).ok());
  EXPECT_EQ(all.nodes[0].opset, 13);
  EXPECT_EQ(all.nodes[0].inputs.size(), 1u);

  Graph sl = OneNode("Slice", 1, {{"starts", Ints({1})}, {"ends", Ints({3})}});
  ASSERT_TRUE(Canonicalize(sl, st).ok());
  const Node& n = sl.nodes[0];
  EXPECT_EQ(n.opset, 13);
  ASSERT_EQ(n.inputs.size(), 3u);
  EXPECT_EQ(ConstInts(sl, n.inputs[1]), std::vector<int64_t>{1});
  EXPECT_EQ(ConstInts(sl, n.inputs[2]), std::vector<int64_t>{3});

  Graph pad =
      OneNode("Pad", 2, {{"pads", Ints({0, 0, 1, 1, 0, 0, 1, 1})}, {"mode", Str("reflect")}});
  ASSERT_TRUE(Canonicalize(pad, st).ok());
  EXPECT_EQ(pad.nodes[0].opset, 11);
  EXPECT_EQ(pad.nodes[0].GetString("mode", ""), "reflect");
  EXPECT_EQ(ConstInts(pad, pad.nodes[0].inputs[1]).size(), 8u);
  EXPECT_EQ(st.canonicalized, 4);
  EXPECT_TRUE(pad.TopoSort().ok());
}

TEST(Canonicalize, LeavesWhatItCannotRewriteAlone) {
  // A non-zero pad value would need the data's type for the constant_value input.
  Graph pad = OneNode("Pad", 2, {{"pads", Ints({0, 0, 0, 0, 0, 0, 0, 0})}, {"value", Float(1.5f)}});
  Graph relu = OneNode("Relu", 6, {});
  Graph new_form = OneNode("Squeeze", 13, {});
  PassStats st;
  ASSERT_TRUE(Canonicalize(pad, st).ok());
  ASSERT_TRUE(Canonicalize(relu, st).ok());
  ASSERT_TRUE(Canonicalize(new_form, st).ok());
  EXPECT_EQ(st.canonicalized, 0);
  EXPECT_EQ(pad.nodes[0].opset, 2);
  EXPECT_TRUE(pad.nodes[0].HasAttr("pads"));
  EXPECT_EQ(new_form.nodes[0].inputs.size(), 1u);
}

}  // namespace socd::graph::canonicalize_test
