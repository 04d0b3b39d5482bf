// `vigil store hold add|remove|list` and `vigil store retention plan` (see store_hold_command.h).
#include "cli/store_hold_command.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <pwd.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "core/time.h"
#include "store/retention.h"

namespace vigil {

namespace {

constexpr const char* kTimeHelp = "RFC 3339 (2026-11-22T06:00:00Z, 2026-11-22) or relative (-30d, now)";

Result<TimeNs> time_flag(const std::string& flag, const std::string& text, TimeNs now) {
  auto t = parse_time_arg(text, now);
  if (!t) return Status::error(fmt::format("bad time '{}' for {}: use {}", text, flag, kTimeHelp));
  return *t;
}

std::string current_user() {
  if (const char* u = std::getenv("USER"); u && *u) return u;
  if (const passwd* pw = ::getpwuid(::getuid()); pw && pw->pw_name) return pw->pw_name;
  return "uid " + std::to_string(::getuid());
}

// Text for a terminal: control characters (never valid in a hold) shown as '?'.
std::string printable(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return out;
}

// Rows of cells printed with every column as wide as its widest cell (the last unpadded).
void print_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& r : rows) {
    width.resize(std::max(width.size(), r.size()));
    for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  }
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += printable(r[i]);
      if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::printf("%s\n", line.c_str());
  }
}

void fail(const char* command, const std::string& message, int& exit_code) {
  std::fprintf(stderr, "vigil store %s: %s\n", command, printable(message).c_str());
  exit_code = 1;
}

struct HoldFlags {
  std::string data = "vigil-data", id, tenant, from, to, reason, by, format = "table";
};

void add_hold_add(CLI::App& hold, int& exit_code) {
  auto f = std::make_shared<HoldFlags>();
  auto* cmd =
      hold.add_subcommand("add", "Place a legal hold: keep a tenant's partitions of a time range past retention");
  cmd->add_option("--data", f->data, "data directory (default ./vigil-data)");
  cmd->add_option("--id", f->id, "unique id, e.g. a case number (A-Z a-z 0-9 . _ : -)")->required();
  cmd->add_option("--tenant", f->tenant, "tenant, or a glob ('*' for every tenant)")->required();
  cmd->add_option("--from", f->from, std::string("earliest event time held: ") + kTimeHelp)->required();
  cmd->add_option("--to", f->to, "latest event time held (inclusive)")->required();
  cmd->add_option("--reason", f->reason, "why (kept with the hold)")->required();
  cmd->add_option("--by", f->by, "who places it (default $USER)");
  cmd->footer(
      "A held partition is kept whatever retention says, as long as the hold exists. Holds are whole days:\n"
      "a partition (one UTC day) is held when its day overlaps [from, to].\n"
      "Example:\n"
      "  vigil store hold add --id case-1234 --tenant acme --from 2026-10-01 --to 2026-11-30 \\\n"
      "      --reason 'litigation hold, counsel request 2026-12-01'");
  cmd->callback([f, &exit_code] {
    TimeNs now = now_ns();
    auto from = time_flag("--from", f->from, now);
    if (!from.ok()) return fail("hold add", from.error(), exit_code);
    auto to = time_flag("--to", f->to, now);
    if (!to.ok()) return fail("hold add", to.error(), exit_code);
    LegalHold h{.id = f->id,
                .reason = f->reason,
                .tenant = f->tenant,
                .from = *from,
                .to = *to,
                .created = now - now % kNsPerSec,  // whole seconds read better in `hold list`
                .created_by = f->by.empty() ? current_user() : f->by};
    if (Status s = add_hold(f->data, h); !s.ok()) return fail("hold add", s.message(), exit_code);
    std::printf("hold %s placed: tenant %s, events from %s to %s\n", h.id.c_str(), printable(h.tenant).c_str(),
                format_rfc3339(h.from).c_str(), format_rfc3339(h.to).c_str());
  });
}

void add_hold_remove(CLI::App& hold, int& exit_code) {
  auto f = std::make_shared<HoldFlags>();
  auto* cmd = hold.add_subcommand("remove", "Release a legal hold (retention may then drop what it kept)");
  cmd->add_option("--data", f->data, "data directory (default ./vigil-data)");
  cmd->add_option("--id", f->id, "id of the hold")->required();
  cmd->callback([f, &exit_code] {
    auto removed = remove_hold(f->data, f->id);
    if (!removed.ok()) return fail("hold remove", removed.error(), exit_code);
    std::printf("hold %s removed (tenant %s, reason: %s)\n", removed->id.c_str(), printable(removed->tenant).c_str(),
                printable(removed->reason).c_str());
  });
}

