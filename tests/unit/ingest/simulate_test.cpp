// The demo generator: deterministic, ordered, and every line normalizes to the class
// it was generated for, so the story `make run` tells is findable by search.
#include "ingest/simulate.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <set>
#include <string>

#include "core/event_batch.h"
#include "normalize/syslog_event.h"

namespace vigil {
namespace {

SimulateOptions day() {
  SimulateOptions o;
  o.start = *parse_rfc3339("2026-11-18T00:00:00Z");
  o.end = o.start + 24 * 3600 * kNsPerSec;
  return o;
}

struct Normalized {
  EventBatch batch;
  std::string str(size_t i, std::string_view name) const {
    const Value* v = batch.find(batch[i], field_id(name));
    return v && v->type == FieldType::String ? std::string(v->as_string()) : std::string();
  }
  int64_t num(size_t i, std::string_view name) const {
    const Value* v = batch.find(batch[i], field_id(name));
    return v && v->type == FieldType::Int64 ? v->i64 : -1;
  }
  std::string ip(size_t i, std::string_view name) const {
    const Value* v = batch.find(batch[i], field_id(name));
    return v && v->type == FieldType::Ip ? v->as_ip().to_string() : std::string();
  }
};

Normalized normalize(const std::vector<SimulatedLine>& lines) {
  Normalized n;
  for (const SimulatedLine& l : lines) {
    Provenance p;
    p.receive_time = l.time;
    p.input = "demo";
    append_syslog_event(l.line, p, n.batch);
  }
  return n;
}

TEST(Simulate, DeterministicAndOrdered) {
  SimulateOptions o = day();
  auto a = simulate_syslog(o);
  auto b = simulate_syslog(o);
  ASSERT_GT(a.size(), 500u);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].line, b[i].line);
    EXPECT_EQ(a[i].time, b[i].time);
  }
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_GE(a[i].time, o.start);
    EXPECT_LT(a[i].time, o.end);
    if (i > 0) {
      EXPECT_LE(a[i - 1].time, a[i].time);
    }
    EXPECT_EQ(a[i].line.find('\n'), std::string::npos);
  }
  o.seed = 7;
  auto c = simulate_syslog(o);
  bool same = a.size() == c.size();
  for (size_t i = 0; same && i < a.size(); ++i) same = a[i].line == c[i].line;
  EXPECT_FALSE(same);
  SimulateOptions empty = day();
  empty.end = empty.start;
  EXPECT_TRUE(simulate_syslog(empty).empty());
}

TEST(Simulate, EveryLineMapsToItsClass) {
  auto lines = simulate_syslog(day());
  Normalized n = normalize(lines);
  ASSERT_EQ(n.batch.size(), lines.size());
  std::set<std::string> hosts;
  size_t rfc5424 = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const Event& e = n.batch[i];
    EXPECT_EQ(e.flags & (kFlagParseError | kFlagNoTimestamp | kFlagTruncated), 0u) << lines[i].line;
    EXPECT_EQ(n.num(i, "class_uid"), lines[i].class_uid) << lines[i].line;
    // RFC 3164 keeps whole seconds only.
    EXPECT_LT(std::abs(e.time - lines[i].time), kNsPerSec) << lines[i].line;
    hosts.insert(n.str(i, "device.hostname"));
    if (n.str(i, "unmapped.syslog.format") == "rfc5424") {
      ++rfc5424;
      EXPECT_EQ(n.str(i, "device.hostname"), "bastion-01");
    }
  }
  EXPECT_EQ(hosts, (std::set<std::string>{"app-01", "bastion-01", "db-01", "web-01"}));
  EXPECT_GT(rfc5424, 0u);
}

