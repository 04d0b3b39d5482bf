// The http output: each batch POSTed as NDJSON (core/event_json.h) to a URL — a Vigil
// server's /api/v1/ingest, a Splunk HEC raw endpoint, a log shipper. Delivered on a 2xx
// answer; the query parameter agent_batch carries the spool's batch number so a receiver
// can drop a resend (a crash between its answer and the spool's acknowledgement resends
// the batch: at-least-once, as docs/agent.md says).
#include "agent/https_client.h"
#include "agent/output.h"
#include "core/event_json.h"

#include <fstream>
#include <sstream>

namespace vigil {

namespace {

class HttpOutput final : public Output {
 public:
  explicit HttpOutput(const AgentConfig& c) : config_(c) {}

  Status init() {
    HttpsClientOptions o;
    if (Status s = parse_http_url(config_.http.url, o, path_); !s.ok()) return Status::error("http.url: " + s.message());
    for (const auto& [k, v] : config_.http.headers) o.headers.emplace_back(k, v);
    auto c = HttpsClient::create(o);
    if (!c.ok()) return Status::error("http output: " + c.status().message());
    client_ = std::move(*c);
    options_ = std::move(o);
    return {};
  }

  std::string_view name() const override { return "http"; }

  Delivery deliver(const SpooledBatch& batch) override {
    auto decoded = decode_agent_batch(batch.payload, size_t{1} << 30);
    if (!decoded.ok()) return {Delivery::Refused, "the spooled batch does not decode: " + decoded.status().message()};
    body_.clear();
    for (const Event& e : decoded->events()) append_event_json(body_, *decoded, e, EventJsonOptions{.time = true});
    const std::string path = path_ + (path_.find('?') == std::string::npos ? "?" : "&") +
                             "agent_batch=" + std::to_string(batch.seq);
    auto r = client_->post(path, body_, "application/x-ndjson");
    if (!r.ok()) return {Delivery::Retry, r.status().message()};
    if (r->status >= 200 && r->status < 300) return {Delivery::Delivered, {}};
    std::string why = "HTTP " + std::to_string(r->status) + ": " + r->body.substr(0, 300);
    if (r->status == 400 || r->status == 413 || r->status == 415) return {Delivery::Refused, why};
    return {Delivery::Retry, why};
  }

 private:
  const AgentConfig& config_;
  HttpsClientOptions options_;
  std::string path_;
  std::unique_ptr<HttpsClient> client_;
  std::string body_;
};

}  // namespace

Result<std::unique_ptr<Output>> make_http_output(const AgentConfig& config, const std::string& hostname) {
  auto out = std::make_unique<HttpOutput>(config);
  if (Status s = out->init(); !s.ok()) return s;
  return std::unique_ptr<Output>(std::move(out));
}

}  // namespace vigil
