// `vigil server`: the store, the inputs, detection and the API wired together; see server.h.
#include "server/server.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <cstdio>
#include <fstream>
#include <functional>
#include <optional>
#include <thread>
#include <unistd.h>

#include "ingest/agent_pki.h"
#include "ingest/listener.h"
#include "ingest/simulate.h"
#include "normalize/syslog_event.h"
#include "server/agent_api.h"
#include "server/agent_registry.h"
#include "server/api.h"
#include "server/detect_stage.h"
#include "server/http_server.h"
#include "server/rule_reloader.h"
#include "normalize/pack_loader.h"
#include "normalize/pack_registry.h"

namespace vigil {

namespace asio = boost::asio;

namespace {

// Generated demo data (the last 24 hours of a few hosts, with an SSH brute force),
// loaded once per data directory through the same path as syslog input.
Status load_demo(Pipeline& pipeline, const ServerConfig& config) {
  std::filesystem::path marker = config.data_dir / "demo-loaded";
  if (std::filesystem::exists(marker)) {
    spdlog::info("demo data already loaded in {} (remove {} to load it again)", config.data_dir.string(),
                 marker.string());
    return {};
  }
  SimulateOptions options;
  options.end = now_ns();
  options.start = options.end - 24 * 3600 * kNsPerSec;
  std::vector<SimulatedLine> lines = simulate_syslog(options);
  EventBatch batch;
  size_t stored = 0;
  for (const SimulatedLine& l : lines) {
    Provenance p{.receive_time = l.time, .source = "vigil-simulate", .input = "demo", .tenant = config.tenant};
    append_syslog_event(l.line, p, batch);
    if (batch.size() >= 4096) {
      stored += batch.size();
      if (Status s = pipeline.submit_sync(std::move(batch)); !s.ok()) return s;
      batch = EventBatch();
    }
  }
  stored += batch.size();
  if (!batch.empty())
    if (Status s = pipeline.submit_sync(std::move(batch)); !s.ok()) return s;
  std::ofstream(marker) << stored << "\n";
  spdlog::info("loaded {} demo events (simulated hosts, last 24 hours)", stored);
  return {};
}

Status write_ready_file(const std::string& path, const std::vector<std::pair<std::string, HostPort>>& bound) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << "{\"pid\":" << getpid();
    for (const auto& [name, hp] : bound) out << ",\"" << name << "\":\"" << format_host_port(hp) << "\"";
    out << "}\n";
    if (!out) return Status::error("cannot write ready file " + path);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Status::error("cannot write ready file " + path + ": " + ec.message());
  return {};
}

// Runs `fn` (quick: it is on an I/O thread) every `interval` while the io_context runs.
class Periodic {
 public:
  Periodic(asio::io_context& io, std::chrono::seconds interval, std::function<void()> fn)
      : timer_(io), interval_(interval), fn_(std::move(fn)) {}
  void start() {
    timer_.expires_after(interval_);
    timer_.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      fn_();
      start();
    });
  }

 private:
  asio::steady_timer timer_;
  std::chrono::seconds interval_;
  std::function<void()> fn_;
};

// The periodic log line about alerts: how many, and from which rules.
void log_recent_alerts(DetectStage& detect, int seconds) {
  auto recent = detect.take_recent_alerts();
  if (recent.empty()) return;
  uint64_t n = 0;
  std::string top;
  for (size_t i = 0; i < recent.size(); ++i) {
    n += recent[i].second;
    if (i < 5) top += fmt::format("{}{} x '{}'", i ? ", " : "", recent[i].second, recent[i].first);
  }
  if (recent.size() > 5) top += fmt::format(" and {} more rules", recent.size() - 5);
  const DetectStats st = detect.stats();
  spdlog::info("detect: {} alerts in the last {} s ({}); {} since start over {} events", n, seconds, top, st.alerts,
               st.events);
}

