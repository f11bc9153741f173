#include "graph/ops/string_params.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "graph/string_store.h"

namespace socd::graph::string_params {
namespace {

// Python's str.isspace for ASCII: also the four separator controls 0x1c..0x1f.
bool PySpace(char c) {
  return c == ' ' || (c >= '\t' && c <= '\r') || (c >= '\x1c' && c <= '\x1f');
}

bool IsAscii(absl::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

std::string ChangeCase(absl::string_view s, Normalizer::Case c) {
  switch (c) {
    case Normalizer::Case::kLower:
      return absl::AsciiStrToLower(s);
    case Normalizer::Case::kUpper:
      return absl::AsciiStrToUpper(s);
    default:
      return std::string(s);
  }
}

// The reference's _remove_stopwords: split on single spaces, drop stop words, rejoin.
std::string RemoveStops(absl::string_view s, const std::set<std::string, std::less<>>& stops) {
  std::vector<absl::string_view> kept;
  for (absl::string_view w : absl::StrSplit(s, ' '))
    if (stops.find(w) == stops.end()) kept.push_back(w);
  return absl::StrJoin(kept, " ");
}

}  // namespace

std::vector<absl::string_view> SplitLikePython(absl::string_view s, absl::string_view delimiter,
                                               int64_t maxsplit) {
  std::vector<absl::string_view> out;
  if (delimiter.empty()) {
    size_t i = 0;
    while (true) {
      while (i < s.size() && PySpace(s[i])) ++i;
      if (i == s.size()) break;
      if (maxsplit >= 0 && static_cast<int64_t>(out.size()) == maxsplit) {
        out.push_back(s.substr(i));  // the rest, trailing whitespace kept (as Python does)
        break;
      }
      size_t j = i;
      while (j < s.size() && !PySpace(s[j])) ++j;
      out.push_back(s.substr(i, j - i));
      i = j;
    }
    return out;
  }
  size_t start = 0;
  while (maxsplit < 0 || static_cast<int64_t>(out.size()) < maxsplit) {
    const size_t at = s.find(delimiter, start);
    if (at == absl::string_view::npos) break;
    out.push_back(s.substr(start, at - start));
    start = at + delimiter.size();
  }
  out.push_back(s.substr(start));
  return out;
}

absl::StatusOr<Normalizer> Normalizer::FromNode(const Node& n) {
  Normalizer z;
  const std::string action = n.GetString("case_change_action", "NONE");
  if (action == "LOWER")
    z.action = Case::kLower;
  else if (action == "UPPER")
    z.action = Case::kUpper;
  else if (action != "NONE")
    return absl::InvalidArgumentError(
        absl::StrCat("case_change_action '", action, "' (expected LOWER, UPPER or NONE)"));
  z.case_sensitive = n.GetInt("is_case_sensitive", 0) != 0;
  auto it = n.attrs.find("stopwords");
  if (it != n.attrs.end()) {
    for (const std::string& w : it->second.strings) {
      if (!IsAscii(w)) return absl::UnimplementedError("non-ASCII stopwords");
      z.stops.insert(z.case_sensitive ? w : ChangeCase(w, z.action));
    }
  }
  return z;
}

absl::StatusOr<std::string> Normalizer::Apply(absl::string_view s) const {
  if (!IsAscii(s)) {
    return absl::UnimplementedError(
        "non-ASCII text (Unicode accent stripping and case mapping are not implemented)");
  }
  std::string t(s);
  if (case_sensitive && !stops.empty()) t = RemoveStops(t, stops);
  t = ChangeCase(t, action);
  if (!case_sensitive && !stops.empty()) t = RemoveStops(t, stops);
  return t;
}

absl::StatusOr<Shape> NormalizedShape(const Normalizer& norm, const TensorView& x,
                                      std::vector<int64_t>* kept,
                                      std::vector<std::string>* results) {
  const Shape& s = x.shape;
  if (s.size() != 1 && s.size() != 2)
    return absl::InvalidArgumentError("input must be 1-D [C] or 2-D [N, C]");
  const bool filter = s.size() == 1 || s[0] == 1;
  std::vector<std::string> local;
  std::vector<std::string>& res = results ? *results : local;
  res.clear();
  if (kept) kept->clear();
  for (int64_t i = 0; i < x.numel(); ++i) {
    auto r = norm.Apply(StringAt(x, i));
    if (!r.ok()) return r.status();
    if (filter && r->empty()) continue;
    if (kept) kept->push_back(i);
    res.push_back(*std::move(r));
  }
  if (!filter) return s;
  const int64_t c = std::max<int64_t>(1, static_cast<int64_t>(res.size()));
  if (res.empty()) {
    res.emplace_back();
    if (kept) kept->push_back(-1);
  }
  return s.size() == 1 ? Shape{c} : Shape{1, c};
}

}  // namespace socd::graph::string_params
