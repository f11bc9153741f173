// String tensors through a real Session: data movement on 16-byte views (Identity, Reshape,
// Gather, Concat, Slice, Transpose, Expand, Tile, Split, Where), Equal, Cast both ways against
// numpy's formatting, the string operators, folded string constants, the per-run pool's
// lifetime, and GPU plans refusing strings.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/cpu_partition.h"
#include "backends/cpu/kernels/string_kernels.h"
#include "backends/static_plan.h"
#include "graph/string_store.h"
#include "scheduler/session.h"
#include "tests/cpu/node_runner.h"

namespace socd::string_test {

using graph::DType;
using graph::Shape;
using namespace node_runner;
using Strings = std::vector<std::string>;

Input Bools(Shape shape, const std::vector<uint8_t>& v) {
  Input in = In<uint8_t>(std::move(shape), v);
  in.dtype = DType::kBool;
  return in;
}

Attrs A(std::initializer_list<std::pair<const std::string, graph::Attribute>> l) { return l; }

Strings Run1(const std::string& op, std::vector<Input> in, Attrs attrs, int opset,
             Shape* shape = nullptr) {
  auto r = RunNode(op, std::move(in), std::move(attrs), opset);
  EXPECT_TRUE(r.ok()) << r.status();
  if (!r.ok()) return {};
  EXPECT_EQ((*r)[0].dtype, DType::kString);
  if (shape) *shape = (*r)[0].shape;
  return (*r)[0].strings;
}

TEST(StringStore, PoolKeepsEarlierStringsAcrossBlocks) {
  graph::StringPool pool;
  std::vector<graph::StringElem> e;
  for (int i = 0; i < 3000; ++i) e.push_back(pool.Add("s" + std::to_string(i)));
  const std::string big(10000, 'x');
  const auto b = pool.Add(big);
  for (int i = 0; i < 3000; ++i) ASSERT_EQ(e[i].view(), "s" + std::to_string(i));
  EXPECT_EQ(b.view(), big);
  EXPECT_EQ(pool.Add("").size, 0u);
  pool.Clear();
  EXPECT_EQ(pool.bytes(), 0u);
  EXPECT_EQ(pool.Add("again").view(), "again");
}

TEST(StringStore, TensorOwnsItsStrings) {
  auto t = std::make_shared<graph::Tensor>(DType::kString, Shape{2});
  {
    std::string tmp = "temporary";
    t->SetString(0, tmp);
    tmp.assign("overwritten");
  }
  EXPECT_EQ(t->StringAt(0), "temporary");
  EXPECT_EQ(t->StringAt(1), "");
  // OwnStrings copies what elements point at elsewhere (here: a pool about to be freed).
  auto pool = std::make_unique<graph::StringPool>();
  t->as<graph::StringElem>()[1] = pool->Add("from a pool");
  t->OwnStrings();
  pool.reset();
  EXPECT_EQ(t->StringAt(1), "from a pool");
  EXPECT_EQ(t->StringAt(0), "temporary");
  // A copy made before OwnStrings keeps its own valid view of the old store.
  auto copy = std::make_unique<graph::Tensor>(*t);
  t->as<graph::StringElem>()[0] = graph::StringElem{};  // shared bytes: the copy sees this too
  t->SetString(0, "again");
  t->OwnStrings();
  t.reset();
  EXPECT_EQ(copy->StringAt(0), "again");
  EXPECT_EQ(copy->StringAt(1), "from a pool");
}

TEST(StringMovement, IdentityReshapeAndTranspose) {
  EXPECT_EQ(Run1("Identity", {Strs({2}, {"a", "bc"})}, {}, 21), (Strings{"a", "bc"}));
  Shape s;
  EXPECT_EQ(Run1("Reshape", {Strs({2, 2}, {"a", "b", "c", "d"}), In<int64_t>({1}, {4}, true)}, {},
                 21, &s),
            (Strings{"a", "b", "c", "d"}));
  EXPECT_EQ(s, (Shape{4}));
  EXPECT_EQ(Run1("Transpose", {Strs({2, 3}, {"a", "b", "c", "d", "e", "f"})}, {}, 21, &s),
            (Strings{"a", "d", "b", "e", "c", "f"}));
  EXPECT_EQ(s, (Shape{3, 2}));
  EXPECT_EQ(Run1("Transpose", {Strs({2, 2, 2}, {"0", "1", "2", "3", "4", "5", "6", "7"})},
                 A({{"perm", Ints({2, 0, 1})}}), 21),
            (Strings{"0", "2", "4", "6", "1", "3", "5", "7"}));
}

TEST(StringMovement, GatherSliceConcat) {
  EXPECT_EQ(Run1("Gather", {Strs({3}, {"x", "yy", "zzz"}), In<int64_t>({4}, {2, 0, -1, 1})},
                 A({{"axis", Int(0)}}), 13),
            (Strings{"zzz", "x", "zzz", "yy"}));
  EXPECT_EQ(Run1("Gather", {Strs({2, 2}, {"a", "b", "c", "d"}), In<int64_t>({1}, {1})},
                 A({{"axis", Int(1)}}), 13),
            (Strings{"b", "d"}));
  EXPECT_EQ(
      Run1("Slice",
           {Strs({5}, {"0", "1", "2", "3", "4"}), In<int64_t>({1}, {4}, true),
            In<int64_t>({1}, {0}, true), In<int64_t>({1}, {0}, true), In<int64_t>({1}, {-2}, true)},
           {}, 13),
      (Strings{"4", "2"}));
  EXPECT_EQ(Run1("Concat", {Strs({1, 2}, {"a", "b"}), Strs({2, 2}, {"c", "d", "e", "f"})},
                 A({{"axis", Int(0)}}), 13),
            (Strings{"a", "b", "c", "d", "e", "f"}));
}

TEST(StringMovement, ElementwiseIndexingOps) {
  EXPECT_EQ(Run1("GatherElements",
                 {Strs({2, 2}, {"a", "b", "c", "d"}), In<int64_t>({2, 2}, {1, 0, 0, 0})},
                 A({{"axis", Int(1)}}), 13),
            (Strings{"b", "a", "c", "c"}));
  EXPECT_EQ(
      Run1("ScatterND",
           {Strs({4}, {"w", "x", "y", "z"}), In<int64_t>({2, 1}, {3, 0}), Strs({2}, {"Z", "W"})},
           {}, 18),
      (Strings{"W", "x", "y", "Z"}));
  EXPECT_EQ(Run1("DepthToSpace", {Strs({1, 4, 1, 1}, {"0", "1", "2", "3"})},
                 A({{"blocksize", Int(2)}}), 13),
            (Strings{"0", "1", "2", "3"}));
}

TEST(StringMovement, ExpandTileWhereSplit) {
  Shape s;
  EXPECT_EQ(Run1("Expand", {Strs({2, 1}, {"p", "q"}), In<int64_t>({2}, {2, 3}, true)}, {}, 13, &s),
            (Strings{"p", "p", "p", "q", "q", "q"}));
  EXPECT_EQ(Run1("Tile", {Strs({2}, {"u", "v"}), In<int64_t>({1}, {2}, true)}, {}, 13),
            (Strings{"u", "v", "u", "v"}));
  EXPECT_EQ(Run1("Where", {Bools({3}, {1, 0, 1}), Strs({3}, {"x0", "x1", "x2"}), Strs({1}, {"y"})},
                 {}, 16),
            (Strings{"x0", "y", "x2"}));
  auto r = RunNode("Split", {Strs({5}, {"a", "b", "c", "d", "e"}), In<int64_t>({2}, {2, 3}, true)},
                   A({{"axis", Int(0)}}), 18, 2);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)[0].strings, (Strings{"a", "b"}));
  EXPECT_EQ((*r)[1].strings, (Strings{"c", "d", "e"}));
}

