// journald collector: runs `journalctl --follow --output=json` as a child process and
// feeds each entry, as the syslog line it would have been (RFC 5424 with the entry's
// time, host, identifier and pid), to the LineNormalizer and its packs — so sshd, sudo
// and PAM messages become the same Authentication events as from auth.log or syslog.
//
// The entry's __CURSOR is kept in <state_dir>/<name>/cursor with the same rule as the
// log collector's offsets: what one poll() read is kept at the start of the next, and
// journalctl is restarted (after its own death, with backoff) --after-cursor of the last
// entry that reached a batch. The raw of an event is the syslog line built, not the JSON.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "agent/collector.h"
#include "normalize/pack_set.h"

namespace vigil {

struct JournaldCollectorOptions {
  std::string name = "journald";
  std::string journalctl = "journalctl";   // the program (PATH is searched)
  std::string directory;                   // -D: a journal directory other than the system's
  // SYSLOG_IDENTIFIERs to follow (-t); with units set, those units instead (-u).
  std::vector<std::string> identifiers = {"sshd", "sudo", "su", "login", "systemd-logind", "polkitd"};
  std::vector<std::string> units;
  size_t max_line_bytes = 64 * 1024;       // the message; longer ones are cut and flagged
  size_t max_entry_bytes = 1 << 20;        // a JSON entry longer than this is counted and skipped
  int restart_backoff_ms = 1000;           // doubled after each quick death, up to 60 s
  std::shared_ptr<const PackSet> packs;    // null: agent_packs()
};

std::unique_ptr<Collector> make_journald_collector(JournaldCollectorOptions options);

}  // namespace vigil
