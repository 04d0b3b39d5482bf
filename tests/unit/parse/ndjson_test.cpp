// Tests of the NDJSON reader: line splitting, flattening, typing, event time and
// every way a line can be bad.
#include "parse/ndjson.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace vigil {
namespace {

constexpr TimeNs kReceive = 1'600'000'000'000'000'000;  // 2020-09-13T12:26:40Z

struct Read {
  EventBatch batch;
  NdjsonStats stats;
};

Read read(std::string_view body, NdjsonOptions options = {}) {
  Read r;
  Provenance p;
  p.receive_time = kReceive;
  p.source = "10.0.0.5:8080";
  p.input = "http";
  r.stats = read_ndjson(body, p, r.batch, options);
  return r;
}

// Fields of event i as (name, type, text) triples, in order.
using Triple = std::tuple<std::string, FieldType, std::string>;
std::vector<Triple> fields(const Read& r, size_t i) {
  std::vector<Triple> out;
  for (const Field& f : r.batch.fields(r.batch[i]))
    out.emplace_back(std::string(field_name(f.id)), f.value.type, f.value.to_string());
  return out;
}

const Value* get(const Read& r, size_t i, std::string_view name) {
  return r.batch.find(r.batch[i], field_id(name));
}

TEST(Ndjson, FlattensNestedObjectsWithTypes) {
  auto r = read(R"({"class_uid":3002,"actor":{"user":{"name":"alice","uid":"S-1-5"}},"ok":true,"score":0.5})");
  ASSERT_EQ(r.batch.size(), 1u);
  EXPECT_EQ(r.stats.events, 1u);
  EXPECT_EQ(r.stats.parse_errors, 0u);
  EXPECT_EQ(fields(r, 0), (std::vector<Triple>{
                              {"class_uid", FieldType::Int64, "3002"},
                              {"actor.user.name", FieldType::String, "alice"},
                              {"actor.user.uid", FieldType::String, "S-1-5"},
                              {"ok", FieldType::Bool, "true"},
                              {"score", FieldType::Float64, "0.5"},
                          }));
  const Event& e = r.batch[0];
  EXPECT_EQ(e.raw, R"({"class_uid":3002,"actor":{"user":{"name":"alice","uid":"S-1-5"}},"ok":true,"score":0.5})");
  EXPECT_EQ(e.source, "10.0.0.5:8080");
  EXPECT_EQ(e.input, "http");
  EXPECT_EQ(e.tenant, "default");
  EXPECT_EQ(e.receive_time, kReceive);
  EXPECT_EQ(e.time, kReceive);
  EXPECT_EQ(e.flags, kFlagNoTimestamp);
}

TEST(Ndjson, ArraysRepeatTheFieldAndNullIsSkipped) {
  auto r = read(R"({"tags":["a","b",3,null],"procs":[{"pid":1,"n":"x"},{"pid":2}],"nested":[[1],[2,[3]]],"gone":null,"empty":[],"eo":{}})");
  ASSERT_EQ(r.batch.size(), 1u);
  EXPECT_EQ(fields(r, 0), (std::vector<Triple>{
                              {"tags", FieldType::String, "a"},
                              {"tags", FieldType::String, "b"},
                              {"tags", FieldType::Int64, "3"},
                              {"procs.pid", FieldType::Int64, "1"},
                              {"procs.n", FieldType::String, "x"},
                              {"procs.pid", FieldType::Int64, "2"},
                              {"nested", FieldType::Int64, "1"},
                              {"nested", FieldType::Int64, "2"},
                              {"nested", FieldType::Int64, "3"},
                          }));
}

TEST(Ndjson, EmptyObjectIsAnEventWithoutFields) {
  auto r = read("{}\n{ }\n");
  ASSERT_EQ(r.batch.size(), 2u);
  EXPECT_EQ(r.batch[0].field_count, 0u);
  EXPECT_EQ(r.batch[1].raw, "{ }");
  EXPECT_EQ(r.stats.parse_errors, 0u);
  EXPECT_EQ(r.batch[0].flags, kFlagNoTimestamp);
}

TEST(Ndjson, LinesCrlfBlankAndLastLineWithoutNewline) {
  auto r = read("{\"a\":1}\r\n\r\n   \n\t\n{\"a\":2}\n{\"a\":3}");
  ASSERT_EQ(r.batch.size(), 3u);
  EXPECT_EQ(r.stats.events, 3u);
  EXPECT_EQ(r.batch[0].raw, "{\"a\":1}");
  EXPECT_EQ(r.batch[1].raw, "{\"a\":2}");
  EXPECT_EQ(r.batch[2].raw, "{\"a\":3}");
  EXPECT_EQ(get(r, 2, "a")->i64, 3);
  EXPECT_EQ(r.stats.parse_errors, 0u);
}

TEST(Ndjson, EmptyAndBlankBodies) {
  EXPECT_EQ(read("").batch.size(), 0u);
  EXPECT_EQ(read("\n\r\n  \n").batch.size(), 0u);
  EXPECT_EQ(read("\xEF\xBB\xBF").batch.size(), 0u);
}

TEST(Ndjson, ByteOrderMarkAtStartOfBody) {
  auto r = read("\xEF\xBB\xBF{\"a\":\"x\"}\n{\"a\":\"y\"}\n");
  ASSERT_EQ(r.batch.size(), 2u);
  EXPECT_EQ(r.stats.parse_errors, 0u);
  EXPECT_EQ(r.batch[0].raw, "{\"a\":\"x\"}");
  EXPECT_EQ(get(r, 0, "a")->as_string(), "x");
}

TEST(Ndjson, UnicodeEscapesAreDecoded) {
  auto r = read(R"({"n\u00e9":"caf\u00e9 \ud83d\ude00 \"q\" \\ \/ \t","raw":"日本"})");
  ASSERT_EQ(r.stats.parse_errors, 0u) << r.stats.first_error;
  EXPECT_EQ(get(r, 0, "n\xC3\xA9")->as_string(), "caf\xC3\xA9 \xF0\x9F\x98\x80 \"q\" \\ / \t");
  EXPECT_EQ(get(r, 0, "raw")->as_string(), "日本");
}

