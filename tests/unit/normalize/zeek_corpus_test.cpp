// Zeek corpora through read_zeek_log: the competition-traffic TSV logs (gzip) and the
// OTRF APT29 Zeek logs (JSON lines: combined, per host, and the per-host zip archives).
// Every line must read without a parse error, every data line must be one event, and
// per log the share of events mapped to a non-zero OCSF class is printed. Spot checks
// compare fields with the first lines of the files as they are on disk.
#include "normalize/zeek_event.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace vigil {
namespace {

namespace fs = std::filesystem;
const fs::path kCorpus = VIGIL_CORPUS_DIR;
const fs::path kZeek = kCorpus / "zeek";
const fs::path kApt29 = kCorpus / "otrf-security-datasets/datasets/compound/apt29";

std::string read_gzip(const fs::path& path) {
  std::string out;
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) return out;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  gzclose(f);
  return out;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Every member of a zip, one after another (each is a JSON-lines log), through `unzip -p`.
std::string read_zip(const fs::path& path) {
  std::string out;
  std::string cmd = "unzip -p '" + path.string() + "'";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[1 << 16];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

bool have_unzip() { return std::system("unzip -v >/dev/null 2>&1") == 0; }

// Data lines counted independently of the reader: non-blank, not a '#' header.
size_t count_data_lines(std::string_view body) {
  size_t n = 0;
  while (!body.empty()) {
    size_t nl = body.find('\n');
    std::string_view line = body.substr(0, nl);
    body = nl == std::string_view::npos ? std::string_view() : body.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty() && line[0] != '#') ++n;
  }
  return n;
}

struct Share {
  size_t events = 0, mapped = 0;
};

struct Tally {
  std::map<std::string, Share> by_log;
  size_t events = 0, files = 0;

  // Reads one body; returns its batch for spot checks.
  EventBatch read(const std::string& body, const std::string& name) {
    EventBatch batch;
    Provenance p;
    p.receive_time = 1;
    p.input = "file";
    p.source = name;
    ZeekReadStats stats = read_zeek_log(body, p, batch);
    EXPECT_EQ(stats.parse_errors, 0u) << name << ": " << stats.first_error;
    EXPECT_EQ(stats.events, count_data_lines(body)) << name;
    EXPECT_EQ(batch.size(), stats.events) << name;
    FieldId log_name = field_dictionary().find("metadata.log_name");
    FieldId class_uid = field_dictionary().find("class_uid");
    for (const Event& e : batch.events()) {
      const Value* log = batch.find(e, log_name);
      const Value* cls = batch.find(e, class_uid);
      Share& s = by_log[log ? std::string(log->as_string()) : "(none)"];
      ++s.events;
      if (cls && cls->type == FieldType::Int64 && cls->i64 != 0) ++s.mapped;
      // loaded_scripts is the one Zeek log without a ts column.
      if (!log || log->as_string() != "loaded_scripts") {
        EXPECT_FALSE(e.flags & kFlagNoTimestamp) << name << ": " << e.raw;
      }
    }
    events += batch.size();
    ++files;
    return batch;
  }

