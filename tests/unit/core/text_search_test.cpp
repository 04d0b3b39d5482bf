// find_text against std::string_view::find: the same answer for needles of 1 to 40
// bytes over texts of every length around the 16- and 32-byte blocks the SIMD loops
// take, from every start, with matches at the ends, overlapping and absent.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "core/text_search.h"

namespace vigil {
namespace {

TEST(TextSearch, AgreesWithFindEverywhere) {
  std::mt19937 rng(7);
  const std::string alphabet = "ab=_ ";  // few letters: many near-misses and overlaps
  for (int round = 0; round < 4000; ++round) {
    const size_t len = rng() % 120;
    std::string text;
    for (size_t i = 0; i < len; ++i) text += alphabet[rng() % alphabet.size()];
    const size_t nlen = 1 + rng() % 40;
    std::string needle;
    if (len >= nlen && rng() % 2) needle = text.substr(rng() % (len - nlen + 1), nlen);  // present
    else
      for (size_t i = 0; i < nlen; ++i) needle += alphabet[rng() % alphabet.size()];
    const std::string_view t(text), n(needle);
    for (size_t from = 0; from <= len + 1; from += 1 + rng() % 7)
      ASSERT_EQ(find_text(t, n, from), from > len ? std::string_view::npos : t.find(n, from))
          << "text '" << text << "' needle '" << needle << "' from " << from;
    EXPECT_EQ(has_text(t, n), t.find(n) != std::string_view::npos);
  }
}

TEST(TextSearch, MatchInTheLastBytesOfALongLine) {
  std::string line(1000, 'x');
  line += "devid=";
  EXPECT_EQ(find_text(line, "devid="), 1000u);
  EXPECT_EQ(find_text(line, "devid=x"), std::string_view::npos);
  EXPECT_EQ(find_text(line, ""), 0u);
  EXPECT_EQ(find_text("", "a"), std::string_view::npos);
}

}  // namespace
}  // namespace vigil
