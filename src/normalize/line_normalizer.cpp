// Dispatch of one line to the reader that understands it. Order matters: stream
// formats that are recognized by their shape first (they are unambiguous), then the
// parser packs, then the generic JSON reader, and last the line kept raw and flagged.
#include "normalize/line_normalizer.h"

#include "normalize/audit_event.h"
#include "normalize/suricata_event.h"
#include "normalize/windows_ocsf.h"
#include "normalize/zeek_event.h"
#include "parse/audit_record.h"
#include "parse/ndjson.h"
#include "parse/windows_event_wazuh.h"

namespace vigil {
namespace {

bool is_json_object(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  return i < line.size() && line[i] == '{';
}

}  // namespace

struct LineNormalizer::State {
  AuditAssembler audit;
  ZeekLineReader zeek;
  ZeekReadStats zeek_stats;
  size_t line_no = 0;
};

LineNormalizer::LineNormalizer(NormalizerOptions options) : options_(std::move(options)), state_(std::make_unique<State>()) {}
LineNormalizer::~LineNormalizer() = default;
LineNormalizer::LineNormalizer(LineNormalizer&&) noexcept = default;
LineNormalizer& LineNormalizer::operator=(LineNormalizer&&) noexcept = default;

void LineNormalizer::add_line(std::string_view line, const Provenance& p, EventBatch& out) {
  last_pack_ = nullptr;
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
  if (line.find_first_not_of(" \t") == std::string_view::npos) return;
  State& st = *state_;
  ++st.line_no;

  // Formats recognized by their shape, whose meaning may span lines.
  if (options_.only_pack.empty()) {
    if (line.starts_with("#separator") || (line[0] == '#' && st.zeek.in_tsv()) || (st.zeek.in_tsv() && line[0] != '{')) {
      st.zeek.add_line(line, st.line_no, p, out, st.zeek_stats);  // Zeek TSV: headers, then records
      return;
    }
    if (looks_like_audit_record(line)) {
      st.audit.add(line, p, out);  // auditd: records of one event are joined
      return;
    }
    if (line[0] == '{' && looks_like_zeek(line)) {
      st.zeek.add_line(line, st.line_no, p, out, st.zeek_stats);
      return;
    }
    if (line[0] == '{' && looks_like_suricata_eve(line)) {
      read_suricata_eve(line, p, out);
      return;
    }
  }

  SyslogEventOptions so;
  so.max_line_bytes = options_.max_line_bytes;
  so.default_utc_offset_s = options_.default_utc_offset_s;
  so.packs = options_.packs.get();
  so.only_pack = options_.only_pack;

  if (is_json_object(line) && looks_like_wazuh_windows(line) && options_.only_pack.empty()) {
    read_windows_event_wazuh(line, p, out);
    add_windows_ocsf(out);
    return;
  }
  if (is_json_object(line)) {
    // A JSON pack (CloudTrail, Okta, GCP ...) first; other JSON keeps its own names,
    // and a Windows record (OTRF's flat JSON) also gets OCSF fields.
    const size_t before = out.size();
    if (options_.packs) {
      so.keep_unparsed = false;
      last_pack_ = append_syslog_event(line, p, out, so);
      if (out.size() > before) return;
    }
    if (!options_.only_pack.empty()) {  // vigil parse --pack: the line is that pack's or an error
      so.keep_unparsed = true;
      append_syslog_event(line, p, out, so);
      return;
    }
    read_ndjson(line, p, out, NdjsonOptions{.max_line_bytes = options_.max_line_bytes});
    if (out.size() > before) add_windows_ocsf(out);
    return;
  }
  last_pack_ = append_syslog_event(line, p, out, so);
}

void LineNormalizer::flush(EventBatch& out) { state_->audit.flush(out); }

}  // namespace vigil
