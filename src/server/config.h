// ServerConfig: everything `vigil server` needs, from defaults, a YAML file
// (--config) and flags, in that order of precedence (flags win).
//
//   data: ./vigil-data
//   tenant: default
//   listen:
//     syslog_udp: 127.0.0.1:5514     # "" or "off" disables an input
//     syslog_tcp: 127.0.0.1:5514
//     http: 127.0.0.1:8080
//     agent: 127.0.0.1:8443          # HTTPS for endpoint agents (mutual TLS, server/agent_api.h)
//   limits:
//     max_line_bytes: 65536          # longer syslog lines / NDJSON lines are cut and flagged
//     max_body_bytes: 33554432       # HTTP request bodies, as sent (compressed)
//     max_decoded_body_bytes: 268435456
//   syslog:
//     default_utc_offset: 0          # seconds east of UTC for timestamps without a zone
//   agents:                          # the agents' CA, certificates and ledger are in <data>/agents
//     heartbeat_offline_after_s: 90  # GET /api/v1/agents: offline after this long without news
//     cert_days: 365                 # validity of the client certificates issued at enrollment
//   io_threads: 2
//   store:
//     max_memory_mb: 1024            # events not yet sealed; beyond it appends wait (backpressure)
//     seal_interval_s: 30            # seal the in-memory part at least this often
//     maintenance_interval_s: 60     # merging and retention run this often
//   detect:                          # detection at ingest (server/rule_sources.h)
//     content: /usr/share/vigil/content   # Sigma content; default: detect::default_content_dir()
//     rules: [/etc/vigil/rules]      # rule files and folders; default: <content>/rules when it
//                                    # exists; "off" (or []) runs no rules
//     poll_interval_s: 5             # reload when the rule files change; 0: only on SIGHUP / API
//   retention:                       # see store/retention.h; default: keep everything
//     default_days: 365
//     policies:
//       - {name: authentication, classes: [authentication], days: 400}
//       - {name: network flows, categories: [network], days: 30}
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "store/retention.h"

namespace vigil {

struct ServerConfig {
  std::filesystem::path data_dir = "vigil-data";
  std::string tenant = "default";
  std::string syslog_udp = "127.0.0.1:5514";
  std::string syslog_tcp = "127.0.0.1:5514";
  std::string http = "127.0.0.1:8080";
  std::string agent = "127.0.0.1:8443";  // "": no agent listener
  size_t max_line_bytes = 64 * 1024;
  size_t max_body_bytes = 32u << 20;
  size_t max_decoded_body_bytes = 256u << 20;
  int32_t default_utc_offset_s = 0;
  int io_threads = 2;
  int64_t agent_offline_after_s = 90;
  int agent_cert_days = 365;
  bool demo = false;            // load generated demo data into an empty store at start
  std::string ready_file;       // written (JSON with the bound addresses) once listening
  int64_t store_max_memory_mb = 1024;
  int64_t store_seal_interval_s = 30;
  int64_t store_maintenance_interval_s = 60;
  RetentionConfig retention;
  // Detection: the Sigma content folder ("" : the default) and the rule files and
  // folders (unset: <content>/rules when it exists; set and empty: no rules).
  std::string content_dir;
  std::optional<std::vector<std::string>> rule_paths;
  int64_t rules_poll_interval_s = 5;  // 0: no polling
};

// Reads a YAML config over `config`. Unknown keys and bad values are errors naming the key.
Status load_server_config(const std::filesystem::path& file, ServerConfig& config);

}  // namespace vigil
