// PackSet: which pack takes a line (program index, matchers, priority, --pack,
// require), what its steps extract (kv, regex, csv, json, cef, leef, addresses, chained
// steps), how mappings write typed OCSF fields (first present, join, constants,
// lookups, conversions, null values, event cases) and what explain() says. Lines go
// through append_syslog_event, the path ingest uses; expected values are read off the
// lines themselves.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/time.h"
#include "first_event.h"
#include "normalize/line_normalizer.h"
#include "normalize/pack_loader.h"
#include "normalize/pack_set.h"
#include "normalize/syslog_event.h"

namespace vigil {
namespace {

using testing::FirstEvent;

TimeNs utc(int64_t y, unsigned mo, unsigned d, int64_t h = 0, int64_t mi = 0, int64_t s = 0) {
  return (days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s) * kNsPerSec;
}
const TimeNs kReceived = utc(2026, 12, 4, 12);

std::shared_ptr<const PackSet> packs(const std::vector<std::string>& yamls) {
  PackLoad load;
  for (size_t i = 0; i < yamls.size(); ++i) load_pack_text(yamls[i], "p" + std::to_string(i) + ".yaml", load);
  for (const std::string& r : load.refusals) ADD_FAILURE() << r;
  return std::make_shared<const PackSet>(std::move(load.packs));
}

// One line normalized with `set` (only `only` when given).
std::unique_ptr<FirstEvent> run(const PackSet& set, std::string_view line, std::string_view only = {}) {
  auto ev = std::make_unique<FirstEvent>();
  SyslogEventOptions o;
  o.packs = &set;
  o.only_pack = only;
  append_syslog_event(line, Provenance{.receive_time = kReceived}, ev->batch, o);
  EXPECT_EQ(ev->batch.size(), 1u);
  return ev;
}

std::string provider(const FirstEvent& ev) { return ev.s("metadata.log_provider").value_or("(none)"); }

// Every value of a repeated field, as text.
std::vector<std::string> all_text(const FirstEvent& ev, std::string_view name) {
  std::vector<std::string> out;
  const FieldId id = field_dictionary().find(name);
  for (const Field& f : ev.batch.fields(ev.e())) {
    if (f.id != id) continue;
    if (f.value.type == FieldType::String) out.emplace_back(f.value.as_string());
    else if (f.value.type == FieldType::Ip) out.push_back(f.value.as_ip().to_string());
    else out.push_back("<type " + std::to_string(static_cast<int>(f.value.type)) + ">");
  }
  return out;
}

size_t count_of(const FirstEvent& ev, std::string_view name) {
  const FieldId id = field_dictionary().find(name);
  size_t n = 0;
  for (const Field& f : ev.batch.fields(ev.e())) n += f.id == id;
  return n;
}

std::string simple(const std::string& name, const std::string& match, int priority = 100) {
  return "pack: " + name + "\npriority: " + std::to_string(priority) + "\nmatch:\n" + match;
}

// ---- which pack takes a line --------------------------------------------------

TEST(PackSetMatch, ProgramIndexIsCaseInsensitive) {
  auto set = packs({simple("ssh", "  program: [sshd]\n")});
  EXPECT_EQ(provider(*run(*set, "<38>Nov 22 06:56:52 host SSHD[12]: hello")), "ssh");
  EXPECT_EQ(provider(*run(*set, "<38>Nov 22 06:56:52 host sshd[12]: hello")), "ssh");
  EXPECT_EQ(provider(*run(*set, "<38>Nov 22 06:56:52 host cron[12]: hello")), "(none)");
  EXPECT_EQ(provider(*run(*set, "hello without a header")), "(none)");
}

TEST(PackSetMatch, PacksWithoutProgramAreTriedForIndexedPrograms) {
  // The sshd pack comes first but its require fails; the program-free pack then takes it.
  auto set = packs({simple("ssh", "  program: [sshd]\n  require: {never: x}\n", 10) + "extract:\n  - kv: {}\n",
                    simple("any", "  contains: [hello]\n", 20)});
  EXPECT_EQ(provider(*run(*set, "<38>Nov 22 06:56:52 host sshd[1]: hello k=v")), "any");
}

TEST(PackSetMatch, TextMatchers) {
  auto set = packs({simple("pre", "  prefix: ['%ASA-', '%FTD-']\n", 1),
                    simple("any", "  contains: [alpha, beta]\n", 2),
                    simple("all", "  contains_all: [one, two]\n", 3),
                    simple("rx", "  regex: '\\btype=\\d+\\b'\n", 4),
                    simple("sys", "  syslog: true\n", 5)});
  EXPECT_EQ(provider(*run(*set, "%FTD-6-1: x")), "pre");
  EXPECT_EQ(provider(*run(*set, "x %ASA-6-1: x")), "(none)");  // a prefix, not anywhere
  EXPECT_EQ(provider(*run(*set, "%asa-6-1: x")), "(none)");    // prefixes are exact
  EXPECT_EQ(provider(*run(*set, "has beta in it")), "any");
  EXPECT_EQ(provider(*run(*set, "two and one")), "all");
  EXPECT_EQ(provider(*run(*set, "only one")), "(none)");
  EXPECT_EQ(provider(*run(*set, "a type=42 b")), "rx");
  EXPECT_EQ(provider(*run(*set, "a type=42x b")), "(none)");
  EXPECT_EQ(provider(*run(*set, "<13>Nov 22 06:56:52 host app: plain")), "sys");
  EXPECT_EQ(provider(*run(*set, "plain, no header")), "(none)");
}

TEST(PackSetMatch, ReadLineSeesTheHeader) {
  auto set = packs({simple("msgonly", "  contains: [fw01]\n", 1), simple("whole", "  read: line\n  contains: [fw01]\n", 2)});
  // "fw01" is the header's host name: only the pack that reads the whole line sees it.
  EXPECT_EQ(provider(*run(*set, "<13>Nov 22 06:56:52 fw01 app: text")), "whole");
  EXPECT_EQ(provider(*run(*set, "<13>Nov 22 06:56:52 host app: fw01 text")), "msgonly");
}

TEST(PackSetMatch, PriorityThenNameDecide) {
  auto set = packs({simple("b", "  contains: [x]\n", 50), simple("a", "  contains: [x]\n", 50), simple("z", "  contains: [x]\n", 10)});
  EXPECT_EQ(provider(*run(*set, "x")), "z");
  ASSERT_EQ(set->packs().size(), 3u);
  EXPECT_EQ(set->packs()[0]->name, "z");
  EXPECT_EQ(set->packs()[1]->name, "a");
  EXPECT_EQ(set->packs()[2]->name, "b");
}

TEST(PackSetMatch, OnlyRestrictsToOnePack) {
  auto set = packs({simple("first", "  contains: [x]\n", 1), simple("second", "  contains: [x]\n", 2)});
  EXPECT_EQ(provider(*run(*set, "x")), "first");
  EXPECT_EQ(provider(*run(*set, "x", "second")), "second");
  auto none = run(*set, "x", "nosuch");
  EXPECT_EQ(provider(*none), "(none)");
  EXPECT_TRUE(none->e().flags & kFlagParseError);  // a headerless line no pack took
  EXPECT_EQ(set->find("second")->priority, 2);
  EXPECT_EQ(set->find("nosuch"), nullptr);
}

TEST(PackSetMatch, RequireConditions) {
  const std::string kv = "extract:\n  - kv: {}\n";
  auto set = packs({simple("traffic", "  contains: ['type=']\n  require: {type: [traffic, flow]}\n", 1) + kv,
                    simple("notx", "  contains: ['type=']\n  require: {type: {not: [x, y]}, user: {present: true}}\n", 2) + kv,
                    simple("rest", "  contains: ['type=']\n  require: {user: {absent: true}, id: {regex: '^\\d+$'}}\n", 3) + kv});
  EXPECT_EQ(provider(*run(*set, "type=TRAFFIC")), "traffic");
  EXPECT_EQ(provider(*run(*set, "type=z user=u")), "notx");
  EXPECT_EQ(provider(*run(*set, "type=x user=u")), "(none)");  // notx refuses x; rest wants no user
  EXPECT_EQ(provider(*run(*set, "type=x id=12")), "rest");
  EXPECT_EQ(provider(*run(*set, "type=x id=12a")), "(none)");
  EXPECT_EQ(provider(*run(*set, "type=z user= id=5")), "rest");  // an empty value is absent
  EXPECT_EQ(provider(*run(*set, "type=z user=")), "(none)");       // ... and rest wants an id
}

// ---- extraction ---------------------------------------------------------------

TEST(PackSetExtract, RegexListNamedGroupsAndPatterns) {
  auto set = packs({"pack: rx\nmatch: {prefix: ['%ASA-']}\npatterns:\n  IFACE: '[a-z]+'\n"
                    "extract:\n"
                    "  - regex:\n"
                    "      - 'Deny (?P<proto>\\w+) src %{IFACE:src_if}:%{IP:src_ip}/%{PORT:src_port}'\n"
                    "      - 'Built (?P<dir>\\w+) (?P<proto>\\w+)'\n"
                    "  - regex: 'user=(?P<user>\\w+)'\n"
                    "    optional: true\n"
                    "fields:\n  src_endpoint.ip: src_ip\n  src_endpoint.port: src_port\n"});
  auto deny = run(*set, "%ASA-4-106023: Deny tcp src outside:192.0.2.10/4444 dst inside:10.0.0.5/22");
  EXPECT_EQ(deny->ip("src_endpoint.ip"), "192.0.2.10");
  EXPECT_EQ(deny->i("src_endpoint.port"), 4444);
  EXPECT_EQ(deny->s("unmapped.rx.proto"), "tcp");
  EXPECT_EQ(deny->s("unmapped.rx.src_if"), "outside");
  EXPECT_EQ(deny->get("unmapped.rx.user"), nullptr);  // the optional step found nothing
  auto built = run(*set, "%ASA-6-302013: Built inbound TCP connection user=bob");
  EXPECT_EQ(built->s("unmapped.rx.dir"), "inbound");  // the second regex of the list
  EXPECT_EQ(built->s("unmapped.rx.user"), "bob");
  EXPECT_EQ(provider(*run(*set, "%ASA-6-1: nothing known")), "(none)");  // a required step found nothing
}

TEST(PackSetExtract, StepsReadOtherFieldsAndCsvNamesExtraColumns) {
  auto set = packs({"pack: chain\nmatch: {contains: ['chain:']}\n"
                    "extract:\n"
                    "  - kv: {}\n"
                    "  - regex: '^(?P<domain>\\w+)/(?P<account>\\w+)$'\n"
                    "    input: who\n"
                    "  - regex: 'trailer (?P<tail>\\d+)'\n"
                    "    input: _line\n"
                    "    optional: true\n"
                    "  - csv: {columns: [c_a, '', c_c], delimiter: ';'}\n"
                    "    input: list\n"
                    "    prefix: l_\n"
                    "fields:\n  user.name: account\n  user.domain: domain\n"});
  auto ev = run(*set, "chain: who=CORP/alice list=1;2;3;4;5 trailer 42");
  EXPECT_EQ(provider(*ev), "chain");
  EXPECT_EQ(ev->s("user.name"), "alice");
  EXPECT_EQ(ev->s("user.domain"), "CORP");
  EXPECT_EQ(ev->s("unmapped.chain.tail"), "42");
  EXPECT_EQ(ev->s("unmapped.chain.l_c_a"), "1");
  EXPECT_EQ(ev->s("unmapped.chain.l_c_c"), "3");
  EXPECT_EQ(ev->s("unmapped.chain.l_col4"), "4");
  EXPECT_EQ(ev->s("unmapped.chain.l_col5"), "5");
  EXPECT_EQ(ev->get("unmapped.chain.l_col2"), nullptr);  // "" skips a column
  // The step reading `who` finds no such field: not optional, so the pack does not take the line.
  EXPECT_EQ(provider(*run(*set, "chain: list=1;2")), "(none)");
}

TEST(PackSetExtract, KvQuotedValuesAndOtherSeparators) {
  auto set = packs({"pack: kvq\nmatch: {contains: ['devid']}\nextract:\n  - kv: {}\n",
                    "pack: kvc\nmatch: {contains: ['dev:']}\nextract:\n  - kv: {separator: ',', assign: ':'}\n"});
  auto ev = run(*set, R"(devid=FG1 msg="a \"quoted\" text" empty= url='/x y' eq=a=b)");
  EXPECT_EQ(ev->s("unmapped.kvq.devid"), "FG1");
  EXPECT_EQ(ev->s("unmapped.kvq.msg"), R"(a "quoted" text)");
  EXPECT_EQ(ev->s("unmapped.kvq.url"), "/x y");
  EXPECT_EQ(ev->s("unmapped.kvq.eq"), "a=b");
  EXPECT_EQ(ev->get("unmapped.kvq.empty"), nullptr);  // empty values are not written
  auto c = run(*set, "dev:sw1,port:7,state:up");
  EXPECT_EQ(c->s("unmapped.kvc.dev"), "sw1");
  EXPECT_EQ(c->s("unmapped.kvc.state"), "up");
}

// The record remembers each place's key, slot and unmapped id from the line before (lines
// of one source repeat their keys): lines whose keys move, and lines of two packs in turn,
// must still get every field under its own name.
TEST(PackSetMapping, KeysThatChangePlaceFromLineToLineKeepTheirNames) {
  auto set = packs({"pack: one\nmatch: {contains: ['one=']}\nextract:\n  - kv: {}\nfields:\n  src_endpoint.ip: src\n",
                    "pack: two\nmatch: {contains: ['two=']}\nextract:\n  - kv: {}\nfields:\n  dst_endpoint.ip: src\n"});
  for (int round = 0; round < 3; ++round) {
    auto a = run(*set, "one=1 src=10.0.0.1 x=a y=b");
    EXPECT_EQ(a->s("metadata.log_provider"), "one");
    EXPECT_EQ(a->ip("src_endpoint.ip"), "10.0.0.1");
    EXPECT_EQ(a->s("unmapped.one.x"), "a");
    EXPECT_EQ(a->s("unmapped.one.y"), "b");
    auto b = run(*set, "one=1 y=c src=10.0.0.2 x=d");  // the same keys at other places
    EXPECT_EQ(b->ip("src_endpoint.ip"), "10.0.0.2");
    EXPECT_EQ(b->s("unmapped.one.x"), "d");
    EXPECT_EQ(b->s("unmapped.one.y"), "c");
    auto c = run(*set, "two=2 src=10.0.0.3 x=e");  // another pack: the same key, another target
    EXPECT_EQ(c->s("metadata.log_provider"), "two");
    EXPECT_EQ(c->ip("dst_endpoint.ip"), "10.0.0.3");
    EXPECT_EQ(c->get("src_endpoint.ip"), nullptr);
    EXPECT_EQ(c->s("unmapped.two.x"), "e");
    EXPECT_EQ(c->get("unmapped.one.x"), nullptr);
  }
}

TEST(PackSetExtract, JsonFlattensNestedObjectsAndArrays) {
  auto set = packs({"pack: trail\nmatch:\n  json_has: [eventVersion, userIdentity.type]\n"
                    "fields:\n  actor.user.name: userIdentity.userName\n  src_endpoint.ip: sourceIPAddress\n"
                    "  time: eventTime\n  api.operation: eventName\n"});
  auto ev = run(*set,
                R"({"eventVersion":"1.08","userIdentity":{"type":"IAMUser","userName":"bob","ctx":{"mfa":true}},)"
                R"("eventTime":"2026-11-22T06:56:52Z","eventName":"GetObject","sourceIPAddress":"198.51.100.4",)"
                R"("resources":[{"arn":"a1"},{"arn":"a2"}],"count":7,"ratio":0.5,"nothing":null})");
  EXPECT_EQ(provider(*ev), "trail");
  EXPECT_EQ(ev->s("actor.user.name"), "bob");
  EXPECT_EQ(ev->ip("src_endpoint.ip"), "198.51.100.4");
  EXPECT_EQ(ev->s("api.operation"), "GetObject");
  const Value* t = ev->get("time");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->ts, utc(2026, 11, 22, 6, 56, 52));
  EXPECT_EQ(ev->e().time, utc(2026, 11, 22, 6, 56, 52));
  EXPECT_EQ(all_text(*ev, "unmapped.trail.resources.arn"), (std::vector<std::string>{"a1", "a2"}));
  EXPECT_EQ(ev->i("unmapped.trail.count"), 7);  // JSON numbers stay numbers
  const Value* ratio = ev->get("unmapped.trail.ratio");
  ASSERT_NE(ratio, nullptr);
  ASSERT_EQ(ratio->type, FieldType::Float64);
  EXPECT_DOUBLE_EQ(ratio->f64, 0.5);
  EXPECT_EQ(ev->b("unmapped.trail.userIdentity.ctx.mfa"), true);
  EXPECT_EQ(ev->s("unmapped.trail.userIdentity.type"), "IAMUser");
  EXPECT_EQ(ev->get("unmapped.trail.nothing"), nullptr);
  EXPECT_EQ(ev->get("unmapped.trail.userIdentity.userName"), nullptr);  // mapped: not repeated

