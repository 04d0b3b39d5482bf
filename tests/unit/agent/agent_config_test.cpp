// The agent's config: defaults, each output's needs, and errors that name the key.
#include <gtest/gtest.h>

#include "agent/agent_config.h"
#include "agent/collectors.h"

namespace vigil {
namespace {

TEST(AgentConfig, SmallServerConfigGetsDefaults) {
  auto c = parse_agent_config(
      "state_dir: /tmp/x\nserver:\n  address: 127.0.0.1:8443\n  ca: /etc/ca.crt\n  enroll_token: abc\n", "t.yaml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->output, AgentOutput::Server);
  EXPECT_EQ(c->server.heartbeat_interval_s, 30);
  EXPECT_EQ(c->spool_max_mb, 256);
  EXPECT_EQ(c->batch_max_events, 2000);
  EXPECT_EQ(c->state_dir, "/tmp/x");
}

TEST(AgentConfig, UnknownKeysAreNamedWithTheirLine) {
  auto c = parse_agent_config("state_dir: /tmp/x\nserver:\n  adress: 127.0.0.1:8443\n", "agent.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("agent.yaml"), std::string::npos) << c.status().message();
  EXPECT_NE(c.status().message().find("unknown key 'server.adress' at line 3"), std::string::npos) << c.status().message();
  EXPECT_NE(c.status().message().find("address"), std::string::npos);  // the allowed keys are listed
}

TEST(AgentConfig, BadValuesNameTheKey) {
  auto c = parse_agent_config("output: file\nfile: {dir: /tmp/o, max_file_mb: lots}\n", "a.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("'file.max_file_mb'"), std::string::npos) << c.status().message();
  c = parse_agent_config("output: kafka\n", "a.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("'output'"), std::string::npos) << c.status().message();
  c = parse_agent_config("output: syslog\nsyslog: {address: h:514, transport: udp}\n", "a.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("syslog.transport"), std::string::npos) << c.status().message();
}

TEST(AgentConfig, EachOutputSaysWhatItNeeds) {
  auto c = parse_agent_config("output: server\n", "a.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("server.address"), std::string::npos) << c.status().message();
  c = parse_agent_config("output: file\n", "a.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("file.dir"), std::string::npos);
  c = parse_agent_config("output: http\nhttp: {url: ftp://x}\n", "a.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("http.url"), std::string::npos);
  c = parse_agent_config("output: http\nhttp: {url: 'http://127.0.0.1:8080/api/v1/ingest'}\n", "a.yaml");
  EXPECT_TRUE(c.ok()) << c.status().message();
}

TEST(AgentConfig, CollectorKeysAreCheckedToo) {
  auto c = parse_agent_config("output: file\nfile: {dir: /tmp/o}\ncollectors:\n  exec: {pol_interval_ms: 5}\n", "a.yaml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  auto collectors = make_collectors(c->collectors);
  ASSERT_FALSE(collectors.ok());
  EXPECT_NE(collectors.status().message().find("collectors.exec.pol_interval_ms"), std::string::npos)
      << collectors.status().message();
  c = parse_agent_config("output: file\nfile: {dir: /tmp/o}\ncollectors:\n  procs: {}\n", "a.yaml");
  ASSERT_TRUE(c.ok());
  collectors = make_collectors(c->collectors);
  ASSERT_FALSE(collectors.ok());
  EXPECT_NE(collectors.status().message().find("unknown key 'collectors.procs'"), std::string::npos)
      << collectors.status().message();
  c = parse_agent_config("output: file\nfile: {dir: /tmp/o}\ncollectors:\n  logs: [{paths: [/var/log/a.log]}]\n  exec: off\n",
                         "a.yaml");
  ASSERT_TRUE(c.ok());
  collectors = make_collectors(c->collectors);
  ASSERT_TRUE(collectors.ok()) << collectors.status().message();
  ASSERT_EQ(collectors->size(), 1u);
}

}  // namespace
}  // namespace vigil
