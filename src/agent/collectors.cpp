#include "agent/collectors.h"

#include <functional>
#include <map>

#include "agent/command_collector.h"
#include "agent/exec_collector.h"
#include "agent/fim_collector.h"
#include "agent/inventory_collector.h"
#include "agent/journald_collector.h"
#include "agent/log_collector.h"
#include "agent/net_collector.h"
#include "core/yaml_keys.h"

namespace vigil {

namespace {

using Collectors = std::vector<std::unique_ptr<Collector>>;
using Builder = std::function<Status(const YAML::Node&, const std::string& where, Collectors&)>;

// Reads a collector's section: its keys checked once, then each value by name; the first
// error sticks and names the key.
struct Section {
  Section(const YAML::Node& node, std::string where, const std::set<std::string>& keys) : n(node), at(std::move(where)) {
    if (n && !n.IsNull()) s = check_yaml_keys(n, at, keys);
  }
  template <typename T>
  Section& get(const char* key, T& out) {
    if (s.ok() && n && !n.IsNull()) s = read_yaml(n[key], at + "." + key, out);
    return *this;
  }
  Section& check(bool ok, const std::string& key, const std::string& why) {
    if (s.ok() && !ok) s = Status::error("key '" + at + "." + key + "' " + why);
    return *this;
  }
  const YAML::Node& n;
  std::string at;
  Status s;
};

Status build_exec(const YAML::Node& n, const std::string& where, Collectors& out) {
  ExecCollectorOptions o;
  int64_t max_hash_mb = static_cast<int64_t>(o.max_hash_bytes >> 20);
  Section sec(n, where, {"poll_interval_ms", "force_proc_polling", "max_hash_mb", "queue_capacity"});
  sec.get("poll_interval_ms", o.poll_interval_ms).get("force_proc_polling", o.force_proc_polling);
  sec.get("max_hash_mb", max_hash_mb).get("queue_capacity", o.queue_capacity);
  sec.check(o.poll_interval_ms >= 10, "poll_interval_ms", "must be at least 10");
  sec.check(max_hash_mb >= 0, "max_hash_mb", "must be 0 or more");
  if (!sec.s.ok()) return sec.s;
  o.max_hash_bytes = static_cast<uint64_t>(max_hash_mb) << 20;
  out.push_back(make_exec_collector(o));
  return {};
}

Status build_fim(const YAML::Node& n, const std::string& where, Collectors& out) {
  FimCollectorOptions o;
  int64_t max_hash_mb = static_cast<int64_t>(o.max_hash_bytes >> 20);
  Section sec(n, where, {"paths", "exclude", "rescan_interval_s", "max_hash_mb", "inotify", "queue_capacity"});
  sec.get("paths", o.paths).get("exclude", o.exclude).get("rescan_interval_s", o.rescan_interval_s);
  sec.get("max_hash_mb", max_hash_mb).get("inotify", o.inotify).get("queue_capacity", o.queue_capacity);
  sec.check(!o.paths.empty(), "paths", "must list at least one file or folder");
  sec.check(o.rescan_interval_s >= 1, "rescan_interval_s", "must be at least 1");
  sec.check(max_hash_mb >= 0, "max_hash_mb", "must be 0 or more");
  for (const std::string& p : o.paths) sec.check(!p.empty() && p[0] == '/', "paths", "must be absolute paths, not '" + p + "'");
  if (!sec.s.ok()) return sec.s;
  o.max_hash_bytes = static_cast<uint64_t>(max_hash_mb) << 20;
  out.push_back(make_fim_collector(o));
  return {};
}

Status build_journald(const YAML::Node& n, const std::string& where, Collectors& out) {
  JournaldCollectorOptions o;
  Section sec(n, where, {"journalctl", "directory", "identifiers", "units", "max_line_bytes"});
  sec.get("journalctl", o.journalctl).get("directory", o.directory).get("identifiers", o.identifiers);
  sec.get("units", o.units).get("max_line_bytes", o.max_line_bytes);
  if (!sec.s.ok()) return sec.s;
  out.push_back(make_journald_collector(std::move(o)));
  return {};
}

Status build_network(const YAML::Node& n, const std::string& where, Collectors& out) {
  NetCollectorOptions o;
  Section sec(n, where, {"interval_ms", "udp", "report_existing"});
  sec.get("interval_ms", o.interval_ms).get("udp", o.udp).get("report_existing", o.report_existing);
  sec.check(o.interval_ms >= 100, "interval_ms", "must be at least 100");
  if (!sec.s.ok()) return sec.s;
  out.push_back(make_net_collector(std::move(o)));
  return {};
}

Status build_inventory(const YAML::Node& n, const std::string& where, Collectors& out) {
  InventoryCollectorOptions o;
  Section sec(n, where, {"interval_hours", "rpm", "listening"});
  sec.get("interval_hours", o.interval_hours).get("rpm", o.rpm).get("listening", o.listening);
  sec.check(o.interval_hours > 0, "interval_hours", "must be more than 0");
  if (!sec.s.ok()) return sec.s;
  out.push_back(make_inventory_collector(std::move(o)));
  return {};
}

Status build_eslogger(const YAML::Node& n, const std::string& where, Collectors& out) {
  CommandCollectorOptions o;
  Section sec(n, where, {"command", "max_line_bytes", "restart"});
  sec.get("command", o.command).get("max_line_bytes", o.max_line_bytes).get("restart", o.restart);
  sec.check(!o.command.empty(), "command", "must name a program");
  if (!sec.s.ok()) return sec.s;
  out.push_back(make_command_collector(std::move(o)));
  return {};
}

Status build_log(const YAML::Node& n, const std::string& where, Collectors& out, size_t index) {
  LogCollectorOptions o;
  o.name = "logs-" + std::to_string(index + 1);
  Status s = check_yaml_keys(n, where, {"name", "paths", "max_line_bytes", "start_at_end", "multiline"});
  if (s.ok()) s = read_yaml(n["name"], where + ".name", o.name);
  if (s.ok()) {
    if (n["paths"] && n["paths"].IsScalar()) o.paths.push_back(n["paths"].Scalar());
    else s = read_yaml(n["paths"], where + ".paths", o.paths);
  }
  if (s.ok()) s = read_yaml(n["max_line_bytes"], where + ".max_line_bytes", o.max_line_bytes);
  if (s.ok()) s = read_yaml(n["start_at_end"], where + ".start_at_end", o.start_at_end);
  if (s.ok() && n["multiline"]) {
    const YAML::Node m = n["multiline"];
    s = check_yaml_keys(m, where + ".multiline", {"start", "timeout_ms"});
    if (s.ok()) s = read_yaml(m["start"], where + ".multiline.start", o.multiline.start);
    if (s.ok()) s = read_yaml(m["timeout_ms"], where + ".multiline.timeout_ms", o.multiline.timeout_ms);
  }
  if (!s.ok()) return s;
  if (o.paths.empty()) return Status::error("'" + where + ".paths' must list at least one file or glob");
  if (o.max_line_bytes < 256) return Status::error("key '" + where + ".max_line_bytes' must be at least 256");
  out.push_back(make_log_collector(std::move(o)));
  return {};
}

Status build_logs(const YAML::Node& n, const std::string& where, Collectors& out) {
  if (n.IsMap()) return build_log(n, where, out, 0);
  if (!n.IsSequence()) return Status::error("'" + where + "': expected a list of {paths: [...]} entries");
  for (size_t i = 0; i < n.size(); ++i)
    if (Status s = build_log(n[i], where + "[" + std::to_string(i) + "]", out, i); !s.ok()) return s;
  return {};
}

const std::map<std::string, Builder>& builders() {
  static const std::map<std::string, Builder> kBuilders = {
      {"exec", build_exec},           {"fim", build_fim},         {"logs", build_logs},
      {"journald", build_journald},   {"network", build_network}, {"inventory", build_inventory},
      {"eslogger", build_eslogger},
  };
  return kBuilders;
}

}  // namespace

Result<Collectors> make_collectors(const YAML::Node& section) {
  Collectors out;
  if (!section || section.IsNull()) return out;
  std::set<std::string> names;
  for (const auto& [name, builder] : builders()) names.insert(name);
  if (Status s = check_yaml_keys(section, "collectors", names); !s.ok()) return s;
  for (const auto& kv : section) {
    const std::string name = kv.first.as<std::string>();
    const YAML::Node node = kv.second;
    // "exec: off" / "exec: false" leaves a collector out without deleting its section.
    if (node.IsScalar() && (node.Scalar() == "off" || node.Scalar() == "false")) continue;
    if (Status s = builders().at(name)(node, "collectors." + name, out); !s.ok()) return s;
  }
  return out;
}

}  // namespace vigil
