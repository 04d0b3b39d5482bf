// Suricata EVE onto OCSF (see suricata_event.h). The line is parsed with simdjson DOM
// and walked once: each leaf's dotted name ("alert.signature", "dns.answers.rdata")
// is looked up in a static table of the event type, built once; leaves the table does
// not know go to unmapped.suricata.<name> through a per-thread id cache. Arrays of
// scalars and of objects become repeated fields under the same name.
//
// Decisions the header leaves open:
// - alert.severity is Suricata's priority (1 highest): 1 -> severity_id 4 High,
//   2 -> 3 Medium, 3 -> 2 Low, anything else 1 Informational.
// - alert.action "allowed" -> action_id 1 Allowed, "blocked" -> 2 Denied.
// - finding_info.uid is the signature id as text (OCSF uids are strings); the number is
//   kept as unmapped.suricata.alert.signature_id too for numeric range queries.
// - flow: activity 2 Close when flow.state is "closed", else 6 Traffic. dns: 1 Query
//   for dns.type "query", 2 Response for "answer", else 6 Traffic. http: by method.
#include "normalize/suricata_event.h"

#include <simdjson.h>

#include <array>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/ip_address.h"
#include "core/time.h"

namespace vigil {
namespace {

using sv = std::string_view;
namespace dom = simdjson::dom;

enum Kind : uint8_t { kAny, kAlert, kFlow, kDns, kHttp, kTls, kOther, kKinds };

Kind kind_of(sv event_type) {
  if (event_type == "alert") return kAlert;
  if (event_type == "flow" || event_type == "netflow") return kFlow;
  if (event_type == "dns") return kDns;
  if (event_type == "http") return kHttp;
  if (event_type == "tls") return kTls;
  return kOther;
}

enum class Conv : uint8_t { Keep, Ip, Time, Text };
enum class Hint : uint8_t { None, Time, Severity, Action, FlowState, DnsType, Method, KeepUnmapped };

struct Rule {
  Kind kind;
  sv eve;
  sv ocsf;
  Conv conv = Conv::Keep;
  Hint hint = Hint::None;
};

// clang-format off
constexpr Rule kRules[] = {
  {kAny, "timestamp", "time", Conv::Time, Hint::Time},
  {kAny, "flow_id", "metadata.correlation_uid", Conv::Text},
  {kAny, "src_ip", "src_endpoint.ip", Conv::Ip},
  {kAny, "src_port", "src_endpoint.port"},
  {kAny, "dest_ip", "dst_endpoint.ip", Conv::Ip},
  {kAny, "dest_port", "dst_endpoint.port"},
  {kAny, "proto", "connection_info.protocol_name"},
  {kAny, "app_proto", "app_name"},
  {kAny, "community_id", "connection_info.community_uid"},
  {kAny, "host", "device.hostname"},
  {kAny, "flow.bytes_toserver", "traffic.bytes_out"},
  {kAny, "flow.bytes_toclient", "traffic.bytes_in"},
  {kAny, "flow.pkts_toserver", "traffic.packets_out"},
  {kAny, "flow.pkts_toclient", "traffic.packets_in"},
  {kAny, "flow.start", "start_time", Conv::Time},
  {kAny, "flow.end", "end_time", Conv::Time},
  {kAny, "flow.state", "", Conv::Keep, Hint::FlowState},
  // A flow's attacks and title also appear on alerts; the metadata keys are ET's.
  {kAlert, "alert.signature", "finding_info.title"},
  {kAlert, "alert.signature_id", "finding_info.uid", Conv::Text, Hint::KeepUnmapped},
  {kAlert, "alert.category", "finding_info.types"},
  {kAlert, "alert.severity", "", Conv::Keep, Hint::Severity},
  {kAlert, "alert.action", "action", Conv::Keep, Hint::Action},
  {kAlert, "alert.metadata.mitre_technique_id", "attacks.technique.uid"},
  {kAlert, "alert.metadata.mitre_technique_name", "attacks.technique.name"},
  {kAlert, "alert.metadata.mitre_tactic_id", "attacks.tactic.uid"},
  {kAlert, "alert.metadata.mitre_tactic_name", "attacks.tactic.name"},

  {kDns, "dns.rrname", "query.hostname"},
  {kDns, "dns.rrtype", "query.type"},
  {kDns, "dns.queries.rrname", "query.hostname"},
  {kDns, "dns.queries.rrtype", "query.type"},
  {kDns, "dns.id", "query.packet_uid"},
  {kDns, "dns.rcode", "rcode"},
  {kDns, "dns.type", "", Conv::Keep, Hint::DnsType},
  {kDns, "dns.answers.rdata", "answers.rdata"},
  {kDns, "dns.answers.rrtype", "answers.type"},
  {kDns, "dns.answers.ttl", "answers.ttl"},

  {kHttp, "http.hostname", "http_request.url.hostname"},
  {kHttp, "http.url", "http_request.url.path"},
  {kHttp, "http.http_user_agent", "http_request.user_agent"},
  {kHttp, "http.http_method", "http_request.http_method", Conv::Keep, Hint::Method},
  {kHttp, "http.http_refer", "http_request.referrer"},
  {kHttp, "http.protocol", "http_request.version"},
  {kHttp, "http.status", "http_response.code"},
  {kHttp, "http.length", "http_response.length"},
  {kHttp, "http.http_content_type", "http_response.content_type"},

  {kTls, "tls.sni", "tls.sni"},
  {kTls, "tls.version", "tls.version"},
  {kTls, "tls.subject", "tls.certificate.subject"},
  {kTls, "tls.issuerdn", "tls.certificate.issuer"},
  {kTls, "tls.serial", "tls.certificate.serial_number"},
  {kTls, "tls.fingerprint", "tls.certificate.fingerprints.value"},
  {kTls, "tls.notbefore", "tls.certificate.created_time", Conv::Time},
  {kTls, "tls.notafter", "tls.certificate.expiration_time", Conv::Time},
  {kTls, "tls.ja3.hash", "tls.ja3_hash.value"},
  {kTls, "tls.ja3s.hash", "tls.ja3s_hash.value"},
};
// clang-format on

struct Target {
  FieldId id = kNoField;  // kNoField: unmapped.suricata.<name>
  Conv conv = Conv::Keep;
  Hint hint = Hint::None;
};

struct Tables {
  std::array<std::unordered_map<sv, Target>, kKinds> by_kind;
  Tables() {
    for (const Rule& r : kRules)
      by_kind[r.kind].emplace(r.eve, Target{r.ocsf.empty() ? kNoField : field_id(r.ocsf), r.conv, r.hint});
  }
  const Target* find(Kind kind, sv name) const {
    auto it = by_kind[kind].find(name);
    if (it != by_kind[kind].end()) return &it->second;
    it = by_kind[kAny].find(name);
    return it == by_kind[kAny].end() ? nullptr : &it->second;
  }
};

struct Ids {
  FieldId class_uid = field_id("class_uid");
  FieldId category_uid = field_id("category_uid");
  FieldId activity_id = field_id("activity_id");
  FieldId type_uid = field_id("type_uid");
  FieldId severity_id = field_id("severity_id");
  FieldId action_id = field_id("action_id");
  FieldId product_name = field_id("metadata.product.name");
  FieldId vendor_name = field_id("metadata.product.vendor_name");
  FieldId log_name = field_id("metadata.log_name");
  FieldId log_provider = field_id("metadata.log_provider");
};

struct NameHash {
  using is_transparent = void;
  size_t operator()(sv s) const { return std::hash<sv>()(s); }
};

FieldId unmapped_id(sv name) {
  thread_local std::unordered_map<std::string, FieldId, NameHash, std::equal_to<>> cache;
  auto it = cache.find(name);
  if (it != cache.end()) return it->second;
  if (cache.size() > 4096) cache.clear();  // names are untrusted JSON keys: bound the cache
  std::string full = "unmapped.suricata.";
  full.append(name);
  FieldId id = field_id(full);
  cache.emplace(std::string(name), id);
  return id;
}

int http_activity(sv method) {
  static constexpr sv kMethods[] = {"CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT", "TRACE", "PATCH"};
  for (size_t i = 0; i < std::size(kMethods); ++i)
    if (method == kMethods[i]) return static_cast<int>(i) + 1;
  return 99;
}

struct Hints {
  std::optional<TimeNs> time;
  std::optional<int64_t> severity;
  sv action, flow_state, dns_type, method;
};

class EveLine {
 public:
  // Parses `line`; null on success, else why not.
  const char* parse(sv line) {
    simdjson::error_code err = parser_.parse(line.data(), line.size(), true).get(root_);
    if (err) return simdjson::error_message(err);
    if (!root_.is_object()) return "expected a JSON object";
    return nullptr;
  }

