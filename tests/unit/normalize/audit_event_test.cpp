// AuditAssembler: records joined by audit(time:serial), completion (EOE, lone types,
// eviction, flush), and the OCSF classes of execve, file, network, login and account
// events. Expected values are read off the record text in each test.
#include "normalize/audit_event.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace vigil {
namespace {

struct Batch {
  EventBatch b;
  const Value* get(size_t i, std::string_view name) const {
    FieldId id = field_dictionary().find(name);
    return id == kNoField ? nullptr : b.find(b[i], id);
  }
  std::optional<std::string> s(size_t i, std::string_view name) const {
    const Value* v = get(i, name);
    if (!v || v->type != FieldType::String) return std::nullopt;
    return std::string(v->as_string());
  }
  std::optional<int64_t> n(size_t i, std::string_view name) const {
    const Value* v = get(i, name);
    if (!v || v->type != FieldType::Int64) return std::nullopt;
    return v->i64;
  }
  std::optional<std::string> ip(size_t i, std::string_view name) const {
    const Value* v = get(i, name);
    if (!v || v->type != FieldType::Ip) return std::nullopt;
    return v->as_ip().to_string();
  }
};

Provenance prov() {
  Provenance p;
  p.receive_time = 42;
  p.source = "host:1";
  p.input = "file";
  return p;
}

constexpr std::string_view kExec[] = {
    "type=SYSCALL msg=audit(1507304439.922:1865): arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 "
    "a3=4 items=2 ppid=100 pid=200 auid=1001 uid=0 gid=0 euid=0 tty=pts1 ses=5 comm=\"useradd\" "
    "exe=\"/usr/sbin/useradd\" key=\"exec\"",
    "type=EXECVE msg=audit(1507304439.922:1865): argc=5 a0=\"useradd\" a1=\"-u\" a2=\"3005\" a3=\"-m\" a4=\"trainer5\"",
    "type=CWD msg=audit(1507304439.922:1865):  cwd=\"/root\"",
    "type=PATH msg=audit(1507304439.922:1865): item=0 name=\"/usr/sbin/useradd\" inode=1 mode=0100755 ouid=0 nametype=NORMAL",
    "type=PROCTITLE msg=audit(1507304439.922:1865): proctitle=757365726164640000",
    "type=EOE msg=audit(1507304439.922:1865): ",
};

TEST(AuditEvent, ExecveIsOneProcessLaunch) {
  AuditAssembler a;
  Batch out;
  for (size_t i = 0; i + 1 < std::size(kExec); ++i) a.add(kExec[i], prov(), out.b);
  EXPECT_EQ(out.b.size(), 0u);
  EXPECT_EQ(a.open_events(), 1u);
  a.add(kExec[5], prov(), out.b);
  ASSERT_EQ(out.b.size(), 1u);
  EXPECT_EQ(a.open_events(), 0u);
  const Event& e = out.b[0];
  std::string raw;
  for (std::string_view l : kExec) raw += std::string(l) + "\n";
  raw.pop_back();
  EXPECT_EQ(e.raw, raw);
  EXPECT_EQ(e.time, 1507304439922000000LL);
  EXPECT_EQ(e.source, "host:1");
  EXPECT_EQ(e.flags, 0u);
  EXPECT_EQ(out.n(0, "class_uid"), 1007);
  EXPECT_EQ(out.n(0, "category_uid"), 1);
  EXPECT_EQ(out.n(0, "activity_id"), 1);
  EXPECT_EQ(out.n(0, "type_uid"), 100701);
  EXPECT_EQ(out.n(0, "status_id"), 1);
  EXPECT_EQ(out.n(0, "process.pid"), 200);
  EXPECT_EQ(out.n(0, "process.parent_process.pid"), 100);
  EXPECT_EQ(out.s(0, "process.cmd_line"), "useradd -u 3005 -m trainer5");
  EXPECT_EQ(out.s(0, "process.file.path"), "/usr/sbin/useradd");
  EXPECT_EQ(out.s(0, "process.name"), "useradd");
  EXPECT_EQ(out.s(0, "process.working_directory"), "/root");
  EXPECT_EQ(out.s(0, "process.user.uid"), "0");
  EXPECT_EQ(out.s(0, "process.tty"), "pts1");
  EXPECT_EQ(out.s(0, "actor.user.uid"), "1001");
  EXPECT_EQ(out.s(0, "actor.session.uid"), "5");
  EXPECT_EQ(out.s(0, "unmapped.auditd.key"), "exec");
  EXPECT_EQ(out.s(0, "unmapped.auditd.syscall_name"), "execve");
  EXPECT_EQ(out.s(0, "unmapped.auditd.record_types"), "SYSCALL,EXECVE,CWD,PATH,PROCTITLE");
  EXPECT_EQ(out.s(0, "unmapped.auditd.argc"), "5");
  EXPECT_EQ(out.s(0, "unmapped.auditd.a0"), "1");  // SYSCALL's a0 (first record wins)
  EXPECT_EQ(out.s(0, "metadata.uid"), "1865");
  EXPECT_EQ(out.s(0, "metadata.product.name"), "auditd");
  EXPECT_EQ(out.s(0, "metadata.log_name"), "audit");
  EXPECT_FALSE(out.s(0, "unmapped.auditd.pid"));  // mapped, so not repeated
}

TEST(AuditEvent, InterleavedEventsAndFlush) {
  AuditAssembler a;
  Batch out;
  a.add("type=SYSCALL msg=audit(1.000:10): arch=c000003e syscall=59 success=yes pid=1 exe=\"/a\"", prov(), out.b);
  a.add("type=SYSCALL msg=audit(1.000:11): arch=c000003e syscall=59 success=no pid=2 exe=\"/b\"", prov(), out.b);
  a.add("type=EXECVE msg=audit(1.000:10): argc=1 a0=\"a\"", prov(), out.b);
  a.add("type=EXECVE msg=audit(1.000:11): argc=1 a0=\"b\"", prov(), out.b);
  EXPECT_EQ(a.open_events(), 2u);
  a.flush(out.b);
  ASSERT_EQ(out.b.size(), 2u);
  EXPECT_EQ(out.s(0, "process.cmd_line"), "a");
  EXPECT_EQ(out.s(1, "process.cmd_line"), "b");
  EXPECT_EQ(out.n(1, "status_id"), 2);
  EXPECT_EQ(out.b[0].raw, "type=SYSCALL msg=audit(1.000:10): arch=c000003e syscall=59 success=yes pid=1 exe=\"/a\"\n"
                          "type=EXECVE msg=audit(1.000:10): argc=1 a0=\"a\"");
}

TEST(AuditEvent, OldestFlushedPastTheOpenLimit) {
  AuditAssembler a(AuditEventOptions{.max_open_events = 2, .max_records_per_event = 3});
  Batch out;
  a.add("type=SYSCALL msg=audit(1.0:1): syscall=1", prov(), out.b);
  a.add("type=SYSCALL msg=audit(1.0:2): syscall=1", prov(), out.b);
  a.add("type=SYSCALL msg=audit(1.0:3): syscall=1", prov(), out.b);
  ASSERT_EQ(out.b.size(), 1u);
  EXPECT_EQ(out.s(0, "metadata.uid"), "1");
  EXPECT_EQ(a.open_events(), 2u);
  // Record cap: the third record of serial 2 completes it.
  a.add("type=PATH msg=audit(1.0:2): item=0", prov(), out.b);
  a.add("type=PATH msg=audit(1.0:2): item=1", prov(), out.b);
  ASSERT_EQ(out.b.size(), 2u);
  EXPECT_EQ(out.s(1, "metadata.uid"), "2");
  a.flush(out.b);
  EXPECT_EQ(out.b.size(), 3u);
  EXPECT_EQ(a.open_events(), 0u);
}

TEST(AuditEvent, BadLineIsKeptFlagged) {
  AuditAssembler a;
  Batch out;
  a.add("type=SYSCALL msg=audit(1.0:1): syscall=1", prov(), out.b);
  a.add("this is not audit", prov(), out.b);
  ASSERT_EQ(out.b.size(), 1u);
  EXPECT_EQ(out.b[0].raw, "this is not audit");
  EXPECT_TRUE(out.b[0].flags & kFlagParseError);
  EXPECT_FALSE(out.b[0].parse_error.empty());
  EXPECT_EQ(a.open_events(), 1u);
}

TEST(AuditEvent, FileCreateWithRelativePath) {
  AuditAssembler a;
  Batch out;
  a.add("type=SYSCALL msg=audit(5.0:7): arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c a1=1 a2=241 "
        "a3=1b6 items=2 ppid=1 pid=9 auid=1000 uid=1000 comm=\"touch\" exe=\"/usr/bin/touch\"", prov(), out.b);
  a.add("type=CWD msg=audit(5.0:7): cwd=\"/home/u\"", prov(), out.b);
  a.add("type=PATH msg=audit(5.0:7): item=0 name=\"/home/u\" mode=040755 ouid=1000 nametype=PARENT", prov(), out.b);
  a.add("type=PATH msg=audit(5.0:7): item=1 name=\"new.txt\" mode=0100644 ouid=1000 nametype=CREATE", prov(), out.b);
  a.add("type=EOE msg=audit(5.0:7):", prov(), out.b);
  ASSERT_EQ(out.b.size(), 1u);
  EXPECT_EQ(out.n(0, "class_uid"), 1001);
  EXPECT_EQ(out.n(0, "activity_id"), 1);
  EXPECT_EQ(out.n(0, "type_uid"), 100101);
  EXPECT_EQ(out.s(0, "file.path"), "/home/u/new.txt");
  EXPECT_EQ(out.s(0, "file.name"), "new.txt");
  EXPECT_EQ(out.s(0, "file.type"), "Regular File");
  EXPECT_EQ(out.s(0, "file.owner.uid"), "1000");
  EXPECT_EQ(out.s(0, "actor.process.file.path"), "/usr/bin/touch");
  EXPECT_EQ(out.n(0, "actor.process.pid"), 9);
  EXPECT_EQ(out.s(0, "actor.user.uid"), "1000");
}

TEST(AuditEvent, OpenForReadAndUnlink) {
  AuditAssembler a;
  Batch out;
  a.add("type=SYSCALL msg=audit(5.0:8): arch=c000003e syscall=2 success=yes a0=1 a1=0 pid=9", prov(), out.b);
  a.add("type=PATH msg=audit(5.0:8): item=0 name=\"/etc/shadow\" nametype=NORMAL", prov(), out.b);
  a.add("type=SYSCALL msg=audit(5.0:9): arch=c000003e syscall=87 success=no pid=9", prov(), out.b);
  a.add("type=PATH msg=audit(5.0:9): item=0 name=\"/tmp/\" nametype=PARENT", prov(), out.b);
  a.add("type=PATH msg=audit(5.0:9): item=1 name=\"/tmp/x\" nametype=DELETE", prov(), out.b);
  a.flush(out.b);
  ASSERT_EQ(out.b.size(), 2u);
  EXPECT_EQ(out.n(0, "activity_id"), 2);  // O_RDONLY
  EXPECT_EQ(out.s(0, "file.path"), "/etc/shadow");
  EXPECT_EQ(out.n(1, "activity_id"), 4);
  EXPECT_EQ(out.s(1, "file.path"), "/tmp/x");
  EXPECT_EQ(out.n(1, "status_id"), 2);
}

TEST(AuditEvent, ConnectIsNetworkActivity) {
  AuditAssembler a;
  Batch out;
  a.add("type=SYSCALL msg=audit(1.0:1): arch=c000003e syscall=42 success=no exit=-115 pid=1648 ppid=1 "
        "comm=\"google_ip_forwa\" exe=\"/usr/bin/python3.5\"", prov(), out.b);
  a.add("type=SOCKADDR msg=audit(1.0:1): saddr=02000050A9FEA9FE0000000000000000", prov(), out.b);
  a.add("type=EOE msg=audit(1.0:1):", prov(), out.b);
  ASSERT_EQ(out.b.size(), 1u);
  EXPECT_EQ(out.n(0, "class_uid"), 4001);
  EXPECT_EQ(out.ip(0, "dst_endpoint.ip"), "169.254.169.254");
  EXPECT_EQ(out.n(0, "dst_endpoint.port"), 80);
  EXPECT_EQ(out.n(0, "status_id"), 2);
  EXPECT_EQ(out.s(0, "actor.process.name"), "google_ip_forwa");
}

TEST(AuditEvent, UserLoginIsAuthenticationAlone) {
  AuditAssembler a;
  Batch out;
  a.add("node=bastion type=USER_LOGIN msg=audit(1492896301.818:19955): pid=12635 uid=0 auid=4294967295 "
        "ses=4294967295 msg='op=login acct=28696E76616C6964207573657229 exe=\"/usr/sbin/sshd\" hostname=? "
        "addr=179.38.151.221 terminal=sshd res=failed'", prov(), out.b);
  ASSERT_EQ(out.b.size(), 1u);  // no EOE needed
  EXPECT_EQ(out.n(0, "class_uid"), 3002);
  EXPECT_EQ(out.n(0, "activity_id"), 1);
  EXPECT_EQ(out.n(0, "status_id"), 2);
  EXPECT_EQ(out.s(0, "user.name"), "(invalid user)");
  EXPECT_EQ(out.ip(0, "src_endpoint.ip"), "179.38.151.221");
  EXPECT_FALSE(out.s(0, "src_endpoint.hostname"));
  EXPECT_EQ(out.s(0, "auth_protocol"), "login");
  EXPECT_EQ(out.s(0, "actor.session.terminal"), "sshd");
  EXPECT_EQ(out.s(0, "device.hostname"), "bastion");
  EXPECT_FALSE(out.s(0, "actor.user.uid"));  // auid unset
}

TEST(AuditEvent, AccountChangeAndBaseEvent) {
  AuditAssembler a;
  Batch out;
  a.add("type=ADD_USER msg=audit(1481076992.488:389): pid=1264 uid=0 auid=4294967295 ses=4294967295 "
        "msg='op=add-user id=1000 exe=\"/usr/sbin/useradd\" hostname=? addr=? terminal=? res=success'", prov(), out.b);
  a.add("type=DAEMON_START msg=audit(1450875964.131:8728): auditd start, ver=2.4 format=raw "
        "kernel=3.16.0-4-amd64 auid=4294967295 pid=1437 res=failed", prov(), out.b);
  ASSERT_EQ(out.b.size(), 2u);
  EXPECT_EQ(out.n(0, "class_uid"), 3001);
  EXPECT_EQ(out.n(0, "activity_id"), 1);
  EXPECT_EQ(out.s(0, "user.uid"), "1000");
  EXPECT_EQ(out.n(0, "status_id"), 1);
  EXPECT_EQ(out.n(1, "class_uid"), 0);
  EXPECT_EQ(out.n(1, "activity_id"), 99);
  EXPECT_EQ(out.n(1, "status_id"), 2);
  EXPECT_EQ(out.s(1, "unmapped.auditd.ver"), "2.4");
  EXPECT_EQ(out.s(1, "unmapped.auditd.kernel"), "3.16.0-4-amd64");
  EXPECT_EQ(out.b[1].flags, 0u);
}

TEST(AuditEvent, WazuhLineOfSeveralRecords) {
  AuditAssembler a;
  Batch out;
  std::string_view line =
      "type=SYSCALL msg=audit(1624476656.044:9687): arch=c000003e syscall=59 success=yes exit=0 pid=4646 "
      "comm=\"ps\" exe=\"/usr/bin/ps\" key=\"recon\"\\u001DARCH=x86_64 SYSCALL=execve AUID=\"administrator\" "
      "UID=\"root\" type=EXECVE msg=audit(1624476656.044:9687): argc=2 a0=\"ps\" a1=\"ax\" "
      "type=PROCTITLE msg=audit(1624476656.044:9687): proctitle=7073006178";
  a.add(line, prov(), out.b);
  a.flush(out.b);
  ASSERT_EQ(out.b.size(), 1u);
  EXPECT_EQ(out.b[0].raw, line);
  EXPECT_EQ(out.n(0, "class_uid"), 1007);
  EXPECT_EQ(out.s(0, "process.cmd_line"), "ps ax");
  EXPECT_EQ(out.s(0, "process.user.name"), "root");
  EXPECT_EQ(out.s(0, "actor.user.name"), "administrator");
  EXPECT_EQ(out.s(0, "unmapped.auditd.key"), "recon");
}

}  // namespace
}  // namespace vigil