TEST(Simulate, TheBruteForceStory) {
  SimulateOptions o = day();
  auto lines = simulate_syslog(o);
  Normalized n = normalize(lines);
  int failed_passwords = 0, attacker_failures = 0, attacker_logons = 0, users_guessed = 0;
  std::set<std::string> guessed;
  std::vector<std::string> deploy_commands;
  int backdoor_created = 0, backdoor_to_sudo = 0;
  for (size_t i = 0; i < n.batch.size(); ++i) {
    int64_t cls = n.num(i, "class_uid");
    bool from_attacker = n.ip(i, "src_endpoint.ip") == o.attacker_ip;
    if (cls == 3002 && from_attacker) {
      EXPECT_EQ(n.str(i, "device.hostname"), "bastion-01");
      if (n.num(i, "status_id") == 2) {
        ++attacker_failures;
        guessed.insert(n.str(i, "user.name"));
        if (n.str(i, "auth_protocol") == "password") ++failed_passwords;
      }
      if (n.num(i, "activity_id") == 1 && n.num(i, "status_id") == 1) {
        ++attacker_logons;
        EXPECT_EQ(n.str(i, "user.name"), "deploy");
        EXPECT_EQ(n.str(i, "auth_protocol"), "password");
      }
    }
    if (cls == 1007 && n.str(i, "actor.user.name") == "deploy" && n.str(i, "device.hostname") == "bastion-01")
      deploy_commands.push_back(n.str(i, "process.cmd_line"));
    if (cls == 3001 && n.num(i, "activity_id") == 1 && n.str(i, "user.name") == "svc-backup") ++backdoor_created;
    if (cls == 3006 && n.num(i, "activity_id") == 3 && n.str(i, "user.name") == "svc-backup" &&
        n.str(i, "group.name") == "sudo")
      ++backdoor_to_sudo;
  }
  users_guessed = static_cast<int>(guessed.size());
  EXPECT_EQ(failed_passwords, o.brute_force_attempts);
  EXPECT_GE(attacker_failures, 2 * o.brute_force_attempts);  // plus "Invalid user" and preauth closes
  EXPECT_GE(users_guessed, 5);
  EXPECT_EQ(attacker_logons, 1);
  // deploy also works on bastion-01 legitimately; the attacker's commands come in this order.
  const std::vector<std::string> attacker_commands = {"/usr/bin/id", "/usr/bin/cat /etc/shadow",
                                                      "/usr/sbin/useradd -m -s /bin/bash svc-backup",
                                                      "/usr/sbin/usermod -aG sudo svc-backup"};
  size_t next = 0;
  for (const std::string& c : deploy_commands)
    if (next < attacker_commands.size() && c == attacker_commands[next]) ++next;
  EXPECT_EQ(next, attacker_commands.size());
  EXPECT_EQ(std::count(deploy_commands.begin(), deploy_commands.end(), "/usr/bin/cat /etc/shadow"), 1);
  EXPECT_EQ(backdoor_created, 1);
  EXPECT_EQ(backdoor_to_sudo, 1);
}

TEST(Simulate, OrdinaryActivity) {
  auto lines = simulate_syslog(day());
  Normalized n = normalize(lines);
  int internal_logons = 0, sudo_runs = 0, base = 0, su = 0, created = 0;
  for (size_t i = 0; i < n.batch.size(); ++i) {
    int64_t cls = n.num(i, "class_uid");
    if (cls == 3002 && n.num(i, "activity_id") == 1 && n.num(i, "status_id") == 1 &&
        n.ip(i, "src_endpoint.ip").starts_with("10."))
      ++internal_logons;
    if (cls == 1007) ++sudo_runs;
    if (cls == 0) ++base;
    if (cls == 3002 && n.num(i, "activity_id") == 7 && n.str(i, "service.name") == "su") ++su;
    if (cls == 3001 && n.num(i, "activity_id") == 1 && n.str(i, "user.name") == "erin") ++created;
  }
  EXPECT_GT(internal_logons, 100);
  EXPECT_GT(sudo_runs, 50);
  EXPECT_GT(base, 100);
  EXPECT_GT(su, 0);
  EXPECT_EQ(created, 1);
}

TEST(Simulate, MoreHosts) {
  SimulateOptions o = day();
  o.hosts = 6;
  o.end = o.start + 2 * 3600 * kNsPerSec;
  auto lines = simulate_syslog(o);
  Normalized n = normalize(lines);
  std::set<std::string> hosts;
  for (size_t i = 0; i < n.batch.size(); ++i) hosts.insert(n.str(i, "device.hostname"));
  EXPECT_EQ(hosts.size(), 6u);
}

}  // namespace
}  // namespace vigil
