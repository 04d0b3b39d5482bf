// Linux audit (auditd) records: one "type=X msg=audit(sec.ms:serial): k=v ..." record
// into its type, time, serial and key/value fields. Values are views into the line,
// or into the scratch arena when they had to be unquoted or hex-decoded.
// Several records make one audit event (same time and serial); audit_event.h joins them.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/arena.h"
#include "core/ip_address.h"
#include "core/time.h"
#include "parse/text_pair.h"

namespace vigil {

struct AuditRecord {
  std::string_view node;          // "node=host" prefix when present
  std::string_view type;          // "SYSCALL", "EXECVE", "PATH", "USER_LOGIN", or "UNKNOWN[1334]"
  TimeNs time = 0;                // from msg=audit(1450875964.131:8728)
  uint64_t serial = 0;
  std::vector<TextPair> fields;   // key/value, cleared by the parser; msg='k=v ...' of user-space
                                  // records is expanded into its own pairs; "quoted" values unquoted;
                                  // hex-encoded values (proctitle, EXECVE a0=, PATH name=, comm=, exe=,
                                  // cwd= ... when the value is unquoted all-hex) decoded into scratch
                                  // (NUL separators of proctitle become spaces).
};

// Parses one auditd record: optional syslog/dispatcher prefix before "type=" (e.g.
// "Jan 1 00:00:00 host audispd: node=x type=..." or "audit: type=1300 audit(...)" from the
// kernel ring; numeric types of the ring get their names). When the line holds several
// records (Wazuh joins an event's records with spaces) only the first is read: see
// audit_record_length(). Returns "" on success, else a static error text; never crashes.
std::string_view parse_audit_record(std::string_view line, Arena& scratch, AuditRecord& out);

// As parse_audit_record, but only node, type, time and serial (out.fields is cleared):
// what grouping records into events needs, without decoding anything.
std::string_view parse_audit_header(std::string_view line, AuditRecord& out);

// Cheap check: the line contains "type=" followed later by "msg=audit(" or " audit(".
bool looks_like_audit_record(std::string_view line);

// Length of the first record of `line`: up to the space before the next
// " type=NAME msg=audit(" (or " audit("), else the whole line.
size_t audit_record_length(std::string_view line);

// The value of the first field named `key`, or "" (absent and empty are alike).
std::string_view audit_field(const AuditRecord& r, std::string_view key);

// A SOCKADDR record's saddr (hex of a struct sockaddr, host byte order = little endian
// for the family, network order for port and address).
struct AuditSockaddr {
  int family = -1;                // AF_* number (1 unix, 2 inet, 10 inet6, 16 netlink)
  std::optional<IpAddress> ip;    // inet, inet6
  int port = -1;                  // inet, inet6
  std::string_view path;          // unix: socket path (into scratch)
};
// False when `hex` is not even-length hex of at least the family field.
bool decode_audit_sockaddr(std::string_view hex, Arena& scratch, AuditSockaddr& out);

}  // namespace vigil
