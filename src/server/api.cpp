#include "server/api.h"

#include <boost/json.hpp>
#include <charconv>

#include "ingest/decompress.h"
#include "parse/ndjson.h"
#include "query/search.h"

namespace vigil {

namespace json = boost::json;

namespace {

HttpResponse json_response(int status, const json::value& v) { return {status, "application/json", json::serialize(v)}; }

HttpResponse error_response(int status, std::string_view message) {
  return json_response(status, json::object{{"error", message}});
}

void handle_ingest(const ApiContext& ctx, HttpRequest&& req, HttpRespond respond) {
  IngestCounters& counters = ctx.pipeline->counters();
  ++counters.http_requests;
  counters.bytes_received += req.body.size();
  std::string decoded;
  std::string_view body = req.body;
  if (!req.content_encoding.empty() && req.content_encoding != "identity") {
    BodyError why;
    auto d = decompress_body(req.body, req.content_encoding, ctx.config->max_decoded_body_bytes, &why);
    if (!d.ok()) {
      ++counters.http_rejected;
      int status = why == BodyError::UnsupportedEncoding ? 415 : why == BodyError::TooLarge ? 413 : 400;
      return respond(error_response(status, d.error()));
    }
    decoded = std::move(d.value());
    body = decoded;
  }
  EventBatch batch;
  Provenance base{.receive_time = now_ns(), .source = req.peer, .input = "http", .tenant = ctx.config->tenant};
  NdjsonStats stats = read_ndjson(body, base, batch, NdjsonOptions{.max_line_bytes = ctx.config->max_line_bytes});
  counters.http_events += stats.events;
  json::object reply{{"accepted", stats.events},
                     {"parse_errors", stats.parse_errors},
                     {"truncated", stats.truncated}};
  if (!stats.first_error.empty()) reply["first_error"] = stats.first_error;
  if (batch.empty()) return respond(json_response(200, reply));
  ctx.pipeline->submit(std::move(batch), [respond, reply = std::move(reply)](const Status& s) mutable {
    if (!s.ok()) return respond(error_response(503, "events not stored: " + s.message()));
    respond(json_response(200, reply));
  });
}

void handle_search(const ApiContext& ctx, HttpRequest&& req, HttpRespond respond) {
  SearchRequest sr;
  sr.query = req.query["q"];
  TimeNs now = now_ns();
  for (auto [key, out] : {std::pair{"from", &sr.from}, std::pair{"to", &sr.to}}) {
    auto it = req.query.find(key);
    if (it == req.query.end() || it->second.empty()) continue;
    auto t = parse_time_arg(it->second, now);
    if (!t)
      return respond(error_response(400, std::string("bad '") + key + "' time '" + it->second +
                                             "': use RFC 3339 (2026-11-22T06:00:00Z) or relative (-15m, -24h, now)"));
    *out = *t;
  }
  if (auto it = req.query.find("limit"); it != req.query.end()) {
    // Events are copied into the answer: bound what one request can make the server hold.
    constexpr size_t kMaxLimit = 100'000;
    size_t limit = 0;
    auto [end, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), limit);
    if (ec != std::errc() || end != it->second.data() + it->second.size() || limit > kMaxLimit)
      return respond(error_response(400, "bad 'limit': expected a whole number from 0 to 100000"));
    sr.limit = limit;
  }
  // A query holds a worker thread: bound its time (default 60 s, `timeout` in seconds).
  sr.timeout = std::chrono::seconds(60);
  if (auto it = req.query.find("timeout"); it != req.query.end()) {
    unsigned seconds = 0;
    auto [end, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), seconds);
    if (ec != std::errc() || end != it->second.data() + it->second.size() || seconds == 0 || seconds > 3600)
      return respond(error_response(400, "bad 'timeout': expected seconds from 1 to 3600"));
    sr.timeout = std::chrono::seconds(seconds);
  }
  ctx.run_blocking([store = &ctx.pipeline->store(), sr = std::move(sr), respond] {
    auto result = run_search(*store, sr);
    if (!result.ok()) return respond(error_response(400, result.error()));
    respond(HttpResponse{200, "application/json", result_to_json(*result)});
  });
}

HttpResponse handle_stats(const ApiContext& ctx) {
  const IngestCounters& c = ctx.pipeline->counters();
  StoreStats s = ctx.pipeline->store().stats();
  json::object ingest{{"udp_datagrams", c.udp_datagrams.load()},
                      {"udp_dropped", c.udp_dropped.load()},
                      {"tcp_connections", c.tcp_connections.load()},
                      {"tcp_messages", c.tcp_messages.load()},
                      {"http_requests", c.http_requests.load()},
                      {"http_rejected", c.http_rejected.load()},
                      {"http_events", c.http_events.load()},
                      {"events_received", c.events_received.load()},
                      {"events_stored", c.events_stored.load()},
                      {"events_failed", c.events_failed.load()},
                      {"parse_errors", c.parse_errors.load()},
                      {"truncated", c.truncated.load()},
                      {"bytes_received", c.bytes_received.load()},
                      {"field_names_refused", field_dictionary().refused()}};
  json::object store{{"events_appended", s.events_appended}, {"batches_appended", s.batches_appended},
                     {"wal_syncs", s.wal_syncs},             {"wal_bytes", s.wal_bytes},
                     {"segments", s.segments},               {"segment_events", s.segment_events},
                     {"memory_events", s.memory_events},     {"replayed_events", s.replayed_events}};
  return json_response(200, json::object{{"ingest", std::move(ingest)},
                                         {"store", std::move(store)},
                                         {"uptime_s", (now_ns() - ctx.started) / kNsPerSec}});
}

}  // namespace

std::string api_error_message(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (!ec && v.is_object())
    if (const json::value* e = v.as_object().if_contains("error"); e && e->is_string()) return std::string(e->as_string());
  return std::string(body);
}

HttpHandler make_api_handler(ApiContext ctx) {
  return [ctx = std::move(ctx)](HttpRequest&& req, HttpRespond respond) {
    const std::string& p = req.path;
    if (p == "/api/v1/ingest") {
      if (req.method != "POST") return respond(error_response(405, "use POST for /api/v1/ingest"));
      return handle_ingest(ctx, std::move(req), std::move(respond));
    }
    if (p == "/api/v1/search") {
      if (req.method != "GET") return respond(error_response(405, "use GET for /api/v1/search"));
      return handle_search(ctx, std::move(req), std::move(respond));
    }
    if (p == "/api/v1/stats") return respond(handle_stats(ctx));
    if (p == "/api/v1/health") return respond(json_response(200, json::object{{"status", "ok"}}));
    respond(error_response(404, "no such endpoint: " + req.method + " " + p +
                                    " (see /api/v1/ingest, /api/v1/search, /api/v1/stats, /api/v1/health)"));
  };
}

}  // namespace vigil
