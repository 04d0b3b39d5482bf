// The public Sigma rule set (../shared/corpus/sigma: rules, rules-emerging-threats,
// rules-threat-hunting) through the loader: how many load, and why each other one is
// refused, grouped by reason. Skips with a message when the corpus is absent.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "detect/sigma_rule.h"

namespace vigil::detect {
namespace {

namespace fs = std::filesystem;
const fs::path kCorpus = VIGIL_CORPUS_DIR;

TEST(SigmaCorpus, ThePublicRuleSetLoads) {
  const fs::path root = kCorpus / "sigma";
  if (!fs::is_directory(root)) GTEST_SKIP() << "corpus not found at " << root << " (needs ../shared/corpus): Sigma rule set not checked";
  size_t total = 0, loaded = 0, deprecated = 0;
  std::map<std::string, std::vector<std::string>> refused;  // reason -> files
  for (const char* dir : {"rules", "rules-emerging-threats", "rules-threat-hunting"}) {
    for (const auto& e : fs::recursive_directory_iterator(root / dir)) {
      if (!e.is_regular_file() || e.path().extension() != ".yml") continue;
      std::ifstream in(e.path());
      std::stringstream ss;
      ss << in.rdbuf();
      ++total;
      auto r = parse_sigma_rule(ss.str(), fs::relative(e.path(), root).string());
      if (r.ok()) {
        ++loaded;
        deprecated += r->status == "deprecated";
        continue;
      }
      // The reason without file and line, to group by.
      const std::string m = r.error();
      size_t at = m.find(": ");
      refused[at == std::string::npos ? m : m.substr(at + 2)].push_back(m);
    }
  }
  std::printf("Sigma rule set: %zu rules, %zu loaded (%zu of them deprecated), %zu refused\n", total, loaded, deprecated,
              total - loaded);
  for (const auto& [reason, files] : refused) {
    std::printf("  %zu refused: %s\n", files.size(), reason.c_str());
    for (size_t i = 0; i < files.size() && i < 3; ++i) std::printf("    %s\n", files[i].c_str());
  }
  EXPECT_GT(total, 3000u);
  EXPECT_GE(loaded * 1000, total * 995) << "fewer than 99.5% of the public rules load";
}

}  // namespace
}  // namespace vigil::detect
