// Named patterns (%{IP:src}) in parser-pack regexes: expansion into RE2 groups, a
// pack's own patterns over the built-ins, and refusals of what cannot be expanded.
#include <gtest/gtest.h>

#include <re2/re2.h>

#include "normalize/grok.h"

namespace vigil {
namespace {

std::string expand(std::string_view regex, const PatternTable& extra = {}) {
  std::string out, error;
  EXPECT_TRUE(expand_patterns(regex, extra, out, error)) << error;
  return out;
}

std::string refusal(std::string_view regex, const PatternTable& extra = {}) {
  std::string out, error;
  EXPECT_FALSE(expand_patterns(regex, extra, out, error)) << out;
  return error;
}

// The text group `name` of `regex` (expanded) captures in `text`, or "<no match>".
std::string capture(std::string_view regex, std::string_view text, const std::string& name) {
  RE2 re(expand(regex));
  EXPECT_TRUE(re.ok()) << re.error();
  auto it = re.NamedCapturingGroups().find(name);
  if (it == re.NamedCapturingGroups().end()) return "<no group>";
  std::vector<re2::StringPiece> groups(re.NumberOfCapturingGroups() + 1);
  if (!re.Match(text, 0, text.size(), RE2::UNANCHORED, groups.data(), static_cast<int>(groups.size()))) return "<no match>";
  return std::string(groups[it->second]);
}

TEST(Grok, FieldBecomesANamedGroupAndPlainReferenceDoesNot) {
  EXPECT_EQ(expand("x %{PORT:p} y"), "x (?P<p>\\d{1,5}) y");
  EXPECT_EQ(expand("%{PORT}"), "(?:\\d{1,5})");
  EXPECT_EQ(expand("no patterns \\d+"), "no patterns \\d+");
  RE2 plain(expand("%{IP} %{SYSLOGTIMESTAMP}"));
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain.NumberOfCapturingGroups(), 0);
}

TEST(Grok, EveryBuiltinPatternCompiles) {
  for (const auto& [name, body] : builtin_patterns()) {
    RE2 re(expand("%{" + name + ":f}"));
    EXPECT_TRUE(re.ok()) << name << ": " << re.error();
    EXPECT_EQ(re.NumberOfCapturingGroups(), 1) << name;  // only the named field captures
  }
}

TEST(Grok, AddressesAndCommonForms) {
  EXPECT_EQ(capture("from %{IP:ip} port", "Accepted from 192.168.1.20 port 22", "ip"), "192.168.1.20");
  EXPECT_EQ(capture("from %{IP:ip} port", "Accepted from 2001:db8::1 port 22", "ip"), "2001:db8::1");
  EXPECT_EQ(capture("from %{IP:ip} port", "Accepted from ::ffff:10.0.0.1 port 22", "ip"), "::ffff:10.0.0.1");
  EXPECT_EQ(capture("^%{SYSLOGTIMESTAMP:ts} ", "Nov  2 06:56:52 host", "ts"), "Nov  2 06:56:52");
  EXPECT_EQ(capture("\\[%{HTTPDATE:ts}\\]", "[22/Nov/2026:06:56:52 +0100]", "ts"), "22/Nov/2026:06:56:52 +0100");
  EXPECT_EQ(capture("at %{TIMESTAMP_ISO8601:ts}$", "at 2026-11-22T06:56:52.5+01:00", "ts"), "2026-11-22T06:56:52.5+01:00");
  EXPECT_EQ(capture("msg=%{QS:m}", R"(msg="say \"hi\"" x)", "m"), R"("say \"hi\"")");
  EXPECT_EQ(capture("mac %{MAC:m}", "mac 00:1A:2b:3c:4D:5e", "m"), "00:1A:2b:3c:4D:5e");
  EXPECT_EQ(capture("GET %{URIPATH:p}%{URIPARAM:q}? ", "GET /a/b?x=1 HTTP/1.1", "q"), "?x=1");
  EXPECT_EQ(capture("\\[%{LOGLEVEL:l}\\]", "[warning] disk", "l"), "warning");
}

TEST(Grok, IpDoesNotTakeTimesOrMacs) {
  // A clock time or a MAC is not an IPv6 address: an unanchored %{IP} must find the address after it.
  EXPECT_EQ(capture("%{IP:ip}", "at 06:56:52 from 10.0.0.1", "ip"), "10.0.0.1");
  EXPECT_EQ(capture("%{IP:ip}", "mac 00:1a:2b:3c:4d:5e via 192.0.2.1", "ip"), "192.0.2.1");
  EXPECT_EQ(capture("%{IP:ip}", "peer fe80::1%eth0 up", "ip"), "fe80::1%eth0");
  EXPECT_EQ(capture("%{IP:ip}", "peer 2001:db8:0:0:0:0:0:1 up", "ip"), "2001:db8:0:0:0:0:0:1");
  EXPECT_EQ(capture("%{IP:ip}", "peer ::ffff:10.0.0.1 up", "ip"), "::ffff:10.0.0.1");
  EXPECT_EQ(capture("%{IP:ip}", "peer ::1 up", "ip"), "::1");
}

TEST(Grok, PackPatternsWinAndMayUseOthers) {
  PatternTable extra = {{"IP", "LOCAL"}, {"PAIR", "%{WORD:k}=%{INT:v}"}};
  EXPECT_EQ(expand("%{IP:a}", extra), "(?P<a>LOCAL)");
  RE2 re(expand("%{PAIR}", extra));
  ASSERT_TRUE(re.ok());
  std::string k, v;
  EXPECT_TRUE(RE2::PartialMatch("x count=-12 y", re, &k, &v));
  EXPECT_EQ(k, "count");
  EXPECT_EQ(v, "-12");
}

TEST(Grok, RefusesWhatCannotBeExpanded) {
  EXPECT_EQ(refusal("a %{NOPE:x}"), "unknown pattern %{NOPE}");
  EXPECT_NE(refusal("%{IP:src.ip}").find("field name 'src.ip'"), std::string::npos);
  EXPECT_NE(refusal("%{IP:1st}").find("field name '1st'"), std::string::npos);
  EXPECT_NE(refusal("%{IP:}").find("field name ''"), std::string::npos);
  EXPECT_NE(refusal("%{IP").find("without its '}'"), std::string::npos);
  EXPECT_NE(refusal("%{LOOP}", {{"LOOP", "a%{LOOP}"}}).find("deeper than 10"), std::string::npos);
  EXPECT_NE(refusal("%{A}", {{"A", "%{B}"}, {"B", "%{MISSING}"}}).find("%{MISSING}"), std::string::npos);
}

}  // namespace
}  // namespace vigil
