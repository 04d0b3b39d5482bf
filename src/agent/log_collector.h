// Log file collector: tails the files matched by globs (file_tail.h) and turns each line
// — or each multiline record — into an OCSF event through the same LineNormalizer and
// parser packs as the server's syslog input, so an auth.log line read here becomes the
// same Authentication event as when it arrives by syslog.
//
// Offsets are kept per file identity (device, inode) in <state_dir>/<name>/offsets and
// move with the agent's spool in two steps (prepare/commit, position_file.h): after a
// crash the collector resumes exactly after the last line that reached the spool —
// nothing skipped, nothing sent twice. Used without a spool (prepare never called), the
// offsets reached in one poll() are saved at the start of the next and in stop().
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "agent/collector.h"
#include "normalize/pack_set.h"

namespace vigil {

struct LogCollectorOptions {
  std::string name = "logfile";        // also its state subfolder: unique per collector
  std::vector<std::string> paths;      // glob(3) patterns: /var/log/auth.log, /srv/app/*.log
  size_t max_line_bytes = 64 * 1024;   // longer lines are cut and flagged kFlagTruncated
  bool start_at_end = false;           // files found at the first start (no saved offset): only new lines
  struct Multiline {
    std::string start;                 // RE2; lines not matching it continue the record before
    int timeout_ms = 1000;             // a held record is sent after this long without a new line
  } multiline;
  size_t max_bytes_per_poll = 1 << 20; // per file, so one busy file cannot stall the loop
  int rescan_interval_ms = 1000;       // how often the globs are matched again
  std::shared_ptr<const PackSet> packs;  // null: agent_packs()
};

std::unique_ptr<Collector> make_log_collector(LogCollectorOptions options);

// The project's parser packs (default_parsers_dir()), loaded once per process and
// shared by the collectors that normalize text; refused packs are logged.
std::shared_ptr<const PackSet> agent_packs();

}  // namespace vigil
