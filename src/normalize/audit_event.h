// Linux audit (auditd) records -> one OCSF event per audit event. The kernel writes
// an event as several records sharing audit(time:serial) (SYSCALL, EXECVE, CWD, PATH,
// SOCKADDR, PROCTITLE, EOE); AuditAssembler joins them and maps the whole onto:
//
//   Process Activity 1007 (execve: process.*, actor.user.*, actor.session.uid),
//   File System Activity 1001 (file syscalls with PATH: file.*, actor.process.*),
//   Network Activity 4001 (connect/accept/bind/... with an inet SOCKADDR),
//   Authentication 3002 (USER_LOGIN/AUTH/ACCT/START/END, CRED_*, USER_LOGOUT/ERR),
//   Account Change 3001 (ADD_/DEL_USER, ADD_/DEL_GROUP, USER_CHAUTHTOK, *_MGMT, ACCT_*LOCK),
//   Base Event 0 (activity 99) for every other type.
//
// Every event: raw = its record texts joined by '\n', time = the audit time, class_uid,
// category_uid, activity_id, type_uid, severity_id, status_id, metadata.product.name
// "auditd", metadata.product.vendor_name "Linux", metadata.log_provider "auditd",
// metadata.log_name "audit", metadata.uid (serial), device.hostname (node=), and
// unmapped.auditd.<key> for each record field the class does not map (first value
// wins), unmapped.auditd.record_types ("SYSCALL,EXECVE,CWD,PATH,PROCTITLE").
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/event_batch.h"

namespace vigil {

struct AuditEventOptions {
  size_t max_open_events = 16;
  size_t max_records_per_event = 64;
};

class AuditAssembler {
 public:
  explicit AuditAssembler(AuditEventOptions o = {});
  ~AuditAssembler();
  AuditAssembler(const AuditAssembler&) = delete;
  AuditAssembler& operator=(const AuditAssembler&) = delete;

  // Feeds one line known to hold an audit record (or several records of one line, as
  // Wazuh writes them). Completed events (an EOE record, a different serial once
  // max_open_events is exceeded, a record type that is always alone, e.g. USER_*,
  // DAEMON_*, ADD_USER, ...) are appended to `out` as ONE event each. `p` gives receive
  // time, source, input, tenant (p.raw ignored). A line that does not parse becomes its
  // own event, raw kept, set_parse_error(reason), never dropped.
  void add(std::string_view line, const Provenance& p, EventBatch& out);
  // Appends every open event (end of a file or of a network batch), oldest first.
  void flush(EventBatch& out);
  size_t open_events() const;

  struct State;  // open events and reused scratch (audit_event.cpp)

 private:
  AuditEventOptions options_;
  std::unique_ptr<State> state_;
};

}  // namespace vigil
