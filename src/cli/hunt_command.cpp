// `vigil hunt`: runs Sigma rules over log files (EVTX, evtx_dump JSON, NDJSON, syslog)
// or over a data directory's stored history, without a server, and prints the alerts
// as a timeline (table, CSV or JSON lines), with a summary on stderr. One detection
// engine sees every event in order and is finished at the end, so correlations span
// files. Exit 0 when it ran (alerts or not), 2 for a usage or input error.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cli/event_files.h"
#include "cli/hunt_alerts.h"
#include "cli/hunt_output.h"
#include "cli/rule_paths.h"
#include "cli/stored_events.h"
#include "cli/subcommands.h"
#include "detect/detection_finding.h"
#include "detect/sigma_content.h"
#include "store/store.h"

namespace vigil {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int kUsageError = 2;
constexpr size_t kBatchEvents = 4096;

struct HuntFlags {
  std::vector<std::string> rules, files;
  std::string content, format = "table", from, to, min_level, tenant, data, input_format = "auto";
  bool verbose = false, progress = false;
};

struct HuntFile {
  std::string path;
  EventFormat format = EventFormat::Syslog;
  EventReadStats stats;
};

std::string with_commas(uint64_t n) {
  std::string s = std::to_string(n);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<size_t>(i), ",");
  return s;
}

std::string plural(uint64_t n, const char* one, const char* many) {
  return with_commas(n) + " " + (n == 1 ? one : many);
}

int usage_error(const std::string& message) {
  std::fprintf(stderr, "vigil hunt: %s\n(vigil hunt --help shows the flags and examples)\n", message.c_str());
  return kUsageError;
}

