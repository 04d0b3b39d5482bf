// map_linux_auth on hand-written messages of every shape it knows: the OCSF class,
// activity, status and entities each one must produce.
#include "normalize/linux_auth.h"
#include "first_event.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>

namespace vigil {
namespace {

// One message mapped into a batch of its own. The message is the event's raw, as
// in append_syslog_event, so the zero-copy path is the one tested.
struct Mapped : testing::FirstEvent {
  int class_uid = 0;
};

Mapped map_msg(std::string_view app, std::string_view msg, std::string_view pid = "4242") {
  Mapped r;
  Provenance p;
  p.receive_time = 1;
  p.raw = msg;
  const Event& e = r.batch.begin_event(p);
  SyslogMessage m;
  m.format = SyslogFormat::Rfc3164;
  m.hostname = "bastion-01";
  m.app_name = app;
  m.proc_id = pid;
  m.msg = e.raw;
  r.class_uid = map_linux_auth_class(m, r.batch);
  r.batch.end_event();
  return r;
}

// The common expectations of an Authentication event.
void expect_auth(const Mapped& r, int activity, int status, std::string_view user) {
  EXPECT_EQ(r.class_uid, 3002);
  EXPECT_EQ(r.i("class_uid"), 3002);
  EXPECT_EQ(r.i("category_uid"), 3);
  EXPECT_EQ(r.i("activity_id"), activity);
  EXPECT_EQ(r.i("type_uid"), 300200 + activity);
  EXPECT_EQ(r.i("status_id"), status);
  EXPECT_EQ(r.s("status"), status == 1 ? "Success" : "Failure");
  if (user.empty()) {
    EXPECT_EQ(r.s("user.name"), std::nullopt);
  } else {
    EXPECT_EQ(r.s("user.name"), std::string(user));
  }
}

// ---- sshd ----

TEST(LinuxAuthSshd, AcceptedPassword) {
  auto r = map_msg("sshd", "Accepted password for alice from 10.0.1.20 port 51234 ssh2");
  expect_auth(r, 1, 1, "alice");
  EXPECT_EQ(r.ip("src_endpoint.ip"), "10.0.1.20");
  EXPECT_EQ(r.i("src_endpoint.port"), 51234);
  EXPECT_EQ(r.s("auth_protocol"), "password");
  EXPECT_EQ(r.i("auth_protocol_id"), 99);
  EXPECT_EQ(r.s("service.name"), "sshd");
  EXPECT_EQ(r.b("is_remote"), true);
  EXPECT_EQ(r.s("dst_endpoint.hostname"), "bastion-01");
  EXPECT_EQ(r.i("severity_id"), 1);
}

TEST(LinuxAuthSshd, AcceptedPublickeyWithKeyInfo) {
  auto r = map_msg("sshd", "Accepted publickey for deploy from 10.0.2.5 port 40022 ssh2: ED25519 SHA256:abcdEF");
  expect_auth(r, 1, 1, "deploy");
  EXPECT_EQ(r.s("auth_protocol"), "publickey");
  EXPECT_EQ(r.ip("src_endpoint.ip"), "10.0.2.5");
  EXPECT_EQ(r.i("src_endpoint.port"), 40022);
}

TEST(LinuxAuthSshd, AcceptedIpv6) {
  auto r = map_msg("sshd", "Accepted publickey for bob from 2001:db8::7 port 2222 ssh2");
  expect_auth(r, 1, 1, "bob");
  EXPECT_EQ(r.ip("src_endpoint.ip"), "2001:db8::7");
  EXPECT_EQ(r.i("src_endpoint.port"), 2222);
}

TEST(LinuxAuthSshd, FailedPassword) {
  auto r = map_msg("sshd", "Failed password for root from 203.0.113.77 port 41000 ssh2");
  expect_auth(r, 1, 2, "root");
  EXPECT_EQ(r.ip("src_endpoint.ip"), "203.0.113.77");
  EXPECT_EQ(r.i("src_endpoint.port"), 41000);
  EXPECT_EQ(r.s("auth_protocol"), "password");
  EXPECT_EQ(r.s("status_detail"), "wrong password");
  EXPECT_EQ(r.i("severity_id"), 2);
}

TEST(LinuxAuthSshd, FailedPasswordInvalidUser) {
  auto r = map_msg("sshd", "Failed password for invalid user oracle from 203.0.113.77 port 41002 ssh2");
  expect_auth(r, 1, 2, "oracle");
  EXPECT_EQ(r.s("status_detail"), "invalid user");
  EXPECT_EQ(r.ip("src_endpoint.ip"), "203.0.113.77");
  EXPECT_EQ(r.i("src_endpoint.port"), 41002);
}

TEST(LinuxAuthSshd, FailedPublickeyAndKeyboardInteractive) {
  auto r = map_msg("sshd", "Failed publickey for alice from 10.0.1.20 port 5000 ssh2: RSA SHA256:x");
  expect_auth(r, 1, 2, "alice");
  EXPECT_EQ(r.s("auth_protocol"), "publickey");
  auto k = map_msg("sshd", "Failed keyboard-interactive/pam for invalid user user from 172.18.1.1 port 32982 ssh2");
  expect_auth(k, 1, 2, "user");
  EXPECT_EQ(k.s("auth_protocol"), "keyboard-interactive/pam");
  EXPECT_EQ(k.s("status_detail"), "invalid user");
}

TEST(LinuxAuthSshd, FailedNoneSolarisPrefix) {
  auto r = map_msg("sshd", "[ID 800047 auth.notice] Failed none for root from 192.168.1.1 port 36942 ssh2");
  expect_auth(r, 1, 2, "root");
  EXPECT_EQ(r.s("auth_protocol"), "none");
  EXPECT_EQ(r.ip("src_endpoint.ip"), "192.168.1.1");
}

TEST(LinuxAuthSshd, InvalidUser) {
  auto r = map_msg("sshd", "Invalid user admin from 203.0.113.77 port 41500");
  expect_auth(r, 1, 2, "admin");
  EXPECT_EQ(r.s("status_detail"), "invalid user");
  EXPECT_EQ(r.ip("src_endpoint.ip"), "203.0.113.77");
  EXPECT_EQ(r.i("src_endpoint.port"), 41500);
  auto old = map_msg("sshd", "Invalid user webmaster from 173.234.31.186");
  expect_auth(old, 1, 2, "webmaster");
  EXPECT_EQ(old.ip("src_endpoint.ip"), "173.234.31.186");
  EXPECT_EQ(old.i("src_endpoint.port"), std::nullopt);
}

TEST(LinuxAuthSshd, ConnectionClosedPreauthIsFailedLogon) {
  auto r = map_msg("sshd", "Connection closed by invalid user test 203.0.113.77 port 40100 [preauth]");
  expect_auth(r, 1, 2, "test");
  EXPECT_EQ(r.s("status_detail"), "invalid user");
  EXPECT_EQ(r.ip("src_endpoint.ip"), "203.0.113.77");
  EXPECT_EQ(r.i("src_endpoint.port"), 40100);
  auto a = map_msg("sshd", "Connection closed by authenticating user root 203.0.113.77 port 40101 [preauth]");
  expect_auth(a, 1, 2, "root");
  auto n = map_msg("sshd", "Connection closed by 10.0.2.2 port 55462 [preauth]");
  expect_auth(n, 1, 2, "");
  EXPECT_EQ(n.ip("src_endpoint.ip"), "10.0.2.2");
  auto old = map_msg("sshd", "Connection closed by 5.36.59.76 [preauth]");
  expect_auth(old, 1, 2, "");
  EXPECT_EQ(old.ip("src_endpoint.ip"), "5.36.59.76");
}

TEST(LinuxAuthSshd, DisconnectedIsLogoff) {
  auto r = map_msg("sshd", "Disconnected from user alice 10.0.1.20 port 51234");
  expect_auth(r, 2, 1, "alice");
  EXPECT_EQ(r.ip("src_endpoint.ip"), "10.0.1.20");
  EXPECT_EQ(r.i("src_endpoint.port"), 51234);
  auto inv = map_msg("sshd", "Disconnected from invalid user root 172.18.1.100 port 43042 [preauth]");
  expect_auth(inv, 1, 2, "root");
}

TEST(LinuxAuthSshd, ReceivedDisconnect) {
  auto r = map_msg("sshd", "Received disconnect from 10.0.1.20 port 51234:11: disconnected by user");
  expect_auth(r, 2, 1, "");
  EXPECT_EQ(r.ip("src_endpoint.ip"), "10.0.1.20");
  EXPECT_EQ(r.i("src_endpoint.port"), 51234);
  EXPECT_EQ(r.s("status_detail"), "disconnected by user");
  auto old = map_msg("sshd", "Received disconnect from 112.95.230.3: 11: Bye Bye [preauth]");
  expect_auth(old, 1, 2, "");
  EXPECT_EQ(old.ip("src_endpoint.ip"), "112.95.230.3");
  EXPECT_EQ(old.s("status_detail"), "Bye Bye");
  auto e = map_msg("sshd", "error: Received disconnect from 103.99.0.122: 14: No more user authentication methods available. [preauth]");
  expect_auth(e, 1, 2, "");
}

TEST(LinuxAuthSshd, MaximumAuthenticationAttempts) {
  auto r = map_msg("sshd", "error: maximum authentication attempts exceeded for invalid user badguy from 192.168.33.1 port 55146 ssh2 [preauth]");
  expect_auth(r, 1, 2, "badguy");
  EXPECT_EQ(r.s("status_detail"), "maximum authentication attempts exceeded");
  EXPECT_EQ(r.ip("src_endpoint.ip"), "192.168.33.1");
  EXPECT_EQ(r.i("src_endpoint.port"), 55146);
  EXPECT_EQ(r.i("severity_id"), 3);
  auto root = map_msg("sshd", "error: maximum authentication attempts exceeded for root from 10.9.8.7 port 34100 ssh2 [preauth]");
  expect_auth(root, 1, 2, "root");
}

TEST(LinuxAuthSshd, TooManyFailures) {
  auto r = map_msg("sshd", "Disconnecting: Too many authentication failures for admin [preauth]");
  expect_auth(r, 1, 2, "admin");
  auto d = map_msg("sshd", "Disconnecting invalid user root 172.18.1.100 port 43042");
  expect_auth(d, 1, 2, "root");
  EXPECT_EQ(d.ip("src_endpoint.ip"), "172.18.1.100");
}

TEST(LinuxAuthSshd, MessageRepeated) {
  auto r = map_msg("sshd", "message repeated 5 times: [ Failed password for root from 183.62.140.253 port 38235 ssh2]");
  expect_auth(r, 1, 2, "root");
  EXPECT_EQ(r.i("count"), 5);
  EXPECT_EQ(r.ip("src_endpoint.ip"), "183.62.140.253");
}

TEST(LinuxAuthSshd, NotAllowedAndPamErrors) {
  auto r = map_msg("sshd", "User root from 172.18.1.100 not allowed because listed in DenyUsers");
  expect_auth(r, 1, 2, "root");
  EXPECT_EQ(r.s("status_detail"), "not allowed because listed in DenyUsers");
  auto p = map_msg("sshd", "error: PAM: authentication error for illegal user badguy from 192.168.33.1");
  expect_auth(p, 1, 2, "badguy");
  EXPECT_EQ(p.ip("src_endpoint.ip"), "192.168.33.1");
  auto m = map_msg("sshd", "PAM 2 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=10.0.3.1  user=root");
  expect_auth(m, 1, 2, "root");
  EXPECT_EQ(m.i("count"), 2);
  EXPECT_EQ(m.ip("src_endpoint.ip"), "10.0.3.1");
}

TEST(LinuxAuthSshd, PamSessionOpenedAndClosed) {
  auto o = map_msg("sshd", "pam_unix(sshd:session): session opened for user alice(uid=1000) by (uid=0)");
  expect_auth(o, 1, 1, "alice");
  EXPECT_EQ(o.s("user.uid"), "1000");
  EXPECT_EQ(o.s("service.name"), "sshd");
  EXPECT_EQ(o.b("is_remote"), true);
  auto c = map_msg("sshd", "pam_unix(sshd:session): session closed for user alice");
  expect_auth(c, 2, 1, "alice");
}

TEST(LinuxAuthSshd, PamAuthFailure) {
  auto r = map_msg("sshd", "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.77  user=root");
  expect_auth(r, 1, 2, "root");
  EXPECT_EQ(r.ip("src_endpoint.ip"), "203.0.113.77");
  EXPECT_EQ(r.s("service.name"), "sshd");
  EXPECT_EQ(r.s("actor.user.uid"), std::nullopt);  // uid=0 is sshd itself
  auto host = map_msg("sshd(pam_unix)", "authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=220-135-151-1.hinet-ip.hinet.net  user=root");
  expect_auth(host, 1, 2, "root");
  EXPECT_EQ(host.s("src_endpoint.hostname"), "220-135-151-1.hinet-ip.hinet.net");
  EXPECT_EQ(host.b("is_remote"), true);
}

TEST(LinuxAuthSshd, NoiseIsNotMapped) {
  for (std::string_view msg : {"Server listening on 0.0.0.0 port 22.",
                               "Did not receive identification string from 10.0.0.1",
                               "pam_unix(sshd:auth): check pass; user unknown",
                               "input_userauth_request: invalid user test [preauth]",
                               "reverse mapping checking getaddrinfo for x [1.2.3.4] failed - POSSIBLE BREAK-IN ATTEMPT!",
                               "", "Accepted", "Failed ", "Received disconnect from"}) {
    auto r = map_msg("sshd", msg);
    EXPECT_EQ(r.class_uid, 0) << msg;
    EXPECT_TRUE(r.batch.fields(r.batch[0]).empty()) << msg;
  }
}

// ---- sudo ----

TEST(LinuxAuthSudo, CommandIsProcessLaunch) {
  auto r = map_msg("sudo", "   alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx");
  EXPECT_EQ(r.class_uid, 1007);
  EXPECT_EQ(r.i("category_uid"), 1);
  EXPECT_EQ(r.i("activity_id"), 1);
  EXPECT_EQ(r.i("type_uid"), 100701);
  EXPECT_EQ(r.s("actor.user.name"), "alice");
  EXPECT_EQ(r.s("process.user.name"), "root");
  EXPECT_EQ(r.s("process.cmd_line"), "/usr/bin/systemctl restart nginx");
  EXPECT_EQ(r.s("process.file.path"), "/usr/bin/systemctl");
  EXPECT_EQ(r.s("process.name"), "systemctl");
  EXPECT_EQ(r.s("process.working_directory"), "/home/alice");
  EXPECT_EQ(r.s("actor.session.terminal"), "pts/0");
  EXPECT_EQ(r.s("actor.process.name"), "sudo");
  EXPECT_EQ(r.i("actor.process.pid"), 4242);
  EXPECT_EQ(r.i("severity_id"), 1);
}

TEST(LinuxAuthSudo, CommandWithSemicolonsAndExtraKeys) {
  auto r = map_msg("sudo", "cplummer : TTY=pts/2 ; PWD=/home/cplummer1 ; USER=root ; TSID=0000UM ; COMMAND=/bin/sh -c echo a ; echo b");
  EXPECT_EQ(r.class_uid, 1007);
  EXPECT_EQ(r.s("process.cmd_line"), "/bin/sh -c echo a ; echo b");
  EXPECT_EQ(r.s("process.file.path"), "/bin/sh");
}

TEST(LinuxAuthSudo, IncorrectPasswordAttempts) {
  auto r = map_msg("sudo", "    mike : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/root ; USER=root ; COMMAND=/bin/ls");
  expect_auth(r, 7, 2, "root");
  EXPECT_EQ(r.s("actor.user.name"), "mike");
  EXPECT_EQ(r.s("service.name"), "sudo");
  EXPECT_EQ(r.s("status_detail"), "3 incorrect password attempts");
  EXPECT_EQ(r.i("count"), 3);
  EXPECT_EQ(r.i("account_switch_type_id"), 1);
  EXPECT_EQ(r.s("unmapped.sudo.command"), "/bin/ls");
  EXPECT_EQ(r.b("is_remote"), false);
}

TEST(LinuxAuthSudo, NotInSudoers) {
  auto r = map_msg("sudo", "    ddp2 : user NOT in sudoers ; TTY=ttypZ ; PWD=/home/ddp2 ; USER=root ; COMMAND=/bin/ls");
  expect_auth(r, 7, 2, "root");
  EXPECT_EQ(r.s("actor.user.name"), "ddp2");
  EXPECT_EQ(r.s("status_detail"), "user NOT in sudoers");
  EXPECT_EQ(r.i("severity_id"), 3);
}

TEST(LinuxAuthSudo, PamAuthFailureAndSession) {
  auto f = map_msg("sudo", "pam_unix(sudo:auth): authentication failure; logname=alice uid=1000 euid=0 tty=/dev/pts/0 ruser=alice rhost=  user=alice");
  expect_auth(f, 7, 2, "alice");
  EXPECT_EQ(f.s("actor.user.name"), "alice");
  EXPECT_EQ(f.s("actor.user.uid"), "1000");
  EXPECT_EQ(f.b("is_remote"), false);
  auto o = map_msg("sudo", "pam_unix(sudo:session): session opened for user root(uid=0) by alice(uid=1000)");
  expect_auth(o, 7, 1, "root");
  EXPECT_EQ(o.s("actor.user.name"), "alice");
  EXPECT_EQ(o.s("actor.user.uid"), "1000");
  EXPECT_EQ(o.s("service.name"), "sudo");
  auto c = map_msg("sudo", "pam_unix(sudo:session): session closed for user root");
  expect_auth(c, 2, 1, "root");
}

// ---- su ----

TEST(LinuxAuthSu, Forms) {
  auto ok = map_msg("su", "Successful su for root by alice");
  expect_auth(ok, 7, 1, "root");
  EXPECT_EQ(ok.s("actor.user.name"), "alice");
  EXPECT_EQ(ok.s("service.name"), "su");
  EXPECT_EQ(ok.i("account_switch_type_id"), 1);
  auto bad = map_msg("su", "FAILED su for root by alice");
  expect_auth(bad, 7, 2, "root");
  EXPECT_EQ(bad.s("actor.user.name"), "alice");
  auto to = map_msg("su", "(to root) alice on pts/0");
  expect_auth(to, 7, 1, "root");
  EXPECT_EQ(to.s("actor.user.name"), "alice");
  EXPECT_EQ(to.s("actor.session.terminal"), "pts/0");
  auto plus = map_msg("su", "+ pts/1 bob:root");
  expect_auth(plus, 7, 1, "root");
  EXPECT_EQ(plus.s("actor.user.name"), "bob");
  auto minus = map_msg("su", "- pts/1 bob:root");
  expect_auth(minus, 7, 2, "root");
  auto bsd = map_msg("su", "dcid to root on /dev/ttyp1");
  expect_auth(bsd, 7, 1, "root");
  auto badsu = map_msg("su", "BAD SU ger to fwmaster on /dev/ttyp0");
  expect_auth(badsu, 7, 2, "fwmaster");
  EXPECT_EQ(badsu.s("actor.user.name"), "ger");
  auto failed = map_msg("su", "failed: ttyq4 changing from ldap to root");
  expect_auth(failed, 7, 2, "root");
  EXPECT_EQ(failed.s("actor.user.name"), "ldap");
}

TEST(LinuxAuthSu, Pam) {
  auto f = map_msg("su", "pam_unix(su:auth): authentication failure; logname=alice uid=1000 euid=0 tty=pts/0 ruser=alice rhost=  user=root");
  expect_auth(f, 7, 2, "root");
  EXPECT_EQ(f.s("actor.user.name"), "alice");
  auto o = map_msg("su", "pam_unix(su-l:session): session opened for user root(uid=0) by alice(uid=1000)");
  expect_auth(o, 7, 1, "root");
  EXPECT_EQ(o.s("actor.user.name"), "alice");
  auto old = map_msg("su(pam_unix)", "session opened for user news by (uid=0)");
  expect_auth(old, 7, 1, "news");
  EXPECT_EQ(old.s("actor.user.uid"), "0");
  auto closed = map_msg("su(pam_unix)", "session closed for user news");
  expect_auth(closed, 2, 1, "news");
  auto fail = map_msg("su(pam_unix)", "authentication failure; logname= uid=1342 euid=0 tty= ruser=dcid rhost=  user=osaudit");
  expect_auth(fail, 7, 2, "osaudit");
  EXPECT_EQ(fail.s("actor.user.name"), "dcid");
  EXPECT_EQ(fail.s("actor.user.uid"), "1342");
}

// ---- other PAM services and login ----

TEST(LinuxAuthPam, OtherServicesAreLogons) {
  auto cron = map_msg("CRON", "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)");
  expect_auth(cron, 1, 1, "root");
  EXPECT_EQ(cron.s("service.name"), "cron");
  auto login = map_msg("login", "pam_unix(login:auth): authentication failure; logname=LOGIN uid=0 euid=0 tty=tty1 ruser= rhost=  user=carol");
  expect_auth(login, 1, 2, "carol");
  EXPECT_EQ(login.b("is_remote"), false);
  auto chg = map_msg("passwd", "pam_unix(passwd:chauthtok): password changed for bob");
  EXPECT_EQ(chg.class_uid, 3001);
  EXPECT_EQ(chg.i("activity_id"), 3);
  EXPECT_EQ(chg.s("user.name"), "bob");
  auto unknown = map_msg("vsftpd(pam_unix)", "check pass; user unknown");
  EXPECT_EQ(unknown.class_uid, 0);
  auto l = map_msg("login", "FAILED LOGIN (1) on '/dev/tty1' FOR 'UNKNOWN', Authentication failure");
  expect_auth(l, 1, 2, "UNKNOWN");
  EXPECT_EQ(l.s("status_detail"), "Authentication failure");
}

// ---- account tools ----

TEST(LinuxAuthAccounts, UseraddNewUser) {
  auto r = map_msg("useradd", "new user: name=bob, UID=1001, GID=1001, home=/home/bob, shell=/bin/bash, from=/dev/pts/0");
  EXPECT_EQ(r.class_uid, 3001);
  EXPECT_EQ(r.i("category_uid"), 3);
  EXPECT_EQ(r.i("activity_id"), 1);
  EXPECT_EQ(r.i("type_uid"), 300101);
  EXPECT_EQ(r.i("status_id"), 1);
  EXPECT_EQ(r.s("user.name"), "bob");
  EXPECT_EQ(r.s("user.uid"), "1001");
  EXPECT_EQ(r.s("unmapped.linux.home"), "/home/bob");
  EXPECT_EQ(r.s("unmapped.linux.shell"), "/bin/bash");
}

TEST(LinuxAuthAccounts, GroupLifecycle) {
  auto g = map_msg("groupadd", "new group: name=devs, GID=1002");
  EXPECT_EQ(g.class_uid, 3006);
  EXPECT_EQ(g.i("activity_id"), 6);
  EXPECT_EQ(g.i("type_uid"), 300606);
  EXPECT_EQ(g.s("group.name"), "devs");
  EXPECT_EQ(g.s("group.uid"), "1002");
  auto add = map_msg("usermod", "add 'svc-backup' to group 'sudo'");
  EXPECT_EQ(add.class_uid, 3006);
  EXPECT_EQ(add.i("activity_id"), 3);
  EXPECT_EQ(add.s("user.name"), "svc-backup");
  EXPECT_EQ(add.s("group.name"), "sudo");
  EXPECT_EQ(add.i("severity_id"), 3);
  EXPECT_EQ(map_msg("usermod", "add 'svc-backup' to shadow group 'sudo'").class_uid, 0);
  auto del = map_msg("userdel", "delete 'bob' from group 'devs'");
  EXPECT_EQ(del.i("activity_id"), 4);
  EXPECT_EQ(del.s("group.name"), "devs");
  auto rm = map_msg("userdel", "removed group 'bob' owned by 'bob'");
  EXPECT_EQ(rm.class_uid, 3006);
  EXPECT_EQ(rm.i("activity_id"), 5);
  auto gd = map_msg("groupdel", "group 'devs' removed");
  EXPECT_EQ(gd.i("activity_id"), 5);
  EXPECT_EQ(map_msg("groupdel", "group 'devs' removed from /etc/group").class_uid, 0);
  auto gp = map_msg("gpasswd", "user bob added by root to group docker");
  EXPECT_EQ(gp.class_uid, 3006);
  EXPECT_EQ(gp.i("activity_id"), 3);
  EXPECT_EQ(gp.s("user.name"), "bob");
  EXPECT_EQ(gp.s("actor.user.name"), "root");
  EXPECT_EQ(gp.s("group.name"), "docker");
  auto gr = map_msg("gpasswd", "user bob removed by root from group docker");
  EXPECT_EQ(gr.i("activity_id"), 4);
}

TEST(LinuxAuthAccounts, DeletePasswordLock) {
  auto d = map_msg("userdel", "delete user 'bob'");
  EXPECT_EQ(d.class_uid, 3001);
  EXPECT_EQ(d.i("activity_id"), 6);
  EXPECT_EQ(d.s("user.name"), "bob");
  auto reset = map_msg("passwd", "password for 'bob' changed by 'root'");
  EXPECT_EQ(reset.i("activity_id"), 4);
  EXPECT_EQ(reset.s("user.name"), "bob");
  EXPECT_EQ(reset.s("actor.user.name"), "root");
  auto self = map_msg("passwd", "password for 'bob' changed by 'bob'");
  EXPECT_EQ(self.i("activity_id"), 3);
  auto chp = map_msg("chpasswd", "pam_unix(chpasswd:chauthtok): password changed for carol");
  EXPECT_EQ(chp.i("activity_id"), 3);
  EXPECT_EQ(chp.s("user.name"), "carol");
  EXPECT_EQ(map_msg("usermod", "lock user 'bob' password").i("activity_id"), 9);
  EXPECT_EQ(map_msg("usermod", "unlock user 'bob' password").i("activity_id"), 12);
  EXPECT_EQ(map_msg("usermod", "change user 'bob' password").i("activity_id"), 3);
  auto sh = map_msg("usermod", "change user 'bob' shell from '/bin/bash' to '/bin/sh'");
  EXPECT_EQ(sh.i("activity_id"), 99);
  EXPECT_EQ(sh.i("type_uid"), 300199);
  auto failed = map_msg("useradd", "failed adding user 'ansible', data deleted");
  EXPECT_EQ(failed.class_uid, 3001);
  EXPECT_EQ(failed.i("status_id"), 2);
  EXPECT_EQ(failed.s("user.name"), "ansible");
  EXPECT_EQ(failed.s("status_detail"), "data deleted");
}

TEST(LinuxAuth, UnknownProgramsAddNothing) {
  auto r = map_msg("kernel", "Accepted password for alice from 10.0.0.1 port 22 ssh2");
  EXPECT_EQ(r.class_uid, 0);
  EXPECT_TRUE(r.batch.fields(r.batch[0]).empty());
  auto c = map_msg("CRON", "(root) CMD (run-parts /etc/cron.hourly)");
  EXPECT_EQ(c.class_uid, 0);
}

// Fields inside the event's raw are referenced, not copied.
TEST(LinuxAuth, ZeroCopyIntoRaw) {
  auto r = map_msg("sshd", "Accepted password for alice from 10.0.1.20 port 51234 ssh2");
  std::string_view raw = r.batch[0].raw;
  const Value* v = r.get("user.name");
  ASSERT_NE(v, nullptr);
  EXPECT_GE(v->as_string().data(), raw.data());
  EXPECT_LE(v->as_string().data() + v->as_string().size(), raw.data() + raw.size());
}

}  // namespace
}  // namespace vigil
