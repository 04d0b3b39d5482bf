#include "core/time.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace vigil {

TimeNs now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Howard Hinnant's civil-date algorithms (public domain formulation).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

namespace {

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

}  // namespace

std::optional<TimeNs> parse_rfc3339(std::string_view s) {
  int year, mon, day, hh = 0, mm = 0, ss = 0;
  if (!digits(s, 0, 4, year) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2, mon) || s[7] != '-' ||
      !digits(s, 8, 2, day))
    return std::nullopt;
  if (mon < 1 || mon > 12 || day < 1 || day > 31) return std::nullopt;
  size_t p = 10;
  int64_t frac_ns = 0;
  int64_t offset_s = 0;
  if (p < s.size()) {
    if (s[p] != 'T' && s[p] != 't' && s[p] != ' ') return std::nullopt;
    if (!digits(s, p + 1, 2, hh) || s.size() < p + 6 || s[p + 3] != ':' || !digits(s, p + 4, 2, mm))
      return std::nullopt;
    p += 6;
    if (p < s.size() && s[p] == ':') {
      if (!digits(s, p + 1, 2, ss)) return std::nullopt;
      p += 3;
    }
    if (hh > 23 || mm > 59 || ss > 60) return std::nullopt;
    if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
      ++p;
      int64_t scale = 100'000'000;
      size_t start = p;
      while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
        frac_ns += (s[p] - '0') * scale;
        scale /= 10;
        ++p;
      }
      if (p == start) return std::nullopt;
    }
    if (p < s.size()) {
      if (s[p] == 'Z' || s[p] == 'z') {
        ++p;
      } else if (s[p] == '+' || s[p] == '-') {
        int oh, om = 0;
        int sign = s[p] == '-' ? -1 : 1;
        if (!digits(s, p + 1, 2, oh)) return std::nullopt;
        p += 3;
        if (p < s.size() && s[p] == ':') ++p;
        if (p < s.size()) {
          if (!digits(s, p, 2, om)) return std::nullopt;
          p += 2;
        }
        offset_s = sign * (oh * 3600 + om * 60);
      }
    }
    if (p != s.size()) return std::nullopt;
  }
  int64_t days = days_from_civil(year, static_cast<unsigned>(mon), static_cast<unsigned>(day));
  int64_t secs = days * 86400 + hh * 3600 + mm * 60 + ss - offset_s;
  TimeNs t;  // years outside 1677..2262 do not fit int64 nanoseconds
  if (__builtin_mul_overflow(secs, kNsPerSec, &t) || __builtin_add_overflow(t, frac_ns, &t)) return std::nullopt;
  return t;
}

std::optional<TimeNs> parse_duration(std::string_view s) {
  int64_t n = 0;
  size_t p = 0;
  while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
    n = n * 10 + (s[p] - '0');
    if (n > 1'000'000'000) return std::nullopt;
    ++p;
  }
  if (p == 0) return std::nullopt;
  std::string_view unit = s.substr(p);
  int64_t mult;
  if (unit == "s") mult = 1;
  else if (unit == "m") mult = 60;
  else if (unit == "h") mult = 3600;
  else if (unit == "d") mult = 86400;
  else if (unit == "w") mult = 7 * 86400;
  else return std::nullopt;
  TimeNs d;
  if (__builtin_mul_overflow(n * mult, kNsPerSec, &d)) return std::nullopt;
  return d;
}

std::optional<TimeNs> parse_time_arg(std::string_view s, TimeNs now) {
  if (s == "now") return now;
  if (s.size() >= 2 && (s[0] == '-' || s[0] == '+')) {
    const auto delta = parse_duration(s.substr(1));
    if (!delta) return std::nullopt;
    TimeNs t;
    if (s[0] == '-' ? __builtin_sub_overflow(now, *delta, &t) : __builtin_add_overflow(now, *delta, &t))
      return std::nullopt;
    return t;
  }
  return parse_rfc3339(s);
}

size_t format_rfc3339(TimeNs t, char* out) {
  int64_t secs = t / kNsPerSec;
  int64_t ns = t % kNsPerSec;
  if (ns < 0) {
    ns += kNsPerSec;
    secs -= 1;
  }
  int64_t days = secs / 86400;
  int64_t sod = secs % 86400;
  if (sod < 0) {
    sod += 86400;
    days -= 1;
  }
  int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  // Fewest fraction digits that keep the value exact: ms for syslog, more when the source had it.
  int digits = ns % 1'000'000 == 0 ? 3 : ns % 1'000 == 0 ? 6 : 9;
  long frac = static_cast<long>(digits == 3 ? ns / 1'000'000 : digits == 6 ? ns / 1'000 : ns);
  if (y >= 0 && y <= 9999) {
    // Digits by hand: results format a time per row, and snprintf cost more than the rest.
    auto put = [&](char* at, int64_t v, int width) {
      for (int i = width - 1; i >= 0; --i, v /= 10) at[i] = static_cast<char>('0' + v % 10);
    };
    put(out, y, 4);
    out[4] = '-';
    put(out + 5, m, 2);
    out[7] = '-';
    put(out + 8, d, 2);
    out[10] = 'T';
    put(out + 11, sod / 3600, 2);
    out[13] = ':';
    put(out + 14, sod / 60 % 60, 2);
    out[16] = ':';
    put(out + 17, sod % 60, 2);
    out[19] = '.';
    put(out + 20, frac, digits);
    out[20 + digits] = 'Z';
    out[21 + digits] = '\0';
    return static_cast<size_t>(21 + digits);
  }
  int n = std::snprintf(out, kRfc3339MaxSize, "%04lld-%02u-%02uT%02d:%02d:%02d.%0*ldZ", static_cast<long long>(y), m,
                        d, static_cast<int>(sod / 3600), static_cast<int>(sod / 60 % 60), static_cast<int>(sod % 60),
                        digits, frac);
  return n < 0 ? 0 : std::min(static_cast<size_t>(n), kRfc3339MaxSize - 1);
}

std::string format_rfc3339(TimeNs t) {
  char buf[kRfc3339MaxSize];
  return std::string(buf, format_rfc3339(t, buf));
}

}  // namespace vigil
