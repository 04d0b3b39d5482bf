// split_kv (marks walked 64 bytes a word) against split_kv_scalar (byte-class search):
// the same pairs for every option set on hand-written edge cases — words boundaries,
// quotes and escapes across them, unclosed quotes — and on the Wazuh firewall lines.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "parse/kv.h"
#include "wazuh_test_lines.h"

namespace vigil {
namespace {

namespace fs = std::filesystem;

void expect_same(std::string_view text, const KvOptions& o) {
  Arena a1, a2;
  std::vector<TextPair> fast, ref;
  const bool ok_fast = split_kv(text, o, a1, fast);
  const bool ok_ref = split_kv_scalar(text, o, a2, ref);
  ASSERT_EQ(ok_fast, ok_ref) << text;
  ASSERT_EQ(fast.size(), ref.size()) << text;
  for (size_t i = 0; i < fast.size(); ++i) {
    EXPECT_EQ(fast[i].key, ref[i].key) << text;
    EXPECT_EQ(fast[i].value, ref[i].value) << text;
  }
}

std::vector<KvOptions> all_options() {
  std::vector<KvOptions> out;
  for (char sep : {' ', ',', '|', '\t'})
    for (char assign : {'=', ':'})
      for (bool quotes : {true, false}) out.push_back(KvOptions{sep, assign, quotes});
  return out;
}

TEST(KvMarks, AgreesWithTheScalarSplitOnEdgeCases) {
  std::vector<std::string> texts = {
      "", " ", "a=1", "a=", "=1", "a b c", R"(a="x y" b='p q' c=3)", R"(e="say \"hi\" \\ok" f='it\'s')",
      R"(open="never closed)", R"(x='a\)", "k = \"v\", j=2|i:3", "a=1\tb=2  c=3 DF ACK",
  };
  // Pairs and quotes that straddle the 16- and 64-byte steps of the marks.
  for (size_t pad = 0; pad < 70; ++pad) {
    std::string s(pad, 'k');
    s += "=\"v \\\" w\" x=" + std::string(pad % 9, 'y') + " z='q\\\\' end=1";
    texts.push_back(s);
    texts.push_back(std::string(pad, ' ') + "a=b");
    texts.push_back(std::string(pad, 'a') + "=" + std::string(130 - pad, 'b') + " c=\"" + std::string(pad, ' '));
  }
  for (const KvOptions& o : all_options())
    for (const std::string& t : texts) expect_same(t, o);
}

TEST(KvMarks, ViewsPointIntoTheText) {
  const std::string line(200, 'a');
  const std::string text = "k=" + line + " q=\"" + line + "\"";
  Arena arena;
  std::vector<TextPair> out;
  ASSERT_TRUE(split_kv(text, KvOptions{}, arena, out));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].value.data(), text.data() + 2);
  EXPECT_EQ(out[1].value, line);
  EXPECT_EQ(out[1].value.data(), text.data() + 2 + line.size() + 4);
}

TEST(KvMarks, AgreesOnTheWazuhFirewallLines) {
  const fs::path dir = fs::path(VIGIL_CORPUS_DIR) / "wazuh-ruleset-tests";
  size_t lines = 0;
  for (const char* f : {"fortigate.ini", "sophos_fw.ini", "iptables.ini"}) {
    if (!fs::exists(dir / f)) GTEST_SKIP() << "corpus file absent: " << (dir / f);
    for (const std::string& line : test_support::wazuh_lines((dir / f).string())) {
      for (const KvOptions& o : all_options()) expect_same(line, o);
      ++lines;
    }
  }
  EXPECT_GT(lines, 90u);  // 46 FortiGate, 10 Sophos, 43 netfilter lines at this writing
}

}  // namespace
}  // namespace vigil
