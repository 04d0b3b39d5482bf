// A minimal blocking HTTP/1.1 client for the CLI (`vigil search --server`,
// `vigil simulate --send http://...`). Beast stays inside http_client.cpp.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace vigil {

struct HttpClientResponse {
  int status = 0;
  std::string body;
};

// url: "http://host:port/path?query". Only plain http (the server listens on loopback by default).
Result<HttpClientResponse> http_call(std::string_view method, std::string_view url, std::string_view body = {},
                                     const std::vector<std::pair<std::string, std::string>>& headers = {});

}  // namespace vigil
