// The string algorithms of StringSplit and StringNormalizer, shared by their schemas (whose
// output shapes depend on the strings) and the CPU kernels, so the shapes planned and the data
// written agree. Semantics follow ONNX's reference implementation (Python str methods).
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/ir.h"
#include "graph/op_schema.h"

namespace socd::graph {

namespace string_params {

// Python's s.split(sep, maxsplit): an empty `delimiter` splits on runs of whitespace (dropping
// leading and trailing whitespace); maxsplit < 0 is unlimited. The pieces view into s.
std::vector<absl::string_view> SplitLikePython(absl::string_view s, absl::string_view delimiter,
                                               int64_t maxsplit);

// StringNormalizer's attributes.
struct Normalizer {
  enum class Case { kNone, kLower, kUpper } action = Case::kNone;
  bool case_sensitive = false;
  std::set<std::string, std::less<>> stops;  // as compared (case-changed when insensitive)
  static absl::StatusOr<Normalizer> FromNode(const Node& n);
  // One element normalized (stopwords removed word by word, case changed). Unimplemented for
  // non-ASCII text (the reference strips accents and changes case by Unicode rules).
  absl::StatusOr<std::string> Apply(absl::string_view s) const;
};

// StringNormalizer's output shape: [C] or [1, C] inputs drop empty results (keeping one ""
// when none is left); [N, C] with N > 1 keeps its shape. `kept` (when not null) receives the
// indices of the elements kept. Fails for other ranks or non-ASCII text.
absl::StatusOr<Shape> NormalizedShape(const Normalizer& norm, const TensorView& x,
                                      std::vector<int64_t>* kept,
                                      std::vector<std::string>* results);

}  // namespace string_params
}  // namespace socd::graph
