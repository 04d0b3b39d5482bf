// Timestamps of syslog headers: RFC 3339 (RFC 5424, and the "high precision" 3164 that
// rsyslog and journald write) and the BSD "Mmm dd hh:mm:ss" family with its dialects.
// Internal to the syslog parser; scanners return the index just past what they read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/time.h"

namespace vigil::syslog_detail {

constexpr size_t kNoMatch = static_cast<size_t>(-1);

// Reads "YYYY-MM-DD(T| )hh:mm:ss[.frac][Z|+hh:mm|+hhmm|+hh]" at s[i]. A time without a
// zone is local time at default_utc_offset_s. Returns kNoMatch when the text is not such a
// timestamp or names an impossible date.
size_t scan_rfc3339(std::string_view s, size_t i, int32_t default_utc_offset_s, TimeNs& out);

// Reads "Mmm d hh:mm:ss[.frac]" at s[i] (month any case, day space or zero padded) with an
// optional year before the time ("Nov 22 2026 06:56:52") or after it ("... 06:56:52 2026").
// Without a year, picks the one that puts the time at most a few days after receive_time.
size_t scan_bsd_timestamp(std::string_view s, size_t i, TimeNs receive_time,
                          int32_t default_utc_offset_s, TimeNs& out);

}  // namespace vigil::syslog_detail
