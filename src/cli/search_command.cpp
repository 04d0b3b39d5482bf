// `vigil search`: runs a query on a data directory (read-only, safe beside a running
// server) or asks a server's API, and prints table, JSON or NDJSON.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/http_client.h"
#include "cli/subcommands.h"
#include "query/search.h"
#include "server/api.h"
#include "server/http_server.h"

namespace vigil {

namespace {

struct SearchFlags {
  std::string data = "vigil-data", server, from, to, format = "table", query;
  size_t limit = 100;
  unsigned timeout = 0;  // seconds; 0: none (the server's default applies with --server)
};

Result<SearchResult> search_server(const SearchFlags& f) {
  std::string url = f.server;
  while (!url.empty() && url.back() == '/') url.pop_back();
  url += "/api/v1/search?q=" + url_encode(f.query) + "&limit=" + std::to_string(f.limit);
  if (!f.from.empty()) url += "&from=" + url_encode(f.from);
  if (!f.to.empty()) url += "&to=" + url_encode(f.to);
  if (f.timeout) url += "&timeout=" + std::to_string(f.timeout);
  auto res = http_call("GET", url);
  if (!res.ok()) return res.status();
  if (res->status != 200)
    return Status::error("server answered " + std::to_string(res->status) + ": " + api_error_message(res->body));
  return result_from_json(res->body);
}

Result<SearchResult> search_data(const SearchFlags& f) {
  SearchRequest req;
  req.query = f.query;
  req.limit = f.limit;
  req.timeout = std::chrono::seconds(f.timeout);
  TimeNs now = now_ns();
  for (auto [text, out] : {std::pair{&f.from, &req.from}, std::pair{&f.to, &req.to}}) {
    if (text->empty()) continue;
    auto t = parse_time_arg(*text, now);
    if (!t) return Status::error("bad time '" + *text + "': use RFC 3339 (2026-11-22T06:00:00Z) or -15m, -24h, now");
    *out = *t;
  }
  StoreOptions so;
  so.dir = f.data;
  so.read_only = true;
  if (!std::filesystem::exists(so.dir))
    return Status::error("no data directory " + so.dir.string() + " (start `vigil server` or pass --data DIR)");
  auto store = Store::open(so);
  if (!store.ok()) return store.status();
  return run_search(**store, req);
}

}  // namespace

void add_search_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("search", "Search stored events");
  cmd->footer(
      "Query language:\n"
      "  sshd failed                         free-text terms (all must appear; case-insensitive)\n"
      "  user.name:root                      field:value, * wildcards; src_endpoint.ip:10.0.0.0/8 for CIDR\n"
      "  class_uid:3002 AND NOT status_id:1  AND, OR, NOT, parentheses\n"
      "  ... | stats count() as n, dc(user.name) as users by src_endpoint.ip | where n > 20 | sort -n | head 10\n"
      "  ... | timechart span=5m count() by status_id\n"
      "Stages: where, eval, stats, timechart, sort, head, tail, fields, table, rename, dedup, top, rare\n"
      "(docs/query-language.md has every construct with examples).\n"
      "Times: RFC 3339 (2026-11-22T06:00:00Z) or relative (-15m, -24h, -7d, now).\n"
      "Examples:\n"
      "  vigil search --from -24h 'class_uid:3002 status_id:2 | stats count() by src_endpoint.ip'\n"
      "  vigil search --server http://127.0.0.1:8080 --format json 'sudo'");
  auto f = std::make_shared<SearchFlags>();
  cmd->add_option("query", f->query, "the query")->required();
  cmd->add_option("--data", f->data, "data directory to read (default ./vigil-data)");
  cmd->add_option("--server", f->server, "ask a running server instead, e.g. http://127.0.0.1:8080");
  cmd->add_option("--from", f->from, "earliest event time");
  cmd->add_option("--to", f->to, "latest event time");
  cmd->add_option("--limit", f->limit, "events to show for a plain search (newest first)")->capture_default_str();
  cmd->add_option("--timeout", f->timeout, "stop the query after this many seconds (0: no limit)")
      ->capture_default_str();
  cmd->add_option("--format", f->format, "table, json, ndjson or csv")
      ->check(CLI::IsMember({"table", "json", "ndjson", "csv"}))
      ->capture_default_str();
  cmd->callback([f, &exit_code] {
    auto result = f->server.empty() ? search_data(*f) : search_server(*f);
    if (!result.ok()) {
      std::fprintf(stderr, "vigil search: %s\n", result.error().c_str());
      exit_code = 1;
      return;
    }
    OutputFormat fmt = f->format == "json"     ? OutputFormat::Json
                       : f->format == "ndjson" ? OutputFormat::Ndjson
                       : f->format == "csv"    ? OutputFormat::Csv
                                               : OutputFormat::Table;
    std::string out = format_result(*result, fmt);
    std::fwrite(out.data(), 1, out.size(), stdout);
  });
}

}  // namespace vigil
