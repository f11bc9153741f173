#include "thermal/thermal_policy.h"

#include <gtest/gtest.h>

#include <cmath>

namespace socd::thermal {
namespace thermal_policy_test {

TEST(ThermalPolicy, DefaultsAreValidAndStored) {
  PolicyStore store;
  EXPECT_TRUE(Validate(store.Get()).ok());
  ThermalPolicy p;
  p.target_temp_c = 65;
  p.critical_temp_c = 80;
  p.resume_temp_c = 60;
  p.objective = Objective::kBattery;
  ASSERT_TRUE(store.Set(p).ok());
  EXPECT_EQ(store.Get().target_temp_c, 65);
  EXPECT_EQ(store.Get().objective, Objective::kBattery);
}

TEST(ThermalPolicy, InvalidPoliciesNameTheFieldAndKeepTheOldOne) {
  PolicyStore store;
  struct Case {
    ThermalPolicy p;
    const char* field;
  };
  ThermalPolicy unordered, too_hot, nan, resume_high;
  unordered.target_temp_c = 95;  // above the default critical 90
  too_hot.critical_temp_c = 500;
  nan.target_temp_c = std::nan("");
  resume_high.resume_temp_c = 80;  // above the default target 75
  for (const Case& c : {Case{unordered, "critical_temp_c"}, Case{too_hot, "critical_temp_c"},
                        Case{nan, "target_temp_c"}, Case{resume_high, "resume_temp_c"}}) {
    absl::Status s = store.Set(c.p);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(s.message().find(c.field), absl::string_view::npos) << s.message();
  }
  EXPECT_EQ(store.Get().target_temp_c, ThermalPolicy{}.target_temp_c);
}

TEST(ThermalPolicy, Objectives) {
  for (auto o : {Objective::kQuality, Objective::kBalanced, Objective::kBattery}) {
    EXPECT_EQ(*ParseObjective(ObjectiveName(o)), o);
  }
  auto bad = ParseObjective("turbo");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("objective"), absl::string_view::npos);
}

}  // namespace thermal_policy_test
}  // namespace socd::thermal