  // Maps the line parsed last into the open event of `out`.
  void emit(EventBatch& out) {
    static const Tables tables;
    static const Ids f;
    out_ = &out;
    tables_ = &tables;
    hints_ = Hints{};
    sv event_type;
    dom::element et;
    if (dom::object(root_)["event_type"].get(et) == simdjson::SUCCESS && et.is_string())
      event_type = et.get_string().value_unsafe();
    kind_ = kind_of(event_type);
    name_.clear();
    walk_object(dom::object(root_), 0, 1);

    int class_uid = 0, activity = 99, severity = 1;
    switch (kind_) {
      case kAlert:
        class_uid = 2004, activity = 1;
        if (hints_.severity) severity = *hints_.severity == 1 ? 4 : *hints_.severity == 2 ? 3 : *hints_.severity == 3 ? 2 : 1;
        break;
      case kFlow: class_uid = 4001, activity = hints_.flow_state == "closed" ? 2 : 6; break;
      case kTls: class_uid = 4001, activity = 6; break;
      case kDns:
        class_uid = 4003, activity = hints_.dns_type == "query" ? 1 : hints_.dns_type == "answer" ? 2 : 6;
        break;
      case kHttp: class_uid = 4002, activity = http_activity(hints_.method); break;
      default: break;
    }
    out.add_int(f.class_uid, class_uid);
    out.add_int(f.category_uid, class_uid / 1000);
    out.add_int(f.activity_id, activity);
    out.add_int(f.type_uid, class_uid * 100 + activity);
    out.add_int(f.severity_id, severity);
    if (hints_.action == "allowed" || hints_.action == "blocked")
      out.add_int(f.action_id, hints_.action == "allowed" ? 1 : 2);
    out.add_string_ref(f.product_name, "Suricata");  // literals outlive the batch
    out.add_string_ref(f.vendor_name, "OISF");
    out.add_string_ref(f.log_provider, "suricata");
    if (!event_type.empty()) out.add_string(f.log_name, event_type);
    if (hints_.time) {
      out.set_time(*hints_.time);
    } else {
      out.set_flag(kFlagNoTimestamp);
    }
  }

