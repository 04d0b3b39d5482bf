// Sigma detection throughput: the whole public rule set (or any rules) over events
// already parsed into batches, on one thread. Reports rule load time, events/s per
// core for matching alone and with correlation + findings, how many rules the
// prefilter leaves per event, and memory (rules, events, peak).
//
//   detect_bench [--rules DIR]... [--content DIR] [--batch N] [--repeat N] FILE.ndjson...
//
// Without --rules: ../shared/corpus/sigma/{rules,rules-emerging-threats,rules-threat-hunting}.
// bench/run_detect_bench.sh unpacks the OTRF Windows datasets and runs it.
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "detect/engine.h"
#include "detect/sigma_content.h"
#include "parse/ndjson.h"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// This thread's CPU time: events per CPU-second is the per-core figure, and it does not
// move when another process shares the core.
double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

// VmRSS / VmHWM in MiB.
double proc_status_mib(const char* key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key, 0) == 0) return std::stod(line.substr(std::strlen(key))) / 1024.0;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> rule_dirs, files;
  std::string content = vigil::detect::default_content_dir();
  size_t batch_size = 4096;
  int repeat = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--rules") rule_dirs.push_back(next());
    else if (a == "--content") content = next();
    else if (a == "--batch") batch_size = std::stoul(next());
    else if (a == "--repeat") repeat = std::stoi(next());
    else if (a == "--help" || a == "-h") {
      std::printf("detect_bench [--rules DIR]... [--content DIR] [--batch N] [--repeat N] FILE.ndjson...\n");
      return 0;
    } else files.push_back(a);
  }
  if (rule_dirs.empty()) {
    const std::string sigma = std::string(VIGIL_CORPUS_DIR) + "/sigma/";
    rule_dirs = {sigma + "rules", sigma + "rules-emerging-threats", sigma + "rules-threat-hunting"};
  }
  if (files.empty()) {
    std::fprintf(stderr, "give NDJSON files of events (bench/run_detect_bench.sh prepares the OTRF ones)\n");
    return 2;
  }

  const double rss0 = proc_status_mib("VmRSS:");
  auto t0 = Clock::now();
  auto options = vigil::detect::load_sigma_content(content);
  if (!options.ok()) {
    std::fprintf(stderr, "content: %s\n", options.error().c_str());
    return 2;
  }
  auto set = vigil::detect::load_rules(rule_dirs, *options);
  if (!set.ok()) {
    std::fprintf(stderr, "rules: %s\n", set.error().c_str());
    return 2;
  }
  const double load_s = seconds_since(t0);
  const double rss_rules = proc_status_mib("VmRSS:") - rss0;
  const auto& rs = **set;
  std::printf("rules: %zu loaded, %zu correlations, %zu refused, %zu gates, %zu prefilter literals, %zu rules without one\n",
              rs.rules.size(), rs.correlations.size(), rs.report.refusals.size(), rs.gates.size(),
              rs.literal_count(), rs.unfiltered_count());
  std::printf("rule load + compile: %.2f s, %.1f MiB\n", load_s, rss_rules);

  // Parse everything first: the benchmark measures detection over parsed events.
  t0 = Clock::now();
  std::vector<vigil::EventBatch> batches;
  size_t events = 0, bytes = 0, parse_errors = 0;
  for (const std::string& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "%s: cannot read\n", f.c_str());
      return 2;
    }
    std::string chunk, line;
    size_t lines = 0;
    auto flush = [&] {
      if (chunk.empty()) return;
      vigil::EventBatch b;
      auto st = vigil::read_ndjson(chunk, vigil::Provenance{.receive_time = 1, .source = f, .input = "bench"}, b);
      parse_errors += st.parse_errors;
      events += b.size();
      batches.push_back(std::move(b));
      chunk.clear();
      lines = 0;
    };
    while (std::getline(in, line)) {
      bytes += line.size() + 1;
      chunk += line;
      chunk += '\n';
      if (++lines == batch_size) flush();
    }
    flush();
  }
  const double rss_events = proc_status_mib("VmRSS:") - rss0 - rss_rules;
  std::printf("events: %zu in %zu batches (%.1f MiB of JSON, %zu parse errors), parsed in %.2f s, %.1f MiB in memory\n",
              events, batches.size(), bytes / 1048576.0, parse_errors, seconds_since(t0), rss_events);

  for (int r = 0; r < repeat; ++r) {
    // Matching alone: prefilter, gates, rule evaluation.
    vigil::detect::Matcher matcher(*set);
    std::vector<vigil::detect::RuleMatch> matches;
    t0 = Clock::now();
    double c0 = cpu_seconds();
    size_t match_count = 0;
    for (const auto& b : batches) {
      matches.clear();
      matcher.match(b, matches);
      match_count += matches.size();
    }
    const double match_s = seconds_since(t0), match_cpu = cpu_seconds() - c0;
    const auto& ms = matcher.stats();
    std::printf("match: %.2f s wall, %.2f s CPU, %.0f events per CPU-second, %zu matches, %.2f rules evaluated per event\n",
                match_s, match_cpu, events / match_cpu, match_count, double(ms.evaluated) / double(ms.events));

    // The whole detect stage: matching, correlation and one Detection Finding per alert.
    vigil::detect::DetectionEngine engine(*set);
    std::vector<vigil::detect::Detection> detections;
    size_t alerts = 0;
    t0 = Clock::now();
    c0 = cpu_seconds();
    for (const auto& b : batches) {
      detections.clear();
      vigil::EventBatch findings;
      engine.run(b, detections, &findings);
      alerts += findings.size();
    }
    detections.clear();
    engine.finish(detections);
    const double engine_s = seconds_since(t0), engine_cpu = cpu_seconds() - c0;
    std::printf("engine (match + correlate + findings): %.2f s wall, %.2f s CPU, %.0f events per CPU-second, %zu alerts\n",
                engine_s, engine_cpu, events / engine_cpu, alerts);
  }
  std::printf("memory: peak RSS %.1f MiB (rules %.1f MiB, parsed events %.1f MiB)\n", proc_status_mib("VmHWM:"), rss_rules,
              rss_events);
  return 0;
}
