#include "daemon/config.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"

namespace socd::daemon {

socd::DaemonConfig DefaultConfig() {
  socd::DaemonConfig c;
  c.set_listen("unix:/run/socd/socd.sock");
  c.set_socket_mode(0660);
  c.set_model_control_mode("none");
  c.set_repository_poll_secs(15);
  c.set_threads(1);
  c.set_max_message_mb(256);
  c.set_log_level("info");
  c.set_metrics_address("127.0.0.1");
  c.set_metrics_port(8002);  // as Triton; --metrics-port 0 turns metrics off
  return c;
}

namespace config_file_impl {
class Errors : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int col, const std::string& m) override {
    if (first.empty()) first = absl::StrCat("line ", line + 1, ":", col + 1, ": ", m);
  }
  std::string first;
};
}  // namespace config_file_impl

absl::StatusOr<socd::DaemonConfig> ParseDaemonConfig(const std::string& text) {
  socd::DaemonConfig c;
  google::protobuf::TextFormat::Parser p;
  config_file_impl::Errors errors;
  p.RecordErrorsTo(&errors);
  if (!p.ParseFromString(text, &c)) return absl::InvalidArgumentError(errors.first);
  return c;
}

namespace config_file_impl {

absl::Status Set(socd::DaemonConfig& c, const std::string& name, const std::string& value) {
  const auto* d = c.GetDescriptor();
  std::string field = name;
  for (char& ch : field)
    if (ch == '-') ch = '_';
  const auto* f = d->FindFieldByName(field);
  if (f == nullptr) return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
  const auto* r = c.GetReflection();
  switch (f->cpp_type()) {
    case google::protobuf::FieldDescriptor::CPPTYPE_STRING:
      if (f->is_repeated())
        r->AddString(&c, f, value);
      else
        r->SetString(&c, f, value);
      return absl::OkStatus();
    case google::protobuf::FieldDescriptor::CPPTYPE_UINT32: {
      uint32_t v = 0;
      // Modes are octal by convention ("0660"); everything else decimal.
      bool ok =
          field == "socket_mode"
              ? (v = static_cast<uint32_t>(std::strtoul(value.c_str(), nullptr, 8)), !value.empty())
              : absl::SimpleAtoi(value, &v);
      if (!ok)
        return absl::InvalidArgumentError(
            absl::StrCat("--", name, ": not a number: '", value, "'"));
      r->SetUInt32(&c, f, v);
      return absl::OkStatus();
    }
    default:
      return absl::InternalError(absl::StrCat("--", name, ": unsupported field type"));
  }
}

std::string ReadFile(const std::string& path, bool* ok) {
  std::ifstream f(path);
  *ok = static_cast<bool>(f);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace config_file_impl

absl::StatusOr<CommandLine> ParseCommandLine(int argc, char** argv) {
  CommandLine cl;
  cl.config = DefaultConfig();
  std::vector<std::pair<std::string, std::string>> flags;
  bool explicit_config = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      cl.help = true;
      continue;
    }
    if (a == "--version") {
      cl.version = true;
      continue;
    }
    if (a.rfind("--", 0) != 0)
      return absl::InvalidArgumentError(absl::StrCat("unexpected argument '", a, "'"));
    std::string name = a.substr(2), value;
    auto eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return absl::InvalidArgumentError(absl::StrCat("--", name, " needs a value"));
    }
    if (name == "config") {
      cl.config_path = value;
      explicit_config = true;
    } else {
      flags.emplace_back(name, value);
    }
  }
  if (!explicit_config && std::filesystem::exists(kDefaultConfigPath))
    cl.config_path = kDefaultConfigPath;
  if (!cl.config_path.empty()) {
    bool ok = false;
    std::string text = config_file_impl::ReadFile(cl.config_path, &ok);
    if (!ok) return absl::NotFoundError(absl::StrCat("cannot read config file ", cl.config_path));
    auto file = ParseDaemonConfig(text);
    if (!file.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(cl.config_path, ": ", file.status().message()));
    }
    cl.config.MergeFrom(*file);  // set fields override defaults; repeated fields append
  }
  bool load_from_flags = false;
  for (const auto& [name, value] : flags) {
    if (name == "load-model" && !load_from_flags) {
      cl.config.clear_load_model();  // flags replace the file's list rather than extend it
      load_from_flags = true;
    }
    if (auto s = config_file_impl::Set(cl.config, name, value); !s.ok()) return s;
  }
  return cl;
}

absl::StatusOr<socd::DaemonConfig> ReloadConfig(int argc, char** argv) {
  auto cl = ParseCommandLine(argc, argv);
  if (!cl.ok()) return cl.status();
  return cl->config;
}

}  // namespace socd::daemon
