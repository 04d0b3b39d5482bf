// Terminal tables for events and stats.
#include <gtest/gtest.h>

#include "core/time.h"
#include "query/search.h"

namespace vigil {
namespace {

constexpr auto text = &ResultValue::string;
constexpr auto number = &ResultValue::int64;

TEST(ResultFormat, StatsTable) {
  SearchResult r;
  r.is_table = true;
  r.columns = {"src_endpoint.ip", "count()"};
  ResultValue null = ResultValue::null();
  r.rows = {{text("10.0.0.5"), number(1234)}, {text("192.168.100.200"), number(7)}, {null, number(12)}};
  r.events_scanned = 5000;
  r.events_matched = 1253;
  r.elapsed_ms = 2.25;
  EXPECT_EQ(format_result(r, OutputFormat::Table),
            "src_endpoint.ip  count()\n"
            "---------------  -------\n"
            "10.0.0.5            1234\n"
            "192.168.100.200        7\n"
            "(null)                12\n"
            "3 rows, 1253 matched of 5000 scanned in 2.2 ms\n");
}

TEST(ResultFormat, EventsTable) {
  SearchResult r;
  ResultEvent a;
  a.time = *parse_rfc3339("2026-11-22T06:56:52.123Z");
  a.raw = "Nov 22 06:56:52 web-01 sshd[1]: Failed password\tfor root";
  a.fields = {{"class_uid", number(3002)}, {"device.hostname", text("web-01")}};
  ResultEvent b;
  b.time = *parse_rfc3339("2026-11-22T06:56:50Z");
  b.raw = "ignored because there is a message";
  b.fields = {{"message", text("h\xC3\xA9llo " + std::string(200, 'x'))}};
  r.events = {a, b};
  r.events_scanned = 10;
  r.events_matched = 2;
  r.elapsed_ms = 0.04;
  std::string out = format_result(r, OutputFormat::Table);
  std::string expected =
      "TIME                      CLASS  HOST    MESSAGE\n"
      "------------------------  -----  ------  " + std::string(100, '-') + "\n"
      "2026-11-22T06:56:52.123Z   3002  web-01  Nov 22 06:56:52 web-01 sshd[1]: Failed password for root\n"
      "2026-11-22T06:56:50.000Z                 h\xC3\xA9llo " + std::string(93, 'x') + "\xE2\x80\xA6\n"
      "2 events shown, 2 matched of 10 scanned in 0.0 ms\n";
  EXPECT_EQ(out, expected);
}

TEST(ResultFormat, NoEvents) {
  SearchResult r;
  r.events_scanned = 3;
  EXPECT_EQ(format_result(r, OutputFormat::Table), "no matching events; 0 matched of 3 scanned in 0.0 ms\n");
}

TEST(ResultFormat, CsvQuotesAndDefusesFormulas) {
  SearchResult r;
  r.is_table = true;
  r.columns = {"user.name", "n", "ratio"};
  ResultValue ratio;
  ratio.type = FieldType::Float64;
  ratio.f64 = 0.1;
  r.rows = {{text("a,b \"c\""), number(-3), ratio}, {text("=HYPERLINK(\"x\")"), number(5), ResultValue::null()},
            {text("line\nbreak"), number(0), ratio}};
  EXPECT_EQ(format_result(r, OutputFormat::Csv),
            "user.name,n,ratio\r\n"
            "\"a,b \"\"c\"\"\",-3,0.1\r\n"
            "\"'=HYPERLINK(\"\"x\"\")\",5,\r\n"
            "\"line\nbreak\",0,0.1\r\n");

  SearchResult ev;
  ResultEvent a;
  a.time = *parse_rfc3339("2026-11-22T06:56:52.123Z");
  a.raw = "raw, with comma";
  a.fields = {{"host", text("web-01")}};
  ResultEvent b;
  b.time = *parse_rfc3339("2026-11-22T06:56:50Z");
  b.raw = "two";
  b.fields = {{"user", text("bob")}};
  ev.events = {a, b};
  EXPECT_EQ(format_result(ev, OutputFormat::Csv),
            "_time,host,user,_raw\r\n"
            "2026-11-22T06:56:52.123Z,web-01,,\"raw, with comma\"\r\n"
            "2026-11-22T06:56:50.000Z,,bob,two\r\n");
}

}  // namespace
}  // namespace vigil
