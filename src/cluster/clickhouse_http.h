// A small synchronous HTTP client for ClickHouse's HTTP interface (POST a statement,
// read the whole answer). The seam the cluster backend talks to ClickHouse through;
// Beast/Asio stay inside the .cpp.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace vigil::cluster {

struct ClickHouseEndpoint {
  std::string host = "127.0.0.1";
  uint16_t port = 8123;
  int timeout_ms = 30000;
};

struct HttpAnswer {
  int status = 0;
  std::string body;
};

// POST `body` to `target` (path and query string, e.g. "/ping" or "/?query=...").
Result<HttpAnswer> http_post(const ClickHouseEndpoint& at, std::string_view target, std::string_view body);
Result<HttpAnswer> http_get(const ClickHouseEndpoint& at, std::string_view target);

// Runs one statement (sent as the request body); the answer's body, or an error
// carrying ClickHouse's message when the status is not 200.
Result<std::string> clickhouse_query(const ClickHouseEndpoint& at, std::string_view sql);

}  // namespace vigil::cluster
