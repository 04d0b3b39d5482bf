// LineSplitter: lines cut anywhere by the reads, a line over the limit handed on once
// cut and the rest of it skipped, and the last line without a newline at the end.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "agent/line_splitter.h"

namespace vigil {
namespace {

struct Seen {
  std::vector<std::string> lines;
  std::vector<bool> cut;
  void operator()(std::string_view l, bool c) {
    lines.emplace_back(l);
    cut.push_back(c);
  }
};

TEST(LineSplitter, LinesSpanReadsAndLongOnesAreCutOnce) {
  LineSplitter s(5);
  Seen seen;
  auto on = [&](std::string_view l, bool c) { seen(l, c); };
  for (std::string_view part : {"ab", "c\nabcde\nabcdefgh", "ij\nxy", "z"}) s.feed(part, on);
  EXPECT_EQ(seen.lines, (std::vector<std::string>{"abc", "abcde", "abcde"}));
  EXPECT_EQ(seen.cut, (std::vector<bool>{false, false, true}));  // exactly at the limit is whole
  s.finish(on);
  ASSERT_EQ(seen.lines.size(), 4u);
  EXPECT_EQ(seen.lines[3], "xyz");
  EXPECT_FALSE(seen.cut[3]);
  s.feed("q", on);
  s.reset();  // a restarted child: what was pending is gone
  s.feed("r\n", on);
  EXPECT_EQ(seen.lines.back(), "r");
}

}  // namespace
}  // namespace vigil
