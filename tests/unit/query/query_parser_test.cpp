// Parser: what queries mean (as canonical s-expressions) and what errors say.
#include "query/query_parser.h"

#include <gtest/gtest.h>

#include "query/tokenizer.h"

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

TEST(QueryParser, ExistsAndWildcards) {
  auto q = parse_query("user.name:*");
  ASSERT_TRUE(q.ok()) << q.error();
  EXPECT_EQ(q->filter.kind, Expr::Kind::Exists);
  EXPECT_EQ(q->filter.field, "user.name");
  EXPECT_EQ(parsed("NOT user.name:*"), "(not user.name:*)");
  EXPECT_EQ(parsed("-user.name:*"), "(not user.name:*)");
  q = parse_query("user:\"*\"");  // a quoted star is the value "*"
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->filter.kind, Expr::Kind::Field);
  EXPECT_TRUE(q->filter.quoted);
  EXPECT_EQ(parsed("user:ro?t"), "user:ro?t");
  q = parse_query("user:\"a b*\"");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->filter.kind, Expr::Kind::Field);
  EXPECT_EQ(q->filter.value, "a b*");
  EXPECT_TRUE(q->filter.quoted);
}

TEST(QueryParser, Comparisons) {
  EXPECT_EQ(parsed("port>10"), "port>10");
  EXPECT_EQ(parsed("port>=10"), "port>=10");
  EXPECT_EQ(parsed("port<10"), "port<10");
  EXPECT_EQ(parsed("port<=10"), "port<=10");
  EXPECT_EQ(parsed("port >= 10"), "port>=10");
  EXPECT_EQ(parsed("port >=10"), "port>=10");
  EXPECT_EQ(parsed("port>= 10"), "port>=10");
  EXPECT_EQ(parsed("port > 10 user:root"), "(and port>10 user:root)");
  EXPECT_EQ(parsed("time>=2026-11-22T06:00:00Z"), "time>=2026-11-22T06:00:00Z");
  EXPECT_EQ(parsed("name>\"a b\""), "name>\"a b\"");
  auto q = parse_query("a.b <= -5");
  ASSERT_TRUE(q.ok()) << q.error();
  EXPECT_EQ(q->filter.kind, Expr::Kind::Compare);
  EXPECT_EQ(q->filter.field, "a.b");
  EXPECT_EQ(q->filter.op, Expr::CompareOp::Le);
  EXPECT_EQ(q->filter.value, "-5");
  EXPECT_EQ(q->filter.col, 1u);
  // Not a field name before the operator: free text.
  EXPECT_EQ(parsed("->x"), "(not >x)");
  EXPECT_EQ(parsed("1>2"), "1>2");
  q = parse_query("1>2");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->filter.kind, Expr::Kind::Text);
}

TEST(QueryParser, Ranges) {
  EXPECT_EQ(parsed("port:[10 TO 20]"), "port:[10 TO 20]");
  EXPECT_EQ(parsed("port:{10 to 20}"), "port:{10 TO 20}");
  EXPECT_EQ(parsed("port:[10 TO 20}"), "port:[10 TO 20}");
  EXPECT_EQ(parsed("port:[* TO 20]"), "port:[* TO 20]");
  EXPECT_EQ(parsed("port:[  10   TO *  ] x"), "(and port:[10 TO *] x)");
  EXPECT_EQ(parsed("name:[\"a b\" TO \"c]\"]"), "name:[\"a b\" TO \"c]\"]");
  EXPECT_EQ(parsed("-port:[1 TO 2]"), "(not port:[1 TO 2])");
  EXPECT_EQ(parsed("(port:[1 TO 2])"), "port:[1 TO 2]");
  auto q = parse_query("time:{2026-11-22T06:00:00Z TO *]");
  ASSERT_TRUE(q.ok()) << q.error();
  EXPECT_EQ(q->filter.kind, Expr::Kind::Range);
  EXPECT_EQ(q->filter.field, "time");
  EXPECT_EQ(q->filter.lo, "2026-11-22T06:00:00Z");
  EXPECT_EQ(q->filter.hi, "");
  EXPECT_FALSE(q->filter.lo_inclusive);
  EXPECT_TRUE(q->filter.hi_inclusive);
  // Not after a field name: free text as before.
  EXPECT_EQ(parsed("[error]"), "[error]");
}

