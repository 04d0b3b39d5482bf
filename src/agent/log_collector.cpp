// The log file collector: globs -> FileTails -> (multiline records) -> LineNormalizer.
// Each file has its own normalizer (its stream state) and its own held record.
#include "agent/log_collector.h"

#include <glob.h>
#include <re2/re2.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <map>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "agent/file_tail.h"
#include "agent/position_file.h"
#include "core/hash.h"
#include "core/time.h"
#include "normalize/line_normalizer.h"
#include "normalize/pack_loader.h"

namespace vigil {

std::shared_ptr<const PackSet> agent_packs() {
  static const std::shared_ptr<const PackSet> kPacks = [] {
    PackLoad load = load_pack_dir(default_parsers_dir());
    for (const std::string& r : load.refusals) spdlog::warn("agent: parser pack refused: {}", r);
    return std::make_shared<const PackSet>(std::move(load.packs));
  }();
  return kPacks;
}

namespace {

namespace fs = std::filesystem;

// A new file that reuses a forgotten file's inode must not resume at that file's offset:
// the first bytes (up to kFingerprintBytes, all before the offset) must hash the same.
constexpr uint32_t kFingerprintBytes = 256;

struct IdentityHash {
  size_t operator()(const FileIdentity& i) const {
    return std::hash<uint64_t>()(static_cast<uint64_t>(i.dev) * 0x9E3779B97F4A7C15ull ^ static_cast<uint64_t>(i.ino));
  }
};

struct SavedOffset {
  uint64_t offset = 0;
  uint32_t fingerprint_len = 0;
  uint64_t fingerprint = 0;
};

bool fingerprint_of(int fd, uint32_t len, uint64_t& out) {
  char buf[kFingerprintBytes];
  ssize_t n = ::pread(fd, buf, len, 0);
  if (n != static_cast<ssize_t>(len)) return false;
  out = fnv1a(kFnv1aSeed, std::string_view(buf, len));
  return true;
}

class LogCollector final : public Collector {
 public:
  explicit LogCollector(LogCollectorOptions options) : options_(std::move(options)) {}
  ~LogCollector() override { stop(); }

  std::string_view name() const override { return options_.name; }

  Status start(const CollectorContext& context) override {
    context_ = context;
    if (options_.paths.empty()) return Status::error(options_.name + ": paths: at least one file or glob is needed");
    if (!options_.multiline.start.empty()) {
      start_re_ = std::make_unique<RE2>(options_.multiline.start, RE2::Quiet);
      if (!start_re_->ok())
        return Status::error(options_.name + ": multiline.start: " + start_re_->error());
    }
    if (!options_.packs) options_.packs = agent_packs();
    state_dir_ = context.state_dir / options_.name;
    std::error_code ec;
    fs::create_directories(state_dir_, ec);
    if (ec) return Status::error(state_dir_.string() + ": " + ec.message());
    positions_ = std::make_unique<PositionFile>(state_dir_ / "offsets");
    load_offsets(context.spool_next_seq);
    stats_.mode = "poll";
    first_scan_ = true;
    rescan(now_ns());
    first_scan_ = false;
    running_ = true;
    return Status();
  }

  void poll(EventBatch& out) override {
    if (!running_) return;
    // Used on its own (no spool): what the previous poll() handed out counts as taken.
    if (dirty_ && !positions_->two_phase()) save_offsets();
    const TimeNs now = now_ns();
    if (now - last_rescan_ >= static_cast<TimeNs>(options_.rescan_interval_ms) * 1'000'000) rescan(now);
    const size_t before = out.size();
    for (auto it = files_.begin(); it != files_.end();) {
      Tailed& f = *it->second;
      const bool at_end = read_file(f, out, now);
      if (!f.seen && at_end) {  // out of the globs and read to its end: done with it
        emit_record(f, out, now);
        commit(f);
        it = files_.erase(it);
      } else {
        ++it;
      }
    }
    stats_.events += out.size() - before;
  }

  void stop() override {
    if (!running_) return;
    running_ = false;
    // Records still held were never sent: their offsets stay at their first line.
    for (auto& [path, f] : files_) commit(*f);
    // With the spool, positions on disk move only with it (prepare/commit): the runtime
    // spooled the last poll before stopping, or those lines are read again next time.
    if (!positions_->two_phase()) save_offsets();
    files_.clear();
  }

  void prepare(uint64_t seq) override {
    if (Status s = positions_->prepare(seq, offsets_text()); !s.ok()) note_error(s.message());
  }
  void commit() override {
    if (Status s = positions_->commit(); !s.ok()) note_error(s.message());
    else dirty_ = false;
  }

  CollectorStats stats() const override { return stats_; }

 private:
  struct Tailed {
    std::unique_ptr<FileTail> tail;
    LineNormalizer normalizer;
    bool found_at_start = false;  // start_at_end applies to these
    bool seen = true;             // matched by the last rescan
    std::string last_error;
    // The multiline record held until its next start line (or the timeout).
    bool holding = false;
    std::string record;
    bool record_truncated = false;
    uint64_t record_start = 0;
    TimeNs record_touched = 0;

