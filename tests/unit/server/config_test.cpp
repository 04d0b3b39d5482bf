#include "server/config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "server/http_server.h"

namespace vigil {

namespace {
std::filesystem::path write_temp(const std::string& text) {
  static int n = 0;
  auto p = std::filesystem::temp_directory_path() / ("vigil-config-" + std::to_string(getpid()) + "-" + std::to_string(n++) + ".yaml");
  std::ofstream(p) << text;
  return p;
}
}  // namespace

TEST(ServerConfig, ReadsEveryKey) {
  auto p = write_temp(
      "data: /tmp/x\ntenant: acme\nio_threads: 3\nlisten:\n  syslog_udp: off\n  syslog_tcp: 0.0.0.0:6514\n"
      "  http: '[::1]:9000'\nlimits:\n  max_line_bytes: 1000\nsyslog:\n  default_utc_offset: 3600\n");
  ServerConfig c;
  ASSERT_TRUE(load_server_config(p, c).ok());
  EXPECT_EQ(c.data_dir, "/tmp/x");
  EXPECT_EQ(c.tenant, "acme");
  EXPECT_EQ(c.io_threads, 3);
  EXPECT_EQ(c.syslog_udp, "");
  EXPECT_EQ(c.syslog_tcp, "0.0.0.0:6514");
  EXPECT_EQ(c.http, "[::1]:9000");
  EXPECT_EQ(c.max_line_bytes, 1000u);
  EXPECT_EQ(c.default_utc_offset_s, 3600);
  std::filesystem::remove(p);
}

TEST(ServerConfig, StoreAndRetention) {
  auto p = write_temp(
      "store:\n  max_memory_mb: 256\n  seal_interval_s: 5\n  maintenance_interval_s: 10\n"
      "retention:\n  default_days: 365\n  policies:\n    - name: authentication\n      classes: [authentication]\n"
      "      days: 400\n");
  ServerConfig c;
  Status s = load_server_config(p, c);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(c.store_max_memory_mb, 256);
  EXPECT_EQ(c.store_seal_interval_s, 5);
  EXPECT_EQ(c.store_maintenance_interval_s, 10);
  EXPECT_EQ(c.retention.default_days, 365);
  ASSERT_EQ(c.retention.policies.size(), 1u);
  EXPECT_EQ(c.retention.policies[0].class_uids, std::vector<int64_t>{3002});
  auto bad = write_temp("retention:\n  policies:\n    - name: x\n      classes: [authentcation]\n      days: 3\n");
  Status b = load_server_config(bad, c);
  EXPECT_NE(b.message().find("authentcation"), std::string::npos) << b.message();
  auto small = write_temp("store:\n  max_memory_mb: 1\n");
  EXPECT_NE(load_server_config(small, c).message().find("store.max_memory_mb"), std::string::npos);
  for (auto& f : {p, bad, small}) std::filesystem::remove(f);
}

TEST(ServerConfig, UnknownKeysAndBadValuesNameTheKey) {
  ServerConfig c;
  auto p1 = write_temp("listen:\n  syslog_upd: 1.2.3.4:5\n");
  Status s1 = load_server_config(p1, c);
  EXPECT_NE(s1.message().find("unknown key 'listen.syslog_upd'"), std::string::npos) << s1.message();
  auto p2 = write_temp("limits:\n  max_line_bytes: lots\n");
  Status s2 = load_server_config(p2, c);
  EXPECT_NE(s2.message().find("limits.max_line_bytes"), std::string::npos) << s2.message();
  EXPECT_NE(s2.message().find("line 2"), std::string::npos) << s2.message();
  Status s3 = load_server_config("/nonexistent/vigil.yaml", c);
  EXPECT_NE(s3.message().find("cannot read"), std::string::npos);
  auto p4 = write_temp("data: [unclosed\n");
  EXPECT_FALSE(load_server_config(p4, c).ok());
  for (auto& p : {p1, p2, p4}) std::filesystem::remove(p);
}

TEST(Url, DecodeEncodeQuery) {
  auto q = parse_query_string("q=class_uid%3A3002+status_id%3A2&from=-24h&empty=&flag");
  EXPECT_EQ(q["q"], "class_uid:3002 status_id:2");
  EXPECT_EQ(q["from"], "-24h");
  EXPECT_EQ(q["empty"], "");
  EXPECT_TRUE(q.count("flag"));
  EXPECT_EQ(url_decode("%zz%4", false), "%zz%4");
  std::string s = "a b|c:\"d\"/é";
  EXPECT_EQ(url_decode(url_encode(s), false), s);
}

}  // namespace vigil
