// libFuzzer target for the syslog parser: any bytes must parse without crashing, every
// view must lie inside the input, and the structured-data helpers must stay in bounds.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include "parse/syslog.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

bool inside(std::string_view part, std::string_view line) {
  return part.empty() || (part.data() >= line.data() && part.data() + part.size() <= line.data() + line.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A copy of exactly `size` bytes, so ASan catches any read past the end of the line.
  std::vector<char> buf(data, data + size);
  const std::string_view line(buf.data(), buf.size());

  vigil::SyslogParseOptions opt;
  opt.receive_time = 1'795'330'612LL * vigil::kNsPerSec;  // 2026-11-22T06:56:52Z
  opt.default_utc_offset_s = size > 0 ? (data[0] % 29 - 14) * 3600 : 0;
  const vigil::SyslogMessage m = vigil::parse_syslog(line, opt);

  for (std::string_view v : {m.timestamp_text, m.hostname, m.app_name, m.proc_id, m.msg_id, m.tag,
                             m.structured_data, m.msg})
    check(inside(v, line));
  check(m.pri >= -1 && m.pri <= 191);
  check(m.pri < 0 ? m.facility == -1 && m.severity == -1 : m.facility == m.pri / 8 && m.severity == m.pri % 8);
  if (m.format == vigil::SyslogFormat::Unknown) {
    check(!m.error.empty());
    check(!m.time);
  } else {
    check(m.error.empty());
  }
  if (m.format != vigil::SyslogFormat::Rfc5424) check(m.structured_data.empty() && m.msg_id.empty());
  if (m.time) {
    // 1900..2200 plus any offset: parse never yields a wrapped-around time.
    check(*m.time > -2'300'000'000LL * vigil::kNsPerSec && *m.time < 7'400'000'000LL * vigil::kNsPerSec);
  }

  // Structured data the parser accepted is well formed for the walker too.
  std::vector<char> out;
  auto visit = [&](std::string_view id, std::string_view name, std::string_view raw) {
    check(!id.empty() && !name.empty());
    check(inside(id, line) && inside(name, line) && inside(raw, line));
    out.resize(raw.size() + 1);
    out[raw.size()] = '\x5a';  // canary: unescape must write at most raw.size() bytes
    const size_t n = vigil::unescape_sd_value(raw, out.data());
    check(n <= raw.size() && out[raw.size()] == '\x5a');
  };
  if (!m.structured_data.empty()) check(vigil::for_each_sd_param(m.structured_data, visit));
  // And the walker on arbitrary bytes: may fail, must not crash.
  vigil::for_each_sd_param(line, [&](std::string_view id, std::string_view name, std::string_view raw) {
    check(inside(id, line) && inside(name, line) && inside(raw, line));
  });
  return 0;
}
