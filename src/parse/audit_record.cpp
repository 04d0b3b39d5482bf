// auditd record text -> AuditRecord. The format is loose (kernel and user-space
// records differ, old PAM messages mix prose with pairs), so the reader takes every
// key=value it can find and steps over words that are not pairs.
#include "parse/audit_record.h"

#include <cstring>

#include "core/text_search.h"

namespace vigil {
namespace {

using sv = std::string_view;

// Past this many pairs a record's further fields stay only in the raw text.
constexpr size_t kMaxFieldsPerRecord = 512;

// Names of the numeric types the kernel ring prints ("audit: type=1300 audit(...)").
struct NumberedType {
  int number;
  sv name;
};
constexpr NumberedType kNumberedTypes[] = {
    {1100, "USER_AUTH"},       {1101, "USER_ACCT"},       {1102, "USER_MGMT"},
    {1103, "CRED_ACQ"},        {1104, "CRED_DISP"},       {1105, "USER_START"},
    {1106, "USER_END"},        {1107, "USER_AVC"},        {1108, "USER_CHAUTHTOK"},
    {1109, "USER_ERR"},        {1110, "CRED_REFR"},       {1111, "USYS_CONFIG"},
    {1112, "USER_LOGIN"},      {1113, "USER_LOGOUT"},     {1114, "ADD_USER"},
    {1115, "DEL_USER"},        {1116, "ADD_GROUP"},       {1117, "DEL_GROUP"},
    {1119, "CHGRP_ID"},        {1123, "USER_CMD"},        {1124, "USER_TTY"},
    {1125, "CHUSER_ID"},       {1127, "SYSTEM_BOOT"},     {1128, "SYSTEM_SHUTDOWN"},
    {1129, "SYSTEM_RUNLEVEL"}, {1130, "SERVICE_START"},   {1131, "SERVICE_STOP"},
    {1132, "GRP_MGMT"},        {1135, "ACCT_LOCK"},       {1136, "ACCT_UNLOCK"},
    {1200, "DAEMON_START"},    {1201, "DAEMON_END"},      {1202, "DAEMON_ABORT"},
    {1203, "DAEMON_CONFIG"},   {1300, "SYSCALL"},         {1302, "PATH"},
    {1303, "IPC"},             {1304, "SOCKETCALL"},      {1305, "CONFIG_CHANGE"},
    {1306, "SOCKADDR"},        {1307, "CWD"},             {1309, "EXECVE"},
    {1317, "FD_PAIR"},         {1318, "OBJ_PID"},         {1319, "TTY"},
    {1320, "EOE"},             {1321, "BPRM_FCAPS"},      {1322, "CAPSET"},
    {1323, "MMAP"},            {1324, "NETFILTER_PKT"},   {1325, "NETFILTER_CFG"},
    {1326, "SECCOMP"},         {1327, "PROCTITLE"},       {1330, "KERN_MODULE"},
    {1332, "TIME_INJOFFSET"},  {1333, "TIME_ADJNTPVAL"},  {1334, "BPF"},
    {1400, "AVC"},             {1401, "SELINUX_ERR"},     {1404, "MAC_STATUS"},
    {1700, "ANOM_PROMISCUOUS"}, {1701, "ANOM_ABEND"},     {1702, "ANOM_LINK"},
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The enriched format (auditd log_format=ENRICHED) separates the translated fields with
// 0x1D; Wazuh prints that byte as the text "\u001D".
size_t separator_length(sv s, size_t i) {
  char c = s[i];
  if (is_space(c) || c == '\x1d') return 1;
  if (c == '\\' && s.size() - i >= 6 && s[i + 1] == 'u' && s.substr(i + 2, 3) == "001" &&
      (s[i + 5] == 'D' || s[i + 5] == 'd'))
    return 6;
  return 0;
}

bool type_char(char c) {
  return (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' || c == '[' || c == ']';
}

// Position of the "type=" that starts a record (at the start or after a space), or npos.
size_t find_type(sv line, size_t from = 0) {
  for (size_t p = find_text(line, "type=", from); p != sv::npos; p = find_text(line, "type=", p + 1))
    if (p == 0 || is_space(line[p - 1])) return p;
  return sv::npos;
}

// "type=NAME msg=audit(" or "type=NAME audit(" at p: where "audit(" starts, else npos.
size_t audit_paren_after_type(sv line, size_t p) {
  size_t i = p + 5;
  size_t name_start = i;
  while (i < line.size() && !is_space(line[i])) ++i;
  if (i == name_start) return sv::npos;
  while (i < line.size() && is_space(line[i])) ++i;
  sv rest = line.substr(i);
  if (rest.starts_with("msg=audit(")) return i + 4;
  if (rest.starts_with("audit(")) return i;
  return sv::npos;
}

sv numbered_type_name(sv type) {
  if (type.empty() || type.size() > 5) return type;
  int n = 0;
  for (char c : type) {
    if (!is_digit(c)) return type;
    n = n * 10 + (c - '0');
  }
  for (const NumberedType& t : kNumberedTypes)
    if (t.number == n) return t.name;
  return type;
}

// Fills node/type/time/serial; `body` gets the text after "audit(...):".
sv parse_header(sv line, AuditRecord& out, sv& body) {
  out.node = {};
  out.type = {};
  out.time = 0;
  out.serial = 0;
  out.fields.clear();
  size_t p = find_type(line);
  if (p == sv::npos) return "audit record without type=";
  size_t paren = audit_paren_after_type(line, p);
  if (paren == sv::npos) return "audit record without msg=audit(time:serial)";

  size_t name_end = p + 5;
  while (name_end < line.size() && !is_space(line[name_end])) ++name_end;
  out.type = numbered_type_name(line.substr(p + 5, name_end - p - 5));

  // "node=host" is the word just before type=.
  size_t e = p;
  while (e > 0 && is_space(line[e - 1])) --e;
  size_t b = e;
  while (b > 0 && !is_space(line[b - 1])) --b;
  sv word = line.substr(b, e - b);
  if (word.starts_with("node=")) out.node = word.substr(5);

  // audit(SECONDS.FRACTION:SERIAL)
  size_t i = paren + 6;
  auto digits = [&](size_t max) {
    size_t start = i;
    while (i < line.size() && is_digit(line[i]) && i - start < max) ++i;
    return line.substr(start, i - start);
  };
  sv sec = digits(10);
  if (sec.empty() || i >= line.size() || line[i] != '.') return "bad audit(time:serial) timestamp";
  ++i;
  sv frac = digits(9);
  if (frac.empty() || i >= line.size() || line[i] != ':') return "bad audit(time:serial) timestamp";
  ++i;
  sv serial = digits(19);
  if (serial.empty() || i >= line.size() || line[i] != ')') return "bad audit(time:serial) serial";
  ++i;
  TimeNs t = 0;
  for (char c : sec) t = t * 10 + (c - '0');
  if (t >= kMaxTime / kNsPerSec) return "bad audit(time:serial) timestamp";
  TimeNs ns = 0;
  for (char c : frac) ns = ns * 10 + (c - '0');
  for (size_t k = frac.size(); k < 9; ++k) ns *= 10;
  out.time = t * kNsPerSec + ns;
  for (char c : serial) out.serial = out.serial * 10 + static_cast<uint64_t>(c - '0');
  if (i < line.size() && line[i] == ':') ++i;
  body = line.substr(i);
  return {};
}

// Keys whose unquoted all-hex values auditd wrote hex-encoded (they held a space, a quote
// or a control character).
bool hex_encoded_key(sv key, bool execve) {
  static constexpr sv kKeys[] = {"acct", "cmd", "comm", "cwd", "data", "dir", "exe", "file",
                                 "key", "name", "new", "ocomm", "old", "path", "proctitle",
                                 "vm", "watch", "grp", "new_group", "old_group", "sauid"};
  for (sv k : kKeys)
    if (key == k) return true;
  // EXECVE arguments: a0, a1, ... and pieces of long ones, a1[0], a1[1], ...
  if (execve && key.size() >= 2 && key[0] == 'a' && is_digit(key[1])) {
    size_t i = 1;
    while (i < key.size() && is_digit(key[i])) ++i;
    return i == key.size() || key[i] == '[';
  }
  // Enriched fields (UID="root", GID=646F...) are upper case; a name with a space is hex.
  if (key.size() >= 2 && key[0] >= 'A' && key[0] <= 'Z') {
    for (char c : key)
      if (!((c >= 'A' && c <= 'Z') || c == '_' || is_digit(c))) return false;
    return true;
  }
  return false;
}

bool all_hex_even(sv v) {
  if (v.empty() || v.size() % 2 != 0) return false;
  for (char c : v)
    if (hex_value(c) < 0) return false;
  return true;
}

sv decode_hex(sv key, sv v, Arena& scratch) {
  size_t n = v.size() / 2;
  char* p = scratch.allocate(n);
  for (size_t k = 0; k < n; ++k)
    p[k] = static_cast<char>(hex_value(v[2 * k]) * 16 + hex_value(v[2 * k + 1]));
  if (key == "proctitle") {
    for (size_t k = 0; k < n; ++k)
      if (p[k] == '\0') p[k] = ' ';
    while (n > 0 && p[n - 1] == ' ') --n;
  } else if (key == "key") {
    // Several rule keys are joined by 0x01.
    for (size_t k = 0; k < n; ++k)
      if (p[k] == '\x01') p[k] = ',';
  }
  return {p, n};
}

// "old auid=4294967295 new auid=0" of old LOGIN records: the first is old-auid.
sv qualified_key(sv prefix_word, sv key) {
  if (prefix_word == "old") {
    if (key == "auid") return "old-auid";
    if (key == "ses") return "old-ses";
  }
  return key;
}

void parse_fields(sv s, bool top, bool execve, Arena& scratch, AuditRecord& out) {
  size_t i = 0;
  sv last_word;
  while (i < s.size()) {
    if (size_t sep = separator_length(s, i)) {
      i += sep;
      continue;
    }
    size_t start = i;
    while (i < s.size() && s[i] != '=' && !separator_length(s, i)) ++i;
    if (i >= s.size() || s[i] != '=') {
      last_word = s.substr(start, i - start);
      continue;
    }
    sv key = s.substr(start, i - start);
    while (!key.empty() && key.front() == '(') key.remove_prefix(1);
    ++i;  // '='
    sv value;
    bool quoted = false;
    if (i < s.size() && (s[i] == '"' || s[i] == '\'')) {
      char q = s[i++];
      size_t end = s.find(q, i);
      if (end == sv::npos) end = s.size();
      value = s.substr(i, end - i);
      i = end < s.size() ? end + 1 : end;
      quoted = true;
      if (q == '\'' && top && key == "msg") {
        parse_fields(value, false, execve, scratch, out);
        last_word = {};
        continue;
      }
    } else {
      size_t vstart = i;
      while (i < s.size() && !separator_length(s, i)) ++i;
      value = s.substr(vstart, i - vstart);
      // Prose around old PAM pairs: "(hostname=?, addr=?, terminal=cron res=success)".
      while (!value.empty() && value.back() == ',') value.remove_suffix(1);
      if (!value.empty() && value.back() == ')' && value.find('(') == sv::npos) value.remove_suffix(1);
    }
    if (key.empty()) continue;
    key = qualified_key(last_word, key);
    last_word = {};
    if (!quoted && all_hex_even(value) && hex_encoded_key(key, execve)) value = decode_hex(key, value, scratch);
    if (out.fields.size() < kMaxFieldsPerRecord) out.fields.push_back(TextPair{key, value});
  }
}

}  // namespace

std::string_view parse_audit_header(std::string_view line, AuditRecord& out) {
  sv body;
  return parse_header(line.substr(0, audit_record_length(line)), out, body);
}

std::string_view parse_audit_record(std::string_view line, Arena& scratch, AuditRecord& out) {
  sv body;
  sv err = parse_header(line.substr(0, audit_record_length(line)), out, body);
  if (!err.empty()) return err;
  parse_fields(body, true, out.type == "EXECVE", scratch, out);
  return {};
}

bool looks_like_audit_record(std::string_view line) {
  // Every line is asked this, so it reads no further than it must: a record's
  // "type=NAME msg=audit(" (or "type=NAME audit("), the header parse_audit_record needs.
  // "audit(" first: one scan rules out the key=value lines full of "..._type=".
  if (find_text(line, "audit(") == sv::npos) return false;
  for (size_t p = find_type(line); p != sv::npos; p = find_type(line, p + 5))
    if (audit_paren_after_type(line, p) != sv::npos) return true;
  return false;
}

size_t audit_record_length(std::string_view line) {
  size_t first = find_type(line);
  if (first == sv::npos) return line.size();
  for (size_t p = find_type(line, first + 5); p != sv::npos; p = find_type(line, p + 5)) {
    // Only an upper-case record name followed by its audit( header starts a record; a
    // field named type= inside a record does not.
    size_t k = p + 5;
    while (k < line.size() && type_char(line[k])) ++k;
    if (k == p + 5 || k >= line.size() || !is_space(line[k])) continue;
    if (audit_paren_after_type(line, p) == sv::npos) continue;
    size_t end = p;
    while (end > first && is_space(line[end - 1])) --end;
    return end;
  }
  return line.size();
}

std::string_view audit_field(const AuditRecord& r, std::string_view key) {
  for (const TextPair& f : r.fields)
    if (f.key == key) return f.value;
  return {};
}

bool decode_audit_sockaddr(std::string_view hex, Arena& scratch, AuditSockaddr& out) {
  out = AuditSockaddr{};
  if (hex.size() < 4 || !all_hex_even(hex)) return false;
  size_t n = hex.size() / 2;
  auto byte = [&](size_t k) -> uint8_t {
    return static_cast<uint8_t>(hex_value(hex[2 * k]) * 16 + hex_value(hex[2 * k + 1]));
  };
  out.family = byte(0) | (byte(1) << 8);
  if (out.family == 2 && n >= 8) {
    out.port = (byte(2) << 8) | byte(3);
    out.ip = IpAddress::v4(byte(4), byte(5), byte(6), byte(7));
  } else if (out.family == 10 && n >= 24) {
    out.port = (byte(2) << 8) | byte(3);
    IpAddress a;
    for (size_t k = 0; k < 16; ++k) a.bytes[k] = byte(8 + k);
    // A v4-mapped v6 address (::ffff:a.b.c.d) is the IPv4 peer of a dual-stack socket.
    static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(a.bytes.data(), kMapped, 12) == 0)
      a = IpAddress::v4(a.bytes[12], a.bytes[13], a.bytes[14], a.bytes[15]);
    out.ip = a;
  } else if (out.family == 1) {
    // sun_path; an abstract socket starts with NUL and is shown with a leading '@'.
    size_t start = 2;
    bool abstract = n > 2 && byte(2) == 0;
    if (abstract) ++start;
    size_t end = start;
    while (end < n && byte(end) != 0) ++end;
    size_t len = end - start + (abstract ? 1 : 0);
    if (len > 0) {
      char* p = scratch.allocate(len);
      size_t w = 0;
      if (abstract) p[w++] = '@';
      for (size_t k = start; k < end; ++k) p[w++] = static_cast<char>(byte(k));
      out.path = sv(p, len);
    }
  }
  return true;
}

}  // namespace vigil
