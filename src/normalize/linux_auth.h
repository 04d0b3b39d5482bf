// Linux authentication and account messages (sshd, sudo, su, PAM, useradd, usermod,
// groupadd, passwd, ...) mapped onto OCSF:
//   Authentication 3002   logon success/failure: user.name, src_endpoint.ip/port,
//                         auth_protocol, status_id (1 success, 2 failure), status_detail
//   Account Change 3001   user created/deleted/changed, password change, group add
//   Process Activity 1007 sudo command executions: actor.user.name, user (target),
//                         process.cmd_line, process.file.path, ...
// Fields are added to the batch's open event (between begin_event and end_event).
#pragma once

#include "core/event_batch.h"
#include "parse/syslog.h"

namespace vigil {

// Adds the OCSF class fields (class_uid, category_uid, activity_id, type_uid, status_id, ...)
// and the entities of `m` to the open event of `out`. Returns false, adding nothing,
// when the message is not one Vigil maps.
bool map_linux_auth(const SyslogMessage& m, EventBatch& out);

}  // namespace vigil
