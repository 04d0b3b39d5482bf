// Syslog header timestamps: see syslog_time.h. Plain forward scanning with bounds checks
// on every read; the inputs are untrusted network bytes.
#include "parse/syslog_time.h"

namespace vigil::syslog_detail {

namespace {

// Years outside this range do not fit int64 nanoseconds comfortably (1677..2262) and are
// certainly garbage in a log header.
constexpr int64_t kMinYear = 1900;
constexpr int64_t kMaxYear = 2200;
// RFC 3164 has no year: a time more than this far past the receive time is last year's.
// A few days absorb skewed device clocks and relays that forward late.
constexpr int64_t kFutureSlackS = 7 * 86400;

inline bool is_digit(char c) { return static_cast<unsigned>(c - '0') < 10u; }

// Reads exactly n digits at s[i].
inline bool fixed_digits(std::string_view s, size_t i, size_t n, int& out) {
  if (i + n > s.size()) return false;
  int v = 0;
  for (size_t k = i; k < i + n; ++k) {
    if (!is_digit(s[k])) return false;
    v = v * 10 + (s[k] - '0');
  }
  out = v;
  return true;
}

// Reads 1 or 2 digits at s[i]; returns the index past them or kNoMatch.
inline size_t one_or_two_digits(std::string_view s, size_t i, int& out) {
  if (i >= s.size() || !is_digit(s[i])) return kNoMatch;
  out = s[i] - '0';
  ++i;
  if (i < s.size() && is_digit(s[i])) {
    out = out * 10 + (s[i] - '0');
    ++i;
  }
  return i;
}

// ".123456" -> nanoseconds; digits past the ninth are read and dropped.
inline size_t fraction(std::string_view s, size_t i, int64_t& ns) {
  ns = 0;
  if (i >= s.size() || (s[i] != '.' && s[i] != ',')) return i;
  size_t p = i + 1;
  int64_t scale = 100'000'000;
  while (p < s.size() && is_digit(s[p])) {
    ns += (s[p] - '0') * scale;
    scale /= 10;
    ++p;
  }
  return p == i + 1 ? i : p;  // a lone '.' is not a fraction; leave it for the caller
}

bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(int64_t y, unsigned m) {
  static constexpr unsigned kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

bool valid_clock(int hh, int mm, int ss) { return hh <= 23 && mm <= 59 && ss <= 60; }

TimeNs to_ns(int64_t y, unsigned mon, unsigned day, int64_t sod, int64_t frac_ns, int64_t offset_s) {
  const int64_t secs = days_from_civil(y, mon, day) * 86400 + sod - offset_s;
  return secs * kNsPerSec + frac_ns;
}

// Month from its three-letter English name in any case; 0 when it is none.
unsigned month_from_name(char a, char b, char c) {
  const uint32_t key = (static_cast<uint32_t>(static_cast<unsigned char>(a) | 0x20) << 16) |
                       (static_cast<uint32_t>(static_cast<unsigned char>(b) | 0x20) << 8) |
                       static_cast<uint32_t>(static_cast<unsigned char>(c) | 0x20);
  switch (key) {
    case ('j' << 16) | ('a' << 8) | 'n': return 1;
    case ('f' << 16) | ('e' << 8) | 'b': return 2;
    case ('m' << 16) | ('a' << 8) | 'r': return 3;
    case ('a' << 16) | ('p' << 8) | 'r': return 4;
    case ('m' << 16) | ('a' << 8) | 'y': return 5;
    case ('j' << 16) | ('u' << 8) | 'n': return 6;
    case ('j' << 16) | ('u' << 8) | 'l': return 7;
    case ('a' << 16) | ('u' << 8) | 'g': return 8;
    case ('s' << 16) | ('e' << 8) | 'p': return 9;
    case ('o' << 16) | ('c' << 8) | 't': return 10;
    case ('n' << 16) | ('o' << 8) | 'v': return 11;
    case ('d' << 16) | ('e' << 8) | 'c': return 12;
    default: return 0;
  }
}

inline size_t skip_spaces(std::string_view s, size_t i) {
  while (i < s.size() && s[i] == ' ') ++i;
  return i;
}

// The year for a yearless date: the latest one that puts the time no more than
// kFutureSlackS after receive_time (so "Dec 31" received on Jan 1 is last year's, and
// "Jan 1" received on Dec 31 by a device whose clock runs ahead is next year's).
// Feb 29 skips to a leap year.
bool resolve_year(TimeNs receive_time, unsigned mon, unsigned day, int64_t sod, int64_t frac_ns,
                  int64_t offset_s, TimeNs& out) {
  static constexpr TimeNs kLo = 0;                                     // 1970
  static constexpr TimeNs kHi = 7'258'118'400LL * kNsPerSec;           // 2200-01-01
  TimeNs recv = receive_time < kLo ? kLo : receive_time > kHi ? kHi : receive_time;
  int64_t local_days = (recv / kNsPerSec + offset_s) / 86400;
  if (local_days < 0) local_days = 0;
  int64_t year;
  unsigned m, d;
  civil_from_days(local_days, year, m, d);
  const TimeNs limit = recv + kFutureSlackS * kNsPerSec;
  for (int64_t y = year + 1; y >= year - 8; --y) {
    if (day > days_in_month(y, mon)) continue;
    TimeNs t = to_ns(y, mon, day, sod, frac_ns, offset_s);
    if (t <= limit) {
      out = t;
      return true;
    }
  }
  return false;
}

}  // namespace

size_t scan_rfc3339(std::string_view s, size_t i, int32_t default_utc_offset_s, TimeNs& out) {
  int year, mon, day, hh, mm, ss;
  if (!fixed_digits(s, i, 4, year) || i + 19 > s.size() || s[i + 4] != '-' ||
      !fixed_digits(s, i + 5, 2, mon) || s[i + 7] != '-' || !fixed_digits(s, i + 8, 2, day))
    return kNoMatch;
  const char sep = s[i + 10];
  if (sep != 'T' && sep != 't' && sep != ' ') return kNoMatch;
  if (!fixed_digits(s, i + 11, 2, hh) || s[i + 13] != ':' || !fixed_digits(s, i + 14, 2, mm) ||
      s[i + 16] != ':' || !fixed_digits(s, i + 17, 2, ss))
    return kNoMatch;
  size_t p = i + 19;
  int64_t frac_ns;
  p = fraction(s, p, frac_ns);
  int64_t offset_s = default_utc_offset_s;
  if (p < s.size()) {
    const char z = s[p];
    if (z == 'Z' || z == 'z') {
      offset_s = 0;
      ++p;
    } else if (z == '+' || z == '-') {
      int oh, om = 0;
      if (!fixed_digits(s, p + 1, 2, oh)) return kNoMatch;
      p += 3;
      if (p < s.size() && s[p] == ':') {
        if (!fixed_digits(s, p + 1, 2, om)) return kNoMatch;
        p += 3;
      } else if (fixed_digits(s, p, 2, om)) {
        p += 2;
      }
      if (oh > 23 || om > 59) return kNoMatch;
      offset_s = (z == '-' ? -1 : 1) * (oh * 3600 + om * 60);
    }
  }
  if (year < kMinYear || year > kMaxYear || mon < 1 || mon > 12 || day < 1 ||
      static_cast<unsigned>(day) > days_in_month(year, static_cast<unsigned>(mon)) ||
      !valid_clock(hh, mm, ss))
    return kNoMatch;
  out = to_ns(year, static_cast<unsigned>(mon), static_cast<unsigned>(day), hh * 3600 + mm * 60 + ss,
              frac_ns, offset_s);
  return p;
}

size_t scan_bsd_timestamp(std::string_view s, size_t i, TimeNs receive_time,
                          int32_t default_utc_offset_s, TimeNs& out) {
  if (i + 3 > s.size()) return kNoMatch;
  const unsigned mon = month_from_name(s[i], s[i + 1], s[i + 2]);
  if (mon == 0 || i + 3 >= s.size() || s[i + 3] != ' ') return kNoMatch;
  size_t p = skip_spaces(s, i + 3);
  int day;
  p = one_or_two_digits(s, p, day);
  if (p == kNoMatch || day < 1 || day > 31 || p >= s.size() || s[p] != ' ') return kNoMatch;
  p = skip_spaces(s, p);
  int year = -1;
  // "Nov 22 2026 06:56:52" (Cisco ASA, some Juniper and Windows forwarders).
  if (p + 4 < s.size() && s[p + 4] == ' ' && fixed_digits(s, p, 4, year)) p = skip_spaces(s, p + 4);
  int hh, mm, ss;
  p = one_or_two_digits(s, p, hh);
  if (p == kNoMatch || p >= s.size() || s[p] != ':' || !fixed_digits(s, p + 1, 2, mm) ||
      p + 3 >= s.size() || s[p + 3] != ':' || !fixed_digits(s, p + 4, 2, ss))
    return kNoMatch;
  p += 6;
  int64_t frac_ns;
  p = fraction(s, p, frac_ns);  // "Mar  1 00:00:00.123" (Cisco IOS, macOS)
  // "Aug 10 22:18:24 2009 host": a year after the time.
  int trailing_year;
  if (year < 0 && p + 5 <= s.size() && s[p] == ' ' && fixed_digits(s, p + 1, 4, trailing_year) &&
      (p + 5 == s.size() || s[p + 5] == ' ' || s[p + 5] == ':') && trailing_year >= kMinYear &&
      trailing_year <= kMaxYear) {
    year = trailing_year;
    p += 5;
  }
  if (!valid_clock(hh, mm, ss)) return kNoMatch;
  const int64_t sod = hh * 3600 + mm * 60 + ss;
  if (year >= 0) {
    if (year < kMinYear || year > kMaxYear || static_cast<unsigned>(day) > days_in_month(year, mon))
      return kNoMatch;
    out = to_ns(year, mon, static_cast<unsigned>(day), sod, frac_ns, default_utc_offset_s);
    return p;
  }
  if (!resolve_year(receive_time, mon, static_cast<unsigned>(day), sod, frac_ns, default_utc_offset_s,
                    out))
    return kNoMatch;
  return p;
}

}  // namespace vigil::syslog_detail
