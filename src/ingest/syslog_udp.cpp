// Syslog over UDP (RFC 5426): one message per datagram, batched for the pipeline.
// UDP cannot push back on a sender, so under overload datagrams are dropped and
// counted in udp_dropped — visible at /api/v1/stats, never silent.
#include <spdlog/spdlog.h>

#include <array>
#include "ingest/asio_listener.h"
#include "normalize/line_normalizer.h"
#include "normalize/pack_registry.h"

namespace vigil {

namespace asio = boost::asio;
using asio::ip::udp;

namespace {

class UdpInput : public std::enable_shared_from_this<UdpInput> {
 public:
  UdpInput(asio::io_context& io, Pipeline& pipeline, const SyslogInputOptions& options)
      : strand_(asio::make_strand(io)),
        socket_(strand_),
        timer_(strand_),
        pipeline_(pipeline),
        options_(options),
        normalizer_(NormalizerOptions{.max_line_bytes = options.max_line_bytes,
                                      .default_utc_offset_s = options.default_utc_offset_s}) {}

  Status bind(const HostPort& at) {
    if (Status s = bind_to(socket_, at, "syslog UDP", bound_); !s.ok()) return s;
    boost::system::error_code ignored;  // a smaller kernel buffer is not fatal
    socket_.set_option(asio::socket_base::receive_buffer_size(8 << 20), ignored);
    return {};
  }

  void start() {
    asio::post(strand_, [self = shared_from_this()] { self->receive(); });
  }

  void stop() {
    asio::post(strand_, [self = shared_from_this()] {
      boost::system::error_code ec;
      self->socket_.close(ec);
      self->timer_.cancel();
      self->flush();
    });
  }

  HostPort bound() const { return bound_; }

 private:
  void receive() {
    socket_.async_receive_from(asio::buffer(buf_), peer_,
                               [self = shared_from_this()](boost::system::error_code ec, size_t n) {
                                 if (ec == asio::error::operation_aborted || !self->socket_.is_open()) return;
                                 if (!ec) self->on_datagram(n);
                                 self->receive();
                               });
  }

  void on_datagram(size_t n) {
    IngestCounters& c = pipeline_.counters();
    ++c.udp_datagrams;
    c.bytes_received += n;
    if (pipeline_.overloaded()) {
      ++c.udp_dropped;
      return;
    }
    std::string_view msg(buf_.data(), n);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == '\r' || msg.back() == '\0')) msg.remove_suffix(1);
    if (msg.empty()) return;
    if (peer_ != last_peer_ || peer_text_.empty()) {  // format the peer once per sender run, not per datagram
      last_peer_ = peer_;
      peer_text_ = format_host_port({peer_.address().to_string(), peer_.port()});
    }
    Provenance p{.receive_time = now_ns(), .source = peer_text_, .input = "syslog-udp", .tenant = options_.tenant};
    if (pending_.empty() && options_.packs) normalizer_.set_packs(options_.packs->current());
    normalizer_.add_line(msg, p, pending_);
    if (pending_.size() >= options_.batch_events) {
      flush();
    } else if (pending_.size() == 1) {
      timer_.expires_after(options_.flush_after);
      timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (!ec) self->flush();
      });
    }
  }

  void flush() {
    normalizer_.flush(pending_);
    if (pending_.empty()) return;
    timer_.cancel();
    pipeline_.submit(std::move(pending_), [](const Status& s) {
      if (!s.ok()) spdlog::error("syslog UDP: batch not stored: {}", s.message());
    });
    pending_ = EventBatch();
  }

  asio::strand<asio::io_context::executor_type> strand_;
  udp::socket socket_;
  asio::steady_timer timer_;
  Pipeline& pipeline_;
  SyslogInputOptions options_;
  LineNormalizer normalizer_;
  std::array<char, 65536> buf_;
  udp::endpoint peer_, last_peer_;
  std::string peer_text_;
  EventBatch pending_;
  HostPort bound_;
};

}  // namespace

Result<std::unique_ptr<Listener>> start_syslog_udp(asio::io_context& io, const HostPort& at, Pipeline& pipeline,
                                                   const SyslogInputOptions& options) {
  auto input = std::make_shared<UdpInput>(io, pipeline, options);
  if (Status s = input->bind(at); !s.ok()) return s;
  input->start();
  return make_listener(input);
}

}  // namespace vigil
