// The Sigma rule loader and condition grammar: what each detection form reads into,
// every quantifier and precedence of the condition, and refusals that name the file,
// the line and the reason.
#include <gtest/gtest.h>

#include "detect/sigma_rule.h"

namespace vigil::detect {
namespace {

const char* kRule = R"(title: Suspicious shell
id: 0e0e0e0e-1111-2222-3333-444444444444
status: test
level: high
tags: [attack.execution, attack.t1059]
logsource:
  product: linux
  category: process_creation
detection:
  selection:
    Image|endswith:
      - '/bash'
      - '/sh'
    CommandLine|contains|all:
      - '-c'
      - 'curl'
  selection_user:
    - User: root
    - UserId: 0
  keywords:
    - 'evil\*literal'
    - 42
  _helper:
    Field: null
  filter_a:
    ParentImage|startswith: '/usr/lib/'
  filter_b:
    ParentImage|re|i: '^/opt/.+agent$'
  condition: (selection or selection_user) and not 1 of filter_* or all of them
)";

TEST(SigmaRule, ReadsEveryDetectionForm) {
  auto r = parse_sigma_rule(kRule, "t.yml");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->title, "Suspicious shell");
  EXPECT_EQ(r->level, "high");
  EXPECT_EQ(r->logsource.product, "linux");
  EXPECT_EQ(r->tags, (std::vector<std::string>{"attack.execution", "attack.t1059"}));
  ASSERT_EQ(r->selections.size(), 6u);
  const Selection& sel = r->selections[0];
  ASSERT_EQ(sel.alternatives.size(), 1u);  // a map: one alternative, fields ANDed
  ASSERT_EQ(sel.alternatives[0].size(), 2u);
  EXPECT_EQ(sel.alternatives[0][0].field, "Image");
  EXPECT_EQ(sel.alternatives[0][0].modifiers, (std::vector<Modifier>{Modifier::EndsWith}));
  EXPECT_EQ(sel.alternatives[0][0].values.size(), 2u);
  EXPECT_TRUE(sel.alternatives[0][1].has(Modifier::All));
  EXPECT_EQ(sel.alternatives[0][1].line, 14);
  EXPECT_EQ(r->selections[1].alternatives.size(), 2u);  // a list of maps: ORed
  const FieldMatch& kw = r->selections[2].alternatives.at(0).at(0);
  EXPECT_TRUE(kw.field.empty());  // keywords
  ASSERT_EQ(kw.values.size(), 2u);
  EXPECT_EQ(kw.values[0].text, "evil\\*literal");  // escapes stay for the matcher
  EXPECT_EQ(kw.values[1].kind, SigmaValue::Kind::Number);
  EXPECT_EQ(r->selections[3].alternatives[0][0].values[0].kind, SigmaValue::Kind::Null);
  EXPECT_EQ(to_string(r->condition),
            "(((selection or selection_user) and not (filter_a or filter_b)) or "
            "(selection and selection_user and keywords and filter_a and filter_b))");  // `them` leaves out _helper
}

std::string cond(const std::string& text, std::vector<std::string> ids = {"a", "b", "c", "sel_1", "sel_2", "_x"}) {
  auto c = parse_condition(text, ids);
  return c.ok() ? to_string(*c) : "error: " + c.status().message();
}

TEST(SigmaCondition, PrecedenceAndQuantifiers) {
  EXPECT_EQ(cond("a or b and c"), "(a or (b and c))");
  EXPECT_EQ(cond("not a and b"), "(not a and b)");
  EXPECT_EQ(cond("not (a or b)"), "not (a or b)");
  EXPECT_EQ(cond("A AND NOT b"), "error: col 1: unknown search identifier 'A' (defined: a, b, c, sel_1, sel_2, _x)");
  EXPECT_EQ(cond("a AND NOT b"), "(a and not b)");
  EXPECT_EQ(cond("1 of sel_*"), "(sel_1 or sel_2)");
  EXPECT_EQ(cond("any of sel*"), "(sel_1 or sel_2)");
  EXPECT_EQ(cond("all of sel_*"), "(sel_1 and sel_2)");
  EXPECT_EQ(cond("1 of them"), "(a or b or c or sel_1 or sel_2)");  // `them` leaves out _x
  EXPECT_EQ(cond("1 of *x"), "_x");                                  // a pattern does not
  EXPECT_EQ(cond("a and not 1 of sel_*"), "(a and not (sel_1 or sel_2))");
  EXPECT_EQ(cond("((a))"), "a");
}

