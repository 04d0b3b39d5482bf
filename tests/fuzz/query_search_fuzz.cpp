// Fuzz target: bytes as a search query — parsed, run against a small fixed batch
// (plain, and every stage), formatted in every output form, and the JSON form read back;
// the same bytes also go to result_from_json, which reads what a server sent.
// Checks: no crash, bounded recursion, and an exact JSON round trip.
#include <cstdint>
#include <string_view>
#include <vector>

#include "query/search.h"

namespace {

using namespace vigil;

class FixedStore : public Store {
 public:
  FixedStore() {
    FieldId cls = field_id("class_uid"), user = field_id("actor.user.name"), ip = field_id("src_endpoint.ip"),
            port = field_id("src_endpoint.port"), host = field_id("device.hostname"), ok = field_id("fuzz.ok"),
            score = field_id("fuzz.score"), t = field_id("time"), labels = field_id("metadata.labels");
    EventBatch b;
    for (int i = 0; i < 6; ++i) {
      std::string raw = "Nov 22 06:56:5" + std::to_string(i) + " web-0" + std::to_string(i % 2) +
                        " sshd[1]: Failed password for root from 10.0.0." + std::to_string(i) + " \"q\" \\ \xff";
      b.begin_event({.receive_time = 1000 + i, .raw = raw, .source = "10.9.9.9:514", .input = "syslog-udp"});
      b.set_time(1000 + (i % 3));
      b.add_int(cls, i % 2 ? 3002 : 1007);
      b.add_string(user, i % 3 ? "root" : "Alice");
      b.add_ip(ip, i == 5 ? *IpAddress::parse("fe80::1") : IpAddress::v4(10, 0, 0, static_cast<uint8_t>(i)));
      b.add_int(port, 22 + i);
      b.add_string(host, "web-0" + std::to_string(i % 2));
      b.add_bool(ok, i % 2 == 0);
      b.add_float(score, 0.25 * i);
      b.add_time(t, 1000 + i);
      b.add_string(labels, "a");
      b.add_string(labels, i % 2 ? "b" : "a");
      if (i == 4) b.set_parse_error("fuzz");
      b.end_event();
    }
    batches_.push_back(std::move(b));
  }
  void append(EventBatch&&, Done done) override {
    if (done) done(Status::error("read-only"));
  }
  Status scan(const ScanRequest& r, const Visit& visit, ScanStats*) const override {
    for (const EventBatch& b : batches_)
      if (b.max_time() >= r.from && b.min_time() <= r.to && !visit(b)) break;
    return Status();
  }
  Status flush() override { return Status(); }
  StoreStats stats() const override { return {}; }

 private:
  std::vector<EventBatch> batches_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const FixedStore store;
  std::string_view text(reinterpret_cast<const char*>(data), size);

  SearchRequest req;
  req.query.assign(text);
  req.limit = 3;
  req.max_memory_bytes = 1 << 20;  // stages over six events: a bound that still trips on runaway growth
  auto r = run_search(store, req);
  if (r.ok()) {
    for (OutputFormat f : {OutputFormat::Table, OutputFormat::Json, OutputFormat::Ndjson, OutputFormat::Csv}) {
      (void)format_result(*r, f);
    }
    auto back = result_from_json(result_to_json(*r));
    if (!back.ok() || !(*back == *r)) __builtin_trap();
  }

  auto parsed = result_from_json(text);
  if (parsed.ok()) (void)format_result(*parsed, OutputFormat::Table);
  return 0;
}
