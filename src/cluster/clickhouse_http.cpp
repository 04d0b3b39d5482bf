// Synchronous HTTP/1.1 over one TCP connection per request; see clickhouse_http.h.
#include "cluster/clickhouse_http.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace vigil::cluster {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

Result<HttpAnswer> request(const ClickHouseEndpoint& at, http::verb verb, std::string_view target,
                           std::string_view body) {
  try {
    boost::asio::io_context io;
    tcp::resolver resolver(io);
    beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::milliseconds(at.timeout_ms));
    stream.connect(resolver.resolve(at.host, std::to_string(at.port)));
    http::request<http::string_body> req{verb, std::string(target), 11};
    req.set(http::field::host, at.host);
    req.set(http::field::content_type, "text/plain; charset=utf-8");
    req.body() = std::string(body);
    req.prepare_payload();
    stream.expires_after(std::chrono::milliseconds(at.timeout_ms));
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(1ull << 30);  // answers of big queries; the caller bounds them with LIMIT
    http::read(stream, buffer, parser);
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    return HttpAnswer{static_cast<int>(parser.get().result_int()), std::move(parser.get().body())};
  } catch (const std::exception& e) {
    return Status::error("clickhouse http " + at.host + ":" + std::to_string(at.port) + ": " + e.what());
  }
}

}  // namespace

Result<HttpAnswer> http_post(const ClickHouseEndpoint& at, std::string_view target, std::string_view body) {
  return request(at, http::verb::post, target, body);
}

Result<HttpAnswer> http_get(const ClickHouseEndpoint& at, std::string_view target) {
  return request(at, http::verb::get, target, {});
}

Result<std::string> clickhouse_query(const ClickHouseEndpoint& at, std::string_view sql) {
  auto r = http_post(at, "/", sql);
  if (!r.ok()) return r.status();
  if (r->status != 200) return Status::error("clickhouse: HTTP " + std::to_string(r->status) + ": " + r->body);
  return std::move(r->body);
}

}  // namespace vigil::cluster
