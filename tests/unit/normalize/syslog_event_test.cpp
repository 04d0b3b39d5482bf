// append_syslog_event: header fields, the Base Event fallback, parse errors and
// truncation, on whole syslog lines.
#include "normalize/syslog_event.h"
#include "first_event.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>

namespace vigil {
namespace {

constexpr TimeNs kReceive = 1'795'000'000LL * kNsPerSec;  // 2026-11-18, for 3164 year choice

using One = testing::FirstEvent;

One append(std::string_view line, const SyslogEventOptions& o = {}) {
  One r;
  Provenance p;
  p.receive_time = kReceive;
  p.source = "10.0.0.5:514";
  p.input = "syslog-udp";
  append_syslog_event(line, p, r.batch, o);
  return r;
}

TEST(SyslogEvent, Rfc3164AuthLine) {
  auto r = append("<38>Nov 18 06:55:46 bastion-01 sshd[24200]: Failed password for root from 203.0.113.77 port 4100 ssh2");
  ASSERT_EQ(r.batch.size(), 1u);
  EXPECT_EQ(r.e().flags, 0u);
  EXPECT_EQ(r.e().raw, "<38>Nov 18 06:55:46 bastion-01 sshd[24200]: Failed password for root from 203.0.113.77 port 4100 ssh2");
  EXPECT_EQ(r.e().source, "10.0.0.5:514");
  EXPECT_EQ(r.e().input, "syslog-udp");
  EXPECT_EQ(format_rfc3339(r.e().time), "2026-11-18T06:55:46.000Z");
  const Value* t = r.get("time");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->type, FieldType::Timestamp);
  EXPECT_EQ(t->ts, r.e().time);
  EXPECT_EQ(r.s("device.hostname"), "bastion-01");
  EXPECT_EQ(r.s("process.name"), "sshd");
  EXPECT_EQ(r.i("process.pid"), 24200);
  EXPECT_EQ(r.s("metadata.log_name"), "syslog");
  EXPECT_EQ(r.s("message"), "Failed password for root from 203.0.113.77 port 4100 ssh2");
  EXPECT_EQ(r.i("unmapped.syslog.pri"), 38);
  EXPECT_EQ(r.i("unmapped.syslog.facility"), 4);
  EXPECT_EQ(r.i("unmapped.syslog.severity"), 6);
  EXPECT_EQ(r.s("unmapped.syslog.format"), "rfc3164");
  EXPECT_EQ(r.i("class_uid"), 3002);
  EXPECT_EQ(r.i("activity_id"), 1);
  EXPECT_EQ(r.i("status_id"), 2);
  EXPECT_EQ(r.s("user.name"), "root");
  const Value* ip = r.get("src_endpoint.ip");
  ASSERT_NE(ip, nullptr);
  EXPECT_EQ(ip->type, FieldType::Ip);
  EXPECT_EQ(ip->as_ip().to_string(), "203.0.113.77");
  EXPECT_EQ(r.i("severity_id"), 2);  // from the mapping, not from syslog "info"
  EXPECT_EQ(r.s("dst_endpoint.hostname"), "bastion-01");
}

TEST(SyslogEvent, StringFieldsAreSlicesOfRaw) {
  auto r = append("<38>Nov 18 06:55:46 bastion-01 sshd[24200]: Accepted password for alice from 10.0.0.1 port 22 ssh2");
  std::string_view raw = r.e().raw;
  for (const Field& f : r.batch.fields(r.e())) {
    if (f.value.type != FieldType::String) continue;
    std::string_view s = f.value.as_string();
    std::string_view name = field_name(f.id);
    // Literals (static storage) and fixed texts like status_detail "wrong password".
    if (name == "metadata.log_name" || name == "status" || name == "unmapped.syslog.format" ||
        name == "status_detail")
      continue;
    EXPECT_TRUE(s.data() >= raw.data() && s.data() + s.size() <= raw.data() + raw.size()) << name;
  }
}

TEST(SyslogEvent, Rfc5424WithStructuredData) {
  auto r = append(
      "<86>1 2026-11-18T07:00:01.250Z bastion-01 sudo 3311 ID47 [origin ip=\"10.0.0.9\" software=\"sud\\\"o\"] "
      "alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id");
  ASSERT_EQ(r.batch.size(), 1u);
  EXPECT_EQ(r.e().flags, 0u);
  EXPECT_EQ(format_rfc3339(r.e().time), "2026-11-18T07:00:01.250Z");
  EXPECT_EQ(r.s("unmapped.syslog.format"), "rfc5424");
  EXPECT_EQ(r.s("unmapped.syslog.msgid"), "ID47");
  EXPECT_EQ(r.s("unmapped.syslog.procid"), "3311");
  EXPECT_EQ(r.s("unmapped.syslog.sd.origin.ip"), "10.0.0.9");
  EXPECT_EQ(r.s("unmapped.syslog.sd.origin.software"), "sud\"o");
  // Process Activity: the process is the command; sudo is the actor's process.
  EXPECT_EQ(r.i("class_uid"), 1007);
  EXPECT_EQ(r.s("process.name"), "id");
  EXPECT_EQ(r.s("process.file.path"), "/usr/bin/id");
  EXPECT_EQ(r.s("actor.process.name"), "sudo");
  EXPECT_EQ(r.i("actor.process.pid"), 3311);
  EXPECT_EQ(r.i("process.pid"), std::nullopt);
  EXPECT_EQ(r.s("actor.user.name"), "alice");
  EXPECT_EQ(r.s("process.user.name"), "root");
}

TEST(SyslogEvent, UnmappedMessageIsBaseEvent) {
  auto r = append("<78>Nov 18 07:17:01 web-01 CRON[9001]: (root) CMD (   cd / && run-parts --report /etc/cron.hourly)");
  EXPECT_EQ(r.i("class_uid"), 0);
  EXPECT_EQ(r.i("category_uid"), 0);
  EXPECT_EQ(r.i("activity_id"), 99);
  EXPECT_EQ(r.i("type_uid"), 99);
  EXPECT_EQ(r.i("severity_id"), 1);  // syslog info
  EXPECT_EQ(r.s("process.name"), "CRON");
  EXPECT_EQ(r.s("message"), "(root) CMD (   cd / && run-parts --report /etc/cron.hourly)");
  auto err = append("<11>Nov 18 07:17:01 web-01 app: disk failure");
  EXPECT_EQ(err.i("severity_id"), 3);  // syslog error -> Medium
  auto emerg = append("<0>Nov 18 07:17:01 web-01 kernel: panic");
  EXPECT_EQ(emerg.i("severity_id"), 6);
}

TEST(SyslogEvent, ParseErrorKeepsRaw) {
  auto r = append("this is not syslog at all");
  ASSERT_EQ(r.batch.size(), 1u);
  EXPECT_TRUE(r.e().flags & kFlagParseError);
  EXPECT_TRUE(r.e().flags & kFlagNoTimestamp);
  EXPECT_FALSE(r.e().parse_error.empty());
  EXPECT_EQ(r.e().raw, "this is not syslog at all");
  EXPECT_EQ(r.e().time, kReceive);
  EXPECT_EQ(r.s("message"), "this is not syslog at all");
  EXPECT_EQ(r.i("class_uid"), 0);
  EXPECT_EQ(r.i("activity_id"), 0);
  EXPECT_EQ(r.i("type_uid"), 0);

  auto empty = append("");
  ASSERT_EQ(empty.batch.size(), 1u);
  EXPECT_TRUE(empty.e().flags & kFlagParseError);
  EXPECT_EQ(empty.i("class_uid"), 0);
}

TEST(SyslogEvent, NoTimestampUsesReceiveTime) {
  auto r = append("<38>sshd[1]: Accepted password for alice from 10.0.0.1 port 22 ssh2");
  ASSERT_EQ(r.batch.size(), 1u);
  EXPECT_FALSE(r.e().flags & kFlagParseError) << "a PRI without a timestamp is valid RFC 3164";
  EXPECT_TRUE(r.e().flags & kFlagNoTimestamp);
  EXPECT_EQ(r.i("class_uid"), 3002);  // and the message is still mapped
  EXPECT_EQ(r.e().time, kReceive);
  const Value* t = r.get("time");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->ts, kReceive);
}

