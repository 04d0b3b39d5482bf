// content/sigma (Sigma log sources and field names mapped onto Vigil's events) through
// its loader: the shipped files load and say what they should for a few sources; the
// lookup rules (most specific first, `~`, no fallback from an unknown category); every
// log source of the public rule set has an entry or is listed below as unsupported;
// every Sigma regression event is of its rule's source; the report of fields the rules
// use without an OCSF path; malformed files refused with file:line. The corpus tests
// skip with a message when ../shared/corpus is absent.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "detect/sigma_mapping.h"

namespace vigil::detect {
namespace {

namespace fs = std::filesystem;
const fs::path kCorpus = VIGIL_CORPUS_DIR;
// content/sigma, from this file's place in the source tree (tests/unit/detect/).
const fs::path kContent = fs::path(__FILE__).parent_path().parent_path().parent_path().parent_path() / "content" / "sigma";

// Log sources of the public rule set that have no entry in logsources.yaml, on purpose:
// their rules are keyword searches of logs Vigil can't pick out by a field value, so
// they would run over every event and fire on any text that contains the word.
struct Unsupported {
  LogSource ls;
  const char* why;
};
const Unsupported kUnsupported[] = {
    {{"cisco", "", "aaa"}, "IOS command accounting; keywords like 'dir', 'copy', 'delete', 'more'"},
    {{"cisco", "", "bgp"}, "router log keywords (':179', 'IP-TCP-3-BADAUTH')"},
    {{"cisco", "", "ldp"}, "router log keywords ('LDP', ...)"},
    {{"cisco", "", "syslog"}, "IOS XE message codes as keywords; Vigil's syslog events don't say the device is Cisco"},
    {{"huawei", "", "bgp"}, "router log keywords"},
    {{"juniper", "", "bgp"}, "router log keywords"},
    {{"fortios", "", "sslvpnd"}, "FortiOS file names as keywords"},
    {{"paloalto", "appliance", "globalprotect"}, "GlobalProtect appliance log keywords"},
    {{"django", "application", ""}, "application exception names as keywords"},
    {{"python", "application", ""}, "'DataError', 'ProgrammingError' ... as keywords"},
    {{"jvm", "application", ""}, "Java exception names as keywords"},
    {{"nodejs", "application", ""}, "keywords"},
    {{"ruby_on_rails", "application", ""}, "keywords"},
    {{"spring", "application", ""}, "keywords"},
    {{"sql", "application", ""}, "SQL error texts as keywords"},
    {{"velocity", "application", ""}, "keywords"},
};

std::string text_of(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string name(const LogSource& ls) { return ls.product + "/" + ls.category + "/" + ls.service; }

LogSource lowered(LogSource ls) {
  for (std::string* s : {&ls.product, &ls.category, &ls.service})
    std::transform(s->begin(), s->end(), s->begin(), [](unsigned char c) { return std::tolower(c); });
  return ls;
}

const SigmaMappings& shipped() {
  static const SigmaMappings m = [] {
    auto r = load_sigma_mappings(kContent.string());
    if (!r.ok()) {
      ADD_FAILURE() << r.error();
      return SigmaMappings{};
    }
    return *r;
  }();
  return m;
}

// The public rule set, loaded once (rules that don't load are left out).
const std::vector<SigmaRule>& public_rules() {
  static const std::vector<SigmaRule> rules = [] {
    std::vector<SigmaRule> out;
    for (const char* dir : {"rules", "rules-emerging-threats", "rules-threat-hunting"}) {
      const fs::path root = kCorpus / "sigma" / dir;
      if (!fs::is_directory(root)) continue;
      for (const auto& e : fs::recursive_directory_iterator(root)) {
        if (!e.is_regular_file() || e.path().extension() != ".yml") continue;
        auto r = parse_sigma_rule(text_of(e.path()), fs::relative(e.path(), kCorpus / "sigma").string());
        if (r.ok()) out.push_back(std::move(*r));
      }
    }
    return out;
  }();
  return rules;
}

using Event = std::map<std::string, std::vector<std::string>>;
EventFieldValues values_of(const Event& ev) {
  return [&ev](std::string_view field) {
    auto it = ev.find(std::string(field));
    return it == ev.end() ? std::vector<std::string>{} : it->second;
  };
}

bool is_of(const LogSource& ls, const Event& ev) {
  const LogsourceEntry* e = shipped().logsource(ls);
  return e && event_is_of(*e, values_of(ev));
}

using Paths = std::vector<std::string>;

// ---- the shipped files ---------------------------------------------------------------

TEST(SigmaMapping, TheShippedFilesLoad) {
  auto r = load_sigma_mappings(kContent.string());
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_GT(r->logsources.size(), 100u);
  EXPECT_GT(r->blocks.size(), 50u);
}

TEST(SigmaMapping, WindowsCategoriesAreSysmonEventsOrTheirOcsfClass) {
  const SigmaMappings& m = shipped();
  const LogsourceEntry* pc = m.logsource({"windows", "process_creation", ""});
  ASSERT_NE(pc, nullptr);
  EXPECT_EQ(pc->ocsf_classes, std::vector<int>{1007});
  // Case folded, both in the rule's keys and in the event's values.
  EXPECT_EQ(m.logsource({"Windows", "Process_Creation", ""}), pc);
  EXPECT_TRUE(is_of({"windows", "process_creation", ""},
                    {{"Channel", {"microsoft-windows-sysmon/operational"}}, {"EventID", {"1"}}}));
  EXPECT_TRUE(is_of({"windows", "process_creation", ""}, {{"Channel", {"Security"}}, {"EventID", {"4688"}}}));
  EXPECT_FALSE(is_of({"windows", "process_creation", ""},
                     {{"Channel", {"Microsoft-Windows-Sysmon/Operational"}}, {"EventID", {"11"}}}));
  EXPECT_TRUE(is_of({"windows", "file_event", ""},
                    {{"Channel", {"Microsoft-Windows-Sysmon/Operational"}}, {"EventID", {"11"}}}));
  // An OCSF process launch is one on Windows only.
  const Event launch = {{"class_uid", {"1007"}}, {"activity_id", {"1"}}, {"device.os.type_id", {"100"}}};
  EXPECT_TRUE(is_of({"windows", "process_creation", ""}, launch));
  EXPECT_FALSE(is_of({"linux", "process_creation", ""}, launch));
  // Sysmon 12 is both registry_add and registry_delete; 13 is registry_set.
  const Event sysmon13 = {{"Channel", {"Microsoft-Windows-Sysmon/Operational"}}, {"EventID", {"13"}}};
  EXPECT_TRUE(is_of({"windows", "registry_set", ""}, sysmon13));
  EXPECT_TRUE(is_of({"windows", "registry_event", ""}, sysmon13));
  EXPECT_FALSE(is_of({"windows", "registry_add", ""}, sysmon13));
  EXPECT_TRUE(is_of({"windows", "ps_script", ""}, {{"Channel", {"PowerShellCore/Operational"}}, {"EventID", {"4104"}}}));
  EXPECT_TRUE(is_of({"windows", "ps_classic_start", ""}, {{"Channel", {"Windows PowerShell"}}, {"EventID", {"400"}}}));
}

TEST(SigmaMapping, WindowsServicesAreChannels) {
  EXPECT_TRUE(is_of({"windows", "", "security"}, {{"Channel", {"Security"}}, {"EventID", {"4624"}}}));
  EXPECT_TRUE(is_of({"windows", "", "security"}, {{"metadata.log_name", {"Security"}}}));
  EXPECT_FALSE(is_of({"windows", "", "security"}, {{"Channel", {"System"}}}));
  EXPECT_TRUE(is_of({"windows", "", "windefend"}, {{"Channel", {"Microsoft-Windows-Windows Defender/Operational"}}}));
  EXPECT_TRUE(is_of({"windows", "", "applocker"}, {{"Channel", {"Microsoft-Windows-AppLocker/EXE and DLL"}}}));
  EXPECT_TRUE(is_of({"windows", "", "sysmon"}, {{"Channel", {"Microsoft-Windows-Sysmon/Operational"}}, {"EventID", {"27"}}}));
}

TEST(SigmaMapping, AnUnknownCategoryDoesNotFallBackToItsProduct) {
  const SigmaMappings& m = shipped();
  ASSERT_NE(m.logsource({"windows", "", ""}), nullptr);  // the product-only entry exists
  EXPECT_EQ(m.logsource({"windows", "no_such_category", ""}), nullptr);
  EXPECT_EQ(m.logsource({"windows", "", "no-such-service"}), nullptr);
  EXPECT_EQ(m.logsource({"cisco", "", "aaa"}), nullptr);
  // An entry without a product serves every product's rules of its category.
  EXPECT_EQ(m.logsource({"apache", "webserver", ""}), m.logsource({"", "webserver", ""}));
}

TEST(SigmaMapping, LinuxSourcesAreVigilsSyslogEvents) {
  // What src/normalize makes of "sshd[1]: Failed password for root from 192.0.2.1 ..."
  const Event sshd = {{"metadata.log_name", {"syslog"}}, {"process.name", {"sshd"}}, {"class_uid", {"3002"}},
                      {"unmapped.syslog.facility", {"10"}}, {"user.name", {"root"}}};
  EXPECT_TRUE(is_of({"linux", "", "sshd"}, sshd));
  EXPECT_TRUE(is_of({"linux", "", "auth"}, sshd));
  EXPECT_TRUE(is_of({"linux", "", "syslog"}, sshd));
  EXPECT_TRUE(is_of({"linux", "", ""}, sshd));
  EXPECT_FALSE(is_of({"linux", "", "sudo"}, sshd));
  // ... and of "sudo: alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id"
  const Event sudo_run = {{"metadata.log_name", {"syslog"}}, {"class_uid", {"1007"}}, {"activity_id", {"1"}},
                          {"process.name", {"id"}}, {"actor.process.name", {"sudo"}}, {"process.user.name", {"root"}}};
  EXPECT_TRUE(is_of({"linux", "", "sudo"}, sudo_run));
  EXPECT_TRUE(is_of({"linux", "process_creation", ""}, sudo_run));
  EXPECT_FALSE(is_of({"windows", "process_creation", ""}, sudo_run));
  EXPECT_EQ(shipped().ocsf_paths({"linux", "", "sudo"}, "USER"), (Paths{"process.user.name", "unmapped.sudo.run_as"}));
  EXPECT_EQ(shipped().ocsf_paths({"linux", "process_creation", ""}, "CommandLine"), Paths{"process.cmd_line"});
}

TEST(SigmaMapping, FieldsFollowTheCategory) {
  const SigmaMappings& m = shipped();
  const LogSource pc{"windows", "process_creation", ""}, fe{"windows", "file_event", ""};
  EXPECT_EQ(m.ocsf_paths(pc, "Image"), (Paths{"process.file.path", "NewProcessName"}));  // then Security 4688's name
  EXPECT_EQ(m.ocsf_paths(pc, "CommandLine"), Paths{"process.cmd_line"});
  EXPECT_EQ(m.ocsf_paths(pc, "ParentImage"), (Paths{"process.parent_process.file.path", "ParentProcessName"}));
  EXPECT_EQ(m.ocsf_paths(pc, "User"), Paths{"process.user.name"});
  EXPECT_EQ(m.ocsf_paths(fe, "Image"), Paths{"actor.process.file.path"});
  EXPECT_EQ(m.ocsf_paths(fe, "User"), Paths{"actor.user.name"});
  EXPECT_EQ(m.ocsf_paths(fe, "TargetFilename"), Paths{"file.path"});
  EXPECT_EQ(m.ocsf_paths({"windows", "image_load", ""}, "ImageLoaded"), Paths{"module.file.path"});
  EXPECT_EQ(m.ocsf_paths({"windows", "network_connection", ""}, "DestinationIp"), Paths{"dst_endpoint.ip"});
  EXPECT_EQ(m.ocsf_paths({"windows", "network_connection", ""}, "DestinationPort"), Paths{"dst_endpoint.port"});
  EXPECT_EQ(m.ocsf_paths({"windows", "dns_query", ""}, "QueryName"), Paths{"query.hostname"});
  EXPECT_EQ(m.ocsf_paths({"windows", "registry_add", ""}, "TargetObject"), Paths{"reg_key.path"});
  EXPECT_EQ(m.ocsf_paths({"windows", "process_access", ""}, "TargetImage"), Paths{"process.file.path"});
  EXPECT_EQ(m.ocsf_paths({"windows", "process_access", ""}, "SourceImage"), Paths{"actor.process.file.path"});
  // The product's block serves every category and service.
  EXPECT_EQ(m.ocsf_paths(pc, "Computer"), Paths{"device.hostname"});
  EXPECT_EQ(m.ocsf_paths({"windows", "", "security"}, "Computer"), Paths{"device.hostname"});
  EXPECT_EQ(m.ocsf_paths({"windows", "", "security"}, "LogonType"), Paths{"logon_type_id"});
  EXPECT_EQ(m.ocsf_paths({"windows", "", "security"}, "TargetUserName"), Paths{"user.name"});
  EXPECT_EQ(m.ocsf_paths({"windows", "", "security"}, "ServiceName"), (Paths{"win_service.name", "service.name"}));
  // Declared without an OCSF home, not forgotten.
  EXPECT_TRUE(m.ocsf_paths(pc, "Hashes").empty());
  EXPECT_TRUE(m.no_ocsf_home(pc, "Hashes"));
  EXPECT_TRUE(m.no_ocsf_home({"windows", "registry_set", ""}, "TargetObject"));
  EXPECT_FALSE(m.no_ocsf_home(pc, "NoSuchField"));
  EXPECT_TRUE(m.ocsf_paths(pc, "NoSuchField").empty());
}

TEST(SigmaMapping, CloudWebAndZeekFields) {
  const SigmaMappings& m = shipped();
  const LogSource ct{"aws", "", "cloudtrail"};
  EXPECT_EQ(m.ocsf_paths(ct, "eventName"), Paths{"api.operation"});
  EXPECT_EQ(m.ocsf_paths(ct, "eventSource"), Paths{"api.service.name"});
  EXPECT_EQ(m.ocsf_paths(ct, "userIdentity.arn"), Paths{"actor.user.uid"});
  EXPECT_TRUE(is_of(ct, {{"eventType", {"AwsApiCall"}}, {"eventSource", {"iam.amazonaws.com"}}}));
  EXPECT_FALSE(is_of(ct, {{"eventSource", {"iam.amazonaws.com"}}}));
  EXPECT_EQ(m.ocsf_paths({"okta", "", "okta"}, "eventType"), Paths{"metadata.event_code"});
  const LogSource web{"", "webserver", ""};
  EXPECT_EQ(m.ocsf_paths(web, "cs-method"), Paths{"http_request.http_method"});
  EXPECT_EQ(m.ocsf_paths(web, "sc-status"), Paths{"http_response.code"});
  EXPECT_EQ(m.ocsf_paths(web, "c-ip"), Paths{"src_endpoint.ip"});
  EXPECT_EQ(m.ocsf_paths(web, "cs-user-agent"), Paths{"http_request.user_agent"});
  EXPECT_TRUE(is_of(web, {{"cs-method", {"get"}}, {"cs-uri-query", {"/x?a=1"}}}));
  EXPECT_TRUE(is_of(web, {{"class_uid", {"4002"}}}));
  EXPECT_FALSE(is_of(web, {{"CommandLine", {"git clone x/.git/"}}}));
  EXPECT_EQ(m.ocsf_paths({"", "proxy", ""}, "c-useragent"), Paths{"http_request.user_agent"});
  // Zeek's connection fields come from the product's block, for every Zeek log.
  EXPECT_EQ(m.ocsf_paths({"zeek", "", "dns"}, "id.orig_h"), Paths{"src_endpoint.ip"});
  EXPECT_EQ(m.ocsf_paths({"zeek", "", "rdp"}, "id.resp_p"), Paths{"dst_endpoint.port"});
  EXPECT_EQ(m.ocsf_paths({"zeek", "", "dns"}, "query"), Paths{"query.hostname"});
  // A Zeek source is its log: `_path` (Zeek JSON) or the reader's metadata.log_name.
  const LogsourceEntry* z = m.logsource({"zeek", "", "http"});
  ASSERT_NE(z, nullptr);
  EXPECT_TRUE(is_of({"zeek", "", "http"}, {{"_path", {"http"}}}));
  EXPECT_FALSE(is_of({"zeek", "", "rdp"}, {{"Channel", {"Security"}}, {"EventID", {"4624"}}}));
}

// ---- lookup rules on small files -------------------------------------------------------

TEST(SigmaMapping, MostSpecificFirstAndATildeStops) {
  const char* logsources = R"(
logsources:
  - product: p
  - product: p
    category: c
    when:
      - {a: 1, b: [x, Y]}
      - {c: z}
    ocsf_classes: [7]
  - category: c
)";
  const char* fields = R"(
mappings:
  - logsource: {product: p}
    fields: {F: generic.f, G: generic.g, H: generic.h}
  - logsource: {product: [p, q], category: c}
    fields: {F: [specific.f, generic.f], G: ~}
  - logsource: {category: c}
    fields: {F: category.f}
)";
  auto r = parse_sigma_mappings(logsources, fields);
  ASSERT_TRUE(r.ok()) << r.error();
  const SigmaMappings& m = *r;
  // product+category, then category, then product; repeats dropped.
  EXPECT_EQ(m.ocsf_paths({"P", "C", ""}, "F"), (Paths{"specific.f", "generic.f", "category.f"}));
  EXPECT_EQ(m.ocsf_paths({"q", "c", ""}, "F"), (Paths{"specific.f", "generic.f", "category.f"}));
  EXPECT_TRUE(m.ocsf_paths({"p", "c", ""}, "G").empty());  // `~` hides the product's generic.g
  EXPECT_TRUE(m.no_ocsf_home({"p", "c", ""}, "G"));
  EXPECT_EQ(m.ocsf_paths({"p", "other", ""}, "G"), Paths{"generic.g"});
  EXPECT_EQ(m.ocsf_paths({"p", "c", ""}, "H"), Paths{"generic.h"});
  EXPECT_TRUE(m.ocsf_paths({"p", "c", ""}, "f").empty());  // field names are as written

