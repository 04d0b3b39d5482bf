#include "agent/output.h"

namespace vigil {

Result<std::unique_ptr<Output>> make_output(const AgentConfig& config, const std::string& hostname) {
  switch (config.output) {
    case AgentOutput::Server: return make_server_output(config, hostname);
    case AgentOutput::File: return make_file_output(config, hostname);
    case AgentOutput::Syslog: return make_syslog_output(config, hostname);
    case AgentOutput::Http: return make_http_output(config, hostname);
  }
  return Status::error("unknown output");
}

}  // namespace vigil
