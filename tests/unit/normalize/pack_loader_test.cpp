// The parser-pack loader: every mistake a pack author can make is refused with the
// file and line that holds it (a typo must never become a pack that silently matches
// nothing), a broken file never stops the others, and the project's own packs load.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "normalize/pack_loader.h"

namespace vigil {
namespace {

namespace fs = std::filesystem;

PackLoad load(const std::string& yaml) {
  PackLoad out;
  load_pack_text(yaml, "t.yaml", out);
  return out;
}

// The one refusal of `yaml`, which must name t.yaml:<line> and say `why`.
void expect_refused(const std::string& yaml, int line, const std::string& why) {
  PackLoad r = load(yaml);
  ASSERT_TRUE(r.packs.empty()) << yaml;
  ASSERT_EQ(r.refusals.size(), 1u) << yaml;
  const std::string& msg = r.refusals[0];
  EXPECT_EQ(msg.rfind("t.yaml:" + std::to_string(line) + ": ", 0), 0u) << msg;
  EXPECT_NE(msg.find(why), std::string::npos) << msg;
}

constexpr const char* kHead = "pack: t\nmatch:\n  program: [app]\n";  // lines 1-3

TEST(PackLoader, LoadsAMinimalPackWithItsParts) {
  PackLoad r = load(std::string(kHead) +
                    "priority: 7\n"
                    "vendor: V\n"
                    "product: P\n"
                    "null_values: ['-', N/A]\n"
                    "extract:\n"
                    "  - kv: {separator: ',', assign: ':', quotes: false}\n"
                    "  - regex: 'id=(?P<id>\\d+)'\n"
                    "    optional: true\n"
                    "lookups:\n"
                    "  act: {Accept: 1}\n"
                    "fields:\n"
                    "  user.name: [usr, user]\n"
                    "  action_id: {from: act, lookup: act, default: 99}\n");
  ASSERT_TRUE(r.refusals.empty()) << r.refusals[0];
  ASSERT_EQ(r.packs.size(), 1u);
  const Pack& p = *r.packs[0];
  EXPECT_EQ(p.name, "t");
  EXPECT_EQ(p.file, "t.yaml");
  EXPECT_EQ(p.priority, 7);
  EXPECT_EQ(p.vendor, "V");
  EXPECT_EQ(p.match.programs, std::vector<std::string>{"app"});
  ASSERT_EQ(p.extract.size(), 2u);
  EXPECT_EQ(p.extract[0].kind, ExtractKind::Kv);
  EXPECT_EQ(p.extract[0].kv.pair_separator, ',');
  EXPECT_EQ(p.extract[0].kv.assign, ':');
  EXPECT_FALSE(p.extract[0].kv.quotes);
  EXPECT_EQ(p.extract[1].kind, ExtractKind::Regex);
  EXPECT_TRUE(p.extract[1].optional);
  EXPECT_EQ(p.extract[1].line, 10);
  // Lookup keys are lower-cased so they compare case-insensitively.
  EXPECT_EQ(p.lookups.at("act").count("accept"), 1u);
  ASSERT_EQ(p.fields.size(), 2u);
  EXPECT_EQ(p.fields[0].from, (std::vector<std::string>{"usr", "user"}));
  EXPECT_EQ(p.fields[1].type, Conversion::Int);  // by its OCSF name
  EXPECT_EQ(p.fields[1].line, 16);
}

TEST(PackLoader, ProgramNamesAreLowerCased) {
  PackLoad r = load("pack: t\nmatch: {program: [SSHD, Su]}\n");
  ASSERT_EQ(r.packs.size(), 1u);
  EXPECT_EQ(r.packs[0]->match.programs, (std::vector<std::string>{"sshd", "su"}));
}

TEST(PackLoader, RefusesUnknownTopLevelKey) {
  expect_refused(std::string(kHead) + "extrct:\n  - json: {}\n", 4, "unknown key 'extrct' in a pack");
}

TEST(PackLoader, RefusesUnknownKeyInMatch) {
  expect_refused("pack: t\nmatch:\n  program: [a]\n  prefx: ['x']\n", 4, "unknown key 'prefx' in match");
}

TEST(PackLoader, RefusesUnknownKeyInAStep) {
  expect_refused(std::string(kHead) + "extract:\n  - kv: {}\n    optinal: true\n", 6, "unknown key 'optinal' in an extract step");
  expect_refused(std::string(kHead) + "extract:\n  - kv: {sep: ','}\n", 5, "unknown key 'sep' in kv");
}

TEST(PackLoader, RefusesKvHeadWithoutStartAndUnknownAddressesKeys) {
  expect_refused(std::string(kHead) + "extract:\n  - kv: {head: prefix}\n", 5, "kv head: names the text before start:");
  expect_refused(std::string(kHead) + "extract:\n  - kv: {start: ''}\n", 5, "kv start: give the literal");
  expect_refused(std::string(kHead) + "extract:\n  - addresses: {nam: x}\n", 5, "unknown key 'nam' in addresses");
}

TEST(PackLoader, RefusesUnknownKeyInAField) {
  expect_refused(std::string(kHead) + "fields:\n  user.name: {form: usr}\n", 5, "unknown key 'form' in field 'user.name'");
}

TEST(PackLoader, RefusesUnknownKeyInAnEventCase) {
  expect_refused(std::string(kHead) + "events:\n  - class: 1\n    wen: {a: b}\n", 6, "unknown key 'wen' in an event case");
}

TEST(PackLoader, RefusesAStepWithTwoKinds) {
  expect_refused(std::string(kHead) + "extract:\n  - kv: {}\n    json: {}\n", 5, "exactly one of");
  expect_refused(std::string(kHead) + "extract:\n  - optional: true\n", 5, "exactly one of");
}

TEST(PackLoader, RefusesABadRegex) {
  expect_refused(std::string(kHead) + "extract:\n  - regex: '(?P<a>x'\n", 5, "regex");
  expect_refused("pack: t\nmatch:\n  regex: 'a[b'\n", 3, "match regex");
}

TEST(PackLoader, RefusesAnUnknownPattern) {
  expect_refused(std::string(kHead) + "extract:\n  - regex: 'from %{NOPE:ip}'\n", 5, "unknown pattern %{NOPE}");
}

TEST(PackLoader, PackPatternsAreUsable) {
  PackLoad r = load(std::string(kHead) + "patterns:\n  ID: '[0-9]+'\nextract:\n  - regex: 'n=%{ID:n}'\n");
  ASSERT_TRUE(r.refusals.empty()) << r.refusals[0];
  EXPECT_EQ(r.packs[0]->extract[0].group_names[0][1], "n");
}

TEST(PackLoader, RefusesAMissingLookupTable) {
  expect_refused(std::string(kHead) + "fields:\n  action_id: {from: act, lookup: acts}\n", 5, "no lookup table 'acts'");
}

TEST(PackLoader, RefusesAClassThatIsNotANumber) {
  expect_refused(std::string(kHead) + "events:\n  - class: auth\n", 5, "class must be a whole number, not 'auth'");
  expect_refused(std::string(kHead) + "events:\n  - name: x\n", 5, "needs class");
}

TEST(PackLoader, RefusesBadPackNames) {
  expect_refused("pack: Fortigate\nmatch: {program: a}\n", 1, "pack name 'Fortigate' must be 1-48 of a-z 0-9 _ -");
  expect_refused("pack: 'a b'\nmatch: {program: a}\n", 1, "must be 1-48");
  expect_refused("pack: ''\nmatch: {program: a}\n", 1, "must be 1-48");
  expect_refused(std::string("pack: ") + std::string(49, 'a') + "\nmatch: {program: a}\n", 1, "must be 1-48");
  expect_refused("match: {program: a}\n", 1, "missing 'pack:'");
}

TEST(PackLoader, RefusesInvalidYaml) {
  expect_refused(std::string(kHead) + "fields: {a: [b\n", 5, "not valid YAML");
  expect_refused("- just\n- a list\n", 1, "a parser pack is a YAML mapping");
}

TEST(PackLoader, RefusesOtherMistakes) {
  expect_refused("pack: t\nmatch: {}\n", 2, "match needs at least one of");
  expect_refused("pack: t\n", 1, "missing 'match:'");
  expect_refused("pack: t\npriority: high\nmatch: {program: a}\n", 2, "priority must be a whole number");
  expect_refused("pack: t\nmatch: {program: a, read: all}\n", 2, "read must be line or message");
  expect_refused(std::string(kHead) + "extract:\n  - builtin: windows\n", 5, "unknown builtin 'windows'");
  expect_refused(std::string(kHead) + "extract:\n  - csv: {delimiter: ','}\n", 5, "csv needs columns");
  expect_refused(std::string(kHead) + "extract:\n  - kv: {separator: ', '}\n", 5, "separator must be one character");
  expect_refused(std::string(kHead) + "fields:\n  src_endpoint.port: {from: p, type: short}\n", 5,
                 "type must be string, int, float, bool, ip or time");
  expect_refused(std::string(kHead) + "fields:\n  user.name: {type: string}\n", 5, "needs from, join");
  expect_refused(std::string(kHead) + "events:\n  - class: 1\n    when: {a: {present: true, absent: false}}\n", 6,
                 "takes one test");
  expect_refused(std::string(kHead) + "optional: yes\n", 4, "unknown key 'optional'");
  expect_refused(std::string(kHead) + "keep_names: maybe\n", 4, "keep_names must be true or false");
}

TEST(PackLoader, RefusesADuplicateNameAcrossFiles) {
  PackLoad r;
  load_pack_text("pack: dup\nmatch: {program: a}\n", "a.yaml", r);
  load_pack_text("pack: dup\nmatch: {program: b}\n", "b.yaml", r);
  ASSERT_EQ(r.packs.size(), 1u);
  EXPECT_EQ(r.packs[0]->file, "a.yaml");
  ASSERT_EQ(r.refusals.size(), 1u);
  EXPECT_EQ(r.refusals[0], "b.yaml: pack name 'dup' is already used by a.yaml");
}

struct TempPackDir {
  fs::path path = fs::temp_directory_path() / ("vigil-packs-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
                                               "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
  TempPackDir() {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempPackDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  void write(const std::string& name, const std::string& text) const { std::ofstream(path / name, std::ios::binary) << text; }
};

TEST(PackLoader, ABrokenPackDoesNotStopTheOthers) {
  TempPackDir d;
  d.write("a.yaml", "pack: a\nmatch: {program: a}\n");
  d.write("b.yaml", "pack: b\nmatch: {program: b}\nfields:\n  x: {bogus: 1}\n");
  d.write("c.yml", "pack: c\nmatch: {program: c}\n");
  d.write("d.yaml", "pack: a\nmatch: {program: d}\n");  // a's name again
  d.write("notes.txt", "not a pack");
  PackLoad r = load_pack_dir(d.path.string());
  ASSERT_EQ(r.packs.size(), 2u);
  EXPECT_EQ(r.packs[0]->name, "a");
  EXPECT_EQ(r.packs[1]->name, "c");  // .yml is read too; .txt is not
  ASSERT_EQ(r.refusals.size(), 2u);
  EXPECT_EQ(r.refusals[0].rfind((d.path / "b.yaml").string() + ":4: unknown key 'bogus'", 0), 0u) << r.refusals[0];
  EXPECT_NE(r.refusals[1].find("d.yaml: pack name 'a' is already used by"), std::string::npos) << r.refusals[1];
}

TEST(PackLoader, AMissingDirectoryIsOneRefusal) {
  PackLoad r = load_pack_dir("/nonexistent/vigil/parsers");
  EXPECT_TRUE(r.packs.empty());
  ASSERT_EQ(r.refusals.size(), 1u);
  EXPECT_NE(r.refusals[0].find("/nonexistent/vigil/parsers"), std::string::npos);
}

TEST(PackLoader, TheProjectsPacksAllLoad) {
  const std::string dir = default_parsers_dir();
  PackLoad r = load_pack_dir(dir);
  for (const std::string& why : r.refusals) ADD_FAILURE() << why;
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".yaml" || e.path().extension() == ".yml") ++files;
  EXPECT_EQ(r.packs.size(), files);
  EXPECT_GE(files, 20u);
}

TEST(PackLoader, DefaultDirectoryFollowsVigilContent) {
  const char* old = std::getenv("VIGIL_CONTENT");
  std::string saved = old ? old : "";
  ::setenv("VIGIL_CONTENT", "/somewhere", 1);
  EXPECT_EQ(default_parsers_dir(), "/somewhere/parsers");
  if (old) ::setenv("VIGIL_CONTENT", saved.c_str(), 1);
  else ::unsetenv("VIGIL_CONTENT");
}

}  // namespace
}  // namespace vigil
