#include "agent/agent_runtime.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/time.h"

namespace vigil {

namespace {

// utime + stime of this process, in clock ticks.
int64_t cpu_ticks() {
  std::ifstream in("/proc/self/stat");
  std::string text;
  std::getline(in, text);
  const size_t close = text.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(text.substr(close + 2));
  std::string field;
  int64_t utime = 0, stime = 0;
  // Fields after the command: state(3) ... utime(14) stime(15).
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoll(field);
    if (i == 15) stime = std::stoll(field);
  }
  return utime + stime;
}

uint64_t rss_bytes() {
  std::ifstream in("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  in >> size >> resident;
  return resident * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
}

}  // namespace

std::string machine_hostname() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == 0) return "localhost";
  return name;
}

std::string machine_os() {
  std::ifstream in("/etc/os-release");
  std::string line, pretty;
  while (std::getline(in, line))
    if (line.starts_with("PRETTY_NAME=")) {
      pretty = line.substr(12);
      if (pretty.size() >= 2 && pretty.front() == '"') pretty = pretty.substr(1, pretty.size() - 2);
    }
  struct utsname u {};
  ::uname(&u);
  return (pretty.empty() ? std::string(u.sysname) : pretty) + ", kernel " + u.release;
}

Result<std::unique_ptr<AgentRuntime>> AgentRuntime::create(const AgentConfig& config,
                                                           std::vector<std::unique_ptr<Collector>> collectors) {
  std::unique_ptr<AgentRuntime> rt(new AgentRuntime());
  rt->config_ = config;
  rt->hostname_ = config.hostname.empty() ? machine_hostname() : config.hostname;
  rt->started_ns_ = now_ns();
  std::error_code ec;
  std::filesystem::create_directories(config.state_dir, ec);
  if (ec) return Status::error("state_dir " + config.state_dir.string() + ": " + ec.message());
  ::chmod(config.state_dir.c_str(), 0700);  // offsets, identity and spool are the agent's alone

  auto spool = Spool::open(SpoolOptions{.dir = config.state_dir / "spool",
                                        .max_bytes = static_cast<uint64_t>(config.spool_max_mb) << 20});
  if (!spool.ok()) return Status::error("spool: " + spool.status().message());
  rt->spool_ = std::move(*spool);
  const SpoolStats ss = rt->spool_->stats();
  if (ss.batches_waiting > 0)
    spdlog::info("spool: {} batches ({} events) from before the restart wait to be delivered", ss.batches_waiting,
                 ss.events_waiting);

  auto output = make_output(rt->config_, rt->hostname_);
  if (!output.ok()) return output.status();
  rt->output_ = std::move(*output);

  CollectorContext context{.hostname = rt->hostname_,
                           .agent_id = rt->output_->agent_id(),
                           .state_dir = config.state_dir / "collectors",
                           .spool_next_seq = ss.next_seq};
  std::filesystem::create_directories(context.state_dir, ec);
  for (auto& c : collectors) {
    if (Status s = c->start(context); !s.ok()) {
      spdlog::error("collector {} cannot start: {}; the agent goes on without it", c->name(), s.message());
      continue;
    }
    spdlog::info("collector {} started ({})", c->name(), c->stats().mode);
    rt->collectors_.push_back(std::move(c));
  }
  AgentRuntime* self = rt.get();
  rt->shipper_ = std::make_unique<Shipper>(
      *rt->spool_, *rt->output_,
      ShipperOptions{.heartbeat_interval_ms = config.server.heartbeat_interval_s * 1000}, [self] { return self->health(); });
  rt->shipper_->start();
  spdlog::info("agent on {}: {} collectors, output {}, spool {} (cap {} MiB)", rt->hostname_, rt->collectors_.size(),
               agent_output_name(config.output), (config.state_dir / "spool").string(), config.spool_max_mb);
  return rt;
}

AgentRuntime::~AgentRuntime() {
  if (shipper_) shipper_->stop();
  for (auto& c : collectors_) c->stop();
}