TEST(StringCompare, NonZeroCountsNonEmptyStrings) {
  // numpy's truth of a string; the empty piece of a split must count as empty too.
  auto r = RunNode("NonZero", {Strs({2, 2}, {"a", "", "", "bc"})}, {}, 13);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)[0].shape, (Shape{2, 2}));
  EXPECT_EQ((*r)[0].as<int64_t>(), (std::vector<int64_t>{0, 1, 0, 1}));
}

TEST(StringCompare, EqualBroadcastsAndComparesContents) {
  // Different storage, same bytes: equal. Embedded NUL and prefixes are not.
  auto r = RunNode(
      "Equal",
      {Strs({2, 3}, {"a", "b", std::string("c\0d", 3), "ab", "", "b"}), Strs({3}, {"a", "b", "c"})},
      {}, 19);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)[0].as<uint8_t>(), (std::vector<uint8_t>{1, 1, 0, 0, 0, 0}));
}

TEST(StringCast, FloatsFormatAsNumpy) {
  // Expected strings are numpy 2's astype(str), what ONNX's reference Cast produces.
  const std::vector<float> f = {0.1f,  1e20f,       123456789.0f, -0.0f, 1.5e-5f,   100.0f,
                                1e-4f, 0.00012345f, 999999.0f,    1e6f,  -INFINITY, NAN};
  EXPECT_EQ(Run1("Cast", {In<float>({12}, f)}, A({{"to", Int(8)}}), 21),
            (Strings{"0.1", "1e+20", "1.2345679e+08", "-0.0", "1.5e-05", "100.0", "1e-04",
                     "0.00012345", "999999.0", "1e+06", "-inf", "nan"}));
  const std::vector<double> d = {0.1, 9999999999999998.0, 1e16, 1e-4, 2.0 / 3};
  EXPECT_EQ(Run1("Cast", {In<double>({5}, d)}, A({{"to", Int(8)}}), 21),
            (Strings{"0.1", "9999999999999998.0", "1e+16", "0.0001", "0.6666666666666666"}));
  EXPECT_EQ(Run1("Cast", {In<int64_t>({2}, {-5, 7})}, A({{"to", Int(8)}}), 21),
            (Strings{"-5", "7"}));
  EXPECT_EQ(Run1("Cast", {Bools({2}, {1, 0})}, A({{"to", Int(8)}}), 21),
            (Strings{"True", "False"}));
  using cpu::string_kernels::FormatFloatLikeNumpy;
  EXPECT_EQ(FormatFloatLikeNumpy(graph::HalfToFloat(graph::FloatToHalf(65504.f)), 16), "6.55e+04");
  EXPECT_EQ(FormatFloatLikeNumpy(graph::HalfToFloat(graph::FloatToHalf(0.3333f)), 16), "0.3333");
  EXPECT_EQ(FormatFloatLikeNumpy(graph::HalfToFloat(graph::FloatToHalf(999.5f)), 16), "999.5");
}

