// The file integrity monitoring collector: configured files and folders (recursive)
// compared against a SHA-256 baseline, reported as OCSF File System Activity (1001).
//
// inotify makes changes known at once (a new folder is watched as it appears); a full
// rescan every rescan_interval_s, right away after an inotify queue overflow, and at
// start (against the baseline saved by the last run) catches whatever inotify could
// not see: changes while the agent was stopped, watch limits, mmap writes. The first
// run ever builds the baseline without reporting the files already there.
//
// Events: activity_id 1 Create, 3 Update (content or type changed), 4 Delete, 6 Set
// Attributes (permissions, owner or group changed alone; as the auditd mapping names
// chmod/chown). A rename is a Delete of the old path and a Create of the new.
// Fields: class_uid 1001, category_uid 1, type_uid, severity_id 1, time,
// file.path/name/parent_folder/type_id/size/modified_time, file.owner.uid/name,
// file.hashes.{algorithm_id 3, algorithm "SHA-256", value} (regular files up to
// max_hash_bytes), device.hostname, device.os.type_id 200, metadata.product.name
// "Vigil Agent", metadata.log_name "fim"; OCSF has no POSIX mode or group, so
// unmapped.fim.mode ("0644"), .uid, .gid, .inode, .changed ("content,mode,uid,gid"),
// .detected_by ("inotify", "rescan"), .hash_skipped, and the values before the change
// in unmapped.fim.prev.{mode,uid,gid,size,sha256}. A Delete describes the file as it
// was. raw is a compact JSON of the change.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "agent/collector.h"

namespace vigil {

struct FimCollectorOptions {
  std::vector<std::string> paths;    // absolute files or folders (folders recursively)
  std::vector<std::string> exclude;  // globs (core/glob.h) matched on the full path and the name
  double rescan_interval_s = 12 * 3600;
  uint64_t max_hash_bytes = 256ull << 20;  // larger files: size and times compared, not content
  bool inotify = true;                      // false: rescans only
  size_t queue_capacity = 65536;            // events held for poll(); beyond, counted as dropped
};

std::unique_ptr<Collector> make_fim_collector(const FimCollectorOptions& options);

}  // namespace vigil
