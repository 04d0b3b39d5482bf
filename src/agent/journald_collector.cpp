// journalctl as a child: posix_spawn with its stdout and stderr on non-blocking pipes,
// read only in poll(), restarted with backoff when it dies.
#include "agent/journald_collector.h"

#include "agent/child_process.h"
#include "agent/line_splitter.h"

#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>
#include <simdjson.h>
#include <thread>

#include "agent/file_tail.h"
#include "agent/log_collector.h"
#include "agent/position_file.h"
#include "core/time.h"
#include "normalize/line_normalizer.h"


namespace vigil {
namespace {

namespace fs = std::filesystem;
namespace dom = simdjson::dom;

constexpr size_t kReadBudget = 1 << 20;  // bytes per poll

bool journal_field_value(dom::element v, std::string& out) {
  std::string_view s;
  if (v.get_string().get(s) == simdjson::SUCCESS) {
    out.assign(s);
    return true;
  }
  return false;
}

// A journal field: a string, or an array of bytes (journald's form for non-UTF-8 data),
// or, for a field the entry has several times, the first of an array of those.
bool journal_field(dom::object entry, std::string_view key, std::string& out) {
  dom::element v;
  if (entry[key].get(v) != simdjson::SUCCESS) return false;
  if (v.is_array()) {
    dom::array a = v.get_array().value_unsafe();
    if (a.size() > 0 && !(*a.begin()).is_number()) return journal_field_value(*a.begin(), out);
    out.clear();
    for (dom::element b : a) {
      int64_t byte;
      if (b.get_int64().get(byte) != simdjson::SUCCESS || byte < 0 || byte > 255) return false;
      out.push_back(static_cast<char>(byte));
    }
    return true;
  }
  return journal_field_value(v, out);
}

// Header fields of RFC 5424 are single words: anything else becomes '_'; empty is "-".
void append_header_word(std::string& line, std::string_view word) {
  if (word.empty()) {
    line += '-';
    return;
  }
  for (unsigned char c : word.substr(0, 255)) line += (c <= ' ' || c >= 0x7f) ? '_' : static_cast<char>(c);
}

class JournaldCollector final : public Collector {
 public:
  explicit JournaldCollector(JournaldCollectorOptions options) : options_(std::move(options)) {}
  ~JournaldCollector() override { stop(); }

  std::string_view name() const override { return options_.name; }

  Status start(const CollectorContext& context) override {
    context_ = context;
    if (!options_.packs) options_.packs = agent_packs();
    normalizer_ = std::make_unique<LineNormalizer>(
        NormalizerOptions{.packs = options_.packs, .max_line_bytes = options_.max_line_bytes});
    state_dir_ = context.state_dir / options_.name;
    std::error_code ec;
    fs::create_directories(state_dir_, ec);
    if (ec) return Status::error(state_dir_.string() + ": " + ec.message());
    positions_ = std::make_unique<PositionFile>(state_dir_ / "cursor");
    auto saved = positions_->load(context.spool_next_seq);
    if (!saved.ok()) note_error(saved.status().message());
    else cursor_ = saved->substr(0, saved->find('\n'));
    started_at_s_ = std::time(nullptr);
    restart_.configure(options_.restart_backoff_ms);
    entries_.set_max(options_.max_entry_bytes);
    Status s = spawn();
    if (!s.ok()) return s;
    stats_.mode = "journalctl";
    running_ = true;
    return Status();
  }

  void poll(EventBatch& out) override {
    if (!running_) return;
    if (cursor_dirty_ && !positions_->two_phase()) save_cursor();
    if (child_.pid < 0) {
      if (!restart_.due()) return;
      Status s = spawn();
      if (!s.ok()) {
        note_error(s.message());
        restart_.schedule();
        return;
      }
    }
    const size_t before = out.size();
    read_stderr();
    // One JSON object a line; an entry over the limit is dropped, counted and said.
    const bool eof = read_child_stdout(child_, kReadBudget, [&](std::string_view bytes) {
      entries_.feed(bytes, [&](std::string_view json, bool cut) {
        if (!cut) return entry(json, out);
        ++stats_.dropped;
        note_error("a journal entry longer than " + std::to_string(options_.max_entry_bytes) + " bytes was skipped");
      });
    });
    normalizer_->flush(out);
    stats_.events += out.size() - before;
    if (out.size() > before) restart_.delivered();  // it works again
    if (eof) {
      read_stderr();
      std::string why = reap(false);
      note_error(options_.journalctl + " stopped (" + why + ")" + (stderr_tail_.empty() ? "" : ": " + stderr_tail_));
      restart_.schedule();
    }
  }

  void stop() override {
    if (!running_) return;
    running_ = false;
    if (child_.pid > 0) {
      ::kill(child_.pid, SIGTERM);
      reap(true);
    }
    if (!positions_->two_phase()) save_cursor();
  }

  // The cursor moves with the spool (position_file.h): exactly once across a crash.
  void prepare(uint64_t seq) override {
    if (cursor_.empty()) return;
    if (Status s = positions_->prepare(seq, cursor_ + "\n"); !s.ok()) note_error(s.message());
  }
  void commit() override {
    if (Status s = positions_->commit(); !s.ok()) note_error(s.message());
    else cursor_dirty_ = false;
  }

  CollectorStats stats() const override { return stats_; }

