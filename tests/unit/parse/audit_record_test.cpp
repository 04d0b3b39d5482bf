// parse_audit_record: headers (plain, node=, syslog and kernel-ring prefixes), pairs,
// quoting, user-space msg='...' expansion, hex decoding, sockaddr, and malformed bytes.
#include "parse/audit_record.h"

#include <gtest/gtest.h>

#include <string>

namespace vigil {
namespace {

std::string field(const AuditRecord& r, std::string_view key) { return std::string(audit_field(r, key)); }

TEST(AuditRecord, SyscallHeaderAndFields) {
  Arena a;
  AuditRecord r;
  std::string_view line =
      "type=SYSCALL msg=audit(1451781471.394:194433): arch=c000003e syscall=13 success=yes exit=0 "
      "ppid=1306 pid=1321 auid=1000 tty=pts0 ses=1 comm=\"bash\" exe=\"/usr/bin/bash\" key=(null)";
  ASSERT_EQ(parse_audit_record(line, a, r), "");
  EXPECT_EQ(r.type, "SYSCALL");
  EXPECT_EQ(r.time, 1451781471394000000LL);
  EXPECT_EQ(r.serial, 194433u);
  EXPECT_EQ(r.node, "");
  EXPECT_EQ(field(r, "comm"), "bash");
  EXPECT_EQ(field(r, "exe"), "/usr/bin/bash");
  EXPECT_EQ(field(r, "tty"), "pts0");
  EXPECT_EQ(field(r, "key"), "(null)");
  EXPECT_EQ(field(r, "pid"), "1321");
  EXPECT_EQ(r.fields.size(), 12u);
}

TEST(AuditRecord, NodeAndSyslogPrefix) {
  Arena a;
  AuditRecord r;
  ASSERT_EQ(parse_audit_record("Jan  1 00:00:00 host audispd: node=web1 type=CWD msg=audit(1.5:7):  cwd=\"/\"", a, r), "");
  EXPECT_EQ(r.node, "web1");
  EXPECT_EQ(r.type, "CWD");
  EXPECT_EQ(r.time, 1'500'000'000LL);
  EXPECT_EQ(r.serial, 7u);
  EXPECT_EQ(field(r, "cwd"), "/");
}

TEST(AuditRecord, KernelRingNumericType) {
  Arena a;
  AuditRecord r;
  ASSERT_EQ(parse_audit_record("[ 12.3] audit: type=1327 audit(1450875964.131:8728): proctitle=2F7573722F62696E2F7373680061", a, r), "");
  EXPECT_EQ(r.type, "PROCTITLE");
  EXPECT_EQ(r.serial, 8728u);
  EXPECT_EQ(field(r, "proctitle"), "/usr/bin/ssh a");  // NUL between arguments -> space
  ASSERT_EQ(parse_audit_record("audit: type=1499 audit(1.000:1): x=1", a, r), "");
  EXPECT_EQ(r.type, "1499");
}

TEST(AuditRecord, UserSpaceMessageExpanded) {
  Arena a;
  AuditRecord r;
  ASSERT_EQ(parse_audit_record(
                "type=USER_LOGIN msg=audit(1492896301.818:19955): pid=12635 uid=0 auid=4294967295 ses=4294967295 "
                "msg='op=login acct=28696E76616C6964207573657229 exe=\"/usr/sbin/sshd\" hostname=? "
                "addr=179.38.151.221 terminal=sshd res=failed'",
                a, r),
            "");
  EXPECT_EQ(field(r, "acct"), "(invalid user)");
  EXPECT_EQ(field(r, "op"), "login");
  EXPECT_EQ(field(r, "addr"), "179.38.151.221");
  EXPECT_EQ(field(r, "res"), "failed");
  EXPECT_EQ(field(r, "hostname"), "?");
  EXPECT_EQ(field(r, "msg"), "");  // expanded, not kept as one value
}

TEST(AuditRecord, OldPamProseAndOldNewAuid) {
  Arena a;
  AuditRecord r;
  ASSERT_EQ(parse_audit_record(
                "type=USER_START msg=audit(1170021601.344:297): user pid=13015 uid=0 auid=0 "
                "msg='PAM: session open acct=root : exe=\"/usr/sbin/crond\" (hostname=?, addr=?, terminal=cron res=success)'",
                a, r),
            "");
  EXPECT_EQ(field(r, "acct"), "root");
  EXPECT_EQ(field(r, "hostname"), "?");
  EXPECT_EQ(field(r, "terminal"), "cron");
  EXPECT_EQ(field(r, "res"), "success");
  ASSERT_EQ(parse_audit_record("type=LOGIN msg=audit(1170021601.343:296): login pid=13015 uid=0 old auid=4294967295 new auid=0", a, r), "");
  EXPECT_EQ(field(r, "old-auid"), "4294967295");
  EXPECT_EQ(field(r, "auid"), "0");
}

TEST(AuditRecord, HexOnlyForEncodedKeysAndExecveArgs) {
  Arena a;
  AuditRecord r;
  ASSERT_EQ(parse_audit_record("type=SYSCALL msg=audit(1.1:1): a0=c0ffee exe=2F746D702F6120622063 cwd=abc", a, r), "");
  EXPECT_EQ(field(r, "a0"), "c0ffee");          // a syscall argument stays a number
  EXPECT_EQ(field(r, "exe"), "/tmp/a b c");
  EXPECT_EQ(field(r, "cwd"), "abc");            // odd length: not hex
  ASSERT_EQ(parse_audit_record("type=EXECVE msg=audit(1.1:1): argc=3 a0=\"ls\" a1=2D6C61 a2=\"cafe\"", a, r), "");
  EXPECT_EQ(field(r, "a1"), "-la");
  EXPECT_EQ(field(r, "a2"), "cafe");            // quoted: never decoded
}

TEST(AuditRecord, EnrichedFieldsAfterSeparator) {
  Arena a;
  AuditRecord r;
  std::string line = "type=SYSCALL msg=audit(1.1:1): uid=0 key=\"x\"";
  line += '\x1d';
  line += "UID=\"root\" GID=646F6D61696E207573657273";
  ASSERT_EQ(parse_audit_record(line, a, r), "");
  EXPECT_EQ(field(r, "key"), "x");
  EXPECT_EQ(field(r, "UID"), "root");
  EXPECT_EQ(field(r, "GID"), "domain users");
  // Wazuh writes the separator as the text \u001D.
  ASSERT_EQ(parse_audit_record("type=PATH msg=audit(1.1:1): cap_fver=0\\u001DOUID=\"root\"", a, r), "");
  EXPECT_EQ(field(r, "cap_fver"), "0");
  EXPECT_EQ(field(r, "OUID"), "root");
}

TEST(AuditRecord, SeveralRecordsOnOneLine) {
  std::string_view line =
      "type=SYSCALL msg=audit(1.1:5): syscall=2 key=\"type=x\" type=CWD msg=audit(1.1:5):  cwd=\"/\" "
      "type=PATH msg=audit(1.1:5): item=0 name=\"/tmp/\"";
  size_t n = audit_record_length(line);
  EXPECT_EQ(line.substr(0, n), "type=SYSCALL msg=audit(1.1:5): syscall=2 key=\"type=x\"");
  Arena a;
  AuditRecord r;
  ASSERT_EQ(parse_audit_record(line, a, r), "");
  EXPECT_EQ(r.fields.size(), 2u);
  std::string_view rest = line.substr(n + 1);
  ASSERT_EQ(parse_audit_record(rest, a, r), "");
  EXPECT_EQ(r.type, "CWD");
  EXPECT_EQ(field(r, "cwd"), "/");
}

TEST(AuditRecord, Sockaddr) {
  Arena a;
  AuditSockaddr s;
  ASSERT_TRUE(decode_audit_sockaddr("02000050A9FEA9FE0000000000000000", a, s));
  EXPECT_EQ(s.family, 2);
  ASSERT_TRUE(s.ip);
  EXPECT_EQ(s.ip->to_string(), "169.254.169.254");
  EXPECT_EQ(s.port, 80);
  ASSERT_TRUE(decode_audit_sockaddr("0A000016000000000000000000000000000000000000000000000000", a, s));
  EXPECT_EQ(s.family, 10);
  EXPECT_EQ(s.ip->to_string(), "::");
  EXPECT_EQ(s.port, 22);
  ASSERT_TRUE(decode_audit_sockaddr("01002F7661722F72756E2F6E7363642F736F636B65740000603B", a, s));
  EXPECT_EQ(s.family, 1);
  EXPECT_EQ(s.path, "/var/run/nscd/socket");
  EXPECT_FALSE(s.ip);
  EXPECT_FALSE(decode_audit_sockaddr("02000", a, s));
  EXPECT_FALSE(decode_audit_sockaddr("zz00", a, s));
  ASSERT_TRUE(decode_audit_sockaddr("0200", a, s));  // truncated inet: family only
  EXPECT_FALSE(s.ip);
}

TEST(AuditRecord, MalformedIsAnErrorNotACrash) {
  Arena a;
  AuditRecord r;
  EXPECT_NE(parse_audit_record("", a, r), "");
  EXPECT_NE(parse_audit_record("hello world", a, r), "");
  EXPECT_NE(parse_audit_record("type=SYSCALL", a, r), "");
  EXPECT_NE(parse_audit_record("type=SYSCALL msg=audit(", a, r), "");
  EXPECT_NE(parse_audit_record("type=SYSCALL msg=audit(12.:3)", a, r), "");
  EXPECT_NE(parse_audit_record("type=SYSCALL msg=audit(1.2:3", a, r), "");
  EXPECT_NE(parse_audit_record("type=SYSCALL msg=audit(99999999999.2:3):", a, r), "");
  EXPECT_EQ(parse_audit_record("type=EOE msg=audit(1.2:3):", a, r), "");
  EXPECT_TRUE(r.fields.empty());
  ASSERT_EQ(parse_audit_record("type=X msg=audit(1.2:3): a=\"unterminated b='x", a, r), "");
  EXPECT_EQ(field(r, "a"), "unterminated b='x");
  EXPECT_TRUE(looks_like_audit_record("node=a type=SYSCALL msg=audit(1.2:3): x=1"));
  EXPECT_TRUE(looks_like_audit_record("audit: type=1300 audit(1.2:3): x=1"));
  EXPECT_FALSE(looks_like_audit_record("sshd[1]: Accepted password for root"));
}

}  // namespace
}  // namespace vigil
