// The agent registry's files (agents.json, the ledger) and its in-memory state; see
// agent_registry.h.
#include "server/agent_registry.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <charconv>

#include "store/io.h"

namespace vigil {

namespace json = boost::json;

namespace {

constexpr const char* kAgentsFile = "agents.json";
constexpr const char* kLedgerFile = "ledger";

json::object health_to_json(const AgentHealth& h) {
  return json::object{{"version", h.version},
                      {"hostname", h.hostname},
                      {"os", h.os},
                      {"spool_bytes", h.spool_bytes},
                      {"spool_batches", h.spool_batches},
                      {"dropped_events", h.dropped_events},
                      {"dropped_batches", h.dropped_batches},
                      {"events_collected", h.events_collected},
                      {"events_sent", h.events_sent},
                      {"cpu_percent", h.cpu_percent},
                      {"rss_bytes", h.rss_bytes},
                      {"uptime_s", h.uptime_s}};
}

// Our own file: missing or mistyped members read as their defaults.
std::string str(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}
template <typename T>
T num(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v) return T{};
  boost::system::error_code ec;
  T out = v->to_number<T>(ec);
  return ec ? T{} : out;
}

AgentHealth health_from_json(const json::object& o) {
  AgentHealth h;
  h.version = str(o, "version");
  h.hostname = str(o, "hostname");
  h.os = str(o, "os");
  h.spool_bytes = num<uint64_t>(o, "spool_bytes");
  h.spool_batches = num<uint64_t>(o, "spool_batches");
  h.dropped_events = num<uint64_t>(o, "dropped_events");
  h.dropped_batches = num<uint64_t>(o, "dropped_batches");
  h.events_collected = num<uint64_t>(o, "events_collected");
  h.events_sent = num<uint64_t>(o, "events_sent");
  h.cpu_percent = num<double>(o, "cpu_percent");
  h.rss_bytes = num<uint64_t>(o, "rss_bytes");
  h.uptime_s = num<int64_t>(o, "uptime_s");
  return h;
}

json::value time_or_null(TimeNs t) { return t ? json::value(format_rfc3339(t)) : json::value(nullptr); }

// "agt-0123456789abcdef 42" -> (id, seq); false for anything else.
bool parse_ledger_line(std::string_view line, std::string& id, uint64_t& seq) {
  size_t sp = line.find(' ');
  if (sp == 0 || sp == std::string_view::npos || sp + 1 >= line.size()) return false;
  std::string_view n = line.substr(sp + 1);
  auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), seq);
  if (ec != std::errc() || end != n.data() + n.size()) return false;
  id.assign(line.substr(0, sp));
  return true;
}

}  // namespace