  // Without userIdentity.type the pack does not take it.
  EventBatch b;
  b.begin_event(Provenance{.receive_time = kReceived});
  const std::string other = R"({"eventVersion":"1.08","userIdentity":{}})";
  EXPECT_EQ(set->apply(LineInput{.message = other, .line = other}, b).pack, nullptr);
}

TEST(PackSetExtract, JsonRootSeesThroughAWrapper) {
  auto set = packs({"pack: gcpish\nmatch:\n  json_root: [gcp]\n  json_has: [logName]\n"
                    "fields:\n  metadata.log_name: logName\n"});
  auto wrapped = run(*set, R"({"gcp":{"logName":"projects/x/logs/a","severity":"INFO"}})");
  EXPECT_EQ(wrapped->s("metadata.log_name"), "projects/x/logs/a");
  EXPECT_EQ(wrapped->s("unmapped.gcpish.severity"), "INFO");
  auto bare = run(*set, R"({"logName":"projects/y"})");
  EXPECT_EQ(bare->s("metadata.log_name"), "projects/y");
}

TEST(PackSetExtract, JsonAfterASyslogHeaderAndTrailingBytes) {
  auto set = packs({"pack: j\nmatch: {json_has: [k]}\nfields:\n  user.name: k\n"});
  EXPECT_EQ(run(*set, R"(<13>Nov 22 06:56:52 host app: {"k":"v1"})")->s("user.name"), "v1");
  EXPECT_EQ(run(*set, R"({"k":"v2"} trailer)")->s("user.name"), "v2");
  EXPECT_EQ(provider(*run(*set, R"({"k":"v3")")), "(none)");  // not a complete object
}

TEST(PackSetExtract, Cef) {
  auto set = packs({"pack: c\nvendor: Fallback\nmatch: {read: line, contains: ['CEF:']}\nextract:\n  - cef: {}\n"
                    "fields:\n  src_endpoint.ip: src\n  finding_info.title: name\n  severity_id: severity\n"
                    "  metadata.product.vendor_name: device_vendor\n"});
  auto ev = run(*set, R"(CEF:0|Acme|IDS|1.0|100|Port scan \| detected|7|src=10.0.0.1 dst=10.0.0.2 msg=two words here act=blocked)");
  EXPECT_EQ(provider(*ev), "c");
  EXPECT_EQ(ev->ip("src_endpoint.ip"), "10.0.0.1");
  EXPECT_EQ(ev->s("finding_info.title"), "Port scan | detected");
  EXPECT_EQ(ev->i("severity_id"), 7);
  EXPECT_EQ(ev->s("metadata.product.vendor_name"), "Acme");  // the mapping wins over the pack's vendor
  EXPECT_EQ(count_of(*ev, "metadata.product.vendor_name"), 1u);
  EXPECT_EQ(ev->ip("unmapped.c.dst"), "10.0.0.2");
  EXPECT_EQ(ev->s("unmapped.c.msg"), "two words here");
  EXPECT_EQ(ev->s("unmapped.c.signature_id"), "100");
  EXPECT_EQ(ev->s("unmapped.c.device_product"), "IDS");
  EXPECT_EQ(provider(*run(*set, "CEF:0|too|few|fields")), "(none)");
}

TEST(PackSetExtract, Leef) {
  auto set = packs({"pack: l\nmatch: {contains: ['LEEF:']}\nextract:\n  - leef: {}\nfields:\n  src_endpoint.ip: src\n"});
  auto v2 = run(*set, "LEEF:2.0|Lancope|StealthWatch|1.0|41|^|src=10.0.1.8^dst=10.0.0.5^sev=5");
  EXPECT_EQ(v2->ip("src_endpoint.ip"), "10.0.1.8");
  EXPECT_EQ(v2->ip("unmapped.l.dst"), "10.0.0.5");
  EXPECT_EQ(v2->s("unmapped.l.sev"), "5");
  EXPECT_EQ(v2->s("unmapped.l.vendor"), "Lancope");
  EXPECT_EQ(v2->s("unmapped.l.event_id"), "41");
  auto v1 = run(*set, "LEEF:1.0|IBM|QRadar|7.0|Login|src=10.9.9.9\tusrName=joe smith");
  EXPECT_EQ(v1->ip("src_endpoint.ip"), "10.9.9.9");
  EXPECT_EQ(v1->s("unmapped.l.usrName"), "joe smith");
  EXPECT_EQ(v1->s("unmapped.l.product"), "QRadar");
}

TEST(PackSetExtract, AddressesFindEveryLiteralOnce) {
  auto set = packs({"pack: a\nmatch: {contains: [conn]}\nextract:\n"
                    "  - regex: 'from (?P<src>\\S+) '\n  - addresses: {}\nfields:\n  src_endpoint.ip: src\n"});
  auto ev = run(*set, "conn from 203.0.113.9 to [2001:db8::5] via outside:192.0.2.1 and 10.0.0.1:443, 10.0.0.2.");
  EXPECT_EQ(ev->ip("src_endpoint.ip"), "203.0.113.9");
  // 203.0.113.9 was named by the regex: not repeated as an address.
  EXPECT_EQ(all_text(*ev, "unmapped.a.address"),
            (std::vector<std::string>{"2001:db8::5", "192.0.2.1", "10.0.0.1", "10.0.0.2"}));
  // Versions, times and MACs are no addresses; a line without any still matches (optional).
  auto none = run(*set, "conn from x v1.2.3 at 06:56:52 mac 00:1a:2b:3c:4d:5e ");
  EXPECT_EQ(provider(*none), "a");
  EXPECT_EQ(count_of(*none, "unmapped.a.address"), 0u);
}

// ---- mapping ------------------------------------------------------------------

constexpr const char* kMappingPack = R"(pack: kvp
vendor: Acme
product: Box
priority: 10
match:
  contains: ["devid="]
null_values: ["N/A"]
extract:
  - kv: {}
lookups:
  act: {accept: 1, deny: 2}
fields:
  src_endpoint.ip: [srcip, src]
  src_endpoint.port: srcport
  dst_endpoint.port: {from: dstport, type: int}
  action_id: {from: action, lookup: act, default: 99}
  user.name: [user, usr]
  message: {join: [a, b, c], join_with: '|'}
  is_alert: alert
  severity_id: sev
  time: {join: [date, time], format: '%Y-%m-%d %H:%M:%S', timezone_from: tz}
  cloud.provider: {value: Acme Cloud}
  device.ip: [bad_ip, good_ip]
)";

