// Syslog over TCP (RFC 6587): a connection per sender, messages framed by
// SyslogFramer, one batch per read. The next read starts only after the batch is
// durable: acknowledged-by-reading means durable, and a slow store slows senders.
#include <spdlog/spdlog.h>

#include <array>
#include "ingest/asio_listener.h"
#include "ingest/syslog_framer.h"
#include "normalize/line_normalizer.h"
#include "normalize/pack_registry.h"

namespace vigil {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

class TcpConnection : public std::enable_shared_from_this<TcpConnection> {
 public:
  TcpConnection(tcp::socket socket, Pipeline& pipeline, const SyslogInputOptions& options)
      : socket_(std::move(socket)),
        pipeline_(pipeline),
        options_(options),
        normalizer_(NormalizerOptions{.max_line_bytes = options.max_line_bytes,
                                      .default_utc_offset_s = options.default_utc_offset_s}),
        framer_(options.max_line_bytes) {
    boost::system::error_code ec;
    auto peer = socket_.remote_endpoint(ec);
    peer_text_ = ec ? "unknown" : format_host_port({peer.address().to_string(), peer.port()});
  }

  void read() {
    socket_.async_read_some(asio::buffer(buf_), [self = shared_from_this()](boost::system::error_code ec, size_t n) {
      self->on_read(ec, n);
    });
  }

 private:
  void on_read(boost::system::error_code ec, size_t n) {
    EventBatch batch;
    // Every message of one read arrived together: one clock read per read, not per message.
    const Provenance p{.receive_time = now_ns(), .source = peer_text_, .input = "syslog-tcp", .tenant = options_.tenant};
    if (options_.packs) normalizer_.set_packs(options_.packs->current());
    auto add = [&](std::string_view frame, bool truncated) {
      const size_t before = batch.size();
      normalizer_.add_line(frame, p, batch);
      if (truncated && batch.size() > before) batch.current().flags |= kFlagTruncated;
    };
    bool eof = static_cast<bool>(ec);
    if (!eof) {
      pipeline_.counters().bytes_received += n;
      framer_.feed(std::string_view(buf_.data(), n), add);
    } else {
      framer_.finish(add);
      if (ec != asio::error::eof && ec != asio::error::operation_aborted)
        spdlog::warn("syslog TCP {}: {}", peer_text_, ec.message());
    }
    // Records held for a multi-line event (auditd) end with the read: a batch is what
    // the sender gets acknowledged for, so nothing may wait beyond it.
    normalizer_.flush(batch);
    pipeline_.counters().tcp_messages += batch.size();
    if (batch.empty()) {
      if (!eof) read();
      return;
    }
    pipeline_.submit(std::move(batch), [self = shared_from_this(), eof](const Status& s) {
      asio::post(self->socket_.get_executor(), [self, eof, s] {
        if (!s.ok()) {
          // Not durable: close so the sender knows to retry, rather than read on.
          spdlog::error("syslog TCP {}: batch not stored, closing: {}", self->peer_text_, s.message());
          boost::system::error_code ignored;
          self->socket_.close(ignored);
          return;
        }
        if (!eof) self->read();
      });
    });
  }

  tcp::socket socket_;
  Pipeline& pipeline_;
  SyslogInputOptions options_;
  LineNormalizer normalizer_;
  SyslogFramer framer_;
  std::array<char, 65536> buf_;
  std::string peer_text_;
};

class TcpInput : public std::enable_shared_from_this<TcpInput> {
 public:
  TcpInput(asio::io_context& io, Pipeline& pipeline, const SyslogInputOptions& options)
      : io_(io), acceptor_(asio::make_strand(io)), pipeline_(pipeline), options_(options) {}

  Status bind(const HostPort& at) { return bind_to(acceptor_, at, "syslog TCP", bound_); }

  void accept() {
    acceptor_.async_accept(asio::make_strand(io_), [self = shared_from_this()](boost::system::error_code ec,
                                                                               tcp::socket socket) {
      if (!self->acceptor_.is_open()) return;
      if (!ec) {
        ++self->pipeline_.counters().tcp_connections;
        std::make_shared<TcpConnection>(std::move(socket), self->pipeline_, self->options_)->read();
      } else {
        spdlog::warn("syslog TCP accept: {}", ec.message());
      }
      self->accept();
    });
  }

  void stop() {
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
      boost::system::error_code ec;
      self->acceptor_.close(ec);
    });
  }

  HostPort bound() const { return bound_; }

 private:
  asio::io_context& io_;
  tcp::acceptor acceptor_;
  Pipeline& pipeline_;
  SyslogInputOptions options_;
  HostPort bound_;
};

}  // namespace

Result<std::unique_ptr<Listener>> start_syslog_tcp(asio::io_context& io, const HostPort& at, Pipeline& pipeline,
                                                   const SyslogInputOptions& options) {
  auto input = std::make_shared<TcpInput>(io, pipeline, options);
  if (Status s = input->bind(at); !s.ok()) return s;
  input->accept();
  return make_listener(input);
}

}  // namespace vigil