 private:
  void walk_object(dom::object obj, size_t name_len, int depth) {
    for (dom::key_value_pair kv : obj) {
      name_.resize(name_len);
      if (name_len != 0) name_.push_back('.');
      name_.append(kv.key);
      walk_value(kv.value, name_.size(), depth);
    }
  }

  void walk_value(dom::element v, size_t name_len, int depth) {
    switch (v.type()) {
      case dom::element_type::OBJECT:
        if (depth >= 32) return leaf(name_len, Value::string(out_->arena().copy(simdjson::minify(v))));
        return walk_object(dom::object(v), name_len, depth + 1);
      case dom::element_type::ARRAY:
        if (depth >= 32) return leaf(name_len, Value::string(out_->arena().copy(simdjson::minify(v))));
        for (dom::element e : dom::array(v)) walk_value(e, name_len, depth + 1);
        return;
      case dom::element_type::STRING:
        return leaf(name_len, Value::string(v.get_string().value_unsafe()));
      case dom::element_type::INT64:
        return leaf(name_len, Value::int64(v.get_int64().value_unsafe()));
      case dom::element_type::UINT64: {
        char buf[24];
        auto r = std::to_chars(buf, buf + sizeof buf, v.get_uint64().value_unsafe());
        return leaf(name_len, Value::string(sv(buf, static_cast<size_t>(r.ptr - buf))));
      }
      case dom::element_type::DOUBLE:
        return leaf(name_len, Value::float64(v.get_double().value_unsafe()));
      case dom::element_type::BOOL:
        return leaf(name_len, Value::boolean(v.get_bool().value_unsafe()));
      case dom::element_type::NULL_VALUE:
        return;
    }
  }

