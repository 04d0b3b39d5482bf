// Printing a hunt's alerts as a table, CSV or JSON lines; see hunt_output.h.
#include "cli/hunt_output.h"

#include <algorithm>
#include <functional>
#include <vector>

#include "detect/detection_finding.h"
#include "query/result_event.h"
#include "query/result_json.h"

namespace vigil {

namespace {

using Sink = std::function<void(std::string_view)>;

struct Row {
  std::string time, level, title, id, kind, host, user, src_ip, dst_ip, process, group, count, tenant, source, line,
      record, origin, details;
};

std::string first_text(const EventBatch& b, const Event& e, std::string_view field) {
  const FieldId id = field_dictionary().find(field);
  if (id == kNoField) return {};
  const Value* v = b.find(e, id);
  return v ? v->to_string() : std::string();
}

Row row_of(const detect::RuleSet& rules, const HuntAlerts& alerts, const HuntAlert& a) {
  const detect::RuleMeta& m = meta_of(rules, a);
  const EventBatch& b = alerts.findings[a.batch];
  const Event& f = b[a.event];
  Row r;
  r.time = format_rfc3339(a.time);
  r.level = m.level.empty() ? "-" : m.level;
  r.title = m.title;
  r.id = m.id.empty() ? m.name : m.id;
  r.kind = a.correlation ? "correlation" : "rule";
  r.host = first_text(b, f, "device.hostname");
  r.user = first_text(b, f, "actor.user.name");
  r.src_ip = first_text(b, f, "src_endpoint.ip");
  r.dst_ip = first_text(b, f, "dst_endpoint.ip");
  r.process = first_text(b, f, "process.cmd_line");
  if (r.process.empty()) r.process = first_text(b, f, "process.file.path");
  r.tenant = std::string(f.tenant);
  r.source = std::string(f.source);
  if (a.correlation) {
    r.count = first_text(b, f, "unmapped.correlation.count");
    static constexpr std::string_view kGroup = "unmapped.correlation.group.";
    for (const Field& field : b.fields(f)) {
      const std::string_view name = field_name(field.id);
      if (!name.starts_with(kGroup)) continue;
      if (!r.group.empty()) r.group += ' ';
      r.group += std::string(name.substr(kGroup.size())) + "=" + field.value.to_string();
    }
    r.details = r.count + " events" + (r.group.empty() ? "" : "; " + r.group);
  } else {
    r.details = r.process;
  }
  r.origin = r.source;
  if (a.kind == PositionKind::Line) {
    r.line = std::to_string(a.position);
    r.origin += ":" + r.line;
  } else if (a.kind == PositionKind::Record) {
    r.record = std::to_string(a.position);
    r.origin += "#" + r.record;
  } else if (!r.source.empty()) {
    // Stored events: the input they came in by says more than a bare address.
    const std::string input = first_text(b, f, "unmapped.event.input");
    if (!input.empty()) r.origin = input + " " + r.origin;
  }
  if (r.origin.empty()) r.origin = "-";
  return r;
}

bool shown(const detect::RuleSet& rules, const HuntAlert& a, int64_t min_severity) {
  return min_severity <= 0 || detect::severity_id_of_level(meta_of(rules, a).level) >= min_severity;
}

// Control characters would break a line of the table; show them as spaces.
std::string one_line(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  return out;
}

// Columns are measured in bytes, but a UTF-8 sequence is never cut in the middle.
size_t display_width(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string cut(std::string s, size_t width, bool keep_tail) {
  if (display_width(s) <= width || width < 4) return s;
  // Walk code points from the kept end.
  std::vector<size_t> starts;
  for (size_t i = 0; i < s.size(); ++i)
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) starts.push_back(i);
  const size_t keep = width - 3;
  if (keep_tail) return "..." + s.substr(starts[starts.size() - keep]);
  return s.substr(0, starts[keep]) + "...";
}

// Calls fn(row) for each alert shown, building one row at a time: a hunt may raise
// millions of alerts, and rows are far larger than the alerts they are made from.
template <typename Fn>
size_t each_row(const detect::RuleSet& rules, const HuntAlerts& alerts, int64_t min_severity, Fn&& fn) {
  size_t n = 0;
  for (const HuntAlert& a : alerts.alerts) {
    if (!shown(rules, a, min_severity)) continue;
    fn(row_of(rules, alerts, a));
    ++n;
  }
  return n;
}

struct Column {
  const char* header;
  std::string Row::*field;
  size_t max;
  bool keep_tail;  // long paths: the file name matters more than the folder
};

std::string cell(const Row& r, const Column& c) {
  std::string v = one_line(r.*(c.field));
  if (v.empty()) v = "-";
  return cut(std::move(v), c.max, c.keep_tail);
}

// Two passes: column widths first, then the lines.
size_t write_table(const detect::RuleSet& rules, const HuntAlerts& alerts, int64_t min_severity, const Sink& sink) {
  std::vector<Column> columns = {
      {"TIME", &Row::time, 40, false},       {"LEVEL", &Row::level, 13, false},
      {"RULE", &Row::title, 56, false},      {"ID", &Row::id, 36, false},
      {"HOST", &Row::host, 24, false},       {"USER", &Row::user, 24, false},
      {"SRC IP", &Row::src_ip, 39, false},   {"DETAILS", &Row::details, 64, false},
      {"ORIGIN", &Row::origin, 56, true},
  };
  bool other_tenant = false;
  for (const HuntAlert& a : alerts.alerts)
    other_tenant = other_tenant || (shown(rules, a, min_severity) && finding_of(alerts, a).tenant != "default");
  if (other_tenant) columns.insert(columns.begin() + 1, Column{"TENANT", &Row::tenant, 24, false});

  std::vector<size_t> width(columns.size());
  for (size_t c = 0; c < columns.size(); ++c) width[c] = std::string_view(columns[c].header).size();
  const size_t n = each_row(rules, alerts, min_severity, [&](const Row& r) {
    for (size_t c = 0; c < columns.size(); ++c) width[c] = std::max(width[c], display_width(cell(r, columns[c])));
  });
  if (n == 0) return 0;
  std::string line;
  auto emit = [&](auto&& text_of) {
    line.clear();
    for (size_t c = 0; c < columns.size(); ++c) {
      const std::string v = text_of(columns[c]);
      line += v;
      if (c + 1 < columns.size()) line.append(width[c] - display_width(v) + 2, ' ');
    }
    line += '\n';
    sink(line);
  };
  emit([](const Column& c) { return std::string(c.header); });
  each_row(rules, alerts, min_severity, [&](const Row& r) { emit([&](const Column& c) { return cell(r, c); }); });
  return n;
}

std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

size_t write_csv(const detect::RuleSet& rules, const HuntAlerts& alerts, int64_t min_severity, const Sink& sink) {
  static const std::pair<const char*, std::string Row::*> kColumns[] = {
      {"time", &Row::time},         {"level", &Row::level},     {"rule_id", &Row::id},
      {"title", &Row::title},       {"kind", &Row::kind},       {"host", &Row::host},
      {"user", &Row::user},         {"src_ip", &Row::src_ip},   {"dst_ip", &Row::dst_ip},
      {"process", &Row::process},   {"count", &Row::count},     {"group", &Row::group},
      {"tenant", &Row::tenant},     {"source", &Row::source},   {"line", &Row::line},
      {"record", &Row::record},
  };
  std::string out;
  for (const auto& [name, field] : kColumns) out += std::string(out.empty() ? "" : ",") + name;
  sink(out + "\n");
  return each_row(rules, alerts, min_severity, [&](const Row& r) {
    out.clear();
    bool first = true;
    for (const auto& [name, field] : kColumns) {
      if (!first) out += ',';
      first = false;
      out += csv_field(r.*field);
    }
    out += '\n';
    sink(out);
  });
}

void write_json(const detect::RuleSet& rules, const HuntAlerts& alerts, int64_t min_severity, const Sink& sink,
                size_t& written) {
  SearchResult chunk;
  auto flush = [&] {
    if (chunk.events.empty()) return;
    sink(query::result_to_ndjson(chunk));
    chunk.events.clear();
  };
  for (const HuntAlert& a : alerts.alerts) {
    if (!shown(rules, a, min_severity)) continue;
    ResultEvent e = query::to_result_event(alerts.findings[a.batch], finding_of(alerts, a));
    if (a.kind == PositionKind::Line) e.fields.push_back({"unmapped.event.line", ResultValue::int64(a.position)});
    if (a.kind == PositionKind::Record) e.fields.push_back({"unmapped.event.record", ResultValue::int64(a.position)});
    chunk.events.push_back(std::move(e));
    ++written;
    if (chunk.events.size() >= 1000) flush();
  }
  flush();
}

size_t write(const detect::RuleSet& rules, const HuntAlerts& alerts, HuntFormat format, int64_t min_severity,
             const Sink& sink) {
  switch (format) {
    case HuntFormat::Json: {
      size_t written = 0;
      write_json(rules, alerts, min_severity, sink, written);
      return written;
    }
    case HuntFormat::Csv: return write_csv(rules, alerts, min_severity, sink);
    case HuntFormat::Table: return write_table(rules, alerts, min_severity, sink);
  }
  return 0;
}

}  // namespace

std::optional<HuntFormat> parse_hunt_format(std::string_view name) {
  if (name == "table") return HuntFormat::Table;
  if (name == "csv") return HuntFormat::Csv;
  if (name == "json" || name == "ndjson") return HuntFormat::Json;
  return std::nullopt;
}

size_t write_hunt_alerts(const detect::RuleSet& rules, const HuntAlerts& alerts, HuntFormat format,
                         int64_t min_severity, std::FILE* out) {
  return write(rules, alerts, format, min_severity, [out](std::string_view s) { std::fwrite(s.data(), 1, s.size(), out); });
}

std::string format_hunt_alerts(const detect::RuleSet& rules, const HuntAlerts& alerts, HuntFormat format,
                               int64_t min_severity) {
  std::string out;
  write(rules, alerts, format, min_severity, [&out](std::string_view s) { out += s; });
  return out;
}

}  // namespace vigil
