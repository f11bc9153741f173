// Triton BYTES wire format <-> string tensors: round trips, zero-copy views into the payload,
// and every malformed payload rejected with the input and element named.
#include "daemon/bytes_codec.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "graph/string_store.h"

namespace socd::daemon {
namespace {

std::string Wire(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    const uint32_t n = static_cast<uint32_t>(s.size());
    out += std::string{static_cast<char>(n & 0xff), static_cast<char>((n >> 8) & 0xff),
                       static_cast<char>((n >> 16) & 0xff), static_cast<char>(n >> 24)};
    out += s;
  }
  return out;
}

TEST(BytesCodec, DecodesInPlaceAndRoundTrips) {
  const std::string big(300, 'z');  // a length above 255 exercises the prefix's second byte
  const std::vector<std::string> v = {"hello", "", std::string("\0x", 2), big};
  const std::string wire = Wire(v);
  auto t = DecodeBytesTensor("in", {2, 2}, wire);
  ASSERT_TRUE(t.ok()) << t.status();
  for (size_t i = 0; i < v.size(); ++i) EXPECT_EQ((*t)->StringAt(i), v[i]);
  // Zero copy: the first element's characters are the payload's.
  EXPECT_EQ((*t)->as<graph::StringElem>()[0].data, wire.data() + 4);
  const graph::TensorView view = (*t)->view();
  ASSERT_EQ(SerializedBytesSize(view), wire.size());
  std::string back(wire.size(), '\0');
  SerializeBytes(view, back.data());
  EXPECT_EQ(back, wire);
}

TEST(BytesCodec, MalformedPayloadsNameInputAndElement) {
  const std::string ok = Wire({"ab", "cd"});
  struct Case {
    std::string payload;
    graph::Shape shape;
    std::string want;
  };
  const std::vector<Case> cases = {
      {ok.substr(0, ok.size() - 1), {2}, "element 1 claims 2 bytes but only 1 remain"},
      {ok.substr(0, 8), {2}, "element 1 has a truncated length prefix"},
      {ok + "x", {2}, "1 bytes after its 2 elements"},
      {std::string("\xff\xff\xff\x7f", 4) + "abcd", {1}, "element 0 claims 2147483647 bytes"},
      {ok, {3}, "element 2 has a truncated length prefix (0 bytes left of 4)"},
      {ok, {4}, "cannot hold 4 elements"},
      {"", {1}, "cannot hold 1 elements"},
      {"abc", {int64_t{1} << 40}, "cannot hold"},
  };
  for (const auto& c : cases) {
    auto t = DecodeBytesTensor("text", c.shape, c.payload);
    ASSERT_FALSE(t.ok()) << c.want;
    EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(t.status().message().find("input 'text'"), std::string::npos) << t.status();
    EXPECT_NE(t.status().message().find(c.want), std::string::npos) << t.status();
  }
  EXPECT_TRUE(DecodeBytesTensor("text", {0}, "").ok());
}

TEST(BytesCodec, TypedBytesContents) {
  inference::InferTensorContents c;
  c.add_bytes_contents("one");
  c.add_bytes_contents("two");
  auto t = DecodeBytesContents("in", {2}, c);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ((*t)->StringAt(0), "one");
  EXPECT_EQ((*t)->as<graph::StringElem>()[1].data, c.bytes_contents(1).data());
  auto bad = DecodeBytesContents("in", {3}, c);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("bytes_contents has 2 values, shape needs 3"),
            std::string::npos)
      << bad.status();
}

}  // namespace
}  // namespace socd::daemon