  const LogsourceEntry* e = m.logsource({"p", "c", ""});
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->line, 4);
  EXPECT_EQ(e->ocsf_classes, std::vector<int>{7});
  ASSERT_EQ(e->when.size(), 2u);
  EXPECT_TRUE(event_is_of(*e, values_of({{"a", {"1"}}, {"b", {"y"}}})));
  EXPECT_TRUE(event_is_of(*e, values_of({{"a", {"1"}}, {"b", {"q", "X"}}})));  // a repeated field
  EXPECT_FALSE(event_is_of(*e, values_of({{"a", {"1"}}})));
  EXPECT_TRUE(event_is_of(*e, values_of({{"c", {"Z"}}})));
  EXPECT_EQ(m.logsource({"other", "c", ""})->line, 10);  // the entry without a product
  EXPECT_EQ(m.logsource({"p", "", ""})->line, 3);
  EXPECT_EQ(m.logsource({"p", "d", ""}), nullptr);
}

TEST(SigmaMapping, MalformedFilesAreRefusedWithFileAndLine) {
  const char* ok_logsources = "logsources:\n  - product: p\n";
  const char* ok_fields = "mappings:\n  - logsource: {product: p}\n    fields: {F: f}\n";
  struct Case {
    const char* logsources;
    const char* fields;
    const char* error;
  };
  const Case cases[] = {
      {"- product: p\n", ok_fields, "logsources.yaml:1: the file is a map with one key, 'logsources'"},
      {"logsources:\n  - product: p\n    whenn: []\n", ok_fields, "logsources.yaml:3: unknown key 'whenn'"},
      {"logsources:\n  - when: [{a: 1}]\n", ok_fields, "logsources.yaml:2: an entry needs a product, a category or a service"},
      {"logsources:\n  - product: p\n    when: [{a: {b: 1}}]\n", ok_fields,
       "logsources.yaml:3: the value of 'a' must be a value or a non-empty list of values"},
      {"logsources:\n  - product: p\n    when: [{}]\n", ok_fields, "logsources.yaml:3: an empty alternative matches any event"},
      {"logsources:\n  - product: p\n    when: {a: 1}\n", ok_fields, "logsources.yaml:3: 'when' is a list of alternatives"},
      {"logsources:\n  - product: p\n    ocsf_classes: [1007, x]\n", ok_fields,
       "logsources.yaml:3: 'ocsf_classes' must be a list of class_uid integers, not 'x'"},
      {"logsources:\n  - product: p\n  - product: P\n", ok_fields, "logsources.yaml:3: {product: p} already has an entry at line 2"},
      {"logsources:\n  - product: [p\n", ok_fields, "logsources.yaml:3: "},  // YAML syntax
      {ok_logsources, "mappings:\n  - logsource: {product: p}\n", "fields.yaml:2: a block needs 'fields'"},
      {ok_logsources, "mappings:\n  - fields: {F: f}\n", "fields.yaml:2: a block needs 'logsource'"},
      {ok_logsources, "mappings:\n  - logsource: {prodcut: p}\n    fields: {F: f}\n", "fields.yaml:2: unknown key 'prodcut' in 'logsource'"},
      {ok_logsources, "mappings:\n  - logsource: {product: p}\n    fields: {F: []}\n",
       "fields.yaml:3: the path of 'F' must be a value or a non-empty list of values"},
      {ok_logsources, "mappings:\n  - logsource: {product: p}\n    fields: {F: \" a\"}\n", "fields.yaml:3: ' a' is not a field name"},
      {ok_logsources,
       "mappings:\n  - logsource: {product: p, category: [c, d]}\n    fields: {F: f}\n"
       "  - logsource: {product: p, category: d}\n    fields:\n      G: g\n      F: f2\n",
       "fields.yaml:7: 'F' for {product: p, category: d} is already mapped at line 3"},
  };
  for (const Case& c : cases) {
    auto r = parse_sigma_mappings(c.logsources, c.fields);
    ASSERT_FALSE(r.ok()) << "accepted:\n" << c.logsources << "\n" << c.fields;
    EXPECT_EQ(r.error().rfind(c.error, 0), 0u) << "got: " << r.error() << "\nwanted: " << c.error << "...";
  }
  auto missing = load_sigma_mappings("/no/such/dir");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error(), "/no/such/dir/logsources.yaml: cannot read the file");
}

