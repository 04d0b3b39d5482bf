// LineSplitter: a child's output into lines, however its reads cut them. A line longer
// than the limit is handed on once, cut at the limit (`cut` true), and the rest of it up
// to its newline is skipped; the collector decides whether a cut line is kept or dropped.
#pragma once

#include <string>
#include <string_view>

namespace vigil {

class LineSplitter {
 public:
  explicit LineSplitter(size_t max_line = 64 * 1024) : max_(max_line) {}
  void set_max(size_t max_line) { max_ = max_line; }
  // Before a new stream (a restarted child).
  void reset() {
    pending_.clear();
    skipping_ = false;
  }

  // Calls on_line(line, cut) for every line `bytes` completes.
  template <typename OnLine>
  void feed(std::string_view bytes, OnLine&& on_line) {
    while (!bytes.empty()) {
      const size_t nl = bytes.find('\n');
      const std::string_view part = bytes.substr(0, nl);
      if (!skipping_) {
        if (pending_.size() + part.size() > max_) {  // cut here, skip the rest of the line
          pending_.append(part.substr(0, max_ - pending_.size()));
          on_line(std::string_view(pending_), true);
          pending_.clear();
          skipping_ = true;
        } else {
          pending_.append(part);
        }
      }
      if (nl == std::string_view::npos) return;
      if (!skipping_) on_line(std::string_view(pending_), false);
      reset();
      bytes.remove_prefix(nl + 1);
    }
  }

  // At the end of the stream: a last line without its newline.
  template <typename OnLine>
  void finish(OnLine&& on_line) {
    if (!pending_.empty() && !skipping_) on_line(std::string_view(pending_), false);
    reset();
  }

 private:
  size_t max_;
  std::string pending_;
  bool skipping_ = false;
};

}  // namespace vigil
