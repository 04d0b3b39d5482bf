// Field conversion of parser packs: the type an OCSF target gets by its name, UTC
// offsets, and the time forms sources write (epoch by magnitude, RFC 3339, syslog,
// strptime-like patterns). Expected instants are computed from the calendar, not
// copied from the code's output.
#include <gtest/gtest.h>

#include "core/time.h"
#include "normalize/field_conversion.h"

namespace vigil {
namespace {

// Seconds since the epoch of a UTC calendar time, in nanoseconds.
TimeNs utc(int64_t y, unsigned mo, unsigned d, int64_t h = 0, int64_t mi = 0, int64_t s = 0) {
  return (days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s) * kNsPerSec;
}

const TimeNs kReceived = utc(2026, 6, 15, 12);  // mid-year: a syslog date is in this year

std::optional<TimeNs> t(std::string_view text, std::string_view format = "auto", int32_t offset = 0) {
  return parse_time_text(text, format, offset, kReceived);
}

TEST(ConversionForTarget, FollowsTheOcsfName) {
  EXPECT_EQ(conversion_for_target("src_endpoint.ip"), Conversion::Ip);
  EXPECT_EQ(conversion_for_target("device.ip"), Conversion::Ip);
  EXPECT_EQ(conversion_for_target("time"), Conversion::Time);
  EXPECT_EQ(conversion_for_target("start_time"), Conversion::Time);
  EXPECT_EQ(conversion_for_target("file.modified_time"), Conversion::Time);
  EXPECT_EQ(conversion_for_target("is_alert"), Conversion::Bool);
  EXPECT_EQ(conversion_for_target("actor.user.is_admin"), Conversion::Bool);
  EXPECT_EQ(conversion_for_target("severity_id"), Conversion::Int);
  EXPECT_EQ(conversion_for_target("class_uid"), Conversion::Int);
  EXPECT_EQ(conversion_for_target("dst_endpoint.port"), Conversion::Int);
  EXPECT_EQ(conversion_for_target("process.pid"), Conversion::Int);
  EXPECT_EQ(conversion_for_target("count"), Conversion::Int);
  EXPECT_EQ(conversion_for_target("http_response.code"), Conversion::Int);
  EXPECT_EQ(conversion_for_target("traffic.bytes_in"), Conversion::Int);
  EXPECT_EQ(conversion_for_target("traffic.packets"), Conversion::Int);
  EXPECT_EQ(conversion_for_target("user.name"), Conversion::String);
  EXPECT_EQ(conversion_for_target("message"), Conversion::String);
  EXPECT_EQ(conversion_for_target("ip_list.name"), Conversion::String);  // "ip" only as the last segment
  EXPECT_EQ(conversion_for_target("this_is_x"), Conversion::String);     // "is_" only at a segment's start
}

TEST(UtcOffset, ReadsTheFormsSourcesWrite) {
  EXPECT_EQ(parse_utc_offset("+08"), 8 * 3600);
  EXPECT_EQ(parse_utc_offset("+0800"), 8 * 3600);
  EXPECT_EQ(parse_utc_offset("+08:00"), 8 * 3600);
  EXPECT_EQ(parse_utc_offset("-0530"), -(5 * 3600 + 30 * 60));
  EXPECT_EQ(parse_utc_offset("-05:30"), -(5 * 3600 + 30 * 60));
  EXPECT_EQ(parse_utc_offset("Z"), 0);
  EXPECT_EQ(parse_utc_offset("UTC"), 0);
  EXPECT_EQ(parse_utc_offset("GMT"), 0);
  EXPECT_FALSE(parse_utc_offset("08:00"));
  EXPECT_FALSE(parse_utc_offset("+15"));
  EXPECT_FALSE(parse_utc_offset("+08:60"));
  EXPECT_FALSE(parse_utc_offset("+08:00x"));
  EXPECT_FALSE(parse_utc_offset("PST"));
  EXPECT_FALSE(parse_utc_offset(""));
  EXPECT_FALSE(parse_utc_offset("+"));
}

TEST(TimeText, EpochByMagnitude) {
  const TimeNs s = utc(2023, 11, 14, 22, 13, 20);  // 1700000000
  ASSERT_EQ(s, 1'700'000'000LL * kNsPerSec);
  EXPECT_EQ(t("1700000000", "epoch"), s);
  EXPECT_EQ(t("1700000000123", "epoch"), s + 123'000'000);
  EXPECT_EQ(t("1700000000123456", "epoch"), s + 123'456'000);
  EXPECT_EQ(t("1700000000123456789", "epoch"), s + 123'456'789);
  EXPECT_EQ(t("1700000000.5", "epoch"), s + 500'000'000);
  EXPECT_EQ(t("1700000000", "auto"), s);  // auto falls back to epoch
  EXPECT_EQ(t("0", "epoch"), 0);
  EXPECT_FALSE(t("1700000000x", "epoch"));
  EXPECT_FALSE(t("17e8", "epoch"));
  EXPECT_FALSE(t("", "epoch"));
  EXPECT_FALSE(t("99999999999999999999999999", "epoch"));  // out of range, not clamped
  EXPECT_FALSE(t("99999999999", "epoch"));                 // seconds past 2262 do not fit in ns
  EXPECT_FALSE(t("99999999999999", "epoch"));              // nor do such milliseconds
  EXPECT_FALSE(t("-9223372036854775808", "epoch"));
  EXPECT_FALSE(t("9999999999.5", "epoch"));
  EXPECT_EQ(t("-1", "epoch"), -kNsPerSec);
}

TEST(TimeText, Rfc3339WithOffsets) {
  const TimeNs z = utc(2026, 11, 22, 6, 56, 52);
  EXPECT_EQ(t("2026-11-22T06:56:52Z", "rfc3339"), z);
  EXPECT_EQ(t("2026-11-22T06:56:52Z"), z);
  EXPECT_EQ(t("2026-11-22T08:56:52+02:00", "rfc3339"), z);
  EXPECT_EQ(t("2026-11-22T01:26:52-05:30", "rfc3339"), z);
  EXPECT_EQ(t("2026-11-22T08:56:52+0200", "rfc3339"), z);
  EXPECT_EQ(t("2026-11-22 06:56:52.123456789Z", "rfc3339"), z + 123'456'789);
  // No zone: the source's offset applies (+01:00 here, so UTC is an hour earlier).
  EXPECT_EQ(t("2026-11-22T07:56:52", "rfc3339", 3600), z);
  EXPECT_FALSE(t("2026-13-22T06:56:52Z", "rfc3339"));
  EXPECT_FALSE(t("2026-11-22T06:56:52Z trailing", "rfc3339"));
}

TEST(TimeText, SyslogTakesTheYearOfReceipt) {
  // A date later than the receipt is last year's (a line of November read in June).
  EXPECT_EQ(t("Nov 22 06:56:52", "syslog"), utc(2025, 11, 22, 6, 56, 52));
  EXPECT_EQ(t("Jun  3 06:56:52", "syslog"), utc(2026, 6, 3, 6, 56, 52));
  EXPECT_EQ(t("Jun  3 06:56:52"), utc(2026, 6, 3, 6, 56, 52));  // auto
  EXPECT_FALSE(t("Foo  3 06:56:52", "syslog"));
}

TEST(TimeText, Patterns) {
  EXPECT_EQ(t("22/Nov/2026:06:56:52 +0100", "%d/%b/%Y:%H:%M:%S %z"), utc(2026, 11, 22, 5, 56, 52));
  EXPECT_EQ(t("2026-11-22 06:56:52.25", "%Y-%m-%d %H:%M:%S.%f"), utc(2026, 11, 22, 6, 56, 52) + 250'000'000);
  EXPECT_EQ(t("2026-11-22 06:56:52.1234567891", "%Y-%m-%d %H:%M:%S.%f"), utc(2026, 11, 22, 6, 56, 52) + 123'456'789);
  // %e: a day with a leading space; a space in the pattern matches a run of spaces.
  EXPECT_EQ(t("Jun  3 2026 06:56:52", "%b %e %Y %H:%M:%S"), utc(2026, 6, 3, 6, 56, 52));
  EXPECT_EQ(t("June 3 2026 06:56:52", "%B %e %Y %H:%M:%S"), utc(2026, 6, 3, 6, 56, 52));
  // %p: 12 AM is midnight, 12 PM noon, 1 PM 13 h.
  EXPECT_EQ(t("11/22/2026 12:05:00 AM", "%m/%d/%Y %H:%M:%S %p"), utc(2026, 11, 22, 0, 5, 0));
  EXPECT_EQ(t("11/22/2026 12:05:00 PM", "%m/%d/%Y %H:%M:%S %p"), utc(2026, 11, 22, 12, 5, 0));
  EXPECT_EQ(t("11/22/2026 01:05:00 pm", "%m/%d/%Y %H:%M:%S %p"), utc(2026, 11, 22, 13, 5, 0));
  EXPECT_FALSE(t("11/22/2026 13:05:00 PM", "%m/%d/%Y %H:%M:%S %p"));
  // %y and a missing year (the year of receipt).
  EXPECT_EQ(t("26-11-22 06:56", "%y-%m-%d %H:%M"), utc(2026, 11, 22, 6, 56, 0));
  EXPECT_EQ(t("03-02 06:56:52", "%m-%d %H:%M:%S"), utc(2026, 3, 2, 6, 56, 52));
  // %z and %Z forms; without one the given offset applies.
  EXPECT_EQ(t("2026-11-22 08:56:52 +02:00", "%Y-%m-%d %H:%M:%S %z"), utc(2026, 11, 22, 6, 56, 52));
  EXPECT_EQ(t("2026-11-22 06:56:52 UTC", "%Y-%m-%d %H:%M:%S %Z"), utc(2026, 11, 22, 6, 56, 52));
  EXPECT_EQ(t("2026-11-22 08:56:52", "%Y-%m-%d %H:%M:%S", 2 * 3600), utc(2026, 11, 22, 6, 56, 52));
  EXPECT_EQ(t("100% 2026", "100%% %Y"), utc(2026, 1, 1));
  // Refusals: text left over, a literal that differs, impossible fields, unknown directives.
  EXPECT_FALSE(t("2026-11-22 06:56:52 extra", "%Y-%m-%d %H:%M:%S"));
  EXPECT_FALSE(t("2026/11/22", "%Y-%m-%d"));
  EXPECT_FALSE(t("2026-13-22", "%Y-%m-%d"));
  EXPECT_FALSE(t("2026-02-30", "%Y-%m-%d"));  // no such day: not March 2nd
  EXPECT_FALSE(t("2026-04-31", "%Y-%m-%d"));
  EXPECT_EQ(t("2024-02-29", "%Y-%m-%d"), utc(2024, 2, 29));
  EXPECT_FALSE(t("2026-11-22 24:00:00", "%Y-%m-%d %H:%M:%S"));
  EXPECT_FALSE(t("2026-11-22", "%Y-%m-%Q"));
  EXPECT_FALSE(t("Foo 3 2026", "%b %e %Y"));
  EXPECT_FALSE(t("2026-11-22 +25:00", "%Y-%m-%d %z"));
  EXPECT_FALSE(t("", "%Y"));
  EXPECT_FALSE(t("2026-11-22", "%Y-%m-%d %H"));  // the pattern wants more than the text has
}

TEST(TimeText, SurroundingSpacesAreIgnoredAndGarbageRefused) {
  EXPECT_EQ(t("  1700000000 ", "epoch"), 1'700'000'000LL * kNsPerSec);
  EXPECT_FALSE(t("yesterday"));
  EXPECT_FALSE(t("   "));
}

}  // namespace
}  // namespace vigil
