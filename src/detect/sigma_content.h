// Loading rules the way every command does: the Sigma content of the project
// (content/sigma: log-source gates, OCSF names of Sigma fields, `expand`
// placeholders) turned into RuleSetOptions, and rule files or folders built into a
// RuleSet with them. One place, so that ingest, hunt and `vigil rules` compile the
// same rules the same way.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "detect/rule_set.h"

namespace vigil::detect {

// $VIGIL_CONTENT, else the source tree's content/ (set at build time), else ./content.
std::string default_content_dir();

// Reads <content_dir>/sigma/{logsources,fields,placeholders}.yaml. A missing or
// malformed file is an error naming file, line and reason.
Result<RuleSetOptions> load_sigma_content(const std::string& content_dir);

// Reads every *.yml/*.yaml under `paths` (files or folders; *.tests.yml files are
// rule tests, not rules) and builds the set. Errors only for unreadable paths; a
// broken rule is in the set's report, not an error.
Result<std::shared_ptr<const RuleSet>> load_rules(const std::vector<std::string>& paths, const RuleSetOptions& options);

}  // namespace vigil::detect
