// One syslog line -> one OCSF event in a batch. The line is copied once (into the
// batch arena, as the event's raw) and parsed there, so every string field is a
// slice of the raw and is added without another copy.
#include "normalize/syslog_event.h"
#include "normalize/digits.h"

#include <cstdint>
#include <cstring>
#include <string_view>

#include "core/ip_address.h"
#include "normalize/linux_auth.h"
#include "normalize/pack_set.h"

namespace vigil {
namespace {

using sv = std::string_view;

struct Ids {
  FieldId time = field_id("time");
  FieldId device_hostname = field_id("device.hostname");
  FieldId device_ip = field_id("device.ip");
  FieldId message = field_id("message");
  FieldId severity_id = field_id("severity_id");
  FieldId process_name = field_id("process.name");
  FieldId process_pid = field_id("process.pid");
  FieldId log_name = field_id("metadata.log_name");
  FieldId facility = field_id("unmapped.syslog.facility");
  FieldId severity = field_id("unmapped.syslog.severity");
  FieldId pri = field_id("unmapped.syslog.pri");
  FieldId msgid = field_id("unmapped.syslog.msgid");
  FieldId procid = field_id("unmapped.syslog.procid");
  FieldId format = field_id("unmapped.syslog.format");
  FieldId structured_data = field_id("unmapped.syslog.structured_data");
  FieldId class_uid = field_id("class_uid");
  FieldId category_uid = field_id("category_uid");
  FieldId activity_id = field_id("activity_id");
  FieldId type_uid = field_id("type_uid");
};

// Interned once: field_id() takes the dictionary lock.
const Ids& ids() {
  static const Ids kIds;
  return kIds;
}

// RFC 5424 NILVALUE "-" means absent.
sv present(sv s) { return s == "-" ? sv{} : s; }


// Syslog severity (0 emergency .. 7 debug) -> OCSF severity_id (0 unknown .. 6 fatal).
int ocsf_severity(int syslog_severity) {
  switch (syslog_severity) {
    case 0: return 6;  // emergency: Fatal
    case 1: return 5;  // alert: Critical
    case 2: return 4;  // critical: High
    case 3: return 3;  // error: Medium
    case 4: return 2;  // warning: Low
    case 5:            // notice
    case 6:            // informational
    case 7: return 1;  // debug: Informational
    default: return 0;
  }
}

// Structured-data names become field names, so a sender could grow the process-wide
// dictionary without bound; past this many fields new SD names stay only in raw.
constexpr size_t kMaxDictionaryForSd = 100'000;
// RFC 5424 limits SD-ID and PARAM-NAME to 32 printable characters.
constexpr size_t kMaxSdName = 32;

bool sd_name_ok(sv s) {
  if (s.empty() || s.size() > kMaxSdName) return false;
  for (char c : s)
    if (c <= ' ' || c > '~' || c == '=' || c == ']' || c == '"') return false;
  return true;
}

struct SdContext {
  EventBatch* out;
};

void add_sd_param(SdContext& ctx, sv sd_id, sv name, sv raw_value) {
  if (!sd_name_ok(sd_id) || !sd_name_ok(name)) return;
  constexpr sv kPrefix = "unmapped.syslog.sd.";
  char buf[kPrefix.size() + 2 * kMaxSdName + 1];
  size_t n = 0;
  std::memcpy(buf, kPrefix.data(), kPrefix.size());
  n += kPrefix.size();
  std::memcpy(buf + n, sd_id.data(), sd_id.size());
  n += sd_id.size();
  buf[n++] = '.';
  std::memcpy(buf + n, name.data(), name.size());
  n += name.size();
  sv field_name(buf, n);
  FieldDictionary& dict = field_dictionary();
  FieldId id = dict.find(field_name);
  if (id == kNoField) {
    if (dict.size() >= kMaxDictionaryForSd) return;
    id = dict.intern(field_name);
  }
  EventBatch& out = *ctx.out;
  if (raw_value.find('\\') == sv::npos) {
    out.add_string_ref(id, raw_value);
    return;
  }
  char* value = out.arena().allocate(raw_value.size());
  size_t len = unescape_sd_value(raw_value, value);
  out.add_string_ref(id, sv(value, len));
}

void add_base_class(EventBatch& out, int activity_id) {
  const Ids& f = ids();
  out.add_int(f.class_uid, 0);
  out.add_int(f.category_uid, 0);
  out.add_int(f.activity_id, activity_id);
  out.add_int(f.type_uid, activity_id);  // class_uid 0 * 100 + activity_id
}

}  // namespace

const Pack* append_syslog_event(std::string_view line, const Provenance& p, EventBatch& out,
                                const SyslogEventOptions& options) {
  const Ids& f = ids();
  bool truncated = line.size() > options.max_line_bytes;
  if (truncated) line = line.substr(0, options.max_line_bytes);

  Provenance prov = p;
  prov.raw = line;
  // Parse the arena copy, not `line`: then every slice of the parse lives as long as the batch.
  const sv raw = out.begin_event(prov).raw;
  if (truncated) out.set_flag(kFlagTruncated);

  SyslogParseOptions popts;
  popts.receive_time = p.receive_time;
  popts.default_utc_offset_s = options.default_utc_offset_s;
  const SyslogMessage m = parse_syslog(raw, popts);

  if (!m.error.empty()) {
    // No syslog header: a pack may still know the line as it is (CEF, key=value, JSON).
    PackOutcome o;
    if (options.packs) o = options.packs->apply(LineInput{.message = raw, .line = raw, .receive_time = p.receive_time}, out, options.only_pack);
    if (o.pack) {
      if (!o.wrote(f.time)) {
        out.set_flag(kFlagNoTimestamp);
        out.add_time(f.time, p.receive_time);
      }
      if (!o.wrote(f.message) && !raw.empty()) out.add_string_ref(f.message, raw);
      if (!o.wrote(f.severity_id)) out.add_int(f.severity_id, 1);
      out.end_event();
      return o.pack;
    }
    if (!options.keep_unparsed) {
      out.abandon_event();
      return nullptr;
    }
    // Nothing of the header is trusted; the line is kept whole and flagged.
    out.add_string_ref(f.log_name, "syslog");  // a literal: static storage outlives the batch
    out.set_parse_error(m.error);
    out.set_flag(kFlagNoTimestamp);
    if (!raw.empty()) out.add_string_ref(f.message, raw);
    out.add_int(f.severity_id, 0);
    add_base_class(out, 0);  // activity Unknown
    out.end_event();
    return nullptr;
  }

  sv host = present(m.hostname);
  sv app = present(m.app_name);
  sv procid = present(m.proc_id);
  sv msgid = present(m.msg_id);

  // The message's own mapping first, so its fields win over the header's.
  PackOutcome o;
  int class_uid = 0;
  if (options.packs) {
    o = options.packs->apply(LineInput{.message = m.msg, .line = raw, .program = app, .syslog = &m, .receive_time = p.receive_time},
                             out, options.only_pack);
    class_uid = o.class_uid;
  } else {
    class_uid = map_linux_auth_class(m, out);
  }
  const bool mapped = o.pack != nullptr || class_uid != 0;

  if (!o.wrote(f.log_name)) out.add_string_ref(f.log_name, "syslog");
  if (o.wrote(f.time)) {
    // the pack read the event's own time
  } else if (m.time) {
    out.set_time(*m.time);
    out.add_time(f.time, *m.time);
  } else {
    out.set_flag(kFlagNoTimestamp);
    out.add_time(f.time, p.receive_time);
  }
  if (!host.empty() && !o.wrote(f.device_hostname)) out.add_string_ref(f.device_hostname, host);
  // A sender that names itself by address: the address is also the device's IP.
  if (!host.empty() && host[0] >= '0' && host[0] <= '9' && !o.wrote(f.device_ip))
    if (auto ip = IpAddress::parse(host)) out.add_ip(f.device_ip, *ip);
  if (!m.msg.empty() && !o.wrote(f.message)) out.add_string_ref(f.message, m.msg);
  if (m.pri >= 0) {
    out.add_int(f.pri, m.pri);
    out.add_int(f.facility, m.facility);
    out.add_int(f.severity, m.severity);
  }
  if (!procid.empty()) out.add_string_ref(f.procid, procid);
  if (!msgid.empty()) out.add_string_ref(f.msgid, msgid);
  if (m.format == SyslogFormat::Rfc3164) out.add_string_ref(f.format, "rfc3164");
  else if (m.format == SyslogFormat::Rfc5424) out.add_string_ref(f.format, "rfc5424");
  if (!m.structured_data.empty()) {
    SdContext ctx{&out};
    // One pointer of capture: std::function keeps it inline, no allocation.
    bool ok = for_each_sd_param(m.structured_data, [c = &ctx](sv id, sv name, sv value) {
      add_sd_param(*c, id, name, value);
    });
    if (!ok) out.add_string_ref(f.structured_data, m.structured_data);
  }

  if (!mapped) {
    out.add_int(f.severity_id, ocsf_severity(m.severity));
    add_base_class(out, 99);  // activity Other: parsed, but no class maps it yet
  } else if (!o.wrote(f.severity_id) && o.pack) {
    out.add_int(f.severity_id, ocsf_severity(m.severity));
  }
  // In a Process Activity the process is the one launched; the logging program
  // (sudo) is then the actor's process, which the mapper records itself.
  if (class_uid != 1007 && !o.wrote(f.process_name) && !o.wrote(f.process_pid)) {
    if (!app.empty()) out.add_string_ref(f.process_name, app);
    if (all_digits(procid)) out.add_int(f.process_pid, to_int(procid));
  }
  out.end_event();
  return o.pack;
}

}  // namespace vigil
