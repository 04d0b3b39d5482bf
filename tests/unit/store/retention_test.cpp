// Retention and legal hold: policy matching and precedence, expiry at the edge of a
// day, holds that keep partitions, the YAML section's errors, and the holds file.
#include "store/retention.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <random>
#include <thread>

#include "store/io.h"
#include "store_test_util.h"

namespace vigil {
namespace {

using testing::TempDir;

constexpr TimeNs kDay = 86'400 * kNsPerSec;

TimeNs at(const char* rfc3339) {
  auto t = parse_rfc3339(rfc3339);
  EXPECT_TRUE(t) << rfc3339;
  return t.value_or(0);
}

PartitionKey part(const std::string& name) {
  auto k = PartitionKey::parse(name);
  EXPECT_TRUE(k.ok()) << name << ": " << k.error();
  return k.ok() ? *k : PartitionKey{};
}

RetentionConfig parse_ok(const std::string& yaml) {
  auto c = parse_retention(YAML::Load(yaml)["retention"]);
  EXPECT_TRUE(c.ok()) << c.error();
  return c.ok() ? *c : RetentionConfig{};
}

std::string parse_error(const std::string& yaml) {
  auto c = parse_retention(YAML::Load(yaml)["retention"]);
  EXPECT_FALSE(c.ok()) << yaml;
  return c.error();
}

std::string policy_of(const PartitionKey& p, const RetentionConfig& c) {
  const RetentionPolicy* w = winning_policy(p, c);
  return w ? w->name : "default";
}

std::vector<std::string> names(const std::vector<RetentionDrop>& drops) {
  std::vector<std::string> out;
  for (const auto& d : drops) out.push_back(d.partition.name());
  return out;
}

const char* kExample = R"(
retention:
  default_days: 365
  policies:
    - name: authentication
      classes: [authentication, account_change]
      days: 400
    - name: network flows
      categories: [network]
      days: 30
    - name: tenant acme syslog
      tenants: [acme]
      inputs: ["syslog-*"]
      days: 90
)";

// ---- Glob ----

TEST(Retention, GlobMatch) {
  EXPECT_TRUE(glob_match("acme", "acme"));
  EXPECT_FALSE(glob_match("acme", "acme2"));
  EXPECT_FALSE(glob_match("acme", "Acme"));
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("*", "anything"));
  EXPECT_TRUE(glob_match("syslog-*", "syslog-udp"));
  EXPECT_TRUE(glob_match("syslog-*", "syslog-"));
  EXPECT_FALSE(glob_match("syslog-*", "syslog"));
  EXPECT_TRUE(glob_match("*-udp", "syslog-udp"));
  EXPECT_TRUE(glob_match("s*g-?dp", "syslog-udp"));
  EXPECT_FALSE(glob_match("?", ""));
  EXPECT_TRUE(glob_match("a*b*c", "aXbYbZc"));
  EXPECT_FALSE(glob_match("a*b*c", "aXbYbZ"));
  EXPECT_FALSE(glob_match("", "x"));
  EXPECT_TRUE(glob_match("", ""));
  // Backtracking stays linear-ish: no exponential blow-up on many stars.
  EXPECT_FALSE(glob_match("a*a*a*a*a*a*a*a*a*a*b", std::string(10'000, 'a')));
}

// ---- Matching ----

TEST(Retention, PolicySelectorsMatchTenantClassCategoryInput) {
  RetentionConfig c = parse_ok(kExample);
  ASSERT_EQ(c.policies.size(), 3u);
  EXPECT_EQ(c.default_days, 365);
  EXPECT_EQ(c.policies[0].class_uids, (std::vector<int64_t>{3002, 3001}));
  EXPECT_EQ(c.policies[1].category_uids, (std::vector<int64_t>{4}));
  EXPECT_EQ(c.policies[2].tenants, (std::vector<std::string>{"acme"}));
  EXPECT_EQ(c.policies[2].inputs, (std::vector<std::string>{"syslog-*"}));

  const RetentionPolicy& auth = c.policies[0];
  EXPECT_TRUE(auth.matches(part("default/2026-11-22/3002/syslog-udp")));
  EXPECT_TRUE(auth.matches(part("other/2026-11-22/3001/http")));
  EXPECT_FALSE(auth.matches(part("default/2026-11-22/3005/syslog-udp")));
  EXPECT_FALSE(auth.matches(part("default/2026-11-22/-/syslog-udp")));  // no class

  const RetentionPolicy& net = c.policies[1];
  for (const char* n : {"default/2026-11-22/4001/http", "x/2026-11-22/4003/-", "y/2026-11-22/4002/syslog-tcp"})
    EXPECT_TRUE(net.matches(part(n))) << n;
  EXPECT_FALSE(net.matches(part("default/2026-11-22/3002/http")));
  EXPECT_FALSE(net.matches(part("default/2026-11-22/-/http")));  // category of no class is -1

  const RetentionPolicy& acme = c.policies[2];  // both selectors must match
  EXPECT_TRUE(acme.matches(part("acme/2026-11-22/3002/syslog-udp")));
  EXPECT_TRUE(acme.matches(part("acme/2026-11-22/-/syslog-tcp")));
  EXPECT_FALSE(acme.matches(part("acme/2026-11-22/3002/http")));
  EXPECT_FALSE(acme.matches(part("acme2/2026-11-22/3002/syslog-udp")));
  EXPECT_FALSE(acme.matches(part("acme/2026-11-22/3002/-")));
}

TEST(Retention, FriendlyAndNumericNames) {
  RetentionConfig c = parse_ok(R"(
retention:
  policies:
    - name: a
      classes: ["Account Change", 3002, dns-activity, base_event]
      days: 1
    - name: b
      categories: [IAM, 6, findings]
      tenants: "team-*"
      days: 2
)");
  ASSERT_EQ(c.policies.size(), 2u);
  EXPECT_EQ(c.policies[0].class_uids, (std::vector<int64_t>{3001, 3002, 4003, 0}));
  EXPECT_EQ(c.policies[1].category_uids, (std::vector<int64_t>{3, 6, 2}));
  EXPECT_EQ(c.policies[1].tenants, (std::vector<std::string>{"team-*"}));
  EXPECT_EQ(c.default_days, 0);
}

TEST(Retention, NoSectionKeepsForever) {
  auto c = parse_retention(YAML::Load("data: x\n")["retention"]);
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_TRUE(c->policies.empty());
  EXPECT_EQ(c->default_days, 0);
  auto plan = plan_retention(std::vector{part("default/1990-01-01/3002/http")}, *c, {}, at("2026-11-22T12:00:00Z"));
  EXPECT_TRUE(plan.drop.empty());
  EXPECT_TRUE(plan.held.empty());
}

// ---- Precedence ----

TEST(Retention, MostSpecificPolicyWins) {
  RetentionConfig c = parse_ok(R"(
retention:
  default_days: 365
  policies:
    - name: network
      categories: [network]
      days: 30
    - name: dns
      classes: [dns_activity]
      days: 7
    - name: acme network
      tenants: [acme]
      categories: [network]
      days: 5
    - name: acme dns over syslog
      tenants: [acme]
      inputs: [syslog-udp]
      classes: [dns_activity]
      days: 3
)");
  // A class (2) is narrower than its category (1).
  EXPECT_EQ(policy_of(part("default/2026-11-22/4003/http"), c), "dns");
  EXPECT_EQ(policy_of(part("default/2026-11-22/4001/http"), c), "network");
  // tenant + category (2) ties with class (2): the longer retention wins.
  EXPECT_EQ(policy_of(part("acme/2026-11-22/4003/http"), c), "dns");
  EXPECT_EQ(policy_of(part("acme/2026-11-22/4001/http"), c), "acme network");
  // tenant + input + class (4) beats everything.
  EXPECT_EQ(policy_of(part("acme/2026-11-22/4003/syslog-udp"), c), "acme dns over syslog");
  // Nothing matches: the default.
  EXPECT_EQ(policy_of(part("default/2026-11-22/3002/http"), c), "default");
}

TEST(Retention, EqualSpecificityLongestDaysThenFirst) {
  RetentionConfig c = parse_ok(R"(
retention:
  policies:
    - name: short
      tenants: [acme]
      days: 10
    - name: long
      inputs: [http]
      days: 100
    - name: also long
      tenants: ["a*"]
      days: 100
    - name: keep
      classes: [authentication]
      days: 0
    - name: brief
      classes: [authentication]
      days: 1
)");
  EXPECT_EQ(policy_of(part("acme/2026-11-22/-/http"), c), "long");  // longest; "also long" is later
  EXPECT_EQ(policy_of(part("acme/2026-11-22/-/syslog-udp"), c), "also long");
  EXPECT_EQ(policy_of(part("zeta/2026-11-22/-/syslog-udp"), c), "default");
  // days 0 (forever) counts as the longest.
  EXPECT_EQ(policy_of(part("zeta/2026-11-22/3002/syslog-udp"), c), "keep");
  auto plan = plan_retention(std::vector{part("zeta/1990-01-01/3002/syslog-udp")}, c, {}, at("2026-11-22T00:00:00Z"));
  EXPECT_TRUE(plan.drop.empty());
}

TEST(Retention, SpecificityScores) {
  RetentionPolicy p;
  EXPECT_EQ(p.specificity(), 0);
  p.category_uids = {4};
  EXPECT_EQ(p.specificity(), 1);
  p.category_uids.clear();
  p.class_uids = {4001};
  EXPECT_EQ(p.specificity(), 2);
  p.tenants = {"a"};
  p.inputs = {"b"};
  EXPECT_EQ(p.specificity(), 4);
}

// ---- Expiry ----

TEST(Retention, ExpiryAtTheEdgeOfADay) {
  RetentionConfig c;
  c.policies.push_back({.name = "flows", .category_uids = {4}, .days = 30});
  c.default_days = 365;
  // now - 30 days = 2026-10-23T00:00:00Z exactly: the whole of 10-22 is older, 10-23 is not.
  TimeNs now = at("2026-11-22T00:00:00Z");
  std::vector<PartitionKey> parts{part("default/2026-10-22/4001/http"), part("default/2026-10-23/4001/http"),
                                  part("default/2026-11-22/4001/http"), part("default/2025-11-21/3002/http"),
                                  part("default/2025-11-22/3002/http")};
  auto plan = plan_retention(parts, c, {}, now);
  EXPECT_EQ(names(plan.drop),
            (std::vector<std::string>{"default/2026-10-22/4001/http", "default/2025-11-21/3002/http"}));
  ASSERT_EQ(plan.drop.size(), 2u);
  EXPECT_EQ(plan.drop[0].policy, "flows: 30 days");
  EXPECT_EQ(plan.drop[1].policy, "default: 365 days");
  // One nanosecond earlier, neither last nanosecond is older than 30 / 365 days yet.
  EXPECT_TRUE(plan_retention(parts, c, {}, now - 1).drop.empty());
  EXPECT_EQ(part("default/2026-10-22/4001/http").day_end(), now - 30 * kDay - 1);
}

TEST(Retention, ExpiryMatchesTheDefinitionEverywhere) {
  // day_end() < now - days, checked against the whole-day arithmetic for many instants.
  std::mt19937_64 rng(7);
  const TimeNs base = at("2026-01-01T00:00:00Z");
  for (int i = 0; i < 20'000; ++i) {
    TimeNs now = base + static_cast<TimeNs>(rng() % (400 * static_cast<uint64_t>(kDay)));
    int64_t days = 1 + static_cast<int64_t>(rng() % 40);
    PartitionKey p = part("default/2026-01-01/-/x");
    p.day = day_of(now) - static_cast<int64_t>(rng() % 45);
    RetentionConfig c;
    c.default_days = days;
    bool expired = plan_retention(std::vector{p}, c, {}, now).drop.size() == 1;
    ASSERT_EQ(expired, p.day_end() < now - days * kDay) << p.name() << " now " << format_rfc3339(now) << " " << days;
  }
}

TEST(Retention, NonPositiveOrHugeDaysNeverDropOrOverflow) {
  RetentionConfig c;
  c.default_days = -3;  // only by hand: the parser refuses it
  std::vector<PartitionKey> parts{part("default/0001-01-01/-/x"), part("default/9999-12-31/-/x")};
  EXPECT_TRUE(plan_retention(parts, c, {}, at("2026-11-22T00:00:00Z")).drop.empty());
  c.default_days = std::numeric_limits<int64_t>::max();
  EXPECT_TRUE(plan_retention(parts, c, {}, kMinTime).drop.empty());
  c.default_days = 1;
  EXPECT_EQ(names(plan_retention(parts, c, {}, at("2026-11-22T00:00:00Z")).drop),
            (std::vector<std::string>{"default/0001-01-01/-/x"}));
}

// ---- Holds ----

LegalHold hold(std::string id, std::string tenant, const char* from, const char* to) {
  return {.id = std::move(id),
          .reason = "case",
          .tenant = std::move(tenant),
          .from = at(from),
          .to = at(to),
          .created = at("2026-11-01T00:00:00Z"),
          .created_by = "tester"};
}

TEST(Retention, HoldCoversTenantAndOverlappingDays) {
  LegalHold h = hold("h1", "acme", "2026-10-05T23:59:59.999999999Z", "2026-10-07T00:00:00Z");
  EXPECT_FALSE(h.covers(part("acme/2026-10-04/3002/http")));
  EXPECT_TRUE(h.covers(part("acme/2026-10-05/3002/http")));  // its last nanosecond is in range
  EXPECT_TRUE(h.covers(part("acme/2026-10-06/-/-")));
  EXPECT_TRUE(h.covers(part("acme/2026-10-07/4001/http")));  // its first nanosecond is in range
  EXPECT_FALSE(h.covers(part("acme/2026-10-08/3002/http")));
  EXPECT_FALSE(h.covers(part("other/2026-10-06/3002/http")));
  LegalHold all = hold("h2", "*", "2026-10-06T12:00:00Z", "2026-10-06T12:00:00Z");
  EXPECT_TRUE(all.covers(part("other/2026-10-06/3002/http")));
  EXPECT_FALSE(all.covers(part("other/2026-10-05/3002/http")));
  LegalHold glob = hold("h3", "team-*", "2026-10-06", "2026-10-06");
  EXPECT_TRUE(glob.covers(part("team-red/2026-10-06/3002/http")));
  EXPECT_FALSE(glob.covers(part("acme/2026-10-06/3002/http")));
}

TEST(Retention, HeldPartitionsAreReportedNotDropped) {
  RetentionConfig c = parse_ok(kExample);
  std::vector<LegalHold> holds{hold("case-1", "acme", "2026-09-01", "2026-09-30"),
                               hold("case-2", "*", "2026-09-15", "2026-09-15"),
                               hold("case-3", "acme", "2026-11-01", "2026-11-30")};
  std::vector<PartitionKey> parts{
      part("acme/2026-09-10/4001/http"),        // past 30 days, held by case-1
      part("acme/2026-09-15/4001/http"),        // held by case-1 and case-2
      part("beta/2026-09-15/4001/http"),        // held by case-2 only
      part("beta/2026-09-16/4001/http"),        // past retention, not held: dropped
      part("acme/2026-11-10/4001/http"),        // covered by case-3 but not expired: neither list
      part("acme/2026-09-10/3002/syslog-udp"),  // authentication 400 days ties acme syslog 90, wins: kept
  };
  auto plan = plan_retention(parts, c, holds, at("2026-11-22T12:00:00Z"));
  EXPECT_EQ(names(plan.drop), (std::vector<std::string>{"beta/2026-09-16/4001/http"}));
  ASSERT_EQ(plan.held.size(), 3u);
  EXPECT_EQ(plan.held[0].partition.name(), "acme/2026-09-10/4001/http");
  EXPECT_EQ(plan.held[0].policy, "network flows: 30 days");
  EXPECT_EQ(plan.held[0].hold_ids, (std::vector<std::string>{"case-1"}));
  EXPECT_EQ(plan.held[1].hold_ids, (std::vector<std::string>{"case-1", "case-2"}));
  EXPECT_EQ(plan.held[2].partition.name(), "beta/2026-09-15/4001/http");
  EXPECT_EQ(plan.held[2].hold_ids, (std::vector<std::string>{"case-2"}));
}

// ---- YAML errors ----

TEST(Retention, YamlErrorsNameTheKeyAndWhatIsWrong) {
  EXPECT_EQ(parse_error("retention:\n  default_day: 3\n"),
            "unknown key 'retention.default_day' at line 2 (expected one of: default_days, policies)");
  EXPECT_EQ(parse_error("retention: 30\n"), "retention (line 1): expected a mapping, got '30'");
  EXPECT_EQ(parse_error("retention:\n  default_days: -1\n"),
            "retention.default_days (line 2): must be a whole number of days from 0 (keep forever) to 36500, "
            "got '-1'");
  EXPECT_EQ(parse_error("retention:\n  default_days: 100000\n"),
            "retention.default_days (line 2): must be a whole number of days from 0 (keep forever) to 36500, "
            "got '100000'");
  EXPECT_EQ(parse_error("retention:\n  policies:\n    - name: a\n      tenants: [x]\n      days: -5\n"),
            "retention.policies[0].days (line 5): must be a whole number of days from 0 (keep forever) to 36500, "
            "got '-5'");
  EXPECT_EQ(parse_error("retention:\n  policies:\n    - name: a\n      tenants: [x]\n      days: 30d\n"),
            "retention.policies[0].days (line 5): must be a whole number of days from 0 (keep forever) to 36500, "
            "got '30d'");
  EXPECT_EQ(parse_error("retention:\n  policies:\n    - name: a\n      tenants: [x]\n      days: [1]\n"),
            "retention.policies[0].days (line 5): must be a whole number of days from 0 (keep forever) to 36500, "
            "got a list");
  EXPECT_EQ(parse_error("retention:\n  policies:\n    - name: a\n      class: [authentication]\n      days: 5\n"),
            "unknown key 'retention.policies[0].class' at line 4 (expected one of: name, tenants, classes, "
            "categories, inputs, days)");
  EXPECT_EQ(parse_error("retention:\n  policies:\n    - name: a\n      tenants: [x]\n"),
            "retention.policies[0] (line 3): policy 'a' needs 'days' (0 = keep forever)");
  EXPECT_EQ(parse_error("retention:\n  policies:\n    - tenants: [x]\n      days: 1\n"),
            "retention.policies[0] (line 3): needs a 'name' (shown in logs when it drops data)");
  EXPECT_EQ(parse_error("retention:\n  policies:\n    - name: a\n      days: 1\n"),
            "retention.policies[0] (line 3): policy 'a' selects nothing (give tenants, classes, categories or "
            "inputs); use default_days for a rule that applies to everything");
  EXPECT_EQ(parse_error("retention:\n  policies:\n    - name: a\n      tenants: []\n      days: 1\n"),
            "retention.policies[0].tenants (line 4): empty list; leave the key out to match everything");
  EXPECT_EQ(parse_error("retention:\n  policies:\n    - name: a\n      inputs: [[x]]\n      days: 1\n"),
            "retention.policies[0].inputs (line 4): expected a name, got a list");
  EXPECT_EQ(parse_error("retention:\n  policies:\n    - name: a\n      classes: [4001]\n      categories: [network]\n"
                        "      days: 1\n"),
            "retention.policies[0] (line 3): give classes or categories, not both (a class already names its "
            "category); split it into two policies");
  EXPECT_EQ(parse_error("retention:\n  policies:\n    - name: a\n      tenants: [x]\n      days: 1\n"
                        "    - name: a\n      tenants: [y]\n      days: 2\n"),
            "retention.policies[1] (line 6): a policy named 'a' comes earlier; names must be unique");
  EXPECT_EQ(parse_error("retention:\n  policies:\n    name: a\n"),
            "retention.policies (line 3): expected a list of policies, got a mapping");
  EXPECT_EQ(parse_error("retention:\n  policies:\n    - x\n"),
            "retention.policies[0] (line 3): expected a mapping, got 'x'");
}

TEST(Retention, UnknownClassOrCategoryListsTheValidOnes) {
  EXPECT_EQ(parse_error("retention:\n  policies:\n    - name: a\n      classes: [authn]\n      days: 1\n"),
            "retention.policies[0].classes (line 4): unknown class 'authn'; use a class_uid number or one of: "
            "base_event (0), file_activity (1001), process_activity (1007), vulnerability_finding (2002), "
            "compliance_finding (2003), detection_finding (2004), account_change (3001), authentication (3002), "
            "user_access (3005), network_activity (4001), http_activity (4002), dns_activity (4003), "
            "inventory_info (5001), api_activity (6003)");
  EXPECT_EQ(parse_error("retention:\n  policies:\n    - name: a\n      categories: [net]\n      days: 1\n"),
            "retention.policies[0].categories (line 4): unknown category 'net'; use a category_uid number or one "
            "of: system (1), findings (2), iam (3), network (4), discovery (5), application (6)");
  EXPECT_EQ(parse_error("retention:\n  policies:\n    - name: a\n      classes: [-3]\n      days: 1\n").substr(0, 58),
            "retention.policies[0].classes (line 4): unknown class '-3'");
}

TEST(Retention, LoadRetentionFile) {
  TempDir dir;
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir.path / name) << text;
    return dir.path / name;
  };
  auto c = load_retention_file(write("server.yaml", std::string("data: /x\ntenant: acme\n") + kExample));
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_EQ(c->policies.size(), 3u);
  auto none = load_retention_file(write("none.yaml", "data: /x\n"));
  ASSERT_TRUE(none.ok()) << none.error();
  EXPECT_EQ(none->default_days, 0);
  auto bad = load_retention_file(write("bad.yaml", "retention:\n  default_days: x\n"));
  EXPECT_EQ(bad.error(), "config file " + (dir.path / "bad.yaml").string() +
                             ": retention.default_days (line 2): must be a whole number of days from 0 (keep "
                             "forever) to 36500, got 'x'");
  EXPECT_EQ(load_retention_file(dir.path / "missing.yaml").error(),
            "cannot read config file " + (dir.path / "missing.yaml").string());
  EXPECT_FALSE(load_retention_file(write("syntax.yaml", "retention: [unclosed\n")).ok());
}

// ---- Holds file ----

TEST(Retention, HoldsPersistAddReloadRemove) {
  TempDir dir;
  auto none = load_holds(dir.path);
  ASSERT_TRUE(none.ok()) << none.error();
  EXPECT_TRUE(none->empty());

  LegalHold a = hold("case-1", "acme", "2026-09-01T00:00:00.123456789Z", "2026-09-30T23:59:59Z");
  a.reason = "litigation: \"Smith v. Acme\" — keep";  // quotes and non-ASCII survive
  LegalHold b = hold("case-2", "*", "2026-01-01", "2026-12-31");
  ASSERT_TRUE(add_hold(dir.path, a).ok());
  ASSERT_TRUE(add_hold(dir.path, b).ok());
  EXPECT_TRUE(std::filesystem::exists(dir.path / "legal-holds.json"));

  auto loaded = load_holds(dir.path);
  ASSERT_TRUE(loaded.ok()) << loaded.error();
  ASSERT_EQ(loaded->size(), 2u);
  const LegalHold& r = (*loaded)[0];
  EXPECT_EQ(r.id, a.id);
  EXPECT_EQ(r.reason, a.reason);
  EXPECT_EQ(r.tenant, a.tenant);
  EXPECT_EQ(r.from, a.from);
  EXPECT_EQ(r.to, a.to);
  EXPECT_EQ(r.created, a.created);
  EXPECT_EQ(r.created_by, a.created_by);
  EXPECT_EQ((*loaded)[1].id, "case-2");

  Status dup = add_hold(dir.path, hold("case-1", "beta", "2026-01-01", "2026-01-02"));
  EXPECT_EQ(dup.message(), "a hold with id 'case-1' exists already (tenant acme, reason: " + a.reason + ")");
  EXPECT_EQ(load_holds(dir.path)->size(), 2u);

  auto removed = remove_hold(dir.path, "case-1");
  ASSERT_TRUE(removed.ok()) << removed.error();
  EXPECT_EQ(removed->reason, a.reason);
  loaded = load_holds(dir.path);
  ASSERT_EQ(loaded->size(), 1u);
  EXPECT_EQ((*loaded)[0].id, "case-2");
  EXPECT_EQ(remove_hold(dir.path, "case-1").error(),
            "no hold with id 'case-1' in " + (dir.path / "legal-holds.json").string());
  ASSERT_TRUE(remove_hold(dir.path, "case-2").ok());
  EXPECT_TRUE(load_holds(dir.path)->empty());
  EXPECT_FALSE(std::filesystem::exists(dir.path / "legal-holds.json.tmp"));
}

TEST(Retention, InvalidHoldsAreRefused) {
  TempDir dir;
  LegalHold h = hold("case 1", "acme", "2026-01-01", "2026-01-02");
  EXPECT_EQ(add_hold(dir.path, h).message(),
            "hold 'case 1': the id must be 1 to 128 characters of A-Z a-z 0-9 . _ : -");
  h = hold("c", "acme", "2026-01-02", "2026-01-01");
  EXPECT_EQ(add_hold(dir.path, h).message(),
            "hold 'c': 'from' (2026-01-02T00:00:00.000Z) is after 'to' (2026-01-01T00:00:00.000Z)");
  h = hold("c", "", "2026-01-01", "2026-01-02");
  EXPECT_EQ(add_hold(dir.path, h).message(), "hold 'c': needs a tenant ('*' for every tenant)");
  h = hold("c", "acme", "2026-01-01", "2026-01-02");
  h.reason = "";
  EXPECT_EQ(add_hold(dir.path, h).message(), "hold 'c': needs a reason");
  h.reason = "line\nbreak";
  EXPECT_EQ(add_hold(dir.path, h).message(), "hold 'c': control characters are not allowed");
  h.reason = "ok";
  EXPECT_EQ(add_hold(dir.path / "nope", h).message(),
            "no data directory " + (dir.path / "nope").string() + " (pass --data DIR of a Vigil store)");
  EXPECT_EQ(remove_hold(dir.path / "nope", "c").error(),
            "no data directory " + (dir.path / "nope").string() + " (pass --data DIR of a Vigil store)");
  EXPECT_FALSE(load_holds(dir.path / "nope").ok());
  EXPECT_FALSE(std::filesystem::exists(dir.path / "legal-holds.json"));
}

TEST(Retention, CorruptHoldsFileIsAClearErrorNamingTheFile) {
  TempDir dir;
  const auto file = dir.path / "legal-holds.json";
  const std::string prefix = "legal holds file " + file.string() + ": ";
  const std::string good_hold =
      R"({"id":"c1","tenant":"acme","from":"2026-01-01T00:00:00.000Z","to":"2026-01-02T00:00:00.000Z",)"
      R"("reason":"r","created":"2026-01-01T00:00:00.000Z","created_by":"me"})";
  auto expect_error = [&](const std::string& content, const std::string& message) {
    ASSERT_TRUE(io::write_file_atomic(file, content).ok());
    auto h = load_holds(dir.path);
    ASSERT_FALSE(h.ok()) << content;
    EXPECT_EQ(h.error(), prefix + message) << content;
    // Nothing can be added or removed through a corrupt file either: it is left for a human to fix.
    EXPECT_EQ(add_hold(dir.path, hold("new", "acme", "2026-01-01", "2026-01-02")).message(), prefix + message);
  };
  expect_error("", "empty (expected {\"version\":1,\"holds\":[...]})");
  expect_error(" \n", "empty (expected {\"version\":1,\"holds\":[...]})");
  expect_error("\x89PNG\r\n\x1a\n garbage", "not valid JSON (syntax error)");
  expect_error(R"({"version":1,"holds":[)", "not valid JSON (incomplete JSON)");
  expect_error("[]", R"(expected a JSON object with "version" and "holds")");
  expect_error(R"({"holds":[]})", R"(missing or unknown "version" (expected 1))");
  expect_error(R"({"version":2,"holds":[]})", R"(missing or unknown "version" (expected 1))");
  expect_error(R"({"version":1})", R"(missing "holds" array)");
  expect_error(R"({"version":1,"holds":[7]})", "hold 1: expected an object");
  expect_error(R"({"version":1,"holds":[{"id":"c1"}]})", "hold 1: missing 'reason'");
  std::string h = good_hold;
  expect_error(R"({"version":1,"holds":[)" + h + "," + h + "]}", "hold 2: duplicate id 'c1'");
  std::string bad_time = good_hold;
  bad_time.replace(bad_time.find("2026-01-02T00:00:00.000Z"), 24, "0001-01-01T00:00:00Z");
  expect_error(R"({"version":1,"holds":[)" + bad_time + "]}",
               "hold 1: 'to' is not an RFC 3339 time: '0001-01-01T00:00:00Z'");
  std::string bad_type = good_hold;
  bad_type.replace(bad_type.find("\"me\""), 4, "42");
  expect_error(R"({"version":1,"holds":[)" + bad_type + "]}", "hold 1: 'created_by' must be a string");
  std::string extra = good_hold;
  extra.insert(1, R"("scope":"all",)");
  expect_error(R"({"version":1,"holds":[)" + extra + "]}", "hold 1: unknown key 'scope'");
  std::string reversed = good_hold;
  reversed.replace(reversed.find("2026-01-02"), 10, "2025-01-02");
  expect_error(R"({"version":1,"holds":[)" + reversed + "]}",
               "hold 1: hold 'c1': 'from' (2026-01-01T00:00:00.000Z) is after 'to' (2025-01-02T00:00:00.000Z)");
  expect_error(std::string(100, '['), "not valid JSON (too deep)");

  ASSERT_TRUE(io::write_file_atomic(file, R"({"version":1,"holds":[)" + good_hold + "]}").ok());
  auto ok = load_holds(dir.path);
  ASSERT_TRUE(ok.ok()) << ok.error();
  EXPECT_EQ(ok->size(), 1u);
}

TEST(Retention, GarbageHoldsFilesNeverCrash) {
  // Every truncation and many random byte changes of a valid file: loads or fails, never crashes.
  std::vector<LegalHold> holds{hold("case-1", "acme", "2026-09-01T00:00:00.5Z", "2026-09-30"),
                               hold("case-2", "t*", "2026-01-01", "2026-12-31")};
  const std::string good = format_holds(holds);
  const std::filesystem::path file = "/data/legal-holds.json";
  auto check = [&](const std::string& text) {
    auto r = parse_holds(text, file);
    if (!r.ok()) {
      EXPECT_EQ(r.error().rfind("legal holds file /data/legal-holds.json: ", 0), 0u) << r.error();
      return;
    }
    for (const auto& h : *r) EXPECT_TRUE(validate_hold(h).ok());
  };
  ASSERT_TRUE(parse_holds(good, file).ok());
  for (size_t n = 0; n < good.size(); ++n) check(good.substr(0, n));
  std::mt19937 rng(42);
  for (int i = 0; i < 5000; ++i) {
    std::string text = good;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) text[rng() % text.size()] = static_cast<char>(rng() % 256);
    check(text);
  }
}

