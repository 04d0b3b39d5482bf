// Reading from/to/limit/timeout; see search_params.h.
#include "server/search_params.h"

#include <charconv>

namespace vigil {

namespace {

template <typename T>
bool whole_number(const std::string& text, T& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

Status read_search_params(const std::map<std::string, std::string>& query, TimeNs now, SearchRequest& sr) {
  for (auto [key, out] : {std::pair{"from", &sr.from}, std::pair{"to", &sr.to}}) {
    auto it = query.find(key);
    if (it == query.end() || it->second.empty()) continue;
    auto t = parse_time_arg(it->second, now);
    if (!t)
      return Status::error(std::string("bad '") + key + "' time '" + it->second +
                           "': use RFC 3339 (2026-11-22T06:00:00Z) or relative (-15m, -24h, now)");
    *out = *t;
  }
  if (auto it = query.find("limit"); it != query.end()) {
    // Events are copied into the answer: bound what one request can make the server hold.
    constexpr size_t kMaxLimit = 100'000;
    size_t limit = 0;
    if (!whole_number(it->second, limit) || limit > kMaxLimit)
      return Status::error("bad 'limit': expected a whole number from 0 to 100000");
    sr.limit = limit;
  }
  sr.timeout = std::chrono::seconds(60);
  if (auto it = query.find("timeout"); it != query.end()) {
    unsigned seconds = 0;
    if (!whole_number(it->second, seconds) || seconds == 0 || seconds > 3600)
      return Status::error("bad 'timeout': expected seconds from 1 to 3600");
    sr.timeout = std::chrono::seconds(seconds);
  }
  return {};
}

}  // namespace vigil
