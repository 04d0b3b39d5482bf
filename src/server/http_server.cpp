// The HTTP server behind http_server.h: Boost.Beast sessions with keep-alive,
// a body size limit, and responses that may come from another thread; over plain
// TCP or TLS (the same session code on either stream).
#include "server/http_server.h"

#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>

#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "ingest/asio_listener.h"

namespace vigil {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using asio::ip::tcp;

namespace {

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// The verified peer certificate's CN ("" when the client sent none).
std::string peer_common_name(SSL* ssl) {
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (!cert) return {};
  std::string cn;
  if (SSL_get_verify_result(ssl) == X509_V_OK) {
    char buf[256];
    int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf, sizeof buf);
    if (n > 0) cn.assign(buf, static_cast<size_t>(n));
  }
  X509_free(cert);
  return cn;
}

template <typename Stream>
class HttpSession : public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  HttpSession(std::shared_ptr<ssl::context> tls, Stream stream, std::shared_ptr<const HttpHandler> handler,
              const HttpServerOptions& options)
      : tls_(std::move(tls)), stream_(std::move(stream)), handler_(handler), max_body_bytes_(options.max_body_bytes) {
    boost::system::error_code ec;
    auto peer = socket().remote_endpoint(ec);
    peer_ = ec ? "unknown" : format_host_port({peer.address().to_string(), peer.port()});
  }

  void start() {
    if constexpr (kTls) {
      lowest().expires_after(std::chrono::seconds(30));
      stream_.async_handshake(ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
        if (ec) {
          // A refused client certificate ends here: say so, it is what an operator looks for.
          spdlog::warn("https {}: TLS handshake failed: {}", self->peer_, ec.message());
          return self->lowest().close();
        }
        self->client_cn_ = peer_common_name(self->stream_.native_handle());
        self->read();
      });
    } else {
      read();
    }
  }

 private:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }
  tcp::socket& socket() { return lowest().socket(); }

  void read() {
    parser_.emplace();
    parser_->body_limit(max_body_bytes_);
    parser_->header_limit(64 * 1024);
    lowest().expires_after(std::chrono::seconds(120));
    http::async_read(stream_, buffer_, *parser_, [self = this->shared_from_this()](beast::error_code ec, size_t) {
      self->on_read(ec);
    });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::eof) return close();
    if (ec == http::error::body_limit) {
      keep_alive_ = false;
      return write(HttpResponse{413, "application/json",
                                "{\"error\":\"request body exceeds " + std::to_string(max_body_bytes_) +
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
    req.client_cn = client_cn_;
    lowest().expires_never();  // handlers may wait for the store; the response has its own timeout
    (*handler_)(std::move(req), [self = this->shared_from_this()](HttpResponse res) {
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
    lowest().expires_after(std::chrono::seconds(60));
    http::async_write(stream_, *msg, [self = this->shared_from_this(), msg](beast::error_code ec, size_t) {
      if (ec || !self->keep_alive_) return self->close();
      self->read();
    });
  }

  void close() {
    if constexpr (kTls) {
      lowest().expires_after(std::chrono::seconds(5));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) { self->lowest().close(); });
    } else {
      beast::error_code ec;
      socket().shutdown(tcp::socket::shutdown_send, ec);
      lowest().close();
    }
  }

  std::shared_ptr<ssl::context> tls_;  // before stream_: the TLS stream uses it to the end
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<const HttpHandler> handler_;  // shared: sessions may outlive the acceptor
  size_t max_body_bytes_;
  std::string peer_;
  std::string client_cn_;
  bool keep_alive_ = true;
};

// A server TLS context: TLS 1.2 or newer, our certificate, client certificates
// requested and, when sent, verified against the client CA.
Result<std::shared_ptr<ssl::context>> make_tls_context(const HttpTlsOptions& tls) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  boost::system::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::single_dh_use,
                   ec);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  ctx->use_certificate_chain(asio::buffer(tls.cert_pem), ec);
  if (ec) return Status::error("TLS: the server certificate does not load: " + ec.message());
  ctx->use_private_key(asio::buffer(tls.key_pem), ssl::context::pem, ec);
  if (ec) return Status::error("TLS: the server key does not load: " + ec.message());
  if (!SSL_CTX_check_private_key(ctx->native_handle()))
    return Status::error("TLS: the server key does not match its certificate");
  if (!tls.client_ca_pem.empty()) {
    ctx->add_certificate_authority(asio::buffer(tls.client_ca_pem), ec);
    if (ec) return Status::error("TLS: the client CA does not load: " + ec.message());
    // Tell clients which CA we accept, so one holding several certificates picks ours.
    if (BIO* bio = BIO_new_mem_buf(tls.client_ca_pem.data(), static_cast<int>(tls.client_ca_pem.size()))) {
      if (X509* ca = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
        SSL_CTX_add_client_CA(ctx->native_handle(), ca);
        X509_free(ca);
      }
      BIO_free(bio);
    }
  }
  if (tls.request_client_cert) {
    if (tls.client_ca_pem.empty()) return Status::error("TLS: client certificates requested without a client CA");
    ctx->set_verify_mode(ssl::verify_peer, ec);  // no fail_if_no_peer_cert: enrollment comes without one
  } else {
    ctx->set_verify_mode(ssl::verify_none, ec);
  }
  return ctx;
}

class HttpAcceptor : public std::enable_shared_from_this<HttpAcceptor> {
 public:
  HttpAcceptor(asio::io_context& io, HttpHandler handler, const HttpServerOptions& options,
               std::shared_ptr<ssl::context> tls)
      : io_(io),
        acceptor_(asio::make_strand(io)),
        handler_(std::make_shared<const HttpHandler>(std::move(handler))),
        options_(options),
        tls_(std::move(tls)) {}

  Status bind(const HostPort& at) { return bind_to(acceptor_, at, tls_ ? "HTTPS" : "HTTP", bound_); }

  void accept() {
    acceptor_.async_accept(asio::make_strand(io_), [self = shared_from_this()](beast::error_code ec,
                                                                               tcp::socket socket) {
      if (!self->acceptor_.is_open()) return;
      if (!ec) {
        if (self->tls_) {
          std::make_shared<HttpSession<TlsStream>>(self->tls_, TlsStream(std::move(socket), *self->tls_),
                                                   self->handler_, self->options_)
              ->start();
        } else {
          std::make_shared<HttpSession<beast::tcp_stream>>(nullptr, beast::tcp_stream(std::move(socket)),
                                                           self->handler_, self->options_)
              ->start();
        }
      }
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
  std::shared_ptr<ssl::context> tls_;  // null: plain HTTP; shared with the sessions
  HostPort bound_;
};

}  // namespace

Result<std::unique_ptr<Listener>> start_http_server(asio::io_context& io, const HostPort& at, HttpHandler handler,
                                                    const HttpServerOptions& options) {
  std::shared_ptr<ssl::context> tls;
  if (options.tls) {
    auto made = make_tls_context(*options.tls);
    if (!made.ok()) return made.status();
    tls = std::move(made.value());
  }
  auto acceptor = std::make_shared<HttpAcceptor>(io, std::move(handler), options, std::move(tls));
  if (Status s = acceptor->bind(at); !s.ok()) return s;
  acceptor->accept();
  return make_listener(acceptor);
}

}  // namespace vigil
