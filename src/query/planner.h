// Planner: what of a query the store can do for us. Turns the top-level AND terms of
// the search expression into a ScanRequest (store/scan.h): free-text terms prune
// blocks by the token index; field:value, comparison, range, exists and field:/re/
// terms become conditions the store checks on block statistics and on the columns
// it reads; the projection names the fields the rest of the query needs. Everything pushed down is checked again by the
// matcher, so the plan may only ever be looser than the query, never stricter.
#pragma once

#include "query/query_ast.h"
#include "store/scan.h"

namespace vigil::query {

// `now` must be the one the matcher was compiled with, so that relative times in
// comparisons (time>-1h) mean the same instant in both.
ScanRequest plan_scan(const Query& query, TimeNs from, TimeNs to, TimeNs now = now_ns());

}  // namespace vigil::query
