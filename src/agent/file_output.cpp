// The file output (offline mode): batches as NDJSON lines in <dir>/events-<n>.ndjson,
// each line an event (core/event_json.h) with "_agent_batch": the spool's batch number
// and "_agent_batch_events": how many lines the batch has. A batch is written and
// fdatasynced before it counts as delivered; after a crash the spool resends the batches
// it was not told about: a batch found whole at the end of the newest file is skipped, a
// partly written one is cut away and written again, so a batch lands once. Files roll at max_file_mb; the
// oldest beyond keep_files are removed (stated in docs/agent.md).
#include <fcntl.h>
#include <sys/stat.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "agent/output.h"
#include "core/event_json.h"
#include "store/io.h"

namespace vigil {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kBatchKey = "\"_agent_batch\":";
constexpr std::string_view kCountKey = "\"_agent_batch_events\":";

// The number after `key` in a line, 0 when absent.
uint64_t number_after(std::string_view line, std::string_view key) {
  const size_t at = line.rfind(key);
  if (at == std::string_view::npos) return 0;
  uint64_t n = 0;
  for (size_t i = at + key.size(); i < line.size() && line[i] >= '0' && line[i] <= '9'; ++i) n = n * 10 + (line[i] - '0');
  return n;
}

class FileOutput final : public Output {
 public:
  FileOutput(const AgentConfig& c, std::string hostname) : config_(c), hostname_(std::move(hostname)) {}
  ~FileOutput() override {
    if (fd_ >= 0) ::close(fd_);
  }

  Status init() {
    std::error_code ec;
    fs::create_directories(config_.file.dir, ec);
    if (ec) return Status::error("file.dir " + config_.file.dir.string() + ": " + ec.message());
    std::vector<uint64_t> numbers = file_numbers();
    current_ = numbers.empty() ? 1 : numbers.back();
    if (Status s = open_current(); !s.ok()) return s;
    last_batch_ = last_batch_in_current();
    return {};
  }

  std::string_view name() const override { return "file"; }

  Delivery deliver(const SpooledBatch& batch) override {
    if (batch.seq <= last_batch_) return {Delivery::Delivered, "already in " + path(current_).string()};
    auto decoded = decode_agent_batch(batch.payload, size_t{1} << 30);
    if (!decoded.ok()) return {Delivery::Refused, "the spooled batch does not decode: " + decoded.status().message()};
    text_.clear();
    const std::string batch_field = std::string(kBatchKey) + std::to_string(batch.seq) + "," +
                                    std::string(kCountKey) + std::to_string(decoded->size()) + "}\n";
    for (const Event& e : decoded->events()) {
      append_event_json(text_, *decoded, e, EventJsonOptions{.time = true});
      text_.resize(text_.size() - 2);  // reopen the object for the batch number
      text_ += ',';
      text_ += batch_field;
    }
    if (size_ > 0 && size_ + text_.size() > static_cast<uint64_t>(config_.file.max_file_mb) << 20)
      if (Status s = roll(); !s.ok()) return {Delivery::Retry, s.message()};
    if (Status s = io::write_all(fd_, text_, path(current_)); !s.ok()) return {Delivery::Retry, s.message()};
    if (::fdatasync(fd_) != 0) return {Delivery::Retry, io::os_error("fdatasync", path(current_), errno).message()};
    size_ += text_.size();
    last_batch_ = batch.seq;
    return {Delivery::Delivered, {}};
  }

 private:
  fs::path path(uint64_t n) const { return config_.file.dir / ("events-" + std::to_string(n) + ".ndjson"); }

  std::vector<uint64_t> file_numbers() const {
    std::vector<uint64_t> out;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(config_.file.dir, ec)) {
      const std::string n = entry.path().filename().string();
      if (!n.starts_with("events-") || !n.ends_with(".ndjson")) continue;
      const std::string digits = n.substr(7, n.size() - 7 - 7);
      if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) continue;
      out.push_back(std::stoull(digits));
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  Status open_current() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = ::open(path(current_).c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd_ < 0) return io::os_error("open", path(current_), errno);
    struct stat st {};
    ::fstat(fd_, &st);
    size_ = static_cast<uint64_t>(st.st_size);
    return io::sync_dir(config_.file.dir);
  }

  Status roll() {
    ++current_;
    if (Status s = open_current(); !s.ok()) return s;
    std::vector<uint64_t> numbers = file_numbers();
    while (numbers.size() > static_cast<size_t>(config_.file.keep_files)) {
      std::error_code ec;
      fs::remove(path(numbers.front()), ec);
      spdlog::info("file output: removed {} (keep_files {})", path(numbers.front()).string(), config_.file.keep_files);
      numbers.erase(numbers.begin());
    }
    return {};
  }

  // The number of the last batch found whole at the end of the newest file (0 when none).
  // What a crash left after it — a torn line, a batch with lines missing — is cut away.
  uint64_t last_batch_in_current() {
    std::string text;
    if (!io::read_all(path(current_), text).ok()) return 0;
    size_t end = text.size();
    if (end > 0 && text[end - 1] != '\n') end = text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1;
    uint64_t batch = 0, expected = 0, seen = 0;
    size_t batch_start = end;
    while (batch_start > 0) {
      const size_t prev = batch_start >= 2 ? text.rfind('\n', batch_start - 2) : std::string::npos;
      const size_t line_start = prev == std::string::npos ? 0 : prev + 1;
      const std::string_view line(text.data() + line_start, batch_start - line_start);
      const uint64_t n = number_after(line, kBatchKey);
      if (seen == 0) {
        batch = n;
        expected = number_after(line, kCountKey);
      } else if (n != batch) {
        break;
      }
      ++seen;
      batch_start = line_start;
    }
    uint64_t good = end;
    if (batch != 0 && seen < expected) {
      good = batch_start;  // the last batch is not whole: it is written again when resent
      batch = 0;
      // The batch before it is whole (it was fsynced before this one began).
      if (good > 0) {
        const size_t prev = good >= 2 ? text.rfind('\n', good - 2) : std::string::npos;
        const size_t start = prev == std::string::npos ? 0 : prev + 1;
        batch = number_after(std::string_view(text).substr(start, good - start), kBatchKey);
      }
    }
    if (good < text.size()) {
      if (::ftruncate(fd_, static_cast<off_t>(good)) == 0) size_ = good;
      spdlog::warn("file output: cut {} bytes of an unfinished batch from the end of {}", text.size() - good,
                   path(current_).string());
    }
    return batch;
  }

  const AgentConfig& config_;
  std::string hostname_;
  uint64_t current_ = 1;
  int fd_ = -1;
  uint64_t size_ = 0;
  uint64_t last_batch_ = 0;
  std::string text_;
};

}  // namespace

Result<std::unique_ptr<Output>> make_file_output(const AgentConfig& config, const std::string& hostname) {
  auto out = std::make_unique<FileOutput>(config, hostname);
  if (Status s = out->init(); !s.ok()) return s;
  return std::unique_ptr<Output>(std::move(out));
}

}  // namespace vigil
