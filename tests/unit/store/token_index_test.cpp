// Token index: what counts as a token, the subset property the planner relies on,
// and Bloom filters without false negatives.
#include "store/token_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

namespace vigil::token_index {
namespace {

std::set<uint64_t> hashes_of(std::string_view text) {
  std::set<uint64_t> out;
  for_each_token_hash(text, [&](uint64_t h) { out.insert(h); });
  return out;
}

TEST(TokenIndex, TokensFoldCaseAndPairsJoinDottedValues) {
  auto h = hashes_of("Failed password for ROOT from 203.0.113.77 port 22");
  EXPECT_TRUE(h.count(hash_token("failed")));
  EXPECT_TRUE(h.count(hash_token("root")));
  EXPECT_TRUE(h.count(hash_token("203")));
  EXPECT_FALSE(h.count(hash_token("fail")));
  EXPECT_EQ(hash_token("Root"), hash_token("rOOT"));
  // 203.0.113.77: tokens and three joined pairs.
  for (uint64_t t : term_hashes("203.0.113.77")) EXPECT_TRUE(h.count(t));
  EXPECT_EQ(term_hashes("203.0.113.77").size(), 7u);
  EXPECT_FALSE(h.count(term_hashes("113.78")[0]) && h.count(term_hashes("113.78")[1]) &&
               h.count(term_hashes("113.78")[2]));
}

// Whatever text holds a term at token boundaries holds every hash of the term.
TEST(TokenIndex, TermHashesAreASubsetOfAnyTextHoldingTheTerm) {
  const char* terms[] = {"alice", "/etc/passwd", "10.0.0.5", "user@example.com", "C:\\Windows\\cmd.exe", "a-b", "x"};
  const char* contexts[] = {"{}", "[{}]", "user={} ok", "({})", "{}:22", "\"{}\""};
  for (const char* t : terms) {
    for (const char* c : contexts) {
      std::string text = c;
      text.replace(text.find("{}"), 2, t);
      auto h = hashes_of(text);
      for (uint64_t x : term_hashes(t)) EXPECT_TRUE(h.count(x)) << t << " in " << text;
    }
  }
}

TEST(TokenIndex, BloomHasNoFalseNegativesAndFewFalsePositives) {
  BloomBuilder b;
  std::mt19937_64 rng(42);
  std::vector<uint64_t> in;
  for (int i = 0; i < 20000; ++i) {
    in.push_back(rng());
    b.add(in.back());
    b.add(in.back());  // duplicates count once
  }
  EXPECT_EQ(b.distinct(), 20000u);
  std::string filter;
  b.finish(filter, 8);
  EXPECT_LE(filter.size(), 1 + 20000u * 8 / 8 + 8);
  for (uint64_t h : in) ASSERT_TRUE(bloom_may_contain(filter, h));
  int fp = 0;
  for (int i = 0; i < 100000; ++i) fp += bloom_may_contain(filter, rng());
  EXPECT_LT(fp, 4000);  // ~2.2% expected at 8 bits per key
  EXPECT_EQ(b.distinct(), 0u);  // finish clears
  // A malformed filter never prunes.
  EXPECT_TRUE(bloom_may_contain("", 1));
  EXPECT_TRUE(bloom_may_contain(std::string(10, '\0'), 1));
}

}  // namespace
}  // namespace vigil::token_index
