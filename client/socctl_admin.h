// socctl commands over socd's admin API (socd.admin.v1): status, plan, thermal.
#pragma once

#include <string>
#include <vector>

#include "client/socd_client.h"

namespace socd::socctl {

int PrintFailure(const absl::Status& s);
int AdminStatus(client::Client& c, bool json, const std::string& socket);
int Plan(client::Client& c, bool json, const std::string& model);
// thermal            -> current policy
// thermal set KEY=VALUE... (target_temp_c, critical_temp_c, resume_temp_c, objective); fields
// not given keep their value. The policy is stored; no thermal governor acts on it yet.
int Thermal(client::Client& c, bool json, const std::vector<std::string>& args);

}  // namespace socd::socctl
