// Syslog parsing: RFC 3164 (BSD) and RFC 5424 lines into their header parts.
// Zero-copy: every string_view points into the line given to parse_syslog().
// Never fails hard: a line it cannot read as syslog comes back with `error` set
// and `msg` = the whole line, so the caller keeps it raw and flags it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "core/time.h"

namespace vigil {

enum class SyslogFormat : uint8_t { Unknown = 0, Rfc3164 = 1, Rfc5424 = 2 };

struct SyslogMessage {
  SyslogFormat format = SyslogFormat::Unknown;
  int pri = -1;        // -1 when the line has no <PRI>
  int facility = -1;   // pri / 8, or -1
  int severity = -1;   // pri % 8, or -1
  std::optional<TimeNs> time;       // parsed timestamp in UTC; empty when absent or unreadable
  std::string_view timestamp_text;  // the timestamp as written ("Nov 22 06:56:52", "2026-...Z")
  std::string_view hostname;
  std::string_view app_name;        // RFC 5424 APP-NAME, or the RFC 3164 tag without "[pid]:"
  std::string_view proc_id;         // RFC 5424 PROCID, or the pid inside "tag[pid]:"
  std::string_view msg_id;          // RFC 5424 MSGID
  std::string_view tag;             // RFC 3164 tag as written, e.g. "sshd[123]:"
  std::string_view structured_data; // RFC 5424 SD as written, without NILVALUE; see for_each_sd_param
  std::string_view msg;             // the free-form message (BOM removed)
  bool has_bom = false;
  std::string_view error;           // static text; non-empty when the header could not be parsed
};

struct SyslogParseOptions {
  // Receive time: RFC 3164 timestamps have no year; the year is chosen so the
  // time is not more than a few days in the future of this (year rollover).
  TimeNs receive_time = 0;
  // Offset applied to timestamps without a zone (RFC 3164), seconds east of UTC.
  int32_t default_utc_offset_s = 0;
};

SyslogMessage parse_syslog(std::string_view line, const SyslogParseOptions& options);

// Calls fn(sd_id, param_name, raw_value) for every SD-PARAM in RFC 5424 structured
// data. raw_value still has its escapes (\" \\ \]); unescape_sd_value() removes them.
// Returns false when the structured data is malformed (params seen before that are reported).
bool for_each_sd_param(std::string_view structured_data,
                       const std::function<void(std::string_view sd_id, std::string_view name,
                                                std::string_view raw_value)>& fn);
// Writes the unescaped value into `out` (at least raw_value.size() bytes) and returns its length.
size_t unescape_sd_value(std::string_view raw_value, char* out);

}  // namespace vigil
