// Store benchmark of issue 3 on real data: the corpus replayed (bench/replay) to
// --events normalized events, appended durably (fsync, group commit) from a few
// threads through the Store interface, then measured on disk and queried with
// run_search: a needle (one event in all of them carries a unique token) and
// `stats count() by` a low- and a high-cardinality field, a filtered count, a time
// chart and a top-N. The same rows can be
// exported (--export-ndjson) for the ClickHouse side (bench/chdb/run.mjs); the two
// run side by side with bench/run_store_bench.sh.
//
// Phases: one per source alone (--per-source-events each; the loghub one is the
// "syslog-sized events" figure), then the mix (--events, --mix shares).
// Each phase alternates: generate a chunk of batches (--gen-threads, not timed as
// ingest), append the chunk (--threads appenders calling append_sync). Ingest wall
// time is the append phases plus the final flush(); store CPU is the process's CPU
// (getrusage, all threads) minus the CPU of the generating threads (measured per
// thread), so "events per CPU-second" is the store's own cost per core.
//
//   build/release/bench/store_bench [--events N] [--corpus DIR] [--data DIR] [--keep]
//       [--export-ndjson FILE] [--json] [--threads 4] [--gen-threads 2] [--batch 1000]
//       [--chunk-events 200000] [--per-source-events 1000000] [--mix 0.4,0.3,0.3]
//       [--runs 5] [--seed 42] [--dump FILE]
// An export file named *.zst is written as zstd frames (one per batch, level 1),
// which ClickHouse reads as one stream: a tenth of the disk space of the NDJSON.
// Results: bench/RESULTS.md ("Store (issue 3)").
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <time.h>
#include <zstd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "query/search.h"
#include "replay/corpus_replay.h"
#include "store/store.h"

using namespace vigil;
using namespace vigil::bench;
namespace fs = std::filesystem;

namespace {

struct Options {
  uint64_t events = 10'000'000;
  fs::path corpus = VIGIL_CORPUS_DIR;
  fs::path data = fs::temp_directory_path() / "vigil-store-bench";
  bool keep = false;
  std::string export_ndjson;
  bool json = false;
  int threads = 4;
  int gen_threads = 2;
  uint32_t batch = 1000;
  uint64_t chunk_events = 100'000;
  std::string dump;  // write the stats tables here (to compare with ClickHouse's)
  uint64_t per_source_events = 1'000'000;
  std::array<double, kSources> mix{0.4, 0.3, 0.3};
  int runs = 5;
  uint64_t seed = 42;
  bool queries_only = false;  // rerun the queries on a store kept by an earlier --keep run
  std::string query;          // --queries-only: this query instead of the standard ones
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "store_bench: %s\n"
               "usage: store_bench [--events N] [--corpus DIR] [--data DIR] [--keep] [--export-ndjson FILE]\n"
               "                   [--json] [--threads N] [--gen-threads N] [--batch N] [--chunk-events N]\n"
               "                   [--per-source-events N (0: skip)] [--mix LOGHUB,WINDOWS,ZEEK] [--runs N]\n"
               "                   [--seed N] [--dump FILE] [--queries-only [--query Q]] (on DIR/mix of a --keep run)\n",
               why);
  std::exit(2);
}

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) usage(("missing value after " + a).c_str());
      return argv[++i];
    };
    auto num = [&]() -> uint64_t {
      std::string v = val();
      char* end;
      double d = std::strtod(v.c_str(), &end);  // 1e7 and 10000000 both
      if (*end || d < 0) usage(("not a number: " + v).c_str());
      return uint64_t(d);
    };
    if (a == "--events") o.events = num();
    else if (a == "--corpus") o.corpus = val();
    else if (a == "--data") o.data = val();
    else if (a == "--keep") o.keep = true;
    else if (a == "--queries-only") o.queries_only = true;
    else if (a == "--query") o.query = val();
    else if (a == "--export-ndjson") o.export_ndjson = val();
    else if (a == "--json") o.json = true;
    else if (a == "--dump") o.dump = val();
    else if (a == "--threads") o.threads = int(num());
    else if (a == "--gen-threads") o.gen_threads = int(num());
    else if (a == "--batch") o.batch = uint32_t(num());
    else if (a == "--chunk-events") o.chunk_events = num();
    else if (a == "--per-source-events") o.per_source_events = num();
    else if (a == "--runs") o.runs = int(num());
    else if (a == "--seed") o.seed = num();
    else if (a == "--mix") {
      std::string v = val();
      if (std::sscanf(v.c_str(), "%lf,%lf,%lf", &o.mix[0], &o.mix[1], &o.mix[2]) != 3 ||
          o.mix[0] + o.mix[1] + o.mix[2] <= 0)
        usage("--mix wants three shares LOGHUB,WINDOWS,ZEEK, e.g. 0.4,0.3,0.3");
    } else if (a == "-h" || a == "--help") usage("help");
    else usage(("unknown argument " + a).c_str());
  }
  if (o.events == 0 || o.threads < 1 || o.gen_threads < 1 || o.batch == 0 || o.runs < 1) usage("bad value");
  return o;
}

