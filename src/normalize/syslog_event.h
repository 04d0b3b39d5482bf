// Syslog line -> one OCSF event: the parsed header as fields, then the mapping of
// the message by the first parser pack that takes it (pack_set.h; the built-in Linux
// mapping of linux_auth.h when no packs are given), else a Base Event (class 0).
// Fields a pack sets (time, device.hostname, severity_id, ...) win over the header's.
//
// Fields every syslog event gets (when present in the line):
//   time (timestamp; also Event::time), device.hostname, message, severity_id (OCSF 0-6
//   from the syslog severity, unless the mapping sets its own), process.name (app name),
//   process.pid (numeric procid), metadata.log_name = "syslog",
//   unmapped.syslog.{facility,severity,pri,msgid,procid,format},
//   unmapped.syslog.sd.<SD-ID>.<param> for RFC 5424 structured data (names longer than
//   RFC 5424's 32 characters stay only in raw), class_uid, category_uid, activity_id,
//   type_uid (class_uid*100 + activity_id).
// In a Process Activity (sudo COMMAND=) `process` is the launched command, so the
// logging program goes to actor.process.name/pid instead of process.name/pid.
// A line that parses but that no mapping knows is a Base Event with activity_id 99
// (Other, type_uid 99). A line that does not parse keeps raw, gets kFlagParseError,
// kFlagNoTimestamp, message = the whole line and a Base Event with activity_id 0
// (Unknown, type_uid 0).
#pragma once

#include <cstddef>
#include <string_view>

#include "core/event_batch.h"
#include "parse/syslog.h"

namespace vigil {

class PackSet;
struct Pack;

struct SyslogEventOptions {
  size_t max_line_bytes = 64 * 1024;  // longer lines are cut and flagged kFlagTruncated
  int32_t default_utc_offset_s = 0;   // for RFC 3164 timestamps without a zone
  // Parser packs (pack_set.h) tried on the message — and on the whole line when it has
  // no syslog header (CEF, key=value, JSON, "%ASA-..." lines sent bare). Null: only the
  // built-in Linux mapping (linux_auth.h) runs.
  const PackSet* packs = nullptr;
  std::string_view only_pack;         // with packs: try just this one (vigil parse --pack)
  // A line without a syslog header that no pack takes is kept raw and flagged; with
  // false it is not appended at all (the caller has another reader for it).
  bool keep_unparsed = true;
};

// Appends one event for `line` to `out`. `p.raw` is ignored: the raw is `line`.
// Returns the pack that mapped the line, or null (and with keep_unparsed false, a
// headerless line no pack took adds no event).
const Pack* append_syslog_event(std::string_view line, const Provenance& p, EventBatch& out,
                                const SyslogEventOptions& options = {});

}  // namespace vigil
