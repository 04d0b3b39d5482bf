// `vigil parse` through the real binary: NDJSON with _raw, _pack and typed values, the
// table format, --explain's verdicts, --pack, --stats, and usage errors (exit 2) for an
// unknown pack, a missing file or a folder without packs. Packs are written here, so
// the expectations follow from them and the lines; one test runs the project's packs.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <sstream>

#include "vigil_process.h"

namespace vigil {
namespace {

using namespace vigil::test;
namespace json = boost::json;

constexpr const char* kKvPack = R"(pack: kvp
vendor: Acme
priority: 10
match:
  contains: ["devid="]
extract:
  - kv: {}
events:
  - name: traffic
    when: {type: traffic}
    class: 4001
    set: {activity_id: 6}
fields:
  src_endpoint.ip: srcip
  src_endpoint.port: srcport
  is_alert: alert
)";
constexpr const char* kOtherPack = "pack: other\npriority: 20\nmatch:\n  contains: [\"devid=\"]\n";

struct Fixture {
  TempDir tmp;
  fs::path parsers = tmp.path / "parsers";
  fs::path log = tmp.path / "in.log";
  Fixture() {
    write(parsers / "kvp.yaml", kKvPack);
    write(parsers / "other.yaml", kOtherPack);
  }
  VigilRun parse(std::vector<std::string> args) {
    std::vector<std::string> all = {"parse", "--parsers", parsers.string()};
    all.insert(all.end(), args.begin(), args.end());
    return vigil(all);
  }
};

std::vector<json::object> ndjson(const std::string& out) {
  std::vector<json::object> rows;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    json::value v = json::parse(line);
    EXPECT_TRUE(v.is_object()) << line;
    if (v.is_object()) rows.push_back(v.as_object());
  }
  return rows;
}

TEST(ParseCommand, NdjsonHasRawPackAndTypedValues) {
  Fixture f;
  const std::string line1 = "devid=FG1 type=traffic srcip=10.0.0.1 srcport=4444 alert=true note=\"a b\"";
  const std::string line2 = "<13>Nov 22 06:56:52 host app: hello";
  write(f.log, line1 + "\n" + line2 + "\n");
  VigilRun r = f.parse({f.log.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto rows = ndjson(r.out);
  ASSERT_EQ(rows.size(), 2u) << r.out;
  const json::object& a = rows[0];
  EXPECT_EQ(a.at("_raw").as_string(), line1);
  EXPECT_EQ(a.at("_pack").as_string(), "kvp");
  EXPECT_EQ(a.at("src_endpoint.ip").as_string(), "10.0.0.1");
  EXPECT_EQ(a.at("src_endpoint.port").as_int64(), 4444);  // a number, not text
  EXPECT_EQ(a.at("is_alert").as_bool(), true);
  EXPECT_EQ(a.at("class_uid").as_int64(), 4001);
  EXPECT_EQ(a.at("type_uid").as_int64(), 400106);
  EXPECT_EQ(a.at("unmapped.kvp.note").as_string(), "a b");
  EXPECT_EQ(a.at("metadata.product.vendor_name").as_string(), "Acme");
  EXPECT_FALSE(a.contains("_parse_error"));
  // A syslog line no pack takes: a Base Event with its header fields, not an error.
  const json::object& b = rows[1];
  EXPECT_EQ(b.at("_raw").as_string(), line2);
  EXPECT_EQ(b.at("_pack").as_string(), "");
  EXPECT_EQ(b.at("device.hostname").as_string(), "host");
  EXPECT_EQ(b.at("class_uid").as_int64(), 0);
  EXPECT_FALSE(b.contains("_parse_error"));
}

TEST(ParseCommand, AnUnparsedLineIsPrintedFlaggedAndExitsOne) {
  Fixture f;
  write(f.log, "devid=1 srcip=10.0.0.9\nnot a log line at all\n");
  VigilRun r = f.parse({f.log.string()});
  EXPECT_EQ(r.exit_code, 1);
  auto rows = ndjson(r.out);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].at("_raw").as_string(), "not a log line at all");
  EXPECT_TRUE(rows[1].contains("_parse_error"));
}