double thread_cpu_s() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}
double process_cpu_s() {
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}
std::string loadavg() {
  char buf[128] = {0};
  if (FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (!std::fgets(buf, sizeof buf, f)) buf[0] = 0;
    std::fclose(f);
  }
  std::string s = buf;
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}
long peak_rss_mb() {
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024;
}
double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void log(const char* fmt, auto... args) {
  std::fprintf(stderr, fmt, args...);
  std::fflush(stderr);
}

struct DiskUsage {
  uint64_t total = 0;
  std::map<std::string, uint64_t> by_part;  // top-level entry of the data dir
};
DiskUsage disk_usage(const fs::path& dir) {
  DiskUsage u;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    uint64_t n = e.file_size();
    u.total += n;
    u.by_part[fs::relative(e.path(), dir).begin()->string()] += n;
  }
  return u;
}

struct Phase {
  std::string name;
  uint64_t events = 0;
  uint64_t raw_bytes = 0;
  std::array<uint64_t, kSources> src_events{}, src_raw{};
  uint64_t batches = 0, wal_syncs = 0, segments = 0;
  double append_s = 0, flush_s = 0, gen_s = 0, total_s = 0;
  double store_cpu_s = 0, gen_cpu_s = 0;
  DiskUsage disk;
  double events_per_s() const { return double(events) / (append_s + flush_s); }
  double events_per_cpu_s() const { return double(events) / store_cpu_s; }
  double ratio() const { return double(raw_bytes) / double(disk.total); }
  double bytes_per_event() const { return double(disk.total) / double(events); }
};

