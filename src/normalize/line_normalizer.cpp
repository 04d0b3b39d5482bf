// Dispatch of one line to the reader that understands it. Order matters: stream
// formats that are recognized by their shape first (they are unambiguous), then the
// parser packs, then the generic JSON reader, and last the line kept raw and flagged.
#include "normalize/line_normalizer.h"

#include "normalize/windows_ocsf.h"
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

struct LineNormalizer::State {};

LineNormalizer::LineNormalizer(NormalizerOptions options) : options_(std::move(options)), state_(std::make_unique<State>()) {}
LineNormalizer::~LineNormalizer() = default;
LineNormalizer::LineNormalizer(LineNormalizer&&) noexcept = default;
LineNormalizer& LineNormalizer::operator=(LineNormalizer&&) noexcept = default;

void LineNormalizer::add_line(std::string_view line, const Provenance& p, EventBatch& out) {
  last_pack_ = nullptr;
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
  if (line.find_first_not_of(" \t") == std::string_view::npos) return;

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
  if (is_json_object(line) && options_.packs) {
    // A JSON pack (CloudTrail, Okta, GCP ...) first; other JSON keeps its own names.
    EventBatch probe;
    probe.begin_event(Provenance{.receive_time = p.receive_time, .raw = line});
    PackOutcome o = options_.packs->apply(LineInput{.message = probe.current().raw, .receive_time = p.receive_time}, probe,
                                          options_.only_pack);
    probe.end_event();
    if (o.pack) {
      last_pack_ = append_syslog_event(line, p, out, so);
      return;
    }
  }
  if (is_json_object(line) && options_.only_pack.empty()) {
    // Other JSON keeps its own names; a Windows record (OTRF's flat JSON) also gets OCSF fields.
    const size_t before = out.size();
    read_ndjson(line, p, out, NdjsonOptions{.max_line_bytes = options_.max_line_bytes});
    if (out.size() > before) add_windows_ocsf(out);
    return;
  }
  last_pack_ = append_syslog_event(line, p, out, so);
}

void LineNormalizer::flush(EventBatch&) {}

}  // namespace vigil