TEST(ParseCommand, TableFormat) {
  Fixture f;
  write(f.log, "devid=FG1 srcip=10.0.0.1 srcport=22\n");
  VigilRun r = f.parse({"--format", "table", f.log.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("line 1  pack kvp\n", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("  src_endpoint.ip "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" 10.0.0.1\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" 22\n"), std::string::npos) << r.out;
  VigilRun bad = f.parse({"--format", "xml", f.log.string()});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--format must be ndjson or table"), std::string::npos) << bad.err;
}

TEST(ParseCommand, ExplainGivesEveryPacksVerdict) {
  Fixture f;
  write(f.log, "devid=FG1 type=traffic srcip=10.0.0.1\nsomething else\n");
  VigilRun r = f.parse({"--explain", f.log.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::istringstream in(r.out);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  ASSERT_EQ(lines.size(), 6u) << r.out;
  EXPECT_EQ(lines[0].rfind("line 1: no syslog header", 0), 0u) << lines[0];
  EXPECT_NE(lines[1].find("kvp"), std::string::npos);
  EXPECT_NE(lines[1].find("MATCH  case 'traffic'"), std::string::npos) << lines[1];
  EXPECT_NE(lines[2].find("other"), std::string::npos);
  EXPECT_NE(lines[2].find("would match, but an earlier pack took the line"), std::string::npos) << lines[2];
  EXPECT_EQ(lines[3].rfind("line 2:", 0), 0u);
  EXPECT_NE(lines[4].find("no     message contains none of 'devid='"), std::string::npos) << lines[4];
}

TEST(ParseCommand, PackRestrictsAndAnUnknownPackIsAUsageError) {
  Fixture f;
  write(f.log, "devid=FG1 srcip=10.0.0.1\n");
  VigilRun only = f.parse({"--pack", "other", f.log.string()});
  EXPECT_EQ(only.exit_code, 0) << only.err;
  auto rows = ndjson(only.out);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].at("_pack").as_string(), "other");
  EXPECT_FALSE(rows[0].contains("src_endpoint.ip"));  // kvp's mapping did not run
  VigilRun r = f.parse({"--pack", "nosuch", f.log.string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(r.out.empty());
  EXPECT_NE(r.err.find("no pack named 'nosuch'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("(loaded: kvp, other)"), std::string::npos) << r.err;
}

TEST(ParseCommand, MissingFileOrNoPacksAreUsageErrors) {
  Fixture f;
  VigilRun r = f.parse({(f.tmp.path / "absent.log").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("absent.log: cannot open"), std::string::npos) << r.err;
  VigilRun none = vigil({"parse", "--parsers", (f.tmp.path / "nothing").string(), (f.tmp.path / "x").string()});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("no parser packs loaded"), std::string::npos) << none.err;
  VigilRun no_file = f.parse({});
  EXPECT_EQ(no_file.exit_code, 2);
}

TEST(ParseCommand, ARefusedPackIsReportedAndTheOthersRun) {
  Fixture f;
  write(f.parsers / "broken.yaml", "pack: broken\nmatch: {contains: [x]}\nfeilds: {}\n");
  write(f.log, "devid=FG1 srcip=10.0.0.1\n");
  VigilRun r = f.parse({f.log.string()});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.err.find("refused "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("broken.yaml:3: unknown key 'feilds'"), std::string::npos) << r.err;
  EXPECT_EQ(ndjson(r.out).at(0).at("_pack").as_string(), "kvp");
}

TEST(ParseCommand, StatsCountLinesPerPack) {
  Fixture f;
  write(f.log, "devid=1\ndevid=2\n\njunk\n");
  VigilRun r = f.parse({"--stats", f.log.string()});
  EXPECT_EQ(r.exit_code, 1);  // the junk line
  // The blank line is counted as a line but makes no event; the junk line is an event, flagged.
  EXPECT_NE(r.err.find("4 lines, 3 events, 1 parse errors"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("kvp"), std::string::npos);
  std::istringstream in(r.err);
  bool kvp_two = false;
  for (std::string l; std::getline(in, l);)
    if (l.find(" kvp ") != std::string::npos && l.find(" 2 lines") != std::string::npos) kvp_two = true;
  EXPECT_TRUE(kvp_two) << r.err;
}

TEST(ParseCommand, ProjectPacksByDefault) {
  TempDir tmp;
  write(tmp.path / "cef.log", "CEF:0|Acme|IDS|1.0|100|Port scan|7|src=10.0.0.1 dst=10.0.0.2 dpt=80 act=blocked\n");
  VigilRun r = vigil({"parse", (tmp.path / "cef.log").string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto rows = ndjson(r.out);
  ASSERT_EQ(rows.size(), 1u) << r.out;
  EXPECT_EQ(rows[0].at("_pack").as_string(), "cef");
  EXPECT_EQ(rows[0].at("dst_endpoint.port").as_int64(), 80);
}

}  // namespace
}  // namespace vigil