TEST(PackSetMapping, SourcesConstantsLookupsAndConversions) {
  auto set = packs({kMappingPack});
  auto ev = run(*set,
                "devid=FG1 date=2026-11-22 time=08:56:52 tz=\"+02:00\" srcip=10.1.2.3 srcport=0x1F90 dstport=notanumber "
                "action=DENY user=N/A usr=bob a=x c=z alert=yes sev=3 extra=\"hello world\" peer=192.0.2.7 count=5 "
                "bad_ip=300.1.1.1 good_ip=192.0.2.99");
  EXPECT_EQ(provider(*ev), "kvp");
  EXPECT_EQ(ev->ip("src_endpoint.ip"), "10.1.2.3");
  EXPECT_EQ(ev->i("src_endpoint.port"), 0x1F90);
  EXPECT_EQ(ev->get("dst_endpoint.port"), nullptr);                  // does not convert ...
  EXPECT_EQ(ev->s("unmapped.kvp.dstport"), "notanumber");            // ... so it stays unmapped
  EXPECT_EQ(ev->i("action_id"), 2);                                  // lookups ignore case
  EXPECT_EQ(ev->s("user.name"), "bob");                              // "N/A" is absent: the next source
  EXPECT_EQ(ev->get("unmapped.kvp.user"), nullptr);                  // and null values are not kept
  EXPECT_EQ(ev->s("message"), "x|z");                                // joined: b is absent
  EXPECT_EQ(count_of(*ev, "message"), 1u);                           // the header's message does not repeat it
  EXPECT_EQ(ev->b("is_alert"), true);
  EXPECT_EQ(ev->i("severity_id"), 3);
  ASSERT_NE(ev->get("time"), nullptr);
  EXPECT_EQ(ev->get("time")->ts, utc(2026, 11, 22, 6, 56, 52));      // 08:56:52 at +02:00
  EXPECT_EQ(ev->e().time, utc(2026, 11, 22, 6, 56, 52));
  EXPECT_FALSE(ev->e().flags & kFlagNoTimestamp);
  EXPECT_EQ(ev->get("unmapped.kvp.tz"), nullptr);                    // read as the zone
  EXPECT_EQ(ev->get("unmapped.kvp.date"), nullptr);                  // joined into time
  EXPECT_EQ(ev->s("cloud.provider"), "Acme Cloud");
  EXPECT_EQ(ev->ip("device.ip"), "192.0.2.99");                      // the first that converts
  EXPECT_EQ(ev->s("unmapped.kvp.bad_ip"), "300.1.1.1");
  EXPECT_EQ(ev->get("unmapped.kvp.good_ip"), nullptr);
  EXPECT_EQ(ev->s("unmapped.kvp.extra"), "hello world");
  EXPECT_EQ(ev->ip("unmapped.kvp.peer"), "192.0.2.7");               // addresses stay typed
  EXPECT_EQ(ev->s("unmapped.kvp.count"), "5");
  EXPECT_EQ(ev->s("unmapped.kvp.devid"), "FG1");
  // No case: a Base Event with activity Other.
  EXPECT_EQ(ev->i("class_uid"), 0);
  EXPECT_EQ(ev->i("category_uid"), 0);
  EXPECT_EQ(ev->i("activity_id"), 99);
  EXPECT_EQ(ev->i("type_uid"), 99);
  EXPECT_EQ(ev->s("metadata.product.vendor_name"), "Acme");
  EXPECT_EQ(ev->s("metadata.product.name"), "Box");
}