void add_hold_list(CLI::App& hold, int& exit_code) {
  auto f = std::make_shared<HoldFlags>();
  auto* cmd = hold.add_subcommand("list", "List legal holds");
  cmd->add_option("--data", f->data, "data directory (default ./vigil-data)");
  cmd->add_option("--format", f->format, "table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  cmd->callback([f, &exit_code] {
    auto holds = load_holds(f->data);
    if (!holds.ok()) return fail("hold list", holds.error(), exit_code);
    if (f->format == "json") {
      std::string out = format_holds(*holds);
      std::fwrite(out.data(), 1, out.size(), stdout);
      return;
    }
    if (holds->empty()) {
      std::printf("no legal holds in %s\n", f->data.c_str());
      return;
    }
    std::vector<std::vector<std::string>> rows{{"ID", "TENANT", "FROM", "TO", "CREATED", "BY", "REASON"}};
    for (const auto& h : *holds) {
      rows.push_back({h.id, h.tenant, format_rfc3339(h.from), format_rfc3339(h.to), format_rfc3339(h.created),
                      h.created_by, h.reason});
    }
    print_table(rows);
  });
}

struct PlanFlags {
  std::string data = "vigil-data", config, now, format = "table";
};

std::string plan_json(const RetentionPlan& plan, size_t partitions, TimeNs now) {
  namespace json = boost::json;
  json::array drop, held;
  for (const auto& d : plan.drop) drop.push_back(json::object{{"partition", d.partition.name()}, {"policy", d.policy}});
  for (const auto& h : plan.held) {
    json::array ids;
    for (const auto& id : h.hold_ids) ids.push_back(json::string(id));
    held.push_back(json::object{{"partition", h.partition.name()}, {"policy", h.policy}, {"holds", std::move(ids)}});
  }
  json::object o{
      {"now", format_rfc3339(now)}, {"partitions", partitions}, {"drop", std::move(drop)}, {"held", std::move(held)}};
  return json::serialize(o) + "\n";
}

}  // namespace

void add_store_hold_commands(CLI::App& store_group, int& exit_code) {
  auto* hold = store_group.add_subcommand("hold", "Legal holds: keep partitions past retention");
  hold->require_subcommand(1);
  add_hold_add(*hold, exit_code);
  add_hold_remove(*hold, exit_code);
  add_hold_list(*hold, exit_code);
}

void add_store_retention_commands(CLI::App& store_group, int& exit_code, PartitionLister list_partitions) {
  auto* group = store_group.add_subcommand("retention", "Retention policies");
  group->require_subcommand(1);
  auto f = std::make_shared<PlanFlags>();
  auto* cmd =
      group->add_subcommand("plan", "Show which partitions retention would drop now, and why (changes nothing)");
  cmd->add_option("--data", f->data, "data directory (default ./vigil-data)");
  cmd->add_option("--config", f->config, "YAML file with a 'retention:' section (the server's config file)")
      ->required();
  cmd->add_option("--now", f->now, std::string("plan as of this time instead of now: ") + kTimeHelp);
  cmd->add_option("--format", f->format, "table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  cmd->callback([f, &exit_code, list_partitions] {
    TimeNs now = now_ns();
    if (!f->now.empty()) {
      auto t = time_flag("--now", f->now, now);
      if (!t.ok()) return fail("retention plan", t.error(), exit_code);
      now = *t;
    }
    auto config = load_retention_file(f->config);
    if (!config.ok()) return fail("retention plan", config.error(), exit_code);
    auto holds = load_holds(f->data);
    if (!holds.ok()) return fail("retention plan", holds.error(), exit_code);
    auto partitions = list_partitions(f->data);
    if (!partitions.ok()) return fail("retention plan", partitions.error(), exit_code);
    RetentionPlan plan = plan_retention(*partitions, *config, *holds, now);
    if (f->format == "json") {
      std::string out = plan_json(plan, partitions->size(), now);
      std::fwrite(out.data(), 1, out.size(), stdout);
      return;
    }
    std::vector<std::vector<std::string>> rows{{"ACTION", "PARTITION", "POLICY", "HELD BY"}};
    for (const auto& d : plan.drop) rows.push_back({"drop", d.partition.name(), d.policy, ""});
    for (const auto& h : plan.held)
      rows.push_back({"held", h.partition.name(), h.policy, fmt::format("{}", fmt::join(h.hold_ids, ", "))});
    if (rows.size() > 1) print_table(rows);
    std::printf("%zu partitions as of %s: %zu to drop, %zu past retention but held, %zu kept\n", partitions->size(),
                format_rfc3339(now).c_str(), plan.drop.size(), plan.held.size(),
                partitions->size() - plan.drop.size() - plan.held.size());
  });
}

}  // namespace vigil