void AgentRuntime::poll_all() {
  const size_t before = batch_.size();
  if (before == 0) batch_started_ns_ = now_ns();
  for (auto& c : collectors_) c->poll(batch_);
  events_collected_ += batch_.size() - before;
}

bool AgentRuntime::flush() {
  if (batch_.empty()) return true;
  payload_.clear();
  encode_agent_batch(batch_, payload_);
  // This thread is the spool's only appender, so next_seq is the seq append() will give.
  const uint64_t expected = spool_->stats().next_seq;
  for (auto& c : collectors_) c->prepare(expected);
  auto seq = spool_->append(payload_, static_cast<uint32_t>(batch_.size()));
  if (!seq.ok()) {
    ++spool_errors_;
    spdlog::error("spool: cannot store a batch of {} events: {}; kept in memory, retrying", batch_.size(),
                  seq.status().message());
    return false;
  }
  if (*seq != expected) spdlog::error("spool gave batch {} where {} was expected", *seq, expected);
  ++batches_spooled_;
  // The events are durable: now the collectors may move their read positions on.
  for (auto& c : collectors_) c->commit();
  batch_ = EventBatch();
  shipper_->notify();
  return true;
}

Status AgentRuntime::run(const std::atomic<bool>& stop) {
  const int64_t max_delay_ns = config_.batch_max_delay_ms * 1'000'000;
  const auto tick = std::chrono::milliseconds(std::min<int64_t>(250, config_.batch_max_delay_ms));
  while (!stop.load()) {
    std::this_thread::sleep_for(tick);
    // While the spool refuses batches (a full disk), the batch in memory grows to a bound;
    // beyond it the collectors are not polled and their own bounded queues count drops.
    const bool room = batch_.size() < static_cast<size_t>(config_.batch_max_events) * 4;
    if (room) poll_all();
    if (!batch_.empty() && (batch_.size() >= static_cast<size_t>(config_.batch_max_events) ||
                            now_ns() - batch_started_ns_ >= max_delay_ns))
      flush();
  }
  poll_all();
  flush();
  for (auto& c : collectors_) c->stop();
  shipper_->stop();
  const AgentStats s = stats();
  spdlog::info("agent stopped: {} events collected, {} batches spooled, {} delivered, {} waiting in the spool",
               s.events_collected, s.batches_spooled, s.shipper.batches_delivered, s.spool.batches_waiting);
  return {};
}

AgentStats AgentRuntime::stats() const {
  AgentStats s;
  s.events_collected = events_collected_.load();
  s.batches_spooled = batches_spooled_.load();
  s.spool_errors = spool_errors_.load();
  s.spool = spool_->stats();
  s.shipper = shipper_->stats();
  return s;
}

AgentHealth AgentRuntime::health() {
  const AgentStats s = stats();
  AgentHealth h;
  h.version = std::string(kAgentVersion);
  h.hostname = hostname_;
  static const std::string os = machine_os();
  h.os = os;
  h.spool_bytes = s.spool.bytes_on_disk;
  h.spool_batches = s.spool.batches_waiting;
  h.dropped_events = s.spool.dropped_events + s.shipper.events_refused;
  h.dropped_batches = s.spool.dropped_batches + s.shipper.batches_refused;
  for (const auto& c : collectors_) h.dropped_events += c->stats().dropped;
  h.events_collected = s.events_collected;
  h.events_sent = s.shipper.events_delivered;
  const int64_t ticks = cpu_ticks();
  const int64_t now = now_ns();
  if (last_cpu_ticks_ >= 0 && now > last_cpu_at_ns_) {
    const double seconds = static_cast<double>(ticks - last_cpu_ticks_) / static_cast<double>(::sysconf(_SC_CLK_TCK));
    h.cpu_percent = 100.0 * seconds / (static_cast<double>(now - last_cpu_at_ns_) / 1e9);
  }
  last_cpu_ticks_ = ticks;
  last_cpu_at_ns_ = now;
  h.rss_bytes = rss_bytes();
  h.uptime_s = (now - started_ns_) / kNsPerSec;
  return h;
}

}  // namespace vigil