TEST(QueryParser, Regexes) {
  auto q = parse_query("/fail(ed|ure)/");
  ASSERT_TRUE(q.ok()) << q.error();
  EXPECT_EQ(q->filter.kind, Expr::Kind::Regex);
  EXPECT_EQ(q->filter.field, "");
  EXPECT_EQ(q->filter.value, "fail(ed|ure)");  // '|' inside a regex is no pipe
  EXPECT_FALSE(q->filter.case_sensitive);
  EXPECT_EQ(parsed("user.name:/^adm.*$/"), "user.name:/^adm.*$/");
  EXPECT_EQ(parsed("/failed password/ root"), "(and /failed password/ root)");
  EXPECT_EQ(parsed("(/a b/)"), "/a b/");
  q = parse_query("path:/C:\\\\Windows\\/x\\d/");  // \/ is a slash, other escapes stay
  ASSERT_TRUE(q.ok()) << q.error();
  EXPECT_EQ(q->filter.value, "C:\\\\Windows/x\\d");
  EXPECT_EQ(to_string(q->filter), "path:/C:\\\\Windows\\/x\\d/");
  // A path is a word: its first closing '/' does not end the term.
  EXPECT_EQ(parsed("file.path:/var/log/auth.log"), "file.path:/var/log/auth.log");
  q = parse_query("/etc/passwd");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->filter.kind, Expr::Kind::Text);
  q = parse_query("/x|y/ | stats count()");
  ASSERT_TRUE(q.ok()) << q.error();
  EXPECT_EQ(q->filter.value, "x|y");
  EXPECT_EQ(q->stages.size(), 1u);
  // Stages have no regexes or ranges: a lone '/' there is no unterminated regex.
  auto tokens = tokenize("/a/ | x / y:[1");
  ASSERT_TRUE(tokens.ok()) << tokens.error();
  EXPECT_EQ((*tokens)[0].kind, TokenKind::Regex);
  EXPECT_EQ((*tokens)[3].kind, TokenKind::Word);
  EXPECT_EQ((*tokens)[3].text, "/");
  EXPECT_EQ((*tokens)[4].text, "y:[1");
}

TEST(QueryParser, CidrStaysAField) {
  auto q = parse_query("src_endpoint.ip:10.0.0.0/8");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->filter.kind, Expr::Kind::Field);
  EXPECT_EQ(q->filter.value, "10.0.0.0/8");
  EXPECT_EQ(parsed("src_endpoint.ip:fe80::/10"), "src_endpoint.ip:fe80::/10");
}

TEST(QueryParser, PipesInsideQuotesAndRegexes) {
  auto q = parse_query("\"a | b\" x:\"c|d\" /e|f/");
  ASSERT_TRUE(q.ok()) << q.error();
  EXPECT_TRUE(q->stages.empty());
  EXPECT_EQ(to_string(q->filter), "(and \"a | b\" x:\"c|d\" /e|f/)");
}

TEST(QueryParser, KeywordsAreCaseInsensitive) {
  EXPECT_EQ(parsed("a aNd b Or NoT c"), "(or (and a b) (not c))");
  EXPECT_EQ(parsed("x:[1 tO 2]"), "x:[1 TO 2]");
}

TEST(QueryParser, TimeBounds) {
  auto q = parse_query("sshd from=-24h failed to=now");
  ASSERT_TRUE(q.ok()) << q.error();
  EXPECT_EQ(to_string(q->filter), "(and sshd failed)");
  EXPECT_EQ(q->time.from, "-24h");
  EXPECT_EQ(q->time.to, "now");
  q = parse_query("FROM=2026-11-22T06:00:00Z | stats count()");
  ASSERT_TRUE(q.ok()) << q.error();
  EXPECT_EQ(to_string(q->filter), "*");
  EXPECT_EQ(q->time.from, "2026-11-22T06:00:00Z");
  EXPECT_EQ(q->time.to, "");
  EXPECT_EQ(q->stages.size(), 1u);
  q = parse_query("to=\"2026-11-22 06:00:00\" x");
  ASSERT_TRUE(q.ok()) << q.error();
  EXPECT_EQ(q->time.to, "2026-11-22 06:00:00");
  EXPECT_EQ(to_string(q->filter), "x");
  q = parse_query("a");
  ASSERT_TRUE(q.ok());
  EXPECT_TRUE(q->time.from.empty() && q->time.to.empty());
}

