// auditd conformance against real corpora: go-libaudit's per-record goldens (auparse)
// and coalesced-event goldens (aucoalesce), and Wazuh's auditd test lines. Each golden
// value is compared with the field Vigil derives for the same thing; the share agreed
// is printed, and a floor on it is asserted so regressions show.
#include "normalize/audit_event.h"
#include "parse/audit_record.h"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace vigil {
namespace {

namespace fs = std::filesystem;
const fs::path kCorpus = VIGIL_CORPUS_DIR;
const fs::path kLibaudit = kCorpus / "go-libaudit";

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Tally {
  size_t agreed = 0, total = 0;
  std::vector<std::string> misses;
  void check(const std::string& what, const std::optional<std::string>& ours, std::string_view golden) {
    ++total;
    if (ours && *ours == golden) {
      ++agreed;
    } else if (misses.size() < 40) {
      misses.push_back(what + ": golden '" + std::string(golden) + "' ours '" + (ours ? *ours : "<none>") + "'");
    }
  }
  double share() const { return total ? double(agreed) / double(total) : 1.0; }
  void print(const char* name) const {
    std::printf("%s: %zu of %zu golden values reproduced (%.1f%%)\n", name, agreed, total, 100.0 * share());
    for (const std::string& m : misses) std::printf("  miss %s\n", m.c_str());
  }
};

std::optional<std::string> str_of(simdjson::simdjson_result<simdjson::dom::element> e, std::string_view key) {
  if (e.error()) return std::nullopt;
  std::string_view v;
  if (e[key].get_string().get(v)) return std::nullopt;
  return std::string(v);
}

std::optional<std::string> str_of(simdjson::dom::element e, std::string_view key) {
  return str_of(simdjson::simdjson_result<simdjson::dom::element>(std::move(e)), key);
}

// Fields of the golden "data" maps that the OCSF mapping reads, compared as parsed.
bool compared_key(std::string_view k, std::string_view type) {
  static const char* kKeys[] = {"exe", "comm", "cwd", "name", "proctitle", "pid", "ppid", "uid", "acct",
                                "addr", "hostname", "terminal", "cmd", "op", "id", "ouid", "mode"};
  for (const char* x : kKeys)
    if (k == x) return true;
  return type == "execve" && k.size() >= 2 && k[0] == 'a' && std::isdigit(static_cast<unsigned char>(k[1]));
}

TEST(AuditGolden, AuparseRecords) {
  fs::path dir = kLibaudit / "auparse/testdata";
  if (!fs::exists(dir)) GTEST_SKIP() << "corpus absent: " << dir;
  Tally t;
  size_t records = 0, parsed = 0;
  simdjson::dom::parser parser;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".golden") continue;
    simdjson::padded_string json = simdjson::padded_string::load(entry.path().string());
    simdjson::dom::element root = parser.parse(json);
    for (simdjson::dom::element rec : root.get_array()) {
      auto type = str_of(rec, "record_type");
      auto raw = str_of(rec, "raw_msg");
      if (!type || !raw) continue;
      ++records;
      std::string upper = *type;
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      std::string line = "type=" + upper + " msg=" + *raw;
      Arena a;
      AuditRecord r;
      std::string_view err = parse_audit_record(line, a, r);
      EXPECT_EQ(err, "") << line;
      if (!err.empty()) continue;
      ++parsed;
      simdjson::dom::object data;
      if (rec["data"].get_object().get(data)) continue;
      std::string where = entry.path().filename().string() + " " + std::to_string(r.serial) + " ";
      if (*type == "sockaddr") {
        AuditSockaddr sa;
        ASSERT_TRUE(decode_audit_sockaddr(audit_field(r, "saddr"), a, sa)) << line;
        if (auto addr = str_of(rec["data"], "addr"))
          t.check(where + "addr", sa.ip ? std::optional(sa.ip->to_string()) : std::nullopt, *addr);
        if (auto port = str_of(rec["data"], "port")) t.check(where + "port", std::to_string(sa.port), *port);
        if (auto path = str_of(rec["data"], "path")) t.check(where + "path", std::string(sa.path), *path);
        continue;
      }
      for (auto [key, value] : data) {
        std::string_view v;
        if (value.get_string().get(v) || !compared_key(key, *type)) continue;
        std::string_view ours = audit_field(r, key);
        t.check(where + std::string(key), std::string(ours), v);
      }
    }
  }
  t.print("auparse records");
  EXPECT_EQ(parsed, records);
  EXPECT_GT(t.total, 100u);
  EXPECT_GE(t.share(), 0.97);
}