// ---- the public rule set -----------------------------------------------------------------

TEST(SigmaMapping, EveryLogSourceOfThePublicRulesHasAnEntryOrIsUnsupported) {
  if (!fs::is_directory(kCorpus / "sigma" / "rules"))
    GTEST_SKIP() << "corpus not found at " << kCorpus / "sigma" << " (needs ../shared/corpus): log source coverage not checked";
  const SigmaMappings& m = shipped();
  std::map<std::string, std::pair<LogSource, size_t>> used;  // name -> (source, rules)
  for (const SigmaRule& r : public_rules()) {
    const LogSource ls = lowered(r.logsource);
    auto& u = used[name(ls)];
    u.first = ls;
    ++u.second;
  }
  size_t covered = 0, covered_rules = 0, unsupported = 0, unsupported_rules = 0, rules = 0;
  std::vector<std::string> missing;
  for (const auto& [key, u] : used) {
    rules += u.second;
    const bool listed = std::any_of(std::begin(kUnsupported), std::end(kUnsupported),
                                    [&](const Unsupported& x) { return name(x.ls) == key; });
    const LogsourceEntry* e = m.logsource(u.first);
    EXPECT_FALSE(e && listed) << key << " has an entry (logsources.yaml:" << e->line << ") and is listed as unsupported";
    if (e) {
      ++covered;
      covered_rules += u.second;
    } else if (listed) {
      ++unsupported;
      unsupported_rules += u.second;
    } else {
      missing.push_back(key + " (" + std::to_string(u.second) + " rules)");
    }
  }
  for (const Unsupported& x : kUnsupported)
    EXPECT_TRUE(used.count(name(x.ls))) << name(x.ls) << " is listed as unsupported but no public rule uses it";
  std::printf("Sigma log sources used by the %zu public rules: %zu; with an entry: %zu (%zu rules); unsupported on purpose: %zu (%zu rules)\n",
              rules, used.size(), covered, covered_rules, unsupported, unsupported_rules);
  EXPECT_TRUE(missing.empty()) << "log sources with no entry in logsources.yaml and not listed as unsupported:\n  "
                               << [&] {
                                    std::string s;
                                    for (const std::string& x : missing) s += x + "\n  ";
                                    return s;
                                  }();
  EXPECT_GT(rules, 3000u);
}