    explicit Tailed(std::shared_ptr<const PackSet> packs, size_t max_line_bytes)
        : normalizer(NormalizerOptions{.packs = std::move(packs), .max_line_bytes = max_line_bytes}) {}
  };

  void rescan(TimeNs now) {
    last_rescan_ = now;
    for (auto& [path, f] : files_) f->seen = false;
    live_.clear();
    for (const std::string& pattern : options_.paths) {
      glob_t g{};
      int rc = ::glob(pattern.c_str(), GLOB_NOSORT, nullptr, &g);
      if (rc == 0) {
        for (size_t i = 0; i < g.gl_pathc; ++i) add_file(g.gl_pathv[i]);
      } else if (rc != GLOB_NOMATCH) {
        note_error(pattern + ": cannot be matched (glob error " + std::to_string(rc) + ")");
      }
      ::globfree(&g);
    }
  }

  void add_file(const std::string& path) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return;
    live_.insert(FileIdentity{st.st_dev, st.st_ino});
    auto it = files_.find(path);
    if (it != files_.end()) {
      it->second->seen = true;
      return;
    }
    auto f = std::make_unique<Tailed>(options_.packs, options_.max_line_bytes);
    f->found_at_start = first_scan_;
    Tailed* raw = f.get();
    FileTailOptions to{.max_line_bytes = options_.max_line_bytes};
    to.start_offset = [this, raw](const FileIdentity& id, uint64_t size, int fd) { return start_offset(*raw, id, size, fd); };
    f->tail = std::make_unique<FileTail>(path, std::move(to));
    files_.emplace(path, std::move(f));
  }

  uint64_t start_offset(Tailed& f, const FileIdentity& id, uint64_t size, int fd) {
    const bool first_open = f.found_at_start;
    f.found_at_start = false;
    auto it = offsets_.find(id);
    if (it != offsets_.end()) {
      const SavedOffset& s = it->second;
      uint64_t fp = 0;
      if (s.fingerprint_len == 0 || (size >= s.fingerprint_len && fingerprint_of(fd, s.fingerprint_len, fp) && fp == s.fingerprint))
        return s.offset;
      spdlog::info("{}: {} is a new file in a known inode; reading it from the start", options_.name, f.tail->path());
      return 0;
    }
    return first_open && options_.start_at_end ? size : 0;
  }

  // Reads what the file has now (up to the per-poll budget); true when it is at its end.
  bool read_file(Tailed& f, EventBatch& out, TimeNs now) {
    if (!f.tail->is_open() && held_by_another(f)) return true;
    size_t budget = options_.max_bytes_per_poll;
    const uint64_t truncations = f.tail->truncations();
    bool at_end = false;
    TailLine line;
    while (budget > 0) {
      TailStep step = f.tail->next(line);
      if (step == TailStep::kIdle) {
        at_end = true;
        break;
      }
      if (step == TailStep::kRotated) {
        // The old file is finished: its record goes, its offset is final.
        emit_record(f, out, now);
        commit(f);
        spdlog::info("{}: {} was rotated; reading the new file", options_.name, f.tail->path());
        continue;
      }
      budget -= std::min(budget, line.text.size() + 1);
      add_line(f, line, out, now);
    }
    if (f.tail->truncations() != truncations)
      spdlog::info("{}: {} was truncated (copytruncate); reading it from the start", options_.name, f.tail->path());
    if (f.holding && now - f.record_touched >= static_cast<TimeNs>(options_.multiline.timeout_ms) * 1'000'000)
      emit_record(f, out, now);
    // Records an auditd reader holds end with the poll: nothing waits beyond a batch.
    f.normalizer.flush(out);
    if (f.tail->error() != f.last_error) {
      f.last_error = f.tail->error();
      if (!f.last_error.empty()) note_error(f.last_error);
    }
    if (f.tail->is_open()) commit(f);
    return at_end;
  }

  // A file just renamed into another glob match is still being finished by the tail of
  // its old name: it is opened only once that tail lets go, so no line is read twice.
  bool held_by_another(const Tailed& f) const {
    struct stat st;
    if (::stat(f.tail->path().c_str(), &st) != 0) return false;
    const FileIdentity id{st.st_dev, st.st_ino};
    for (const auto& [path, other] : files_)
      if (other.get() != &f && other->tail->is_open() && other->tail->identity() == id) return true;
    return false;
  }