// The value of the first of `names` present in event 0, as text.
std::optional<std::string> value_text(const EventBatch& b, std::initializer_list<std::string_view> names) {
  for (std::string_view n : names) {
    FieldId id = field_dictionary().find(n);
    if (id == kNoField) continue;
    const Value* v = b.find(b[0], id);
    if (!v) continue;
    if (v->type == FieldType::String) return std::string(v->as_string());
    if (v->type == FieldType::Int64) return std::to_string(v->i64);
    if (v->type == FieldType::Ip) return v->as_ip().to_string();
  }
  return std::nullopt;
}

TEST(AuditGolden, AucoalesceEvents) {
  fs::path dir = kLibaudit / "aucoalesce/testdata";
  if (!fs::exists(dir)) GTEST_SKIP() << "corpus absent: " << dir;
  Tally t, category;
  size_t events = 0;
  simdjson::dom::parser parser;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    YAML::Node tests = YAML::LoadFile(entry.path().string())["tests"];
    fs::path golden_path = entry.path();
    golden_path.replace_extension(".json.golden");
    simdjson::padded_string json = simdjson::padded_string::load(golden_path.string());
    simdjson::dom::element root = parser.parse(json);
    std::map<std::string, simdjson::dom::element> golden;
    for (simdjson::dom::element g : root.get_array()) golden[std::string(str_of(g, "test_name").value_or(""))] = g;

    for (const auto& kv : tests) {
      std::string name = kv.first.as<std::string>();
      std::string text;
      if (kv.second.IsSequence())
        for (const auto& l : kv.second) text += l.as<std::string>() + "\n";
      else
        text = kv.second.as<std::string>();
      ASSERT_TRUE(golden.count(name)) << name;
      simdjson::dom::element g;
      ASSERT_FALSE(golden[name]["event"].get(g)) << name;

      AuditAssembler as;
      EventBatch b;
      Provenance p;
      std::istringstream lines(text);
      for (std::string line; std::getline(lines, line);)
        if (!line.empty()) as.add(line, p, b);
      as.flush(b);
      ASSERT_EQ(b.size(), 1u) << name;  // each golden case is one event
      EXPECT_EQ(b[0].flags, 0u) << name;
      ++events;

      std::string where = entry.path().stem().string() + " / " + name + " ";
      int64_t cls = std::stoll(value_text(b, {"class_uid"}).value_or("-1"));
      // OCSF class against the golden's ECS category.
      std::string cats;
      simdjson::dom::array arr;
      if (!g["ecs"]["event"]["category"].get_array().get(arr))
        for (auto c : arr) cats += std::string(c.get_string().value()) + ",";
      std::string record_type = str_of(g, "record_type").value_or("");
      std::string syscall = str_of(g["data"], "syscall").value_or("");
      std::optional<std::string> expect_class;
      if (record_type == "syscall" && syscall == "execve") expect_class = "1007";
      else if (cats.find("network") != std::string::npos) expect_class = "4001";
      else if (cats.find("file") != std::string::npos && record_type == "syscall") expect_class = "1001";
      else if (cats.find("authentication") != std::string::npos || cats.find("session") != std::string::npos)
        expect_class = "3002";
      else if (cats.find("iam") != std::string::npos) expect_class = "3001";
      if (expect_class) category.check(where + "class", std::to_string(cls), *expect_class);

      std::string pre = cls == 1007 ? "process." : "actor.process.";
      auto field = [&](std::string_view ocsf, std::string_view unmapped) {
        return value_text(b, {pre + std::string(ocsf), "unmapped.auditd." + std::string(unmapped)});
      };
      auto proc = g["process"];
      if (auto v = str_of(proc, "pid")) t.check(where + "pid", field("pid", "pid"), *v);
      if (auto v = str_of(proc, "ppid")) t.check(where + "ppid", field("parent_process.pid", "ppid"), *v);
      if (auto v = str_of(proc, "exe")) t.check(where + "exe", field("file.path", "exe"), *v);
      if (auto v = str_of(proc, "name")) t.check(where + "name", field("name", "comm"), *v);
      if (auto v = str_of(proc, "cwd")) t.check(where + "cwd", field("working_directory", "cwd"), *v);
      simdjson::dom::array args;
      if (!proc["args"].get_array().get(args)) {
        std::string joined;
        for (auto a : args) joined += (joined.empty() ? "" : " ") + std::string(a.get_string().value());
        t.check(where + "args", field("cmd_line", "cmd_line"), joined);
      }
      auto uids = g["user"]["ids"];
      if (auto v = str_of(uids, "uid")) t.check(where + "uid", field("user.uid", "uid"), *v);
      if (auto v = str_of(uids, "auid"); v && *v != "unset")
        t.check(where + "auid", value_text(b, {"actor.user.uid", "unmapped.auditd.auid"}), *v);
      if (auto v = str_of(g["file"], "path")) t.check(where + "file.path", value_text(b, {"file.path"}), *v);
      if (auto v = str_of(g, "result"); v && *v != "unknown")
        t.check(where + "result", value_text(b, {"status_id"}), *v == "success" ? "1" : "2");
      for (const char* side : {"source", "destination"}) {
        std::string ep = side[0] == 's' ? "src_endpoint." : "dst_endpoint.";
        if (auto v = str_of(g[side], "ip")) t.check(where + ep + "ip", value_text(b, {ep + "ip"}), *v);
        if (auto v = str_of(g[side], "port")) t.check(where + ep + "port", value_text(b, {ep + "port"}), *v);
      }
      if (!syscall.empty() && record_type == "syscall")
        t.check(where + "syscall", value_text(b, {"unmapped.auditd.syscall_name", "unmapped.auditd.SYSCALL"}), syscall);
    }
  }
  t.print("aucoalesce fields");
  category.print("aucoalesce OCSF class vs ECS category");
  EXPECT_GT(events, 40u);
  EXPECT_GE(t.share(), 0.95);
  EXPECT_GE(category.share(), 0.85);
}

