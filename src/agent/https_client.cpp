#include "agent/https_client.h"

#include "agent/asio_blocking.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <optional>

namespace vigil {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

class BeastHttpsClient final : public HttpsClient {
 public:
  explicit BeastHttpsClient(HttpsClientOptions options) : options_(std::move(options)), ssl_(ssl::context::tls_client) {}

  Status init() {
    boost::system::error_code ec;
    ssl_.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                     ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    ssl_.set_verify_mode(ssl::verify_peer, ec);
    if (options_.ca_pem.empty()) {
      ssl_.set_default_verify_paths(ec);
    } else {
      ssl_.add_certificate_authority(asio::buffer(options_.ca_pem), ec);
      if (ec) return Status::error("the CA certificate is not valid PEM: " + ec.message());
    }
    if (!options_.cert_pem.empty()) {
      ssl_.use_certificate_chain(asio::buffer(options_.cert_pem), ec);
      if (ec) return Status::error("the agent certificate is not valid PEM: " + ec.message());
      ssl_.use_private_key(asio::buffer(options_.key_pem), ssl::context::pem, ec);
      if (ec) return Status::error("the agent key is not valid PEM or does not fit the certificate: " + ec.message());
    }
    if (options_.server_name.empty()) options_.server_name = options_.host;
    return {};
  }

  Result<HttpsResponse> post(std::string_view path, std::string_view body, std::string_view content_type,
                             std::string_view content_encoding) override {
    return call(http::verb::post, path, body, content_type, content_encoding);
  }
  Result<HttpsResponse> get(std::string_view path) override { return call(http::verb::get, path, {}, {}, {}); }

 private:
  using Stream = beast::ssl_stream<beast::tcp_stream>;

  // Runs the io_context until `done`; the stream's expiry turns a hang into an error.
  template <typename Start>
  boost::system::error_code run(Start start) {
    return run_until_done(io_, start);
  }

  void drop() {
    stream_.reset();
    plain_.reset();
    buffer_.clear();
  }
  bool connected() const { return stream_.has_value() || plain_.has_value(); }
  beast::tcp_stream& lowest() { return plain_ ? *plain_ : beast::get_lowest_layer(*stream_); }

  Status connect() {
    drop();
    if (options_.tls) stream_.emplace(io_, ssl_);
    else plain_.emplace(io_);
    lowest().expires_after(std::chrono::milliseconds(options_.timeout_ms));
    tcp::resolver resolver(io_);
    boost::system::error_code ec;
    auto endpoints = resolver.resolve(options_.host, std::to_string(options_.port), ec);
    if (ec) return Status::error("cannot resolve " + options_.host + ": " + ec.message());
    ec = run([&](auto handler) { lowest().async_connect(endpoints, handler); });
    if (ec) {
      drop();
      return Status::error("cannot connect to " + where() + ": " + ec.message());
    }
    if (!options_.tls) return {};
    SSL* ssl = stream_->native_handle();
    expect_peer_name(ssl, options_.server_name);
    ec = run([&](auto handler) { stream_->async_handshake(ssl::stream_base::client, handler); });
    if (ec) {
      std::string why = ec.message();
      const long verify = SSL_get_verify_result(ssl);
      if (verify != X509_V_OK) why = std::string("server certificate refused: ") + X509_verify_cert_error_string(verify);
      drop();
      return Status::error("TLS handshake with " + where() + " failed: " + why);
    }
    return {};
  }

  std::string where() const {
    const bool v6 = options_.host.find(':') != std::string::npos;
    return (v6 ? "[" + options_.host + "]" : options_.host) + ":" + std::to_string(options_.port);
  }

  template <typename S>
  boost::system::error_code exchange(S& stream, http::request<http::string_body>& req,
                                     http::response_parser<http::string_body>& parser) {
    boost::system::error_code ec = run([&](auto handler) { http::async_write(stream, req, handler); });
    if (!ec) ec = run([&](auto handler) { http::async_read(stream, buffer_, parser, handler); });
    return ec;
  }

  Result<HttpsResponse> call(http::verb verb, std::string_view path, std::string_view body,
                             std::string_view content_type, std::string_view content_encoding) {
    // A kept-alive connection may have been closed by the server meanwhile: one retry on a
    // fresh connection when the old one fails before any answer.
    for (int attempt = 0; attempt < 2; ++attempt) {
      const bool reused = connected();
      if (!reused)
        if (Status s = connect(); !s.ok()) return s;
      lowest().expires_after(std::chrono::milliseconds(options_.timeout_ms));
      http::request<http::string_body> req{verb, std::string(path), 11};
      req.set(http::field::host, options_.server_name);
      req.set(http::field::user_agent, "vigil-agent");
      req.keep_alive(true);
      for (const auto& [k, v] : options_.headers) req.set(k, v);
      if (!content_type.empty()) req.set(http::field::content_type, content_type);
      if (!content_encoding.empty()) req.set(http::field::content_encoding, content_encoding);
      if (verb == http::verb::post) {
        req.body() = std::string(body);
        req.prepare_payload();
      }
      http::response_parser<http::string_body> parser;
      parser.body_limit(64u << 20);
      const boost::system::error_code ec = plain_ ? exchange(*plain_, req, parser) : exchange(*stream_, req, parser);
      if (ec) {
        drop();
        if (reused) continue;
        return Status::error("request to " + where() + std::string(path) + " failed: " + ec.message());
      }
      auto res = parser.release();
      if (!res.keep_alive()) drop();
      return HttpsResponse{static_cast<int>(res.result_int()), std::move(res.body())};
    }
    return Status::error("request to " + where() + std::string(path) + " failed");
  }

  HttpsClientOptions options_;
  asio::io_context io_;
  ssl::context ssl_;
  std::optional<Stream> stream_;
  std::optional<beast::tcp_stream> plain_;
  beast::flat_buffer buffer_;
};

}  // namespace

Status parse_http_url(std::string_view url, HttpsClientOptions& options, std::string& path) {
  std::string_view rest;
  if (url.starts_with("https://")) {
    options.tls = true;
    options.port = 443;
    rest = url.substr(8);
  } else if (url.starts_with("http://")) {
    options.tls = false;
    options.port = 80;
    rest = url.substr(7);
  } else {
    return Status::error("URL '" + std::string(url) + "' must start with http:// or https://");
  }
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return Status::error("URL '" + std::string(url) + "': unclosed [ in the address");
    options.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return Status::error("URL '" + std::string(url) + "': bad port");
      port = authority.substr(close + 2);
    }
  } else {
    const size_t colon = authority.rfind(':');
    options.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (options.host.empty()) return Status::error("URL '" + std::string(url) + "' names no host");
  if (!port.empty()) {
    int p = 0;
    for (char c : port) {
      if (c < '0' || c > '9' || p > 65535) return Status::error("URL '" + std::string(url) + "': bad port");
      p = p * 10 + (c - '0');
    }
    if (p < 1 || p > 65535) return Status::error("URL '" + std::string(url) + "': bad port");
    options.port = static_cast<uint16_t>(p);
  }
  return {};
}

Result<std::unique_ptr<HttpsClient>> HttpsClient::create(const HttpsClientOptions& options) {
  auto client = std::make_unique<BeastHttpsClient>(options);
  if (Status s = client->init(); !s.ok()) return s;
  return std::unique_ptr<HttpsClient>(std::move(client));
}

}  // namespace vigil
