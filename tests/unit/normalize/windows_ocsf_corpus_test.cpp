// Windows records of real corpora onto OCSF: OTRF's flat JSON lines (a sample of
// datasets, to keep CI time short), Wazuh's eventchannel lines, and the Sigma
// regression EVTX/JSON files. Skips when ../shared/corpus is absent.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "normalize/windows_ocsf.h"
#include "parse/evtx.h"
#include "parse/ndjson.h"
#include "parse/windows_event_json.h"
#include "parse/windows_event_wazuh.h"
#include "wazuh_test_lines.h"

namespace vigil {
namespace {

namespace fs = std::filesystem;
const fs::path kCorpus = VIGIL_CORPUS_DIR;

const Value* get(const EventBatch& b, const Event& e, std::string_view name) {
  FieldId id = field_dictionary().find(name);
  return id == kNoField ? nullptr : b.find(e, id);
}
bool has(const EventBatch& b, const Event& e, std::string_view name) { return get(b, e, name) != nullptr; }
int64_t int_of(const EventBatch& b, const Event& e, std::string_view name) {
  const Value* v = get(b, e, name);
  return v && v->type == FieldType::Int64 ? v->i64 : -1;
}

std::string unzip(const fs::path& zip) {
  std::string out;
  std::FILE* p = popen(("unzip -p '" + zip.string() + "' 2>/dev/null").c_str(), "r");
  if (!p) return out;
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

TEST(WindowsOcsfCorpus, OtrfSampleMapsEveryWindowsLine) {
  const fs::path root = kCorpus / "otrf-security-datasets/datasets/atomic/windows";
  if (!fs::exists(root)) GTEST_SKIP() << "no OTRF corpus at " << root;
  if (std::system("unzip -v >/dev/null 2>&1") != 0) GTEST_SKIP() << "unzip is not installed";
  std::vector<fs::path> zips;
  for (auto& e : fs::recursive_directory_iterator(root))
    if (e.path().extension() == ".zip") zips.push_back(e.path());
  std::sort(zips.begin(), zips.end());
  // Every 8th dataset: all tactics, ~1/8 of the lines.
  std::map<int64_t, size_t> classes;
  size_t not_json = 0, lines = 0, windows = 0, logons = 0, launches4688 = 0, sysmon1 = 0, sysmon3 = 0;
  for (size_t z = 0; z < zips.size(); z += 8) {
    const std::string text = unzip(zips[z]);
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] != '{') continue;
      ++lines;
      EventBatch b;
      NdjsonStats s = read_ndjson(line, {.input = "otrf"}, b);
      if (s.parse_errors) {
        ++not_json;  // the dataset's bytes (invalid UTF-8, raw control characters): kept raw and flagged
        continue;
      }
      int c = add_windows_ocsf(b);
      if (c < 0) continue;
      ++windows;
      const Event& e = b[0];
      ++classes[int_of(b, e, "class_uid")];
      ASSERT_TRUE(has(b, e, "class_uid") && has(b, e, "metadata.event_code") && has(b, e, "device.hostname"))
          << line.substr(0, 300);
      const int64_t id = int_of(b, e, "EventID");
      const bool sysmon = get(b, e, "metadata.product.name")->as_string() == "Sysmon";
      if (!sysmon && id == 4624) {
        ++logons;
        EXPECT_TRUE(has(b, e, "user.name") && has(b, e, "logon_type_id")) << line.substr(0, 300);
      } else if (!sysmon && id == 4688) {
        ++launches4688;
        EXPECT_TRUE(has(b, e, "process.pid") && has(b, e, "process.file.path") && has(b, e, "actor.user.name"))
            << line.substr(0, 300);
      } else if (sysmon && id == 1) {
        ++sysmon1;
        // Some of OTRF's NXLog records lack ProcessId: the pid only when the record has one.
        EXPECT_TRUE(has(b, e, "process.file.path") && has(b, e, "process.cmd_line") &&
                    has(b, e, "process.parent_process.file.path") &&
                    (has(b, e, "process.pid") || !has(b, e, "ProcessId")))
            << line.substr(0, 300);
      } else if (sysmon && id == 3) {
        ++sysmon3;
        EXPECT_TRUE(has(b, e, "dst_endpoint.port") && has(b, e, "actor.process.file.path") &&
                    (has(b, e, "dst_endpoint.ip") || has(b, e, "DestinationIp")))
            << line.substr(0, 300);
      }
    }
  }
  std::string summary;
  for (auto [c, n] : classes) summary += " " + std::to_string(c) + ":" + std::to_string(n);
  std::printf("OTRF sample: %zu datasets, %zu lines (%zu not valid JSON), %zu Windows; classes%s; 4624 %zu, 4688 %zu, "
              "Sysmon1 %zu, Sysmon3 %zu\n",
              (zips.size() + 7) / 8, lines, not_json, windows, summary.c_str(), logons, launches4688, sysmon1, sysmon3);
  EXPECT_LT(not_json * 1000, lines);
  EXPECT_GT(windows, 10000u);
  EXPECT_GT(logons, 0u);
  EXPECT_GT(sysmon1, 0u);
  EXPECT_GT(sysmon3, 0u);
}

