// Fuzz target: bytes as a parser-pack YAML file. The loader must either load exactly
// one pack or refuse the file with one "fuzz.yaml[:line]: reason" message — never
// crash, never both. A loaded pack then runs over a few fixed lines (syslog, bare
// key=value, CEF, LEEF, JSON, CSV) through append_syslog_event and explain(): one
// event per line, every field readable, and explain() agreeing with apply() on
// whether the pack takes the line.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "normalize/pack_loader.h"
#include "normalize/pack_set.h"
#include "normalize/syslog_event.h"
#include "parse/syslog.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

constexpr std::string_view kLines[] = {
    "<38>Nov 22 06:56:52 host sshd[12]: Failed password for root from 10.0.0.1 port 22 ssh2",
    "<13>1 2026-11-22T06:56:52.1+01:00 fw01 app 7 ID1 [x@1 a=\"b\"] type=traffic action=deny srcip=10.1.2.3",
    "devid=FG1 date=2026-11-22 time=06:56:52 tz=\"+02:00\" srcip=10.1.2.3 srcport=0x1F90 user=\"a b\"",
    "CEF:0|Acme|IDS|1.0|100|Port scan \\| x|7|src=10.0.0.1 dst=10.0.0.2 msg=two words act=blocked",
    "LEEF:2.0|Lancope|StealthWatch|1.0|41|^|src=10.0.1.8^dst=10.0.0.5^sev=5",
    "{\"eventVersion\":\"1.08\",\"user\":{\"name\":\"bob\",\"ids\":[1,2.5,true,null]},\"ip\":\"::1\"}",
    "1,2026/11/22 06:56:52,001,TRAFFIC,end,\"a,b\",10.0.0.1,10.0.0.2",
    "%ASA-4-106023: Deny tcp src outside:192.0.2.10/4444 dst inside:10.0.0.5/22",
};

size_t touch(const vigil::EventBatch& b) {
  size_t sum = 0;
  for (const vigil::Event& e : b.events())
    for (const vigil::Field& f : b.fields(e))
      if (f.value.type == vigil::FieldType::String)
        for (char c : f.value.as_string()) sum += static_cast<unsigned char>(c);
  return sum;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil;
  if (size > 16 * 1024) return 0;  // packs are small; yaml-cpp is slow on huge inputs
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  PackLoad load;
  load_pack_text(text, "fuzz.yaml", load);
  check(load.packs.size() + load.refusals.size() == 1);
  if (!load.refusals.empty()) {
    const std::string& why = load.refusals[0];
    check(why.rfind("fuzz.yaml:", 0) == 0 && why.size() > 11);
    return 0;
  }
  const std::string name = load.packs[0]->name;
  check(!name.empty());
  auto set = std::make_shared<const PackSet>(std::move(load.packs));
  size_t sum = 0;
  const TimeNs received = 1'795'000'000LL * kNsPerSec;
  for (std::string_view line : kLines) {
    EventBatch batch;
    SyslogEventOptions o;
    o.packs = set.get();
    const Pack* took = append_syslog_event(line, Provenance{.receive_time = received}, batch, o);
    check(batch.size() == 1);
    check(batch[0].raw == line);
    sum += touch(batch);

    // explain() must agree with apply() on the same input.
    EventBatch scratch;
    SyslogParseOptions po;
    po.receive_time = received;
    scratch.begin_event(Provenance{.receive_time = received, .raw = line});
    const std::string_view raw = scratch.current().raw;
    const SyslogMessage m = parse_syslog(raw, po);
    LineInput in{.message = m.error.empty() ? m.msg : raw,
                 .line = raw,
                 // As append_syslog_event reads it: RFC 5424's "-" is no program.
                 .program = m.error.empty() && m.app_name != "-" ? m.app_name : std::string_view{},
                 .syslog = m.error.empty() ? &m : nullptr,
                 .receive_time = received};
    scratch.end_event();
    const auto verdicts = set->explain(in, scratch);
    check(verdicts.size() == 1 && verdicts[0].pack == name && !verdicts[0].reason.empty());
    check(verdicts[0].matched == (took != nullptr));
  }
  return sum == SIZE_MAX ? 1 : 0;
}
