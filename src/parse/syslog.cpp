// Syslog header parser: RFC 5424, and RFC 3164 with the dialects real devices send
// (no PRI, no hostname, years in the date, ISO dates, Cisco sequence numbers and
// "%FAC-SEV-MNEMONIC:" tags, macOS multi-word program names). One forward scan over the
// line; every field is a view into it; nothing allocates.
//
// Where a 3164 line is ambiguous the choices follow rsyslog's, so that fields match what
// operators already see from their relays (checked against rsyslog's own parser tests in
// tests/unit/parse/syslog_corpus_test.cpp).
#include "parse/syslog.h"

#include "parse/syslog_sd.h"
#include "parse/syslog_time.h"

namespace vigil {

namespace {

using syslog_detail::kNoMatch;

constexpr std::string_view kErrEmpty = "empty line";
constexpr std::string_view kErrPri = "invalid PRI: expected <0>..<191>";
constexpr std::string_view kErrHeader = "no syslog header: neither <PRI> nor a timestamp";

// A program name made of several words ends in "[pid]:" or a version ("syslogd 1.4.1:");
// beyond this many bytes it is message text, not a tag.
constexpr size_t kMaxMultiWordTag = 64;

inline bool is_digit(char c) { return static_cast<unsigned>(c - '0') < 10u; }

inline size_t skip_spaces(std::string_view s, size_t i) {
  while (i < s.size() && s[i] == ' ') ++i;
  return i;
}

inline size_t word_end(std::string_view s, size_t i) {
  while (i < s.size() && s[i] != ' ') ++i;
  return i;
}

// "<PRI>" at the start; returns the index past '>' or kNoMatch.
size_t scan_pri(std::string_view s, int& pri) {
  size_t p = 1;
  int v = 0;
  while (p < s.size() && p <= 3 && is_digit(s[p])) v = v * 10 + (s[p++] - '0');
  if (p == 1 || p >= s.size() || s[p] != '>' || v > 191) return kNoMatch;
  pri = v;
  return p + 1;
}

// A hostname, FQDN or IPv4/IPv6 address, as opposed to a tag: "sshd[1]:", "kernel:" and
// "%ASA-4-1:" are not hostnames, so a 3164 line without one is still read right.
bool looks_like_hostname(std::string_view w) {
  if (w.empty() || w.back() == ':') return false;
  bool colon = false, non_hex = false;
  for (char c : w) {
    const unsigned char u = static_cast<unsigned char>(c);
    const unsigned char lower = u | 0x20;
    const bool hex = is_digit(c) || (lower >= 'a' && lower <= 'f');
    const bool name = (lower >= 'g' && lower <= 'z') || c == '-' || c == '_' || u >= 0x80;
    if (!hex && !name && c != '.' && c != ':') return false;
    colon |= c == ':';
    non_hex |= name;
  }
  return !(colon && non_hex);  // "app:msg" is a tag glued to its message; "fe80::1" an address
}

bool ends_with_pid(std::string_view w) {
  if (w.size() < 3 || w.back() != ']') return false;
  size_t i = w.size() - 2;
  if (!is_digit(w[i])) return false;
  while (i > 0 && is_digit(w[i])) --i;
  return w[i] == '[';
}

bool is_version(std::string_view w) {
  if (w.empty() || !is_digit(w.front())) return false;
  bool dot = false;
  for (char c : w) {
    if (c == '.') dot = true;
    else if (!is_digit(c)) return false;
  }
  return dot;
}

// "name[pid]" -> app_name, proc_id; anything else is all name.
void split_program(std::string_view t, SyslogMessage& m) {
  m.app_name = t;
  if (t.size() < 2 || t.back() != ']') return;
  const size_t lb = t.find('[');
  if (lb == 0 || lb == std::string_view::npos) return;
  m.app_name = t.substr(0, lb);
  m.proc_id = t.substr(lb + 1, t.size() - lb - 2);
}

// The RFC 3164 TAG at s[i]; sets tag, app_name, proc_id and returns the index past the tag.
// With strict set (no timestamp was seen) only one word ending in ':' counts as a tag.
size_t scan_tag(std::string_view s, size_t i, bool strict, SyslogMessage& m) {
  const size_t n = s.size();
  if (i >= n) return i;
  size_t k = i;
  while (k < n && s[k] != ' ' && s[k] != ':') ++k;
  if (k < n && s[k] == ':') {  // "app:", "app[pid]:", "%ASA-4-106023:", "kernel:"
    if (k == i) return i;
    m.tag = s.substr(i, k + 1 - i);
    split_program(s.substr(i, k - i), m);
    return k + 1;
  }
  if (strict) return i;
  const std::string_view first = s.substr(i, k - i);
  // macOS ASL: "sandboxd[129] ([31211]): msg".
  if (ends_with_pid(first) && k + 1 < n && s[k + 1] == '(') {
    size_t q = k + 2;
    while (q < n && s[q] != ')' && s[q] != ' ') ++q;
    if (q + 1 < n && s[q] == ')' && s[q + 1] == ':') {
      m.tag = s.substr(i, q + 2 - i);
      split_program(first, m);
      return q + 2;
    }
  }
  // Program names with spaces: "Microsoft Word[14463]:", "syslogd 1.4.1:", "-- root[2421]:".
  size_t w = k;
  for (int words = 1; words < 3 && w < n && w + 1 < n && s[w + 1] != ' '; ++words) {
    size_t we = w + 1;
    while (we < n && s[we] != ' ' && s[we] != ':') ++we;
    if (we - i > kMaxMultiWordTag) break;
    if (we < n && s[we] == ':') {
      const std::string_view last = s.substr(w + 1, we - w - 1);
      if ((we + 1 == n || s[we + 1] == ' ') && (ends_with_pid(last) || is_version(last))) {
        m.tag = s.substr(i, we + 1 - i);
        split_program(s.substr(i, we - i), m);
        return we + 1;
      }
      break;
    }
    w = we;
  }
  // A first word without ':' is still the tag ("-- MARK --", "tag This msg"), as in rsyslog.
  m.tag = first;
  split_program(first, m);
  return k;
}

inline void set_msg(std::string_view s, size_t i, SyslogMessage& m) {
  m.msg = i < s.size() ? s.substr(i) : std::string_view();
}

inline size_t nil_or_field(std::string_view s, size_t i, std::string_view& out) {
  const size_t e = word_end(s, i);
  const std::string_view f = s.substr(i, e - i);
  if (f != "-") out = f;
  return skip_spaces(s, e);
}

void parse_5424(std::string_view s, size_t i, const SyslogParseOptions& o, SyslogMessage& m) {
  m.format = SyslogFormat::Rfc5424;
  i = skip_spaces(s, i);
  // Fields are NILVALUE '-' or one word; a line cut short keeps what it has.
  size_t e = word_end(s, i);
  if (e - i != 1 || s[i] != '-') {
    m.timestamp_text = s.substr(i, e - i);
    TimeNs t;
    if (syslog_detail::scan_rfc3339(s, i, o.default_utc_offset_s, t) == e) m.time = t;
  }
  i = skip_spaces(s, e);
  i = nil_or_field(s, i, m.hostname);
  i = nil_or_field(s, i, m.app_name);
  i = nil_or_field(s, i, m.proc_id);
  i = nil_or_field(s, i, m.msg_id);
  const size_t n = s.size();
  if (i >= n) return;
  if (s[i] == '-' && (i + 1 == n || s[i + 1] == ' ')) {
    ++i;
  } else if (s[i] == '[') {
    const size_t end = syslog_detail::scan_structured_data(
        s, i, [](std::string_view, std::string_view, std::string_view) {});
    // Malformed SD: keep all of it in msg rather than guess where it ends.
    if (end == kNoMatch) return set_msg(s, i, m);
    m.structured_data = s.substr(i, end - i);
    i = end;
  }
  if (i < n && s[i] == ' ') ++i;
  if (i + 3 <= n && s[i] == '\xEF' && s[i + 1] == '\xBB' && s[i + 2] == '\xBF') {
    m.has_bom = true;
    i += 3;
  }
  set_msg(s, i, m);
}

// RFC 3164 and its dialects, from just after the PRI (or the line start without one).
void parse_3164(std::string_view s, size_t start, bool has_pri, const SyslogParseOptions& o,
                SyslogMessage& m) {
  const size_t n = s.size();
  size_t i = skip_spaces(s, start);
  // Cisco IOS: "<189>123: *Mar  1 00:00:00.123: %SYS-5-CONFIG_I: ..." — a sequence number,
  // and '*' (clock not synchronized) or '.' (NTP lost) before the time.
  size_t ts = i;
  {
    size_t k = i;
    while (k < n && is_digit(s[k])) ++k;
    if (k > i && k + 1 < n && s[k] == ':' && s[k + 1] == ' ') ts = skip_spaces(s, k + 2);
    if (ts < n && (s[ts] == '*' || s[ts] == '.')) ++ts;
  }
  TimeNs t = 0;
  size_t e = kNoMatch;
  if (ts < n && is_digit(s[ts])) {
    e = syslog_detail::scan_rfc3339(s, ts, o.default_utc_offset_s, t);
  } else if (ts < n) {
    // receive_time 0 means "not given": the year is then picked relative to now.
    const TimeNs receive_time = o.receive_time != 0 ? o.receive_time : now_ns();
    e = syslog_detail::scan_bsd_timestamp(s, ts, receive_time, o.default_utc_offset_s, t);
  }
  // A timestamp ends the header word: "Mar 10 09:30:20x" is not one. A ':' right after
  // it is tolerated ("Mar 7 19:06:53: host", Cisco "...06:56:52: %ASA-...").
  if (e != kNoMatch && e < n && s[e] != ' ' && !(s[e] == ':' && (e + 1 == n || s[e + 1] == ' ')))
    e = kNoMatch;
  if (e == kNoMatch) {
    if (!has_pri) {
      m.error = kErrHeader;
      m.msg = s;
      return;
    }
    // "<13>tag: msg" from devices that omit time and host: still syslog, just thin.
    m.format = SyslogFormat::Rfc3164;
    size_t p = scan_tag(s, i, /*strict=*/true, m);
    if (p != i && p < n && s[p] == ' ') ++p;
    return set_msg(s, p, m);
  }
  m.format = SyslogFormat::Rfc3164;
  m.timestamp_text = s.substr(ts, e - ts);
  m.time = t;
  i = e;
  if (i < n && s[i] == ':') ++i;
  i = skip_spaces(s, i);
  const size_t he = word_end(s, i);
  if (looks_like_hostname(s.substr(i, he - i))) {
    m.hostname = s.substr(i, he - i);
    i = skip_spaces(s, he);
    // Cisco ASA with "logging device-id": "fw01 : %ASA-4-106023: ...".
    if (i < n && s[i] == ':' && (i + 1 == n || s[i + 1] == ' ')) i = skip_spaces(s, i + 1);
  }
  i = scan_tag(s, i, /*strict=*/false, m);
  if (i < n && s[i] == ' ') ++i;
  set_msg(s, i, m);
}

}  // namespace

SyslogMessage parse_syslog(std::string_view line, const SyslogParseOptions& options) {
  SyslogMessage m;
  // Framing left over by the transport is not part of the message.
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.empty()) {
    m.error = kErrEmpty;
    return m;
  }
  size_t i = 0;
  if (line[0] == '<') {
    int pri;
    i = scan_pri(line, pri);
    if (i == kNoMatch) {
      m.error = kErrPri;
      m.msg = line;
      return m;
    }
    m.pri = pri;
    m.facility = pri >> 3;
    m.severity = pri & 7;
  }
  // RFC 5424: VERSION "1" then a timestamp or NILVALUE. Without a PRI only when an RFC 3339
  // time follows, since "1 " could start any text.
  const size_t n = line.size();
  if (i + 2 < n && line[i] == '1' && line[i + 1] == ' ' &&
      (is_digit(line[i + 2]) || (line[i + 2] == '-' && (i + 3 == n || line[i + 3] == ' ')))) {
    TimeNs unused;
    if (i > 0 || syslog_detail::scan_rfc3339(line, 2, 0, unused) != kNoMatch) {
      parse_5424(line, i + 2, options, m);
      return m;
    }
  }
  parse_3164(line, i, i > 0, options, m);
  return m;
}

}  // namespace vigil
