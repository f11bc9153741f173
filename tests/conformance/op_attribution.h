// Which operator a conformance test exercises. ONNX's test names carry it (test_reduce_mean_*
// tests ReduceMean, test_batchnorm_* BatchNormalization); the model's own nodes do not always
// (function-expanded tests contain only the expansion), so the name decides and the model's
// first node is the fallback.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace socd::conformance {

struct OpId {
  std::string domain;  // "" = ai.onnx
  std::string op_type;
  bool operator==(const OpId& o) const { return domain == o.domain && op_type == o.op_type; }
  bool operator<(const OpId& o) const {
    return domain != o.domain ? domain < o.domain : op_type < o.op_type;
  }
  // "Relu", "ai.onnx.ml.LabelEncoder".
  std::string ToString() const { return domain.empty() ? op_type : domain + "." + op_type; }
};

// The ONNX specification's operators (onnx_op_names.cc).
const std::vector<OpId>& OnnxSpecOps();

// What attribution needs from a model: its top-level nodes' ops and the opsets it imports.
// Read from the protobuf directly rather than through socd's importer, because the importer
// folds Constant nodes away and rejects models whose values are not tensors, and those tests
// still need an operator to count against.
struct ModelOps {
  std::vector<OpId> nodes;            // in model order
  std::map<std::string, int> opsets;  // domain -> version ("" = ai.onnx)
  int OpsetOf(const std::string& domain) const;
};
absl::StatusOr<ModelOps> ReadModelOps(const std::string& model_path);

struct Attribution {
  OpId op;
  int opset = 0;          // the model's opset for op.domain
  bool by_name = false;   // matched from the test name (else the model's first node)
  bool in_model = false;  // op is one of the model's nodes
  // A *_expanded test, or one whose model lacks the op: it runs the op's function expansion
  // or an exporter's decomposition, not the op itself.
  bool expanded = false;
};

// `extra_ops`: operators socd registers beyond the specification's (its own domains).
Attribution AttributeTest(absl::string_view test_name, const ModelOps& model,
                          const std::vector<OpId>& extra_ops);

// "BatchNormalization" -> "batch_normalization", "RMSNormalization" -> "rms_normalization".
std::string SnakeCase(absl::string_view op_type);

}  // namespace socd::conformance
