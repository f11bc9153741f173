#include "thermal/thermal_policy.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace socd::thermal {

std::string_view ObjectiveName(Objective o) {
  switch (o) {
    case Objective::kQuality:
      return "quality";
    case Objective::kBalanced:
      return "balanced";
    case Objective::kBattery:
      return "battery";
  }
  return "balanced";
}

absl::StatusOr<Objective> ParseObjective(std::string_view name) {
  for (Objective o : {Objective::kQuality, Objective::kBalanced, Objective::kBattery}) {
    if (name == ObjectiveName(o)) return o;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("objective must be \"quality\", \"balanced\" or \"battery\", got \"",
                   std::string(name), "\""));
}

namespace thermal_policy_impl {
absl::Status InRange(const char* field, double v) {
  if (!std::isfinite(v) || v < kMinTempC || v > kMaxTempC) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " must be in [", kMinTempC, ", ", kMaxTempC, "] °C, got ", v));
  }
  return absl::OkStatus();
}
}  // namespace thermal_policy_impl

absl::Status Validate(const ThermalPolicy& p) {
  using thermal_policy_impl::InRange;
  for (auto [field, v] :
       {std::pair{"resume_temp_c", p.resume_temp_c}, std::pair{"target_temp_c", p.target_temp_c},
        std::pair{"critical_temp_c", p.critical_temp_c}}) {
    if (absl::Status s = InRange(field, v); !s.ok()) return s;
  }
  if (!(p.target_temp_c < p.critical_temp_c)) {
    return absl::InvalidArgumentError(absl::StrCat("critical_temp_c (", p.critical_temp_c,
                                                   ") must be above target_temp_c (",
                                                   p.target_temp_c, ")"));
  }
  if (!(p.resume_temp_c < p.target_temp_c)) {
    return absl::InvalidArgumentError(absl::StrCat("resume_temp_c (", p.resume_temp_c,
                                                   ") must be below target_temp_c (",
                                                   p.target_temp_c, ")"));
  }
  return absl::OkStatus();
}

ThermalPolicy PolicyStore::Get() const {
  std::lock_guard<std::mutex> l(mu_);
  return policy_;
}

absl::Status PolicyStore::Set(const ThermalPolicy& p) {
  if (absl::Status s = Validate(p); !s.ok()) return s;
  std::lock_guard<std::mutex> l(mu_);
  policy_ = p;
  return absl::OkStatus();
}

}  // namespace socd::thermal