TEST(Ndjson, InvalidLinesAreKeptRawAndFlagged) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not json at all", "not JSON (a line must be a JSON object)"},
      {"<134>Oct 11 22:14:15 host app: hello", "not JSON (a line must be a JSON object)"},
      {"nothing", "not JSON (a line must be a JSON object)"},
      {"{\"a\":1", "malformed JSON"},
      {"{\"a\":1,}", "malformed JSON"},
      {"{\"a\" 1}", "malformed JSON"},
      {"{\"a\":[1,2}", "malformed JSON"},
      {"{\"a\":1}}", "unexpected content after the JSON object"},
      {"{\"a\":1} x", "unexpected content after the JSON object"},
      {"{}{}", "unexpected content after the JSON object"},
      {"[1,2]", "expected a JSON object, found an array"},
      {"\"text\"", "expected a JSON object, found a string"},
      {"42", "expected a JSON object, found a number"},
      {"null", "expected a JSON object, found null"},
      {"{\"a\":\"b}", "unterminated string"},
      {"{\"a\":tru}", "invalid literal"},
      {"{\"a\":nul}", "invalid literal"},
      {"{\"a\":01}", "invalid or out-of-range number"},
      {"{\"a\":1.}", "invalid or out-of-range number"},
      {"{\"a\":123456789012345678901234567890}", "invalid or out-of-range number"},
      {"{\"a\":1e400}", "invalid or out-of-range number"},
      {"{\"a\":\"\\x\"}", "invalid escape in string"},
      {"{\"a\":\"\xff\"}", "invalid UTF-8"},
      {"{\"a\":\"\xC3\"}", "invalid UTF-8"},
      {std::string("{\"a\":\"x\ty\"}"), "unescaped control character in string"},
  };
  for (const auto& [line, reason] : cases) {
    auto r = read("{\"ok\":1}\n" + line + "\n{\"ok\":2}\n");
    ASSERT_EQ(r.batch.size(), 3u) << line;
    EXPECT_EQ(r.stats.parse_errors, 1u) << line;
    const Event& e = r.batch[1];
    EXPECT_EQ(e.raw, line);
    EXPECT_EQ(e.flags, kFlagParseError | kFlagNoTimestamp) << line;
    EXPECT_EQ(e.field_count, 0u) << line;  // nothing half-parsed leaks into the event
    EXPECT_EQ(e.time, kReceive);
    EXPECT_EQ(e.parse_error.substr(0, 8), "line 2: ") << line;
    EXPECT_NE(e.parse_error.find(reason), std::string_view::npos) << line << " -> " << e.parse_error;
    EXPECT_EQ(r.stats.first_error, std::string(e.parse_error));
    EXPECT_EQ(r.batch[0].flags & kFlagParseError, 0u);
    EXPECT_EQ(get(r, 2, "ok")->i64, 2);
  }
}

