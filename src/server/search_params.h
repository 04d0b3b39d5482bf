// Query parameters shared by the endpoints that run a search (/api/v1/search,
// /api/v1/alerts): from and to (RFC 3339 or relative), limit and timeout, read into
// a SearchRequest; an error says which parameter is bad and what it accepts.
#pragma once

#include <map>
#include <string>

#include "core/status.h"
#include "core/time.h"
#include "query/search.h"

namespace vigil {

// Unset parameters leave `sr` as it is, except the timeout: 60 s unless given (a
// query holds a worker thread).
Status read_search_params(const std::map<std::string, std::string>& query, TimeNs now, SearchRequest& sr);

}  // namespace vigil
