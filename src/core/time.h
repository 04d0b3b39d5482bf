// Time in Vigil: int64 nanoseconds since the Unix epoch, UTC, everywhere.
// Parsing and formatting of the forms users type (RFC 3339, relative "-15m").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vigil {

using TimeNs = int64_t;
constexpr TimeNs kNsPerSec = 1'000'000'000;
constexpr TimeNs kMinTime = INT64_MIN;
constexpr TimeNs kMaxTime = INT64_MAX;

TimeNs now_ns();

// Days since 1970-01-01 for a proleptic Gregorian date (month 1-12).
int64_t days_from_civil(int64_t year, unsigned month, unsigned day);
// Year, month (1-12), day of a day count since the epoch.
void civil_from_days(int64_t days, int64_t& year, unsigned& month, unsigned& day);

// "2026-11-22T06:56:52.123Z", "2026-11-22T06:56:52+01:00", "2026-11-22 06:56:52", "2026-11-22".
std::optional<TimeNs> parse_rfc3339(std::string_view text);
// A length of time: a count and a unit, "30s", "15m", "24h", "7d", "2w".
std::optional<TimeNs> parse_duration(std::string_view text);
// RFC 3339, or relative to `now`: "now", "-15m", "-24h", "-7d", "-30s", "-2w".
std::optional<TimeNs> parse_time_arg(std::string_view text, TimeNs now);
// RFC 3339 in UTC with as many fraction digits as the value needs (3, 6 or 9):
// "2026-11-22T06:56:52.123Z". Exact, so parse_rfc3339(format_rfc3339(t)) == t.
std::string format_rfc3339(TimeNs t);
// The same into `out` (at least kRfc3339MaxSize bytes) without allocating; returns the length.
constexpr size_t kRfc3339MaxSize = 48;
size_t format_rfc3339(TimeNs t, char* out);

}  // namespace vigil
