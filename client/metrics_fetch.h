// Reads socd's Prometheus metrics endpoint (GET /metrics over plain HTTP/1.1, no client library:
// the daemon serves it on loopback) and parses the text exposition format for `socctl metrics`.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace socd::client {

// The body of GET http://HOST:PORT/PATH. UNAVAILABLE ("cannot connect ...") when nothing
// listens there, DEADLINE_EXCEEDED past `timeout`, UNKNOWN for a non-200 answer.
absl::StatusOr<std::string> FetchHttp(const std::string& host, int port, const std::string& path,
                                      std::chrono::milliseconds timeout);

struct MetricSample {
  std::string name;
  std::vector<std::pair<std::string, std::string>> labels;  // in the order given
  double value = 0;
};

// Samples of a text exposition (format 0.0.4); # comments and blank lines are skipped, a
// malformed line is INVALID_ARGUMENT naming its number.
absl::StatusOr<std::vector<MetricSample>> ParseMetricsText(absl::string_view text);

// [{"name":..,"labels":{..},"value":..}, ...]; NaN and infinities as the strings Prometheus
// writes ("NaN", "+Inf", "-Inf") since JSON has no such numbers.
std::string MetricSamplesToJson(const std::vector<MetricSample>& samples);

}  // namespace socd::client