TEST(PackSetMapping, DefaultsWhenTheLookupMissesOrTheFieldIsAbsent) {
  auto set = packs({kMappingPack});
  EXPECT_EQ(run(*set, "devid=1 action=accept")->i("action_id"), 1);
  EXPECT_EQ(run(*set, "devid=1 action=shrug")->i("action_id"), 99);
  EXPECT_EQ(run(*set, "devid=1")->i("action_id"), 99);
  auto ev = run(*set, "devid=1 alert=maybe srcport=-1x");
  EXPECT_EQ(ev->get("is_alert"), nullptr);
  EXPECT_EQ(ev->s("unmapped.kvp.alert"), "maybe");
  EXPECT_EQ(ev->get("src_endpoint.port"), nullptr);
  // No time in the line: receive time, flagged.
  EXPECT_TRUE(ev->e().flags & kFlagNoTimestamp);
  EXPECT_EQ(ev->e().time, kReceived);
}

TEST(PackSetMapping, TimezoneFromFieldAndBadTimes) {
  auto set = packs({kMappingPack});
  EXPECT_EQ(run(*set, "devid=1 date=2026-11-22 time=06:56:52")->get("time")->ts, utc(2026, 11, 22, 6, 56, 52));  // UTC
  EXPECT_EQ(run(*set, "devid=1 date=2026-11-22 time=01:26:52 tz=-0530")->get("time")->ts, utc(2026, 11, 22, 6, 56, 52));
  auto bad = run(*set, "devid=1 date=2026-11-22 time=25:00:00");
  EXPECT_TRUE(bad->e().flags & kFlagNoTimestamp);
  EXPECT_EQ(bad->s("unmapped.kvp.time"), "25:00:00");
}