// Generates and appends `plan` into a fresh store at `dir`; leaves the store open in `out_store`.
Phase ingest(const std::string& name, const Corpus& corpus, const ReplayOptions& ro, const Plan& plan,
             const Options& o, const fs::path& dir, FILE* export_file, std::unique_ptr<Store>& out_store) {
  Phase ph;
  ph.name = name;
  const bool export_zstd = o.export_ndjson.ends_with(".zst");
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto opened = Store::open({.dir = dir, .sync = true});
  if (!opened.ok()) {
    log("store_bench: cannot open store at %s: %s\n", dir.c_str(), opened.error().c_str());
    std::exit(1);
  }
  std::unique_ptr<Store> store = std::move(*opened);
  const auto t_start = std::chrono::steady_clock::now();
  const double cpu0 = process_cpu_s();
  std::atomic<uint64_t> gen_cpu_ns{0};
  std::atomic<uint64_t> raw{0};
  std::array<std::atomic<uint64_t>, kSources> src_raw{};
  std::array<uint64_t, kSources> src_events{};
  uint64_t events = 0;
  size_t next_report = 0;

  for (size_t begin = 0; begin < plan.batches.size();) {
    size_t end = begin;
    uint64_t chunk = 0;
    while (end < plan.batches.size() && chunk < o.chunk_events) chunk += plan.batches[end++].count;
    const size_t n = end - begin;
    std::vector<EventBatch> slots(n);
    std::vector<std::string> texts(export_file ? n : 0);

    // Generate (not ingest): parallel, per-thread CPU measured.
    auto g0 = std::chrono::steady_clock::now();
    std::atomic<size_t> next{0};
    std::vector<std::thread> gens;
    for (int t = 0; t < o.gen_threads; ++t)
      gens.emplace_back([&] {
        const double c0 = thread_cpu_s();
        for (size_t k; (k = next.fetch_add(1)) < n;) {
          const BatchSpec& spec = plan.batches[begin + k];
          build_batch(corpus, ro, spec, slots[k]);
          uint64_t bytes = 0;
          for (const Event& e : slots[k].events()) bytes += e.raw.size();
          raw += bytes;
          src_raw[size_t(spec.source)] += bytes;
          if (export_file) {
            append_export_rows(slots[k], texts[k]);
            if (export_zstd) {
              std::string z(ZSTD_compressBound(texts[k].size()), '\0');
              size_t zn = ZSTD_compress(z.data(), z.size(), texts[k].data(), texts[k].size(), 1);
              if (ZSTD_isError(zn)) {
                log("store_bench: zstd: %s\n", ZSTD_getErrorName(zn));
                std::exit(1);
              }
              z.resize(zn);
              texts[k] = std::move(z);
            }
          }
        }
        gen_cpu_ns += uint64_t((thread_cpu_s() - c0) * 1e9);
      });
    for (auto& t : gens) t.join();
    if (export_file) {
      const double c0 = thread_cpu_s();
      for (const std::string& s : texts)
        if (std::fwrite(s.data(), 1, s.size(), export_file) != s.size()) {
          log("store_bench: writing the export failed (disk full?)\n");
          std::exit(1);
        }
      texts.clear();
      gen_cpu_ns += uint64_t((thread_cpu_s() - c0) * 1e9);
    }
    for (size_t k = 0; k < n; ++k) {
      events += slots[k].size();
      src_events[size_t(plan.batches[begin + k].source)] += slots[k].size();
    }
    ph.gen_s += since(g0);

    // Append: the timed part.
    auto a0 = std::chrono::steady_clock::now();
    next = 0;
    std::vector<std::thread> apps;
    for (int t = 0; t < o.threads; ++t)
      apps.emplace_back([&] {
        for (size_t k; (k = next.fetch_add(1)) < n;) {
          Status s = store->append_sync(std::move(slots[k]));
          if (!s.ok()) {
            log("store_bench: append failed: %s\n", s.message().c_str());
            std::exit(1);
          }
        }
      });
    for (auto& t : apps) t.join();
    ph.append_s += since(a0);
    begin = end;
    if (events >= next_report) {
      log("  %s: %llu / %llu events, %.0f s\n", name.c_str(), (unsigned long long)events,
          (unsigned long long)plan.total(), since(t_start));
      next_report = events + std::max<uint64_t>(plan.total() / 10, 1);
    }
  }
  auto f0 = std::chrono::steady_clock::now();
  if (Status s = store->flush(); !s.ok()) {
    log("store_bench: flush failed: %s\n", s.message().c_str());
    std::exit(1);
  }
  ph.flush_s = since(f0);
  ph.total_s = since(t_start);
  ph.gen_cpu_s = double(gen_cpu_ns.load()) * 1e-9;
  ph.store_cpu_s = process_cpu_s() - cpu0 - ph.gen_cpu_s;
  StoreStats st = store->stats();
  ph.events = events;
  ph.raw_bytes = raw;
  ph.src_events = src_events;
  for (size_t s = 0; s < kSources; ++s) ph.src_raw[s] = src_raw[s];
  ph.batches = st.batches_appended;
  ph.wal_syncs = st.wal_syncs;
  ph.segments = st.segments;
  if (st.events_appended != events) {
    log("store_bench: the store counted %llu events, %llu were appended\n", (unsigned long long)st.events_appended,
        (unsigned long long)events);
    std::exit(1);
  }
  ph.disk = disk_usage(dir);
  out_store = std::move(store);
  return ph;
}

struct QueryResult {
  std::string label, query;
  double cold_ms = 0, warm_ms = 0;  // warm: median of --runs
  double cold_cpu_ms = 0, warm_cpu_ms = 0;  // process CPU (all threads) of the same runs
  uint64_t matched = 0, rows = 0, scanned = 0;
};

QueryResult time_query(const Store& store, const std::string& label, const std::string& q, int runs,
                       FILE* dump) {
  QueryResult r;
  r.label = label;
  r.query = q;
  std::vector<double> warm, warm_cpu;
  for (int i = 0; i <= runs; ++i) {
    const double c0 = process_cpu_s();
    auto t0 = std::chrono::steady_clock::now();
    auto res = run_search(store, {.query = q, .limit = 100});
    double ms = since(t0) * 1e3;
    double cpu_ms = (process_cpu_s() - c0) * 1e3;
    if (!res.ok()) {
      log("store_bench: query %s failed: %s\n", q.c_str(), res.error().c_str());
      std::exit(1);
    }
    if (i == 0) {
      if (dump) std::fprintf(dump, "== %s\n%s\n", q.c_str(), format_result(*res, OutputFormat::Ndjson).c_str());
      r.cold_ms = ms;
      r.cold_cpu_ms = cpu_ms;
      r.matched = res->events_matched;
      r.rows = res->is_table ? res->rows.size() : res->events.size();
      r.scanned = res->events_scanned;
    } else {
      warm.push_back(ms);
      warm_cpu.push_back(cpu_ms);
    }
  }
  std::sort(warm.begin(), warm.end());
  std::sort(warm_cpu.begin(), warm_cpu.end());
  r.warm_ms = warm[warm.size() / 2];
  r.warm_cpu_ms = warm_cpu[warm_cpu.size() / 2];
  log("  %-24s cold %9.1f ms  warm %9.1f ms (CPU %9.1f ms)  matched %llu, rows %llu\n", label.c_str(), r.cold_ms,
      r.warm_ms, r.warm_cpu_ms, (unsigned long long)r.matched, (unsigned long long)r.rows);
  return r;
}

