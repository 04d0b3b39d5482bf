#include "agent/agent_config.h"

#include <fstream>
#include <sstream>

#include "core/yaml_keys.h"

namespace vigil {

namespace {

Status check_positive(int64_t v, const char* key) {
  return v > 0 ? Status() : Status::error(std::string("key '") + key + "' must be more than 0");
}

Status read_config(const YAML::Node& root, AgentConfig& c) {
  if (root.IsNull()) return {};
  Status s;
  if (!(s = check_yaml_keys(root, "", {"state_dir", "hostname", "output", "log_level", "server", "file", "syslog", "http",
                                       "spool", "batch", "collectors"}))
           .ok())
    return s;
  std::string text = c.state_dir.string();
  if (!(s = read_yaml(root["state_dir"], "state_dir", text)).ok()) return s;
  c.state_dir = text;
  if (!(s = read_yaml(root["hostname"], "hostname", c.hostname)).ok()) return s;
  if (!(s = read_yaml(root["log_level"], "log_level", c.log_level)).ok()) return s;
  if (c.log_level != "debug" && c.log_level != "info" && c.log_level != "warn" && c.log_level != "error")
    return Status::error("key 'log_level': '" + c.log_level + "' is not one of debug, info, warn, error");
  std::string output = "server";
  if (!(s = read_yaml(root["output"], "output", output)).ok()) return s;
  if (output == "server") c.output = AgentOutput::Server;
  else if (output == "file") c.output = AgentOutput::File;
  else if (output == "syslog") c.output = AgentOutput::Syslog;
  else if (output == "http") c.output = AgentOutput::Http;
  else return Status::error("key 'output': '" + output + "' is not one of server, file, syslog, http");

  if (auto n = root["server"]) {
    if (!(s = check_yaml_keys(n, "server", {"address", "ca", "enroll_token", "enroll_token_file", "server_name",
                                            "heartbeat_interval_s", "timeout_s"}))
             .ok())
      return s;
    if (!(s = read_yaml(n["address"], "server.address", c.server.address)).ok()) return s;
    if (!(s = read_yaml(n["ca"], "server.ca", c.server.ca_file)).ok()) return s;
    if (!(s = read_yaml(n["enroll_token"], "server.enroll_token", c.server.enroll_token)).ok()) return s;
    if (!(s = read_yaml(n["enroll_token_file"], "server.enroll_token_file", c.server.enroll_token_file)).ok()) return s;
    if (!(s = read_yaml(n["server_name"], "server.server_name", c.server.server_name)).ok()) return s;
    if (!(s = read_yaml(n["heartbeat_interval_s"], "server.heartbeat_interval_s", c.server.heartbeat_interval_s)).ok())
      return s;
    if (!(s = read_yaml(n["timeout_s"], "server.timeout_s", c.server.timeout_s)).ok()) return s;
    if (!(s = check_positive(c.server.heartbeat_interval_s, "server.heartbeat_interval_s")).ok()) return s;
    if (!(s = check_positive(c.server.timeout_s, "server.timeout_s")).ok()) return s;
  }
  if (auto n = root["file"]) {
    if (!(s = check_yaml_keys(n, "file", {"dir", "max_file_mb", "keep_files"})).ok()) return s;
    std::string dir;
    if (!(s = read_yaml(n["dir"], "file.dir", dir)).ok()) return s;
    c.file.dir = dir;
    if (!(s = read_yaml(n["max_file_mb"], "file.max_file_mb", c.file.max_file_mb)).ok()) return s;
    if (!(s = read_yaml(n["keep_files"], "file.keep_files", c.file.keep_files)).ok()) return s;
    if (!(s = check_positive(c.file.max_file_mb, "file.max_file_mb")).ok()) return s;
    if (!(s = check_positive(c.file.keep_files, "file.keep_files")).ok()) return s;
  }
  if (auto n = root["syslog"]) {
    if (!(s = check_yaml_keys(n, "syslog", {"address", "transport", "format", "ca"})).ok()) return s;
    if (!(s = read_yaml(n["address"], "syslog.address", c.syslog.address)).ok()) return s;
    if (!(s = read_yaml(n["transport"], "syslog.transport", c.syslog.transport)).ok()) return s;
    if (!(s = read_yaml(n["format"], "syslog.format", c.syslog.format)).ok()) return s;
    if (!(s = read_yaml(n["ca"], "syslog.ca", c.syslog.ca_file)).ok()) return s;
    if (c.syslog.transport != "tcp" && c.syslog.transport != "tls")
      return Status::error("key 'syslog.transport': '" + c.syslog.transport + "' is not one of tcp, tls");
    if (c.syslog.format != "rfc5424" && c.syslog.format != "cef")
      return Status::error("key 'syslog.format': '" + c.syslog.format + "' is not one of rfc5424, cef");
  }
  if (auto n = root["http"]) {
    if (!(s = check_yaml_keys(n, "http", {"url", "headers"})).ok()) return s;
    if (!(s = read_yaml(n["url"], "http.url", c.http.url)).ok()) return s;
    if (!(s = read_yaml(n["headers"], "http.headers", c.http.headers)).ok()) return s;
  }
  if (auto n = root["spool"]) {
    if (!(s = check_yaml_keys(n, "spool", {"max_mb"})).ok()) return s;
    if (!(s = read_yaml(n["max_mb"], "spool.max_mb", c.spool_max_mb)).ok()) return s;
    if (!(s = check_positive(c.spool_max_mb, "spool.max_mb")).ok()) return s;
  }
  if (auto n = root["batch"]) {
    if (!(s = check_yaml_keys(n, "batch", {"max_events", "max_delay_ms"})).ok()) return s;
    if (!(s = read_yaml(n["max_events"], "batch.max_events", c.batch_max_events)).ok()) return s;
    if (!(s = read_yaml(n["max_delay_ms"], "batch.max_delay_ms", c.batch_max_delay_ms)).ok()) return s;
    if (!(s = check_positive(c.batch_max_events, "batch.max_events")).ok()) return s;
    if (!(s = check_positive(c.batch_max_delay_ms, "batch.max_delay_ms")).ok()) return s;
  }
  if (auto n = root["collectors"]) {
    if (!n.IsMap() && !n.IsNull()) return Status::error("'collectors': expected a mapping of collector names");
    c.collectors = n;
  }

  // What each output needs.
  switch (c.output) {
    case AgentOutput::Server:
      if (c.server.address.empty()) return Status::error("output 'server' needs 'server.address' (host:port of the server's agent port)");
      if (c.server.ca_file.empty()) return Status::error("output 'server' needs 'server.ca' (the CA file `vigil agents token` prints)");
      if (!c.server.enroll_token.empty() && !c.server.enroll_token_file.empty())
        return Status::error("give 'server.enroll_token' or 'server.enroll_token_file', not both");
      break;
    case AgentOutput::File:
      if (c.file.dir.empty()) return Status::error("output 'file' needs 'file.dir'");
      break;
    case AgentOutput::Syslog:
      if (c.syslog.address.empty()) return Status::error("output 'syslog' needs 'syslog.address' (host:port)");
      break;
    case AgentOutput::Http:
      if (c.http.url.rfind("http://", 0) != 0 && c.http.url.rfind("https://", 0) != 0)
        return Status::error("output 'http' needs 'http.url' (http://HOST:PORT/PATH or https://...)");
      break;
  }
  return {};
}

Result<AgentConfig> parse_node(const YAML::Node& root, const std::string& name) {
  AgentConfig c;
  c.file_path = name;
  if (Status s = read_config(root, c); !s.ok()) return Status::error(name + ": " + s.message());
  return c;
}

}  // namespace

Result<AgentConfig> parse_agent_config(std::string_view yaml_text, const std::string& name) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    return Status::error(name + ": not valid YAML: " + e.what());
  }
  return parse_node(root, name);
}

Result<AgentConfig> load_agent_config(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return Status::error("cannot read the agent config " + file.string());
  std::stringstream text;
  text << in.rdbuf();
  return parse_agent_config(text.str(), file.string());
}

std::string_view agent_output_name(AgentOutput o) {
  switch (o) {
    case AgentOutput::Server: return "server";
    case AgentOutput::File: return "file";
    case AgentOutput::Syslog: return "syslog";
    case AgentOutput::Http: return "http";
  }
  return "?";
}

}  // namespace vigil
