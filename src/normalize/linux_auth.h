// Linux authentication and account messages (sshd, sudo, su, login, PAM, useradd,
// userdel, usermod, groupadd, groupdel, passwd, chpasswd, gpasswd) mapped onto OCSF.
//
//   Authentication 3002 (category 3)
//     activity_id 1 Logon, 2 Logoff, 7 Account Switch (su/sudo, with
//     account_switch_type_id 1 "Substitute User"); status_id 1 Success / 2 Failure,
//     status, status_detail; user.name (the account logged into / switched to),
//     actor.user.name (who asked: su/sudo invoker, PAM ruser), src_endpoint.ip (Ip)
//     or src_endpoint.hostname, src_endpoint.port (int), dst_endpoint.hostname (the
//     syslog host), auth_protocol + auth_protocol_id 99 ("password", "publickey",
//     "keyboard-interactive/pam", ...), service.name, is_remote, count (for
//     "message repeated N times" and "PAM N more authentication failures").
//   Account Change 3001 (category 3)
//     user created (1), password change (3; 4 Password Reset when changed by
//     another user), deleted (6), locked (9), unlocked (12), other changes (99);
//     user.name, user.uid, actor.user.name, status_id.
//   Group Management 3006 (category 3)
//     group created (6), deleted (5), user added (3) / removed (4): group.name,
//     group.uid, user.name (the member), actor.user.name.
//   Process Activity 1007 (category 1)
//     sudo COMMAND= runs, activity_id 1 Launch: actor.user.name (invoker),
//     process.user.name (run-as user), process.cmd_line, process.file.path,
//     process.name, process.working_directory, actor.session.terminal,
//     actor.process.name/pid (sudo itself).
// Every mapped event gets class_uid, category_uid, activity_id, type_uid
// (class_uid * 100 + activity_id) and severity_id: 1 Informational for successes
// and routine changes, 2 Low for failed authentication and account/group changes,
// 3 Medium for "NOT in sudoers", exceeded auth attempts and additions to a
// privileged group (root, sudo, wheel, admin, adm).
//
// Strings: a field whose bytes lie inside the open event's raw is added with
// add_string_ref (no copy), anything else is copied into the batch arena, so
// callers may pass a SyslogMessage over any buffer; zero-copy needs `m` to be a
// parse of the event's own raw (as append_syslog_event does).
#pragma once

#include "core/event_batch.h"
#include "parse/syslog.h"

namespace vigil {

// Adds the OCSF class fields (class_uid, category_uid, activity_id, type_uid,
// severity_id, status_id, ...) and the entities of `m` to the open event of `out`.
// Returns the class_uid chosen, or 0, adding nothing, when the message is not one
// Vigil maps.
int map_linux_auth_class(const SyslogMessage& m, EventBatch& out);

// As above; false when the message is not one Vigil maps.
inline bool map_linux_auth(const SyslogMessage& m, EventBatch& out) {
  return map_linux_auth_class(m, out) != 0;
}

}  // namespace vigil
