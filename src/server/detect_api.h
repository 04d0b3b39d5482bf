// The API's detection endpoints, as plain functions of their inputs (api.cpp routes):
//   GET  /api/v1/alerts          stored Detection Findings (class_uid 2004), newest first
//   GET  /api/v1/rules           the rules in use, what was refused, where they come from
//   POST /api/v1/rules/reload    reload now; the counts and refusals
// Alerts are found with the query engine, like /api/v1/search. JSON shapes: docs/api.md.
#pragma once

#include <map>
#include <string>

#include "core/status.h"
#include "detect/rule_set.h"
#include "query/search.h"
#include "server/detect_stage.h"
#include "server/rule_reloader.h"

namespace vigil {

// class_uid:2004 and the filters of the request: level (informational, low, medium,
// high, critical; a comma list is any of them), rule (id or title), tenant, q (more
// query terms); from, to, limit and timeout as for /api/v1/search.
Result<SearchRequest> alerts_search_request(const std::map<std::string, std::string>& query, TimeNs now);

std::string alerts_to_json(const SearchResult& result);
std::string rules_to_json(const detect::RuleSet& set, const RuleSources& sources, const ReloaderState& state);
std::string reload_to_json(const ReloadReport& report);

}  // namespace vigil
