// Glob patterns and the text helpers under them.
#include "query/pattern.h"

#include <gtest/gtest.h>

#include "query/text_util.h"
#include "query/value_text.h"

namespace vigil::query {
namespace {

TEST(Pattern, WholeValue) {
  EXPECT_TRUE(Pattern::glob("root").matches("ROOT"));
  EXPECT_FALSE(Pattern::glob("root").matches("rootkit"));
  EXPECT_TRUE(Pattern::glob("root*").matches("rootkit"));
  EXPECT_TRUE(Pattern::glob("*kit").matches("rootKIT"));
  EXPECT_TRUE(Pattern::glob("r*t").matches("rt"));
  EXPECT_FALSE(Pattern::glob("a*a").matches("a"));
  EXPECT_TRUE(Pattern::glob("a*a").matches("aa"));
  EXPECT_TRUE(Pattern::glob("a*b*c").matches("aXbYbZc"));
  EXPECT_FALSE(Pattern::glob("a*b*c").matches("aXcYb"));
  EXPECT_TRUE(Pattern::glob("*").matches(""));
  EXPECT_TRUE(Pattern::glob("**").matches("x"));
  EXPECT_TRUE(Pattern::glob("").matches(""));
  EXPECT_FALSE(Pattern::glob("").matches("x"));
  EXPECT_TRUE(Pattern::glob("*b*").matches("abc"));
  EXPECT_FALSE(Pattern::literal("a*").matches("abc"));
  EXPECT_TRUE(Pattern::literal("a*").matches("A*"));
  EXPECT_TRUE(Pattern::glob("\xC3\xA9*").matches("\xC3\xA9t\xC3\xA9"));
}

TEST(Pattern, QuestionMarkIsOneByte) {
  EXPECT_TRUE(Pattern::glob("r??t").matches("ROOT"));
  EXPECT_FALSE(Pattern::glob("r??t").matches("rot"));
  EXPECT_FALSE(Pattern::glob("r??t").matches("roots"));
  EXPECT_TRUE(Pattern::glob("?").matches("x"));
  EXPECT_FALSE(Pattern::glob("?").matches(""));
  EXPECT_TRUE(Pattern::glob("a?*c").matches("abXc"));
  EXPECT_FALSE(Pattern::glob("a?*c").matches("ac"));
  EXPECT_TRUE(Pattern::glob("*?b").matches("ab"));
  EXPECT_FALSE(Pattern::glob("*?b").matches("b"));
  EXPECT_TRUE(Pattern::glob("x*a?c*y").matches("x--aZc--y"));
  EXPECT_TRUE(Pattern::literal("a?").matches("a?"));
  EXPECT_FALSE(Pattern::literal("a?").matches("ab"));
  EXPECT_TRUE(Pattern::glob("a?").wildcard);
  EXPECT_TRUE(Pattern::glob("fail?d").occurs_in("xx FAILED yy"));
  EXPECT_FALSE(Pattern::glob("?ailed").occurs_in("xfailed"));  // the '?' too starts at a boundary
  EXPECT_TRUE(Pattern::glob("?ailed").occurs_in("xfailed mailed"));
  EXPECT_FALSE(Pattern::glob("faile?").occurs_in("failedx"));
  EXPECT_TRUE(Pattern::glob("faile?").occurs_in("a failed."));
}

TEST(Pattern, OccursAtTokenBoundaries) {
  EXPECT_TRUE(Pattern::glob("password").occurs_in("Failed PASSWORD for"));
  EXPECT_FALSE(Pattern::glob("pass").occurs_in("Failed PASSWORD"));  // a token, not a substring
  EXPECT_TRUE(Pattern::glob("pass*").occurs_in("Failed PASSWORD"));
  EXPECT_TRUE(Pattern::glob("*word").occurs_in("Failed PASSWORD"));
  EXPECT_FALSE(Pattern::glob("ailed").occurs_in("Failed"));
  EXPECT_TRUE(Pattern::glob("fail*word").occurs_in("xx Failed password"));
  EXPECT_FALSE(Pattern::glob("fail*wor").occurs_in("xx Failed password"));
  // The first aligned occurrence is not the first occurrence.
  EXPECT_TRUE(Pattern::glob("root").occurs_in("rootkit found by root"));
  EXPECT_TRUE(Pattern::glob("113.77").occurs_in("from 203.0.113.77:22"));
  EXPECT_FALSE(Pattern::glob("13.77").occurs_in("from 203.0.113.77:22"));
  EXPECT_TRUE(Pattern::glob("/etc/passwd").occurs_in("open(/etc/passwd)"));
  EXPECT_TRUE(Pattern::glob("user=").occurs_in("user=alice"));  // ends in a non-token byte
  EXPECT_TRUE(Pattern::glob("ü").occurs_in("grüße ü"));
  EXPECT_FALSE(Pattern::glob("ü").occurs_in("grüße"));
  EXPECT_FALSE(Pattern::glob("word*fail").occurs_in("Failed password"));
  EXPECT_TRUE(Pattern::literal("").occurs_in(""));
  EXPECT_TRUE(Pattern::glob("*").occurs_in(""));
  EXPECT_FALSE(Pattern::glob("abc").occurs_in("ab"));
}

TEST(TextUtil, FindFolded) {
  EXPECT_EQ(find_folded("Hello World", "world"), 6u);
  EXPECT_EQ(find_folded("aAaAb", "aab"), 2u);
  EXPECT_EQ(find_folded("abc", "abcd"), std::string_view::npos);
  EXPECT_EQ(find_folded("abc", "", 3), 3u);
  EXPECT_EQ(find_folded("1.2.3", ".3"), 3u);
  EXPECT_EQ(find_folded("xyz", "z", 3), std::string_view::npos);
}

TEST(TextUtil, Utf8) {
  EXPECT_TRUE(is_valid_utf8("h\xC3\xA9llo \xF0\x9F\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("\xC3"));
  EXPECT_FALSE(is_valid_utf8("\xC0\x80"));
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));
  EXPECT_EQ(repair_utf8("a\xFF" "b\xC3"), "a\xEF\xBF\xBD" "b\xEF\xBF\xBD");
  std::string cell;
  EXPECT_EQ(append_cell_text(cell, "ab\ncd", 10), 5u);
  EXPECT_EQ(cell, "ab cd");
  cell.clear();
  EXPECT_EQ(append_cell_text(cell, "abcdef", 4), 4u);
  EXPECT_EQ(cell, "abc\xE2\x80\xA6");
  cell.clear();
  EXPECT_EQ(append_cell_text(cell, "abcd", 4), 4u);
  EXPECT_EQ(cell, "abcd");
}

TEST(ValueText, Forms) {
  TextBuffer buf;
  EXPECT_EQ(value_text(Value::int64(-42), buf), "-42");
  EXPECT_EQ(value_text(Value::float64(0.5), buf), "0.5");
  EXPECT_EQ(value_text(Value::boolean(true), buf), "true");
  EXPECT_EQ(value_text(Value::ip_address(IpAddress::v4(10, 0, 0, 1)), buf), "10.0.0.1");
  EXPECT_EQ(value_text(Value::ip_address(*IpAddress::parse("2001:db8::1")), buf), "2001:db8::1");
  EXPECT_EQ(format_time(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_time(1'500'000), "1970-01-01T00:00:00.001500Z");
  EXPECT_EQ(format_time(-1), "1969-12-31T23:59:59.999999999Z");
  for (TimeNs t : {TimeNs{0}, TimeNs{-1}, TimeNs{1'700'000'000'123'456'789}, TimeNs{-5'000'000'000'000'000'000}}) {
    EXPECT_EQ(parse_rfc3339(format_time(t)), t) << format_time(t);
  }
}

}  // namespace
}  // namespace vigil::query
