// OCSF Detection Findings from matches and firings; see detection_finding.h.
#include "detect/detection_finding.h"

#include <cstdio>

#include "core/hash.h"
#include "detect/event_view.h"
#include "detect/sigma_pattern.h"

namespace vigil::detect {

namespace {

struct FindingFields {
  FieldId class_uid = field_id("class_uid");
  FieldId category_uid = field_id("category_uid");
  FieldId activity_id = field_id("activity_id");
  FieldId type_uid = field_id("type_uid");
  FieldId severity_id = field_id("severity_id");
  FieldId severity = field_id("severity");
  FieldId uid = field_id("finding_info.uid");
  FieldId title = field_id("finding_info.title");
  FieldId desc = field_id("finding_info.desc");
  FieldId analytic_uid = field_id("finding_info.analytic.uid");
  FieldId analytic_name = field_id("finding_info.analytic.name");
  FieldId analytic_type = field_id("finding_info.analytic.type");
  FieldId technique = field_id("finding_info.attacks.technique.uid");
  FieldId tactic = field_id("finding_info.attacks.tactic.name");
  FieldId first_seen = field_id("finding_info.first_seen_time");
  FieldId last_seen = field_id("finding_info.last_seen_time");
  FieldId product = field_id("metadata.product.name");
  FieldId log_name = field_id("metadata.log_name");
  FieldId sigma_file = field_id("unmapped.sigma.file");
  FieldId sigma_level = field_id("unmapped.sigma.level");
  FieldId sigma_tags = field_id("unmapped.sigma.tags");
  FieldId sigma_kind = field_id("unmapped.sigma.kind");
  FieldId corr_count = field_id("unmapped.correlation.count");
  FieldId corr_value = field_id("unmapped.correlation.value");
  FieldId event_input = field_id("unmapped.event.input");
  FieldId event_source = field_id("unmapped.event.source");
};
const FindingFields& ff() {
  static const FindingFields f;
  return f;
}

// Entities: the OCSF path, then the names Windows and other native sources use.
struct Entity {
  FieldId target;
  std::vector<FieldId> sources;
};
const std::vector<Entity>& entities() {
  static const std::vector<Entity> e = [] {
    auto ids = [](std::initializer_list<const char*> names) {
      std::vector<FieldId> out;
      for (const char* n : names) out.push_back(field_id(n));
      return out;
    };
    return std::vector<Entity>{
        {field_id("actor.user.name"), ids({"actor.user.name", "user.name", "User", "SubjectUserName", "TargetUserName", "AccountName"})},
        {field_id("device.hostname"), ids({"device.hostname", "Computer", "Hostname", "dst_endpoint.hostname"})},
        {field_id("src_endpoint.ip"), ids({"src_endpoint.ip", "SourceIp", "IpAddress", "src_ip", "sourceIPAddress"})},
        {field_id("dst_endpoint.ip"), ids({"dst_endpoint.ip", "DestinationIp", "dst_ip"})},
        {field_id("process.cmd_line"), ids({"process.cmd_line", "CommandLine"})},
        {field_id("process.file.path"), ids({"process.file.path", "Image", "NewProcessName"})},
        {field_id("process.parent_process.file.path"), ids({"process.parent_process.file.path", "ParentImage"})},
    };
  }();
  return e;
}

void add_common(EventBatch& alerts, const RuleMeta& m, std::string_view kind) {
  const FindingFields& f = ff();
  const int64_t sev = severity_id_of_level(m.level);
  static constexpr std::string_view kSeverity[] = {"Unknown", "Informational", "Low", "Medium", "High", "Critical"};
  alerts.add_int(f.class_uid, kDetectionFindingClass);
  alerts.add_int(f.category_uid, 2);
  alerts.add_int(f.activity_id, 1);
  alerts.add_int(f.type_uid, kDetectionFindingClass * 100 + 1);
  alerts.add_int(f.severity_id, sev);
  alerts.add_string(f.severity, kSeverity[sev]);
  alerts.add_string(f.title, m.title);
  if (!m.description.empty()) alerts.add_string(f.desc, m.description);
  alerts.add_string(f.analytic_uid, m.id.empty() ? m.name : m.id);
  alerts.add_string(f.analytic_name, m.title);
  alerts.add_string(f.analytic_type, "Rule");
  for (const std::string& tag : m.tags) {
    alerts.add_string(f.sigma_tags, tag);
    const std::string t = fold(tag);
    if (t.rfind("attack.t", 0) == 0 && t.size() > 8 && t[8] >= '0' && t[8] <= '9') {
      std::string technique = tag.substr(7);
      for (char& c : technique) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      alerts.add_string(f.technique, technique);
    } else if (t.rfind("attack.", 0) == 0 && t.size() > 7 &&
               !((t[7] == 'g' || t[7] == 's') && t.size() > 8 && t[8] >= '0' && t[8] <= '9')) {
      // attack.g0032 (a group) and attack.s0002 (software) are not tactics.
      alerts.add_string(f.tactic, tag.substr(7));
    }
  }
  alerts.add_string(f.product, "Vigil");
  alerts.add_string(f.log_name, "alerts");
  alerts.add_string(f.sigma_file, m.file);
  if (!m.level.empty()) alerts.add_string(f.sigma_level, m.level);
  alerts.add_string(f.sigma_kind, kind);
}

void add_entities(EventBatch& alerts, const EventBatch& batch, uint32_t event) {
  EventView view;
  view.set(batch, event);
  for (const Entity& e : entities()) {
    for (FieldId id : e.sources) {
      if (view.any_value(id, [&](const Value& v) {
            if (v.type == FieldType::String) alerts.add_string(e.target, v.as_string());
            else alerts.add(e.target, v);
            return true;
          }))
        break;
    }
  }
  const Event& ev = batch[event];
  alerts.add_string(ff().event_input, ev.input);
  alerts.add_string(ff().event_source, ev.source);
}

// A stable id: the same rule on the same event gives the same finding uid, so a
// re-run (hunt after ingest) can be told apart from a new alert.
std::string finding_uid(std::string_view rule, TimeNs time, std::string_view raw, std::string_view extra) {
  uint64_t h = kFnv1aSeed;
  // A 0xff after each part: ("ab", "c") and ("a", "bc") differ.
  for (std::string_view part : {rule, std::string_view(reinterpret_cast<const char*>(&time), sizeof time), raw, extra})
    h = fnv1a(fnv1a(h, part), "\xff");
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace

int64_t severity_id_of_level(std::string_view level) {
  const std::string l = fold(level);
  if (l == "informational") return 1;
  if (l == "low") return 2;
  if (l == "medium") return 3;
  if (l == "high") return 4;
  if (l == "critical") return 5;
  return 0;
}

void append_rule_finding(const RuleMeta& rule, const EventBatch& batch, uint32_t event, EventBatch& alerts) {
  const Event& ev = batch[event];
  alerts.begin_event({.receive_time = ev.receive_time, .raw = ev.raw, .source = ev.source, .input = "detect",
                      .tenant = ev.tenant});
  alerts.set_time(ev.time);
  add_common(alerts, rule, "rule");
  alerts.add_string(ff().uid, finding_uid(rule.id.empty() ? rule.title : rule.id, ev.time, ev.raw, {}));
  alerts.add_time(ff().first_seen, ev.time);
  alerts.add_time(ff().last_seen, ev.time);
  add_entities(alerts, batch, event);
  alerts.end_event();
}

void append_correlation_finding(const CompiledCorrelation& c, const CorrelationFiring& firing, const EventBatch* batch,
                                EventBatch& alerts) {
  const bool with_event = batch && firing.event < batch->size();
  std::string raw = "{\"correlation\":\"" + (c.meta.id.empty() ? c.meta.name : c.meta.id) + "\",\"group\":{";
  std::string group_text;
  for (size_t i = 0; i < firing.group.size(); ++i) {
    if (i) raw += ',';
    raw += "\"" + firing.group[i].first + "\":\"";
    for (char ch : firing.group[i].second) {
      if (ch == '"' || ch == '\\') raw += '\\';
      if (static_cast<unsigned char>(ch) >= 0x20) raw += ch;
    }
    raw += '"';
    group_text += firing.group[i].first + "=" + firing.group[i].second + ";";
  }
  raw += "},\"matches\":" + std::to_string(firing.matches) + "}";
  const Event* ev = with_event ? &(*batch)[firing.event] : nullptr;
  alerts.begin_event({.receive_time = ev ? ev->receive_time : firing.last, .raw = raw, .source = ev ? ev->source : "",
                      .input = "detect", .tenant = firing.tenant});
  alerts.set_time(firing.last);
  add_common(alerts, c.meta, "correlation");
  alerts.add_string(ff().uid, finding_uid(c.meta.id.empty() ? c.meta.title : c.meta.id, firing.first, group_text,
                                          std::to_string(firing.last)));
  alerts.add_time(ff().first_seen, firing.first);
  alerts.add_time(ff().last_seen, firing.last);
  alerts.add_int(ff().corr_count, firing.matches);
  alerts.add_float(ff().corr_value, firing.value);
  for (const auto& [name, value] : firing.group) alerts.add_string(field_id("unmapped.correlation.group." + name), value);
  if (with_event) add_entities(alerts, *batch, firing.event);
  alerts.end_event();
}

}  // namespace vigil::detect