// The class each Wazuh corpus record must get, by provider and event id (read from the
// records; see windows_ocsf.h for the table).
int64_t expected_class(bool sysmon, bool security, int64_t id) {
  if (sysmon) {
    switch (id) {
      case 1: case 5: case 8: case 10: return 1007;
      case 3: return 4001;
      case 7: return 1005;
      case 11: case 23: case 26: return 1001;
      case 12: return -1;  // key or value: 201001 or 201002 by EventType
      case 13: return 201002;
      case 22: return 4003;
      default: return 0;
    }
  }
  if (!security) return -1;  // other channels: checked only for being mapped
  switch (id) {
    case 4624: case 4625: case 4634: case 4647: case 4648: case 4768: case 4769: case 4771: case 4776: return 3002;
    case 4688: case 4689: return 1007;
    case 4720: case 4722: case 4723: case 4724: case 4725: case 4726: case 4738: case 4740: case 4767: return 3001;
    case 4728: case 4729: case 4732: case 4733: case 4756: case 4757: return 3006;
    case 1102: return 1008;
    case 4697: return 201004;
    default: return -1;  // object access: File System Activity only for files
  }
}

TEST(WindowsOcsfCorpus, WazuhEventchannelLines) {
  const fs::path root = kCorpus / "wazuh-ruleset-tests";
  if (!fs::exists(root)) GTEST_SKIP() << "no Wazuh corpus at " << root;
  size_t json = 0, text = 0, users = 0, processes = 0, ips = 0;
  for (auto& entry : fs::directory_iterator(root)) {
    const std::string name = entry.path().filename().string();
    if (!(name.starts_with("win_security") || name.starts_with("sysmon") || name.starts_with("win_event_channel") ||
          name.starts_with("windows")))
      continue;
    std::ifstream in(entry.path());
    std::string line;
    std::string record;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!test_support::wazuh_log_line(line, record)) continue;
      if (!looks_like_wazuh_windows(record)) {
        ++text;  // Wazuh's older "WinEvtLog:" syslog text, not eventchannel JSON
        continue;
      }
      ++json;
      EventBatch b;
      WindowsReadStats ws = read_windows_event_wazuh(record, {.input = "wazuh"}, b);
      ASSERT_EQ(ws.errors, 0u) << name << ": " << ws.first_error;
      ASSERT_EQ(b.size(), 1u);
      const int c = add_windows_ocsf(b);
      ASSERT_GE(c, 0) << name << ": " << record.substr(0, 200);
      const Event& e = b[0];
      const std::string where = name + ": " + record.substr(0, 200);
      EXPECT_FALSE(e.flags & kFlagNoTimestamp) << where;
      EXPECT_TRUE(has(b, e, "device.hostname")) << where;
      const bool sysmon = get(b, e, "metadata.product.name")->as_string() == "Sysmon";
      const bool security = has(b, e, "Channel") && get(b, e, "Channel")->as_string() == "Security";
      const int64_t want = expected_class(sysmon, security, int_of(b, e, "EventID"));
      if (want >= 0) {
        EXPECT_EQ(c, want) << where;
      }
      // Who, where the record names someone.
      if ((has(b, e, "User") && get(b, e, "User")->as_string() != "-") ||
          (has(b, e, "SubjectUserName") && get(b, e, "SubjectUserName")->as_string() != "-")) {
        if (c != 0) {
          EXPECT_TRUE(has(b, e, "actor.user.name") || has(b, e, "process.user.name")) << where;
          ++users;
        }
      }
      if (c == 1007) {
        EXPECT_TRUE(has(b, e, "process.file.path") && has(b, e, "process.pid")) << where;
        ++processes;
      }
      if (c == 4001) {
        // Typed where the text is canonical; Sysmon's uncompressed IPv6 stays as written.
        EXPECT_TRUE((has(b, e, "src_endpoint.ip") || has(b, e, "SourceIp")) &&
                    (has(b, e, "dst_endpoint.ip") || has(b, e, "DestinationIp")))
            << where;
        ips += has(b, e, "dst_endpoint.ip");
      }
    }
  }
  std::printf("Wazuh: %zu eventchannel lines mapped (%zu with a user, %zu processes, %zu connections); %zu text lines\n",
              json, users, processes, ips, text);
  EXPECT_GT(json, 150u);
}

TEST(WindowsOcsfCorpus, SigmaRegressionFilesMap) {
  const fs::path root = kCorpus / "sigma/regression_data";
  if (!fs::exists(root)) GTEST_SKIP() << "no Sigma regression data at " << root;
  size_t files = 0, events = 0;
  for (auto& entry : fs::recursive_directory_iterator(root)) {
    const fs::path& p = entry.path();
    if (p.extension() != ".evtx" && p.extension() != ".json") continue;
    EventBatch raw;
    WindowsReadStats ws;
    if (p.extension() == ".evtx") {
      ws = read_evtx_file(p.string(), {.input = "evtx"}, raw);
    } else {
      std::ifstream in(p, std::ios::binary);
      std::stringstream s;
      s << in.rdbuf();
      ws = read_windows_event_json(s.str(), {.input = "json"}, raw);
    }
    ASSERT_EQ(ws.errors, 0u) << p << ": " << ws.first_error;
    EventBatch out;
    EXPECT_EQ(windows_to_ocsf(raw, out), raw.size()) << p;
    for (const Event& e : out.events()) {
      EXPECT_TRUE(has(out, e, "class_uid") && has(out, e, "metadata.event_code")) << p;
      ++events;
    }
    ++files;
  }
  std::printf("Sigma regression: %zu files, %zu events mapped\n", files, events);
  EXPECT_GE(files, 400u);
}

}  // namespace
}  // namespace vigil
