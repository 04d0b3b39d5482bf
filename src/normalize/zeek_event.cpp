// Zeek records onto OCSF (see zeek_event.h). A static table, built once, maps each
// (log, Zeek name) to its OCSF field id and conversion; names it does not know go to
// unmapped.zeek.<name> through a per-thread cache, so a record costs one hash look-up
// per field and no allocation once the names have been seen.
//
// Decisions the header leaves open:
// - Zeek logs that OCSF has a class for get that class even where a looser one would
//   do: ssh is SSH Activity 4007 (status from auth_success), rdp RDP Activity 4005,
//   smb_files/smb_mapping SMB Activity 4006. ntlm and kerberos are Authentication 3002
//   (auth_protocol NTLM/Kerberos; kerberos AS = 3 Authentication Ticket, TGS = 4
//   Service Ticket Request).
// - conn's activity comes from conn_state: SF 2 Close, REJ 5 Refuse, RST* 3 Reset,
//   anything else 6 Traffic. dns is 6 Traffic when a response was seen (rcode or
//   answers), else 1 Query. http's activity is its method (GET 3, POST 6 ...), else 99.
//   smtp is Email Activity 99: a passive sensor cannot tell send from relay.
// - severity_id is 1 Informational, 3 Medium for notice (Zeek's own alerts).
// - duration (interval, seconds) becomes milliseconds (int64), as OCSF wants.
// - A JSON line without "_path"/"@stream" gets no metadata.log_name and a Base Event.
#include "normalize/zeek_event.h"

#include <simdjson.h>

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/ip_address.h"
#include "core/time.h"
#include "parse/zeek_tsv.h"

