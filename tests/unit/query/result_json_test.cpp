// JSON and NDJSON forms of results: exact round trip, escaping, invalid UTF-8.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>
#include <limits>

#include "core/time.h"
#include "query/search.h"

namespace vigil {
namespace {

constexpr auto str = &ResultValue::string;
constexpr auto i64 = &ResultValue::int64;
constexpr auto f64 = &ResultValue::float64;
constexpr auto boolean = &ResultValue::boolean;
ResultValue ip(std::string s) {
  ResultValue v = str(std::move(s));
  v.type = FieldType::Ip;
  return v;
}
ResultValue ts(std::string s) {
  ResultValue v = str(s);
  v.type = FieldType::Timestamp;
  v.i64 = *parse_rfc3339(s);
  return v;
}

SearchResult sample_events() {
  SearchResult r;
  ResultEvent e;
  e.time = *parse_rfc3339("2026-11-22T06:56:52.123456789Z");
  e.receive_time = *parse_rfc3339("2026-11-22T06:56:53.5Z");
  e.flags = kFlagParseError | kFlagTruncated | (1u << 20);
  e.raw = "He said \"hi\" \\ tab\t nl\n nul" + std::string(1, '\0') + " \x01 \xC3\xA9 bad:\xff\xfe end";
  e.source = "10.0.0.5:514";
  e.input = "syslog-udp";
  e.tenant = "acme";
  e.parse_error = "no header";
  e.fields = {{"actor.user.name", str("alice \"the admin\"")},
              {"src_endpoint.port", i64(-22)},
              {"big", i64(std::numeric_limits<int64_t>::min())},
              {"risk", f64(0.1 + 0.2)},
              {"odd", f64(1.3927926388013963e-143)},
              {"whole", f64(2.0)},
              {"nan", f64(std::numeric_limits<double>::quiet_NaN())},
              {"inf", f64(-std::numeric_limits<double>::infinity())},
              {"ok", boolean(false)},
              {"src_endpoint.ip", ip("fe80::1")},
              {"seen", ts("2026-11-22T06:56:52.000001Z")},
              {"labels", str("a")},
              {"labels", str("b")},
              {"mixed", i64(1)},
              {"mixed", str("one")},
              {"mixed", ip("10.0.0.1")},
              {"empty", str("")}};
  r.events.push_back(e);
  ResultEvent plain;
  plain.raw = "plain";
  plain.tenant = "default";
  r.events.push_back(plain);
  r.events_scanned = 5000;
  r.events_matched = 120;
  r.elapsed_ms = 3.14159;
  return r;
}

void expect_same(const SearchResult& a, const SearchResult& b) {
  EXPECT_EQ(a.is_table, b.is_table);
  EXPECT_EQ(a.events_scanned, b.events_scanned);
  EXPECT_EQ(a.events_matched, b.events_matched);
  EXPECT_EQ(a.elapsed_ms, b.elapsed_ms);
  EXPECT_EQ(a.columns, b.columns);
  ASSERT_EQ(a.rows.size(), b.rows.size());
  for (size_t i = 0; i < a.rows.size(); ++i) EXPECT_TRUE(a.rows[i] == b.rows[i]) << "row " << i;
  ASSERT_EQ(a.events.size(), b.events.size());
  for (size_t i = 0; i < a.events.size(); ++i) {
    const ResultEvent &x = a.events[i], &y = b.events[i];
    EXPECT_EQ(x.time, y.time);
    EXPECT_EQ(x.receive_time, y.receive_time);
    EXPECT_EQ(x.flags, y.flags);
    EXPECT_EQ(x.raw, y.raw);
    EXPECT_EQ(x.source, y.source);
    EXPECT_EQ(x.input, y.input);
    EXPECT_EQ(x.tenant, y.tenant);
    EXPECT_EQ(x.parse_error, y.parse_error);
    ASSERT_EQ(x.fields.size(), y.fields.size());
    for (size_t k = 0; k < x.fields.size(); ++k) {
      const auto &[xn, xv] = x.fields[k];
      const auto &[yn, yv] = y.fields[k];
      EXPECT_EQ(xn, yn);
      EXPECT_EQ(xv.type, yv.type) << xn;
      EXPECT_EQ(xv.is_null, yv.is_null) << xn;
      EXPECT_EQ(xv.text, yv.text) << xn;
      EXPECT_EQ(xv.i64, yv.i64) << xn;
      if (std::isnan(xv.f64)) {
        EXPECT_TRUE(std::isnan(yv.f64)) << xn;
      } else {
        EXPECT_EQ(xv.f64, yv.f64) << xn;
      }
    }
  }
}

TEST(ResultJson, EventsRoundTripExactly) {
  SearchResult r = sample_events();
  std::string json = result_to_json(r);
  auto back = result_from_json(json);
  ASSERT_TRUE(back.ok()) << back.error() << "\n" << json;
  expect_same(r, *back);
  // And the second trip gives the same bytes.
  EXPECT_EQ(result_to_json(*back), json);
}

TEST(ResultJson, EventShape) {
  SearchResult r = sample_events();
  boost::json::value v = boost::json::parse(result_to_json(r));  // also proves it is valid JSON
  const auto& e = v.at("events").at(0).as_object();
  EXPECT_EQ(e.at("time").as_string(), "2026-11-22T06:56:52.123456789Z");
  EXPECT_EQ(e.at("receive_time").as_string(), "2026-11-22T06:56:53.500Z");
  EXPECT_EQ(e.at("tenant").as_string(), "acme");
  EXPECT_EQ(boost::json::serialize(e.at("flags")), R"(["parse_error","truncated","bit20"])");
  EXPECT_TRUE(e.contains("raw_base64"));
  // Invalid bytes become U+FFFD in "raw"; controls are escaped.
  std::string raw(e.at("raw").as_string());
  EXPECT_NE(raw.find("bad:\xEF\xBF\xBD\xEF\xBF\xBD end"), std::string::npos);
  EXPECT_NE(raw.find("\xC3\xA9"), std::string::npos);
  const auto& f = e.at("fields").as_object();
  EXPECT_EQ(f.at("actor.user.name").as_string(), "alice \"the admin\"");
  EXPECT_EQ(f.at("src_endpoint.port").as_int64(), -22);
  EXPECT_EQ(f.at("ok").as_bool(), false);
  EXPECT_EQ(f.at("src_endpoint.ip").as_string(), "fe80::1");
  EXPECT_EQ(f.at("seen").as_string(), "2026-11-22T06:56:52.000001Z");
  EXPECT_EQ(f.at("nan").as_string(), "NaN");
  EXPECT_EQ(boost::json::serialize(f.at("labels")), R"(["a","b"])");
  const auto& t = e.at("types").as_object();
  EXPECT_EQ(t.at("src_endpoint.ip").as_string(), "ip");
  EXPECT_EQ(t.at("labels").as_string(), "string");
  EXPECT_EQ(boost::json::serialize(t.at("mixed")), R"(["int64","string","ip"])");
  EXPECT_EQ(v.at("stats").at("scanned").to_number<int64_t>(), 5000);
  EXPECT_EQ(v.at("stats").at("matched").to_number<int64_t>(), 120);

  const auto& plain = v.at("events").at(1).as_object();
  EXPECT_FALSE(plain.contains("flags"));
  EXPECT_FALSE(plain.contains("parse_error"));
  EXPECT_FALSE(plain.contains("raw_base64"));
  EXPECT_TRUE(plain.at("fields").as_object().empty());
}

TEST(ResultJson, InvalidUtf8EverywhereStillValidJson) {
  SearchResult r;
  ResultEvent e;
  e.raw = "\xff";
  e.source = "\xc0\x80";        // overlong
  e.input = "\xed\xa0\x80";     // surrogate
  e.tenant = "\xf4\x90\x80\x80";  // above U+10FFFF
  e.fields = {{"k\xfe", str("v\x80")}};
  r.events.push_back(e);
  std::string json = result_to_json(r);
  boost::json::error_code ec;
  boost::json::parse(json, ec);
  EXPECT_FALSE(ec) << json;
  auto back = result_from_json(json);
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ(back->events[0].raw, "\xff");  // raw is exact through raw_base64
  EXPECT_EQ(back->events[0].fields[0].first, "k\xEF\xBF\xBD");
  EXPECT_EQ(back->events[0].fields[0].second.text, "v\xEF\xBF\xBD");
}

TEST(ResultJson, TableRoundTrip) {
  SearchResult r;
  r.is_table = true;
  r.columns = {"src_endpoint.ip", "actor.user.name", "count()"};
  ResultValue null = ResultValue::null();
  r.rows = {{str("10.0.0.5"), str("root"), i64(42)}, {null, str(""), i64(0)}};
  r.events_scanned = 1;
  r.events_matched = 1;
  r.elapsed_ms = 0;
  std::string json = result_to_json(r);
  EXPECT_EQ(json,
            R"j({"columns":["src_endpoint.ip","actor.user.name","count()"],"rows":[["10.0.0.5","root",42],[null,"",0]],)j"
            R"j("schema":[{"name":"src_endpoint.ip","type":"string"},{"name":"actor.user.name","type":"string"},)j"
            R"j({"name":"count()","type":"int64"}],)j"
            R"j("stats":{"scanned":1,"matched":1,"matched_complete":true,"elapsed_ms":0E0,"bytes_read":0,"rows_read":0,"segments":0,)j"
            R"j("segments_skipped":0,"blocks":0,"blocks_skipped":0,"blocks_skipped_time":0,"blocks_skipped_index":0,)j"
            R"j("blocks_skipped_stats":0,"memory_rows":0}})j");
  auto back = result_from_json(json);
  ASSERT_TRUE(back.ok()) << back.error();
  expect_same(r, *back);
  EXPECT_TRUE(r == *back);
}

TEST(ResultJson, EmptyResults) {
  SearchResult r;
  auto back = result_from_json(result_to_json(r));
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(r == *back);
  r.is_table = true;
  r.columns = {"count()"};
  back = result_from_json(result_to_json(r));
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(r == *back);
}

TEST(ResultJson, RejectsBadDocuments) {
  for (std::string_view bad : {"", "[]", "{", "{}", R"({"events":[]})", R"({"events":[1],"stats":{"scanned":1,"matched":1,"elapsed_ms":0}})",
                               R"({"events":[],"stats":{"scanned":-1,"matched":1,"elapsed_ms":0}})",
                               R"({"columns":["a"],"rows":[[1,2]],"stats":{"scanned":1,"matched":1,"elapsed_ms":0}})",
                               R"({"events":[],"stats":{"scanned":1,"matched":1,"elapsed_ms":0}} x)"}) {
    auto r = result_from_json(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.error().rfind("invalid search result JSON: ", 0), 0u) << r.error();
    }
  }
  std::string missing_type =
      R"({"events":[{"time":"2026-01-01T00:00:00Z","receive_time":"2026-01-01T00:00:00Z","raw":"",)"
      R"("fields":{"a":1},"types":{}}],"stats":{"scanned":1,"matched":1,"elapsed_ms":0}})";
  auto r = result_from_json(missing_type);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "invalid search result JSON: no type for field 'a'");
}

