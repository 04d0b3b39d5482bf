// The HTTP API, version 1:
//   POST /api/v1/ingest   NDJSON events (Content-Encoding gzip|zstd accepted); answered once durable
//   GET  /api/v1/search   q=QUERY&from=T&to=T&limit=N  (times RFC 3339 or relative: -15m, -24h, now)
//   GET  /api/v1/alerts   from=&to=&limit=&level=&rule=&tenant=&q=  stored Detection Findings, newest first
//   GET  /api/v1/rules    the detection rules in use and the refused ones
//   POST /api/v1/rules/reload   reload the rules now (also: SIGHUP, and polling of the files)
//   GET  /api/v1/stats    ingest counters, detection and store statistics
//   GET  /api/v1/health   liveness
//   GET  /api/v1/agents   the enrolled endpoint agents, online or offline, with their health
// The reference is docs/api.md.
#pragma once

#include <functional>

#include "ingest/pipeline.h"
#include "server/config.h"
#include "server/http_server.h"

namespace vigil {

class DetectStage;
class RuleReloader;
class PackRegistry;
class AgentRegistry;

struct ApiContext {
  Pipeline* pipeline = nullptr;
  const ServerConfig* config = nullptr;
  DetectStage* detect = nullptr;  // the detection endpoints answer 503 without these
  RuleReloader* rules = nullptr;
  PackRegistry* packs = nullptr;  // parser packs: NDJSON ingest, /api/v1/parsers
  const AgentRegistry* agents = nullptr;  // /api/v1/agents answers 503 without it
  // Runs slow work (searches) off the I/O threads.
  std::function<void(std::function<void()>)> run_blocking;
  TimeNs started = 0;
};

HttpHandler make_api_handler(ApiContext context);

// The message of an API error answer ({"error":"..."}), or the body itself when it
// is not one (for clients such as `vigil search --server`).
std::string api_error_message(std::string_view body);

}  // namespace vigil
