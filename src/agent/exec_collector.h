// The process-execution collector: every exec on the host as an OCSF Process
// Activity (1007, Launch), enriched at once from /proc with the executable's path and
// SHA-256, the command line, working directory, user and parent.
//
// Source: the kernel's netlink process connector (CN_IDX_PROC, needs CAP_NET_ADMIN in
// the initial namespaces), read on its own thread so the kernel's buffer is drained
// while the agent ships. Where the connector can't be opened or never answers (a
// container, no privilege), or when forced, /proc is polled every poll_interval_ms for
// pids that are new or run a different executable; an exec that replaces a process by
// the same binary, or a process that lives less than an interval, is then not seen
// (stats().mode says which source is in use).
//
// Fields: class_uid 1007, category_uid 1, activity_id 1, type_uid 100701, severity_id 1,
// time, process.pid/name/cmd_line/working_directory, process.file.path/name,
// process.file.hashes.{algorithm_id 3, algorithm "SHA-256", value} (OCSF's fingerprint
// array flattened as the project flattens arrays), process.user.name/uid (effective),
// process.parent_process.pid/name/file.path/cmd_line, actor.process.pid/file.path (the
// parent: the process that launched it), actor.user.name/uid (the real uid: for a
// setuid program like sudo, who ran it), device.hostname, device.os.type_id 200,
// metadata.product.name "Vigil Agent", metadata.log_name "exec"; unmapped.exec.*
// for what OCSF has no place for (gids, why a hash or a field is missing, the source).
// raw is a compact JSON of what was read; input "agent", source the hostname.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "agent/collector.h"

namespace vigil {

struct ExecCollectorOptions {
  int poll_interval_ms = 250;         // the /proc polling fallback's period
  bool force_proc_polling = false;    // skip the connector (tests, hosts where it misbehaves)
  uint64_t max_hash_bytes = 256ull << 20;  // larger executables are not hashed (said in the event)
  size_t queue_capacity = 8192;       // events held for poll(); beyond, counted as dropped
};

std::unique_ptr<Collector> make_exec_collector(const ExecCollectorOptions& options);

}  // namespace vigil
