// Hand-written cases for parse_syslog(): every header variant it claims to read, with
// the exact fields expected, and the structured-data helpers.
#include "parse/syslog.h"

#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

namespace vigil {
namespace {

TimeNs at(const char* rfc3339) { return *parse_rfc3339(rfc3339); }

SyslogParseOptions received(const char* rfc3339, int32_t offset_s = 0) {
  SyslogParseOptions o;
  o.receive_time = at(rfc3339);
  o.default_utc_offset_s = offset_s;
  return o;
}

const SyslogParseOptions kNov2026 = received("2026-11-22T12:00:00Z");

bool inside(std::string_view part, std::string_view line) {
  return part.empty() || (part.data() >= line.data() && part.data() + part.size() <= line.data() + line.size());
}

void expect_views_inside(const SyslogMessage& m, std::string_view line) {
  for (std::string_view v : {m.timestamp_text, m.hostname, m.app_name, m.proc_id, m.msg_id, m.tag,
                             m.structured_data, m.msg})
    EXPECT_TRUE(inside(v, line)) << "view \"" << v << "\" is not inside the line";
}

// ---- RFC 3164 ----

TEST(Syslog3164, RfcExample) {
  std::string_view line = "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8";
  auto m = parse_syslog(line, kNov2026);
  EXPECT_EQ(m.format, SyslogFormat::Rfc3164);
  EXPECT_EQ(m.error, "");
  EXPECT_EQ(m.pri, 34);
  EXPECT_EQ(m.facility, 4);
  EXPECT_EQ(m.severity, 2);
  ASSERT_TRUE(m.time);
  EXPECT_EQ(*m.time, at("2026-10-11T22:14:15Z"));
  EXPECT_EQ(m.timestamp_text, "Oct 11 22:14:15");
  EXPECT_EQ(m.hostname, "mymachine");
  EXPECT_EQ(m.tag, "su:");
  EXPECT_EQ(m.app_name, "su");
  EXPECT_EQ(m.proc_id, "");
  EXPECT_EQ(m.msg_id, "");
  EXPECT_EQ(m.structured_data, "");
  EXPECT_EQ(m.msg, "'su root' failed for lonvick on /dev/pts/8");
  EXPECT_FALSE(m.has_bom);
  expect_views_inside(m, line);
}

TEST(Syslog3164, TagWithPid) {
  auto m = parse_syslog("<38>Mar 27 19:06:53 source_server sshd(pam_unix)[12750]: session opened", kNov2026);
  EXPECT_EQ(m.hostname, "source_server");
  EXPECT_EQ(m.tag, "sshd(pam_unix)[12750]:");
  EXPECT_EQ(m.app_name, "sshd(pam_unix)");
  EXPECT_EQ(m.proc_id, "12750");
  EXPECT_EQ(m.msg, "session opened");
}

TEST(Syslog3164, SingleDigitDays) {
  for (const char* line : {"<13>Nov  2 06:56:52 host app: x", "<13>Nov 2 06:56:52 host app: x",
                           "<13>Nov 02 06:56:52 host app: x", "<13> Nov  2 06:56:52 host app: x"}) {
    auto m = parse_syslog(line, kNov2026);
    ASSERT_TRUE(m.time) << line;
    EXPECT_EQ(*m.time, at("2026-11-02T06:56:52Z")) << line;
    EXPECT_EQ(m.hostname, "host") << line;
    EXPECT_EQ(m.app_name, "app") << line;
    EXPECT_EQ(m.msg, "x") << line;
  }
  EXPECT_EQ(parse_syslog("<13>Nov  2 06:56:52 host app: x", kNov2026).timestamp_text, "Nov  2 06:56:52");
}

TEST(Syslog3164, MonthNamesInAnyCase) {
  auto m = parse_syslog("<6>AUG 10 22:18:24 host tag: x", kNov2026);
  ASSERT_TRUE(m.time);
  EXPECT_EQ(*m.time, at("2026-08-10T22:18:24Z"));
}

TEST(Syslog3164, YearRollover) {
  // Received just after midnight on New Year: yesterday's line is last year's.
  auto m = parse_syslog("<13>Dec 31 23:59:59 h a: x", received("2027-01-01T00:00:10Z"));
  ASSERT_TRUE(m.time);
  EXPECT_EQ(*m.time, at("2026-12-31T23:59:59Z"));
  // A sender whose clock runs a little ahead, across New Year.
  m = parse_syslog("<13>Jan  1 00:00:05 h a: x", received("2026-12-31T23:59:00Z"));
  ASSERT_TRUE(m.time);
  EXPECT_EQ(*m.time, at("2027-01-01T00:00:05Z"));
  // A few days in the future is tolerated; more means last year.
  m = parse_syslog("<13>Nov 24 06:00:00 h a: x", kNov2026);
  EXPECT_EQ(*m.time, at("2026-11-24T06:00:00Z"));
  m = parse_syslog("<13>Dec 15 06:00:00 h a: x", kNov2026);
  EXPECT_EQ(*m.time, at("2025-12-15T06:00:00Z"));
  // Feb 29 only exists in leap years.
  m = parse_syslog("<13>Feb 29 10:00:00 h a: x", received("2026-03-01T00:00:00Z"));
  ASSERT_TRUE(m.time);
  EXPECT_EQ(*m.time, at("2024-02-29T10:00:00Z"));
}

TEST(Syslog3164, NoReceiveTimeMeansNow) {
  auto m = parse_syslog("<13>Jan  1 00:00:00 h a: x", SyslogParseOptions{});
  ASSERT_TRUE(m.time);
  EXPECT_GT(*m.time, now_ns() - 367 * 86400 * kNsPerSec);
  EXPECT_LT(*m.time, now_ns() + 8 * 86400 * kNsPerSec);
}

TEST(Syslog3164, DefaultUtcOffset) {
  // A zone-less time is the sender's wall clock; +01:00 means 06:56:52 local is 05:56:52 UTC.
  auto m = parse_syslog("<13>Nov 22 06:56:52 h a: x", received("2026-11-22T12:00:00Z", 3600));
  ASSERT_TRUE(m.time);
  EXPECT_EQ(*m.time, at("2026-11-22T05:56:52Z"));
}

TEST(Syslog3164, YearBeforeTimeCiscoAsa) {
  std::string_view line = "<166>Nov 22 2026 06:56:52: %ASA-4-106023: Deny tcp src outside:10.0.0.1/4444";
  auto m = parse_syslog(line, received("2030-01-01T00:00:00Z"));
  EXPECT_EQ(m.format, SyslogFormat::Rfc3164);
  ASSERT_TRUE(m.time);
  EXPECT_EQ(*m.time, at("2026-11-22T06:56:52Z"));
  EXPECT_EQ(m.timestamp_text, "Nov 22 2026 06:56:52");
  EXPECT_EQ(m.hostname, "");
  EXPECT_EQ(m.tag, "%ASA-4-106023:");
  EXPECT_EQ(m.app_name, "%ASA-4-106023");
  EXPECT_EQ(m.msg, "Deny tcp src outside:10.0.0.1/4444");
  expect_views_inside(m, line);
}

TEST(Syslog3164, CiscoAsaWithDeviceId) {
  auto m = parse_syslog("<166>Nov 22 2026 06:56:52 fw01 : %ASA-6-302013: Built inbound", kNov2026);
  EXPECT_EQ(m.hostname, "fw01");
  EXPECT_EQ(m.tag, "%ASA-6-302013:");
  EXPECT_EQ(m.msg, "Built inbound");
}

TEST(Syslog3164, YearAfterTime) {
  // rsyslog reads "2009" as the hostname here; we read it as the year (see the corpus test).
  auto m = parse_syslog("<6>AUG 10 22:18:24 2009  netips-warden2-p [audit] user=[*SMS]", kNov2026);
  ASSERT_TRUE(m.time);
  EXPECT_EQ(*m.time, at("2009-08-10T22:18:24Z"));
  EXPECT_EQ(m.timestamp_text, "AUG 10 22:18:24 2009");
  EXPECT_EQ(m.hostname, "netips-warden2-p");
  EXPECT_EQ(m.tag, "[audit]");
  EXPECT_EQ(m.app_name, "[audit]");
  EXPECT_EQ(m.msg, "user=[*SMS]");
}

TEST(Syslog3164, ColonAfterTimestamp) {
  auto m = parse_syslog("<38>Mar 7 19:06:53: example tag: testmessage", kNov2026);
  EXPECT_EQ(m.timestamp_text, "Mar 7 19:06:53");
  EXPECT_EQ(m.hostname, "example");
  EXPECT_EQ(m.tag, "tag:");
  EXPECT_EQ(m.msg, "testmessage");
}

TEST(Syslog3164, CiscoIosSequenceNumberAndFraction) {
  auto m = parse_syslog("<189>123: *Mar  1 00:00:00.123: %SYS-5-CONFIG_I: Configured from console by vty0",
                        received("2026-03-02T00:00:00Z"));
  EXPECT_EQ(m.format, SyslogFormat::Rfc3164);
  ASSERT_TRUE(m.time);
  EXPECT_EQ(*m.time, at("2026-03-01T00:00:00.123Z"));
  EXPECT_EQ(m.timestamp_text, "Mar  1 00:00:00.123");
  EXPECT_EQ(m.hostname, "");
  EXPECT_EQ(m.tag, "%SYS-5-CONFIG_I:");
  EXPECT_EQ(m.msg, "Configured from console by vty0");
}

TEST(Syslog3164, IsoTimestamp) {
  std::string_view line = "<13>2026-11-22T06:56:52.123456+01:00 host app[7]: hi";
  auto m = parse_syslog(line, kNov2026);
  EXPECT_EQ(m.format, SyslogFormat::Rfc3164);
  ASSERT_TRUE(m.time);
  EXPECT_EQ(*m.time, at("2026-11-22T05:56:52.123456Z"));
  EXPECT_EQ(m.timestamp_text, "2026-11-22T06:56:52.123456+01:00");
  EXPECT_EQ(m.hostname, "host");
  EXPECT_EQ(m.app_name, "app");
  EXPECT_EQ(m.proc_id, "7");
  EXPECT_EQ(m.msg, "hi");
  // Without a zone the default offset applies.
  m = parse_syslog("<13>2026-11-22T06:56:52 host app: hi", received("2026-11-22T12:00:00Z", -3600));
  ASSERT_TRUE(m.time);
  EXPECT_EQ(*m.time, at("2026-11-22T07:56:52Z"));
  // "+0100" and "Z" forms.
  m = parse_syslog("<13>2026-11-22T06:56:52+0100 host app: hi", kNov2026);
  EXPECT_EQ(*m.time, at("2026-11-22T05:56:52Z"));
  m = parse_syslog("<13>2026-11-22T06:56:52Z host app: hi", kNov2026);
  EXPECT_EQ(*m.time, at("2026-11-22T06:56:52Z"));
}

TEST(Syslog3164, MissingHostname) {
  auto m = parse_syslog("<13>Nov 22 06:56:52 sshd[12]: msg", kNov2026);
  EXPECT_EQ(m.hostname, "");
  EXPECT_EQ(m.tag, "sshd[12]:");
  EXPECT_EQ(m.app_name, "sshd");
  EXPECT_EQ(m.proc_id, "12");
  EXPECT_EQ(m.msg, "msg");
  m = parse_syslog("<13>Nov 22 06:56:52 kernel: [  0.000000] Linux version", kNov2026);
  EXPECT_EQ(m.hostname, "");
  EXPECT_EQ(m.app_name, "kernel");
  EXPECT_EQ(m.msg, "[  0.000000] Linux version");
}

TEST(Syslog3164, HostnameForms) {
  auto m = parse_syslog("<13>Nov 22 06:56:52 fe80::1 app: x", kNov2026);
  EXPECT_EQ(m.hostname, "fe80::1");
  EXPECT_EQ(m.app_name, "app");
  m = parse_syslog("<13>Nov 22 06:56:52 10.0.0.5 app: x", kNov2026);
  EXPECT_EQ(m.hostname, "10.0.0.5");
  m = parse_syslog("<13>Nov 22 06:56:52 web-01.example.com app: x", kNov2026);
  EXPECT_EQ(m.hostname, "web-01.example.com");
  // A tag glued to its message is not an IPv6 address.
  m = parse_syslog("<13>Nov 22 06:56:52 app:x", kNov2026);
  EXPECT_EQ(m.hostname, "");
  EXPECT_EQ(m.tag, "app:");
  EXPECT_EQ(m.msg, "x");
}

TEST(Syslog3164, TagWithoutColon) {
  // As rsyslog: the first word after the hostname is the tag even without ':'.
  auto m = parse_syslog("<6>Feb 18 16:01:59 serverX -- MARK --", kNov2026);
  EXPECT_EQ(m.hostname, "serverX");
  EXPECT_EQ(m.tag, "--");
  EXPECT_EQ(m.app_name, "--");
  EXPECT_EQ(m.msg, "MARK --");
  m = parse_syslog("<6>Feb 18 16:01:59 host tag This msg contains: colons later", kNov2026);
  EXPECT_EQ(m.tag, "tag");
  EXPECT_EQ(m.msg, "This msg contains: colons later");
}

TEST(Syslog3164, MultiWordProgramNames) {
  auto m = parse_syslog("Jul  4 23:22:09 host Microsoft Word[14463]: Cocoa scripting error", kNov2026);
  EXPECT_EQ(m.hostname, "host");
  EXPECT_EQ(m.tag, "Microsoft Word[14463]:");
  EXPECT_EQ(m.app_name, "Microsoft Word");
  EXPECT_EQ(m.proc_id, "14463");
  EXPECT_EQ(m.msg, "Cocoa scripting error");
  m = parse_syslog("Jun 19 04:09:11 combo syslogd 1.4.1: restart.", kNov2026);
  EXPECT_EQ(m.app_name, "syslogd 1.4.1");
  EXPECT_EQ(m.proc_id, "");
  EXPECT_EQ(m.msg, "restart.");
  // macOS ASL: "sender[pid] (subsystem): msg".
  m = parse_syslog("Jul  1 09:29:02 mac sandboxd[129] ([31211]): deny network-outbound", kNov2026);
  EXPECT_EQ(m.tag, "sandboxd[129] ([31211]):");
  EXPECT_EQ(m.app_name, "sandboxd");
  EXPECT_EQ(m.proc_id, "129");
  EXPECT_EQ(m.msg, "deny network-outbound");
}

TEST(Syslog3164, NoPri) {
  std::string_view line = "Nov 22 06:56:52 host sshd[1]: x";
  auto m = parse_syslog(line, kNov2026);
  EXPECT_EQ(m.format, SyslogFormat::Rfc3164);
  EXPECT_EQ(m.error, "");
  EXPECT_EQ(m.pri, -1);
  EXPECT_EQ(m.facility, -1);
  EXPECT_EQ(m.severity, -1);
  ASSERT_TRUE(m.time);
  EXPECT_EQ(*m.time, at("2026-11-22T06:56:52Z"));
  EXPECT_EQ(m.hostname, "host");
  EXPECT_EQ(m.app_name, "sshd");
  EXPECT_EQ(m.proc_id, "1");
  EXPECT_EQ(m.msg, "x");
}

TEST(Syslog3164, PriWithoutTimestamp) {
  auto m = parse_syslog("<13>myapp[5]: hello", kNov2026);
  EXPECT_EQ(m.format, SyslogFormat::Rfc3164);
  EXPECT_EQ(m.error, "");
  EXPECT_EQ(m.pri, 13);
  EXPECT_FALSE(m.time);
  EXPECT_EQ(m.timestamp_text, "");
  EXPECT_EQ(m.app_name, "myapp");
  EXPECT_EQ(m.proc_id, "5");
  EXPECT_EQ(m.msg, "hello");
  m = parse_syslog("<13>just some text", kNov2026);
  EXPECT_EQ(m.format, SyslogFormat::Rfc3164);
  EXPECT_EQ(m.tag, "");
  EXPECT_EQ(m.msg, "just some text");
  // An impossible date is no timestamp: the text stays in msg.
  m = parse_syslog("<13>Feb 30 06:56:52 host app: x", kNov2026);
  EXPECT_FALSE(m.time);
  EXPECT_EQ(m.msg, "Feb 30 06:56:52 host app: x");
}

TEST(Syslog3164, HeaderOnly) {
  auto m = parse_syslog("<14>Aug 30 23:00:05", kNov2026);
  EXPECT_EQ(m.format, SyslogFormat::Rfc3164);
  EXPECT_TRUE(m.time);
  EXPECT_EQ(m.hostname, "");
  EXPECT_EQ(m.tag, "");
  EXPECT_EQ(m.msg, "");
  m = parse_syslog("<14>Aug 30 23:00:05 X4711 ", kNov2026);
  EXPECT_EQ(m.hostname, "X4711");
  EXPECT_EQ(m.tag, "");
  EXPECT_EQ(m.msg, "");
}

TEST(Syslog3164, TrailingNewlineIsFraming) {
  auto m = parse_syslog("<13>Nov 22 06:56:52 host app: x\r\n", kNov2026);
  EXPECT_EQ(m.msg, "x");
}

// ---- unparseable ----

TEST(SyslogErrors, UnreadableLinesKeepEverything) {
  for (std::string_view line : {std::string_view("hello world"), std::string_view("<999>Nov 22 06:56:52 h a: x"),
                                std::string_view("<13"), std::string_view("<>x"), std::string_view("<abc>"),
                                std::string_view("Nov 22 25:61:00 host x")}) {
    auto m = parse_syslog(line, kNov2026);
    EXPECT_EQ(m.format, SyslogFormat::Unknown) << line;
    EXPECT_NE(m.error, "") << line;
    EXPECT_EQ(m.msg, line);
    EXPECT_EQ(m.msg.data(), line.data());
    EXPECT_EQ(m.pri, -1) << line;
    EXPECT_FALSE(m.time) << line;
  }
  auto m = parse_syslog("", kNov2026);
  EXPECT_EQ(m.format, SyslogFormat::Unknown);
  EXPECT_NE(m.error, "");
}

// ---- RFC 5424 ----

TEST(Syslog5424, RfcExampleWithSdAndBom) {
  std::string line =
      "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 "
      "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"] "
      "\xEF\xBB\xBF"
      "An application event log entry...";
  auto m = parse_syslog(line, kNov2026);
  EXPECT_EQ(m.format, SyslogFormat::Rfc5424);
  EXPECT_EQ(m.error, "");
  EXPECT_EQ(m.pri, 165);
  EXPECT_EQ(m.facility, 20);
  EXPECT_EQ(m.severity, 5);
  ASSERT_TRUE(m.time);
  EXPECT_EQ(*m.time, at("2003-10-11T22:14:15.003Z"));
  EXPECT_EQ(m.timestamp_text, "2003-10-11T22:14:15.003Z");
  EXPECT_EQ(m.hostname, "mymachine.example.com");
  EXPECT_EQ(m.app_name, "evntslog");
  EXPECT_EQ(m.proc_id, "");
  EXPECT_EQ(m.msg_id, "ID47");
  EXPECT_EQ(m.tag, "");
  EXPECT_EQ(m.structured_data,
            "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"]");
  EXPECT_TRUE(m.has_bom);
  EXPECT_EQ(m.msg, "An application event log entry...");
  expect_views_inside(m, line);
}

TEST(Syslog5424, OffsetsAndFractions) {
  auto m = parse_syslog("<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time",
                        kNov2026);
  EXPECT_EQ(m.format, SyslogFormat::Rfc5424);
  ASSERT_TRUE(m.time);
  EXPECT_EQ(*m.time, at("2003-08-24T12:14:15.000003Z"));
  EXPECT_EQ(m.hostname, "192.0.2.1");
  EXPECT_EQ(m.app_name, "myproc");
  EXPECT_EQ(m.proc_id, "8710");
  EXPECT_EQ(m.msg_id, "");
  EXPECT_EQ(m.structured_data, "");
  EXPECT_FALSE(m.has_bom);
  EXPECT_EQ(m.msg, "%% It's time");
  m = parse_syslog("<13>1 2026-11-22T06:56:52.123456789+05:30 h a - - - x", kNov2026);
  EXPECT_EQ(*m.time, at("2026-11-22T01:26:52.123456789Z"));
}

TEST(Syslog5424, AllNil) {
  auto m = parse_syslog("<34>1 - - - - - -", kNov2026);
  EXPECT_EQ(m.format, SyslogFormat::Rfc5424);
  EXPECT_EQ(m.error, "");
  EXPECT_FALSE(m.time);
  EXPECT_EQ(m.timestamp_text, "");
  EXPECT_EQ(m.hostname, "");
  EXPECT_EQ(m.app_name, "");
  EXPECT_EQ(m.proc_id, "");
  EXPECT_EQ(m.msg_id, "");
  EXPECT_EQ(m.structured_data, "");
  EXPECT_EQ(m.msg, "");
  m = parse_syslog("<34>1 - - - - - - just text", kNov2026);
  EXPECT_EQ(m.msg, "just text");
}

TEST(Syslog5424, BadTimestampKeepsText) {
  auto m = parse_syslog("<13>1 2026-13-22T06:56:52Z h a - - - x", kNov2026);
  EXPECT_EQ(m.format, SyslogFormat::Rfc5424);
  EXPECT_FALSE(m.time);
  EXPECT_EQ(m.timestamp_text, "2026-13-22T06:56:52Z");
  EXPECT_EQ(m.hostname, "h");
  EXPECT_EQ(m.msg, "x");
}

TEST(Syslog5424, MultipleSdElementsNoMsg) {
  auto m = parse_syslog(
      "<165>1 2003-10-11T22:14:15.003Z host app - ID47 [a@1 x=\"1\"][b@1 y=\"2\" z=\"3\"]", kNov2026);
  EXPECT_EQ(m.structured_data, "[a@1 x=\"1\"][b@1 y=\"2\" z=\"3\"]");
  EXPECT_EQ(m.msg, "");
}

TEST(Syslog5424, SdWithEscapes) {
  std::string line = "<13>1 2026-11-22T06:56:52Z h a - - [ex@1 q=\"say \\\"hi\\\"\" e=\"a\\]b\"] msg";
  auto m = parse_syslog(line, kNov2026);
  EXPECT_EQ(m.structured_data, "[ex@1 q=\"say \\\"hi\\\"\" e=\"a\\]b\"]");
  EXPECT_EQ(m.msg, "msg");
}

TEST(Syslog5424, MalformedSdStaysInMsg) {
  auto m = parse_syslog("<13>1 2026-11-22T06:56:52Z h a p m [broken msg", kNov2026);
  EXPECT_EQ(m.format, SyslogFormat::Rfc5424);
  EXPECT_EQ(m.error, "");
  EXPECT_EQ(m.structured_data, "");
  EXPECT_EQ(m.msg, "[broken msg");
}

TEST(Syslog5424, WithoutPri) {
  auto m = parse_syslog("1 2026-11-22T06:56:52Z host app 42 - - x", kNov2026);
  EXPECT_EQ(m.format, SyslogFormat::Rfc5424);
  EXPECT_EQ(m.pri, -1);
  EXPECT_EQ(m.hostname, "host");
  EXPECT_EQ(m.proc_id, "42");
  EXPECT_EQ(m.msg, "x");
}

// ---- structured data helpers ----

using Params = std::vector<std::tuple<std::string, std::string, std::string>>;

Params collect(std::string_view sd, bool& ok) {
  Params out;
  ok = for_each_sd_param(sd, [&](std::string_view id, std::string_view name, std::string_view v) {
    out.emplace_back(std::string(id), std::string(name), std::string(v));
  });
  return out;
}

std::string unescape(std::string_view raw) {
  std::string out(raw.size(), '\0');
  out.resize(unescape_sd_value(raw, out.data()));
  return out;
}

TEST(SyslogSd, ForEachParam) {
  bool ok;
  auto p = collect("[exampleSDID@32473 iut=\"3\" eventSource=\"Application\"][examplePriority@32473 class=\"high\"]",
                   ok);
  EXPECT_TRUE(ok);
  EXPECT_EQ(p, (Params{{"exampleSDID@32473", "iut", "3"},
                       {"exampleSDID@32473", "eventSource", "Application"},
                       {"examplePriority@32473", "class", "high"}}));
  p = collect("[origin]", ok);
  EXPECT_TRUE(ok);
  EXPECT_TRUE(p.empty());
  p = collect("", ok);
  EXPECT_TRUE(ok);
  EXPECT_TRUE(p.empty());
  // Raw values keep their escapes; the ']' and '"' inside do not end anything.
  p = collect("[ex@1 a=\"x\\\"y]\" b=\"back\\\\slash\" c=\"br\\]ack\"]", ok);
  EXPECT_TRUE(ok);
  EXPECT_EQ(p, (Params{{"ex@1", "a", "x\\\"y]"}, {"ex@1", "b", "back\\\\slash"}, {"ex@1", "c", "br\\]ack"}}));
  // Lenient: a space after '=' as in rsyslog's copy of the RFC example.
  p = collect("[ex@1 eventSource= \"Application\"]", ok);
  EXPECT_TRUE(ok);
  EXPECT_EQ(p, (Params{{"ex@1", "eventSource", "Application"}}));
}

TEST(SyslogSd, MalformedReportsWhatCameBefore) {
  bool ok;
  auto p = collect("[ex@1 a=\"1\" b=2]", ok);
  EXPECT_FALSE(ok);
  EXPECT_EQ(p, (Params{{"ex@1", "a", "1"}}));
  collect("[ex@1 a=\"unterminated", ok);
  EXPECT_FALSE(ok);
  collect("[ex@1 a=\"1\"] trailing", ok);
  EXPECT_FALSE(ok);
  collect("[]", ok);
  EXPECT_FALSE(ok);
  collect("no brackets", ok);
  EXPECT_FALSE(ok);
}

TEST(SyslogSd, Unescape) {
  EXPECT_EQ(unescape("x\\\"y"), "x\"y");
  EXPECT_EQ(unescape("back\\\\slash"), "back\\slash");
  EXPECT_EQ(unescape("br\\]ack"), "br]ack");
  // Only \" \\ \] are escapes (RFC 5424 6.3.3); other backslashes are kept.
  EXPECT_EQ(unescape("C:\\temp\\n"), "C:\\temp\\n");
  EXPECT_EQ(unescape("trailing\\"), "trailing\\");
  EXPECT_EQ(unescape(""), "");
}

TEST(SyslogSd, FromParsedMessage) {
  std::string line = "<13>1 2026-11-22T06:56:52Z h a - - [ex@1 user=\"a\\\"b\"] msg";
  auto m = parse_syslog(line, kNov2026);
  std::string user;
  EXPECT_TRUE(for_each_sd_param(m.structured_data, [&](std::string_view, std::string_view name,
                                                       std::string_view raw) {
    if (name == "user") user = unescape(raw);
  }));
  EXPECT_EQ(user, "a\"b");
}

}  // namespace
}  // namespace vigil
