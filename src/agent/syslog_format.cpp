#include "agent/syslog_format.h"

#include <array>
#include <cstdio>

#include "core/event_json.h"
#include "core/field_dictionary.h"
#include "core/time.h"

namespace vigil {

namespace {

const Value* lookup(const EventBatch& b, const Event& e, std::string_view name) {
  const FieldId id = field_dictionary().find(name);
  return id == kNoField ? nullptr : b.find(e, id);
}

int64_t int_field(const EventBatch& b, const Event& e, std::string_view name, int64_t otherwise) {
  const Value* v = lookup(b, e, name);
  return v && v->type == FieldType::Int64 ? v->i64 : otherwise;
}

// OCSF severity_id (1 informational .. 6 fatal) as a syslog severity (6 info .. 0 emerg).
int syslog_severity(int64_t severity_id) {
  switch (severity_id) {
    case 2: return 5;  // low: notice
    case 3: return 4;  // medium: warning
    case 4: return 3;  // high: err
    case 5: return 2;  // critical: crit
    case 6: return 0;  // fatal: emerg
    default: return 6;
  }
}

// Facility 13 (log audit): the events are security telemetry.
void append_header(std::string& out, const EventBatch& b, const Event& e, std::string_view hostname) {
  const int pri = 13 * 8 + syslog_severity(int_field(b, e, "severity_id", 1));
  out += '<';
  out += std::to_string(pri);
  out += ">1 ";
  out += format_rfc3339(e.time);
  out += ' ';
  out += hostname.empty() ? std::string_view("-") : hostname;
  out += " vigil-agent - ";
  const int64_t cls = int_field(b, e, "class_uid", -1);
  out += cls >= 0 ? std::to_string(cls) : std::string("-");
  out += " - ";
}

// CEF header fields escape \ and |; extension values escape \ = and line breaks.
void append_cef_header_field(std::string& out, std::string_view s) {
  for (char c : s) {
    if (c == '\\' || c == '|') out += '\\';
    if (c == '\n' || c == '\r') c = ' ';
    out += c;
  }
}

void append_cef_value(std::string& out, std::string_view s) {
  for (char c : s) {
    if (c == '\\' || c == '=') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      out += c;
    }
  }
}

struct CefKey {
  std::string_view ocsf;
  std::string_view cef;
};

// OCSF fields onto CEF's dictionary keys; the first present wins for a CEF key.
constexpr std::array<CefKey, 24> kCefKeys{{
    {"src_endpoint.ip", "src"},
    {"src_endpoint.port", "spt"},
    {"dst_endpoint.ip", "dst"},
    {"dst_endpoint.port", "dpt"},
    {"connection_info.protocol_name", "proto"},
    {"actor.user.name", "suser"},
    {"user.name", "duser"},
    {"process.user.name", "suser"},
    {"device.hostname", "dvchost"},
    {"process.pid", "spid"},
    {"process.name", "sproc"},
    {"process.file.path", "filePath"},
    {"file.path", "filePath"},
    {"file.name", "fname"},
    {"file.size", "fsize"},
    {"process.cmd_line", "cs1"},
    {"process.parent_process.file.path", "cs2"},
    {"file.hashes.sha256", "fileHash"},
    {"process.file.hashes.sha256", "fileHash"},
    {"activity_name", "act"},
    {"message", "msg"},
    {"status", "outcome"},
    {"metadata.uid", "externalId"},
    {"class_name", "cat"},
}};

}  // namespace

void append_rfc5424_framed(std::string& out, const EventBatch& b, const Event& e, std::string_view hostname) {
  std::string message;
  append_header(message, b, e, hostname);
  append_event_json(message, b, e, EventJsonOptions{.time = true});
  message.pop_back();  // the newline: octet counting frames the message
  out += std::to_string(message.size());
  out += ' ';
  out += message;
}

void append_cef(std::string& out, const EventBatch& b, const Event& e) {
  const int64_t cls = int_field(b, e, "class_uid", 0);
  std::string name;
  if (const Value* v = lookup(b, e, "class_name"); v && v->type == FieldType::String) name = v->as_string();
  if (const Value* v = lookup(b, e, "activity_name"); v && v->type == FieldType::String)
    name += (name.empty() ? "" : ": ") + std::string(v->as_string());
  if (name.empty()) name = "class " + std::to_string(cls);
  // CEF severity 0-10 from OCSF severity_id 0-6.
  static constexpr int kSeverity[] = {0, 1, 3, 5, 8, 9, 10};
  const int64_t sid = int_field(b, e, "severity_id", 1);
  const int severity = sid >= 0 && sid <= 6 ? kSeverity[sid] : 0;
  out += "CEF:0|Vigil|Vigil Agent|1|";
  out += std::to_string(cls);
  out += '|';
  append_cef_header_field(out, name);
  out += '|';
  out += std::to_string(severity);
  out += "|rt=";
  out += std::to_string(e.time / 1'000'000);
  std::string used;  // CEF keys already written, space-separated
  for (const CefKey& k : kCefKeys) {
    if (used.find(" " + std::string(k.cef) + " ") != std::string::npos) continue;
    const Value* v = lookup(b, e, k.ocsf);
    if (!v) continue;
    used += " " + std::string(k.cef) + " ";
    out += ' ';
    out += k.cef;
    out += '=';
    append_cef_value(out, value_text(*v, false));
    if (k.cef == "cs1") out += " cs1Label=cmdLine";
    if (k.cef == "cs2") out += " cs2Label=parentPath";
  }
}

void append_cef_syslog_line(std::string& out, const EventBatch& b, const Event& e, std::string_view hostname) {
  append_header(out, b, e, hostname);
  append_cef(out, b, e);
  out += '\n';
}

}  // namespace vigil
