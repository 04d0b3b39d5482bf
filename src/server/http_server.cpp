// The HTTP server behind http_server.h: Boost.Beast sessions with keep-alive,
// a body size limit, and responses that may come from another thread.
#include "server/http_server.h"

#include <spdlog/spdlog.h>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "ingest/asio_listener.h"

namespace vigil {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

namespace {

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket socket, std::shared_ptr<const HttpHandler> handler, const HttpServerOptions& options)
      : stream_(std::move(socket)), handler_(handler), options_(options) {
    boost::system::error_code ec;
    auto peer = stream_.socket().remote_endpoint(ec);
    peer_ = ec ? "unknown" : format_host_port({peer.address().to_string(), peer.port()});
  }

  void read() {
    parser_.emplace();
    parser_->body_limit(options_.max_body_bytes);
    parser_->header_limit(64 * 1024);
    stream_.expires_after(std::chrono::seconds(120));
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, size_t) {
      self->on_read(ec);
    });
  }

 private:
  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::eof) return close();
    if (ec == http::error::body_limit) {
      keep_alive_ = false;
      return write(HttpResponse{413, "application/json",
                                "{\"error\":\"request body exceeds " + std::to_string(options_.max_body_bytes) +
                                    " bytes; send smaller batches\"}"});
    }
    if (ec) {
      if (ec != asio::error::operation_aborted && ec != asio::error::connection_reset)
        spdlog::debug("http {}: {}", peer_, ec.message());
      return close();
    }
    auto msg = parser_->release();
    keep_alive_ = msg.keep_alive();
    HttpRequest req;
    req.method = std::string(msg.method_string());
    std::string_view target = msg.target();
    size_t q = target.find('?');
    req.path = url_decode(target.substr(0, q), false);
    if (q != std::string_view::npos) req.query = parse_query_string(target.substr(q + 1));
    req.content_encoding = std::string(msg[http::field::content_encoding]);
    req.content_type = std::string(msg[http::field::content_type]);
    req.authorization = std::string(msg[http::field::authorization]);
    req.body = std::move(msg.body());
    req.peer = peer_;
    stream_.expires_never();  // handlers may wait for the store; the response has its own timeout
    (*handler_)(std::move(req), [self = shared_from_this()](HttpResponse res) {
      asio::post(self->stream_.get_executor(), [self, res = std::move(res)]() mutable { self->write(std::move(res)); });
    });
  }

  void write(HttpResponse res) {
    auto msg = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(res.status), 11);
    msg->set(http::field::server, "vigil");
    msg->set(http::field::content_type, res.content_type);
    msg->keep_alive(keep_alive_);
    msg->body() = std::move(res.body);
    msg->prepare_payload();
    stream_.expires_after(std::chrono::seconds(60));
    http::async_write(stream_, *msg, [self = shared_from_this(), msg](beast::error_code ec, size_t) {
      if (ec || !self->keep_alive_) return self->close();
      self->read();
    });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<const HttpHandler> handler_;  // shared: sessions may outlive the acceptor
  HttpServerOptions options_;
  std::string peer_;
  bool keep_alive_ = true;
};

class HttpAcceptor : public std::enable_shared_from_this<HttpAcceptor> {
 public:
  HttpAcceptor(asio::io_context& io, HttpHandler handler, const HttpServerOptions& options)
      : io_(io),
        acceptor_(asio::make_strand(io)),
        handler_(std::make_shared<const HttpHandler>(std::move(handler))),
        options_(options) {}

  Status bind(const HostPort& at) { return bind_to(acceptor_, at, "HTTP", bound_); }

  void accept() {
    acceptor_.async_accept(asio::make_strand(io_), [self = shared_from_this()](beast::error_code ec,
                                                                               tcp::socket socket) {
      if (!self->acceptor_.is_open()) return;
      if (!ec) std::make_shared<HttpSession>(std::move(socket), self->handler_, self->options_)->read();
      self->accept();
    });
  }

  void stop() {
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      self->acceptor_.close(ec);
    });
  }

  HostPort bound() const { return bound_; }

  asio::io_context& io_;
  tcp::acceptor acceptor_;
  std::shared_ptr<const HttpHandler> handler_;
  HttpServerOptions options_;
  HostPort bound_;
};

}  // namespace

Result<std::unique_ptr<Listener>> start_http_server(asio::io_context& io, const HostPort& at, HttpHandler handler,
                                                    const HttpServerOptions& options) {
  auto acceptor = std::make_shared<HttpAcceptor>(io, std::move(handler), options);
  if (Status s = acceptor->bind(at); !s.ok()) return s;
  acceptor->accept();
  return make_listener(acceptor);
}

}  // namespace vigil
