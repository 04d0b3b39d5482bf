// The HTTP API's routes and handlers; see api.h and docs/api.md.
#include "server/api.h"
#include "normalize/line_normalizer.h"
#include "normalize/pack_registry.h"

#include <boost/json.hpp>

#include "ingest/decompress.h"
#include "normalize/windows_ocsf.h"
#include "parse/ndjson.h"
#include "query/search.h"
#include "server/agent_registry.h"
#include "server/detect_api.h"
#include "server/detect_stage.h"
#include "server/rule_reloader.h"
#include "server/search_params.h"

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
  if (ctx.packs) {
    // Each good record again through the parser packs (CloudTrail, Okta, GCP, Zeek JSON ...):
    // what a pack knows becomes OCSF, other JSON keeps its names, Windows records get OCSF
    // fields. Records the reader flagged stay as they are.
    LineNormalizer normalizer(NormalizerOptions{.packs = ctx.packs->current(), .max_line_bytes = ctx.config->max_line_bytes});
    EventBatch normalized;
    normalized.reserve(batch.size(), batch.size() * 16);
    for (const Event& e : batch.events()) {
      if (e.flags & (kFlagParseError | kFlagTruncated)) {
        copy_event(batch, e, normalized);
        continue;
      }
      normalizer.add_line(e.raw, Provenance{.receive_time = e.receive_time, .source = e.source, .input = e.input, .tenant = e.tenant},
                          normalized);
    }
    normalizer.flush(normalized);
    batch = std::move(normalized);
  } else {
    // Windows records sent as flat JSON (OTRF, NXLog) get their OCSF fields.
    for (const Event& e : batch.events()) {
      if (!is_windows_record(batch, e)) continue;
      EventBatch mapped;
      windows_to_ocsf(batch, mapped);
      batch = std::move(mapped);
      break;
    }
  }
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
  if (Status s = read_search_params(req.query, now_ns(), sr); !s.ok()) return respond(error_response(400, s.message()));
  ctx.run_blocking([store = &ctx.pipeline->store(), sr = std::move(sr), respond] {
    auto result = run_search(*store, sr);
    if (!result.ok()) return respond(error_response(400, result.error()));
    respond(HttpResponse{200, "application/json", result_to_json(*result)});
  });
}

void handle_alerts(const ApiContext& ctx, HttpRequest&& req, HttpRespond respond) {
  auto sr = alerts_search_request(req.query, now_ns());
  if (!sr.ok()) return respond(error_response(400, sr.error()));
  ctx.run_blocking([store = &ctx.pipeline->store(), sr = std::move(*sr), respond] {
    auto result = run_search(*store, sr);
    if (!result.ok()) return respond(error_response(400, result.error()));
    respond(HttpResponse{200, "application/json", alerts_to_json(*result)});
  });
}

void handle_reload(const ApiContext& ctx, HttpRequest&& req, HttpRespond respond) {
  // Loading thousands of rules takes seconds: not on an I/O thread.
  ctx.run_blocking([rules = ctx.rules, peer = std::move(req.peer), respond] {
    ReloadReport r = rules->reload("POST /api/v1/rules/reload from " + peer);
    respond(HttpResponse{r.ok ? 200 : 500, "application/json", reload_to_json(r)});
  });
}

// GET /api/v1/parsers: the packs ingest uses now; POST /api/v1/parsers/reload reloads them.
json::object packs_to_json(const PackRegistry& registry, const PackReloadReport* report) {
  json::array packs;
  if (auto set = registry.current())
    for (const auto& p : set->packs())
      packs.push_back(json::object{{"name", p->name},
                                   {"file", p->file},
                                   {"description", p->description},
                                   {"vendor", p->vendor},
                                   {"product", p->product},
                                   {"priority", p->priority}});
  json::object out{{"dir", registry.dir()}, {"packs", std::move(packs)}};
  if (report) {
    json::array refused;
    for (const std::string& r : report->refusals) refused.push_back(json::string(r));
    out["loaded"] = report->packs;
    out["refused"] = std::move(refused);
  }
  return out;
}

void handle_parsers(const ApiContext& ctx, HttpRequest&& req, HttpRespond respond) {
  if (req.path == "/api/v1/parsers") {
    if (req.method != "GET") return respond(error_response(405, "use GET for /api/v1/parsers"));
    return respond(json_response(200, packs_to_json(*ctx.packs, nullptr)));
  }
  if (req.method != "POST") return respond(error_response(405, "use POST for /api/v1/parsers/reload"));
  ctx.run_blocking([packs = ctx.packs, peer = std::move(req.peer), respond] {
    PackReloadReport r = packs->reload(("POST /api/v1/parsers/reload from " + peer).c_str());
    // Refused packs are reported; the others are in use. 200 unless nothing could load.
    respond(json_response(r.ok ? 200 : 500, packs_to_json(*packs, &r)));
  });
}

