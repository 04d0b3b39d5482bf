// SQL text of the ClickHouse translation: escaping, layout, refusals. What the SQL
// returns is checked against a real server in tests/integration/clickhouse_sql_test.cpp.
#include "query/clickhouse_sql.h"

#include <gtest/gtest.h>

#include "query/query_parser.h"

namespace vigil::query {
namespace {

Result<std::string> sql(Query q) { return to_clickhouse_sql(q, default_clickhouse_table(), SqlOptions{}); }

TEST(ClickHouseSqlText, StringLiteralsEscapeEverythingThatCouldEndThem) {
  EXPECT_EQ(sql_string("plain"), "'plain'");
  EXPECT_EQ(sql_string("a'b"), "'a\\'b'");
  EXPECT_EQ(sql_string("a\\'b"), "'a\\\\\\'b'");
  EXPECT_EQ(sql_string(std::string("n\0l\n\r\t", 6)), "'n\\0l\\n\\r\\t'");
  EXPECT_EQ(sql_string("`;--/*\""), "'`;--/*\"'");
}

TEST(ClickHouseSqlText, CreateTableHasEnvelopeTypedColumnsAndAttributes) {
  auto t = create_table_sql(default_clickhouse_table());
  ASSERT_TRUE(t.ok());
  for (const char* part : {"time Int64", "raw String", "`src_endpoint_ip` Nullable(String)", "`class_uid` Nullable(Int64)",
                           "attr_names Array(String)", "attr_values Array(String)", "ORDER BY (tenant, time)",
                           "MergeTree"})
    EXPECT_NE(t->find(part), std::string::npos) << part;
  ClickHouseTable bad = default_clickhouse_table();
  bad.columns.push_back({"x", "x`; DROP", ColumnType::String});
  EXPECT_FALSE(create_table_sql(bad).ok());
  EXPECT_FALSE(to_clickhouse_sql(Query{}, bad, SqlOptions{}).ok());
}

TEST(ClickHouseSqlText, PlainSearchIsNewestFirstWithTheLimitAndTenant) {
  SqlOptions o;
  o.tenant = "acme'";
  o.from = 10;
  o.to = 20;
  o.limit = 7;
  auto s = to_clickhouse_sql(*parse_query("user.name:root"), default_clickhouse_table(), o);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_NE(s->find("tenant = 'acme\\''"), std::string::npos) << *s;
  EXPECT_NE(s->find("time >= 10 AND time <= 20"), std::string::npos) << *s;
  EXPECT_NE(s->find("ORDER BY time DESC LIMIT 7"), std::string::npos) << *s;
  EXPECT_NE(s->find("lower(`user_name`) = 'root'"), std::string::npos) << *s;
}

TEST(ClickHouseSqlText, UnknownFieldsAreLiteralsNeverIdentifiers) {
  Expr e{.kind = Expr::Kind::Field, .field = "we`ird'name", .value = "v"};
  auto s = sql(Query{.filter = e});
  ASSERT_TRUE(s.ok());
  EXPECT_NE(s->find("n = 'we`ird\\'name'"), std::string::npos) << *s;
  EXPECT_EQ(s->find("`we`"), std::string::npos) << *s;
}

TEST(ClickHouseSqlText, TokenRegexUsesTheIndexByteClassesAndWildcards) {
  auto r = token_regex("fail", false);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->find("(?:^|["), 4u) << *r;             // boundary before a token byte
  EXPECT_NE(r->find("\\x2e"), std::string::npos);     // '.' separates tokens
  EXPECT_EQ(r->find("\\x5f"), std::string::npos);     // '_' is a token byte
  auto w = token_regex("fail*", false);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->find("|$)"), std::string::npos) << *w;  // no end boundary after a star
  auto q = token_regex("a.b*", true);
  ASSERT_TRUE(q.ok());
  EXPECT_NE(q->find("a\\.b\\*"), std::string::npos) << *q;  // literal: the star is a star
  EXPECT_FALSE(token_regex("\xff\xfe", false).ok());
}

TEST(ClickHouseSqlText, CaseInsensitiveRegexIsWrappedInAGroup) {
  Expr e{.kind = Expr::Kind::Regex, .value = "fail(ed)?"};
  auto s = sql(Query{.filter = e});
  ASSERT_TRUE(s.ok());
  EXPECT_NE(s->find("match(raw, '(?i:fail(ed)?)')"), std::string::npos) << *s;
  e.value = "a)|(b";  // would close our group
  auto bad = sql(Query{.filter = e});
  ASSERT_FALSE(bad.ok());
}

