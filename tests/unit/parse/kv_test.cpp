// key=value splitting (FortiGate, Sophos, netfilter ...): separators, quotes and
// escapes, bare tokens, and what an unclosed quote reports.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "parse/kv.h"

namespace vigil {
namespace {

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

TEST(Kv, SpacesTabsAndBareTokens) {
  bool ok = false;
  EXPECT_EQ(split("a=1  b=2\tc=3 DF ACK d=", {}, &ok), (Pairs{{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", ""}}));
  EXPECT_TRUE(ok);
  EXPECT_EQ(split("x=a=b"), (Pairs{{"x", "a=b"}}));  // an unquoted value may hold the assign character
}

TEST(Kv, QuotesAndEscapes) {
  EXPECT_EQ(split(R"(msg="a b" u='c d' e="say \"hi\" \\ok")"),
            (Pairs{{"msg", "a b"}, {"u", "c d"}, {"e", R"(say "hi" \ok)"}}));
  KvOptions no_quotes;
  no_quotes.quotes = false;
  EXPECT_EQ(split(R"(msg="a b")", no_quotes), (Pairs{{"msg", "\"a"}}));
}

TEST(Kv, OtherSeparatorAndAssign) {
  KvOptions o;
  o.pair_separator = ',';
  o.assign = ':';
  EXPECT_EQ(split("a:1,b:two words,c:", o), (Pairs{{"a", "1"}, {"b", "two words"}, {"c", ""}}));
  o.pair_separator = '|';
  o.assign = '=';
  EXPECT_EQ(split("k =v|x=y", o), (Pairs{{"k", "v"}, {"x", "y"}}));  // spaces before '=' leave the key
}

TEST(Kv, NothingFoundOrAnOpenQuoteIsReported) {
  bool ok = true;
  EXPECT_TRUE(split("no pairs here", {}, &ok).empty());
  EXPECT_FALSE(ok);
  EXPECT_TRUE(split("", {}, &ok).empty());
  EXPECT_FALSE(ok);
  EXPECT_EQ(split(R"(a=1 b="open to the end)", {}, &ok), (Pairs{{"a", "1"}, {"b", "open to the end"}}));
  EXPECT_FALSE(ok);
  EXPECT_EQ(split(R"(b="ends in a backslash\)", {}, &ok), (Pairs{{"b", "ends in a backslash\\"}}));
  EXPECT_FALSE(ok);
  EXPECT_EQ(split("=v", {}, &ok), Pairs{});  // an empty key is no pair
}

}  // namespace
}  // namespace vigil