TEST(SigmaCondition, ErrorsSayWhereAndWhat) {
  EXPECT_EQ(cond(""), "error: col 1: the condition is empty");
  EXPECT_EQ(cond("a and"), "error: col 6: expected a search identifier, not the end of the condition");
  EXPECT_EQ(cond("(a or b"), "error: col 8: expected ')' to close the '(' at col 1");
  EXPECT_EQ(cond("1 of filter*"), "error: col 6: '1 of filter*' names no search identifier");
  EXPECT_EQ(cond("2 of sel_*"), "error: col 1: unknown search identifier '2' (defined: a, b, c, sel_1, sel_2, _x)");
  EXPECT_EQ(cond("a b"), "error: col 3: unexpected 'b' after the condition");
  EXPECT_EQ(cond("all sel_*"), "error: col 5: expected 'of' after 'all'");
  std::string deep(100, '(');
  EXPECT_NE(cond(deep + "a" + std::string(100, ')')).find("nests too deeply"), std::string::npos);
}

std::string refusal(const std::string& detection) {
  auto r = parse_sigma_rule("title: t\nlogsource:\n  product: x\ndetection:\n" + detection, "r.yml");
  return r.ok() ? "loaded" : r.status().message();
}

TEST(SigmaRule, RefusalsNameFileLineAndReason) {
  EXPECT_EQ(refusal("  sel:\n    A|contain: x\n  condition: sel\n"), "r.yml:6: unknown modifier 'contain' in 'A|contain'");
  EXPECT_EQ(refusal("  sel:\n    A|re: 'a(b'\n  condition: sel\n"),
            "r.yml:6: 'A|re': regular expression 'a(b': missing ): a(b");
  EXPECT_EQ(refusal("  sel:\n    A|cidr: 10.0.0.0/33\n  condition: sel\n"), "r.yml:6: 'A|cidr': '10.0.0.0/33' is not a network");
  EXPECT_EQ(refusal("  sel:\n    A|gt: ten\n  condition: sel\n"), "r.yml:6: 'A|gt': 'ten' is not a number");
  EXPECT_EQ(refusal("  sel:\n    A|exists: yes\n  condition: sel\n"), "r.yml:6: 'A|exists': exists takes true or false");
  EXPECT_EQ(refusal("  sel:\n    A:\n      - ''\n      - null\n  condition: sel\n"),
            "r.yml:6: 'A': null cannot be one of several values (give it its own search identifier)");
  EXPECT_EQ(refusal("  sel:\n    A|contains|endswith: x\n  condition: sel\n"),
            "r.yml:6: 'A|contains|endswith': contains, startswith and endswith exclude each other");
  EXPECT_EQ(refusal("  sel:\n    A: x\n  condition: sel and nope\n"),
            "r.yml:7: condition 'sel and nope': col 9: unknown search identifier 'nope' (defined: sel)");
  EXPECT_EQ(refusal("  sel:\n    A: x\n  condition: sel | count() > 5\n"),
            "r.yml:7: '|' in a condition is the old aggregation form: write a correlation rule");
  EXPECT_EQ(refusal("  sel:\n    A: x\n"), "r.yml:5: 'detection' has no 'condition'");
  EXPECT_EQ(refusal("  sel:\n    A: [x\n"), "r.yml:7: YAML: end of sequence flow not found");
  EXPECT_EQ(refusal("  sel:\n    A: x\n  condition: sel\n"), "loaded");
  EXPECT_EQ(parse_sigma_rule("logsource: {}\ndetection: {}\n", "n.yml").status().message(), "n.yml:1: 'title' is required");
  EXPECT_EQ(parse_sigma_rule("title: c\ncorrelation:\n  type: event_count\n", "c.yml").status().message(),
            "c.yml:3: 'rules' must name at least one rule (by id or name)");
}

// yaml-cpp 0.7's LoadAll never returns on these (found by detect_sigma_rule_fuzz).
TEST(SigmaRule, MalformedYamlIsRefusedNotLoopedOn) {
  for (const char* text : {",", "- a\n,", "title: t\n,\n"}) {
    auto r = parse_sigma_rule(text, "m.yml");
    EXPECT_FALSE(r.ok()) << text;
  }
  EXPECT_EQ(parse_sigma_rule("title: a\n---\ntitle: b\n", "d.yml").status().message(),
            "d.yml: several YAML documents in one rule (a correlation file?): read it with parse_sigma_file");
  // The old Sigma 1.0 multi-document form is refused by name.
  auto docs = parse_sigma_file("action: global\ntitle: a\n---\ntitle: b\n", "g.yml");
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0].status().message(), "g.yml:1: 'action: global' documents are the old multi-document form (Sigma 1.0), not supported");
  EXPECT_EQ(docs[1].status().message(), "g.yml:4: 'logsource' must be a map (product, category, service)");
  EXPECT_EQ(parse_sigma_rule("# only a comment\n", "e.yml").status().message(), "e.yml: empty file");
}

TEST(SigmaRule, ConditionListIsTheirOr) {
  auto r = parse_sigma_rule("title: t\nlogsource: {product: x}\ndetection:\n  a: {F: 1}\n  b: {G: 2}\n  condition:\n    - a\n    - b\n", "l.yml");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(to_string(r->condition), "(a or b)");
}

}  // namespace
}  // namespace vigil::detect