TEST(Ndjson, FirstErrorIsTheFirstBadLine) {
  auto r = read("{}\n\nbad\n[1]\n");
  EXPECT_EQ(r.stats.events, 3u);
  EXPECT_EQ(r.stats.parse_errors, 2u);
  EXPECT_EQ(r.stats.first_error, "line 3: not JSON (a line must be a JSON object)");
  EXPECT_EQ(r.batch[2].parse_error, "line 4: expected a JSON object, found an array");
}

TEST(Ndjson, LongLinesAreCutAndFlagged) {
  std::string big = "{\"a\":\"" + std::string(100, 'x') + "\"}";
  auto r = read("{\"a\":1}\n" + big + "\r\n{\"a\":2}", {.max_line_bytes = 50});
  ASSERT_EQ(r.batch.size(), 3u);
  EXPECT_EQ(r.stats.truncated, 1u);
  EXPECT_EQ(r.stats.parse_errors, 1u);
  const Event& e = r.batch[1];
  EXPECT_EQ(e.raw, big.substr(0, 50));
  EXPECT_EQ(e.flags, kFlagTruncated | kFlagParseError | kFlagNoTimestamp);
  EXPECT_EQ(e.parse_error, "line 2: longer than 50 bytes; cut and not parsed");
  EXPECT_EQ(r.stats.first_error, "line 2: longer than 50 bytes; cut and not parsed");
  EXPECT_EQ(get(r, 2, "a")->i64, 2);
  // Exactly at the limit is fine.
  auto ok = read("{\"a\":12345}", {.max_line_bytes = 11});
  EXPECT_EQ(ok.stats.truncated, 0u);
  EXPECT_EQ(ok.stats.parse_errors, 0u);
}

TEST(Ndjson, IntegersBeyondInt64StayExactText) {
  auto r = read(R"({"max":9223372036854775807,"min":-9223372036854775808,"u":9223372036854775808,"umax":18446744073709551615,"f":-1.5e3,"g":1e300})");
  ASSERT_EQ(r.stats.parse_errors, 0u) << r.stats.first_error;
  EXPECT_EQ(fields(r, 0), (std::vector<Triple>{
                              {"max", FieldType::Int64, "9223372036854775807"},
                              {"min", FieldType::Int64, "-9223372036854775808"},
                              {"u", FieldType::String, "9223372036854775808"},
                              {"umax", FieldType::String, "18446744073709551615"},
                              {"f", FieldType::Float64, "-1500"},
                              {"g", FieldType::Float64, Value::float64(1e300).to_string()},
                          }));
}

TEST(Ndjson, IpFieldsAreTyped) {
  auto r = read(R"({"src_endpoint":{"ip":"10.1.2.3","port":443},"dst_endpoint":{"ip":"2001:db8::1"},"ip":"192.168.0.1","device":{"ip":"not-an-ip"},"client_ip":"10.0.0.1","ips":["1.1.1.1"],"x":{"ip":["8.8.8.8","9.9.9.9"]}})");
  ASSERT_EQ(r.stats.parse_errors, 0u);
  EXPECT_EQ(fields(r, 0), (std::vector<Triple>{
                              {"src_endpoint.ip", FieldType::Ip, "10.1.2.3"},
                              {"src_endpoint.port", FieldType::Int64, "443"},
                              {"dst_endpoint.ip", FieldType::Ip, "2001:db8::1"},
                              {"ip", FieldType::Ip, "192.168.0.1"},
                              {"device.ip", FieldType::String, "not-an-ip"},
                              {"client_ip", FieldType::String, "10.0.0.1"},
                              {"ips", FieldType::String, "1.1.1.1"},
                              {"x.ip", FieldType::Ip, "8.8.8.8"},
                              {"x.ip", FieldType::Ip, "9.9.9.9"},
                          }));
  EXPECT_TRUE(get(r, 0, "src_endpoint.ip")->as_ip() == IpAddress::v4(10, 1, 2, 3));
}

TEST(Ndjson, OcsfTimeInMillisecondsIsTheEventTime) {
  auto r = read(R"({"time":1700000000123,"start_time":1700000000000,"metadata":{"logged_time":"2023-11-14T22:13:21.5Z"},"duration_time":150,"time_zone":60})");
  ASSERT_EQ(r.stats.parse_errors, 0u);
  EXPECT_EQ(fields(r, 0), (std::vector<Triple>{
                              {"time", FieldType::Timestamp, "2023-11-14T22:13:20.123Z"},
                              {"start_time", FieldType::Timestamp, "2023-11-14T22:13:20.000Z"},
                              {"metadata.logged_time", FieldType::Timestamp, "2023-11-14T22:13:21.500Z"},
                              {"duration_time", FieldType::Int64, "150"},
                              {"time_zone", FieldType::Int64, "60"},
                          }));
  EXPECT_EQ(r.batch[0].time, 1'700'000'000'123'000'000);
  EXPECT_EQ(r.batch[0].flags, 0u);
  EXPECT_EQ(get(r, 0, "time")->ts, 1'700'000'000'123'000'000);
}