TEST(SigmaMapping, ReportOfFieldsThePublicRulesUseWithoutAnOcsfPath) {
  if (!fs::is_directory(kCorpus / "sigma" / "rules"))
    GTEST_SKIP() << "corpus not found at " << kCorpus / "sigma" << " (needs ../shared/corpus): unmapped-fields report not made";
  const SigmaMappings& m = shipped();
  const std::vector<SigmaRule>& rules = public_rules();
  // Distinct (log source, field) pairs and rule uses, mapped or not.
  std::map<std::string, size_t> pairs;  // "source field" -> rules
  std::set<std::string> mapped_pairs;
  size_t uses = 0, mapped_uses = 0;
  for (const SigmaRule& r : rules) {
    std::set<std::string> fields;
    for (const Selection& s : r.selections)
      for (const auto& alt : s.alternatives)
        for (const FieldMatch& f : alt)
          if (!f.field.empty()) fields.insert(f.field);
    for (const std::string& f : fields) {
      const std::string key = name(lowered(r.logsource)) + " " + f;
      ++pairs[key];
      ++uses;
      if (!m.ocsf_paths(r.logsource, f).empty()) {
        ++mapped_uses;
        mapped_pairs.insert(key);
      }
    }
  }
  const std::vector<UnmappedField> unmapped = unmapped_fields(rules, m);
  size_t declared = 0, declared_uses = 0;
  for (const UnmappedField& u : unmapped) {
    declared += u.no_ocsf_home;
    declared_uses += u.no_ocsf_home ? u.rules : 0;
  }
  std::printf("Fields the public rules use: %zu distinct (log source, field), %zu mapped to OCSF (%.1f%%); "
              "%zu rule uses, %zu mapped (%.1f%%)\n",
              pairs.size(), mapped_pairs.size(), 100.0 * mapped_pairs.size() / pairs.size(), uses, mapped_uses,
              100.0 * mapped_uses / uses);
  std::printf("Unmapped: %zu distinct, %zu rule uses; of them %zu (%zu uses) have no OCSF home on purpose (`~`)\n",
              unmapped.size(), uses - mapped_uses, declared, declared_uses);
  std::printf("Top 20 unmapped (rules, log source, field):\n");
  for (size_t i = 0; i < unmapped.size() && i < 20; ++i) {
    const UnmappedField& u = unmapped[i];
    std::printf("  %4zu  %-36s %s%s\n", u.rules, name(u.logsource).c_str(), u.field.c_str(),
                u.no_ocsf_home ? "  [no OCSF home]" : "");
  }
  EXPECT_EQ(uses - mapped_uses, [&] {
    size_t n = 0;
    for (const UnmappedField& u : unmapped) n += u.rules;
    return n;
  }());
  // The Sysmon-style process, file, network and registry fields carry most rules.
  EXPECT_GE(mapped_uses * 100, uses * 70) << "fewer than 70% of the rules' field uses have an OCSF path";
}