Result<std::unique_ptr<AgentRegistry>> AgentRegistry::open(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::error("agents: cannot create " + dir.string() + ": " + ec.message());
  std::unique_ptr<AgentRegistry> r(new AgentRegistry(dir));
  if (Status s = r->load(); !s.ok()) return s;
  std::filesystem::path ledger = dir / kLedgerFile;
  r->ledger_fd_ = ::open(ledger.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (r->ledger_fd_ < 0) return io::os_error("agents: cannot open", ledger, errno);
  if (Status s = io::sync_dir(dir); !s.ok()) return s;  // the ledger entry itself survives a crash
  return r;
}

AgentRegistry::~AgentRegistry() {
  if (ledger_fd_ >= 0) ::close(ledger_fd_);
}

Status AgentRegistry::load() {
  std::filesystem::path file = dir_ / kAgentsFile;
  if (std::filesystem::exists(file)) {
    std::string text;
    if (Status s = io::read_all(file, text); !s.ok()) return s;
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec || !v.is_object() || !v.as_object().contains("agents") || !v.as_object().at("agents").is_array())
      return Status::error("agents: " + file.string() + " is not a Vigil agents file" +
                           (ec ? ": " + ec.message() : std::string()));
    for (const json::value& a : v.as_object().at("agents").as_array()) {
      if (!a.is_object()) continue;
      const json::object& o = a.as_object();
      AgentRecord r;
      r.agent_id = str(o, "agent_id");
      if (r.agent_id.empty()) return Status::error("agents: " + file.string() + ": an agent without agent_id");
      r.hostname = str(o, "hostname");
      r.tenant = str(o, "tenant");
      if (r.tenant.empty()) r.tenant = "default";
      r.cert_fingerprint = str(o, "cert_fingerprint");
      r.enrolled_at = num<int64_t>(o, "enrolled_at_ns");
      r.last_seen = num<int64_t>(o, "last_seen_ns");
      r.last_seq = num<uint64_t>(o, "last_seq");
      if (const json::value* h = o.if_contains("health"); h && h->is_object()) r.health = health_from_json(h->as_object());
      agents_[r.agent_id] = std::move(r);
    }
  }
  std::filesystem::path ledger = dir_ / kLedgerFile;
  if (!std::filesystem::exists(ledger)) return {};
  std::string text;
  if (Status s = io::read_all(ledger, text); !s.ok()) return s;
  size_t pos = 0, line_no = 0, replayed = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    ++line_no;
    std::string id;
    uint64_t seq = 0;
    if (nl == std::string::npos) {
      // No newline: an append a crash cut short; its batch is found again in the store.
      spdlog::warn("agents: {}: ignoring the unfinished last line {}", ledger.string(), line_no);
      break;
    }
    if (!parse_ledger_line(std::string_view(text).substr(pos, nl - pos), id, seq))
      return Status::error("agents: " + ledger.string() + " line " + std::to_string(line_no) +
                           ": expected 'agent_id seq'");
    pos = nl + 1;
    auto it = agents_.find(id);
    if (it == agents_.end()) {
      spdlog::warn("agents: {} line {}: unknown agent {}", ledger.string(), line_no, id);
      continue;
    }
    it->second.last_seq = std::max(it->second.last_seq, seq);
    ++replayed;
  }
  if (replayed) spdlog::info("agents: {} batch acknowledgements replayed from {}", replayed, ledger.string());
  return {};
}

Status AgentRegistry::enroll(const AgentRecord& agent) {
  {
    std::lock_guard lock(mu_);
    if (agents_.count(agent.agent_id)) return Status::error("agents: agent id " + agent.agent_id + " exists already");
    agents_[agent.agent_id] = agent;
  }
  Status s = save();
  if (!s.ok()) {
    // Not durable, so not enrolled: the agent gets an error and enrolls again.
    std::lock_guard lock(mu_);
    agents_.erase(agent.agent_id);
  }
  return s;
}

std::optional<AgentRecord> AgentRegistry::find(const std::string& agent_id) const {
  std::lock_guard lock(mu_);
  auto it = agents_.find(agent_id);
  if (it == agents_.end()) return std::nullopt;
  return it->second;
}

std::vector<AgentRecord> AgentRegistry::list() const {
  std::lock_guard lock(mu_);
  std::vector<AgentRecord> out;
  out.reserve(agents_.size());
  for (const auto& [id, r] : agents_) out.push_back(r);
  return out;
}

BatchClaim AgentRegistry::claim_batch(const std::string& agent_id, uint64_t seq, TimeNs now) {
  std::lock_guard lock(mu_);
  auto it = agents_.find(agent_id);
  if (it == agents_.end()) return BatchClaim::Unknown;
  it->second.last_seen = std::max(it->second.last_seen, now);
  if (seq <= it->second.last_seq) return BatchClaim::Duplicate;
  if (!in_flight_.emplace(agent_id, seq).second) return BatchClaim::InFlight;
  return BatchClaim::Store;
}

Status AgentRegistry::append_ledger(const std::string& agent_id, uint64_t seq) {
  std::string line = agent_id + " " + std::to_string(seq) + "\n";
  std::filesystem::path ledger = dir_ / kLedgerFile;
  if (Status s = io::write_all(ledger_fd_, line, ledger); !s.ok()) return s;
  if (::fdatasync(ledger_fd_) != 0) return io::os_error("agents: fdatasync", ledger, errno);
  return {};
}