TEST(Ndjson, TimeUnitFollowsMagnitude) {
  auto at = [](std::string_view line) {
    auto r = read(line);
    return r.batch[0].time;
  };
  EXPECT_EQ(at(R"({"time":1700000000})"), 1'700'000'000'000'000'000);               // seconds
  EXPECT_EQ(at(R"({"time":1700000000.25})"), 1'700'000'000'250'000'000);            // seconds with fraction
  EXPECT_EQ(at(R"({"time":1700000000123})"), 1'700'000'000'123'000'000);            // OCSF milliseconds
  EXPECT_EQ(at(R"({"time":1700000000123456})"), 1'700'000'000'123'456'000);         // microseconds
  EXPECT_EQ(at(R"({"time":1700000000123456789})"), 1'700'000'000'123'456'789);      // nanoseconds
  EXPECT_EQ(at(R"({"time":"2023-11-14T22:13:20+01:00"})"), 1'699'996'400'000'000'000);
  // Not plausible as a timestamp: stays a number, event falls back to receive time.
  auto r = read(R"({"time":0})");
  EXPECT_EQ(r.batch[0].time, kReceive);
  EXPECT_EQ(r.batch[0].flags, kFlagNoTimestamp);
  EXPECT_EQ(get(r, 0, "time")->type, FieldType::Int64);
  auto s = read(R"({"time":"yesterday"})");
  EXPECT_EQ(s.batch[0].flags, kFlagNoTimestamp);
  EXPECT_EQ(get(s, 0, "time")->as_string(), "yesterday");
}

TEST(Ndjson, EventTimeFallbacks) {
  auto r = read(
      "{\"@timestamp\":\"2024-01-02T03:04:05.678Z\",\"msg\":\"x\"}\n"
      "{\"timestamp\":\"2024-01-02T03:04:06Z\"}\n"
      "{\"ts\":1700000000.123456,\"uid\":\"C1\",\"id\":{\"orig_h\":\"10.0.0.1\"}}\n"
      "{\"ts\":\"2024-01-02 03:04:07\",\"time\":1700000000000}\n"
      "{\"ts\":1,\"timestamp\":\"soon\"}\n"
      "{\"event\":{\"time\":1700000000000}}\n");
  ASSERT_EQ(r.batch.size(), 6u);
  EXPECT_EQ(r.batch[0].time, *parse_rfc3339("2024-01-02T03:04:05.678Z"));
  EXPECT_EQ(get(r, 0, "@timestamp")->type, FieldType::Timestamp);
  EXPECT_EQ(r.batch[1].time, *parse_rfc3339("2024-01-02T03:04:06Z"));
  EXPECT_EQ(r.batch[2].time, 1'700'000'000'123'456'000);  // Zeek: exact to the microsecond
  EXPECT_EQ(r.batch[2].flags, 0u);
  EXPECT_EQ(r.batch[3].time, 1'700'000'000'000'000'000);  // `time` wins over `ts`
  EXPECT_EQ(r.batch[4].time, kReceive);
  EXPECT_EQ(r.batch[4].flags, kFlagNoTimestamp);
  EXPECT_EQ(get(r, 4, "ts")->type, FieldType::Int64);
  // Only a top-level `time` is the event's time; a nested one is typed but not used.
  EXPECT_EQ(r.batch[5].time, kReceive);
  EXPECT_EQ(get(r, 5, "event.time")->type, FieldType::Timestamp);
}

TEST(Ndjson, DeepNestingIsKeptAsJsonText) {
  std::string open, close;
  for (int i = 0; i < 100; ++i) {
    open += "{\"k\":";
    close += "}";
  }
  std::string line = "{\"a\":" + open + "[1, 2]" + close + ",\"b\":1}";
  auto r = read(line);
  ASSERT_EQ(r.stats.parse_errors, 0u) << r.stats.first_error;
  auto f = fields(r, 0);
  ASSERT_EQ(f.size(), 2u);
  // 64 containers are flattened (the line's object, a's object, 62 k objects); the
  // value of the 63rd k is the 65th container and is kept as text.
  std::string name = "a";
  for (int i = 0; i < 63; ++i) name += ".k";
  EXPECT_EQ(std::get<0>(f[0]), name);
  EXPECT_EQ(std::get<1>(f[0]), FieldType::String);
  std::string rest_open, rest_close;
  for (int i = 0; i < 37; ++i) {
    rest_open += "{\"k\":";
    rest_close += "}";
  }
  EXPECT_EQ(std::get<2>(f[0]), rest_open + "[1,2]" + rest_close);  // minified
  EXPECT_EQ(f[1], (Triple{"b", FieldType::Int64, "1"}));
}

