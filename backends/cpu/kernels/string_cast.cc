// Cast to and from string tensors, as ONNX's reference (numpy astype) does: numbers format as
// numpy's str() (FormatFloatLikeNumpy), bools as "True"/"False"; strings parse as plain or
// scientific numbers with "INF", "+INF", "-INF" and "NaN" in any case (Cast's spec), and a
// fractional string cast to an integer type truncates ("100.5" -> 100).
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "backends/cpu/kernels/string_kernels.h"
#include "backends/cpu/kernels/tensor_copy.h"
#include "graph/minifloat.h"

namespace socd::cpu::string_kernels {
namespace {

// Shortest decimal digits of v that read back as the same value at `bits` precision, as
// "d.ddd" mantissa digits (no dot) and a base-10 exponent of the first digit.
void ShortestDigits(double v, int bits, std::string& digits, int& exp10) {
  char buf[64];
  if (bits == 64 || bits == 32) {
    std::to_chars_result r =
        bits == 64 ? std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific)
                   : std::to_chars(buf, buf + sizeof buf, static_cast<float>(v),
                                   std::chars_format::scientific);
    std::string s(buf, r.ptr);
    const size_t e = s.find('e');
    exp10 = std::atoi(s.c_str() + e + 1);
    digits.clear();
    for (size_t i = 0; i < e; ++i)
      if (s[i] != '.') digits += s[i];
    return;
  }
  // Half precision: the fewest significant digits whose value rounds to the same half.
  const uint16_t want = graph::FloatToHalf(static_cast<float>(v));
  for (int prec = 1; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*e", prec - 1, v);
    if (graph::FloatToHalf(std::strtof(buf, nullptr)) == want || prec == 17) {
      std::string s(buf);
      const size_t e = s.find('e');
      exp10 = std::atoi(s.c_str() + e + 1);
      digits.clear();
      for (size_t i = 0; i < e; ++i)
        if (s[i] != '.') digits += s[i];
      while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
      return;
    }
  }
}

}  // namespace

std::string FormatFloatLikeNumpy(double v, int bits) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  std::string sign = std::signbit(v) ? "-" : "";
  const double a = std::fabs(v);
  if (a == 0) return sign + "0.0";
  std::string d;
  int e = 0;
  ShortestDigits(a, bits, d, e);
  // numpy switches to scientific at 10^precision of the type (float16 1e3, float32 1e6) and,
  // for float64, at 1e16 as Python's repr does; below 1e-4 (the exact value) for all.
  const double cutoff = bits == 16 ? 1e3 : bits == 32 ? 1e6 : 1e16;
  if (a >= 1e-4 && a < cutoff) {  // positional, at least one digit after the point
    std::string out;
    if (e < 0) {
      out = "0." + std::string(static_cast<size_t>(-e - 1), '0') + d;
    } else if (static_cast<int>(d.size()) <= e + 1) {
      out = d + std::string(static_cast<size_t>(e + 1 - static_cast<int>(d.size())), '0') + ".0";
    } else {
      out = d.substr(0, e + 1) + "." + d.substr(e + 1);
    }
    return sign + out;
  }
  std::string m = d.substr(0, 1);
  if (d.size() > 1) m += "." + d.substr(1);
  char ebuf[16];
  std::snprintf(ebuf, sizeof ebuf, "e%c%02d", e < 0 ? '-' : '+', std::abs(e));
  return sign + m + ebuf;
}

