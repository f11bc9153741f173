// Sequence and optional values on the CPU backend (graph/sequence_type.h): import of their
// types, the Sequence*/Optional* kernels, handles as graph inputs and outputs, and a Loop
// carrying a sequence, through import, passes and a real Session.
#include <gtest/gtest.h>

#include "graph/sequence_io.h"
#include "graph/sequence_type.h"
#include "tests/graph/subgraph_builder.h"

namespace socd::cpu::sequence_test {

using namespace subgraph_builder;  // NOLINT: test-local builders
using graph::DType;
using graph::HandleObject;

// A value typed sequence(tensor(elem)), or optional(...) of that when `optional`.
void SeqTyped(onnx::ValueInfoProto* v, const std::string& name, int elem, bool optional = false) {
  v->set_name(name);
  onnx::TypeProto* t = v->mutable_type();
  if (optional) t = t->mutable_optional_type()->mutable_elem_type();
  t->mutable_sequence_type()->mutable_elem_type()->mutable_tensor_type()->set_elem_type(elem);
}

std::unique_ptr<scheduler::Session> Load(const onnx::ModelProto& m) {
  auto g = Import(m);
  EXPECT_TRUE(g.ok()) << g.status();
  if (!g.ok()) return nullptr;
  auto s = scheduler::Session::FromGraph(*std::move(g), scheduler::SessionOptions{});
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *std::move(s) : nullptr;
}

std::vector<float> Floats(const graph::Tensor& t) {
  return std::vector<float>(t.as<float>(), t.as<float>() + t.numel());
}

// x [2,3] -> SplitToSequence(axis 1, split [1,2]) -> erase the last -> insert x at the front
// -> ConcatFromSequence(axis 1): [x | x[:, 0]], plus the sequence's length before erasing.
TEST(Sequence, SplitEraseInsertConcat) {
  onnx::ModelProto m = Model(16);
  auto* g = m.mutable_graph();
  In(g, "x", TensorProto::FLOAT, {2, 3});
  Int64Init(g, "split", {2}, {1, 2});
  Int64Init(g, "zero", {}, {0});
  IntAttr(Op(g, "SplitToSequence", {"x", "split"}, {"s"}), "axis", 1);
  Op(g, "SequenceLength", {"s"}, {"len"});
  Op(g, "SequenceErase", {"s"}, {"s2"});
  Op(g, "SequenceInsert", {"s2", "x", "zero"}, {"s3"});
  IntAttr(Op(g, "ConcatFromSequence", {"s3"}, {"y"}), "axis", 1);
  Out(g, "y", TensorProto::FLOAT, {2, 4});
  Out(g, "len", TensorProto::INT64, {});
  SeqTyped(g->add_output(), "s3", TensorProto::FLOAT);
  auto s = Load(m);
  ASSERT_TRUE(s);
  std::vector<float> x = {1, 2, 3, 4, 5, 6};
  std::vector<graph::TensorView> out;
  ASSERT_TRUE(s->Run({{DType::kFloat32, {2, 3}, x.data()}}, out).ok());
  ASSERT_EQ(out[0].shape, (graph::Shape{2, 4}));
  const float* y = out[0].as<float>();
  EXPECT_EQ(std::vector<float>(y, y + 8), (std::vector<float>{1, 2, 3, 1, 4, 5, 6, 4}));
  EXPECT_EQ(*out[1].as<int64_t>(), 2);
  // The sequence itself comes back as a handle, valid until the next run.
  ASSERT_EQ(out[2].dtype, DType::kHandle);
  const HandleObject* h = graph::ReadHandle(out[2]);
  ASSERT_NE(h, nullptr);
  ASSERT_EQ(h->tensors.size(), 2u);
  EXPECT_EQ(h->tensors[0]->shape(), (graph::Shape{2, 3}));
  EXPECT_EQ(Floats(*h->tensors[1]), (std::vector<float>{1, 4}));
  // The elements own their bytes: changing the input afterwards changes nothing.
  x[0] = 100;
  EXPECT_EQ(Floats(*h->tensors[0])[0], 1);
}

TEST(Sequence, CallerSequenceInputAndOutOfRangePosition) {
  onnx::ModelProto m = Model(16);
  auto* g = m.mutable_graph();
  SeqTyped(g->add_input(), "seq", TensorProto::FLOAT);
  In(g, "pos", TensorProto::INT64, {});
  Op(g, "SequenceAt", {"seq", "pos"}, {"y"});
  Out(g, "y", TensorProto::FLOAT, {}, false);
  auto s = Load(m);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->inputs()[0]->type.ToString(), "sequence(float32[?])");
  auto a = std::make_shared<graph::Tensor>(DType::kFloat32, graph::Shape{2});
  auto b = std::make_shared<graph::Tensor>(DType::kFloat32, graph::Shape{3});
  b->as<float>()[2] = 7;
  auto obj = std::make_shared<HandleObject>();
  obj->elem_dtype = DType::kFloat32;
  obj->tensors = {a, b};
  const HandleObject* handle = obj.get();
  // Element shapes differ, so every run infers SequenceAt's output shape from the live object.
  for (int64_t pos : {1, -2, 2}) {
    std::vector<graph::TensorView> out;
    absl::Status st = s->Run({{DType::kHandle, {}, &handle}, {DType::kInt64, {}, &pos}}, out);
    if (pos == 2) {
      EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << st;
      continue;
    }
    ASSERT_TRUE(st.ok()) << st;
    EXPECT_EQ(out[0].shape, (graph::Shape{pos == 1 ? 3 : 2}));
    if (pos == 1) {
      EXPECT_EQ(out[0].as<float>()[2], 7);
    }
  }
}

