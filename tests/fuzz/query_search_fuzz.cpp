// Fuzz target: bytes as a search query — parsed, run against a small fixed batch
// (plain, and every stage), formatted in every output form, and the JSON form read back;
// the same bytes also go to result_from_json, which reads what a server sent.
// The query also runs on the real store holding the same events sealed, where a
// first stage that groups takes them as column blocks: its table must be the same.
// Checks: no crash, bounded recursion, an exact JSON round trip, and the same
// table from column blocks as from events.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string_view>
#include <vector>

#include "core/batch_codec.h"
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
      b.set_time(1000 + i);  // distinct: rows in time order are in one order in both stores
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

  // The same events in a real store, sealed into a segment (in a temp dir removed at exit).
  std::unique_ptr<Store> sealed() const {
    static const std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("vigil-query-fuzz-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::atexit([] { std::filesystem::remove_all(dir); });
    StoreOptions o;
    o.dir = dir;
    o.sync = false;
    auto store = Store::open(o);
    if (!store.ok()) __builtin_trap();
    for (const EventBatch& b : batches_) {
      std::string bytes;
      encode_batch(b, bytes);
      auto copy = decode_batch(bytes);
      if (!copy.ok()) __builtin_trap();
      if (!(*store)->append_sync(std::move(*copy)).ok()) __builtin_trap();
    }
    if (!(*store)->flush().ok()) __builtin_trap();
    return std::move(*store);
  }

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
  static const std::unique_ptr<Store> sealed = store.sealed();
  auto s = run_search(*sealed, req);
  if (r.ok() != s.ok() && (r.ok() ? s.error() : r.error()).find("MiB") == std::string::npos) __builtin_trap();
  // Tables only: plain results with equal times may come in either order.
  if (r.ok() && s.ok() && r->is_table &&
      (s->columns != r->columns || s->rows != r->rows || s->events_matched != r->events_matched)) {
    std::fprintf(stderr, "events:\n%s\ncolumn blocks:\n%s\n", format_result(*r, OutputFormat::Table).c_str(),
                 format_result(*s, OutputFormat::Table).c_str());
    __builtin_trap();
  }

  auto parsed = result_from_json(text);
  if (parsed.ok()) (void)format_result(*parsed, OutputFormat::Table);
  return 0;
}
