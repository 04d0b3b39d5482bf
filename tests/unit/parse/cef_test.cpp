// CEF: the seven header fields with \| and \\ escapes, extension values that hold
// spaces and escaped '=', the reasons a malformed record gives, and real FireEye and
// F5 ASM lines from the Wazuh ruleset tests (skipped without ../shared/corpus).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "parse/cef.h"

namespace vigil {
namespace {

namespace fs = std::filesystem;
using Pairs = std::vector<std::pair<std::string, std::string>>;

Pairs ext(const CefRecord& r) {
  Pairs p;
  for (const TextPair& t : r.extension) p.emplace_back(t.key, t.value);
  return p;
}

std::string value_of(const CefRecord& r, std::string_view key) {
  for (const TextPair& t : r.extension)
    if (t.key == key) return std::string(t.value);
  return "<missing>";
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

TEST(Cef, ExtensionEscapesAndSpaces) {
  Arena arena;
  CefRecord r;
  ASSERT_EQ(parse_cef(R"(CEF:1|V|P|1|id|n|5|msg=a\=b c\\d\nline2\r request=http://x/?a=1 cs1Label=my label  x=)", arena, r), "");
  EXPECT_EQ(r.version, 1);
  // '=' inside a value that is not " key=" stays in the value; trailing spaces go.
  EXPECT_EQ(ext(r), (Pairs{{"msg", "a=b c\\d\nline2\r"}, {"request", "http://x/?a=1"}, {"cs1Label", "my label"}, {"x", ""}}));
  // "x\\" is an escaped backslash, so the space after it still starts " b=". A backslash
  // that escapes nothing (a Windows path) stays.
  ASSERT_EQ(parse_cef(R"(CEF:0|V|P|1|id|n|5|a=x\\ b=y filePath=C:\Windows\cmd.exe)", arena, r), "");
  EXPECT_EQ(ext(r), (Pairs{{"a", "x\\"}, {"b", "y"}, {"filePath", R"(C:\Windows\cmd.exe)"}}));
  // Header: an unknown escape keeps its backslash.
  ASSERT_EQ(parse_cef(R"(CEF:0|V\x|P|1|id|n|5|)", arena, r), "");
  EXPECT_EQ(r.device_vendor, R"(V\x)");
}

TEST(Cef, ViewsAreSlicesUnlessUnescaped) {
  const std::string text = R"(CEF:0|V|P|1|id|n|5|a=plain b=esc\=aped)";
  Arena arena;
  CefRecord r;
  ASSERT_EQ(parse_cef(text, arena, r), "");
  ASSERT_EQ(r.extension.size(), 2u);
  auto in_text = [&](std::string_view s) { return s.data() >= text.data() && s.data() + s.size() <= text.data() + text.size(); };
  EXPECT_TRUE(in_text(r.device_vendor));
  EXPECT_TRUE(in_text(r.extension[0].value));
  EXPECT_FALSE(in_text(r.extension[1].value));
  EXPECT_EQ(r.extension[1].value, "esc=aped");
}

TEST(Cef, EmptyExtensionLeadingSpaceAndTrailingNewline) {
  Arena arena;
  CefRecord r;
  ASSERT_EQ(parse_cef("CEF:0|V|P|1|id|n|5|", arena, r), "");
  EXPECT_TRUE(r.extension.empty());
  ASSERT_EQ(parse_cef("CEF:0|V|P|1|id|n|5|   ", arena, r), "");
  EXPECT_TRUE(r.extension.empty());
  ASSERT_EQ(parse_cef("CEF:0|V|P|1|id|n|5| a=1\r\n", arena, r), "");
  EXPECT_EQ(ext(r), (Pairs{{"a", "1"}}));
  ASSERT_EQ(parse_cef("CEF:0|V|P|1|id|n|5|a=1|b=2", arena, r), "");  // a pipe in the extension is text
  EXPECT_EQ(ext(r), (Pairs{{"a", "1|b=2"}}));
}

TEST(Cef, MalformedRecordsAreRefusedWithAReason) {
  Arena arena;
  CefRecord r;
  EXPECT_EQ(parse_cef("LEEF:1.0|a|b|c|d|", arena, r), "missing CEF: prefix");
  EXPECT_EQ(parse_cef("CEF:", arena, r), "CEF header has 0 of 7 fields");
  EXPECT_EQ(parse_cef("CEF:0|V|P|1|id|n", arena, r), "CEF header has 5 of 7 fields");
  EXPECT_EQ(r.device_vendor, "V");  // what was read stays
  EXPECT_EQ(r.signature_id, "id");
  EXPECT_EQ(parse_cef("CEF:0|V|P|1|id|n|5\\|", arena, r), "CEF header has 6 of 7 fields");  // \| is no separator
  EXPECT_EQ(parse_cef("CEF:x|V|P|1|id|n|5|", arena, r), "CEF version is not a number");
  EXPECT_EQ(parse_cef("CEF:|V|P|1|id|n|5|", arena, r), "CEF version is not a number");
  EXPECT_EQ(parse_cef("CEF:0|V|P|1|id|n|5|junk a=1", arena, r), "CEF extension has text before its first key=");
}

// --- Wazuh ruleset test lines ----------------------------------------------------------

const fs::path kWazuh = fs::path(VIGIL_CORPUS_DIR) / "wazuh-ruleset-tests";

// The CEF part ("CEF:..." after the syslog header) of each `log N pass =` line holding one.
std::vector<std::string> cef_lines(const char* file) {
  std::ifstream in(kWazuh / file, std::ios::binary);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    size_t at = line.find("CEF:");
    if (line.starts_with("log ") && at != std::string::npos) lines.push_back(line.substr(at));
  }
  return lines;
}

TEST(CefCorpus, FireEye) {
  if (!fs::exists(kWazuh / "fireeye.ini")) GTEST_SKIP() << "corpus file absent: " << (kWazuh / "fireeye.ini");
  const std::vector<std::string> lines = cef_lines("fireeye.ini");
  ASSERT_EQ(lines.size(), 3u);
  Arena arena;
  CefRecord r;
  for (const std::string& line : lines) {
    ASSERT_EQ(parse_cef(line, arena, r), "") << line;
    EXPECT_EQ(r.extension.front().key, "rt");
  }
  // The HX "IOC Hit Found" alert: values with spaces, labels and '/' paths.
  ASSERT_EQ(parse_cef(lines[1], arena, r), "");
  EXPECT_EQ(r.device_vendor, "fireeye");
  EXPECT_EQ(r.device_product, "hx");
  EXPECT_EQ(r.signature_id, "IOC Hit Found");
  EXPECT_EQ(r.severity, "10");
  EXPECT_EQ(value_of(r, "rt"), "Aug 25 2017 17:22:01 UTC");
  EXPECT_EQ(value_of(r, "categoryDeviceType"), "Forensic Investigation");
  EXPECT_EQ(value_of(r, "cs6"), "Windows 7 Enterprise 7601 Service Pack 1");
  EXPECT_EQ(value_of(r, "dst"), "192.168.1.2");
  EXPECT_EQ(value_of(r, "categoryTupleDescription"), "A Detection IOC found a compromise indication.");
  EXPECT_EQ(value_of(r, "cs4"), "MALICIOUS SCRIPT CONTENT A (METHODOLOGY)");
  EXPECT_EQ(r.extension.back().key, "categoryTechnique");
  EXPECT_EQ(r.extension.back().value, "Alert");
  // The MPS callback: '\=' in a URL, and a key with dots ("cn3La...").
  ASSERT_EQ(parse_cef(lines[2], arena, r), "");
  EXPECT_EQ(r.name, "malware-callback");
  EXPECT_EQ(value_of(r, "cs4"), "https://192.168.1.1/event_stream/events_for_bot?ev_id=xxxxx&lms_iden=002xxxCBA");
  EXPECT_EQ(value_of(r, "dpt"), "1080");
  EXPECT_EQ(value_of(r, "act"), "notified");
  ASSERT_EQ(parse_cef(lines[0], arena, r), "");
  EXPECT_EQ(value_of(r, "cn3La..."), "tcp");
}

TEST(CefCorpus, F5Asm) {
  if (!fs::exists(kWazuh / "f5_big_ip.ini")) GTEST_SKIP() << "corpus file absent: " << (kWazuh / "f5_big_ip.ini");
  const std::vector<std::string> lines = cef_lines("f5_big_ip.ini");
  ASSERT_EQ(lines.size(), 7u);
  Arena arena;
  CefRecord r;
  for (const std::string& line : lines) {
    ASSERT_EQ(parse_cef(line, arena, r), "") << line;
    EXPECT_EQ(r.device_vendor, "F5");
    EXPECT_EQ(r.extension.front().key, "dvchost");
  }
  ASSERT_EQ(parse_cef(lines[0], arena, r), "");
  EXPECT_EQ(r.signature_id, "Illegal HTTP status in response");
  EXPECT_EQ(r.severity, "2");
  EXPECT_EQ(value_of(r, "dpt"), "443");
  EXPECT_EQ(value_of(r, "cs4"), "Information Leakage");
  EXPECT_EQ(value_of(r, "c6a1"), "");  // "c6a1= c6a1Label=device_address": an empty value
  EXPECT_EQ(value_of(r, "c6a1Label"), "device_address");
  // cs3 holds a whole HTTP request with \r\n and \= escapes.
  const std::string request = value_of(r, "cs3");
  EXPECT_TRUE(request.starts_with("GET /other/path HTTP/1.1\r\nHost: some.host\r\n")) << request;
  EXPECT_NE(request.find("\"Chromium\";v=\"90\""), std::string::npos) << request;
  EXPECT_EQ(request.find('\\'), std::string::npos) << request;
  // The 2012 line: no space after "ASM:" and a space before the first key.
  ASSERT_EQ(parse_cef(lines[2], arena, r), "");
  EXPECT_EQ(r.device_version, "11.3.0");
  EXPECT_EQ(r.extension.front().key, "dvchost");
  EXPECT_EQ(r.extension.front().value, "bigip-4.pme-ds.f5.com");
  EXPECT_EQ(value_of(r, "act"), "passed");
  EXPECT_EQ(value_of(r, "request"), "/");
}

}  // namespace
}  // namespace vigil