TEST(Retention, FormatHoldsIsStableAndReadable) {
  std::vector<LegalHold> holds{hold("case-1", "acme", "2026-09-01", "2026-09-30")};
  EXPECT_EQ(format_holds(holds),
            "{\"version\":1,\"holds\":[\n"
            "{\"id\":\"case-1\",\"tenant\":\"acme\",\"from\":\"2026-09-01T00:00:00.000Z\",\"to\":\"2026-09-30T00:00:"
            "00.000Z\",\"reason\":\"case\",\"created\":\"2026-11-01T00:00:00.000Z\",\"created_by\":\"tester\"}\n"
            "]}\n");
  EXPECT_EQ(format_holds({}), "{\"version\":1,\"holds\":[\n]}\n");
  EXPECT_TRUE(parse_holds(format_holds({}), "f").ok());
}

TEST(Retention, ConcurrentAddsAreNotLost) {
  TempDir dir;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      if (!add_hold(dir.path, hold("case-" + std::to_string(i), "acme", "2026-01-01", "2026-01-02")).ok()) ++failures;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto loaded = load_holds(dir.path);
  ASSERT_TRUE(loaded.ok()) << loaded.error();
  EXPECT_EQ(loaded->size(), 8u);
}

}  // namespace
}  // namespace vigil