TEST(QueryParser, ASlashWithoutItsCloseIsAPath) {
  // Not a regex: a word, as a path is; printed, it reads back the same (fuzz found
  // `/s\/x | ...` read as a word while `/s\/x` alone was an error).
  for (const char* text : {"/abc", "user:/abc", "/s\\/Xssi", "/s\\/Xssi | where a = \"10/8\""}) {
    auto q = parse_query(text);
    ASSERT_TRUE(q.ok()) << text << ": " << q.error();
    auto again = parse_query(to_string(q->filter));
    ASSERT_TRUE(again.ok()) << to_string(q->filter) << ": " << again.error();
    EXPECT_EQ(to_string(again->filter), to_string(q->filter));
  }
  EXPECT_EQ(to_string(parse_query("x /abc")->filter), "(and x /abc)");
  EXPECT_EQ(to_string(parse_query("user:/abc")->filter), "user:/abc");
}

TEST(QueryParser, QueriesAreUtf8Text) {
  EXPECT_EQ(error_of("user:b\xC3\xA9" "b | table `x\xff`"), "col 21: the query is not UTF-8 text (byte 255)");
  EXPECT_EQ(error_of("a | eval x = \"\xC3\""), "col 15: the query is not UTF-8 text (byte 195)");
  EXPECT_EQ(error_of("user:b\xC3\xA9" "b"), "no error");
}

TEST(QueryParser, ErrorsOfTheSearchExpression) {
  EXPECT_EQ(error_of("a user.name: b"), "col 13: expected a value after 'user.name:' (no space allowed after ':')");
  EXPECT_EQ(error_of("port:[10 20]"), "col 10: expected 'TO' in a range");
  EXPECT_EQ(error_of("port:[10]"), "col 9: expected 'TO' in a range");
  EXPECT_EQ(error_of("port:[10 TO ]"), "col 13: expected a value after 'TO' in a range");
  EXPECT_EQ(error_of("port:[]"), "col 7: expected a value after '[' in a range");
  EXPECT_EQ(error_of("port:[1 TO 2"), "col 13: expected ']' or '}' to close the range");
  EXPECT_EQ(error_of("port:[1 TO 2 3]"), "col 14: expected ']' or '}' to close the range");
  EXPECT_EQ(error_of("port:[\"1 TO 2]"), "col 7: unterminated quoted string");
  EXPECT_EQ(error_of("port>"), "col 6: expected a value after 'port>'");
  EXPECT_EQ(error_of("port >= )"), "col 8: expected a value after 'port>='");
  EXPECT_EQ(error_of("port>=<3"), "col 7: expected a value after 'port>='");
  EXPECT_EQ(error_of("port>\"\""), "col 6: expected a value after 'port>'");
  EXPECT_EQ(error_of("a from="), "col 8: expected a time after 'from=' (RFC 3339 or relative: -24h, now)");
  EXPECT_EQ(error_of("a from=yesterday"),
            "col 8: invalid time 'yesterday' after 'from=' (expected RFC 3339 or a relative time such as -15m, -24h, "
            "-7d, now)");
  EXPECT_EQ(error_of("to=-3x"),
            "col 4: invalid time '-3x' after 'to=' (expected RFC 3339 or a relative time such as -15m, -24h, -7d, "
            "now)");
  EXPECT_EQ(error_of("from=-1h from=-2h"), "col 10: 'from=' given twice");
  EXPECT_EQ(error_of("(a from=-1h)"), "col 4: 'from=' must be outside parentheses");
  EXPECT_EQ(error_of("a OR from=-1h"), "col 14: expected a search term after 'OR'");
  EXPECT_EQ(error_of("/a|b/ | foo"),
            "col 9: unknown stage 'foo' (stages: where, eval, stats, timechart, sort, head, tail, fields, table, "
            "rename, dedup, top, rare)");
  EXPECT_EQ(error_of("/a/ | eval r = x / 2 | where r > 1"), "no error");  // no regexes in stages
}

// Terms print in the syntax they are read in (and/or/not print as s-expressions).
TEST(QueryParser, CanonicalTermsReadBackTheSame) {
  for (const char* q : {"user:*", "-user:*", "port>=10", "name<\"a b\"", "x:[1 TO *}", "x:{* TO \"a b\"]",
                        "/a\\/b/", "f:/x y/", "ip:10.0.0.0/8", "u:ro?t*", "\"a \\\" b\""}) {
    auto first = parse_query(q);
    ASSERT_TRUE(first.ok()) << q << ": " << first.error();
    std::string text = to_string(first->filter);
    auto again = parse_query(text);
    ASSERT_TRUE(again.ok()) << text << ": " << again.error();
    EXPECT_EQ(to_string(again->filter), text) << q;
  }
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
