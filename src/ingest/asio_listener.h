// Shared pieces of the Asio-based inputs (syslog UDP and TCP, HTTP): binding a socket
// or acceptor to a HostPort with errors a user can act on, and the Listener handle
// that owns an input. Internal to the .cpp files that already use Asio: it pulls in
// <boost/asio.hpp>, so never include it from a header.
#pragma once

#include <boost/asio.hpp>
#include <memory>
#include <string>

#include "ingest/listener.h"

namespace vigil {

// Opens `s` for `at`, sets SO_REUSEADDR, binds, and listens when `s` is an acceptor.
// On success `bound` is the real address (the chosen port when 0 was asked for).
template <typename Socket>
Status bind_to(Socket& s, const HostPort& at, const std::string& what, HostPort& bound) {
  boost::system::error_code ec;
  auto addr = boost::asio::ip::make_address(at.host, ec);
  if (ec) {  // a name such as "localhost": listen on its first address
    typename Socket::protocol_type::resolver resolver(s.get_executor());
    auto found = resolver.resolve(at.host, "", ec);
    if (ec || found.empty())
      return Status::error(what + ": cannot resolve listen host '" + at.host + "'" + (ec ? ": " + ec.message() : ""));
    addr = found.begin()->endpoint().address();
  }
  typename Socket::protocol_type::endpoint ep(addr, at.port);
  s.open(ep.protocol(), ec);
  if (!ec) s.set_option(boost::asio::socket_base::reuse_address(true), ec);
  if (!ec) s.bind(ep, ec);
  if constexpr (requires { s.listen(); }) {
    if (!ec) s.listen(boost::asio::socket_base::max_listen_connections, ec);
  }
  if (ec) return Status::error(what + ": cannot listen on " + format_host_port(at) + ": " + ec.message());
  auto local = s.local_endpoint(ec);
  if (ec) return Status::error(what + ": " + ec.message());
  bound = {local.address().to_string(), local.port()};
  return {};
}

// The Listener a caller holds for an input (anything with stop() and bound()).
// Dropping it stops the input; the input itself lives on in its pending handlers.
template <typename Input>
class InputListener : public Listener {
 public:
  explicit InputListener(std::shared_ptr<Input> input) : input_(std::move(input)) {}
  ~InputListener() override { input_->stop(); }
  HostPort address() const override { return input_->bound(); }
  void stop() override { input_->stop(); }

 private:
  std::shared_ptr<Input> input_;
};

template <typename Input>
std::unique_ptr<Listener> make_listener(std::shared_ptr<Input> input) {
  return std::make_unique<InputListener<Input>>(std::move(input));
}

}  // namespace vigil
