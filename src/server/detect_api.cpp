// The detection endpoints' requests and answers; see detect_api.h.
#include "server/detect_api.h"

#include <boost/json.hpp>

#include "detect/detection_finding.h"
#include "query/text_util.h"
#include "server/search_params.h"

namespace vigil {

namespace json = boost::json;

namespace {

constexpr std::string_view kLevels[] = {"informational", "low", "medium", "high", "critical"};

// A literal for the query language: quoted, only \" and \\ escaped.
std::string query_literal(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + '"';
}

json::string text(std::string_view s) {
  if (query::is_valid_utf8(s)) return json::string(json::string_view(s.data(), s.size()));
  const std::string fixed = query::repair_utf8(s);
  return json::string(json::string_view(fixed.data(), fixed.size()));
}

json::value value_json(const ResultValue& v) {
  if (v.is_null) return nullptr;
  switch (v.type) {
    case FieldType::Int64: return v.i64;
    case FieldType::Float64: return v.f64;
    case FieldType::Bool: return v.i64 != 0;
    case FieldType::Timestamp: return text(format_rfc3339(v.i64));
    default: return text(v.text);
  }
}

// The fields of one finding by name (a repeated field keeps every value, in order).
struct Finding {
  const ResultEvent& e;

  const ResultValue* first(std::string_view name) const {
    for (const auto& [k, v] : e.fields)
      if (k == name) return &v;
    return nullptr;
  }
  json::value one(std::string_view name) const {
    const ResultValue* v = first(name);
    return v ? value_json(*v) : json::value(nullptr);
  }
  json::array all(std::string_view name) const {
    json::array out;
    for (const auto& [k, v] : e.fields)
      if (k == name) out.push_back(value_json(v));
    return out;
  }
  void put_if(json::object& o, std::string_view key, std::string_view name) const {
    if (const ResultValue* v = first(name)) o[key] = value_json(*v);
  }
};

json::object alert_json(const ResultEvent& e) {
  const Finding f{e};
  json::object rule{{"id", f.one("finding_info.analytic.uid")},
                    {"title", f.one("finding_info.title")},
                    {"level", f.one("unmapped.sigma.level")},
                    {"file", f.one("unmapped.sigma.file")}};
  json::object entities;
  f.put_if(entities, "user", "actor.user.name");
  f.put_if(entities, "host", "device.hostname");
  f.put_if(entities, "src_ip", "src_endpoint.ip");
  f.put_if(entities, "dst_ip", "dst_endpoint.ip");
  json::object process;
  f.put_if(process, "cmd_line", "process.cmd_line");
  f.put_if(process, "path", "process.file.path");
  f.put_if(process, "parent_path", "process.parent_process.file.path");
  if (!process.empty()) entities["process"] = std::move(process);

  json::object a{{"time", text(format_rfc3339(e.time))},
                 {"uid", f.one("finding_info.uid")},
                 {"kind", f.one("unmapped.sigma.kind")},
                 {"rule", std::move(rule)},
                 {"severity", f.one("severity")},
                 {"severity_id", f.one("severity_id")},
                 {"tactics", f.all("finding_info.attacks.tactic.name")},
                 {"techniques", f.all("finding_info.attacks.technique.uid")},
                 {"tags", f.all("unmapped.sigma.tags")},
                 {"entities", std::move(entities)},
                 {"first_seen", f.one("finding_info.first_seen_time")},
                 {"last_seen", f.one("finding_info.last_seen_time")},
                 {"tenant", text(e.tenant)}};
  if (f.first("unmapped.correlation.count")) {
    json::object group;
    constexpr std::string_view kGroup = "unmapped.correlation.group.";
    for (const auto& [k, v] : e.fields)
      if (k.starts_with(kGroup)) group[k.substr(kGroup.size())] = value_json(v);
    a["correlation"] = json::object{{"count", f.one("unmapped.correlation.count")},
                                    {"value", f.one("unmapped.correlation.value")},
                                    {"group", std::move(group)}};
  }
  a["event"] = json::object{{"input", f.one("unmapped.event.input")}, {"source", f.one("unmapped.event.source")}};
  a["raw"] = text(e.raw);
  return a;
}

json::array strings(const std::vector<std::string>& v) {
  json::array out;
  for (const std::string& s : v) out.push_back(text(s));
  return out;
}

std::string_view correlation_type(detect::SigmaCorrelation::Type t) {
  using T = detect::SigmaCorrelation::Type;
  switch (t) {
    case T::EventCount: return "event_count";
    case T::ValueCount: return "value_count";
    case T::Temporal: return "temporal";
    case T::TemporalOrdered: return "temporal_ordered";
    case T::ValueSum: return "value_sum";
    case T::ValueAvg: return "value_avg";
    case T::ValuePercentile: return "value_percentile";
  }
  return "unknown";
}

json::object rule_json(const detect::RuleMeta& m, std::string_view kind, bool alerts) {
  return json::object{{"id", text(m.id)},       {"name", text(m.name)},   {"title", text(m.title)},
                      {"level", text(m.level)}, {"status", text(m.status)}, {"kind", kind},
                      {"file", text(m.file)},   {"line", m.line},         {"tags", strings(m.tags)},
                      {"alerts", alerts}};
}

}  // namespace

Result<SearchRequest> alerts_search_request(const std::map<std::string, std::string>& query, TimeNs now) {
  SearchRequest sr;
  if (Status s = read_search_params(query, now, sr); !s.ok()) return s;
  std::string q = "class_uid:" + std::to_string(detect::kDetectionFindingClass);
  if (auto it = query.find("level"); it != query.end() && !it->second.empty()) {
    std::string any;
    std::string_view rest = it->second;
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      const std::string level = query::to_lower_ascii(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      const int64_t id = detect::severity_id_of_level(level);
      if (id == 0)
        return Status::error("bad 'level' '" + level +
                             "': expected informational, low, medium, high or critical (a comma list for any of them)");
      any += (any.empty() ? "" : " OR ") + std::string("severity_id:") + std::to_string(id);
    }
    q += " (" + any + ")";
  }
  if (auto it = query.find("rule"); it != query.end() && !it->second.empty())
    q += " (finding_info.analytic.uid:" + query_literal(it->second) + " OR finding_info.title:" + query_literal(it->second) + ")";
  if (auto it = query.find("tenant"); it != query.end() && !it->second.empty()) q += " tenant:" + query_literal(it->second);
  if (auto it = query.find("q"); it != query.end() && !it->second.empty()) {
    if (it->second.find('|') != std::string::npos)
      return Status::error("bad 'q': alerts take search terms only, no '|' stages (use /api/v1/search for those)");
    q += " (" + it->second + ")";
  }
  sr.query = std::move(q);
  return sr;
}

std::string alerts_to_json(const SearchResult& r) {
  json::array alerts;
  for (const ResultEvent& e : r.events) alerts.push_back(alert_json(e));
  json::object stats{{"matched", r.events_matched}, {"scanned", r.events_scanned}, {"elapsed_ms", r.elapsed_ms}};
  if (!r.matched_complete) stats["matched_complete"] = false;
  return json::serialize(json::object{{"alerts", std::move(alerts)}, {"stats", std::move(stats)}});
}

std::string rules_to_json(const detect::RuleSet& set, const RuleSources& sources, const ReloaderState& state) {
  json::array rules;
  for (const detect::DetectionRule& r : set.rules) rules.push_back(rule_json(r.meta, "rule", r.alerts));
  for (const detect::CompiledCorrelation& c : set.correlations) {
    json::object o = rule_json(c.meta, "correlation", c.alerts);
    o["type"] = correlation_type(c.type);
    rules.push_back(std::move(o));
  }
  json::object out{{"rules", std::move(rules)},
                   {"loaded", set.rules.size() + set.correlations.size()},
                   {"refused", set.report.refusals.size()},
                   {"refusals", strings(set.report.refusals)},
                   {"warnings", strings(set.report.warnings)},
                   {"files", set.report.files},
                   {"paths", strings(sources.paths)},
                   {"content", text(sources.content_dir)},
                   {"reloads", state.reloads},
                   {"failures", state.failures}};
  if (state.loaded_at) out["loaded_at"] = text(format_rfc3339(state.loaded_at));
  if (!state.last_error.empty()) {
    out["last_error"] = text(state.last_error);
    out["last_error_at"] = text(format_rfc3339(state.last_error_at));
  }
  return json::serialize(out);
}

std::string reload_to_json(const ReloadReport& r) {
  if (!r.ok)
    return json::serialize(json::object{{"ok", false},
                                        {"error", text(r.error)},
                                        {"kept", json::object{{"rules", r.rules}, {"correlations", r.correlations}}},
                                        {"elapsed_ms", r.elapsed_ms}});
  return json::serialize(json::object{{"ok", true},
                                      {"loaded", r.rules + r.correlations},
                                      {"rules", r.rules},
                                      {"correlations", r.correlations},
                                      {"files", r.files},
                                      {"refused", r.refusals.size()},
                                      {"refusals", strings(r.refusals)},
                                      {"warnings", strings(r.warnings)},
                                      {"elapsed_ms", r.elapsed_ms}});
}

}  // namespace vigil