constexpr const char* kCasesPack = R"(pack: cases
priority: 10
match:
  program: [fw]
extract:
  - kv: {}
events:
  - name: denied
    when: {action: [deny, drop], user: {present: true}}
    class: 4001
    extract:
      - regex: 'user=(?P<who>\w+)'
    set: {activity_id: 6, status: Denied}
    fields:
      actor.user.name: user
      user.email_addr: who
  - name: other traffic
    when: {type: {prefix: traf}, msg: {not: [ignore]}}
    class: 4001
    fields:
      activity_id: {value: 1}
  - name: disk
    when: {msg: {regex: '^disk \d+ full$'}}
    class: 1001
  - name: absent
    when: {type: {absent: true}}
    class: 3002
    set: {activity_id: 2, type_uid: 7}
fields:
  actor.user.name: {value: nobody}
  status: {value: Pack}
)";

TEST(PackSetMapping, EventCasesChooseClassAndWinOverPackMappings) {
  auto set = packs({kCasesPack});
  const std::string h = "<13>Nov 22 06:56:52 host fw: ";
  auto denied = run(*set, h + "type=traffic action=DROP user=alice");
  EXPECT_EQ(denied->i("class_uid"), 4001);
  EXPECT_EQ(denied->i("category_uid"), 4);
  EXPECT_EQ(denied->i("activity_id"), 6);
  EXPECT_EQ(denied->i("type_uid"), 400106);
  EXPECT_EQ(denied->s("actor.user.name"), "alice");  // the case's mapping, not the pack's constant
  EXPECT_EQ(count_of(*denied, "actor.user.name"), 1u);
  EXPECT_EQ(denied->s("status"), "Denied");
  EXPECT_EQ(denied->s("user.email_addr"), "alice");  // from the case's own extract step

  auto traffic = run(*set, h + "type=traffic action=accept msg=hello");
  EXPECT_EQ(traffic->i("class_uid"), 4001);
  EXPECT_EQ(traffic->i("type_uid"), 400101);
  EXPECT_EQ(traffic->s("actor.user.name"), "nobody");
  EXPECT_EQ(traffic->s("status"), "Pack");
  EXPECT_EQ(traffic->get("user.email_addr"), nullptr);

  auto no_case = run(*set, h + "type=traffic action=accept msg=ignore");
  EXPECT_EQ(provider(*no_case), "cases");
  EXPECT_EQ(no_case->i("class_uid"), 0);
  EXPECT_EQ(no_case->i("type_uid"), 99);

  auto disk = run(*set, h + "type=x msg='disk 3 full'");
  EXPECT_EQ(disk->i("class_uid"), 1001);
  EXPECT_EQ(disk->i("category_uid"), 1);
  EXPECT_EQ(disk->i("type_uid"), 100199);

  // The first case wants a user; without one the last case ("type absent") is not it either
  // because type is present, so: no case.
  EXPECT_EQ(run(*set, h + "type=x action=deny")->i("class_uid"), 0);
  auto absent = run(*set, h + "action=deny");
  EXPECT_EQ(absent->i("class_uid"), 3002);
  EXPECT_EQ(absent->i("activity_id"), 2);
  EXPECT_EQ(absent->i("type_uid"), 7);  // a pack that sets type_uid itself keeps it
  EXPECT_EQ(count_of(*absent, "type_uid"), 1u);
  EXPECT_EQ(count_of(*absent, "activity_id"), 1u);
}

