// AgentConfig: what `vigil agent --config FILE` reads. Unknown keys and bad values are
// errors that name the key (and its line); defaults make a small file enough:
//
//   state_dir: /var/lib/vigil-agent   # spool, certificate, offsets, baselines
//   hostname: web-01                  # default: the machine's name
//   output: server                    # server | file | syslog | http: where batches go
//   server:
//     address: siem.example.org:8443  # the server's agent port (listen.agent)
//     ca: /etc/vigil/agent-ca.crt     # its CA, printed by `vigil agents token`
//     enroll_token: 3q2-...           # one-time; or enroll_token_file: PATH
//     server_name: siem.example.org   # name checked in its certificate (default: address host)
//     heartbeat_interval_s: 30
//   file:   {dir: /var/log/vigil-agent, max_file_mb: 64, keep_files: 8}   # offline: NDJSON files
//   syslog: {address: 10.0.0.5:6514, transport: tls, format: rfc5424, ca: FILE}  # or cef, tcp
//   http:   {url: http://10.0.0.5:8080/api/v1/ingest, headers: {Authorization: "Bearer ..."}}
//   spool:  {max_mb: 256}             # full: the oldest batches are dropped and counted
//   batch:  {max_events: 2000, max_delay_ms: 1000}
//   collectors:                       # each section turns a collector on (see docs/agent.md)
//     exec: {}
//     fim: {paths: [/etc, /usr/bin]}
//     logs: [{paths: [/var/log/auth.log]}]
//     ...
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "core/status.h"

namespace vigil {

enum class AgentOutput : uint8_t { Server, File, Syslog, Http };

struct AgentConfig {
  std::filesystem::path state_dir = "/var/lib/vigil-agent";
  std::string hostname;  // "" : gethostname()
  AgentOutput output = AgentOutput::Server;
  std::string log_level = "info";

  struct Server {
    std::string address;  // host:port
    std::string ca_file;
    std::string enroll_token;
    std::string enroll_token_file;
    std::string server_name;
    int64_t heartbeat_interval_s = 30;
    int64_t timeout_s = 15;
  } server;

  struct File {
    std::filesystem::path dir;
    int64_t max_file_mb = 64;
    int64_t keep_files = 8;
  } file;

  struct Syslog {
    std::string address;
    std::string transport = "tcp";  // tcp | tls
    std::string format = "rfc5424"; // rfc5424 | cef
    std::string ca_file;            // for tls; "" : the system's trusted CAs
  } syslog;

  struct Http {
    std::string url;
    std::map<std::string, std::string> headers;
  } http;

  int64_t spool_max_mb = 256;
  int64_t batch_max_events = 2000;
  int64_t batch_max_delay_ms = 1000;

  // The collectors section as written; each collector reads its own keys
  // (agent/collectors.h) so that its options live next to it.
  YAML::Node collectors;
  std::filesystem::path file_path;  // the config file, for messages
};

Result<AgentConfig> load_agent_config(const std::filesystem::path& file);
// Checks a config given as text (tests, `vigil agent --check`).
Result<AgentConfig> parse_agent_config(std::string_view yaml_text, const std::string& name);

std::string_view agent_output_name(AgentOutput o);

}  // namespace vigil
