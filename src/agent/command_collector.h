// Command collector: runs a program and normalizes each line of its stdout with the
// same LineNormalizer and parser packs as the server — made for Apple's `eslogger`,
// whose JSON lines the macos-es pack (content/parsers/macos-es.yaml) maps, so an
// endpoint event reads the same whether the agent or a log shipper brought it.
// The program is restarted with backoff when it ends (unless restart is off); its
// stderr's last bytes go into the error that says why it ended.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "agent/collector.h"
#include "normalize/pack_set.h"

namespace vigil {

struct CommandCollectorOptions {
  std::string name = "eslogger";
  std::vector<std::string> command = {"eslogger", "exec", "fork", "exit", "open", "close", "rename", "unlink", "create"};
  std::string input = "eslogger";      // the events' input
  size_t max_line_bytes = 1 << 20;     // eslogger's exec events with their env are long
  bool restart = true;                 // run it again when it ends
  int restart_backoff_ms = 1000;       // doubled after each end without output, up to 60 s
  std::shared_ptr<const PackSet> packs;  // null: agent_packs()
};

std::unique_ptr<Collector> make_command_collector(CommandCollectorOptions options);

}  // namespace vigil