TEST(PackSetMapping, KeepNamesAndUnmappedOff) {
  auto set = packs({"pack: own\nmatch: {json_has: [class_uid]}\nkeep_names: true\n"
                    "fields:\n  class_uid: class_uid\n  activity_id: activity_id\n",
                    "pack: quiet\nmatch: {contains: [quiet]}\nunmapped: false\nextract:\n  - kv: {}\n"});
  auto own = run(*set, R"({"class_uid":3002,"activity_id":1,"user":{"name":"x"},"src_endpoint":{"port":22}})");
  EXPECT_EQ(own->i("class_uid"), 3002);
  EXPECT_EQ(own->i("activity_id"), 1);
  EXPECT_EQ(count_of(*own, "activity_id"), 1u);
  // The class the source names decides category and type, as a case's class would.
  EXPECT_EQ(own->i("category_uid"), 3);
  EXPECT_EQ(own->i("type_uid"), 300201);
  EXPECT_EQ(own->s("user.name"), "x");
  EXPECT_EQ(own->i("src_endpoint.port"), 22);
  EXPECT_EQ(own->get("unmapped.own.user.name"), nullptr);
  // A source's activity out of OCSF's 0-99 is kept, but type_uid does not overflow on it.
  auto odd = run(*set, R"({"class_uid":4001,"activity_id":9223372036854775807})");
  EXPECT_EQ(odd->i("activity_id"), INT64_MAX);
  EXPECT_EQ(count_of(*odd, "activity_id"), 1u);
  EXPECT_EQ(odd->i("type_uid"), 400199);
  auto quiet = run(*set, "quiet k=v");
  EXPECT_EQ(provider(*quiet), "quiet");
  EXPECT_EQ(quiet->get("unmapped.quiet.k"), nullptr);
}

