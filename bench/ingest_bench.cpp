// Ingest hot paths, one core: syslog header parsing, syslog -> OCSF event building
// (parse + normalize into a batch), NDJSON reading, and the batch codec the WAL uses.
// Input: the demo simulator's lines (always), and loghub OpenSSH/Linux lines when
// ../shared/corpus is present.
//   cmake --preset release && cmake --build build/release --target ingest_bench
//   build/release/bench/ingest_bench
// Results: bench/RESULTS.md.
#include <benchmark/benchmark.h>

#include <fstream>
#include <string>
#include <vector>

#include "core/batch_codec.h"
#include "ingest/simulate.h"
#include "normalize/syslog_event.h"
#include "parse/ndjson.h"
#include "parse/syslog.h"

namespace vigil {
namespace {

std::vector<std::string> simulated_lines() {
  SimulateOptions o;
  o.end = 1795330612LL * kNsPerSec;
  o.start = o.end - 7 * 24 * 3600 * kNsPerSec;
  std::vector<std::string> out;
  for (auto& l : simulate_syslog(o)) out.push_back(std::move(l.line));
  return out;
}

std::vector<std::string> corpus_lines(const char* rel) {
  std::vector<std::string> out;
  std::ifstream in(std::string(VIGIL_CORPUS_DIR) + "/" + rel);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

const std::vector<std::string>& lines_for(int which) {
  static const std::vector<std::string> sim = simulated_lines();
  static const std::vector<std::string> ssh = corpus_lines("loghub/OpenSSH/OpenSSH_2k.log");
  static const std::vector<std::string> linux_lines = corpus_lines("loghub/Linux/Linux_2k.log");
  return which == 0 ? sim : which == 1 ? ssh : linux_lines;
}

const char* kSetName[] = {"simulated", "loghub-OpenSSH", "loghub-Linux"};

void BM_ParseSyslog(benchmark::State& state) {
  const auto& lines = lines_for(static_cast<int>(state.range(0)));
  if (lines.empty()) return state.SkipWithError("corpus not found");
  SyslogParseOptions opt{.receive_time = 1795330612LL * kNsPerSec};
  size_t bytes = 0, n = 0;
  for (auto _ : state) {
    for (const auto& l : lines) {
      SyslogMessage m = parse_syslog(l, opt);
      benchmark::DoNotOptimize(m);
      bytes += l.size();
    }
    n += lines.size();
  }
  state.SetLabel(kSetName[state.range(0)]);
  state.SetItemsProcessed(static_cast<int64_t>(n));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_ParseSyslog)->Arg(0)->Arg(1)->Arg(2);

void BM_SyslogToOcsfBatch(benchmark::State& state) {
  const auto& lines = lines_for(static_cast<int>(state.range(0)));
  if (lines.empty()) return state.SkipWithError("corpus not found");
  size_t bytes = 0, n = 0;
  Provenance p{.receive_time = 1795330612LL * kNsPerSec, .source = "10.0.0.5:514", .input = "syslog-udp"};
  for (auto _ : state) {
    EventBatch batch;  // a fresh batch per pass, as an input does per read
    batch.reserve(lines.size(), lines.size() * 16);
    for (const auto& l : lines) {
      append_syslog_event(l, p, batch);
      bytes += l.size();
    }
    n += lines.size();
    benchmark::DoNotOptimize(batch);
  }
  state.SetLabel(kSetName[state.range(0)]);
  state.SetItemsProcessed(static_cast<int64_t>(n));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_SyslogToOcsfBatch)->Arg(0)->Arg(1)->Arg(2);

void BM_ReadNdjson(benchmark::State& state) {
  std::string body;
  for (int i = 0; i < 4000; ++i) {
    body += R"({"class_uid":3002,"category_uid":3,"activity_id":1,"type_uid":300201,"status_id":)" +
            std::to_string(1 + i % 2) + R"(,"time":)" + std::to_string(1795330612000LL + i) +
            R"(,"severity_id":1,"user":{"name":"user)" + std::to_string(i % 300) +
            R"(","uid":")" + std::to_string(1000 + i % 300) + R"("},"src_endpoint":{"ip":"10.1.)" +
            std::to_string(i % 256) + "." + std::to_string(i % 200) + R"(","port":)" + std::to_string(40000 + i % 9000) +
            R"(},"dst_endpoint":{"hostname":"web-0)" + std::to_string(i % 4) +
            R"("},"auth_protocol":"password","metadata":{"product":{"name":"sshd","vendor_name":"OpenBSD"},"version":"1.3.0"},"message":"Failed password for user)" +
            std::to_string(i % 300) + R"("})" + "\n";
  }
  Provenance base{.receive_time = 1795330612LL * kNsPerSec, .source = "127.0.0.1:1", .input = "http"};
  size_t n = 0;
  for (auto _ : state) {
    EventBatch batch;
    NdjsonStats s = read_ndjson(body, base, batch);
    n += s.events;
    benchmark::DoNotOptimize(batch);
  }
  state.SetItemsProcessed(static_cast<int64_t>(n));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_ReadNdjson);

void BM_BatchCodecRoundTrip(benchmark::State& state) {
  const auto& lines = lines_for(0);
  Provenance p{.receive_time = 1795330612LL * kNsPerSec, .source = "10.0.0.5:514", .input = "syslog-udp"};
  EventBatch batch;
  for (const auto& l : lines) append_syslog_event(l, p, batch);
  std::string bytes;
  for (auto _ : state) {
    bytes.clear();
    encode_batch(batch, bytes);
    auto d = decode_batch(bytes);
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * batch.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes.size()));
}
BENCHMARK(BM_BatchCodecRoundTrip);

}  // namespace
}  // namespace vigil

BENCHMARK_MAIN();
