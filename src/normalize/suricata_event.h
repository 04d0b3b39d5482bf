// Suricata EVE JSON (one event per line, eve.json) mapped onto OCSF.
//
//   alert  Detection Finding 2004 (finding_info.title/uid/types, severity_id from
//          alert.severity 1..3, action, attacks[] from the rule's MITRE metadata)
//   flow   Network Activity 4001 (traffic.*)     dns  DNS Activity 4003
//   http   HTTP Activity 4002                     tls  Network Activity 4001 with tls.*
//   anything else (fileinfo, stats, anomaly, ...): Base Event 0, activity 99.
// Every event: time (timestamp), src/dst endpoints, connection_info.protocol_name,
// metadata.product.name "Suricata", vendor "OISF", metadata.log_name = event_type,
// metadata.log_provider "suricata"; fields without an OCSF home under
// unmapped.suricata.<dotted name>.
#pragma once

#include <string_view>

#include "core/event_batch.h"
#include "normalize/zeek_event.h"  // ZeekReadStats: the same counts for any line-per-event body

namespace vigil {

// True when a line looks like an EVE record: a JSON object with "timestamp" and "event_type".
bool looks_like_suricata_eve(std::string_view line);

// Every non-blank line of `body` becomes one event (raw = the line; provenance from
// `base`); a line that is not a JSON object is an event with set_parse_error(), raw kept.
ZeekReadStats read_suricata_eve(std::string_view body, const Provenance& base, EventBatch& out);

}  // namespace vigil