TEST(AuditGolden, WazuhAuditdLines) {
  bool any = false;
  size_t lines = 0;
  for (const char* file : {"auditd.ini", "audit_scp.ini"}) {
    fs::path path = kCorpus / "wazuh-ruleset-tests" / file;
    if (!fs::exists(path)) continue;
    any = true;
    std::istringstream in(read_file(path));
    for (std::string l; std::getline(in, l);) {
      if (!l.starts_with("log ")) continue;
      size_t eq = l.find(" = ");
      if (eq == std::string::npos) continue;
      std::string line = l.substr(eq + 3);
      ++lines;
      Arena a;
      AuditRecord r;
      ASSERT_EQ(parse_audit_record(line, a, r), "") << line;
      EXPECT_FALSE(r.type.empty());
      EXPECT_GT(r.time, 1'000'000'000LL * kNsPerSec) << line;
      EXPECT_GT(r.serial, 0u);

      AuditAssembler as;
      EventBatch b;
      as.add(line, Provenance{}, b);
      as.flush(b);
      ASSERT_EQ(b.size(), 1u) << line;
      EXPECT_EQ(b[0].flags, 0u) << line;
      EXPECT_EQ(b[0].time, r.time);
      auto cls = value_text(b, {"class_uid"});
      ASSERT_TRUE(cls) << line;
      // The fields of its kind.
      if (r.type == "SYSCALL" && audit_field(r, "syscall") == "59") {
        EXPECT_EQ(*cls, "1007") << line;
        EXPECT_TRUE(value_text(b, {"process.file.path"})) << line;
        EXPECT_TRUE(value_text(b, {"process.pid"})) << line;
        if (line.find("type=EXECVE") != std::string::npos) {
          EXPECT_TRUE(value_text(b, {"process.cmd_line"})) << line;
        }
      } else if (r.type == "SYSCALL" && audit_field(r, "syscall") == "2" && line.find("type=PATH") != std::string::npos) {
        EXPECT_EQ(*cls, "1001") << line;
        EXPECT_TRUE(value_text(b, {"file.path"})) << line;
      } else if (r.type == "ACCT_LOCK" || r.type == "ACCT_UNLOCK") {
        EXPECT_EQ(*cls, "3001") << line;
      } else {
        EXPECT_TRUE(value_text(b, {"unmapped.auditd.record_types"})) << line;
      }
      EXPECT_TRUE(value_text(b, {"status_id"}));
    }
  }
  if (!any) GTEST_SKIP() << "corpus absent: wazuh-ruleset-tests";
  std::printf("wazuh auditd lines: %zu parsed and mapped\n", lines);
  EXPECT_GT(lines, 40u);
}

}  // namespace
}  // namespace vigil