// ---- explain ------------------------------------------------------------------

TEST(PackSetExplain, SaysWhyEachPackDidOrDidNotTakeTheLine) {
  auto set = packs({simple("prog", "  program: [sshd]\n", 1), simple("pre", "  prefix: ['%ASA-']\n", 2),
                    simple("has", "  contains: [zzz]\n", 3), simple("rx", "  regex: 'q+'\n", 4),
                    simple("js", "  json: true\n", 5),
                    simple("step", "  contains: [k]\n", 6) + "extract:\n  - regex: 'nomatch(?P<x>\\d)'\n",
                    simple("req", "  contains: [k]\n  require: {k: other}\n", 7) + "extract:\n  - kv: {}\n",
                    std::string(kCasesPack), simple("late", "  contains: [type]\n", 90)});
  const std::string line = "type=traffic action=deny user=bob k=v";
  EventBatch scratch;
  const std::vector<PackVerdict> v =
      set->explain(LineInput{.message = line, .line = line, .program = "fw", .receive_time = kReceived}, scratch);
  ASSERT_EQ(v.size(), 9u);
  auto verdict = [&](const std::string& name) -> const PackVerdict& {
    for (const PackVerdict& x : v)
      if (x.pack == name) return x;
    static PackVerdict none;
    ADD_FAILURE() << "no verdict for " << name;
    return none;
  };
  EXPECT_EQ(v[0].pack, "prog");  // in the order apply() tries them
  EXPECT_FALSE(verdict("prog").matched);
  EXPECT_EQ(verdict("prog").reason, "program 'fw' is not one the pack reads");
  EXPECT_EQ(verdict("prog").file, "p0.yaml");
  EXPECT_NE(verdict("pre").reason.find("does not start with %ASA-"), std::string::npos) << verdict("pre").reason;
  EXPECT_NE(verdict("has").reason.find("contains none of 'zzz'"), std::string::npos) << verdict("has").reason;
  EXPECT_NE(verdict("rx").reason.find("does not match /q+/"), std::string::npos) << verdict("rx").reason;
  EXPECT_EQ(verdict("js").reason, "message is not a JSON object");
  EXPECT_EQ(verdict("step").reason, "regex step (line 6) found nothing");
  EXPECT_EQ(verdict("req").reason, "require: k in [other] does not hold");
  EXPECT_TRUE(verdict("cases").matched);
  EXPECT_EQ(verdict("cases").reason.rfind("case 'denied' (line 8), class 4001; ", 0), 0u) << verdict("cases").reason;
  EXPECT_TRUE(verdict("late").matched);
  EXPECT_EQ(verdict("late").reason.rfind("would match, but an earlier pack took the line; no case holds", 0), 0u)
      << verdict("late").reason;

  // apply() agrees: the cases pack takes the line.
  EventBatch out;
  out.begin_event(Provenance{.receive_time = kReceived});
  PackOutcome o = set->apply(LineInput{.message = line, .line = line, .program = "fw", .receive_time = kReceived}, out);
  out.end_event();
  ASSERT_NE(o.pack, nullptr);
  EXPECT_EQ(o.pack->name, "cases");
  EXPECT_EQ(o.class_uid, 4001);
  EXPECT_TRUE(o.wrote(field_id("class_uid")));
}

