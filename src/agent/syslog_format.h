// Events as syslog messages for the agent's syslog output: RFC 5424 with the event's
// JSON as the message (octet-counted, RFC 6587), or CEF (ArcSight's Common Event
// Format) in an RFC 5424 envelope, one per line. Pure functions, so they are tested
// without a socket.
#pragma once

#include <string>
#include <string_view>

#include "core/event_batch.h"

namespace vigil {

// "<len> <PRI>1 TIME HOST vigil-agent - CLASS - {json}" (no newline; the length frames it).
void append_rfc5424_framed(std::string& out, const EventBatch& b, const Event& e, std::string_view hostname);
// "<PRI>1 TIME HOST vigil-agent - CLASS - CEF:0|Vigil|Vigil Agent|1|class|name|sev|ext\n".
void append_cef_syslog_line(std::string& out, const EventBatch& b, const Event& e, std::string_view hostname);
// The CEF record alone (no envelope, no newline).
void append_cef(std::string& out, const EventBatch& b, const Event& e);

}  // namespace vigil