  // One scalar under name_[0, name_len). String values are copied by add_string.
  void leaf(size_t name_len, Value v) {
    sv name(name_.data(), name_len);
    const Target* t = tables_->find(kind_, name);
    if (!t) return add(unmapped_id(name), v);
    sv s = v.type == FieldType::String ? v.as_string() : sv();
    switch (t->hint) {
      case Hint::None: break;
      case Hint::Time: break;
      case Hint::KeepUnmapped: add(unmapped_id(name), v); break;
      case Hint::Severity: if (v.type == FieldType::Int64) hints_.severity = v.i64; break;
      case Hint::Action: hints_.action = s; break;  // slices of the parser's buffer: valid until emit() returns
      case Hint::FlowState: hints_.flow_state = s; break;
      case Hint::DnsType: hints_.dns_type = s; break;
      case Hint::Method: hints_.method = s; break;
    }
    FieldId id = t->id != kNoField ? t->id : unmapped_id(name);
    switch (t->conv) {
      case Conv::Keep: break;
      case Conv::Ip:
        if (v.type == FieldType::String)
          if (auto ip = IpAddress::parse(s)) v = Value::ip_address(*ip);
        break;
      case Conv::Time:
        if (v.type == FieldType::String)
          if (auto ts = parse_rfc3339(s)) {
            v = Value::timestamp(*ts);
            if (t->hint == Hint::Time && !hints_.time) hints_.time = *ts;
          }
        break;
      case Conv::Text:
        if (v.type == FieldType::Int64) {
          char buf[24];
          auto r = std::to_chars(buf, buf + sizeof buf, v.i64);
          return out_->add_string(id, sv(buf, static_cast<size_t>(r.ptr - buf)));
        }
        break;
    }
    add(id, v);
  }

  void add(FieldId id, const Value& v) {
    if (v.type == FieldType::String)
      out_->add_string(id, v.as_string());
    else
      out_->add(id, v);
  }

  dom::parser parser_;
  dom::element root_;
  EventBatch* out_ = nullptr;
  const Tables* tables_ = nullptr;
  Kind kind_ = kOther;
  Hints hints_;
  std::string name_;
};

bool is_blank(sv s) {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r') return false;
  return true;
}

}  // namespace

bool looks_like_suricata_eve(sv line) {
  size_t i = 0;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  if (i >= line.size() || line[i] != '{') return false;
  return line.find("\"timestamp\"") != sv::npos && line.find("\"event_type\"") != sv::npos;
}

ZeekReadStats read_suricata_eve(sv body, const Provenance& base, EventBatch& out) {
  thread_local EveLine eve;
  ZeekReadStats stats;
  if (body.starts_with("\xEF\xBB\xBF")) body.remove_prefix(3);
  Provenance p = base;
  size_t line_no = 0, pos = 0;
  while (pos < body.size()) {
    ++line_no;
    const char* nl = static_cast<const char*>(std::memchr(body.data() + pos, '\n', body.size() - pos));
    size_t end = nl ? static_cast<size_t>(nl - body.data()) : body.size();
    sv line = body.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (is_blank(line)) continue;

    p.raw = line;
    out.begin_event(p);
    ++stats.events;
    if (const char* why = eve.parse(line)) {
      char msg[192];
      std::snprintf(msg, sizeof msg, "line %zu: %s", line_no, why);
      out.set_parse_error(msg);
      out.set_flag(kFlagNoTimestamp);
      ++stats.parse_errors;
      if (stats.first_error.empty()) stats.first_error = msg;
    } else {
      eve.emit(out);
    }
    out.end_event();
  }
  return stats;
}

}  // namespace vigil
