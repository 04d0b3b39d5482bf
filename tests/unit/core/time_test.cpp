#include "core/time.h"

#include <gtest/gtest.h>

namespace vigil {

TEST(Time, Rfc3339RoundTrip) {
  auto t = parse_rfc3339("2026-11-22T06:56:52.123Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_rfc3339(*t), "2026-11-22T06:56:52.123Z");
  EXPECT_EQ(*t, 1795330612123000000LL);  // date -d 2026-11-22T06:56:52Z +%s
}

// Every fraction width, the epoch, times before it and the ends of the range
// (1677-2262) read back to the same instant.
TEST(Time, Rfc3339RoundTripsEveryForm) {
  EXPECT_EQ(format_rfc3339(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_rfc3339(-1), "1969-12-31T23:59:59.999999999Z");
  EXPECT_EQ(format_rfc3339(1'000), "1970-01-01T00:00:00.000001Z");
  EXPECT_EQ(format_rfc3339(*parse_rfc3339("1700-02-03T04:05:06.7Z")), "1700-02-03T04:05:06.700Z");
  EXPECT_EQ(format_rfc3339(*parse_rfc3339("2261-12-31T23:59:59.123456789Z")), "2261-12-31T23:59:59.123456789Z");
  // (kMinTime itself is "before" any time parse_rfc3339 accepts: its seconds overflow)
  for (TimeNs t : {kMinTime + kNsPerSec, kMaxTime}) EXPECT_EQ(parse_rfc3339(format_rfc3339(t)), t) << format_rfc3339(t);
  uint64_t x = 88172645463325252ull;
  for (int i = 0; i < 10'000; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    const TimeNs t = static_cast<TimeNs>(x);  // any instant of the range
    for (TimeNs v : {t, t / 1'000 * 1'000, t / 1'000'000 * 1'000'000}) {
      auto back = parse_rfc3339(format_rfc3339(v));
      ASSERT_TRUE(back) << format_rfc3339(v);
      EXPECT_EQ(*back, v) << format_rfc3339(v);
    }
  }
}

TEST(Time, Offsets) {
  auto a = parse_rfc3339("2026-11-22T07:56:52+01:00");
  auto b = parse_rfc3339("2026-11-22T06:56:52Z");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);
  EXPECT_TRUE(parse_rfc3339("2026-11-22"));
  EXPECT_FALSE(parse_rfc3339("2026-13-22"));
  EXPECT_FALSE(parse_rfc3339("yesterday"));
  EXPECT_FALSE(parse_rfc3339("2026-11-22T06:56:52Zjunk"));
}

TEST(Time, Relative) {
  TimeNs now = *parse_rfc3339("2026-11-22T12:00:00Z");
  EXPECT_EQ(*parse_time_arg("-15m", now), now - 15 * 60 * kNsPerSec);
  EXPECT_EQ(*parse_time_arg("-24h", now), now - 24 * 3600 * kNsPerSec);
  EXPECT_EQ(*parse_time_arg("now", now), now);
  EXPECT_FALSE(parse_time_arg("-15x", now));
  EXPECT_FALSE(parse_time_arg("-", now));
}

TEST(Time, OutOfRangeIsRejectedNotWrapped) {
  // int64 nanoseconds span 1677-09-21 .. 2262-04-11; beyond that there is no TimeNs.
  EXPECT_FALSE(parse_rfc3339("0001-01-01T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("9999-12-31"));
  EXPECT_FALSE(parse_rfc3339("2262-04-12"));
  EXPECT_TRUE(parse_rfc3339("2262-04-11"));
  EXPECT_TRUE(parse_rfc3339("1677-09-22"));
  TimeNs now = *parse_rfc3339("2026-11-22T12:00:00Z");
  EXPECT_FALSE(parse_time_arg("-999999999w", now));
  EXPECT_FALSE(parse_time_arg("+999999999w", now));
  EXPECT_TRUE(parse_time_arg("-1000w", now));
}

TEST(Time, CivilDays) {
  for (int64_t d = -800000; d < 800000; d += 997) {
    int64_t y;
    unsigned m, dd;
    civil_from_days(d, y, m, dd);
    EXPECT_EQ(days_from_civil(y, m, dd), d);
  }
}

}  // namespace vigil
