// Turning extracted text into typed OCSF values: which type a target field has when
// a pack does not say (by its OCSF name), and reading times in the forms sources write.
#pragma once

#include <optional>
#include <string_view>

#include "core/ip_address.h"
#include "core/time.h"
#include "normalize/pack.h"

namespace vigil {

// The type of an OCSF target by its name: *.ip -> Ip, time / *_time -> Time,
// is_* -> Bool, *_id, *_uid, *.port, *.pid, *count, *.code, bytes/packets -> Int, else String.
Conversion conversion_for_target(std::string_view target);

// An address as IpAddress::parse reads it, dotted IPv4 without the libc call (most
// addresses of firewall lines are those): "10.0.0.1", "::1", "[::1]".
std::optional<IpAddress> parse_ip(std::string_view text);

// A UTC offset: "+08", "+0800", "+08:00", "-0530", "Z", "UTC", "GMT".
std::optional<int32_t> parse_utc_offset(std::string_view text);

// Reads `text` as a time. `format`:
//   "" or "auto"  RFC 3339 / ISO 8601, else syslog, else epoch (s, ms, us, ns by magnitude, fraction allowed)
//   "epoch"       epoch seconds (or ms/us/ns by magnitude), fraction allowed
//   "rfc3339"     RFC 3339 / ISO 8601 ("2026-11-22T06:56:52Z", "2026-11-22 06:56:52")
//   "syslog"      "Nov 22 06:56:52" (year from receive_time)
//   a pattern     %Y %y %m %d %e %H %M %S %f (fraction) %b (month name) %z (+hhmm, +hh:mm, Z)
//                 %Z (a zone name: UTC, GMT, Z) %p (AM/PM) %%; a space matches any run of spaces
// Text without a zone is at `utc_offset_s`; a missing year is the year of receive_time.
std::optional<TimeNs> parse_time_text(std::string_view text, std::string_view format, int32_t utc_offset_s,
                                      TimeNs receive_time);

}  // namespace vigil
