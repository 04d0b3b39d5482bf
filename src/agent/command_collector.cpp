// The program as a child on non-blocking pipes, read only in poll(); lines longer than
// the cap are cut, flagged and the rest of them skipped.
#include "agent/command_collector.h"

#include "agent/child_process.h"
#include "agent/line_splitter.h"

#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "agent/log_collector.h"
#include "core/time.h"
#include "normalize/line_normalizer.h"


namespace vigil {
namespace {

constexpr size_t kReadBudget = 4 << 20;  // bytes per poll

class CommandCollector final : public Collector {
 public:
  explicit CommandCollector(CommandCollectorOptions options) : options_(std::move(options)) {}
  ~CommandCollector() override { stop(); }

  std::string_view name() const override { return options_.name; }

  Status start(const CollectorContext& context) override {
    if (options_.command.empty() || options_.command[0].empty())
      return Status::error(options_.name + ": command: a program to run is needed");
    context_ = context;
    if (!options_.packs) options_.packs = agent_packs();
    normalizer_ = std::make_unique<LineNormalizer>(
        NormalizerOptions{.packs = options_.packs, .max_line_bytes = options_.max_line_bytes});
    restart_.configure(options_.restart_backoff_ms);
    lines_.set_max(options_.max_line_bytes);
    if (Status s = spawn(); !s.ok()) return s;
    stats_.mode = "command";
    running_ = true;
    return Status();
  }

  void poll(EventBatch& out) override {
    if (!running_) return;
    if (child_.pid < 0) {
      if (!options_.restart || !restart_.due()) return;
      if (Status s = spawn(); !s.ok()) {
        note_error(s.message());
        restart_.schedule();
        return;
      }
    }
    const size_t before = out.size();
    const TimeNs now = now_ns();
    read_stderr();
    const auto on_line = [&](std::string_view text, bool cut) { line(text, cut, now, out); };
    const bool eof = read_child_stdout(child_, kReadBudget, [&](std::string_view bytes) { lines_.feed(bytes, on_line); });
    if (eof) lines_.finish(on_line);
    normalizer_->flush(out);
    stats_.events += out.size() - before;
    if (out.size() > before) restart_.delivered();
    if (eof) {
      read_stderr();
      const std::string how = reap();
      const std::string why = options_.command[0] + " ended (" + how + ")" + (stderr_tail_.empty() ? "" : ": " + stderr_tail_);
      if (how != "exit status 0" || options_.restart) note_error(why);
      restart_.schedule();
    }
  }

  void stop() override {
    if (!running_) return;
    running_ = false;
    if (child_.pid > 0) {
      ::kill(child_.pid, SIGTERM);
      reap();
    }
  }

  CollectorStats stats() const override { return stats_; }

 private:
  Status spawn() {
    auto child = spawn_child(options_.command);
    if (!child.ok()) return Status::error(options_.name + ": " + child.status().message());
    child_ = *child;
    lines_.reset();
    stderr_tail_.clear();
    return Status();
  }

  std::string reap() {
    return reap_child(child_, false, "ended");
  }

  void read_stderr() { read_child_stderr(child_, stderr_tail_); }

  void line(std::string_view text, bool truncated, TimeNs now, EventBatch& out) {
    const size_t before = out.size();
    normalizer_->add_line(text, Provenance{.receive_time = now, .raw = text, .source = options_.command[0], .input = options_.input}, out);
    if (out.size() == before) return;
    if (truncated) out.set_flag(kFlagTruncated);
    static const FieldId kHostname = field_id("device.hostname");
    if (!context_.hostname.empty() && out.find(out.current(), kHostname) == nullptr) {
      out.reopen_last_event();
      out.add_string(kHostname, context_.hostname);
      out.end_event();
    }
  }

  void note_error(const std::string& why) {
    ++stats_.errors;
    stats_.last_error = why;
    spdlog::warn("{}: {}", options_.name, why);
  }

  CommandCollectorOptions options_;
  CollectorContext context_;
  std::unique_ptr<LineNormalizer> normalizer_;
  ChildProcess child_;
  LineSplitter lines_;
  std::string stderr_tail_;
  RestartBackoff restart_;
  bool running_ = false;
  CollectorStats stats_;
};

}  // namespace

std::unique_ptr<Collector> make_command_collector(CommandCollectorOptions options) {
  return std::make_unique<CommandCollector>(std::move(options));
}

}  // namespace vigil
