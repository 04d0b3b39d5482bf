// One CSV record per line (Palo Alto, pfSense filterlog): delimiters, quoted fields
// with doubled quotes, empty fields, an unclosed quote, and real PAN-OS lines from the
// Wazuh ruleset tests (skipped without ../shared/corpus).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "parse/csv_line.h"

namespace vigil {
namespace {

std::vector<std::string> split(std::string_view line, char d = ',', bool* ok = nullptr) {
  Arena arena;
  std::vector<std::string_view> out;
  bool r = split_csv(line, d, arena, out);
  if (ok) *ok = r;
  return {out.begin(), out.end()};
}

using V = std::vector<std::string>;

TEST(CsvLine, FieldsAndEmptyFields) {
  EXPECT_EQ(split("a,b,,d,"), (V{"a", "b", "", "d", ""}));
  EXPECT_EQ(split(""), V{""});
  EXPECT_EQ(split(","), (V{"", ""}));
  EXPECT_EQ(split("one"), V{"one"});
  EXPECT_EQ(split(" a , b "), (V{" a ", " b "}));  // spaces are data
  EXPECT_EQ(split("a;b,c;d", ';'), (V{"a", "b,c", "d"}));
  EXPECT_EQ(split("a\tb", '\t'), (V{"a", "b"}));
}

TEST(CsvLine, QuotedFields) {
  bool ok = false;
  EXPECT_EQ(split(R"(1,"a,b","say ""hi""",x)", ',', &ok), (V{"1", "a,b", R"(say "hi")", "x"}));
  EXPECT_TRUE(ok);
  EXPECT_EQ(split(R"("",x)"), (V{"", "x"}));
  EXPECT_EQ(split(R"("""")"), V{"\""});
  EXPECT_EQ(split(R"("q"junk,next)"), (V{"q", "next"}));  // bytes after the closing quote are skipped
  EXPECT_EQ(split(R"(a,"q")"), (V{"a", "q"}));
  EXPECT_EQ(split(R"(a,"q",)"), (V{"a", "q", ""}));
  EXPECT_EQ(split(R"(a,b"c,d)"), (V{"a", "b\"c", "d"}));  // a quote inside an unquoted field is text
  EXPECT_EQ(split(R"(a|"b|c"|d)", '|'), (V{"a", "b|c", "d"}));
}

TEST(CsvLine, AnOpenQuoteRunsToTheEndAndIsReported) {
  bool ok = true;
  EXPECT_EQ(split(R"(a,"open, to the end)", ',', &ok), (V{"a", "open, to the end"}));
  EXPECT_FALSE(ok);
  EXPECT_EQ(split(R"(")", ',', &ok), V{""});
  EXPECT_FALSE(ok);
  EXPECT_EQ(split(R"(a,"x"")", ',', &ok), (V{"a", R"(x"")"}));  // a doubled quote, then the end: left as read
  EXPECT_FALSE(ok);
}

TEST(CsvLine, ViewsAreSlicesUnlessUnescapedAndOutputIsAppended) {
  const std::string line = R"(plain,"quoted, no escape","dou""bled")";
  Arena arena;
  std::vector<std::string_view> out{"kept"};
  ASSERT_TRUE(split_csv(line, ',', arena, out));
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0], "kept");
  auto in_line = [&](std::string_view s) { return s.data() >= line.data() && s.data() + s.size() <= line.data() + line.size(); };
  EXPECT_TRUE(in_line(out[1]));
  EXPECT_TRUE(in_line(out[2]));
  EXPECT_EQ(out[2], "quoted, no escape");
  EXPECT_FALSE(in_line(out[3]));
  EXPECT_EQ(out[3], "dou\"bled");
}

// PAN-OS lines of the Wazuh ruleset tests, after the syslog header when there is one
// ("Apr 30 06:00:00 host 1,2020/02/09 ..."): the record starts after the last space
// before the first comma.
const std::filesystem::path kPaloAlto = std::filesystem::path(VIGIL_CORPUS_DIR) / "wazuh-ruleset-tests" / "paloalto.ini";

std::vector<std::string> panos_records() {
  std::ifstream in(kPaloAlto, std::ios::binary);
  std::vector<std::string> records;
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with("log ")) continue;
    std::string payload = line.substr(line.find(" = ") + 3);
    size_t space = payload.rfind(' ', payload.find(','));
    records.push_back(space == std::string::npos ? payload : payload.substr(space + 1));
  }
  return records;
}

TEST(CsvLineCorpus, PaloAlto) {
  if (!std::filesystem::exists(kPaloAlto)) GTEST_SKIP() << "corpus file absent: " << kPaloAlto;
  const std::vector<std::string> records = panos_records();
  ASSERT_EQ(records.size(), 16u);
  Arena arena;
  std::vector<std::string_view> f;
  for (const std::string& r : records) {
    f.clear();
    EXPECT_TRUE(split_csv(r, ',', arena, f)) << r;
    ASSERT_GE(f.size(), 4u) << r;
    EXPECT_TRUE(f[3] == "SYSTEM" || f[3] == "TRAFFIC" || f[3] == "THREAT" || f[3] == "CONFIG" || f[3] == "OTHERS")
        << r;
  }
  const std::string* traffic = nullptr;
  const std::string* threat = nullptr;
  for (const std::string& r : records) {
    if (r.starts_with("0,2021/07/15 11:58:58,")) traffic = &r;
    if (r.starts_with("0,2021/07/12 09:46:23,")) threat = &r;
  }
  ASSERT_TRUE(traffic && threat) << "the 2021 TRAFFIC and THREAT lines are gone";
  // "0,2021/07/15 11:58:58,1321564321,TRAFFIC,N/A,0,2021/07/15 11:59:02,10.210.0.84,
  //  51.11.168.232,,,DENY-ALL,,,not-applicable,vsys1,...,0,1,500,500,0,0,0x0,udp,deny,..."
  f.clear();
  ASSERT_TRUE(split_csv(*traffic, ',', arena, f));
  ASSERT_GT(f.size(), 30u);
  EXPECT_EQ(f[1], "2021/07/15 11:58:58");
  EXPECT_EQ(f[3], "TRAFFIC");
  EXPECT_EQ(f[7], "10.210.0.84");
  EXPECT_EQ(f[8], "51.11.168.232");
  EXPECT_EQ(f[9], "");
  EXPECT_EQ(f[11], "DENY-ALL");
  EXPECT_EQ(f[24], "500");
  EXPECT_EQ(f[25], "500");
  EXPECT_EQ(f[29], "udp");
  EXPECT_EQ(f[30], "deny");
  // The THREAT line quotes its URL field ("getuser") and has a quoted "  " further on.
  f.clear();
  ASSERT_TRUE(split_csv(*threat, ',', arena, f));
  ASSERT_GT(f.size(), 32u);
  EXPECT_EQ(f[3], "THREAT");
  EXPECT_EQ(f[4], "vulnerability");
  EXPECT_EQ(f[7], "199.195.252.165");
  EXPECT_EQ(f[29], "tcp");
  EXPECT_EQ(f[30], "reset-both");
  EXPECT_EQ(f[31], "getuser");
  EXPECT_EQ(f[32], "DCS-2530L Unauthenticated Information Disclosure Vulnerability(90255)");
  bool two_spaces = false;
  for (std::string_view field : f) two_spaces |= field == "  ";
  EXPECT_TRUE(two_spaces);
}

}  // namespace
}  // namespace vigil
