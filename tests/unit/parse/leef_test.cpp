// LEEF 1.0 (tab-separated attributes) and 2.0 (a delimiter field: a character, its hex
// code, or empty for a tab), and the reasons a malformed record gives.
#include <gtest/gtest.h>

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
}

}  // namespace
}  // namespace vigil