std::string jstr(std::string_view s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') o.push_back('\\');
    if (static_cast<unsigned char>(c) < 0x20) continue;
    o.push_back(c);
  }
  return o + "\"";
}

std::string phase_json(const Phase& p) {
  char buf[1024];
  std::snprintf(buf, sizeof buf,
                "{\"name\":%s,\"events\":%llu,\"raw_bytes\":%llu,\"stored_bytes\":%llu,\"ratio\":%.3f,"
                "\"bytes_per_event\":%.2f,\"raw_bytes_per_event\":%.1f,\"append_s\":%.3f,\"flush_s\":%.3f,"
                "\"events_per_s\":%.0f,\"store_cpu_s\":%.3f,\"events_per_cpu_s\":%.0f,\"gen_s\":%.3f,"
                "\"gen_cpu_s\":%.3f,\"total_s\":%.3f,\"batches\":%llu,\"wal_syncs\":%llu,\"segments\":%llu,"
                "\"source_events\":{\"loghub\":%llu,\"windows\":%llu,\"zeek\":%llu},"
                "\"source_raw_bytes\":{\"loghub\":%llu,\"windows\":%llu,\"zeek\":%llu},\"disk\":{",
                jstr(p.name).c_str(), (unsigned long long)p.events, (unsigned long long)p.raw_bytes,
                (unsigned long long)p.disk.total, p.ratio(), p.bytes_per_event(), double(p.raw_bytes) / double(p.events),
                p.append_s, p.flush_s, p.events_per_s(), p.store_cpu_s, p.events_per_cpu_s(), p.gen_s, p.gen_cpu_s,
                p.total_s, (unsigned long long)p.batches, (unsigned long long)p.wal_syncs,
                (unsigned long long)p.segments, (unsigned long long)p.src_events[0],
                (unsigned long long)p.src_events[1], (unsigned long long)p.src_events[2],
                (unsigned long long)p.src_raw[0], (unsigned long long)p.src_raw[1], (unsigned long long)p.src_raw[2]);
  std::string s = buf;
  bool first = true;
  for (const auto& [k, v] : p.disk.by_part) {
    if (!first) s += ",";
    first = false;
    s += jstr(k) + ":" + std::to_string(v);
  }
  return s + "}}";
}

std::string query_json(const QueryResult& q) {
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "{\"label\":%s,\"query\":%s,\"cold_ms\":%.2f,\"warm_ms\":%.2f,\"cold_cpu_ms\":%.2f,"
                "\"warm_cpu_ms\":%.2f,\"matched\":%llu,\"rows\":%llu,\"scanned\":%llu}",
                jstr(q.label).c_str(), jstr(q.query).c_str(), q.cold_ms, q.warm_ms, q.cold_cpu_ms, q.warm_cpu_ms,
                (unsigned long long)q.matched,
                (unsigned long long)q.rows, (unsigned long long)q.scanned);
  return buf;
}

void print_phase(const Phase& p) {
  log("  %s: %llu events, %.1f MB raw (%.0f B/event) -> %.1f MB stored (%.1f B/event, ratio %.2fx); "
      "ingest %.0f events/s wall (%.1f s append + %.1f s flush), store CPU %.1f s = %.0f events per CPU-second; "
      "%llu batches, %llu fsyncs, %llu segments; generation %.1f s (%.1f CPU-s)\n",
      p.name.c_str(), (unsigned long long)p.events, double(p.raw_bytes) / 1e6, double(p.raw_bytes) / double(p.events),
      double(p.disk.total) / 1e6, p.bytes_per_event(), p.ratio(), p.events_per_s(), p.append_s, p.flush_s,
      p.store_cpu_s, p.events_per_cpu_s(), (unsigned long long)p.batches, (unsigned long long)p.wal_syncs,
      (unsigned long long)p.segments, p.gen_s, p.gen_cpu_s);
  for (const auto& [k, v] : p.disk.by_part) log("      %-20s %12llu bytes\n", k.c_str(), (unsigned long long)v);
}

