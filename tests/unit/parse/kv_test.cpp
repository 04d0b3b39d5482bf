// key=value splitting (FortiGate, Sophos, netfilter ...): separators, quotes and
// escapes, bare tokens, what an unclosed quote reports, and real FortiGate and Sophos
// XG lines from the Wazuh ruleset tests (skipped without ../shared/corpus).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "parse/kv.h"

namespace vigil {
namespace {

namespace fs = std::filesystem;
using Pairs = std::vector<std::pair<std::string, std::string>>;

Pairs split(std::string_view text, KvOptions o = {}, bool* ok = nullptr) {
  Arena arena;
  std::vector<TextPair> out;
  bool r = split_kv(text, o, arena, out);
  if (ok) *ok = r;
  Pairs p;
  for (const TextPair& t : out) p.emplace_back(t.key, t.value);
  return p;
}

bool inside(std::string_view part, std::string_view whole) {
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

TEST(Kv, SpacesTabsAndBareTokens) {
  bool ok = false;
  EXPECT_EQ(split("a=1  b=2\tc=3 DF ACK d=", {}, &ok), (Pairs{{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", ""}}));
  EXPECT_TRUE(ok);
  EXPECT_EQ(split("  a=1 \t "), (Pairs{{"a", "1"}}));  // leading and trailing blanks
  EXPECT_EQ(split("x=a=b y==c"), (Pairs{{"x", "a=b"}, {"y", "=c"}}));  // unquoted values may hold '='
}

TEST(Kv, QuotesAndEscapes) {
  EXPECT_EQ(split(R"(msg="a b" u='c d' e="say \"hi\" \\ok" f='it\'s')"),
            (Pairs{{"msg", "a b"}, {"u", "c d"}, {"e", R"(say "hi" \ok)"}, {"f", "it's"}}));
  EXPECT_EQ(split(R"(msg="a=b c" next=1)"), (Pairs{{"msg", "a=b c"}, {"next", "1"}}));  // separator inside quotes
  EXPECT_EQ(split(R"(e="" f='')"), (Pairs{{"e", ""}, {"f", ""}}));
  // Backslashes that escape nothing stay: Windows paths read as written.
  EXPECT_EQ(split(R"(path="C:\Users\x\n.exe" q='a\"b')"), (Pairs{{"path", R"(C:\Users\x\n.exe)"}, {"q", R"(a\"b)"}}));
  KvOptions no_quotes;
  no_quotes.quotes = false;
  EXPECT_EQ(split(R"(msg="a b")", no_quotes), (Pairs{{"msg", "\"a"}}));
}

TEST(Kv, ViewsAreSlicesUnlessUnescaped) {
  const std::string text = R"(a=1 b="two words" c="x\"y")";
  Arena arena;
  std::vector<TextPair> out{{"kept", "from before"}};
  ASSERT_TRUE(split_kv(text, {}, arena, out));
  ASSERT_EQ(out.size(), 4u);  // appends; does not clear
  EXPECT_EQ(out[0].key, "kept");
  for (size_t i = 1; i < out.size(); ++i) EXPECT_TRUE(inside(out[i].key, text));
  EXPECT_TRUE(inside(out[1].value, text));
  EXPECT_TRUE(inside(out[2].value, text));
  EXPECT_FALSE(inside(out[3].value, text));  // unescaped into the arena
  EXPECT_EQ(out[3].value, "x\"y");
}

TEST(Kv, OtherSeparatorsAndAssign) {
  KvOptions o;
  o.pair_separator = ',';
  o.assign = ':';
  EXPECT_EQ(split("a:1,b:two words,c:,,", o), (Pairs{{"a", "1"}, {"b", "two words"}, {"c", ""}}));
  EXPECT_EQ(split("a:1, b : \"x, y\" ,c:2", o), (Pairs{{"a", "1"}, {"b", "x, y"}, {"c", "2"}}));  // keys trimmed
  o.pair_separator = '|';
  o.assign = '=';
  EXPECT_EQ(split("k =v|x=y|", o), (Pairs{{"k", "v"}, {"x", "y"}}));
  o.pair_separator = '\t';
  EXPECT_EQ(split("a=1 2\tb=3", o), (Pairs{{"a", "1 2"}, {"b", "3"}}));  // only tabs separate
  o.pair_separator = ';';
  EXPECT_EQ(split("a=1;novalue;b=2", o), (Pairs{{"a", "1"}, {"b", "2"}}));
}

TEST(Kv, NothingFoundOrAnOpenQuoteIsReported) {
  bool ok = true;
  EXPECT_TRUE(split("no pairs here", {}, &ok).empty());
  EXPECT_FALSE(ok);
  EXPECT_TRUE(split("", {}, &ok).empty());
  EXPECT_FALSE(ok);
  EXPECT_EQ(split(R"(a=1 b="open to the end)", {}, &ok), (Pairs{{"a", "1"}, {"b", "open to the end"}}));
  EXPECT_FALSE(ok);
  // \" escapes the quote, so this one never closes either.
  EXPECT_EQ(split(R"(b="ends in a backslash\")", {}, &ok), (Pairs{{"b", "ends in a backslash\""}}));
  EXPECT_FALSE(ok);
  EXPECT_EQ(split("=v", {}, &ok), Pairs{});  // an empty key is no pair
  EXPECT_FALSE(ok);
}

// --- Wazuh ruleset test lines ----------------------------------------------------------

const fs::path kWazuh = fs::path(VIGIL_CORPUS_DIR) / "wazuh-ruleset-tests";

// The `log N pass = <line>` payloads of an .ini file, in order.
std::vector<std::string> wazuh_lines(const char* file) {
  std::ifstream in(kWazuh / file, std::ios::binary);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.starts_with("log ")) continue;
    size_t at = line.find(" = ");
    if (at != std::string::npos) lines.push_back(line.substr(at + 3));
  }
  return lines;
}

std::string find_value(const std::vector<TextPair>& pairs, std::string_view key) {
  for (const TextPair& p : pairs)
    if (p.key == key) return std::string(p.value);
  return "<missing>";
}

TEST(KvCorpus, FortiGate) {
  if (!fs::exists(kWazuh / "fortigate.ini")) GTEST_SKIP() << "corpus file absent: " << (kWazuh / "fortigate.ini");
  const std::vector<std::string> lines = wazuh_lines("fortigate.ini");
  ASSERT_EQ(lines.size(), 46u);
  Arena arena;
  std::vector<TextPair> pairs;
  for (const std::string& line : lines) {
    pairs.clear();
    EXPECT_TRUE(split_kv(line, {}, arena, pairs)) << line;
    ASSERT_GE(pairs.size(), 2u) << line;
    EXPECT_EQ(pairs[0].key, "date") << line;
    EXPECT_EQ(pairs[1].key, "time") << line;
  }
  // The IPS line: "... srcip=192.168.10.8 ... action=reset ... attack="HTTP.Unknown.Tunnelling"
  // srcport=62216 dstport=80 ... msg="http_decoder: HTTP.Unknown.Tunnelling,"".
  pairs.clear();
  ASSERT_TRUE(split_kv(lines[4], {}, arena, pairs));
  EXPECT_EQ(find_value(pairs, "srcip"), "192.168.10.8");
  EXPECT_EQ(find_value(pairs, "dstport"), "80");
  EXPECT_EQ(find_value(pairs, "action"), "reset");
  EXPECT_EQ(find_value(pairs, "attack"), "HTTP.Unknown.Tunnelling");
  EXPECT_EQ(find_value(pairs, "ref"), "http://www.fortinet.com/ids/VID107347981");
  EXPECT_EQ(pairs.back().key, "msg");
  EXPECT_EQ(pairs.back().value, "http_decoder: HTTP.Unknown.Tunnelling,");
  // The login failure: a quoted message with spaces and an unquoted value with parentheses.
  pairs.clear();
  ASSERT_TRUE(split_kv(lines[1], {}, arena, pairs));
  EXPECT_EQ(find_value(pairs, "user"), "gfedhf");
  EXPECT_EQ(find_value(pairs, "ui"), "https(4.3.5.253)");
  EXPECT_EQ(find_value(pairs, "msg"), "Administrator gfedhf login failed from https(4.3.5.253) because of invalid user name");
}

TEST(KvCorpus, FortiGateTrafficLine) {
  if (!fs::exists(kWazuh / "fortigate.ini")) GTEST_SKIP() << "corpus file absent: " << (kWazuh / "fortigate.ini");
  std::string traffic;
  for (const std::string& line : wazuh_lines("fortigate.ini"))
    if (line.find("sessionid=181876 ") != std::string::npos) traffic = line;
  ASSERT_FALSE(traffic.empty()) << "the 2016-06-16 10:19:23 traffic line is gone";
  Arena arena;
  std::vector<TextPair> pairs;
  ASSERT_TRUE(split_kv(traffic, {}, arena, pairs));
  EXPECT_EQ(find_value(pairs, "type"), "traffic");
  EXPECT_EQ(find_value(pairs, "srcip"), "7.3.8.5");
  EXPECT_EQ(find_value(pairs, "srcport"), "57727");
  EXPECT_EQ(find_value(pairs, "dstip"), "7.8.9.81");
  EXPECT_EQ(find_value(pairs, "dstport"), "80");
  EXPECT_EQ(find_value(pairs, "action"), "deny");
  EXPECT_EQ(find_value(pairs, "dstcountry"), "Reserved");
  EXPECT_EQ(find_value(pairs, "app"), "Proxy.HTTP");
  EXPECT_EQ(find_value(pairs, "rcvdbyte"), "3042");
}

TEST(KvCorpus, SophosXgLinesEndInAnOpenQuote) {
  if (!fs::exists(kWazuh / "sophos_fw.ini")) GTEST_SKIP() << "corpus file absent: " << (kWazuh / "sophos_fw.ini");
  const std::vector<std::string> lines = wazuh_lines("sophos_fw.ini");
  ASSERT_EQ(lines.size(), 10u);
  Arena arena;
  std::vector<TextPair> pairs;
  for (const std::string& line : lines) {
    // Every line is cut off: '... appresolvedby="Signature"th="No Heartbeat'. The pairs
    // before still come out, and the open quote is reported.
    pairs.clear();
    EXPECT_FALSE(split_kv(line, {}, arena, pairs)) << line;
    ASSERT_FALSE(pairs.empty());
    EXPECT_EQ(pairs.front().key, "device");
    EXPECT_EQ(pairs.front().value, "SFW");
    EXPECT_EQ(pairs.back().key, "th");
    EXPECT_EQ(pairs.back().value, "No Heartbeat");
    EXPECT_EQ(find_value(pairs, "appresolvedby"), "Signature");
  }
  pairs.clear();
  split_kv(lines[0], {}, arena, pairs);
  EXPECT_EQ(find_value(pairs, "log_subtype"), "Denied");
  EXPECT_EQ(find_value(pairs, "src_ip"), "11.22.33.44");
  EXPECT_EQ(find_value(pairs, "src_country_code"), "");  // empty unquoted value
  EXPECT_EQ(find_value(pairs, "user_name"), "");         // empty quoted value
  EXPECT_EQ(find_value(pairs, "dst_port"), "10051");
  EXPECT_EQ(find_value(pairs, "recv_pkts"), "0");  // after two spaces
  EXPECT_EQ(find_value(pairs, "src_mac"), "11:22:aa:bb:22:11");
  EXPECT_EQ(find_value(pairs, "hb_health"), "No Heartbeat");
}

}  // namespace
}  // namespace vigil
