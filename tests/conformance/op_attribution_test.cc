#include "tests/conformance/op_attribution.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "tests/conformance/test_runner.h"

namespace socd::conformance::op_attribution_test {

ModelOps Model(std::vector<std::string> ops, int opset = 13) {
  ModelOps m;
  m.opsets[""] = opset;
  for (auto& op : ops) m.nodes.push_back(OpId{"", std::move(op)});
  return m;
}

std::string OpOf(const std::string& test, const ModelOps& m) {
  return AttributeTest(test, m, {}).op.ToString();
}

TEST(OpAttribution, SnakeCase) {
  EXPECT_EQ(SnakeCase("BatchNormalization"), "batch_normalization");
  EXPECT_EQ(SnakeCase("RMSNormalization"), "rms_normalization");
  EXPECT_EQ(SnakeCase("ReduceL1"), "reduce_l1");
  EXPECT_EQ(SnakeCase("TopK"), "top_k");
  EXPECT_EQ(SnakeCase("ScatterND"), "scatter_nd");
  EXPECT_EQ(SnakeCase("LRN"), "lrn");
  EXPECT_EQ(SnakeCase("Relu"), "relu");
}

TEST(OpAttribution, NamesInTheOpsOwnSpelling) {
  EXPECT_EQ(OpOf("test_reduce_mean_default_axes_keepdims_example", Model({"ReduceMean"})),
            "ReduceMean");
  EXPECT_EQ(OpOf("test_globalaveragepool_precomputed", Model({"GlobalAveragePool"})),
            "GlobalAveragePool");
  EXPECT_EQ(OpOf("test_top_k_negative_axis", Model({"TopK"})), "TopK");
  EXPECT_EQ(OpOf("test_scatternd_add", Model({"ScatterND"})), "ScatterND");
  EXPECT_EQ(OpOf("test_rms_normalization_2d_axis0", Model({"RMSNormalization"})),
            "RMSNormalization");
  EXPECT_EQ(OpOf("test_abs", Model({"Abs"})), "Abs");
}

TEST(OpAttribution, LongestNameWins) {
  EXPECT_EQ(OpOf("test_reduce_log_sum_exp_do_not_keepdims", Model({"ReduceLogSumExp"})),
            "ReduceLogSumExp");
  EXPECT_EQ(OpOf("test_gather_elements_0", Model({"GatherElements"})), "GatherElements");
  EXPECT_EQ(OpOf("test_gather_0", Model({"Gather"})), "Gather");
  EXPECT_EQ(OpOf("test_castlike_FLOAT_to_DOUBLE", Model({"CastLike"})), "CastLike");
  EXPECT_EQ(OpOf("test_cast_FLOAT_to_DOUBLE", Model({"Cast"})), "Cast");
  EXPECT_EQ(OpOf("test_convtranspose_1d", Model({"ConvTranspose"})), "ConvTranspose");
  EXPECT_EQ(OpOf("test_maxpool_2d_pads", Model({"MaxPool"})), "MaxPool");
  EXPECT_EQ(OpOf("test_expand_dim_changed", Model({"Expand"})), "Expand");
  EXPECT_EQ(OpOf("test_constantofshape_int_zeros", Model({"ConstantOfShape"})), "ConstantOfShape");
}

TEST(OpAttribution, DigitsEndTheOpName) {
  EXPECT_EQ(OpOf("test_and2d", Model({"And"})), "And");
  EXPECT_EQ(OpOf("test_loop11", Model({"Loop"})), "Loop");
  EXPECT_EQ(OpOf("test_reduce_l2_keep_dims_example", Model({"ReduceL2"})), "ReduceL2");
}

TEST(OpAttribution, Abbreviations) {
  EXPECT_EQ(OpOf("test_batchnorm_epsilon", Model({"BatchNormalization"})), "BatchNormalization");
  EXPECT_EQ(OpOf("test_greater_equal_bcast", Model({"GreaterOrEqual"})), "GreaterOrEqual");
  EXPECT_EQ(OpOf("test_constant_pad", Model({"Pad"})), "Pad");
  EXPECT_EQ(OpOf("test_triu_zero", Model({"Trilu"})), "Trilu");
  EXPECT_EQ(OpOf("test_sce_mean_3d", Model({"SoftmaxCrossEntropyLoss"})),
            "SoftmaxCrossEntropyLoss");
  EXPECT_EQ(OpOf("test_AvgPool2d", Model({"Pad", "AveragePool"})), "AveragePool");
  EXPECT_EQ(OpOf("test_operator_add_broadcast", Model({"Add"})), "Add");
}

TEST(OpAttribution, ExpandedTestsCountForTheirOp) {
  Attribution a = AttributeTest("test_softmax_example_expanded",
                                Model({"ReduceMax", "Sub", "Exp", "ReduceSum", "Div"}), {});
  EXPECT_EQ(a.op.op_type, "Softmax");
  EXPECT_TRUE(a.by_name);
  EXPECT_TRUE(a.expanded);
  EXPECT_FALSE(a.in_model);
  EXPECT_EQ(a.opset, 13);
  // An exporter's decomposition is the same situation.
  a = AttributeTest("test_Softsign", Model({"Abs", "Constant", "Add", "Div"}, 6), {});
  EXPECT_EQ(a.op.op_type, "Softsign");
  EXPECT_TRUE(a.expanded);
  EXPECT_EQ(a.opset, 6);
  a = AttributeTest("test_relu", Model({"Relu"}), {});
  EXPECT_FALSE(a.expanded);
  EXPECT_TRUE(a.in_model);
}

TEST(OpAttribution, OtherDomains) {
  ModelOps m;
  m.opsets["ai.onnx.ml"] = 4;
  m.nodes.push_back(OpId{"ai.onnx.ml", "Binarizer"});
  Attribution a = AttributeTest("test_ai_onnx_ml_binarizer", m, {});
  EXPECT_EQ(a.op.ToString(), "ai.onnx.ml.Binarizer");
  EXPECT_EQ(a.opset, 4);
  // socd's own operators are matched when the registries name them.
  ModelOps c;
  c.opsets["com.socd"] = 1;
  c.nodes.push_back(OpId{"com.socd", "FusedThing"});
  a = AttributeTest("test_fused_thing_basic", c, {OpId{"com.socd", "FusedThing"}});
  EXPECT_EQ(a.op.ToString(), "com.socd.FusedThing");
  EXPECT_TRUE(a.by_name);
}

TEST(OpAttribution, FallsBackToTheFirstRealNode) {
  Attribution a = AttributeTest("test_sequence_model1", Model({"SequenceEmpty", "SequenceAt"}), {});
  EXPECT_EQ(a.op.op_type, "SequenceEmpty");
  EXPECT_FALSE(a.by_name);
  EXPECT_EQ(OpOf("test_operator_mm", Model({"Constant", "Gemm"})), "Gemm");
  EXPECT_EQ(OpOf("test_nothing_known", ModelOps{}), "(no nodes)");
}

TEST(OpAttribution, OnlyUnimplementedIsAcleanRefusal) {
  EXPECT_TRUE(IsUnsupportedOperator(absl::UnimplementedError(
      "unsupported operator ai.onnx.Foo (opset 13) at node 'x': socd does not implement it")));
  EXPECT_TRUE(IsUnsupportedOperator(absl::UnimplementedError("value 'x': unsupported type")));
  // Anything else is a failure even if its message sounds like a refusal.
  EXPECT_FALSE(IsUnsupportedOperator(absl::InvalidArgumentError("unsupported operator")));
  EXPECT_FALSE(IsUnsupportedOperator(absl::InternalError("kernel failed")));
}

}  // namespace socd::conformance::op_attribution_test