// The files to read: each argument, or every file under an argument that is a folder.
Result<std::vector<std::string>> expand_files(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (const std::string& a : args) {
    std::error_code ec;
    if (fs::is_directory(a, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(a, fs::directory_options::skip_permission_denied, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
        if (it->is_regular_file(ec)) found.push_back(it->path().string());
      if (ec) return Status::error(a + ": " + ec.message());
      std::sort(found.begin(), found.end());
      out.insert(out.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(a, ec)) {
      if (::access(a.c_str(), R_OK) != 0) return Status::error(a + ": not readable");
      out.push_back(a);
    } else {
      return Status::error(a + ": no such file or folder");
    }
  }
  return out;
}

EventFormat detect_format(const std::string& path) {
  std::string head(64 * 1024, '\0');
  size_t n = 0;
  if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
    n = std::fread(head.data(), 1, head.size(), f);
    std::fclose(f);
  }
  head.resize(n);
  return sniff_event_format(path, head);
}

// The file's modification time: syslog dates without a year are read as of then.
TimeNs file_time(const std::string& path) {
  std::error_code ec;
  const auto t = fs::last_write_time(path, ec);
  if (ec) return now_ns();
  const auto sys = std::chrono::file_clock::to_sys(t);
  return std::chrono::duration_cast<std::chrono::nanoseconds>(sys.time_since_epoch()).count();
}

// Progress on stderr: a line rewritten in place on a terminal, else a line every few
// seconds (only with --progress).
class Progress {
 public:
  Progress(bool forced) : tty_(::isatty(STDERR_FILENO) == 1), on_(tty_ || forced), start_(Clock::now()), last_(start_) {}

  void update(uint64_t events, size_t alerts, const std::string& where) {
    if (!on_) return;
    const auto now = Clock::now();
    if (now - last_ < (tty_ ? std::chrono::seconds(2) : std::chrono::seconds(5))) return;
    last_ = now;
    const double secs = std::chrono::duration<double>(now - start_).count();
    std::fprintf(stderr, "%shunt: %s events, %zu alerts, %s events/s%s%s%s", tty_ ? "\r\x1b[K" : "",
                 with_commas(events).c_str(), alerts, with_commas(static_cast<uint64_t>(events / secs)).c_str(),
                 where.empty() ? "" : ", ", where.c_str(), tty_ ? "" : "\n");
    std::fflush(stderr);
    shown_ = true;
  }
  void done() {
    if (shown_ && tty_) std::fprintf(stderr, "\r\x1b[K");
  }
  double seconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

 private:
  bool tty_, on_;
  Clock::time_point start_, last_;
  bool shown_ = false;
};

// The events of `chunk` within [from, to]; the chunk itself when all are.
void keep_time_range(EventChunk& chunk, TimeNs from, TimeNs to) {
  bool all = true;
  for (const Event& e : chunk.events.events()) all = all && e.time >= from && e.time <= to;
  if (all) return;
  EventChunk kept;
  kept.kind = chunk.kind;
  for (size_t i = 0; i < chunk.events.size(); ++i) {
    const Event& e = chunk.events[i];
    if (e.time < from || e.time > to) continue;
    copy_event(chunk.events, e, kept.events);
    kept.positions.push_back(i < chunk.positions.size() ? chunk.positions[i] : 0);
  }
  chunk = std::move(kept);
}

void print_summary(const HuntFlags& f, const detect::RuleSet& rules, const std::vector<HuntFile>& files,
                   uint64_t events, uint64_t parse_errors, const std::string& first_error, double seconds,
                   double load_seconds, const HuntAlerts& alerts, size_t shown) {
  const auto& report = rules.report;
  if (f.verbose) {
    for (const auto& r : report.refusals) std::fprintf(stderr, "refused: %s\n", r.c_str());
    for (const auto& w : report.warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
    for (const HuntFile& h : files) {
      const std::string first = first_error_at(h.path, h.stats);
      std::fprintf(stderr, "file %s: %s, %s, %s%s%s\n", h.path.c_str(),
                   std::string(event_format_name(h.format)).c_str(), plural(h.stats.events, "event", "events").c_str(),
                   plural(h.stats.parse_errors, "parse error", "parse errors").c_str(), first.empty() ? "" : "; first: ",
                   first.c_str());
    }
  }
  const std::string what = f.data.empty() ? std::to_string(files.size()) + (files.size() == 1 ? " file" : " files")
                                          : "data " + f.data;
  std::fprintf(stderr, "hunt: %s, %s, %s%s%s, %.2f s, %s events/s\n", what.c_str(),
               plural(events, "event", "events").c_str(), plural(parse_errors, "parse error", "parse errors").c_str(),
               first_error.empty() ? "" : " (first: ", first_error.empty() ? "" : (first_error + ")").c_str(), seconds,
               with_commas(seconds > 0 ? static_cast<uint64_t>(events / seconds) : events).c_str());
  std::string refused = std::to_string(report.refusals.size()) + " refused";
  if (!report.refusals.empty() && !f.verbose) refused += " (--verbose lists them)";
  std::fprintf(stderr, "rules: %s loaded in %.2f s (%s, %s), %s, %s\n",
               with_commas(rules.rules.size() + rules.correlations.size()).c_str(), load_seconds,
               plural(rules.rules.size(), "rule", "rules").c_str(),
               plural(rules.correlations.size(), "correlation", "correlations").c_str(), refused.c_str(),
               plural(report.warnings.size(), "warning", "warnings").c_str());
  static constexpr const char* kLevels[] = {"unknown", "informational", "low", "medium", "high", "critical"};
  size_t by_level[6] = {};
  for (const HuntAlert& a : alerts.alerts) ++by_level[detect::severity_id_of_level(meta_of(rules, a).level)];
  std::string levels;
  for (int l = 5; l >= 0; --l)
    if (by_level[l]) levels += std::string(levels.empty() ? "" : ", ") + kLevels[l] + " " + with_commas(by_level[l]);
  std::fprintf(stderr, "alerts: %s%s%s%s\n", with_commas(alerts.alerts.size()).c_str(), levels.empty() ? "" : " (",
               levels.c_str(), levels.empty() ? "" : ")");
  if (!f.min_level.empty())
    std::fprintf(stderr, "shown: %s at level %s or above\n", with_commas(shown).c_str(), f.min_level.c_str());
}

int run_hunt(HuntFlags& f, const std::vector<std::string>& extras) {
  // Flags first: every mistake is a usage error before any work.
  if (!extras.empty()) return usage_error("unknown argument '" + extras.front() + "'");
  if (f.rules.empty()) return usage_error("--rules is required: a Sigma rule file or a folder of them");
  if (f.files.empty() && f.data.empty()) return usage_error("nothing to hunt in: give log files or --data DIR");
  if (!f.files.empty() && !f.data.empty()) return usage_error("give either log files or --data DIR, not both");
  const auto format = parse_hunt_format(f.format);
  if (!format) return usage_error("--format must be table, csv or json, not '" + f.format + "'");
  int64_t min_severity = 0;
  if (!f.min_level.empty()) {
    min_severity = detect::severity_id_of_level(f.min_level);
    if (min_severity == 0)
      return usage_error("--min-level must be informational, low, medium, high or critical, not '" + f.min_level + "'");
  }
  std::optional<EventFormat> forced;
  if (f.input_format != "auto") {
    forced = parse_event_format(f.input_format);
    if (!forced)
      return usage_error("--input-format must be auto, syslog, ndjson, windows-json or evtx, not '" + f.input_format + "'");
  }
  TimeNs from = kMinTime, to = kMaxTime;
  const TimeNs now = now_ns();
  for (auto [text, out, name] : {std::tuple{&f.from, &from, "--from"}, std::tuple{&f.to, &to, "--to"}}) {
    if (text->empty()) continue;
    auto t = parse_time_arg(*text, now);
    if (!t) return usage_error(std::string("bad ") + name + " '" + *text + "': use RFC 3339 (2026-11-22T06:00:00Z) or -15m, -24h, now");
    *out = *t;
  }
  if (from > to) return usage_error("--from is after --to");

  std::vector<HuntFile> files;
  if (!f.files.empty()) {
    auto paths = expand_files(f.files);
    if (!paths.ok()) return usage_error(paths.error());
    if (paths->empty()) return usage_error("no files found in " + f.files.front());
    for (std::string& p : *paths) files.push_back({.path = std::move(p)});
  }

  // Rules, compiled the way ingest compiles them.
  const auto load_start = Clock::now();
  const std::string content = f.content.empty() ? detect::default_content_dir() : f.content;
  auto options = detect::load_sigma_content(content);
  if (!options.ok()) return usage_error("Sigma content: " + options.error());
  auto rules = detect::load_rules(distinct_rule_paths(f.rules), *options);
  if (!rules.ok()) return usage_error("rules: " + rules.error());
  const detect::RuleSet& rs = **rules;
  if (rs.rules.empty() && rs.correlations.empty()) {
    for (const auto& r : rs.report.refusals) std::fprintf(stderr, "refused: %s\n", r.c_str());
    return usage_error("no rule loaded from " + f.rules.front() + " (" + std::to_string(rs.report.files) + " files, " +
                       std::to_string(rs.report.refusals.size()) + " refused)");
  }

  const double load_seconds = std::chrono::duration<double>(Clock::now() - load_start).count();
  detect::DetectionEngine engine(*rules);
  HuntAlerts alerts;
  Progress progress(f.progress);
  uint64_t events = 0, parse_errors = 0;
  std::string first_error;

  if (!f.data.empty()) {
    StoreOptions so;
    so.dir = f.data;
    so.read_only = true;
    if (!fs::is_directory(so.dir)) return usage_error("no data directory " + f.data);
    auto store = Store::open(so);
    if (!store.ok()) return usage_error(f.data + ": " + store.error());
    StoredScan scan{.from = from, .to = to, .tenant = f.tenant, .batch_size = kBatchEvents};
    StoredScanStats st;
    Status s = scan_in_time_order(**store, scan, [&](EventBatch& batch) {
      events += batch.size();
      hunt_batch(engine, batch, nullptr, PositionKind::None, alerts);
      progress.update(events, alerts.alerts.size(), "");
    }, st);
    if (!s.ok()) {
      progress.done();
      std::fprintf(stderr, "vigil hunt: reading %s: %s\n", f.data.c_str(), s.message().c_str());
      return 1;
    }
    parse_errors = st.parse_errors;
  } else {
    for (size_t i = 0; i < files.size(); ++i) {
      HuntFile& h = files[i];
      h.format = forced ? *forced : detect_format(h.path);
      const Provenance base{.receive_time = file_time(h.path), .input = "file",
                            .tenant = f.tenant.empty() ? std::string_view("default") : std::string_view(f.tenant)};
      const std::string where = "file " + std::to_string(i + 1) + " of " + std::to_string(files.size()) + " (" +
                                fs::path(h.path).filename().string() + ")";
      Status s = read_event_file(h.path, h.format, base, kBatchEvents, [&](EventChunk& chunk) {
        if (from != kMinTime || to != kMaxTime) keep_time_range(chunk, from, to);
        events += chunk.events.size();
        hunt_batch(engine, chunk.events, &chunk.positions, chunk.kind, alerts);
        progress.update(events, alerts.alerts.size(), where);
      }, h.stats);
      if (!s.ok()) {
        // The file vanished or became unreadable after the check: count it, go on.
        ++h.stats.parse_errors;
        if (h.stats.first_error.empty()) h.stats.first_error = "unreadable (" + s.message() + ")";
      }
      parse_errors += h.stats.parse_errors;
      if (first_error.empty()) first_error = first_error_at(h.path, h.stats);
    }
  }
  hunt_finish(engine, alerts);
  progress.done();
  const double seconds = progress.seconds();

  sort_by_time(alerts);
  const size_t shown = write_hunt_alerts(rs, alerts, *format, min_severity, stdout);
  std::fflush(stdout);
  print_summary(f, rs, files, events, parse_errors, first_error, seconds, load_seconds, alerts, shown);
  return 0;
}

}  // namespace

void add_hunt_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("hunt", "Run Sigma rules over log files or stored history, print the alerts");
  cmd->footer(
      "Reads each FILE (a folder: every file under it) in the order given, detects its format, runs every\n"
      "rule over all events with one engine (correlations span files) and prints the alerts sorted by time.\n"
      "\n"
      "Formats, detected per file (--input-format forces one):\n"
      "  evtx          *.evtx, Windows event logs\n"
      "  windows-json  evtx_dump output: JSON whose first object has \"Event\" ({\"Event\":{\"System\":..}})\n"
      "  ndjson        other JSON, one object per line (OCSF or any JSON; time from `time`, `@timestamp`, `ts`)\n"
      "  syslog        anything else, one RFC 3164/5424 line per event; a date without a year is read\n"
      "                as of the file's modification time\n"
      "\n"
      "Output (stdout): table (time, level, rule, id, host, user, source IP, command line or a\n"
      "correlation's count and group, file:line or file#record), csv, or json (one Detection Finding\n"
      "per line, as `vigil search --format ndjson` prints events). Summary on stderr: files, events,\n"
      "parse errors, rules loaded and refused, alerts by level, events/s.\n"
      "\n"
      "Exit status: 0 it ran (alerts or not), 2 usage or input error (unknown file, unreadable rules).\n"
      "Malformed files are not errors: their bad records are counted as parse errors.\n"
      "\n"
      "Examples:\n"
      "  vigil hunt --rules ../sigma/rules/windows Security.evtx Sysmon.evtx\n"
      "  vigil hunt --rules content/rules --min-level high --format csv /var/log/auth.log > alerts.csv\n"
      "  vigil hunt --rules my-rules/ --format json logs/ | jq -r '.fields.\"finding_info.title\"'\n"
      "  vigil hunt --data /var/lib/vigil --rules content/rules --from -7d --tenant acme\n"
      "More: docs/hunt.md");
  auto f = std::make_shared<HuntFlags>();
  cmd->add_option("files", f->files, "log files or folders to read");
  cmd->add_option("--rules", f->rules, "Sigma rule file or folder (repeat the flag or separate with commas)")
      ->allow_extra_args(false)
      ->delimiter(',');
  cmd->add_option("--content", f->content, "Sigma content folder (log sources, field names); default: the project's");
  cmd->add_option("--data", f->data, "hunt in this data directory's stored events instead of files (read-only)");
  cmd->add_option("--format", f->format, "table, csv or json (JSON lines)")->capture_default_str();
  cmd->add_option("--from", f->from, "only events at or after this time (RFC 3339, or -24h, -7d)");
  cmd->add_option("--to", f->to, "only events at or before this time");
  cmd->add_option("--min-level", f->min_level, "show alerts of this level or above: low, medium, high, critical");
  cmd->add_option("--tenant", f->tenant, "files: the tenant their events get (default 'default'); --data: only this tenant");
  cmd->add_option("--input-format", f->input_format, "auto, syslog, ndjson, windows-json or evtx")->capture_default_str();
  cmd->add_flag("--verbose,-v", f->verbose, "list refused rules, warnings and each file's counts");
  cmd->add_flag("--progress", f->progress, "report progress every few seconds even when stderr is not a terminal");
  cmd->allow_extras();
  cmd->callback([f, cmd, &exit_code] { exit_code = run_hunt(*f, cmd->remaining()); });
}

}  // namespace vigil
