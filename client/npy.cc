// Minimal .npy reader/writer for socctl's --input/--output files.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "client/socd_client.h"

namespace socd::client {
namespace npy_impl {

struct Descr {
  const char* npy;
  const char* wire;
};
constexpr Descr kDescrs[] = {{"<f4", "FP32"},   {"<f8", "FP64"},   {"<f2", "FP16"},
                             {"<i8", "INT64"},  {"<i4", "INT32"},  {"<i2", "INT16"},
                             {"|i1", "INT8"},   {"|u1", "UINT8"},  {"<u2", "UINT16"},
                             {"<u4", "UINT32"}, {"<u8", "UINT64"}, {"|b1", "BOOL"}};

std::string Field(const std::string& header, const std::string& key) {
  auto k = header.find("'" + key + "'");
  if (k == std::string::npos) return "";
  auto colon = header.find(':', k);
  if (colon == std::string::npos) return "";
  size_t b = header.find_first_not_of(" ", colon + 1);
  if (b == std::string::npos) return "";
  char open = header[b];
  size_t e = open == '\''  ? header.find('\'', b + 1) + 1
             : open == '(' ? header.find(')', b) + 1
                           : header.find_first_of(",}", b);
  return header.substr(b, e - b);
}

}  // namespace npy_impl

absl::StatusOr<Tensor> ReadNpy(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::stringstream ss;
  ss << f.rdbuf();
  std::string b = ss.str();
  if (b.size() < 10 || b.compare(0, 6, "\x93NUMPY") != 0) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a .npy file"));
  }
  size_t hlen, off;
  if (b[6] == 1) {
    hlen = static_cast<uint8_t>(b[8]) | (static_cast<uint8_t>(b[9]) << 8);
    off = 10;
  } else {
    if (b.size() < 12) return absl::InvalidArgumentError(absl::StrCat(path, ": truncated"));
    hlen = 0;
    for (int i = 0; i < 4; ++i)
      hlen |= static_cast<size_t>(static_cast<uint8_t>(b[8 + i])) << (8 * i);
    off = 12;
  }
  if (off + hlen > b.size())
    return absl::InvalidArgumentError(absl::StrCat(path, ": truncated header"));
  std::string header = b.substr(off, hlen);
  std::string descr = npy_impl::Field(header, "descr");
  if (npy_impl::Field(header, "fortran_order").rfind("True", 0) == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": Fortran-order arrays are not supported"));
  }
  Tensor t;
  for (const auto& d : npy_impl::kDescrs)
    if (descr == absl::StrCat("'", d.npy, "'")) t.datatype = d.wire;
  // numpy's fixed-width bytes ('|S5'): BYTES elements, trailing NULs dropped as numpy does.
  size_t item = 0;
  if (t.datatype.empty() && descr.rfind("'|S", 0) == 0 && descr.size() > 4) {
    item = std::strtoull(descr.c_str() + 3, nullptr, 10);
    if (item > 0) t.datatype = "BYTES";
  }
  if (t.datatype.empty())
    return absl::InvalidArgumentError(absl::StrCat(path, ": unsupported dtype ", descr));
  std::string shape = npy_impl::Field(header, "shape");
  for (size_t i = 1; i < shape.size();) {
    size_t j = shape.find_first_of(",)", i);
    std::string num = shape.substr(i, j - i);
    if (num.find_first_of("0123456789") != std::string::npos) t.shape.push_back(std::stoll(num));
    if (j == std::string::npos || shape[j] == ')') break;
    i = j + 1;
  }
  size_t bytes = static_cast<size_t>(t.numel()) * (item ? item : ElementSize(t.datatype));
  if (off + hlen + bytes > b.size())
    return absl::InvalidArgumentError(absl::StrCat(path, ": data truncated"));
  t.data = b.substr(off + hlen, bytes);
  if (item) {
    std::vector<std::string> elems;
    for (size_t i = 0; i < bytes; i += item) {
      std::string e = t.data.substr(i, item);
      e.erase(e.find_last_not_of('\0') + 1);
      elems.push_back(std::move(e));
    }
    t.data = EncodeBytes(elems);
  }
  return t;
}

absl::Status WriteNpy(const std::string& path, const Tensor& t) {
  std::string descr_s;
  std::string payload = t.data;
  for (const auto& d : npy_impl::kDescrs)
    if (t.datatype == d.wire) descr_s = d.npy;
  if (t.datatype == "BYTES") {  // as numpy's fixed-width bytes, padded with NULs
    auto elems = DecodeBytes(t.data);
    if (!elems.ok()) return elems.status();
    size_t item = 1;
    for (const auto& e : *elems) item = std::max(item, e.size());
    descr_s = absl::StrCat("|S", item);
    payload.clear();
    for (const auto& e : *elems) payload += e + std::string(item - e.size(), '\0');
  }
  const char* descr = descr_s.empty() ? nullptr : descr_s.c_str();
  if (!descr)
    return absl::InvalidArgumentError(absl::StrCat("cannot write ", t.datatype, " as .npy"));
  std::string shape = "(";
  for (size_t i = 0; i < t.shape.size(); ++i) shape += absl::StrCat(t.shape[i], ",");
  if (t.shape.size() > 1) shape.pop_back();
  shape += ")";
  std::string header =
      absl::StrCat("{'descr': '", descr, "', 'fortran_order': False, 'shape': ", shape, ", }");
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::ofstream f(path, std::ios::binary);
  if (!f) return absl::PermissionDeniedError(absl::StrCat("cannot write ", path));
  f.write("\x93NUMPY\x01\x00", 8);
  uint16_t hl = static_cast<uint16_t>(header.size());
  char le[2] = {static_cast<char>(hl & 0xff), static_cast<char>(hl >> 8)};
  f.write(le, 2);
  f << header;
  f.write(payload.data(), static_cast<std::streamsize>(payload.size()));
  return f ? absl::OkStatus() : absl::DataLossError(absl::StrCat("write failed: ", path));
}

}  // namespace socd::client
