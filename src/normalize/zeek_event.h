// Zeek logs (ASCII TSV with headers, or JSON lines as Zeek's JSON writer and the OTRF
// streamer write them) mapped onto OCSF, one event per record.
//
//   conn, dce_rpc, ssl, x509  Network Activity 4001 (x509 and ssl with tls.*)
//   dns                       DNS Activity 4003      http       HTTP Activity 4002
//   rdp                       RDP Activity 4005      smb_*      SMB Activity 4006
//   ssh                       SSH Activity 4007      ntlm, kerberos  Authentication 3002
//   ftp                       FTP Activity 4008      smtp       Email Activity 4009
//   ntp                       NTP Activity 4013 (activity = the NTP mode 1..7)
//   notice, weird, files and every other log: Base Event 0 (activity 99), fields kept.
// Every event: time (ts), metadata.product.name/vendor_name "Zeek",
// metadata.log_name = the path ("conn", "dns" ...; detection rules key on it),
// metadata.log_provider "zeek", metadata.uid (uid), class_uid, category_uid,
// activity_id, type_uid, severity_id. A Zeek field with no OCSF home is kept as
// unmapped.zeek.<name> under its dotted Zeek name ("id_orig_h" of the OTRF streamer
// is read as "id.orig_h").
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "core/event_batch.h"
#include "core/value.h"
#include "parse/zeek_tsv.h"

namespace vigil {

// One field of a Zeek record, typed already. A container is one ZeekField per element
// (a repeated field). Strings may live anywhere: those outside the open event's raw
// are copied into the batch.
struct ZeekField {
  std::string_view name;
  Value value;
};

// Appends the OCSF fields of one record to the OPEN event of `out` (the caller did
// begin_event with raw = the line, and calls end_event); sets the event time from ts.
// `path` is the log name ("conn", "dns" ...). Returns the class_uid chosen.
int map_zeek_record(std::string_view path, std::span<const ZeekField> fields, EventBatch& out);

struct ZeekReadStats {
  size_t events = 0, parse_errors = 0;
  std::string first_error;  // "line 12: record has 3 fields but #fields names 24"
};

// Zeek lines one at a time, for streams (vigil parse, network inputs): the TSV
// header's state carries from line to line.
class ZeekLineReader {
 public:
  // As read_zeek_log for one line; `line_no` only names it in errors.
  void add_line(std::string_view line, size_t line_no, const Provenance& base, EventBatch& out, ZeekReadStats& stats);
  // True once a "#fields" header has been read: record lines that follow are TSV.
  bool in_tsv() const { return has_header_; }

 private:
  ZeekTsvReader tsv_;
  bool has_header_ = false;
};

// Reads a whole Zeek TSV file (with its headers) or a body of Zeek JSON lines: every
// data line becomes one event (raw = the line; receive time, source, input and tenant
// from `base`); header and blank lines are not events; a line that cannot be read is
// an event with set_parse_error() and kFlagNoTimestamp, raw kept.
ZeekReadStats read_zeek_log(std::string_view body, const Provenance& base, EventBatch& out);

// True when a body starts like Zeek TSV ("#separator") or its first line is a Zeek JSON
// record (a "_path" or "@stream" key, and "uid" or "ts").
bool looks_like_zeek(std::string_view first_line);

}  // namespace vigil
