// ServerConfig: everything `vigil server` needs, from defaults, a YAML file
// (--config) and flags, in that order of precedence (flags win).
//
//   data: ./vigil-data
//   tenant: default
//   listen:
//     syslog_udp: 127.0.0.1:5514     # "" or "off" disables an input
//     syslog_tcp: 127.0.0.1:5514
//     http: 127.0.0.1:8080
//   limits:
//     max_line_bytes: 65536          # longer syslog lines / NDJSON lines are cut and flagged
//     max_body_bytes: 33554432       # HTTP request bodies, as sent (compressed)
//     max_decoded_body_bytes: 268435456
//   syslog:
//     default_utc_offset: 0          # seconds east of UTC for timestamps without a zone
//   io_threads: 2
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "core/status.h"

namespace vigil {

struct ServerConfig {
  std::filesystem::path data_dir = "vigil-data";
  std::string tenant = "default";
  std::string syslog_udp = "127.0.0.1:5514";
  std::string syslog_tcp = "127.0.0.1:5514";
  std::string http = "127.0.0.1:8080";
  size_t max_line_bytes = 64 * 1024;
  size_t max_body_bytes = 32u << 20;
  size_t max_decoded_body_bytes = 256u << 20;
  int32_t default_utc_offset_s = 0;
  int io_threads = 2;
  bool demo = false;            // load generated demo data into an empty store at start
  std::string ready_file;       // written (JSON with the bound addresses) once listening
};

// Reads a YAML config over `config`. Unknown keys and bad values are errors naming the key.
Status load_server_config(const std::filesystem::path& file, ServerConfig& config);

}  // namespace vigil
