#include "graph/tensor.h"

#include "graph/minifloat.h"
#include "graph/string_store.h"

#include <cstdlib>
#include <cstring>
#include <limits>

namespace socd::graph {

int64_t NumElements(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) {
    if (d < 0) return -1;
    if (d != 0 && n > std::numeric_limits<int64_t>::max() / d) return -1;
    n *= d;
  }
  return n;
}

std::string ShapeToString(const Shape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) out += ",";
    out += std::to_string(s[i]);
  }
  return out + "]";
}

Tensor::Tensor(DType dtype, Shape shape) : dtype_(dtype), shape_(std::move(shape)) {
  int64_t n = NumElements(shape_);
  bytes_ = n > 0 ? static_cast<size_t>(n) * DTypeSize(dtype_) : 0;
  size_t alloc = (bytes_ + 63) / 64 * 64;
  if (alloc == 0) alloc = 64;
  void* p = std::aligned_alloc(64, alloc);
  std::memset(p, 0, alloc);
  data_ = std::shared_ptr<uint8_t>(static_cast<uint8_t*>(p), [](uint8_t* q) { std::free(q); });
}

int64_t ReadInt(const TensorView& v, int64_t i) {
  switch (v.dtype) {
    case DType::kInt64:
      return static_cast<const int64_t*>(v.data)[i];
    case DType::kInt32:
      return static_cast<const int32_t*>(v.data)[i];
    case DType::kInt16:
      return static_cast<const int16_t*>(v.data)[i];
    case DType::kInt8:
      return static_cast<const int8_t*>(v.data)[i];
    case DType::kUInt8:
      return static_cast<const uint8_t*>(v.data)[i];
    case DType::kUInt16:
      return static_cast<const uint16_t*>(v.data)[i];
    case DType::kUInt32:
      return static_cast<const uint32_t*>(v.data)[i];
    case DType::kUInt64:
      return static_cast<int64_t>(static_cast<const uint64_t*>(v.data)[i]);
    case DType::kBool:
      return static_cast<const uint8_t*>(v.data)[i] != 0;
    case DType::kInt4:
    case DType::kInt2:
      return static_cast<const int8_t*>(v.data)[i];
    case DType::kUInt4:
    case DType::kUInt2:
      return static_cast<const uint8_t*>(v.data)[i];
    case DType::kFloat32:
      return static_cast<int64_t>(static_cast<const float*>(v.data)[i]);
    case DType::kFloat64:
      return static_cast<int64_t>(static_cast<const double*>(v.data)[i]);
    default:
      return 0;
  }
}

double ReadFloat(const TensorView& v, int64_t i) {
  switch (v.dtype) {
    case DType::kFloat32:
      return static_cast<const float*>(v.data)[i];
    case DType::kFloat64:
      return static_cast<const double*>(v.data)[i];
    case DType::kFloat16:
      return HalfToFloat(static_cast<const uint16_t*>(v.data)[i]);
    case DType::kBFloat16:
      return BFloat16ToFloat(static_cast<const uint16_t*>(v.data)[i]);
    case DType::kFloat8E8M0:
      return E8M0ToFloat(static_cast<const uint8_t*>(v.data)[i]);
    default:
      if (IsMiniFloat(v.dtype))
        return MiniFloatToFloat(static_cast<const uint8_t*>(v.data)[i], v.dtype);
      return static_cast<double>(ReadInt(v, i));
  }
}

int64_t Tensor::IntAt(int64_t i) const { return ReadInt(view(), i); }
double Tensor::FloatAt(int64_t i) const { return ReadFloat(view(), i); }

absl::string_view Tensor::StringAt(int64_t i) const { return as<StringElem>()[i].view(); }

void Tensor::SetString(int64_t i, absl::string_view s) {
  if (!strings_) strings_ = std::make_shared<StringPool>();
  as<StringElem>()[i] = strings_->Add(s);
}

void Tensor::OwnStrings() {
  if (dtype_ != DType::kString) return;
  // Fresh element storage too: a copy of this Tensor shares data_ and keeps the old store,
  // and its elements must go on pointing into a store it owns.
  Tensor fresh(dtype_, shape_);
  fresh.strings_ = std::make_shared<StringPool>();
  const StringElem* src = as<StringElem>();
  StringElem* dst = fresh.as<StringElem>();
  for (int64_t i = 0; i < numel(); ++i) dst[i] = fresh.strings_->Add(src[i].view());
  *this = std::move(fresh);
}

std::vector<int64_t> Tensor::ToInt64s() const {
  std::vector<int64_t> out;
  if (!IsInteger(dtype_) && dtype_ != DType::kBool) return out;
  out.reserve(numel());
  for (int64_t i = 0; i < numel(); ++i) out.push_back(IntAt(i));
  return out;
}

float HalfToFloat(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ff;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: normalize
      exp = 127 - 15 + 1;
      while ((mant & 0x400) == 0) {
        mant <<= 1;
        --exp;
      }
      mant &= 0x3ff;
      bits = sign | (exp << 23) | (mant << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000 | (mant << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t FloatToHalf(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000;
  uint32_t absx = x & 0x7fffffff;
  if (absx >= 0x7f800000) return sign | 0x7c00 | (absx > 0x7f800000 ? 0x200 : 0);  // inf/nan
  if (absx >= 0x477ff000) return sign | 0x7c00;  // overflow after rounding
  if (absx < 0x38800000) {                       // subnormal or zero in half
    if (absx < 0x33000000) return sign;
    uint32_t mant = (absx & 0x7fffff) | 0x800000;
    int shift = 126 - static_cast<int>(absx >> 23);  // 14..24
    uint32_t half = mant >> (shift);
    uint32_t rem = mant & ((1u << shift) - 1);
    uint32_t mid = 1u << (shift - 1);
    if (rem > mid || (rem == mid && (half & 1))) ++half;
    return sign | half;
  }
  uint32_t half = ((absx >> 13) - ((127 - 15) << 10));
  uint32_t rem = absx & 0x1fff;
  if (rem > 0x1000 || (rem == 0x1000 && (half & 1))) ++half;
  return sign | half;
}

float BFloat16ToFloat(uint16_t h) {
  uint32_t bits = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t FloatToBFloat16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  if ((x & 0x7fffffff) > 0x7f800000) return static_cast<uint16_t>((x >> 16) | 0x40);
  uint32_t lsb = (x >> 16) & 1;
  x += 0x7fff + lsb;
  return static_cast<uint16_t>(x >> 16);
}

}  // namespace socd::graph
