// HttpsClient: the agent's blocking HTTP/1.1 client — over TLS with the server verified
// against the CA the agent was given and an optional client certificate (mutual TLS after
// enrollment), or plain HTTP for the `http` output to a peer on a trusted network; one
// kept-alive connection, re-opened after any error. Asio/Beast stay in the .cpp.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace vigil {

struct HttpsClientOptions {
  std::string host;          // "127.0.0.1", "::1" or a name
  uint16_t port = 8443;
  std::string server_name;   // SNI and the name checked in the server's certificate; "" = host
  bool tls = true;
  std::string ca_pem;        // trusted CA (PEM); "" : the system's trusted CAs
  std::string cert_pem;      // client certificate; "" for none (enrollment)
  std::string key_pem;
  int timeout_ms = 15000;    // connect + request + response
  std::vector<std::pair<std::string, std::string>> headers;  // sent with every request
};

struct HttpsResponse {
  int status = 0;
  std::string body;
};

class HttpsClient {
 public:
  static Result<std::unique_ptr<HttpsClient>> create(const HttpsClientOptions& options);
  virtual ~HttpsClient() = default;
  // POST path (with query) and wait for the answer. A transport or TLS failure is an
  // error (the connection is dropped and re-opened on the next call); an HTTP error
  // status is a response.
  virtual Result<HttpsResponse> post(std::string_view path, std::string_view body, std::string_view content_type,
                                     std::string_view content_encoding = {}) = 0;
  virtual Result<HttpsResponse> get(std::string_view path) = 0;
};

// "https://host:port/path" or "http://..." into options (host, port, tls) and the path.
Status parse_http_url(std::string_view url, HttpsClientOptions& options, std::string& path);

}  // namespace vigil
