// The syslog output: forwards events to another SIEM over TCP or TLS, one message per
// event — RFC 5424 whose message is the event's JSON (octet-counted framing, RFC 6587),
// or CEF in an RFC 5424 envelope (newline framing, as CEF collectors expect). A batch
// counts as delivered once written to the socket: syslog has no acknowledgement, which
// docs/agent.md states; a broken connection resends the whole batch.
#include <spdlog/spdlog.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <fstream>
#include <optional>
#include <sstream>

#include "agent/asio_blocking.h"
#include "agent/output.h"
#include "agent/syslog_format.h"

namespace vigil {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

class SyslogOutput final : public Output {
 public:
  SyslogOutput(const AgentConfig& c, std::string hostname)
      : config_(c), hostname_(std::move(hostname)), ssl_(ssl::context::tls_client) {}

  Status init() {
    const std::string& a = config_.syslog.address;
    const size_t colon = a.rfind(':');
    if (colon == std::string::npos) return Status::error("syslog.address '" + a + "' must be host:port");
    host_ = a.substr(0, colon);
    if (host_.size() > 2 && host_.front() == '[') host_ = host_.substr(1, host_.size() - 2);
    port_ = a.substr(colon + 1);
    tls_ = config_.syslog.transport == "tls";
    cef_ = config_.syslog.format == "cef";
    if (tls_) {
      boost::system::error_code ec;
      ssl_.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
      ssl_.set_verify_mode(ssl::verify_peer, ec);
      if (config_.syslog.ca_file.empty()) {
        ssl_.set_default_verify_paths(ec);
      } else {
        std::ifstream in(config_.syslog.ca_file);
        std::stringstream text;
        text << in.rdbuf();
        ssl_.add_certificate_authority(asio::buffer(text.str()), ec);
        if (ec || text.str().empty()) return Status::error("syslog.ca: " + config_.syslog.ca_file + " is not a readable PEM certificate");
      }
    }
    return {};
  }

  std::string_view name() const override { return "syslog"; }

  Delivery deliver(const SpooledBatch& batch) override {
    auto decoded = decode_agent_batch(batch.payload, size_t{1} << 30);
    if (!decoded.ok()) return {Delivery::Refused, "the spooled batch does not decode: " + decoded.status().message()};
    text_.clear();
    for (const Event& e : decoded->events()) {
      if (cef_) append_cef_syslog_line(text_, *decoded, e, hostname_);
      else append_rfc5424_framed(text_, *decoded, e, hostname_);
    }
    if (!connected())
      if (Status s = connect(); !s.ok()) return {Delivery::Retry, s.message()};
    lowest().expires_after(std::chrono::seconds(30));
    boost::system::error_code ec = run([&](auto handler) {
      if (plain_) asio::async_write(*plain_, asio::buffer(text_), handler);
      else asio::async_write(*stream_, asio::buffer(text_), handler);
    });
    if (ec) {
      drop();
      return {Delivery::Retry, "writing to " + config_.syslog.address + ": " + ec.message()};
    }
    return {Delivery::Delivered, {}};
  }

 private:
  using Stream = beast::ssl_stream<beast::tcp_stream>;

  template <typename Start>
  boost::system::error_code run(Start start) {
    return run_until_done(io_, start);
  }
  bool connected() const { return plain_.has_value() || stream_.has_value(); }
  void drop() {
    plain_.reset();
    stream_.reset();
  }
  beast::tcp_stream& lowest() { return plain_ ? *plain_ : beast::get_lowest_layer(*stream_); }

  Status connect() {
    drop();
    if (tls_) stream_.emplace(io_, ssl_);
    else plain_.emplace(io_);
    lowest().expires_after(std::chrono::seconds(15));
    tcp::resolver resolver(io_);
    boost::system::error_code ec;
    auto endpoints = resolver.resolve(host_, port_, ec);
    if (!ec) ec = run([&](auto handler) { lowest().async_connect(endpoints, handler); });
    if (!ec && tls_) {
      expect_peer_name(stream_->native_handle(), host_);
      ec = run([&](auto handler) { stream_->async_handshake(ssl::stream_base::client, handler); });
    }
    if (ec) {
      drop();
      return Status::error("cannot connect to " + config_.syslog.address + " (" + config_.syslog.transport + "): " + ec.message());
    }
    spdlog::info("syslog output: connected to {} over {}", config_.syslog.address, config_.syslog.transport);
    return {};
  }

  const AgentConfig& config_;
  std::string hostname_;
  std::string host_, port_;
  bool tls_ = false, cef_ = false;
  asio::io_context io_;
  ssl::context ssl_;
  std::optional<beast::tcp_stream> plain_;
  std::optional<Stream> stream_;
  std::string text_;
};

}  // namespace

Result<std::unique_ptr<Output>> make_syslog_output(const AgentConfig& config, const std::string& hostname) {
  auto out = std::make_unique<SyslogOutput>(config, hostname);
  if (Status s = out->init(); !s.ok()) return s;
  return std::unique_ptr<Output>(std::move(out));
}

}  // namespace vigil