// One JSON text may hold several objects one after the other (as some regression files do).
std::vector<std::string> json_objects(const std::string& text) {
  std::vector<std::string> out;
  int depth = 0;
  bool in_string = false, escaped = false;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{') {
      if (depth++ == 0) start = i;
    } else if (c == '}' && --depth == 0) {
      out.push_back(text.substr(start, i + 1 - start));
    }
  }
  return out;
}

TEST(SigmaMapping, EverySigmaRegressionEventIsOfItsRulesLogSource) {
  const fs::path root = kCorpus / "sigma" / "regression_data";
  if (!fs::is_directory(root))
    GTEST_SKIP() << "corpus not found at " << root << " (needs ../shared/corpus): regression events not checked";
  std::map<std::string, LogSource> by_id;
  for (const SigmaRule& r : public_rules()) by_id[r.id] = r.logsource;
  size_t events = 0;
  std::vector<std::string> problems;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (!e.is_regular_file() || e.path().filename() != "info.yml") continue;
    const YAML::Node info = YAML::LoadFile(e.path().string());
    const std::string id = info["rule_metadata"][0]["id"].as<std::string>("");
    auto rule = by_id.find(id);
    if (rule == by_id.end()) continue;  // a rule that doesn't load
    const LogsourceEntry* entry = shipped().logsource(rule->second);
    for (const auto& j : fs::directory_iterator(e.path().parent_path())) {
      if (j.path().extension() != ".json") continue;
      for (const std::string& object : json_objects(text_of(j.path()))) {
        // The reader's names for the record's System part: Channel, EventID, Provider_Name.
        const YAML::Node sys = YAML::Load(object)["Event"]["System"];
        const YAML::Node id_node = sys["EventID"].IsMap() ? sys["EventID"]["#text"] : sys["EventID"];
        const Event ev = {{"Channel", {sys["Channel"].as<std::string>("")}},
                          {"EventID", {id_node.as<std::string>("")}},
                          {"Provider_Name", {sys["Provider"]["#attributes"]["Name"].as<std::string>("")}}};
        ++events;
        if (!entry || !event_is_of(*entry, values_of(ev)))
          problems.push_back(fs::relative(j.path(), root).string() + ": " + name(rule->second) + " Channel " +
                             ev.at("Channel")[0] + " EventID " + ev.at("EventID")[0]);
      }
    }
  }
  std::printf("Sigma regression events checked against their rule's log source: %zu, %zu not of it\n", events,
              problems.size());
  EXPECT_GT(events, 200u);
  for (const std::string& p : problems) ADD_FAILURE() << p;
}

}  // namespace
}  // namespace vigil::detect