// What a person who just ran `make run` needs: where to send data and a search to try.
void print_banner(const std::vector<std::pair<std::string, HostPort>>& bound, bool demo) {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  std::string vigil = ec ? "vigil" : std::filesystem::relative(exe, std::filesystem::current_path(), ec).string();
  if (ec || vigil.empty()) vigil = "vigil";
  std::string http;
  std::printf("\nVigil is running.\n");
  for (const auto& [name, hp] : bound) {
    if (name == "http") {
      http = "http://" + format_host_port(hp);
      std::printf("  HTTP API     %s/api/v1/  (ingest, search, alerts, rules, stats, health)\n", http.c_str());
    } else if (name == "agent") {
      std::printf("  agents       https://%s  (mutual TLS; enroll with: vigil agents token)\n",
                  format_host_port(hp).c_str());
    } else {
      std::printf("  %-12s %s\n", name == "syslog_udp" ? "syslog UDP" : "syslog TCP", format_host_port(hp).c_str());
    }
  }
  if (!http.empty()) {
    std::printf("\nTry, in another terminal:\n");
    if (demo) {
      std::printf("  %s search --server %s 'class_uid:3002 status_id:2 | stats count() by src_endpoint.ip, user.name'\n",
                  vigil.c_str(), http.c_str());
      std::printf("  %s search --server %s 'src_endpoint.ip:203.0.113.77 status_id:1'\n", vigil.c_str(), http.c_str());
      std::printf("  %s search --server %s 'class_uid:1007 | stats count() by actor.user.name'\n", vigil.c_str(),
                  http.c_str());
    }
    std::printf("  curl -s '%s/api/v1/search?q=sshd&limit=5'\n", http.c_str());
    std::printf("  curl -s '%s/api/v1/alerts?limit=10'\n", http.c_str());
    std::printf("  curl -s %s/api/v1/stats\n", http.c_str());
  }
  std::printf("\nStop with Ctrl-C.\n\n");
  std::fflush(stdout);
}

// The agents' side of the server, before it listens: the CA and the server's certificate
// in <data>/agents, the registry, and the batches a crash left out of the ledger.
struct AgentSetup {
  PemIdentity ca;
  HttpTlsOptions tls;
  std::unique_ptr<AgentRegistry> registry;
};

Result<AgentSetup> set_up_agents(const ServerConfig& config, const HostPort& at, const Store& store) {
  const std::filesystem::path dir = config.data_dir / "agents";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::error("agents: cannot create " + dir.string() + ": " + ec.message());
  AgentSetup setup;
  auto ca = load_or_create_agent_ca(dir);
  if (!ca.ok()) return Status::error("agents: CA: " + ca.error());
  setup.ca = std::move(*ca);
  // The certificate names the listen host; a wildcard address also gets this machine's name.
  std::vector<std::string> names{at.host};
  if (at.host == "0.0.0.0" || at.host == "::" || at.host.empty()) {
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) == 0 && host[0]) names.push_back(host);
  }
  auto identity = load_or_issue_server_identity(dir, setup.ca, names);
  if (!identity.ok()) return Status::error("agents: server certificate: " + identity.error());
  setup.tls = HttpTlsOptions{.cert_pem = identity->cert_pem,
                             .key_pem = identity->key_pem,
                             .client_ca_pem = setup.ca.cert_pem,
                             .request_client_cert = true};
  auto registry = AgentRegistry::open(dir);
  if (!registry.ok()) return registry.status();
  setup.registry = std::move(*registry);
  auto found = setup.registry->recover_last_seqs(
      [&store](const std::string& id, uint64_t seq) { return agent_batch_stored(store, id, seq); });
  if (!found.ok()) return Status::error("agents: recovery of batch numbers: " + found.error());
  if (Status s = setup.registry->save(); !s.ok()) return s;
  return setup;
}

}  // namespace

