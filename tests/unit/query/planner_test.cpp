// Planner: what of a query is pushed down to the store (ScanRequest), and that
// what is pushed is never stricter than the query.
#include "query/planner.h"

#include <gtest/gtest.h>

#include <cmath>

#include "query/query_parser.h"

namespace vigil::query {
namespace {

const TimeNs kNow = *parse_rfc3339("2026-11-22T12:00:00Z");

ScanRequest plan(std::string_view text) {
  auto q = parse_query(text);
  EXPECT_TRUE(q.ok()) << text << ": " << q.error();
  if (!q.ok()) return {};
  return plan_scan(*q, kMinTime, kMaxTime, kNow);
}

// The conditions as short strings: "port exists", "port int [22, max]"...
std::vector<std::string> conditions(const ScanRequest& r) {
  std::vector<std::string> out;
  auto num = [](int64_t v) {
    return v == INT64_MIN ? std::string("min") : v == INT64_MAX ? std::string("max") : std::to_string(v);
  };
  auto dbl = [](double v) {
    if (std::isinf(v)) return std::string(v < 0 ? "-inf" : "inf");
    char buf[32];
    snprintf(buf, sizeof buf, "%g", v);
    return std::string(buf);
  };
  for (const FieldCondition& c : r.conditions) {
    std::string s = c.field + " ";
    switch (c.op) {
      case FieldCondition::Op::Exists: s += "exists"; break;
      case FieldCondition::Op::StringEq: s += "string " + c.text; break;
      case FieldCondition::Op::IntRange: s += "int [" + num(c.int_lo) + ", " + num(c.int_hi) + "]"; break;
      case FieldCondition::Op::FloatRange: s += "float [" + dbl(c.float_lo) + ", " + dbl(c.float_hi) + "]"; break;
      case FieldCondition::Op::TimeRange:
        s += "time [" + (c.int_lo == INT64_MIN ? std::string("min") : format_rfc3339(c.int_lo)) + ", " +
             (c.int_hi == INT64_MAX ? std::string("max") : format_rfc3339(c.int_hi)) + "]";
        break;
      case FieldCondition::Op::IpRange:
        s += "ip [" + c.ip_lo.to_string() + ", " + c.ip_hi.to_string() + "]";
        break;
    }
    out.push_back(s);
  }
  return out;
}
using Strings = std::vector<std::string>;

TEST(Planner, ComparisonsPushOneConditionPerReadableType) {
  EXPECT_EQ(conditions(plan("port>=22")),
            (Strings{"port exists", "port int [22, max]", "port float [22, inf]",
                     "port time [1970-01-01T00:00:22.000Z, max]"}));
  // Exclusive bounds are pushed inclusive: looser, never stricter.
  EXPECT_EQ(conditions(plan("score<0.5")),
            (Strings{"score exists", "score float [-inf, 0.5]", "score time [min, 1970-01-01T00:00:00.500Z]"}));
  EXPECT_EQ(conditions(plan("name>abc")), (Strings{"name exists"}));  // strings: no range condition in the store
}

TEST(Planner, RangesAndOpenSides) {
  EXPECT_EQ(conditions(plan("port:[10 TO *}")),
            (Strings{"port exists", "port int [10, max]", "port float [10, inf]",
                     "port time [1970-01-01T00:00:10.000Z, max]"}));
  EXPECT_EQ(conditions(plan("port:{* TO *}")),
            (Strings{"port exists", "port int [min, max]", "port float [-inf, inf]", "port time [min, max]",
                     "port ip [::, ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]"}));
  EXPECT_EQ(conditions(plan("ip:[10.0.0.0 TO 10.0.0.255]")), (Strings{"ip exists", "ip ip [10.0.0.0, 10.0.0.255]"}));
  EXPECT_EQ(conditions(plan("ip>=fe80::")), (Strings{"ip exists", "ip ip [fe80::, ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]"}));
  EXPECT_EQ(conditions(plan("time:[2026-11-22T06:00:00Z TO -1h]")),
            (Strings{"time exists", "time time [2026-11-22T06:00:00.000Z, 2026-11-22T11:00:00.000Z]"}));
}

TEST(Planner, ExistsRegexAndCidr) {
  EXPECT_EQ(conditions(plan("user:*")), (Strings{"user exists"}));
  EXPECT_EQ(conditions(plan("user:/^adm/")), (Strings{"user exists"}));
  EXPECT_EQ(conditions(plan("src.ip:10.0.0.0/8")), (Strings{"src.ip ip [10.0.0.0, 10.255.255.255]"}));
  EXPECT_EQ(conditions(plan("src.ip:fe80::/10")), (Strings{"src.ip ip [fe80::, febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff]"}));
  ScanRequest r = plan("/fail(ed)?/ x");
  EXPECT_TRUE(r.conditions.empty());
  EXPECT_EQ(r.terms, (Strings{"x"}));
  // A bad regex is the matcher's error to report (run_search stops before planning).
  EXPECT_EQ(conditions(plan("user:/a(/")), (Strings{"user exists"}));
}

TEST(Planner, OnlyTopLevelAndTermsArePushed) {
  EXPECT_TRUE(plan("port>1 OR user:*").conditions.empty());
  EXPECT_TRUE(plan("NOT port>1").conditions.empty());
  EXPECT_TRUE(plan("NOT user:*").conditions.empty());
  EXPECT_TRUE(plan("-port:[1 TO 2]").conditions.empty());
  EXPECT_EQ(conditions(plan("user:* a (b OR port>1) raw>x input:/y/")), (Strings{"user exists"}));
  EXPECT_EQ(plan("user:* a (b OR port>1)").terms, (Strings{"a"}));
  EXPECT_TRUE(plan("fail?d").terms.empty());  // a '?' is a wildcard: the token index cannot tell
}

TEST(Planner, ProjectionReadsWhatTheFilterUses) {
  ScanRequest r = plan("port>1 user:/x/ host:* ip:[1 TO 2] | stats count() by a");
  EXPECT_FALSE(r.all_fields);
  EXPECT_FALSE(r.raw);
  EXPECT_EQ(r.fields, (Strings{"port", "user", "host", "ip", "a"}));
  r = plan("/x/ | stats count()");
  EXPECT_TRUE(r.raw);
  EXPECT_TRUE(r.fields.empty());
  // Other first stages that group read their fields only; the rest need whole events.
  r = plan("host:web* | timechart span=1h max(bytes) by host");
  EXPECT_FALSE(r.all_fields);
  EXPECT_EQ(r.fields, (Strings{"host", "bytes"}));
  r = plan("| top 5 user by host");
  EXPECT_FALSE(r.all_fields);
  EXPECT_EQ(r.fields, (Strings{"host", "user"}));
  EXPECT_TRUE(plan("| where a > 1 | stats count()").all_fields);
  EXPECT_TRUE(plan("| sort a").all_fields);
}

TEST(Planner, TimeBoundsOfTheRequestAreKept) {
  auto q = parse_query("a from=-1h");
  ASSERT_TRUE(q.ok());
  ScanRequest r = plan_scan(*q, 10, 20, kNow);  // run_search resolves from=/to= before planning
  EXPECT_EQ(r.from, 10);
  EXPECT_EQ(r.to, 20);
}

}  // namespace
}  // namespace vigil::query