TEST(StringCast, StringsParseAsNumbers) {
  auto r = RunNode("Cast", {Strs({6}, {"3.14", "1e-5", "INF", "-inf", "NaN", "+INF"})},
                   A({{"to", Int(1)}}), 21);
  ASSERT_TRUE(r.ok()) << r.status();
  auto f = (*r)[0].as<float>();
  EXPECT_FLOAT_EQ(f[0], 3.14f);
  EXPECT_FLOAT_EQ(f[1], 1e-5f);
  EXPECT_TRUE(std::isinf(f[2]) && f[2] > 0);
  EXPECT_TRUE(std::isinf(f[3]) && f[3] < 0);
  EXPECT_TRUE(std::isnan(f[4]));
  EXPECT_TRUE(std::isinf(f[5]) && f[5] > 0);
  r = RunNode("Cast", {Strs({3}, {"100.5", "-7", "9007199254740993"})}, A({{"to", Int(7)}}), 21);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)[0].as<int64_t>(), (std::vector<int64_t>{100, -7, 9007199254740993}));
  r = RunNode("Cast", {Strs({2}, {"1", "abc"})}, A({{"to", Int(1)}}), 21);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("element 1"), std::string::npos) << r.status();
  // Round trip through strings.
  EXPECT_EQ(Run1("Cast", {Strs({2}, {"abc", ""})}, A({{"to", Int(8)}}), 21), (Strings{"abc", ""}));
}