TEST(ResultJson, FormatJsonAndNdjson) {
  SearchResult r = sample_events();
  EXPECT_EQ(format_result(r, OutputFormat::Json), result_to_json(r) + "\n");
  std::string nd = format_result(r, OutputFormat::Ndjson);
  size_t lines = 0;
  size_t start = 0;
  for (size_t nl; (nl = nd.find('\n', start)) != std::string::npos; start = nl + 1) {
    boost::json::error_code ec;
    auto v = boost::json::parse(std::string_view(nd).substr(start, nl - start), ec);
    EXPECT_FALSE(ec);
    EXPECT_TRUE(v.is_object() && v.as_object().contains("raw"));
    ++lines;
  }
  EXPECT_EQ(lines, 2u);
  EXPECT_EQ(start, nd.size());

  SearchResult t;
  t.is_table = true;
  t.columns = {"host", "count()"};
  ResultValue null = ResultValue::null();
  t.rows = {{str("web-01"), i64(2)}, {null, i64(1)}};
  EXPECT_EQ(format_result(t, OutputFormat::Ndjson), "{\"host\":\"web-01\",\"count()\":2}\n{\"host\":null,\"count()\":1}\n");
}

TEST(ResultJson, SchemaAndScanStatistics) {
  SearchResult r;
  r.is_table = true;
  r.columns = {"ip", "n"};
  r.rows = {{ResultValue::null(), ResultValue::int64(1)}, {ResultValue::string("x"), ResultValue::int64(2)}};
  r.scan.bytes_read = 123456;
  r.scan.blocks = 40;
  r.scan.blocks_skipped_index = 30;
  r.scan.blocks_skipped_time = 5;
  std::string j = result_to_json(r);
  EXPECT_NE(j.find(R"("schema":[{"name":"ip","type":"string"},{"name":"n","type":"int64"}])"), std::string::npos) << j;
  EXPECT_NE(j.find(R"("bytes_read":123456)"), std::string::npos) << j;
  EXPECT_NE(j.find(R"("blocks_skipped":35)"), std::string::npos) << j;
  auto back = result_from_json(j);
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ(back->scan.bytes_read, 123456u);
  EXPECT_EQ(back->scan.blocks_skipped_index, 30u);
  EXPECT_EQ(*back, r);
}

}  // namespace
}  // namespace vigil