TEST(ClickHouseSqlText, StatsUsesFaithfulAggregates) {
  Query q;
  q.stages.push_back(StatsStage{.aggregates = {{.kind = AggKind::Dc, .field = "user.name", .name = "dc"},
                                               {.kind = AggKind::Percentile, .field = "bytes", .percentile = 95, .name = "p95"},
                                               {.kind = AggKind::First, .field = "user.name", .name = "first"}},
                                .by = {"src_endpoint.ip"}});
  auto s = sql(q);
  ASSERT_TRUE(s.ok()) << s.status().message();
  // dc of nothing is 0; the percentile is the nearest rank ceil(p/100 * n) of the sorted
  // values; rows by the first aggregate (nulls last), then the address key.
  for (const char* part : {"ifNull(uniqExact(`user_name`), 0)", "arraySort(groupArray(",
                           "ceil(0.94999999999999996 * count(", "argMinIf(`user_name`, `time`", "GROUP BY c0",
                           "ORDER BY toInt64OrNull(toString(c1)) DESC NULLS LAST, multiIf(match(toString(c0), ",
                           "IPv6StringToNum(toString(c0)), NULL) ASC NULLS LAST"})
    EXPECT_NE(s->find(part), std::string::npos) << part << "\n" << *s;
}

TEST(ClickHouseSqlText, RefusesWhatHasNoFaithfulEquivalent) {
  using K = ValueExpr::Kind;
  auto eval_of = [](ValueExpr v) {
    Query q;
    q.stages.push_back(EvalStage{.assignments = {{"x", std::move(v)}}});
    return sql(q);
  };
  ValueExpr time{.kind = K::Field, .text = "time"};
  auto r = eval_of({.kind = K::Call, .text = "tostring", .col = 9, .children = {time}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("col 9:"), std::string::npos);
  EXPECT_FALSE(eval_of({.kind = K::Call, .text = "strftime", .children = {time, {.kind = K::String, .text = "%f"}}}).ok());
  EXPECT_TRUE(eval_of({.kind = K::Call, .text = "strftime", .children = {time, {.kind = K::String, .text = "%F %T"}}}).ok());
  EXPECT_FALSE(eval_of({.kind = K::Call, .text = "match", .children = {time, time}}).ok());  // pattern not a literal
  EXPECT_FALSE(eval_of({.kind = K::Call, .text = "nosuch"}).ok());
  Query tc;
  tc.stages.push_back(TimechartStage{.span_ns = 60'000'000'000,
                                     .aggregates = {{.kind = AggKind::Avg, .field = "bytes", .name = "avg", .col = 30}},
                                     .by = "user.name"});
  auto t = sql(tc);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("col 30:"), std::string::npos) << t.status().message();
  tc.stages[0] = TimechartStage{.aggregates = {{.kind = AggKind::Count, .name = "count()"}}};
  EXPECT_FALSE(sql(tc).ok());  // span chosen from the range, but the range is unbounded
}

TEST(ClickHouseSqlText, DeepNestingIsAnErrorNotACrash) {
  Expr e{.kind = Expr::Kind::Text, .value = "x"};
  for (int i = 0; i < 200; ++i) e = Expr{.kind = Expr::Kind::Not, .children = {std::move(e)}};
  EXPECT_FALSE(sql(Query{.filter = e}).ok());
}

TEST(ClickHouseSqlText, EveryStageTranslates) {
  Query q = *parse_query("failed");
  q.stages = {WhereStage{.condition = {.kind = ValueExpr::Kind::Bool, .b = true}},
              SortStage{.keys = {{"time", true}}},
              HeadStage{.count = 3},
              TailStage{.count = 2},
              DedupStage{.fields = {"user.name"}},
              RenameStage{.renames = {{"user.name", "who"}}},
              FieldsStage{.fields = {"raw"}, .remove = true},
              TopStage{.fields = {"who"}, .rare = true}};
  auto s = sql(q);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_NE(s->find("LIMIT 1 BY"), std::string::npos);
  EXPECT_NE(s->find("ARRAY JOIN"), std::string::npos);
}

}  // namespace
}  // namespace vigil::query
