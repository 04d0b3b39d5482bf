// Parser: what queries mean (as canonical s-expressions) and what errors say.
#include "query/query_parser.h"

#include <gtest/gtest.h>

namespace vigil::query {
namespace {

std::string parsed(std::string_view q) {
  auto r = parse_query(q);
  if (!r.ok()) return "error: " + r.error();
  return to_string(r->filter);
}

std::string error_of(std::string_view q) {
  auto r = parse_query(q);
  return r.ok() ? "no error" : r.error();
}

TEST(QueryParser, TermsAndBooleans) {
  EXPECT_EQ(parsed(""), "*");
  EXPECT_EQ(parsed("   "), "*");
  EXPECT_EQ(parsed("*"), "*");
  EXPECT_EQ(parsed("sshd"), "sshd");
  EXPECT_EQ(parsed("sshd failed"), "(and sshd failed)");
  EXPECT_EQ(parsed("a AND b"), "(and a b)");
  EXPECT_EQ(parsed("a OR b c"), "(or a (and b c))");
  EXPECT_EQ(parsed("a or b and not c"), "(or a (and b (not c)))");
  EXPECT_EQ(parsed("NOT a b"), "(and (not a) b)");
  EXPECT_EQ(parsed("NOT NOT a"), "(not (not a))");
  EXPECT_EQ(parsed("-a -b"), "(and (not a) (not b))");
  EXPECT_EQ(parsed("-(a OR b)"), "(not (or a b))");
  EXPECT_EQ(parsed("(a OR b) c"), "(and (or a b) c)");
  EXPECT_EQ(parsed("a OR b OR c"), "(or a b c)");
  EXPECT_EQ(parsed("((a))"), "a");
  EXPECT_EQ(parsed("a - b"), "(and a - b)");  // a lone '-' is text
  EXPECT_EQ(parsed("ssh-rsa"), "ssh-rsa");
  EXPECT_EQ(parsed("\"Failed password\" root"), "(and \"Failed password\" root)");
  EXPECT_EQ(parsed("\"AND\" or"), "error: col 9: expected a search term after 'or'");
  EXPECT_EQ(parsed("\"AND\""), "\"AND\"");
  EXPECT_EQ(parsed("\"say \\\"hi\\\" C:\\\\x\\y\""), "\"say \\\"hi\\\" C:\\\\x\\\\y\"");
}

TEST(QueryParser, FieldTerms) {
  EXPECT_EQ(parsed("actor.user.name:root"), "actor.user.name:root");
  EXPECT_EQ(parsed("actor.user.name:\"John Smith\""), "actor.user.name:\"John Smith\"");
  EXPECT_EQ(parsed("src_endpoint.ip:fe80::1"), "src_endpoint.ip:fe80::1");
  EXPECT_EQ(parsed("time:2026-11-22T06:56:52Z"), "time:2026-11-22T06:56:52Z");
  EXPECT_EQ(parsed("src_endpoint.ip:10.0.0.0/8 -status_id:1"), "(and src_endpoint.ip:10.0.0.0/8 (not status_id:1))");
  EXPECT_EQ(parsed("user:*"), "user:*");
  EXPECT_EQ(parsed("process.file.path:C:\\Windows\\*"), "process.file.path:C:\\Windows\\*");
  // Not a field name before the colon: free text.
  EXPECT_EQ(parsed("12:30:45"), "12:30:45");
  EXPECT_EQ(parsed(":x"), ":x");
  auto q = parse_query("user:\"a b\"");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->filter.kind, Expr::Kind::Field);
  EXPECT_EQ(q->filter.field, "user");
  EXPECT_EQ(q->filter.value, "a b");
  EXPECT_TRUE(q->filter.quoted);
}

TEST(QueryParser, Stats) {
  auto q = parse_query("failed | STATS count() AS n, Count(actor.user.name) BY src_endpoint.ip , device.hostname");
  ASSERT_TRUE(q.ok()) << q.error();
  ASSERT_EQ(q->stages.size(), 1u);
  const auto& s = std::get<StatsStage>(q->stages[0]);
  ASSERT_EQ(s.aggregates.size(), 2u);
  EXPECT_EQ(s.aggregates[0].name, "n");
  EXPECT_EQ(s.aggregates[0].field, "");
  EXPECT_EQ(s.aggregates[1].name, "count(actor.user.name)");
  EXPECT_EQ(s.aggregates[1].field, "actor.user.name");
  EXPECT_EQ(s.by, (std::vector<std::string>{"src_endpoint.ip", "device.hostname"}));
  EXPECT_EQ(s.col, 10u);

  q = parse_query("| stats count()");
  ASSERT_TRUE(q.ok()) << q.error();
  EXPECT_EQ(to_string(q->filter), "*");
  EXPECT_TRUE(std::get<StatsStage>(q->stages[0]).by.empty());
  EXPECT_EQ(std::get<StatsStage>(q->stages[0]).aggregates[0].name, "count()");
}

TEST(QueryParser, Errors) {
  EXPECT_EQ(error_of("(a OR b"), "col 1: unbalanced parenthesis ('(' is never closed)");
  EXPECT_EQ(error_of("a OR b)"), "col 7: unbalanced parenthesis (')' without '(')");
  EXPECT_EQ(error_of(") a"), "col 1: unbalanced parenthesis (')' without '(')");
  EXPECT_EQ(error_of("(a (b)"), "col 1: unbalanced parenthesis ('(' is never closed)");
  EXPECT_EQ(error_of("()"), "col 2: expected a search term inside '()'");
  EXPECT_EQ(error_of("(a OR )"), "col 7: expected a search term before ')'");
  EXPECT_EQ(error_of("a OR"), "col 5: expected a search term after 'OR'");
  EXPECT_EQ(error_of("a AND OR b"), "col 7: expected a search term before 'OR'");
  EXPECT_EQ(error_of("AND a"), "col 1: expected a search term before 'AND'");
  EXPECT_EQ(error_of("NOT"), "col 4: expected a search term after 'NOT'");
  EXPECT_EQ(error_of("a NOT | stats count()"), "col 7: expected a search term after 'NOT'");
  EXPECT_EQ(error_of("\"abc"), "col 1: unterminated quoted string");
  EXPECT_EQ(error_of("x \"abc\\\""), "col 3: unterminated quoted string");
  EXPECT_EQ(error_of("user: root"), "col 6: expected a value after 'user:' (no space allowed after ':')");
  EXPECT_EQ(error_of("user:"), "col 6: expected a value after 'user:'");
  EXPECT_EQ(error_of("a, b"), "col 2: unexpected ','; quote a value that contains a comma");
  EXPECT_EQ(error_of("a |"), "col 4: expected a stage name after '|'");
  EXPECT_EQ(error_of("| foo"),
            "col 3: unknown stage 'foo' (stages: where, eval, stats, timechart, sort, head, tail, fields, table, "
            "rename, dedup, top, rare)");
  const std::string aggs = " (count, dc, sum, avg, min, max, percentile, p50/p90/p95/p99, values, first, last)";
  EXPECT_EQ(error_of("| stats"), "col 8: expected an aggregate after 'stats'" + aggs + ", not end of stage");
  EXPECT_EQ(error_of("| stats by x"), "col 9: expected an aggregate after 'stats'" + aggs + ", not 'by'");
  EXPECT_EQ(error_of("| stats dcount(x)"), "col 9: expected an aggregate after 'stats'" + aggs + ", not 'dcount'");
  EXPECT_EQ(error_of("| stats count"), "col 14: expected '(' after 'count'");
  EXPECT_EQ(error_of("| stats count("), "col 15: expected a field name in count(), not end of stage");
  EXPECT_EQ(error_of("| stats count(1x)"), "col 15: expected a field name in count(), not '1x'");
  EXPECT_EQ(error_of("| stats count() as"), "col 19: expected a name after 'as', not end of stage");
  EXPECT_EQ(error_of("| stats count() by"), "col 19: expected a field name after 'by', not end of stage");
  EXPECT_EQ(error_of("| stats count() by a,"), "col 22: expected a field name after ',', not end of stage");
  EXPECT_EQ(error_of("| stats count() by (a)"), "col 20: expected a field name after 'by', not '('");
  EXPECT_EQ(error_of("| stats count(),"), "col 17: expected an aggregate after 'stats'" + aggs + ", not end of stage");
  EXPECT_EQ(error_of("| stats count() foo"), "col 17: unexpected 'foo'");
  EXPECT_EQ(error_of("| stats count(), count()"), "col 18: duplicate column 'count()' (rename one with 'as')");
  EXPECT_EQ(error_of("| stats count() as a by a"), "col 25: duplicate column 'a' (rename one with 'as')");
}

TEST(QueryParser, NestingIsBounded) {
  std::string ok = std::string(kMaxNesting, '(') + "a" + std::string(kMaxNesting, ')');
  EXPECT_EQ(parsed(ok), "a");
  std::string deep = std::string(kMaxNesting + 1, '(') + "a" + std::string(kMaxNesting + 1, ')');
  EXPECT_EQ(error_of(deep), "col 65: query nested too deeply (more than 64 levels)");
  std::string nots;
  for (int i = 0; i < 1000; ++i) nots += "NOT ";
  EXPECT_EQ(error_of(nots + "a"), "col 257: query nested too deeply (more than 64 levels)");
  std::string minus(100000, '-');
  EXPECT_NE(error_of(minus + "a").find("nested too deeply"), std::string::npos);
  // Long flat lists are not nesting.
  std::string flat;
  for (int i = 0; i < 10000; ++i) flat += "a OR b ";
  EXPECT_TRUE(parse_query(flat + "c").ok());
}

TEST(QueryParser, FieldNames) {
  EXPECT_TRUE(is_field_name("actor.user.name"));
  EXPECT_TRUE(is_field_name("_time"));
  EXPECT_TRUE(is_field_name("unmapped.X-Forwarded-For"));
  EXPECT_FALSE(is_field_name(""));
  EXPECT_FALSE(is_field_name("1abc"));
  EXPECT_FALSE(is_field_name("a."));
  EXPECT_FALSE(is_field_name("a b"));
}

}  // namespace
}  // namespace vigil::query