Status AgentRegistry::finish_batch(const std::string& agent_id, uint64_t seq, bool stored) {
  Status s;
  if (stored) {
    std::lock_guard ledger_lock(ledger_mu_);
    s = append_ledger(agent_id, seq);
    std::lock_guard lock(mu_);
    if (auto it = agents_.find(agent_id); it != agents_.end()) it->second.last_seq = std::max(it->second.last_seq, seq);
    in_flight_.erase({agent_id, seq});
  } else {
    std::lock_guard lock(mu_);
    in_flight_.erase({agent_id, seq});
  }
  return s;
}

void AgentRegistry::heartbeat(const std::string& agent_id, const AgentHealth& health, TimeNs now) {
  std::lock_guard lock(mu_);
  auto it = agents_.find(agent_id);
  if (it == agents_.end()) return;
  it->second.last_seen = std::max(it->second.last_seen, now);
  it->second.health = health;
}

Result<uint64_t> AgentRegistry::recover_last_seqs(
    const std::function<Result<bool>(const std::string&, uint64_t)>& stored) {
  uint64_t found = 0;
  for (const AgentRecord& a : list()) {
    uint64_t seq = a.last_seq;
    for (;;) {
      auto has = stored(a.agent_id, seq + 1);
      if (!has.ok()) return has.status();
      if (!*has) break;
      ++seq;
      ++found;
      std::lock_guard ledger_lock(ledger_mu_);
      if (Status s = append_ledger(a.agent_id, seq); !s.ok()) return s;
    }
    if (seq != a.last_seq) {
      spdlog::warn("agents: {}: batches {}..{} were stored but not in the ledger (a crash); now recorded",
                   a.agent_id, a.last_seq + 1, seq);
      std::lock_guard lock(mu_);
      auto& r = agents_[a.agent_id];
      r.last_seq = std::max(r.last_seq, seq);
    }
  }
  return found;
}

Status AgentRegistry::save() {
  std::lock_guard ledger_lock(ledger_mu_);
  json::array agents;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, r] : agents_) {
      json::object o{{"agent_id", r.agent_id},
                     {"hostname", r.hostname},
                     {"tenant", r.tenant},
                     {"cert_fingerprint", r.cert_fingerprint},
                     {"enrolled_at_ns", r.enrolled_at},
                     {"last_seen_ns", r.last_seen},
                     {"last_seq", r.last_seq}};
      if (r.health) o["health"] = health_to_json(*r.health);
      agents.push_back(std::move(o));
    }
  }
  std::string text = json::serialize(json::object{{"agents", std::move(agents)}}) + "\n";
  if (Status s = io::write_file_atomic(dir_ / kAgentsFile, text); !s.ok()) return s;
  // Every ledger line is in agents.json now (the ledger lock kept new ones out meanwhile).
  if (ledger_fd_ >= 0 && ::ftruncate(ledger_fd_, 0) != 0)
    return io::os_error("agents: cannot empty", dir_ / kLedgerFile, errno);
  return {};
}

std::string agents_to_json(const std::vector<AgentRecord>& agents, TimeNs now, int64_t offline_after_s) {
  json::array out;
  for (const AgentRecord& a : agents) {
    bool online = a.last_seen != 0 && now - a.last_seen <= offline_after_s * kNsPerSec;
    json::object o{{"agent_id", a.agent_id},
                   {"hostname", a.hostname},
                   {"tenant", a.tenant},
                   {"status", online ? "online" : "offline"},
                   {"last_seen", time_or_null(a.last_seen)},
                   {"last_seq", a.last_seq},
                   {"enrolled_at", time_or_null(a.enrolled_at)},
                   {"cert_fingerprint", a.cert_fingerprint}};
    o["health"] = a.health ? json::value(health_to_json(*a.health)) : json::value(nullptr);
    out.push_back(std::move(o));
  }
  return json::serialize(out);
}

}  // namespace vigil