TEST(StringConstants, FoldedStringsOutliveTheirSources) {
  // Every input constant: the node folds at load (EvaluateNode's pool), the session keeps it.
  EXPECT_EQ(Run1("Concat", {Strs({1}, {"folded"}, true), Strs({2}, {"b", "c"}, true)},
                 A({{"axis", Int(0)}}), 13),
            (Strings{"folded", "b", "c"}));
  EXPECT_EQ(Run1("Cast", {In<float>({2}, {2.5f, -1.0f}, true)}, A({{"to", Int(8)}}), 21),
            (Strings{"2.5", "-1.0"}));
  EXPECT_EQ(Run1("StringConcat", {Strs({1}, {"con"}, true), Strs({1}, {"stant"}, true)}, {}, 20),
            (Strings{"constant"}));
}

TEST(StringOps, StringConcatBroadcasts) {
  EXPECT_EQ(Run1("StringConcat", {Strs({2, 1}, {"a", "bb"}), Strs({2}, {"-x", ""})}, {}, 20),
            (Strings{"a-x", "a", "bb-x", "bb"}));
}

TEST(StringOps, StringConcatRefusesRunawayBroadcasts) {
  // 1 MiB x 2048 rows = 2 GiB of characters the plan never saw: refused, nothing allocated.
  auto r =
      RunNode("StringConcat",
              {Strs({1}, {std::string(1 << 20, 'x')}, true), Strs({2048}, Strings(2048))}, {}, 20);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted) << r.status();
}

TEST(StringOps, StringSplitLikePython) {
  auto r =
      RunNode("StringSplit", {Strs({3}, {"a,b,,c", "", "x"})}, A({{"delimiter", Str(",")}}), 20, 2);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)[0].shape, (Shape{3, 4}));
  EXPECT_EQ((*r)[0].strings, (Strings{"a", "b", "", "c", "", "", "", "", "x", "", "", ""}));
  EXPECT_EQ((*r)[1].as<int64_t>(), (std::vector<int64_t>{4, 1, 1}));
  r = RunNode("StringSplit", {Strs({2}, {"  one two  three ", "\tfour"})},
              A({{"maxsplit", Int(1)}}), 20, 2);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)[0].strings, (Strings{"one", "two  three ", "four", ""}));
  EXPECT_EQ((*r)[1].as<int64_t>(), (std::vector<int64_t>{2, 1}));
}

TEST(StringOps, RegexFullMatchUsesRe2) {
  auto r = RunNode("RegexFullMatch", {Strs({3}, {"www.google.com", "google.com", "www.x.org"})},
                   A({{"pattern", Str(R"(www\.[\w.-]+\.\bcom\b)")}}), 20);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)[0].as<uint8_t>(), (std::vector<uint8_t>{1, 0, 0}));
  r = RunNode("RegexFullMatch", {Strs({1}, {"a"})}, A({{"pattern", Str("(")}}), 20);
  EXPECT_FALSE(r.ok());
}

TEST(StringOps, StringNormalizerDropsStopwordsAndEmpties) {
  graph::Attribute stops;
  stops.kind = graph::Attribute::Kind::kStrings;
  stops.strings = {"monday"};
  Shape s;
  EXPECT_EQ(Run1("StringNormalizer", {Strs({4}, {"Monday", "tuesday", "", "monday"})},
                 A({{"case_change_action", Str("UPPER")}, {"stopwords", stops}}), 10, &s),
            (Strings{"TUESDAY"}));
  EXPECT_EQ(s, (Shape{1}));
  EXPECT_EQ(Run1("StringNormalizer", {Strs({1, 3}, {"Monday", "tuesday", "monday"})},
                 A({{"is_case_sensitive", Int(1)}, {"stopwords", stops}}), 10, &s),
            (Strings{"Monday", "tuesday"}));
  EXPECT_EQ(s, (Shape{1, 2}));
  EXPECT_EQ(
      Run1("StringNormalizer", {Strs({2}, {"monday", ""})}, A({{"stopwords", stops}}), 10, &s),
      (Strings{""}));
  auto r = RunNode("StringNormalizer", {Strs({1}, {"caf\xc3\xa9"})}, {}, 10);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnimplemented) << r.status();
}