namespace vigil {
namespace {

using sv = std::string_view;

enum Kind : uint8_t { kAny, kConn, kDns, kHttp, kSsl, kX509, kSsh, kRdp, kSmb, kDceRpc, kNtlm, kKerberos,
                      kFtp, kSmtp, kNtp, kNotice, kWeird, kOther, kKinds };

Kind kind_of_path(sv path) {
  if (path == "conn") return kConn;
  if (path == "dns") return kDns;
  if (path == "http") return kHttp;
  if (path == "ssl") return kSsl;
  if (path == "x509") return kX509;
  if (path == "ssh") return kSsh;
  if (path == "rdp") return kRdp;
  if (path.starts_with("smb_")) return kSmb;
  if (path == "dce_rpc") return kDceRpc;
  if (path == "ntlm") return kNtlm;
  if (path == "kerberos") return kKerberos;
  if (path == "ftp") return kFtp;
  if (path == "smtp") return kSmtp;
  if (path == "ntp") return kNtp;
  if (path == "notice") return kNotice;
  if (path == "weird") return kWeird;
  return kOther;
}

enum class Conv : uint8_t { Keep, Ip, Int, Time, DurationMs, Bool, String };
// Values the class choice depends on, captured while the fields are added.
enum class Hint : uint8_t { None, Ts, ConnState, Method, RequestType, Success, SmbAction, Response, FtpCommand,
                            NtpMode };

struct Rule {
  Kind kind;
  sv zeek;
  sv ocsf;  // empty: unmapped.zeek.<name> (the field is only read for its hint)
  Conv conv = Conv::Keep;
  Hint hint = Hint::None;
};

// clang-format off
constexpr Rule kRules[] = {
  {kAny, "ts", "time", Conv::Time, Hint::Ts},
  {kAny, "uid", "metadata.uid", Conv::String},
  {kAny, "id.orig_h", "src_endpoint.ip", Conv::Ip},
  {kAny, "id.orig_p", "src_endpoint.port", Conv::Int},
  {kAny, "id.resp_h", "dst_endpoint.ip", Conv::Ip},
  {kAny, "id.resp_p", "dst_endpoint.port", Conv::Int},
  {kAny, "proto", "connection_info.protocol_name", Conv::String},

  {kConn, "service", "app_name", Conv::String},
  {kConn, "duration", "duration", Conv::DurationMs},
  {kConn, "orig_bytes", "traffic.bytes_out", Conv::Int},
  {kConn, "resp_bytes", "traffic.bytes_in", Conv::Int},
  {kConn, "orig_pkts", "traffic.packets_out", Conv::Int},
  {kConn, "resp_pkts", "traffic.packets_in", Conv::Int},
  {kConn, "orig_l2_addr", "src_endpoint.mac", Conv::String},
  {kConn, "resp_l2_addr", "dst_endpoint.mac", Conv::String},
  {kConn, "conn_state", "", Conv::String, Hint::ConnState},

  {kDns, "query", "query.hostname", Conv::String},
  {kDns, "qtype_name", "query.type", Conv::String},
  {kDns, "qclass_name", "query.class", Conv::String},
  {kDns, "trans_id", "query.packet_uid", Conv::Int},
  {kDns, "rcode", "rcode_id", Conv::Int, Hint::Response},
  {kDns, "rcode_name", "rcode", Conv::String},
  {kDns, "answers", "answers.rdata", Conv::String, Hint::Response},

  {kHttp, "method", "http_request.http_method", Conv::String, Hint::Method},
  {kHttp, "host", "http_request.url.hostname", Conv::String},
  {kHttp, "uri", "http_request.url.path", Conv::String},
  {kHttp, "user_agent", "http_request.user_agent", Conv::String},
  {kHttp, "referrer", "http_request.referrer", Conv::String},
  {kHttp, "version", "http_request.version", Conv::String},
  {kHttp, "request_body_len", "http_request.length", Conv::Int},
  {kHttp, "status_code", "http_response.code", Conv::Int},
  {kHttp, "status_msg", "http_response.message", Conv::String},
  {kHttp, "response_body_len", "http_response.length", Conv::Int},
  {kHttp, "resp_mime_types", "http_response.content_type", Conv::String},

  {kSsl, "version", "tls.version", Conv::String},
  {kSsl, "cipher", "tls.cipher", Conv::String},
  {kSsl, "server_name", "tls.sni", Conv::String},
  {kSsl, "subject", "tls.certificate.subject", Conv::String},
  {kSsl, "issuer", "tls.certificate.issuer", Conv::String},
  {kSsl, "ja3", "tls.ja3_hash.value", Conv::String},
  {kSsl, "ja3s", "tls.ja3s_hash.value", Conv::String},

  {kX509, "certificate.subject", "tls.certificate.subject", Conv::String},
  {kX509, "certificate.issuer", "tls.certificate.issuer", Conv::String},
  {kX509, "certificate.serial", "tls.certificate.serial_number", Conv::String},
  {kX509, "certificate.version", "tls.certificate.version", Conv::String},
  {kX509, "certificate.not_valid_before", "tls.certificate.created_time", Conv::Time},
  {kX509, "certificate.not_valid_after", "tls.certificate.expiration_time", Conv::Time},
  {kX509, "fingerprint", "tls.certificate.fingerprints.value", Conv::String},
  {kX509, "san.dns", "tls.sans.name", Conv::String},

  {kSsh, "version", "protocol_ver", Conv::String},
  {kSsh, "auth_success", "", Conv::Bool, Hint::Success},
  {kSsh, "hassh", "client_hassh.fingerprint.value", Conv::String},
  {kSsh, "hasshServer", "server_hassh.fingerprint.value", Conv::String},

  {kRdp, "cookie", "user.name", Conv::String},
  {kRdp, "result", "status_detail", Conv::String},
  {kRdp, "client_name", "src_endpoint.hostname", Conv::String},

  {kSmb, "action", "command", Conv::String, Hint::SmbAction},
  {kSmb, "name", "file.name", Conv::String},
  {kSmb, "path", "share", Conv::String},
  {kSmb, "size", "file.size", Conv::Int},
  {kSmb, "share_type", "share_type", Conv::String},

  {kNtlm, "username", "user.name", Conv::String},
  {kNtlm, "domainname", "user.domain", Conv::String},
  {kNtlm, "hostname", "src_endpoint.hostname", Conv::String},
  {kNtlm, "server_nb_computer_name", "dst_endpoint.hostname", Conv::String},
  {kNtlm, "success", "", Conv::Bool, Hint::Success},
  {kNtlm, "status", "status_detail", Conv::String},

  {kKerberos, "client", "user.name", Conv::String},
  {kKerberos, "service", "service.name", Conv::String},
  {kKerberos, "request_type", "", Conv::String, Hint::RequestType},
  {kKerberos, "success", "", Conv::Bool, Hint::Success},
  {kKerberos, "error_msg", "status_detail", Conv::String},

  {kFtp, "command", "command", Conv::String, Hint::FtpCommand},
  {kFtp, "reply_code", "codes", Conv::Int},
  {kFtp, "reply_msg", "command_responses", Conv::String},
  {kFtp, "mime_type", "file.mime_type", Conv::String},
  {kFtp, "file_size", "file.size", Conv::Int},

  {kSmtp, "helo", "smtp_hello", Conv::String},
  {kSmtp, "mailfrom", "email.smtp_from", Conv::String},
  {kSmtp, "rcptto", "email.smtp_to", Conv::String},
  {kSmtp, "from", "email.from", Conv::String},
  {kSmtp, "to", "email.to", Conv::String},
  {kSmtp, "cc", "email.cc", Conv::String},
  {kSmtp, "reply_to", "email.reply_to", Conv::String},
  {kSmtp, "msg_id", "email.message_uid", Conv::String},
  {kSmtp, "subject", "email.subject", Conv::String},
  {kSmtp, "x_originating_ip", "email.x_originating_ip", Conv::Ip},

  {kNtp, "version", "version", Conv::Int},
  {kNtp, "mode", "", Conv::Int, Hint::NtpMode},
  {kNtp, "stratum", "stratum_id", Conv::Int},

  {kNotice, "msg", "message", Conv::String},
  {kNotice, "src", "src_endpoint.ip", Conv::Ip},
  {kNotice, "dst", "dst_endpoint.ip", Conv::Ip},
  {kWeird, "name", "message", Conv::String},
};
// clang-format on

// The OTRF streamer writes record fields with '_' where Zeek writes '.': these
// prefixes name Zeek's records, so "id_orig_h" is "id.orig_h".
constexpr sv kRecordPrefixes[] = {"id_", "certificate_", "san_", "basic_constraints_"};

struct Target {
  FieldId id = kNoField;  // kNoField: unmapped.zeek.<name>
  Conv conv = Conv::Keep;
  Hint hint = Hint::None;
};

struct Ids {
  FieldId class_uid = field_id("class_uid");
  FieldId category_uid = field_id("category_uid");
  FieldId activity_id = field_id("activity_id");
  FieldId type_uid = field_id("type_uid");
  FieldId severity_id = field_id("severity_id");
  FieldId status_id = field_id("status_id");
  FieldId status = field_id("status");
  FieldId product_name = field_id("metadata.product.name");
  FieldId vendor_name = field_id("metadata.product.vendor_name");
  FieldId log_name = field_id("metadata.log_name");
  FieldId log_provider = field_id("metadata.log_provider");
  FieldId auth_protocol = field_id("auth_protocol");
  FieldId auth_protocol_id = field_id("auth_protocol_id");
};

struct Tables {
  std::array<std::unordered_map<sv, Target>, kKinds> by_kind;
  // OTRF spellings of the dotted names above ("id_orig_h" -> "id.orig_h"), so that the
  // common ones need no copy; keys live in otrf_storage (a deque: they do not move).
  std::unordered_map<sv, sv> otrf_names;
  std::deque<std::string> otrf_storage;
  Tables() {
    for (const Rule& r : kRules) {
      by_kind[r.kind].emplace(r.zeek, Target{r.ocsf.empty() ? kNoField : field_id(r.ocsf), r.conv, r.hint});
      if (r.zeek.find('.') != sv::npos) {
        std::string& underscored = otrf_storage.emplace_back(r.zeek);
        for (char& c : underscored)
          if (c == '.') c = '_';
        otrf_names.emplace(underscored, r.zeek);
      }
    }
  }
  const Target* find(Kind kind, sv name) const {
    auto it = by_kind[kind].find(name);
    if (it != by_kind[kind].end()) return &it->second;
    it = by_kind[kAny].find(name);
    return it == by_kind[kAny].end() ? nullptr : &it->second;
  }
};

const Tables& tables() {
  static const Tables t;
  return t;
}
const Ids& ids() {
  static const Ids i;
  return i;
}

struct NameHash {
  using is_transparent = void;
  size_t operator()(sv s) const { return std::hash<sv>()(s); }
};

// unmapped.zeek.<name> ids: a few hundred names per deployment, each interned once.
FieldId unmapped_id(sv name) {
  thread_local std::unordered_map<std::string, FieldId, NameHash, std::equal_to<>> cache;
  auto it = cache.find(name);
  if (it != cache.end()) return it->second;
  if (cache.size() > 4096) cache.clear();  // names are untrusted (JSON keys): bound the cache
  std::string full = "unmapped.zeek.";
  full.append(name);
  FieldId id = field_id(full);
  cache.emplace(std::string(name), id);
  return id;
}

// "1521911720.865716" → ns, exactly (no double rounding).
std::optional<TimeNs> parse_epoch_text(sv s) {
  bool negative = !s.empty() && s[0] == '-';
  if (negative) s.remove_prefix(1);
  size_t dot = s.find('.');
  sv whole = s.substr(0, dot);
  if (whole.empty() || whole.size() > 11) return std::nullopt;
  int64_t secs = 0;
  for (char c : whole) {
    if (c < '0' || c > '9') return std::nullopt;
    secs = secs * 10 + (c - '0');
  }
  int64_t frac = 0;
  int digits = 0;
  if (dot != sv::npos) {
    for (char c : s.substr(dot + 1)) {
      if (c < '0' || c > '9') return std::nullopt;
      if (digits < 9) {
        frac = frac * 10 + (c - '0');
        ++digits;
      }
    }
  }
  for (; digits < 9; ++digits) frac *= 10;
  TimeNs ns = secs * kNsPerSec + frac;
  return negative ? -ns : ns;
}

std::optional<TimeNs> seconds_to_ns(double d) {
  if (!(std::fabs(d) < 9.2e9)) return std::nullopt;  // past 2262, or NaN
  return std::llround(d * 1e6) * 1000;                // a double holds microseconds at today's epochs
}

std::optional<int64_t> parse_int(sv s) {
  int64_t v;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> parse_double(sv s) {
  double v;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

// `v` converted as the target wants; unchanged when it does not convert.
Value convert(const Value& v, Conv conv) {
  switch (conv) {
    case Conv::Keep:
    case Conv::String:
      return v;
    case Conv::Ip:
      if (v.type == FieldType::String)
        if (auto ip = IpAddress::parse(v.as_string())) return Value::ip_address(*ip);
      return v;
    case Conv::Int:
      if (v.type == FieldType::String)
        if (auto i = parse_int(v.as_string())) return Value::int64(*i);
      if (v.type == FieldType::Float64 && std::fabs(v.f64) < 9e18) return Value::int64(std::llround(v.f64));
      return v;
    case Conv::Time:
      if (v.type == FieldType::Float64)
        if (auto t = seconds_to_ns(v.f64)) return Value::timestamp(*t);
      if (v.type == FieldType::Int64 && v.i64 > -9'000'000'000 && v.i64 < 9'000'000'000)
        return Value::timestamp(v.i64 * kNsPerSec);
      if (v.type == FieldType::String) {
        if (auto t = parse_epoch_text(v.as_string())) return Value::timestamp(*t);
        if (auto t = parse_rfc3339(v.as_string())) return Value::timestamp(*t);
      }
      return v;
    case Conv::DurationMs:
      if (v.type == FieldType::Float64 && std::fabs(v.f64) < 9e12) return Value::int64(std::llround(v.f64 * 1000));
      if (v.type == FieldType::Int64 && v.i64 > -9'000'000'000'000 && v.i64 < 9'000'000'000'000)
        return Value::int64(v.i64 * 1000);
      if (v.type == FieldType::String)
        if (auto d = parse_double(v.as_string()); d && std::fabs(*d) < 9e12) return Value::int64(std::llround(*d * 1000));
      return v;
    case Conv::Bool:
      if (v.type == FieldType::String) {
        sv s = v.as_string();
        if (s == "T" || s == "true") return Value::boolean(true);
        if (s == "F" || s == "false") return Value::boolean(false);
      }
      return v;
  }
  return v;
}

// What the class choice needs from the record.
struct Hints {
  std::optional<TimeNs> ts;
  sv conn_state, method, request_type, smb_action, ftp_command;
  int64_t ntp_mode = 0;
  std::optional<bool> success;
  bool response = false;
};

void note_hint(Hint hint, const Value& v, Hints& h) {
  sv s = v.type == FieldType::String ? v.as_string() : sv();
  switch (hint) {
    case Hint::None: break;
    case Hint::Ts: if (v.type == FieldType::Timestamp && !h.ts) h.ts = v.ts; break;
    case Hint::ConnState: h.conn_state = s; break;
    case Hint::Method: h.method = s; break;
    case Hint::RequestType: h.request_type = s; break;
    case Hint::SmbAction: h.smb_action = s; break;
    case Hint::Success: if (v.type == FieldType::Bool) h.success = v.b; break;
    case Hint::Response: h.response = true; break;
    case Hint::FtpCommand: h.ftp_command = s; break;
    case Hint::NtpMode: if (v.type == FieldType::Int64) h.ntp_mode = v.i64; break;
  }
}

int http_activity(sv method) {
  static constexpr sv kMethods[] = {"CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT", "TRACE", "PATCH"};
  for (size_t i = 0; i < std::size(kMethods); ++i)
    if (method == kMethods[i]) return static_cast<int>(i) + 1;
  return 99;
}

// FTP Activity: 1 Put, 2 Get, 4 Delete, 5 Rename, 6 List; logins, PASV ... are 99.
int ftp_activity(sv command) {
  if (command == "STOR" || command == "STOU" || command == "APPE") return 1;
  if (command == "RETR") return 2;
  if (command == "DELE") return 4;
  if (command == "RNFR" || command == "RNTO") return 5;
  if (command == "LIST" || command == "NLST" || command == "MLSD") return 6;
  return 99;
}

struct ClassChoice {
  int class_uid = 0, activity_id = 99, severity_id = 1;
};

ClassChoice choose_class(Kind kind, const Hints& h) {
  switch (kind) {
    case kConn: {
      int a = h.conn_state == "SF" ? 2 : h.conn_state == "REJ" ? 5 : h.conn_state.starts_with("RST") ? 3 : 6;
      return {4001, a};
    }
    case kDceRpc:
    case kSsl: return {4001, 6};
    case kX509: return {4001, 99};
    case kDns: return {4003, h.response ? 6 : 1};
    case kHttp: return {4002, http_activity(h.method)};
    case kRdp: return {4005, 6};
    case kSmb: return {4006, h.smb_action == "SMB::FILE_OPEN" ? 2 : 99};
    case kSsh: return {4007, 6};
    case kNtlm: return {3002, 1};
    case kKerberos: return {3002, h.request_type == "AS" ? 3 : h.request_type == "TGS" ? 4 : 99};
    case kFtp: return {4008, ftp_activity(h.ftp_command)};
    case kSmtp: return {4009, 99};
    case kNtp: return {4013, h.ntp_mode >= 1 && h.ntp_mode <= 7 ? static_cast<int>(h.ntp_mode) : 99};
    case kNotice: return {0, 99, 3};
    default: return {0, 99};
  }
}

bool inside(sv s, sv raw) {
  return !s.empty() && s.data() >= raw.data() && s.data() + s.size() <= raw.data() + raw.size();
}

}  // namespace

int map_zeek_record(sv path, std::span<const ZeekField> fields, EventBatch& out) {
  const Tables& t = tables();
  const Ids& f = ids();
  Kind kind = kind_of_path(path);
  sv raw = out.current().raw;
  Hints hints;
  for (const ZeekField& zf : fields) {
    const Target* target = t.find(kind, zf.name);
    Value v = zf.value;
    FieldId id;
    if (target) {
      v = convert(v, target->conv);
      note_hint(target->hint, v, hints);
      id = target->id != kNoField ? target->id : unmapped_id(zf.name);
    } else {
      id = unmapped_id(zf.name);
    }
    if (v.type == FieldType::String && !inside(v.as_string(), raw))
      out.add_string(id, v.as_string());
    else
      out.add(id, v);
  }

  ClassChoice c = choose_class(kind, hints);
  out.add_int(f.class_uid, c.class_uid);
  out.add_int(f.category_uid, c.class_uid / 1000);
  out.add_int(f.activity_id, c.activity_id);
  out.add_int(f.type_uid, c.class_uid * 100 + c.activity_id);
  out.add_int(f.severity_id, c.severity_id);
  if (hints.success) {
    out.add_int(f.status_id, *hints.success ? 1 : 2);
    out.add_string_ref(f.status, *hints.success ? "Success" : "Failure");  // literals outlive the batch
  }
  if (kind == kNtlm || kind == kKerberos) {
    out.add_string_ref(f.auth_protocol, kind == kNtlm ? "NTLM" : "Kerberos");
    out.add_int(f.auth_protocol_id, kind == kNtlm ? 1 : 2);
  }
  out.add_string_ref(f.product_name, "Zeek");
  out.add_string_ref(f.vendor_name, "Zeek");
  out.add_string_ref(f.log_provider, "zeek");
  if (!path.empty()) {
    if (inside(path, raw))
      out.add_string_ref(f.log_name, path);
    else
      out.add_string(f.log_name, path);
  }
  if (hints.ts) {
    out.set_time(*hints.ts);
  } else {
    out.set_flag(kFlagNoTimestamp);
  }
  return c.class_uid;
}

// ---- Whole bodies: TSV with headers, or JSON lines ----

namespace {

namespace dom = simdjson::dom;

// A TSV column value typed by its Zeek type.
Value typed_value(sv type, sv text) {
  if (type == "time") {
    if (auto t = parse_epoch_text(text)) return Value::timestamp(*t);
  } else if (type == "count" || type == "int" || type == "port") {
    if (auto i = parse_int(text)) return Value::int64(*i);
  } else if (type == "interval" || type == "double") {
    if (auto d = parse_double(text)) return Value::float64(*d);
  } else if (type == "addr") {
    if (auto ip = IpAddress::parse(text)) return Value::ip_address(*ip);
  } else if (type == "bool") {
    if (text == "T") return Value::boolean(true);
    if (text == "F") return Value::boolean(false);
  }
  return Value::string(text);
}

// "id_orig_h" → "id.orig_h" (OTRF streamer); other names as they are.
sv canonical_name(sv name, Arena& arena) {
  for (sv prefix : kRecordPrefixes) {
    if (name.size() > prefix.size() && name.starts_with(prefix)) {
      const auto& known = tables().otrf_names;
      if (auto it = known.find(name); it != known.end()) return it->second;
      char* p = arena.allocate(name.size());
      std::memcpy(p, name.data(), name.size());
      p[prefix.size() - 1] = '.';
      return {p, name.size()};
    }
  }
  return name;
}

struct JsonRecord {
  dom::parser parser;
  std::vector<ZeekField> fields;
  std::string name;  // dotted name of a nested object being flattened

  // Fills `fields` from the object; returns the log's path ("" when it names none).
  sv collect(dom::object obj, Arena& arena, int depth, sv& path) {
    for (dom::key_value_pair kv : obj) {
      sv key = kv.key;
      if (depth == 0 && (key == "_path" || key == "@stream") && kv.value.is_string()) {
        path = kv.value.get_string().value_unsafe();
        continue;
      }
      sv full = key;
      if (depth > 0) {
        size_t size = name.size();
        char* p = arena.allocate(size + 1 + key.size());
        std::memcpy(p, name.data(), size);
        p[size] = '.';
        std::memcpy(p + size + 1, key.data(), key.size());
        full = sv(p, size + 1 + key.size());
      } else {
        full = canonical_name(key, arena);
      }
      add(full, kv.value, arena, depth);
    }
    return path;
  }

  void add(sv full, dom::element v, Arena& arena, int depth) {
    switch (v.type()) {
      case dom::element_type::OBJECT:
        if (depth < 8) {
          std::string saved = name;
          name.assign(full);
          sv ignored;
          collect(dom::object(v), arena, depth + 1, ignored);
          name = std::move(saved);
        } else {
          fields.push_back({full, Value::string(arena.copy(simdjson::minify(v)))});
        }
        return;
      case dom::element_type::ARRAY:
        for (dom::element e : dom::array(v)) {
          if (e.is_array() || e.is_object())
            fields.push_back({full, Value::string(arena.copy(simdjson::minify(e)))});
          else
            add(full, e, arena, depth);
        }
        return;
      case dom::element_type::STRING:
        fields.push_back({full, Value::string(v.get_string().value_unsafe())});
        return;
      case dom::element_type::INT64:
        fields.push_back({full, Value::int64(v.get_int64().value_unsafe())});
        return;
      case dom::element_type::UINT64: {
        char buf[24];
        auto r = std::to_chars(buf, buf + sizeof buf, v.get_uint64().value_unsafe());
        fields.push_back({full, Value::string(arena.copy(sv(buf, static_cast<size_t>(r.ptr - buf))))});
        return;
      }
      case dom::element_type::DOUBLE:
        fields.push_back({full, Value::float64(v.get_double().value_unsafe())});
        return;
      case dom::element_type::BOOL:
        fields.push_back({full, Value::boolean(v.get_bool().value_unsafe())});
        return;
      case dom::element_type::NULL_VALUE:
        return;
    }
  }
};

bool is_blank(sv s) {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r') return false;
  return true;
}

sv trim_left(sv s) {
  while (!s.empty() && (s[0] == ' ' || s[0] == '\t')) s.remove_prefix(1);
  return s;
}

}  // namespace

void ZeekLineReader::add_line(sv line, size_t line_no, const Provenance& base, EventBatch& out, ZeekReadStats& stats) {
  thread_local JsonRecord json;
  thread_local std::vector<ZeekValue> values;
  thread_local std::vector<ZeekField> fields;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (is_blank(line)) return;

  Provenance p = base;
  char msg[256];
  auto fail = [&](sv why) {
    std::snprintf(msg, sizeof msg, "line %zu: %.*s", line_no, static_cast<int>(why.size()), why.data());
    out.set_parse_error(msg);
    out.set_flag(kFlagNoTimestamp);
    ++stats.parse_errors;
    if (stats.first_error.empty()) stats.first_error = msg;
  };

  if (line[0] == '#') {
    sv error;
    if (tsv_.read(line, out.arena(), values, error) != ZeekTsvReader::Line::Error) {
      has_header_ = !tsv_.columns().empty();
      return;
    }
    // A header that cannot be read is kept as an event so that it is not lost silently.
    p.raw = line;
    out.begin_event(p);
    ++stats.events;
    fail(error);
    out.end_event();
    return;
  }

  p.raw = line;
  out.begin_event(p);
  ++stats.events;
  sv raw = out.current().raw;  // the batch's copy: values sliced from it are not copied again
  if (trim_left(raw).starts_with("{")) {
    dom::element root;
    simdjson::error_code err = json.parser.parse(raw.data(), raw.size(), true).get(root);
    if (err) {
      fail(simdjson::error_message(err));
    } else if (!root.is_object()) {
      fail("expected a JSON object");
    } else {
      json.fields.clear();
      json.name.clear();
      sv path;
      json.collect(dom::object(root), out.arena(), 0, path);
      map_zeek_record(path, json.fields, out);
    }
  } else {
    sv error;
    ZeekTsvReader::Line kind = tsv_.read(raw, out.arena(), values, error);
    if (kind != ZeekTsvReader::Line::Record) {
      fail(error.empty() ? sv("not a Zeek record") : error);
    } else {
      fields.clear();
      for (const ZeekValue& v : values) {
        if (is_zeek_container(v.type)) {
          sv element_type = zeek_element_type(v.type);
          for_each_zeek_element(v.text, tsv_.set_separator(), out.arena(), [&](sv element) {
            fields.push_back({v.name, typed_value(element_type, element)});
          });
        } else {
          fields.push_back({v.name, typed_value(v.type, v.text)});
        }
      }
      map_zeek_record(tsv_.path(), fields, out);
    }
  }
  out.end_event();
}

ZeekReadStats read_zeek_log(sv body, const Provenance& base, EventBatch& out) {
  ZeekLineReader reader;
  ZeekReadStats stats;
  if (body.starts_with("\xEF\xBB\xBF")) body.remove_prefix(3);
  size_t line_no = 0, pos = 0;
  while (pos < body.size()) {
    ++line_no;
    const char* nl = static_cast<const char*>(std::memchr(body.data() + pos, '\n', body.size() - pos));
    size_t end = nl ? static_cast<size_t>(nl - body.data()) : body.size();
    reader.add_line(body.substr(pos, end - pos), line_no, base, out, stats);
    pos = end + 1;
  }
  return stats;
}

bool looks_like_zeek(sv first_line) {
  if (first_line.starts_with("\xEF\xBB\xBF")) first_line.remove_prefix(3);
  if (first_line.starts_with("#separator")) return true;
  first_line = trim_left(first_line);
  if (!first_line.starts_with("{")) return false;
  bool has_path = first_line.find("\"_path\"") != sv::npos || first_line.find("\"@stream\"") != sv::npos;
  bool has_id = first_line.find("\"uid\"") != sv::npos || first_line.find("\"ts\"") != sv::npos;
  return has_path && has_id;
}

}  // namespace vigil
