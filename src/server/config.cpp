#include "server/config.h"

#include "store/retention.h"

#include "core/yaml_keys.h"

#include <set>

namespace vigil {

namespace {

std::string address_value(std::string v) { return v == "off" ? std::string() : v; }

}  // namespace

Status load_server_config(const std::filesystem::path& file, ServerConfig& c) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(file.string());
  } catch (const YAML::BadFile&) {
    return Status::error("cannot read config file " + file.string());
  } catch (const YAML::Exception& e) {
    return Status::error("config file " + file.string() + ": " + e.what());
  }
  if (root.IsNull()) return {};
  auto fail = [&](const Status& s) { return Status::error("config file " + file.string() + ": " + s.message()); };
  if (Status s = check_yaml_keys(root, "", {"data", "tenant", "listen", "limits", "syslog", "io_threads", "store",
                                       "detect", "retention", "agents"});
      !s.ok())
    return fail(s);
  std::string data = c.data_dir.string();
  Status s;
  if (!(s = read_yaml(root["data"], "data", data)).ok()) return fail(s);
  c.data_dir = data;
  if (!(s = read_yaml(root["tenant"], "tenant", c.tenant)).ok()) return fail(s);
  if (!(s = read_yaml(root["io_threads"], "io_threads", c.io_threads)).ok()) return fail(s);
  if (c.io_threads < 1 || c.io_threads > 64) return fail(Status::error("io_threads must be 1..64"));
  if (auto l = root["listen"]) {
    if (!(s = check_yaml_keys(l, "listen", {"syslog_udp", "syslog_tcp", "http", "agent"})).ok()) return fail(s);
    if (!(s = read_yaml(l["syslog_udp"], "listen.syslog_udp", c.syslog_udp)).ok()) return fail(s);
    if (!(s = read_yaml(l["syslog_tcp"], "listen.syslog_tcp", c.syslog_tcp)).ok()) return fail(s);
    if (!(s = read_yaml(l["http"], "listen.http", c.http)).ok()) return fail(s);
    if (!(s = read_yaml(l["agent"], "listen.agent", c.agent)).ok()) return fail(s);
    c.syslog_udp = address_value(c.syslog_udp);
    c.syslog_tcp = address_value(c.syslog_tcp);
    c.http = address_value(c.http);
    c.agent = address_value(c.agent);
  }
  if (auto l = root["limits"]) {
    if (!(s = check_yaml_keys(l, "limits", {"max_line_bytes", "max_body_bytes", "max_decoded_body_bytes"})).ok())
      return fail(s);
    if (!(s = read_yaml(l["max_line_bytes"], "limits.max_line_bytes", c.max_line_bytes)).ok()) return fail(s);
    if (!(s = read_yaml(l["max_body_bytes"], "limits.max_body_bytes", c.max_body_bytes)).ok()) return fail(s);
    if (!(s = read_yaml(l["max_decoded_body_bytes"], "limits.max_decoded_body_bytes", c.max_decoded_body_bytes)).ok())
      return fail(s);
  }
  if (auto l = root["agents"]) {
    if (!(s = check_yaml_keys(l, "agents", {"heartbeat_offline_after_s", "cert_days"})).ok()) return fail(s);
    if (!(s = read_yaml(l["heartbeat_offline_after_s"], "agents.heartbeat_offline_after_s", c.agent_offline_after_s)).ok())
      return fail(s);
    if (!(s = read_yaml(l["cert_days"], "agents.cert_days", c.agent_cert_days)).ok()) return fail(s);
    if (c.agent_offline_after_s < 1) return fail(Status::error("agents.heartbeat_offline_after_s must be at least 1"));
    if (c.agent_cert_days < 1 || c.agent_cert_days > 3650)
      return fail(Status::error("agents.cert_days must be 1..3650"));
  }
  if (auto l = root["syslog"]) {
    if (!(s = check_yaml_keys(l, "syslog", {"default_utc_offset"})).ok()) return fail(s);
    if (!(s = read_yaml(l["default_utc_offset"], "syslog.default_utc_offset", c.default_utc_offset_s)).ok()) return fail(s);
  }
  if (auto l = root["store"]) {
    if (!(s = check_yaml_keys(l, "store", {"max_memory_mb", "seal_interval_s", "maintenance_interval_s"})).ok())
      return fail(s);
    if (!(s = read_yaml(l["max_memory_mb"], "store.max_memory_mb", c.store_max_memory_mb)).ok()) return fail(s);
    if (!(s = read_yaml(l["seal_interval_s"], "store.seal_interval_s", c.store_seal_interval_s)).ok()) return fail(s);
    if (!(s = read_yaml(l["maintenance_interval_s"], "store.maintenance_interval_s", c.store_maintenance_interval_s)).ok())
      return fail(s);
    if (c.store_max_memory_mb < 16) return fail(Status::error("store.max_memory_mb must be at least 16"));
    if (c.store_seal_interval_s < 1) return fail(Status::error("store.seal_interval_s must be at least 1"));
    if (c.store_maintenance_interval_s < 1) return fail(Status::error("store.maintenance_interval_s must be at least 1"));
  }
  if (auto d = root["detect"]) {
    if (!(s = check_yaml_keys(d, "detect", {"content", "rules", "poll_interval_s"})).ok()) return fail(s);
    if (!(s = read_yaml(d["content"], "detect.content", c.content_dir)).ok()) return fail(s);
    if (auto r = d["rules"]) {
      std::vector<std::string> paths;
      if (r.IsScalar()) {
        if (r.Scalar() != "off") paths.push_back(r.Scalar());
      } else if (!(s = read_yaml(r, "detect.rules", paths)).ok()) {
        return fail(s);
      }
      c.rule_paths = std::move(paths);
    }
    if (!(s = read_yaml(d["poll_interval_s"], "detect.poll_interval_s", c.rules_poll_interval_s)).ok()) return fail(s);
    if (c.rules_poll_interval_s < 0) return fail(Status::error("detect.poll_interval_s must be 0 (off) or more"));
  }
  if (auto r = root["retention"]) {
    auto parsed = parse_retention(r);
    if (!parsed.ok()) return fail(parsed.status());
    c.retention = std::move(*parsed);
  }
  return {};
}

}  // namespace vigil
