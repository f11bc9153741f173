// String tensors at import: string_data initializers and Constant value_string(s) become
// string constants that own their characters; malformed string data fails cleanly.
#include <gtest/gtest.h>

#include <string>

#include "graph/onnx_import.h"
#include "graph/string_store.h"
#include "onnx/onnx_pb.h"

namespace socd::graph::string_import_test {

// A model: string initializer `s` (dims {n}) -> Identity -> output `y`.
onnx::ModelProto StringModel(const std::vector<std::string>& values, int64_t dims) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  auto* os = m.add_opset_import();
  os->set_domain("");
  os->set_version(19);
  auto* g = m.mutable_graph();
  auto* init = g->add_initializer();
  init->set_name("s");
  init->set_data_type(onnx::TensorProto::STRING);
  init->add_dims(dims);
  for (const auto& v : values) init->add_string_data(v);
  auto* n = g->add_node();
  n->set_op_type("Identity");
  n->add_input("s");
  n->add_output("y");
  auto* out = g->add_output();
  out->set_name("y");
  out->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::STRING);
  return m;
}

TEST(StringImport, InitializerStringData) {
  const std::string nul("a\0b", 3);
  auto g = ImportOnnx(StringModel({"hello", "", nul}, 3).SerializeAsString());
  ASSERT_TRUE(g.ok()) << g.status();
  const Tensor* t = g->ConstantOf(g->FindValue("s"));
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->dtype(), DType::kString);
  EXPECT_EQ(t->bytes(), 3 * sizeof(StringElem));
  EXPECT_EQ(t->StringAt(0), "hello");
  EXPECT_EQ(t->StringAt(1), "");
  EXPECT_EQ(t->StringAt(2), nul);
}

TEST(StringImport, MismatchedCountsAreErrors) {
  auto g = ImportOnnx(StringModel({"a", "b"}, 3).SerializeAsString());
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), absl::StatusCode::kInvalidArgument) << g.status();
  g = ImportOnnx(StringModel({"a", "b", "c"}, 2).SerializeAsString());
  EXPECT_FALSE(g.ok());
  // A huge claimed count with little data must fail before allocating.
  g = ImportOnnx(StringModel({"a"}, int64_t{1} << 33).SerializeAsString());
  EXPECT_FALSE(g.ok());
}

TEST(StringImport, RawAndExternalStringDataAreRefused) {
  auto m = StringModel({}, 1);
  m.mutable_graph()->mutable_initializer(0)->set_raw_data(std::string(16, '\x41'));
  auto g = ImportOnnx(m.SerializeAsString());
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.status().message().find("raw_data"), std::string::npos) << g.status();
  m = StringModel({"x"}, 1);
  auto* init = m.mutable_graph()->mutable_initializer(0);
  init->set_data_location(onnx::TensorProto::EXTERNAL);
  auto* kv = init->add_external_data();
  kv->set_key("location");
  kv->set_value("data.bin");
  g = ImportOnnx(m.SerializeAsString());
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.status().message().find("external"), std::string::npos) << g.status();
}

TEST(StringImport, ConstantValueStrings) {
  onnx::ModelProto m = StringModel({"unused"}, 1);
  auto* g = m.mutable_graph();
  g->mutable_node(0)->set_input(0, "c");
  auto* c = g->add_node();
  c->set_op_type("Constant");
  c->add_output("c");
  auto* a = c->add_attribute();
  a->set_name("value_strings");
  a->set_type(onnx::AttributeProto::STRINGS);
  a->add_strings("one");
  a->add_strings("two");
  auto imported = ImportOnnx(m.SerializeAsString());
  ASSERT_TRUE(imported.ok()) << imported.status();
  const Tensor* t = imported->ConstantOf(imported->FindValue("c"));
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->shape(), (Shape{2}));
  EXPECT_EQ(t->StringAt(0), "one");
  EXPECT_EQ(t->StringAt(1), "two");
}

TEST(StringImport, TensorProtoFilesCarryStrings) {
  onnx::TensorProto tp;
  tp.set_name("t");
  tp.set_data_type(onnx::TensorProto::STRING);
  tp.add_dims(2);
  tp.add_string_data("x");
  tp.add_string_data("yz");
  std::string name;
  auto t = ParseTensorProto(tp.SerializeAsString(), &name);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ((*t)->StringAt(1), "yz");
}

}  // namespace socd::graph::string_import_test
