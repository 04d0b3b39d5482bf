// The network collector on a real loopback TCP connection opened by this test (both of
// its ends belong to this process), and the /proc/net parser on lines in the kernel's
// format whose values were worked out by hand.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "agent/net_collector.h"
#include "core/event_batch.h"

namespace vigil {
namespace {

TEST(ProcNetParse, ReadsIpv4Ipv6AndCountsBadLines) {
  // 0100007F = 127.0.0.1 as the little-endian word the kernel prints; 1F90 = 8080,
  // D431 = 54321; 0A listen, 01 established; uid 1000; inode 4711.
  const std::string text =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
      "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4711 1 0000 100 0 0 10 0\n"
      "   1: 0100007F:D431 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 4712 1 0000 20 4 30 10 -1\n"
      "   2: garbage line\n"
      "   3: 0100007G:D431 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 4712\n";
  std::vector<SocketEntry> out;
  size_t bad = 0;
  parse_proc_net(text, true, out, bad);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(bad, 2u);
  EXPECT_EQ(out[0].local_ip.to_string(), "127.0.0.1");
  EXPECT_EQ(out[0].local_port, 8080);
  EXPECT_EQ(out[0].state, 10);
  EXPECT_EQ(out[0].uid, 1000u);
  EXPECT_EQ(out[0].inode, 4711u);
  EXPECT_EQ(out[1].remote_port, 8080);
  EXPECT_EQ(out[1].local_port, 54321);

  // IPv6 ::1 is three zero words then 01000000; ::ffff:10.0.0.5 is a mapped IPv4 peer.
  const std::string text6 =
      "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
      "   0: 00000000000000000000000001000000:0016 0000000000000000FFFF00000500000A:C350 01 00000000:00000000 00:00000000 00000000     0        0 99 1\n";
  out.clear();
  bad = 0;
  parse_proc_net(text6, true, out, bad);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(bad, 0u);
  EXPECT_EQ(out[0].local_ip.to_string(), "::1");
  EXPECT_EQ(out[0].local_port, 22);
  EXPECT_EQ(out[0].remote_ip.to_string(), "10.0.0.5");
  EXPECT_EQ(out[0].remote_port, 50000);
}

const Value* get(const EventBatch& b, const Event& e, const char* name) {
  return b.find(e, field_dictionary().find(name));
}

TEST(NetCollector, SeesALoopbackConnectionOfThisProcessOpenAndClose) {
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener, 4), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int port = ntohs(addr.sin_port);

  NetCollectorOptions o;
  o.interval_ms = 0;
  auto c = make_net_collector(o);
  CollectorContext context{.hostname = "testhost"};
  ASSERT_TRUE(c->start(context).ok());
  EXPECT_EQ(c->stats().mode, "proc-net");
  EventBatch baseline;
  c->poll(baseline);  // the connections that were there before: not reported
  EXPECT_TRUE(baseline.empty());

  int client = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(::connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  int accepted = ::accept(listener, nullptr, nullptr);
  ASSERT_GE(accepted, 0);
  sockaddr_in client_addr{};
  len = sizeof client_addr;
  ASSERT_EQ(::getsockname(client, reinterpret_cast<sockaddr*>(&client_addr), &len), 0);
  const int client_port = ntohs(client_addr.sin_port);

  EventBatch opened;
  c->poll(opened);
  // Both ends are sockets of this process: the client's (outbound) and the accepted
  // one (inbound, since its local port listens); both say client -> listener.
  int outbound = 0, inbound = 0;
  for (const Event& e : opened.events()) {
    if (get(opened, e, "dst_endpoint.port")->i64 != port || get(opened, e, "src_endpoint.port")->i64 != client_port) continue;
    EXPECT_EQ(get(opened, e, "class_uid")->i64, 4001);
    EXPECT_EQ(get(opened, e, "activity_id")->i64, 1);
    EXPECT_EQ(get(opened, e, "type_uid")->i64, 400101);
    EXPECT_EQ(get(opened, e, "src_endpoint.ip")->as_ip().to_string(), "127.0.0.1");
    EXPECT_EQ(get(opened, e, "dst_endpoint.ip")->as_ip().to_string(), "127.0.0.1");
    EXPECT_EQ(get(opened, e, "connection_info.protocol_name")->as_string(), "tcp");
    ASSERT_NE(get(opened, e, "process.pid"), nullptr);
    EXPECT_EQ(get(opened, e, "process.pid")->i64, ::getpid());
    ASSERT_NE(get(opened, e, "process.file.path"), nullptr);
    char self[4096];
    ssize_t n = ::readlink("/proc/self/exe", self, sizeof self);
    ASSERT_GT(n, 0);
    EXPECT_EQ(get(opened, e, "process.file.path")->as_string(), std::string(self, n));
    EXPECT_EQ(get(opened, e, "device.hostname")->as_string(), "testhost");
    (get(opened, e, "connection_info.direction_id")->i64 == 1 ? inbound : outbound)++;
  }
  EXPECT_EQ(outbound, 1);
  EXPECT_EQ(inbound, 1);

  EventBatch again;
  c->poll(again);
  for (const Event& e : again.events())
    EXPECT_NE(get(again, e, "dst_endpoint.port")->i64, port) << "reported twice: " << e.raw;

  ::close(client);
  ::close(accepted);
  EventBatch closed;
  c->poll(closed);
  int closes = 0;
  for (const Event& e : closed.events())
    if (get(closed, e, "dst_endpoint.port")->i64 == port && get(closed, e, "activity_id")->i64 == 2) ++closes;
  EXPECT_EQ(closes, 2);
  ::close(listener);
}

}  // namespace
}  // namespace vigil
