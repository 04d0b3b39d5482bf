// A small HTTP/1.1 server (Boost.Beast inside http_server.cpp only): requests and
// responses as plain structs, handlers answer asynchronously (an ingest request is
// answered only once its events are durable). Optionally HTTPS (TLS 1.2+) with client
// certificates checked against a CA: the agents' port (server/agent_api.h).
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/status.h"
#include "ingest/address.h"
#include "ingest/listener.h"

namespace vigil {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // "/api/v1/search" (decoded, without the query)
  std::map<std::string, std::string> query;  // decoded query parameters
  std::string content_encoding;
  std::string content_type;
  std::string authorization;
  std::string body;
  std::string peer;  // "127.0.0.1:40312"
  // TLS only: the CN of the client certificate, verified against client_ca_pem during
  // the handshake; "" when the client sent none (or the server is plain HTTP).
  std::string client_cn;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

using HttpRespond = std::function<void(HttpResponse)>;
// Called on an I/O thread; must eventually call respond exactly once (from any thread).
using HttpHandler = std::function<void(HttpRequest&&, HttpRespond respond)>;

struct HttpTlsOptions {
  std::string cert_pem;       // the server's certificate (chain), PEM
  std::string key_pem;
  std::string client_ca_pem;  // client certificates must verify against this CA
  // Ask clients for a certificate. One that does not verify fails the handshake; a
  // client that sends none still connects (client_cn ""), for enrollment.
  bool request_client_cert = true;
};

struct HttpServerOptions {
  size_t max_body_bytes = 32u << 20;  // larger requests get 413
  std::optional<HttpTlsOptions> tls;  // unset: plain HTTP
};

Result<std::unique_ptr<Listener>> start_http_server(boost::asio::io_context& io, const HostPort& at,
                                                    HttpHandler handler, const HttpServerOptions& options);

// Percent-decoding for paths and query strings ('+' is a space in queries).
std::string url_decode(std::string_view s, bool plus_is_space);
std::map<std::string, std::string> parse_query_string(std::string_view q);
std::string url_encode(std::string_view s);

}  // namespace vigil
