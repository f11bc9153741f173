// The thermal policy: what the thermal governor will aim for (target and critical temperature,
// the temperature below which it steps quality back up, and what it trades first). This is the
// validated, stored policy the admin API gets and sets; no governor acts on it yet (a later
// issue adds thermal/Monitor and thermal/Governor, which read it from here).
#pragma once

#include <mutex>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace socd::thermal {

enum class Objective {
  kQuality,   // keep the best variant as long as possible, throttle late
  kBalanced,  // step down quality early enough to avoid hard throttling
  kBattery,   // prefer the most energy-efficient backend and variant
};

std::string_view ObjectiveName(Objective o);
// "quality" | "balanced" | "battery"; INVALID_ARGUMENT naming the field otherwise.
absl::StatusOr<Objective> ParseObjective(std::string_view name);

struct ThermalPolicy {
  double target_temp_c = 75;    // the governor keeps the hottest zone below this
  double critical_temp_c = 90;  // above this, the cheapest variant and backend only
  double resume_temp_c = 70;    // quality steps back up below this (hysteresis)
  Objective objective = Objective::kBalanced;
};

// Sensible bounds for SoC thermal zones (°C); Validate enforces them and the order
// resume < target < critical.
inline constexpr double kMinTempC = 20;
inline constexpr double kMaxTempC = 130;

// OK, or INVALID_ARGUMENT naming the first offending field and the allowed range.
absl::Status Validate(const ThermalPolicy& p);

// The daemon's current policy; thread-safe.
class PolicyStore {
 public:
  ThermalPolicy Get() const;
  // Replaces the policy if it is valid; otherwise keeps the current one and says why.
  absl::Status Set(const ThermalPolicy& p);

 private:
  mutable std::mutex mu_;
  ThermalPolicy policy_;
};

}  // namespace socd::thermal
