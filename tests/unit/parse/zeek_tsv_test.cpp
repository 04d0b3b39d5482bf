// Zeek TSV reader: headers, typed columns, unset/empty markers, escapes, and the errors
// a broken file must report instead of dropping lines.
#include "parse/zeek_tsv.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vigil {
namespace {

using Line = ZeekTsvReader::Line;

struct Fixture {
  ZeekTsvReader reader;
  Arena scratch;
  std::vector<ZeekValue> values;
  std::string_view error;
  Line read(std::string_view line) { return reader.read(line, scratch, values, error); }
  const ZeekValue* get(std::string_view name) const {
    for (const ZeekValue& v : values)
      if (v.name == name) return &v;
    return nullptr;
  }
};

// The header block Zeek writes, as in the corpus dns.log (tabs are real tabs).
const char* const kDnsHeader[] = {
    "#separator \\x09",
    "#set_separator\t,",
    "#empty_field\t(empty)",
    "#unset_field\t-",
    "#path\tdns",
    "#open\t2024-04-12-19-29-12",
    "#fields\tts\tuid\tid.orig_h\tid.orig_p\tquery\tanswers\tTTLs\trejected",
    "#types\ttime\tstring\taddr\tport\tstring\tvector[string]\tvector[interval]\tbool",
};

TEST(ZeekTsv, HeadersSetPathColumnsAndTypes) {
  Fixture f;
  for (const char* h : kDnsHeader) EXPECT_EQ(f.read(h), Line::Header) << h;
  EXPECT_EQ(f.reader.path(), "dns");
  ASSERT_EQ(f.reader.columns().size(), 8u);
  EXPECT_EQ(f.reader.columns()[2].name, "id.orig_h");
  EXPECT_EQ(f.reader.columns()[2].type, "addr");
  EXPECT_EQ(f.reader.columns()[5].type, "vector[string]");
  EXPECT_EQ(f.reader.set_separator(), ",");
}

TEST(ZeekTsv, RecordFieldsAreSlicesOfTheLineAndUnsetIsOmitted) {
  Fixture f;
  for (const char* h : kDnsHeader) f.read(h);
  std::string line = "1521911720.865716\tCqKst53mF3det3eDV9\t10.47.1.100\t41772\tise.wrccdc.org\t"
                     "ise.wrccdc.cpp.edu,134.71.3.16\t-\tF";
  ASSERT_EQ(f.read(line), Line::Record) << f.error;
  EXPECT_EQ(f.values.size(), 7u);  // TTLs is unset
  EXPECT_EQ(f.get("TTLs"), nullptr);
  ASSERT_NE(f.get("query"), nullptr);
  EXPECT_EQ(f.get("query")->text, "ise.wrccdc.org");
  EXPECT_EQ(f.get("query")->text.data(), line.data() + line.find("ise.wrccdc.org"));  // zero-copy
  EXPECT_EQ(f.get("id.orig_p")->type, "port");
  EXPECT_EQ(f.get("answers")->text, "ise.wrccdc.cpp.edu,134.71.3.16");

  std::vector<std::string> elements;
  for_each_zeek_element(f.get("answers")->text, f.reader.set_separator(), f.scratch,
                        [&](std::string_view e) { elements.emplace_back(e); });
  EXPECT_EQ(elements, (std::vector<std::string>{"ise.wrccdc.cpp.edu", "134.71.3.16"}));
}

TEST(ZeekTsv, EmptyFieldBecomesEmptyTextAndEscapesAreDecoded) {
  Fixture f;
  for (const char* h : kDnsHeader) f.read(h);
  // A literal "-" is escaped by Zeek so that it is not read as unset; \x09 is a tab inside a value.
  ASSERT_EQ(f.read("1.5\tC1\t10.0.0.1\t53\t\\x2d\t(empty)\ta\\x2cb,c\tT"), Line::Record) << f.error;
  EXPECT_EQ(f.get("query")->text, "-");
  EXPECT_EQ(f.get("answers")->text, "");
  std::vector<std::string> ttls;
  for_each_zeek_element(f.get("TTLs")->text, ",", f.scratch, [&](std::string_view e) { ttls.emplace_back(e); });
  EXPECT_EQ(ttls, (std::vector<std::string>{"a,b", "c"}));  // an escaped separator stays inside its element
  ASSERT_EQ(f.read("1.5\tC1\t10.0.0.1\t53\ttab\\x09in\\\\side\t-\t-\tT"), Line::Record);
  EXPECT_EQ(f.get("query")->text, "tab\tin\\side");
}

TEST(ZeekTsv, ColumnCountMismatchIsAnErrorWithCounts) {
  Fixture f;
  for (const char* h : kDnsHeader) f.read(h);
  EXPECT_EQ(f.read("1.5\tC1\t10.0.0.1"), Line::Error);
  EXPECT_EQ(f.error, "record has 3 fields but #fields names 8");
  EXPECT_TRUE(f.values.empty());
  EXPECT_EQ(f.read("1\t2\t3\t4\t5\t6\t7\t8\t9"), Line::Error);
  EXPECT_EQ(f.error, "record has 9 fields but #fields names 8");
}

TEST(ZeekTsv, RecordBeforeFieldsAndBadTypesAreErrors) {
  Fixture f;
  EXPECT_EQ(f.read("1.5\tC1"), Line::Error);
  EXPECT_EQ(f.error, "record before any #fields header");
  f.read("#fields\ta\tb");
  EXPECT_EQ(f.read("#types\tstring"), Line::Error);
  EXPECT_EQ(f.error, "#types names 1 types but #fields names 2 columns");
  EXPECT_EQ(f.read(""), Line::Blank);
  EXPECT_EQ(f.read("\r"), Line::Blank);
  EXPECT_EQ(f.read("#close\t2024-04-12-19-34-07"), Line::Header);
}

TEST(ZeekTsv, OtherSeparatorsAndCrlf) {
  Fixture f;
  f.read("#separator |");
  f.read("#set_separator|;");
  f.read("#fields|a|b");
  f.read("#types|string|set[count]");
  ASSERT_EQ(f.read("x|1;2\r"), Line::Record) << f.error;
  EXPECT_EQ(f.get("a")->text, "x");
  EXPECT_EQ(f.get("b")->text, "1;2");
  EXPECT_EQ(zeek_element_type("set[count]"), "count");
  EXPECT_FALSE(is_zeek_container("string"));
}

}  // namespace
}  // namespace vigil
