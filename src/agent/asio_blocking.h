// Blocking calls over Asio's asynchronous operations, for the agent's outputs (HTTPS
// client, syslog forwarder): async operations honour beast::tcp_stream's expiry where
// synchronous ones do not, so a hung peer becomes a timeout error. Included only by the
// .cpp files that already include Asio.
#pragma once

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <string>

namespace vigil {

// Starts one async operation with `start(handler)` and runs `io` until it completes.
template <typename Start>
boost::system::error_code run_until_done(boost::asio::io_context& io, Start start) {
  boost::system::error_code result;
  bool done = false;
  io.restart();
  start([&](boost::system::error_code ec, auto&&...) {
    result = ec;
    done = true;
  });
  while (!done && io.run_one() > 0) {
  }
  return done ? result : boost::asio::error::operation_aborted;
}

// The peer must present a certificate for the name (or address) we dialled: an IP
// address is checked against IP SANs, a name against DNS SANs and sent as SNI.
inline void expect_peer_name(SSL* ssl, const std::string& name) {
  boost::system::error_code not_ip;
  boost::asio::ip::make_address(name, not_ip);
  if (!not_ip) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str());
  } else {
    SSL_set1_host(ssl, name.c_str());
    SSL_set_tlsext_host_name(ssl, name.c_str());
  }
}

}  // namespace vigil
