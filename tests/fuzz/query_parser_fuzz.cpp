// Fuzz target: bytes as a query — parsed, printed (to_string), compiled (RE2 on
// untrusted patterns), planned, matched against a small fixed batch, and translated
// to ClickHouse SQL.
// Checks: no crash, bounded recursion, that a printed term reads back the same, and
// that no part of the query escapes a literal of the SQL: every '...' string closes
// where the translation meant it to, and every `...` name is a plain identifier.
#include <cstdint>
#include <string_view>

#include "core/event_batch.h"
#include "query/clickhouse_sql.h"
#include "query/matcher.h"
#include "query/planner.h"
#include "query/query_parser.h"

namespace {

using namespace vigil;

const TimeNs kNow = 1'795'000'000 * kNsPerSec;

EventBatch make_batch() {
  EventBatch b;
  for (int i = 0; i < 4; ++i) {
    b.begin_event({.receive_time = kNow, .raw = "sshd[1]: Failed password for root from 10.0.0." + std::to_string(i) +
                                              " \"q\" | \\ \xff",
                   .source = "10.9.9.9:514", .input = "syslog-udp"});
    b.set_time(kNow - i * kNsPerSec);
    b.add_string(field_id("user"), i % 2 ? "root" : "Alice");
    b.add_ip(field_id("ip"), i == 3 ? *IpAddress::parse("fe80::1") : IpAddress::v4(10, 0, 0, static_cast<uint8_t>(i)));
    b.add_string(field_id("ip"), "10.1.2.3");
    b.add_int(field_id("port"), 22 + i);
    b.add_float(field_id("score"), 0.5 * i);
    b.add_bool(field_id("ok"), i % 2 == 0);
    b.add_time(field_id("time"), kNow - i);
    b.end_event();
  }
  return b;
}

// The SQL's string literals ('...' with backslash escapes) all close, and its quoted
// names (`...`) are [a-z_][a-z0-9_]*: what the query wrote stayed inside literals.
bool literals_closed(std::string_view sql) {
  enum { Code, Str, Name } state = Code;
  size_t name_start = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (state == Code) {
      if (c == '\'') state = Str;
      else if (c == '`') state = Name, name_start = i + 1;
    } else if (state == Str) {
      if (c == '\\') ++i;
      else if (c == '\'') state = Code;
    } else if (c == '`') {
      if (i == name_start) return false;
      state = Code;
    } else if (!((c >= 'a' && c <= 'z') || c == '_' || (i > name_start && c >= '0' && c <= '9'))) {
      return false;
    }
  }
  return state == Code;
}

// A leaf prints in the syntax it is read in; and/or/not print as s-expressions.
bool is_leaf(const query::Expr& e) {
  return e.kind != query::Expr::Kind::And && e.kind != query::Expr::Kind::Or && e.kind != query::Expr::Kind::Not;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const EventBatch batch = make_batch();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto q = query::parse_query(text);
  if (!q.ok()) return 0;
  const std::string printed = query::to_string(q->filter);
  if (is_leaf(q->filter) && q->filter.kind != query::Expr::Kind::All) {
    auto again = query::parse_query(printed);
    if (!again.ok() || query::to_string(again->filter) != printed) __builtin_trap();
  }
  static const query::ClickHouseTable table = query::default_clickhouse_table();
  query::SqlOptions options;
  options.now = kNow;
  if (auto sql = query::to_clickhouse_sql(*q, table, options); sql.ok() && !literals_closed(*sql)) __builtin_trap();
  auto m = query::Matcher::compile(q->filter, kNow);
  (void)query::plan_scan(*q, kMinTime, kMaxTime, kNow);
  if (!m.ok()) return 0;
  for (const Event& e : batch.events()) (void)m->matches(batch, e);
  return 0;
}
