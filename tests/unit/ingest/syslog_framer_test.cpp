#include "ingest/syslog_framer.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace vigil {

namespace {
struct Frames {
  std::vector<std::string> frames;
  std::vector<bool> truncated;
  auto sink() {
    return [this](std::string_view f, bool t) {
      frames.emplace_back(f);
      truncated.push_back(t);
    };
  }
};
}  // namespace

TEST(SyslogFramer, LineFramingStripsCrAndSkipsBlankLines) {
  SyslogFramer fr(1024);
  Frames out;
  fr.feed("<13>one\r\n\n<13>two\n<13>thr", out.sink());
  EXPECT_EQ(out.frames, (std::vector<std::string>{"<13>one", "<13>two"}));
  fr.feed("ee\n", out.sink());
  EXPECT_EQ(out.frames.back(), "<13>three");
  fr.feed("<13>unterminated", out.sink());
  EXPECT_EQ(out.frames.size(), 3u);
  fr.finish(out.sink());
  EXPECT_EQ(out.frames.back(), "<13>unterminated");
}

TEST(SyslogFramer, OctetCountingAcrossReads) {
  SyslogFramer fr(1024);
  Frames out;
  std::string m1 = "<34>1 2026-11-22T06:00:00Z h a - - - hello\nwith newline";
  std::string m2 = "<13>second";
  std::string stream = std::to_string(m1.size()) + " " + m1 + std::to_string(m2.size()) + " " + m2;
  // Feed one byte at a time: frames must not depend on how TCP splits the stream.
  for (char c : stream) fr.feed(std::string_view(&c, 1), out.sink());
  ASSERT_EQ(out.frames.size(), 2u);
  EXPECT_EQ(out.frames[0], m1);
  EXPECT_EQ(out.frames[1], m2);
}

TEST(SyslogFramer, MixedFramingPerMessage) {
  SyslogFramer fr(1024);
  Frames out;
  fr.feed("5 <1>ab<13>lf line\n7 <2>cdef", out.sink());
  EXPECT_EQ(out.frames, (std::vector<std::string>{"<1>ab", "<13>lf line", "<2>cdef"}));
}

TEST(SyslogFramer, OversizedLineIsCutFlaggedAndRestSkipped) {
  SyslogFramer fr(10);
  Frames out;
  fr.feed("<13>0123456789abcdef", out.sink());
  fr.feed("ghij\n<13>ok\n", out.sink());
  ASSERT_EQ(out.frames.size(), 2u);
  EXPECT_EQ(out.frames[0], "<13>012345");
  EXPECT_TRUE(out.truncated[0]);
  EXPECT_EQ(out.frames[1], "<13>ok");
  EXPECT_FALSE(out.truncated[1]);
  EXPECT_LE(fr.buffered(), 10u);
}

TEST(SyslogFramer, OversizedOctetCountedMessageIsCutAndRestSkipped) {
  SyslogFramer fr(8);
  Frames out;
  std::string big(30, 'x');
  fr.feed("30 " + big.substr(0, 12), out.sink());
  fr.feed(big.substr(12) + "3 <1>", out.sink());
  ASSERT_EQ(out.frames.size(), 2u);
  EXPECT_EQ(out.frames[0], std::string(8, 'x'));
  EXPECT_TRUE(out.truncated[0]);
  EXPECT_EQ(out.frames[1], "<1>");
}

TEST(SyslogFramer, RandomSplitsGiveSameFrames) {
  std::string stream;
  std::vector<std::string> expect;
  std::mt19937 rng(7);
  for (int i = 0; i < 200; ++i) {
    std::string m = "<13>message " + std::to_string(i) + std::string(rng() % 50, 'y');
    expect.push_back(m);
    stream += (i % 2) ? std::to_string(m.size()) + " " + m : m + "\n";
  }
  for (int trial = 0; trial < 20; ++trial) {
    SyslogFramer fr(4096);
    Frames out;
    size_t pos = 0;
    while (pos < stream.size()) {
      size_t n = std::min<size_t>(1 + rng() % 97, stream.size() - pos);
      fr.feed(std::string_view(stream).substr(pos, n), out.sink());
      pos += n;
    }
    fr.finish(out.sink());
    EXPECT_EQ(out.frames, expect);
  }
}

}  // namespace vigil