TEST(Ndjson, DeepArraysAndInvalidDeepSubtrees) {
  std::string deep_ok(200, '[');
  deep_ok += std::string(200, ']');
  auto r = read("{\"a\":" + deep_ok + "}");
  ASSERT_EQ(r.stats.parse_errors, 0u) << r.stats.first_error;
  ASSERT_EQ(r.batch[0].field_count, 1u);
  EXPECT_EQ(get(r, 0, "a")->as_string(), std::string(137, '[') + std::string(137, ']'));

  // A structural error hidden past the flattening depth is still an error.
  std::string bad = "{\"a\":" + std::string(100, '[') + "1 2" + std::string(100, ']') + "}";
  auto b = read(bad);
  EXPECT_EQ(b.stats.parse_errors, 1u);
  EXPECT_EQ(b.batch[0].field_count, 0u);

  // Nesting past what any parser stage accepts is an error, not a stack overflow.
  std::string abyss = "{\"a\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
  auto a = read(abyss);
  EXPECT_EQ(a.stats.parse_errors, 1u);
  EXPECT_NE(a.stats.first_error.find("nesting deeper than"), std::string::npos) << a.stats.first_error;
}

TEST(Ndjson, DuplicateKeysAndOddKeys) {
  auto r = read(R"({"a":1,"a":2,"":3,"x.y":{"z":4},"sp ace":5})");
  ASSERT_EQ(r.stats.parse_errors, 0u);
  EXPECT_EQ(fields(r, 0), (std::vector<Triple>{
                              {"a", FieldType::Int64, "1"},
                              {"a", FieldType::Int64, "2"},
                              {"", FieldType::Int64, "3"},
                              {"x.y.z", FieldType::Int64, "4"},
                              {"sp ace", FieldType::Int64, "5"},
                          }));
}

TEST(Ndjson, AppendsToABatchAcrossCalls) {
  EventBatch batch;
  Provenance p;
  p.receive_time = kReceive;
  p.input = "http";
  read_ndjson("{\"a\":\"one\"}\n", p, batch);
  std::string second = "{\"a\":\"two\"}\n";
  read_ndjson(second, p, batch);
  second.assign(second.size(), 'z');  // the batch must not point into the caller's buffer
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch.find(batch[0], field_id("a"))->as_string(), "one");
  EXPECT_EQ(batch.find(batch[1], field_id("a"))->as_string(), "two");
  EXPECT_EQ(batch[1].raw, "{\"a\":\"two\"}");
}

TEST(Ndjson, ManyLinesKeepTheirOwnFields) {
  std::string body;
  for (int i = 0; i < 2000; ++i)
    body += "{\"i\":" + std::to_string(i) + ",\"s\":\"v" + std::to_string(i) + "\",\"n\":{\"d\":" +
            std::to_string(i * 2) + "}}\n";
  auto r = read(body);
  ASSERT_EQ(r.batch.size(), 2000u);
  for (size_t i = 0; i < r.batch.size(); ++i) {
    ASSERT_EQ(r.batch[i].field_count, 3u);
    EXPECT_EQ(get(r, i, "i")->i64, static_cast<int64_t>(i));
    EXPECT_EQ(get(r, i, "s")->as_string(), "v" + std::to_string(i));
    EXPECT_EQ(get(r, i, "n.d")->i64, static_cast<int64_t>(i * 2));
  }
}

TEST(Ndjson, ManyDistinctNamesSurviveTheNameCache) {
  // More names than the per-thread cache holds, so entries are evicted and re-filled.
  std::string body;
  for (int line = 0; line < 3; ++line) {
    body += "{";
    for (int i = 0; i < 5000; ++i) body += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":" + std::to_string(i);
    body += "}\n";
  }
  auto r = read(body);
  ASSERT_EQ(r.batch.size(), 3u);
  for (size_t e = 0; e < 3; ++e) {
    auto f = r.batch.fields(r.batch[e]);
    ASSERT_EQ(f.size(), 5000u);
    for (size_t i = 0; i < f.size(); ++i) {
      ASSERT_EQ(field_name(f[i].id), "k" + std::to_string(i));
      ASSERT_EQ(f[i].value.i64, static_cast<int64_t>(i));
    }
  }
}

}  // namespace
}  // namespace vigil