 private:
  Status spawn() {
    std::vector<std::string> args = {options_.journalctl, "--follow", "--output=json", "--no-pager", "--quiet"};
    if (!cursor_.empty()) args.push_back("--after-cursor=" + cursor_);
    else args.push_back("--since=@" + std::to_string(started_at_s_));
    if (!options_.directory.empty()) args.push_back("--directory=" + options_.directory);
    if (!options_.units.empty()) {
      for (const std::string& u : options_.units) args.push_back("--unit=" + u);
    } else {
      for (const std::string& t : options_.identifiers) args.push_back("--identifier=" + t);
    }
    auto child = spawn_child(args);
    if (!child.ok()) return Status::error(options_.name + ": " + child.status().message());
    child_ = *child;
    entries_.reset();
    stderr_tail_.clear();
    return Status();
  }

  // Waits for the child (blocking: only after it closed its stdout or was killed) and
  // says how it ended.
  std::string reap(bool killing) {
    return reap_child(child_, false, killing ? "stopped" : "ended");
  }

  void read_stderr() { read_child_stderr(child_, stderr_tail_); }

  void entry(std::string_view json, EventBatch& out) {
    if (json.find_first_not_of(" \t\r") == std::string_view::npos) return;
    dom::object o;
    if (parser_.parse(json.data(), json.size()).get(o) != simdjson::SUCCESS) {
      // Kept raw and flagged rather than lost: the normalizer reports what it cannot read.
      note_error("journalctl wrote a line that is not a JSON object");
      normalizer_->add_line(json, Provenance{.receive_time = now_ns(), .raw = json, .source = "journald", .input = "journald"}, out);
      return;
    }
    std::string cursor;
    journal_field(o, "__CURSOR", cursor);
    if (!journal_field(o, "MESSAGE", message_)) message_.clear();
    build_line(o);
    const size_t before = out.size();
    normalizer_->add_line(line_, Provenance{.receive_time = now_ns(), .raw = line_, .source = "journald", .input = "journald"}, out);
    if (out.size() > before && !context_.hostname.empty()) {
      static const FieldId kHostname = field_id("device.hostname");
      if (out.find(out.current(), kHostname) == nullptr) {
        out.reopen_last_event();
        out.add_string(kHostname, context_.hostname);
        out.end_event();
      }
    }
    if (!cursor.empty()) {
      cursor_ = std::move(cursor);
      cursor_dirty_ = true;
    }
  }

  // "<PRI>1 2026-12-04T10:00:00.123456Z host ident pid - - message"
  void build_line(dom::object o) {
    std::string field;
    int facility = 1, severity = 6;  // user.info when the entry does not say
    if (journal_field(o, "SYSLOG_FACILITY", field)) std::from_chars(field.data(), field.data() + field.size(), facility);
    if (journal_field(o, "PRIORITY", field)) std::from_chars(field.data(), field.data() + field.size(), severity);
    if (facility < 0 || facility > 23) facility = 1;
    if (severity < 0 || severity > 7) severity = 6;
    line_ = "<" + std::to_string(facility * 8 + severity) + ">1 ";
    int64_t usec = -1;
    if (journal_field(o, "__REALTIME_TIMESTAMP", field)) std::from_chars(field.data(), field.data() + field.size(), usec);
    if (usec >= 0) {
      std::time_t secs = static_cast<std::time_t>(usec / 1'000'000);
      std::tm tm{};
      char ts[64];
      if (::gmtime_r(&secs, &tm) && std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm) > 0) {
        line_ += ts;
        char frac[16];
        std::snprintf(frac, sizeof frac, ".%06dZ", static_cast<int>(usec % 1'000'000));
        line_ += frac;
      } else {
        line_ += '-';
      }
    } else {
      line_ += '-';
    }
    line_ += ' ';
    append_header_word(line_, journal_field(o, "_HOSTNAME", field) ? field : std::string());
    line_ += ' ';
    std::string ident;
    if (!journal_field(o, "SYSLOG_IDENTIFIER", ident)) journal_field(o, "_COMM", ident);
    append_header_word(line_, ident);
    line_ += ' ';
    if (!journal_field(o, "_PID", field) && !journal_field(o, "SYSLOG_PID", field)) field.clear();
    append_header_word(line_, field);
    line_ += " - - ";
    // One event per entry: a multi-line message keeps its lines, the newlines escaped.
    for (char c : message_) {
      if (c == '\n') line_ += "\\n";
      else line_ += c;
    }
  }

  void save_cursor() {
    if (cursor_.empty()) return;
    Status s = positions_->save(cursor_ + "\n");
    if (!s.ok()) note_error(s.message());
    else cursor_dirty_ = false;
  }

  void note_error(const std::string& why) {
    ++stats_.errors;
    stats_.last_error = why;
    spdlog::warn("{}: {}", options_.name, why);
  }

  JournaldCollectorOptions options_;
  CollectorContext context_;
  fs::path state_dir_;
  std::unique_ptr<LineNormalizer> normalizer_;
  dom::parser parser_;
  std::string cursor_;
  std::unique_ptr<PositionFile> positions_;
  bool cursor_dirty_ = false;
  std::time_t started_at_s_ = 0;
  ChildProcess child_;
  LineSplitter entries_;
  std::string stderr_tail_;
  std::string message_;
  std::string line_;
  RestartBackoff restart_;
  bool running_ = false;
  CollectorStats stats_;
};

}  // namespace

std::unique_ptr<Collector> make_journald_collector(JournaldCollectorOptions options) {
  return std::make_unique<JournaldCollector>(std::move(options));
}

}  // namespace vigil