TEST(Sequence, OptionalOfTensorAndEmptyOptional) {
  onnx::ModelProto m = Model(18);
  auto* g = m.mutable_graph();
  In(g, "x", TensorProto::INT32, {3});
  Op(g, "Optional", {"x"}, {"o"});
  Op(g, "OptionalHasElement", {"o"}, {"has"});
  Op(g, "OptionalGetElement", {"o"}, {"y"});
  Op(g, "Optional", {}, {"none"});
  Op(g, "OptionalHasElement", {"none"}, {"has_none"});
  Out(g, "has", TensorProto::BOOL, {});
  Out(g, "y", TensorProto::INT32, {3});
  Out(g, "has_none", TensorProto::BOOL, {});
  auto s = Load(m);
  ASSERT_TRUE(s);
  std::vector<int32_t> x = {4, 5, 6};
  std::vector<graph::TensorView> out;
  ASSERT_TRUE(s->Run({{DType::kInt32, {3}, x.data()}}, out).ok());
  EXPECT_TRUE(*out[0].as<bool>());
  EXPECT_EQ(std::vector<int32_t>(out[1].as<int32_t>(), out[1].as<int32_t>() + 3), x);
  EXPECT_FALSE(*out[2].as<bool>());
}

// Loop(M) carrying a sequence: each iteration appends [i]; the result is concatenated. Run
// twice on one session: the second run's objects replace the first's.
TEST(Sequence, LoopCarriesASequence) {
  onnx::ModelProto m = Model(16);
  auto* g = m.mutable_graph();
  In(g, "M", TensorProto::INT64, {});
  auto* empty = Op(g, "SequenceEmpty", {}, {"s0"});
  IntAttr(empty, "dtype", TensorProto::INT64);
  auto* loop = Op(g, "Loop", {"M", "", "s0"}, {"s"}, "loop");
  auto* b = Body(loop, "body");
  In(b, "i", TensorProto::INT64, {});
  In(b, "c", TensorProto::BOOL, {});
  SeqTyped(b->add_input(), "s_in", TensorProto::INT64);
  Int64Init(b, "axes", {1}, {0});
  Op(b, "Unsqueeze", {"i", "axes"}, {"i1"});
  Op(b, "SequenceInsert", {"s_in", "i1"}, {"s_out"});
  Op(b, "Identity", {"c"}, {"c_out"});
  Out(b, "c_out", TensorProto::BOOL, {});
  SeqTyped(b->add_output(), "s_out", TensorProto::INT64);
  IntAttr(Op(g, "ConcatFromSequence", {"s"}, {"y"}), "axis", 0);
  Out(g, "y", TensorProto::INT64, {-1});
  auto s = Load(m);
  ASSERT_TRUE(s);
  for (int64_t trips : {4, 2}) {
    std::vector<graph::TensorView> out;
    absl::Status st = s->Run({{DType::kInt64, {}, &trips}}, out);
    ASSERT_TRUE(st.ok()) << st;
    ASSERT_EQ(out[0].shape, (graph::Shape{trips}));
    for (int64_t i = 0; i < trips; ++i) EXPECT_EQ(out[0].as<int64_t>()[i], i);
  }
}

TEST(Sequence, TypesPrintInErrors) {
  graph::ContainerType seq;
  seq.elem.dtype = DType::kFloat32;
  graph::ContainerType opt;
  opt.kind = graph::ContainerType::Kind::kOptional;
  opt.elem = graph::HandleType(seq);
  EXPECT_EQ(graph::HandleType(opt).ToString(), "optional(sequence(float32[?]))");
}

TEST(Sequence, CompareHandleIntoChecksPresenceLengthAndElements) {
  auto t = [](float v) {
    auto x = std::make_shared<graph::Tensor>(DType::kFloat32, graph::Shape{1});
    *x->as<float>() = v;
    return std::shared_ptr<const graph::Tensor>(x);
  };
  HandleObject a, b, c;
  a.tensors = {t(1), t(2)};
  b.tensors = {t(1), t(2)};
  c.tensors = {t(1), t(3)};
  const HandleObject* ha = &a;
  const HandleObject* none = nullptr;
  graph::TensorView got{DType::kHandle, {}, &ha};
  graph::TensorView got_none{DType::kHandle, {}, &none};
  graph::CompareResult same, differs, shorter, absent;
  graph::CompareHandleInto("o", got, &b, 0, 0, same);
  EXPECT_TRUE(same.passed) << same.message;
  graph::CompareHandleInto("o", got, &c, 0, 0, differs);
  EXPECT_FALSE(differs.passed);
  EXPECT_NE(differs.message.find("element 1"), std::string::npos) << differs.message;
  c.tensors.pop_back();
  graph::CompareHandleInto("o", got, &c, 0, 0, shorter);
  EXPECT_FALSE(shorter.passed);
  graph::CompareHandleInto("o", got_none, &b, 0, 0, absent);
  EXPECT_FALSE(absent.passed);
}

}  // namespace socd::cpu::sequence_test
