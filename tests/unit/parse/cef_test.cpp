// CEF: the seven header fields with \| and \\ escapes, extension values that hold
// spaces and escaped '=', and the reasons a malformed record gives.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "parse/cef.h"

namespace vigil {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

Pairs ext(const CefRecord& r) {
  Pairs p;
  for (const TextPair& t : r.extension) p.emplace_back(t.key, t.value);
  return p;
}

TEST(Cef, HeaderAndExtension) {
  Arena arena;
  CefRecord r;
  ASSERT_EQ(parse_cef(R"(CEF:0|Security|threat\|manager|1.0|100|worm \\ stopped|10|src=10.0.0.1 msg=two words act=blocked)", arena, r), "");
  EXPECT_EQ(r.version, 0);
  EXPECT_EQ(r.device_vendor, "Security");
  EXPECT_EQ(r.device_product, "threat|manager");
  EXPECT_EQ(r.device_version, "1.0");
  EXPECT_EQ(r.signature_id, "100");
  EXPECT_EQ(r.name, "worm \\ stopped");
  EXPECT_EQ(r.severity, "10");
  EXPECT_EQ(ext(r), (Pairs{{"src", "10.0.0.1"}, {"msg", "two words"}, {"act", "blocked"}}));
}

TEST(Cef, ExtensionEscapes) {
  Arena arena;
  CefRecord r;
  ASSERT_EQ(parse_cef(R"(CEF:1|V|P|1|id|n|5|msg=a\=b c\\d\nline2 request=http://x/?a=1 cs1Label=my label)", arena, r), "");
  EXPECT_EQ(r.version, 1);
  EXPECT_EQ(ext(r), (Pairs{{"msg", "a=b c\\d\nline2"}, {"request", "http://x/?a=1"}, {"cs1Label", "my label"}}));
}

TEST(Cef, EmptyExtensionAndTrailingNewline) {
  Arena arena;
  CefRecord r;
  ASSERT_EQ(parse_cef("CEF:0|V|P|1|id|n|5|", arena, r), "");
  EXPECT_TRUE(r.extension.empty());
  ASSERT_EQ(parse_cef("CEF:0|V|P|1|id|n|5|a=1\r\n", arena, r), "");
  EXPECT_EQ(ext(r), (Pairs{{"a", "1"}}));
}

TEST(Cef, MalformedRecordsAreRefusedWithAReason) {
  Arena arena;
  CefRecord r;
  EXPECT_EQ(parse_cef("LEEF:1.0|a|b|c|d|", arena, r), "missing CEF: prefix");
  EXPECT_EQ(parse_cef("CEF:0|V|P|1|id|n", arena, r), "CEF header has fewer than 7 fields");
  EXPECT_EQ(parse_cef("CEF:0|V|P|1|id|n|5\\|", arena, r), "CEF header has fewer than 7 fields");
  EXPECT_EQ(parse_cef("CEF:x|V|P|1|id|n|5|", arena, r), "CEF version is not a number");
  EXPECT_EQ(parse_cef("CEF:", arena, r), "CEF header has fewer than 7 fields");
}

}  // namespace
}  // namespace vigil