  void print(const char* title) const {
    std::printf("%s: %zu events from %zu files\n", title, events, files);
    for (const auto& [log, s] : by_log)
      std::printf("  %-16s %8zu events  %5.1f%% mapped to a non-zero class\n", log.c_str(), s.events,
                  100.0 * static_cast<double>(s.mapped) / static_cast<double>(s.events));
  }
};

const Value* find(const EventBatch& b, size_t i, std::string_view name) {
  FieldId id = field_dictionary().find(name);
  return id == kNoField ? nullptr : b.find(b[i], id);
}

TEST(ZeekCorpus, CompetitionTsvLogsReadWithoutErrors) {
  if (!fs::exists(kZeek)) GTEST_SKIP() << "Zeek corpus not found at " << kZeek.string();
  Tally tally;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(kZeek))
    if (entry.path().string().ends_with(".log.gz")) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  ASSERT_FALSE(files.empty());
  for (const fs::path& path : files) {
    std::string body = read_gzip(path);
    ASSERT_FALSE(body.empty()) << "could not gunzip " << path;
    EventBatch batch = tally.read(body, path.filename().string());
    if (path.filename() == "dns.log.gz") {
      // First record of dns.log: 1521911720.865716 CqKst53mF3det3eDV9 10.47.1.100 41772
      // 10.0.0.100 53 udp 36329 0.000870 ise.wrccdc.org 1 C_INTERNET 1 A 0 NOERROR ...
      ASSERT_GT(batch.size(), 0u);
      EXPECT_EQ(find(batch, 0, "class_uid")->i64, 4003);
      EXPECT_EQ(find(batch, 0, "query.hostname")->as_string(), "ise.wrccdc.org");
      EXPECT_EQ(find(batch, 0, "src_endpoint.ip")->as_ip().to_string(), "10.47.1.100");
      EXPECT_EQ(find(batch, 0, "src_endpoint.port")->i64, 41772);
      EXPECT_EQ(find(batch, 0, "dst_endpoint.ip")->as_ip().to_string(), "10.0.0.100");
      EXPECT_EQ(find(batch, 0, "dst_endpoint.port")->i64, 53);
      EXPECT_EQ(batch[0].time, 1521911720'865716000);
    }
    if (path.filename() == "ntp.log.gz") {
      // First record: 1521911725.733635 CVeuQCCVAileo7FX2 10.47.3.50 52184 41.231.53.4 123
      // version 4, mode 3 (client), stratum 0, ..., ref_id \x00\x00\x00\x00 (escaped NULs).
      ASSERT_GT(batch.size(), 0u);
      EXPECT_EQ(find(batch, 0, "class_uid")->i64, 4013);
      EXPECT_EQ(find(batch, 0, "activity_id")->i64, 3);
      EXPECT_EQ(find(batch, 0, "version")->i64, 4);
      EXPECT_EQ(find(batch, 0, "unmapped.zeek.ref_id")->as_string(), std::string_view("\0\0\0\0", 4));
    }
    if (path.filename() == "rdp.log.gz") {
      // First record: 1521911721.258458 CMwJl820SlYyy434c8 10.164.94.120 39681 10.47.3.155 3389 ...
      ASSERT_GT(batch.size(), 0u);
      EXPECT_EQ(find(batch, 0, "src_endpoint.ip")->as_ip().to_string(), "10.164.94.120");
      EXPECT_EQ(find(batch, 0, "dst_endpoint.port")->i64, 3389);
      EXPECT_EQ(find(batch, 0, "class_uid")->i64, 4005);
    }
  }
  tally.print("zeek TSV corpus");
  EXPECT_GT(tally.events, 100000u);
}

TEST(ZeekCorpus, Apt29JsonLogsReadWithoutErrors) {
  if (!fs::exists(kApt29)) GTEST_SKIP() << "OTRF APT29 corpus not found at " << kApt29.string();
  Tally tally;
  for (const char* day : {"day1", "day2"}) {
    fs::path dir = kApt29 / day / "zeek";
    ASSERT_TRUE(fs::exists(dir / "combined_zeek.log")) << dir;
    EventBatch combined = tally.read(read_file(dir / "combined_zeek.log"), std::string(day) + "/combined_zeek.log");
    if (std::string_view(day) == "day1") {
      // First line: {"@stream":"conn",...,"ts":1588205199.82437,"uid":"Cvf4XX17hSAgXDdGEd",
      // "id_orig_h":"10.0.1.6","id_orig_p":54243,"id_resp_h":"10.0.0.4","id_resp_p":53,"proto":"udp",...}
      ASSERT_GT(combined.size(), 0u);
      EXPECT_EQ(find(combined, 0, "class_uid")->i64, 4001);
      EXPECT_EQ(find(combined, 0, "src_endpoint.ip")->as_ip().to_string(), "10.0.1.6");
      EXPECT_EQ(find(combined, 0, "src_endpoint.port")->i64, 54243);
      EXPECT_EQ(find(combined, 0, "dst_endpoint.ip")->as_ip().to_string(), "10.0.0.4");
      EXPECT_EQ(find(combined, 0, "dst_endpoint.port")->i64, 53);
      EXPECT_EQ(find(combined, 0, "metadata.uid")->as_string(), "Cvf4XX17hSAgXDdGEd");
    }
    std::vector<fs::path> logs;
    for (const auto& entry : fs::directory_iterator(dir / "individual_zeek_logs")) logs.push_back(entry.path());
    std::sort(logs.begin(), logs.end());
    for (const fs::path& path : logs) {
      EventBatch batch = tally.read(read_file(path), path.filename().string());
      if (path.filename() == "NASHUA_dns.log") {
        // First line: ..."query":"newyork.dmevals.local",..."qtype_name":"A",..."answers":["10.0.0.4"]
        ASSERT_GT(batch.size(), 0u);
        EXPECT_EQ(find(batch, 0, "class_uid")->i64, 4003);
        EXPECT_EQ(find(batch, 0, "query.hostname")->as_string(), "newyork.dmevals.local");
        EXPECT_EQ(find(batch, 0, "query.type")->as_string(), "A");
        EXPECT_EQ(find(batch, 0, "answers.rdata")->as_string(), "10.0.0.4");
      }
    }
  }
  tally.print("APT29 Zeek JSON (combined + individual)");

  if (!have_unzip()) {
    std::printf("unzip not found: the APT29 per-host zip archives were not read\n");
    return;
  }
  Tally zips;
  for (const char* day : {"day1", "day2"}) {
    for (const auto& entry : fs::directory_iterator(kApt29 / day / "zeek")) {
      if (entry.path().extension() != ".zip") continue;
      std::string body = read_zip(entry.path());
      ASSERT_FALSE(body.empty()) << "unzip gave nothing for " << entry.path();
      zips.read(body, entry.path().filename().string());
    }
  }
  zips.print("APT29 Zeek zip archives");
  EXPECT_GT(zips.events, 1000u);
}

}  // namespace
}  // namespace vigil