json::object detect_stats(const DetectStage& stage) {
  const DetectStats d = stage.stats();
  return json::object{{"rules", d.rules},
                      {"correlations", d.correlations},
                      {"refused", d.refused},
                      {"rule_sets", d.rule_sets},
                      {"batches", d.batches},
                      {"events", d.events},
                      {"alerts", d.alerts},
                      {"rule_alerts", d.rule_alerts},
                      {"correlation_alerts", d.correlation_alerts},
                      {"errors", d.errors},
                      {"matcher", json::object{{"events", d.matcher.events},
                                               {"evaluated", d.matcher.evaluated},
                                               {"matches", d.matcher.matches},
                                               {"prefilter_errors", d.matcher.prefilter_errors}}},
                      {"correlator", json::object{{"observed", d.correlator.observed},
                                                  {"fired", d.correlator.fired},
                                                  {"groups", d.correlator.groups},
                                                  {"memory_bytes", d.correlator.memory_bytes},
                                                  {"evicted_groups", d.correlator.evicted_groups},
                                                  {"evicted_matches", d.correlator.evicted_matches},
                                                  {"expired_groups", d.correlator.expired_groups},
                                                  {"late", d.correlator.late},
                                                  {"missing_group_field", d.correlator.missing_group_field}}}};
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
                      {"stage_events", c.stage_events.load()},
                      {"stage_events_stored", c.stage_events_stored.load()},
                      {"stage_events_failed", c.stage_events_failed.load()},
                      {"parse_errors", c.parse_errors.load()},
                      {"truncated", c.truncated.load()},
                      {"bytes_received", c.bytes_received.load()},
                      {"field_names_refused", field_dictionary().refused()}};
  json::object store{{"events_appended", s.events_appended}, {"batches_appended", s.batches_appended},
                     {"wal_syncs", s.wal_syncs},             {"wal_bytes", s.wal_bytes},
                     {"segments", s.segments},               {"segment_events", s.segment_events},
                     {"memory_events", s.memory_events},     {"replayed_events", s.replayed_events}};
  json::object out{{"ingest", std::move(ingest)},
                   {"store", std::move(store)},
                   {"uptime_s", (now_ns() - ctx.started) / kNsPerSec}};
  if (ctx.detect) {
    json::object d = detect_stats(*ctx.detect);
    if (ctx.rules) {
      const ReloaderState r = ctx.rules->state();
      d["reloads"] = r.reloads;
      d["reload_failures"] = r.failures;
      if (!r.last_error.empty()) d["last_reload_error"] = r.last_error;
    }
    out["detect"] = std::move(d);
  }
  return json_response(200, out);
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
    if (p == "/api/v1/alerts" || p == "/api/v1/rules" || p == "/api/v1/rules/reload") {
      if (!ctx.detect || !ctx.rules) return respond(error_response(503, "detection is not running in this server"));
      if (p == "/api/v1/alerts") {
        if (req.method != "GET") return respond(error_response(405, "use GET for /api/v1/alerts"));
        return handle_alerts(ctx, std::move(req), std::move(respond));
      }
      if (p == "/api/v1/rules") {
        if (req.method != "GET") return respond(error_response(405, "use GET for /api/v1/rules"));
        return respond(HttpResponse{200, "application/json",
                                    rules_to_json(*ctx.detect->rules(), ctx.rules->sources(), ctx.rules->state())});
      }
      if (req.method != "POST") return respond(error_response(405, "use POST for /api/v1/rules/reload"));
      return handle_reload(ctx, std::move(req), std::move(respond));
    }
    if (p == "/api/v1/parsers" || p == "/api/v1/parsers/reload") {
      if (!ctx.packs) return respond(error_response(503, "parser packs are not loaded in this server"));
      return handle_parsers(ctx, std::move(req), std::move(respond));
    }
    if (p == "/api/v1/agents") {
      if (!ctx.agents) return respond(error_response(503, "the agent listener is off in this server"));
      if (req.method != "GET") return respond(error_response(405, "use GET for /api/v1/agents"));
      return respond(HttpResponse{200, "application/json",
                                  agents_to_json(ctx.agents->list(), now_ns(), ctx.config->agent_offline_after_s)});
    }
    if (p == "/api/v1/stats") return respond(handle_stats(ctx));
    if (p == "/api/v1/health") return respond(json_response(200, json::object{{"status", "ok"}}));
    respond(error_response(404, "no such endpoint: " + req.method + " " + p +
                                    " (see /api/v1/ingest, /api/v1/search, /api/v1/alerts, /api/v1/rules, /api/v1/rules/reload, "
                                    "/api/v1/parsers, /api/v1/parsers/reload, "
                                    "/api/v1/agents, /api/v1/stats, /api/v1/health)"));
  };
}

}  // namespace vigil
