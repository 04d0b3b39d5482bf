// Fuzz target: bytes as a query — parsed, printed (to_string), compiled (RE2 on
// untrusted patterns), planned, and matched against a small fixed batch.
// Checks: no crash, bounded recursion, and that a printed term reads back the same.
#include <cstdint>
#include <string_view>

#include "core/event_batch.h"
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
  auto m = query::Matcher::compile(q->filter, kNow);
  (void)query::plan_scan(*q, kMinTime, kMaxTime, kNow);
  if (!m.ok()) return 0;
  for (const Event& e : batch.events()) (void)m->matches(batch, e);
  return 0;
}