int run_server(const ServerConfig& config) {
  // Detection first: a rule folder that cannot be read is a configuration error to
  // fix before anything listens (a broken rule is only a warning).
  std::vector<std::string> notes;
  DetectStage detection(std::make_shared<const detect::RuleSet>());
  RuleReloader rules(resolve_rule_sources(config, notes), detection);
  for (const std::string& note : notes) spdlog::info("rules: {}", note);
  if (ReloadReport r = rules.reload("start"); !r.ok) {
    spdlog::error("fix the rule paths or the content folder (--rules, --content; '--rules off' runs no rules)");
    return 1;
  }

  // Parser packs: <content>/parsers. A refused pack is logged and left out; none at all
  // still runs (the built-in mappings stay), but says so.
  PackRegistry parsers(config.content_dir.empty() ? default_parsers_dir() : std::string(config.content_dir) + "/parsers");
  if (PackReloadReport r = parsers.reload("start"); r.packs == 0)
    spdlog::warn("parser packs: none loaded from {}: only the built-in mappings will normalize", parsers.dir());

  StoreOptions so;
  so.dir = config.data_dir;
  so.max_memory_bytes = static_cast<size_t>(config.store_max_memory_mb) << 20;
  so.seal_interval = std::chrono::seconds(config.store_seal_interval_s);
  so.maintenance_interval = std::chrono::seconds(config.store_maintenance_interval_s);
  so.retention = config.retention;
  auto opened = Store::open(so);
  if (!opened.ok()) {
    spdlog::error("{}", opened.error());
    return 1;
  }
  // Agents: set up before anything listens (the ledger must be complete before the
  // first batch is judged a duplicate or not). Outlives the workers that use it.
  std::optional<AgentSetup> agents;
  if (!config.agent.empty()) {
    auto hp = parse_host_port(config.agent);
    if (!hp.ok()) {
      spdlog::error("agent: {}", hp.error());
      return 1;
    }
    auto setup = set_up_agents(config, *hp, *opened.value());
    if (!setup.ok()) {
      spdlog::error("{}", setup.error());
      return 1;
    }
    agents.emplace(std::move(*setup));
    spdlog::info("agents: {} enrolled; CA {} ({})", agents->registry->list().size(),
                 (config.data_dir / "agents" / "ca.crt").string(), certificate_fingerprint(agents->ca.cert_pem));
  }
  // Destruction order matters: the io_context must outlive the store, whose last
  // acknowledgements post completions to it.
  asio::io_context io;
  asio::thread_pool workers(2);
  std::unique_ptr<Store> store = std::move(opened.value());
  IngestCounters counters;
  Pipeline pipeline(*store, counters);
  pipeline.set_stage(&detection);
  // The store's pending acknowledgements reference the pipeline: close it first on every path.
  struct CloseStore {
    std::unique_ptr<Store>& store;
    ~CloseStore() { store.reset(); }
  } close_store{store};

  if (config.demo) {
    if (Status s = load_demo(pipeline, config); !s.ok()) {
      spdlog::error("demo data: {}", s.message());
      return 1;
    }
    // Sealed at once, so that `vigil store stats` and `vigil verify` show it from the start.
    if (Status s = store->flush(); !s.ok()) spdlog::warn("demo data: seal: {}", s.message());
  }

  SyslogInputOptions input_options;
  input_options.tenant = config.tenant;
  input_options.max_line_bytes = config.max_line_bytes;
  input_options.default_utc_offset_s = config.default_utc_offset_s;
  input_options.packs = &parsers;

  std::vector<std::unique_ptr<Listener>> listeners;
  std::vector<std::pair<std::string, HostPort>> bound;
  auto start = [&](const std::string& name, const std::string& addr, auto&& starter) -> bool {
    if (addr.empty()) return true;
    auto hp = parse_host_port(addr);
    if (!hp.ok()) {
      spdlog::error("{}: {}", name, hp.error());
      return false;
    }
    auto l = starter(*hp);
    if (!l.ok()) {
      spdlog::error("{}", l.error());
      std::string flag = "--" + name;
      std::replace(flag.begin(), flag.end(), '_', '-');
      spdlog::error("choose another address with {} HOST:PORT (port 0 picks a free one), or {} off", flag, flag);
      return false;
    }
    bound.emplace_back(name, (*l)->address());
    listeners.push_back(std::move(l.value()));
    return true;
  };
  bool ok = start("syslog_udp", config.syslog_udp,
                  [&](const HostPort& hp) { return start_syslog_udp(io, hp, pipeline, input_options); }) &&
            start("syslog_tcp", config.syslog_tcp,
                  [&](const HostPort& hp) { return start_syslog_tcp(io, hp, pipeline, input_options); }) &&
            start("http", config.http, [&](const HostPort& hp) {
              ApiContext ctx;
              ctx.pipeline = &pipeline;
              ctx.config = &config;
              ctx.detect = &detection;
              ctx.rules = &rules;
              ctx.packs = &parsers;
              ctx.started = now_ns();
              ctx.run_blocking = [&workers](std::function<void()> fn) { asio::post(workers, std::move(fn)); };
              ctx.agents = agents ? agents->registry.get() : nullptr;
              return start_http_server(io, hp, make_api_handler(std::move(ctx)),
                                       HttpServerOptions{.max_body_bytes = config.max_body_bytes});
            }) &&
            start("agent", config.agent, [&](const HostPort& hp) {
              AgentApiContext ctx;
              ctx.pipeline = &pipeline;
              ctx.config = &config;
              ctx.registry = agents->registry.get();
              ctx.ca = agents->ca;
              ctx.dir = config.data_dir / "agents";
              ctx.run_blocking = [&workers](std::function<void()> fn) { asio::post(workers, std::move(fn)); };
              return start_http_server(io, hp, make_agent_api_handler(std::move(ctx)),
                                       HttpServerOptions{.max_body_bytes = config.max_body_bytes, .tls = agents->tls});
            });
  if (!ok) return 1;
  if (listeners.empty()) {
    spdlog::error("no inputs configured: set at least one of --syslog-udp, --syslog-tcp, --http, --agent");
    return 1;
  }

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int sig) {
    if (ec) return;
    spdlog::info("signal {}: shutting down", sig);
    for (auto& l : listeners) l->stop();
    io.stop();
  });

  // Rule reloads: on SIGHUP, and when polling sees the files change; on the workers,
  // never on an I/O thread (loading thousands of rules takes seconds).
  asio::signal_set hangup(io, SIGHUP);
  std::function<void()> wait_hangup = [&] {
    hangup.async_wait([&](boost::system::error_code ec, int) {
      if (ec) return;
      spdlog::info("signal SIGHUP: reloading rules and parser packs");
      asio::post(workers, [&rules, &parsers] {
        parsers.reload("SIGHUP");
        rules.reload("SIGHUP");
      });
      wait_hangup();
    });
  };
  wait_hangup();
  std::atomic<bool> polling{false};  // a poll still running when the next is due is skipped
  std::optional<Periodic> poll_rules;
  if (config.rules_poll_interval_s > 0) {
    poll_rules.emplace(io, std::chrono::seconds(config.rules_poll_interval_s), [&] {
      if (polling.exchange(true)) return;
      asio::post(workers, [&] {
        rules.reload_if_changed();
        polling = false;
      });
    });
    poll_rules->start();
  }
  constexpr int kAlertLogInterval = 60;
  Periodic alert_log(io, std::chrono::seconds(kAlertLogInterval), [&] { log_recent_alerts(detection, kAlertLogInterval); });
  alert_log.start();
  // A quiet stream still closes the correlation windows judged at their end: after a
  // minute without batches, event time moves on with the clock (detect_stage.h).
  Periodic detect_idle(io, std::chrono::seconds(10), [&] {
    asio::post(workers, [&] {
      EventBatch alerts = detection.idle_tick(std::chrono::steady_clock::now(), std::chrono::seconds(60));
      if (alerts.empty()) return;
      const size_t n = alerts.size();
      store->append(std::move(alerts), [n](const Status& s) {
        if (!s.ok()) spdlog::error("detect: {} alerts of a quiet stream could not be stored: {}", n, s.message());
      });
    });
  });
  detect_idle.start();
  // last_seen and health live in memory between these saves (last_seq is in the ledger).
  Periodic save_agents(io, std::chrono::seconds(60), [&] {
    if (!agents) return;
    asio::post(workers, [&] {
      if (Status s = agents->registry->save(); !s.ok()) spdlog::warn("agents: {}", s.message());
    });
  });
  save_agents.start();

  for (const auto& [name, hp] : bound) spdlog::info("listening: {} on {}", name, format_host_port(hp));
  StoreStats st = store->stats();
  spdlog::info("store {}: {} events in {} segments, {} recovered from the WAL", config.data_dir.string(),
               st.segment_events + st.memory_events, st.segments, st.replayed_events);
  if (!config.ready_file.empty()) {
    if (Status s = write_ready_file(config.ready_file, bound); !s.ok()) {
      spdlog::error("{}", s.message());
      return 1;
    }
  }

  print_banner(bound, config.demo);

  std::vector<std::thread> threads;
  for (int i = 1; i < config.io_threads; ++i) threads.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : threads) t.join();
  listeners.clear();
  workers.join();
  if (agents)
    if (Status s = agents->registry->save(); !s.ok()) spdlog::warn("agents: at shutdown: {}", s.message());
  // Seal what is in memory so the next start reads segments instead of replaying the WAL.
  if (Status s = store->flush(); !s.ok()) spdlog::warn("seal at shutdown failed (the WAL still has it): {}", s.message());
  store.reset();  // finishes queued appends; everything acknowledged is already in the WAL
  spdlog::info("stopped");
  return 0;
}

}  // namespace vigil
