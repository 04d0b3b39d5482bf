// One CSV record per line (Palo Alto, pfSense filterlog): delimiters, quoted fields
// with doubled quotes, empty fields, and an unclosed quote.
#include <gtest/gtest.h>

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
  EXPECT_EQ(split("one"), V{"one"});
  EXPECT_EQ(split("a;b,c;d", ';'), (V{"a", "b,c", "d"}));
  EXPECT_EQ(split("a\tb", '\t'), (V{"a", "b"}));
}

TEST(CsvLine, QuotedFields) {
  bool ok = false;
  EXPECT_EQ(split(R"(1,"a,b","say ""hi""",x)", ',', &ok), (V{"1", "a,b", R"(say "hi")", "x"}));
  EXPECT_TRUE(ok);
  EXPECT_EQ(split(R"("",x)"), (V{"", "x"}));
  EXPECT_EQ(split(R"("q"junk,next)"), (V{"q", "next"}));  // bytes after the closing quote are skipped
  EXPECT_EQ(split(R"(a,"q")"), (V{"a", "q"}));
  EXPECT_EQ(split(R"(a,b"c,d)"), (V{"a", "b\"c", "d"}));  // a quote inside an unquoted field is text
}

TEST(CsvLine, AnOpenQuoteRunsToTheEndAndIsReported) {
  bool ok = true;
  EXPECT_EQ(split(R"(a,"open, to the end)", ',', &ok), (V{"a", "open, to the end"}));
  EXPECT_FALSE(ok);
  EXPECT_EQ(split(R"(")", ',', &ok), V{""});
  EXPECT_FALSE(ok);
}

}  // namespace
}  // namespace vigil