// The token one event of the mix carries: starts with a letter, so that every engine
// sees one token.
std::string needle_token(uint64_t seed) {
  char token[32];
  std::snprintf(token, sizeof token, "%016llx",
                (unsigned long long)(std::hash<uint64_t>()(seed) * 0x9E3779B97F4A7C15ull ^ 0xC0FFEE5EED5EEDull));
  return std::string("n") + token;
}

// The queries on a fresh open of DIR/mix: "cold" is the first run after open (the OS
// page cache is not dropped), "warm" the median of the next --runs. Empty on error.
std::vector<QueryResult> run_queries(const Options& o, const std::string& token, const Phase* mix) {
  auto opened = Store::open({.dir = o.data / "mix", .read_only = mix == nullptr, .sync = true});
  if (!opened.ok()) {
    log("store_bench: opening %s failed: %s\n", (o.data / "mix").c_str(), opened.error().c_str());
    return {};
  }
  std::unique_ptr<Store> store = std::move(*opened);
  log("store_bench: queries over %llu events (load average %s)\n",
      (unsigned long long)(mix ? mix->events : store->stats().segment_events), loadavg().c_str());
  std::vector<QueryResult> queries;
  FILE* dump = o.dump.empty() ? nullptr : std::fopen(o.dump.c_str(), "w");
  if (!o.query.empty()) {
    queries.push_back(time_query(*store, "query", o.query, o.runs, dump));
    if (dump) std::fclose(dump);
    return queries;
  }
  queries.push_back(time_query(*store, "needle (free text)", token, o.runs, dump));
  queries.push_back(time_query(*store, "needle (user.name)", "user.name:" + token, o.runs, dump));
  queries.push_back(time_query(*store, "count by class_uid", "| stats count() by class_uid", o.runs, dump));
  queries.push_back(
      time_query(*store, "count by src_endpoint.ip", "| stats count() by src_endpoint.ip", o.runs, dump));
  // The query engine's shapes (issue 4): a filtered count, a time chart, a top-N.
  queries.push_back(
      time_query(*store, "filtered count", "dst_endpoint.port:53 | stats count()", o.runs, dump));
  queries.push_back(time_query(*store, "timechart 1h", "| timechart span=1h count()", o.runs, dump));
  queries.push_back(time_query(*store, "top 10 src_endpoint.ip", "| top 10 src_endpoint.ip", o.runs, dump));
  // Shapes an analyst types every day: a common word (newest 100), a word then a
  // group-by, a time chart split by a field, aggregates other than count.
  queries.push_back(time_query(*store, "common word, newest 100", "sshd", o.runs, dump));
  queries.push_back(time_query(*store, "word | count by user", "sshd | stats count() by user.name", o.runs, dump));
  queries.push_back(
      time_query(*store, "timechart 1h by class_uid", "| timechart span=1h count() by class_uid", o.runs, dump));
  queries.push_back(time_query(*store, "avg, dc by class_uid",
                               "| stats avg(dst_endpoint.port), dc(src_endpoint.ip) by class_uid", o.runs, dump));
  if (dump) std::fclose(dump);
  if (queries[0].matched != 1) {
    log("store_bench: WARNING: the needle matched %llu events, not 1\n", (unsigned long long)queries[0].matched);
  }
  return queries;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_args(argc, argv);
  // The store logs through spdlog; keep stdout for --json.
  spdlog::set_default_logger(spdlog::stderr_logger_mt("store_bench"));
  const auto t_run = std::chrono::steady_clock::now();
  const std::string load_start = loadavg();
  if (o.queries_only) {
    std::vector<QueryResult> queries = run_queries(o, needle_token(o.seed), nullptr);
    return queries.empty() ? 1 : 0;
  }

  // How many distinct Windows lines are worth loading.
  uint64_t win_needed = uint64_t(double(o.events) * o.mix[1] / (o.mix[0] + o.mix[1] + o.mix[2])) + 1;
  win_needed = std::max(win_needed, o.per_source_events);
  log("store_bench: loading the corpus from %s\n", o.corpus.c_str());
  auto t_load = std::chrono::steady_clock::now();
  auto loaded = load_corpus({.dir = o.corpus, .windows_max_lines = win_needed, .threads = o.gen_threads});
  if (!loaded.ok()) {
    log("store_bench: %s\n", loaded.error().c_str());
    return 1;
  }
  const Corpus& corpus = **loaded;
  log("store_bench: corpus loaded in %.1f s\n", since(t_load));
  for (size_t s = 0; s < kSources; ++s) {
    SourceInfo si = corpus_info(corpus, Source(s));
    log("  %-8s %4zu files, %8zu events per round, %6.1f MB, %5.0f B/event\n",
        std::string(source_name(Source(s))).c_str(), si.files, si.lines, double(si.raw_bytes) / 1e6,
        double(si.raw_bytes) / double(std::max<size_t>(si.lines, 1)));
  }

  ReplayOptions ro;
  ro.seed = o.seed;
  ro.needle_token = needle_token(o.seed);

  std::vector<Phase> phases;
  std::unique_ptr<Store> store;
  if (o.per_source_events > 0) {
    for (size_t s = 0; s < kSources; ++s) {
      std::array<double, kSources> w{};
      w[s] = 1;
      Plan plan = make_plan(w, o.per_source_events, o.batch, false, o.seed);
      std::string name(source_name(Source(s)));
      log("store_bench: phase %s alone, %llu events\n", name.c_str(), (unsigned long long)plan.total());
      Phase p = ingest(name, corpus, ro, plan, o, o.data / name, nullptr, store);
      store.reset();
      print_phase(p);
      phases.push_back(p);
      if (!o.keep) fs::remove_all(o.data / name);
    }
  }

  FILE* export_file = nullptr;
  if (!o.export_ndjson.empty()) {
    export_file = std::fopen(o.export_ndjson.c_str(), "wb");
    if (!export_file) {
      log("store_bench: cannot write %s\n", o.export_ndjson.c_str());
      return 1;
    }
  }
  Plan plan = make_plan(o.mix, o.events, o.batch, true, o.seed);
  log("store_bench: phase mix, %llu events (loghub %llu, windows %llu, zeek %llu) + 1 needle\n",
      (unsigned long long)plan.total(), (unsigned long long)plan.events[0], (unsigned long long)plan.events[1],
      (unsigned long long)plan.events[2]);
  Phase mix = ingest("mix", corpus, ro, plan, o, o.data / "mix", export_file, store);
  if (export_file) std::fclose(export_file);
  print_phase(mix);
  phases.push_back(mix);

  store.reset();
  const std::string load_queries = loadavg();
  std::vector<QueryResult> queries = run_queries(o, ro.needle_token, &mix);
  if (queries.empty()) return 1;
  if (!o.keep) fs::remove_all(o.data);

  const double run_s = since(t_run);
  const long rss = peak_rss_mb();
  log("store_bench: done in %.0f s, peak RSS %ld MB\n", run_s, rss);
  if (o.json) {
    std::string s = "{\"needle_token\":" + jstr(ro.needle_token) + ",\"events\":" + std::to_string(o.events) +
                    ",\"seed\":" + std::to_string(o.seed) + ",\"threads\":" + std::to_string(o.threads) +
                    ",\"batch\":" + std::to_string(o.batch) + ",\"run_s\":" + std::to_string(run_s) +
                    ",\"peak_rss_mb\":" + std::to_string(rss) + ",\"loadavg_start\":" + jstr(load_start) +
                    ",\"loadavg_queries\":" + jstr(load_queries) + ",\"loadavg_end\":" + jstr(loadavg()) +
                    ",\"corpus\":{";
    for (size_t i = 0; i < kSources; ++i) {
      SourceInfo si = corpus_info(corpus, Source(i));
      s += (i ? "," : "") + jstr(source_name(Source(i))) + ":{\"files\":" + std::to_string(si.files) +
           ",\"events_per_round\":" + std::to_string(si.lines) + ",\"raw_bytes\":" + std::to_string(si.raw_bytes) +
           "}";
    }
    s += "},\"phases\":[";
    for (size_t i = 0; i < phases.size(); ++i) s += (i ? "," : "") + phase_json(phases[i]);
    s += "],\"queries\":[";
    for (size_t i = 0; i < queries.size(); ++i) s += (i ? "," : "") + query_json(queries[i]);
    s += "]}\n";
    std::fputs(s.c_str(), stdout);
  }
  return 0;
}
