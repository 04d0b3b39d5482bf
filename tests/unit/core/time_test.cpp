#include "core/time.h"

#include <gtest/gtest.h>

namespace vigil {

TEST(Time, Rfc3339RoundTrip) {
  auto t = parse_rfc3339("2026-11-22T06:56:52.123Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_rfc3339(*t), "2026-11-22T06:56:52.123Z");
  EXPECT_EQ(*t, 1795330612123000000LL);  // date -d 2026-11-22T06:56:52Z +%s
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
