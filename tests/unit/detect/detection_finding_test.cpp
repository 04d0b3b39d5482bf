// A rule match as an OCSF Detection Finding: class and severity, ATT&CK techniques
// and tactics from the tags (groups and software are neither), entities from the
// event's OCSF or Windows names, and a uid that is the same for the same match.
#include <gtest/gtest.h>

#include "detect/detection_finding.h"
#include "parse/ndjson.h"

namespace vigil::detect {
namespace {

std::vector<std::string> all(const EventBatch& b, std::string_view name) {
  std::vector<std::string> out;
  for (const Field& f : b.fields(b[0]))
    if (f.id == field_id(name)) out.push_back(f.value.to_string());
  return out;
}

TEST(DetectionFinding, TagsEntitiesAndStableUid) {
  EventBatch events;
  read_ndjson(R"({"time":"2026-01-01T00:00:00Z","User":"CORP\\bob","Computer":"ws1","CommandLine":"whoami /all"})" "\n",
              Provenance{.receive_time = 1, .input = "test", .tenant = "acme"}, events);
  RuleMeta rule{.id = "r-1", .title = "Whoami", .level = "high",
                .tags = {"attack.discovery", "attack.stealth", "attack.t1033", "attack.g0032", "attack.s0002", "attack.t1059.001"}};
  EventBatch a, b;
  append_rule_finding(rule, events, 0, a);
  append_rule_finding(rule, events, 0, b);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].tenant, "acme");
  EXPECT_EQ(all(a, "class_uid"), std::vector<std::string>{"2004"});
  EXPECT_EQ(all(a, "severity_id"), std::vector<std::string>{"4"});
  EXPECT_EQ(all(a, "finding_info.attacks.technique.uid"), (std::vector<std::string>{"T1033", "T1059.001"}));
  // attack.stealth (1,083 public rules) is a tactic although it starts with an s.
  EXPECT_EQ(all(a, "finding_info.attacks.tactic.name"), (std::vector<std::string>{"discovery", "stealth"}));
  EXPECT_EQ(all(a, "actor.user.name"), std::vector<std::string>{"CORP\\bob"});
  EXPECT_EQ(all(a, "device.hostname"), std::vector<std::string>{"ws1"});
  EXPECT_EQ(all(a, "process.cmd_line"), std::vector<std::string>{"whoami /all"});
  EXPECT_EQ(all(a, "finding_info.uid"), all(b, "finding_info.uid"));
  EXPECT_EQ(all(a, "finding_info.uid").at(0).size(), 16u);
}

}  // namespace
}  // namespace vigil::detect