namespace {

std::string FormatElement(const TensorView& x, int64_t i) {
  switch (x.dtype) {
    case DType::kFloat64:
      return FormatFloatLikeNumpy(x.as<const double>()[i], 64);
    case DType::kFloat32:
    case DType::kBFloat16:
      return FormatFloatLikeNumpy(graph::ReadFloat(x, i), 32);
    case DType::kFloat16:
      return FormatFloatLikeNumpy(graph::ReadFloat(x, i), 16);
    case DType::kBool:
      return x.as<const uint8_t>()[i] ? "True" : "False";
    case DType::kUInt64:
      return absl::StrCat(x.as<const uint64_t>()[i]);
    default:
      return absl::StrCat(graph::ReadInt(x, i));
  }
}

// Parses s as Cast's spec reads a string: false if it is not a number.
bool ParseNumber(absl::string_view s, bool want_int, double& d, int64_t& i, bool& is_int) {
  std::string t(absl::StripAsciiWhitespace(s));
  if (t.empty()) return false;
  const char* b = t.c_str();
  char* end = nullptr;
  if (want_int) {
    errno = 0;
    const long long v = std::strtoll(b, &end, 10);
    if (*end == '\0' && errno == 0) {
      i = v;
      is_int = true;
      return true;
    }
  }
  is_int = false;
  d = std::strtod(b, &end);  // also reads inf, infinity and nan in any case
  return *end == '\0';
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateToString(const KernelInfo& info) {
  const DType from = info.in_dtypes[0];
  if (from != DType::kString && !graph::IsFloat(from) && !graph::IsInteger(from) &&
      from != DType::kBool) {
    return info.Unsupported(absl::StrCat("cast from ", graph::DTypeName(from), " to string"));
  }
  return MakeFnKernel([](const KernelIo& io) -> absl::Status {
    const TensorView& x = io.inputs[0];
    const TensorView& y = io.outputs[0];
    graph::StringElem* out = graph::MutableStringElems(y);
    if (x.dtype == DType::kString) {  // views may be copied: the characters stay where they are
      if (out != graph::StringElems(x) && y.bytes()) std::memcpy(out, x.data, y.bytes());
      return absl::OkStatus();
    }
    if (io.strings == nullptr) return absl::InternalError("Cast to string: no string pool");
    for (int64_t i = 0; i < y.numel(); ++i) out[i] = io.strings->Add(FormatElement(x, i));
    return absl::OkStatus();
  });
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateFromString(const KernelInfo& info) {
  const DType to = info.out_dtypes[0];
  uint8_t probe[8];
  if (!tensor_copy::EncodeScalar(to, 0.0, probe))
    return info.Unsupported(absl::StrCat("cast from string to ", graph::DTypeName(to)));
  const std::string who = info.node.Describe();
  return MakeFnKernel([to, who](const KernelIo& io) -> absl::Status {
    const TensorView& x = io.inputs[0];
    const TensorView& y = io.outputs[0];
    const size_t es = graph::DTypeSize(to);
    auto* out = static_cast<uint8_t*>(y.data);
    const bool want_int = graph::IsInteger(to);
    for (int64_t k = 0; k < y.numel(); ++k) {
      const absl::string_view s = graph::StringAt(x, k);
      double d = 0;
      int64_t iv = 0;
      bool is_int = false;
      if (!ParseNumber(s, want_int, d, iv, is_int)) {
        return absl::InvalidArgumentError(absl::StrCat(
            who, ": element ", k, " (\"", absl::CEscape(s.substr(0, 64)), "\") is not a number"));
      }
      if (is_int && to == DType::kInt64) {
        std::memcpy(out + k * es, &iv, 8);
      } else if (is_int && to == DType::kUInt64) {
        const uint64_t u = static_cast<uint64_t>(iv);
        std::memcpy(out + k * es, &u, 8);
      } else {
        if (!is_int && want_int) d = std::trunc(d);
        tensor_copy::EncodeScalar(to, is_int ? static_cast<double>(iv) : d, out + k * es);
      }
    }
    return absl::OkStatus();
  });
}

}  // namespace

absl::StatusOr<std::unique_ptr<Kernel>> CreateStringCast(const KernelInfo& info) {
  if (info.in_dtypes.empty() || info.out_dtypes.empty())
    return info.Error("expects one input and one output");
  if (info.out_dtypes[0] == DType::kString) return CreateToString(info);
  return CreateFromString(info);
}

}  // namespace socd::cpu::string_kernels
