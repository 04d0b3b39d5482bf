// LEEF 1.0 (tab-separated attributes) and 2.0 (a delimiter field: a character, its hex
// code, or empty for a tab), the reasons a malformed record gives, and real Panda
// Adaptive Defense lines from the Wazuh ruleset tests (skipped without ../shared/corpus).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "parse/leef.h"

namespace vigil {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

Pairs attrs(const LeefRecord& r) {
  Pairs p;
  for (const TextPair& t : r.attributes) p.emplace_back(t.key, t.value);
  return p;
}

TEST(Leef, Version1WithTabs) {
  Arena arena;
  LeefRecord r;
  ASSERT_EQ(parse_leef("LEEF:1.0|IBM|QRadar|7.0|Login|src=10.0.0.1\tusrName=joe smith\tnoequals\t=nokey\r\n", arena, r), "");
  EXPECT_EQ(r.major, 1);
  EXPECT_EQ(r.minor, 0);
  EXPECT_EQ(r.vendor, "IBM");
  EXPECT_EQ(r.product, "QRadar");
  EXPECT_EQ(r.version, "7.0");
  EXPECT_EQ(r.event_id, "Login");
  EXPECT_EQ(r.delimiter, '\t');
  EXPECT_EQ(attrs(r), (Pairs{{"src", "10.0.0.1"}, {"usrName", "joe smith"}}));
}

TEST(Leef, Version2Delimiters) {
  Arena arena;
  LeefRecord r;
  ASSERT_EQ(parse_leef("LEEF:2.0|Lancope|StealthWatch|1.0|41|^|src=10.0.1.8^dst=10.0.0.5^a=b=c", arena, r), "");
  EXPECT_EQ(r.major, 2);
  EXPECT_EQ(r.delimiter, '^');
  EXPECT_EQ(attrs(r), (Pairs{{"src", "10.0.1.8"}, {"dst", "10.0.0.5"}, {"a", "b=c"}}));
  ASSERT_EQ(parse_leef("LEEF:2.0|V|P|1|id|x7C|a=1|b=2", arena, r), "");
  EXPECT_EQ(r.delimiter, '|');
  EXPECT_EQ(attrs(r), (Pairs{{"a", "1"}, {"b", "2"}}));
  ASSERT_EQ(parse_leef("LEEF:2.0|V|P|1|id|0x5e|a=1^b=2", arena, r), "");
  EXPECT_EQ(r.delimiter, '^');
  ASSERT_EQ(parse_leef("LEEF:2.0|V|P|1|id||a=1\tb=2", arena, r), "");
  EXPECT_EQ(r.delimiter, '\t');
  EXPECT_EQ(attrs(r), (Pairs{{"a", "1"}, {"b", "2"}}));
}

TEST(Leef, MalformedRecordsAreRefusedWithAReason) {
  Arena arena;
  LeefRecord r;
  EXPECT_EQ(parse_leef("CEF:0|a|b", arena, r), "missing LEEF: prefix");
  EXPECT_EQ(parse_leef("LEEF:1.0|V|P|1", arena, r), "LEEF header has too few fields");
  EXPECT_EQ(parse_leef("LEEF:2.0|V|P|1|id|", arena, r), "LEEF header has too few fields");
  EXPECT_EQ(parse_leef("LEEF:x|V|P|1|id|", arena, r), "LEEF version is not a number");
  EXPECT_EQ(parse_leef("LEEF:2.0|V|P|1|id|xZZ|a=1", arena, r), "LEEF 2.0 delimiter is unreadable");
  EXPECT_EQ(parse_leef("LEEF:2.0|V|P|1|id|x00|a=1", arena, r), "LEEF 2.0 delimiter is unreadable");
  EXPECT_EQ(parse_leef("LEEF:2.0|V|P|1|id|x123|a=1", arena, r), "LEEF 2.0 delimiter is unreadable");
  EXPECT_EQ(parse_leef(std::string_view("LEEF:2.0|V|P|1|id|\0|a=1", 23), arena, r), "LEEF 2.0 delimiter is unreadable");
  EXPECT_TRUE(r.attributes.empty());
}

TEST(Leef, MoreDelimiterSpellingsAndEmptyValues) {
  Arena arena;
  LeefRecord r;
  ASSERT_EQ(parse_leef("LEEF:2.0|V|P|1|id|\\t|a=1\tb=", arena, r), "");  // the two characters '\' 't'
  EXPECT_EQ(r.delimiter, '\t');
  EXPECT_EQ(attrs(r), (Pairs{{"a", "1"}, {"b", ""}}));
  ASSERT_EQ(parse_leef("LEEF:2.0|V|P|1|id|x09|a=1\tb=2\t", arena, r), "");  // a trailing delimiter
  EXPECT_EQ(r.delimiter, '\t');
  EXPECT_EQ(attrs(r), (Pairs{{"a", "1"}, {"b", "2"}}));
  ASSERT_EQ(parse_leef("LEEF:2.0|V|P|1|id|\\x3b|a=1;b=2", arena, r), "");
  EXPECT_EQ(r.delimiter, ';');
  EXPECT_EQ(attrs(r), (Pairs{{"a", "1"}, {"b", "2"}}));
  // LEEF 1.0 has no delimiter field: the sixth field is the first attribute.
  ASSERT_EQ(parse_leef("LEEF:1.0|V|P|1|id|^|a=1", arena, r), "");
  EXPECT_EQ(r.delimiter, '\t');
  EXPECT_EQ(attrs(r), (Pairs{{"^|a", "1"}}));
  // The record is cleared on every call.
  ASSERT_EQ(parse_leef("LEEF:1.0|V|P|1|id|", arena, r), "");
  EXPECT_TRUE(r.attributes.empty());
}

const std::filesystem::path kWazuh = std::filesystem::path(VIGIL_CORPUS_DIR) / "wazuh-ruleset-tests";

TEST(LeefCorpus, PandaAdaptiveDefense) {
  const std::filesystem::path file = kWazuh / "panda_paps.ini";
  if (!std::filesystem::exists(file)) GTEST_SKIP() << "corpus file absent: " << file;
  std::ifstream in(file, std::ios::binary);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    size_t at = line.find("LEEF:");
    if (line.starts_with("log ") && at != std::string::npos) lines.push_back(line.substr(at));
  }
  ASSERT_GE(lines.size(), 3u);
  Arena arena;
  LeefRecord r;
  for (const std::string& line : lines) {
    ASSERT_EQ(parse_leef(line, arena, r), "") << line;
    EXPECT_EQ(r.vendor, "Panda Security");
    EXPECT_EQ(r.product, "paps");
    EXPECT_EQ(r.version, "02.47.00.0000");
    ASSERT_FALSE(r.attributes.empty());
    EXPECT_EQ(r.attributes.front().key, "sev");
  }
  // The first registry line: values with spaces, an empty value, and '|' inside values.
  ASSERT_EQ(parse_leef(lines[0], arena, r), "");
  EXPECT_EQ(r.event_id, "registrym");
  const Pairs a = attrs(r);
  auto value = [&](const std::string& key) {
    for (const auto& [k, v] : a)
      if (k == key) return v;
    return std::string("<missing>");
  };
  EXPECT_EQ(value("sev"), "1");
  EXPECT_EQ(value("devTime"), "2019-05-09 22:03:58.692466");
  EXPECT_EQ(value("domain"), "NT AUTHORITY");
  EXPECT_EQ(value("src"), "192.168.0.8");
  EXPECT_EQ(value("MWName"), "");
  EXPECT_EQ(value("Path"), R"(PROGRAM_FILES_COMMONX86|\Quest\Privilege Manager\Client\CSEHost.exe)");
  EXPECT_EQ(a.back().first, "RegKey");
}

}  // namespace
}  // namespace vigil