TEST(SyslogEvent, TruncatesLongLines) {
  std::string line = "<38>Nov 18 06:55:46 bastion-01 sshd[1]: Accepted password for alice from 10.0.0.1 port 22 ssh2 ";
  line.append(1000, 'x');
  SyslogEventOptions o;
  o.max_line_bytes = 100;
  auto r = append(line, o);
  ASSERT_EQ(r.batch.size(), 1u);
  EXPECT_TRUE(r.e().flags & kFlagTruncated);
  EXPECT_EQ(r.e().raw, std::string_view(line).substr(0, 100));
  EXPECT_EQ(r.s("device.hostname"), "bastion-01");
  EXPECT_EQ(r.i("class_uid"), 3002);
  auto full = append(line);
  EXPECT_FALSE(full.e().flags & kFlagTruncated);
  EXPECT_EQ(full.e().raw.size(), line.size());
}

TEST(SyslogEvent, ManyLinesOneBatch) {
  EventBatch batch;
  Provenance p;
  p.receive_time = kReceive;
  for (int i = 0; i < 1000; ++i) {
    append_syslog_event(i % 2 ? "<38>Nov 18 06:55:46 h sshd[1]: Invalid user x from 10.0.0.1 port 22"
                              : "garbage",
                        p, batch);
  }
  ASSERT_EQ(batch.size(), 1000u);
  FieldId cls = field_id("class_uid");
  for (size_t i = 0; i < batch.size(); ++i) {
    const Value* v = batch.find(batch[i], cls);
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->i64, i % 2 ? 3002 : 0);
  }
}

}  // namespace
}  // namespace vigil
