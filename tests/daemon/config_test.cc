#include "daemon/config.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <vector>

namespace socd::daemon {
namespace {

absl::StatusOr<CommandLine> Parse(std::vector<std::string> args) {
  std::vector<char*> argv;
  static std::string prog = "socd";
  argv.push_back(prog.data());
  for (auto& a : args) argv.push_back(a.data());
  return ParseCommandLine(static_cast<int>(argv.size()), argv.data());
}

std::string WriteTemp(const std::string& text) {
  char path[] = "/tmp/socd-config-test-XXXXXX";
  int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  FILE* f = fdopen(fd, "w");
  std::fputs(text.c_str(), f);
  std::fclose(f);
  return path;
}

TEST(DaemonConfig, FlagsOverrideFileWhichOverridesDefaults) {
  std::string file = WriteTemp(
      "model_repository: \"/srv/models\"\nthreads: 2\nsocket_mode: 0640\n"
      "load_model: \"a\"\nload_model: \"b\"\nlog_level: \"debug\"\n");
  auto cl = Parse({"--config", file, "--threads=4", "--load-model", "c"});
  ASSERT_TRUE(cl.ok()) << cl.status();
  EXPECT_EQ(cl->config.model_repository(), "/srv/models");
  EXPECT_EQ(cl->config.threads(), 4u);
  EXPECT_EQ(cl->config.socket_mode(), 0640u);  // octal in the file
  EXPECT_EQ(cl->config.log_level(), "debug");
  ASSERT_EQ(cl->config.load_model_size(), 1);  // flags replace the list
  EXPECT_EQ(cl->config.load_model(0), "c");
  EXPECT_EQ(cl->config.listen(), "unix:/run/socd/socd.sock");  // default kept
  std::remove(file.c_str());
}

TEST(DaemonConfig, ErrorsNameTheProblem) {
  std::string file = WriteTemp("model_repostory: \"/x\"\n");
  auto bad_field = Parse({"--config", file});
  EXPECT_FALSE(bad_field.ok());
  EXPECT_NE(bad_field.status().message().find("model_repostory"), std::string::npos);
  EXPECT_NE(bad_field.status().message().find("line 1"), std::string::npos);
  std::remove(file.c_str());
  auto unknown_flag = Parse({"--model-repostory", "/x"});
  EXPECT_NE(unknown_flag.status().message().find("unknown flag --model-repostory"),
            std::string::npos);
  auto not_number = Parse({"--threads", "many"});
  EXPECT_NE(not_number.status().message().find("not a number"), std::string::npos);
  auto missing = Parse({"--config", "/nonexistent/socd.conf"});
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  auto no_value = Parse({"--listen"});
  EXPECT_FALSE(no_value.ok());
}

}  // namespace
}  // namespace socd::daemon
