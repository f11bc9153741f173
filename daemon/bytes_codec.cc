#include "daemon/bytes_codec.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "graph/string_store.h"

namespace socd::daemon {

absl::StatusOr<std::shared_ptr<graph::Tensor>> DecodeBytesTensor(const std::string& name,
                                                                 const graph::Shape& shape,
                                                                 absl::string_view payload) {
  const int64_t n = graph::NumElements(shape);
  if (n < 0) return absl::InvalidArgumentError(absl::StrCat("input '", name, "': bad shape"));
  // Every element takes at least its 4-byte prefix: a tiny payload cannot claim a huge shape
  // (checked before the element table is allocated).
  if (static_cast<uint64_t>(n) > payload.size() / 4) {
    return absl::InvalidArgumentError(
        absl::StrCat("input '", name, "': BYTES data of ", payload.size(), " bytes cannot hold ", n,
                     " elements of shape ", graph::ShapeToString(shape),
                     " (each needs a 4-byte length prefix)"));
  }
  auto t = std::make_shared<graph::Tensor>(graph::DType::kString, shape);
  auto* elems = t->as<graph::StringElem>();
  size_t pos = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (payload.size() - pos < 4) {
      return absl::InvalidArgumentError(absl::StrCat("input '", name, "': BYTES element ", i,
                                                     " has a truncated length prefix (",
                                                     payload.size() - pos, " bytes left of 4)"));
    }
    uint8_t p[4];
    std::memcpy(p, payload.data() + pos, 4);
    const uint64_t len =
        uint64_t{p[0]} | uint64_t{p[1]} << 8 | uint64_t{p[2]} << 16 | uint64_t{p[3]} << 24;
    pos += 4;
    if (len > payload.size() - pos) {
      return absl::InvalidArgumentError(absl::StrCat("input '", name, "': BYTES element ", i,
                                                     " claims ", len, " bytes but only ",
                                                     payload.size() - pos, " remain"));
    }
    elems[i] = {len ? payload.data() + pos : nullptr, len};
    pos += len;
  }
  if (pos != payload.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("input '", name, "': BYTES data has ", payload.size() - pos,
                     " bytes after its ", n, " elements of shape ", graph::ShapeToString(shape)));
  }
  return t;
}

absl::StatusOr<std::shared_ptr<graph::Tensor>> DecodeBytesContents(
    const std::string& name, const graph::Shape& shape, const inference::InferTensorContents& c) {
  const int64_t n = graph::NumElements(shape);
  if (n < 0) return absl::InvalidArgumentError(absl::StrCat("input '", name, "': bad shape"));
  if (c.bytes_contents_size() != n) {
    return absl::InvalidArgumentError(
        absl::StrCat("input '", name, "': contents.bytes_contents has ", c.bytes_contents_size(),
                     " values, shape needs ", n));
  }
  auto t = std::make_shared<graph::Tensor>(graph::DType::kString, shape);
  auto* elems = t->as<graph::StringElem>();
  for (int64_t i = 0; i < n; ++i) {
    const std::string& s = c.bytes_contents(static_cast<int>(i));
    elems[i] = {s.data(), s.size()};
  }
  return t;
}

size_t SerializedBytesSize(const graph::TensorView& t) {
  size_t total = 0;
  const graph::StringElem* e = graph::StringElems(t);
  for (int64_t i = 0; i < t.numel(); ++i) total += 4 + e[i].size;
  return total;
}

void SerializeBytes(const graph::TensorView& t, char* out) {
  const graph::StringElem* e = graph::StringElems(t);
  for (int64_t i = 0; i < t.numel(); ++i) {
    const uint64_t len = e[i].size;
    const uint8_t p[4] = {static_cast<uint8_t>(len), static_cast<uint8_t>(len >> 8),
                          static_cast<uint8_t>(len >> 16), static_cast<uint8_t>(len >> 24)};
    std::memcpy(out, p, 4);
    out += 4;
    if (len) std::memcpy(out, e[i].data, len);
    out += len;
  }
}

}  // namespace socd::daemon
