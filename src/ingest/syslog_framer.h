// SyslogFramer: splits a syslog TCP byte stream into messages.
// Handles both framings of RFC 6587, detected per message: octet counting
// ("57 <34>1 2026-..."), and non-transparent framing (LF-terminated, CR stripped).
// Oversized messages are cut to max_frame bytes and reported as truncated;
// the rest of such a message is skipped, so one bad sender cannot grow memory.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace vigil {

class SyslogFramer {
 public:
  explicit SyslogFramer(size_t max_frame) : max_frame_(max_frame) {}

  // Adds received bytes; calls on_frame(std::string_view frame, bool truncated) for each
  // complete message. Frames are valid only during the call.
  template <typename OnFrame>
  void feed(std::string_view bytes, OnFrame&& on_frame);
  // End of stream: the unterminated last message, if any.
  template <typename OnFrame>
  void finish(OnFrame&& on_frame);

  size_t buffered() const { return buf_.size() - pos_; }

 private:
  // Octet-counting header at p: returns the length and sets header_len, or -1 when the
  // bytes at p are not (yet) a count, -2 when more bytes are needed to decide.
  long octet_count(size_t p, size_t& header_len) const;
  void compact();

  size_t max_frame_;
  std::string buf_;
  size_t pos_ = 0;         // start of the unconsumed bytes in buf_
  size_t skip_bytes_ = 0;  // rest of an oversized octet-counted message to discard
  bool skip_line_ = false; // rest of an oversized LF-framed message to discard
};

template <typename OnFrame>
void SyslogFramer::feed(std::string_view bytes, OnFrame&& on_frame) {
  if (skip_bytes_ > 0) {
    size_t n = std::min(skip_bytes_, bytes.size());
    skip_bytes_ -= n;
    bytes.remove_prefix(n);
  }
  buf_.append(bytes);
  while (pos_ < buf_.size()) {
    if (skip_line_) {
      size_t nl = buf_.find('\n', pos_);
      if (nl == std::string::npos) {
        pos_ = buf_.size();
        break;
      }
      pos_ = nl + 1;
      skip_line_ = false;
      continue;
    }
    char c = buf_[pos_];
    if (c == '\n' || c == '\r' || c == '\0') {  // stray delimiters between messages
      ++pos_;
      continue;
    }
    size_t header_len = 0;
    long count = c >= '1' && c <= '9' ? octet_count(pos_, header_len) : -1;
    if (count == -2) break;  // need more bytes to tell
    if (count >= 0) {
      size_t len = static_cast<size_t>(count);
      size_t start = pos_ + header_len;
      size_t avail = buf_.size() - start;
      if (len > max_frame_) {
        if (avail < max_frame_) break;
        on_frame(std::string_view(buf_).substr(start, max_frame_), true);
        size_t consumed = std::min(avail, len);
        skip_bytes_ = len - consumed;
        pos_ = start + consumed;
        continue;
      }
      if (avail < len) break;
      on_frame(std::string_view(buf_).substr(start, len), false);
      pos_ = start + len;
      continue;
    }
    size_t nl = buf_.find('\n', pos_);
    if (nl == std::string::npos) {
      if (buf_.size() - pos_ > max_frame_) {
        on_frame(std::string_view(buf_).substr(pos_, max_frame_), true);
        pos_ = buf_.size();
        skip_line_ = true;
      }
      break;
    }
    size_t end = nl;
    if (end > pos_ && buf_[end - 1] == '\r') --end;
    std::string_view frame = std::string_view(buf_).substr(pos_, end - pos_);
    if (frame.size() > max_frame_) on_frame(frame.substr(0, max_frame_), true);
    else on_frame(frame, false);
    pos_ = nl + 1;
  }
  compact();
}

template <typename OnFrame>
void SyslogFramer::finish(OnFrame&& on_frame) {
  if (!skip_line_ && skip_bytes_ == 0 && pos_ < buf_.size()) {
    std::string_view rest = std::string_view(buf_).substr(pos_);
    while (!rest.empty() && (rest.back() == '\r' || rest.back() == '\0')) rest.remove_suffix(1);
    if (!rest.empty()) on_frame(rest.substr(0, max_frame_), rest.size() > max_frame_);
  }
  buf_.clear();
  pos_ = 0;
  skip_line_ = false;
  skip_bytes_ = 0;
}

}  // namespace vigil
