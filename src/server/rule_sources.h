// Where the server's detection rules come from — the Sigma content folder
// (--content: log-source gates, OCSF names of Sigma fields, placeholders) and the
// rule files and folders (--rules) — resolved from the config, loaded into a RuleSet,
// and fingerprinted by a cheap recursive stat so that a change on disk is noticed.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "detect/rule_set.h"
#include "server/config.h"

namespace vigil {

struct RuleSources {
  std::string content_dir;         // "": none (Sigma field names as written, no log-source gates)
  std::vector<std::string> paths;  // rule files and folders (*.yml, *.yaml, recursively); empty: no rules
};

// content: config.content_dir, else detect::default_content_dir() when that folder
// exists (else none, with a line in `notes`). paths: config.rule_paths, else
// <content>/rules when it exists.
RuleSources resolve_rule_sources(const ServerConfig& config, std::vector<std::string>& notes);

// The content, then every rule. Errors (nothing loaded): a content folder that does
// not exist or a malformed content file, an unreadable rule path. A broken rule is
// not an error: it is in the set's report.refusals ("file:line: reason").
Result<std::shared_ptr<const detect::RuleSet>> load_rule_sources(const RuleSources& sources);

// Changes when a *.yml/*.yaml file under the rule paths or <content>/sigma appears,
// disappears, or changes size or modification time, or when a path appears or goes.
uint64_t rule_sources_fingerprint(const RuleSources& sources);

}  // namespace vigil
