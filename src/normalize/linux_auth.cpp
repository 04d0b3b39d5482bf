// Hand-written matchers for the fixed message shapes of sshd, sudo, su, login, PAM
// and the shadow-utils account tools. Each matcher fills an Outcome of string_views
// into the message; emit() turns it into OCSF fields. No regex and no allocation:
// the texts come from a handful of programs whose formats change once a decade,
// and this runs for every syslog line.
#include "normalize/linux_auth.h"
#include "normalize/digits.h"

#include <cstdint>
#include <functional>
#include <string_view>

#include "core/ip_address.h"

namespace vigil {
namespace {

using sv = std::string_view;

// OCSF ids used here (events/iam/*.json, events/system/process_activity.json).
constexpr int kClassProcessActivity = 1007;
constexpr int kClassAccountChange = 3001;
constexpr int kClassAuthentication = 3002;
constexpr int kClassGroupManagement = 3006;

constexpr int kAuthLogon = 1;
constexpr int kAuthLogoff = 2;
constexpr int kAuthAccountSwitch = 7;

constexpr int kAcctCreate = 1;
constexpr int kAcctPasswordChange = 3;
constexpr int kAcctPasswordReset = 4;
constexpr int kAcctDelete = 6;
constexpr int kAcctLock = 9;
constexpr int kAcctUnlock = 12;
constexpr int kOther = 99;

constexpr int kGroupAddUser = 3;
constexpr int kGroupRemoveUser = 4;
constexpr int kGroupDelete = 5;
constexpr int kGroupCreate = 6;

constexpr int kProcessLaunch = 1;

constexpr int kStatusSuccess = 1;
constexpr int kStatusFailure = 2;

constexpr int kSevInfo = 1;
constexpr int kSevLow = 2;
constexpr int kSevMedium = 3;

struct Ids {
  FieldId class_uid = field_id("class_uid");
  FieldId category_uid = field_id("category_uid");
  FieldId activity_id = field_id("activity_id");
  FieldId type_uid = field_id("type_uid");
  FieldId severity_id = field_id("severity_id");
  FieldId status_id = field_id("status_id");
  FieldId status = field_id("status");
  FieldId status_detail = field_id("status_detail");
  FieldId count = field_id("count");
  FieldId user_name = field_id("user.name");
  FieldId user_uid = field_id("user.uid");
  FieldId actor_user_name = field_id("actor.user.name");
  FieldId actor_user_uid = field_id("actor.user.uid");
  FieldId src_ip = field_id("src_endpoint.ip");
  FieldId src_hostname = field_id("src_endpoint.hostname");
  FieldId src_port = field_id("src_endpoint.port");
  FieldId dst_hostname = field_id("dst_endpoint.hostname");
  FieldId auth_protocol = field_id("auth_protocol");
  FieldId auth_protocol_id = field_id("auth_protocol_id");
  FieldId service_name = field_id("service.name");
  FieldId is_remote = field_id("is_remote");
  FieldId account_switch_type_id = field_id("account_switch_type_id");
  FieldId account_switch_type = field_id("account_switch_type");
  FieldId process_cmd_line = field_id("process.cmd_line");
  FieldId process_file_path = field_id("process.file.path");
  FieldId process_name = field_id("process.name");
  FieldId process_working_directory = field_id("process.working_directory");
  FieldId process_user_name = field_id("process.user.name");
  FieldId actor_session_terminal = field_id("actor.session.terminal");
  FieldId actor_process_name = field_id("actor.process.name");
  FieldId actor_process_pid = field_id("actor.process.pid");
  FieldId group_name = field_id("group.name");
  FieldId group_uid = field_id("group.uid");
  FieldId unmapped_home = field_id("unmapped.linux.home");
  FieldId unmapped_shell = field_id("unmapped.linux.shell");
  FieldId unmapped_sudo_tty = field_id("unmapped.sudo.tty");
  FieldId unmapped_sudo_command = field_id("unmapped.sudo.command");
  FieldId unmapped_sudo_run_as = field_id("unmapped.sudo.run_as");
  FieldId unmapped_sudo_pwd = field_id("unmapped.sudo.pwd");
};

// Interned once: field_id() takes the dictionary lock.
const Ids& ids() {
  static const Ids kIds;
  return kIds;
}

// What a matcher found. Views point into the message or at string literals.
struct Outcome {
  int class_uid = 0;
  int activity_id = 0;
  int status_id = 0;
  int severity_id = kSevInfo;
  int64_t count = 0;
  int is_remote = -1;  // -1 unknown
  bool app_is_actor_process = false;  // sudo's own name/pid go to actor.process.*
  sv status_detail;
  sv user, user_uid, actor_user, actor_uid;
  sv src_host;  // IP or host name
  sv src_port;
  sv auth_protocol;
  sv service;
  sv cmd_line, file_path, cwd, tty, run_as;
  sv group, group_uid;
  sv home, shell;
  bool sudo_denied = false;  // sudo failure: keep the attempted command under unmapped.sudo.*
};

// ---- string helpers --------------------------------------------------------------

bool eat(sv& s, sv prefix) {
  if (!s.starts_with(prefix)) return false;
  s.remove_prefix(prefix.size());
  return true;
}

sv trim(sv s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

// The part of `s` before `delim`; consumes through `delim`. Without `delim`, all of `s`.
sv take_until(sv& s, sv delim) {
  size_t pos = s.find(delim);
  if (pos == sv::npos) {
    sv all = s;
    s = {};
    return all;
  }
  sv head = s.substr(0, pos);
  s.remove_prefix(pos + delim.size());
  return head;
}

// The next space-separated word of `s`; consumes it and the spaces after it.
sv word(sv& s) {
  size_t pos = s.find(' ');
  sv w = s.substr(0, pos);
  s.remove_prefix(pos == sv::npos ? s.size() : pos);
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  return w;
}


// Strips a trailing "[preauth]" (and spaces); true when there was one.
bool strip_preauth(sv& s) {
  s = trim(s);
  if (!s.ends_with("[preauth]")) return false;
  s.remove_suffix(9);
  s = trim(s);
  return true;
}

// A value in quotes: 'bob' -> bob. Consumes through the closing quote.
bool quoted(sv& s, sv& out) {
  if (!eat(s, "'")) return false;
  size_t end = s.find('\'');
  if (end == sv::npos) return false;
  out = s.substr(0, end);
  s.remove_prefix(end + 1);
  return true;
}

void set_auth(Outcome& o, int activity, int status) {
  o.class_uid = kClassAuthentication;
  o.activity_id = activity;
  o.status_id = status;
  o.severity_id = status == kStatusFailure ? kSevLow : kSevInfo;
}

// "[user ]host port P[ rest]" or "host[ rest]": the host is the word before " port ".
void user_host_port(sv s, sv& user, Outcome& o) {
  size_t pos = s.find(" port ");
  sv left = pos == sv::npos ? s : s.substr(0, pos);
  if (pos != sv::npos) o.src_port = leading_digits(s.substr(pos + 6));
  if (pos == sv::npos) {
    // No port: "1.2.3.4" or "1.2.3.4: 11: Bye Bye" or "user 1.2.3.4".
    size_t colon_sp = left.find(": ");
    if (colon_sp != sv::npos) left = left.substr(0, colon_sp);
  }
  left = trim(left);
  size_t sp = left.rfind(' ');
  if (sp == sv::npos) {
    o.src_host = left;
  } else {
    o.src_host = left.substr(sp + 1);
    user = left.substr(0, sp);
  }
}

// "X from HOST[ port P ...]" where X may contain spaces: split at the last " from ".
void user_from_host(sv s, Outcome& o) {
  size_t pos = s.rfind(" from ");
  if (pos == sv::npos) {
    o.user = trim(s);
    return;
  }
  o.user = s.substr(0, pos);
  sv rest = s.substr(pos + 6);
  sv host = word(rest);
  if (host.ends_with(':')) host.remove_suffix(1);
  o.src_host = host;
  if (eat(rest, "port ")) o.src_port = leading_digits(rest);
}

// "[invalid user |illegal user |authenticating user |user ]": sets status_detail for invalid users.
void user_qualifier(sv& s, Outcome& o) {
  if (eat(s, "invalid user ") || eat(s, "illegal user ")) {
    o.status_detail = "invalid user";
  } else if (!eat(s, "authenticating user ")) {
    // "user " qualifies the name that follows, unless the account is itself named
    // "user": "Failed password for user from 10.0.0.1".
    if (s.starts_with("user ") && !s.substr(5).starts_with("from ")) s.remove_prefix(5);
  }
}

// ---- PAM --------------------------------------------------------------------------

bool is_switch_service(sv service) {
  return service == "su" || service == "su-l" || service == "sudo" || service == "sudo-i" ||
         service == "runuser" || service == "runuser-l";
}

// "name(uid=N)" or "(uid=N)" or "name".
void name_uid(sv s, sv& name, sv& uid) {
  size_t paren = s.find("(uid=");
  if (paren == sv::npos) {
    name = s;
    return;
  }
  name = s.substr(0, paren);
  sv u = s.substr(paren + 5);
  size_t close = u.find(')');
  uid = close == sv::npos ? u : u.substr(0, close);
}

// "logname= uid=0 euid=0 tty=ssh ruser= rhost=1.2.3.4  user=root" (values never hold spaces).
void pam_kv(sv s, Outcome& o) {
  sv logname, uid;
  while (!s.empty()) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    if (s.empty()) break;
    sv kv = word(s);
    size_t eq = kv.find('=');
    if (eq == sv::npos) continue;
    sv key = kv.substr(0, eq), value = kv.substr(eq + 1);
    if (key == "user") o.user = value;
    else if (key == "rhost") o.src_host = value;
    else if (key == "ruser") o.actor_user = value;
    else if (key == "logname") logname = value;
    else if (key == "uid") uid = value;
    else if (key == "tty") o.tty = value;
  }
  if (o.actor_user.empty()) o.actor_user = logname;
  // uid= is the uid of the process that called PAM: the requesting user for su,
  // only the daemon for sshd and friends (which leave ruser and logname empty).
  if (!o.actor_user.empty()) o.actor_uid = uid;
}

// The message after "pam_xxx(service:type): " (or after "service(pam_unix)[pid]: ").
bool map_pam_body(sv service, sv body, Outcome& o) {
  body = trim(body);
  o.service = service;
  bool sw = is_switch_service(service);
  int logon = sw ? kAuthAccountSwitch : kAuthLogon;
  if (eat(body, "authentication failure;")) {
    set_auth(o, logon, kStatusFailure);
    o.status_detail = "authentication failure";
    pam_kv(body, o);
    o.is_remote = o.src_host.empty() ? 0 : 1;
    return true;
  }
  if (!body.empty() && body.front() >= '0' && body.front() <= '9') {
    // "2 more authentication failures; logname= ..."
    sv n = word(body);
    if (eat(body, "more authentication failure")) {
      set_auth(o, logon, kStatusFailure);
      o.status_detail = "authentication failure";
      o.count = to_int(leading_digits(n));
      take_until(body, ";");
      pam_kv(body, o);
      o.is_remote = o.src_host.empty() ? 0 : 1;
      return true;
    }
    return false;
  }
  if (eat(body, "session opened for user ")) {
    set_auth(o, logon, kStatusSuccess);
    o.status_detail = "session opened";
    sv target = take_until(body, " by ");
    name_uid(trim(target), o.user, o.user_uid);
    if (!body.empty()) name_uid(trim(body), o.actor_user, o.actor_uid);
    return true;
  }
  if (eat(body, "session closed for user ")) {
    set_auth(o, kAuthLogoff, kStatusSuccess);
    o.status_detail = "session closed";
    name_uid(trim(body), o.user, o.user_uid);
    return true;
  }
  if (eat(body, "password changed for ")) {
    o.class_uid = kClassAccountChange;
    o.activity_id = kAcctPasswordChange;
    o.status_id = kStatusSuccess;
    o.severity_id = kSevInfo;
    o.user = trim(body);
    return true;
  }
  if (eat(body, "auth could not identify password for [")) {
    set_auth(o, logon, kStatusFailure);
    o.status_detail = "could not identify password";
    o.user = take_until(body, "]");
    return true;
  }
  return false;
}

// "pam_unix(sshd:auth): ..." in the message of any program.
bool map_pam_prefixed(sv msg, Outcome& o) {
  sv s = msg;
  if (!eat(s, "pam_")) return false;
  size_t open = s.find('(');
  if (open == sv::npos || open > 32) return false;
  s.remove_prefix(open + 1);
  size_t close = s.find("): ");
  if (close == sv::npos) return false;
  sv inside = s.substr(0, close);
  sv body = s.substr(close + 3);
  sv service = take_until(inside, ":");
  return map_pam_body(service, body, o);
}

// ---- sshd -------------------------------------------------------------------------

bool map_sshd(sv msg, Outcome& o) {
  sv s = trim(msg);
  // Solaris: "[ID 800047 auth.notice] Failed none for root ..."
  if (s.starts_with("[ID ")) {
    size_t close = s.find("] ");
    if (close != sv::npos) s.remove_prefix(close + 2);
  }
  if (!eat(s, "error: ")) eat(s, "fatal: ");
  o.service = "sshd";
  o.is_remote = 1;

  // "message repeated 3 times: [ Failed password for root from 1.2.3.4 port 22 ssh2]"
  if (eat(s, "message repeated ")) {
    sv n = word(s);
    if (!all_digits(n) || !eat(s, "times: [")) return false;
    s = trim(s);
    if (s.ends_with(']')) s.remove_suffix(1);
    if (!map_sshd(s, o)) return false;
    o.count = to_int(n);
    return true;
  }

  bool preauth = strip_preauth(s);
  if (eat(s, "Accepted ")) {
    set_auth(o, kAuthLogon, kStatusSuccess);
    o.auth_protocol = word(s);
    if (!eat(s, "for ")) return false;
    user_from_host(s, o);
    return true;
  }
  if (eat(s, "Failed ")) {
    set_auth(o, kAuthLogon, kStatusFailure);
    o.auth_protocol = word(s);
    if (!eat(s, "for ")) return false;
    user_qualifier(s, o);
    if (o.status_detail.empty())
      o.status_detail = o.auth_protocol == "password" ? sv("wrong password") : sv("authentication failed");
    user_from_host(s, o);
    return true;
  }
  if (eat(s, "Invalid user ") || eat(s, "Illegal user ")) {
    set_auth(o, kAuthLogon, kStatusFailure);
    o.status_detail = "invalid user";
    user_from_host(s, o);
    return true;
  }
  if (eat(s, "User ")) {
    // "User root from 1.2.3.4 not allowed because listed in DenyUsers"
    size_t na = s.find(" not allowed because ");
    if (na == sv::npos) return false;
    set_auth(o, kAuthLogon, kStatusFailure);
    o.status_detail = s.substr(na + 1);
    user_from_host(s.substr(0, na), o);
    return true;
  }
  if (eat(s, "maximum authentication attempts exceeded for ")) {
    set_auth(o, kAuthLogon, kStatusFailure);
    o.severity_id = kSevMedium;
    user_qualifier(s, o);
    o.status_detail = "maximum authentication attempts exceeded";
    user_from_host(s, o);
    return true;
  }
  if (eat(s, "Disconnecting: Too many authentication failures")) {
    set_auth(o, kAuthLogon, kStatusFailure);
    o.severity_id = kSevMedium;
    o.status_detail = "too many authentication failures";
    if (eat(s, " for ")) {
      user_qualifier(s, o);
      o.status_detail = "too many authentication failures";
      o.user = trim(s);
    }
    return true;
  }
  if (eat(s, "Disconnecting ")) {
    // "Disconnecting invalid user root 1.2.3.4 port 22"
    // "Disconnecting authenticating user root 1.2.3.4 port 22: Too many authentication failures"
    if (!s.starts_with("invalid user ") && !s.starts_with("authenticating user ") &&
        !s.starts_with("user "))
      return false;
    set_auth(o, kAuthLogon, kStatusFailure);
    user_qualifier(s, o);
    size_t colon = s.find(": ");
    sv reason = colon == sv::npos ? sv{} : s.substr(colon + 2);
    if (colon != sv::npos) s = s.substr(0, colon);
    user_host_port(s, o.user, o);
    if (!reason.empty()) o.status_detail = reason;
    else if (o.status_detail.empty()) o.status_detail = "disconnected before authentication";
    return true;
  }
  if (eat(s, "PAM: ")) {
    // "PAM: authentication error for [illegal user ]X from HOST"
    // "PAM: User not known to the underlying authentication module for illegal user X from HOST"
    // "PAM: unknown user for illegal user X from HOST"
    size_t f = s.find(" for ");
    if (f == sv::npos) return false;
    set_auth(o, kAuthLogon, kStatusFailure);
    sv rest = s.substr(f + 5);
    user_qualifier(rest, o);
    if (o.status_detail.empty()) o.status_detail = s.substr(0, f);
    user_from_host(rest, o);
    return true;
  }
  if (eat(s, "PAM ")) return map_pam_body("sshd", s, o);

  // Session ends. Before authentication completed ([preauth], or an invalid or
  // still-authenticating user) they are failed logons; after it, logoffs.
  bool closed = eat(s, "Connection closed by ") || eat(s, "Disconnected from ") ||
                eat(s, "Connection reset by ");
  bool received = !closed && eat(s, "Received disconnect from ");
  if (closed || received) {
    bool before_auth = preauth || s.starts_with("invalid user ") ||
                       s.starts_with("authenticating user ") || s.starts_with("illegal user ");
    if (received) {
      before_auth = before_auth || s.find("Auth fail") != sv::npos ||
                    s.find("No more user authentication methods") != sv::npos;
    }
    user_qualifier(s, o);
    bool invalid = !o.status_detail.empty();
    if (received) {
      // "1.2.3.4 port 22:11: disconnected by user" / "1.2.3.4: 11: Bye Bye"
      sv reason;
      size_t p = s.find(" port ");
      if (p != sv::npos) {
        sv after = s.substr(p + 6);
        size_t c = after.find(':');
        if (c != sv::npos) reason = after.substr(c + 1);
        o.src_port = leading_digits(after);
        o.src_host = s.substr(0, p);
      } else {
        size_t c = s.find(": ");
        o.src_host = c == sv::npos ? s : s.substr(0, c);
        if (c != sv::npos) reason = s.substr(c + 2);
      }
      // "11: Bye Bye" -> "Bye Bye"
      reason = trim(reason);
      size_t c = reason.find(": ");
      if (c != sv::npos && all_digits(reason.substr(0, c))) reason = reason.substr(c + 2);
      o.status_detail = reason;
    } else {
      user_host_port(s, o.user, o);
    }
    if (before_auth) {
      set_auth(o, kAuthLogon, kStatusFailure);
      if (invalid) o.status_detail = "invalid user";
      else if (o.status_detail.empty()) o.status_detail = "closed before authentication";
    } else {
      set_auth(o, kAuthLogoff, kStatusSuccess);
    }
    return true;
  }
  if (eat(s, "Timeout before authentication for ")) {
    set_auth(o, kAuthLogon, kStatusFailure);
    o.status_detail = "timeout before authentication";
    sv none;
    user_host_port(s, none, o);
    return true;
  }
  if (eat(s, "Authentication refused: ")) {
    set_auth(o, kAuthLogon, kStatusFailure);
    o.status_detail = s;
    return true;
  }
  return false;
}

// ---- sudo -------------------------------------------------------------------------

// "alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id"
// "mike : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/root ; USER=root ; COMMAND=/bin/ls"
// "ddp2 : user NOT in sudoers ; TTY=ttypZ ; PWD=/home/ddp2 ; USER=root ; COMMAND=/bin/ls"
bool map_sudo(sv msg, Outcome& o) {
  sv s = trim(msg);
  size_t sep = s.find(" : ");
  if (sep == sv::npos) return false;
  sv invoker = s.substr(0, sep);
  if (invoker.find(' ') != sv::npos) return false;
  s.remove_prefix(sep + 3);
  sv problem;
  bool has_command = false;
  while (!s.empty()) {
    if (eat(s, "COMMAND=")) {
      // The last item; the command itself may contain " ; ".
      o.cmd_line = trim(s);
      has_command = true;
      break;
    }
    sv item = trim(take_until(s, " ; "));
    if (eat(item, "TTY=")) o.tty = item;
    else if (eat(item, "PWD=")) o.cwd = item;
    else if (eat(item, "USER=")) o.run_as = item;
    else if (item.find('=') == sv::npos && problem.empty()) problem = item;
  }
  if (!has_command && problem.empty()) return false;
  if (problem.empty()) {
    o.class_uid = kClassProcessActivity;
    o.activity_id = kProcessLaunch;
    o.severity_id = kSevInfo;
    o.actor_user = invoker;
    o.app_is_actor_process = true;
    sv c = o.cmd_line;
    o.file_path = word(c);
    return true;
  }
  // A refusal: the invoker failed to switch to the run-as user.
  set_auth(o, kAuthAccountSwitch, kStatusFailure);
  o.service = "sudo";
  o.is_remote = 0;
  o.status_detail = problem;
  o.actor_user = invoker;
  o.user = o.run_as.empty() ? sv("root") : o.run_as;
  o.sudo_denied = true;
  if (problem.find("NOT in sudoers") != sv::npos || problem.find("NOT allowed") != sv::npos ||
      problem.find("not allowed") != sv::npos)
    o.severity_id = kSevMedium;
  if (problem.find("incorrect password attempt") != sv::npos) {
    sv n = problem;
    sv digits = word(n);
    if (all_digits(digits)) o.count = to_int(digits);
  }
  return true;
}

// ---- su ---------------------------------------------------------------------------

bool map_su(sv msg, Outcome& o) {
  sv s = trim(msg);
  o.service = "su";
  o.is_remote = 0;
  bool ok = true;
  if (s.starts_with("Successful su for ") || s.starts_with("FAILED su for ")) {
    // "Successful su for root by alice" / "FAILED su for root by alice"
    ok = s[0] == 'S';
    take_until(s, " for ");
    o.user = take_until(s, " by ");
    o.actor_user = trim(s);
  } else if (eat(s, "(to ")) {
    // "(to root) alice on pts/0"
    o.user = take_until(s, ") ");
    o.actor_user = take_until(s, " on ");
    o.tty = s;
  } else if (s.starts_with("+ ") || s.starts_with("- ")) {
    // "+ pts/0 alice:root"
    ok = s[0] == '+';
    s.remove_prefix(2);
    o.tty = word(s);
    size_t colon = s.find(':');
    if (colon == sv::npos) return false;
    o.actor_user = s.substr(0, colon);
    o.user = trim(s.substr(colon + 1));
  } else if (eat(s, "failed: ")) {
    // "failed: ttyq4 changing from ldap to root"
    ok = false;
    o.tty = word(s);
    if (!eat(s, "changing from ")) return false;
    o.actor_user = take_until(s, " to ");
    o.user = trim(s);
  } else if (eat(s, "pam_authenticate: ")) {
    ok = false;
    o.status_detail = s;
  } else {
    // BSD: "dcid to root on /dev/ttyp1" / "BAD SU ger to fwmaster on /dev/ttyp0"
    if (eat(s, "BAD SU ")) ok = false;
    size_t to = s.find(" to ");
    size_t on = s.find(" on ");
    if (to == sv::npos || on == sv::npos || on < to) return false;
    o.actor_user = s.substr(0, to);
    if (o.actor_user.find(' ') != sv::npos) return false;
    o.user = s.substr(to + 4, on - to - 4);
    o.tty = s.substr(on + 4);
  }
  set_auth(o, kAuthAccountSwitch, ok ? kStatusSuccess : kStatusFailure);
  return true;
}

// ---- login ------------------------------------------------------------------------

bool map_login(sv msg, Outcome& o) {
  sv s = trim(msg);
  o.service = "login";
  o.is_remote = 0;
  if (eat(s, "FAILED LOGIN ")) {
    // "FAILED LOGIN (1) on '/dev/tty1' FOR 'UNKNOWN', Authentication failure"
    set_auth(o, kAuthLogon, kStatusFailure);
    size_t f = s.find(" FOR '");
    if (f != sv::npos) {
      sv rest = s.substr(f + 5);
      quoted(rest, o.user);
      if (eat(rest, ", ")) o.status_detail = rest;
    }
    return true;
  }
  if (eat(s, "ROOT LOGIN ")) {
    set_auth(o, kAuthLogon, kStatusSuccess);
    o.user = "root";
    return true;
  }
  if (eat(s, "LOGIN ON ")) {
    // "LOGIN ON tty1 BY alice"
    set_auth(o, kAuthLogon, kStatusSuccess);
    o.tty = word(s);
    if (eat(s, "BY ")) o.user = word(s);
    return true;
  }
  return false;
}

// ---- shadow-utils account tools ---------------------------------------------------

// "name=bob, UID=1001, GID=1001, home=/home/bob, shell=/bin/bash, from=/dev/pts/0"
template <typename Fn>
void comma_kv(sv s, Fn&& fn) {
  while (!s.empty()) {
    sv item = trim(take_until(s, ","));
    size_t eq = item.find('=');
    if (eq != sv::npos) fn(item.substr(0, eq), item.substr(eq + 1));
  }
}

bool is_privileged_group(sv g) {
  return g == "sudo" || g == "wheel" || g == "root" || g == "admin" || g == "adm" || g == "docker";
}

void set_account(Outcome& o, int activity, int status = kStatusSuccess) {
  o.class_uid = kClassAccountChange;
  o.activity_id = activity;
  o.status_id = status;
  o.severity_id = kSevLow;
}

void set_group(Outcome& o, int activity) {
  o.class_uid = kClassGroupManagement;
  o.activity_id = activity;
  o.status_id = kStatusSuccess;
  o.severity_id = kSevLow;
  if (activity == kGroupAddUser && is_privileged_group(o.group)) o.severity_id = kSevMedium;
}

bool map_account_tool(sv msg, Outcome& o) {
  sv s = trim(msg);
  if (eat(s, "new user: ")) {
    set_account(o, kAcctCreate);
    comma_kv(s, [&](sv k, sv v) {
      if (k == "name") o.user = v;
      else if (k == "UID") o.user_uid = v;
      else if (k == "home") o.home = v;
      else if (k == "shell") o.shell = v;
    });
    return !o.user.empty();
  }
  if (eat(s, "new group: ")) {
    comma_kv(s, [&](sv k, sv v) {
      if (k == "name") o.group = v;
      else if (k == "GID") o.group_uid = v;
    });
    set_group(o, kGroupCreate);
    return !o.group.empty();
  }
  if (eat(s, "failed adding user ")) {
    if (!quoted(s, o.user)) return false;
    set_account(o, kAcctCreate, kStatusFailure);
    o.status_detail = trim(s.starts_with(",") ? s.substr(1) : s);
    return true;
  }
  if (eat(s, "add ")) {
    // "add 'bob' to group 'sudo'"; the "to shadow group" twin repeats it.
    if (!quoted(s, o.user) || !eat(s, " to group ") || !quoted(s, o.group)) return false;
    set_group(o, kGroupAddUser);
    return true;
  }
  if (eat(s, "delete user ")) {
    if (!quoted(s, o.user)) return false;
    set_account(o, kAcctDelete);
    return true;
  }
  if (eat(s, "delete ")) {
    // "delete 'bob' from group 'sudo'"
    if (!quoted(s, o.user) || !eat(s, " from group ") || !quoted(s, o.group)) return false;
    set_group(o, kGroupRemoveUser);
    return true;
  }
  if (eat(s, "removed group ")) {
    // "removed group 'bob' owned by 'bob'"
    if (!quoted(s, o.group)) return false;
    set_group(o, kGroupDelete);
    return true;
  }
  if (eat(s, "group ")) {
    // groupdel: "group 'devs' removed" (the "removed from /etc/group" lines repeat it)
    if (!quoted(s, o.group) || trim(s) != "removed") return false;
    set_group(o, kGroupDelete);
    return true;
  }
  if (eat(s, "password for ")) {
    // "password for 'bob' changed by 'root'"
    if (!quoted(s, o.user) || !eat(s, " changed by ") || !quoted(s, o.actor_user)) return false;
    set_account(o, o.actor_user == o.user ? kAcctPasswordChange : kAcctPasswordReset);
    return true;
  }
  if (eat(s, "lock user ") || s.starts_with("unlock user ")) {
    bool unlock = eat(s, "unlock user ");
    if (!quoted(s, o.user)) return false;
    set_account(o, unlock ? kAcctUnlock : kAcctLock);
    return true;
  }
  if (eat(s, "change user ")) {
    // usermod: "change user 'bob' password", "change user 'bob' shell from ..." ,
    // "change user name 'bob' to 'robert'"
    eat(s, "name ");
    if (!quoted(s, o.user)) return false;
    set_account(o, trim(s) == "password" ? kAcctPasswordChange : kOther);
    return true;
  }
  if (eat(s, "user ")) {
    // gpasswd: "user bob added by root to group sudo" / "user bob removed by root from group sudo"
    o.user = word(s);
    bool added = eat(s, "added by ");
    if (!added && !eat(s, "removed by ")) return false;
    o.actor_user = word(s);
    if (!eat(s, added ? "to group " : "from group ")) return false;
    o.group = trim(s);
    set_group(o, added ? kGroupAddUser : kGroupRemoveUser);
    return true;
  }
  return false;
}

bool is_account_tool(sv app) {
  return app == "useradd" || app == "userdel" || app == "usermod" || app == "groupadd" ||
         app == "groupdel" || app == "groupmod" || app == "passwd" || app == "chpasswd" ||
         app == "gpasswd" || app == "newusers" || app == "chage";
}

// ---- output -----------------------------------------------------------------------

bool inside(sv outer, sv s) {
  auto o = reinterpret_cast<uintptr_t>(outer.data());
  auto p = reinterpret_cast<uintptr_t>(s.data());
  return p >= o && p + s.size() <= o + outer.size();
}

sv basename(sv path) {
  size_t slash = path.rfind('/');
  return slash == sv::npos ? path : path.substr(slash + 1);
}

void emit(const Outcome& o, const SyslogMessage& m, EventBatch& out) {
  const Ids& f = ids();
  sv raw = out.current().raw;
  auto put = [&](FieldId id, sv s) {
    if (s.empty()) return;
    if (inside(raw, s)) out.add_string_ref(id, s);
    else out.add_string(id, s);
  };
  out.add_int(f.class_uid, o.class_uid);
  out.add_int(f.category_uid, o.class_uid / 1000);
  out.add_int(f.activity_id, o.activity_id);
  out.add_int(f.type_uid, int64_t{o.class_uid} * 100 + o.activity_id);
  out.add_int(f.severity_id, o.severity_id);
  if (o.status_id != 0) {
    out.add_int(f.status_id, o.status_id);
    // Literals have static storage: referenced, never copied.
    out.add_string_ref(f.status, o.status_id == kStatusSuccess ? sv("Success") : sv("Failure"));
  }
  put(f.status_detail, o.status_detail);
  if (o.count > 0) out.add_int(f.count, o.count);

  if (o.class_uid == kClassProcessActivity) {
    put(f.actor_user_name, o.actor_user);
    put(f.process_user_name, o.run_as);
    put(f.process_cmd_line, o.cmd_line);
    put(f.process_file_path, o.file_path);
    put(f.process_name, basename(o.file_path));
    put(f.process_working_directory, o.cwd);
    put(f.actor_session_terminal, o.tty);
    put(f.actor_process_name, m.app_name);
    if (all_digits(m.proc_id)) out.add_int(f.actor_process_pid, to_int(m.proc_id));
    return;
  }

  put(f.user_name, o.user);
  put(f.user_uid, o.user_uid);
  put(f.actor_user_name, o.actor_user);
  put(f.actor_user_uid, o.actor_uid);
  if (o.class_uid == kClassGroupManagement) {
    put(f.group_name, o.group);
    put(f.group_uid, o.group_uid);
  }
  if (o.class_uid == kClassAccountChange) {
    put(f.unmapped_home, o.home);
    put(f.unmapped_shell, o.shell);
  }
  if (o.class_uid != kClassAuthentication) return;

  if (!o.src_host.empty()) {
    if (auto ip = IpAddress::parse(o.src_host)) out.add_ip(f.src_ip, *ip);
    else put(f.src_hostname, o.src_host);
  }
  if (all_digits(o.src_port)) out.add_int(f.src_port, to_int(o.src_port));
  if (m.hostname != "-") put(f.dst_hostname, m.hostname);
  if (!o.auth_protocol.empty()) {
    put(f.auth_protocol, o.auth_protocol);
    out.add_int(f.auth_protocol_id, kOther);  // ssh methods have no OCSF enum value
  }
  put(f.service_name, o.service);
  if (o.is_remote >= 0) out.add_bool(f.is_remote, o.is_remote == 1);
  if (o.activity_id == kAuthAccountSwitch) {
    out.add_int(f.account_switch_type_id, 1);
    out.add_string_ref(f.account_switch_type, "Substitute User");
  }
  put(f.actor_session_terminal, o.tty);
  if (o.sudo_denied) {
    put(f.unmapped_sudo_command, o.cmd_line);
    put(f.unmapped_sudo_run_as, o.run_as);
    put(f.unmapped_sudo_pwd, o.cwd);
  }
}

// "sshd(pam_unix)": old PAM's tag form; the service is before the parenthesis.
bool split_pam_tag(sv app, sv& service) {
  if (!app.ends_with(")")) return false;
  size_t open = app.find("(pam_");
  if (open == sv::npos || open == 0) return false;
  service = app.substr(0, open);
  return true;
}

}  // namespace

int map_linux_auth_class(const SyslogMessage& m, EventBatch& out) {
  sv app = m.app_name;
  sv msg = m.msg;
  if (app.empty() || msg.empty()) return 0;
  Outcome o;
  bool ok = false;
  // Cheap rejection first: every mapped message comes from one of these programs
  // or is a PAM module's "pam_xxx(...)" line.
  sv pam_service;
  if (msg.starts_with("pam_")) {
    ok = map_pam_prefixed(msg, o);
    if (ok && (app == "sshd" || app == "sshd-session")) o.is_remote = o.is_remote == -1 ? 1 : o.is_remote;
  } else if (app == "sshd" || app == "sshd-session") {
    ok = map_sshd(msg, o);
    if (app == "sshd") o.service = app;  // the same text, but a slice of raw: no copy
  } else if (app == "sudo") {
    ok = map_sudo(msg, o);
    o.service = app;
  } else if (app == "su") {
    ok = map_su(msg, o);
    o.service = app;
  } else if (app == "login") {
    ok = map_login(msg, o);
    o.service = app;
  } else if (is_account_tool(app)) {
    ok = map_account_tool(msg, o);
  } else if (split_pam_tag(app, pam_service)) {
    ok = map_pam_body(pam_service, msg, o);
    if (ok && pam_service == "sshd") o.is_remote = 1;
  }
  if (!ok || o.class_uid == 0) return 0;
  emit(o, m, out);
  return o.class_uid;
}

}  // namespace vigil
