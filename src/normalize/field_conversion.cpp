// Target types by OCSF name, and a small strptime for the time forms of log sources.
#include "normalize/field_conversion.h"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "parse/syslog_time.h"

namespace vigil {
namespace {

using sv = std::string_view;

bool ends_with(sv s, sv suffix) { return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix; }

int month_of(sv name) {
  static const char* kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  if (name.size() < 3) return 0;
  for (int i = 0; i < 12; ++i)
    if ((name[0] | 0x20) == kMonths[i][0] && (name[1] | 0x20) == kMonths[i][1] && (name[2] | 0x20) == kMonths[i][2])
      return i + 1;
  return 0;
}

// Reads up to `max` digits at text[i]; false when there are none.
bool digits(sv text, size_t& i, int max, int64_t& out) {
  size_t start = i;
  out = 0;
  while (i < text.size() && i - start < static_cast<size_t>(max) && text[i] >= '0' && text[i] <= '9')
    out = out * 10 + (text[i++] - '0');
  return i > start;
}

std::optional<TimeNs> parse_epoch(sv text) {
  if (text.empty() || text.size() > 32) return std::nullopt;
  char buf[40];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  char* end = nullptr;
  if (text.find('.') == sv::npos) {
    errno = 0;
    long long v = std::strtoll(buf, &end, 10);
    if (*end != '\0' || errno == ERANGE || v == LLONG_MIN) return std::nullopt;
    long long mag = v < 0 ? -v : v;
    TimeNs scale = 1;                                           // nanoseconds
    if (mag < 100'000'000'000LL) scale = kNsPerSec;              // seconds
    else if (mag < 100'000'000'000'000LL) scale = 1'000'000;     // milliseconds
    else if (mag < 100'000'000'000'000'000LL) scale = 1'000;     // microseconds
    TimeNs ns;
    if (__builtin_mul_overflow(static_cast<TimeNs>(v), scale, &ns)) return std::nullopt;  // past 2262: no time
    return ns;
  }
  double d = std::strtod(buf, &end);
  if (*end != '\0' || !(d > -9e9 && d < 9e9)) return std::nullopt;  // TimeNs ends in 2262
  return static_cast<TimeNs>(d * 1e9);
}

std::optional<TimeNs> parse_pattern(sv text, sv format, int32_t utc_offset_s, TimeNs receive_time) {
  int64_t year = -1, month = 1, day = 1, hour = 0, minute = 0, second = 0, nanos = 0;
  int32_t offset = utc_offset_s;
  int pm = -1;
  size_t i = 0;
  for (size_t f = 0; f < format.size(); ++f) {
    char c = format[f];
    if (c == ' ') {
      if (i >= text.size() || (text[i] != ' ' && text[i] != '\t')) return std::nullopt;
      while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
      continue;
    }
    if (c != '%' || f + 1 >= format.size()) {
      if (i >= text.size() || text[i] != c) return std::nullopt;
      ++i;
      continue;
    }
    char d = format[++f];
    int64_t v = 0;
    switch (d) {
      case 'Y': if (!digits(text, i, 4, year)) return std::nullopt; break;
      case 'y': if (!digits(text, i, 2, v)) return std::nullopt; year = 2000 + v; break;
      case 'm': if (!digits(text, i, 2, month)) return std::nullopt; break;
      case 'e': while (i < text.size() && text[i] == ' ') ++i; [[fallthrough]];
      case 'd': if (!digits(text, i, 2, day)) return std::nullopt; break;
      case 'H': if (!digits(text, i, 2, hour)) return std::nullopt; break;
      case 'M': if (!digits(text, i, 2, minute)) return std::nullopt; break;
      case 'S': if (!digits(text, i, 2, second)) return std::nullopt; break;
      case 'f': {
        size_t start = i;
        if (!digits(text, i, 9, v)) return std::nullopt;
        for (size_t n = i - start; n < 9; ++n) v *= 10;
        nanos = v;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;  // beyond nanoseconds
        break;
      }
      case 'b': case 'B': {
        month = month_of(text.substr(i));
        if (!month) return std::nullopt;
        while (i < text.size() && ((text[i] | 0x20) >= 'a' && (text[i] | 0x20) <= 'z')) ++i;
        break;
      }
      case 'p': {
        if (i + 2 > text.size()) return std::nullopt;
        char a = text[i] | 0x20;
        if ((a != 'a' && a != 'p') || (text[i + 1] | 0x20) != 'm') return std::nullopt;
        pm = a == 'p';
        i += 2;
        break;
      }
      case 'z': case 'Z': {
        size_t start = i;
        if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
          ++i;
          while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == ':')) ++i;
        } else {
          while (i < text.size() && ((text[i] >= 'A' && text[i] <= 'Z'))) ++i;
        }
        auto off = parse_utc_offset(text.substr(start, i - start));
        if (!off) return std::nullopt;
        offset = *off;
        break;
      }
      case '%': if (i >= text.size() || text[i] != '%') return std::nullopt; ++i; break;
      default: return std::nullopt;
    }
  }
  if (i != text.size()) return std::nullopt;
  if (pm >= 0) {
    if (hour < 1 || hour > 12) return std::nullopt;
    hour = hour % 12 + (pm ? 12 : 0);
  }
  if (year < 0) {
    int64_t y;
    unsigned m, dd;
    civil_from_days(receive_time / kNsPerSec / 86400, y, m, dd);
    year = y;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  if (year < 1678 || year > 2261) return std::nullopt;
  const int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  int64_t cy;
  unsigned cm, cd;
  civil_from_days(days, cy, cm, cd);
  if (cd != day) return std::nullopt;  // February 30th is no day (not March 2nd)
  int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - offset;
  return secs * kNsPerSec + nanos;
}

}  // namespace

Conversion conversion_for_target(std::string_view t) {
  if (ends_with(t, ".ip") || t == "ip") return Conversion::Ip;
  const size_t dot = t.rfind('.');
  if (t.substr(dot == std::string_view::npos ? 0 : dot + 1).starts_with("is_")) return Conversion::Bool;
  if (t == "time" || ends_with(t, "_time") || ends_with(t, ".time")) return Conversion::Time;
  if (ends_with(t, "_id") || ends_with(t, "_uid") || ends_with(t, ".port") || ends_with(t, ".pid") ||
      ends_with(t, "count") || ends_with(t, ".code") || ends_with(t, "bytes") || ends_with(t, "packets") ||
      ends_with(t, "bytes_in") || ends_with(t, "bytes_out") || ends_with(t, "packets_in") ||
      ends_with(t, "packets_out") || ends_with(t, ".duration") || t == "duration" || ends_with(t, "_level") ||
      ends_with(t, "_num"))  // connection_info.protocol_num: an OCSF integer
    return Conversion::Int;
  return Conversion::String;
}

std::optional<int32_t> parse_utc_offset(std::string_view s) {
  if (s == "Z" || s == "UTC" || s == "GMT" || s == "z") return 0;
  if (s.size() < 2 || (s[0] != '+' && s[0] != '-')) return std::nullopt;
  int sign = s[0] == '-' ? -1 : 1;
  int64_t h = 0, m = 0;
  size_t i = 1;
  if (!digits(s, i, 2, h)) return std::nullopt;
  if (i < s.size() && s[i] == ':') ++i;
  if (i < s.size() && !digits(s, i, 2, m)) return std::nullopt;
  if (i != s.size() || h > 14 || m > 59) return std::nullopt;
  return sign * static_cast<int32_t>(h * 3600 + m * 60);
}

std::optional<TimeNs> parse_time_text(std::string_view text, std::string_view format, int32_t utc_offset_s,
                                      TimeNs receive_time) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text.empty()) return std::nullopt;
  if (format.empty() || format == "auto") {
    if (auto t = parse_time_text(text, "rfc3339", utc_offset_s, receive_time)) return t;
    if (auto t = parse_time_text(text, "syslog", utc_offset_s, receive_time)) return t;
    return parse_epoch(text);
  }
  if (format == "epoch") return parse_epoch(text);
  if (format == "rfc3339" || format == "iso8601") {
    TimeNs t;
    size_t end = syslog_detail::scan_rfc3339(text, 0, utc_offset_s, t);
    if (end == text.size()) return t;
    return std::nullopt;
  }
  if (format == "syslog") {
    TimeNs t;
    size_t end = syslog_detail::scan_bsd_timestamp(text, 0, receive_time, utc_offset_s, t);
    if (end != syslog_detail::kNoMatch && end == text.size()) return t;
    return std::nullopt;
  }
  return parse_pattern(text, format, utc_offset_s, receive_time);
}

std::optional<IpAddress> parse_ip(std::string_view text) {
  // Only digits and dots: IPv4 or nothing (inet_pton's rules: four parts of 0-255, no
  // leading zeros). Anything else goes to the full parser (IPv6, brackets).
  for (char c : text)
    if (!((c >= '0' && c <= '9') || c == '.')) return IpAddress::parse(text);
  uint8_t part[4] = {};
  int parts = 0;
  int digits = 0;
  unsigned value = 0;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      if (digits == 1 && value == 0) return std::nullopt;  // "01"
      value = value * 10 + static_cast<unsigned>(c - '0');
      if (value > 255) return std::nullopt;
      ++digits;
    } else {  // '.'
      if (digits == 0 || parts == 3) return std::nullopt;
      part[parts++] = static_cast<uint8_t>(value);
      value = 0;
      digits = 0;
    }
  }
  if (parts != 3 || digits == 0) return std::nullopt;
  return IpAddress::v4(part[0], part[1], part[2], static_cast<uint8_t>(value));
}

}  // namespace vigil
