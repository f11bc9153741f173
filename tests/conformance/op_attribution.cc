#include "tests/conformance/op_attribution.h"

#include <cctype>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "onnx/onnx_pb.h"

namespace socd::conformance {

namespace op_attribution_impl {

// Test-name spellings that are neither the op's lower-case nor its snake-case name: ONNX's own
// abbreviations (test_batchnorm_*, test_sce_*), ops tested through a mode (test_edge_pad,
// test_triu), and the PyTorch module names of onnx-other/pytorch-*.
struct Alias {
  const char* key;
  const char* domain;
  const char* op_type;
};
constexpr Alias kAliases[] = {
    {"batchnorm", "", "BatchNormalization"},
    {"instancenorm", "", "InstanceNormalization"},
    {"mvn", "", "MeanVarianceNormalization"},
    {"sce", "", "SoftmaxCrossEntropyLoss"},
    {"nllloss", "", "NegativeLogLikelihoodLoss"},
    {"l1normalization", "", "LpNormalization"},
    {"l2normalization", "", "LpNormalization"},
    {"greater_equal", "", "GreaterOrEqual"},
    {"less_equal", "", "LessOrEqual"},
    {"constant_pad", "", "Pad"},
    {"edge_pad", "", "Pad"},
    {"reflect_pad", "", "Pad"},
    {"wrap_pad", "", "Pad"},
    {"tril", "", "Trilu"},
    {"triu", "", "Trilu"},
    {"basic_conv", "", "Conv"},
    {"basic_deform_conv", "", "DeformConv"},
    {"training_dropout", "", "Dropout"},
    {"nesterov_momentum", "ai.onnx.preview.training", "Momentum"},
    {"strnormalizer", "", "StringNormalizer"},
    {"strnorm", "", "StringNormalizer"},
    {"simple_rnn", "", "RNN"},
    // onnx-other/pytorch-converted and pytorch-operator (module and method names).
    {"avgpool", "", "AveragePool"},
    {"constantpad", "", "Pad"},
    {"reflectionpad", "", "Pad"},
    {"replicationpad", "", "Pad"},
    {"zeropad", "", "Pad"},
    {"embedding", "", "Gather"},
    {"relu6", "", "Clip"},
    {"softmin", "", "Softmax"},
    {"reduced_mean", "", "ReduceMean"},
    {"reduced_sum", "", "ReduceSum"},
    {"addconstant", "", "Add"},
    {"addmm", "", "Gemm"},
    {"permute", "", "Transpose"},
    {"repeat", "", "Tile"},
    {"chunk", "", "Split"},
};

// A key matches when the name starts with it and the next character ends the op's part of the
// name: '_' (test_add_bcast), a digit (test_and2d, test_loop11) or nothing (test_abs).
bool KeyMatches(absl::string_view name, absl::string_view key) {
  if (key.empty() || !absl::StartsWith(name, key)) return false;
  if (name.size() == key.size()) return true;
  char next = name[key.size()];
  return next == '_' || std::isdigit(static_cast<unsigned char>(next));
}

struct Match {
  OpId op;
  size_t key_len = 0;
  int rank = 0;  // tie-break between equally long keys: in the model > ai.onnx > other domains
};

void Consider(absl::string_view name, absl::string_view key, const OpId& op, int rank,
              Match& best) {
  if (!KeyMatches(name, key)) return;
  if (key.size() > best.key_len || (key.size() == best.key_len && rank > best.rank)) {
    best = Match{op, key.size(), rank};
  }
}

}  // namespace op_attribution_impl

int ModelOps::OpsetOf(const std::string& domain) const {
  auto it = opsets.find(domain);
  return it == opsets.end() ? 0 : it->second;
}

std::string SnakeCase(absl::string_view op) {
  std::string s;
  for (size_t i = 0; i < op.size(); ++i) {
    const unsigned char c = op[i];
    if (std::isupper(c) && i > 0) {
      const unsigned char prev = op[i - 1];
      const bool next_lower =
          i + 1 < op.size() && std::islower(static_cast<unsigned char>(op[i + 1]));
      // A new word starts after a lower-case letter or digit, or where an acronym ends
      // ("RMSNormalization": the N starts "normalization").
      if (std::islower(prev) || std::isdigit(prev) || (std::isupper(prev) && next_lower)) s += '_';
    }
    s += static_cast<char>(std::tolower(c));
  }
  return s;
}

absl::StatusOr<ModelOps> ReadModelOps(const std::string& model_path) {
  std::ifstream f(model_path, std::ios::binary);
  if (!f) return absl::NotFoundError(absl::StrCat("cannot open '", model_path, "'"));
  std::stringstream ss;
  ss << f.rdbuf();
  onnx::ModelProto model;
  if (!model.ParseFromString(ss.str())) {
    return absl::InvalidArgumentError(absl::StrCat(model_path, ": not a valid ONNX model"));
  }
  ModelOps m;
  for (const auto& os : model.opset_import()) {
    m.opsets[os.domain() == "ai.onnx" ? "" : os.domain()] = static_cast<int>(os.version());
  }
  if (model.opset_import_size() == 0) m.opsets[""] = 1;
  for (const auto& n : model.graph().node()) {
    m.nodes.push_back(OpId{n.domain() == "ai.onnx" ? "" : n.domain(), n.op_type()});
  }
  return m;
}

Attribution AttributeTest(absl::string_view test_name, const ModelOps& model,
                          const std::vector<OpId>& extra_ops) {
  namespace impl = op_attribution_impl;
  std::string name = absl::AsciiStrToLower(test_name);
  if (absl::StartsWith(name, "test_")) name.erase(0, 5);
  if (absl::StartsWith(name, "operator_")) name.erase(0, 9);  // pytorch-operator
  // test_ai_onnx_ml_*: only that domain's ops can match (its Normalizer is not ai.onnx's).
  const bool ml_only = absl::StartsWith(name, "ai_onnx_ml_");
  if (ml_only) name.erase(0, 11);

  Attribution a;
  a.expanded = absl::StrContains(name, "_expanded");
  impl::Match best;
  auto consider_op = [&](const OpId& op, int rank) {
    if (ml_only && op.domain != "ai.onnx.ml") return;
    impl::Consider(name, absl::AsciiStrToLower(op.op_type), op, rank, best);
    impl::Consider(name, SnakeCase(op.op_type), op, rank, best);
  };
  for (const auto& op : model.nodes) consider_op(op, 3);
  for (const auto& op : OnnxSpecOps()) consider_op(op, op.domain.empty() ? 2 : 1);
  for (const auto& op : extra_ops) consider_op(op, op.domain.empty() ? 2 : 1);
  if (!ml_only) {
    for (const auto& al : impl::kAliases) {
      OpId op{al.domain, al.op_type};
      bool in_model = false;
      for (const auto& n : model.nodes) in_model |= n == op;
      impl::Consider(name, al.key, op, in_model ? 3 : 2, best);
    }
  }
  if (best.key_len > 0) {
    a.op = best.op;
    a.by_name = true;
  } else {
    // Nothing in the name: the first real node (Constant nodes only feed it).
    for (const auto& n : model.nodes) {
      if (n.domain.empty() && n.op_type == "Constant" && model.nodes.size() > 1) continue;
      a.op = n;
      break;
    }
    if (a.op.op_type.empty()) a.op = OpId{"", "(no nodes)"};
  }
  for (const auto& n : model.nodes) a.in_model |= n == a.op;
  // Named after an op its model does not contain (test_Softsign exported as Abs, Add, Div): like
  // an _expanded test, it runs a decomposition of the op.
  if (a.by_name && !a.in_model && !model.nodes.empty()) a.expanded = true;
  a.opset = model.OpsetOf(a.op.domain);
  return a;
}

}  // namespace socd::conformance