TEST(StringLifetime, EachRunsStringsAreItsOwn) {
  // Cast to string twice on one session: the second run's pool replaces the first's.
  graph::Graph g;
  g.opsets[""] = 21;
  const int x = g.AddValue("x", {DType::kFloat32, true, {graph::Dim{2, ""}}});
  const int y = g.AddValue("y");
  g.inputs.push_back(x);
  g.outputs.push_back(y);
  graph::Node n;
  n.name = "cast";
  n.op_type = "Cast";
  n.opset = 21;
  n.attrs["to"] = Int(8);
  n.inputs = {x};
  n.outputs = {y};
  g.nodes.push_back(n);
  ASSERT_TRUE(g.TopoSort().ok());
  auto s = scheduler::Session::FromGraph(std::move(g), {});
  ASSERT_TRUE(s.ok()) << s.status();
  for (float base : {1.0f, 200.0f, 3.5f}) {
    std::vector<float> in = {base, -base};
    std::vector<graph::TensorView> outs;
    ASSERT_TRUE((*s)->Run({{DType::kFloat32, {2}, in.data()}}, outs).ok());
    ASSERT_EQ(outs[0].dtype, DType::kString);
    EXPECT_EQ(std::string(graph::StringAt(outs[0], 0)),
              cpu::string_kernels::FormatFloatLikeNumpy(base, 32));
    EXPECT_EQ(std::string(graph::StringAt(outs[0], 1)),
              cpu::string_kernels::FormatFloatLikeNumpy(-base, 32));
  }
}

// A one-node Cast(float -> string) graph.
std::shared_ptr<const graph::Graph> CastToStringGraph() {
  auto g = std::make_shared<graph::Graph>();
  g->opsets[""] = 21;
  const int x = g->AddValue("x", {DType::kFloat32, true, {graph::Dim{2, ""}}});
  const int y = g->AddValue("y");
  g->inputs.push_back(x);
  g->outputs.push_back(y);
  graph::Node n;
  n.name = "cast";
  n.op_type = "Cast";
  n.opset = 21;
  n.attrs["to"] = Int(8);
  n.inputs = {x};
  n.outputs = {y};
  g->nodes.push_back(n);
  EXPECT_TRUE(g->TopoSort().ok());
  return g;
}

TEST(StringLifetime, SharedPoolKeepsEveryRunsStrings) {
  // A nested partition (control-flow body) writes into its enclosing run's pool, so strings of
  // one iteration stay valid while later iterations run.
  cpu::CpuBackend backend(1);
  auto part = backend.Compile(CastToStringGraph(), {});
  ASSERT_TRUE(part.ok()) << part.status();
  graph::StringPool outer;
  static_cast<cpu::CpuPartition*>(part->get())->ShareStringPool(&outer);
  std::vector<float> a = {1.5f, 2.5f}, b = {-7.0f, 1e7f};
  std::vector<graph::TensorView> first, second;
  ASSERT_TRUE((*part)->Run({{DType::kFloat32, {2}, a.data()}}, first).ok());
  std::vector<graph::StringElem> kept(graph::StringElems(first[0]),
                                      graph::StringElems(first[0]) + 2);
  ASSERT_TRUE((*part)->Run({{DType::kFloat32, {2}, b.data()}}, second).ok());
  EXPECT_EQ(kept[0].view(), "1.5");
  EXPECT_EQ(kept[1].view(), "2.5");
  EXPECT_EQ(std::string(graph::StringAt(second[0], 1)), "1e+07");
  EXPECT_GT(outer.bytes(), 0u);
}

TEST(StringPlan, GpuPlansRefuseStrings) {
  graph::Graph g;
  g.opsets[""] = 21;
  const int x = g.AddValue("x", {DType::kString, true, {graph::Dim{2, ""}}});
  const int y = g.AddValue("y");
  g.inputs.push_back(x);
  g.outputs.push_back(y);
  graph::Node n;
  n.name = "id";
  n.op_type = "Identity";
  n.opset = 21;
  n.inputs = {x};
  n.outputs = {y};
  g.nodes.push_back(n);
  ASSERT_TRUE(g.TopoSort().ok());
  backends::StaticPlanOptions po;  // a GPU backend's options: allow_strings stays false
  auto p = backends::BuildStaticPlan(g, {{2}}, po);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_NE(p.status().message().find("CPU backend only"), std::string::npos) << p.status();
  po.allow_strings = true;
  EXPECT_TRUE(backends::BuildStaticPlan(g, {{2}}, po).ok());
}

}  // namespace socd::string_test