  void add_line(Tailed& f, const TailLine& line, EventBatch& out, TimeNs now) {
    if (!start_re_) {
      emit(f, line.text, line.truncated, out, now);
      return;
    }
    if (f.holding && !RE2::PartialMatch(line.text, *start_re_)) {
      // A continuation (a stack trace's "\tat ..."): joined to the record, within the cap.
      const size_t room = options_.max_line_bytes > f.record.size() ? options_.max_line_bytes - f.record.size() : 0;
      if (room == 0 || line.text.size() + 1 > room) f.record_truncated = true;
      if (room > 0) {
        f.record.push_back('\n');
        f.record.append(line.text.substr(0, room - 1));
      }
      f.record_truncated |= line.truncated;
      f.record_touched = now;
      return;
    }
    emit_record(f, out, now);
    f.holding = true;
    f.record.assign(line.text);
    f.record_truncated = line.truncated;
    f.record_start = line.start_offset;
    f.record_touched = now;
  }

  void emit_record(Tailed& f, EventBatch& out, TimeNs now) {
    if (!f.holding) return;
    f.holding = false;
    emit(f, f.record, f.record_truncated, out, now);
  }

  void emit(Tailed& f, std::string_view text, bool truncated, EventBatch& out, TimeNs now) {
    const size_t before = out.size();
    f.normalizer.add_line(text, Provenance{.receive_time = now, .raw = text, .source = f.tail->path(), .input = "file"}, out);
    if (out.size() == before) return;
    if (truncated) out.set_flag(kFlagTruncated);
    // Lines without a syslog header (application logs) still say which machine wrote them.
    static const FieldId kHostname = field_id("device.hostname");
    if (!context_.hostname.empty() && out.find(out.current(), kHostname) == nullptr) {
      out.reopen_last_event();
      out.add_string(kHostname, context_.hostname);
      out.end_event();
    }
  }

  // The file's offset as far as its lines reached a batch: a held record's first line
  // is not there yet.
  void commit(Tailed& f) {
    const FileIdentity id = f.tail->identity();
    if (id == FileIdentity{}) return;
    const uint64_t offset = f.holding ? f.record_start : f.tail->offset();
    SavedOffset& s = offsets_[id];
    if (s.offset == offset && s.fingerprint_len == std::min<uint64_t>(offset, kFingerprintBytes)) return;
    s.offset = offset;
    const uint32_t want = static_cast<uint32_t>(std::min<uint64_t>(offset, kFingerprintBytes));
    if (s.fingerprint_len != want && f.tail->is_open() && fingerprint_of(f.tail->fd(), want, s.fingerprint))
      s.fingerprint_len = want;
    dirty_ = true;
  }

  void load_offsets(uint64_t spool_next_seq) {
    auto text = positions_->load(spool_next_seq);
    if (!text.ok()) {
      note_error(text.status().message());
      return;
    }
    std::istringstream in(*text);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      std::istringstream fields(line);
      unsigned long long dev, ino, offset, fp;
      unsigned fp_len;
      if (!(fields >> dev >> ino >> offset >> fp_len >> fp) || fp_len > kFingerprintBytes) {
        note_error((state_dir_ / "offsets").string() + ": unreadable line ignored: " + line.substr(0, 80));
        continue;
      }
      offsets_[FileIdentity{static_cast<dev_t>(dev), static_cast<ino_t>(ino)}] =
          SavedOffset{offset, fp_len, fp};
    }
  }

  void save_offsets() {
    Status s = positions_->save(offsets_text());
    if (!s.ok()) note_error(s.message());
    else dirty_ = false;
  }

  std::string offsets_text() {
    std::string text = "# vigil log collector offsets: dev inode offset fingerprint_len fingerprint\n";
    for (auto it = offsets_.begin(); it != offsets_.end();) {
      bool held = false;
      for (const auto& [path, f] : files_) held |= f->tail->identity() == it->first;
      if (!held && !live_.contains(it->first)) {  // a file no glob matches any more
        it = offsets_.erase(it);
        continue;
      }
      text += std::to_string(it->first.dev) + ' ' + std::to_string(it->first.ino) + ' ' + std::to_string(it->second.offset) +
              ' ' + std::to_string(it->second.fingerprint_len) + ' ' + std::to_string(it->second.fingerprint) + '\n';
      ++it;
    }
    return text;
  }

  void note_error(const std::string& why) {
    ++stats_.errors;
    stats_.last_error = why;
    spdlog::warn("{}: {}", options_.name, why);
  }

  LogCollectorOptions options_;
  CollectorContext context_;
  fs::path state_dir_;
  std::unique_ptr<RE2> start_re_;
  std::map<std::string, std::unique_ptr<Tailed>> files_;
  std::unordered_map<FileIdentity, SavedOffset, IdentityHash> offsets_;
  std::unique_ptr<PositionFile> positions_;
  std::unordered_set<FileIdentity, IdentityHash> live_;
  TimeNs last_rescan_ = 0;
  bool first_scan_ = false;
  bool dirty_ = false;
  bool running_ = false;
  CollectorStats stats_;
};

}  // namespace

std::unique_ptr<Collector> make_log_collector(LogCollectorOptions options) {
  return std::make_unique<LogCollector>(std::move(options));
}

}  // namespace vigil