// ---- the project's own packs through LineNormalizer ---------------------------

TEST(ProjectPacks, TakeTheirOwnSampleLines) {
  PackLoad load = load_pack_dir(default_parsers_dir());
  ASSERT_FALSE(load.packs.empty());
  auto set = std::make_shared<const PackSet>(std::move(load.packs));
  LineNormalizer n(NormalizerOptions{.packs = set});
  EventBatch b;
  n.add_line("CEF:0|Acme|IDS|1.0|100|Port scan|7|src=10.0.0.1 dst=10.0.0.2 spt=1234 dpt=80 act=blocked",
             Provenance{.receive_time = kReceived}, b);
  ASSERT_EQ(b.size(), 1u);
  ASSERT_NE(n.last_pack(), nullptr);
  EXPECT_EQ(n.last_pack()->name, "cef");
  FirstEvent ev{std::move(b)};
  EXPECT_EQ(ev.ip("src_endpoint.ip"), "10.0.0.1");
  EXPECT_EQ(ev.i("dst_endpoint.port"), 80);
  EXPECT_EQ(ev.i("action_id"), 2);
  EXPECT_EQ(ev.i("class_uid"), 4001);
  EXPECT_EQ(ev.i("type_uid"), 400106);
  EXPECT_EQ(ev.s("metadata.log_provider"), "cef");
}

}  // namespace
}  // namespace vigil
